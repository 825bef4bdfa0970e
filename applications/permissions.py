"""The one scoping rule for personal data: who may see and act on which applications.

- The city office (permission ``applications.review_city``, or a superuser) sees every application.
- A district reviewer (permission ``applications.review_district``) sees the applications of the unit(s)
  whose reviewers' group (ReviewerGroup) they belong to, and nothing else.
- Everyone else, content editors included, sees none.

Every list, detail, action, export and download goes through ``scoped_applications``; an application
outside a user's scope answers 404, exactly as one that does not exist.
"""

from django.http import Http404

from .models import Application, ReviewerGroup

CITY_PERMISSION = "applications.review_city"
DISTRICT_PERMISSION = "applications.review_district"


def is_city_office(user):
    return user.is_active and (user.is_superuser or user.has_perm(CITY_PERMISSION))


def reviewer_unit_ids(user):
    """None for the city office (all units), else the set of unit ids the user reviews (maybe empty)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if is_city_office(user):
        return None
    if not user.has_perm(DISTRICT_PERMISSION):
        return set()
    return set(ReviewerGroup.objects.filter(group__user=user).values_list("unit_id", flat=True))


def can_review(user):
    units = reviewer_unit_ids(user)
    return units is None or bool(units)


def scoped_applications(user, queryset=None):
    queryset = Application.objects.all() if queryset is None else queryset
    units = reviewer_unit_ids(user)
    if units is None:
        return queryset
    return queryset.filter(unit_id__in=units)


def get_application(user, pk, queryset=None):
    try:
        return scoped_applications(user, queryset).get(pk=pk)
    except (Application.DoesNotExist, ValueError):
        raise Http404 from None


def scoped_unit_ids(user, unit_ids):
    """The subset of ``unit_ids`` the user may see (for exports that name a unit)."""
    units = reviewer_unit_ids(user)
    return set(unit_ids) if units is None else set(unit_ids) & units

"""Who is who in review: the city office, a unit's district reviewers, everyone else.

- The city office (permission ``applications.review_city``, or a superuser) reviews every unit.
- A district reviewer (permission ``applications.review_district``) reviews the unit(s) whose reviewers' group
  (ReviewerGroup) they belong to, and nothing else.
- Everyone else, content editors included, reviews none.

Which applications that makes visible is ``Application.objects.visible_to(user)`` (querysets.py). This module
imports no model of this app, so the queryset can use it.
"""

from notices.models import Unit

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
    return set(user.groups.exclude(review_unit=None).values_list("review_unit__unit_id", flat=True))


def reviewed_units(user):
    """The units the user reviews, as a queryset (filters, exports, the dashboard's rows)."""
    units = reviewer_unit_ids(user)
    return Unit.objects.all() if units is None else Unit.objects.filter(pk__in=units)


def can_review(user):
    units = reviewer_unit_ids(user)
    return units is None or bool(units)


def reviews_unit(user, unit):
    """May see this unit's applications (the city office sees every unit's)."""
    units = reviewer_unit_ids(user)
    return units is None or unit.pk in units


def is_district_reviewer_of(user, unit):
    """May act as this unit's district reviewer: the city office may not (a superuser may do anything)."""
    units = reviewer_unit_ids(user)
    return user.is_superuser or (units is not None and unit.pk in units)

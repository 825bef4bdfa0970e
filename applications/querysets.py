"""Which applications: the scoping rule and the named status groups, once. Every list, detail, action,
export, download and the dashboard start from ``Application.objects.visible_to(user)``; an application
outside a user's scope answers 404, exactly as one that does not exist."""

from django.db import models
from django.db.models import Q

from notices.models import Unit

from . import permissions, states


def holds_a_place():
    """The condition under which an application holds one of its unit's places (states.Route.places_held),
    per row, for whichever route its unit takes. The quota check and the dashboard both count with it."""
    city_level = Q(unit__kind=Unit.Kind.CITY)  # Unit.is_city_level, in SQL
    return (city_level & Q(status__in=states.CITY_LEVEL.places_held)) | (
        ~city_level & Q(status__in=states.VIA_DISTRICT.places_held)
    )


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The city office sees every application, a district reviewer its unit(s)', anyone else none."""
        units = permissions.reviewer_unit_ids(user)
        return self if units is None else self.filter(unit_id__in=units)

    def for_call(self, call):
        return self.filter(call=call)

    def counting(self):
        """Those that stand for their school and project (not returned, not superseded)."""
        return self.exclude(status__in=states.NOT_COUNTING)

    def recommended(self):
        """The exports' default: those the district recommends (or did, before the city decided)."""
        return self.filter(status__in=states.RECOMMENDED_OR_DECIDED)

    def holding_places(self):
        return self.filter(holds_a_place())

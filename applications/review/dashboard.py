"""The admin home's review panel: per unit received / recommended / approved / quota, per category received."""

from dataclasses import dataclass

from django.db.models import Count, Q

from .. import permissions, states
from ..models import Application
from ..querysets import holds_a_place
from . import calls

FULL = "（已满）"


@dataclass
class UnitRow:
    unit: object
    received: int
    recommended: int
    approved: int
    places_used: int  # counted as the quota check counts them
    quota: int

    @property
    def full(self):
        return self.places_used >= self.quota

    @property
    def route(self):
        return states.route_of(self.unit)

    # The place-holding decision's column says when the quota is used up: 已推荐 for a district, 已立项 for
    # 市本级, which has no recommendation (a 市本级 application the city declined holds no place).
    @property
    def recommended_cell(self):
        if self.route is states.CITY_LEVEL:
            return "—"
        return f"{self.recommended}{FULL if self.full else ''}"

    @property
    def approved_cell(self):
        if self.route is states.CITY_LEVEL:
            return f"{self.approved}{FULL if self.full else ''}"
        return str(self.approved)


def unit_rows(user, call):
    """One row per unit with a quota in the call that the user reviews. Two queries whatever the rows."""
    applications = Application.objects.visible_to(user).for_call(call)
    per_unit = {
        row["unit"]: row
        for row in applications.order_by().values("unit").annotate(
            received=Count("pk"),
            recommended=Count("pk", filter=Q(status__in=states.RECOMMENDED_OR_DECIDED)),
            approved=Count("pk", filter=Q(status=states.Status.APPROVED)),
            places_used=Count("pk", filter=holds_a_place()),
        )
    }
    allocations = calls.quota_allocations(call).filter(unit__in=permissions.reviewed_units(user))
    rows = []
    for allocation in allocations.select_related("unit").order_by("unit__sort_order"):
        counts = per_unit.get(allocation.unit_id, {})
        rows.append(UnitRow(
            unit=allocation.unit,
            received=counts.get("received", 0),
            recommended=counts.get("recommended", 0),
            approved=counts.get("approved", 0),
            places_used=counts.get("places_used", 0),
            quota=allocation.quota,
        ))
    return rows


def category_rows(user, call):
    categories = list(
        Application.objects.visible_to(user).for_call(call)
        .order_by().values("category").annotate(n=Count("pk")).order_by("-n", "category")
    )
    top = max([c["n"] for c in categories] or [1])
    for c in categories:
        c["percent"] = round(100 * c["n"] / top)
    return categories


def context(user):
    call = calls.latest_call()
    return {
        "call": call,
        "rows": unit_rows(user, call) if call else [],
        "categories": category_rows(user, call) if call else [],
    }

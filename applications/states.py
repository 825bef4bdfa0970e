"""An application's states and the review's transitions, as data. Imports nothing of the project, so models,
migrations, views and templates can all read it.

    awaiting_scan ──(school uploads the stamped form)──> submitted
    submitted ──district: recommend──> recommended ──city: approve──> approved
              │                                    └─city: decline──> declined
              └─district: return──> returned ──(school uploads again before its deadline)──> submitted
                                         └──(school applies again for the same project)──> superseded (closed)

A 市本级 application has no district between it and the city: the city approves, declines or returns it from
submitted. Each unit's applications follow one ROUTE; the table below is keyed by (route, action).
"""

from dataclasses import dataclass

from django.db import models


class Status(models.TextChoices):
    AWAITING_SCAN = "awaiting_scan", "待上传盖章件"
    SUBMITTED = "submitted", "待审核"
    RETURNED = "returned", "已退回"
    RECOMMENDED = "recommended", "县市区已推荐，待市局审核"
    APPROVED = "approved", "已立项"
    DECLINED = "declined", "未立项"
    SUPERSEDED = "superseded", "已被新申报替代"


# An application in one of these statuses no longer stands for its school and project: the school may apply
# for the project again (a returned one), or already has (a superseded one). Every other status counts, and a
# school has at most one counting application per project in a call (a constraint on Application).
NOT_COUNTING = (Status.RETURNED, Status.SUPERSEDED)
# Where the school may (re)upload its stamped scan: before review, or after a return.
SCAN_UPLOADABLE = (Status.AWAITING_SCAN, Status.SUBMITTED, Status.RETURNED)
# Applications that hold or held the district's recommendation (then approved or declined by the city; 市本级
# ones once the city decided): what Annex 3 and the dossier list by default.
RECOMMENDED_OR_DECIDED = (Status.RECOMMENDED, Status.APPROVED, Status.DECLINED)

# Who acts.
DISTRICT, CITY = "district", "city"
# Told to a reviewer who tries the other one's decision: (who decides, who may not).
DECIDED_BY = {DISTRICT: ("县市区教育局", "市教育体育局"), CITY: ("市教育体育局", "县市区")}


@dataclass(frozen=True)
class Route:
    """The path a unit's applications take through review, and what holds one of the unit's places."""

    name: str
    places_held: tuple
    place_verb: str  # the decision that takes a place: "推荐" or "立项"


# A district's place is used by its recommendation and stays used whatever the city then decides; 市本级 has
# no recommendation, so only the city's approval uses one of its places.
VIA_DISTRICT = Route("via_district", (Status.RECOMMENDED, Status.APPROVED, Status.DECLINED), "推荐")
CITY_LEVEL = Route("city_level", (Status.APPROVED,), "立项")


def route_of(unit):
    return CITY_LEVEL if unit.is_city_level else VIA_DISTRICT


@dataclass(frozen=True)
class Transition:
    route: Route
    name: str
    label: str
    actor: str
    source: Status
    target: Status
    opinion_label: str
    # Where the opinion is kept for Annex 4 ("district" or "city"), or only in the audit log (a return's reason).
    opinion_field: str = ""
    district_deadline: bool = False  # closes with the call's deadline (县市区报送截止)
    opinion_required: bool = True

    @property
    def takes_place(self):
        """Moves the application into a place-holding status: only this is limited by the unit's quota."""
        return self.target in self.route.places_held and self.source not in self.route.places_held

    @property
    def refuses(self):
        return self.target in (Status.RETURNED, Status.DECLINED)


TRANSITIONS = {
    (t.route, t.name): t
    for t in (
        Transition(VIA_DISTRICT, "recommend", "推荐", DISTRICT, Status.SUBMITTED, Status.RECOMMENDED,
                   "县（市区）教育局意见", opinion_field=DISTRICT, district_deadline=True),
        Transition(VIA_DISTRICT, "return", "退回", DISTRICT, Status.SUBMITTED, Status.RETURNED, "退回原因",
                   district_deadline=True),
        Transition(VIA_DISTRICT, "approve", "立项", CITY, Status.RECOMMENDED, Status.APPROVED, "市（州）教育局意见",
                   opinion_field=CITY),
        Transition(VIA_DISTRICT, "decline", "不予立项", CITY, Status.RECOMMENDED, Status.DECLINED, "市（州）教育局意见",
                   opinion_field=CITY),
        # 市本级: the city is its district too, and the district deadline does not apply to the city.
        Transition(CITY_LEVEL, "return", "退回", CITY, Status.SUBMITTED, Status.RETURNED, "退回原因"),
        Transition(CITY_LEVEL, "approve", "立项", CITY, Status.SUBMITTED, Status.APPROVED, "市（州）教育局意见",
                   opinion_field=CITY),
        Transition(CITY_LEVEL, "decline", "不予立项", CITY, Status.SUBMITTED, Status.DECLINED, "市（州）教育局意见",
                   opinion_field=CITY),
    )
}
ACTION_LABELS = {t.name: t.label for t in TRANSITIONS.values()}


def transitions_of(route):
    return [t for (r, _), t in TRANSITIONS.items() if r == route]

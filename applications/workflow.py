"""The review workflow as on paper: one place for states, transitions, deadlines and the quota rule.

    awaiting_scan ──(school uploads the stamped form)──> submitted
    submitted ──district: recommend──> recommended ──city: approve──> approved
              │                                    └─city: decline──> declined
              └─district: return──> returned ──(school uploads again before its deadline)──> submitted
                                         └──(school applies again for the same project)──> superseded (closed)
    市本级 applications skip the district: the city approves, declines or returns them from submitted.

Quota: a unit never has more applications recommended (for 市本级: approved) than its quota in the call.
The check and the change happen under a row lock on the unit's QuotaAllocation, so two reviewers pressing
the button at once cannot both take the last place.
"""

from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone


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


DISTRICT, CITY = "district", "city"


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    stage: str
    source: Status
    target: Status
    opinion_label: str
    opinion_required: bool = True


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("recommend", "推荐", DISTRICT, Status.SUBMITTED, Status.RECOMMENDED, "县（市区）教育局意见"),
        Transition("return", "退回", DISTRICT, Status.SUBMITTED, Status.RETURNED, "退回原因"),
        Transition("approve", "立项", CITY, Status.RECOMMENDED, Status.APPROVED, "市（州）教育局意见"),
        Transition("decline", "不予立项", CITY, Status.RECOMMENDED, Status.DECLINED, "市（州）教育局意见"),
    )
}

# Applications that hold or held the district's recommendation (then approved or declined by the city; 市本级
# ones once the city decided). What Annex 3 and the dossier list by default, and the dashboard counts.
RECOMMENDED_STATUSES = (Status.RECOMMENDED, Status.APPROVED, Status.DECLINED)

# Statuses that hold one of the unit's places.
_PLACE_HOLDING = {
    DISTRICT: RECOMMENDED_STATUSES,
    CITY: (Status.APPROVED,),
}


def recommended(applications):
    """The exports' default: of ``applications``, those the district recommends (or did, before the city decided)."""
    return applications.filter(status__in=RECOMMENDED_STATUSES)


class TransitionError(Exception):
    """A transition that is not allowed; the message is for the reviewer."""


def quota_stage(application):
    """Where the unit's quota is spent: at the district's recommendation, or (市本级) at the city's approval."""
    return CITY if application.unit.is_city_level else DISTRICT


def source_status(transition, application):
    """市本级 applications come to the city straight from 'submitted'."""
    if transition.stage == CITY and application.unit.is_city_level:
        return Status.SUBMITTED
    return transition.source


def actor_stage(transition, application):
    """Who acts: district transitions on 市本级 applications are the city's (it is their district)."""
    if transition.stage == DISTRICT and application.unit.is_city_level:
        return CITY if transition.name == "return" else None
    return transition.stage


def quota(call, unit):
    from notices.models import QuotaAllocation

    allocation = QuotaAllocation.objects.filter(page__in=quota_pages(call), unit=unit).first()
    return allocation.quota if allocation else 0


def quota_pages(call):
    """The call's quota table page(s) (附件1), where each unit's quota in this call is kept."""
    from notices.models import QuotaTablePage

    return QuotaTablePage.objects.child_of(call)


def places_used(call, unit):
    from .models import Application

    stage = CITY if unit.is_city_level else DISTRICT
    return Application.objects.filter(call=call, unit=unit, status__in=_PLACE_HOLDING[stage]).count()


def available_transitions(user, application, now=None):
    """The transitions this user may take on this application now (buttons to show)."""
    from .permissions import is_city_office, reviewer_unit_ids

    units = reviewer_unit_ids(user)
    district_reviewer = user.is_superuser or (units is not None and application.unit_id in units)
    result = []
    for transition in TRANSITIONS.values():
        stage = actor_stage(transition, application)
        if stage is None or application.status != source_status(transition, application):
            continue
        if stage == CITY and not is_city_office(user):
            continue
        if stage == DISTRICT and not district_reviewer:
            continue
        if _deadline_problem(transition, application, now) is None:
            result.append(transition)
    return result


def _deadline_problem(transition, application, now=None):
    now = now or timezone.now()
    if transition.stage == DISTRICT and not application.unit.is_city_level:
        deadline = application.call.deadline
        if deadline and now > deadline:
            return "县市区推荐已于申报截止时间结束，不能再推荐或退回。"
    return None


def perform(user, application_id, name, opinion="", now=None):
    """Take transition ``name`` on the application, as ``user``. Returns the updated application.
    Raises TransitionError (message in Chinese) when it is not allowed; nothing changes then."""
    from . import audit
    from .models import Application
    from .permissions import get_application

    transition = TRANSITIONS.get(name)
    if transition is None:
        raise TransitionError("未知的操作。")
    opinion = (opinion or "").strip()
    now = now or timezone.now()
    with transaction.atomic():
        # Scope first (404 outside it), then lock the row so that two clicks cannot both apply.
        application = get_application(user, application_id, Application.objects.select_related("unit", "call"))
        application = (
            Application.objects.select_for_update(of=("self",)).select_related("unit", "call").get(pk=application.pk)
        )
        if transition not in available_transitions(user, application, now):
            problem = _deadline_problem(transition, application, now)
            raise TransitionError(problem or f"当前状态为“{application.get_status_display()}”，不能执行“{transition.label}”。")
        if transition.opinion_required and not opinion:
            raise TransitionError(f"请填写{transition.opinion_label}。")
        if len(opinion) > 1000:
            raise TransitionError(f"{transition.opinion_label}不能超过1000字。")
        holding = _PLACE_HOLDING[quota_stage(application)]
        if transition.target in holding and application.status not in holding:
            _check_quota(application)  # only a transition that takes a new place is limited
        source = application.status
        application.status = transition.target
        if transition.stage == DISTRICT and transition.name == "recommend":
            application.district_opinion, application.district_decided_at = opinion, now
        elif transition.stage == CITY:
            application.city_opinion, application.city_decided_at = opinion, now
        application.save()
        audit.record(user, name, application=application, from_status=source, to_status=transition.target, opinion=opinion)
    return application


def _check_quota(application):
    from notices.models import QuotaAllocation

    # Lock the unit's quota row: concurrent transitions for the same unit queue here.
    allocation = (
        QuotaAllocation.objects.select_for_update()
        .filter(page__in=quota_pages(application.call), unit=application.unit)
        .first()
    )
    limit = allocation.quota if allocation else 0
    used = places_used(application.call, application.unit)
    if used >= limit:
        verb = "立项" if quota_stage(application) == CITY else "推荐"
        raise TransitionError(f"{application.unit.name}的名额为 {limit} 个，已用 {used} 个，不能再{verb}。")


def school_uploaded_scan(application):
    """The stamped form is in: the application goes (back) to review."""
    from . import audit

    if application.status in (Status.AWAITING_SCAN, Status.RETURNED):
        source = application.status
        application.status = Status.SUBMITTED
        application.save(update_fields=["status", "updated_at"])
        audit.record(None, "upload_scan", application=application, from_status=source, to_status=Status.SUBMITTED)

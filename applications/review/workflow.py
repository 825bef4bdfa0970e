"""Performing the review's transitions: who may act now, the quota check, the change and its audit entry.
The states and the transition table themselves are data in ``states.py``.

Quota: a unit never has more applications holding its places (states.Route.places_held) than its quota in
the call. The check and the change happen under a row lock on the unit's QuotaAllocation (on SQLite, the
IMMEDIATE transaction's write lock), so two reviewers pressing the button at once cannot both take the last
place.
"""

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from .. import permissions, states
from ..states import Status
from . import calls


class TransitionError(Exception):
    """A transition that is not allowed; the message is for the reviewer."""


def quota(call, unit):
    return calls.quota(call, unit)


def places_used(call, unit):
    from ..models import Application

    return Application.objects.for_call(call).filter(unit=unit).holding_places().count()


def may_act(user, transition, application):
    if transition.actor == states.CITY:
        return permissions.is_city_office(user)
    return permissions.is_district_reviewer_of(user, application.unit)


def problem(user, transition, application, now=None):
    """Why ``user`` may not take ``transition`` on ``application`` now (a message for the reviewer), or None."""
    if not may_act(user, transition, application):
        decides, may_not = states.DECIDED_BY[transition.actor]
        return f"{transition.label}由{decides}决定，{may_not}不能执行此操作。"
    if application.status != transition.source:
        return f"当前状态为“{application.get_status_display()}”，不能执行“{transition.label}”。"
    deadline = application.call.deadline
    if transition.district_deadline and deadline and (now or timezone.now()) > deadline:
        return "县市区推荐已于申报截止时间结束，不能再推荐或退回。"
    return None


def available_transitions(user, application, now=None):
    """The transitions this user may take on this application now (buttons to show)."""
    route = states.route_of(application.unit)
    return [t for t in states.transitions_of(route) if problem(user, t, application, now) is None]


def perform(user, application_id, name, opinion="", now=None):
    """Take transition ``name`` on the application, as ``user``. Returns the updated application.
    Raises TransitionError (message in Chinese) when it is not allowed; nothing changes then; Http404 outside
    the user's scope."""
    from ..models import Application
    from . import audit

    opinion = (opinion or "").strip()
    now = now or timezone.now()
    with transaction.atomic():
        # Scoped and locked in one query, so that two clicks cannot both apply.
        try:
            application = (
                Application.objects.visible_to(user)
                .select_for_update(of=("self",))
                .select_related("unit", "call")
                .get(pk=application_id)
            )
        except (Application.DoesNotExist, ValueError):
            raise Http404 from None
        route = states.route_of(application.unit)
        transition = states.TRANSITIONS.get((route, name))
        if transition is None:
            if name in states.ACTION_LABELS and route is states.CITY_LEVEL:
                raise TransitionError("市本级申报不经县市区推荐，由市教育体育局直接立项或不予立项。")
            raise TransitionError("未知的操作。")
        refusal = problem(user, transition, application, now)
        if refusal:
            raise TransitionError(refusal)
        if transition.opinion_required and not opinion:
            raise TransitionError(f"请填写{transition.opinion_label}。")
        if len(opinion) > 1000:
            raise TransitionError(f"{transition.opinion_label}不能超过1000字。")
        if transition.takes_place:
            _check_quota(application, transition)  # only a transition that takes a new place is limited
        source = application.status
        application.status = transition.target
        if transition.opinion_field == states.DISTRICT:
            application.district_opinion, application.district_decided_at = opinion, now
        elif transition.opinion_field == states.CITY:
            application.city_opinion, application.city_decided_at = opinion, now
        application.save()
        audit.record(user, name, application=application, from_status=source, to_status=transition.target, opinion=opinion)
    return application


def _check_quota(application, transition):
    # Lock the unit's quota row: concurrent transitions for the same unit queue here.
    allocation = calls.quota_allocations(application.call).select_for_update().filter(unit=application.unit).first()
    limit = allocation.quota if allocation else 0
    used = places_used(application.call, application.unit)
    if used >= limit:
        raise TransitionError(f"{application.unit.name}的名额为 {limit} 个，已用 {used} 个，不能再{transition.label}。")


def school_uploaded_scan(application):
    """The stamped form is in: the application goes (back) to review."""
    from . import audit

    if application.status in (Status.AWAITING_SCAN, Status.RETURNED):
        source = application.status
        application.status = Status.SUBMITTED
        application.save(update_fields=["status", "updated_at"])
        audit.record(None, "upload_scan", application=application, from_status=source, to_status=Status.SUBMITTED)

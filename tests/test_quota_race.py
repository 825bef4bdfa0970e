"""Two reviewers of one unit press 推荐 at the same moment for its last place: exactly one succeeds.

Real parallel transactions need committed data and separate connections, so this test commits its own rows
(and removes them afterwards) instead of running inside the usual rolled-back test transaction."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections

from applications.models import Application, AuditEntry
from applications.review.workflow import TransitionError, perform
from applications.states import Status
from notices.models import NoticePage, Unit

from .factories import ApplicationFactory, ReviewerFactory

pytestmark = pytest.mark.django_db


def in_own_connection(fn, *args):
    """Run ``fn`` in another thread: its own database connection, autocommit, outside the test's transaction."""
    result = {}

    def run():
        try:
            result["value"] = fn(*args)
        except Exception as error:  # re-raised in the test's thread
            result["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    if "error" in result:
        raise result["error"]
    return result.get("value")


@pytest.fixture
def committed():
    if connection.vendor != "postgresql":
        pytest.skip("parallel transactions are tested on PostgreSQL")
    created = {"applications": [], "users": []}
    yield created

    def cleanup():
        AuditEntry.objects.filter(application__in=created["applications"]).delete()
        Application.objects.filter(pk__in=[a.pk for a in created["applications"]]).delete()
        get_user_model().objects.filter(pk__in=[u.pk for u in created["users"]]).delete()

    in_own_connection(cleanup)


@pytest.mark.parametrize("attempt", range(3))
def test_the_last_place_goes_to_exactly_one_of_two_simultaneous_recommendations(committed, attempt, monkeypatch):
    import time

    from applications.review import workflow

    counted = workflow.places_used

    def slow_count(*args):
        # Widen the window between counting and saving, where an unlocked check would let both through.
        used = counted(*args)
        time.sleep(0.3)
        return used

    monkeypatch.setattr(workflow, "places_used", slow_count)
    call = NoticePage.objects.get(slug="2019-pilot-projects")
    unit = Unit.objects.get(name="岳阳楼区")  # quota 1
    suffix = uuid.uuid4().hex[:6]

    def arrange():
        reviewers = [ReviewerFactory(username=f"r{i}-{suffix}", unit_name=unit.name) for i in range(2)]
        return reviewers, [ApplicationFactory(call=call, unit=unit) for _ in range(2)]

    reviewers, applications = in_own_connection(arrange)
    committed["users"].extend(reviewers)
    committed["applications"].extend(applications)
    during_the_call = call.deadline - timedelta(days=1)

    barrier = threading.Barrier(2)
    outcomes = [None, None]

    def press(i):
        try:
            barrier.wait()
            perform(reviewers[i], applications[i].pk, "recommend", "同意推荐", now=during_the_call)
            outcomes[i] = "recommended"
        except TransitionError as error:
            outcomes[i] = str(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(o == "recommended" for o in outcomes) == [False, True], outcomes
    refused = next(o for o in outcomes if o != "recommended")
    assert "名额为 1 个，已用 1 个" in refused
    statuses = sorted(in_own_connection(
        lambda: list(Application.objects.filter(pk__in=[a.pk for a in applications]).values_list("status", flat=True))
    ))
    assert statuses == [Status.RECOMMENDED, Status.SUBMITTED]


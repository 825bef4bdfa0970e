"""Two reviewers of one unit press 推荐 at the same moment for its last place: exactly one succeeds, on
PostgreSQL and on SQLite. Real parallel transactions, committed: ``committed_site`` (conftest) rebuilds the site
after pytest-django empties the tables of an earlier such test."""

import threading
import time

import pytest
from django.db import connections

from applications.models import Application
from applications.review.groups import create_reviewer
from applications.review.workflow import TransitionError, perform
from applications.states import Status
from notices.models import Unit

from .factories import ApplicationFactory


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(2))
def test_the_last_place_goes_to_exactly_one_of_two_simultaneous_recommendations(committed_site, monkeypatch, attempt):
    """The race of test_quota_race.py without a wrapping test transaction, so it runs on SQLite too (there the
    test's own transaction would hold the write lock): IMMEDIATE transactions queue the two reviewers."""
    from applications.review import workflow

    counted = workflow.places_used

    def slow_count(*args):
        used = counted(*args)
        time.sleep(0.3)
        return used

    monkeypatch.setattr(workflow, "places_used", slow_count)
    call = committed_site
    unit = Unit.objects.get(name="岳阳楼区")  # quota 1
    reviewers = [create_reviewer(f"race{i}", "Review-pass-2019", unit_name=unit.name) for i in range(2)]
    applications = ApplicationFactory.create_batch(2, call=call, unit=unit)
    barrier = threading.Barrier(2)
    outcomes = [None, None]

    def press(i):
        try:
            barrier.wait()
            perform(reviewers[i], applications[i].pk, "recommend", "同意推荐")
            outcomes[i] = "recommended"
        except TransitionError as error:
            outcomes[i] = str(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(o == "recommended" for o in outcomes) == [False, True], outcomes
    assert "名额为 1 个，已用 1 个" in next(o for o in outcomes if o != "recommended")
    statuses = sorted(Application.objects.filter(pk__in=[a.pk for a in applications]).values_list("status", flat=True))
    assert statuses == [Status.RECOMMENDED, Status.SUBMITTED]

"""One deadline, one source: the notice's 申报截止时间 is what its body, its meta line, the home page, the form's
window and the receipt say; changing it in the notice changes them all."""

import datetime

import pytest

from applications.models import Application, ApplicationFormPage
from portal.dates import cn_date, cn_datetime

from .conftest import main_text, normalise, soup
from .factories import demo_form_page, submit

pytestmark = pytest.mark.django_db


def every_deadline_shown(client, form):
    call = form.call
    receipt = client.get(f"/apply/receipt/{Application.objects.get().reference}/")
    return {
        "home": normalise(soup(client.get("/")).select_one(".current-call").get_text()),
        "notice": main_text(client.get(call.url)),
        "form": main_text(client.get(form.url)),
        "receipt": main_text(receipt),
    }


def test_the_demo_call_says_one_deadline_everywhere(client):
    form = demo_form_page()
    assert form.closes_at is None and form.closing_time == form.call.deadline
    assert submit(client, form).status_code == 302
    shown = every_deadline_shown(client, form)
    when, day = normalise(cn_datetime(form.call.deadline)), normalise(cn_date(form.call.deadline))
    for place, text in shown.items():
        assert when in text, place
    body = shown["notice"]
    assert f"申报截止时间为{day}" in body and "{申报截止日期}" not in body and "2019年9月22日" not in body


def test_changing_the_notice_deadline_changes_every_place(client):
    form = demo_form_page()
    call = form.call
    call.deadline = call.deadline + datetime.timedelta(days=3, hours=2)
    call.save_revision().publish()
    form = ApplicationFormPage.objects.get(pk=form.pk)
    assert submit(client, form).status_code == 302
    when = normalise(cn_datetime(call.deadline))
    assert all(when in text for text in every_deadline_shown(client, form).values())
    assert f"申报截止时间为{normalise(cn_date(call.deadline))}" in main_text(client.get(call.url))


def test_the_2019_notice_still_reads_as_published(client, call):
    assert "申报截止时间为2019年9月22日，逾期不予受理。" in main_text(client.get(call.url))

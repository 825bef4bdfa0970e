"""What a school sent is what the bureau reviews, or nothing is kept: a body cut short is never a submission,
simultaneous submissions of one project make one application, a replaced application stays closed, and a
planted session id opens nothing."""

import threading

import pytest
from django.db import connections
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, FakePayload, encode_multipart

from applications.models import Application, ApplicationFile
from applications.states import Status

from .conftest import soup
from .factories import demo_form_page, pdf_bytes, png_bytes, submit, upload, valid_data

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture
def page(db):
    return demo_form_page()


@pytest.fixture(params=["s3", "local"])
def storage(request):
    """Both private storages: the bucket over HTTP (files streamed while received) and the local folder."""
    if request.param == "s3":
        s3 = request.getfixturevalue("s3_bucket")
        listing = s3["client"].list_objects_v2
        return lambda: {o["Key"] for o in listing(Bucket=s3["bucket"]).get("Contents", [])}
    folder = request.getfixturevalue("private_folder")
    return lambda: {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


class ClosedConnection(FakePayload):
    """A request body whose sender goes away after ``after`` bytes: the server reads a short body (EOF), as
    gunicorn and the dev server hand it over, not an error."""

    def __init__(self, content, after):
        super().__init__(content)
        self.after = after
        self.sent = 0

    def read(self, size=-1, /):
        left = self.after - self.sent
        if left <= 0:
            return b""
        data = super().read(left if size is None or size < 0 else min(size, left))
        self.sent += len(data)
        return data


def post_body(client, url, body, content_length, content_type=MULTIPART_CONTENT, after=None):
    client.raise_request_exception = False
    environ = {"CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(content_length)}
    environ["wsgi.input"] = ClosedConnection(body, len(body) if after is None else after)
    return client.generic("POST", url, **environ)


def four_files(token):
    """A work plan and three evidence files, as in the report (smaller: the cut is what matters)."""
    evidence = [upload(f"佐证{i}.pdf", pdf_bytes(MB + i)) for i in range(3)]
    return encode_multipart(BOUNDARY, valid_data(submission_token=token, work_plan=upload("方案.pdf", pdf_bytes(MB)),
                                                 evidence=evidence))


def token_of(client, page):
    return soup(client.get(page.url)).find("input", {"name": "submission_token"})["value"]


@pytest.mark.parametrize("share", [0.45, 0.62, 0.999])
def test_a_connection_closed_mid_body_saves_nothing_and_the_retry_is_accepted(client, page, storage, share):
    body = four_files(token_of(client, page))
    response = post_body(client, page.url, body, len(body), after=int(len(body) * share))
    assert response.status_code == 400
    assert "上传中断，本次提交没有被保存" in soup(response).get_text()
    assert Application.objects.count() == 0 and ApplicationFile.objects.count() == 0
    assert storage() == set()

    retry = four_files(token_of(client, page))  # the school sends the same application again
    response = post_body(client, page.url, retry, len(retry))
    assert response.status_code == 302
    application = Application.objects.get()
    assert sorted(f.original_name for f in application.files.all()) == ["佐证0.pdf", "佐证1.pdf", "佐证2.pdf", "方案.pdf"]
    assert storage() == set(application.files.values_list("key", flat=True))


def test_a_multipart_body_without_its_closing_boundary_is_not_a_submission(client, page, storage):
    body = four_files(token_of(client, page))
    cut = body[: body.rindex(b"--" + BOUNDARY.encode() + b"--")]  # complete as sent, but without its end
    response = post_body(client, page.url, cut, len(cut))
    assert response.status_code == 400 and "上传中断" in soup(response).get_text()
    assert Application.objects.count() == 0 and storage() == set()


def test_a_stamped_scan_cut_short_is_not_stored(client, page, storage):
    assert submit(client, page).status_code == 302
    application = Application.objects.get()
    kept = storage()
    body = encode_multipart(BOUNDARY, {"scan": upload("盖章件.pdf", pdf_bytes(2 * MB))})
    response = post_body(client, f"/status/{application.reference}/", body, len(body), after=len(body) - 100)
    assert response.status_code == 400
    application.refresh_from_db()
    assert application.status == Status.AWAITING_SCAN
    assert not application.files.filter(field_name=ApplicationFile.STAMPED_SCAN).exists()
    assert storage() == kept


def test_a_form_body_cut_short_is_refused_everywhere(client, page):
    body = b"reference=2019-AAAA-BBBB&mobile=13812345678"
    response = post_body(client, "/status/", body, len(body), "application/x-www-form-urlencoded", after=20)
    assert response.status_code == 400 and "上传中断" in soup(response).get_text()


def test_an_admin_upload_cut_short_adds_no_document(admin_client):
    from wagtail.documents import get_document_model

    before = get_document_model().objects.count()
    page = admin_client.get("/admin/documents/multiple/add/")
    token = admin_client.cookies["csrftoken"].value
    assert page.status_code == 200
    body = encode_multipart(BOUNDARY, {"csrfmiddlewaretoken": token, "files[]": upload("附件.pdf", pdf_bytes(MB))})
    response = post_body(admin_client, "/admin/documents/multiple/add/", body, len(body), after=len(body) // 2)
    assert response.status_code == 400
    assert get_document_model().objects.count() == before


# ---------------------------------------------------------------- the duplicate rule holds in the database


@pytest.mark.django_db(transaction=True)
def test_five_simultaneous_submissions_of_one_project_make_one_application(committed_site, private_folder):
    """Real parallel requests, each in its own connection, committing (no test transaction around them: on
    SQLite it would hold the write lock). pytest-django runs such tests last and empties the tables after."""
    page = demo_form_page()
    clients = [Client() for _ in range(5)]
    bodies = []
    for client in clients:  # five browsers, each with the form open (its own token)
        bodies.append(encode_multipart(BOUNDARY, valid_data(submission_token=token_of(client, page))))
    barrier = threading.Barrier(5)
    codes = [None] * 5

    def send(i):
        try:
            barrier.wait()
            response = post_body(clients[i], page.url, bodies[i], len(bodies[i]))
            codes[i] = (response.status_code, soup(response).get_text() if response.status_code != 302 else "")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert Application.objects.filter(call=page.call).count() == 1, codes
    assert sorted(code for code, _ in codes) == [200, 200, 200, 200, 302], codes
    assert all("请勿重复提交" in text for code, text in codes if code == 200)
    on_disk = {p.relative_to(private_folder).as_posix() for p in private_folder.rglob("*") if p.is_file()}
    assert on_disk == set(ApplicationFile.objects.values_list("key", flat=True))  # the refused ones' files removed


def test_the_database_refuses_a_second_counting_application_whatever_the_form_checked(page):
    from django.db import IntegrityError, transaction

    from applications.apply.submission import same_project

    client = Client()
    assert submit(client, page).status_code == 302
    first = Application.objects.get()
    clone = Application.objects.get(pk=first.pk)
    clone.pk, clone.reference, clone.school = None, "2019-ZZZZ-ZZZZ", first.school.upper() + " "
    clone.school = first.school
    clone.project_name = first.project_name.upper()
    import uuid

    clone.submission_token = uuid.uuid4()
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()
    first.status = Status.RETURNED
    first.save()
    clone.save()  # a returned application no longer counts: the school may apply again
    assert same_project(page.call, first.school, first.project_name).count() == 2


# ---------------------------------------------------------------- a replaced application stays closed


def test_a_returned_application_replaced_by_a_new_one_stays_closed(client, page):
    assert submit(client, page).status_code == 302
    old = Application.objects.get()
    old.status = Status.RETURNED
    old.save()

    assert submit(client, page).status_code == 302  # the school applies again for the same project
    new = Application.objects.exclude(pk=old.pk).get()
    old.refresh_from_db()
    assert old.status == Status.SUPERSEDED and old.replaced_by == new

    # The old reference's status page: it says where the application went, and takes no scan.
    status_page = client.get(f"/status/{old.reference}/")
    assert new.reference in soup(status_page).get_text()
    response = client.post(f"/status/{old.reference}/", {"scan": upload("盖章件.png", png_bytes())})
    assert response.status_code == 403 and new.reference in soup(response).get_text()
    old.refresh_from_db()
    assert old.status == Status.SUPERSEDED and not old.files.filter(field_name=ApplicationFile.STAMPED_SCAN).exists()
    assert Application.objects.exclude(status__in=[Status.RETURNED, Status.SUPERSEDED]).count() == 1


def test_a_scan_uploaded_while_the_school_reapplies_finds_the_application_closed(client, page, private_folder):
    """The race: the status page was opened (upload allowed), then the school re-applied before sending."""
    from applications.apply.views import replace_scan

    assert submit(client, page).status_code == 302
    old = Application.objects.get()
    old.status = Status.RETURNED
    old.save()
    stale = Application.objects.get(pk=old.pk)  # what the status page read before the re-application
    assert submit(client, page).status_code == 302

    from applications.review.workflow import TransitionError

    with pytest.raises(TransitionError, match="替代"):
        replace_scan(stale, upload("盖章件.png", png_bytes()))
    old.refresh_from_db()
    assert old.status == Status.SUPERSEDED
    stored = {p.relative_to(private_folder).as_posix() for p in private_folder.rglob("*") if p.is_file()}
    assert stored == set(ApplicationFile.objects.values_list("key", flat=True))  # the refused scan was removed


# ---------------------------------------------------------------- access to an application: no fixation


def test_a_planted_session_id_opens_nothing_after_the_victim_looks_up(page):
    school = Client()
    assert submit(school, page).status_code == 302
    application = Application.objects.get()

    attacker = Client()
    attacker.get("/status/")  # any page: the attacker gets a session id …
    attacker.session.save()
    planted = attacker.session.session_key
    assert planted

    victim = Client()
    victim.cookies["sessionid"] = planted  # … and plants it in the victim's browser
    response = victim.post("/status/", {"reference": application.reference, "mobile": application.leader_phone})
    assert response.status_code == 302
    assert victim.cookies["sessionid"].value != planted  # the grant came with a new session id

    attacker.cookies["sessionid"] = planted
    for url in (f"/status/{application.reference}/", f"/apply/receipt/{application.reference}/",
                f"/apply/receipt/{application.reference}/annex4.docx"):
        answer = attacker.get(url)  # asked for the leader's mobile number, shown nothing
        assert answer.status_code == 302 and answer["Location"].startswith("/status/?reference="), url
        assert victim.get(url).status_code == 200, url


def test_a_grant_lasts_hours_and_pages_with_personal_data_are_not_stored_by_caches(page, settings):
    import time

    client = Client()
    assert submit(client, page).status_code == 302
    application = Application.objects.get()
    assert client.session.get_expiry_age() <= settings.PORTAL_GRANT_HOURS * 3600 <= 12 * 3600
    for url in (f"/status/{application.reference}/", f"/apply/receipt/{application.reference}/",
                f"/apply/receipt/{application.reference}/annex4.docx", "/status/", page.url):
        cache_control = client.get(url)["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control, url

    # A grant older than its hours opens nothing, even in a session that lives on.
    session = client.session
    grants = session["portal_applications"]
    grants[application.reference] = int(time.time()) - settings.PORTAL_GRANT_HOURS * 3600 - 1
    session["portal_applications"] = grants
    session.save()
    expired = client.get(f"/status/{application.reference}/")
    assert expired.status_code == 302 and expired["Location"].startswith("/status/?reference=")


# ---------------------------------------------------------------- text comes back as typed


def test_text_comes_back_as_typed_emoji_sequences_and_line_separators_included(client, page):
    teacher, flag = "👩\u200d🏫", "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    response = submit(
        client, page,
        school=f"平江县第一中学{teacher}",
        project="智慧课堂\u2028探索",  # pasted with a line separator, in a one-line field
        subtitle=f"以数学学科为例{flag}",
        summary="一、目标\r\n二、内容\u200b",  # a zero-width space is still dropped
    )
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.school == f"平江县第一中学{teacher}"
    assert application.project_name == "智慧课堂\u2028探索"
    assert application.subtitle == f"以数学学科为例{flag}"
    assert application.summary == "一、目标\n二、内容"
    status_page = client.get(f"/status/{application.reference}/").content.decode()
    assert f"平江县第一中学{teacher}" in status_page and "智慧课堂\u2028探索" in status_page


def test_a_one_line_field_sent_with_line_feeds_keeps_none(client, page):
    assert submit(client, page, school="平江县\r\n第一中学").status_code == 302
    assert Application.objects.get().school == "平江县第一中学"

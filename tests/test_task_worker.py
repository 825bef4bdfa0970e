"""The task worker down (PORTAL_TASKS=database, `manage.py db_worker` not running): what a school does is delayed,
never lost. The office's email waits in the database until the worker runs, then goes once; an uploaded file stays
“检查中” until the worker checks it, and a submission made meanwhile checks the file itself.

The worker is the real command (``db_worker --batch``: every waiting task, then exit), run in this process against
committed rows: these tests run without a test transaction (``transaction=True``), as the worker's own process would
see the database."""

import hashlib
import io
import logging
import signal
import socket

import pytest
import requests
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from applications.models import Application, Upload

from .conftest import soup
from .disguised_files import HTML
from .factories import demo_form_page, docx_bytes, pdf_bytes, submit
from .test_direct_uploads import begin, form_token, submit_text_only, upload_file

DATABASE_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},  # Wagtail's: at once, as configured
    "worker": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}
NOTIFY = "applications.apply.submission.notify_office"
RESUME_LINK = "applications.apply.drafts.mail_resume_link"
VERIFY = "applications.apply.direct.verify"


@pytest.fixture
def worker_down(settings):
    """The production set-up with its worker stopped: tasks go to the database and wait there."""
    settings.TASKS = DATABASE_TASKS


def run_worker():
    """`manage.py db_worker --batch`: runs every waiting task, then exits. The command sets its own signal
    handlers and logging; they are put back after, so that the rest of the session is as it was."""
    signals = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    handlers = {number: signal.getsignal(number) for number in signals}
    loggers = [logging.getLogger(name) for name in ("django_tasks", "django_tasks_db")]
    states = [(log, log.level, list(log.handlers)) for log in loggers]
    try:
        call_command("db_worker", "--backend", "worker", "--batch", "--no-startup-delay", "--interval", "0",
                     stdout=io.StringIO())
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
        for log, level, log_handlers in states:
            log.setLevel(level)
            log.handlers[:] = log_handlers


def tasks(path):
    return list(DBTaskResult.objects.filter(task_path=path).order_by("enqueued_at"))


@pytest.mark.django_db(transaction=True)
def test_with_the_worker_down_the_offices_email_waits_in_the_database_and_goes_once_it_runs(
    committed_site, private_folder, worker_down
):
    page = demo_form_page()
    assert submit(Client(), page).status_code == 302
    application = Application.objects.get()

    assert mail.outbox == []  # the worker is down: nothing is sent yet …
    [waiting] = tasks(NOTIFY)  # … and nothing is lost: the email waits, naming the application by its key only
    assert waiting.status == TaskResultStatus.READY
    assert waiting.args_kwargs == {"args": [application.pk], "kwargs": {}}

    run_worker()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["demo-office@localhost"] and application.reference in message.body
    assert application.school in message.body
    assert "13812345678" not in message.body and "张校长" not in message.body  # no personal data
    waiting.refresh_from_db()
    assert waiting.status == TaskResultStatus.SUCCESSFUL

    run_worker()  # the worker again (a restart, the next cron run): the email is not sent twice
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_with_the_worker_down_a_drafts_resume_link_waits_and_goes_once_it_runs(committed_site, worker_down):
    page = demo_form_page()
    client = Client()
    token = soup(client.get(page.url)).find("input", {"name": "submission_token"})["value"]
    response = client.post(page.url, {"submission_token": token, "action": "draft", "leader_phone": "13812345678",
                                      "resume_email": "school@example.com"}, follow=True)
    assert "草稿已暂存" in soup(response).get_text()  # saved at once, whatever the mail server does
    assert mail.outbox == []
    [waiting] = tasks(RESUME_LINK)
    assert "school@example.com" not in str(waiting.args_kwargs)  # the draft by its key only

    run_worker()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["school@example.com"]
    assert "/apply/draft/" in mail.outbox[0].body
    run_worker()
    assert len(mail.outbox) == 1


def test_a_mail_server_that_refuses_costs_the_school_nothing(db, client, settings, private_folder,
                                                             django_capture_on_commit_callbacks, caplog):
    """The default set-up (the task runs in the request, after the commit): the school gets its receipt, the
    failure is logged."""
    with socket.socket() as probe:  # a port nobody listens on: connections are refused at once
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    page = demo_form_page()
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, page)
    assert response.status_code == 302
    application = Application.objects.get()
    assert response["Location"].endswith(f"/{application.reference}/")
    failed = [r for r in caplog.records if r.name == "django_tasks" and "FAILED" in r.getMessage()]
    assert failed and NOTIFY in failed[0].getMessage() and failed[0].exc_info


@pytest.mark.django_db(transaction=True)
def test_with_the_worker_down_an_upload_stays_checking_until_the_worker_runs(committed_site, s3_bucket, worker_down):
    client, page = Client(), demo_form_page()
    token = form_token(client, page)
    plan = docx_bytes("工作方案" * 2000)
    finished = upload_file(client, page, token, "工作方案.docx", plan, field="work_plan")
    assert finished["state"] == "checking"
    [waiting] = tasks(VERIFY)
    assert waiting.status == TaskResultStatus.READY
    # What the school's page shows when it asks again (the script) or is reloaded (without JavaScript).
    assert client.get(f"/apply/uploads/{finished['id']}/").json()["state"] == "checking"
    assert "检查中" in soup(client.get(page.url)).find(id="uploads-work_plan").get_text()

    run_worker()
    assert client.get(f"/apply/uploads/{finished['id']}/").json()["state"] == "accepted"
    assert Upload.objects.get().sha256 == hashlib.sha256(plan).hexdigest()
    waiting.refresh_from_db()
    assert waiting.status == TaskResultStatus.SUCCESSFUL


@pytest.mark.django_db(transaction=True)
def test_a_submission_made_while_the_worker_is_down_checks_the_files_itself(committed_site, s3_bucket, worker_down):
    listing = lambda: sorted(  # noqa: E731
        o["Key"] for o in s3_bucket["client"].list_objects_v2(Bucket=s3_bucket["bucket"]).get("Contents", [])
    )
    client, page = Client(), demo_form_page()
    token = form_token(client, page)
    plan, evidence = docx_bytes("工作方案" * 2000), pdf_bytes(300_000)
    for name, data, field in (("工作方案.docx", plan, "work_plan"), ("佐证.pdf", evidence, "evidence"),
                              ("伪装.pdf", b"%PDF-1.7\n" + HTML, "evidence")):  # a PDF by its first bytes only
        assert upload_file(client, page, token, name, data, field=field)["state"] == "checking"
    assert len(tasks(VERIFY)) == 3

    refused = submit_text_only(client, page, token)
    assert refused.status_code == 200 and not Application.objects.exists()
    said = soup(refused).find(id="error-summary").get_text()
    assert said.count("伪装.pdf") == 1 and "不是完整的 PDF 文件" in said  # checked whole by the submission
    assert len(listing()) == 2  # the disguised file was deleted; the two good ones were checked and kept

    disguised = Upload.objects.get(original_name="伪装.pdf", state=Upload.State.REFUSED)
    assert client.delete(f"/apply/uploads/{disguised.public_id}/").status_code == 200  # the school removes it
    response = submit_text_only(client, page, token)  # and submits again
    assert response.status_code == 302, soup(response).find(id="error-summary")
    application = Application.objects.get()
    files = {f.original_name: f for f in application.files.all()}
    assert set(files) == {"工作方案.docx", "佐证.pdf"}
    assert files["佐证.pdf"].sha256 == hashlib.sha256(evidence).hexdigest()

    run_worker()  # the worker comes back: its checks find nothing left to do and touch no application file
    assert all(task.status == TaskResultStatus.SUCCESSFUL for task in tasks(VERIFY))
    assert listing() == sorted(f.key for f in files.values())
    for name, data in (("工作方案.docx", plan), ("佐证.pdf", evidence)):
        with files[name].open() as stored:
            assert hashlib.sha256(stored.read()).hexdigest() == hashlib.sha256(data).hexdigest()
    assert len(mail.outbox) == 1  # and the office's email, which waited too


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rewrite", ["same length, other content", "longer"])
def test_a_part_rewritten_after_finish_is_checked_as_the_worker_finds_it(committed_site, s3_bucket, worker_down,
                                                                          rewrite):
    """Between finish and the worker's check, the part's URL is still valid: what the worker assembles and checks
    is what the bucket holds then, never what finish saw."""
    client, page = Client(), demo_form_page()
    token = form_token(client, page)
    data = pdf_bytes(300_000)
    upload = begin(client, page, token, "佐证.pdf", len(data)).json()
    url = client.post(f"/apply/uploads/{upload['id']}/parts/1/").json()["url"]
    assert requests.put(url, data=data, timeout=30).status_code == 200
    assert client.post(f"/apply/uploads/{upload['id']}/finish/").json()["state"] == "checking"

    other = (HTML * (len(data) // len(HTML) + 1))[:len(data)] if rewrite.startswith("same") else data + b"0" * 1000
    assert requests.put(url, data=other, timeout=30).status_code == 200  # moto takes it: the URL has not expired
    run_worker()
    answer = client.get(f"/apply/uploads/{upload['id']}/").json()
    assert answer["state"] == "refused" and "已被删除" in answer["problem"]
    client_s3 = s3_bucket["client"]
    assert client_s3.list_objects_v2(Bucket=s3_bucket["bucket"]).get("Contents", []) == []
    assert client_s3.list_multipart_uploads(Bucket=s3_bucket["bucket"]).get("Uploads", []) == []
    response = submit_text_only(client, page, token)
    assert response.status_code == 200 and not Application.objects.exists()
    assert "佐证.pdf" in soup(response).find(id="error-summary").get_text()


@pytest.mark.django_db(transaction=True)
def test_a_file_assembled_by_a_try_whose_answer_was_lost_is_checked_and_accepted(committed_site, s3_bucket,
                                                                                 worker_down):
    """CompleteMultipartUpload done at the bucket, its answer lost (the worker killed, the connection cut): the
    multipart upload is gone and the object is there. The next try checks the object instead of failing for ever."""
    from django.core.files.storage import storages

    client, page = Client(), demo_form_page()
    token = form_token(client, page)
    data = pdf_bytes(300_000)
    assert upload_file(client, page, token, "方案.pdf", data, field="work_plan")["state"] == "checking"
    row, bucket = Upload.objects.get(), storages["applications"]
    s3 = bucket.connection.meta.client
    parts = s3.list_parts(Bucket=bucket.bucket_name, Key=row.key, UploadId=row.multipart_id)["Parts"]
    s3.complete_multipart_upload(Bucket=bucket.bucket_name, Key=row.key, UploadId=row.multipart_id,
                                 MultipartUpload={"Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]}
                                                            for p in parts]})
    run_worker()
    row.refresh_from_db()
    assert row.state == Upload.State.ACCEPTED and row.sha256 == hashlib.sha256(data).hexdigest()
    assert submit_text_only(client, page, token).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_with_the_local_folder_a_file_made_by_a_try_that_stopped_before_removing_its_parts_is_accepted(
    committed_site, private_folder, worker_down
):
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    client, page = Client(), demo_form_page()
    token = form_token(client, page)
    data = pdf_bytes(300_000)
    assert upload_file(client, page, token, "方案.pdf", data, field="work_plan")["state"] == "checking"
    row = Upload.objects.get()
    assert storages["applications"].save(row.key, ContentFile(data)) == row.key  # the earlier try's file
    run_worker()
    row.refresh_from_db()
    assert row.state == Upload.State.ACCEPTED and row.sha256 == hashlib.sha256(data).hexdigest()
    assert submit_text_only(client, page, token).status_code == 302

"""A bucket that stops answering (its process stopped, not killed: connections are accepted and never served)
costs a school a bounded wait and a Chinese answer, never a worker killed after five minutes; what it left
half-done in the bucket is cleared by sweep_orphans."""

import io
import socket
import threading
import time

import pytest
from django.core.management import call_command

from applications.apply.storage import s3_storage, storage_budget_seconds
from applications.models import Application

from .conftest import soup
from .factories import demo_form_page, pdf_bytes, submit, upload
from .test_review import city  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


class StoppableProxy:
    """A TCP proxy in front of the S3 server that can be stopped like SIGSTOP: it then accepts no connection
    and reads no byte (the kernel still completes handshakes into the backlog), until it is resumed."""

    def __init__(self, target):
        self.target = target
        self.running = threading.Event()
        self.running.set()
        self.stop_after = None  # bytes from clients after which it stops by itself
        self.stop_after_answered = None  # the same, counting the bytes the bucket answers
        self.forwarded = 0
        self.answered = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self.listener.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            self.running.wait()
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source, sink, from_client):
        try:
            while not self.closed:
                self.running.wait()
                data = source.recv(64 * 1024)
                if not data:
                    break
                with self.lock:
                    if from_client:
                        self.forwarded += len(data)
                        if self.stop_after is not None and self.forwarded >= self.stop_after:
                            self.running.clear()
                    else:
                        if self.stop_after_answered is not None and self.answered >= self.stop_after_answered:
                            self.running.clear()
                            self.running.wait()
                        self.answered += len(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.closed = True
        self.running.set()
        self.listener.close()


@pytest.fixture
def proxied_bucket(s3_bucket, settings, monkeypatch):
    host, port = s3_bucket["endpoint"].rsplit("/", 1)[1].split(":")
    proxy = StoppableProxy((host, int(port)))
    values = {
        "AWS_STORAGE_BUCKET_NAME": s3_bucket["bucket"],
        "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{proxy.port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_S3_REGION_NAME": "us-east-1",
        # Seconds instead of the production defaults (3 s, 10 s, 2 attempts): the same bound, sooner.
        "AWS_S3_CONNECT_TIMEOUT": "1",
        "AWS_S3_READ_TIMEOUT": "1.5",
        "AWS_S3_MAX_ATTEMPTS": "1",
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "applications": s3_storage(lambda name, default=None: values.get(name, default)),
    }
    yield {**s3_bucket, "proxy": proxy}
    proxy.close()


def leftovers(s3):
    client, bucket = s3["client"], s3["bucket"]
    objects = [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    uploads = [u["Key"] for u in client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]
    return objects, uploads


@pytest.mark.parametrize("stops_after_mb", [0, 3, 14])
def test_a_bucket_that_stops_answering_gets_the_school_a_chinese_answer_in_bounded_time(
    client, proxied_bucket, stops_after_mb
):
    """0: stopped before the request; 3: inside the first file's first part; 14: in the second file."""
    from django.core.files.storage import storages

    page = demo_form_page()
    proxy = proxied_bucket["proxy"]
    if stops_after_mb:
        proxy.stop_after = stops_after_mb * MB
    else:
        proxy.running.clear()
    budget = storage_budget_seconds(storages["applications"])
    assert budget == 1 * (1 + 1.5)

    started = time.monotonic()
    response = submit(client, page, work_plan=upload("方案.pdf", pdf_bytes(12 * MB)),
                      evidence=[upload("佐证.pdf", pdf_bytes(10 * MB))])
    waited = time.monotonic() - started

    assert response.status_code == 503
    assert "文件保存失败，本次提交没有被保存" in soup(response).get_text()
    assert Application.objects.count() == 0
    # Bounded by the storage settings, not by gunicorn's 300 s: one call, the cleanup.
    assert waited < 4 * budget + 5, waited

    proxy.stop_after = None
    proxy.running.set()  # the bucket comes back: what the request left half-done is cleared by the daily sweep
    out = io.StringIO()
    call_command("sweep_orphans", "--hours", "0", stdout=out)
    assert leftovers(proxied_bucket) == ([], []), out.getvalue()


def test_sweep_orphans_aborts_stale_incomplete_multipart_uploads_and_keeps_recent_ones(s3_bucket):
    client, bucket = s3_bucket["client"], s3_bucket["bucket"]
    started = client.create_multipart_upload(Bucket=bucket, Key="2026/11/29/abandoned.pdf")
    client.upload_part(Bucket=bucket, Key="2026/11/29/abandoned.pdf", UploadId=started["UploadId"], PartNumber=1,
                       Body=b"x" * (5 * MB))
    out = io.StringIO()
    # moto reports every upload as begun on 2010-11-10: an upload begun after the cutoff is kept (it may be a
    # submission still in progress), whatever the cutoff.
    initiated = client.list_multipart_uploads(Bucket=bucket)["Uploads"][0]["Initiated"]
    hours_since = int((time.time() - initiated.timestamp()) / 3600) + 24
    call_command("sweep_orphans", "--hours", str(hours_since), stdout=out)
    assert leftovers(s3_bucket)[1] == ["2026/11/29/abandoned.pdf"]
    call_command("sweep_orphans", "--hours", "0", stdout=out)
    assert leftovers(s3_bucket) == ([], [])
    assert "已中止分片上传：2026/11/29/abandoned.pdf" in out.getvalue()


def test_a_stamped_scan_to_a_bucket_that_stopped_gets_a_chinese_answer(client, proxied_bucket):
    page = demo_form_page()
    assert submit(client, page).status_code == 302
    application = Application.objects.get()
    proxied_bucket["proxy"].running.clear()
    response = client.post(f"/status/{application.reference}/", {"scan": upload("盖章件.pdf", pdf_bytes(MB))})
    assert response.status_code == 503 and "文件保存失败" in soup(response).get_text()
    application.refresh_from_db()
    assert application.status == "awaiting_scan"


def test_the_upload_scripts_requests_to_a_bucket_that_stopped_get_a_chinese_answer_and_resume_after(
    client, proxied_bucket
):
    """Begin (which opens the multipart upload) and finish (which lists the parts) ask the bucket: stopped, each
    answers 503 in bounded time with a Chinese message the script shows with its 继续上传 button; once the
    bucket is back the same file carries on from what it had sent."""
    import requests

    from .test_direct_uploads import begin, form_token, piece

    page = demo_form_page()
    proxy = proxied_bucket["proxy"]
    token = form_token(client, page)
    data = pdf_bytes(2 * MB)

    proxy.running.clear()
    started = time.monotonic()
    refused = begin(client, page, token, "方案.pdf", len(data), field="work_plan")
    assert refused.status_code == 503 and "存储服务暂时无法访问" in refused.json()["error"]
    assert time.monotonic() - started < 10
    proxy.running.set()

    upload = begin(client, page, token, "方案.pdf", len(data), field="work_plan").json()
    assert requests.put(upload["urls"]["1"], data=piece(upload, data, 1), timeout=30).status_code == 200
    proxy.running.clear()
    stopped = client.post(f"/apply/uploads/{upload['id']}/finish/")
    assert stopped.status_code == 503 and "存储服务暂时无法访问" in stopped.json()["error"]
    proxy.running.set()
    assert begin(client, page, token, "方案.pdf", len(data), field="work_plan").json()["received"] == [1]
    assert client.post(f"/apply/uploads/{upload['id']}/finish/").json()["state"] == "accepted"


def test_a_reviewer_downloading_from_a_bucket_that_stopped_gets_a_chinese_answer(city, proxied_bucket, caplog):
    import logging

    from .test_review import make_application, stored_file

    application = make_application(status="recommended")
    kept = stored_file(application, b"%PDF-1.4 kept")
    proxied_bucket["proxy"].running.clear()
    with caplog.at_level(logging.WARNING):
        response = city.get(f"/admin/applications/{application.pk}/files/{kept.pk}/", follow=True)
    assert response.status_code == 200
    assert "存储服务暂时无法访问" in soup(response).get_text()


def test_a_dossier_from_a_bucket_that_stopped_is_a_valid_zip_naming_what_it_could_not_read(city, proxied_bucket):
    import zipfile

    import openpyxl

    from .test_review import make_application, stored_file

    application = make_application(status="recommended")
    stored_file(application, b"%PDF-1.4 kept")
    proxied_bucket["proxy"].running.clear()
    response = city.get(f"/admin/applications/export/dossier.zip?call={application.call.pk}")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    manifest = next(n for n in archive.namelist() if n.endswith("清单.xlsx"))
    rows = list(openpyxl.load_workbook(io.BytesIO(archive.read(manifest))).active.iter_rows(values_only=True))
    assert any(row[8] and "存储服务无法访问" in row[8] for row in rows)


def test_a_dossier_whose_bucket_stops_part_way_through_a_file_is_a_valid_zip_naming_the_incomplete_file(
    city, proxied_bucket, caplog
):
    import logging
    import zipfile

    import openpyxl

    from .factories import ApplicationFileFactory
    from .test_review import make_application

    application = make_application(status="recommended")
    cut = ApplicationFileFactory(application=application, data=pdf_bytes(3 * MB), original_name="方案.pdf")
    after = ApplicationFileFactory(application=application, data=b"%PDF-1.4 after", original_name="佐证.pdf")
    proxy = proxied_bucket["proxy"]
    proxy.stop_after_answered = proxy.answered + MB  # the bucket stops a third of the way through the first file
    with caplog.at_level(logging.WARNING):
        response = city.get(f"/admin/applications/export/dossier.zip?call={application.call.pk}")
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    proxy.running.set()
    assert archive.testzip() is None
    manifest = next(n for n in archive.namelist() if n.endswith("清单.xlsx"))
    rows = list(openpyxl.load_workbook(io.BytesIO(archive.read(manifest))).active.iter_rows(values_only=True))
    by_path = {row[5]: row for row in rows[1:]}
    cut_path = next(path for path in by_path if path.endswith(cut.original_name))
    assert 0 <= archive.getinfo(cut_path).file_size < cut.size
    assert "不完整" in by_path[cut_path][8] and str(archive.getinfo(cut_path).file_size) == str(by_path[cut_path][6])
    # The file after it is not asked for again (each try would wait out the timeouts): named as not read.
    after_row = next(row for path, row in by_path.items() if path.endswith(after.original_name))
    assert "无法访问" in after_row[8]
    assert sum("stopped part-way" in record.getMessage() for record in caplog.records) == 1
    assert not [(r.name, r.getMessage()) for r in caplog.records if application.school in r.getMessage()]

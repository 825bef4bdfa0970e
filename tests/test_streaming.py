"""Files are stored in the bucket while the request is read (applications/streaming.py): the bucket ends up
with exactly the application's files, whatever stops the request, and a failed stream costs nothing."""

import hashlib
import random
import re
import threading

import pytest
from django.core.files.storage import storages
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, FakePayload, encode_multipart

from applications.apply import streaming
from applications.models import Application, ApplicationFile

from .conftest import soup
from .factories import demo_form_page, pdf_bytes, png_bytes, submit, upload, valid_data

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture
def page(db):
    return demo_form_page()


def bucket_keys(s3):
    listing = s3["client"].list_objects_v2(Bucket=s3["bucket"])
    return {o["Key"] for o in listing.get("Contents", [])}


def count_saves(monkeypatch, fail=lambda n: False):
    """Count the storage's writes (in any thread); ``fail(n)`` makes the n-th write (1-based) raise."""
    storage_class = type(storages["applications"])
    original = storage_class._save
    calls, lock = [], threading.Lock()

    def save(self, name, content):
        with lock:
            calls.append(name)
            n = len(calls)
        if fail(n):
            raise OSError("bucket unavailable")
        return original(self, name, content)

    monkeypatch.setattr(storage_class, "_save", save)
    return calls


# ---------------------------------------------------------------- the pipe between the two threads


def test_the_pipe_hands_over_exact_sized_reads_whatever_the_pieces():
    pipe = streaming.Pipe("x")
    pieces = [b"a" * 3, b"b" * 10, b"c" * 1, b"d" * 7]
    out = []
    reader = threading.Thread(target=lambda: out.extend([pipe.read(4), pipe.read(4), pipe.read(100), pipe.read(4)]))
    reader.start()
    for piece in pieces:
        assert pipe.put(piece)
    assert pipe.end()
    reader.join(5)
    assert out[:2] == [b"aaab", b"bbbb"]
    assert b"".join(out) == b"".join(pieces) and out[3] == b""


@pytest.mark.parametrize("seed", range(20))
def test_the_pipe_never_loses_reorders_or_adds_a_byte(seed):
    rng = random.Random(seed)
    pieces = [rng.randbytes(rng.choice([0, 1, 7, 4096, 65536, 300_000])) for _ in range(rng.randint(0, 30))]
    pipe, out = streaming.Pipe("x"), []

    def read():
        while chunk := pipe.read(rng.choice([1, 5, 8192, 100_000, 5 * MB])):
            out.append(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    for piece in pieces:
        assert pipe.put(piece)
    assert pipe.end()
    reader.join(10)
    assert b"".join(out) == b"".join(pieces)


def test_giving_up_stops_a_waiting_reader_and_a_gone_reader_stops_the_writer(monkeypatch):
    pipe = streaming.Pipe("x")
    raised = []

    def read():
        try:
            pipe.read(10)
        except streaming.Aborted:
            raised.append(True)
        finally:
            pipe.reader_gone.set()

    reader = threading.Thread(target=read)
    reader.start()
    pipe.put(b"12345")
    pipe.abort()
    reader.join(5)
    assert raised == [True]
    assert pipe.put(b"more") is False  # nobody reads any more: the writer is told at once, not blocked


def test_a_writer_with_no_room_for_too_long_gives_up(monkeypatch):
    monkeypatch.setattr(streaming, "WRITE_STALL_SECONDS", 0.3)
    pipe = streaming.Pipe("x")  # nobody reads it
    for _ in range(streaming.DEPTH):
        assert pipe.put(b"x")
    assert pipe.put(b"x") is False


# ---------------------------------------------------------------- through the form, on the S3 protocol


def test_each_file_is_written_once_while_received_and_kept(client, page, s3_bucket, monkeypatch):
    saves = count_saves(monkeypatch)
    big = pdf_bytes(9 * MB)  # more than one multipart part
    response = submit(client, page, work_plan=upload("方案.pdf", big))
    assert response.status_code == 302
    files = list(ApplicationFile.objects.all())
    assert len(saves) == len(files) == 3  # no second upload after the request was read
    assert bucket_keys(s3_bucket) == {f.key for f in files} == set(saves)
    plan = ApplicationFile.objects.get(field_name="work_plan")
    body = s3_bucket["client"].get_object(Bucket=s3_bucket["bucket"], Key=plan.key)["Body"].read()
    assert body == big and plan.sha256 == hashlib.sha256(big).hexdigest()


def test_the_stamped_scan_is_streamed_too_and_a_replaced_one_removed(
    client, page, s3_bucket, monkeypatch, django_capture_on_commit_callbacks
):
    submit(client, page)
    application = Application.objects.get()
    status_url = f"/status/{application.reference}/"
    saves = count_saves(monkeypatch)
    refused = client.post(status_url, {"scan": upload("盖章.docx", pdf_bytes())})  # wrong extension for a scan
    assert refused.status_code == 200 and len(saves) == 1
    assert client.post(status_url, {"scan": upload("盖章.pdf", pdf_bytes())}).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):  # the old scan is removed once the new one is saved
        assert client.post(status_url, {"scan": upload("盖章2.pdf", pdf_bytes(3 * MB))}).status_code == 302
    assert len(saves) == 3  # each scan written once, while it was received
    files = list(application.files.all())
    assert [f.original_name for f in files if f.field_name == ApplicationFile.STAMPED_SCAN] == ["盖章2.pdf"]
    assert bucket_keys(s3_bucket) == {f.key for f in files}  # the refused and the replaced scans are gone


def test_a_stream_that_fails_is_stored_again_from_the_received_file(client, page, s3_bucket, monkeypatch):
    saves = count_saves(monkeypatch, fail=lambda n: n == 1)  # the first file's stream fails once
    response = submit(client, page)
    assert response.status_code == 302
    files = list(Application.objects.get().files.all())
    assert len(files) == 3 and len(saves) == 4
    assert bucket_keys(s3_bucket) == {f.key for f in files}
    for f in files:
        body = s3_bucket["client"].get_object(Bucket=s3_bucket["bucket"], Key=f.key)["Body"].read()
        assert hashlib.sha256(body).hexdigest() == f.sha256


def test_a_refused_form_leaves_no_streamed_object(client, page, s3_bucket, monkeypatch):
    saves = count_saves(monkeypatch)
    response = submit(client, page, leader_phone="12345")
    assert response.status_code == 200 and soup(response).select(".error-summary li")
    assert len(saves) == 3  # the files were streamed…
    assert bucket_keys(s3_bucket) == set()  # …and removed when the form was refused
    assert Application.objects.count() == 0


def test_a_request_refused_by_the_csrf_check_leaves_no_streamed_object(page, s3_bucket, monkeypatch):
    saves = count_saves(monkeypatch)
    browser = Client(enforce_csrf_checks=True)
    browser.get(page.url)
    response = browser.post(page.url, valid_data(submission_token="x"))  # no CSRF token
    assert response.status_code == 403
    assert len(saves) == 3 and bucket_keys(s3_bucket) == set()


def test_a_file_over_the_limit_stops_its_stream_and_leaves_nothing(client, page, s3_bucket, settings):
    settings.PORTAL_UPLOAD_MAX_FILE_MB = 2
    response = submit(client, page, evidence=[upload("小.pdf", pdf_bytes()), upload("大.pdf", pdf_bytes(3 * MB))])
    assert "超过了单个文件" in " ".join(li.get_text() for li in soup(response).select(".error-summary li"))
    assert bucket_keys(s3_bucket) == set() and Application.objects.count() == 0


def test_too_many_file_parts_get_a_400_and_leave_nothing(client, page, s3_bucket, settings):
    many = [upload(f"照片{i}.png", png_bytes()) for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    response = submit(client, page, evidence=many)
    assert response.status_code == 400
    assert f"不能超过 {settings.DATA_UPLOAD_MAX_NUMBER_FILES} 个" in soup(response).get_text()
    assert bucket_keys(s3_bucket) == set() and Application.objects.count() == 0


class DroppedConnection(FakePayload):
    """A request body whose sender goes away after ``after`` bytes."""

    def __init__(self, content, after):
        super().__init__(content)
        self.after = after
        self.sent = 0

    def read(self, size=-1, /):
        if self.sent >= self.after:
            raise OSError("connection reset by peer")
        data = super().read(min(size, self.after - self.sent) if size is not None and size >= 0 else size)
        self.sent += len(data)
        return data


def test_a_dropped_connection_mid_file_leaves_no_object(client, page, s3_bucket, monkeypatch, caplog):
    saves = count_saves(monkeypatch)
    token = soup(client.get(page.url)).find("input", {"name": "submission_token"})["value"]
    big = pdf_bytes(12 * MB)
    body = encode_multipart(BOUNDARY, valid_data(submission_token=token, work_plan=upload("方案.pdf", big)))
    client.raise_request_exception = False
    environ = {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body))}
    environ["wsgi.input"] = DroppedConnection(body, after=len(body) - 4 * MB)
    response = client.generic("POST", page.url, **environ)
    assert response.status_code == 400 and "上传中断" in soup(response).get_text()  # not a server error
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(saves) == 1  # the work plan's stream had started
    assert bucket_keys(s3_bucket) == set() and Application.objects.count() == 0


def test_local_storage_does_not_stream(client, page, private_folder):
    response = submit(client, page)
    assert response.status_code == 302
    assert sorted(p.relative_to(private_folder).as_posix() for p in private_folder.rglob("*") if p.is_file()) == sorted(
        ApplicationFile.objects.values_list("key", flat=True)
    )


def test_keys_are_generated_and_never_carry_odd_characters_from_the_file_name():
    from applications.apply.storage import new_key

    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/[0-9a-f]{32}\.pdf", new_key("pdf"))
    for odd in ("PD F", "../x", "", "p\x00df", "很长的扩展名"):
        assert new_key(odd).endswith(".bin")
    assert new_key("pdf") != new_key("pdf")

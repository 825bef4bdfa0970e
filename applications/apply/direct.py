"""Files uploaded one by one, ahead of submission, in parts that can be resumed.

The browser asks the portal to begin an upload (``begin``): the portal checks the field, name, size and the
form's totals, makes the key and returns the upload's parts. For each part it asks for a URL (``part_url``):

- with an S3 bucket, a presigned UploadPart URL of a multipart upload: the bytes go straight to the bucket,
  the portal never relays them;
- with the local folder, the portal's own part endpoint (``receive_part``), which writes the part to a
  staging folder.

Which parts have arrived is asked of the storage itself (ListParts, or the staging folder), so an upload
resumes from its last finished part after a dropped connection, a reload, or in another browser.

``finish`` only makes sure every part has arrived; a task (``verify``, in the task worker, or the submission
if it comes first) then assembles the parts (``check_whole``) and checks the object without trusting the bucket to
have enforced anything (moto, and a misconfigured bucket, enforce neither signatures, expiry nor sizes):
exactly the parts that were signed for, each of the expected length, none written after its URL expired, the
object of the declared size, and its first bytes of the declared type. Then it reads the object whole for the
sha256 and the content checks of uploads.UploadRule. Whatever fails is deleted and the school is told, naming
the file.
"""

import hashlib
import logging
import shutil
import tempfile
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.http import UnreadablePostError
from django.utils import timezone
from django_tasks import task

from .storage import application_storage, new_key, pieces_of
from .uploads import MB, check_total, extension_of

logger = logging.getLogger(__name__)

HEAD_BYTES = 64 * 1024  # what the type sniffing reads (uploads.sniff)


class Refused(Exception):
    """The request cannot be done; the message is for the school, in Chinese."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


STORAGE_DOWN = "存储服务暂时无法访问，请稍后点“继续上传”，已上传的部分不会丢失。"


@contextmanager
def asking_storage():
    """A storage that does not answer one of the script's requests (botocore's errors and timeouts, OSError) is
    a 503 with a Chinese message, never a 500: the script offers to continue, and what was sent is kept."""
    try:
        yield
    except (Refused, UnreadablePostError):  # the school's connection dropped, not the storage
        raise
    except Exception as error:
        logger.warning("The storage failed an upload request (%s)", type(error).__name__, exc_info=True)
        raise Refused(STORAGE_DOWN, status=503) from error


def part_size():
    return settings.PORTAL_UPLOAD_PART_MB * MB


def url_seconds():
    return settings.PORTAL_UPLOAD_URL_SECONDS


# ---- the two places parts can go


class BucketParts:
    """Parts go straight to an S3 bucket as the parts of a multipart upload."""

    def __init__(self, storage):
        self.storage = storage
        self.client = storage.connection.meta.client
        self.bucket = storage.bucket_name

    def object_key(self, key):
        return self.storage._normalize_name(key)

    def begin(self, upload):
        started = self.client.create_multipart_upload(
            Bucket=self.bucket, Key=self.object_key(upload.key), ContentType="application/octet-stream"
        )
        upload.multipart_id = started["UploadId"]

    def part_url(self, upload, number):
        return self.client.generate_presigned_url(
            "upload_part",
            Params={"Bucket": self.bucket, "Key": self.object_key(upload.key), "UploadId": upload.multipart_id,
                    "PartNumber": number},
            ExpiresIn=url_seconds(),
        ), False

    def received(self, upload):
        """{part number: (size, when written, etag)} of the parts the bucket holds."""
        parts = {}
        paginator = self.client.get_paginator("list_parts")
        pages = paginator.paginate(Bucket=self.bucket, Key=self.object_key(upload.key), UploadId=upload.multipart_id)
        for page in pages:
            for part in page.get("Parts", []):
                parts[part["PartNumber"]] = (part["Size"], part["LastModified"], part["ETag"])
        return parts

    def assemble(self, upload, parts):
        self.client.complete_multipart_upload(
            Bucket=self.bucket, Key=self.object_key(upload.key), UploadId=upload.multipart_id,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": parts[n][2]} for n in sorted(parts)]},
        )

    def abandon(self, upload):
        if upload.multipart_id:
            try:
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=self.object_key(upload.key), UploadId=upload.multipart_id
                )
            except self.client.exceptions.NoSuchUpload:
                pass


class FolderParts:
    """Parts go to the portal (receive_part), into a staging folder beside nothing public."""

    def __init__(self, storage):
        self.storage = storage

    def folder(self, upload):
        return Path(settings.PORTAL_UPLOAD_PARTS_DIR) / upload.public_id.hex

    def begin(self, upload):
        self.folder(upload).mkdir(parents=True, exist_ok=True)

    def part_url(self, upload, number):
        from django.urls import reverse

        return reverse("applications:upload_part", args=[upload.public_id, number]), True

    def received(self, upload):
        parts = {}
        folder = self.folder(upload)
        if folder.is_dir():
            for path in folder.glob("*.part"):
                stat = path.stat()
                written = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
                parts[int(path.stem)] = (stat.st_size, written, None)
        return parts

    def write(self, upload, number, body, length):
        """Write part ``number`` from ``body`` (a file-like request body of ``length`` bytes)."""
        folder = self.folder(upload)
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f"{number}.partial"
        with open(partial, "wb") as out:
            left = length
            while left:
                data = body.read(min(left, MB))
                out.write(data)
                left -= len(data)
        partial.replace(folder / f"{number}.part")  # only a whole part counts as received

    def assemble(self, upload, parts):
        if self.storage.exists(upload.key):  # made by an earlier try that stopped before removing the parts
            shutil.rmtree(self.folder(upload), ignore_errors=True)
            return
        with tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as whole:
            for number in sorted(parts):
                with open(self.folder(upload) / f"{number}.part", "rb") as part:
                    shutil.copyfileobj(part, whole, MB)
            whole.seek(0)
            saved = self.storage.save(upload.key, File(whole, name=upload.key))
        if saved != upload.key:  # keys are random: a clash would mean two uploads share a key
            self.storage.delete(saved)
            raise RuntimeError("storage renamed an upload")
        shutil.rmtree(self.folder(upload), ignore_errors=True)

    def abandon(self, upload):
        shutil.rmtree(self.folder(upload), ignore_errors=True)


def parts_for(storage=None):
    storage = storage or application_storage()
    return BucketParts(storage) if hasattr(storage, "bucket_name") else FolderParts(storage)


def direct_to_bucket():
    """Whether the browser sends file bytes straight to the bucket (S3 configured) or to the portal."""
    return isinstance(parts_for(), BucketParts)


# ---- the protocol


def begin(page, token, field_name, name, size, modified=None):
    """(upload, created) for this file: an unfinished one of the same form, field, name and size is resumed
    (the school re-selected the file after a dropped connection, or in another browser), else a new one."""
    from ..models import Upload

    rules = page.upload_rules()
    if field_name not in rules:
        raise Refused("该字段不接受文件。")
    rule, multiple = rules[field_name]
    name = Path("".join(c for c in name or "" if c.isprintable())).name[:255]
    if not name:
        raise Refused("文件名为空，请重新选择文件。")
    probe = _Probe(name, size)
    try:
        rule.check_name_and_size(probe)
    except ValidationError as error:
        raise Refused(error.messages[0]) from None
    existing = (
        Upload.objects.filter(token=token, page=page, field_name=field_name, original_name=name, size=size,
                              state=Upload.State.UPLOADING)
        .order_by("-created_at")
        .first()
    )
    if existing is not None:
        return existing, False
    check_room(token, size)
    upload = Upload(
        token=token, page=page, field_name=field_name, original_name=name, size=size, modified=modified,
        key=new_key(extension_of(name)), part_size=part_size(),
    )
    with asking_storage():
        parts_for().begin(upload)
    upload.save()
    return upload, True


def check_room(token, size):
    """Refused unless the form has room for one more file of ``size`` bytes (count and total)."""
    from ..models import Upload

    owned = list(Upload.objects.filter(token=token).exclude(state=Upload.State.REFUSED).values_list("size", flat=True))
    if len(owned) >= settings.DATA_UPLOAD_MAX_NUMBER_FILES:
        raise Refused("本次申报上传的文件过多，请删除不需要的文件后再试。")
    try:
        check_total([*owned, size])
    except ValidationError as error:
        raise Refused(error.messages[0]) from None


def keep_posted_files(page, form, state):
    """A draft saved without JavaScript: each file posted with it is checked on its own (uploads.UploadRule)
    and, if it passes, stored and recorded as one of the form's uploads, like a file uploaded one by one.
    Errors go on the form next to their field. Returns whether any file was refused."""
    from ..models import Upload
    from .submission import StorageFailure, store_uploads

    refused = False
    for name, (rule, multiple) in page.upload_rules().items():
        for posted in form.files.getlist(name) if hasattr(form.files, "getlist") else []:
            try:
                rule.validate(posted)
                check_room(state.token, posted.size)
                key = store_uploads([posted])[0]
            except ValidationError as error:
                form.add_error(name, error)
                refused = True
                continue
            except Refused as error:
                form.add_error(name, str(error))
                refused = True
                continue
            except StorageFailure:
                form.add_error(name, f"文件“{Path(posted.name).name}”保存失败，请稍后重新选择上传。")
                refused = True
                continue
            if not multiple:
                for older in state.uploads_of(name):
                    remove(older)
            upload = Upload.objects.create(
                token=state.token, page=page, field_name=name, original_name=Path(posted.name).name[:255],
                size=posted.size, key=key, part_size=part_size(), state=Upload.State.ACCEPTED,
                stored_at=timezone.now(), sha256=posted.sha256, content_type=posted.detected_type,
            )
            state.uploads[name] = ([] if not multiple else state.uploads.get(name, [])) + [upload]
    return refused


def received_parts(upload):
    """The numbers of the parts the storage already holds whole (what a resumed upload skips)."""
    if upload.state != upload.State.UPLOADING:
        return []
    with asking_storage():
        received = parts_for().received(upload)
    return sorted(n for n, (size, _, _) in received.items() if 1 <= n <= upload.parts and size == upload.part_length(n))


def part_urls(upload, numbers):
    """({part number: url}, same_origin) for writing those parts; records until when the URLs are valid. Signing
    is local (an HMAC, no call to the bucket): the parts still to send are signed in one request."""
    if upload.state != upload.State.UPLOADING:
        raise Refused("该文件已上传完毕。", status=409)
    if not numbers or not all(1 <= number <= upload.parts for number in numbers):
        raise Refused("分片编号不正确。")
    backend = parts_for()
    urls = {}
    for number in numbers:
        urls[number], same_origin = backend.part_url(upload, number)
    until = timezone.now() + timedelta(seconds=url_seconds())
    type(upload).objects.filter(pk=upload.pk).update(signed_until=until)
    upload.signed_until = until
    return urls, same_origin


def receive_part(upload, number, body, length):
    """The portal's own part endpoint (local folder only)."""
    backend = parts_for()
    if not isinstance(backend, FolderParts):
        raise Refused("文件应直接上传到存储服务。", status=404)
    if upload.state != upload.State.UPLOADING:
        raise Refused("该文件已上传完毕。", status=409)
    if not 1 <= number <= upload.parts:
        raise Refused("分片编号不正确。")
    if length != upload.part_length(number):
        raise Refused("分片大小不正确，请重新上传该文件。")
    if upload.signed_until is None or timezone.now() > upload.signed_until:
        raise Refused("上传链接已过期，请重新上传该文件。", status=403)
    with asking_storage():
        backend.write(upload, number, body, length)


def finish(upload):
    """The school has sent every part: the upload becomes CHECKING and a task (``verify``) assembles and checks
    it. Returns the upload (with the immediate task backend, already ACCEPTED or REFUSED with the reason in
    ``problem``). Parts still missing are named at once, for the script to resume.

    Assembling is left to the task, off the web worker: S3's CompleteMultipartUpload copies the parts into the
    object and, for a large one, may take long (AWS documents minutes), which a sync worker would spend waiting."""
    from ..models import Upload

    if upload.state != Upload.State.UPLOADING:
        return upload
    with asking_storage():
        received = parts_for().received(upload)
    missing = sorted(set(range(1, upload.parts + 1)) - set(received))
    if missing:
        raise Refused(f"文件“{upload.original_name}”还有 {len(missing)} 个分片没有上传完，请继续上传。", status=409)
    Upload.objects.filter(pk=upload.pk, state=Upload.State.UPLOADING).update(state=Upload.State.CHECKING)
    # With a worker (PORTAL_TASKS=database) the task runs there and the school's page asks again; with the
    # immediate backend it has run when this returns. Enqueued in this request's transaction, if any.
    verify.enqueue(upload.pk)
    upload.refresh_from_db()
    return upload


def _head_problem(upload, head):
    """A reason to refuse from the first bytes alone (the type), or None."""
    from .uploads import KNOWN_TYPES, sniff

    accepted, _ = KNOWN_TYPES.get(extension_of(upload.original_name), (set(), None))
    probe = _Probe(upload.original_name, upload.size, head)
    if sniff(probe) not in accepted:
        return f"的内容与扩展名 .{extension_of(upload.original_name)} 不符（文件可能已损坏或被改名）"
    return None


def refuse(upload, problem):
    """Delete what was stored for the upload and keep the row, REFUSED, to tell the school why. Only an upload
    not yet accepted is refused (a submission claims accepted ones only)."""
    refusing = type(upload).objects.filter(pk=upload.pk).exclude(state=upload.State.ACCEPTED)
    if not refusing.update(state=upload.State.REFUSED, problem=problem[:500]):
        return
    remove(upload, keep_row=True)
    upload.state, upload.problem = upload.State.REFUSED, problem[:500]


def remove(upload, keep_row=False):
    """Delete an upload's parts or object, and its row unless ``keep_row``. The row goes first: if a submission
    claimed it meanwhile (submission.record_upload), the object is the application's and stays."""
    if not keep_row and not type(upload).objects.filter(pk=upload.pk).delete()[0]:
        return
    try:
        parts_for().abandon(upload)
        application_storage().delete(upload.key)  # assembled or not: deleting nothing is no error
    except Exception:  # the daily sweep removes what could not be removed now
        logger.exception("Could not remove an uploaded file")


def _assemble(upload):
    """Make the object from the parts the storage holds, if they are exactly those signed for: each of the
    expected length, none written after its URL expired. Returns a reason to refuse, or None once assembled.
    A storage failure raises."""
    backend = parts_for()
    try:
        received = backend.received(upload)
    except Exception:
        if application_storage().exists(upload.key):
            return None  # assembled by an earlier try whose answer was lost (S3 has forgotten the upload's parts)
        raise
    if not received and application_storage().exists(upload.key):
        return None  # the same with the local folder, whose parts go once the file is made
    expected = set(range(1, upload.parts + 1))
    skew = timedelta(seconds=settings.PORTAL_UPLOAD_CLOCK_SKEW_SECONDS)
    if set(received) != expected or any(received[n][0] != upload.part_length(n) for n in expected):
        return "上传的内容与所选文件的大小不符"
    if upload.signed_until is None or any(received[n][1] > upload.signed_until + skew for n in expected):
        return "上传链接已过期"
    backend.assemble(upload, {n: received[n] for n in sorted(expected)})
    return None


def _read_whole(upload, copy):
    """Copy the stored object into ``copy`` (a temporary file); returns a File of it with its sha256."""
    digest = hashlib.sha256()
    for chunk in pieces_of(upload.key, MB):
        digest.update(chunk)
        copy.write(chunk)
    copy.flush()
    copy.seek(0)
    checked = File(copy, name=upload.original_name)
    checked.sha256 = digest.hexdigest()
    return checked


@task(backend="worker")
def verify(upload_pk):
    """Assemble the uploaded file and check it whole (check_whole)."""
    from ..models import Upload

    upload = Upload.objects.select_related("page").filter(pk=upload_pk, state=Upload.State.CHECKING).first()
    if upload is not None:
        check_whole(upload)


def check_whole(upload):
    """Assemble the parts if that is not done yet, then check the object whole (its size and type, its sha256 and
    every content check of uploads.UploadRule): in the task or, if it has not run yet, at submission. Done once:
    the upload's row is locked meanwhile, so the task and a submission do not both do it. Returns the upload as it
    then is: ACCEPTED, REFUSED (and deleted, with the reason in ``problem``), or still CHECKING after a storage
    failure (tried again by the next submission or a later task)."""
    from ..models import Upload

    with transaction.atomic():
        row = Upload.objects.select_for_update().filter(pk=upload.pk).first()
        if row is None:  # removed meanwhile
            return upload
        row.page = upload.page
        if row.state != Upload.State.CHECKING:
            return row
        rules = row.page.specific.upload_rules()
        rule = rules[row.field_name][0] if row.field_name in rules else None
        try:
            problem = _assemble(row) if row.stored_at is None else None
            if problem is not None:
                refuse(row, f"{problem}，已被删除，请重新选择该文件上传。")
                return row
            row.stored_at = row.stored_at or timezone.now()
            # A copy without a name (as uploads.ReceivedFile): a worker killed mid-check leaves nothing on disk.
            with tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as copy:
                checked = _read_whole(row, copy)
                problem = "的大小与所选文件不符" if checked.size != row.size else _head_problem(row, copy.read(HEAD_BYTES))
                copy.seek(0)
                if problem is None:
                    if rule is None:
                        raise ValidationError("该字段已不再接受文件，请删除后重新上传。")
                    rule.validate(checked)
        except ValidationError as error:
            # The checks' messages begin with the file's name; a refusal is shown after the name (the form's
            # error, the upload list, the script), so it is kept without it.
            named = f"文件“{row.original_name}”"
            problem = " ".join(message.removeprefix(named) for message in error.messages).rstrip("。")
        except Exception:
            logger.exception("Assembling or checking an uploaded file failed")
            if row.stored_at is not None:
                Upload.objects.filter(pk=row.pk).update(stored_at=row.stored_at)
            return row  # stays CHECKING: a submission or a later task tries again
        if problem is not None:
            refuse(row, problem + "。已被删除，请重新选择。")
            return row
        row.state, row.sha256, row.content_type = Upload.State.ACCEPTED, checked.sha256, checked.detected_type
        Upload.objects.filter(pk=row.pk).update(
            state=row.state, sha256=row.sha256, content_type=row.content_type, stored_at=row.stored_at
        )
        return row


class _Probe:
    """What UploadRule needs of a file, for a file that is not here (its name and declared size, maybe its head)."""

    def __init__(self, name, size, head=b""):
        self.name, self.size, self._head, self._at = name, size, head, 0

    def seek(self, at):
        self._at = at

    def read(self, n=-1):
        data = self._head[self._at:] if n < 0 else self._head[self._at:self._at + n]
        self._at += len(data)
        return data

"""Upload validation: the one place that decides whether a file is accepted.

- Sizes are enforced while the request body is read (``LimitedUploadHandler``), so an oversized upload is
  never held whole, in memory or on disk; files go to temporary files on disk, never to memory. Those files have
  no name (``ReceivedFile``): the system frees them when the request ends, and also when its worker is killed
  mid-upload, so no copy of a school's files outlives the process that received it.
- A file is accepted by its extension *and* its content: the type is sniffed from the bytes with the
  ``filetype`` library and must agree with the extension (a renamed .exe is refused).
- The user's file name is kept as data only; storage keys are generated (see ``storage.new_key``).
"""

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.template.defaultfilters import filesizeformat

from . import file_checks, malware

MB = 1024 * 1024

# Extension -> the sniffed types that count as that extension, and the MIME type we record.
KNOWN_TYPES = {
    "pdf": ({"pdf"}, "application/pdf"),
    "doc": ({"doc"}, "application/msword"),
    "docx": ({"docx"}, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xls": ({"xls"}, "application/vnd.ms-excel"),
    "xlsx": ({"xlsx"}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "jpg": ({"jpg"}, "image/jpeg"),
    "jpeg": ({"jpg"}, "image/jpeg"),
    "png": ({"png"}, "image/png"),
    "zip": ({"zip"}, "application/zip"),
}
DOCUMENT_EXTENSIONS = ("pdf", "doc", "docx")
SCAN_EXTENSIONS = ("pdf", "jpg", "jpeg", "png")
EVIDENCE_EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png", "zip")


def max_file_bytes():
    return settings.PORTAL_UPLOAD_MAX_FILE_MB * MB


def max_total_bytes():
    return settings.PORTAL_UPLOAD_MAX_TOTAL_MB * MB


def parse_extensions(text):
    """'pdf, .DOCX；jpg' -> ('pdf', 'docx', 'jpg'); only extensions the portal knows how to sniff."""
    parts = text.replace("；", ",").replace(";", ",").replace("，", ",").split(",")
    return tuple(p.strip().lower().lstrip(".") for p in parts if p.strip().lower().lstrip(".") in KNOWN_TYPES)


def extension_of(name):
    return PurePath(name or "").suffix.lower().lstrip(".")


def sniff(uploaded):
    """The type the content says it is ('pdf', 'docx', …) or None; reads the head of the file only."""
    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)
    kind = filetype.guess(head)
    if kind is not None and kind.extension == "zip" and head.startswith(b"PK"):
        # Office Open XML files are zip files: filetype tells them apart only with the whole file at hand.
        uploaded.seek(0)
        kind = filetype.guess(uploaded.read(min(uploaded.size, 64 * 1024))) or kind
        uploaded.seek(0)
    return kind.extension if kind else None


@dataclass(frozen=True)
class UploadRule:
    extensions: tuple
    max_bytes: int

    def describe(self):
        return f"支持 {'、'.join(e.upper() for e in self.extensions)} 格式，单个文件不超过 {filesizeformat(self.max_bytes)}。"

    def check_name_and_size(self, uploaded):
        """What can be judged before the bytes arrive: the extension, and the size."""
        name = PurePath(uploaded.name or "").name
        extension = extension_of(name)
        if extension not in self.extensions:
            raise ValidationError(
                "文件“%(name)s”的格式不被接受：%(rule)s", params={"name": name, "rule": self.describe()}, code="type"
            )
        if not uploaded.size:
            raise ValidationError("文件“%(name)s”是空文件，请重新选择。", params={"name": name}, code="empty")
        if uploaded.size > self.max_bytes:
            raise ValidationError(
                "文件“%(name)s”大小为 %(size)s，超过了 %(max)s 的限制。",
                params={"name": name, "size": filesizeformat(uploaded.size), "max": filesizeformat(self.max_bytes)},
                code="size",
            )

    def validate(self, uploaded):
        """Raise a ValidationError in Chinese, naming the file, unless the upload is acceptable.
        Records the detected MIME type and the sha256 on the file object."""
        self.check_name_and_size(uploaded)
        name = PurePath(uploaded.name or "").name
        extension = extension_of(name)
        sniffed = sniff(uploaded)
        accepted, mime = KNOWN_TYPES[extension]
        if sniffed not in accepted:
            raise ValidationError(
                "文件“%(name)s”的内容与扩展名 .%(ext)s 不符（文件可能已损坏或被改名），请上传真实的 %(upper)s 文件。",
                params={"name": name, "ext": extension, "upper": extension.upper()},
                code="content",
            )
        try:
            file_checks.check(sniffed, uploaded)
        except file_checks.Refused as refused:
            raise ValidationError(
                "文件“%(name)s”%(problem)s。", params={"name": name, "problem": refused}, code="content"
            ) from None
        try:
            malware.scan(uploaded)
        except malware.Infected as found:
            raise ValidationError(
                "文件“%(name)s”未通过病毒扫描（检测到 %(found)s），已被拒收。请用杀毒软件检查并清除后重新上传。",
                params={"name": name, "found": found}, code="malware",
            ) from None
        except malware.NotScanned:
            raise ValidationError(
                "文件“%(name)s”暂时无法完成病毒扫描，没有被保存。请稍后重新上传；如多次失败，请联系市教科院。",
                params={"name": name}, code="not_scanned",
            ) from None
        uploaded.detected_type = mime
        if not getattr(uploaded, "sha256", None):
            uploaded.sha256 = file_sha256(uploaded)


def file_sha256(uploaded):
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


def check_total(sizes):
    """The form's files together (posted with it, or uploaded one by one ahead: direct.check_room)."""
    total = sum(sizes)
    if total > max_total_bytes():
        raise ValidationError(
            "本次申报的文件合计 %(size)s，超过了每次提交 %(max)s 的限制，请压缩或删除部分文件后再上传。",
            params={"size": filesizeformat(total), "max": filesizeformat(max_total_bytes())},
        )


class ReceivedFile(UploadedFile):
    """A file received with a request, in a temporary file without a name in any folder (O_TMPFILE, or unlinked
    at once): it is gone when closed or when its process ends, however it ends. Django's TemporaryUploadedFile has
    a name, and a worker killed mid-request (SIGKILL, the OOM killer) left it on disk for good. Storing it copies
    its bytes (there is no path to move)."""

    def __init__(self, name, content_type, size, charset, content_type_extra=None):
        received = tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR)
        super().__init__(received, name, content_type, size, charset, content_type_extra)


class LimitedUploadHandler(FileUploadHandler):
    """Streams each file to a temporary file (``ReceivedFile``), hashing as it goes, and stops reading once a file
    or the whole request is over its limit. The reason is left on ``request.upload_error`` for the view to show."""

    # Django reads the body in pieces of this size. 1 MB rather than 64 KB: each read costs the WSGI server a
    # buffer copy (gunicorn re-buffers what it received beyond the piece asked for), which for 64 KB pieces made
    # receiving a 60 MB submission cost as much as storing it. Bounded: one piece in memory at a time.
    chunk_size = MB

    def __init__(self, request=None):
        super().__init__(request)
        self.total = 0
        self.file_bytes = 0
        self.digest = None

    def _stop(self, message):
        self.request.upload_error = message
        self.request.upload_error_field = self.field_name
        raise StopUpload(connection_reset=False)

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # Generous margin for the form's text fields and multipart overhead.
        if content_length and content_length > max_total_bytes() + 2 * MB:
            self.request.upload_error = (
                f"本次提交的文件合计超过了每次提交 {filesizeformat(max_total_bytes())} 的限制，请压缩或减少文件后重新选择。"
            )
        return super().handle_raw_input(input_data, META, content_length, boundary, encoding)

    def new_file(self, *args, **kwargs):
        if getattr(self.request, "upload_error", None):
            raise StopUpload(connection_reset=False)
        super().new_file(*args, **kwargs)
        self.file = ReceivedFile(self.file_name, self.content_type, 0, self.charset, self.content_type_extra)
        self.file_bytes = 0
        self.digest = hashlib.sha256()

    def receive_data_chunk(self, raw_data, start):
        self.file_bytes += len(raw_data)
        self.total += len(raw_data)
        if self.file_bytes > max_file_bytes():
            self._stop(
                f"文件“{PurePath(self.file_name or '').name}”超过了单个文件 {filesizeformat(max_file_bytes())} 的限制，请压缩后重新选择。"
            )
        if self.total > max_total_bytes():
            self._stop(f"本次上传的文件合计超过了每次提交 {filesizeformat(max_total_bytes())} 的限制。")
        self.digest.update(raw_data)
        self.file.write(raw_data)

    def file_complete(self, file_size):
        self.file.seek(0)
        self.file.size = file_size
        self.file.sha256 = self.digest.hexdigest()
        return self.file

    def upload_interrupted(self):
        if hasattr(self, "file"):
            self.file.close()  # and with it the file's bytes


def use_limited_upload_handler(request):
    """Must run before request.POST / request.FILES are first read."""
    handler = LimitedUploadHandler(request)
    request.upload_handlers = [handler]
    return handler

"""The dossier: every application's 附件4 and uploaded files in one ZIP, streamed with bounded memory.

Layout (``name`` is the archive's root folder)::

    name/单位名/学校名-项目名-编号/申请表-编号.docx
    name/单位名/学校名-项目名-编号/<材料名称>-<原文件名>   (the label once: 工作方案.docx stays so)
    name/清单.xlsx

Each folder or file name is at most MAX_NAME_BYTES bytes of UTF-8. File bodies are read from storage 1 MB
at a time while the ZIP is written, and applications are read from the database in chunks, so memory does
not grow with the size of the dossier. The manifest comes last in the stream because it records the size
and SHA-256 of the bytes actually written.
"""

import hashlib
import io
import logging
import posixpath
import re
import unicodedata

import zipstream
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from portal import office

from ..apply.storage import Presence, pieces_of, presence
from .docx import application_docx, template_page

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024
DB_CHUNK_SIZE = 200
# Bytes of UTF-8 per folder or file name: file systems and unzip allow 255 (a Chinese character is 3 bytes),
# and Windows counts the whole path; 100 leaves room for both.
MAX_NAME_BYTES = 100
MANIFEST_NAME = "清单.xlsx"
MANIFEST_HEADERS = ["编号", "单位", "学校", "项目", "材料", "ZIP内路径", "大小", "SHA-256", "备注"]

_FORBIDDEN = re.compile(r'[/\\:*?"<>|]')
_BREAKS = " -_（(，,、；;"  # a cut made just before one of these ends a word, not the middle of one


def cut(text, limit):
    """``text`` in at most ``limit`` UTF-8 bytes, cut between characters; at a space or a bracket when one is in
    the last third, so a Latin word is not cut in two."""
    data = text.encode()
    if len(data) <= limit:
        return text
    kept = data[:limit].decode(errors="ignore")  # drops the character the limit fell inside
    at = max(kept.rfind(ch, 1) for ch in _BREAKS)
    return kept[:at] if at >= len(kept) * 2 // 3 else kept


def clean_name(text, limit=MAX_NAME_BYTES):
    """A file or folder name every OS accepts: no separators, reserved or control characters, at most ``limit``
    bytes."""
    text = _FORBIDDEN.sub("", str(text or ""))
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    # Windows drops trailing dots and spaces, which would merge names that differ only by them.
    text = " ".join(text.split()).strip(" .")
    return cut(text, limit).rstrip(" .") or "未命名"


def clean_file_name(text, limit=MAX_NAME_BYTES):
    """Like clean_name but keeps the extension when the stem has to be cut."""
    stem, ext = posixpath.splitext(clean_name(text, limit=10_000))
    if len(ext) > 10:
        stem, ext = stem + ext, ""
    return clean_name(stem, limit=max(limit - len(ext.encode()), 3)) + ext


def unique_name(name, taken):
    """``name``, or ``stem (2).ext``, ``stem (3).ext``… when the folder already holds it (still within the bytes)."""
    stem, ext = posixpath.splitext(name)
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        suffix = f" ({n}){ext}"
        candidate = cut(stem, MAX_NAME_BYTES - len(suffix.encode())) + suffix
    taken.add(candidate.lower())
    return candidate


def material_name(label, original):
    """``<材料名称>-<原文件名>``, without the label twice when the school already put it in the name
    (工作方案.docx in the 工作方案 field stays 工作方案.docx)."""
    stem = posixpath.splitext(original)[0]
    return clean_file_name(original if label and label in stem else f"{label}-{original}")


def application_folder(root, application):
    """``学校-项目-编号``: the reference makes it unique and is never cut; the school is kept whole when it fits,
    the project takes the bytes left."""
    unit = clean_name(application.unit.name)
    reference = clean_name(application.reference)
    room = MAX_NAME_BYTES - len(reference.encode()) - 2  # two hyphens
    school = clean_name(application.school, room)
    room -= len(school.encode()) + 1
    project = clean_name(application.project_name, room) if room >= 3 else ""
    folder = "-".join(part for part in (school, project if project != "未命名" else "", reference) if part)
    return posixpath.join(*(part for part in (root, unit, folder) if part))


class Entry:
    """One manifest row; size and SHA-256 are filled in as the bytes go into the ZIP."""

    def __init__(self, application, material, path, expected_sha256="", missing=False):
        # Only the strings the row needs: holding applications would make memory grow with the dossier.
        a = application
        self.application = (a.reference, a.unit.name, a.school, a.project_name)
        self.material = material
        self.path = path
        self.expected_sha256 = expected_sha256
        self.missing = missing
        self.interrupted = False  # the storage failed part-way through the file (StorageWatch.chunks)
        self.size = 0
        self.sha256 = ""

    def track(self, chunks):
        digest = hashlib.sha256()
        for chunk in chunks:
            digest.update(chunk)
            self.size += len(chunk)
            yield chunk
        self.sha256 = digest.hexdigest()

    def row(self):
        if self.interrupted:
            note = "传输中断：存储服务中途无法访问，此文件不完整，请稍后重新导出"
        elif self.missing == Presence.UNREACHABLE:
            note = "存储服务无法访问，未放入压缩包，请稍后重新导出"
        elif self.missing:
            note = "文件缺失：存储中找不到此文件，未放入压缩包（已记录错误）"
        elif self.expected_sha256 and self.expected_sha256 != self.sha256:
            note = "与上传时记录的校验值不符"
        else:
            note = ""
        return [*self.application, self.material, self.path, "" if self.missing else self.size, self.sha256, note]


class StorageWatch:
    """Whether the storage has failed during this dossier. Once it has, the files after are not asked for (each
    would wait out the storage's timeouts, 20 s by default): the manifest names them as not read."""

    def __init__(self):
        self.down = False

    def presence(self, key):
        found = Presence.UNREACHABLE if self.down else presence(key)
        self.down = found == Presence.UNREACHABLE
        return found

    def chunks(self, application_file, entry):
        """The stored file, streamed from storage a chunk at a time once the ZIP reaches it (one GetObject, no copy
        on disk). A storage that fails part-way ends the file there: the ZIP stays valid (its entries carry their
        real sizes), and the manifest says the file is incomplete; so it says of a file queued before the failure
        and reached after it, which is left empty rather than asked for."""
        if self.down:
            entry.interrupted = True
            return
        try:
            yield from pieces_of(application_file.key, CHUNK_SIZE)
        except Exception as error:  # botocore's errors and timeouts, OSError
            entry.interrupted = self.down = True
            logger.warning("Dossier: reading the stored file %s stopped part-way (%s)", application_file.key,
                           type(error).__name__, exc_info=True)


def document_chunks(page, application):
    yield application_docx(application, page=page)


def manifest_chunks(entries):
    yield manifest_xlsx(entries)


MANIFEST_WIDTHS = (16, 10, 18, 24, 14, 40, 10, 34, 14)  # SHA-256 wraps onto two lines; the page is fit to width


def manifest_xlsx(entries):
    """The manifest, ready to print: A4 landscape, one page wide, the header row on every page, bordered cells.

    write_only keeps the manifest of a large dossier cheap (it holds only the rows' values): everything about the
    sheet is set before the first row is written, and the cells carry named styles (registered once)."""
    workbook = Workbook(write_only=True)
    office.named_styles(workbook)
    sheet = workbook.create_sheet("清单")
    for letter, width in zip("ABCDEFGHI", MANIFEST_WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    print_on_a4_landscape(sheet, repeat_rows="1:1")
    sheet.append(office.text_cells(sheet, MANIFEST_HEADERS, style="cell-bold"))
    for number, entry in enumerate(entries, start=2):
        values = entry.row()
        # Wrapped cells do not grow by themselves in LibreOffice or WPS: the row gets the lines its longest cell takes
        # (set before the row is written, as a write-only sheet requires).
        lines = max(office.estimated_lines(v, w - 1) for v, w in zip(values, MANIFEST_WIDTHS, strict=True))
        if lines > 1:
            sheet.row_dimensions[number].height = 15 * lines
        sheet.append(office.text_cells(sheet, values, style="cell-left"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def print_on_a4_landscape(sheet, repeat_rows):
    """office.a4_page for a write-only sheet (which has no PAPERSIZE_* constants): A4 landscape, one page wide
    and as many down as it takes, centred, ``repeat_rows`` on every page."""
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.6
    sheet.print_title_rows = repeat_rows


def add_application(zs, page, root, application, entries, storage):
    folder = application_folder(root, application)
    taken = set()
    name = unique_name(clean_file_name(f"申请表-{application.reference}.docx"), taken)
    entry = Entry(application, "申请表（附件4）", posixpath.join(folder, name))
    zs.add(entry.track(document_chunks(page, application)), entry.path)
    entries.append(entry)
    for stored in application.files.all():
        name = unique_name(material_name(stored.field_label, stored.original_name), taken)
        found = storage.presence(stored.key)
        if found != Presence.PRESENT:
            # A ZIP cut off at the missing file would look complete to whoever saved it: leave the file out,
            # name it in the manifest, and tell the operators.
            if found == Presence.MISSING:
                logger.error("Dossier: the stored file %s of %s is missing", stored.key, application.reference)
            entries.append(Entry(application, stored.field_label, posixpath.join(folder, name), missing=found))
            continue
        entry = Entry(application, stored.field_label, posixpath.join(folder, name), stored.sha256)
        zs.add(entry.track(storage.chunks(stored, entry)), entry.path, size=stored.size)
        entries.append(entry)


def ordered(applications):
    return (
        applications.select_related("unit")
        .prefetch_related("files")
        .order_by("unit__sort_order", "unit__pk", "submitted_at", "pk")
    )


def dossier_stream(call, applications, name):
    """An iterator of ZIP bytes; ``name`` becomes the root folder inside the archive."""
    # Uploads are mostly PDF, DOCX and images, already compressed: storing is as small and far faster.
    zs = zipstream.ZipStream(compress_type=zipstream.ZIP_STORED)
    page = template_page(call)
    root = clean_name(name) if name else ""
    entries, storage = [], StorageWatch()
    for application in ordered(applications).iterator(chunk_size=DB_CHUNK_SIZE):
        add_application(zs, page, root, application, entries, storage)
        # Stream what is queued before reading on, so only one chunk of applications is held at a time.
        yield from zs.all_files()
    zs.add(manifest_chunks(entries), posixpath.join(root, MANIFEST_NAME))
    yield from zs.finalize()


def dossier_response(call, applications, filename):
    """A StreamingHttpResponse downloading the dossier as ``filename`` (its stem is the root folder)."""
    root = posixpath.splitext(filename)[0]
    response = StreamingHttpResponse(dossier_stream(call, applications, root), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response

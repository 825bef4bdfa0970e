"""What a file claims to be, checked beyond its first bytes.

``uploads.UploadRule.validate`` sniffs the head of a file first (cheap, and it refuses a renamed .exe); these
checks then open the file as its type, with the libraries that read those types, so that a PNG header followed
by HTML, a truncated PDF, a macro document renamed .docx or a zip bomb named .docx is refused. Each check
raises ``Refused`` with what is wrong, in Chinese, to follow the file's name in the message; none of them
inflates a file into memory.
"""

import logging
import warnings
import zipfile

import olefile
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

# A scan of an A4 page at 600 dpi is 35 million pixels; more than this is no scan but a decompression bomb.
MAX_IMAGE_PIXELS = 60_000_000
# Office packages and zip files: what they may hold once inflated, and how much one member may inflate.
MAX_UNPACKED_BYTES = 300 * 1024 * 1024
MAX_MEMBERS = 5000
MAX_RATIO = 100  # Word's XML compresses about 10:1; 4 MB that inflates to 4 GiB is 1000:1
RATIO_FLOOR = 1024 * 1024  # small members (styles, settings) may compress well beyond the ratio
PDF_TAIL = 2048  # where a complete PDF has its %%EOF (some writers add a little after it)

# OOXML main parts, and the content types a macro-enabled package declares.
OOXML_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
MACRO_CONTENT_TYPE = "macroEnabled"

logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings about damaged files are answered here


class Refused(Exception):
    """The file is not what it claims to be; the message says what is wrong and what to do."""


def check(kind, uploaded):
    """Open ``uploaded`` as ``kind`` (the accepted extension's sniffed type); raise Refused if it is not one."""
    checker = CHECKS.get(kind)
    if checker is not None:
        uploaded.seek(0)
        try:
            checker(uploaded)
        finally:
            uploaded.seek(0)


def check_pdf(uploaded):
    damaged = Refused("不是完整的 PDF 文件（可能已损坏或未传完整），请重新导出或扫描为 PDF 后上传")
    uploaded.seek(max(0, uploaded.size - PDF_TAIL))
    if b"%%EOF" not in uploaded.read(PDF_TAIL):
        raise damaged
    uploaded.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(uploaded, strict=False)
            if reader.is_encrypted:
                raise Refused("是加密的 PDF 文件，评审人员无法打开，请去掉密码后重新上传")
            pages = len(reader.pages)
    except Refused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError):
        raise damaged from None
    if pages < 1:
        raise damaged


def check_image(expected_format):
    def check_one(uploaded):
        damaged = Refused("不是完整的图片文件（可能已损坏或未传完整），请重新扫描或导出后上传")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(uploaded) as image:
                    if image.format != expected_format:
                        raise damaged
                    width, height = image.size
                    if width * height > MAX_IMAGE_PIXELS:
                        raise Refused(
                            f"图片尺寸过大（{width}×{height} 像素），请把扫描分辨率调到 300 dpi 左右后重新上传"
                        )
                    if expected_format == "JPEG":
                        # Decode every block, at 1/8 of the size: a truncated or damaged scan fails here.
                        image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                        image.load()
                    else:
                        image.verify()  # every chunk and its checksum up to IEND, without decoding the pixels
        except Refused:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
                Image.DecompressionBombWarning, EOFError):
            raise damaged from None

    return check_one


def check_zip(uploaded, main_part=None):
    """A zip package that opens, whose members inflate within bounds and match their checksums (read and
    discarded piece by piece), and, for Office files, that has its main part and no macros."""
    damaged = Refused("不是完整的文件（可能已损坏或未传完整），请重新保存后上传")
    try:
        with zipfile.ZipFile(uploaded) as package:
            members = package.infolist()
            names = {m.filename for m in members}
            if len(members) > MAX_MEMBERS:
                raise Refused("包含的文件过多，请整理后重新上传")
            unpacked = sum(m.file_size for m in members)
            if unpacked > MAX_UNPACKED_BYTES or any(
                m.file_size > RATIO_FLOOR and m.file_size > MAX_RATIO * max(m.compress_size, 1) for m in members
            ):
                raise Refused("解压后体积异常（可能是压缩炸弹），请重新保存后上传")
            if main_part is not None:
                if main_part not in names or "[Content_Types].xml" not in names:
                    raise damaged
                content_types = package.read("[Content_Types].xml")
                if MACRO_CONTENT_TYPE.encode() in content_types or any(
                    n.lower().endswith("vbaproject.bin") for n in names
                ):
                    raise Refused("含有宏（可能是改名的 .docm/.xlsm 文件），请另存为不含宏的文档后上传")
            for member in members:
                with package.open(member) as data:
                    while data.read(1024 * 1024):
                        pass  # zipfile checks the size and CRC of what it inflates
    except Refused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
        raise damaged from None


def check_ole(required_streams):
    """A .doc or .xls is an OLE compound file with its main stream; one carrying macros is refused."""

    def check_one(uploaded):
        damaged = Refused("不是完整的 Office 文件（可能已损坏或未传完整），请重新保存后上传")
        try:
            if not olefile.isOleFile(uploaded):
                raise damaged
            uploaded.seek(0)
            with olefile.OleFileIO(uploaded) as ole:
                streams = {"/".join(entry).lower() for entry in ole.listdir(streams=True, storages=True)}
        except Refused:
            raise
        except (OSError, ValueError, IndexError, KeyError, TypeError, RecursionError):
            raise damaged from None
        if not any(name.lower() in streams for name in required_streams):
            raise damaged
        if any(name == "macros" or name.startswith(("macros/", "_vba_project_cur")) for name in streams):
            raise Refused("含有宏，请另存为不含宏的文档后上传")

    return check_one


CHECKS = {
    "pdf": check_pdf,
    "png": check_image("PNG"),
    "jpg": check_image("JPEG"),
    "docx": lambda f: check_zip(f, OOXML_MAIN_PART["docx"]),
    "xlsx": lambda f: check_zip(f, OOXML_MAIN_PART["xlsx"]),
    "zip": check_zip,
    "doc": check_ole(["WordDocument"]),
    "xls": check_ole(["Workbook", "Book"]),
}

"""Files that look like what they claim by their first bytes but are not: the corpus the upload checks refuse."""

import io
import struct
import zipfile
import zlib

from .factories import docx_bytes, jpeg_bytes, pdf_bytes, png_bytes

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>" * 20


def _raw_deflate(data):
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def build_zip(members):
    """A zip file from (name, compressed bytes, crc32, uncompressed size) members, Zip64 sizes where needed:
    written by hand so that a member may be far larger inflated than anything held here."""
    out, central = io.BytesIO(), []
    for name, data, crc, size in members:
        encoded = name.encode()
        big = size >= 0xFFFFFFFF
        extra = struct.pack("<HHQQ", 1, 16, size, len(data)) if big else b""
        sizes = (0xFFFFFFFF, 0xFFFFFFFF) if big else (len(data), size)
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 8, 0, 0x21, crc, *sizes, len(encoded), len(extra)))
        out.write(encoded + extra + data)
        central.append(
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 8, 0, 0x21, crc, *sizes, len(encoded), len(extra),
                        0, 0, 0, 0, offset)
            + encoded + extra
        )
    start = out.tell()
    for record in central:
        out.write(record)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def repack(package, add=(), replace=None):
    """A copy of a zip package with extra (name, bytes) members and members' contents replaced."""
    replace = replace or {}
    members = []
    with zipfile.ZipFile(io.BytesIO(package)) as source:
        for info in source.infolist():
            data = replace.get(info.filename, source.read(info.filename))
            members.append((info.filename, _raw_deflate(data), zlib.crc32(data), len(data)))
    for name, data in add:
        members.append((name, _raw_deflate(data), zlib.crc32(data), len(data)))
    return build_zip(members)


def zip_bomb_docx(inflated=4 * 1024**3):
    """A real .docx plus one member of ``inflated`` zero bytes that takes about 1/1000 of that on disk."""
    megabyte = bytes(1024 * 1024)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(megabyte) + compressor.flush(zlib.Z_FULL_FLUSH)  # repeatable: no back-references
    count = inflated // len(megabyte)
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(megabyte, crc)
    data = block * count + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    with zipfile.ZipFile(io.BytesIO(docx_bytes())) as source:
        members = [
            (i.filename, _raw_deflate(source.read(i)), zlib.crc32(source.read(i)), i.file_size) for i in source.infolist()
        ]
    return build_zip(members + [("word/media/image1.bin", data, crc, count * len(megabyte))])


def macro_docx():
    """A .docm (macros in vbaProject.bin, declared in its content types) renamed .docx."""
    package = docx_bytes()
    with zipfile.ZipFile(io.BytesIO(package)) as source:
        types = source.read("[Content_Types].xml")
    types = types.replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    return repack(package, add=[("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\x00" * 512)],
                  replace={"[Content_Types].xml": types})


def lying_docx():
    """A .docx whose member is larger inflated than its declared size (a bomb that lies in its directory)."""
    package = docx_bytes()
    with zipfile.ZipFile(io.BytesIO(package)) as source:
        members = [(i.filename, source.read(i)) for i in source.infolist()]
    big = b"<w:t>" + b"x" * 5_000_000 + b"</w:t>"
    built = []
    for name, data in members:
        if name == "word/document.xml":
            built.append((name, _raw_deflate(big), zlib.crc32(data), len(data)))
        else:
            built.append((name, _raw_deflate(data), zlib.crc32(data), len(data)))
    return build_zip(built)


def xlsx_without_workbook():
    return build_zip([("[Content_Types].xml", _raw_deflate(b"<Types/>"), zlib.crc32(b"<Types/>"), 8),
                      ("xl/other.xml", _raw_deflate(b"<x/>"), zlib.crc32(b"<x/>"), 4)])


def corpus():
    """(file name, bytes, what the refusal must say) for every disguise the checks must see through."""
    pdf, png, jpeg = pdf_bytes(50_000), png_bytes((64, 64)), jpeg_bytes((256, 256))
    return [
        ("方案.pdf", b"%PDF-1.7\n" + HTML, "PDF"),
        ("方案.pdf", pdf[: len(pdf) // 2], "PDF"),
        ("方案.pdf", pdf[:-40], "PDF"),  # everything but the cross-reference table's end
        ("照片.png", png[:16] + HTML, "图片"),
        ("照片.png", png[: len(png) - 20], "图片"),
        ("照片.jpg", jpeg[:20] + HTML, "图片"),
        ("照片.jpg", jpeg[: len(jpeg) // 2], "图片"),
        ("方案.docx", macro_docx(), "宏"),
        ("方案.docx", zip_bomb_docx(), "压缩炸弹"),
        ("方案.docx", lying_docx(), "损坏"),
        ("方案.docx", docx_bytes()[: 3000], "损坏"),
        ("表格.xlsx", xlsx_without_workbook(), "损坏"),
    ]

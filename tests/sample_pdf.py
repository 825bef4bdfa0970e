"""Real PDF files of any size, for tests and benchmarks (no Django needed)."""


def pdf_pieces(size, piece=1024 * 1024, fill=lambda n: b"0" * n):
    """A real one-page PDF of exactly ``size`` bytes (from about 400), in pieces of at most ``piece`` bytes so
    that large files are written without being held; the padding stream's bytes come from ``fill(n)``."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    head, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(head))
        head += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    offsets.append(len(head))

    def frame(padding):
        opening = b"4 0 obj\n<< /Length %d >>\nstream\n" % padding
        closing = b"\nendstream\nendobj\nxref\n0 5\n0000000000 65535 f \n"
        closing += b"".join(b"%010d 00000 n \n" % o for o in offsets)
        xref_at = len(head) + len(opening) + padding + closing.index(b"xref")
        closing += b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%010d\n%%%%EOF\n" % xref_at
        return opening, closing

    opening, closing = frame(0)
    padding = max(0, size - len(head) - len(opening) - len(closing))
    opening, closing = frame(padding)
    padding = max(0, size - len(head) - len(opening) - len(closing))  # the length's digits may have grown
    opening, closing = frame(padding)
    yield head + opening
    left = padding
    while left:
        yield fill(min(piece, left))
        left -= min(piece, left)
    yield closing

"""The one small, real PDF the suite uploads: since issue 14 (finding 7) an upload must parse as a PDF, so
bytes that merely start with "%PDF" are refused like any other file.

`pdf_bytes(note)` is a one-page PDF 1.4 with a classic cross-reference table whose offsets are computed, so
it parses strictly; `note` goes into the page's content stream, giving each caller distinct bytes (and a
distinct SHA-256) when a test needs two different files."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile


def pdf_bytes(note: str = "") -> bytes:
    text = note.encode("ascii", "backslashreplace").replace(b"(", b"").replace(b")", b"")
    stream = b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_of_size(size: int) -> bytes:
    """A real PDF of exactly `size` bytes (a test of the upload limit): the page's text fills it. Bytes
    appended after %%EOF would not do — a reader looks for the trailer near the end."""
    fill = size - len(pdf_bytes())
    while fill >= 0:
        content = pdf_bytes("0" * fill)
        if len(content) == size:
            return content
        fill -= len(content) - size  # the digits of /Length and of the offsets grow with the text
    raise ValueError(f"no PDF of {size} bytes")


PDF = pdf_bytes()


def pdf_upload(name: str = "材料.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")

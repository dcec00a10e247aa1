"""Uploaded materials are checked by what they are, not by what they are called."""

from __future__ import annotations

import hashlib
import zipfile

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

# content type → file suffix stored on disk
ALLOWED = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/ofd": ".ofd",
}
ALLOWED_NAMES = ("PDF", "JPG", "PNG", "OFD")
ALLOWED_LABEL = "、".join(ALLOWED_NAMES)


def sniff(upload: UploadedFile) -> str:
    """The content type of the upload as read from its bytes, or ValidationError in the user's language."""
    if upload.size is None or upload.size == 0:
        raise ValidationError(_("文件是空的,请重新选择。"), code="empty")
    limit = settings.MATERIAL_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("文件“%(name)s”大小为 %(size).1f MB,超过 %(limit)d MB 的上限。")
            % {"name": upload.name, "size": upload.size / 1024 / 1024, "limit": limit // 1024 // 1024},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else ""
    if mime == "application/pdf":
        _check_parses_as_pdf(upload)
        return mime
    if mime in ("image/jpeg", "image/png"):
        return mime
    if head.startswith(b"PK\x03\x04") and _is_ofd(upload):
        _check_unpacked_size(upload)
        return "application/ofd"
    raise ValidationError(
        _("文件“%(name)s”不是 %(allowed)s 格式(按文件内容识别,与文件名无关)。")
        % {"name": upload.name, "allowed": pgettext("list separator", "、").join(ALLOWED_NAMES)},
        code="bad_type",
    )


def _is_ofd(upload: UploadedFile) -> bool:
    # OFD (GB/T 33190) is a ZIP package whose entry point is OFD.xml at the root.
    try:
        with zipfile.ZipFile(upload) as package:
            return "OFD.xml" in package.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    finally:
        upload.seek(0)


def _check_parses_as_pdf(upload: UploadedFile) -> None:
    """Issue 14, finding 7: a file that starts with "%PDF" is not yet a PDF. pyHanko's reader (already a
    runtime dependency, for signing) parses the cross-reference table and trailer and we follow the catalog
    to the page tree's count. The cost is bounded: the file is at most MATERIAL_MAX_BYTES (checked above),
    only the xref, the catalog and the page tree's root are read — never the pages' content — and pyHanko's
    decode limits for untrusted input (DecodeLimits(), its default since 0.38) refuse a compressed stream
    that would inflate far beyond its size (an object-stream "bomb")."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    upload.seek(0)
    try:
        reader = PdfFileReader(upload, strict=False)
        # An encrypted PDF's objects cannot be read without its password; its xref and trailer parsed.
        pages = 1 if reader.encrypted else int(reader.root["/Pages"]["/Count"])
    except Exception:  # whatever the parser trips on, the file is not a readable PDF
        pages = 0
    finally:
        upload.seek(0)
    if pages < 1:
        raise ValidationError(
            _("文件“%(name)s”以 PDF 开头,但无法作为 PDF 打开(文件已损坏或不完整),请重新导出后上传。")
            % {"name": upload.name},
            code="bad_pdf",
        )


# An OFD is a ZIP: whoever opens it (a reviewer's reader, a later conversion) unpacks it. What it unpacks
# to is bounded like the upload itself, with room for the compression of real documents: a "zip bomb"
# (a few MB that unpack to GBs) is refused here.
OFD_UNPACKED_FACTOR = 10


def _check_unpacked_size(upload: UploadedFile) -> None:
    limit = settings.MATERIAL_MAX_BYTES * OFD_UNPACKED_FACTOR
    try:
        with zipfile.ZipFile(upload) as package:
            # The sizes the directory declares; a package that lies about them fails when unpacked, and
            # the portal itself never unpacks one.
            unpacked = sum(info.file_size for info in package.infolist())
    finally:
        upload.seek(0)
    if unpacked > limit:
        raise ValidationError(
            _("文件“%(name)s”解压后达 %(size).0f MB,超过 %(limit)d MB 的上限,请检查文件后重新导出。")
            % {"name": upload.name, "size": unpacked / 1024 / 1024, "limit": limit // 1024 // 1024},
            code="unpacked_too_large",
        )


def sha256_of(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()

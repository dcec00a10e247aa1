"""Uploaded materials (等级保护 hardening): checked by content whatever their name, size-limited, stored
under a random name outside every URL the portal serves, and only ever sent back as a download.

tests/applications/test_materials.py covers the ordinary cases (a renamed .exe, the 20 MB default, the
enterprise download's headers); these add the hostile ones: HTML and SVG dressed as PDF or PNG, names that
try to climb out of the folder or into the response headers, and the staff download.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Attachment
from tests.applications import conftest as enterprise
from tests.applications.conftest import PDF, PNG, draft
from tests.pdfs import pdf_of_size

# The enterprise tests' fixtures (module attributes, so pytest finds them).
call = enterprise.call
carol = enterprise.carol
clock = enterprise.clock
private_files = enterprise.private_files

pytestmark = pytest.mark.usefixtures("clock", "private_files")

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'
SCRIPT = b"<script>alert(1)</script>"
HOSTILE_NAME = 'a"; filename="evil.html\r\nSet-Cookie: x=1<script>.pdf'


def upload(client, application, name: str, content: bytes, content_type: str = "application/pdf"):
    return client.post(
        reverse("applications:upload", args=[application.pk]),
        {
            "material_code": "project_plan",
            "file": SimpleUploadedFile(name, content, content_type=content_type),
        },
        follow=True,
    )


def stored_files(storage) -> list[Path]:
    return [path for path in Path(storage.location).rglob("*") if path.is_file()]


@pytest.mark.parametrize(
    ("name", "content", "claimed"),
    [
        ("方案.pdf", HTML, "application/pdf"),
        ("方案.html", HTML, "text/html"),
        ("扫描件.png", SVG, "image/png"),
        ("扫描件.svg", SVG, "image/svg+xml"),
        ("方案.pdf", SCRIPT, "application/pdf"),
        ("方案.pdf", b"PK\x03\x04" + b"\x00" * 40, "application/pdf"),  # a ZIP that is no OFD
    ],
)
def test_markup_and_archives_dressed_as_materials_are_refused(
    client, alice, call, private_files, name, content, claimed
):
    application = draft(alice, call)
    client.force_login(alice)
    response = upload(client, application, name, content, claimed)
    assert "不是 PDF、JPG、PNG、OFD 格式" in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files(private_files) == []


def test_one_byte_over_the_limit_is_refused_and_the_limit_itself_accepted(client, alice, call, settings):
    settings.MATERIAL_MAX_BYTES = 4096
    application = draft(alice, call)
    client.force_login(alice)
    at_limit = pdf_of_size(4096)
    assert "超过" in upload(client, application, "大.pdf", at_limit + b"0").content.decode()
    assert not Attachment.objects.exists()
    upload(client, application, "刚好.pdf", at_limit)
    assert Attachment.objects.get().size == 4096


def test_a_real_pdf_named_as_a_page_is_stored_and_served_as_what_it_is(client, alice, call, private_files):
    application = draft(alice, call)
    client.force_login(alice)
    upload(client, application, "evil.html", PDF, "text/html")
    attachment = Attachment.objects.get()
    assert attachment.content_type == "application/pdf"
    assert attachment.file.name.endswith(".pdf")
    response = client.get(reverse("applications:download", args=[application.pk, attachment.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_stored_name_is_random_and_inside_the_private_folder(client, alice, call, private_files):
    application = draft(alice, call)
    client.force_login(alice)
    upload(client, application, "../../../../etc/cron.d/job.pdf", PDF)
    upload(client, application, "job.pdf", PDF)
    first, second = Attachment.objects.order_by("pk")
    assert first.original_name == "job.pdf"  # the path was dropped, only the name kept for display
    assert first.file.name != second.file.name
    for attachment in (first, second):
        assert "job" not in attachment.file.name and ".." not in attachment.file.name
        assert attachment.file.name.startswith(f"applications/{application.pk}/")
        path = Path(attachment.file.path).resolve()
        assert path.is_relative_to(Path(private_files.location).resolve())


def test_the_private_folder_is_outside_everything_the_portal_serves(client, alice, call):
    """No URL reaches a stored file: the private storage lies outside the static folders and under no
    URL pattern; only the permission-checked download views read it."""
    private = Path(settings.STORAGES["private"]["OPTIONS"]["location"]).resolve()
    assert private.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    for folder in [settings.STATIC_ROOT, *settings.STATICFILES_DIRS]:
        assert not private.is_relative_to(Path(folder).resolve())
    assert settings.STORAGES["private"]["OPTIONS"]["base_url"] is None
    application = draft(alice, call)
    client.force_login(alice)
    upload(client, application, "方案.pdf", PDF)
    stored = Attachment.objects.get().file.name
    for url in (f"/{stored}", f"/media/{stored}", f"/media/private/{stored}", f"/static/{stored}"):
        assert client.get(url).status_code == 404, url


def test_a_hostile_file_name_cannot_reach_the_headers_or_the_page(client, alice, call):
    application = draft(alice, call)
    client.force_login(alice)
    page = upload(client, application, HOSTILE_NAME, PDF).content.decode()
    assert "<script>" not in page
    attachment = Attachment.objects.get()
    response = client.get(reverse("applications:download", args=[application.pk, attachment.pk]))
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert "Set-Cookie" not in response.headers
    assert disposition.startswith("attachment;")
    assert 'filename="evil.html"' not in disposition


def test_the_staff_download_is_an_attachment_with_the_sniffed_type_and_nosniff(client, alice, carol, call):
    application = draft(alice, call)
    client.force_login(alice)
    upload(client, application, "扫描件.pdf", PNG, "application/pdf")  # the browser's claim is wrong
    for material in application.item.materials.filter(required=True).exclude(code="project_plan"):
        client.post(
            reverse("applications:upload", args=[application.pk]),
            {"material_code": material.code, "file": SimpleUploadedFile(f"{material.code}.pdf", PDF)},
        )
    assert client.post(reverse("applications:submit", args=[application.pk])).status_code == 302
    attachment = application.revisions.get().attachments.get(material_code="project_plan")
    client.force_login(carol)
    response = client.get(reverse("reviews:staff_download", args=[application.pk, attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG


def test_an_ofd_that_unpacks_past_the_limit_is_refused_and_nothing_is_stored(
    client, alice, call, private_files, settings
):
    import io
    import zipfile

    settings.MATERIAL_MAX_BYTES = 1024 * 1024  # 1 MB: an unpacked limit of 10 MB
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("OFD.xml", '<?xml version="1.0"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>')
        package.writestr("Doc_0/Res/bomb.bin", b"\0" * (11 * 1024 * 1024))  # 11 MB of zeros: ~11 KB packed
    bomb = buffer.getvalue()
    assert len(bomb) < 100 * 1024
    application = draft(alice, call)
    client.force_login(alice)
    response = upload(client, application, "方案.ofd", bomb, "application/ofd")
    assert "解压后达 11 MB,超过 10 MB 的上限" in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files(private_files) == []
    # A real OFD of the same call is accepted: the check is on what it unpacks to, not on being a ZIP.
    response = upload(client, application, "方案.ofd", enterprise.ofd_bytes(), "application/ofd")
    assert Attachment.objects.filter(content_type="application/ofd").count() == 1

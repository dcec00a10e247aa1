"""Uploading, removing and downloading materials: checked by content, size-limited, never served inline."""

import time
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Attachment
from tests.applications.conftest import EXE, JPEG, PDF, PNG, draft, ofd_bytes, pdf, submitted

pytestmark = pytest.mark.usefixtures("clock", "private_files")


def upload_url(application):
    return reverse("applications:upload", args=[application.pk])


def edit_url(application):
    return reverse("applications:edit", args=[application.pk])


def stored_files(storage):
    return [path for path in Path(storage.location).rglob("*") if path.is_file()]


def upload(client, application, material_code, file, **extra):
    return client.post(upload_url(application), {"material_code": material_code, "file": file}, **extra)


@pytest.mark.parametrize(
    ("name", "content", "content_type", "suffix"),
    [
        ("项目研发方案.pdf", PDF, "application/pdf", ".pdf"),
        ("扫描件.png", PNG, "image/png", ".png"),
        ("照片.jpeg", JPEG, "image/jpeg", ".jpg"),
        ("电子发票.ofd", ofd_bytes(), "application/ofd", ".ofd"),
    ],
)
def test_pdf_png_jpeg_and_ofd_files_are_accepted(client, alice, call, name, content, content_type, suffix):
    application = draft(alice, call)
    client.force_login(alice)
    response = upload(client, application, "project_plan", SimpleUploadedFile(name, content), follow=True)
    assert response.redirect_chain == [(edit_url(application) + "#upload-result", 302)]
    attachment = Attachment.objects.get()
    assert attachment.content_type == content_type
    assert attachment.original_name == name
    assert attachment.size == len(content)
    assert attachment.file.name.endswith(suffix)
    assert name not in attachment.file.name  # stored under a random name, never the one it came with
    page = response.content.decode()
    assert f"已上传“{name}”" in page
    assert reverse("applications:download", args=[application.pk, attachment.pk]) in page


def test_the_upload_form_offers_only_the_accepted_types(client, alice, call):
    application = draft(alice, call)
    client.force_login(alice)
    page = client.get(edit_url(application)).content.decode()
    assert page.count('<input type="file"') == application.item.materials.count()
    assert 'accept=".pdf,.jpg,.jpeg,.png,.ofd"' in page
    assert 'enctype="multipart/form-data"' in page
    assert "必须提交" in page and "如有请提交" not in page  # 7.1 asks for every material


def test_a_windows_executable_renamed_pdf_is_refused_and_nothing_is_saved(client, alice, call, private_files):
    application = draft(alice, call)
    client.force_login(alice)
    response = upload(client, application, "project_plan", pdf("方案.pdf", EXE), follow=True)
    assert "文件“方案.pdf”不是 PDF、JPG、PNG、OFD 格式" in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files(private_files) == []


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4\n",  # the header alone
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",  # no cross-reference table, no catalog
        PDF[: len(PDF) // 2],  # a real PDF cut in half
        b"%PDF-1.7\n<script>alert(1)</script>\n%%EOF\n",
    ],
)
def test_a_file_that_only_starts_like_a_pdf_is_refused_and_nothing_is_saved(
    client, alice, call, private_files, content
):
    application = draft(alice, call)
    client.force_login(alice)
    response = upload(client, application, "project_plan", pdf("方案.pdf", content), follow=True)
    assert "文件“方案.pdf”以 PDF 开头,但无法作为 PDF 打开" in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files(private_files) == []


def test_a_pdf_whose_catalog_sits_in_a_compression_bomb_is_refused_quickly(client, alice, call):
    """50 KB that inflate to 48 MB when the page count is read: pyHanko's decode limits stop it."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PdfFileWriter

    writer = PdfFileWriter(stream_xrefs=True)
    writer.insert_page(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Page"),
                generic.NameObject("/MediaBox"): generic.ArrayObject(
                    [generic.NumberObject(n) for n in (0, 0, 595, 842)]
                ),
            }
        )
    )
    packed = writer.prepare_object_stream(compress=True)
    writer.add_object(generic.TextStringObject("A" * (48 * 1024 * 1024)), obj_stream=packed)
    writer.root["/Pages"]["/Count"] = writer.add_object(generic.NumberObject(1), obj_stream=packed)
    buffer = BytesIO()
    writer.write(buffer)
    assert len(buffer.getvalue()) < 100_000
    application = draft(alice, call)
    client.force_login(alice)
    started = time.perf_counter()
    response = upload(client, application, "project_plan", pdf("炸弹.pdf", buffer.getvalue()), follow=True)
    assert time.perf_counter() - started < 5
    assert "文件“炸弹.pdf”以 PDF 开头,但无法作为 PDF 打开" in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_pdf_that_refuses_to_parse_is_refused_in_english_too(client, alice, call):
    application = draft(alice, call)
    client.force_login(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = upload(client, application, "project_plan", pdf("plan.pdf", b"%PDF-1.4\n"), follow=True)
    assert "“plan.pdf” starts like a PDF but cannot be opened as one" in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_file_over_the_limit_is_refused_and_nothing_is_saved(client, alice, call, settings, private_files):
    settings.MATERIAL_MAX_BYTES = 1024 * 1024  # 1 MB keeps the test fast; the default is below
    application = draft(alice, call)
    client.force_login(alice)
    big = PDF + b"0" * (1024 * 1024)
    response = upload(client, application, "project_plan", pdf("大文件.pdf", big), follow=True)
    assert "文件“大文件.pdf”大小为 1.0 MB,超过 1 MB 的上限" in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files(private_files) == []


def test_the_size_limit_is_20_mb_by_default():
    assert settings.MATERIAL_MAX_BYTES == 20 * 1024 * 1024


def test_an_empty_file_is_refused(client, alice, call):
    application = draft(alice, call)
    client.force_login(alice)
    response = upload(client, application, "project_plan", pdf("空.pdf", b""), follow=True)
    assert "文件是空的" in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_material_the_item_does_not_ask_for_is_refused(client, alice, call):
    application = draft(alice, call)
    client.force_login(alice)
    response = upload(client, application, "service_contract", pdf(), follow=True)  # a 9.1 material
    assert "该项目没有这项材料" in response.content.decode()
    assert not Attachment.objects.exists()


def test_posting_without_a_file_asks_for_one(client, alice, call):
    application = draft(alice, call)
    client.force_login(alice)
    response = client.post(upload_url(application), {"material_code": "project_plan"}, follow=True)
    assert "请选择要上传的文件" in response.content.decode()
    assert not Attachment.objects.exists()


def test_removing_a_file_deletes_it_and_its_bytes(client, alice, call, private_files):
    application = draft(alice, call)
    client.force_login(alice)
    upload(client, application, "project_plan", pdf())
    attachment = Attachment.objects.get()
    stored = attachment.file.name
    url = reverse("applications:remove_attachment", args=[application.pk, attachment.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert "已删除“材料.pdf”" in response.content.decode()
    assert not Attachment.objects.exists()
    assert not private_files.exists(stored)


def test_the_download_is_an_attachment_with_its_name_its_sniffed_type_and_nosniff(client, anna, call):
    application = draft(anna, call)
    client.force_login(anna)
    # The browser claims PDF; the bytes are a PNG, and the download says what it really is.
    upload(
        client,
        application,
        "project_plan",
        SimpleUploadedFile("扫描件.png", PNG, content_type="application/pdf"),
    )
    attachment = Attachment.objects.get()
    response = client.get(reverse("applications:download", args=[application.pk, attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E6%89%AB%E6%8F%8F%E4%BB%B6.png" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG


def test_download_is_get_only(client, alice, call):
    application = draft(alice, call)
    client.force_login(alice)
    upload(client, application, "project_plan", pdf())
    attachment = Attachment.objects.get()
    url = reverse("applications:download", args=[application.pk, attachment.pk])
    assert client.post(url).status_code == 405


def test_an_attachment_of_another_application_is_not_found_through_this_one(client, alice, call):
    first = draft(alice, call, matter="第一个")
    second = draft(alice, call, matter="第二个")
    client.force_login(alice)
    upload(client, second, "project_plan", pdf())
    attachment = Attachment.objects.get()
    assert client.get(reverse("applications:download", args=[first.pk, attachment.pk])).status_code == 404
    assert (
        client.post(reverse("applications:remove_attachment", args=[first.pk, attachment.pk])).status_code
        == 404
    )
    assert client.get(reverse("applications:download", args=[first.pk, 999999])).status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_materials_of_a_submitted_application_cannot_change(client, alice, call):
    application = submitted(alice, call)
    client.force_login(alice)
    count = Attachment.objects.count()
    response = upload(client, application, "project_plan", pdf("新方案.pdf"), follow=True)
    assert response.redirect_chain == [(reverse("applications:detail", args=[application.pk]), 302)]
    assert "申报已提交,当前状态下不能修改材料" in response.content.decode()
    attachment = Attachment.objects.filter(application=application).first()
    client.post(reverse("applications:remove_attachment", args=[application.pk, attachment.pk]))
    assert Attachment.objects.count() == count
    assert Attachment.objects.filter(is_current=True).count() == count

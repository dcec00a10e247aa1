"""Apply once, lose nothing (issue 15), in Chromium under the portal's strict CSP: an upload keeps what was
typed (with autosave cut off, so only the upload can have carried it) and says how it went where the user is,
with the focus on it; a submitted application is withdrawn, copied to a new draft with its files, and the copy
is submitted."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from applications import services
from applications.models import Application
from tests.applications.conftest import EXE, upload_required
from tests.e2e import test_application_e2e as wizard
from tests.pdfs import pdf_bytes

pytestmark = pytest.mark.e2e

# The wizard's fixtures: alice's 7.1 draft in an open call, and her page under the strict CSP.
during_the_call = wizard.during_the_call
alices_draft = wizard.alices_draft
logged_in_page = wizard.logged_in_page

NUMBER = re.compile(r"CNAI-2025-7\.1-\d{5}")


def cut_off_autosave(page) -> list[str]:
    """Autosave requests fail (a dropped connection): whatever reaches the server came with the upload."""
    tried: list[str] = []

    def refuse(route):
        tried.append(route.request.url)
        route.abort()

    page.route("**/autosave/", refuse)
    # The upload itself goes out untouched: the CSP route re-fetches requests, and a re-fetched multipart
    # body loses its files in Chromium. The page it redirects to still gets the strict CSP.
    page.route("**/materials/", lambda route: route.continue_())
    return tried


def test_an_upload_keeps_the_unsaved_typing_and_reports_where_the_user_is(
    live_server, alices_draft, logged_in_page, tmp_path
):
    page = logged_in_page
    application = alices_draft
    page.goto(f"{live_server.url}/applications/{application.pk}/edit/")
    tried = cut_off_autosave(page)
    page.get_by_label("项目名称").fill("未保存就上传的项目")
    page.locator("#id_self_raised_investment").fill("200万")
    material = application.item.materials.get(code="project_plan")
    plan = tmp_path / "研发方案.pdf"
    plan.write_bytes(pdf_bytes("plan"))
    page.get_by_label(f"上传“{material.name}”").set_input_files(plan)
    page.locator(f"#material-{material.code}").get_by_role("button", name="上传", exact=True).click()

    result = page.locator("#upload-result")
    expect(result).to_be_focused()
    expect(result).to_have_attribute("role", "status")
    expect(result).to_have_text("已上传“研发方案.pdf”。填写的内容已一并保存。")
    expect(page.locator(f"#material-{material.code}").locator("#upload-result")).to_have_count(1)
    assert page.url.endswith("#upload-result")
    expect(page.get_by_label("项目名称")).to_have_value("未保存就上传的项目")
    expect(page.locator("#id_self_raised_investment")).to_have_value("200万")
    expect(page.locator("#quote-amount")).to_have_text("600,000.00")  # 200万 read as 2,000,000
    # Whether autosave tried before the click or not (its debounce), every try failed: the typing came
    # with the upload.
    assert all(url.endswith(f"/applications/{application.pk}/autosave/") for url in tried)
    application.refresh_from_db()
    assert application.project_name == "未保存就上传的项目"
    assert application.facts["self_raised_investment"] == "200万"

    # A refused file: the exact reason, as an alert, focused; the new typing kept as well.
    page.get_by_label("项目名称").fill("再改一次名称")
    fake = tmp_path / "伪装.pdf"
    fake.write_bytes(EXE)
    other = application.item.materials.exclude(code="project_plan").first()
    page.get_by_label(f"上传“{other.name}”").set_input_files(fake)
    page.locator(f"#material-{other.code}").get_by_role("button", name="上传", exact=True).click()
    result = page.locator("#upload-result")
    expect(result).to_be_focused()
    expect(result).to_have_attribute("role", "alert")
    expect(result).to_contain_text("文件“伪装.pdf”不是 PDF、JPG、PNG、OFD 格式")
    expect(result).to_contain_text("填写的内容已一并保存")
    expect(page.get_by_label("项目名称")).to_have_value("再改一次名称")
    assert page.violations == []


def test_withdraw_copy_and_submit_the_copy(live_server, alices_draft, logged_in_page):
    page = logged_in_page
    alice = alices_draft.created_by
    first = services.save_draft(
        actor=alice,
        application=alices_draft,
        facts={"self_raised_investment": "2,000,000"},
        matter_type="project",
        matter_ref="兰亭质检视觉项目 LT-2025-01",
        project_name="兰亭质检视觉项目",
        description="",
    )
    upload_required(alice, first)
    services.submit_application(actor=alice, application=first)
    first.refresh_from_db()

    # ---- withdraw
    page.goto(f"{live_server.url}/applications/{first.pk}/")
    page.get_by_role("link", name="撤回").click()
    page.get_by_label("撤回原因(选填)").fill("材料需要重做")
    page.get_by_role("button", name="确认撤回").click()
    expect(page.get_by_role("status").first).to_contain_text("申报已撤回")
    expect(page.locator(".policy__meta .badge")).to_have_text("已撤回")

    # ---- copy
    page.get_by_role("link", name="复制为新的草稿").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("复制为新的草稿")
    copied = page.get_by_role("region", name="将带入新草稿的内容")
    expect(copied).to_contain_text("兰亭质检视觉项目")
    expect(copied).to_contain_text("2,000,000.00 元")
    page.get_by_role("button", name="确认复制").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("填写申报")
    expect(page.get_by_role("status").first).to_contain_text("已复制为新的草稿")
    expect(page.get_by_label("项目名称")).to_have_value("兰亭质检视觉项目")
    expect(page.locator("#id_self_raised_investment")).to_have_value("2,000,000")
    expect(page.locator("#quote-amount")).to_have_text("600,000.00")
    copy = Application.objects.exclude(pk=first.pk).get()
    for attachment in first.attachments.all():
        expect(page.get_by_role("link", name=attachment.original_name)).to_be_visible()

    # ---- submit the copy
    page.get_by_role("link", name="检查并提交").click()
    expect(page.get_by_text("检查通过")).to_be_visible()
    page.get_by_role("button", name="确认提交").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^申报 " + NUMBER.pattern + "$"))
    timeline = page.get_by_role("region", name="办理进度")
    expect(timeline).to_contain_text(f"复制自申报 {first.number}")
    copy.refresh_from_db()
    first.refresh_from_db()
    assert copy.status == Application.Status.SUBMITTED and copy.number != first.number
    assert first.status == Application.Status.WITHDRAWN
    assert copy.requested_fen == 60_000_000
    assert page.violations == []

"""The error summary by keyboard (issue 16, item 2): a form sent with errors comes back with the summary
focused and the title prefixed, and each of its links moves the focus to its field."""

import re

import pytest
from playwright.sync_api import expect

from applications.models import Application
from tests.e2e.test_application_e2e import alices_draft, during_the_call, logged_in_page  # noqa: F401 (fixtures)

pytestmark = pytest.mark.e2e

ERROR_TITLE = re.compile(r"^错误:")


def follow_first_link_by_keyboard(page) -> None:
    summary = page.locator("[data-error-summary]")
    link = summary.get_by_role("link").first
    target = link.get_attribute("href")
    page.keyboard.press("Tab")  # from the focused summary to its first link
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(target)).to_be_focused()


def test_signup_with_errors_focuses_the_summary_and_its_links_reach_the_fields(
    live_server, transactional_db, strict_csp_page
):
    page = strict_csp_page
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("手机号或邮箱").focus()
    page.keyboard.type("not-a-phone")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # 姓名 (optional) to 密码
    page.keyboard.type("short")
    page.keyboard.press("Enter")

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary.get_by_role("heading")).to_have_text("提交的信息有误")
    expect(page).to_have_title(ERROR_TITLE)
    expect(page.locator("#id_identifier")).to_have_attribute("aria-invalid", "true")
    follow_first_link_by_keyboard(page)
    assert page.violations == []


def test_the_wizard_saved_with_a_wrong_fact_shows_the_summary_not_draft_saved(
    live_server,
    alices_draft,  # noqa: F811
    logged_in_page,  # noqa: F811 (the fixtures imported above)
):
    page = logged_in_page
    page.goto(f"{live_server.url}/applications/{alices_draft.pk}/edit/")
    page.locator("#id_self_raised_investment").focus()
    page.keyboard.type("-1")
    page.keyboard.press("Enter")  # the form's first button: 保存草稿, a full-page submit

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("项目自筹投入资金总额:不能为负数")
    expect(page).to_have_title(ERROR_TITLE)
    expect(page.get_by_role("main")).not_to_contain_text("草稿已保存")
    follow_first_link_by_keyboard(page)
    assert page.locator("#id_self_raised_investment").input_value() == "-1"
    # The draft keeps what was typed, wrong fact included (issue 15); only the message changed.
    assert Application.objects.get(pk=alices_draft.pk).facts == {"self_raised_investment": "-1"}
    assert page.violations == []

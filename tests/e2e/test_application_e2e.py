"""An enterprise types into the application wizard: the draft saves itself and the ceiling follows."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from accounts.roles import Role
from applications import services
from applications.models import Application, Call, CallItem
from policies.models import PolicyItem
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
DURING = datetime(2025, 4, 1, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def during_the_call():
    with time_machine.travel(DURING, tick=True):
        yield


@pytest.fixture
def alices_draft(transactional_db, policy_data, during_the_call):
    item = PolicyItem.objects.get(round__code="changning-ai-2024", code="7.1")
    call = Call.objects.create(
        round=item.round,
        year=2025,
        title="2025 年度人工智能专项申报",
        opens_at=datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI),
        closes_at=datetime(2025, 4, 30, 17, 0, tzinfo=SHANGHAI),
    )
    call_item = CallItem.objects.create(call=call, item=item)
    alice = MembershipFactory(user=UserFactory(username="alice", roles=[Role.APPLICANT]), admin=True).user
    return services.start_application(actor=alice, call_item=call_item)


@pytest.fixture
def logged_in_page(strict_csp_page, live_server, alices_draft):
    page = strict_csp_page
    client = Client()
    client.force_login(alices_draft.created_by)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    return page


def test_the_wizard_saves_as_the_enterprise_types_and_shows_the_ceiling(
    live_server, alices_draft, logged_in_page
):
    page = logged_in_page
    page.goto(f"{live_server.url}/applications/{alices_draft.pk}/edit/")
    expect(page.locator("#quote-amount")).to_have_text("—")
    page.evaluate("window.notReloaded = true")

    page.locator("#id_self_raised_investment").press_sequentially("20000000")
    page.locator("#id_project_name").press_sequentially("智能视觉平台")
    expect(page.locator("#quote-amount")).to_have_text("3,000,000.00")
    expect(page.locator("#quote-eligibility")).to_contain_text("符合申报条件")
    expect(page.locator("#autosave-status")).to_contain_text("已自动保存 10:")
    assert page.evaluate("window.notReloaded") is True

    application = Application.objects.get(pk=alices_draft.pk)
    assert application.facts == {"self_raised_investment": "20000000"}
    assert application.project_name == "智能视觉平台"

    page.locator("#id_self_raised_investment").fill("-1")
    expect(page.locator("#id_self_raised_investment_error")).to_have_text("项目自筹投入资金总额:不能为负数")
    expect(page.locator("#quote-amount")).to_have_text("—")

    # Reloading shows what was typed: the draft lives in the database, not in the browser.
    page.reload()
    expect(page.locator("#id_self_raised_investment")).to_have_value("-1")
    expect(page.locator("#id_project_name")).to_have_value("智能视觉平台")
    assert page.violations == []


def test_the_calculators_apply_link_follows_the_figures_typed(live_server, alices_draft, logged_in_page):
    page = logged_in_page
    page.goto(f"{live_server.url}/calculator/?round=changning-ai-2024&item=7.1")
    page.locator("#id_self_raised_investment").press_sequentially("2000000")
    expect(page.locator("#quote-amount")).to_have_text("600,000.00")
    expect(page.locator("#apply-link")).to_have_attribute(
        "href",
        re.compile(r"^/applications/new/\?round=changning-ai-2024&item=7\.1&self_raised_investment=2000000"),
    )
    page.locator("#apply-link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("确认申报")
    expect(page.locator('input[type=hidden][name="self_raised_investment"]')).to_have_value("2000000")
    # alice already has a 7.1 draft: the page offers it first (issue 15), and she starts another anyway.
    expect(page.locator("#existing-drafts")).to_contain_text("本单位已有该项目正在填写的申报")
    page.get_by_role("button", name="仍然新建草稿").click()
    expect(page.locator("#id_self_raised_investment")).to_have_value("2000000")
    expect(page.locator("#quote-amount")).to_have_text("600,000.00")
    assert page.violations == []

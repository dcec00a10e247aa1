"""Issue 15, 政策匹配 in Chromium: an anonymous visitor finds an open call from the home page and a matched
item from the questionnaire; an organisation sees its matches with estimates and starts a pre-filled
application; the figures typed in the calculator survive sign-up and creating the organisation."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from accounts.roles import Role
from applications import services
from applications.models import Application
from tests.e2e.support import open_call, sms_code
from tests.factories import MembershipFactory, UserFactory, make_uscc

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
DURING = datetime(2025, 4, 1, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def scene(transactional_db, policy_data):
    with time_machine.travel(DURING, tick=True):
        yield open_call(("7.1", "9.1"))


def test_an_anonymous_visitor_finds_an_open_call_and_a_matched_item(live_server, scene, strict_csp_page):
    page = strict_csp_page
    page.goto(f"{live_server.url}/")
    calls = page.locator("#open-calls")
    expect(calls).to_contain_text("7.1")
    expect(calls).to_contain_text("2025-04-30 17:00:00")
    expect(calls.locator(".countdown").first).to_have_text("还剩 29 天")
    # The items by what the enterprise does.
    page.get_by_role("link", name="保险和贷款").click()
    expect(page.locator(".item-list")).to_contain_text("9.4a")
    expect(page.locator(".item-list")).not_to_contain_text("7.1 ")
    # The questionnaire.
    page.get_by_role("link", name="我可以申报哪些").first.click()
    page.get_by_label("单位类型").select_option("enterprise")
    page.get_by_label("中小型(工信部划型标准)").check()
    page.get_by_label("研发创新").check()
    page.get_by_role("button", name="查看匹配结果").click()
    row = page.locator("#match-7\\.1")
    expect(row).to_contain_text("视情况而定")
    expect(row).to_contain_text("最高 ¥3,000,000.00")
    expect(row).to_contain_text("项目自筹投入资金总额")
    # Its call: applying asks the visitor to log in first.
    row.get_by_role("link", name="去申报").click()
    expect(page.locator("form").get_by_role("button", name="登录")).to_be_visible()
    assert page.violations == []


def test_an_organisation_sees_its_matches_and_starts_a_prefilled_application(
    live_server, scene, strict_csp_page
):
    alice = MembershipFactory(user=UserFactory(username="alice", roles=[Role.APPLICANT]), admin=True).user
    earlier = services.start_application(actor=alice, call_item=scene.call_items.get(item__code="7.1"))
    services.save_draft(
        actor=alice,
        application=earlier,
        facts={"self_raised_investment": "2000000"},
        matter_type="project",
        matter_ref="视觉平台",
        project_name="视觉平台",
        description="",
    )
    client = Client()
    client.force_login(alice)
    page = strict_csp_page
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(f"{live_server.url}/applications/calls/")
    page.get_by_role("link", name="本单位可以申报哪些").click()
    row = page.locator("#match-7\\.1")
    expect(row).to_contain_text("估算金额 ¥600,000.00")
    expect(page.locator("#match-9\\.3a")).to_contain_text("不符合条件")
    row.get_by_role("link", name="用这些数据申报").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("确认申报")
    # The draft of the same item is offered first (nothing typed twice); a second draft is still possible.
    expect(page.get_by_role("main")).to_contain_text(earlier.project_name)
    page.get_by_role("button", name="仍然新建草稿").click()
    expect(page.locator("#id_self_raised_investment")).to_have_value("2000000")
    expect(page.locator("#quote-amount")).to_have_text("600,000.00")
    assert Application.objects.filter(organization__memberships__user=alice).count() == 2
    assert page.violations == []


def test_calculator_figures_survive_sign_up(live_server, scene, strict_csp_page, sms_outbox):
    page = strict_csp_page
    page.goto(f"{live_server.url}/calculator/?round=changning-ai-2024&item=7.1")
    page.locator("#id_self_raised_investment").press_sequentially("2000000")
    expect(page.locator("#quote-amount")).to_have_text("600,000.00")
    page.locator("#apply-link").click()
    # Not logged in: the login page; a new enterprise signs up instead (the `next` is lost on the way).
    page.get_by_role("link", name="注册").last.click()
    page.locator("#id_identifier").fill("13800138000")
    page.locator("#id_password").fill("Changning-AI-2026")
    page.locator("#id_password2").fill("Changning-AI-2026")
    page.get_by_role("button", name="注册").click()
    # A mobile number is proven by its SMS code before the account exists; the figures wait in the session.
    expect(page.get_by_role("heading", level=1)).to_have_text("验证手机号码")
    page.get_by_label("验证码").fill(sms_code(sms_outbox, "13800138000", 1, page))
    page.get_by_role("button", name="完成注册").click()
    page.get_by_role("link", name="创建单位").click()
    page.locator("#id_name").fill("上海戊人工智能有限公司")
    page.locator("#id_uscc").fill(make_uscc(902))
    page.locator("#id_registered_address").fill("上海市长宁区戊路5号")
    page.locator("#id_legal_representative").fill("戊")
    page.locator("#id_contact_name").fill("戊联系")
    page.locator("#id_contact_phone").fill("021-62000002")
    registered = page.locator("#id_registered_in_changning")
    if registered.evaluate("el => el.tagName") == "SELECT":
        registered.select_option("True")
    else:
        registered.check()
    page.get_by_role("button", name="创建单位").click()
    kept = page.locator(".calculator-kept")
    expect(kept).to_contain_text("您在政策计算器中为项目 7.1 填写的数据已保留")
    kept.get_by_role("link", name="继续用这些数据申报").click()
    expect(page.locator('input[type=hidden][name="self_raised_investment"]')).to_have_value("2000000")
    page.get_by_role("button", name="开始申报").click()
    expect(page.locator("#id_self_raised_investment")).to_have_value("2000000")
    assert Application.objects.get().facts == {"self_raised_investment": "2000000"}
    assert page.violations == []

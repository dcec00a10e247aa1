"""The whole enterprise journey in a real browser, as issue 3 tells it.

A visitor signs up by email, creates the organisation, chooses 7.1 among the open calls, types the facts
and sees the ceiling with its steps appear, names the matter, uploads every required material through the
page's own file inputs, checks and submits, and reads the application number and the timeline.
"""

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from playwright.sync_api import expect
from stdnum.cn import uscc

from accounts import identity
from accounts.models import Organization, User
from accounts.roles import Role
from applications.models import Application, Call, CallItem
from policies.models import PolicyItem
from tests.pdfs import pdf_bytes

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENS = datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)
CLOSES = datetime(2025, 4, 30, 17, 0, tzinfo=SHANGHAI)
DURING = datetime(2025, 4, 1, 10, 0, tzinfo=SHANGHAI)

EMAIL = "wang.lihua@lanting-ai.example.com"
PASSWORD = "Lanting-Vision-2025"
ORGANIZATION = "上海兰亭智能视觉科技有限公司"
USCC_BODY = "91310105MA1FL8T0X"  # 9 (市场监管) 1 (企业) 310105 (长宁区) and a serial
USCC = USCC_BODY + uscc.calc_check_digit(USCC_BODY)
PROJECT = "工业质检视觉大模型研发"
NUMBER = re.compile(r"CNAI-2025-7\.1-\d{5}")
ON_THE_DAY = re.compile(r"^2025-04-01 10:\d\d:\d\d$")


@pytest.fixture
def during_the_call():
    # Ticking, so Playwright's timeouts and the autosave debounce still pass; the live server's thread
    # sees the same clock.
    with time_machine.travel(DURING, tick=True):
        yield


@pytest.fixture
def open_call(transactional_db, policy_data, during_the_call):
    # The roles are rows of a data migration, and a transactional test before this one flushed them;
    # signing up puts the new user in the applicant group, so it must exist, as it does in production.
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    round_id = PolicyItem.objects.get(round__code="changning-ai-2024", code="7.1").round_id
    call = Call.objects.create(
        round_id=round_id, year=2025, title="2025 年度人工智能专项申报", opens_at=OPENS, closes_at=CLOSES
    )
    for code in ("7.1", "8.1", "9.1"):
        CallItem.objects.create(call=call, item=PolicyItem.objects.get(round_id=round_id, code=code))
    return call


def test_a_new_enterprise_signs_up_and_submits_an_application_for_7_1(
    live_server, open_call, page, tmp_path: Path
):
    # ---- sign up by email
    page.goto(f"{live_server.url}/accounts/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("注册账户")
    page.get_by_label("手机号或邮箱").fill(EMAIL)
    page.get_by_label("姓名(选填)").fill("王丽华")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_role("button", name="注册").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/organization/")
    expect(page.get_by_role("status")).to_contain_text("注册成功")

    # ---- create the organisation
    page.get_by_role("link", name="创建单位").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("创建单位")
    page.get_by_label("单位名称").fill(ORGANIZATION)
    page.get_by_label("统一社会信用代码").fill(USCC)
    page.get_by_label("注册地址").fill("上海市长宁区兰亭路18号")
    page.get_by_label("是否在长宁区依法设立(注册)").select_option(label="是")
    page.get_by_label("法定代表人").fill("王建国")
    page.get_by_label("联系人").fill("王丽华")
    page.get_by_label("联系电话").fill("021-62501234")
    # Who may apply (the rulings of 2026-12-02): 7.1 is open to 企业 only, so the type is recorded.
    page.get_by_label("单位类型").select_option(label="企业")
    page.get_by_label("中小型单位(工信部划型标准)").check()
    page.get_by_role("button", name="创建单位").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ORGANIZATION)
    expect(page.get_by_role("status")).to_contain_text("您是本单位的管理员")
    expect(page.get_by_text("单位管理员", exact=True)).to_be_visible()

    # ---- prove the authority to act for it (issue 14): 营业执照 and the stamped 授权委托书, for 区科委
    expect(page.locator("#identity ~ .notice").first).to_contain_text("核验通过前不能提交申报")
    page.get_by_role("link", name="上传营业执照和授权委托书").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("单位身份核验")
    for label, name in (("营业执照", "licence"), ("授权委托书", "letter")):
        path = tmp_path / f"{label}.pdf"
        path.write_bytes(pdf_bytes(name))
        page.get_by_label(label, exact=True).set_input_files(path)
    page.get_by_role("button", name="提交区科委核验").click()
    expect(page.get_by_role("status")).to_contain_text("材料已提交区科委核验")
    # 区科委's side of it is tested on its own pages (tests/accounts/test_organization_identity.py).
    verifier = User.objects.create_user(username="e2e-intake", is_staff=True)
    verifier.groups.add(Group.objects.get_or_create(name=Role.INTAKE_OFFICER.value)[0])
    identity.verify_identity(actor=verifier, organization=Organization.objects.get(uscc=USCC))

    # ---- 我的申报 → the open calls → 7.1
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的申报").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的申报")
    page.get_by_role("link", name="开始新的申报").click()
    expect(page.get_by_role("heading", name="2025 年度人工智能专项申报")).to_be_visible()
    page.get_by_role("link", name="申报 7.1", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("确认申报")
    expect(page.get_by_role("heading", level=1)).to_contain_text("硬核技术攻关")
    page.get_by_role("button", name="开始申报").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("填写申报")
    expect(page.get_by_role("status").first).to_contain_text("已创建申报草稿")

    # ---- the facts, and the ceiling with its steps, live (application.js; no reload)
    panel = page.get_by_role("region", name="3 可申请金额")
    expect(panel.locator("#quote-amount")).to_have_text("—")
    page.evaluate("window.notReloaded = true")
    page.get_by_label("项目自筹投入资金总额").press_sequentially("2000000")
    expect(panel.locator("#quote-amount")).to_have_text("600,000.00")
    expect(panel).to_contain_text("符合申报条件")
    steps = panel.get_by_role("table", name="计算过程")
    expect(steps.locator("tbody tr")).to_have_count(3)
    expect(steps).to_contain_text("单项最高不超过 3,000,000.00 元")
    expect(steps.locator("tbody tr").last).to_contain_text("¥600,000.00")
    assert page.evaluate("window.notReloaded") is True

    # ---- the matter
    page.get_by_label("事项类型").select_option(label="项目")
    page.get_by_label("事项名称或编号").fill("兰亭质检视觉项目 LT-2025-01")
    page.get_by_label("项目名称").fill(PROJECT)
    expect(page.locator("#autosave-status")).to_contain_text("已自动保存 10:")
    page.get_by_role("button", name="保存草稿").click()  # as the page asks before uploading
    expect(page.get_by_role("status").first).to_contain_text("草稿已保存")
    expect(page.get_by_label("项目名称")).to_have_value(PROJECT)

    # ---- every required material, through the page's file inputs
    application = Application.objects.get(organization__uscc=USCC)
    required = list(application.item.materials.filter(required=True).order_by("pk"))
    assert len(required) >= 3  # the two common materials and 7.1's own
    for material in required:
        path = tmp_path / f"{material.name}.pdf"
        path.write_bytes(pdf_bytes(material.code))
        file_input = page.get_by_label(f"上传“{material.name}”")
        file_input.set_input_files(path)
        upload_form = page.locator(".upload-form").filter(has=file_input)
        upload_form.get_by_role("button", name="上传", exact=True).click()
        # The outcome is shown in the material's card, focused (issue 15).
        expect(page.locator("#upload-result")).to_contain_text(f"已上传“{material.name}.pdf”")
        expect(page.get_by_role("link", name=f"{material.name}.pdf")).to_be_visible()

    # ---- check and submit
    page.get_by_role("link", name="检查并提交").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("检查并提交")
    expect(page.get_by_text("检查通过")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)  # no 提交前需要处理的问题
    expect(page.locator("#quote-amount")).to_have_text("¥600,000.00")
    page.get_by_role("button", name="确认提交").click()

    # ---- the number and the timeline
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^申报 " + NUMBER.pattern + "$"))
    expect(page.get_by_role("status").first).to_contain_text(re.compile("已提交,申报编号 " + NUMBER.pattern))
    timeline = page.get_by_role("region", name="办理进度").get_by_role("listitem")
    expect(timeline).to_have_count(2)
    for event, status in zip((timeline.nth(0), timeline.nth(1)), ("草稿", "已提交"), strict=True):
        expect(event.locator("strong")).to_have_text(status)
        expect(event.locator("time")).to_have_text(ON_THE_DAY)
        expect(event.locator("time")).to_have_attribute("datetime", re.compile(r"^2025-04-01T10:.*\+08:00$"))

    # What the browser showed is what was stored.
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert NUMBER.fullmatch(application.number)
    assert application.requested_fen == 60_000_000
    assert application.created_by == User.objects.get(email=EMAIL)
    organization = Organization.objects.get(uscc=USCC)
    assert organization.registered_in_changning is True
    assert (organization.org_type, organization.is_sme) == ("enterprise", True)
    assert organization.memberships.get().is_admin
    assert sorted(a.material_code for a in application.attachments.all()) == sorted(m.code for m in required)

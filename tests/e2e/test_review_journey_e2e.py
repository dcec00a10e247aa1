"""The commission's journey in a real browser, as issue 4 tells it.

An enterprise's 7.1 application (自筹投入 2,000,000 → ceiling 600,000) is submitted through the services.
Then, each person logging in through the real login page in a browser context of their own: the intake
officer accepts it after verifying Article 2; the approver auto-assigns the call's two reviewers; each
reviewer declares no conflict, scores every criterion, recommends support and submits; the approver reads
the ceiling with its steps and the weighted score, is refused an amount above the ceiling, decides 500,000
within it and publishes the 公示, which anyone can read without logging in. Past the window (5 working
days from Monday 2025-05-12, no holiday in between: it ends Monday 2025-05-19 23:59:59) the approver
closes it, and the enterprise sees its application 已认定 with ¥500,000.00.
"""

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import pytest
import time_machine
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Locator, Page, expect

from accounts.roles import Role
from accounts.security import requires_second_factor
from applications.models import Application, Call
from reviews.models import Assignment, PublicNotice
from tests.applications.conftest import submitted
from tests.e2e.support import SHANGHAI, open_call, person
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.e2e

SUBMITTED_ON = datetime(2025, 4, 1, 10, 0, tzinfo=SHANGHAI)  # a Tuesday, during the call
REVIEW_DAY = datetime(2025, 5, 12, 9, 0, tzinfo=SHANGHAI)  # a Monday; the 公示 is published that day
AFTER_WINDOW = datetime(2025, 5, 20, 10, 0, tzinfo=SHANGHAI)  # the day after the 5th working day

ORGANIZATION = "上海长宁星河智能科技有限公司"
CONTACT_PHONE = "13912345678"  # never on the public page
PROJECT = "星河多模态工业大模型研发"
REASONS = "技术路线清晰,自筹投入到位,予以支持。"
RELEASED = "专家认为项目创新性较强,建议加强数据安全管理。"
NUMBER = re.compile(r"CNAI-2025-7\.1-\d{5}")
ACCEPTANCE = re.compile(r"SL-2025-\d{5}")


@pytest.fixture
def cast(transactional_db, policy_data):
    """The call, the enterprise and its submitted application, and the four staff accounts. The roles'
    groups are rows of a data migration that an earlier transactional test may have flushed: group_for
    recreates them."""
    with time_machine.travel(SUBMITTED_ON, tick=True):
        call = open_call(("7.1", "8.1", "9.1"), reviewers_per_application=2, publicity_working_days=5)
        organization = OrganizationFactory(name=ORGANIZATION, contact_phone=CONTACT_PHONE)
        enterprise = person("xinghe", "周星河", Role.APPLICANT, staff=False)
        MembershipFactory(user=enterprise, organization=organization, admin=True)
        application = submitted(enterprise, call, matter=PROJECT)
        officer = person("intake1", "钱受理", Role.INTAKE_OFFICER)
        reviewers = [
            person("expert1", "孙评审", Role.EXPERT_REVIEWER),
            person("expert2", "李评审", Role.EXPERT_REVIEWER),
        ]
        approver = person("approver1", "赵审定", Role.COMMISSION_APPROVER)
    assert application.status == Application.Status.SUBMITTED
    assert application.requested_fen == 60_000_000
    return {
        "call": call,
        "application": application,
        "enterprise": enterprise,
        "officer": officer,
        "reviewers": reviewers,
        "approver": approver,
    }


@contextmanager
def logged_in(browser, live_server, user) -> Iterator[Page]:
    """A browser context of the user's own, logged in through the login page."""
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/accounts/login/")
        expect(page.get_by_role("heading", level=1)).to_have_text("登录")
        page.get_by_label("手机号或邮箱").fill(user.username)
        page.get_by_label("密码", exact=True).fill(PASSWORD)
        staff = requires_second_factor(user)
        if staff:
            authenticator_app(user)
        page.get_by_role("main").get_by_role("button", name="登录").click()
        if staff:
            # Staff: the code of their authenticator app, on the second page of the login.
            expect(page.get_by_role("heading", level=1)).to_have_text("两步验证")
            page.get_by_label("验证码").fill(authenticator_code(user, page))
            page.get_by_role("main").get_by_role("button", name="验证").click()
        expect(nav(page)).to_contain_text(user.display_name)
        expect(page.get_by_role("heading", level=1)).not_to_have_text("两步验证")
        yield page
    finally:
        context.close()


def authenticator_app(user) -> TOTPDevice:
    """The staff member's enrolled authenticator app (enrolment itself: tests/accounts/test_two_factor.py)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="手机", confirmed=True
    )


def authenticator_code(user, page: Page) -> str:
    """What the app shows now. A code is accepted once per 30-second step (django-otp refuses a replay),
    so a second login within the same step waits for the next one, as a person would."""
    device = authenticator_app(user)
    if device.last_t >= int(time.time()) // device.step:
        page.wait_for_timeout(((device.last_t + 1) * device.step - time.time()) * 1000 + 500)
    return f"{totp(device.bin_key, step=device.step):06d}"


def nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="主导航")


def status_message(page: Page) -> Locator:
    return page.get_by_role("status").first


def definition(page: Page | Locator, term: str) -> Locator:
    """The <dd> after the <dt> that reads `term`."""
    return page.locator("dt", has_text=re.compile(f"^{re.escape(term)}$")).locator(
        "xpath=following-sibling::dd[1]"
    )


def test_intake_review_decision_and_notice_end_in_recognition(browser, live_server, cast):
    application: Application = cast["application"]
    call: Call = cast["call"]
    criteria = list(application.item.criteria.all())
    assert len(criteria) >= 2
    material_names = list(application.item.materials.values_list("name", flat=True))

    with time_machine.travel(REVIEW_DAY, tick=True):
        # ---- intake: Article 2 verified, accepted, an acceptance number issued
        with logged_in(browser, live_server, cast["officer"]) as page:
            nav(page).get_by_role("link", name="受理", exact=True).click()
            expect(page.get_by_role("heading", level=1)).to_have_text("受理审查")
            queue = page.locator("#intake-queue")
            expect(queue.locator("tbody tr")).to_have_count(1)
            expect(queue).to_contain_text(ORGANIZATION)
            queue.get_by_role("link", name=NUMBER).click()
            expect(page.get_by_role("heading", level=1)).to_have_text(f"受理审查 {application.number}")
            expect(page.get_by_role("region", name="政策计算的上限")).to_contain_text("¥600,000.00")
            # 7.1 is open to 企业 only: the type the organisation recorded is verified here first.
            applicant_type = page.get_by_role("region", name="单位类型")
            expect(applicant_type).to_contain_text("本项仅限企业申报")
            applicant_type.get_by_role("button", name="核实单位类型").click()
            expect(status_message(page)).to_contain_text(f"已核实 {ORGANIZATION} 的单位类型。")
            expect(definition(applicant_type, "区科委核实")).to_contain_text("已核实(钱受理")
            # Each material judged on its own: all in order here.
            for name in material_names:
                page.get_by_role("group", name=name).get_by_role("radio", name="已核对").check()
            page.get_by_label("已核实:在长宁区依法设立(第二条)").check()
            page.get_by_label("已核实:经营状态正常(第二条)").check()
            # Art. 2 信用记录良好: the credit check as recorded, not a tick.
            expect(page.get_by_role("region", name="信用状况(第二条“信用记录良好”)")).to_contain_text(
                "未列入经营异常名录"
            )
            credit = page.get_by_role("group", name="信用查询(第二条“信用记录良好”)")
            credit.get_by_label("信用查询来源").select_option(label="信用中国")
            credit.get_by_label("信用查询日期").fill("2025-05-12")
            credit.get_by_role("radio", name="良好", exact=True).check()
            page.get_by_role("button", name="受理", exact=True).click()
            expect(page.get_by_role("heading", level=1)).to_have_text("受理审查")
            expect(status_message(page)).to_contain_text(
                re.compile(f"已受理 {re.escape(application.number)},受理编号 {ACCEPTANCE.pattern}")
            )
            expect(page.get_by_text("没有符合条件的申报。")).to_be_visible()  # the submitted queue is empty
        application.refresh_from_db()
        assert application.status == Application.Status.ACCEPTED
        assert ACCEPTANCE.fullmatch(application.acceptance_number)

        # ---- assignment: the approver auto-assigns the call's two reviewers
        with logged_in(browser, live_server, cast["approver"]) as page:
            nav(page).get_by_role("link", name="评审分配").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("评审分配")
            row = page.locator("#assign-queue tbody tr").filter(has_text=ORGANIZATION)
            expect(row).to_contain_text(application.acceptance_number)
            expect(row).to_contain_text("0 / 2")
            row.get_by_role("link", name="分配").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(
                f"评审分配 {application.acceptance_number}"
            )
            expect(page.locator("#shortfall")).to_have_text("尚缺 2 位评审专家。")
            page.get_by_role("button", name="自动分配").click()
            expect(status_message(page)).to_contain_text("已按工作量自动分配 2 位评审专家。")
            expect(page.get_by_role("heading", name="评审专家(2 / 2)")).to_be_visible()
            assigned = page.locator("#assignments tbody tr")
            expect(assigned).to_have_count(2)
            for reviewer in cast["reviewers"]:
                expect(page.locator("#assignments")).to_contain_text(reviewer.display_name)
            expect(page.locator("#shortfall")).to_have_count(0)
            # Not yet decidable: the decision page counts the reviews still missing (the quorum).
            page.goto(f"{live_server.url}/review/applications/{application.pk}/decide/")
            expect(page.locator("#quorum-shortfall")).to_contain_text("已提交 0 份评审意见,需 2 份,还差 2 份")

        # ---- each reviewer: no conflict, every criterion scored, support with an amount, submitted
        for reviewer, mark in zip(cast["reviewers"], ("4", "4.5"), strict=True):
            with logged_in(browser, live_server, reviewer) as page:
                nav(page).get_by_role("link", name="我的评审").click()
                expect(page.get_by_role("heading", level=1)).to_have_text("我的评审")
                row = page.locator("#my-assignments tbody tr").filter(has_text=ORGANIZATION)
                expect(row).not_to_contain_text(PROJECT)  # nothing but who and what before declaring
                row.get_by_role("link", name="声明利益冲突").click()
                expect(page.get_by_role("heading", level=1)).to_have_text("利益冲突声明")
                expect(page.locator("#declare-organization")).to_have_text(ORGANIZATION)
                page.get_by_role("radio", name="本人与该申报单位不存在利益冲突,同意参加评审").check()
                page.get_by_role("button", name="提交声明").click()

                expect(status_message(page)).to_contain_text("已声明无利益冲突,请评审。")
                expect(page.get_by_role("heading", level=1)).to_have_text(
                    f"评审 {application.acceptance_number}"
                )
                expect(page.get_by_role("region", name="政策计算的上限")).to_contain_text("¥600,000.00")
                for criterion in criteria:
                    group = page.get_by_role("group", name=criterion.name, exact=True)
                    group.get_by_label(re.compile("^得分")).select_option(mark)
                    group.get_by_label("意见", exact=True).fill(f"{criterion.name}:符合要求。")
                page.get_by_role("radio", name="支持", exact=True).check()
                page.get_by_label("建议金额(元)").fill("500000")
                page.get_by_label("综合意见").fill("项目可行,建议支持。")
                page.get_by_role("button", name="提交评分").click()

                expect(page.get_by_role("heading", level=1)).to_have_text("我的评审")
                expect(status_message(page)).to_contain_text("评分已提交。")
                row = page.locator("#my-assignments tbody tr").filter(has_text=ORGANIZATION)
                expect(row).to_contain_text("已提交")
                expect(row.get_by_role("link", name="查看评分")).to_be_visible()
        assert (
            list(application.assignments.values_list("status", flat=True))
            == [Assignment.Status.SUBMITTED] * 2
        )

        # ---- decision within the ceiling, then the 公示
        with logged_in(browser, live_server, cast["approver"]) as page:
            nav(page).get_by_role("link", name="审定", exact=True).click()
            expect(page.get_by_role("heading", level=1)).to_have_text("审定工作台")
            row = page.locator("#decision-queue tbody tr").filter(has_text=ORGANIZATION)
            expect(row).to_contain_text("评审中")
            row.get_by_role("link", name="审定", exact=True).click()
            expect(page.get_by_role("heading", level=1)).to_have_text(f"审定 {application.number}")

            # 10(2): the organisation's same or near matters, before deciding (none here).
            expect(page.get_by_role("region", name="可能为同一事项")).to_contain_text(
                "未发现本单位有相同或相近的事项。"
            )

            ceiling = page.get_by_role("region", name="引擎计算的上限")
            expect(ceiling.locator("#ceiling-amount")).to_have_text("¥600,000.00")
            steps = ceiling.locator("#ceiling-steps tr")
            expect(steps).to_have_count(3)
            expect(ceiling).to_contain_text("单项最高不超过 3,000,000.00 元")
            expect(steps.last).to_contain_text("¥600,000.00")

            scores = page.get_by_role("region", name="专家评审汇总")
            expect(definition(scores, "已提交评审")).to_contain_text("2 / 2 位专家")
            expect(definition(scores, "加权平均分")).to_have_text("4.25")  # (4 + 4.5) / 2 on every criterion
            expect(definition(scores, "专家间分差")).to_have_text("0.50")
            expect(definition(scores, "评审建议")).to_contain_text("支持 2")

            # Above the ceiling: refused, nothing saved.
            page.get_by_role("radio", name="拟支持", exact=True).check()
            page.get_by_label("拟支持金额(元)").fill("700000")
            page.get_by_label("审定理由").fill(REASONS)
            page.get_by_role("button", name="保存审定").click()
            expect(page.get_by_role("main")).to_contain_text("超过引擎计算的上限 ¥600,000.00")
            assert not application.decisions.exists()

            # Within it.
            page.get_by_role("radio", name="拟支持", exact=True).check()
            page.get_by_label("拟支持金额(元)").fill("500000")
            page.get_by_label("审定理由").fill(REASONS)
            page.get_by_label("发布给申报单位的评审意见(汇总)").fill(RELEASED)
            page.get_by_role("button", name="保存审定").click()
            expect(status_message(page)).to_contain_text("已审定:拟支持 ¥500,000.00。")
            expect(page.locator(".policy__meta .status")).to_have_text("拟支持")
            history = page.get_by_role("region", name="审定记录")
            expect(history).to_contain_text("¥500,000.00")
            expect(history).to_contain_text("¥600,000.00")  # the ceiling at the time

            nav(page).get_by_role("link", name="公示管理").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("公示管理")
            call_row = page.get_by_role("row").filter(has_text=call.title)
            expect(call_row.locator("td").first).to_have_text("1")  # one recommended, waiting
            call_row.get_by_role("button", name="发布公示").click()
            expect(status_message(page)).to_contain_text("公示已发布,公示期至 2025-05-19 23:59:59。")
            expect(page.get_by_role("heading", level=1)).to_have_text(f"{call.title}拟支持项目公示")
            expect(definition(page, "公示截止")).to_have_text("2025-05-19 23:59:59")
            expect(definition(page, "状态")).to_have_text("公示中")
            expect(page.get_by_role("button", name=re.compile("^办结公示"))).to_have_count(0)

        # ---- the public page, without logging in
        context = browser.new_context(locale="zh-CN")
        try:
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.goto(f"{live_server.url}/notices/")
            expect(nav(page).get_by_role("link", name="登录")).to_be_visible()
            page.get_by_role("link", name=f"{call.title}拟支持项目公示").click()
            expect(page).to_have_url(re.compile(r"/notices/\d+/$"))
            entries = page.locator("#notice-entries tbody tr")
            expect(entries).to_have_count(1)
            entry = entries.first
            expect(entry.get_by_role("rowheader")).to_have_text(ORGANIZATION)
            expect(entry).to_contain_text(f"7.1 {application.item.name}")
            expect(entry).to_contain_text(PROJECT)
            expect(entry.locator("td.num")).to_have_text("¥500,000.00")
            expect(entry.get_by_role("link", name="提出异议")).to_be_visible()
            expect(page.get_by_role("main")).not_to_contain_text(CONTACT_PHONE)
            expect(page.get_by_role("main")).not_to_contain_text(application.number)
        finally:
            context.close()
        application.refresh_from_db()
        assert application.status == Application.Status.PUBLICIZED

    # ---- past the window: the approver closes it, and the enterprise sees 认定 and the amount
    with time_machine.travel(AFTER_WINDOW, tick=True):
        with logged_in(browser, live_server, cast["approver"]) as page:
            nav(page).get_by_role("link", name="公示管理").click()
            notice_row = page.get_by_role("row").filter(has_text=f"{call.title}拟支持项目公示")
            expect(notice_row).to_contain_text("公示期满,待办结")
            notice_row.get_by_role("link", name=f"{call.title}拟支持项目公示").click()
            page.get_by_role("button", name="办结公示(无成立异议的予以认定)").click()
            expect(status_message(page)).to_contain_text("公示已办结。")
            expect(definition(page, "状态")).to_have_text(re.compile(r"^已办结\(2025-05-20 10:\d\d:\d\d\)$"))
            expect(page.locator(".card__meta")).to_contain_text("已认定")

        with logged_in(browser, live_server, cast["enterprise"]) as page:
            nav(page).get_by_role("link", name="我的申报").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("我的申报")
            page.get_by_role("link", name=application.number).click()
            expect(page.get_by_role("heading", level=1)).to_have_text(f"申报 {application.number}")
            outcome = page.get_by_role("region", name="审定结果")
            expect(definition(outcome, "结果")).to_have_text("已认定")
            expect(definition(outcome, "认定金额")).to_have_text("¥500,000.00")
            expect(definition(outcome, "审定意见")).to_have_text(REASONS)
            expect(definition(outcome, "专家评审意见(汇总)")).to_have_text(RELEASED)
            timeline = page.get_by_role("region", name="办理进度")
            # (the last of the application's own statuses: the award's steps follow it, issue 15)
            recognised = timeline.get_by_role("listitem").filter(has_text="已认定").last
            expect(recognised).to_contain_text("公示期满无异议,予以认定")
            for reviewer in cast["reviewers"]:  # never who reviewed it
                expect(page.get_by_role("main")).not_to_contain_text(reviewer.display_name)

    application.refresh_from_db()
    assert application.status == Application.Status.RECOGNISED
    assert application.awarded_fen == 50_000_000
    decision = application.decisions.get()
    assert (decision.recommended, decision.amount_fen, decision.ceiling_fen) == (True, 50_000_000, 60_000_000)
    assert decision.approver == cast["approver"]
    assert set(application.assignments.values_list("reviewer", flat=True)) == {
        r.pk for r in cast["reviewers"]
    }
    notice = PublicNotice.objects.get(call=call)
    assert notice.closed_at is not None
    assert notice.entries.get().amount_fen == 50_000_000

"""A whole round in a real browser, as issue 12's "Done when" tells it: three reviewers and a quorum of
three, an upheld objection and a 更正公示, to a payment.

Set up through the services: a call with three reviewers per application and a quorum of three, two
enterprises' submitted 7.1 applications (自筹投入 2,000,000 → ceiling 600,000 each), the staff accounts and
the enterprises' receiving accounts. Then, each person in a logged-in browser context of their own:

- the intake officer accepts both, judging every material 已核对 — on the first, a material marked 需补正
  is refused first;
- the approver auto-assigns three reviewers; after two reviews the decision page says 还差 1 份 and refuses;
  after the third the approver decides 拟支持 (¥500,000 for 东岭, ¥400,000 for 星河) and publishes the 公示;
- a visitor objects to 东岭's line, the approver upholds it: the public page shows the line 已撤回 with the
  date and the total drops to 星河's ¥400,000;
- past the window the approver closes the notice (星河 认定, 东岭 back to decision), decides 东岭 again at
  ¥300,000 and publishes: a 更正公示(第1号) linking to the notice it corrects; both pages and both PDFs
  (pypdf) agree;
- the budget is entered and confirmed, the award approved, a batch built, approved by another and paid,
  and 星河 sees its installment 已拨付.
"""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
import time_machine
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from accounts.roles import Role
from applications.models import Application, Call
from disbursement.models import Award, Installment, PaymentBatch
from reviews.models import Assignment, PublicNotice
from tests.applications.conftest import submitted
from tests.disbursement.payment_support import bank
from tests.documents.pdf_checks import assert_official
from tests.e2e.support import ACCOUNT_NUMBER, BANK, BANK_CODE, CALL_TITLE, SHANGHAI, open_call, person
from tests.e2e.test_disbursement_e2e import open_batches
from tests.e2e.test_review_journey_e2e import definition, logged_in, nav, status_message
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.e2e

SUBMITTED_ON = datetime(2025, 4, 1, 10, 0, tzinfo=SHANGHAI)
REVIEW_DAY = datetime(2025, 5, 12, 9, 0, tzinfo=SHANGHAI)  # a Monday: the 公示 runs to 2025-05-19 23:59:59
OBJECTION_DAY = datetime(2025, 5, 13, 15, 0, tzinfo=SHANGHAI)
AFTER_WINDOW = datetime(2025, 5, 20, 10, 0, tzinfo=SHANGHAI)
PAY_DAY = datetime(2025, 6, 3, 9, 30, tzinfo=SHANGHAI)  # a Tuesday

NOTICE_TITLE = f"{CALL_TITLE}拟支持项目公示"
CORRECTION_TITLE = f"{CALL_TITLE}拟支持项目更正公示(第1号)"
XINGHE, DONGLING = "上海长宁星河智能科技有限公司", "上海长宁东岭数据科技有限公司"
XINGHE_PROJECT, DONGLING_PROJECT = "星河多模态工业大模型研发", "东岭工业视觉质检平台"
VOUCHER = "PZ20250603-0007"
ACCEPTANCE = re.compile(r"SL-2025-\d{5}")
BATCH_NUMBER = re.compile(r"BF20250603-\d{5}")


@pytest.fixture
def cast(transactional_db, policy_data):
    with time_machine.travel(SUBMITTED_ON, tick=True):
        call = open_call(reviewers_per_application=3, review_quorum=3, publicity_working_days=5)
        applications, enterprises = {}, {}
        for username, name, organization_name, project in (
            ("xinghe", "周星河", XINGHE, XINGHE_PROJECT),
            ("dongling", "吴东岭", DONGLING, DONGLING_PROJECT),
        ):
            organization = OrganizationFactory(name=organization_name)
            enterprise = person(username, name, Role.APPLICANT, staff=False)
            MembershipFactory(user=enterprise, organization=organization, admin=True)
            applications[organization_name] = submitted(enterprise, call, matter=project)
            enterprises[organization_name] = enterprise
            bank(enterprise, organization, ACCOUNT_NUMBER, BANK, BANK_CODE)
    assert all(a.requested_fen == 60_000_000 for a in applications.values())
    return {
        "call": call,
        "applications": applications,
        "enterprises": enterprises,
        "officer": person("intake1", "钱受理", Role.INTAKE_OFFICER),
        "reviewers": [
            person("expert1", "孙评审", Role.EXPERT_REVIEWER),
            person("expert2", "李评审", Role.EXPERT_REVIEWER),
            person("expert3", "周评审", Role.EXPERT_REVIEWER),
        ],
        "approver": person("approver1", "赵审定", Role.COMMISSION_APPROVER),
        "finance_officer": person("finance1", "钱经办", Role.FINANCE_OFFICER),
        "finance_approver": person("finance2", "孙审核", Role.FINANCE_APPROVER),
    }


def accept(page: Page, application: Application, organization: str, *, deficient_first: bool) -> None:
    """The intake officer's 受理 of one application from the queue: unit type verified, every material
    已核对, Art. 2 ticked, the credit check recorded. With `deficient_first`, 受理 is tried first with the
    first material marked 需补正, and refused."""
    nav(page).get_by_role("link", name="受理", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("受理审查")
    page.locator("#intake-queue tbody tr").filter(has_text=organization).get_by_role(
        "link", name=application.number
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"受理审查 {application.number}")
    applicant_type = page.get_by_role("region", name="单位类型")
    applicant_type.get_by_role("button", name="核实单位类型").click()
    expect(status_message(page)).to_contain_text(f"已核实 {organization} 的单位类型。")
    materials = list(application.item.materials.all())
    for material in materials:
        page.get_by_role("group", name=material.name).get_by_role("radio", name="已核对").check()
    page.get_by_label("已核实:在长宁区依法设立(第二条)").check()
    page.get_by_label("已核实:经营状态正常(第二条)").check()
    credit = page.get_by_role("group", name="信用查询(第二条“信用记录良好”)")
    credit.get_by_label("信用查询来源").select_option(label="信用中国")
    credit.get_by_label("信用查询日期").fill("2025-05-12")
    credit.get_by_role("radio", name="良好", exact=True).check()
    if deficient_first:
        first = materials[0]
        page.get_by_role("group", name=first.name).get_by_role("radio", name="需补正").check()
        row = page.locator(f"#material-{first.code}")
        row.get_by_label("说明(不适用的理由或需补正的内容)").fill("缺少加盖公章的页面")
        page.get_by_role("button", name="受理", exact=True).click()
        expect(page.get_by_role("main")).to_contain_text(f"材料“{first.name}”需补正,不能受理:请退回补正。")
        assert Application.objects.get(pk=application.pk).status == Application.Status.SUBMITTED
        # The officer checks the page again: the material was there after all.
        page.get_by_role("group", name=first.name).get_by_role("radio", name="已核对").check()
        page.locator(f"#material-{first.code}").get_by_label("说明(不适用的理由或需补正的内容)").fill("")
    page.get_by_role("button", name="受理", exact=True).click()
    expect(status_message(page)).to_contain_text(
        re.compile(f"已受理 {re.escape(application.number)},受理编号 {ACCEPTANCE.pattern}")
    )


def review(page: Page, application: Application, organization: str) -> None:
    """A reviewer's whole review of one assignment: no conflict, every criterion 4, support 500,000."""
    nav(page).get_by_role("link", name="我的评审").click()
    row = page.locator("#my-assignments tbody tr").filter(has_text=organization)
    row.get_by_role("link", name="声明利益冲突").click()
    page.get_by_role("radio", name="本人与该申报单位不存在利益冲突,同意参加评审").check()
    page.get_by_role("button", name="提交声明").click()
    expect(status_message(page)).to_contain_text("已声明无利益冲突,请评审。")
    for criterion in application.item.criteria.all():
        group = page.get_by_role("group", name=criterion.name, exact=True)
        group.get_by_label(re.compile("^得分")).select_option("4")
        group.get_by_label("意见", exact=True).fill("符合要求。")
    page.get_by_role("radio", name="支持", exact=True).check()
    page.get_by_label("建议金额(元)").fill("500000")
    page.get_by_label("综合意见").fill("项目可行,建议支持。")
    page.get_by_role("button", name="提交评分").click()
    expect(status_message(page)).to_contain_text("评分已提交。")
    row = page.locator("#my-assignments tbody tr").filter(has_text=organization)
    expect(row).to_contain_text("已提交")


def decide(page: Page, application: Application, amount: str) -> None:
    """The approver's 拟支持 of `amount` yuan on the decision page."""
    page.goto(f"{page.url.split('/review/')[0]}/review/applications/{application.pk}/decide/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"审定 {application.number}")
    page.get_by_role("radio", name="拟支持", exact=True).check()
    page.get_by_label("拟支持金额(元)").fill(amount)
    page.get_by_label("审定理由").fill("技术路线清晰,自筹投入到位,予以支持。")
    page.get_by_role("button", name="保存审定").click()


def notice_pdf_text(page: Page, tmp_path, name: str) -> str:
    """The 公示名单 PDF downloaded through the page's link, checked for template artefacts; its text as
    pypdf reads it, without line breaks."""
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载公示名单(PDF)").click()
    path = tmp_path / name
    download_info.value.save_as(path)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert_official(text)
    return text.replace("\n", "")  # table cells wrap: compare without the breaks


def test_a_round_with_quorum_an_upheld_objection_and_a_correction_ends_in_a_payment(
    browser, live_server, cast, tmp_path
):
    call: Call = cast["call"]
    xinghe: Application = cast["applications"][XINGHE]
    dongling: Application = cast["applications"][DONGLING]
    reviewers = cast["reviewers"]

    with time_machine.travel(REVIEW_DAY, tick=True):
        # ---- intake: both accepted; the first only once its 需补正 material is cleared
        with logged_in(browser, live_server, cast["officer"]) as page:
            accept(page, dongling, DONGLING, deficient_first=True)
            accept(page, xinghe, XINGHE, deficient_first=False)
        assert {a.status for a in Application.objects.all()} == {Application.Status.ACCEPTED}

        with logged_in(browser, live_server, cast["approver"]) as approver:
            # ---- three reviewers each
            for application, organization in ((dongling, DONGLING), (xinghe, XINGHE)):
                application.refresh_from_db()
                nav(approver).get_by_role("link", name="评审分配").click()
                row = approver.locator("#assign-queue tbody tr").filter(has_text=organization)
                expect(row).to_contain_text("0 / 3")
                row.get_by_role("link", name="分配").click()
                expect(approver.locator("#shortfall")).to_have_text("尚缺 3 位评审专家。")
                approver.get_by_role("button", name="自动分配").click()
                expect(status_message(approver)).to_contain_text("已按工作量自动分配 3 位评审专家。")
                expect(approver.locator("#assignments tbody tr")).to_have_count(3)

            # ---- two reviewers submit: the decision page counts the one missing and refuses
            for reviewer in reviewers[:2]:
                with logged_in(browser, live_server, reviewer) as page:
                    review(page, dongling, DONGLING)
                    review(page, xinghe, XINGHE)
            decide(approver, dongling, "500000")
            expect(approver.locator("#quorum-shortfall")).to_contain_text(
                "已提交 2 份评审意见,需 3 份,还差 1 份"
            )
            expect(approver.get_by_role("main")).to_contain_text(
                "评审意见不足时审定,须写明理由提出例外,并经另一位审定人员确认。"
            )
            assert not dongling.decisions.exists()

            # ---- the third review; then both decided within the ceiling and the 公示 published
            with logged_in(browser, live_server, reviewers[2]) as page:
                review(page, dongling, DONGLING)
                review(page, xinghe, XINGHE)
            assert set(Assignment.objects.values_list("status", flat=True)) == {Assignment.Status.SUBMITTED}
            for application, amount, shown in (
                (dongling, "500000", "¥500,000.00"),
                (xinghe, "400000", "¥400,000.00"),
            ):
                decide(approver, application, amount)
                expect(status_message(approver)).to_contain_text(f"已审定:拟支持 {shown}。")
                expect(approver.locator("#review-quorum")).to_contain_text(
                    "已提交 3 份评审意见,本批次审定需 3 份,已达到。"
                )

            nav(approver).get_by_role("link", name="公示管理").click()
            call_row = approver.get_by_role("row").filter(has_text=call.title)
            expect(call_row.locator("td").first).to_have_text("2")
            call_row.get_by_role("button", name="发布公示").click()
            expect(status_message(approver)).to_contain_text("公示已发布,公示期至 2025-05-19 23:59:59。")
            expect(approver.get_by_role("heading", level=1)).to_have_text(NOTICE_TITLE)
        notice = PublicNotice.objects.get()

    with time_machine.travel(OBJECTION_DAY, tick=True):
        # ---- a visitor objects to 东岭's line, with a valid mobile number (an invalid one is refused)
        context = browser.new_context(locale="zh-CN")
        try:
            page = context.new_page()
            page.goto(f"{live_server.url}/notices/{notice.pk}/")
            expect(page.locator("#notice-total")).to_have_text("¥900,000.00")
            page.locator("#notice-entries tbody tr").filter(has_text=DONGLING).get_by_role(
                "link", name="提出异议"
            ).click()
            expect(page.get_by_role("heading", level=1)).to_have_text("提出异议")
            page.get_by_label("姓名或单位名称").fill("王知情")
            page.get_by_label("联系方式").fill("12345")
            page.get_by_label("异议内容和理由").fill("该项目的自筹投入中含有政府资金,不应计入。")
            page.get_by_role("button", name="提交异议").click()
            expect(page.get_by_role("main")).to_contain_text("请填写有效的手机号码(11 位)或电子邮箱")
            page.get_by_label("联系方式").fill("138 1234 5678")
            page.get_by_role("button", name="提交异议").click()
            expect(status_message(page)).to_contain_text("异议已收到。")
        finally:
            context.close()

        # ---- the approver upholds it: the line is withdrawn at once
        with logged_in(browser, live_server, cast["approver"]) as page:
            nav(page).get_by_role("link", name="公示管理").click()
            page.get_by_role("link", name=NOTICE_TITLE).click()
            entry = page.locator("article.card").filter(has_text=DONGLING)
            expect(entry).to_contain_text("13812345678")
            entry.get_by_role("radio", name="异议成立,退回重新审定").check()
            entry.get_by_label("处理意见").fill("经核实,自筹投入中含区级其他财政资金,异议成立。")
            entry.get_by_role("button", name="保存处理结果").click()
            expect(status_message(page)).to_contain_text("异议已处理。")
            expect(page.locator("article.card").filter(has_text=DONGLING)).to_contain_text("异议成立")

            page.goto(f"{live_server.url}/notices/{notice.pk}/")
            withdrawn = page.locator("#notice-entries tbody tr").filter(has_text=DONGLING)
            expect(withdrawn).to_contain_text("已撤回(2025-05-13)")
            expect(withdrawn.get_by_role("link", name="提出异议")).to_have_count(0)
            expect(page.locator("#notice-total")).to_have_text("¥400,000.00")
            expect(page.locator("#notice-entries tfoot")).to_contain_text("合计(1 项)")

    with time_machine.travel(AFTER_WINDOW, tick=True):
        # ---- past the window: closed (星河 认定, 东岭 back to decision), 东岭 decided again, re-published
        with logged_in(browser, live_server, cast["approver"]) as page:
            nav(page).get_by_role("link", name="公示管理").click()
            page.get_by_role("link", name=NOTICE_TITLE).click()
            page.get_by_role("button", name="办结公示(无成立异议的予以认定)").click()
            expect(status_message(page)).to_contain_text("公示已办结。")
            expect(page.locator("article.card").filter(has_text=XINGHE)).to_contain_text("已认定")
            expect(page.locator("article.card").filter(has_text=DONGLING)).to_contain_text("评审中")

            decide(page, dongling, "300000")
            expect(status_message(page)).to_contain_text("已审定:拟支持 ¥300,000.00。")
            nav(page).get_by_role("link", name="公示管理").click()
            page.get_by_role("row").filter(has_text=call.title).get_by_role("button", name="发布公示").click()
            expect(status_message(page)).to_contain_text("公示已发布,公示期至 2025-05-27 23:59:59。")
            expect(page.get_by_role("heading", level=1)).to_have_text(CORRECTION_TITLE)

            # 区科委 enters the year's 7.1 budget (区财政局 confirms it below)
            nav(page).get_by_role("link", name="预算管理").click()
            form = page.get_by_role("region", name="录入预算")
            form.get_by_label("预算年度").fill("2025")
            form.get_by_label("项目", exact=True).select_option(value="7.1")
            form.get_by_label("预算金额(元)").fill("10000000")
            form.get_by_role("button", name="保存预算").click()
            expect(status_message(page)).to_contain_text("¥10,000,000.00,待区财政局确认。")
        correction = PublicNotice.objects.get(corrects=notice)

        # ---- the public pages and their PDFs after the correction
        context = browser.new_context(locale="zh-CN")
        try:
            page = context.new_page()
            page.goto(f"{live_server.url}/notices/")
            page.get_by_role("link", name=CORRECTION_TITLE).click()
            expect(page.get_by_role("heading", level=1)).to_have_text(CORRECTION_TITLE)
            expect(page.get_by_role("main")).to_contain_text(f"本公示为更正公示,更正:{NOTICE_TITLE}")
            entries = page.locator("#notice-entries tbody tr")
            expect(entries).to_have_count(1)
            expect(entries.first.get_by_role("rowheader")).to_have_text(DONGLING)
            expect(entries.first.locator("td.num")).to_have_text("¥300,000.00")
            expect(page.locator("#notice-total")).to_have_text("¥300,000.00")
            page.screenshot(path="/tmp/round-correction-notice.png", full_page=True)
            flat = notice_pdf_text(page, tmp_path, "correction.pdf")
            assert CORRECTION_TITLE in flat
            assert "长科委公〔2025〕2号" in flat  # numbered after the notice it corrects, downloaded or not
            assert f"本公示为更正公示,更正{NOTICE_TITLE}(2025年5月12日发布)" in flat
            assert f"1 {DONGLING}7.1" in flat and "合计(小写) ¥300,000.00" in flat
            assert XINGHE not in flat

            # the link leads to the corrected notice: 东岭 withdrawn with the date, 星河 alone in the total
            page.get_by_role("link", name=NOTICE_TITLE).click()
            expect(page).to_have_url(f"{live_server.url}/notices/{notice.pk}/")
            expect(page.get_by_role("main")).to_contain_text(f"本公示已有更正:{CORRECTION_TITLE}")
            expect(page.get_by_role("link", name=CORRECTION_TITLE)).to_be_visible()
            rows = page.locator("#notice-entries tbody tr")
            expect(rows).to_have_count(2)
            expect(rows.filter(has_text=DONGLING)).to_contain_text("已撤回(2025-05-13)")
            expect(rows.filter(has_text=XINGHE).locator("td.num")).to_have_text("¥400,000.00")
            expect(page.locator("#notice-entries tfoot")).to_contain_text("合计(1 项)")
            expect(page.locator("#notice-total")).to_have_text("¥400,000.00")
            page.screenshot(path="/tmp/round-corrected-notice.png", full_page=True)
            flat = notice_pdf_text(page, tmp_path, "original.pdf")
            assert "长科委公〔2025〕1号" in flat
            assert f"本公示已有更正,见{CORRECTION_TITLE}(2025年5月20日发布)" in flat
            assert "已撤回(2025年5月13日)" in flat
            assert "500,000.00" not in flat  # the withdrawn amount is not printed, as on the page (struck)
            assert "400,000.00" in flat and "肆拾万元整" in flat
        finally:
            context.close()

        # ---- 区财政局: the budget confirmed, the award approved
        with logged_in(browser, live_server, cast["finance_officer"]) as page:
            nav(page).get_by_role("link", name="预算管理").click()
            page.locator("#budget-rows tbody tr").filter(has_text="7.1").get_by_role(
                "button", name="确认预算"
            ).click()
            expect(status_message(page)).to_contain_text("已确认。")
        with logged_in(browser, live_server, cast["finance_approver"]) as page:
            nav(page).get_by_role("link", name="资助审核").click()
            expect(page.get_by_role("main")).not_to_contain_text(dongling.number)
            page.get_by_role("link", name=xinghe.number).click()
            page.get_by_role("button", name="批准并承诺预算").click()
            expect(status_message(page)).to_contain_text("已批准,¥400,000.00 已计入预算承诺。")

    award = Award.objects.get()
    assert (award.application_id, award.amount_fen, award.status) == (
        xinghe.pk,
        40_000_000,
        Award.Status.APPROVED,
    )
    installment = award.installments.get()
    assert installment.status == Installment.Status.DUE

    with time_machine.travel(PAY_DAY, tick=True):
        # ---- a batch built and submitted, approved by another, paid
        with logged_in(browser, live_server, cast["finance_officer"]) as officer:
            open_batches(officer)
            officer.get_by_role("link", name="编制新批次").click()
            officer.get_by_role("region", name=XINGHE).get_by_label(xinghe.number).check()
            officer.get_by_role("button", name="编入新批次").click()
            expect(status_message(officer)).to_contain_text(re.compile(f"批次 {BATCH_NUMBER.pattern} 已编制"))
            expect(officer.locator(".batch-total")).to_have_text("¥400,000.00")
            officer.get_by_role("button", name="提交审核").click()
            expect(definition(officer, "状态")).to_have_text("待审核")
            batch = PaymentBatch.objects.get()

            with logged_in(browser, live_server, cast["finance_approver"]) as page:
                open_batches(page)
                page.get_by_role("link", name=batch.number).click()
                page.get_by_role("button", name="审核通过").click()
                expect(definition(page, "状态")).to_have_text("已批准,待拨付")

            officer.reload()
            row = officer.locator(f"#installment-{installment.pk}")
            row.get_by_label("凭证号").fill(VOUCHER)
            row.get_by_label("拨付日期").fill("2025-06-03")
            row.get_by_role("button", name="记录已拨付").click()
            expect(officer.locator(f"#installment-{installment.pk}")).to_contain_text(
                f"已拨付 2025-06-03 凭证号 {VOUCHER}"
            )
            expect(definition(officer, "状态")).to_have_text("已办结")

        # ---- 星河 sees it paid
        with logged_in(browser, live_server, cast["enterprises"][XINGHE]) as page:
            nav(page).get_by_role("link", name="我的资助").click()
            card = page.get_by_role("article", name=xinghe.number)
            expect(definition(card, "认定金额")).to_have_text("¥400,000.00")
            expect(definition(card, "状态")).to_have_text("已拨付完毕")
            expect(card.locator(f"#installment-{installment.pk} .installment__status")).to_have_text(
                "已拨付 2025-06-03"
            )

    dongling.refresh_from_db()
    xinghe.refresh_from_db()
    assert (xinghe.status, xinghe.awarded_fen) == (Application.Status.RECOGNISED, 40_000_000)
    assert dongling.status == Application.Status.PUBLICIZED  # in the 更正公示, its window still open
    assert (correction.correction_number, correction.corrects_id) == (1, notice.pk)

"""一企一策 outside any item (Art. 10(3)) in a real browser, with two staff members.

Set up through the services: the policy data, the enterprise, and the 2025 一企一策 budget line entered by
区科委 and confirmed by 区财政局. Then, each logging in through the real login page in a browser context of
their own: 区科委's approver proposes a support agreement for the enterprise (a third decimal in the amount
is refused first, and nothing is saved); she cannot decide her own proposal; 区财政局's approver approves
it, the award is created and the budget line committed; the award page names the agreement.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from accounts.roles import Role
from disbursement import services
from disbursement.models import AGREEMENT_BUDGET_CODE, Award, Budget, Installment, SupportAgreement
from tests.e2e.support import person
from tests.e2e.test_review_journey_e2e import definition, logged_in, nav, status_message
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime(2025, 6, 3, 9, 30, tzinfo=SHANGHAI)  # a Tuesday
ORGANIZATION = "上海长宁星河智能科技有限公司"
TITLE = "星河具身智能开放创新中心"
NUMBER = re.compile(r"CNAI-2025-YQYC-\d{5}")


@pytest.fixture
def cast(transactional_db, policy_data):
    with time_machine.travel(DAY.replace(hour=8), tick=True):
        organization = OrganizationFactory(name=ORGANIZATION)
        enterprise = person("xinghe", "周星河", Role.APPLICANT, staff=False)
        MembershipFactory(user=enterprise, organization=organization, admin=True)
        commission = person("approver1", "赵审定", Role.COMMISSION_APPROVER)
        officer = person("finance1", "钱经办", Role.FINANCE_OFFICER)
        approver = person("finance2", "孙审核", Role.FINANCE_APPROVER)
        line = services.enter_budget(
            actor=commission, year=2025, item_code=AGREEMENT_BUDGET_CODE, amount_fen=500_000_000
        )
        services.confirm_budget(actor=officer, budget=line)
    return {"organization": organization, "commission": commission, "approver": approver, "line": line}


def test_commission_proposes_an_agreement_and_a_finance_approver_approves_it(browser, live_server, cast):
    with time_machine.travel(DAY, tick=True):
        # ---- 区科委's approver proposes it
        with logged_in(browser, live_server, cast["commission"]) as page:
            nav(page).get_by_role("link", name="一企一策").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("一企一策支持协议")
            page.get_by_role("link", name="提出支持协议").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("提出一企一策支持协议")
            # Named with its 统一社会信用代码, as two organisations may share a name.
            organization = cast["organization"]
            page.get_by_label("单位", exact=True).select_option(label=f"{ORGANIZATION}({organization.uscc})")
            page.get_by_label("支持事项").fill(TITLE)
            page.get_by_label("所属领域(第十条第三款)").select_option(label="企业创新")
            page.get_by_label("理由:对区域产业生态打造的重大影响").fill(
                "引进具身智能龙头企业研发总部,带动上下游企业集聚,对区域产业生态打造有重大影响。"
            )
            expect(page.get_by_label("预算年度")).to_have_value("2025")
            page.get_by_label("支持金额(元)").fill("1500000.005")
            page.get_by_role("button", name="提出").click()
            expect(page.locator("#id_amount_error")).to_have_text("金额最多保留两位小数(到分)。")
            assert not SupportAgreement.objects.exists()

            page.get_by_label("支持金额(元)").fill("1500000")
            page.get_by_role("button", name="提出").click()
            expect(status_message(page)).to_contain_text("已提出一企一策支持协议")
            expect(page.get_by_role("heading", level=1)).to_have_text(
                re.compile(f"^一企一策支持协议 {NUMBER.pattern}$")
            )
            expect(definition(page, "状态")).to_have_text("待决定")
            expect(definition(page, "支持金额")).to_have_text("¥1,500,000.00")
            # Four eyes: no decision form for her, and the page says who decides.
            expect(page.get_by_role("button", name="提交决定")).to_have_count(0)
            expect(page.get_by_role("main")).to_contain_text("须由区财政局其他审核人员决定")

        agreement = SupportAgreement.objects.get()
        assert (agreement.status, agreement.amount_fen, agreement.proposed_by) == (
            SupportAgreement.Status.PROPOSED,
            150_000_000,
            cast["commission"],
        )

        # ---- 区财政局's approver approves it: the award, the line committed
        with logged_in(browser, live_server, cast["approver"]) as page:
            nav(page).get_by_role("link", name="一企一策").click()
            page.get_by_role("link", name=agreement.number).click()
            expect(page.get_by_role("heading", level=1)).to_have_text(f"一企一策支持协议 {agreement.number}")
            expect(page.locator("#agreement-budgets")).to_contain_text("¥5,000,000.00")
            page.get_by_label("批准并承诺预算").check()
            page.get_by_role("button", name="提交决定").click()
            expect(status_message(page)).to_contain_text("已计入“一企一策”预算承诺并生成资助")
            expect(definition(page, "状态")).to_have_text("已批准")
            expect(definition(page, "决定")).to_contain_text("孙审核")

            page.locator("#agreement-award").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(f"资助 {agreement.number}")
            expect(page.get_by_role("main")).to_contain_text(TITLE)
            expect(page.locator("#award-status")).to_have_text("已批准,按期拨付")
            expect(page.locator("#installments")).to_contain_text("待拨付")

    agreement.refresh_from_db()
    assert (agreement.status, agreement.decided_by) == (SupportAgreement.Status.APPROVED, cast["approver"])
    award = Award.objects.get(agreement=agreement)
    assert (award.status, award.amount_fen, award.application) == (Award.Status.APPROVED, 150_000_000, None)
    assert list(award.installments.values_list("year", "status")) == [(2025, Installment.Status.DUE)]
    assert Budget.objects.get(pk=cast["line"].pk).committed_fen == 150_000_000

"""6(1) 连续补贴三年 in a real browser, as the ruling of 2026-12-02 tells it: recognised once, then each year
claimed by the enterprise with that year's rent proof and the office-in-长宁 confirmation, checked by 区科委,
paid on that year's own rent; no fourth year.

Set up through the services: the 2025 call with 6.1b at the call's rate of 50%, the enterprise's 6.1b
application recognised at ¥300,000 on a rent of ¥600,000, finance's approval of the run and budgets for
2025–2027, the enterprise's receiving account. Then in Chromium, year by year: the enterprise claims the
year on 我的资助 (rent, proof, office), 区科委's approver accepts it on the claim page with the engine's
amount, finance pays it (through the services: the payment pages have their own browser test), and the
enterprise sees it — ¥300,000, then ¥400,000 on a rent of ¥800,000, then ¥350,000 on ¥700,000 — and no
fourth year to claim.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from accounts.roles import Role
from applications.models import Application, Call, CallItem
from disbursement import services
from disbursement.models import Award, YearlyClaim
from policies.models import PolicyItem
from tests.applications.conftest import PDF, submitted
from tests.disbursement.conftest import recognise
from tests.disbursement.payment_support import bank
from tests.e2e.support import ACCOUNT_NUMBER, BANK, person
from tests.e2e.test_review_journey_e2e import definition, logged_in, nav, status_message
from tests.factories import MembershipFactory, OrganizationFactory
from tests.reviews.decision_support import move

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENS = datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)
CLOSES = datetime(2025, 4, 30, 17, 0, tzinfo=SHANGHAI)
SUBMITTED_ON = datetime(2025, 4, 1, 10, 0, tzinfo=SHANGHAI)
YEAR_1 = datetime(2025, 6, 3, 9, 30, tzinfo=SHANGHAI)
YEAR_2 = datetime(2026, 2, 10, 9, 30, tzinfo=SHANGHAI)
YEAR_3 = datetime(2027, 2, 9, 9, 30, tzinfo=SHANGHAI)

ORGANIZATION = "上海长宁星河智能科技有限公司"
ADDRESS = "上海市长宁区长宁路 1027 号"


@pytest.fixture
def cast(transactional_db, policy_data):
    with time_machine.travel(SUBMITTED_ON, tick=True):
        round_id = PolicyItem.objects.get(round__code="changning-ai-2024", code="6.1b").round_id
        call = Call.objects.create(
            round_id=round_id, year=2025, title="2025 年度人工智能专项申报", opens_at=OPENS, closes_at=CLOSES
        )
        CallItem.objects.create(
            call=call, item=PolicyItem.objects.get(round_id=round_id, code="6.1b"), rate="0.5"
        )
        organization = OrganizationFactory(name=ORGANIZATION)
        enterprise = person("xinghe", "周星河", Role.APPLICANT, staff=False)
        MembershipFactory(user=enterprise, organization=organization, admin=True)
        commission = person("approver1", "赵审定", Role.COMMISSION_APPROVER)
        officer = person("finance1", "钱经办", Role.FINANCE_OFFICER)
        approver = person("finance2", "孙审核", Role.FINANCE_APPROVER)
        application = submitted(
            enterprise,
            call,
            code="6.1b",
            facts={"annual_rent": "600000", "vc_rounds": "2"},
            matter="长宁区办公用房租赁",
        )
        application = move(application, Application.Status.ACCEPTED, Application.Status.UNDER_REVIEW)
        award = recognise(application, "300,000", actor=commission)  # 认定: the run of three years
        for year in (2025, 2026, 2027):
            budget = services.enter_budget(
                actor=commission, year=year, item_code="6.1b", amount_fen=500_000_000
            )
            services.confirm_budget(actor=officer, budget=budget)
        award = services.approve_award(actor=approver, award=award)  # finance approves the run once
        bank(enterprise, organization, ACCOUNT_NUMBER, BANK, "102290002000")
    assert award.amount_fen == 0 and not award.installments.exists()
    return {
        "award": award,
        "enterprise": enterprise,
        "commission": commission,
        "officer": officer,
        "approver": approver,
    }


def claim_and_accept(browser, live_server, cast, tmp_path, *, year: int, rent: str, amount: str) -> None:
    award: Award = cast["award"]
    number = award.application.number
    # A year later every password would have expired (等级保护's password age): the people changed theirs.
    User.objects.filter(pk__in=[cast[k].pk for k in ("enterprise", "commission")]).update(
        password_changed_at=timezone.now()
    )
    proof = tmp_path / f"rent-{year}.pdf"
    proof.write_bytes(PDF)

    # ---- the enterprise claims the year on 我的资助
    with logged_in(browser, live_server, cast["enterprise"]) as page:
        nav(page).get_by_role("link", name="我的资助").click()
        card = page.get_by_role("article", name=number)
        card.get_by_role("link", name=f"申领第 {year} 年").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"申领第 {year} 年补贴")
        page.get_by_label("该年度自用办公房租(元)").fill(rent)
        page.get_by_label("该年度房租发票及付款凭证").set_input_files(str(proof))
        page.get_by_label("长宁区办公地址").fill(ADDRESS)
        page.get_by_label("本单位确认该年度仍在长宁区自用办公").check()
        page.get_by_role("button", name="提交申领").click()
        expect(status_message(page)).to_contain_text(f"已提交第 {year} 年申领")
        expect(definition(page, "状态")).to_have_text("待区科委核查")
        expect(definition(page, "引擎计算金额")).to_have_text(amount)

    # ---- 区科委's approver checks it and accepts the engine's amount
    with logged_in(browser, live_server, cast["commission"]) as page:
        nav(page).get_by_role("link", name="年度兑现核查").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("年度兑现核查")
        page.get_by_role("link", name=number).click()
        expect(definition(page, "引擎计算金额")).to_have_text(amount)
        expect(page.locator("#claim-steps")).to_contain_text(f"第 {year} 年")
        page.get_by_label("核查意见").fill("房租凭证与办公地址核对无误")
        page.get_by_role("button", name="核定", exact=True).click()
        expect(status_message(page)).to_contain_text(f"第 {year} 年已核定 {amount}")
        expect(definition(page, "状态")).to_have_text("已核定")

    # ---- 区财政局 pays the year's installment
    claim = YearlyClaim.objects.get(award=award, year=year)
    installment = claim.installment
    batch = services.create_batch(actor=cast["officer"], installment_ids=[installment.pk])
    services.submit_batch(actor=cast["officer"], batch=batch)
    services.approve_batch(actor=cast["approver"], batch=batch)
    services.record_payment(
        actor=cast["officer"],
        batch=batch,
        installment=installment,
        voucher_no=f"PZ-{year}",
        paid_on=timezone.localdate(),
    )

    # ---- the enterprise sees the year accepted and paid
    with logged_in(browser, live_server, cast["enterprise"]) as page:
        nav(page).get_by_role("link", name="我的资助").click()
        card = page.get_by_role("article", name=number)
        row = card.locator(f"#claim-{claim.pk}")
        expect(row.locator(".claim-year__status")).to_have_text("已核定")
        expect(row).to_contain_text(amount)
        expect(card.locator(f"#installment-{installment.pk}")).to_contain_text("已拨付")


def test_recognised_once_then_each_year_claimed_on_its_own_rent_and_no_fourth_year(
    browser, live_server, cast, tmp_path
):
    award: Award = cast["award"]
    with time_machine.travel(YEAR_1, tick=True):
        claim_and_accept(browser, live_server, cast, tmp_path, year=1, rent="600000", amount="¥300,000.00")
    with time_machine.travel(YEAR_2, tick=True):
        claim_and_accept(browser, live_server, cast, tmp_path, year=2, rent="800000", amount="¥400,000.00")
    with time_machine.travel(YEAR_3, tick=True):
        claim_and_accept(browser, live_server, cast, tmp_path, year=3, rent="700000", amount="¥350,000.00")
        # ---- no fourth year: three rows, nothing more to claim, the run paid out
        with logged_in(browser, live_server, cast["enterprise"]) as page:
            nav(page).get_by_role("link", name="我的资助").click()
            card = page.get_by_role("article", name=award.application.number)
            expect(card.locator("tr.claim-year")).to_have_count(3)
            expect(card).to_contain_text("不设第 4 年")
            expect(card.get_by_role("link", name="申领第 4 年")).to_have_count(0)
            expect(definition(card, "已核定金额")).to_have_text("¥1,050,000.00")
            expect(definition(card, "状态")).to_have_text("已拨付完毕")

    award.refresh_from_db()
    assert award.amount_fen == 105_000_000 and award.status == Award.Status.CLOSED
    assert [c.amount_fen for c in award.claims.order_by("year")] == [30_000_000, 40_000_000, 35_000_000]
    assert award.claims.count() == 3

"""The money's last steps in a real browser, as issue 5 tells it.

Set up through the services: the policy data, 区科委's 2025 budget for 7.1 confirmed by 区财政局, and the
enterprise's recognised 7.1 application (¥600,000) whose award a finance approver has approved — its one
installment due — with the enterprise's receiving account on file. Then, each person logging in through the
real login page in a browser context of their own: the finance officer builds a batch from the due
installment and submits it; a different finance approver approves it; the officer downloads the bank file
(its total row equals the batch) and records the payment with its voucher number and date; the enterprise
opens 我的资助 and sees the installment 已拨付 with that date.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from playwright.sync_api import expect

from accounts.roles import Role
from applications.models import Application
from disbursement import services
from disbursement.models import Award, Budget, Installment, PaymentBatch, PaymentRecord
from tests.applications.conftest import submitted
from tests.disbursement.conftest import recognise
from tests.disbursement.payment_support import bank
from tests.e2e.support import (
    ACCOUNT_NUMBER,
    BANK,
    BANK_CODE,
    SHANGHAI,
    open_call,
    person,
)
from tests.e2e.test_review_journey_e2e import definition, logged_in, nav, status_message
from tests.factories import MembershipFactory, OrganizationFactory
from tests.reviews.decision_support import move

pytestmark = pytest.mark.e2e

SUBMITTED_ON = datetime(2025, 4, 1, 10, 0, tzinfo=SHANGHAI)
PAY_DAY = datetime(2025, 6, 3, 9, 30, tzinfo=SHANGHAI)  # a Tuesday

ORGANIZATION = "上海长宁星河智能科技有限公司"
VOUCHER = "PZ20250603-0001"
BATCH_NUMBER = re.compile(r"BF20250603-\d{5}")


@pytest.fixture
def cast(transactional_db, policy_data):
    with time_machine.travel(SUBMITTED_ON, tick=True):
        call = open_call()
        organization = OrganizationFactory(name=ORGANIZATION)
        enterprise = person("xinghe", "周星河", Role.APPLICANT, staff=False)
        MembershipFactory(user=enterprise, organization=organization, admin=True)
        commission = person("approver1", "赵审定", Role.COMMISSION_APPROVER)
        officer = person("finance1", "钱经办", Role.FINANCE_OFFICER)
        approver = person("finance2", "孙审核", Role.FINANCE_APPROVER)

        application = submitted(
            enterprise, call, facts={"self_raised_investment": "2000000"}, matter="星河大模型"
        )
        application = move(application, Application.Status.ACCEPTED, Application.Status.UNDER_REVIEW)
        award = recognise(application, "600,000", actor=commission)  # the 公示 closed: 认定, the award made

    with time_machine.travel(PAY_DAY.replace(hour=8), tick=True):
        budget = services.enter_budget(actor=commission, year=2025, item_code="7.1", amount_fen=1_000_000_000)
        services.confirm_budget(actor=officer, budget=budget)
        award = services.approve_award(actor=approver, award=award)
        bank(enterprise, organization, ACCOUNT_NUMBER, BANK, BANK_CODE)
    installment = award.installments.get()
    assert (installment.status, installment.amount_fen) == (Installment.Status.DUE, 60_000_000)
    return {
        "award": award,
        "installment": installment,
        "enterprise": enterprise,
        "officer": officer,
        "approver": approver,
    }


def yuan_of(cell) -> Decimal:
    """A money cell as the bank reads it: a number, to the fen."""
    assert isinstance(cell, int | float | Decimal), cell
    return Decimal(str(cell)).quantize(Decimal("0.01"))


def open_batches(page):
    nav(page).get_by_role("link", name="拨付批次").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("拨付批次")


def test_a_batch_is_built_approved_by_another_and_paid_and_the_enterprise_sees_it_paid(
    browser, live_server, cast, tmp_path
):
    award: Award = cast["award"]
    number = award.application.number
    installment: Installment = cast["installment"]

    with time_machine.travel(PAY_DAY, tick=True):
        # ---- the finance officer builds a batch from the due installment and submits it
        with logged_in(browser, live_server, cast["officer"]) as page:
            open_batches(page)
            page.get_by_role("link", name="编制新批次").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("编制拨付批次")
            group = page.get_by_role("region", name=ORGANIZATION)
            expect(group).to_contain_text(ACCOUNT_NUMBER)  # finance staff see the account in full here
            group.get_by_label(number).check()
            page.get_by_role("button", name="编入新批次").click()
            expect(status_message(page)).to_contain_text(re.compile(f"批次 {BATCH_NUMBER.pattern} 已编制"))
            expect(page.get_by_role("heading", level=1)).to_have_text(
                re.compile(f"^拨付批次 {BATCH_NUMBER.pattern}$")
            )
            expect(definition(page, "状态")).to_have_text("编制中")
            expect(page.locator(".batch-total")).to_have_text("¥600,000.00")
            page.get_by_role("button", name="提交审核").click()
            expect(definition(page, "状态")).to_have_text("待审核")
            expect(page.get_by_role("button", name="审核通过")).to_have_count(0)  # never the preparer's

        batch = PaymentBatch.objects.get()
        assert BATCH_NUMBER.fullmatch(batch.number)
        assert (batch.status, batch.prepared_by) == (PaymentBatch.Status.SUBMITTED, cast["officer"])

        # ---- a different finance approver approves it
        with logged_in(browser, live_server, cast["approver"]) as page:
            open_batches(page)
            page.get_by_role("link", name=batch.number).click()
            expect(page.get_by_role("heading", level=1)).to_have_text(f"拨付批次 {batch.number}")
            expect(page.locator(f"#installment-{installment.pk}")).to_contain_text(ACCOUNT_NUMBER)
            page.get_by_role("button", name="审核通过").click()
            expect(definition(page, "状态")).to_have_text("已批准,待拨付")
            expect(definition(page, "审核人")).to_contain_text("孙审核")

        # ---- the officer downloads the bank file and records the payment
        with logged_in(browser, live_server, cast["officer"]) as page:
            open_batches(page)
            page.get_by_role("link", name=batch.number).click()
            with page.expect_download() as download_info:
                page.get_by_role("link", name="导出银行代发文件(Excel)").click()
            path = tmp_path / "batch.xlsx"
            download_info.value.save_as(path)

            row = page.locator(f"#installment-{installment.pk}")
            row.get_by_label("凭证号").fill(VOUCHER)
            row.get_by_label("拨付日期").fill("2025-06-03")
            row.get_by_role("button", name="记录已拨付").click()
            row = page.locator(f"#installment-{installment.pk}")
            expect(row).to_contain_text(f"已拨付 2025-06-03 凭证号 {VOUCHER}")
            expect(definition(page, "状态")).to_have_text("已办结")
            # A second press would have nothing to press: the form is gone with the payment.
            expect(row.get_by_role("button", name="记录已拨付")).to_have_count(0)

        # ---- the enterprise sees it paid, with the date
        with logged_in(browser, live_server, cast["enterprise"]) as page:
            nav(page).get_by_role("link", name="我的资助").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("我的资助")
            card = page.get_by_role("article", name=number)
            expect(card).to_contain_text("7.1")
            expect(definition(card, "认定金额")).to_have_text("¥600,000.00")
            expect(definition(card, "状态")).to_have_text("已拨付完毕")
            paid_row = card.locator(f"#installment-{installment.pk}")
            expect(paid_row).to_contain_text("第 1 期")
            expect(paid_row).to_contain_text("¥600,000.00")
            expect(paid_row.locator(".installment__status")).to_have_text("已拨付 2025-06-03")
            expect(page.get_by_role("main")).not_to_contain_text(VOUCHER)
            expect(page.get_by_role("main")).not_to_contain_text(ACCOUNT_NUMBER)  # masked for the enterprise
            expect(page.locator("#bank-account")).to_contain_text("*" * 15 + "6789")

    # ---- the bank file: a header block (batch, payer, count, total), then the bank's columns, one row
    # per installment and no total among them (a bank's import would read it as a payee)
    sheet = openpyxl.load_workbook(path).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    titles_at = rows.index(["收款人名称", "收款账号", "开户行名称", "开户行联行号", "金额", "用途"])
    header = {row[0]: row[1] for row in rows[:titles_at] if row[0] is not None}
    body = rows[titles_at + 1 :]
    assert header["批次号"] == batch.number and header["笔数"] == 1
    assert [row[:4] + row[5:] for row in body] == [
        [ORGANIZATION, ACCOUNT_NUMBER, BANK, BANK_CODE, f"长宁区人工智能政策扶持资金 7.1 {number}"]
    ]
    assert yuan_of(body[0][4]) == Decimal("600000.00")
    batch_sum = sum(i.amount_fen for i in Installment.objects.filter(batch=batch))
    assert yuan_of(header["金额合计"]) * 100 == batch_sum == 60_000_000
    assert sum(yuan_of(row[4]) for row in body) * 100 == batch_sum

    # ---- and in the database: paid once, the budget moved from committed to paid
    installment.refresh_from_db()
    assert (installment.status, installment.voucher_no, str(installment.paid_on)) == (
        "paid",
        VOUCHER,
        "2025-06-03",
    )
    assert PaymentRecord.objects.filter(installment=installment, result="paid").count() == 1
    budget = Budget.objects.get(year=2025, item_code="7.1")
    assert (budget.committed_fen, budget.paid_fen) == (0, 60_000_000)
    award.refresh_from_db()
    assert award.status == Award.Status.CLOSED

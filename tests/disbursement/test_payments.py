"""Recording payments: after approval the officer records each installment paid (voucher, date) or failed
(reason). Paid moves the money from committed to paid on the budget rows, once: a payment recorded twice
(a double click, a retried request) pays once. Failed puts the installment back as due, out of the batch."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from disbursement import services
from disbursement.models import Award, Budget, Installment, PaymentBatch, PaymentRecord
from tests.disbursement.conftest import confirmed_budget, login, recognised_award
from tests.disbursement.payment_support import (
    ACCOUNT_A,
    ACCOUNT_B,
    PAID_ON,
    approved_batch,
    bank,
    due_installment,
)
from tests.pdfs import pdf_upload

pytestmark = pytest.mark.usefixtures("clock", "private_files")

S = Installment.Status
B = PaymentBatch.Status
FEN = 600_000_00


@pytest.fixture
def due(approved_award, alice, org_a) -> Installment:
    bank(alice, org_a)
    return due_installment(approved_award)


@pytest.fixture
def batch(due, fay, frank) -> PaymentBatch:
    return approved_batch([due], officer=fay, approver=frank)


def figures(year: int = 2025) -> dict[str, tuple[int, int]]:
    """(committed, paid) of each 2025 budget row, by item code ("" = the year's total)."""
    return {b.item_code: (b.committed_fen, b.paid_fen) for b in Budget.objects.filter(year=year)}


def pay(batch, installment, officer, voucher="PZ-2025-0001", on=PAID_ON):
    return services.record_payment(
        actor=officer, batch=batch, installment=installment, voucher_no=voucher, paid_on=on
    )


# ---------------------------------------------------------------- paid


def test_a_recorded_payment_moves_the_money_from_committed_to_paid(batch, due, fay):
    assert figures() == {"7.1": (FEN, 0), "": (FEN, 0)}
    record = pay(batch, due, fay)
    due.refresh_from_db()
    assert (due.status, due.voucher_no, due.paid_on, due.batch_id) == (
        S.PAID,
        "PZ-2025-0001",
        PAID_ON,
        batch.pk,
    )
    assert figures() == {"7.1": (0, FEN), "": (0, FEN)}
    assert (record.result, record.amount_fen, record.recorded_by) == (PaymentRecord.Result.PAID, FEN, fay)
    # The bank details the money went to, frozen on the record.
    assert (record.bank_name, record.account_name, record.account_number) == (
        "招商银行上海长宁支行",
        "甲公司",
        ACCOUNT_A,
    )


def test_the_award_closes_and_the_batch_is_done_when_everything_is_paid(batch, due, fay):
    pay(batch, due, fay)
    batch.refresh_from_db()
    assert batch.status == B.DONE
    assert Award.objects.get(pk=due.award_id).status == Award.Status.CLOSED


def test_a_payment_recorded_twice_pays_once(batch, due, fay):
    first = pay(batch, due, fay)
    again = pay(batch, due, fay)
    assert again == first
    assert PaymentRecord.objects.count() == 1
    assert figures() == {"7.1": (0, FEN), "": (0, FEN)}  # paid increased once


def test_a_second_payment_with_other_details_is_refused_and_changes_nothing(batch, due, fay):
    pay(batch, due, fay)
    with pytest.raises(ValidationError) as error:
        pay(batch, due, fay, voucher="PZ-OTHER")
    assert "PZ-2025-0001" in str(error.value)
    due.refresh_from_db()
    assert due.voucher_no == "PZ-2025-0001"
    assert PaymentRecord.objects.count() == 1
    assert figures() == {"7.1": (0, FEN), "": (0, FEN)}


def test_a_double_click_on_the_page_pays_once(client, batch, due, fay):
    login(client, fay)
    url = reverse("disbursement:payment_paid", args=[batch.pk, due.pk])
    data = {"voucher_no": "PZ-2025-0001", "paid_on": "2025-04-01"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert PaymentRecord.objects.count() == 1
    assert figures() == {"7.1": (0, FEN), "": (0, FEN)}
    html = client.get(reverse("disbursement:batch", args=[batch.pk])).content.decode()
    assert "已拨付 2025-04-01 凭证号 PZ-2025-0001" in html


def test_nothing_is_paid_before_the_batch_is_approved(due, fay):
    batch = services.create_batch(actor=fay, installment_ids=[due.pk])
    with pytest.raises(ValidationError):
        pay(batch, due, fay)
    services.submit_batch(actor=fay, batch=batch)
    with pytest.raises(ValidationError):
        pay(batch, due, fay)
    assert not PaymentRecord.objects.exists()
    assert figures() == {"7.1": (FEN, 0), "": (FEN, 0)}


def test_only_a_finance_officer_records_payments(batch, due, fred, frank, dora, alice, administrators):
    for actor in (fred, frank, dora, alice, *administrators):
        with pytest.raises(PermissionDenied):
            pay(batch, due, actor)
        with pytest.raises(PermissionDenied):
            services.record_failure(actor=actor, batch=batch, installment=due, reason="x")
    due.refresh_from_db()
    assert due.status == S.BATCHED
    assert not PaymentRecord.objects.exists()


def test_a_voucher_and_a_date_not_in_the_future_are_required(batch, due, fay):
    with pytest.raises(ValidationError):
        pay(batch, due, fay, voucher=" ")
    with pytest.raises(ValidationError):
        pay(batch, due, fay, on=date(2025, 4, 1) + timedelta(days=1))
    assert not PaymentRecord.objects.exists()


def test_an_installment_of_another_batch_is_refused(batch, due, fay, frank):
    other_batch = PaymentBatch.objects.create(
        number="BF-OTHER", prepared_by=fay, created_at=batch.created_at, status=B.APPROVED, approved_by=frank
    )
    with pytest.raises(ValidationError):
        pay(other_batch, due, fay)
    assert Installment.objects.get(pk=due.pk).status == S.BATCHED


def test_a_payment_goes_to_the_account_current_at_approval(batch, due, alice, org_a, fay, clock):
    clock.shift(60)
    bank(alice, org_a, number=ACCOUNT_B, bank_name="建设银行上海长宁支行")
    record = pay(batch, due, fay)
    assert record.account_number == ACCOUNT_A


# ---------------------------------------------------------------- failed


def test_a_failed_payment_goes_back_to_due_out_of_the_batch(batch, due, fay):
    record = services.record_failure(actor=fay, batch=batch, installment=due, reason="户名不符,银行退回")
    due.refresh_from_db()
    assert (due.status, due.batch_id) == (S.DUE, None)
    assert (record.result, record.failure_reason) == (PaymentRecord.Result.FAILED, "户名不符,银行退回")
    assert record.account_number == ACCOUNT_A
    assert figures() == {"7.1": (FEN, 0), "": (FEN, 0)}  # still committed, nothing paid
    batch.refresh_from_db()
    assert batch.status == B.DONE  # nothing left in it
    assert Award.objects.get(pk=due.award_id).status == Award.Status.APPROVED


def test_a_failure_recorded_twice_is_recorded_once(batch, due, fay):
    first = services.record_failure(actor=fay, batch=batch, installment=due, reason="账户已销户")
    again = services.record_failure(actor=fay, batch=batch, installment=due, reason="账户已销户")
    assert again == first
    assert PaymentRecord.objects.count() == 1


def test_a_failed_installment_is_paid_in_a_later_batch(batch, due, alice, org_a, fay, fred, clock):
    services.record_failure(actor=fay, batch=batch, installment=due, reason="账户已销户")
    with pytest.raises(ValidationError):
        pay(batch, due, fay)  # no longer in that batch
    clock.shift(60)
    bank(alice, org_a, number=ACCOUNT_B, bank_name="建设银行上海长宁支行")
    clock.shift(60)
    later = approved_batch([due], officer=fay, approver=fred)
    record = pay(later, due, fay, voucher="PZ-2025-0002")
    assert record.account_number == ACCOUNT_B
    assert figures() == {"7.1": (0, FEN), "": (0, FEN)}
    assert [r.result for r in PaymentRecord.objects.order_by("id")] == ["failed", "paid"]


def test_recording_a_failure_on_the_page(client, batch, due, fay):
    login(client, fay)
    url = reverse("disbursement:payment_failed", args=[batch.pk, due.pk])
    assert client.post(url, {"reason": "户名不符"}).status_code == 302
    assert client.post(url, {"reason": "户名不符"}).status_code == 302  # a retry
    assert PaymentRecord.objects.filter(result="failed").count() == 1
    due.refresh_from_db()
    assert due.status == S.DUE
    html = client.get(reverse("disbursement:batch", args=[batch.pk])).content.decode()
    assert "户名不符" in html


# ---------------------------------------------------------------- a split award


def test_paying_the_first_of_three_years_leaves_the_award_open(call, alice, org_a, dora, fay, fred, frank):
    for year in (2025, 2026, 2027):
        confirmed_budget(year, "6.1b", "1,000,000", entered_by=dora, confirmed_by=fay)
    award = recognised_award(
        alice,
        call,
        "6.1b",
        "300,000.01",
        facts={"annual_rent": "600000.02", "vc_rounds": "2"},
        matter="长宁区办公用房租金",
        actor=dora,
    )
    services.approve_award(actor=fred, award=award)
    bank(alice, org_a)
    # 年度兑现: year 1 claimed on its rent and accepted by 区科委 — its installment, the run's first.
    first = services.accept_claim(
        actor=dora,
        claim=services.submit_claim(
            actor=alice,
            claim=award.claims.get(year=1),
            annual_rent="600000.02",
            office_confirmed=True,
            office_address="上海市长宁区长宁路 1 号",
            rent_proof=pdf_upload("rent.pdf"),
        ),
    ).installment
    assert first.amount_fen == 300_000_01
    batch = approved_batch([first], officer=fay, approver=frank)
    pay(batch, first, fay)
    award.refresh_from_db()
    assert award.status == Award.Status.APPROVED
    assert Budget.objects.get(year=2025, item_code="6.1b").paid_fen == 300_000_01
    assert Budget.objects.get(year=2026, item_code="6.1b").paid_fen == 0


def test_a_year_total_entered_after_the_approval_still_counts_the_payment(
    award, budget, alice, org_a, dora, fay, fred, frank
):
    services.approve_award(actor=fred, award=award)  # no year total yet: only 7.1 commits
    total = confirmed_budget(2025, "", "50,000,000", entered_by=dora, confirmed_by=fay)
    bank(alice, org_a)
    installment = due_installment(award)
    pay(approved_batch([installment], officer=fay, approver=frank), installment, fay)
    total.refresh_from_db()
    assert (total.committed_fen, total.paid_fen) == (0, FEN)
    assert figures()["7.1"] == (0, FEN)

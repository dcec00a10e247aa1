"""追回: a finding against an award cancels what is unpaid (the budget gets its commitment back), takes the
amount out of the organisation's running ceilings, and recovered money returns to the budget of the year
it was paid from."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from applications.selectors import application_quote
from disbursement import services
from disbursement.models import Award, Budget, Clawback, Installment
from tests.applications.conftest import draft
from tests.pdfs import pdf_upload

from .conftest import DURING, SHANGHAI, confirmed_budget, pay, recognised_award, yuan

pytestmark = pytest.mark.django_db

S = Installment.Status
MOVED_OUT = Clawback.Reason.MOVED_OUT


def row(year: int, code: str) -> Budget:
    return Budget.objects.get(year=year, item_code=code)


@pytest.fixture
def cloud_award(clock, private_files, call, alice, dora, fay, fred):
    """alice's 9.1 award (上云用数赋智): service cost ¥600,000 at 50% → ¥300,000, approved and paid. 9.1 has a
    running ceiling of ¥500,000 per organisation per year."""
    confirmed_budget(2025, "9.1", "2,000,000", entered_by=dora, confirmed_by=fay)
    confirmed_budget(2025, "", "50,000,000", entered_by=dora, confirmed_by=fay)
    award = recognised_award(
        alice, call, "9.1", "300,000", facts={"service_cost": "600000"}, matter="云上研发平台", actor=dora
    )
    services.approve_award(actor=fred, award=award)
    pay(award.installments.get(), officer=fay, approver=fred)
    return award


def test_a_clawback_frees_the_running_ceiling_and_recovery_returns_money_to_the_budget(
    cloud_award, alice, call, fay
):
    later = draft(alice, call, code="9.1", facts={"service_cost": "1000000"}, matter="第二个云服务项目")
    assert application_quote(later).amount == Decimal("200000.00")  # ¥500,000 − ¥300,000 already awarded
    assert row(2025, "9.1").paid_fen == 30_000_000

    clawback = services.record_clawback(
        actor=fay, award=cloud_award, reason=MOVED_OUT, amount_fen=yuan("300,000"), description="已迁出长宁区"
    )
    assert (clawback.amount_fen, clawback.cancelled_fen, clawback.to_recover_fen) == (
        30_000_000,
        0,
        30_000_000,
    )
    cloud_award.refresh_from_db()
    assert cloud_award.status == Award.Status.CLAWED_BACK
    assert cloud_award.application.clawed_back_fen == 30_000_000
    # Art. 2 (the ruling of 2026-12-02): while the money is not back, the organisation is not in good
    # standing, so nothing is quoted at all.
    quote = application_quote(later)
    assert not quote.eligible and any("追回未结清" in reason for reason in quote.reasons)
    assert row(2025, "9.1").left_fen == 170_000_000  # nothing has come back yet

    services.record_recovery(actor=fay, clawback=clawback, amount_fen=yuan("100,000"), on=date(2025, 4, 1))
    budget, total = row(2025, "9.1"), row(2025, "")
    assert (budget.recovered_fen, total.recovered_fen) == (10_000_000, 10_000_000)
    assert budget.left_fen == 180_000_000
    services.record_recovery(actor=fay, clawback=clawback, amount_fen=yuan("200,000"), on=date(2025, 4, 1))
    # Settled: in good standing again, and the clawed-back award no longer counts against the ceiling.
    assert application_quote(later).amount == Decimal("500000.00")
    clawback.refresh_from_db()
    assert (clawback.recovered_fen, clawback.outstanding_fen, clawback.recovered_on) == (
        30_000_000,
        0,
        date(2025, 4, 1),
    )
    assert row(2025, "9.1").left_fen == 200_000_000  # the whole budget again
    with pytest.raises(ValidationError, match="超过尚待追回"):
        services.record_recovery(actor=fay, clawback=clawback, amount_fen=1, on=date(2025, 4, 1))
    assert row(2025, "9.1").recovered_fen == 30_000_000


def test_a_clawback_of_an_unpaid_award_cancels_it_and_releases_the_commitment(approved_award, fay):
    assert row(2025, "7.1").committed_fen == 60_000_000
    clawback = services.record_clawback(
        actor=fay,
        award=approved_award,
        reason=Clawback.Reason.WRONG_FACTS,
        amount_fen=approved_award.amount_fen,
        description="自筹投入不实",
    )
    assert (clawback.cancelled_fen, clawback.to_recover_fen) == (60_000_000, 0)
    assert approved_award.installments.get().status == S.CANCELLED
    assert row(2025, "7.1").committed_fen == 0 and row(2025, "").committed_fen == 0
    approved_award.refresh_from_db()
    assert approved_award.status == Award.Status.CLAWED_BACK
    with pytest.raises(ValidationError):
        services.record_recovery(actor=fay, clawback=clawback, amount_fen=1, on=date(2025, 4, 1))


def test_a_clawback_of_a_pending_award_cancels_without_touching_budgets(award, budget, fay):
    services.record_clawback(
        actor=fay,
        award=award,
        reason=Clawback.Reason.DUPLICATE,
        amount_fen=award.amount_fen,
        description="重复",
    )
    assert award.installments.get().status == S.CANCELLED
    assert row(2025, "7.1").committed_fen == 0


def test_more_than_the_award_is_refused_with_the_figures(approved_award, fay):
    with pytest.raises(ValidationError) as refused:
        services.record_clawback(
            actor=fay, award=approved_award, reason=MOVED_OUT, amount_fen=60_000_001, description="x"
        )
    assert "¥600,000.01" in " ".join(refused.value.messages) and "¥600,000.00" in " ".join(
        refused.value.messages
    )
    services.record_clawback(
        actor=fay, award=approved_award, reason=MOVED_OUT, amount_fen=yuan("100,000"), description="x"
    )
    with pytest.raises(ValidationError, match=r"可追回的 ¥500,000\.00"):
        services.record_clawback(
            actor=fay, award=approved_award, reason=MOVED_OUT, amount_fen=yuan("500,000.01"), description="x"
        )
    assert Clawback.objects.count() == 1
    approved_award.refresh_from_db()
    assert approved_award.application.clawed_back_fen == 10_000_000
    assert approved_award.status == Award.Status.APPROVED  # ¥500,000 still to pay
    assert approved_award.installments.get().amount_fen == 50_000_000
    assert row(2025, "7.1").committed_fen == 50_000_000


@pytest.mark.parametrize(
    ("reason", "amount", "description"),
    [("", 100, "x"), ("moved_out", 0, "x"), ("moved_out", 100, "  ")],
    ids=["no-reason", "zero", "no-description"],
)
def test_a_clawback_needs_a_reason_an_amount_and_a_description(
    approved_award, fay, reason, amount, description
):
    with pytest.raises(ValidationError):
        services.record_clawback(
            actor=fay, award=approved_award, reason=reason, amount_fen=amount, description=description
        )
    assert not Clawback.objects.exists()


def test_only_a_finance_officer_records_clawbacks_and_recoveries(
    cloud_award, fay, fred, dora, alice, administrators
):
    for user in (fred, dora, alice, *administrators):
        with pytest.raises(PermissionDenied):
            services.record_clawback(
                actor=user, award=cloud_award, reason=MOVED_OUT, amount_fen=100, description="x"
            )
    assert not Clawback.objects.exists()
    clawback = services.record_clawback(
        actor=fay, award=cloud_award, reason=MOVED_OUT, amount_fen=100, description="x"
    )
    for user in (fred, dora, alice, *administrators):
        with pytest.raises(PermissionDenied):
            services.record_recovery(actor=user, clawback=clawback, amount_fen=100, on=date(2025, 4, 1))
    clawback.refresh_from_db()
    assert clawback.recovered_fen == 0 and row(2025, "9.1").recovered_fen == 0


def test_a_recovery_cannot_be_dated_in_the_future(cloud_award, fay):
    clawback = services.record_clawback(
        actor=fay, award=cloud_award, reason=MOVED_OUT, amount_fen=100, description="x"
    )
    with pytest.raises(ValidationError):
        services.record_recovery(actor=fay, clawback=clawback, amount_fen=100, on=date(2025, 4, 2))


# ---------------------------------------------------------------- three years of rent


def claim_year(award, year, rent, *, actor, checker, when):
    """alice claims the year with its rent; dora accepts it: the year's installment."""
    claim = services.submit_claim(
        actor=actor,
        claim=award.claims.get(year=year),
        annual_rent=rent,
        office_confirmed=True,
        office_address="上海市长宁区长宁路 1 号",
        rent_proof=pdf_upload("rent.pdf"),
        at=when,
    )
    return services.accept_claim(actor=checker, claim=claim, at=when).installment


def recognised_rent_award(call, alice, dora, fay, fred):
    for year in (2025, 2026, 2027):
        confirmed_budget(year, "6.1b", "5,000,000", entered_by=dora, confirmed_by=fay)
    award = recognised_award(
        alice,
        call,
        "6.1b",
        "1,000,000.01",
        facts={"annual_rent": "2000000.02", "vc_rounds": "2"},
        matter="长宁区办公用房租赁",
        actor=dora,
    )
    return services.approve_award(actor=fred, award=award)


@pytest.fixture
def rent_award(clock, private_files, call, alice, dora, fay, fred):
    """6.1b, 年度兑现: year 1 (rent ¥2,000,000.02 → ¥1,000,000.01) paid in 2025, year 2 (rent ¥1,600,000 →
    ¥800,000) claimed and paid in 2026; year 3 not yet claimed."""
    award = recognised_rent_award(call, alice, dora, fay, fred)
    pay(
        claim_year(award, 1, "2000000.02", actor=alice, checker=dora, when=DURING), officer=fay, approver=fred
    )
    clock.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI))
    second = claim_year(award, 2, "1600000", actor=alice, checker=dora, when=timezone.now())
    pay(second, officer=fay, approver=fred)
    award.refresh_from_db()
    return award


def test_a_partial_clawback_cancels_the_latest_unpaid_first(
    clock, private_files, call, alice, dora, fay, fred
):
    award = recognised_rent_award(call, alice, dora, fay, fred)
    claim_year(award, 1, "2000000.02", actor=alice, checker=dora, when=DURING)
    award.refresh_from_db()
    assert award.amount_fen == 100_000_001  # granted so far: the accepted year
    clawback = services.record_clawback(
        actor=fay, award=award, reason=MOVED_OUT, amount_fen=yuan("400,000"), description="迁出"
    )
    assert clawback.cancelled_fen == 40_000_000 and clawback.to_recover_fen == 0
    rows = list(award.installments.order_by("number"))
    assert [(i.amount_fen, i.status) for i in rows] == [(60_000_001, S.DUE)]  # 1,000,000.01 − 400,000
    assert row(2025, "6.1b").committed_fen == 60_000_001


def test_recovered_money_returns_to_the_years_it_was_paid_from_latest_first(rent_award, fay):
    assert [row(y, "6.1b").paid_fen for y in (2025, 2026)] == [100_000_001, 80_000_000]
    clawback = services.record_clawback(
        actor=fay, award=rent_award, reason=MOVED_OUT, amount_fen=rent_award.amount_fen, description="迁出"
    )
    assert clawback.cancelled_fen == 0  # both years were paid
    assert clawback.to_recover_fen == 180_000_001
    services.record_recovery(actor=fay, clawback=clawback, amount_fen=yuan("1,000,000"), on=date(2026, 3, 2))
    # 800,000 back to 2026 (the latest payment), the other 200,000 to 2025.
    assert [row(y, "6.1b").recovered_fen for y in (2025, 2026)] == [20_000_000, 80_000_000]
    services.record_recovery(actor=fay, clawback=clawback, amount_fen=80_000_001, on=date(2026, 3, 2))
    assert [row(y, "6.1b").recovered_fen for y in (2025, 2026)] == [100_000_001, 80_000_000]
    for year in (2025, 2026, 2027):
        assert row(year, "6.1b").left_fen == 500_000_000  # every year's budget is whole again

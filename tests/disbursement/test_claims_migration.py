"""Migration 0004: awards of 6.1b/6.1c in the old shape (one recognised amount split into three installments,
years 2 and 3 waiting for the office confirmation) become yearly claims. `convert(apps)` is called with the
current app registry: the fields it touches are the same as at 0004."""

from __future__ import annotations

import importlib
from datetime import date

import pytest
from django.apps import apps

from disbursement.models import Award, Budget, Installment, YearlyClaim

from .conftest import confirmed_budget, recognised_award

pytestmark = pytest.mark.django_db

convert = importlib.import_module("disbursement.migrations.0004_split_awards_to_claims").convert
S = Installment.Status
C = YearlyClaim.Status
THIRDS = (10_000_001, 10_000_000, 10_000_000)  # ¥300,000.01 split the old way


def old_shape(award: Award, statuses: tuple[str, str, str]) -> list[Installment]:
    """The award as the old schedule left it: no claims, three installments 2025–2027, committed."""
    award.claims.all().delete()
    rows = []
    for number, (amount, status) in enumerate(zip(THIRDS, statuses, strict=True), start=1):
        paid = status == S.PAID
        rows.append(
            Installment.objects.create(
                award=award,
                number=number,
                year=2024 + number,
                amount_fen=amount,
                condition="none" if number == 1 else "office",
                status=status,
                paid_on=date(2024 + number, 6, 1) if paid else None,
                voucher_no=f"PZ-{number}" if paid else "",
            )
        )
    Award.objects.filter(pk=award.pk).update(amount_fen=sum(THIRDS), status=Award.Status.APPROVED)
    for row in rows:
        if row.status != S.PAID:
            Budget.objects.filter(year=row.year, item_code__in=["6.1b", ""]).update(
                committed_fen=row.amount_fen
            )
    return rows


@pytest.fixture
def rent_award(clock, private_files, call, alice, dora, fay):
    for year in (2025, 2026, 2027):
        confirmed_budget(year, "6.1b", "1,000,000", entered_by=dora, confirmed_by=fay)
    return recognised_award(
        alice,
        call,
        "6.1b",
        "300,000.01",
        facts={"annual_rent": "600000.02", "vc_rounds": "2"},
        matter="长宁区办公用房租金",
        actor=dora,
    )


def test_year_one_paid_is_kept_and_the_unpaid_split_is_cancelled_for_yearly_claims(rent_award):
    first, second, third = old_shape(rent_award, (S.PAID, S.WAITING, S.WAITING))
    assert convert(apps) == 1
    rent_award.refresh_from_db()
    claims = list(rent_award.claims.order_by("year"))
    assert [(c.year, c.rent_year, c.status) for c in claims] == [
        (1, 2025, C.ACCEPTED),
        (2, 2026, C.OPEN),
        (3, 2027, C.OPEN),
    ]
    assert claims[0].installment == first and claims[0].amount_fen == 10_000_001
    for row in (second, third):
        row.refresh_from_db()
        assert row.status == S.CANCELLED
    assert rent_award.amount_fen == 10_000_001  # granted so far: what was paid
    assert rent_award.status == Award.Status.APPROVED  # years 2 and 3 are still to claim
    # The commitment of the cancelled thirds went back to their years' budgets.
    assert [Budget.objects.get(year=y, item_code="6.1b").committed_fen for y in (2026, 2027)] == [0, 0]
    assert convert(apps) == 0  # converted once


def test_a_later_year_paid_without_year_one_keeps_both(rent_award):
    first, _second, third = old_shape(rent_award, (S.DUE, S.PAID, S.WAITING))
    convert(apps)
    claims = list(rent_award.claims.order_by("year"))
    assert [c.status for c in claims] == [C.ACCEPTED, C.ACCEPTED, C.OPEN]
    first.refresh_from_db()
    third.refresh_from_db()
    assert first.status == S.DUE  # the old flow had confirmed it: still to pay, not taken away
    assert third.status == S.CANCELLED
    rent_award.refresh_from_db()
    assert rent_award.amount_fen == 10_000_001 + 10_000_000
    assert Budget.objects.get(year=2025, item_code="6.1b").committed_fen == 10_000_001


def test_nothing_paid_leaves_three_open_claims_and_nothing_granted(rent_award):
    rows = old_shape(rent_award, (S.DUE, S.WAITING, S.WAITING))
    convert(apps)
    assert [c.status for c in rent_award.claims.order_by("year")] == [C.OPEN, C.OPEN, C.OPEN]
    for row in rows:
        row.refresh_from_db()
        assert row.status == S.CANCELLED
    rent_award.refresh_from_db()
    assert rent_award.amount_fen == 0


def test_awards_of_one_off_items_are_untouched(award):
    convert(apps)
    assert not award.claims.exists()
    assert award.installments.get().status == S.SCHEDULED

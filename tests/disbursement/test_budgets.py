"""Budgets: 区科委 enters, 区财政局 confirms; an amendment never goes below what is spent."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from disbursement import services
from disbursement.models import Budget

from .conftest import yuan

pytestmark = pytest.mark.django_db


def test_commission_approver_enters_and_finance_confirms(dora, fay):
    budget = services.enter_budget(actor=dora, year=2025, item_code="7.1", amount_fen=yuan("5,000,000"))
    assert (budget.amount_fen, budget.entered_by, budget.is_confirmed) == (500_000_000, dora, False)
    services.confirm_budget(actor=fay, budget=budget)
    budget.refresh_from_db()
    assert budget.confirmed_by == fay and budget.is_confirmed


def test_finance_approver_may_confirm_too(dora, fred):
    budget = services.enter_budget(actor=dora, year=2025, item_code="", amount_fen=1)
    assert services.confirm_budget(actor=fred, budget=budget).confirmed_by == fred


def test_confirming_twice_is_refused(budget, fred):
    with pytest.raises(ValidationError, match="已确认"):
        services.confirm_budget(actor=fred, budget=budget)


def test_finance_cannot_enter_and_commission_cannot_confirm(dora, fay, fred):
    for user in (fay, fred):
        with pytest.raises(PermissionDenied):
            services.enter_budget(actor=user, year=2025, item_code="7.1", amount_fen=1)
    assert not Budget.objects.exists()
    budget = services.enter_budget(actor=dora, year=2025, item_code="7.1", amount_fen=1)
    with pytest.raises(PermissionDenied):
        services.confirm_budget(actor=dora, budget=budget)
    budget.refresh_from_db()
    assert not budget.is_confirmed


def test_administrators_can_neither_enter_nor_confirm(administrators, dora):
    budget = services.enter_budget(actor=dora, year=2025, item_code="7.1", amount_fen=1)
    for admin in administrators:
        with pytest.raises(PermissionDenied):
            services.enter_budget(actor=admin, year=2025, item_code="7.1", amount_fen=2)
        with pytest.raises(PermissionDenied):
            services.confirm_budget(actor=admin, budget=budget)
    budget.refresh_from_db()
    assert (budget.amount_fen, budget.is_confirmed) == (1, False)


def test_unknown_item_and_bad_year_are_refused(dora):
    with pytest.raises(ValidationError, match=r"99\.9"):
        services.enter_budget(actor=dora, year=2025, item_code="99.9", amount_fen=1)
    with pytest.raises(ValidationError):
        services.enter_budget(actor=dora, year=1999, item_code="7.1", amount_fen=1)
    assert not Budget.objects.exists()


def test_amending_needs_confirming_again(budget, dora):
    services.enter_budget(actor=dora, year=2025, item_code="7.1", amount_fen=yuan("12,000,000"))
    budget.refresh_from_db()
    assert budget.amount_fen == 1_200_000_000 and not budget.is_confirmed
    assert Budget.objects.count() == 1


def test_amending_to_the_same_figure_keeps_the_confirmation(budget, dora):
    services.enter_budget(actor=dora, year=2025, item_code="7.1", amount_fen=budget.amount_fen)
    budget.refresh_from_db()
    assert budget.is_confirmed


def test_amending_below_what_is_committed_is_refused_with_the_figures(approved_award, dora):
    # ¥600,000 of the 7.1 budget is committed to alice's award.
    with pytest.raises(ValidationError) as refused:
        services.enter_budget(actor=dora, year=2025, item_code="7.1", amount_fen=yuan("599,999.99"))
    message = " ".join(refused.value.messages)
    assert "¥599,999.99" in message and "¥600,000.00" in message
    assert "预算 ¥10,000,000.00" in message and "已承诺 ¥600,000.00" in message
    budget = Budget.objects.get(year=2025, item_code="7.1")
    assert (budget.amount_fen, budget.is_confirmed) == (1_000_000_000, True)
    # Down to exactly what is committed is allowed: nothing left.
    services.enter_budget(actor=dora, year=2025, item_code="7.1", amount_fen=yuan("600,000"))
    budget.refresh_from_db()
    assert budget.left_fen == 0

"""Budgets: 区科委 enters each year's figure per item (and a total for the year); 区财政局 confirms it.

Every service that changes what a budget has committed, paid or recovered locks its rows through
`lock_budgets`, always in (year, item_code) order, so two transactions needing the same rows queue up
instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from policies.models import PolicyItem
from policies.templatetags.money import fen_yuan
from reviews.access import require_role

from ..models import AGREEMENT_BUDGET_CODE, Budget

FINANCE_STAFF = (Role.FINANCE_OFFICER, Role.FINANCE_APPROVER)
MIN_YEAR, MAX_YEAR = 2000, 2100


def figures(budget: Budget, needed_fen: int | None = None) -> str:
    """预算 X,已承诺 Y,已拨付 Z,已追回 R,剩余 W[,本次需 V]: what every refusal shows."""
    text = _("预算 %(amount)s,已承诺 %(committed)s,已拨付 %(paid)s,已追回 %(recovered)s,剩余 %(left)s") % {
        "amount": fen_yuan(budget.amount_fen),
        "committed": fen_yuan(budget.committed_fen),
        "paid": fen_yuan(budget.paid_fen),
        "recovered": fen_yuan(budget.recovered_fen),
        "left": fen_yuan(budget.left_fen),
    }
    if needed_fen is not None:
        text += _(",本次需 %(needed)s") % {"needed": fen_yuan(needed_fen)}
    return text


def label(budget: Budget) -> str:
    if budget.item_code:
        return _("%(year)d 年度 %(code)s 项目预算") % {"year": budget.year, "code": budget.item_code}
    return _("%(year)d 年度总预算") % {"year": budget.year}


def lock_budgets(years: Iterable[int], item_code: str) -> dict[tuple[int, str], Budget]:
    """The item's and the year total's rows of those years, locked in (year, item_code) order."""
    rows = (
        Budget.objects.select_for_update()
        .filter(Q(year__in=set(years)) & Q(item_code__in=[item_code, ""]))
        .order_by("year", "item_code")
    )
    return {(row.year, row.item_code): row for row in rows}


def commit_to_budgets(needs: dict[int, int], item_code: str) -> None:
    """Commit `needs` (year → fen) in the item's budget and the year's total (where one exists), rows locked;
    refused with the figures, committing nothing, when any of them is missing, unconfirmed or short. Used
    by the award's approval and by each accepted year of a yearly claim."""
    budgets = lock_budgets(needs, item_code)
    problems: list[str] = []
    for year, needed in needs.items():
        for code in (item_code, ""):
            budget = budgets.get((year, code))
            if budget is None:
                if code:
                    problems.append(
                        _("%(year)d 年度 %(code)s 项目尚未编列预算,本次需 %(needed)s。")
                        % {"year": year, "code": code, "needed": fen_yuan(needed)}
                    )
                continue  # no total for the year: only the item's budget binds
            if not budget.is_confirmed:
                problems.append(_("%(label)s尚未经区财政局确认。") % {"label": label(budget)})
            elif budget.left_fen < needed:
                problems.append(
                    _("%(label)s不足:%(figures)s。")
                    % {"label": label(budget), "figures": figures(budget, needed)}
                )
    if problems:
        raise ValidationError(problems)
    for (year, _code), budget in budgets.items():
        budget.committed_fen += needs[year]
        budget.save(update_fields=["committed_fen"])


def _check_item_code(item_code: str) -> str:
    item_code = (item_code or "").strip()
    if item_code == AGREEMENT_BUDGET_CODE:  # 一企一策's own line: agreements outside any item
        return item_code
    if item_code and not PolicyItem.objects.filter(code=item_code).exists():
        raise ValidationError(_("没有代码为 %(code)s 的政策项目。") % {"code": item_code})
    return item_code


@transaction.atomic
def enter_budget(*, actor, year: int, item_code: str, amount_fen: int, at: datetime | None = None) -> Budget:
    """Enter or amend a year's budget for an item (item_code blank: the year's total). 区科委's approvers
    only.

    An amendment may lower the figure, but never below what is already spent from it (committed + paid −
    recovered): the refusal shows the figures. A changed figure needs 区财政局's confirmation again.
    """
    require_role(actor, Role.COMMISSION_APPROVER)
    at = at or timezone.now()
    if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(_("请填写有效的年度。"))
    if amount_fen is None or amount_fen < 0:
        raise ValidationError(_("预算金额不能为负数。"))
    item_code = _check_item_code(item_code)
    budget = Budget.objects.select_for_update().filter(year=year, item_code=item_code).first()
    if budget is None:
        # Two approvers entering the same new row at once: the unique constraint lets one through; the
        # other gets an IntegrityError, shown as a conflict by the page (it reloads and sees the row).
        return Budget.objects.create(
            year=year, item_code=item_code, amount_fen=amount_fen, entered_by=actor, entered_at=at
        )
    spent = budget.committed_fen + budget.paid_fen - budget.recovered_fen
    if amount_fen < spent:
        raise ValidationError(
            _("%(label)s不能调减到 %(new)s:已承诺和已拨付(扣除已追回)共 %(spent)s。%(figures)s")
            % {
                "label": label(budget),
                "new": fen_yuan(amount_fen),
                "spent": fen_yuan(spent),
                "figures": figures(budget),
            }
        )
    if amount_fen == budget.amount_fen:
        return budget
    budget.amount_fen = amount_fen
    budget.entered_by = actor
    budget.entered_at = at
    budget.confirmed_by = None
    budget.confirmed_at = None
    budget.save(update_fields=["amount_fen", "entered_by", "entered_at", "confirmed_by", "confirmed_at"])
    return budget


@transaction.atomic
def confirm_budget(*, actor, budget: Budget, at: datetime | None = None) -> Budget:
    """区财政局 confirms the figure 区科委 entered; only a confirmed budget can be committed."""
    require_role(actor, *FINANCE_STAFF)
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    if budget.is_confirmed:
        raise ValidationError(_("%(label)s已确认。") % {"label": label(budget)})
    budget.confirmed_by = actor
    budget.confirmed_at = at or timezone.now()
    budget.save(update_fields=["confirmed_by", "confirmed_at"])
    return budget

"""An award's payment schedule from the item's policy data: a pure function, no ORM, integer fen.

- By default: one installment in the award's year, paid once finance approves.
- Items subsidised year by year (6.1b, 6.1c: 连续补贴三年, `subsidy_years` > 1) have no schedule at 认定:
  each year's installment is created when 区科委 accepts that year's claim (disbursement.services.claims).
  One recognised amount is never split over the years (the ruling of 2026-12-02).
- `pay_after_acceptance` (8.1): the (first) installment waits for the project's acceptance (验收).
- The call item's `payment_stages` override both: percent splits in the award's year, half-up to the fen per
  stage, the last stage taking the remainder; "after": "acceptance" waits for 验收, "notice" is paid once
  finance approves (公示 is already over at 认定).

The sum of the installments always equals the award, to the fen.

Installments of 0 fen are left out (and the rest renumbered): an award smaller than its number of
installments is paid without its ¥0.00 stages: a zero payment would put a ¥0.00 line in a bank batch,
and nothing is owed; the sum is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

NONE = "none"
ACCEPTANCE = "acceptance"

STAGE_AFTER = {"notice": NONE, "acceptance": ACCEPTANCE}


@dataclass(frozen=True)
class Planned:
    number: int
    year: int
    amount_fen: int
    condition: str  # NONE or ACCEPTANCE (Installment.Condition values)


class ScheduleError(ValueError):
    """The call item's payment_stages cannot be turned into a schedule (a data error, not the user's)."""


def _percent(stage: Mapping[str, object]) -> Decimal:
    try:
        percent = Decimal(str(stage["percent"]))
    except (KeyError, InvalidOperation) as exc:
        raise ScheduleError(f"stage without a valid percent: {stage!r}") from exc
    if not percent.is_finite() or percent <= 0:
        raise ScheduleError(f"a stage's percent must be positive: {stage!r}")
    return percent


def check_stages(stages: Iterable[Mapping[str, object]]) -> list[tuple[Decimal, str]]:
    """[(percent, condition)], or ScheduleError: percents positive and summing to 100, "after" known."""
    checked: list[tuple[Decimal, str]] = []
    for stage in stages:
        if not isinstance(stage, Mapping):
            raise ScheduleError(f"a stage must be an object: {stage!r}")
        after = stage.get("after", "notice")
        if after not in STAGE_AFTER:
            raise ScheduleError(f'"after" must be "notice" or "acceptance": {stage!r}')
        checked.append((_percent(stage), STAGE_AFTER[after]))
    if checked and sum(p for p, _c in checked) != 100:
        raise ScheduleError("the stages' percents must sum to 100")
    return checked


def staged_split(amount_fen: int, percents: list[Decimal]) -> list[int]:
    """Half-up per stage, the last stage takes the remainder. A stage never takes more than is left, so
    no stage goes negative even for many small stages of a tiny amount."""
    amounts: list[int] = []
    left = amount_fen
    for percent in percents[:-1]:
        share = int((Decimal(amount_fen) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        share = min(share, left)
        amounts.append(share)
        left -= share
    amounts.append(left)
    return amounts


def plan(
    *,
    amount_fen: int,
    year: int,
    pay_after_acceptance: bool = False,
    stages: Iterable[Mapping[str, object]] = (),
) -> list[Planned]:
    """The schedule of an award of `amount_fen` recognised under a call of `year`."""
    if amount_fen < 0:
        raise ScheduleError("an award cannot be negative")
    checked = check_stages(stages or ())
    rows: list[tuple[int, int, str]] = []  # (year, amount, condition)
    if checked:
        amounts = staged_split(amount_fen, [percent for percent, _c in checked])
        rows = [(year, amount, condition) for amount, (_p, condition) in zip(amounts, checked, strict=True)]
    else:
        rows = [(year, amount_fen, ACCEPTANCE if pay_after_acceptance else NONE)]
    kept = [row for row in rows if row[1] > 0]
    return [
        Planned(number=number, year=row_year, amount_fen=amount, condition=condition)
        for number, (row_year, amount, condition) in enumerate(kept, start=1)
    ]

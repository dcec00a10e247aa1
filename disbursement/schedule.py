"""An award's payment schedule from the item's policy data: a pure function, no ORM, integer fen.

- By default: one installment in the award's year, paid once finance approves.
- `installments` = n (6.1b, 6.1c: 房租补贴 for three years): n yearly installments (year, year+1, …),
  the amount split evenly in fen with the remainder fen on the FIRST installment (1,000,000.01 over three
  years → 333,333.35 + 333,333.33 + 333,333.33); installments 2..n are paid only after the enterprise
  confirms it still uses the office in 长宁区.
- `pay_after_acceptance` (8.1): the (first) installment waits for the project's acceptance (验收).
- The call item's `payment_stages` override both: percent splits in the award's year, half-up to the fen per
  stage, the last stage taking the remainder; "after": "acceptance" waits for 验收, "notice" is paid once
  finance approves (公示 is already over at 认定).

The sum of the installments always equals the award, to the fen.

Installments of 0 fen are left out (and the rest renumbered): an award smaller than its number of
installments (0.01 over three years) is paid as one installment of 0.01 rather than 0.01 + 0 + 0. A zero
payment would still ask the enterprise to confirm its office and put a ¥0.00 line in a bank batch, and
nothing is owed; the sum is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

NONE = "none"
OFFICE = "office"
ACCEPTANCE = "acceptance"

STAGE_AFTER = {"notice": NONE, "acceptance": ACCEPTANCE}


@dataclass(frozen=True)
class Planned:
    number: int
    year: int
    amount_fen: int
    condition: str  # NONE, OFFICE or ACCEPTANCE (Installment.Condition values)


class ScheduleError(ValueError):
    """The call item's payment_stages cannot be turned into a schedule (a data error, not the user's)."""


def even_split(amount_fen: int, parts: int) -> list[int]:
    """`amount_fen` in `parts`, the remainder fen on the first part."""
    if parts < 1:
        raise ScheduleError("parts must be at least 1")
    base, remainder = divmod(amount_fen, parts)
    return [base + remainder] + [base] * (parts - 1)


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
    installments: int = 1,
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
        first = ACCEPTANCE if pay_after_acceptance else NONE
        for index, amount in enumerate(even_split(amount_fen, max(1, installments))):
            rows.append((year + index, amount, first if index == 0 else OFFICE))
    kept = [row for row in rows if row[1] > 0]
    return [
        Planned(number=number, year=row_year, amount_fen=amount, condition=condition)
        for number, (row_year, amount, condition) in enumerate(kept, start=1)
    ]

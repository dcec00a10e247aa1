"""The schedule is a pure function: installments always sum to the award, to the fen."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from disbursement.schedule import ACCEPTANCE, NONE, Planned, ScheduleError, plan


def amounts(rows: list[Planned]) -> list[int]:
    return [row.amount_fen for row in rows]


def test_default_is_one_installment_in_the_award_year():
    assert plan(amount_fen=60_000_000, year=2025) == [Planned(1, 2025, 60_000_000, NONE)]


def test_the_schedule_never_splits_an_amount_over_years():
    # 6(1) 连续补贴三年 is claimed year by year on each year's rent (services.claims), never one amount in
    # three: the schedule has no "installments" over years any more.
    with pytest.raises(TypeError):
        plan(amount_fen=100_000_001, year=2025, installments=3)  # type: ignore[call-arg]


def test_pay_after_acceptance_waits_for_acceptance():
    assert plan(amount_fen=500, year=2025, pay_after_acceptance=True) == [Planned(1, 2025, 500, ACCEPTANCE)]


def test_stages_fifty_fifty_of_an_odd_amount_round_half_up_and_the_last_takes_the_rest():
    stages = [{"percent": 50, "after": "notice"}, {"percent": 50, "after": "acceptance"}]
    rows = plan(amount_fen=100_000_001, year=2025, stages=stages)
    assert amounts(rows) == [50_000_001, 50_000_000]  # 500,000.01 (half-up of 500,000.005) + 500,000.00
    assert [row.condition for row in rows] == [NONE, ACCEPTANCE]
    assert [row.year for row in rows] == [2025, 2025]


def test_stages_override_the_items_acceptance_condition():
    stages = [{"percent": "30", "after": "notice"}, {"percent": "70", "after": "acceptance"}]
    rows = plan(amount_fen=1000, year=2025, pay_after_acceptance=True, stages=stages)
    assert amounts(rows) == [300, 700]


def test_many_small_stages_of_a_tiny_amount_never_go_negative():
    stages = [{"percent": 10, "after": "notice"}] * 10
    rows = plan(amount_fen=5, year=2025, stages=stages)
    assert sum(amounts(rows)) == 5 and all(amount > 0 for amount in amounts(rows))


@pytest.mark.parametrize(
    "stages",
    [
        [{"percent": 50, "after": "notice"}],  # does not sum to 100
        [{"percent": 0, "after": "notice"}, {"percent": 100, "after": "notice"}],
        [{"percent": 100, "after": "payday"}],
        [{"after": "notice"}],
        ["100"],
    ],
)
def test_bad_stages_are_a_data_error(stages):
    with pytest.raises(ScheduleError):
        plan(amount_fen=100, year=2025, stages=stages)


@given(amount=st.integers(min_value=0, max_value=10**12), after=st.booleans())
def test_installments_always_sum_to_the_award(amount, after):
    rows = plan(amount_fen=amount, year=2025, pay_after_acceptance=after)
    assert sum(amounts(rows)) == amount
    assert all(row.amount_fen > 0 for row in rows)
    assert [row.number for row in rows] == list(range(1, len(rows) + 1))


@given(
    amount=st.integers(min_value=0, max_value=10**12),
    cuts=st.lists(st.integers(min_value=1, max_value=99), min_size=0, max_size=5, unique=True),
)
def test_staged_installments_always_sum_to_the_award(amount, cuts):
    points = [0, *sorted(cuts), 100]
    stages = [{"percent": b - a, "after": "notice"} for a, b in itertools.pairwise(points)]
    rows = plan(amount_fen=amount, year=2025, stages=stages)
    assert sum(amounts(rows)) == amount
    assert all(row.amount_fen > 0 for row in rows)

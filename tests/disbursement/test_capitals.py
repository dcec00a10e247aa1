"""policies.capitals.rmb_capitals: amounts in Chinese financial capitals, as the bank rules write them.

The tens digit 1 is written 壹拾 (the standard banking form, 10.00 → 壹拾元整), never a bare 拾.
"""

from decimal import Decimal

import pytest

from policies.capitals import rmb_capitals


@pytest.mark.parametrize(
    ("amount", "capitals"),
    [
        ("0.01", "壹分"),
        ("0.10", "壹角"),
        ("0.55", "伍角伍分"),
        ("10.00", "壹拾元整"),
        ("16", "壹拾陆元整"),
        ("10.50", "壹拾元伍角"),
        ("325.04", "叁佰贰拾伍元零肆分"),
        ("1409.50", "壹仟肆佰零玖元伍角"),
        ("1001.01", "壹仟零壹元零壹分"),
        ("100010", "壹拾万零壹拾元整"),
        ("1000000.00", "壹佰万元整"),
        ("1500000", "壹佰伍拾万元整"),
        ("10005000", "壹仟万零伍仟元整"),
        ("100000000.50", "壹亿元伍角"),
        ("100000010", "壹亿零壹拾元整"),
        ("333333.35", "叁拾叁万叁仟叁佰叁拾叁元叁角伍分"),
        ("1000000000000", "壹万亿元整"),
        ("0", "零元整"),
    ],
)
def test_amounts_are_written_in_financial_capitals(amount, capitals):
    assert rmb_capitals(Decimal(amount)) == capitals


def test_integers_are_yuan():
    assert rmb_capitals(1_500_000) == "壹佰伍拾万元整"


def test_fractions_of_a_fen_round_half_up():
    assert rmb_capitals(Decimal("0.005")) == "壹分"
    assert rmb_capitals(Decimal("9.994")) == "玖元玖角玖分"


@pytest.mark.parametrize(
    "amount",
    [Decimal("-0.01"), Decimal("-1"), Decimal("1000000000000.01"), Decimal("NaN"), Decimal("Infinity")],
)
def test_negative_too_large_or_not_a_number_is_refused(amount):
    with pytest.raises(ValueError):
        rmb_capitals(amount)


@pytest.mark.parametrize("amount", [1.5, "100", True, None])
def test_only_decimal_or_int_is_taken(amount):
    with pytest.raises(ValueError):
        rmb_capitals(amount)

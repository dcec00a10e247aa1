"""One reader of typed numbers (issue 15): 2,000,000, full-width ２，０００，０００, 200万 and 1.5亿 mean
the same on the calculator, in the application form and in `manage.py quote`; anything else is refused with
the reason, never guessed. The one money filter shows what was typed as the amount it means.

1.5亿 is accepted (150,000,000: a decimal before a unit is how amounts are written); two units (1亿2000万) and
Chinese numerals (两百万) are refused with an example of what to type.
"""

import json
from datetime import datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from policies import rules
from policies.templatetags.money import yuan

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("2000000", "2000000"),
        ("2,000,000", "2000000"),
        ("２，０００，０００", "2000000"),  # full-width digits and comma (a Chinese input method)
        ("２００００００．５０", "2000000.50"),
        ("200万", "2000000"),
        ("200 万元", "2000000"),
        ("1.5亿", "150000000"),
        ("¥2,000,000.00", "2000000"),
        ("2,000,000元", "2000000"),
        ("1,234.5", "1234.5"),
        ("0.5万", "5000"),
    ],
)
def test_money_is_read_in_every_way_an_enterprise_writes_it(typed, amount):
    assert rules.parse_number(typed, money=True) == Decimal(amount)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1,5", "千分位逗号的位置不对:请写成 2,000,000 或 2000000(小数点用“.”)"),
        ("12,34,567", "千分位逗号的位置不对:请写成 2,000,000 或 2000000(小数点用“.”)"),
        ("两百万", "请用阿拉伯数字填写,如 2,000,000、200万 或 1.5亿"),
        ("1亿2000万", "只能用一个单位,写在数字后面,如 12000万 或 1.2亿"),
        ("1.2345678万", "金额最多保留两位小数(到分)"),
        ("万", "请输入数字"),
        ("abc", "请输入数字"),
        ("-2,000", "不能为负数"),
        ("200000000万", "数值过大"),  # 2 trillion: above MAX_AMOUNT,
    ],
)
def test_money_that_cannot_be_read_for_sure_is_refused_with_the_reason(typed, message):
    with pytest.raises(ValueError) as exc:
        rules.parse_number(typed, money=True)
    assert str(exc.value) == message


def test_units_are_for_money_only():
    with pytest.raises(ValueError, match="请输入数字"):
        rules.parse_number("2万", integer=True)
    assert rules.parse_number("１２", integer=True) == 12


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("200万", "¥2,000,000.00"),
        ("２，０００，０００", "¥2,000,000.00"),
        ("2000000", "¥2,000,000.00"),
        (Decimal("1234.5"), "¥1,234.50"),
        (2000000, "¥2,000,000.00"),
        ("1,5", ""),  # not an amount for sure: no figure rather than a wrong one
        ("abc", ""),
    ],
)
def test_the_one_money_filter_shows_what_was_typed_as_the_amount_it_means(value, shown):
    assert yuan(value) == shown


# ---------------------------------------------------------------- the same on every page


@pytest.fixture
def in_2025():
    with time_machine.travel(datetime(2025, 4, 1, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.mark.usefixtures("policy_data", "in_2025")
@pytest.mark.parametrize("typed", ["2,000,000", "２，０００，０００", "200万"])
def test_the_calculator_reads_them_as_the_engine_does(client, typed):
    response = client.get(
        "/calculator/quote/", {"round": "changning-ai-2024", "item": "7.1", "self_raised_investment": typed}
    )
    assert response.status_code == 200, response.content
    assert response.json()["amount"] == "600000.00"


@pytest.mark.usefixtures("policy_data", "in_2025")
def test_the_calculator_refuses_a_misplaced_comma_beside_the_field(client):
    response = client.get(
        "/calculator/quote/", {"round": "changning-ai-2024", "item": "7.1", "self_raised_investment": "2,00"}
    )
    assert response.status_code == 400
    message = "项目自筹投入资金总额:千分位逗号的位置不对:请写成 2,000,000 或 2000000(小数点用“.”)"
    assert response.json()["errors"] == {"self_raised_investment": message}


@pytest.mark.usefixtures("policy_data", "in_2025")
def test_the_quote_command_reads_them_too():
    out = StringIO()
    call_command("quote", "7.1", "--fact", "self_raised_investment=２００万", stdout=out)
    assert json.loads(out.getvalue())["amount"] == "600000.00"

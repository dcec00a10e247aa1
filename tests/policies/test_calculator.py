"""The policy calculator: the HTML form (works without JavaScript) and its JSON endpoint.

Every test pins the day (time-machine): the 2024 round ends 2026-12-31 and the quote depends on the date.
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from policies.models import PolicyRound
from policies.services import copy_round

SHANGHAI = ZoneInfo("Asia/Shanghai")
IN_2025 = datetime(2025, 6, 1, 10, 0, tzinfo=SHANGHAI)
AFTER_THE_ROUND = datetime(2027, 3, 1, 10, 0, tzinfo=SHANGHAI)
ROUND = "changning-ai-2024"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("policy_data")]


@pytest.fixture(autouse=True)
def in_2025():
    with time_machine.travel(IN_2025, tick=False):
        yield


def page(client, **params):
    response = client.get("/calculator/", params)
    assert response.status_code == 200
    return response.content.decode()


def quote(client, **params):
    return client.get("/calculator/quote/", {"round": ROUND, **params})


def element_text(html: str, element_id: str) -> str:
    match = re.search(rf'id="{re.escape(element_id)}"[^>]*>(.*?)</', html, re.S)
    assert match, f"no element #{element_id}"
    return match.group(1).strip()


def error_beside(html: str, field: str) -> str:
    return element_text(html, f"id_{field}_error")


# ---------------------------------------------------------------- choosing a round and an item


def test_calculator_offers_the_round_valid_today_and_its_items(client):
    html = page(client)
    assert "政策计算器" in html
    assert re.search(rf'<option value="{ROUND}" selected>', html)
    assert '<option value="7.1">7.1 硬核技术攻关</option>' in html
    assert "请选择一个申报项目" in html
    assert 'id="calculator-form"' not in html  # no item yet, no fact fields


def test_the_choice_takes_effect_on_a_visible_button_and_the_form_has_a_place_to_be_put(client):
    """WCAG 3.2.2 (issue 16): a list's change submits nothing, so 选择 is always shown, with or without JS;
    calculator.js replaces #calculator-area in place and announces it in #choose-status."""
    html = page(client, round=ROUND, item="7.1")
    assert re.search(
        r'<button type="submit" id="choose-button" class="button button--secondary">选择</button>', html
    )
    assert "js-hide" not in html
    assert 'id="choose-status"' in html and 'role="status"' in html
    area = html.index('id="calculator-area"')
    assert area < html.index('id="calculator-form"')


def test_calculator_does_not_offer_drafts_or_expired_rounds(client):
    copy_round(source=PolicyRound.objects.get(code=ROUND), code="changning-ai-2027-draft")
    html = page(client)
    assert "changning-ai-2027-draft" not in html
    assert "changning-ai-2021" not in html
    assert quote(client, round="changning-ai-2027-draft", item="7.1").status_code == 400


def test_choosing_an_item_renders_a_field_per_fact_and_the_item_select_keeps_it(client):
    html = page(client, round=ROUND, item="7.1")
    assert '<option value="7.1" selected>' in html
    assert re.search(r'<input[^>]*name="self_raised_investment"[^>]*inputmode="decimal"', html) or re.search(
        r'<input[^>]*inputmode="decimal"[^>]*name="self_raised_investment"', html
    )
    assert 'id="id_self_raised_investment_error"' in html
    assert "本年度/累计已获本项资助" in html and 'name="prior_awards"' in html
    assert "同一事项已获其他资助" in html and 'name="other_policy_awards"' in html
    # 7.1's rate is in the text (30%), so the annual call's fields are not asked for.
    assert 'name="call_rate"' not in html and 'name="call_ceiling"' not in html
    # Nothing typed yet: no errors shouted at the visitor.
    assert error_beside(html, "self_raised_investment") == ""
    assert element_text(html, "quote-amount") == "—"


def test_boolean_and_choice_facts_are_selects(client):
    html = page(client, round=ROUND, item="8.3")
    select = html.split('name="in_fiscal_it_budget"', 1)[1].split("</select>", 1)[0]
    assert '<option value="false"' in select and ">否</option>" in select
    assert '<option value="true"' in select and ">是</option>" in select
    html = page(client, round=ROUND, item="8.4b")
    select = html.split('name="achievement"', 1)[1].split("</select>", 1)[0]
    assert 'value="two_integration"' in select and "两化融合" in select


def test_items_whose_rate_is_set_by_the_call_ask_for_it(client):
    html = page(client, round=ROUND, item="6.1a")
    assert 'name="call_rate"' in html and 'name="call_ceiling"' in html
    assert "年度申报指南确定的补贴比例" in html


def test_an_item_not_in_the_round_says_so_beside_the_item_select(client):
    html = page(client, round=ROUND, item="99.9")
    assert "该政策版本中没有项目“99.9”" in error_beside(html, "item")
    assert 'id="calculator-form"' not in html


# ---------------------------------------------------------------- the HTML result (no JavaScript)


def test_no_js_form_shows_the_amount_and_every_step(client):
    html = page(client, round=ROUND, item="7.1", self_raised_investment="2000000")
    assert element_text(html, "quote-amount") == "600,000.00"
    assert "符合申报条件" in element_text(html, "quote-eligibility")
    steps = html.split('id="quote-steps"', 1)[1].split("</tbody>", 1)[0]
    assert "项目自筹投入资金总额 2,000,000.00 元 × 30%" in steps
    assert "单项最高不超过 3,000,000.00 元" in steps
    assert "四舍五入到分" in steps
    assert steps.count("¥600,000.00") == 3
    # The typed figure stays in the field.
    assert 'value="2000000"' in html


def test_amounts_with_thousands_separators_are_accepted(client):
    html = page(client, round=ROUND, item="7.1", self_raised_investment="2,000,000")
    assert element_text(html, "quote-amount") == "600,000.00"


def test_the_ceiling_applies(client):
    html = page(client, round=ROUND, item="7.1", self_raised_investment="20000000")
    assert element_text(html, "quote-amount") == "3,000,000.00"


def test_no_js_form_shows_a_bad_figure_beside_its_field_and_no_amount(client):
    html = page(client, round=ROUND, item="7.1", self_raised_investment="-5")
    assert error_beside(html, "self_raised_investment") == "项目自筹投入资金总额:不能为负数"
    assert element_text(html, "quote-amount") == "—"
    assert "请按提示更正填写内容" in element_text(html, "quote-eligibility")
    assert 'aria-invalid="true"' in html


def test_no_js_form_names_a_bad_extra_figure_in_chinese(client):
    html = page(client, round=ROUND, item="9.1", service_cost="400000", prior_awards="很多")
    assert error_beside(html, "prior_awards") == "本年度/累计已获本项资助:请输入数字"


# ---------------------------------------------------------------- the JSON endpoint


def test_json_quote_for_good_input(client):
    response = quote(client, item="7.1", self_raised_investment="2000000")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["eligible"] is True
    assert data["amount"] == "600000.00"
    assert data["reasons"] == []
    assert data["errors"] == {}
    assert [s["amount"] for s in data["steps"]] == ["600000.00", "600000.00", "600000.00"]
    assert data["steps"][0]["rule"] == "项目自筹投入资金总额 2,000,000.00 元 × 30%"


def test_json_quote_counts_prior_awards_against_the_running_ceiling(client):
    data = quote(client, item="9.1", service_cost="400000", prior_awards="350000").json()
    assert data["amount"] == "150000.00"


def test_json_quote_takes_the_call_rate_where_the_text_says_yi_ding(client):
    data = quote(client, item="6.1a", annual_rent="100000", call_rate="0.5", call_ceiling="30000").json()
    assert data["amount"] == "30000.00"
    response = quote(client, item="6.1a", annual_rent="100000")
    assert response.status_code == 400
    assert response.json()["errors"] == {"call_rate": "请填写年度申报指南确定的补贴比例"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "项目自筹投入资金总额:不能为负数"),
        ("abc", "项目自筹投入资金总额:请输入数字"),
        ("", "请填写项目自筹投入资金总额"),
        ("1.234", "项目自筹投入资金总额:金额最多保留两位小数(到分)"),
    ],
)
def test_json_quote_rejects_bad_input_with_a_message_per_field(client, value, message):
    response = quote(client, item="7.1", self_raised_investment=value)
    assert response.status_code == 400
    data = response.json()
    assert data["errors"] == {"self_raised_investment": message}
    assert data["amount"] is None
    assert data["eligible"] is None


def test_json_quote_rejects_an_unknown_round_or_item(client):
    response = quote(client, item="99.9")
    assert response.status_code == 400
    assert "99.9" in response.json()["errors"]["item"]
    response = client.get("/calculator/quote/", {"round": "no-such-round", "item": "7.1"})
    assert response.status_code == 400
    assert "no-such-round" in response.json()["errors"]["round"]


def test_ineligible_case_says_why(client):
    response = quote(client, item="8.3", total_investment="1000000", in_fiscal_it_budget="true")
    assert response.status_code == 200
    data = response.json()
    assert data["eligible"] is False
    assert data["amount"] == "0.00"
    assert data["reasons"] == ["项目已纳入财政信息化建设预算,不属于支持范围(第八条第三款)"]
    html = page(client, round=ROUND, item="8.3", total_investment="1000000", in_fiscal_it_budget="true")
    assert element_text(html, "quote-amount") == "0.00"
    assert "不符合申报条件" in html
    assert "不属于支持范围" in html.split('id="quote-reasons"', 1)[1].split("</ul>", 1)[0]


def test_eligible_case_of_the_same_item(client):
    data = quote(client, item="8.3", total_investment="1000000", in_fiscal_it_budget="false").json()
    assert data["eligible"] is True
    assert data["amount"] == "500000.00"


def test_after_the_round_ends_the_quote_says_why(client):
    with time_machine.travel(AFTER_THE_ROUND, tick=False):
        response = quote(client, item="7.1", self_raised_investment="2000000")
        html = page(client, round=ROUND, item="7.1", self_raised_investment="2000000")
    data = response.json()
    assert response.status_code == 200
    assert data["eligible"] is False
    assert data["amount"] == "0.00"
    assert data["reasons"] == ["申报日期 2027-03-01 不在政策有效期(2024-01-01 至 2026-12-31)内(第十条第五款)"]
    assert element_text(html, "quote-amount") == "0.00"
    assert "不在政策有效期" in html


def test_calculator_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    # 1. published rounds, 2. the round's items, 3. the item's facts, 4. its conditions
    with django_assert_num_queries(4):
        page(client, round=ROUND, item="8.4a", certification_cost="100000", dcmm_level="3")
    with django_assert_num_queries(4):
        assert quote(client, item="8.4a", certification_cost="100000", dcmm_level="3").status_code == 200

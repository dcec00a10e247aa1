"""The money engine, item by item, on the real 2024 round loaded from policies/data/ (POLICY.md).

The rules are pure data once built, so they are built once per module from `loadpolicy` (inside a
transaction that is rolled back) rather than reloading 23 items for each of these tests; the tests
that need the rows themselves use the shared `policy_data` fixture.
"""

import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction

from policies.models import PolicyItem, PolicyRound
from policies.rules import FactError, Quote, Rule, Validity, parse_facts, quote

# The module's rules are read from the test database, so it must exist even for pure tests.
pytestmark = pytest.mark.django_db

ROUND = "changning-ai-2024"
# The item codes of POLICY.md's table, in its order.
ITEM_CODES = (
    "6.1a", "6.1b", "6.1c", "6.2", "6.3", "7.1", "7.2", "8.1", "8.2", "8.3", "8.4a", "8.4b",
    "8.5", "8.6", "9.1", "9.2a", "9.2b", "9.2c", "9.3a", "9.3b", "9.3c", "9.4a", "9.4b",
)  # fmt: skip
ON = date(2025, 6, 1)  # a day well inside the round (2024-01-01 … 2026-12-31)
GOOD_ORG = {"registered_in_changning": True, "operating_normally": True, "credit_good": True}
CJK = re.compile("[\u4e00-\u9fff]")


@dataclass(frozen=True)
class LoadedRound:
    rules: dict[str, Rule]
    valid_from: date
    valid_until: date


@pytest.fixture(scope="module")
def policy(django_db_setup, django_db_blocker) -> LoadedRound:
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("loadpolicy", stdout=io.StringIO())
        policy_round = PolicyRound.objects.get(code=ROUND)
        items = policy_round.items.prefetch_related("facts", "conditions")
        loaded = LoadedRound(
            rules={item.code: item.to_rule() for item in items},
            valid_from=policy_round.valid_from,
            valid_until=policy_round.valid_until,
        )
        transaction.set_rollback(True)
    return loaded


def quote_for(policy: LoadedRound, code: str, *, on: date = ON, organization=None, **raw: object) -> Quote:
    """Quote as the calculator does: raw strings through parse_facts, then the engine."""
    rule = policy.rules[code]
    facts = parse_facts(rule, {name: str(value) for name, value in raw.items()})
    result = quote(
        rule, facts, validity=Validity(policy.valid_from, policy.valid_until, on), organization=organization
    )
    assert_explained(result)
    return result


def assert_explained(result: Quote) -> None:
    assert result.steps, "every quote carries its steps"
    assert all(step.rule.strip() for step in result.steps)
    assert result.steps[-1].amount == result.amount
    if result.eligible:
        assert result.steps[-1].rule == "四舍五入到分"
    else:
        assert result.reasons and all(CJK.search(reason) for reason in result.reasons)


def assert_pays(result: Quote, expected: str) -> None:
    assert result.eligible, result.reasons
    assert result.reasons == ()
    assert str(result.amount) == expected  # exact, two places: "600000.00", not "6E+5"


def assert_refused(result: Quote, reason: str) -> None:
    assert not result.eligible
    assert str(result.amount) == "0.00"
    assert reason in result.reasons


def fact_errors(policy: LoadedRound, code: str, raw: dict[str, object]) -> dict[str, str]:
    with pytest.raises(FactError) as exc:
        parse_facts(policy.rules[code], raw)
    return exc.value.errors


# ------------------------------------------------------------------ the data itself


def test_the_loaded_round_has_exactly_the_items_of_the_policy_table(policy):
    assert sorted(policy.rules) == sorted(ITEM_CODES)
    assert (policy.valid_from, policy.valid_until) == (date(2024, 1, 1), date(2026, 12, 31))


# ------------------------------------------------------------------ the rate of every item

RATE_CASES = [
    ("6.1a", {"annual_rent": "300000", "call_rate": "0.5"}, "150000.00"),
    ("6.1b", {"annual_rent": "300000", "vc_rounds": "2", "call_rate": "0.3"}, "90000.00"),
    ("6.1c", {"annual_rent": "250000", "in_key_carrier": "true", "call_rate": "0.4"}, "100000.00"),
    ("6.2", {"paid_in_capital": "10000000", "key_unit_level": "national", "call_rate": "0.05"}, "500000.00"),
    ("6.3", {"requested_amount": "800000"}, "800000.00"),
    ("7.1", {"self_raised_investment": "2000000"}, "600000.00"),
    ("7.2", {"city_amount": "1234567.89"}, "1234567.89"),
    ("8.1", {"superior_funding": "2000000", "project_ref": "2024ZD001"}, "2000000.00"),
    ("8.2", {"total_investment": "3000000"}, "900000.00"),
    ("8.3", {"total_investment": "2000000", "in_fiscal_it_budget": "false"}, "1000000.00"),
    ("8.4a", {"certification_cost": "400000", "dcmm_level": "2"}, "200000.00"),
    ("8.4b", {"achievement": "two_integration"}, "200000.00"),
    ("8.5", {"contract_amount": "1000000", "software_category": "industrial"}, "300000.00"),
    ("8.6", {"contract_expenditure": "5000000"}, "500000.00"),
    ("9.1", {"service_cost": "400000"}, "200000.00"),
    ("9.2a", {"eligible_cost": "150000"}, "150000.00"),
    ("9.2b", {"eligible_cost": "400000"}, "400000.00"),
    ("9.2c", {"eligible_cost": "200000"}, "200000.00"),
    ("9.3a", {"construction_investment": "3000000"}, "1500000.00"),
    ("9.3b", {"operating_cost": "1000000", "city_amount": "0"}, "500000.00"),
    ("9.3c", {"city_reward": "400000"}, "400000.00"),
    ("9.4a", {"premium_paid": "30000"}, "15000.00"),
    ("9.4b", {"premium_paid": "12345.67"}, "6172.84"),  # 6,172.835 rounds half up
]


def test_the_rate_cases_cover_every_item_code():
    assert [code for code, _facts, _expected in RATE_CASES] == list(ITEM_CODES)


@pytest.mark.parametrize(("code", "raw", "expected"), RATE_CASES, ids=[c[0] for c in RATE_CASES])
def test_every_item_pays_its_rate_of_the_basis_below_any_ceiling(policy, code, raw, expected):
    assert_pays(quote_for(policy, code, **raw), expected)


@pytest.mark.parametrize(("code", "raw", "expected"), RATE_CASES, ids=[c[0] for c in RATE_CASES])
def test_every_quote_ends_with_rounding_to_the_fen_at_the_quoted_amount(policy, code, raw, expected):
    result = quote_for(policy, code, **raw)
    last = result.steps[-1]
    assert (last.rule, str(last.amount)) == ("四舍五入到分", expected)
    assert len(result.steps) >= 2, "the base step comes before the rounding"


def test_hard_core_rd_pays_thirty_percent_of_the_self_raised_investment(policy):
    result = quote_for(policy, "7.1", self_raised_investment="2000000")
    assert_pays(result, "600000.00")
    assert result.steps[0].rule == "项目自筹投入资金总额 2,000,000.00 元 × 30%"


def test_hard_core_rd_is_capped_at_three_million(policy):
    result = quote_for(policy, "7.1", self_raised_investment="20000000")
    assert_pays(result, "3000000.00")
    assert [str(s.amount) for s in result.steps] == ["6000000.00", "3000000.00", "3000000.00"]
    assert "单项最高不超过 3,000,000.00 元" in result.steps[1].rule


def test_hard_core_rd_exactly_at_the_boundary_pays_three_million(policy):
    assert_pays(quote_for(policy, "7.1", self_raised_investment="10000000"), "3000000.00")


# (code, basis fact, below the ceiling → amount, at the boundary → amount, above → ceiling, other facts)
CEILING_CASES = [
    ("7.1", "self_raised_investment", ("9999990", "2999997.00"), "10000000", "20000000", "3000000.00", {}),
    (
        "8.1", "superior_funding", ("4999999.99", "4999999.99"), "5000000", "8000000", "5000000.00",
        {"project_ref": "2024ZD001"},
    ),
    ("8.2", "total_investment", ("4999990", "1499997.00"), "5000000", "9000000", "1500000.00", {}),
    (
        "8.3", "total_investment", ("5999990", "2999995.00"), "6000000", "10000000", "3000000.00",
        {"in_fiscal_it_budget": "false"},
    ),
    (
        "8.4a", "certification_cost", ("999990", "499995.00"), "1000000", "1500000", "500000.00",
        {"dcmm_level": "3"},
    ),
    ("8.5", "contract_amount", ("6666660", "1999998.00"), "6666666.67", "20000000", "2000000.00", {}),
    ("9.2a", "eligible_cost", ("199999.99", "199999.99"), "200000", "300000", "200000.00", {}),
    ("9.2b", "eligible_cost", ("499999.99", "499999.99"), "500000", "800000", "500000.00", {}),
    ("9.2c", "eligible_cost", ("249999.99", "249999.99"), "250000", "400000", "250000.00", {}),
]  # fmt: skip
CEILING_IDS = [c[0] for c in CEILING_CASES]


@pytest.mark.parametrize(
    ("code", "fact", "below", "at", "above", "ceiling", "extra"), CEILING_CASES, ids=CEILING_IDS
)
def test_per_application_ceiling_is_not_reached_below_it(
    policy, code, fact, below, at, above, ceiling, extra
):
    value, expected = below
    result = quote_for(policy, code, **{fact: value}, **extra)
    assert_pays(result, expected)
    assert Decimal(expected) < Decimal(ceiling)


@pytest.mark.parametrize(
    ("code", "fact", "below", "at", "above", "ceiling", "extra"), CEILING_CASES, ids=CEILING_IDS
)
def test_per_application_ceiling_is_paid_in_full_at_the_boundary(
    policy, code, fact, below, at, above, ceiling, extra
):
    assert_pays(quote_for(policy, code, **{fact: at}, **extra), ceiling)


@pytest.mark.parametrize(
    ("code", "fact", "below", "at", "above", "ceiling", "extra"), CEILING_CASES, ids=CEILING_IDS
)
def test_per_application_ceiling_caps_a_larger_basis(policy, code, fact, below, at, above, ceiling, extra):
    result = quote_for(policy, code, **{fact: above}, **extra)
    assert_pays(result, ceiling)
    assert any(s.rule.startswith("单项最高不超过") and str(s.amount) == ceiling for s in result.steps)


# ------------------------------------------------------------------ running ceilings


def test_cloud_subsidy_pays_what_is_left_of_the_yearly_half_million(policy):
    result = quote_for(policy, "9.1", service_cost="400000", prior_awards="350000")
    assert_pays(result, "150000.00")
    assert result.steps[1].rule == (
        "本单位本年度累计不超过 500,000.00 元,已获 350,000.00 元,尚余 150,000.00 元"
    )


@pytest.mark.parametrize("prior", ["500000", "600000"])
def test_cloud_subsidy_pays_nothing_once_the_yearly_cap_is_used_up(policy, prior):
    assert_pays(quote_for(policy, "9.1", service_cost="400000", prior_awards=prior), "0.00")


def test_cloud_subsidy_alone_cannot_exceed_the_yearly_cap(policy):
    assert_pays(quote_for(policy, "9.1", service_cost="2000000"), "500000.00")


def test_collaborative_contracts_are_capped_at_two_million_per_year(policy):
    assert_pays(quote_for(policy, "8.6", contract_expenditure="30000000"), "2000000.00")


def test_collaborative_contracts_pay_what_is_left_of_the_year(policy):
    assert_pays(quote_for(policy, "8.6", contract_expenditure="5000000", prior_awards="1800000"), "200000.00")
    assert_pays(quote_for(policy, "8.6", contract_expenditure="5000000", prior_awards="2000000"), "0.00")


@pytest.mark.parametrize(
    ("code", "cost", "prior", "expected"),
    [
        ("9.2a", "300000", "0", "200000.00"),  # the event cap binds
        ("9.2a", "120000", "650000", "120000.00"),  # neither binds
        ("9.2a", "300000", "700000", "100000.00"),  # the year's 800,000 binds
        ("9.2a", "300000", "800000", "0.00"),
        ("9.2b", "600000", "400000", "500000.00"),
        ("9.2b", "600000", "800000", "200000.00"),
        ("9.2b", "600000", "1000000", "0.00"),
        ("9.2c", "300000", "500000", "250000.00"),
        ("9.2c", "300000", "900000", "100000.00"),
        ("9.2c", "300000", "1200000", "0.00"),
    ],
)
def test_events_are_capped_per_event_and_per_year(policy, code, cost, prior, expected):
    assert_pays(quote_for(policy, code, eligible_cost=cost, prior_awards=prior), expected)


def test_matching_for_one_project_stops_at_five_million_in_total(policy):
    result = quote_for(
        policy, "8.1", superior_funding="2000000", project_ref="2024ZD001", prior_awards="4500000"
    )
    assert_pays(result, "500000.00")
    assert "同一项目区级累计不超过 5,000,000.00 元,已获 4,500,000.00 元" in result.steps[-2].rule


def test_matching_for_a_fully_matched_project_pays_nothing(policy):
    assert_pays(
        quote_for(policy, "8.1", project_ref="2024ZD001", superior_funding="2000000", prior_awards="5000000"),
        "0.00",
    )


def test_matching_below_the_project_total_is_paid_in_full(policy):
    assert_pays(
        quote_for(policy, "8.1", project_ref="2024ZD001", superior_funding="3000000", prior_awards="1000000"),
        "3000000.00",
    )


# ------------------------------------------------------------------ 8.1 matching ratio


def test_matching_is_one_to_one_when_the_superior_sets_no_ratio(policy):
    result = quote_for(policy, "8.1", project_ref="2024ZD001", superior_funding="2000000")
    assert_pays(result, "2000000.00")
    assert "按默认比例" in result.steps[0].rule and "× 100%" in result.steps[0].rule


def test_matching_follows_the_superior_ratio_when_one_is_set(policy):
    result = quote_for(
        policy, "8.1", project_ref="2024ZD001", superior_funding="2000000", superior_match_ratio="0.5"
    )
    assert_pays(result, "1000000.00")
    assert "× 50%(上级要求的配套比例)" in result.steps[0].rule


def test_matching_at_a_higher_superior_ratio_is_still_capped_per_project(policy):
    assert_pays(
        quote_for(
            policy, "8.1", project_ref="2024ZD001", superior_funding="2000000", superior_match_ratio="2"
        ),
        "4000000.00",
    )
    assert_pays(
        quote_for(
            policy, "8.1", project_ref="2024ZD001", superior_funding="3000000", superior_match_ratio="2"
        ),
        "5000000.00",
    )


# ------------------------------------------------------------------ Art. 10(2) same matter


@pytest.mark.parametrize(
    ("other", "expected"),
    [("100000", "500000.00"), ("599999.99", "0.01"), ("600000", "0.00"), ("1000000", "0.00")],
)
def test_same_matter_awards_elsewhere_are_topped_up_only_to_this_entitlement(policy, other, expected):
    result = quote_for(policy, "7.1", self_raised_investment="2000000", other_policy_awards=other)
    assert_pays(result, expected)
    assert result.steps[-2].rule.startswith("同一事项不重复享受(第十条第二款)")
    assert str(result.steps[-2].amount) == expected


def test_same_matter_is_counted_against_the_capped_entitlement(policy):
    # 8.5: 30% of 10,000,000 is 3,000,000, but the entitlement is the capped 2,000,000.
    result = quote_for(policy, "8.5", contract_amount="10000000", other_policy_awards="500000")
    assert_pays(result, "1500000.00")


@pytest.mark.parametrize(
    ("code", "raw", "expected"),
    [
        # Half of 2,000,000 is 1,000,000, but 9.1 never pays more than 500,000 a year: with 400,000 for
        # the same contract from elsewhere the unit is topped up to 500,000, not paid 500,000 more.
        ("9.1", {"service_cost": "2000000", "other_policy_awards": "400000"}, "100000.00"),
        ("8.6", {"contract_expenditure": "30000000", "other_policy_awards": "1500000"}, "500000.00"),
        ("8.6", {"contract_expenditure": "30000000", "other_policy_awards": "2500000"}, "0.00"),
    ],
)
def test_same_matter_total_never_exceeds_what_the_item_could_pay_within_its_running_cap(
    policy, code, raw, expected
):
    result = quote_for(policy, code, **raw)
    assert_pays(result, expected)
    assert "本项应得" in result.steps[-2].rule


def test_without_same_matter_awards_there_is_no_same_matter_step(policy):
    result = quote_for(policy, "7.1", self_raised_investment="2000000", other_policy_awards="0")
    assert not any("同一事项" in step.rule for step in result.steps)


# ------------------------------------------------------------------ 8.4 DCMM and one-time rewards


def test_dcmm_first_certification_pays_half_the_cost(policy):
    assert_pays(quote_for(policy, "8.4a", certification_cost="400000", dcmm_level="2"), "200000.00")


def test_dcmm_higher_level_tops_up_to_the_new_levels_entitlement(policy):
    # Level 2 cost 400,000 paid 200,000; level 3 costs 600,000: 300,000 minus the 200,000 paid.
    result = quote_for(policy, "8.4a", certification_cost="600000", dcmm_level="3", prior_awards="200000")
    assert_pays(result, "100000.00")
    assert any(step.rule.startswith("晋档补差") and step.amount == Decimal("100000") for step in result.steps)


def test_dcmm_top_up_stops_at_half_a_million_over_all_levels(policy):
    # 50% of 1,200,000 is 600,000, capped at 500,000; 200,000 was paid before.
    result = quote_for(policy, "8.4a", certification_cost="1200000", dcmm_level="4", prior_awards="200000")
    assert_pays(result, "300000.00")


def test_dcmm_top_up_pays_nothing_when_the_new_level_is_not_worth_more(policy):
    assert_pays(
        quote_for(policy, "8.4a", certification_cost="300000", dcmm_level="3", prior_awards="200000"), "0.00"
    )
    assert_pays(
        quote_for(policy, "8.4a", certification_cost="2000000", dcmm_level="5", prior_awards="500000"), "0.00"
    )


def test_one_time_reward_is_two_hundred_thousand(policy):
    result = quote_for(policy, "8.4b", achievement="double_hundred")
    assert_pays(result, "200000.00")
    assert result.steps[0].rule == "一次性定额奖励 200,000.00 元"


def test_one_time_reward_is_refused_once_paid_for_the_same_achievement(policy):
    result = quote_for(policy, "8.4b", achievement="two_integration", prior_awards="200000")
    assert_refused(result, "本单位已就同一成就获得过一次性奖励,不能重复申报")


# ------------------------------------------------------------------ 9.3 incubators


@pytest.mark.parametrize(
    ("city", "expected"),
    [("0", "500000.00"), ("300000", "200000.00"), ("500000", "0.00"), ("600000", "0.00")],
)
def test_incubator_operation_keeps_city_and_district_within_half_the_cost(policy, city, expected):
    result = quote_for(policy, "9.3b", operating_cost="1000000", city_amount=city)
    assert_pays(result, expected)
    assert result.steps[1].rule.startswith("市区两级合计不超过")
    assert result.steps[1].amount >= 0


def test_incubator_construction_is_at_most_half_the_investment(policy):
    assert_pays(quote_for(policy, "9.3a", construction_investment="3000000"), "1500000.00")


def test_incubator_reward_matches_the_city_one_to_one(policy):
    assert_pays(quote_for(policy, "9.3c", city_reward="400000"), "400000.00")


# ------------------------------------------------------------------ figures set by the annual call


@pytest.mark.parametrize(
    ("code", "raw"),
    [
        ("6.1a", {"annual_rent": "300000"}),
        ("6.1b", {"annual_rent": "300000", "vc_rounds": "2"}),
        ("6.1c", {"annual_rent": "300000", "in_key_carrier": "true"}),
        ("6.2", {"paid_in_capital": "10000000", "key_unit_level": "city"}),
    ],
)
def test_items_whose_rate_the_call_sets_need_a_call_rate(policy, code, raw):
    rule = policy.rules[code]
    with pytest.raises(FactError) as exc:
        quote(rule, parse_facts(rule, raw))
    assert list(exc.value.errors) == ["call_rate"]
    assert "年度申报指南" in exc.value.errors["call_rate"]


def test_an_ineligible_applicant_hears_why_before_being_asked_for_the_calls_rate(policy):
    # POLICY.md: `vc_rounds=1` for 6.1b is an eligible-false example, with or without a call.
    rule = policy.rules["6.1b"]
    result = quote(rule, parse_facts(rule, {"annual_rent": "300000", "vc_rounds": "1"}))
    assert_refused(result, "须获得过知名风险投资机构两轮(含)以上投资")


def test_a_call_rate_above_one_is_refused(policy):
    errors = fact_errors(policy, "6.1a", {"annual_rent": "300000", "call_rate": "50"})
    assert "0 到 1" in errors["call_rate"]


@pytest.mark.parametrize(
    ("code", "raw"),
    [
        ("6.1a", {"annual_rent": "300000"}),
        ("6.1b", {"annual_rent": "300000", "vc_rounds": "3"}),
        ("6.1c", {"annual_rent": "300000", "in_key_carrier": "true"}),
        ("6.2", {"paid_in_capital": "300000", "key_unit_level": "city"}),
    ],
)
def test_items_whose_rate_the_call_sets_respect_the_calls_ceiling(policy, code, raw):
    uncapped = quote_for(policy, code, call_rate="0.5", **raw)
    capped = quote_for(policy, code, call_rate="0.5", call_ceiling="100000", **raw)
    assert_pays(uncapped, "150000.00")
    assert_pays(capped, "100000.00")
    assert capped.steps[-2].rule == "年度申报指南上限 100,000.00 元"


def test_operating_support_needs_no_call_rate_and_is_capped_by_the_call(policy):
    assert_pays(quote_for(policy, "6.3", requested_amount="800000"), "800000.00")
    assert_pays(quote_for(policy, "6.3", requested_amount="800000", call_ceiling="1000000"), "800000.00")
    assert_pays(quote_for(policy, "6.3", requested_amount="800000", call_ceiling="500000"), "500000.00")


def test_a_call_rate_cannot_change_a_rate_the_text_fixes(policy):
    assert_pays(quote_for(policy, "7.1", self_raised_investment="2000000", call_rate="0.9"), "600000.00")


def test_call_figures_given_to_to_rule_need_no_call_rate_fact(policy_data):
    item = PolicyItem.objects.get(round__code=ROUND, code="6.1a")
    rule = item.to_rule(call_rate=Decimal("0.4"), call_ceiling_fen=10_000_000)
    facts = parse_facts(rule, {"annual_rent": "300000"})
    result = quote(rule, facts)
    assert_pays(result, "100000.00")  # 40% is 120,000, the call caps at 100,000
    assert "年度申报指南确定的比例" in result.steps[0].rule


# ------------------------------------------------------------------ item conditions


VC_REASON = "须获得过知名风险投资机构两轮(含)以上投资"
CARRIER_REASON = "须入驻长宁区人工智能、协同创新等创新产业重点载体"
RENT = {"annual_rent": "300000", "call_rate": "0.5"}


@pytest.mark.parametrize(
    ("code", "raw", "reason"),
    [
        pytest.param(
            "8.3",
            {"total_investment": "2000000", "in_fiscal_it_budget": "true"},
            "项目已纳入财政信息化建设预算,不属于支持范围(第八条第三款)",
            id="8.3-in-fiscal-it-budget",
        ),
        pytest.param("6.1b", {**RENT, "vc_rounds": "1"}, VC_REASON, id="6.1b-one-vc-round"),
        pytest.param("6.1b", RENT, VC_REASON, id="6.1b-no-vc-rounds"),
        pytest.param("6.1c", {**RENT, "in_key_carrier": "false"}, CARRIER_REASON, id="6.1c-not-in-carrier"),
        pytest.param("6.1c", RENT, CARRIER_REASON, id="6.1c-carrier-unticked"),
        pytest.param(
            "8.4a",
            {"certification_cost": "400000", "dcmm_level": "1"},
            "DCMM 评估认证须为二级及以上",
            id="8.4a-level-1",
        ),
        pytest.param(
            "8.4a",
            {"certification_cost": "400000", "dcmm_level": "6"},
            "DCMM 评估等级为一级至五级",
            id="8.4a-level-6",
        ),
        pytest.param(
            "6.2",
            {"paid_in_capital": "10000000", "call_rate": "0.1"},
            "须为国家级或市级重点单位、重大项目",
            id="6.2-no-level",
        ),
    ],
)
def test_an_item_condition_that_fails_refuses_with_its_reason(policy, code, raw, reason):
    assert_refused(quote_for(policy, code, **raw), reason)


def test_open_scenario_outside_the_fiscal_it_budget_is_eligible_when_the_box_is_left_unticked(policy):
    assert_pays(quote_for(policy, "8.3", total_investment="2000000"), "1000000.00")


# ------------------------------------------------------------------ Art. 2 and Art. 10(5)


@pytest.mark.parametrize(
    ("fact", "reason"),
    [
        ("registered_in_changning", "单位未在长宁区依法设立(第二条)"),
        ("operating_normally", "单位经营状态不正常(第二条要求存续/在业)"),
        ("credit_good", "单位信用记录不良(列入严重失信名单,第二条)"),
    ],
)
def test_an_organisation_failing_article_two_is_refused_with_the_reason(policy, fact, reason):
    result = quote_for(
        policy, "7.1", organization={**GOOD_ORG, fact: False}, self_raised_investment="2000000"
    )
    assert_refused(result, reason)
    assert result.reasons == (reason,)


def test_an_organisation_meeting_article_two_is_quoted(policy):
    result = quote_for(policy, "7.1", organization=GOOD_ORG, self_raised_investment="2000000")
    assert_pays(result, "600000.00")


def test_an_organisation_failing_everything_hears_every_reason(policy):
    bad = dict.fromkeys(GOOD_ORG, False)
    result = quote_for(policy, "8.3", organization=bad, total_investment="1", in_fiscal_it_budget="true")
    assert len(result.reasons) == 4


@pytest.mark.parametrize(
    ("on", "eligible"),
    [
        (date(2023, 12, 31), False),
        (date(2024, 1, 1), True),
        (date(2026, 12, 31), True),
        (date(2027, 1, 1), False),
    ],
)
def test_the_round_is_valid_from_2024_through_2026(policy, on, eligible):
    result = quote_for(policy, "7.1", on=on, self_raised_investment="2000000")
    if eligible:
        assert_pays(result, "600000.00")
    else:
        assert_refused(
            result,
            f"申报日期 {on:%Y-%m-%d} 不在政策有效期(2024-01-01 至 2026-12-31)内(第十条第五款)",
        )


# ------------------------------------------------------------------ rounding


@pytest.mark.parametrize(
    ("code", "raw", "expected"),
    [
        ("7.1", {"self_raised_investment": "0.05"}, "0.02"),  # 0.015 rounds up
        ("9.1", {"service_cost": "0.01"}, "0.01"),  # 0.005 rounds up
        ("8.6", {"contract_expenditure": "0.04"}, "0.00"),  # 0.004 rounds down
        ("8.6", {"contract_expenditure": "0.05"}, "0.01"),  # 0.005 rounds up, not to even
        ("9.4a", {"premium_paid": "0.03"}, "0.02"),  # 0.015 rounds up
        ("7.1", {"self_raised_investment": "0"}, "0.00"),
    ],
)
def test_amounts_round_half_up_to_the_fen(policy, code, raw, expected):
    assert_pays(quote_for(policy, code, **raw), expected)


def test_negative_zero_is_quoted_as_plain_zero(policy):
    assert_pays(quote_for(policy, "7.1", self_raised_investment="-0"), "0.00")


def test_thousands_separators_are_accepted_in_money(policy):
    assert_pays(quote_for(policy, "7.1", self_raised_investment="2,000,000.00"), "600000.00")


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "项目自筹投入资金总额:不能为负数"),
        ("-0.01", "项目自筹投入资金总额:不能为负数"),
        ("abc", "项目自筹投入资金总额:请输入数字"),
        ("1,2x", "项目自筹投入资金总额:请输入数字"),
        ("NaN", "项目自筹投入资金总额:请输入数字"),
        ("sNaN", "项目自筹投入资金总额:请输入数字"),
        ("Infinity", "项目自筹投入资金总额:请输入数字"),
        ("-Infinity", "项目自筹投入资金总额:请输入数字"),
        ("1.001", "项目自筹投入资金总额:金额最多保留两位小数(到分)"),
        ("1000000000001", "项目自筹投入资金总额:数值过大"),
        ("", "请填写项目自筹投入资金总额"),
        ("   ", "请填写项目自筹投入资金总额"),
    ],
)
def test_a_bad_money_fact_is_refused_in_chinese(policy, value, message):
    errors = fact_errors(policy, "7.1", {"self_raised_investment": value})
    assert errors == {"self_raised_investment": message}


def test_a_missing_required_fact_is_named(policy):
    assert fact_errors(policy, "7.1", {}) == {"self_raised_investment": "请填写项目自筹投入资金总额"}


def test_an_unknown_fact_is_refused_and_the_known_ones_listed(policy):
    errors = fact_errors(policy, "7.1", {"self_raised_investment": "1", "annual_rent": "1"})
    assert list(errors) == ["annual_rent"]
    assert errors["annual_rent"] == "7.1 没有事实 annual_rent;可用:self_raised_investment"


def test_every_bad_fact_is_reported_at_once(policy):
    errors = fact_errors(policy, "9.3b", {"operating_cost": "-1", "city_amount": "x", "prior_awards": "-5"})
    assert set(errors) == {"operating_cost", "city_amount", "prior_awards"}
    assert all(CJK.search(message) for message in errors.values())


@pytest.mark.parametrize(
    ("code", "raw", "fact", "fragment"),
    [
        ("6.1b", {"annual_rent": "1", "vc_rounds": "1.5", "call_rate": "0.5"}, "vc_rounds", "请输入整数"),
        ("6.1c", {"annual_rent": "1", "in_key_carrier": "maybe", "call_rate": "0.5"}, "in_key_carrier", "是"),
        (
            "6.2",
            {"paid_in_capital": "1", "key_unit_level": "district", "call_rate": "0.5"},
            "key_unit_level",
            "可选值",
        ),
        ("8.4b", {"achievement": "nobel"}, "achievement", "可选值"),
        ("8.4b", {}, "achievement", "请填写获得的成就"),
        (
            "8.1",
            {"superior_funding": "1", "superior_match_ratio": "-1", "project_ref": "X"},
            "superior_match_ratio",
            "不能为负数",
        ),
        ("7.1", {"self_raised_investment": "1", "prior_awards": "-1"}, "prior_awards", "不能为负数"),
        (
            "7.1",
            {"self_raised_investment": "1", "other_policy_awards": "0.001"},
            "other_policy_awards",
            "两位小数",
        ),
        ("6.1a", {"annual_rent": "1", "call_rate": "half"}, "call_rate", "请输入数字"),
        ("6.3", {"requested_amount": "1", "call_ceiling": "NaN"}, "call_ceiling", "请输入数字"),
    ],
)
def test_a_bad_fact_of_any_type_is_refused_for_that_fact(policy, code, raw, fact, fragment):
    errors = fact_errors(policy, code, raw)
    assert fact in errors
    assert fragment in errors[fact]
    assert CJK.search(errors[fact])


def test_fact_error_reads_as_one_line_naming_each_fact(policy):
    with pytest.raises(FactError) as exc:
        parse_facts(policy.rules["7.1"], {"self_raised_investment": "-1"})
    assert str(exc.value) == "self_raised_investment: 项目自筹投入资金总额:不能为负数"

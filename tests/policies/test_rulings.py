"""The rulings of 2026-12-02 (shared/POLICY.md, last section), one or more tests each, from the text's words.

Through `manage.py quote` (the contract every tool relies on) without an organisation, and through
`policies.services.quote_item` with one, whose earlier awards are read from the database: recognised
applications of this portal (in any round) and awards recorded from other district policies.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from applications.models import Application, Call, CallItem
from policies import matters
from policies.models import PolicyItem, PolicyRound, RecordedAward
from policies.services import copy_round, publish_round, quote_item
from tests.factories import OrganizationFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROUND = "changning-ai-2024"


@pytest.fixture
def today(policy_data):
    with time_machine.travel(datetime(2025, 6, 1, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield date(2025, 6, 1)


def quote(*args: str) -> dict:
    out = io.StringIO()
    call_command("quote", *args, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def quote_error(*args: str) -> str:
    with pytest.raises(CommandError) as exc:
        call_command("quote", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert exc.value.returncode == 2
    return str(exc.value)


def facts(**values: object) -> list[str]:
    return [arg for name, value in values.items() for arg in ("--fact", f"{name}={value}")]


# ------------------------------------------------------------------ organisations with awards in the database


@pytest.fixture
def org(today):
    return OrganizationFactory(name="长宁智算科技有限公司")


def call_for(round_code: str, year: int, codes: dict[str, Decimal | None]) -> Call:
    policy_round = PolicyRound.objects.get(code=round_code)
    call = Call.objects.create(
        round=policy_round,
        year=year,
        title=f"{year} 年度申报",
        opens_at=datetime(year, 3, 1, 9, 0, tzinfo=SHANGHAI),
        closes_at=datetime(year, 4, 30, 17, 0, tzinfo=SHANGHAI),
    )
    for code, rate in codes.items():
        CallItem.objects.create(call=call, item=policy_round.items.get(code=code), rate=rate)
    return call


def recognised(org, call: Call, code: str, amount: str, *, matter: str = "", facts=None) -> Application:
    """An award this portal recognised earlier (the ledger reads recognised applications; how they got
    there is the review app's business and tested there)."""
    call_item = call.call_items.get(item__code=code)
    return Application.objects.create(
        organization=org,
        call_item=call_item,
        item=call_item.item,
        created_by=UserFactory(),
        status=Application.Status.RECOGNISED,
        matter_type="project",
        matter_ref=matter,
        facts=facts or {},
        awarded_fen=int(Decimal(amount) * 100),
    )


def quote_org(org, code: str, *, round_code: str = ROUND, year: int = 2025, matter: str = "", **raw):
    """The quote for `org`, as its application under a call of `year` would get it (a call's rate as the
    call item gives it)."""
    item = PolicyItem.objects.select_related("round").get(round__code=round_code, code=code)
    rate = raw.pop("call_rate", None)
    return quote_item(
        item=item,
        raw_facts={name: str(value) for name, value in raw.items()},
        on=date(min(year, 2026), 6, 1),
        organization=org,
        year=year,
        matter=matter,
        call_rate=Decimal(str(rate)) if rate is not None else None,
    )


# ------------------------------------------------------------------ 6(1) 补贴期限一年 (6.1a)


def test_newly_introduced_rent_subsidy_is_one_year_per_organisation_without_org(today):
    """6(1): "对新引进的中小型……单位……给予一定的自用办公租房房租后补贴支持,补贴期限一年。"
    Without --org, prior_awards above 0 for 6.1a means it was already received."""
    first = quote("6.1a", *facts(annual_rent=400000, call_rate=0.5))
    assert (first["eligible"], first["amount"]) == (True, "200000.00")
    again = quote("6.1a", *facts(annual_rent=400000, call_rate=0.5, prior_awards=200000))
    assert (again["eligible"], again["amount"]) == (False, "0.00")
    assert any("只享受一次" in reason for reason in again["reasons"])


def test_a_second_newly_introduced_rent_subsidy_is_ineligible_even_in_a_later_round(org):
    """补贴期限一年: once per organisation, ever — a revised round does not start it again."""
    recognised(org, call_for(ROUND, 2024, {"6.1a": Decimal("0.5")}), "6.1a", "150000")
    later = copy_round(source=PolicyRound.objects.get(code=ROUND), code="changning-ai-2027")
    publish_round(policy_round=later)
    result = quote_item(
        item=later.items.get(code="6.1a"),
        raw_facts={"annual_rent": "300000", "newly_introduced": "true"},
        on=date(2025, 6, 1),
        organization=org,
        year=2025,
        call_rate=Decimal("0.5"),
    )
    assert not result.eligible
    assert any("只享受一次" in reason for reason in result.reasons)


# ------------------------------------------------------------------ 6(1) 连续补贴三年 (6.1b, 6.1c)


@pytest.mark.parametrize(("code", "condition"), [("6.1b", "vc_rounds=2"), ("6.1c", "in_key_carrier=true")])
def test_each_of_three_years_is_subsidised_on_that_years_rent_not_a_third(today, code, condition):
    """6(1): "……给予一定的自用办公租房房租后补贴支持,连续补贴三年。" Each year is rate × that year's rent."""
    name, value = condition.split("=")
    year_1 = quote(code, *facts(annual_rent=1000000, call_rate=0.5, **{name: value}))
    year_2 = quote(code, *facts(annual_rent=1200000, call_rate=0.5, subsidy_year=2, **{name: value}))
    year_3 = quote(code, *facts(annual_rent=900000, call_rate=0.5, subsidy_year=3, **{name: value}))
    assert [year_1["amount"], year_2["amount"], year_3["amount"]] == ["500000.00", "600000.00", "450000.00"]
    assert "第 2 年" in year_2["steps"][1]["rule"]


def test_there_is_no_fourth_year(today):
    """连续补贴三年: subsidy_year 4 or more is ineligible with a reason."""
    result = quote("6.1b", *facts(annual_rent=1000000, call_rate=0.5, vc_rounds=2, subsidy_year=4))
    assert (result["eligible"], result["amount"]) == (False, "0.00")
    assert any("第 4 年不再补贴" in reason for reason in result["reasons"])


def test_the_calls_per_year_ceiling_applies_to_each_year(today):
    capped = quote(
        "6.1c",
        *facts(annual_rent=3000000, call_rate=0.5, call_ceiling=1000000, in_key_carrier=True, subsidy_year=2),
    )
    assert capped["amount"] == "1000000.00"


def test_a_year_of_subsidy_is_not_a_fact_of_the_one_year_rent_subsidy(today):
    message = quote_error("6.1a", *facts(annual_rent=1, call_rate=0.5, subsidy_year=2))
    assert "subsidy_year" in message


def test_rent_of_the_same_year_under_another_rent_item_is_the_same_matter(org):
    """Ruling on 6(1): 6.1a, 6.1b and 6.1c for the same rent year are the same matter (10(2))."""
    recognised(org, call_for(ROUND, 2025, {"6.1a": Decimal("0.5"), "6.1c": Decimal("0.5")}), "6.1a", "200000")
    same_year = quote_org(org, "6.1c", annual_rent="1000000", in_key_carrier="true", call_rate="0.5")
    assert same_year.amount == Decimal("300000.00")  # 500,000 entitled, 200,000 already for 2025's rent
    next_year = quote_org(
        org, "6.1c", year=2026, annual_rent="1000000", in_key_carrier="true", call_rate="0.5"
    )
    assert next_year.amount == Decimal("500000.00")


# ------------------------------------------------------------------ 8(1) 单个项目区级累计匹配不超过500万元


def test_matching_needs_the_project_reference(today):
    """Ruling on 8(1): project_ref is required (missing → exit 2 in quote)."""
    assert "上级项目编号" in quote_error("8.1", *facts(superior_funding=1000000))


def test_the_project_cap_counts_every_tranche_of_that_project_however_typed(org):
    """8(1): "单个项目区级累计匹配扶持金额不超过500万元": a project with 4,000,000 gets at most 1,000,000
    more, whether the reference is typed "GJ-2024-001" or " gj 2024 001"."""
    call = call_for(ROUND, 2025, {"8.1": None})
    recognised(org, call, "8.1", "4000000", matter="GJ-2024-001", facts={"project_ref": "GJ-2024-001"})
    result = quote_org(
        org, "8.1", superior_funding="3000000", project_ref=" gj 2024 001", matter="GJ-2024-001"
    )
    assert result.amount == Decimal("1000000.00")
    # The tranches of one project are governed by the project cap, not deducted again as the same matter.
    assert not any("同一事项" in step.rule for step in result.steps)


def test_the_project_cap_applies_with_the_superiors_own_ratio_too(org):
    call = call_for(ROUND, 2025, {"8.1": None})
    recognised(org, call, "8.1", "4500000", facts={"project_ref": "SH-7"})
    result = quote_org(org, "8.1", superior_funding="2000000", superior_match_ratio="2", project_ref="SH-7")
    assert result.amount == Decimal("500000.00")


def test_another_project_has_its_own_cap(org):
    call = call_for(ROUND, 2025, {"8.1": None})
    recognised(org, call, "8.1", "5000000", facts={"project_ref": "SH-7"})
    assert quote_org(org, "8.1", superior_funding="2000000", project_ref="SH-8").amount == Decimal(
        "2000000.00"
    )


# ------------------------------------------------------------------ 8(4) 晋档补差


def test_a_top_up_needs_a_higher_level_than_already_awarded(today):
    """8(4): "……评估认证为二级及以上……实行晋档补差": the same or a lower level is ineligible."""
    same = quote(
        "8.4a", *facts(certification_cost=600000, dcmm_level=3, awarded_level=3, prior_awards=150000)
    )
    assert same["eligible"] is False
    assert any("晋档补差须晋级" in reason for reason in same["reasons"])
    higher = quote(
        "8.4a", *facts(certification_cost=600000, dcmm_level=4, awarded_level=3, prior_awards=150000)
    )
    assert (higher["eligible"], higher["amount"]) == (True, "150000.00")  # min(300,000, 500,000) − 150,000


def test_top_up_levels_are_read_from_the_organisations_awards(org):
    call = call_for(ROUND, 2025, {"8.4a": None})
    recognised(org, call, "8.4a", "100000", facts={"certification_cost": "200000", "dcmm_level": "3"})
    refused = quote_org(org, "8.4a", certification_cost="400000", dcmm_level="3")
    assert not refused.eligible
    top_up = quote_org(org, "8.4a", certification_cost="400000", dcmm_level="4")
    assert top_up.amount == Decimal("100000.00")  # 50% × 400,000 = 200,000 − 100,000 already paid


def test_a_first_award_needs_a_first_certification(today):
    """8(4): "首次通过DCMM……贯标": first_dcmm=false is ineligible; after an award it is no longer asked."""
    first = quote("8.4a", *facts(certification_cost=200000, dcmm_level=2, first_dcmm="false"))
    assert first["eligible"] is False
    later = quote(
        "8.4a",
        *facts(
            certification_cost=600000, dcmm_level=4, first_dcmm="false", awarded_level=2, prior_awards=100000
        ),
    )
    assert later["eligible"] is True


# ------------------------------------------------------------------ 10(2) across rounds, normalised, yearly


def test_a_matter_awarded_under_the_2024_round_is_deducted_in_a_copied_round(org):
    """10(2) "同一单位不得因同一事项重复享受政策": a revised round pays the same matter only up to the highest
    single entitlement."""
    recognised(org, call_for(ROUND, 2024, {"8.2": None}), "8.2", "1000000", matter="M-X 智慧园区")
    revised = copy_round(source=PolicyRound.objects.get(code=ROUND), code="changning-ai-2027")
    publish_round(policy_round=revised)
    result = quote_item(
        item=revised.items.get(code="7.1"),
        raw_facts={"self_raised_investment": "5000000"},
        on=date(2025, 6, 1),
        organization=org,
        year=2025,
        matter="ｍ－ｘ　智慧园区",
    )
    assert result.amount == Decimal("500000.00")  # 1,500,000 entitled, 1,000,000 already for the matter
    assert any("同一事项不重复享受" in step.rule for step in result.steps)


@pytest.mark.parametrize("typed", ["m-x", "M X", "Ｍ－Ｘ", " m–x ", "M_X."])
def test_matter_references_are_compared_normalised(typed):
    assert matters.normalise(typed) == matters.normalise("M-X")


def test_a_different_matter_is_not_deducted_but_is_near(org):
    recognised(org, call_for(ROUND, 2025, {"8.2": None}), "8.2", "1000000", matter="MX-2025-01")
    result = quote_org(org, "7.1", self_raised_investment="2000000", matter="MX-2025-02")
    assert result.amount == Decimal("600000.00")
    assert matters.are_near(matters.normalise("MX-2025-01"), matters.normalise("MX-2025-02"))


def test_the_same_contract_in_another_year_is_another_matter(org):
    """Ruling: for items with a yearly window (8.6, 9.1, 9.2a–c) the matter includes its year."""
    recognised(org, call_for(ROUND, 2025, {"9.1": None}), "9.1", "300000", matter="云服务合同 YF-1")
    call_for(ROUND, 2026, {"9.1": None})
    next_year = quote_org(org, "9.1", year=2026, service_cost="400000", matter="云服务合同 YF-1")
    assert next_year.amount == Decimal("200000.00")


def test_a_recorded_award_of_another_policy_counts_across_rounds_and_normalised(org):
    RecordedAward.objects.create(
        organization=org,
        matter="ＡＢ-001",
        source_policy="长宁区其他政策",
        amount_fen=40000000,
        awarded_on=date(2023, 5, 1),
    )
    result = quote_org(org, "7.1", self_raised_investment="2000000", matter="ab 001")
    assert result.amount == Decimal("200000.00")


# ------------------------------------------------------------------ who may apply, by item


def test_an_item_open_only_to_enterprises_refuses_other_types(today):
    """7(1) "……给予企业最高不超过300万元的资助": only 企业 may apply."""
    refused = quote("7.1", *facts(self_raised_investment=1000000, org_type="social_org"))
    assert refused["eligible"] is False
    assert any("仅限企业" in reason for reason in refused["reasons"])
    assert quote("7.1", *facts(self_raised_investment=1000000, org_type="enterprise"))["assumed"] == []


@pytest.mark.parametrize(
    ("code", "base", "flags", "eligible"),
    [
        ("6.1a", {"annual_rent": 100, "call_rate": 0.5, "newly_introduced": "true"}, "", False),
        ("6.1a", {"annual_rent": 100, "call_rate": 0.5, "newly_introduced": "true"}, "sme", True),
        ("9.3a", {"construction_investment": 100}, "incubator", False),
        ("9.3a", {"construction_investment": 100}, "hq_incubator", True),
        ("9.4a", {"premium_paid": 100}, "sme", False),
        ("9.4a", {"premium_paid": 100}, "tech_sme", True),
        ("9.4b", {"premium_paid": 100}, "sme", False),
        ("9.4b", {"premium_paid": 100}, "science_park", True),
        ("9.4b", {"premium_paid": 100}, "incubator", True),
    ],
)
def test_items_open_to_some_applicants_only(today, code, base, flags, eligible):
    """The ruling "Who may apply, by item": 中小型 for 6.1a/b, 高质量(培育)孵化器 for 9.3a–c,
    科技型中小企业 for 9.4a, 大学科技园 or 科技企业孵化器 for 9.4b."""
    result = quote(code, *facts(**base, org_type="enterprise", org_flags=flags or "none"))
    assert result["eligible"] is eligible, result["reasons"]


def test_an_unknown_flag_is_bad_input(today):
    assert "org_flags" in quote_error("9.4a", *facts(premium_paid=1, org_flags="giant"))


def test_with_an_organisation_its_recorded_type_is_used(org):
    org.org_type, org.is_sme, org.is_tech_sme, org.tech_sme_number = "enterprise", True, False, ""
    org.save()
    assert not quote_org(org, "9.4a", premium_paid="10000").eligible
    org.is_tech_sme, org.tech_sme_number = True, "202531010500123"
    org.save()
    assert quote_org(org, "9.4a", premium_paid="10000").amount == Decimal("5000.00")


def test_an_organisation_without_a_recorded_type_is_quoted_with_the_type_to_be_confirmed(org):
    org.org_type = ""
    org.save()
    result = quote_org(org, "7.1", self_raised_investment="1000000")
    assert result.eligible and result.assumed


# ------------------------------------------------------------------ conditions the text states


@pytest.mark.parametrize(
    ("code", "base", "fact", "clause"),
    [
        ("6.1a", {"annual_rent": 100, "call_rate": 0.5}, "newly_introduced", "新引进"),
        (
            "6.2",
            {"paid_in_capital": 100, "key_unit_level": "city", "call_rate": 0.5},
            "in_innovation_carrier",
            "创新产业载体",
        ),
        ("8.4a", {"certification_cost": 100, "dcmm_level": 2}, "first_dcmm", "首次通过"),
        ("8.4b", {"achievement": "double_hundred"}, "first_time_last_year", "上年度首次"),
        ("9.2a", {"eligible_cost": 100}, "held_in_changning", "在长宁区举办"),
        ("9.2b", {"eligible_cost": 100}, "held_in_changning", "在长宁区举办"),
    ],
)
def test_a_condition_left_out_is_assumed_and_a_no_is_ineligible_with_the_clause(
    today, code, base, fact, clause
):
    assumed = quote(code, *facts(**base))
    assert assumed["eligible"] is True
    assert any(clause in condition for condition in assumed["assumed"])
    refused = quote(code, *facts(**base, **{fact: "false"}))
    assert refused["eligible"] is False
    assert any(clause in reason for reason in refused["reasons"])
    confirmed = quote(code, *facts(**base, **{fact: "true"}))
    assert not any(clause in condition for condition in confirmed["assumed"])


def test_matching_for_a_district_level_project_is_ineligible(today):
    """8(1) "对获得国家级、市级……项目资金扶持的"."""
    refused = quote("8.1", *facts(superior_funding=100, project_ref="Q-1", superior_level="other"))
    assert refused["eligible"] is False
    assumed = quote("8.1", *facts(superior_funding=100, project_ref="Q-1"))
    assert assumed["eligible"] is True and assumed["assumed"]


def test_conditions_that_were_facts_before_keep_their_behaviour(today):
    """in_key_carrier absent still means "no" for 6.1c; in_fiscal_it_budget absent still means "no"
    for 8.3."""
    assert quote("6.1c", *facts(annual_rent=100, call_rate=0.5))["eligible"] is False
    assert quote("8.3", *facts(total_investment=100))["eligible"] is True


# ------------------------------------------------------------------ Art. 2 信用记录良好


def test_an_organisation_on_the_abnormal_operation_list_is_not_in_good_standing(org):
    """Art. 2 "信用记录良好": 经营异常名录 is not good standing."""
    org.in_abnormal_list = True
    org.save()
    result = quote_org(org, "7.1", self_raised_investment="1000000")
    assert not result.eligible
    assert any("经营异常名录" in reason for reason in result.reasons)

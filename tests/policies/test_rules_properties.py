"""Properties of the money engine that hold for every item of the real 2024 round, for any input.

The rules are built once per module from `loadpolicy` (rolled back afterwards): hypothesis then
runs each property many times against the same pure data, with no database work per example.
"""

import io
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies.models import PolicyRound
from policies.rules import (
    CALL_CEILING,
    FEN,
    OTHER_POLICY_AWARDS,
    PRIOR_AWARDS,
    ZERO,
    FactSpec,
    FactType,
    Quote,
    Rule,
    Validity,
    parse_facts,
    quote,
)

from .test_rules import ITEM_CODES, ROUND

# The module's rules are read from the test database, so it must exist even for pure tests.
pytestmark = pytest.mark.django_db

# Items with a running ceiling, and items whose amount grows with a basis fact (all but the fixed 8.4b);
# pinned against the data by the first test, so the parametrisation below cannot drift from it.
RUNNING_CEILING_CODES = ("8.1", "8.4a", "8.4b", "8.6", "9.1", "9.2a", "9.2b", "9.2c")
BASIS_CODES = tuple(code for code in ITEM_CODES if code != "8.4b")
ON = date(2025, 6, 1)
TWO_PLACES = re.compile(r"^\d+\.\d{2}$")

# Moderate, so the whole file runs in seconds; every example is a pure computation.
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def rules(django_db_setup, django_db_blocker) -> dict[str, Rule]:
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("loadpolicy", stdout=io.StringIO())
        policy_round = PolicyRound.objects.get(code=ROUND)
        assert (policy_round.valid_from, policy_round.valid_until) == (date(2024, 1, 1), date(2026, 12, 31))
        built = {
            item.code: item.to_rule() for item in policy_round.items.prefetch_related("facts", "conditions")
        }
        transaction.set_rollback(True)
    return built


# ------------------------------------------------------------------ strategies


def money(high: int = 50_000_000) -> st.SearchStrategy[Decimal]:
    """Yuan with fen, spread over the orders of magnitude from 0 to `high`.

    Ceilings run from 200,000 to 5,000,000 and bases from nothing to tens of millions; drawing the
    digits and the number of trailing zeros apart makes a basis, an earlier award and a ceiling meet
    often, round figures included, which a uniform draw up to `high` would rarely do.
    """

    def build(parts: tuple[int, int, int]) -> Decimal:
        digits, zeros, fen = parts
        value = Decimal(digits * 10**zeros) + Decimal(fen).scaleb(-2)
        return min(value, Decimal(high)).quantize(FEN)

    return st.tuples(
        st.integers(min_value=0, max_value=99_999),
        st.integers(min_value=0, max_value=4),
        st.integers(min_value=0, max_value=99),
    ).map(build)


INCREASE = money()


def fact_value(spec: FactSpec) -> st.SearchStrategy[str | None]:
    """Any valid raw value for one fact; optional facts are sometimes left out (None)."""
    if spec.type == FactType.MONEY:
        value = money().map(str)
    elif spec.type == FactType.INTEGER:
        value = st.integers(min_value=0, max_value=6).map(str)
    elif spec.type == FactType.DECIMAL:
        value = st.integers(min_value=0, max_value=300).map(lambda n: str(Decimal(n).scaleb(-2)))
    elif spec.type == FactType.BOOLEAN:
        value = st.sampled_from(["true", "false"])
    elif spec.type == FactType.CHOICE:
        value = st.sampled_from([choice for choice, _label in spec.choices])
    else:
        value = st.text(alphabet="ABCZD0123456789", min_size=1, max_size=12)
    return value if spec.required else st.none() | value


def raw_facts(rule: Rule) -> st.SearchStrategy[dict[str, str]]:
    """The item's own facts, what was already awarded, and the call's figures where it sets them."""
    fields: dict[str, st.SearchStrategy[str | None]] = {spec.name: fact_value(spec) for spec in rule.facts}
    fields[PRIOR_AWARDS] = st.none() | money(6_000_000).map(str)
    fields[OTHER_POLICY_AWARDS] = st.none() | money(6_000_000).map(str)
    fields[CALL_CEILING] = st.none() | money(5_000_000).map(str)
    if rule.needs_call_rate:
        fields["call_rate"] = st.integers(min_value=0, max_value=10_000).map(
            lambda n: str(Decimal(n).scaleb(-4))
        )
    return st.fixed_dictionaries(fields).map(lambda d: {k: v for k, v in d.items() if v is not None})


_strategies: dict[str, st.SearchStrategy[tuple[Rule, dict[str, str]]]] = {}


def item_and_facts(rules: dict[str, Rule], code: str) -> st.SearchStrategy[tuple[Rule, dict[str, str]]]:
    # Built once per item: building strategies anew for every example costs more than the example.
    if code not in _strategies:
        rule = rules[code]
        _strategies[code] = raw_facts(rule).map(lambda raw: (rule, raw))
    return _strategies[code]


def quoted(rule: Rule, raw: dict[str, str], **awards: Decimal) -> Quote:
    facts = parse_facts(rule, raw)
    return quote(rule, facts, validity=Validity(date(2024, 1, 1), date(2026, 12, 31), ON), **awards)


def given_item(test):
    """Run `test(rule, raw)` on many generated inputs for the parametrised item code."""

    @PROPERTY
    @given(data=st.data())
    def run(rules, code, data):
        rule, raw = data.draw(item_and_facts(rules, code), label="facts")
        test(rule, raw)

    run.__name__ = test.__name__
    run.__doc__ = test.__doc__
    return pytest.mark.parametrize("code", ITEM_CODES)(run)


# ------------------------------------------------------------------ the lists above match the data


def test_the_property_lists_match_the_loaded_items(rules):
    assert sorted(rules) == sorted(ITEM_CODES)
    assert {c for c, r in rules.items() if r.running_ceiling is not None} == set(RUNNING_CEILING_CODES)
    assert {c for c, r in rules.items() if r.basis_fact} == set(BASIS_CODES)


# ------------------------------------------------------------------ properties


@given_item
def test_amount_is_never_negative_and_has_exactly_two_places(rule, raw):
    result = quoted(rule, raw)
    assert result.amount >= 0
    assert TWO_PLACES.match(str(result.amount)), str(result.amount)
    assert result.amount.as_tuple().exponent == -2
    assert result.steps[-1].amount == result.amount
    if not result.eligible:
        assert result.amount == ZERO and result.reasons


@given_item
def test_amount_never_exceeds_the_items_own_ceiling_nor_the_calls(rule, raw):
    result = quoted(rule, raw)
    if rule.per_application_ceiling is not None:
        assert result.amount <= rule.per_application_ceiling
    if CALL_CEILING in raw:
        assert result.amount <= Decimal(raw[CALL_CEILING])
    if rule.combined_ceiling_rate is not None:
        base = Decimal(raw[rule.basis_fact])
        other = Decimal(raw[rule.combined_other_fact])
        assert result.amount <= max(ZERO, base * rule.combined_ceiling_rate - other) + Decimal("0.005")


@pytest.mark.parametrize("code", RUNNING_CEILING_CODES)
@PROPERTY
@given(data=st.data())
def test_amount_never_exceeds_what_is_left_of_the_running_ceiling(rules, code, data):
    rule, raw = data.draw(item_and_facts(rules, code), label="facts")
    result = quoted(rule, raw)
    prior = Decimal(raw.get(PRIOR_AWARDS, "0"))
    assert result.amount <= max(ZERO, rule.running_ceiling - prior)


@given_item
def test_same_matter_total_never_exceeds_the_single_entitlement(rule, raw):
    """Art. 10(2): what this item adds for a matter is at most its entitlement minus what was paid for it."""
    other = Decimal(raw.get(OTHER_POLICY_AWARDS, "0"))
    # The entitlement: what this item pays for these facts with nothing awarded anywhere yet. A condition
    # the text sets on the first award only (8(4) 首次) binds nothing once something was paid, so the
    # entitlement of a follow-up (晋档补差) is the item's as if that first award had met it.
    first = replace(rule, conditions=tuple(c for c in rule.conditions if not c.first_award_only))
    entitlement = quoted(first, raw, prior_awards=ZERO, other_policy_awards=ZERO).amount
    result = quoted(rule, raw)
    assert result.amount <= max(ZERO, entitlement - other)


@pytest.mark.parametrize("code", BASIS_CODES)
@PROPERTY
@given(data=st.data())
def test_amount_never_decreases_as_the_basis_grows(rules, code, data):
    rule, raw = data.draw(item_and_facts(rules, code), label="facts")
    more = data.draw(INCREASE, label="increase")
    larger = {**raw, rule.basis_fact: str(Decimal(raw[rule.basis_fact]) + more)}
    assert quoted(rule, larger).amount >= quoted(rule, raw).amount

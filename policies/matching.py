"""政策匹配: every item of a round quoted for one set of facts, and the calls open for them.

One engine call per item (services.quote_item), inside ledger.shared_reads so an organisation's awards and
standing are read once for the whole page: the number of queries does not grow with items or awards.

The calls are the applications app's (a higher app): they arrive through settings.OPEN_CALL_ITEMS, a
function returning the call items open now (with `call`, `call.round` and `item` fetched), so policies never
imports that app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import rules, services
from .ledger import AwardQuery, awarded_sums, shared_reads
from .models import PolicyItem, PolicyRound, in_active_language

ELIGIBLE, DEPENDS, INELIGIBLE = "eligible", "depends", "ineligible"


@cache
def _open_call_items_source() -> Callable[..., Iterable[Any]] | None:
    path = getattr(settings, "OPEN_CALL_ITEMS", "")
    return import_string(path) if path else None


def open_call_items(at: datetime | None = None) -> list[Any]:
    """The call items open now, soonest closing first (one query); empty when no app provides calls."""
    source = _open_call_items_source()
    return list(source(at)) if source else []


def calls_by_item_code(call_items: Iterable[Any], *, round: PolicyRound | None = None) -> dict[str, Any]:
    """The open call item for each item code, in whichever round (an item keeps its code across rounds);
    a call of `round` first, then the one that closes soonest."""
    chosen: dict[str, Any] = {}
    for call_item in call_items:
        code = call_item.item.code
        current = chosen.get(code)
        if current is None or (
            round is not None and call_item.item.round_id == round.pk and current.item.round_id != round.pk
        ):
            chosen[code] = call_item
    return chosen


def days_left(closes_at: datetime, *, today: date | None = None) -> int:
    """Whole days from today to the closing day (Shanghai): 0 on the closing day itself."""
    today = today or timezone.localdate()
    return (timezone.localdate(closes_at) - today).days


def topics_of(policy_round: PolicyRound) -> list[dict[str, str]]:
    """The round's topics with their names in the visitor's language."""
    return [
        {"code": t["code"], "name": in_active_language(t["name"], t.get("name_en", ""))}
        for t in policy_round.topics
    ]


@dataclass
class Match:
    """What one item means for the facts given: eligible, not, or depending on what is still missing."""

    item: PolicyItem
    status: str
    amount: Decimal | None = None  # the engine's estimate, when every fact it needs was known
    up_to: Decimal | None = None  # else the ceiling the item states, if any
    missing: list[str] = field(default_factory=list)  # labels of facts not known yet
    to_confirm: list[str] = field(default_factory=list)  # conditions taken as met (待确认)
    reasons: list[str] = field(default_factory=list)
    steps: tuple[rules.Step, ...] = ()
    running_ceiling: Decimal | None = None
    running_used: Decimal | None = None
    call_item: Any = None
    facts: dict[str, str] = field(default_factory=dict)  # what the application would be pre-filled with

    @property
    def eligible(self) -> bool:
        return self.status == ELIGIBLE

    @property
    def depends(self) -> bool:
        return self.status == DEPENDS


def with_rule_data(items: list[PolicyItem]) -> list[PolicyItem]:
    """Facts and conditions of every item in two queries (what to_rule reads)."""
    prefetch_related_objects(items, "facts", "conditions")
    return items


def _unknown(rule: rules.Rule, raw: Mapping[str, object]) -> list[str]:
    """Facts the quote needs that were not given: required ones, and any a condition is on (an unanswered
    yes/no would otherwise read as "no")."""
    conditioned = {c.fact for c in rule.conditions}
    assumable = rule.assumable_facts
    return [
        spec.name
        for spec in rule.facts
        if spec.name not in assumable
        and (spec.required or spec.name in conditioned)
        and str(raw.get(spec.name) or "").strip() == ""
    ]


def match_item(
    item: PolicyItem,
    raw: Mapping[str, object],
    *,
    on: date,
    organization=None,
    call_item: Any = None,
) -> Match:
    """One engine call for one item. `raw` holds the item's facts as known (typed or recorded) and, for an
    anonymous visitor, org_type / org_flags."""
    rule = item.to_rule()
    known = {spec.name for spec in rule.facts} | set(rules.APPLICANT_FACTS if organization is None else ())
    facts = {name: value for name, value in raw.items() if name in known and value not in (None, "", [])}
    unknown = _unknown(rule, facts)
    labels = {spec.name: spec.label for spec in rule.facts}
    match = Match(item=item, status=ELIGIBLE, call_item=call_item)
    match.facts = {n: str(v) for n, v in facts.items() if n not in rules.APPLICANT_FACTS}
    match.missing = [labels[name] for name in unknown]
    year = call_item.call.year if call_item is not None else on.year
    try:
        quote = services.quote_item(
            item=item,
            raw_facts=facts,
            on=on,
            organization=organization,
            year=year,
            call_rate=getattr(call_item, "rate", None),
            call_ceiling_fen=getattr(call_item, "ceiling_fen", None),
            unknown=unknown,
        )
    except rules.FactError as exc:
        # The rate of a "一定" item with no open call, or a fact recorded earlier that no longer parses.
        match.status = DEPENDS
        if rules.CALL_RATE in exc.errors:
            match.missing.append(_("年度申报指南确定的补贴比例(目前没有开放的申报批次)"))
        match.missing += [str(m) for n, m in exc.errors.items() if n != rules.CALL_RATE]
        return match
    match.steps = quote.steps
    match.to_confirm = list(quote.assumed)
    if not quote.eligible:
        match.status = INELIGIBLE
        match.reasons = list(quote.reasons)
        return match
    basis_known = rule.formula == rules.Formula.FIXED or rule.basis_fact not in unknown
    if basis_known:
        match.amount = quote.amount
    else:
        ceilings = [
            c for c in (rule.per_application_ceiling, rules.fen_to_yuan(match_ceiling(call_item))) if c
        ]
        match.up_to = min(ceilings) if ceilings else None
    if rule.running_ceiling is not None and organization is not None:
        sums = awarded_sums(
            AwardQuery(organization=organization, item=item, year=year, facts=facts, matter="")
        )
        match.running_ceiling, match.running_used = rule.running_ceiling, sums.running
        if match.up_to is not None:
            match.up_to = min(match.up_to, max(rules.ZERO, rule.running_ceiling - sums.running))
    if unknown or quote.assumed:
        match.status = DEPENDS
    return match


def match_ceiling(call_item: Any) -> int | None:
    return getattr(call_item, "ceiling_fen", None)


def match_items(
    items: list[PolicyItem],
    *,
    facts_for: Callable[[PolicyItem], Mapping[str, object]],
    on: date,
    organization=None,
    calls: Mapping[str, Any] | None = None,
) -> list[Match]:
    """Every item quoted once (items with facts and conditions prefetched: with_rule_data)."""
    calls = calls or {}
    with shared_reads():
        return [
            match_item(
                item, facts_for(item), on=on, organization=organization, call_item=calls.get(item.code)
            )
            for item in items
        ]


def by_status(matches: list[Match]) -> list[Match]:
    """Eligible first, then those that depend on something, then the rest; the round's order within each."""
    order = {ELIGIBLE: 0, DEPENDS: 1, INELIGIBLE: 2}
    return sorted(matches, key=lambda m: order[m.status])

"""Read queries for the public pages, each a fixed number of SQL queries whatever the row count.

The public never sees a draft round: every lookup here filters drafts out, so a draft's URL is a 404
exactly like a code that does not exist.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from .models import Article, PolicyItem, PolicyRound

PUBLIC_STATUSES = (PolicyRound.Status.PUBLISHED, PolicyRound.Status.EXPIRED)

# Art. 2 (适用对象) is the part of "who may apply" that every item shares.
ELIGIBILITY_ARTICLE = 2


def public_rounds() -> QuerySet[PolicyRound]:
    """Published and expired rounds (expired ones stay listed so the history reads right)."""
    return PolicyRound.objects.filter(status__in=PUBLIC_STATUSES).order_by("-valid_from", "code")


def current_rounds(*, today: date) -> list[PolicyRound]:
    """Published rounds in force on `today` (one query)."""
    return list(
        PolicyRound.objects.filter(
            status=PolicyRound.Status.PUBLISHED, valid_from__lte=today, valid_until__gte=today
        ).order_by("-valid_from", "code")
    )


def main_round(rounds: list[PolicyRound]) -> PolicyRound | None:
    """Of the rounds in force, the one the portal leads with: an official round before a demo copy."""
    return min(rounds, key=lambda r: r.is_demo, default=None)


def articles_with_items(*, policy_round: PolicyRound, topic: str = "") -> list[Article]:
    """The round's articles that have items (of `topic`, when given), each with `shown_items`: two queries."""
    items = PolicyItem.objects.filter(round=policy_round).order_by("sort_order", "code")
    articles = list(
        Article.objects.filter(round=policy_round)
        .order_by("number")
        .prefetch_related(Prefetch("items", queryset=items))
    )
    for article in articles:
        article.shown_items = [i for i in article.items.all() if not topic or topic in i.topics]
    return [a for a in articles if a.shown_items]


def public_round_with_articles(*, code: str) -> PolicyRound:
    """The round, its articles in order and each article's items in order: three queries, or 404."""
    items = PolicyItem.objects.order_by("sort_order", "code")
    articles = Article.objects.order_by("number").prefetch_related(Prefetch("items", queryset=items))
    return get_object_or_404(
        public_rounds().prefetch_related(Prefetch("articles", queryset=articles)), code=code
    )


def public_item(*, code: str, item: str) -> PolicyItem:
    """The item with everything its page and the engine read (facts, conditions, materials), or 404."""
    return get_object_or_404(
        PolicyItem.objects.select_related("round", "article").prefetch_related(
            "facts", "conditions", "materials"
        ),
        round__status__in=PUBLIC_STATUSES,
        round__code=code,
        code=item,
    )


def eligibility_article(*, round: PolicyRound) -> Article | None:
    return Article.objects.filter(round=round, number=ELIGIBILITY_ARTICLE).first()


def calculator_rounds() -> list[PolicyRound]:
    """Rounds the calculator offers: published ones (an expired round has nothing left to apply for)."""
    return list(
        PolicyRound.objects.filter(status=PolicyRound.Status.PUBLISHED).order_by("-valid_from", "code")
    )


def default_calculator_round(rounds: list[PolicyRound], *, today: date) -> PolicyRound | None:
    """The round in force today (an official one before a demo one), else the newest one offered."""
    valid = sorted((r for r in rounds if r.is_valid_on(today)), key=lambda r: r.is_demo)
    return valid[0] if valid else (rounds[0] if rounds else None)


def round_items(*, round: PolicyRound) -> list[PolicyItem]:
    # Through the related manager, so each item's `.round` is this instance, not one query per item.
    return list(round.items.order_by("sort_order", "code"))


def with_rule_data(item: PolicyItem) -> PolicyItem:
    """Prefetch what `to_rule()` and the calculator form read (facts, conditions): two queries."""
    prefetch_related_objects([item], "facts", "conditions")
    return item


@dataclass
class CalculatorChoice:
    """What the calculator was asked for: the rounds it offers, the chosen round and item, and why not."""

    rounds: list[PolicyRound]
    round: PolicyRound | None
    items: list[PolicyItem]
    item: PolicyItem | None
    errors: dict[str, str] = field(default_factory=dict)


def calculator_choice(*, round_code: str, item_code: str, today: date) -> CalculatorChoice:
    """Resolve the round and item codes of a calculator request: at most five queries."""
    rounds = calculator_rounds()
    errors: dict[str, str] = {}
    if round_code:
        chosen = next((r for r in rounds if r.code == round_code), None)
        if chosen is None:
            errors["round"] = _("没有找到可计算的政策版本“%(code)s”。") % {"code": round_code}
    else:
        chosen = default_calculator_round(rounds, today=today)
    items = round_items(round=chosen) if chosen else []
    item = None
    if chosen and item_code:
        item = next((i for i in items if i.code == item_code), None)
        if item is None:
            errors["item"] = _("该政策版本中没有项目“%(code)s”,请重新选择。") % {"code": item_code}
        else:
            with_rule_data(item)
    return CalculatorChoice(rounds=rounds, round=chosen, items=items, item=item, errors=errors)

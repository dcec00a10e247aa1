"""What an organisation was already awarded, gathered for the engine's running ceilings and Art. 10(2).

The engine is pure; this is where the sums come from. Apps above `policies` (applications,
disbursement) register their own sources in settings.POLICY_AWARD_LEDGERS, so policies never imports
them (dependencies point one way: accounts ← policies ← applications ← …).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.module_loading import import_string

from . import rules

if TYPE_CHECKING:
    from accounts.models import Organization

    from .models import PolicyItem


@dataclass(frozen=True)
class AwardedSums:
    running: Decimal = rules.ZERO  # counts against the item's running ceiling (its window)
    same_matter: Decimal = rules.ZERO  # awarded for the same matter under other items or policies
    highest_level: int | None = None  # 晋档补差: the highest level already awarded under the item

    def __add__(self, other: AwardedSums) -> AwardedSums:
        levels = [level for level in (self.highest_level, other.highest_level) if level is not None]
        return AwardedSums(
            self.running + other.running,
            self.same_matter + other.same_matter,
            max(levels) if levels else None,
        )


@dataclass(frozen=True)
class AwardQuery:
    organization: Organization
    item: PolicyItem
    year: int
    facts: Mapping[str, object]
    matter: str
    # matters.matter_key of the matter for the year: what Art. 10(2) compares, across every round.
    matter_key: str = ""
    exclude_application_id: int | None = None


Source = Callable[[AwardQuery], AwardedSums]


def recorded_awards(query: AwardQuery) -> AwardedSums:
    """Awards from other district policies that staff recorded for the same matter (Art. 10(2))."""
    if not query.matter_key:
        return AwardedSums()
    from .models import RecordedAward

    # Compared in Python, normalised (matters.normalise): one organisation has few such rows.
    recorded = memoised(
        ("recorded_awards", query.organization.pk),
        lambda: list(RecordedAward.objects.filter(organization=query.organization)),
    )
    fen = sum(
        award.amount_fen
        for award in recorded  # type: ignore[attr-defined]
        if award.matter_key_for(query.matter_key) == query.matter_key
    )
    return AwardedSums(same_matter=rules.fen_to_yuan(fen) or rules.ZERO)


# The rows each source read for an organisation, kept for the length of one page (shared_reads): the
# matching page quotes every item of a round, and must not read the same awards once per item.
_shared: ContextVar[dict | None] = ContextVar("policies_ledger_shared_reads", default=None)


@contextmanager
def shared_reads() -> Iterator[None]:
    """Within this block, `memoised` reads run once: a constant number of queries for any number of items.
    Only for reads that nothing inside the block changes (a page, not a service that writes)."""
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def memoised(key: tuple, load: Callable[[], object]):
    """`load()`, run once per key inside `shared_reads`, every time outside it."""
    memo = _shared.get()
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return memo[key]


@cache
def _sources() -> tuple[Source, ...]:
    return tuple(import_string(path) for path in settings.POLICY_AWARD_LEDGERS)


def awarded_sums(query: AwardQuery) -> AwardedSums:
    total = AwardedSums()
    for source in _sources():
        total = total + source(query)
    return total

"""What this portal has already awarded an organisation, for the engine's running ceilings and 10(2).

Registered in settings.POLICY_AWARD_LEDGERS; policies calls it without importing this app.
"""

from __future__ import annotations

from django.db.models import F, Q, Sum

from policies import rules
from policies.ledger import AwardedSums, AwardQuery

from .models import Application


def portal_awards(query: AwardQuery) -> AwardedSums:
    # Recognised awards count; withdrawn, rejected and not-yet-recognised ones do not (POLICY.md, Art. 10).
    awarded = Application.objects.filter(
        organization=query.organization, status=Application.Status.RECOGNISED, awarded_fen__isnull=False
    )
    if query.exclude_application_id:
        awarded = awarded.exclude(pk=query.exclude_application_id)

    running = (
        _sum(awarded.filter(_running_window(query))) if query.item.running_window != rules.Window.NONE else 0
    )
    same_matter = 0
    if query.matter:
        # 10(2): the same matter under any item of this round counts toward "就高不重复".
        same_matter = _sum(awarded.filter(item__round_id=query.item.round_id, matter_ref=query.matter))
    return AwardedSums(
        running=rules.fen_to_yuan(running) or rules.ZERO,
        same_matter=rules.fen_to_yuan(same_matter) or rules.ZERO,
    )


def _running_window(query: AwardQuery) -> Q:
    # The same item is the same code, across rounds: a new round does not reset a running ceiling.
    item = query.item
    same_item = Q(item__code=item.code)
    window = item.running_window
    if window == rules.Window.YEAR:
        return same_item & Q(call_item__call__year=query.year)
    if window in (rules.Window.PROJECT, rules.Window.ACHIEVEMENT):
        key = item.running_key_fact
        value = query.facts.get(key)
        if value in (None, ""):
            return Q(pk__in=[])  # no project or achievement named: nothing to count against
        return same_item & Q(**{f"facts__{key}": str(value)})
    return same_item  # per organisation, ever


def _sum(queryset) -> int:
    # A clawed-back amount no longer counts toward the organisation's ceilings (issue 5).
    return queryset.aggregate(total=Sum(F("awarded_fen") - F("clawed_back_fen")))["total"] or 0

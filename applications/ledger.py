"""What this portal already awarded an organisation: for the running ceilings, 晋档补差 and 10(2).

Registered in settings.POLICY_AWARD_LEDGERS; policies calls it without importing this app.

One query: the organisation's recognised applications, in every round. Matters and project references are
typed by enterprises, so they are compared normalised (policies.matters), in Python; one organisation has
few recognised applications.
"""

from __future__ import annotations

from policies import matters, rules
from policies.ledger import AwardedSums, AwardQuery, memoised

from .models import Application


def recognised(organization, *, exclude_application_id: int | None = None) -> list[Application]:
    """The organisation's recognised awards in every round (withdrawn, rejected and not yet recognised ones
    do not count: POLICY.md, Art. 10), with what the keys need. Read once per page inside
    policies.ledger.shared_reads (the matching page quotes every item)."""
    return memoised(  # type: ignore[return-value]
        ("recognised", organization.pk, exclude_application_id),
        lambda: _recognised(organization, exclude_application_id),
    )


def _recognised(organization, exclude_application_id: int | None) -> list[Application]:
    awarded = Application.objects.filter(
        organization=organization, status=Application.Status.RECOGNISED, awarded_fen__isnull=False
    ).select_related("item", "call_item__call")
    if exclude_application_id:
        awarded = awarded.exclude(pk=exclude_application_id)
    return list(awarded)


def application_matter_key(application: Application) -> str:
    return matters.matter_key(
        item=application.item, matter_ref=application.matter_ref, year=application.call_item.call.year
    )


def portal_awards(query: AwardQuery) -> AwardedSums:
    item = query.item
    running = same_matter = 0
    levels: list[int] = []
    for application in recognised(query.organization, exclude_application_id=query.exclude_application_id):
        net = _net(application)
        same_item = application.item.code == item.code  # across rounds: a new round resets no ceiling
        if same_item and item.running_window != rules.Window.NONE and _in_window(application, query):
            running += net
            level = _level(application, item.level_fact)
            if level is not None and net > 0:
                levels.append(level)
        if query.matter_key and application_matter_key(application) == query.matter_key:
            # 10(2) across every round and item. Tranches of one project under a per-project cap (8.1) are
            # not duplicates: that cap governs them (the ruling on 8(1)).
            if not (same_item and item.running_window == rules.Window.PROJECT):
                same_matter += net
    return AwardedSums(
        running=rules.fen_to_yuan(running) or rules.ZERO,
        same_matter=rules.fen_to_yuan(same_matter) or rules.ZERO,
        highest_level=max(levels) if levels else None,
    )


def _in_window(application: Application, query: AwardQuery) -> bool:
    window = query.item.running_window
    if window == rules.Window.YEAR:
        return application.call_item.call.year == query.year
    if window in (rules.Window.PROJECT, rules.Window.ACHIEVEMENT):
        key = query.item.running_key_fact
        wanted = matters.normalise(str(query.facts.get(key) or ""))
        # No project or achievement named: nothing to count against (the form requires one for 8.1).
        return bool(wanted) and matters.normalise(str(application.facts.get(key) or "")) == wanted
    return True  # per organisation, ever (8.4a's 500,000; 6.1a once)


def _level(application: Application, level_fact: str) -> int | None:
    if not level_fact:
        return None
    try:
        return int(str(application.facts.get(level_fact, "")).strip())
    except ValueError:
        return None


def _net(application: Application) -> int:
    # A clawed-back amount no longer counts toward the organisation's ceilings (issue 5).
    return (application.awarded_fen or 0) - application.clawed_back_fen

"""The calculator's facts, kept in the session so they survive sign-up, login and creating the organisation
(Django's login keeps the session's data: it cycles the key), and arrive in the application."""

from __future__ import annotations

from collections.abc import Mapping

from django.http import HttpRequest

SESSION_KEY = "calculator_facts"
# The calculator's own fields are not the item's facts; everything else typed is kept, within bounds, and
# only the item's facts are used when an application starts (views._facts_from).
NOT_FACTS = {
    "round",
    "item",
    "prior_awards",
    "other_policy_awards",
    "awarded_level",
    "call_rate",
    "call_ceiling",
}
MAX_FACTS, MAX_LENGTH = 30, 200


def remember(request: HttpRequest, data: Mapping[str, str]) -> None:
    item = str(data.get("item", ""))[:MAX_LENGTH]
    if not item:
        return
    facts = {
        str(name)[:60]: str(value)[:MAX_LENGTH]
        for name, value in list(data.items())[: MAX_FACTS + len(NOT_FACTS)]
        if name not in NOT_FACTS and str(value).strip() and "\x00" not in str(name) + str(value)
    }
    if not facts:
        return  # a bare link (no figures typed) must not replace figures kept earlier
    request.session[SESSION_KEY] = {
        "round": str(data.get("round", ""))[:MAX_LENGTH],
        "item": item,
        "facts": dict(list(facts.items())[:MAX_FACTS]),
    }


def remembered(request: HttpRequest) -> dict | None:
    kept = request.session.get(SESSION_KEY)
    return kept if isinstance(kept, dict) and isinstance(kept.get("facts"), dict) else None


def forget(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)

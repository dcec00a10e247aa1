"""本单位可以申报哪些: every item of the current round for the user's organisation, from what it recorded.

Facts come from, in order: what was typed in the calculator this session (for that item), then the
organisation's latest application of the same item code in any round; the type, flags, Art. 2 record and
earlier awards come from the database inside the engine's call (policies.services.quote_item). One engine call
per item and a constant number of queries (policies.matching; pinned by tests).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from policies import matching
from policies import selectors as policy_selectors

from .calculator_session import remembered
from .selectors import latest_facts_by_item_code
from .views import organization_required


@organization_required
@require_GET
def match(request: HttpRequest, organization) -> HttpResponse:
    today = timezone.localdate()
    policy_round = policy_selectors.main_round(policy_selectors.current_rounds(today=today))
    matches = None
    if policy_round is not None:
        recorded = latest_facts_by_item_code(organization)
        typed = remembered(request)

        def facts_for(item):
            if typed and typed["item"] == item.code:
                return {**recorded.get(item.code, {}), **typed["facts"]}
            return recorded.get(item.code, {})

        matches = matching.by_status(
            matching.match_items(
                matching.with_rule_data(policy_selectors.round_items(round=policy_round)),
                facts_for=facts_for,
                on=today,
                organization=organization,
                calls=matching.calls_by_item_code(matching.open_call_items(), round=policy_round),
            )
        )
    return render(
        request,
        "applications/match.html",
        {"organization": organization, "policy_round": policy_round, "matches": matches},
    )

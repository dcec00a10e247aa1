"""The open calls page (正在受理的申报批次) runs the same queries for one open item as for all 23."""

from decimal import Decimal

import pytest
from django.urls import reverse

from applications.models import Call, CallItem
from policies.models import PolicyItem
from tests.applications.conftest import CLOSES, OPENS

pytestmark = pytest.mark.usefixtures("clock")

CALLS = reverse("applications:calls")


def open_call(title: str, codes: list[str] | None = None) -> Call:
    """A call open now under the 2024 round, with the items named (all of the round's when None)."""
    items = PolicyItem.objects.filter(round__code="changning-ai-2024")
    if codes is not None:
        items = items.filter(code__in=codes)
    call = Call.objects.create(
        round_id=items[0].round_id, year=2025, title=title, opens_at=OPENS, closes_at=CLOSES
    )
    for item in items:
        # The "一定" items get the call's rate, as the admin insists.
        rate = Decimal("0.5") if item.to_rule().needs_call_rate else None
        CallItem.objects.create(call=call, item=item, rate=rate)
    return call


def test_the_open_calls_page_runs_the_same_queries_for_one_item_and_for_all_23(
    client, alice, django_assert_num_queries
):
    open_call("2025 年度人工智能专项申报", ["7.1"])
    client.force_login(alice)
    client.get(CALLS)  # warm up: content types, translations
    # session, user, membership + organisation, open call items with call, round, item and article
    # and the header's unread-message COUNT (accounts.context_processors.inbox, issue 6)
    with django_assert_num_queries(5) as one:
        page = client.get(CALLS)
    assert page.status_code == 200
    assert page.content.decode().count('class="card"') == 1

    open_call("2025 年度人工智能专项申报(第二批)")
    assert CallItem.objects.count() == 24
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(CALLS)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="card"') == 24
    assert "第二批" in html and "6.1a" in html

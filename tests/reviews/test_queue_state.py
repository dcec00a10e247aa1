"""The state the two approver queues read from the application row (issue 13), kept in step by the services.

The assignment queue lists Application.short_of_reviewers; the decision queue orders by copies of the
call's opening and the item's place (queue_opens_at, queue_item_order). A stale copy would show staff a
wrong work list, so every way the underlying figures change is followed here: assigning, a declared
conflict, the call's number or opening changed in the admin, an item moved by a policy reload.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.test import RequestFactory

from applications.models import Application, Call, CallItem
from applications.services import refresh_queue_keys
from reviews import services
from tests.applications.conftest import submitted
from tests.reviews.conftest import accepted, assign

pytestmark = pytest.mark.usefixtures("clock", "private_files")

SHANGHAI = ZoneInfo("Asia/Shanghai")
ASSIGN = "/review/assign/"
DECIDE = "/review/applications/"


def save_in_admin(call: Call, user, **changes) -> None:
    """What the call's admin page does on save with these fields changed."""
    for name, value in changes.items():
        setattr(call, name, value)
    request = RequestFactory().post("/admin/")
    request.user = user
    form = SimpleNamespace(changed_data=list(changes))
    admin.site._registry[Call].save_model(request, call, form, change=True)


def assign_queue(client) -> list[Application]:
    return list(client.get(ASSIGN).context["page"].object_list)


def decision_queue(client, **query) -> list[Application]:
    return list(client.get(DECIDE, query).context["page"].object_list)


# ---------------------------------------------------------------- short of reviewers


def test_a_conflict_with_no_reviewer_left_brings_the_application_back_to_the_assignment_queue(
    client, dora, under_review
):
    client.force_login(dora)
    assert under_review not in assign_queue(client)
    rex_assignment = under_review.assignments.get(reviewer__username="rex")
    services.declare_interest(actor=rex_assignment.reviewer, assignment=rex_assignment, has_conflict=True)
    rows = assign_queue(client)
    assert rows == [under_review] and (rows[0].active_count, rows[0].required_count) == (2, 3)


def test_a_conflict_replaced_by_the_next_reviewer_keeps_the_application_off_the_queue(
    client, dora, under_review, ruth
):
    client.force_login(dora)
    rex_assignment = under_review.assignments.get(reviewer__username="rex")
    declaration = services.declare_interest(
        actor=rex_assignment.reviewer, assignment=rex_assignment, has_conflict=True
    )
    assert declaration.replacement.reviewer == ruth
    assert under_review not in assign_queue(client)


def test_the_calls_number_changed_in_the_admin_moves_applications_on_and_off_the_queue(
    client, call, dora, rex, under_review, accepted_application
):
    client.force_login(dora)
    assert under_review not in assign_queue(client)
    save_in_admin(call, dora, reviewers_per_application=4)
    assert under_review in assign_queue(client)
    save_in_admin(call, dora, reviewers_per_application=3)
    assert under_review not in assign_queue(client)


def test_an_application_leaves_the_queue_when_its_last_place_is_filled(
    client, alice, bob, call, carol, dora, rex, rita, ross
):
    client.force_login(dora)
    application = accepted(bob, call, carol, code="9.1", facts={"service_cost": "400000"})
    assert assign_queue(client) == [application]
    assign(application, dora, [rex, rita])
    assert assign_queue(client) == [application]
    assign(application, dora, [ross])
    assert assign_queue(client) == []


# ---------------------------------------------------------------- the decision queue's order


@pytest.fixture
def older_call(call):
    """A second call open at the same time, opened earlier than `call`: its applications come after."""
    older = Call.objects.create(
        round=call.round,
        year=2024,
        title="2024 年度补充申报",
        opens_at=datetime(2025, 1, 2, 9, 0, tzinfo=SHANGHAI),
        closes_at=datetime(2025, 12, 31, 17, 0, tzinfo=SHANGHAI),
    )
    for call_item in call.call_items.all():
        CallItem.objects.create(call=older, item=call_item.item)
    return older


def test_the_decision_queue_lists_the_newest_call_first_then_items_in_policy_order_then_numbers(
    client, alice, bob, call, dora, older_call
):
    client.force_login(dora)
    old_one = submitted(alice, older_call, matter="早批次项目")
    cloud = submitted(bob, call, code="9.1", facts={"service_cost": "200000"}, matter="云服务")
    first = submitted(alice, call, matter="研发一")
    second = submitted(bob, call, matter="研发二")
    assert decision_queue(client) == [first, second, cloud, old_one]
    assert decision_queue(client, status=Application.Status.SUBMITTED, call=call.pk) == [first, second, cloud]

    # The older call reopened later (an admin correction): its applications move to the top.
    save_in_admin(older_call, dora, opens_at=datetime(2025, 3, 15, 9, 0, tzinfo=SHANGHAI))
    assert decision_queue(client) == [old_one, first, second, cloud]


def test_an_item_moved_in_the_policy_moves_its_applications_in_the_decision_queue(
    client, alice, bob, call, dora
):
    client.force_login(dora)
    cloud = submitted(bob, call, code="9.1", facts={"service_cost": "200000"}, matter="云服务")
    first = submitted(alice, call, matter="研发一")
    assert decision_queue(client) == [first, cloud]
    cloud_item = cloud.item
    cloud_item.sort_order = 0  # what a reload of the policy data with 9.1 listed first writes
    cloud_item.save(update_fields=["sort_order"])
    assert refresh_queue_keys(items=[cloud_item]) == 1
    assert decision_queue(client) == [cloud, first]
    assert refresh_queue_keys(items=[cloud_item]) == 0  # in step: nothing written again

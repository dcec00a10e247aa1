"""一事一议 (Art. 10(3)): an amount above the ceiling, with a written reason, in force only once a second,
different approver confirms it."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from applications.models import Application
from reviews.models import Decision, Override
from tests.reviews.decision_support import *  # noqa: F403 (fixtures)
from tests.reviews.decision_support import decide_url, decision_form, under_review

pytestmark = pytest.mark.usefixtures("clock", "private_files")

S = Application.Status


def propose_url(application):
    return f"/review/applications/{application.pk}/override/"


def confirm_url(override):
    return f"/review/overrides/{override.pk}/confirm/"


IMPACT = "市重大专项落地长宁,带动区内人工智能企业和研发机构协同攻关,对区域产业生态打造有重大影响。"


def propose(
    client,
    application,
    amount="800000",
    reason="市重大专项落地长宁,经区政府专题会议研究一企一策。",
    area="innovation",
    impact=IMPACT,
):
    return client.post(
        propose_url(application), {"amount": amount, "reason": reason, "area": area, "impact": impact}
    )


def test_the_whole_path_proposal_refusal_to_the_proposer_confirmation_decision(
    client, alice, dora, erin, call
):
    application = under_review(alice, call)
    client.force_login(dora)
    assert client.get(propose_url(application)).status_code == 200
    assert propose(client, application).status_code == 302
    override = Override.objects.get()
    assert override.status == Override.Status.PROPOSED
    assert override.amount_fen == 80000000 and override.ceiling_fen == 60000000
    assert override.proposed_by == dora

    # Proposed is not enough: the decision above the ceiling is still refused.
    refused = client.post(decide_url(application), decision_form(amount="800000"))
    assert refused.status_code == 400
    assert not Decision.objects.exists()

    # The proposer can neither open nor confirm their own proposal.
    assert client.get(confirm_url(override)).status_code == 403
    assert client.post(confirm_url(override), {"action": "confirm"}).status_code == 403
    override.refresh_from_db()
    assert override.status == Override.Status.PROPOSED and override.confirmed_by is None

    # A second approver confirms.
    client.force_login(erin)
    page = client.get(confirm_url(override)).content.decode()
    assert "¥800,000.00" in page and "一企一策" in page
    assert client.post(confirm_url(override), {"action": "confirm", "note": "同意"}).status_code == 302
    override.refresh_from_db()
    assert override.status == Override.Status.CONFIRMED and override.confirmed_by == erin

    # Now exactly that amount can be decided (by either approver), linked to the override.
    client.force_login(dora)
    assert client.post(decide_url(application), decision_form(amount="800000")).status_code == 302
    decision = Decision.objects.get()
    assert decision.amount_fen == 80000000
    assert decision.ceiling_fen == 60000000
    assert decision.override == override
    application.refresh_from_db()
    assert application.status == S.RECOMMENDED


def test_a_confirmed_override_allows_only_its_own_amount(client, alice, dora, erin, call):
    application = under_review(alice, call)
    client.force_login(dora)
    propose(client, application)
    client.force_login(erin)
    client.post(confirm_url(Override.objects.get()), {"action": "confirm"})
    response = client.post(decide_url(application), decision_form(amount="900000"))
    assert response.status_code == 400
    assert "超过引擎计算的上限 ¥600,000.00" in response.content.decode()
    assert not Decision.objects.exists()


def test_a_rejected_override_allows_nothing(client, alice, dora, erin, call):
    application = under_review(alice, call)
    client.force_login(dora)
    propose(client, application)
    override = Override.objects.get()
    client.force_login(erin)
    assert client.post(confirm_url(override), {"action": "reject"}).status_code == 400  # a note is required
    assert client.post(confirm_url(override), {"action": "reject", "note": "依据不足"}).status_code == 302
    override.refresh_from_db()
    assert override.status == Override.Status.REJECTED
    assert client.post(decide_url(application), decision_form(amount="800000")).status_code == 400
    assert not Decision.objects.exists()


def test_a_handled_override_cannot_be_confirmed_again(client, alice, dora, erin, call):
    application = under_review(alice, call)
    client.force_login(dora)
    propose(client, application)
    override = Override.objects.get()
    client.force_login(erin)
    client.post(confirm_url(override), {"action": "reject", "note": "依据不足"})
    assert client.post(confirm_url(override), {"action": "confirm"}).status_code == 400
    override.refresh_from_db()
    assert override.status == Override.Status.REJECTED


def test_a_proposal_needs_a_written_reason(approver_client, alice, call):
    application = under_review(alice, call)
    assert propose(approver_client, application, reason="").status_code == 400
    assert propose(approver_client, application, reason="   ").status_code == 400
    assert not Override.objects.exists()


def test_an_amount_within_the_ceiling_needs_no_override(approver_client, alice, call):
    application = under_review(alice, call)
    response = propose(approver_client, application, amount="600000")
    assert response.status_code == 400
    assert "无需一事一议" in response.content.decode()
    assert not Override.objects.exists()


@pytest.mark.parametrize("who", ["carol", "rex", "alice"])
def test_other_roles_cannot_propose_or_confirm(client, request, alice, carol, rex, dora, call, who):
    application = under_review(alice, call)
    client.force_login(dora)
    propose(client, application)
    override = Override.objects.get()
    client.force_login(request.getfixturevalue(who))
    assert propose(client, application, amount="900000").status_code == 403
    assert client.get(confirm_url(override)).status_code == 403
    assert client.post(confirm_url(override), {"action": "confirm"}).status_code == 403
    assert Override.objects.count() == 1
    override.refresh_from_db()
    assert override.status == Override.Status.PROPOSED


def test_anonymous_is_sent_to_log_in(client, alice, dora, call):
    application = under_review(alice, call)
    response = propose(client, application)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Override.objects.exists()


def test_the_database_refuses_the_same_person_proposing_and_confirming(alice, dora, call):
    application = under_review(alice, call)
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Override.objects.create(
            application=application,
            amount_fen=1,
            ceiling_fen=0,
            reason="r",
            proposed_by=dora,
            proposed_at=now,
            confirmed_by=dora,
            confirmed_at=now,
            status=Override.Status.CONFIRMED,
        )

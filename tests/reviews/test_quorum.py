"""The review quorum (issue 12): a decision needs the call's quorum of submitted reviews (Call.review_quorum,
by default every reviewer of the call); below it the decision page says how many are missing and the
service refuses, except by an exception with a written reason that a second approver confirms. Deciding
closes the assignments still open, with a note, and they leave the reviewer's list.

dora proposes, erin confirms; rex, rita and ross are the call's three reviewers."""

import importlib

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Notification
from accounts.roles import Role
from applications.models import Application
from audit.models import AuditRecord
from reviews import services
from reviews.models import Assignment, Decision, QuorumException, Score
from reviews.services.scoring import ScoreSheet
from tests.factories import UserFactory
from tests.reviews.decision_support import *  # noqa: F403 (fixtures)
from tests.reviews.decision_support import (
    decide_url,
    decision_form,
    submitted_review,
    under_review,
)

pytestmark = pytest.mark.usefixtures("clock", "private_files")

S = Application.Status
REASON = "两位评审专家因出国无法按期提交意见,批次办理期限将至,需先行审定。"


@pytest.fixture
def call(call):
    """The shared decision call, with its quorum left to the default: all three reviewers."""
    call.review_quorum = None
    call.save(update_fields=["review_quorum"])
    return call


@pytest.fixture
def rita(policy_data):
    return UserFactory(username="rita", roles=[Role.EXPERT_REVIEWER])


@pytest.fixture
def ross(policy_data):
    return UserFactory(username="ross", roles=[Role.EXPERT_REVIEWER])


def open_assignment(application, reviewer, status=Assignment.Status.SCORING) -> Assignment:
    now = timezone.now()
    return Assignment.objects.create(
        application=application,
        reviewer=reviewer,
        assigned_by=reviewer,
        assigned_at=now,
        declared_at=now if status == Assignment.Status.SCORING else None,
        status=status,
    )


def propose_url(application):
    return f"/review/applications/{application.pk}/quorum-exception/"


def confirm_url(exception):
    return f"/review/quorum-exceptions/{exception.pk}/confirm/"


def one_of_three(alice, call, rex, rita, ross) -> Application:
    """Under review, rex has submitted, rita is scoring, ross has not declared yet."""
    application = under_review(alice, call)
    submitted_review(application, rex)
    open_assignment(application, rita)
    open_assignment(application, ross, Assignment.Status.AWAITING_DECLARATION)
    return application


# ---------------------------------------------------------------- below the quorum


def test_the_quorum_is_the_calls_reviewers_unless_the_call_sets_it(call):
    assert call.reviewers_per_application == 3 and call.review_quorum is None
    assert call.quorum == 3
    call.review_quorum = 2
    assert call.quorum == 2
    call.review_quorum = 0
    assert call.quorum == 0
    call.review_quorum = 4
    with pytest.raises(ValidationError) as refused:
        call.clean()
    assert "review_quorum" in refused.value.message_dict


def test_the_page_says_how_many_reviews_are_missing_and_the_decision_is_refused(
    approver_client, alice, call, rex, rita, ross
):
    application = one_of_three(alice, call, rex, rita, ross)
    page = approver_client.get(decide_url(application)).content.decode()
    assert "已提交 1 份评审意见,需 3 份,还差 2 份" in page
    refused = approver_client.post(decide_url(application), decision_form(amount="500000"))
    assert refused.status_code == 400
    assert "已提交 1 份评审意见,需 3 份,还差 2 份" in refused.content.decode()
    assert not Decision.objects.exists()
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW
    # Refused, the reviewers are still at work.
    assert set(application.assignments.values_list("status", flat=True)) == {
        Assignment.Status.SUBMITTED,
        Assignment.Status.SCORING,
        Assignment.Status.AWAITING_DECLARATION,
    }


def test_no_review_at_all_is_refused_by_the_service_too(alice, dora, call):
    application = under_review(alice, call)
    with pytest.raises(ValidationError, match="已提交 0 份评审意见,需 3 份,还差 3 份"):
        services.record_decision(
            actor=dora, application=application, recommended=False, amount="0", reasons="材料不足"
        )


def test_with_the_quorum_submitted_the_decision_records_the_count(
    approver_client, alice, call, rex, rita, ross
):
    application = under_review(alice, call)
    for reviewer in (rex, rita, ross):
        submitted_review(application, reviewer)
    page = approver_client.get(decide_url(application)).content.decode()
    assert "已提交 3 份评审意见,本批次审定需 3 份,已达到" in page
    assert approver_client.post(decide_url(application), decision_form(amount="500000")).status_code == 302
    decision = Decision.objects.get()
    assert (decision.reviews_submitted, decision.reviews_required, decision.quorum_exception) == (3, 3, None)


def test_a_call_with_a_lower_quorum_is_decided_on_fewer_reviews(approver_client, alice, call, rex, rita):
    call.review_quorum = 2
    call.save(update_fields=["review_quorum"])
    application = under_review(alice, call)
    submitted_review(application, rex)
    submitted_review(application, rita)
    assert approver_client.post(decide_url(application), decision_form(amount="500000")).status_code == 302
    assert Decision.objects.get().reviews_required == 2


# ---------------------------------------------------------------- the exception: reason + second approver


def test_an_exception_needs_a_reason_of_twenty_characters(approver_client, alice, call, rex, rita, ross):
    application = one_of_three(alice, call, rex, rita, ross)
    response = approver_client.post(propose_url(application), {"reason": "专家没空"})
    assert response.status_code == 400
    assert "至少 20 个字" in response.content.decode()
    assert not QuorumException.objects.exists()


def test_the_whole_path_proposal_own_confirmation_refused_second_approver_decision(
    client, alice, dora, erin, call, rex, rita, ross
):
    application = one_of_three(alice, call, rex, rita, ross)
    client.force_login(dora)
    assert client.post(propose_url(application), {"reason": REASON}).status_code == 302
    exception = QuorumException.objects.get()
    assert (
        exception.status,
        exception.proposed_by,
        exception.reviews_submitted,
        exception.reviews_required,
    ) == (
        QuorumException.Status.PROPOSED,
        dora,
        1,
        3,
    )

    # Proposed is not enough.
    assert client.post(decide_url(application), decision_form(amount="500000")).status_code == 400
    assert not Decision.objects.exists()

    # The proposer can neither open nor confirm their own proposal.
    assert client.get(confirm_url(exception)).status_code == 403
    assert client.post(confirm_url(exception), {"action": "confirm"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.confirm_quorum_exception(actor=dora, exception=exception, confirm=True)
    exception.refresh_from_db()
    assert exception.status == QuorumException.Status.PROPOSED and exception.confirmed_by is None

    # A second approver confirms, seeing the reason and the count.
    client.force_login(erin)
    page = client.get(confirm_url(exception)).content.decode()
    assert REASON in page and "1 / 3" in page
    assert client.post(confirm_url(exception), {"action": "confirm", "note": "同意"}).status_code == 302
    exception.refresh_from_db()
    assert exception.status == QuorumException.Status.CONFIRMED and exception.confirmed_by == erin

    # Now the decision goes through, linked to the exception.
    client.force_login(dora)
    assert "已有经确认的例外" in client.get(decide_url(application)).content.decode()
    assert client.post(decide_url(application), decision_form(amount="500000")).status_code == 302
    decision = Decision.objects.get()
    assert decision.quorum_exception == exception
    assert (decision.reviews_submitted, decision.reviews_required) == (1, 3)
    # Audited: the proposal and its confirmation.
    actions = set(
        AuditRecord.objects.filter(object_type__iexact="reviews.quorumexception").values_list(
            "action", flat=True
        )
    )
    assert {"quorumexception.create", "quorumexception.update"} <= actions


def test_the_four_eyes_hold_in_the_database(alice, dora, call):
    application = under_review(alice, call)
    exception = services.propose_quorum_exception(actor=dora, application=application, reason=REASON)
    with pytest.raises(IntegrityError), transaction.atomic():
        QuorumException.objects.filter(pk=exception.pk).update(
            status=QuorumException.Status.CONFIRMED, confirmed_by=dora, confirmed_at=timezone.now()
        )


def test_a_rejected_exception_needs_a_note_and_leaves_the_decision_refused(alice, dora, erin, call):
    application = under_review(alice, call)
    exception = services.propose_quorum_exception(actor=dora, application=application, reason=REASON)
    with pytest.raises(ValidationError, match="不予确认时请写明意见"):
        services.confirm_quorum_exception(actor=erin, exception=exception, confirm=False)
    services.confirm_quorum_exception(actor=erin, exception=exception, confirm=False, note="请等待专家意见")
    exception.refresh_from_db()
    assert exception.status == QuorumException.Status.REJECTED
    with pytest.raises(ValidationError, match="还差 3 份"):
        services.record_decision(
            actor=dora, application=application, recommended=False, amount="0", reasons="材料不足"
        )
    with pytest.raises(ValidationError, match="已处理"):
        services.confirm_quorum_exception(actor=erin, exception=exception, confirm=True)


def test_no_exception_is_needed_once_the_quorum_is_met_and_none_twice(alice, dora, call, rex, rita, ross):
    application = under_review(alice, call)
    services.propose_quorum_exception(actor=dora, application=application, reason=REASON)
    with pytest.raises(ValidationError, match="待确认"):
        services.propose_quorum_exception(actor=dora, application=application, reason=REASON)
    for reviewer in (rex, rita, ross):
        submitted_review(application, reviewer)
    QuorumException.objects.all().delete()
    with pytest.raises(ValidationError, match="无需例外"):
        services.propose_quorum_exception(actor=dora, application=application, reason=REASON)


# ---------------------------------------------------------------- decided → open assignments closed


@pytest.fixture
def decided(alice, dora, erin, call, rex, rita, ross):
    """one_of_three, decided through a confirmed exception."""
    application = one_of_three(alice, call, rex, rita, ross)
    exception = services.propose_quorum_exception(actor=dora, application=application, reason=REASON)
    services.confirm_quorum_exception(actor=erin, exception=exception, confirm=True)
    services.record_decision(
        actor=dora, application=application, recommended=True, amount="500000", reasons="符合条件"
    )
    return application


def test_deciding_closes_the_open_assignments_with_a_note(decided, rex, rita, ross):
    by_reviewer = {a.reviewer_id: a for a in decided.assignments.all()}
    assert by_reviewer[rex.pk].status == Assignment.Status.SUBMITTED  # a submitted review stands
    for reviewer in (rita, ross):
        assignment = by_reviewer[reviewer.pk]
        assert assignment.status == Assignment.Status.CLOSED
        assert assignment.get_status_display() == "已结束"
        assert assignment.closed_note == "已审定"
        assert assignment.closed_at is not None


def test_each_reviewer_whose_task_was_closed_is_told_without_the_organisations_name(decided, rex, rita, ross):
    told = Notification.objects.filter(event="review.closed")
    assert sorted(n.recipient.username for n in told) == ["rita", "ross"]  # not rex, who had submitted
    note = told.get(recipient=rita)
    assert decided.number in note.subject and "评审任务已结束" in note.subject
    assert "无需再声明或评分" in note.body and "甲公司" not in note.body
    assert note.url == "/review/my/"


def test_a_closed_assignment_leaves_the_reviewers_list(client, decided, rex, rita):
    client.force_login(rita)
    page = client.get("/review/my/").content.decode()
    assert "甲公司" not in page
    assert "目前没有分配给您的评审" in page
    client.force_login(rex)  # the submitted one stays, to be read
    assert "甲公司" in client.get("/review/my/").content.decode()


def test_a_closed_assignment_cannot_be_scored_and_says_why(client, decided, rita, ross):
    assignment = decided.assignments.get(reviewer=rita)
    client.force_login(rita)
    for response in (
        client.get(f"/review/assignments/{assignment.pk}/score/"),
        client.post(f"/review/assignments/{assignment.pk}/score/", {"recommendation": "support"}),
    ):
        assert response.status_code == 302 and response.url == "/review/my/"
        assert "评审任务已结束" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert not Score.objects.filter(assignment=assignment).exists()
    with pytest.raises(ValidationError, match="评审任务已结束"):
        services.save_scores(actor=rita, assignment=assignment, sheet=ScoreSheet(), submit=True)

    awaiting = decided.assignments.get(reviewer=ross)
    client.force_login(ross)
    response = client.post(f"/review/assignments/{awaiting.pk}/declare/", {"conflict": "none"})
    assert response.status_code == 302 and response.url == "/review/my/"
    with pytest.raises(ValidationError, match="评审任务已结束"):
        services.declare_interest(actor=ross, assignment=awaiting, has_conflict=False)


def test_the_data_migration_closes_assignments_left_open_on_decided_applications(
    alice, dora, call, rex, rita
):
    call.review_quorum = 0  # decided the old way, before the quorum rule
    call.save(update_fields=["review_quorum"])
    application = under_review(alice, call)
    services.record_decision(
        actor=dora, application=application, recommended=False, amount="0", reasons="不足"
    )
    left_open = open_assignment(application, rita)  # as the old service left it
    still_in_review = open_assignment(under_review(alice, call, matter="另一项目"), rex)
    migration = importlib.import_module("reviews.migrations.0007_quorum_exception_closed_assignments")
    migration.close_decided_assignments(apps, None)
    left_open.refresh_from_db()
    still_in_review.refresh_from_db()
    assert (left_open.status, left_open.closed_note) == (Assignment.Status.CLOSED, "已审定")
    assert left_open.closed_at == Decision.objects.get().decided_at
    assert still_in_review.status == Assignment.Status.SCORING


# ---------------------------------------------------------------- who may


@pytest.mark.parametrize("who", ["alice", "carol", "rex"])
def test_other_roles_cannot_propose_or_confirm(client, request, alice, dora, call, who):
    application = under_review(alice, call)
    exception = services.propose_quorum_exception(actor=dora, application=application, reason=REASON)
    client.force_login(request.getfixturevalue(who))
    assert client.post(propose_url(application), {"reason": REASON}).status_code == 403
    assert client.get(confirm_url(exception)).status_code == 403
    assert client.post(confirm_url(exception), {"action": "confirm"}).status_code == 403
    exception.refresh_from_db()
    assert exception.status == QuorumException.Status.PROPOSED
    assert QuorumException.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client, alice, dora, call):
    application = under_review(alice, call)
    exception = services.propose_quorum_exception(actor=dora, application=application, reason=REASON)
    for response in (
        client.post(propose_url(application), {"reason": REASON}),
        client.get(confirm_url(exception)),
    ):
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_unknown_ids_and_drafts_are_not_found(approver_client, alice, call):
    from tests.applications.conftest import draft

    application = draft(alice, call)
    assert approver_client.post(propose_url(application), {"reason": REASON}).status_code == 404
    assert approver_client.get("/review/quorum-exceptions/999999/confirm/").status_code == 404
    assert approver_client.post(propose_url(Application(pk=999999)), {"reason": REASON}).status_code == 404


def test_a_revision_stands_on_the_confirmed_exception_and_no_second_one_is_taken(decided, dora):
    with pytest.raises(ValidationError, match="已有经确认"):
        services.propose_quorum_exception(actor=dora, application=decided, reason=REASON)
    services.record_decision(
        actor=dora, application=decided, recommended=False, amount="0", reasons="重新审定:不予支持"
    )
    assert Decision.objects.filter(quorum_exception__isnull=False).count() == 2

"""Assignment: the approver's queue, assigning by hand or by workload, the reviewer's list, and the conflict
declaration that comes before anything else of an application."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.roles import Role
from applications.models import Application
from reviews import selectors, services
from reviews.models import Assignment
from tests.applications.conftest import call_item, submitted
from tests.factories import MembershipFactory, UserFactory
from tests.reviews.conftest import accepted, assign, reviewer

pytestmark = pytest.mark.usefixtures("clock", "private_files")

QUEUE = "/review/assign/"
MY = "/review/my/"


def assign_url(application: Application) -> str:
    return f"/review/assign/{application.pk}/"


def auto_url(application: Application) -> str:
    return f"/review/assign/{application.pk}/auto/"


def declare_url(assignment: Assignment) -> str:
    return f"/review/assignments/{assignment.pk}/declare/"


def score_url(assignment: Assignment) -> str:
    return f"/review/assignments/{assignment.pk}/score/"


def state(application: Application) -> tuple:
    """What a refused request must leave as it was."""
    application.refresh_from_db()
    return (
        application.status,
        list(Assignment.objects.order_by("pk").values_list("application", "reviewer", "status")),
        application.events.count(),
    )


def open_load(user, n: int, call, owner, officer) -> None:
    """Give `user` n open assignments on other applications (written directly: only the load matters)."""
    for i in range(n):
        application = Application.objects.create(
            organization=owner.memberships.get().organization,
            call_item=call_item(call, "7.1"),
            item=call_item(call, "7.1").item,
            created_by=owner,
            status=Application.Status.UNDER_REVIEW,
            number=f"LOAD-{Application.objects.count() + 1}",
            submitted_at=timezone.now(),
            accepted_at=timezone.now(),
        )
        Assignment.objects.create(
            application=application, reviewer=user, assigned_by=officer, assigned_at=timezone.now()
        )


def same_queries_for_2_and_22_rows(client, url: str, queries: int, django_assert_num_queries, *, add_rows):
    """The list page's response with 22 rows, having run `queries` queries with 2 rows and with 22."""
    add_rows(2)
    client.get(url)  # warm up
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    add_rows(20)
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 22
    return response


# ---------------------------------------------------------------- who may open the pages


def test_anonymous_visitors_are_sent_to_log_in(client, under_review):
    assignment = under_review.assignments.first()
    for url in (QUEUE, assign_url(under_review), MY, declare_url(assignment), score_url(assignment)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    response = client.post(auto_url(under_review))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["alice", "carol", "rex"])
def test_only_approvers_may_assign(client, accepted_application, who, request):
    client.force_login(request.getfixturevalue(who))
    before = state(accepted_application)
    assert client.get(QUEUE).status_code == 403
    assert client.get(assign_url(accepted_application)).status_code == 403
    assert client.post(auto_url(accepted_application)).status_code == 403
    assert client.post(assign_url(accepted_application), {"reviewers": [1]}).status_code == 403
    assert state(accepted_application) == before


@pytest.mark.parametrize("who", ["alice", "carol", "dora"])
def test_only_reviewers_have_a_review_list_and_declare(client, under_review, who, request):
    assignment = under_review.assignments.first()
    client.force_login(request.getfixturevalue(who))
    before = state(under_review)
    assert client.get(MY).status_code == 403
    assert client.get(declare_url(assignment)).status_code == 403
    assert client.post(declare_url(assignment), {"conflict": "no"}).status_code == 403
    assert state(under_review) == before


# ---------------------------------------------------------------- the approver's queue and page


def test_the_queue_lists_accepted_applications_short_of_reviewers_with_their_count(
    client, alice, bob, call, carol, dora, rex, accepted_application
):
    other = accepted(bob, call, carol, code="9.1", facts={"service_cost": "400000"})
    assign(other, dora, [rex])
    pending = submitted(alice, call, matter="另一个研发项目")
    client.force_login(dora)
    response = client.get(QUEUE)
    assert response.status_code == 200
    rows = list(response.context["page"].object_list)
    assert rows == [accepted_application, other]
    assert [(r.active_count, r.required_count) for r in rows] == [(0, 3), (1, 3)]
    assert pending not in rows
    assert "0 / 3" in response.content.decode() and "1 / 3" in response.content.decode()


def test_the_queue_runs_the_same_number_of_queries_for_few_and_many_rows(
    client, alice, call, dora, rex, django_assert_num_queries
):
    client.force_login(dora)
    # session, user, django-otp's device, groups (the role check), the page's count (from its index),
    # the rows with their organisation and item, and the header's unread-message COUNT.
    # The rows: in review with one reviewer of three, so short of reviewers.
    response = same_queries_for_2_and_22_rows(
        client, QUEUE, 7, django_assert_num_queries, add_rows=lambda n: open_load(rex, n, call, alice, dora)
    )
    rows = list(response.context["page"].object_list)
    # What the approver reads and follows on each row is still there, however cheaply it is drawn.
    html = response.content.decode()
    for application in rows:
        assert f'href="/review/assign/{application.pk}/"' in html
        assert application.number in html
    assert html.count(">评审中</span>") == 22 and html.count('data-label="申报单位">甲公司<') == 22
    assert html.count("1 / 3") == 22


def test_a_fully_assigned_application_leaves_the_queue_but_not_the_full_list(client, dora, under_review):
    client.force_login(dora)
    assert under_review not in client.get(QUEUE).context["page"].object_list
    assert under_review in client.get(QUEUE, {"show": "all"}).context["page"].object_list


def test_the_assign_page_lists_eligible_reviewers_least_loaded_first(
    client, alice, call, carol, dora, rex, rita, ross, ruth, accepted_application
):
    open_load(rex, 2, call, alice, dora)
    open_load(rita, 1, call, alice, dora)
    member = UserFactory(username="aaron", roles=[Role.EXPERT_REVIEWER], is_staff=True)
    MembershipFactory(user=member, organization=accepted_application.organization)
    client.force_login(dora)
    response = client.get(assign_url(accepted_application))
    assert response.status_code == 200
    candidates = list(response.context["form"].fields["reviewers"].queryset)
    assert candidates == [ross, ruth, rita, rex]
    assert [c.workload for c in candidates] == [0, 0, 1, 2]
    html = response.content.decode()
    assert "aaron" not in html  # a member of the applicant organisation is never offered
    assert "在审 2 件" in html


def test_a_draft_or_unaccepted_application_has_no_assign_page(client, alice, call, dora):
    application = submitted(alice, call)
    client.force_login(dora)
    assert client.get(assign_url(application)).status_code == 404


# ---------------------------------------------------------------- by hand


def test_assigning_by_hand_starts_the_review(client, dora, rex, rita, accepted_application):
    client.force_login(dora)
    response = client.post(assign_url(accepted_application), {"reviewers": [rex.pk, rita.pk]})
    assert response.status_code == 302
    accepted_application.refresh_from_db()
    assert accepted_application.status == Application.Status.UNDER_REVIEW
    assignments = list(accepted_application.assignments.order_by("reviewer__username"))
    assert [(a.reviewer, a.status, a.assigned_by) for a in assignments] == [
        (rex, Assignment.Status.AWAITING_DECLARATION, dora),
        (rita, Assignment.Status.AWAITING_DECLARATION, dora),
    ]
    event = accepted_application.events.order_by("-at", "-id").first()
    assert event.status == Application.Status.UNDER_REVIEW
    assert "rex" not in event.note and "rita" not in event.note  # the enterprise never learns who
    page = client.get(assign_url(accepted_application)).content.decode()
    assert "2 / 3" in page and "尚缺 1 位" in page


def test_a_member_of_the_applicant_cannot_be_assigned_and_nothing_is_saved(
    client, dora, accepted_application
):
    member = UserFactory(username="aaron", roles=[Role.EXPERT_REVIEWER], is_staff=True)
    MembershipFactory(user=member, organization=accepted_application.organization)
    client.force_login(dora)
    before = state(accepted_application)
    response = client.post(assign_url(accepted_application), {"reviewers": [member.pk]})
    assert response.status_code == 400
    assert response.context["form"].errors["reviewers"]
    assert state(accepted_application) == before
    with pytest.raises(ValidationError):
        services.assign_reviewers(actor=dora, application=accepted_application, reviewers=[member])
    assert state(accepted_application) == before


def test_someone_who_is_not_a_reviewer_cannot_be_assigned(dora, carol, accepted_application):
    before = state(accepted_application)
    with pytest.raises(ValidationError):
        services.assign_reviewers(actor=dora, application=accepted_application, reviewers=[carol])
    assert state(accepted_application) == before


def test_no_more_than_the_calls_number_can_be_assigned(client, dora, reviewers, accepted_application):
    client.force_login(dora)
    before = state(accepted_application)
    response = client.post(assign_url(accepted_application), {"reviewers": [r.pk for r in reviewers]})
    assert response.status_code == 400
    assert "尚缺 3 位" in " ".join(response.context["form"].non_field_errors())
    assert state(accepted_application) == before


def test_an_approver_cannot_assign_before_acceptance(alice, call, dora, rex):
    application = submitted(alice, call)
    with pytest.raises(ValidationError):
        services.assign_reviewers(actor=dora, application=application, reviewers=[rex])
    assert not Assignment.objects.exists()


def test_a_reviewer_cannot_assign_through_the_service_either(rex, rita, accepted_application):
    before = state(accepted_application)
    with pytest.raises(PermissionDenied):
        services.assign_reviewers(actor=rex, application=accepted_application, reviewers=[rita])
    with pytest.raises(PermissionDenied):
        services.auto_assign_reviewers(actor=rex, application=accepted_application)
    assert state(accepted_application) == before


# ---------------------------------------------------------------- by workload


def test_automatic_assignment_picks_the_least_loaded_reviewers_ties_by_username(
    client, alice, call, dora, rex, rita, ross, ruth, accepted_application
):
    open_load(rex, 1, call, alice, dora)
    open_load(rita, 3, call, alice, dora)
    open_load(ruth, 1, call, alice, dora)
    # Finished and withdrawn work does not count.
    for status in (Assignment.Status.SUBMITTED, Assignment.Status.CONFLICTED):
        open_load(ross, 2, call, alice, dora)
        Assignment.objects.filter(reviewer=ross, status=Assignment.Status.AWAITING_DECLARATION).update(
            status=status
        )
    client.force_login(dora)
    response = client.post(auto_url(accepted_application))
    assert response.status_code == 302
    chosen = set(accepted_application.assignments.values_list("reviewer__username", flat=True))
    assert chosen == {"ross", "rex", "ruth"}  # loads 0, 1, 1 (rex before ruth); rita (3) is left out
    accepted_application.refresh_from_db()
    assert accepted_application.status == Application.Status.UNDER_REVIEW


def test_open_assignments_on_withdrawn_applications_are_no_longer_work(
    alice, call, dora, rex, rita, ross, ruth, accepted_application
):
    open_load(rex, 2, call, alice, dora)
    open_load(rita, 1, call, alice, dora)
    Application.objects.filter(assignments__reviewer=rex).update(status=Application.Status.WITHDRAWN)
    workloads = {u.username: u.workload for u in selectors.reviewer_candidates(accepted_application)}
    assert workloads == {"rex": 0, "rita": 1, "ross": 0, "ruth": 0}


def test_automatic_assignment_fills_only_the_places_left(
    client, dora, rex, rita, ross, ruth, accepted_application
):
    assign(accepted_application, dora, [ruth])
    client.force_login(dora)
    client.post(auto_url(accepted_application))
    assert set(accepted_application.assignments.values_list("reviewer__username", flat=True)) == {
        "ruth",
        "rex",
        "rita",
    }
    before = state(accepted_application)
    response = client.post(auto_url(accepted_application), follow=True)
    assert "已满" in response.content.decode()
    assert state(accepted_application) == before


def test_automatic_assignment_with_too_few_reviewers_shows_the_shortfall(
    client, dora, rex, accepted_application
):
    client.force_login(dora)
    response = client.post(auto_url(accepted_application), follow=True)
    html = response.content.decode()
    assert "仍缺 2 位" in html
    assert list(accepted_application.assignments.values_list("reviewer", flat=True)) == [rex.pk]
    assert accepted_application in client.get(QUEUE).context["page"].object_list


# ---------------------------------------------------------------- the reviewer's list


def test_a_reviewer_sees_only_their_own_assignments(client, bob, call, carol, dora, rex, rita, under_review):
    other = accepted(bob, call, carol, code="9.1", facts={"service_cost": "400000"})
    assign(other, dora, [rita])
    client.force_login(rex)
    response = client.get(MY)
    assert response.status_code == 200
    assignments = list(response.context["page"].object_list)
    assert [a.application for a in assignments] == [under_review]
    assert "乙公司" not in response.content.decode()
    assert declare_url(assignments[0]) in response.content.decode()


def test_the_review_list_runs_the_same_number_of_queries_for_few_and_many(
    client, alice, call, dora, rex, django_assert_num_queries
):
    client.force_login(rex)
    # session, user, groups (the role check), the page's count, the assignments with their
    # application, organisation, item and call
    # and the header's unread-message COUNT (accounts.context_processors.inbox, issue 6)
    # +1 since issue 7: django-otp's middleware loads the session's verified device.
    same_queries_for_2_and_22_rows(
        client, MY, 7, django_assert_num_queries, add_rows=lambda n: open_load(rex, n, call, alice, dora)
    )


# ---------------------------------------------------------------- the declaration


def test_the_declaration_shows_only_the_organisation_and_the_item(client, rex, under_review):
    assignment = under_review.assignments.get(reviewer=rex)
    client.force_login(rex)
    response = client.get(declare_url(assignment))
    assert response.status_code == 200
    main = response.content.decode().split("<main", 1)[1]
    assert "甲公司" in main and "7.1" in main
    assert under_review.number not in main and under_review.acceptance_number not in main
    assert "智能视觉平台研发" not in main  # project and matter
    assert "2,000,000" not in main and "600,000" not in main  # facts and ceiling
    assert "/materials/" not in main


def test_nothing_else_opens_before_the_declaration(client, rex, under_review):
    assignment = under_review.assignments.get(reviewer=rex)
    attachment = under_review.revisions.get().attachments.first()
    client.force_login(rex)
    assert client.get(score_url(assignment))["Location"] == declare_url(assignment)
    download = f"/review/applications/{under_review.pk}/materials/{attachment.pk}/download/"
    assert client.get(download).status_code == 404


def test_declaring_no_conflict_opens_the_scoring(client, rex, under_review):
    assignment = under_review.assignments.get(reviewer=rex)
    client.force_login(rex)
    response = client.post(declare_url(assignment), {"conflict": "no"})
    assert response["Location"] == score_url(assignment)
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.SCORING and assignment.declared_at is not None
    assert client.get(declare_url(assignment))["Location"] == score_url(assignment)  # declared once


def test_a_declaration_must_choose(client, rex, under_review):
    assignment = under_review.assignments.get(reviewer=rex)
    client.force_login(rex)
    before = state(under_review)
    assert client.post(declare_url(assignment), {"note": "?"}).status_code == 400
    assert state(under_review) == before


def test_declaring_a_conflict_withdraws_the_reviewer_and_assigns_the_next_by_workload(
    client, alice, call, dora, rex, ruth, under_review
):
    extra = reviewer("sara")  # ruth carries one open assignment elsewhere; sara none
    open_load(ruth, 1, call, alice, dora)
    assignment = under_review.assignments.get(reviewer=rex)
    client.force_login(rex)
    response = client.post(declare_url(assignment), {"conflict": "yes", "note": "曾任该公司顾问"})
    assert response["Location"] == MY
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CONFLICTED
    assert assignment.conflict_note == "曾任该公司顾问"
    assert not assignment.counts_toward_workload
    replacement = under_review.assignments.exclude(reviewer__in=[rex]).order_by("-assigned_at", "-id").first()
    assert replacement.reviewer == extra
    assert replacement.status == Assignment.Status.AWAITING_DECLARATION
    assert replacement.assigned_by == dora
    assert under_review.assignments.exclude(status=Assignment.Status.CONFLICTED).count() == 3
    # The withdrawn reviewer sees nothing more of it, and is never offered for it again.
    assert client.get(score_url(assignment)).status_code == 404
    assert rex not in selectors.reviewer_candidates(under_review)


def test_a_conflict_with_nobody_left_leaves_a_shortfall_for_the_approver(client, dora, rex, under_review):
    assignment = under_review.assignments.get(reviewer=rex)
    services.declare_interest(actor=rex, assignment=assignment, has_conflict=True)
    assert under_review.assignments.exclude(status=Assignment.Status.CONFLICTED).count() == 2
    client.force_login(dora)
    rows = list(client.get(QUEUE).context["page"].object_list)
    assert rows == [under_review] and rows[0].active_count == 2
    assert "尚缺 1 位" in client.get(assign_url(under_review)).content.decode()


def test_a_reviewer_cannot_open_or_declare_another_reviewers_assignment(client, rex, rita, under_review):
    theirs = under_review.assignments.get(reviewer=rita)
    client.force_login(rex)
    before = state(under_review)
    assert client.get(declare_url(theirs)).status_code == 404
    assert client.post(declare_url(theirs), {"conflict": "yes"}).status_code == 404
    assert client.get(score_url(theirs)).status_code == 404
    assert state(under_review) == before
    with pytest.raises(PermissionDenied):
        services.declare_interest(actor=rex, assignment=theirs, has_conflict=True)
    assert state(under_review) == before


def test_a_reviewer_not_assigned_gets_404_for_the_application(client, ruth, under_review):
    assignment = under_review.assignments.first()
    attachment = under_review.revisions.get().attachments.first()
    client.force_login(ruth)
    assert client.get(declare_url(assignment)).status_code == 404
    assert client.get(score_url(assignment)).status_code == 404
    download = f"/review/applications/{under_review.pk}/materials/{attachment.pk}/download/"
    assert client.get(download).status_code == 404
    assert client.get("/review/assignments/99999/score/").status_code == 404


def nav_of(client, url: str) -> str:
    return client.get(url).content.decode().split('<nav class="site-nav"', 1)[1].split("</nav>")[0]


def test_the_staff_nav_shows_each_role_its_section(client, alice, carol, dora, rex):
    client.force_login(carol)
    nav = nav_of(client, "/review/intake/")
    assert 'href="/review/intake/"' in nav
    assert "/review/assign/" not in nav and "/review/my/" not in nav
    client.force_login(dora)
    nav = nav_of(client, "/review/assign/")
    assert 'href="/review/assign/"' in nav and "/review/intake/" not in nav
    client.force_login(rex)
    nav = nav_of(client, "/review/my/")
    assert 'href="/review/my/" aria-current="page"' in nav and "/review/assign/" not in nav
    client.force_login(alice)
    assert "/review/" not in nav_of(client, "/applications/")

"""Scoring: the reviewer's page after declaring no conflict, half marks, the ceiling, draft and submission,
and scores sealed until submitted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from reviews import services
from reviews.models import Assignment, Score
from reviews.selectors import score_summary
from tests.reviews.conftest import declared

pytestmark = pytest.mark.usefixtures("clock", "private_files")

CEILING = "600000"  # 7.1: 30% of the 2,000,000 self-raised investment


def score_url(assignment: Assignment) -> str:
    return f"/review/assignments/{assignment.pk}/score/"


def sheet(application, values=("4", "3.5", "4", "3", "2.5"), action="draft", **changes) -> dict[str, str]:
    data: dict[str, str] = {
        "action": action,
        "recommendation": "",
        "suggested_amount": "",
        "overall_comment": "",
    }
    for criterion, value in zip(application.item.criteria.all(), values, strict=False):
        data[f"score_{criterion.pk}"] = value
        data[f"comment_{criterion.pk}"] = f"{criterion.name}:意见"
    data.update(changes)
    return data


def complete(application, **changes) -> dict[str, str]:
    defaults = {
        "recommendation": "support_lower",
        "suggested_amount": "450000",
        "overall_comment": "技术路线清晰,预算偏高。",
    }
    return sheet(application, action="submit", **{**defaults, **changes})


def saved(assignment: Assignment) -> tuple:
    assignment.refresh_from_db()
    return (
        assignment.status,
        assignment.recommendation,
        assignment.suggested_fen,
        assignment.overall_comment,
        assignment.submitted_at,
        sorted(Score.objects.filter(assignment=assignment).values_list("criterion", "value", "comment")),
    )


@pytest.fixture
def mine(under_review, rex) -> Assignment:
    """rex's assignment, declared free of conflict: ready to score."""
    return declared(under_review.assignments.get(reviewer=rex))


# ---------------------------------------------------------------- who may score


def test_the_score_page_shows_the_application_the_ceiling_materials_and_the_rubric(client, rex, mine):
    application = mine.application
    client.force_login(rex)
    response = client.get(score_url(mine))
    assert response.status_code == 200
    html = response.content.decode()
    assert "智能视觉平台研发" in html and "2,000,000" in html
    assert "¥600,000.00" in html and "× 30%" in html
    attachment = application.revisions.get().attachments.first()
    assert f"/review/applications/{application.pk}/materials/{attachment.pk}/download/" in html
    for criterion in application.item.criteria.all():
        assert f'name="score_{criterion.pk}"' in html and f'name="comment_{criterion.pk}"' in html
        assert criterion.name in html
    assert '<option value="4.5">4.5</option>' in html and '<option value="5">5</option>' in html
    assert 'value="support_lower"' in html and 'name="suggested_amount"' in html


@pytest.mark.parametrize("who", ["carol", "dora", "alice"])
def test_nobody_but_a_reviewer_may_score_and_a_refusal_saves_nothing(client, mine, who, request):
    client.force_login(request.getfixturevalue(who))
    before = saved(mine)
    assert client.get(score_url(mine)).status_code == 403
    assert client.post(score_url(mine), complete(mine.application)).status_code == 403
    assert saved(mine) == before


def test_an_intake_officer_cannot_score_through_the_service_either(carol, mine):
    before = saved(mine)
    with pytest.raises(PermissionDenied):
        services.save_scores(actor=carol, assignment=mine, sheet=services.ScoreSheet(), submit=True)
    assert saved(mine) == before


def test_another_reviewer_gets_404_and_saves_nothing(client, rita, ruth, mine):
    for other in (rita, ruth):  # assigned to the application, and not assigned at all
        client.force_login(other)
        before = saved(mine)
        assert client.get(score_url(mine)).status_code == 404
        assert client.post(score_url(mine), complete(mine.application)).status_code == 404
        assert saved(mine) == before


def test_anonymous_scoring_is_sent_to_log_in(client, mine):
    before = saved(mine)
    response = client.post(score_url(mine), complete(mine.application))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert saved(mine) == before


# ---------------------------------------------------------------- half marks


@pytest.mark.parametrize("bad", ["3.3", "6", "-1", "5.5", "abc", "4.25"])
def test_only_half_marks_from_0_to_5_are_accepted(client, rex, mine, bad):
    client.force_login(rex)
    before = saved(mine)
    response = client.post(score_url(mine), sheet(mine.application, values=(bad, "3", "3", "3", "3")))
    assert response.status_code == 400
    first = mine.application.item.criteria.first()
    assert "半分值" in " ".join(response.context["form"].errors[f"score_{first.pk}"])
    assert saved(mine) == before


def test_the_service_refuses_other_values_too(rex, mine):
    first = mine.application.item.criteria.first()
    before = saved(mine)
    with pytest.raises(ValidationError) as exc:
        services.save_scores(
            actor=rex, assignment=mine, sheet=services.ScoreSheet(scores={first.pk: Decimal("2.7")})
        )
    assert f"score_{first.pk}" in exc.value.message_dict
    assert saved(mine) == before


def test_every_half_mark_is_accepted(client, rex, mine):
    client.force_login(rex)
    values = ("0", "0.5", "4.0", "4.5", "5")
    assert client.post(score_url(mine), sheet(mine.application, values=values)).status_code == 302
    stored = [s.value for s in Score.objects.filter(assignment=mine).order_by("criterion__sort_order")]
    assert stored == [Decimal(v) for v in ("0", "0.5", "4", "4.5", "5")]


# ---------------------------------------------------------------- drafts, submission, the ceiling


def test_a_draft_may_be_incomplete_and_comes_back_as_typed(client, rex, mine):
    client.force_login(rex)
    data = sheet(mine.application, values=("4", "3.5", "", "", ""))
    for criterion in list(mine.application.item.criteria.all())[2:]:
        data[f"comment_{criterion.pk}"] = ""
    response = client.post(score_url(mine), data)
    assert response["Location"] == score_url(mine)
    mine.refresh_from_db()
    assert mine.status == Assignment.Status.SCORING and mine.submitted_at is None
    assert Score.objects.filter(assignment=mine).count() == 2
    html = client.get(score_url(mine)).content.decode()
    assert '<option value="3.5" selected>3.5</option>' in html


def test_a_comment_without_its_score_is_not_silently_dropped(client, rex, mine):
    client.force_login(rex)
    before = saved(mine)
    response = client.post(score_url(mine), sheet(mine.application, values=("4", "", "", "", "")))
    assert response.status_code == 400
    assert saved(mine) == before


def test_submitting_needs_every_score_a_recommendation_and_an_amount(client, rex, mine):
    client.force_login(rex)
    before = saved(mine)
    application = mine.application
    for data in (
        complete(application, **{f"score_{application.item.criteria.last().pk}": ""}),
        complete(application, recommendation=""),
        complete(application, suggested_amount=""),
    ):
        assert client.post(score_url(mine), data).status_code == 400
        assert saved(mine) == before


def test_the_suggested_amount_cannot_exceed_the_ceiling(client, rex, mine):
    client.force_login(rex)
    before = saved(mine)
    response = client.post(score_url(mine), complete(mine.application, suggested_amount="600000.01"))
    assert response.status_code == 400
    assert "不能超过政策计算的上限 600,000.00 元" in " ".join(
        response.context["form"].errors["suggested_amount"]
    )
    assert saved(mine) == before
    response = client.post(score_url(mine), complete(mine.application, suggested_amount=CEILING))
    assert response.status_code == 302


def test_submitting_seals_the_sheet_read_only(client, rex, mine):
    client.force_login(rex)
    response = client.post(score_url(mine), complete(mine.application))
    assert response["Location"] == "/review/my/"
    after = saved(mine)
    assert after[0] == Assignment.Status.SUBMITTED and after[4] is not None
    assert after[1:4] == ("support_lower", 45_000_000, "技术路线清晰,预算偏高。")
    # Read-only now: the page has no form, and a post changes nothing.
    html = client.get(score_url(mine)).content.decode()
    assert "评分已提交,不能修改。" in html and 'name="action"' not in html
    response = client.post(score_url(mine), complete(mine.application, suggested_amount="1"))
    assert response.status_code == 400
    assert saved(mine) == after


def test_not_supporting_needs_no_amount_and_keeps_none(client, rex, mine):
    client.force_login(rex)
    data = complete(mine.application, recommendation="not_support", suggested_amount="300000")
    assert client.post(score_url(mine), data).status_code == 302
    mine.refresh_from_db()
    assert (mine.recommendation, mine.suggested_fen) == ("not_support", None)


def test_a_reviewer_who_has_not_declared_cannot_score(rita, under_review):
    theirs = under_review.assignments.get(reviewer=rita)
    with pytest.raises(ValidationError):
        services.save_scores(actor=rita, assignment=theirs, sheet=services.ScoreSheet(), submit=False)
    assert not Score.objects.exists()


# ---------------------------------------------------------------- sealed until submitted


def test_scores_are_sealed_from_the_approver_until_submitted(client, dora, rex, mine):
    client.force_login(rex)
    client.post(score_url(mine), sheet(mine.application))  # a draft of 4, 3.5, 4, 3, 2.5
    summary = score_summary(mine.application)
    assert summary.submitted_count == 0 and summary.reviews == ()
    assert all(c.average is None for c in summary.criteria)
    client.force_login(dora)
    page = client.get(f"/review/assign/{mine.application.pk}/").content.decode()
    main = page.split("<main", 1)[1]
    assert "评分中" in main and "3.5" not in main and "2.5" not in main
    client.force_login(rex)
    client.post(score_url(mine), complete(mine.application))
    summary = score_summary(mine.application)
    assert summary.submitted_count == 1 and summary.reviews[0].assignment == mine


def test_the_last_submission_makes_the_application_ready_for_decision(client, rex, rita, ross, under_review):
    for person in (rex, rita, ross):
        assignment = declared(under_review.assignments.get(reviewer=person))
        assert not score_summary(under_review).is_complete
        client.force_login(person)
        assert client.post(score_url(assignment), complete(under_review)).status_code == 302
    summary = score_summary(under_review)
    assert summary.is_complete and summary.submitted_count == 3 and summary.open_count == 0

"""score_summary: what the approver sees of submitted scores — exact Decimals, half-up to two places.

The default rubric weighs 技术创新性 0.30, 实施可行性 0.20, 经济和社会效益 0.20, 团队能力 0.15 and
预算合理性 0.15.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from applications.models import Application
from reviews.models import Assignment, Score
from reviews.selectors import score_summary

pytestmark = pytest.mark.usefixtures("clock", "private_files")

SUPPORT = Assignment.Recommendation.SUPPORT
LOWER = Assignment.Recommendation.SUPPORT_LOWER
NOT = Assignment.Recommendation.NOT_SUPPORT


def review(assignment: Assignment, values, recommendation=SUPPORT, suggested_fen=None, status=None) -> None:
    """The reviewer's sheet as the scoring service leaves it (written directly: this is about reading)."""
    for criterion, value in zip(assignment.application.item.criteria.all(), values, strict=True):
        Score.objects.create(assignment=assignment, criterion=criterion, value=Decimal(value))
    assignment.status = status or Assignment.Status.SUBMITTED
    assignment.recommendation = recommendation
    assignment.suggested_fen = suggested_fen
    assignment.declared_at = timezone.now()
    if assignment.status == Assignment.Status.SUBMITTED:
        assignment.submitted_at = timezone.now()
    assignment.save()


@pytest.fixture
def scored(under_review, rex, rita, ross):
    """Three submitted reviews. Weighted totals: rex 3.525, rita 3.05, ross 3.825."""
    get = under_review.assignments.get
    review(get(reviewer=rex), ("4", "3.5", "4", "3", "2.5"), SUPPORT, 50_000_000)
    review(get(reviewer=rita), ("3", "3", "2.5", "4", "3"), LOWER, 40_000_000)
    review(get(reviewer=ross), ("5", "4", "3.5", "3.5", "2"), SUPPORT, 60_000_000)
    return under_review


def test_the_summary_of_three_reviews_in_exact_decimals(scored, rex, rita, ross):
    summary = score_summary(scored)
    by_code = {c.criterion.code: c for c in summary.criteria}
    assert [c.criterion.code for c in summary.criteria] == [
        "innovation",
        "feasibility",
        "benefit",
        "team",
        "budget",
    ]
    assert {code: c.average for code, c in by_code.items()} == {
        "innovation": Decimal("4.00"),
        "feasibility": Decimal("3.50"),
        "benefit": Decimal("3.33"),  # 10 / 3
        "team": Decimal("3.50"),
        "budget": Decimal("2.50"),
    }
    assert str(by_code["benefit"].average) == "3.33"
    assert {code: c.lowest for code, c in by_code.items()} == {
        "innovation": Decimal("3"),
        "feasibility": Decimal("3"),
        "benefit": Decimal("2.5"),
        "team": Decimal("3"),
        "budget": Decimal("2"),
    }
    # Below the call's criterion threshold (3.0): only 预算合理性.
    assert [c.criterion.code for c in summary.criteria if c.below_threshold] == ["budget"]
    assert summary.any_criterion_below
    # Σ weight × average / Σ weight = (3.525 + 3.05 + 3.825) / 3 = 3.4666… → 3.47
    assert summary.weighted_total == Decimal("3.47")
    # Each review's weighted total, half-up: 3.525 → 3.53 (not the banker's 3.52).
    totals = {r.assignment.reviewer: r.weighted_total for r in summary.reviews}
    assert totals == {rex: Decimal("3.53"), rita: Decimal("3.05"), ross: Decimal("3.83")}
    assert summary.spread == Decimal("0.78")
    assert summary.total_below_threshold is False
    assert summary.recommendations == {SUPPORT: 2, LOWER: 1}
    assert sorted(summary.suggested_amounts_fen) == [40_000_000, 50_000_000, 60_000_000]
    assert (summary.submitted_count, summary.open_count, summary.required_count) == (3, 0, 3)
    assert summary.is_complete
    assert (summary.criterion_threshold, summary.total_threshold) == (Decimal("3.0"), Decimal("3.0"))


def test_the_flags_follow_the_calls_thresholds(scored):
    call = scored.call_item.call
    call.criterion_threshold = Decimal("3.5")
    call.total_threshold = Decimal("3.5")
    call.save()
    scored.refresh_from_db()
    summary = score_summary(scored)
    # 3.50 is not below 3.5; 3.33 and 2.50 are.
    assert [c.criterion.code for c in summary.criteria if c.below_threshold] == ["benefit", "budget"]
    assert summary.total_below_threshold is True  # 3.47 < 3.5


def test_weights_need_not_add_up_to_one(scored):
    for criterion in scored.item.criteria.all():
        criterion.weight *= 10
        criterion.save()
    summary = score_summary(scored)
    assert summary.weighted_total == Decimal("3.47")
    assert sorted(r.weighted_total for r in summary.reviews) == [
        Decimal("3.05"),
        Decimal("3.53"),
        Decimal("3.83"),
    ]


def test_drafts_and_withdrawn_reviewers_are_not_counted(under_review, dora, rex, rita, ross, ruth):
    get = under_review.assignments.get
    review(get(reviewer=rex), ("4", "4", "4", "4", "4"))
    review(get(reviewer=rita), ("1", "1", "1", "1", "1"), NOT, status=Assignment.Status.SCORING)  # a draft
    conflicted = get(reviewer=ross)
    conflicted.status = Assignment.Status.CONFLICTED
    conflicted.save()
    summary = score_summary(under_review)
    assert summary.submitted_count == 1
    assert [r.assignment.reviewer for r in summary.reviews] == [rex]
    assert all(c.average == Decimal("4.00") and c.lowest == Decimal("4") for c in summary.criteria)
    assert summary.weighted_total == Decimal("4.00") and summary.spread == Decimal("0.00")
    assert summary.recommendations == {SUPPORT: 1}
    assert summary.open_count == 1 and not summary.is_complete  # rita is still scoring


def test_before_any_submission_there_is_nothing_to_show(under_review):
    summary = score_summary(under_review)
    assert summary.reviews == () and summary.submitted_count == 0 and summary.open_count == 3
    assert summary.weighted_total is None and summary.spread is None
    assert all(c.average is None and c.lowest is None and not c.below_threshold for c in summary.criteria)
    assert not summary.total_below_threshold and not summary.any_criterion_below and not summary.is_complete


def test_not_supported_reviews_suggest_no_amount(under_review, rex, rita):
    get = under_review.assignments.get
    review(get(reviewer=rex), ("2", "2", "2", "2", "2"), NOT, None)
    review(get(reviewer=rita), ("3", "3", "3", "3", "3"), SUPPORT, 30_000_000)
    summary = score_summary(under_review)
    assert summary.recommendations == {NOT: 1, SUPPORT: 1}
    assert summary.suggested_amounts_fen == [30_000_000]
    assert summary.weighted_total == Decimal("2.50") and summary.total_below_threshold


def test_the_summary_runs_the_same_number_of_queries_for_any_number_of_reviews(
    under_review, rex, rita, ross, django_assert_num_queries
):
    get = under_review.assignments.get
    # As a page loads it: with its item and call.
    application = Application.objects.select_related("item", "call_item__call").get(pk=under_review.pk)
    review(get(reviewer=rex), ("4", "4", "4", "4", "4"))
    # the rubric, the submitted reviews with their reviewers, their scores, the open count
    with django_assert_num_queries(4):
        score_summary(application)
    review(get(reviewer=rita), ("3", "3", "3", "3", "3"))
    review(get(reviewer=ross), ("5", "5", "5", "5", "5"))
    with django_assert_num_queries(4):
        assert score_summary(application).submitted_count == 3

"""The reviewer's scores: one per rubric criterion (0–5 in half marks) with a comment, a recommendation
and a suggested amount within the engine's ceiling. Saved as a draft or submitted; sealed until
submitted (only score_summary reads them for others, and it counts submitted reviews only), read-only
after.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from applications import services as application_services
from applications.models import Application
from applications.selectors import application_quote
from policies import rules
from policies.models import RubricCriterion

from .. import notifications, selectors
from ..access import require_role
from ..models import Assignment, Score

# 0, 0.5, 1, … 5: the only scores the rubric allows.
HALF_MARKS: tuple[Decimal, ...] = tuple(Decimal(n) / 2 for n in range(11))


def is_half_mark(value: Decimal) -> bool:
    return value.is_finite() and value in HALF_MARKS


@dataclass(frozen=True)
class ScoreSheet:
    """What the reviewer typed, by criterion id; None where a criterion is not scored yet."""

    scores: Mapping[int, Decimal | None] = field(default_factory=dict)
    comments: Mapping[int, str] = field(default_factory=dict)
    recommendation: str = ""
    suggested_fen: int | None = None
    overall_comment: str = ""


def ceiling_fen(application: Application) -> int:
    """The engine's ceiling for the application today (running ceilings and 10(2) awards counted)."""
    try:
        quote = application_quote(application)
    except rules.FactError:
        # Facts that no longer parse (the rules changed under a submitted application): its own figure.
        return application.requested_fen or 0
    return rules.yuan_to_fen(quote.amount) if quote.eligible else 0


def sheet_errors(
    sheet: ScoreSheet, criteria: Sequence[RubricCriterion], ceiling: int, *, submit: bool
) -> dict[str, list[str]]:
    """Every problem at once, by form field name (score_<id>, comment_<id>, recommendation,
    suggested_amount). A draft may be incomplete; a submission may not."""
    errors: dict[str, list[str]] = {}
    for criterion in criteria:
        value = sheet.scores.get(criterion.pk)
        if value is None:
            if submit:
                errors[f"score_{criterion.pk}"] = [_("请为“%(name)s”评分。") % {"name": criterion.name}]
            elif (sheet.comments.get(criterion.pk) or "").strip():
                errors[f"score_{criterion.pk}"] = [_("保存该项意见前,请先给出该项得分。")]
        elif not is_half_mark(value):
            errors[f"score_{criterion.pk}"] = [_("评分须为 0 至 5 分之间的半分值(0、0.5、1……5)。")]
    recommendation = sheet.recommendation
    if recommendation and recommendation not in Assignment.Recommendation.values:
        errors["recommendation"] = [_("请选择有效的评审建议。")]
    elif submit and not recommendation:
        errors["recommendation"] = [_("请选择评审建议。")]
    if recommendation != Assignment.Recommendation.NOT_SUPPORT:
        if sheet.suggested_fen is None:
            if submit:
                errors["suggested_amount"] = [_("支持时请填写建议金额。")]
        elif sheet.suggested_fen < 0:
            errors["suggested_amount"] = [_("建议金额不能为负数。")]
        elif sheet.suggested_fen > ceiling:
            errors["suggested_amount"] = [
                _("建议金额不能超过政策计算的上限 %(ceiling)s 元。")
                % {"ceiling": f"{rules.fen_to_yuan(ceiling):,.2f}"}
            ]
    return errors


@transaction.atomic
def save_scores(
    *, actor, assignment: Assignment, sheet: ScoreSheet, submit: bool = False, at: datetime | None = None
) -> Assignment:
    """Save the reviewer's sheet as a draft, or submit it (complete, then read-only)."""
    at = at or timezone.now()
    require_role(actor, Role.EXPERT_REVIEWER)
    if assignment.reviewer_id != actor.pk:
        raise PermissionDenied(_("只能为分配给本人的评审评分。"))
    application = application_services.lock_application(assignment.application)
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status == Assignment.Status.AWAITING_DECLARATION:
        raise ValidationError(_("请先声明是否存在利益冲突。"))
    if assignment.status == Assignment.Status.CONFLICTED:
        raise ValidationError(_("您已声明利益冲突并回避,不能评分。"))
    if assignment.status == Assignment.Status.SUBMITTED:
        raise ValidationError(_("评分已提交,不能修改。"))
    if assignment.status == Assignment.Status.CLOSED:
        raise ValidationError(_("该申报已审定,评审任务已结束,不能再评分。"))
    if application.status != Application.Status.UNDER_REVIEW:
        raise ValidationError(
            _("该申报当前状态为“%(status)s”,不再评分。") % {"status": application.get_status_display()}
        )
    criteria = list(application.item.criteria.all())
    errors = sheet_errors(sheet, criteria, ceiling_fen(application), submit=submit)
    if errors:
        raise ValidationError(errors)

    existing = {score.criterion_id: score for score in assignment.scores.all()}
    for criterion in criteria:
        value = sheet.scores.get(criterion.pk)
        comment = (sheet.comments.get(criterion.pk) or "").strip()
        if value is None:
            if criterion.pk in existing:
                existing[criterion.pk].delete()
            continue
        Score.objects.update_or_create(
            assignment=assignment, criterion=criterion, defaults={"value": value, "comment": comment}
        )
    not_supported = sheet.recommendation == Assignment.Recommendation.NOT_SUPPORT
    assignment.recommendation = sheet.recommendation
    assignment.suggested_fen = None if not_supported else sheet.suggested_fen
    assignment.overall_comment = sheet.overall_comment.strip()
    fields = ["recommendation", "suggested_fen", "overall_comment"]
    if submit:
        assignment.status = Assignment.Status.SUBMITTED
        assignment.submitted_at = at
        fields += ["status", "submitted_at"]
    assignment.save(update_fields=fields)
    if submit and selectors.open_assignment_count(application) == 0:
        # The last standing reviewer has submitted: the application is ready for decision.
        notifications.scores_complete(application, assignment)
    return assignment

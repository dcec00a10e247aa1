"""Expert reviewers on accepted applications: by hand or by workload, and conflict declarations.

Every verb locks the application row first (then any assignment row), so two approvers — or an approver
and a reviewer withdrawing for a conflict — cannot both fill the same last place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import User
from accounts.roles import Role
from applications import services as application_services
from applications.models import Application
from changning_ai.subqueries import per_row

from .. import notifications, selectors
from ..access import require_role
from ..models import Assignment
from ..selectors import active_assignments_q

ASSIGNABLE = (Application.Status.ACCEPTED, Application.Status.UNDER_REVIEW)


def _locked_assignable(actor, application: Application) -> Application:
    require_role(actor, Role.COMMISSION_APPROVER)
    application = application_services.lock_application(application)
    if application.status not in ASSIGNABLE:
        raise ValidationError(
            _("该申报当前状态为“%(status)s”,不能分配评审专家。")
            % {"status": application.get_status_display()}
        )
    return application


def _places_left(application: Application) -> int:
    required = application.call_item.call.reviewers_per_application
    return max(0, required - selectors.active_assignment_count(application))


def fill_shortfalls(applications: QuerySet, assignments: QuerySet) -> None:
    """Bring Application.short_of_reviewers in step for `applications`: fewer standing reviewers than the
    call's number. Writes only rows that change. The model classes come in as querysets so that the data
    migration (reviews 0010) runs these very statements on its historical models."""
    standing = per_row(assignments.filter(active_assignments_q()), "application", Count("*"))
    short = (
        applications.model.objects.annotate(standing=standing)
        .filter(standing__lt=F("call_item__call__reviewers_per_application"))
        .values("pk")
    )
    applications.filter(short_of_reviewers=True).exclude(pk__in=short).update(short_of_reviewers=False)
    applications.filter(short_of_reviewers=False, pk__in=short).update(short_of_reviewers=True)


def _refresh_shortfall(application: Application) -> None:
    fill_shortfalls(Application.objects.filter(pk=application.pk), Assignment.objects.all())


def refresh_call_shortfalls(*, call) -> None:
    """After the call's number of reviewers changed (in the admin)."""
    fill_shortfalls(Application.objects.filter(call_item__call=call), Assignment.objects.all())


def _create(
    application: Application, reviewers: Sequence[User], assigned_by, at: datetime
) -> list[Assignment]:
    created = [
        Assignment.objects.create(
            application=application, reviewer=reviewer, assigned_by=assigned_by, assigned_at=at
        )
        for reviewer in reviewers
    ]
    if created and application.status == Application.Status.ACCEPTED:
        # The enterprise's timeline says the review began — never who reviews it; in Chinese, as a record.
        with translation.override(settings.LANGUAGE_CODE):
            note = _("已进入专家评审。")
        application_services.record_transition(
            application=application, status=Application.Status.UNDER_REVIEW, actor=assigned_by, note=note
        )
    _refresh_shortfall(application)
    for assignment in created:
        notifications.reviewer_assigned(assignment)  # without the organisation's name
    return created


@transaction.atomic
def assign_reviewers(
    *, actor, application: Application, reviewers: Sequence[User], at: datetime | None = None
) -> list[Assignment]:
    """By hand: the approver's choice of reviewers, each eligible, no more than the call's number."""
    at = at or timezone.now()
    application = _locked_assignable(actor, application)
    if not reviewers:
        raise ValidationError(_("请选择至少一位评审专家。"))
    eligible = {user.pk for user in selectors.reviewer_candidates(application)}
    refused = [r for r in reviewers if r.pk not in eligible]
    if refused:
        raise ValidationError(
            _("以下人员不能评审本申报(不是评审专家、属于申报单位或已分配):%(names)s。")
            % {"names": pgettext("list separator", "、").join(r.display_name for r in refused)}
        )
    places = _places_left(application)
    if len(reviewers) > places:
        raise ValidationError(
            _("本批次每件申报需 %(required)d 位评审专家,尚缺 %(places)d 位,不能分配 %(chosen)d 位。")
            % {
                "required": application.call_item.call.reviewers_per_application,
                "places": places,
                "chosen": len(reviewers),
            }
        )
    return _create(application, list(reviewers), actor, at)


@transaction.atomic
def auto_assign_reviewers(*, actor, application: Application, at: datetime | None = None) -> list[Assignment]:
    """自动分配: the least-loaded eligible reviewers (ties by username) up to the call's number.
    Assigns as many as are available; the approver's page shows any shortfall that remains."""
    at = at or timezone.now()
    application = _locked_assignable(actor, application)
    places = _places_left(application)
    if places == 0:
        raise ValidationError(_("本申报的评审专家已满,无需再分配。"))
    chosen = list(selectors.reviewer_candidates(application)[:places])
    if not chosen:
        raise ValidationError(_("没有可分配的评审专家(均已分配、回避或属于申报单位)。"))
    return _create(application, chosen, actor, at)


@dataclass(frozen=True)
class Declaration:
    assignment: Assignment
    replacement: Assignment | None  # the next reviewer by workload, after a declared conflict


@transaction.atomic
def declare_interest(
    *, actor, assignment: Assignment, has_conflict: bool, note: str = "", at: datetime | None = None
) -> Declaration:
    """The reviewer's declaration before seeing anything of the application but its organisation and
    item. A conflict withdraws them (off their workload) and assigns the next reviewer by workload, if
    one is left; otherwise the approver sees the shortfall on the assignment queue."""
    at = at or timezone.now()
    require_role(actor, Role.EXPERT_REVIEWER)
    if assignment.reviewer_id != actor.pk:
        raise PermissionDenied(_("只能对分配给本人的评审作出声明。"))
    application = application_services.lock_application(assignment.application)
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status == Assignment.Status.CLOSED:
        raise ValidationError(_("该申报已审定,评审任务已结束,不能再评分。"))
    if assignment.status != Assignment.Status.AWAITING_DECLARATION:
        raise ValidationError(_("已作出利益冲突声明,不能重复声明。"))
    note = note.strip()
    assignment.status = Assignment.Status.CONFLICTED if has_conflict else Assignment.Status.SCORING
    assignment.declared_at = at
    assignment.conflict_note = note if has_conflict else ""
    assignment.save(update_fields=["status", "declared_at", "conflict_note"])
    replacement = None
    if has_conflict and application.status in ASSIGNABLE and _places_left(application) > 0:
        candidate = selectors.reviewer_candidates(application).first()
        if candidate is not None:
            # On behalf of the approver who made the original assignment.
            replacement = Assignment.objects.create(
                application=application,
                reviewer=candidate,
                assigned_by_id=assignment.assigned_by_id,
                assigned_at=at,
            )
            notifications.reviewer_assigned(replacement)
    if has_conflict:
        _refresh_shortfall(application)
    if has_conflict and replacement is None and application.status in ASSIGNABLE:
        notifications.reviewer_shortfall(application, assignment)
    return Declaration(assignment, replacement)

"""审定 and 一事一议 (Art. 10(3)): the approver's decision within the engine's ceiling, and the two-person
override that is the only way above it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.roles import Role
from applications.models import Application
from applications.selectors import application_quote
from applications.services import lock_application, record_transition
from policies import rules
from policies.templatetags.money import fen_yuan
from reviews import notifications, selectors
from reviews.access import require_role
from reviews.models import Assignment, Decision, Override, QuorumException

Status = Application.Status

# An approver decides an application under review, and may revise a decision until it is published.
DECIDABLE = (Status.UNDER_REVIEW, Status.RECOMMENDED, Status.NOT_RECOMMENDED)

# Art. 10(3) allows 一事一议 only where the matter has 重大影响 on the district's industrial ecosystem: the
# override says what that impact is, in a sentence or more, not a word.
IMPACT_MIN_CHARS = 30

# Deciding on fewer opinions than the call requires is an exception to be defended later: the reason says
# why in a sentence (who could not review, what deadline), not a word.
QUORUM_REASON_MIN_CHARS = 20


def decision_quote(application: Application) -> rules.Quote:
    """The engine's ceiling as it stands now: what the organisation has been awarded up to this moment
    (this year, this project, this matter under any item — 10(2)) counts.

    The round's validity (10(5)) is judged on the day of submission, not today: an application accepted
    while the round was in force is decided on its merits even if the decision falls after the round
    ends. Raises ValidationError when the stored facts no longer parse (a changed rule).
    """
    try:
        return application_quote(application, at=application.submitted_at)
    except rules.FactError as exc:
        raise ValidationError(list(exc.errors.values())) from exc


def to_fen(amount: Decimal | str | int | None) -> int:
    """Yuan as typed (at most two decimals, not negative) → integer fen; None and "" are 0."""
    if amount is None or amount == "":
        return 0
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except InvalidOperation as exc:
        raise ValidationError(_("请填写有效的金额。")) from exc
    if not value.is_finite() or value < 0:
        raise ValidationError(_("金额不能为负数。"))
    if value != rules.round_fen(value):
        raise ValidationError(_("金额最多保留两位小数(到分)。"))
    return rules.yuan_to_fen(value)


def _reviewer_names_in(application: Application, text: str) -> list[str]:
    """Any way an assigned reviewer could be named in text meant for the enterprise (issue 4, item 6:
    never who the reviewers were). Single scores cannot be told from other figures; the form says so."""
    found = []
    for assignment in application.assignments.select_related("reviewer"):
        reviewer = assignment.reviewer
        first, last = reviewer.first_name.strip(), reviewer.last_name.strip()
        for name in {reviewer.username, reviewer.email, reviewer.get_full_name(), last + first, first + last}:
            if len(name) >= 2 and name in text:
                found.append(name)
    return found


def check_matter_left(quote: rules.Quote, amount_fen: int) -> None:
    """Art. 10(2) is not lifted by 10(3): an amount above the engine's ceiling may still not exceed what the
    same matter may receive (Quote.matter_left; None when nothing was awarded for it)."""
    if quote.matter_left is None:
        return
    left_fen = rules.yuan_to_fen(quote.matter_left)
    if amount_fen > left_fen:
        raise ValidationError(
            _(
                "金额 %(amount)s 超过同一事项尚可享受的 %(left)s:同一单位不得因同一事项重复享受政策"
                "(第十条第二款),一事一议也不能突破。"
            )
            % {"amount": fen_yuan(amount_fen), "left": fen_yuan(left_fen)}
        )


def quorum_shortfall(quorum: selectors.Quorum) -> str:
    return _("已提交 %(submitted)d 份评审意见,需 %(required)d 份,还差 %(missing)d 份。") % {
        "submitted": quorum.submitted,
        "required": quorum.required,
        "missing": quorum.missing,
    }


def _confirmed_quorum_exception(application: Application) -> QuorumException | None:
    return (
        application.quorum_exceptions.filter(status=QuorumException.Status.CONFIRMED)
        .order_by("-confirmed_at", "-id")
        .first()
    )


def _close_open_assignments(application: Application, at: datetime) -> int:
    """Reviewers still at work when the application is decided: their task ends with a note (and leaves
    their list), rather than staying open with the form refusing them. Saved one by one so each change is
    audited (AUDITED_MODELS)."""
    with translation.override(settings.LANGUAGE_CODE):  # a record: Chinese
        note = _("已审定")
    closed = 0
    for assignment in application.assignments.select_for_update().filter(status__in=selectors.OPEN):
        assignment.status = Assignment.Status.CLOSED
        assignment.closed_at = at
        assignment.closed_note = note
        assignment.save(update_fields=["status", "closed_at", "closed_note"])
        notifications.review_closed(assignment)
        closed += 1
    return closed


def _check_decidable(application: Application) -> None:
    if application.status not in DECIDABLE:
        raise ValidationError(
            _("该申报当前状态为“%(status)s”,不能审定。") % {"status": application.get_status_display()}
        )


@transaction.atomic
def record_decision(
    *,
    actor,
    application: Application,
    recommended: bool,
    amount: Decimal | str | int | None,
    reasons: str,
    released_comments: str = "",
    at: datetime | None = None,
) -> Decision:
    """Record 拟支持 / 不予支持 with the amount, never above the ceiling computed now unless a confirmed
    一事一议 for exactly this amount exists. The reasons and the released comments go to the enterprise."""
    require_role(actor, Role.COMMISSION_APPROVER)
    at = at or timezone.now()
    # Locked first: the ceiling below and the status change must see the same state of the world.
    application = lock_application(application)
    _check_decidable(application)
    reasons = (reasons or "").strip()
    released_comments = (released_comments or "").strip()
    if not reasons:
        raise ValidationError(_("请写明审定理由(将告知申报单位)。"))
    if released_comments and _reviewer_names_in(application, released_comments):
        raise ValidationError(_("发布给申报单位的评审意见不得包含评审专家的姓名或账号。"))
    amount_fen = to_fen(amount)
    if recommended and amount_fen == 0:
        raise ValidationError(_("拟支持时请填写大于 0 的金额。"))
    if not recommended and amount_fen != 0:
        raise ValidationError(_("不予支持时金额应为 0。"))

    # A decision stands on the call's quorum of submitted reviews, or on an exception a second approver
    # confirmed (four eyes, as for 一事一议).
    quorum = selectors.review_quorum(application)
    quorum_exception = None
    if not quorum.met:
        quorum_exception = _confirmed_quorum_exception(application)
        if quorum_exception is None:
            raise ValidationError(
                quorum_shortfall(quorum) + _("评审意见不足时审定,须写明理由提出例外,并经另一位审定人员确认。")
            )

    # The stored explanation is the official record: in Chinese whatever language the approver reads.
    with translation.override(settings.LANGUAGE_CODE):
        quote = decision_quote(application)
    ceiling_fen = rules.yuan_to_fen(quote.amount)
    override = None
    if amount_fen > ceiling_fen:
        override = (
            application.overrides.filter(status=Override.Status.CONFIRMED, amount_fen=amount_fen)
            .order_by("-confirmed_at", "-id")
            .first()
        )
        if override is None:
            raise ValidationError(
                _(
                    "金额 %(amount)s 超过引擎计算的上限 %(ceiling)s。"
                    "如确需超出,请提出一事一议,并经另一位审定人员确认。"
                )
                % {"amount": fen_yuan(amount_fen), "ceiling": fen_yuan(ceiling_fen)}
            )
        # Confirmed earlier; since then the same matter may have been awarded elsewhere.
        check_matter_left(quote, amount_fen)

    decision = Decision(
        application=application,
        approver=actor,
        recommended=recommended,
        amount_fen=amount_fen,
        ceiling_fen=ceiling_fen,
        ceiling_quote=quote.as_dict(),
        override=override,
        reasons=reasons,
        decided_at=at,
        reviews_submitted=quorum.submitted,
        reviews_required=quorum.required,
        quorum_exception=quorum_exception,
    )
    decision.full_clean()  # Decision.clean: the same ceiling rule, for every path that saves one

    if application.status != Status.UNDER_REVIEW:
        # Revising an earlier decision: back through 评审中 so the timeline shows both (TRANSITIONS).
        with translation.override(settings.LANGUAGE_CODE):  # timeline notes are records: Chinese
            note = _("重新审定")
        record_transition(application=application, status=Status.UNDER_REVIEW, actor=actor, note=note)
    record_transition(
        application=application,
        status=Status.RECOMMENDED if recommended else Status.NOT_RECOMMENDED,
        actor=actor,
        fields={"outcome_note": reasons, "released_comments": released_comments},
    )
    decision.save()
    _close_open_assignments(application, at)
    notifications.application_decided(application, decision)
    return decision


@transaction.atomic
def propose_quorum_exception(
    *, actor, application: Application, reason: str, at: datetime | None = None
) -> QuorumException:
    """Decide below the call's quorum of submitted reviews: a written reason, in force only once another
    approver confirms it. Refused when the quorum is met (nothing to except) or one is already pending."""
    require_role(actor, Role.COMMISSION_APPROVER)
    application = lock_application(application)
    _check_decidable(application)
    reason = (reason or "").strip()
    if len(reason) < QUORUM_REASON_MIN_CHARS:
        raise ValidationError(
            _("请写明评审意见不足仍须审定的理由,至少 %(n)d 个字。") % {"n": QUORUM_REASON_MIN_CHARS}
        )
    quorum = selectors.review_quorum(application)
    if quorum.met:
        raise ValidationError(_("评审意见已达到本批次所需份数,无需例外,可直接审定。"))
    if _confirmed_quorum_exception(application) is not None:
        raise ValidationError(_("已有经确认的评审意见不足例外,可以直接审定。"))
    if application.quorum_exceptions.filter(status=QuorumException.Status.PROPOSED).exists():
        raise ValidationError(_("已有待确认的评审意见不足例外,请等待另一位审定人员处理。"))
    return QuorumException.objects.create(
        application=application,
        reason=reason,
        reviews_submitted=quorum.submitted,
        reviews_required=quorum.required,
        proposed_by=actor,
        proposed_at=at or timezone.now(),
    )


@transaction.atomic
def confirm_quorum_exception(
    *, actor, exception: QuorumException, confirm: bool, note: str = "", at: datetime | None = None
) -> QuorumException:
    """Confirm or reject a proposed quorum exception: only a different approver may (the
    quorum_exception_four_eyes constraint backs this)."""
    require_role(actor, Role.COMMISSION_APPROVER)
    # The application first, as every verb here locks it: the decision reads the exception under that lock.
    application = lock_application(exception.application)
    exception = QuorumException.objects.select_for_update().get(pk=exception.pk)
    if exception.proposed_by_id == actor.pk:
        raise PermissionDenied(_("评审意见不足例外须由另一位审定人员确认,提出人不能确认或否决自己的提议。"))
    if exception.status != QuorumException.Status.PROPOSED:
        raise ValidationError(_("该例外已处理(%(status)s)。") % {"status": exception.get_status_display()})
    note = (note or "").strip()
    if not confirm and not note:
        raise ValidationError(_("不予确认时请写明意见。"))
    _check_decidable(application)
    exception.status = QuorumException.Status.CONFIRMED if confirm else QuorumException.Status.REJECTED
    exception.confirmed_by = actor
    exception.confirmed_at = at or timezone.now()
    exception.confirm_note = note
    exception.save(update_fields=["status", "confirmed_by", "confirmed_at", "confirm_note"])
    return exception


@transaction.atomic
def propose_override(
    *,
    actor,
    application: Application,
    amount: Decimal | str | int | None,
    reason: str,
    area: str,
    impact: str,
    at: datetime | None = None,
) -> Override:
    """一事一议: an amount above the engine's ceiling with a written reason, the area of Art. 10(3) it
    falls in (载体建设 / 企业创新 / 环境建设) and its 重大影响 on the district's industrial ecosystem; never
    above what Art. 10(2) leaves for the same matter. In force only once another approver confirms it."""
    require_role(actor, Role.COMMISSION_APPROVER)
    application = lock_application(application)
    _check_decidable(application)
    reason = (reason or "").strip()
    impact = (impact or "").strip()
    problems = []
    if not reason:
        problems.append(_("一事一议须写明书面理由。"))
    if area not in Override.Area.values:
        problems.append(_("请选择一事一议所属的领域:载体建设、企业创新或环境建设(第十条第三款)。"))
    if len(impact) < IMPACT_MIN_CHARS:
        problems.append(
            _("请说明对区域产业生态打造的重大影响(第十条第三款),至少 %(n)d 个字。") % {"n": IMPACT_MIN_CHARS}
        )
    if problems:
        raise ValidationError(problems)
    amount_fen = to_fen(amount)
    with translation.override(settings.LANGUAGE_CODE):
        quote = decision_quote(application)
    ceiling_fen = rules.yuan_to_fen(quote.amount)
    if amount_fen <= ceiling_fen:
        raise ValidationError(
            _("金额 %(amount)s 未超过引擎计算的上限 %(ceiling)s,无需一事一议,可直接审定。")
            % {"amount": fen_yuan(amount_fen), "ceiling": fen_yuan(ceiling_fen)}
        )
    check_matter_left(quote, amount_fen)
    return Override.objects.create(
        application=application,
        amount_fen=amount_fen,
        ceiling_fen=ceiling_fen,
        matter_left_fen=None if quote.matter_left is None else rules.yuan_to_fen(quote.matter_left),
        reason=reason,
        area=area,
        impact=impact,
        proposed_by=actor,
        proposed_at=at or timezone.now(),
    )


@transaction.atomic
def confirm_override(
    *, actor, override: Override, confirm: bool, note: str = "", at: datetime | None = None
) -> Override:
    """Confirm or reject a proposed 一事一议. Only a different approver may (Art. 10(3); the
    override_four_eyes constraint backs this)."""
    require_role(actor, Role.COMMISSION_APPROVER)
    override = Override.objects.select_for_update().select_related("application").get(pk=override.pk)
    if override.proposed_by_id == actor.pk:
        raise PermissionDenied(_("一事一议须由另一位审定人员确认,提出人不能确认或否决自己的提议。"))
    if override.status != Override.Status.PROPOSED:
        raise ValidationError(_("该一事一议已处理(%(status)s)。") % {"status": override.get_status_display()})
    note = (note or "").strip()
    if not confirm and not note:
        raise ValidationError(_("不予确认时请写明意见。"))
    _check_decidable(override.application)
    if confirm:
        # What 10(2) leaves may have shrunk since the proposal (an award for the same matter elsewhere).
        with translation.override(settings.LANGUAGE_CODE):
            quote = decision_quote(override.application)
        check_matter_left(quote, override.amount_fen)
    override.status = Override.Status.CONFIRMED if confirm else Override.Status.REJECTED
    override.confirmed_by = actor
    override.confirmed_at = at or timezone.now()
    override.confirm_note = note
    override.save(update_fields=["status", "confirmed_by", "confirmed_at", "confirm_note"])
    return override

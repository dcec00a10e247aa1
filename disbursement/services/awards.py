"""Awards: created at 认定 with their schedule (or, for a yearly item, its yearly claims), approved by
区财政局 (which commits the budgets), released year by year, 验收 recorded, and clawed back (追回) on a
finding."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from applications.models import Application
from applications.services import record_clawback_amount
from audit import services as audit
from policies.templatetags.money import fen_yuan
from reviews.access import require_not_involved, require_role

from .. import notifications, schedule
from ..models import Award, Clawback, Installment
from . import claims
from .budgets import commit_to_budgets, lock_budgets

IStatus = Installment.Status
UNPAID = (IStatus.SCHEDULED, IStatus.WAITING, IStatus.DUE)


def _today(at: datetime | None) -> date:
    return timezone.localdate(at) if at else timezone.localdate()


def _settled_status(installment: Installment, today: date) -> str:
    """Where an unpaid installment of an approved award stands: waiting for its condition, not yet its
    year, or due."""
    if installment.condition != Installment.Condition.NONE and installment.condition_met_at is None:
        return IStatus.WAITING
    if installment.year > today.year:
        return IStatus.SCHEDULED
    return IStatus.DUE


def _lock_award(award: Award) -> Award:
    return (
        Award.objects.select_for_update(of=("self",))
        .select_related("item", "organization", "application", "agreement")
        .get(pk=award.pk)
    )


# ---------------------------------------------------------------- 认定 → award


def create_award(*, application: Application, actor=None) -> Award:
    """The hook close_notice calls (settings.RECOGNITION_HOOKS) inside its transaction, for an application
    it has just recognised: the award, pending 区财政局, with its schedule. Idempotent: an application
    has at most one award (one-to-one), and a second call returns it unchanged."""
    existing = Award.objects.filter(application_id=application.pk).first()
    if existing is not None:
        return existing
    if application.status != Application.Status.RECOGNISED or not application.awarded_fen:
        raise ValidationError(_("只有已认定且有认定金额的申报才能生成资助。"))
    call_item = application.call_item
    item = application.item
    yearly = claims.is_yearly(item)
    # A yearly item (连续补贴三年) is recognised with nothing granted yet: each year is claimed and checked on
    # that year's rent (services.claims), and only an accepted year gets its installment.
    planned = (
        []
        if yearly
        else schedule.plan(
            amount_fen=application.awarded_fen,
            year=call_item.call.year,
            pay_after_acceptance=item.pay_after_acceptance,
            stages=call_item.payment_stages or (),
        )
    )
    with transaction.atomic():
        award = Award.objects.create(
            application=application,
            organization_id=application.organization_id,
            item=item,
            amount_fen=0 if yearly else application.awarded_fen,
        )
        # bulk_create does not call Installment.save, which fills the name the due list sorts by.
        name = application.organization.name
        installments = Installment.objects.bulk_create(
            Installment(
                award=award,
                organization_name=name,
                number=row.number,
                year=row.year,
                amount_fen=row.amount_fen,
                condition=row.condition,
                status=IStatus.SCHEDULED if row.condition == schedule.NONE else IStatus.WAITING,
            )
            for row in planned
        )
        # bulk_create sends no post_save, so the schedule's money figures are audited here.
        for installment in installments:
            audit.record(
                "installment.create",
                obj=installment,
                after={
                    "award_id": award.pk,
                    "number": installment.number,
                    "year": installment.year,
                    "amount_fen": installment.amount_fen,
                    "condition": installment.condition,
                    "status": installment.status,
                },
            )
        if yearly:
            claims.create_claims(award=award)
        notifications.award_recognised(award)
    return award


# ---------------------------------------------------------------- 区财政局 approves


def _needs_by_year(installments) -> dict[int, int]:
    needs: dict[int, int] = defaultdict(int)
    for installment in installments:
        needs[installment.year] += installment.amount_fen
    return dict(sorted(needs.items()))


@transaction.atomic
def approve_award(*, actor, award: Award, at: datetime | None = None) -> Award:
    """A finance approver approves the award: its amount is committed in the budgets of the years its
    installments fall in (the item's row and the year's total where one exists). Refused with the
    figures when any of them has less left than needed; then nothing is committed.

    The budget rows are locked (select_for_update) before they are read, so two approvals racing for the
    last of a budget run one after the other: the second sees what the first committed and is refused.
    """
    require_role(actor, Role.FINANCE_APPROVER)
    require_not_involved(actor, [award.application_id])
    at = at or timezone.now()
    award = _lock_award(award)
    if award.status != Award.Status.PENDING:
        raise ValidationError(
            _("该资助当前状态为“%(status)s”,不能再审核。") % {"status": award.get_status_display()}
        )
    installments = list(award.installments.filter(status__in=UNPAID).order_by("number"))
    needs = _needs_by_year(installments)
    commit_to_budgets(needs, award.budget_code)
    today = _today(at)
    for installment in installments:
        status = _settled_status(installment, today)
        if status != installment.status:
            installment.status = status
            installment.save(update_fields=["status"])
    award.status = Award.Status.APPROVED
    award.approved_by = actor
    award.approved_at = at
    award.save(update_fields=["status", "approved_by", "approved_at"])
    notifications.award_approved(award)
    return award


def release_due_installments(*, today: date | None = None) -> int:
    """Scheduled installments of approved awards whose year has come (and whose condition, if any, is
    met) become due. Idempotent: run it daily (`manage.py release_installments`, issue 6's beat).

    One conditional UPDATE and its audit record per installment, each in its own short transaction: a
    single UPDATE of many rows would leave the trail without them, and locking them all at once could
    meet another service locking the same rows in another order."""
    today = today or timezone.localdate()
    candidates = Installment.objects.select_related("award__application__call_item__call").filter(
        Q(condition=Installment.Condition.NONE) | Q(condition_met_at__isnull=False),
        status=IStatus.SCHEDULED,
        award__status=Award.Status.APPROVED,
        year__lte=today.year,
    )
    released = 0
    for installment in candidates:
        with transaction.atomic():
            if Installment.objects.filter(pk=installment.pk, status=IStatus.SCHEDULED).update(
                status=IStatus.DUE
            ):
                audit.record(
                    "installment.update",
                    obj=installment,
                    before={"status": IStatus.SCHEDULED},
                    after={"status": IStatus.DUE},
                )
                notifications.installment_payable(installment)
                released += 1
    return released


# ---------------------------------------------------------------- conditions


def _meet_condition(installment: Installment, at: datetime, award: Award) -> None:
    installment.condition_met_at = at
    if award.status == Award.Status.APPROVED:
        installment.status = _settled_status(installment, _today(at))
    installment.save(update_fields=["condition_met_at", "status"])
    if installment.status == IStatus.DUE:
        installment.award = award
        notifications.installment_payable(installment)


@transaction.atomic
def record_acceptance(*, actor, award: Award, at: datetime | None = None) -> Award:
    """区科委 records the project's acceptance (验收): the installments waiting for it become due (once the
    award is approved; recorded earlier, they become due at approval)."""
    require_role(actor, Role.COMMISSION_APPROVER)
    at = at or timezone.now()
    award = _lock_award(award)
    waiting = list(
        award.installments.select_for_update()
        .filter(
            condition=Installment.Condition.ACCEPTANCE, status=IStatus.WAITING, condition_met_at__isnull=True
        )
        .order_by("number")
    )
    if not waiting:
        raise ValidationError(_("该资助没有等待项目验收的拨付期次。"))
    for installment in waiting:
        _meet_condition(installment, at, award)
    return award


# ---------------------------------------------------------------- 追回


def _paid_total(award: Award) -> int:
    return sum(i.amount_fen for i in award.installments.all() if i.status == IStatus.PAID)


@transaction.atomic
def record_clawback(
    *,
    actor,
    award: Award,
    reason: str,
    amount_fen: int,
    description: str,
    at: datetime | None = None,
) -> Clawback:
    """A finding against an award (wrong facts, moved out of 长宁区, a duplicate under 10(2)): the amount
    no longer belongs to the enterprise. Unpaid installments are cancelled first, latest first, up to
    the amount (their commitment goes back to the budget); the rest was paid and is to be recovered
    (record_recovery). The application's clawed_back_fen grows by the amount, so the running ceilings
    no longer count it."""
    require_role(actor, Role.FINANCE_OFFICER)
    at = at or timezone.now()
    award = _lock_award(award)
    if reason not in Clawback.Reason.values:
        raise ValidationError(_("请选择追回原因。"))
    description = (description or "").strip()
    if not description:
        raise ValidationError(_("请写明情况说明。"))
    already = sum(award.clawbacks.values_list("amount_fen", flat=True))
    can_claw = award.amount_fen - already
    if amount_fen is None or amount_fen <= 0:
        raise ValidationError(_("追回金额必须大于 0。"))
    if amount_fen > can_claw:
        raise ValidationError(
            _("追回金额 %(amount)s 超过可追回的 %(left)s(认定 %(awarded)s,已追回登记 %(already)s)。")
            % {
                "amount": fen_yuan(amount_fen),
                "left": fen_yuan(can_claw),
                "awarded": fen_yuan(award.amount_fen),
                "already": fen_yuan(already),
            }
        )
    # Batched installments are in a payment batch on its way to the bank: they are left to be paid or
    # returned there, and anything paid is recovered afterwards.
    unpaid = list(
        award.installments.select_for_update().filter(status__in=UNPAID).order_by("-year", "-number")
    )
    cut: dict[int, int] = {}  # installment pk → fen taken off
    left = amount_fen
    for installment in unpaid:
        if left == 0:
            break
        cut[installment.pk] = min(left, installment.amount_fen)
        left -= cut[installment.pk]
    cancelled = amount_fen - left
    if award.status in (Award.Status.APPROVED, Award.Status.CLOSED, Award.Status.CLAWED_BACK):
        # What an approved award committed for those installments goes back to the budgets.
        uncommit: dict[int, int] = defaultdict(int)
        for installment in unpaid:
            if installment.pk in cut:
                uncommit[installment.year] += cut[installment.pk]
        budgets = lock_budgets(uncommit, award.budget_code)
        for (year, _code), budget in budgets.items():
            budget.committed_fen -= uncommit[year]
            budget.save(update_fields=["committed_fen"])
    for installment in unpaid:
        taken = cut.get(installment.pk)
        if not taken:
            continue
        if taken == installment.amount_fen:
            installment.status = IStatus.CANCELLED
            installment.save(update_fields=["status"])
        else:
            # Part of this installment stays payable; the clawback row keeps the record of the cut.
            installment.amount_fen -= taken
            installment.save(update_fields=["amount_fen"])
    clawback = Clawback.objects.create(
        award=award,
        reason=reason,
        description=description,
        amount_fen=amount_fen,
        cancelled_fen=cancelled,
        recorded_by=actor,
        recorded_at=at,
    )
    # The application holds what was recognised; a yearly run's later years are granted on top of it (the
    # claims ledger counts them), so the application takes the clawback only up to its recognised amount.
    # An agreement's award has no application's ceilings to free.
    application = award.application
    if application is not None:
        on_application = min(amount_fen, (application.awarded_fen or 0) - application.clawed_back_fen)
        if on_application > 0:
            record_clawback_amount(application=application, amount_fen=on_application)
    closes = False
    if already + amount_fen == award.amount_fen:
        award.status = Award.Status.CLAWED_BACK
    elif (
        award.status == Award.Status.APPROVED
        and not award.installments.filter(status__in=(*UNPAID, IStatus.BATCHED)).exists()
    ):
        award.status = Award.Status.CLOSED
        closes = True
    award.save(update_fields=["status"])
    notifications.clawback_recorded(clawback)
    if closes:
        notifications.award_closed(award)
    return clawback


def _recovery_years(award: Award, already_fen: int, amount_fen: int) -> dict[int, int]:
    """Which budget years a recovery returns to: the years the money was paid from, the latest payment
    first. Earlier recoveries of the award (`already_fen`, over all its clawbacks) took the first part
    of that order, so the split is deterministic without storing it."""
    paid = award.installments.filter(status=IStatus.PAID).order_by("-year", "-number")
    years: dict[int, int] = defaultdict(int)
    skip, left = already_fen, amount_fen
    for installment in paid:
        available = installment.amount_fen
        used = min(skip, available)
        skip -= used
        available -= used
        take = min(left, available)
        if take:
            years[installment.year] += take
            left -= take
        if left == 0:
            break
    if left:
        raise ValidationError(
            _("追回金额超过该资助已拨付的金额(已拨付 %(paid)s)。") % {"paid": fen_yuan(_paid_total(award))}
        )
    return dict(years)


@transaction.atomic
def record_recovery(
    *, actor, clawback: Clawback, amount_fen: int, on: date, at: datetime | None = None
) -> Clawback:
    """Money paid back by the enterprise: recorded on the clawback and returned to the budget of the year
    it was paid from (that budget's recovered_fen, row locked)."""
    require_role(actor, Role.FINANCE_OFFICER)
    # The award first, as record_clawback locks it, then the clawback: one order for both services.
    award = _lock_award(Award(pk=clawback.award_id))
    clawback = Clawback.objects.select_for_update().get(pk=clawback.pk)
    if amount_fen is None or amount_fen <= 0:
        raise ValidationError(_("追回金额必须大于 0。"))
    if on is None or on > _today(at):
        raise ValidationError(_("请填写实际追回日期(不能晚于今天)。"))
    if amount_fen > clawback.outstanding_fen:
        raise ValidationError(
            _("本次追回 %(amount)s 超过尚待追回的 %(left)s。")
            % {"amount": fen_yuan(amount_fen), "left": fen_yuan(clawback.outstanding_fen)}
        )
    already = sum(award.clawbacks.values_list("recovered_fen", flat=True))
    years = _recovery_years(award, already, amount_fen)
    budgets = lock_budgets(years, award.budget_code)
    for (year, _code), budget in budgets.items():
        budget.recovered_fen += years[year]
        budget.save(update_fields=["recovered_fen"])
    clawback.recovered_fen += amount_fen
    clawback.recovered_on = on
    clawback.save(update_fields=["recovered_fen", "recovered_on"])
    return clawback

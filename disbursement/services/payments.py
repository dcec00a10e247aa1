"""Payment batches with four eyes, and the record of each payment.

A finance officer gathers due installments into a batch and submits it; a DIFFERENT finance approver
approves or returns it (the service refuses the preparer, and the batch_four_eyes constraint backs it).
After approval the officer records each installment paid (voucher number and date) or failed (reason).

Every claim is a conditional UPDATE that must change exactly one row (STYLE.md 10):
- into a batch: status due and no batch → batched, this batch; an installment someone else batched in
  the meantime changes nothing and the whole batch is refused, naming it;
- paid: status batched in this batch → paid. A second identical request (a double click, a retried
  request) changes nothing, pays nothing more and returns the first PaymentRecord.
Only the request whose UPDATE changed the row moves the money on the Budget rows (locked): committed −=
amount, paid += amount, on the item's row of the installment's year and on that year's total if any.

Lock order: the batch row, then the Budget rows in (year, item_code) order, as approve_award takes them.

The conditional UPDATEs bypass the model signals that audit every save (audit.receivers), so each one that
changes a row writes its own audit record here, with the fields before and after, in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.roles import Role
from audit import services as audit
from reviews.access import require_not_involved, require_role

from .. import notifications
from ..models import Award, Budget, Installment, PaymentBatch, PaymentRecord, YearlyClaim
from ..selectors import accounts_at, batch_accounts
from .budgets import figures, label, lock_budgets

Batch = PaymentBatch.Status
Due = Installment.Status


def describe(installment: Installment) -> str:
    """“CNAI-2025-7.1-0001 第1期” — how refusals name an installment."""
    return _("%(number)s 第%(n)s期") % {"number": installment.award.number, "n": installment.number}


# ---------------------------------------------------------------- batches


def _locked_batch(batch: PaymentBatch) -> PaymentBatch:
    return PaymentBatch.objects.select_for_update().get(pk=batch.pk)


def _refuse_status(batch: PaymentBatch, action: str) -> ValidationError:
    return ValidationError(
        _("批次 %(number)s 当前状态为“%(status)s”,不能%(action)s。")
        % {"number": batch.number, "status": batch.get_status_display(), "action": action}
    )


def create_batch(*, actor, installment_ids: Iterable[int]) -> PaymentBatch:
    """A draft batch of these due installments, each claimed by a conditional UPDATE.

    Refused as a whole (nothing claimed) when any installment is not due or already in a batch, or when
    an organisation has no receiving account; the message names them.
    """
    require_role(actor, Role.FINANCE_OFFICER)
    ids = sorted({int(pk) for pk in installment_ids})
    if not ids:
        raise ValidationError(_("请至少选择一笔待拨付款项。"))
    installments = list(
        Installment.objects.select_related(
            "award__application", "award__organization", "award__agreement"
        ).filter(pk__in=ids)
    )
    if len(installments) != len(ids):
        raise ValidationError(_("所选款项不存在或已被删除,请刷新后重试。"))

    accounts = accounts_at({i.award.organization_id for i in installments})
    without = sorted(
        {i.award.organization.name for i in installments if i.award.organization_id not in accounts}
    )
    if without:
        raise ValidationError(
            _("以下单位尚未登记收款账户,不能纳入拨付批次:%(names)s。") % {"names": "、".join(without)}
        )

    now = timezone.now()
    with transaction.atomic():
        batch = PaymentBatch.objects.create(
            number=f"tmp-{uuid.uuid4().hex}", status=Batch.DRAFT, prepared_by=actor, created_at=now
        )
        batch.number = f"BF{timezone.localdate(now):%Y%m%d}-{batch.pk:05d}"
        batch.save(update_fields=["number"])
        refused = []
        for installment in sorted(installments, key=lambda i: i.pk):
            unclaimed = Installment.objects.filter(pk=installment.pk, status=Due.DUE, batch__isnull=True)
            claimed = unclaimed.update(status=Due.BATCHED, batch=batch)
            if claimed != 1:
                refused.append(describe(installment))
        if refused:
            # Raising rolls back the batch and every claim made above.
            raise ValidationError(
                _("以下款项不是待拨付状态或已在其他批次中:%(items)s。") % {"items": "、".join(refused)}
            )
        _recount(batch)
        for installment in installments:
            audit.record(
                "installment.update",
                obj=installment,
                before={"status": Due.DUE, "batch_id": None},
                after={"status": Due.BATCHED, "batch_id": batch.pk},
            )
    return batch


def _recount(batch: PaymentBatch) -> None:
    """Store the batch's number of installments and their sum (PaymentBatch.installment_count, total_fen)
    after installments entered or left it; the caller holds the batch (created or locked)."""
    totals = Installment.objects.filter(batch=batch).aggregate(count=Count("*"), total=Sum("amount_fen"))
    batch.installment_count, batch.total_fen = totals["count"], totals["total"] or 0
    PaymentBatch.objects.filter(pk=batch.pk).update(
        installment_count=batch.installment_count, total_fen=batch.total_fen
    )


def submit_batch(*, actor, batch: PaymentBatch) -> PaymentBatch:
    require_role(actor, Role.FINANCE_OFFICER)
    with transaction.atomic():
        batch = _locked_batch(batch)
        if batch.status != Batch.DRAFT:
            raise _refuse_status(batch, pgettext("batch action", "提交审核"))
        if not batch.installments.exists():
            raise ValidationError(_("批次中没有款项,不能提交。"))
        batch.status = Batch.SUBMITTED
        batch.submitted_at = timezone.now()
        batch.save(update_fields=["status", "submitted_at"])
        notifications.batch_submitted(batch)
    return batch


def _release(batch: PaymentBatch) -> int:
    """The batch's unpaid installments back to due, out of the batch. The caller holds the batch row lock,
    under which alone an installment enters or leaves a batch, so the rows read here are the rows updated."""
    batched = list(
        Installment.objects.select_related("award__application", "award__agreement").filter(
            batch=batch, status=Due.BATCHED
        )
    )
    released = Installment.objects.filter(
        pk__in=[i.pk for i in batched], batch=batch, status=Due.BATCHED
    ).update(status=Due.DUE, batch=None)
    _recount(batch)
    for installment in batched:
        audit.record(
            "installment.update",
            obj=installment,
            before={"status": Due.BATCHED, "batch_id": batch.pk},
            after={"status": Due.DUE, "batch_id": None},
        )
    return released


def withdraw_batch(*, actor, batch: PaymentBatch) -> PaymentBatch:
    """The preparer gives up a draft: its installments are due again (and free for another batch)."""
    require_role(actor, Role.FINANCE_OFFICER)
    with transaction.atomic():
        batch = _locked_batch(batch)
        if batch.status != Batch.DRAFT:
            raise _refuse_status(batch, pgettext("batch action", "撤回"))
        if batch.prepared_by_id != actor.pk:
            raise PermissionDenied(_("只有批次的编制人可以撤回草稿。"))
        _release(batch)
        batch.status = Batch.RETURNED
        batch.return_reason = _("编制人撤回")
        batch.save(update_fields=["status", "return_reason"])
    return batch


def _check_second_pair_of_eyes(actor, batch: PaymentBatch) -> None:
    require_role(actor, Role.FINANCE_APPROVER)
    if batch.prepared_by_id == actor.pk:
        raise PermissionDenied(_("拨付批次须由编制人以外的审核人员审核,编制人不能审核自己编制的批次。"))
    require_not_involved(actor, batch.installments.values_list("award__application_id", flat=True).distinct())


def approve_batch(*, actor, batch: PaymentBatch) -> PaymentBatch:
    """A finance approver other than the preparer approves a submitted batch."""
    _check_second_pair_of_eyes(actor, batch)
    with transaction.atomic():
        batch = _locked_batch(batch)
        _check_second_pair_of_eyes(actor, batch)
        if batch.status != Batch.SUBMITTED:
            raise _refuse_status(batch, pgettext("batch action", "审核通过"))
        batch.status = Batch.APPROVED
        batch.approved_by = actor
        batch.approved_at = timezone.now()
        batch.save(update_fields=["status", "approved_by", "approved_at"])
    return batch


def return_batch(*, actor, batch: PaymentBatch, reason: str) -> PaymentBatch:
    """The approver sends a submitted batch back: its installments are due again, the batch is closed."""
    _check_second_pair_of_eyes(actor, batch)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明退回理由。")})
    with transaction.atomic():
        batch = _locked_batch(batch)
        _check_second_pair_of_eyes(actor, batch)
        if batch.status != Batch.SUBMITTED:
            raise _refuse_status(batch, pgettext("batch action", "退回"))
        _release(batch)
        batch.status = Batch.RETURNED
        batch.return_reason = reason
        batch.save(update_fields=["status", "return_reason"])
    return batch


# ---------------------------------------------------------------- payments


def _fresh(installment: Installment) -> Installment:
    try:
        return Installment.objects.select_related(
            "award__item", "award__application", "award__agreement"
        ).get(pk=installment.pk)
    except Installment.DoesNotExist:
        raise ValidationError(_("款项不存在。")) from None


def _frozen_account(batch: PaymentBatch, installment: Installment) -> dict[str, str]:
    organization_id = installment.award.organization_id
    account = batch_accounts(batch, [organization_id]).get(organization_id)
    if account is None:
        return {}
    return {
        "bank_name": account.bank_name,
        "account_name": account.account_name,
        "account_number": account.account_number,
        "bank_code": account.bank_code,
    }


def _move_budget(installment: Installment) -> None:
    """Committed → paid on the item's Budget row of the installment's year and on the year's total.

    The item's row committed the amount when the award was approved, so it must hold it. A year total
    entered after that approval never committed it: there the payment takes what is committed (at most
    the amount) and adds the amount to paid, refused with the figures if the total has no room for it.
    """
    code = installment.award.budget_code
    rows = lock_budgets([installment.year], code)
    item_row = rows.get((installment.year, code))
    amount = installment.amount_fen
    if item_row is None or item_row.committed_fen < amount:
        raise ValidationError(
            _("%(year)s 年度 %(code)s 预算中没有为这笔款项承诺的金额,不能记录拨付。")
            % {"year": installment.year, "code": code}
        )
    for row in rows.values():
        before = {"committed_fen": row.committed_fen, "paid_fen": row.paid_fen}
        row.committed_fen -= min(row.committed_fen, amount)
        row.paid_fen += amount
        if row.left_fen < 0:
            raise ValidationError(
                _("%(label)s不足以记录这笔拨付:%(figures)s") % {"label": label(row), "figures": figures(row)}
            )
        Budget.objects.filter(pk=row.pk).update(committed_fen=row.committed_fen, paid_fen=row.paid_fen)
        audit.record(
            "budget.update",
            obj=row,
            before=before,
            after={"committed_fen": row.committed_fen, "paid_fen": row.paid_fen},
            detail=f"记录拨付:{installment}",
        )


def _finish(batch: PaymentBatch, award_id: int) -> None:
    """The award closes when every installment it still has is paid (and no year of a yearly run is left to
    claim); the batch when nothing is left."""
    open_installments = (
        Installment.objects.filter(award_id=award_id).exclude(status__in=[Due.PAID, Due.CANCELLED]).exists()
    )
    # A yearly run (年度兑现) goes on while a later year can still be claimed or is being checked.
    live_claims = YearlyClaim.objects.filter(
        award_id=award_id,
        status__in=[YearlyClaim.Status.OPEN, YearlyClaim.Status.SUBMITTED, YearlyClaim.Status.RETURNED],
    ).exists()
    if not open_installments and not live_claims:
        closed = Award.objects.filter(pk=award_id, status=Award.Status.APPROVED).update(
            status=Award.Status.CLOSED
        )
        if closed:
            award = Award.objects.select_related("application", "agreement").get(pk=award_id)
            audit.record(
                "award.update",
                obj=award,
                before={"status": Award.Status.APPROVED},
                after={"status": Award.Status.CLOSED},
            )
            notifications.award_closed(award)
    if not Installment.objects.filter(batch=batch, status=Due.BATCHED).exists():
        done = PaymentBatch.objects.filter(pk=batch.pk, status=Batch.APPROVED).update(status=Batch.DONE)
        if done:
            audit.record(
                "paymentbatch.update",
                obj=batch,
                before={"status": Batch.APPROVED},
                after={"status": Batch.DONE},
            )


def record_payment(
    *, actor, batch: PaymentBatch, installment: Installment, voucher_no: str, paid_on: date
) -> PaymentRecord:
    """The installment paid, with the bank's voucher number and date. Idempotent: a repeat of the same
    request returns the first record and changes nothing."""
    require_role(actor, Role.FINANCE_OFFICER)
    voucher_no = (voucher_no or "").strip()
    errors: dict[str, str] = {}
    if not voucher_no:
        errors["voucher_no"] = _("请填写凭证号。")
    if paid_on is None:
        errors["paid_on"] = _("请填写拨付日期。")
    elif paid_on > timezone.localdate():
        errors["paid_on"] = _("拨付日期不能晚于今天。")
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        batch = _locked_batch(batch)
        installment = _fresh(installment)
        if batch.status not in (Batch.APPROVED, Batch.DONE):
            raise _refuse_status(batch, pgettext("batch action", "记录拨付"))
        claimed = Installment.objects.filter(pk=installment.pk, batch=batch, status=Due.BATCHED).update(
            status=Due.PAID, paid_on=paid_on, voucher_no=voucher_no
        )
        if claimed != 1:
            existing = (
                PaymentRecord.objects.filter(
                    installment=installment, batch=batch, result=PaymentRecord.Result.PAID
                )
                .order_by("id")
                .first()
            )
            if existing is None:
                raise ValidationError(
                    _("%(item)s 不在本批次的待拨付款项中,不能记录拨付。") % {"item": describe(installment)}
                )
            if (existing.voucher_no, existing.paid_on) != (voucher_no, paid_on):
                raise ValidationError(
                    _("%(item)s 已于 %(on)s 记录拨付(凭证号 %(voucher)s),不能重复记录。")
                    % {"item": describe(installment), "on": existing.paid_on, "voucher": existing.voucher_no}
                )
            return existing
        _move_budget(installment)
        # Recorded after the budget rows are locked: a transaction that holds the audit chain's head
        # takes no further row lock here (audit.services.record locks the head until commit).
        audit.record(
            "installment.update",
            obj=installment,
            before={
                "status": Due.BATCHED,
                "paid_on": installment.paid_on,
                "voucher_no": installment.voucher_no,
            },
            after={"status": Due.PAID, "paid_on": paid_on, "voucher_no": voucher_no},
        )
        record = PaymentRecord.objects.create(
            installment=installment,
            batch=batch,
            result=PaymentRecord.Result.PAID,
            amount_fen=installment.amount_fen,
            voucher_no=voucher_no,
            paid_on=paid_on,
            recorded_by=actor,
            recorded_at=timezone.now(),
            **_frozen_account(batch, installment),
        )
        # Told of the payment first, then (if it was the last) of the award closing: the order it happened.
        notifications.payment_recorded(installment, record)
        _finish(batch, installment.award_id)
    return record


def record_failure(*, actor, batch: PaymentBatch, installment: Installment, reason: str) -> PaymentRecord:
    """The bank could not pay (account closed, name mismatch…): the installment is due again, out of the
    batch, for a later batch once the enterprise has fixed its account. A repeat returns the first record."""
    require_role(actor, Role.FINANCE_OFFICER)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明失败原因。")})
    with transaction.atomic():
        batch = _locked_batch(batch)
        installment = _fresh(installment)
        if batch.status not in (Batch.APPROVED, Batch.DONE):
            raise _refuse_status(batch, pgettext("batch action", "记录拨付失败"))
        released = Installment.objects.filter(pk=installment.pk, batch=batch, status=Due.BATCHED).update(
            status=Due.DUE, batch=None
        )
        if released != 1:
            existing = (
                PaymentRecord.objects.filter(
                    installment=installment, batch=batch, result=PaymentRecord.Result.FAILED
                )
                .order_by("-id")
                .first()
            )
            if existing is None:
                raise ValidationError(
                    _("%(item)s 不在本批次的待拨付款项中,不能记录失败。") % {"item": describe(installment)}
                )
            return existing
        _recount(batch)
        audit.record(
            "installment.update",
            obj=installment,
            before={"status": Due.BATCHED, "batch_id": batch.pk},
            after={"status": Due.DUE, "batch_id": None},
            detail=reason,
        )
        record = PaymentRecord.objects.create(
            installment=installment,
            batch=batch,
            result=PaymentRecord.Result.FAILED,
            amount_fen=installment.amount_fen,
            failure_reason=reason,
            recorded_by=actor,
            recorded_at=timezone.now(),
            **_frozen_account(batch, installment),
        )
        _finish(batch, installment.award_id)
        notifications.payment_recorded(installment, record)
    return record

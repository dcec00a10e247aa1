"""Who 区财政局's steps tell, and what (issue 6).

Each rule is called by the service that makes the change, inside its transaction (accounts.notify writes
the inbox rows there and queues the e-mail with transaction.on_commit). Official Chinese wording.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.notify import notify
from accounts.recipients import holders_of, organization_members
from accounts.roles import Role
from applications.models import Call
from policies.templatetags.money import fen_yuan

from .models import Award, Installment, PaymentBatch, PaymentRecord, SupportAgreement


def _number(award: Award) -> str:
    return award.number


def award_recognised(award: Award) -> None:
    """A new award, pending approval: every finance officer and approver."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("新认定资助待审核:%(number)s") % {"number": _number(award)}
        body = _("申报 %(number)s(%(item)s)已认定,认定金额 %(amount)s,请审核并安排预算。") % {
            "number": _number(award),
            "item": award.subject,
            # The recognised amount: for a yearly run (年度兑现) nothing is granted until a year is accepted.
            "amount": fen_yuan(award.recognised_fen),
        }
    notify(
        event="award.recognised",
        key=str(award.pk),
        recipients=holders_of(Role.FINANCE_OFFICER, Role.FINANCE_APPROVER),
        subject=subject,
        body=body,
        url=reverse("disbursement:award", args=[award.pk]),
    )


def award_approved(award: Award) -> None:
    """The enterprise: its award is approved and will be paid by the schedule."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("资助 %(number)s 已经区财政局审核") % {"number": _number(award)}
        body = _("您单位申报 %(number)s 的资助 %(amount)s 已经区财政局审核通过,将按拨付计划分期拨付。") % {
            "number": _number(award),
            "amount": fen_yuan(award.recognised_fen),
        }
    notify(
        event="award.approved",
        key=str(award.pk),
        recipients=organization_members(award.organization_id),
        subject=subject,
        body=body,
        url=reverse("awards:mine"),
    )


def _mine(award: Award) -> str:
    return reverse("awards:mine") + f"#award-{award.pk}"


def award_closed(award: Award) -> None:
    """已结项: every installment paid (or cancelled), no year of a run left: the enterprise is told once."""
    paid = sum(i.amount_fen for i in award.installments.all() if i.status == Installment.Status.PAID)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("资助 %(number)s 已结项") % {"number": _number(award)}
        body = _("您单位申报 %(number)s 的资助已全部拨付完毕(合计拨付 %(paid)s),本项目已结项。") % {
            "number": _number(award),
            "paid": fen_yuan(paid),
        }
    notify(
        event="award.closed",
        key=str(award.pk),
        recipients=organization_members(award.organization_id),
        subject=subject,
        body=body,
        url=_mine(award),
    )


def clawback_recorded(clawback) -> None:
    """追回: the enterprise learns the finding, the amount no longer its own, and what is to be paid back."""
    award = clawback.award
    values = {
        "number": _number(award),
        "amount": fen_yuan(clawback.amount_fen),
        "cancelled": fen_yuan(clawback.cancelled_fen),
        "to_recover": fen_yuan(clawback.to_recover_fen),
    }
    with translation.override(settings.LANGUAGE_CODE):
        values["reason"] = clawback.get_reason_display()
        subject = _("资助 %(number)s 追回通知") % values
        body = (
            _(
                "您单位申报 %(number)s 的资助经核查予以追回 %(amount)s(原因:%(reason)s)。\n"
                "其中未拨付部分 %(cancelled)s 不再拨付;已拨付部分 %(to_recover)s 请按区财政局要求退回。"
            )
            % values
        )
    notify(
        event="award.clawback",
        key=str(clawback.pk),
        recipients=organization_members(award.organization_id),
        subject=subject,
        body=body,
        url=_mine(award),
    )


def _payment_days(award: Award) -> int:
    """The call's typical time from due to paid; an agreement's award has no call: the field's default."""
    if award.application_id is None:
        return Call._meta.get_field("payment_working_days").default
    return award.application.call_item.call.payment_working_days


def installment_payable(installment: Installment) -> None:
    """An installment became due (its year came, or the project's 验收 was recorded): the enterprise learns
    it will be paid and how long that typically takes. Once per installment."""
    award = installment.award
    values = {
        "number": _number(award),
        "n": installment.number,
        "amount": fen_yuan(installment.amount_fen),
        "days": _payment_days(award),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("资助款已到拨付期:%(number)s 第%(n)d期") % values
        body = (
            _(
                "申报 %(number)s 第%(n)d期资助款 %(amount)s 已到拨付期。\n"
                "下一步:区财政局编入拨付批次拨付,通常需要 %(days)d 个工作日到账;请确认收款账户信息有效。"
            )
            % values
        )
    notify(
        event="installment.payable",
        key=str(installment.pk),
        recipients=organization_members(award.organization_id),
        subject=subject,
        body=body,
        url=_mine(award),
    )


def batch_submitted(batch: PaymentBatch) -> None:
    """A batch waits for approval: every finance approver but its preparer (who may not approve it)."""
    installments = batch.installments.all()
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("拨付批次 %(number)s 待审核") % {"number": batch.number}
        body = _("拨付批次 %(number)s(%(count)d 笔,合计 %(total)s)已提交,请审核。") % {
            "number": batch.number,
            "count": len(installments),
            "total": fen_yuan(sum(i.amount_fen for i in installments)),
        }
    notify(
        event="batch.submitted",
        key=str(batch.pk),
        recipients=holders_of(Role.FINANCE_APPROVER).exclude(pk=batch.prepared_by_id),
        subject=subject,
        body=body,
        url=reverse("disbursement:batch", args=[batch.pk]),
    )


def payment_recorded(installment: Installment, record: PaymentRecord) -> None:
    """The enterprise, for each payment: paid (with the date) or failed (with the reason)."""
    award = installment.award
    values = {
        "number": _number(award),
        "n": installment.number,
        "amount": fen_yuan(record.amount_fen),
    }
    with translation.override(settings.LANGUAGE_CODE):
        if record.result == PaymentRecord.Result.PAID:
            event = "payment.paid"
            subject = _("资助款已拨付:%(number)s 第%(n)d期") % values
            body = _(
                "申报 %(number)s 第%(n)d期资助款 %(amount)s 已于 %(on)s 拨付至贵单位登记的收款账户。"
            ) % {
                **values,
                "on": record.paid_on.isoformat(),
            }
            url = reverse("awards:mine")
        else:
            event = "payment.failed"
            subject = _("资助款拨付未成功:%(number)s 第%(n)d期") % values
            body = _(
                "申报 %(number)s 第%(n)d期资助款 %(amount)s 拨付未成功。\n原因:%(reason)s\n"
                "请核对并更新收款账户信息,区财政局将另行安排拨付。"
            ) % {**values, "reason": record.failure_reason}
            url = reverse("awards:bank_account")
    notify(
        event=event,
        key=f"{installment.pk}:{record.pk}",
        recipients=organization_members(award.organization_id),
        subject=subject,
        body=body,
        url=url,
    )


def remind_due_installments(*, today: date | None = None) -> int:
    """Every due installment not yet in a batch: the finance officers, once per installment."""
    today = today or timezone.localdate()
    due = list(
        Installment.objects.filter(status=Installment.Status.DUE, batch__isnull=True)
        .select_related("award__application", "award__item", "award__agreement")
        .order_by("id")
    )
    for installment in due:
        award = installment.award
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("待拨付:%(number)s 第%(n)d期") % {"number": _number(award), "n": installment.number}
            body = _(
                "申报 %(number)s(%(item)s)第%(n)d期 %(amount)s 已到拨付期(%(year)d 年度),请编入拨付批次。"
            ) % {
                "number": _number(award),
                "item": award.subject,
                "n": installment.number,
                "amount": fen_yuan(installment.amount_fen),
                "year": installment.year,
            }
        with transaction.atomic():
            notify(
                event="installment.due",
                key=str(installment.pk),
                recipients=holders_of(Role.FINANCE_OFFICER),
                subject=subject,
                body=body,
                url=reverse("disbursement:batch_new"),
            )
    return len(due)


# ---------------------------------------------------------------- 年度兑现 (yearly claims)


def claim_opened(claim) -> None:
    """The organisation's members: a year of the run can be claimed now, until when, and with what."""
    award = claim.award
    values = {
        "number": _number(award),
        "n": claim.year,
        "rent_year": claim.rent_year,
        "opens": claim.opens_on.isoformat(),
        "closes": claim.closes_on.isoformat(),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("可申领第 %(n)d 年房租补贴:%(number)s") % values
        body = (
            _(
                "申报 %(number)s 连续补贴第 %(n)d 年(%(rent_year)d 年度房租)已开放申领,申领期 %(opens)s 至 "
                "%(closes)s。请由单位管理员上传该年度房租发票及付款凭证,并确认仍在长宁区办公;逾期未申领的,"
                "连续补贴终止。"
            )
            % values
        )
    notify(
        event="claim.opened",
        key=str(claim.pk),
        recipients=organization_members(award.organization_id),
        subject=subject,
        body=body,
        url=reverse("awards:claim", args=[claim.pk]),
    )


def claim_submitted(claim) -> None:
    """区科委's approvers: a yearly claim waits for its check (once per submission)."""
    award = claim.award
    values = {"number": _number(award), "n": claim.year, "amount": fen_yuan(claim.amount_fen or 0)}
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("年度兑现待核查:%(number)s 第 %(n)d 年") % values
        body = _("申报 %(number)s 已申领第 %(n)d 年补贴,引擎计算金额 %(amount)s,请核查。") % values
    notify(
        event="claim.submitted",
        key=f"{claim.pk}:{claim.submitted_at.isoformat()}",
        recipients=holders_of(Role.COMMISSION_APPROVER),
        subject=subject,
        body=body,
        url=reverse("disbursement:claim", args=[claim.pk]),
    )


def claim_received(claim, check_days: int) -> None:
    """The organisation's members: the year's claim is in, with what happens next and how long."""
    award = claim.award
    values = {
        "number": _number(award),
        "n": claim.year,
        "amount": fen_yuan(claim.amount_fen or 0),
        "days": check_days,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("第 %(n)d 年补贴申领已提交:%(number)s") % values
        body = (
            _(
                "申报 %(number)s 第 %(n)d 年补贴已申领,引擎计算金额 %(amount)s。\n"
                "下一步:区科委核查,通常需要 %(days)d 个工作日,核定后由区财政局拨付。"
            )
            % values
        )
    notify(
        event="claim.received",
        key=f"{claim.pk}:{claim.submitted_at.isoformat()}",
        recipients=organization_members(award.organization_id),
        subject=subject,
        body=body,
        url=reverse("awards:claim", args=[claim.pk]),
    )


def claim_lapsed(claim) -> None:
    """A year not claimed in its window: the run has ended (连续补贴), told once."""
    award = claim.award
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("连续补贴已终止:%(number)s") % {"number": _number(award)}
        body = _("申报 %(number)s 第 %(n)d 年补贴未在申领期内申领,连续补贴终止。\n%(note)s") % {
            "number": _number(award),
            "n": claim.year,
            "note": claim.decision_note,
        }
    notify(
        event="claim.lapsed",
        key=str(claim.pk),
        recipients=organization_members(award.organization_id),
        subject=subject,
        body=body,
        url=reverse("awards:claim", args=[claim.pk]),
    )


def claim_decided(claim) -> None:
    """The organisation's members: the year accepted (with its amount), returned or refused (with why)."""
    award = claim.award
    values = {
        "number": _number(award),
        "n": claim.year,
        "amount": fen_yuan(claim.amount_fen or 0),
        "note": claim.decision_note,
    }
    with translation.override(settings.LANGUAGE_CODE):
        if claim.status == claim.Status.ACCEPTED:
            subject = _("第 %(n)d 年补贴已核定:%(number)s") % values
            body = (
                _("申报 %(number)s 第 %(n)d 年补贴经区科委核查,核定 %(amount)s,将由区财政局拨付。") % values
            )
        elif claim.status == claim.Status.RETURNED:
            subject = _("第 %(n)d 年申领已退回:%(number)s") % values
            body = _("申报 %(number)s 第 %(n)d 年申领被退回修改。\n理由:%(note)s") % values
        else:
            subject = _("第 %(n)d 年申领未通过核查:%(number)s") % values
            body = _("申报 %(number)s 第 %(n)d 年申领未通过核查,连续补贴终止。\n理由:%(note)s") % values
    notify(
        event=f"claim.{claim.status}",
        key=f"{claim.pk}:{claim.decided_at.isoformat()}",
        recipients=organization_members(award.organization_id),
        subject=subject,
        body=body,
        url=reverse("awards:claim", args=[claim.pk]),
    )


# ---------------------------------------------------------------- 一企一策 support agreements (issue 11)


def agreement_proposed(agreement: SupportAgreement) -> None:
    """A proposed agreement waits for a decision: every finance approver but its proposer."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("一企一策支持协议待决定:%(number)s") % {"number": agreement.number}
        body = _(
            "%(organization)s 的一企一策支持协议“%(title)s”(%(amount)s,%(year)d 年度预算)已提出,请审核决定。"
        ) % {
            "organization": agreement.organization.name,
            "title": agreement.title,
            "amount": fen_yuan(agreement.amount_fen),
            "year": agreement.budget_year,
        }
    notify(
        event="agreement.proposed",
        key=str(agreement.pk),
        recipients=holders_of(Role.FINANCE_APPROVER).exclude(pk=agreement.proposed_by_id),
        subject=subject,
        body=body,
        url=reverse("disbursement:agreement", args=[agreement.pk]),
    )


def agreement_decided(agreement: SupportAgreement) -> None:
    """Its proposer learns the decision (the enterprise hears of an approval through award_approved)."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("一企一策支持协议 %(number)s:%(status)s") % {
            "number": agreement.number,
            "status": agreement.get_status_display(),
        }
        body = _("%(organization)s 的一企一策支持协议“%(title)s”(%(amount)s)%(status)s。%(note)s") % {
            "organization": agreement.organization.name,
            "title": agreement.title,
            "amount": fen_yuan(agreement.amount_fen),
            "status": agreement.get_status_display(),
            "note": agreement.decision_note,
        }
    notify(
        event="agreement.decided",
        key=str(agreement.pk),
        recipients=[agreement.proposed_by],
        subject=subject,
        body=body,
        url=reverse("disbursement:agreement", args=[agreement.pk]),
    )

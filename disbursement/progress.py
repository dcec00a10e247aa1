"""The money side of an application's timeline (settings.AWARD_PROGRESS, read by applications.progress).

Everything is derived from the records the services keep — the award, its installments with their
payment records, its yearly claims and clawbacks — so the timeline can never disagree with them: nothing
here is stored. What happens next comes with the typical time the call gives (Call.*_working_days).

Five queries for any number of applications: the awards, their installments (with the batch, which the
enterprise's label reads), the failed payment attempts, the yearly claims and the clawbacks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, Call
from applications.progress import MoneyProgress, Step, days_text
from policies.templatetags.money import fen_yuan

from . import selectors
from .models import Award, Installment, YearlyClaim

IStatus = Installment.Status
CStatus = YearlyClaim.Status
UNPAID = (IStatus.SCHEDULED, IStatus.WAITING, IStatus.DUE, IStatus.BATCHED)


def award_progress(applications: Sequence[Application]) -> dict[int, MoneyProgress]:
    """{application id: MoneyProgress} for recognised applications that have their award."""
    by_id = {application.pk: application for application in applications}
    found: dict[int, MoneyProgress] = {}
    awards = selectors.awards_with_records(
        Award.objects.filter(application_id__in=list(by_id)).select_related("item")
    )
    for award in awards:
        application = by_id[award.application_id]
        award.application = application  # already loaded, with its call: no query per award
        found[application.pk] = progress_of(award, application.call_item.call)
    return found


def _day(moment: date | datetime | None) -> date | None:
    if isinstance(moment, datetime):
        return timezone.localdate(moment)
    return moment


def progress_of(award: Award, call: Call | None, *, today: date | None = None) -> MoneyProgress:
    """The award's steps so far and to come, its stage for the dashboard and what happens next. `call`
    gives the typical times; a 一企一策 agreement's award has none and reads the defaults (Call())."""
    today = today or timezone.localdate()
    call = call or Call()
    installments = list(award.installments.all())
    claims = list(award.claims.all())
    by_installment = {claim.installment_id: claim for claim in claims if claim.installment_id}
    done: list[tuple[date, int, Step]] = []  # (day, order within the day, step)

    def add(step: Step, order: int) -> None:
        done.append((_day(step.at) or today, order, step))

    add(
        Step(
            "award-pending",
            _("待拨付:资助待区财政局审核"),
            award.created_at,
            _("认定金额 %(amount)s") % {"amount": fen_yuan(award.recognised_fen)},
        ),
        0,
    )
    if award.approved_at:
        add(Step("award-approved", _("区财政局审核通过,按期拨付"), award.approved_at), 1)
    for claim in claims:
        if claim.submitted_at:
            add(
                Step("claim-submitted", _("第 %(n)d 年补贴已申领") % {"n": claim.year}, claim.submitted_at), 2
            )
        if claim.decided_at and claim.status != CStatus.SUBMITTED:
            add(_claim_decision(claim), 3)
    for installment in installments:
        name = _installment_name(installment, by_installment.get(installment.pk))
        for failure in getattr(installment, "failures", ()):
            add(
                Step(
                    "installment-failed",
                    _("%(name)s拨付未成功") % {"name": name},
                    failure.recorded_at,
                    _("原因:%(reason)s") % {"reason": failure.failure_reason},
                ),
                4,
            )
        if installment.status == IStatus.PAID:
            add(
                Step(
                    "installment-paid",
                    _("%(name)s已拨付") % {"name": name},
                    installment.paid_on,
                    fen_yuan(installment.amount_fen),
                ),
                5,
            )
        elif installment.status == IStatus.CANCELLED:
            add(Step("installment-cancelled", _("%(name)s已取消") % {"name": name}, None, ""), 6)
    for clawback in award.clawbacks.all():
        add(
            Step(
                "clawback",
                _("追回 %(amount)s") % {"amount": fen_yuan(clawback.amount_fen)},
                clawback.recorded_at,
                clawback.get_reason_display(),
            ),
            7,
        )
    if award.status == Award.Status.CLOSED:
        # No closing date is stored: the award closed with its last payment or the run's last decision.
        last = max((day for day, _order, _step in done), default=None)
        add(Step("award-closed", _("已结项"), last, _("资助已全部拨付完毕。")), 9)
    done.sort(key=lambda row: (row[0], row[1]))
    steps = [step for _day_, _order, step in done]
    steps.extend(_upcoming(award, installments, claims, by_installment, call))
    stage_key, stage = _stage(award, installments)
    next_text, next_url = _next(award, installments, claims, call, today)
    return MoneyProgress(
        stage_key=stage_key, stage=stage, steps=steps, next_text=next_text, next_url=next_url
    )


def _installment_name(installment: Installment, claim: YearlyClaim | None) -> str:
    if claim is not None:
        return _("第 %(n)d 年补贴(第 %(i)d 期)") % {"n": claim.year, "i": installment.number}
    return _("第 %(n)d 期") % {"n": installment.number}


def _claim_decision(claim: YearlyClaim) -> Step:
    values = {"n": claim.year, "amount": fen_yuan(claim.amount_fen or 0)}
    if claim.status == CStatus.ACCEPTED:
        return Step("claim-accepted", _("第 %(n)d 年补贴已核定 %(amount)s") % values, claim.decided_at)
    if claim.status == CStatus.RETURNED:
        label = _("第 %(n)d 年申领已退回修改") % values
    elif claim.status == CStatus.REFUSED:
        label = _("第 %(n)d 年申领未通过核查") % values
    else:
        label = _("第 %(n)d 年已终止") % values
    return Step(f"claim-{claim.status}", label, claim.decided_at, claim.decision_note)


def _upcoming(award, installments, claims, by_installment, call: Call) -> list[Step]:
    """What is still to happen: each unpaid installment and each year still to claim, in order."""
    if award.status == Award.Status.CLAWED_BACK:
        return []
    steps = []
    for installment in installments:
        if installment.status not in UNPAID:
            continue
        name = _installment_name(installment, by_installment.get(installment.pk))
        steps.append(
            Step(
                f"installment-{installment.status}",
                _("%(name)s %(amount)s:%(status)s")
                % {
                    "name": name,
                    "amount": fen_yuan(installment.amount_fen),
                    "status": installment.enterprise_status_label,
                },
                None,
                _installment_when(installment, call),
                upcoming=True,
            )
        )
    for claim in claims:
        if claim.status == CStatus.OPEN:
            steps.append(
                Step(
                    "claim-open",
                    _("第 %(n)d 年补贴待申领") % {"n": claim.year},
                    None,
                    _("申领期 %(opens)s 至 %(closes)s") % _window(claim),
                    upcoming=True,
                )
            )
        elif claim.status == CStatus.SUBMITTED:
            steps.append(
                Step(
                    "claim-submitted",
                    _("第 %(n)d 年申领待区科委核查") % {"n": claim.year},
                    None,
                    days_text(call.claim_check_working_days),
                    upcoming=True,
                )
            )
    return steps


def _window(claim: YearlyClaim) -> dict[str, str]:
    return {"opens": claim.opens_on.isoformat(), "closes": claim.closes_on.isoformat()}


def _installment_when(installment: Installment, call: Call) -> str:
    if installment.status == IStatus.WAITING:
        return _("项目验收后拨付")
    if installment.status == IStatus.SCHEDULED:
        return _("%(year)d 年度拨付") % {"year": installment.year}
    return _("到账%(time)s") % {"time": days_text(call.payment_working_days)}


def _stage(award: Award, installments: list[Installment]) -> tuple[str, str]:
    if award.status == Award.Status.CLAWED_BACK:
        return "clawed_back", str(Award.Status.CLAWED_BACK.label)
    if award.status == Award.Status.CLOSED:
        return "closed", _("已结项")
    paid = [i for i in installments if i.status == IStatus.PAID]
    if paid:
        last = paid[-1]
        return "part_paid", _("已拨付第 %(n)d 期(%(on)s)") % {
            "n": last.number,
            "on": last.paid_on.isoformat(),
        }
    if award.status == Award.Status.PENDING:
        return "pending", _("待拨付(区财政局审核中)")
    return "due", _("待拨付")


def _next(award, installments, claims, call: Call, today: date) -> tuple[str, str]:
    """What happens next and typically how long, and where to look: 我的资助 or the claim to make."""
    mine = reverse("awards:mine") + f"#award-{award.pk}"
    if award.status == Award.Status.CLAWED_BACK:
        return _("资助已追回,详见我的资助。"), mine
    if award.status == Award.Status.CLOSED:
        return _("资助已全部拨付,已结项,无需操作。"), mine
    claim_next = _claim_next(claims, call, today)
    if award.status == Award.Status.PENDING:
        if claim_next and claim_next[2]:
            return claim_next[0], claim_next[1]  # the enterprise has a year to claim meanwhile
        return (
            _("区财政局审核资助并安排预算,%(time)s;请确认已登记收款账户。")
            % {"time": days_text(call.finance_review_working_days)},
            mine,
        )
    unpaid = [i for i in installments if i.status in UNPAID]
    if unpaid:
        first = unpaid[0]
        values = {"n": first.number, "amount": fen_yuan(first.amount_fen)}
        if first.status == IStatus.WAITING:
            return _("第 %(n)d 期 %(amount)s 在项目验收后拨付,验收由区科委组织。") % values, mine
        if first.status == IStatus.SCHEDULED:
            return _("第 %(n)d 期 %(amount)s 将于 %(year)d 年度拨付。") % {**values, "year": first.year}, mine
        return (
            _("第 %(n)d 期 %(amount)s 待拨付,编入拨付批次后到账,%(time)s。")
            % {**values, "time": days_text(call.payment_working_days)},
            mine,
        )
    if claim_next:
        return claim_next[0], claim_next[1]
    return _("等待区财政局安排拨付。"), mine


def _claim_next(claims, call: Call, today: date) -> tuple[str, str, bool] | None:
    """The first year of the run still to claim or being checked: (text, url, the enterprise must act)."""
    for claim in claims:
        url = reverse("awards:claim", args=[claim.pk])
        if claim.status == CStatus.RETURNED:
            return _("第 %(n)d 年申领已退回,请按核查意见修改后重新申领。") % {"n": claim.year}, url, True
        if claim.status == CStatus.SUBMITTED:
            return (
                _("区科委核查第 %(n)d 年申领,%(time)s。")
                % {"n": claim.year, "time": days_text(call.claim_check_working_days)},
                url,
                False,
            )
        if claim.status == CStatus.OPEN:
            window = {"n": claim.year, **_window(claim)}
            if today < claim.opens_on:
                return _("第 %(n)d 年补贴自 %(opens)s 起可申领(至 %(closes)s)。") % window, url, False
            return _("第 %(n)d 年补贴可申领,截止 %(closes)s(单位管理员办理)。") % window, url, True
    return None

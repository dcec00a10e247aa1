"""What the enterprise is told about its own applications, and the draft reminder before a call closes.

Each rule is called by the service that makes the change, inside its transaction (accounts.notify writes
the inbox rows there and queues the e-mail with transaction.on_commit). Subjects and bodies are Chinese,
the official wording, whatever language the acting user reads.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.notify import notify
from accounts.recipients import organization_members

from .models import Application, Call

# How long before a call closes its drafts are reminded (issue 6: three days).
DRAFT_REMINDER_DAYS = 3


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def application_returned(application: Application, reasons: str) -> None:
    """退回补正: the enterprise's members, with the reasons, to correct and resubmit. Keyed by the revision
    returned, so a second return after a resubmission is told again."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("申报 %(number)s 被退回补正") % {"number": application.number}
        body = _(
            "您单位的申报 %(number)s(%(project)s)经受理审查被退回补正。\n"
            "退回原因:%(reasons)s\n请按要求修改后在批次截止前重新提交。"
        ) % {"number": application.number, "project": application.project_name, "reasons": reasons}
    notify(
        event="application.returned",
        key=f"{application.pk}:{application.revisions.count()}",
        recipients=organization_members(application.organization_id),
        subject=subject,
        body=body,
        url=reverse("applications:edit", args=[application.pk]),
    )


def application_submitted(application: Application, revision_number: int) -> None:
    """提交 (and each resubmission after 退回补正): every member of the organisation gets the number and what
    happens next, with the call's typical time for 受理审查. Keyed by the revision."""
    call = application.call_item.call
    values = {
        "number": application.number,
        "project": application.project_name,
        "n": revision_number,
        "days": call.intake_working_days,
    }
    with translation.override(settings.LANGUAGE_CODE):
        if revision_number > 1:
            subject = _("申报 %(number)s 已重新提交(第 %(n)d 版)") % values
        else:
            subject = _("申报 %(number)s 已提交") % values
        body = (
            _(
                "您单位的申报 %(number)s(%(project)s)已提交(第 %(n)d 版)。\n"
                "下一步:区科委进行受理审查(受理或退回补正),通常需要 %(days)d 个工作日,结果将另行通知。"
            )
            % values
        )
    notify(
        event="application.submitted",
        key=f"{application.pk}:{revision_number}",
        recipients=organization_members(application.organization_id),
        subject=subject,
        body=body,
        url=reverse("applications:detail", args=[application.pk]),
    )


def application_withdrawn(application: Application, reason: str) -> None:
    """撤回: the organisation's members (the one who withdrew included: the inbox is the record)."""
    with translation.override(settings.LANGUAGE_CODE):
        label = application.number or _("草稿")
        subject = _("申报 %(number)s 已撤回") % {"number": label}
        body = _("您单位的申报 %(number)s(%(project)s)已撤回,不再办理。") % {
            "number": label,
            "project": application.project_name or _("未填写项目名称"),
        }
        if reason:
            body += "\n" + _("撤回原因:%(reason)s") % {"reason": reason}
    notify(
        event="application.withdrawn",
        key=str(application.pk),
        recipients=organization_members(application.organization_id),
        subject=subject,
        body=body,
        url=reverse("applications:detail", args=[application.pk]),
    )


# ---------------------------------------------------------------- beat: drafts before a call closes


def drafts_to_remind(at: datetime) -> list[Application]:
    """Drafts (and applications returned for correction) under calls that close within the next three
    days and are still open."""
    return list(
        Application.objects.filter(
            status__in=Application.EDITABLE,
            call_item__call__closes_at__gt=at,
            call_item__call__closes_at__lte=at + timedelta(days=DRAFT_REMINDER_DAYS),
            call_item__call__opens_at__lte=at,
        )
        .select_related("call_item__call", "item")
        .order_by("id")
    )


def remind_drafts(*, at: datetime | None = None) -> int:
    """Each unsubmitted application's organisation is reminded once per call closing (the key carries the
    closing date, so running the task again the same or the next day sends nothing new). Returns how
    many applications were considered."""
    at = at or timezone.now()
    applications = drafts_to_remind(at)
    for application in applications:
        call: Call = application.call_item.call
        closes = timezone.localtime(call.closes_at)
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("申报批次即将截止:%(call)s") % {"call": call.title}
            body = _(
                "您单位在“%(call)s”下的申报(%(item)s,%(project)s)尚未提交。\n"
                "批次将于 %(closes)s 截止,截止后不再受理,请尽快完成并提交。"
            ) % {
                "call": call.title,
                "item": application.item.name,
                "project": application.project_name or _("未填写项目名称"),
                "closes": _when(call.closes_at),
            }
        with transaction.atomic():
            notify(
                event="application.draft_reminder",
                key=f"{application.pk}:{closes.date()}",
                recipients=organization_members(application.organization_id),
                subject=subject,
                body=body,
                url=reverse("applications:edit", args=[application.pk]),
            )
    return len(applications)

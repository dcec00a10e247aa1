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

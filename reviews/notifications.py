"""Who the commission's steps tell, and what (issue 6).

Each rule is called by the service that makes the change, inside its transaction: accounts.notify writes
the inbox rows there and queues the e-mail with transaction.on_commit, so a refused or rolled-back step
tells nobody. Subjects and bodies are the official Chinese wording, whatever language the actor reads.

A reviewer is never told the applicant organisation's name by message: the conflict-of-interest
declaration on the portal comes first.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.notify import notify, notify_address
from accounts.recipients import holders_of, organization_members
from accounts.roles import Role
from applications.models import Application
from policies.templatetags.money import fen_yuan

from .models import Assignment, Decision, Objection, PublicNotice

# A contact that is an e-mail address (objectors may give a phone number instead: then nobody is e-mailed).
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _org(application: Application, *, event: str, key: str, subject: str, body: str, url: str) -> None:
    notify(
        event=event,
        key=key,
        recipients=organization_members(application.organization_id),
        subject=subject,
        body=body,
        url=url,
    )


def _detail(application: Application) -> str:
    return reverse("applications:detail", args=[application.pk])


# ---------------------------------------------------------------- intake


def application_accepted(application: Application) -> None:
    """受理: the enterprise, with the acceptance number; the commission approvers, to assign reviewers."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("申报 %(number)s 已受理") % {"number": application.number}
        body = _(
            "您单位的申报 %(number)s(%(project)s)已通过形式审查,予以受理。\n受理编号:%(acceptance)s。"
            "下一步将进入专家评审。"
        ) % {
            "number": application.number,
            "project": application.project_name,
            "acceptance": application.acceptance_number,
        }
        staff_subject = _("新受理的申报待分配评审专家:%(number)s") % {"number": application.number}
        staff_body = _("申报 %(number)s(%(item)s)已受理,请分配评审专家。") % {
            "number": application.number,
            "item": application.item.name,
        }
    _org(
        application,
        event="application.accepted",
        key=str(application.pk),
        subject=subject,
        body=body,
        url=_detail(application),
    )
    notify(
        event="application.to_assign",
        key=str(application.pk),
        recipients=holders_of(Role.COMMISSION_APPROVER),
        subject=staff_subject,
        body=staff_body,
        url=reverse("reviews:assign_application", args=[application.pk]),
    )


def application_not_accepted(application: Application, reasons: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("申报 %(number)s 不予受理") % {"number": application.number}
        body = _("您单位的申报 %(number)s(%(project)s)经形式审查不予受理。\n理由:%(reasons)s") % {
            "number": application.number,
            "project": application.project_name,
            "reasons": reasons,
        }
    _org(
        application,
        event="application.not_accepted",
        key=str(application.pk),
        subject=subject,
        body=body,
        url=_detail(application),
    )


def application_under_review(application: Application, note: str) -> None:
    """评审中: the review began, or the application went back to it (an objection upheld in 公示, a ceiling
    that fell). The enterprise hears why, never who reviews it. Keyed by how often it entered review."""
    call = application.call_item.call
    entered = application.events.filter(status=Application.Status.UNDER_REVIEW).count()
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("申报 %(number)s 进入专家评审") % {"number": application.number}
        body = _(
            "您单位的申报 %(number)s(%(project)s):%(note)s\n"
            "下一步:专家评审及审定,通常需要 %(days)d 个工作日,结果将另行通知。"
        ) % {
            "number": application.number,
            "project": application.project_name,
            "note": note,
            "days": call.review_working_days,
        }
    _org(
        application,
        event="application.under_review",
        key=f"{application.pk}:{entered}",
        subject=subject,
        body=body,
        url=_detail(application),
    )


# ---------------------------------------------------------------- assignment and scoring


def reviewer_assigned(assignment: Assignment) -> None:
    """The reviewer: the number, item and call — never the organisation (the declaration comes first)."""
    application = assignment.application
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("新的评审任务:%(number)s") % {"number": application.number}
        body = _(
            "您被分配评审申报 %(number)s(%(item)s,%(call)s)。\n"
            "请先登录平台声明是否存在利益冲突,声明后方可查看申报材料并评分。"
        ) % {
            "number": application.number,
            "item": application.item.name,
            "call": application.call_item.call.title,
        }
    notify(
        event="review.assigned",
        key=str(assignment.pk),
        recipients=[assignment.reviewer],
        subject=subject,
        body=body,
        url=reverse("reviews:declare", args=[assignment.pk]),
    )


def reviewer_shortfall(application: Application, withdrawn: Assignment) -> None:
    """A reviewer withdrew for a conflict and nobody is left to replace them: the approvers."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("申报 %(number)s 缺少评审专家") % {"number": application.number}
        body = _("一位评审专家因利益冲突回避,且没有可自动补充的专家。请为申报 %(number)s 另行分配。") % {
            "number": application.number
        }
    notify(
        event="review.shortfall",
        key=str(withdrawn.pk),
        recipients=holders_of(Role.COMMISSION_APPROVER),
        subject=subject,
        body=body,
        url=reverse("reviews:assign_application", args=[application.pk]),
    )


def review_closed(assignment: Assignment) -> None:
    """The application was decided before this reviewer submitted: their task is over (it has left their
    list), so they are told rather than finding it gone. Still no organisation name."""
    application = assignment.application
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("评审任务已结束:%(number)s") % {"number": application.number}
        body = _(
            "申报 %(number)s(%(item)s,%(call)s)已审定,您的评审任务随之结束,无需再声明或评分。"
            "已保存的评分草稿不计入评审结果。"
        ) % {
            "number": application.number,
            "item": application.item.name,
            "call": application.call_item.call.title,
        }
    notify(
        event="review.closed",
        key=str(assignment.pk),
        recipients=[assignment.reviewer],
        subject=subject,
        body=body,
        url=reverse("reviews:my_assignments"),
    )


def scores_complete(application: Application, last: Assignment) -> None:
    """Every standing reviewer has submitted: the commission approvers, to decide."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("申报 %(number)s 评分已全部提交,待审定") % {"number": application.number}
        body = _("申报 %(number)s(%(item)s)的评审专家已全部提交评分,请审定。") % {
            "number": application.number,
            "item": application.item.name,
        }
    notify(
        event="review.scores_complete",
        key=f"{application.pk}:{last.pk}",
        recipients=holders_of(Role.COMMISSION_APPROVER),
        subject=subject,
        body=body,
        url=reverse("reviews:decide", args=[application.pk]),
    )


def remind_overdue_reviews(*, at: datetime | None = None) -> int:
    """Assignments still open (declaration or scoring) longer than the call's review_overdue_days, on
    applications under review: their reviewer, once per assignment per day. Returns how many."""
    at = at or timezone.now()
    today = timezone.localdate(at)
    open_ = (Assignment.Status.AWAITING_DECLARATION, Assignment.Status.SCORING)
    candidates = (
        Assignment.objects.filter(status__in=open_, application__status=Application.Status.UNDER_REVIEW)
        .select_related("application__call_item__call", "application__item", "reviewer")
        .order_by("id")
    )
    overdue = [
        a
        for a in candidates
        if a.assigned_at <= at - timedelta(days=a.application.call_item.call.review_overdue_days)
    ]
    for assignment in overdue:
        application = assignment.application
        days = (at - assignment.assigned_at).days
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("评审任务已逾期:%(number)s") % {"number": application.number}
            body = _(
                "申报 %(number)s(%(item)s)分配给您已 %(days)d 天,尚未完成%(step)s。请尽快登录平台处理。"
            ) % {
                "number": application.number,
                "item": application.item.name,
                "days": days,
                "step": _("利益冲突声明")
                if assignment.status == Assignment.Status.AWAITING_DECLARATION
                else _("评分"),
            }
        url_name = (
            "reviews:declare"
            if assignment.status == Assignment.Status.AWAITING_DECLARATION
            else "reviews:score"
        )
        with transaction.atomic():
            notify(
                event="review.overdue",
                key=f"{assignment.pk}:{today.isoformat()}",
                recipients=[assignment.reviewer],
                subject=subject,
                body=body,
                url=reverse(url_name, args=[assignment.pk]),
            )
    return len(overdue)


# ---------------------------------------------------------------- decision, 公示, 认定


def application_decided(application: Application, decision: Decision) -> None:
    """拟支持 (with the amount) or 不予支持 (with the reasons): the enterprise. A revised decision is a
    new decision and tells again."""
    with translation.override(settings.LANGUAGE_CODE):
        if decision.recommended:
            subject = _("申报 %(number)s 审定结果:拟支持") % {"number": application.number}
            body = _(
                "您单位的申报 %(number)s(%(project)s)经审定拟予支持,拟支持金额 %(amount)s。\n"
                "审定意见:%(reasons)s\n拟支持项目将进行公示,公示期满无异议后予以认定。"
            ) % {
                "number": application.number,
                "project": application.project_name,
                "amount": fen_yuan(decision.amount_fen),
                "reasons": decision.reasons,
            }
        else:
            subject = _("申报 %(number)s 审定结果:不予支持") % {"number": application.number}
            body = _("您单位的申报 %(number)s(%(project)s)经审定不予支持。\n理由:%(reasons)s") % {
                "number": application.number,
                "project": application.project_name,
                "reasons": decision.reasons,
            }
    _org(
        application,
        event="application.decided",
        key=str(decision.pk),
        subject=subject,
        body=body,
        url=_detail(application),
    )


def application_publicized(application: Application, notice: PublicNotice, amount_fen: int) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("申报 %(number)s 进入公示") % {"number": application.number}
        body = _(
            "您单位的申报 %(number)s(%(project)s)已列入“%(title)s”,拟支持金额 %(amount)s。\n"
            "公示期至 %(ends)s。"
        ) % {
            "number": application.number,
            "project": application.project_name,
            "title": notice.title,
            "amount": fen_yuan(amount_fen),
            "ends": timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M"),
        }
    _org(
        application,
        event="application.publicized",
        key=f"{notice.pk}:{application.pk}",
        subject=subject,
        body=body,
        url=reverse("notices:detail", args=[notice.pk]),
    )


def application_recognised(application: Application) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("申报 %(number)s 已认定") % {"number": application.number}
        body = _(
            "您单位的申报 %(number)s(%(project)s)公示期满,予以认定,认定金额 %(amount)s。\n"
            "资金将由区财政局按拨付计划拨付,请确认收款账户信息。"
        ) % {
            "number": application.number,
            "project": application.project_name,
            "amount": fen_yuan(application.awarded_fen or 0),
        }
    _org(
        application,
        event="application.recognised",
        key=str(application.pk),
        subject=subject,
        body=body,
        url=_detail(application),  # (not the finance app's pages: reviews never reaches up to it)
    )


def objection_lodged(objection: Objection) -> None:
    """Every objection reaches the commission approvers (nothing of the objector's identity in the message:
    they read it on the staff page)."""
    entry = objection.entry
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("“%(title)s”收到一件异议") % {"title": entry.notice.title}
        body = _("公示项目“%(project)s”(%(organization)s)收到一件异议,请在公示期内核实处理。") % {
            "project": entry.project_name,
            "organization": entry.organization_name,
        }
    notify(
        event="objection.lodged",
        key=str(objection.pk),
        recipients=holders_of(Role.COMMISSION_APPROVER),
        subject=subject,
        body=body,
        url=reverse("reviews:notice", args=[entry.notice_id]),
    )


def objection_decided(objection: Objection) -> None:
    """The objector, at the contact they gave, if it is an e-mail address (else nobody: a phone call)."""
    contact = objection.contact.strip()
    if not EMAIL_RE.match(contact):
        return
    with translation.override(settings.LANGUAGE_CODE):
        outcome = _("异议成立") if objection.status == Objection.Status.UPHELD else _("异议不成立")
        subject = _("您对“%(title)s”提出的异议已处理:%(outcome)s") % {
            "title": objection.entry.notice.title,
            "outcome": outcome,
        }
        body = _(
            "%(name)s:\n您对公示项目“%(project)s”提出的异议已处理。\n处理结果:%(outcome)s\n处理意见:%(note)s"
        ) % {
            "name": objection.name,
            "project": objection.entry.project_name,
            "outcome": outcome,
            "note": objection.decision_note,
        }
    notify_address(
        event="objection.decided", key=str(objection.pk), address=contact, subject=subject, body=body
    )

"""公示: publishing a call's recommended applications, objections during the window, and closing it —
认定 with the decided amount, or back to decision on an upheld objection."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.roles import Role
from applications.models import Application, Call
from applications.services import lock_application, record_transition
from policies import rules
from policies.templatetags.money import fen_yuan
from reviews import documents, notifications
from reviews.access import require_role
from reviews.models import Decision, Holiday, NoticeEntry, Objection, Override, PublicNotice
from reviews.workdays import nth_working_day_after

from .decisions import decision_quote

Status = Application.Status


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)  # Asia/Shanghai: the district's working days


def holiday_exceptions(after: date, *, days: int = 366) -> dict[date, bool]:
    """The calendar's exceptions (holidays and 调休 working weekends) for the year after `after`."""
    rows = Holiday.objects.filter(date__gt=after, date__lte=after + timedelta(days=days))
    return dict(rows.values_list("date", "is_working_day"))


def notice_ends_at(published_at: datetime, working_days: int) -> datetime:
    """The end of the window: 23:59:59 (Shanghai) of the `working_days`-th working day after the day of
    publication. The whole last day counts, so an objection written that evening is still received;
    the publication day itself does not count, however early it was published."""
    start = timezone.localdate(published_at, _zone())
    last = nth_working_day_after(start, working_days, holiday_exceptions(start))
    return datetime.combine(last, time(23, 59, 59), tzinfo=_zone())


def recognition_hooks() -> tuple[Callable[..., object], ...]:
    """settings.RECOGNITION_HOOKS: what the higher apps do when an application is recognised (认定)."""
    return tuple(import_string(path) for path in getattr(settings, "RECOGNITION_HOOKS", ()))


def _latest_decisions(applications: list[Application]) -> dict[int, Decision]:
    latest: dict[int, Decision] = {}
    for decision in Decision.objects.filter(application__in=applications).order_by("decided_at", "id"):
        latest[decision.application_id] = decision
    return latest


@transaction.atomic
def publish_notice(*, actor, call: Call, at: datetime | None = None) -> PublicNotice:
    """Publish every recommended application of the call: a public line each (organisation, item, project,
    amount — nothing personal), the applications become 公示中, the window counts working days."""
    require_role(actor, Role.COMMISSION_APPROVER)
    at = at or timezone.now()
    # Locked in a fixed order, so two approvers publishing the same call at once queue up; the second
    # finds nothing left to publish.
    applications = list(
        Application.objects.select_for_update(of=("self",))
        .filter(call_item__call=call, status=Status.RECOMMENDED)
        .select_related("organization", "item")
        .order_by("id")
    )
    if not applications:
        raise ValidationError(_("该批次没有待公示的拟支持申报。"))
    decisions = _latest_decisions(applications)
    for application in applications:
        decision = decisions.get(application.pk)
        if decision is None or not decision.recommended:
            raise ValidationError(
                _("申报 %(number)s 没有拟支持的审定记录,不能公示。") % {"number": application.number}
            )
    ends_at = notice_ends_at(at, call.publicity_working_days)
    # Re-publishing an entry withdrawn after an upheld objection makes this a 更正公示 of that notice,
    # numbered within the call and linked to it.
    corrected = (
        PublicNotice.objects.filter(
            call=call, entries__application__in=applications, entries__withdrawn_at__isnull=False
        )
        .order_by("-published_at", "-id")
        .first()
    )
    number = None
    if corrected is not None:
        number = PublicNotice.objects.filter(call=call, corrects__isnull=False).count() + 1
    with translation.override(settings.LANGUAGE_CODE):  # stored: the official wording
        if corrected is None:
            title = _("%(call)s拟支持项目公示") % {"call": call.title}
        else:
            title = _("%(call)s拟支持项目更正公示(第%(n)d号)") % {"call": call.title, "n": number}
        window_note = _("公示期至 %(ends)s") % {
            "ends": timezone.localtime(ends_at, _zone()).strftime("%Y-%m-%d %H:%M")
        }
    notice = PublicNotice.objects.create(
        call=call,
        title=title,
        published_by=actor,
        published_at=at,
        ends_at=ends_at,
        corrects=corrected,
        correction_number=number,
        entry_count=len(applications),  # one line per application, all written below
    )
    documents.notice_number(notice)  # the 文号, in the order of publication
    for application in applications:
        NoticeEntry.objects.create(
            notice=notice,
            application=application,
            organization_name=application.organization.name,
            item_code=application.item.code,
            item_name=application.item.name,
            project_name=application.project_name,
            amount_fen=decisions[application.pk].amount_fen,
        )
        record_transition(application=application, status=Status.PUBLICIZED, actor=actor, note=window_note)
        notifications.application_publicized(application, notice, decisions[application.pk].amount_fen)
    return notice


MOBILE = re.compile(r"1[3-9]\d{9}")


def normalise_contact(contact: str) -> str:
    """A mainland mobile number (11 digits; spaces, dashes and +86 allowed) or an e-mail address, in one
    form, so the commission can reach the objector and the same person is recognised the second time."""
    text = unicodedata.normalize("NFKC", contact or "").strip()
    digits = re.sub(r"[\s\-()]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if MOBILE.fullmatch(digits):
        return digits
    try:
        validate_email(text)
    except ValidationError:
        raise ValidationError(_("请填写有效的手机号码(11 位)或电子邮箱,以便核实异议。")) from None
    return text.lower()


@transaction.atomic
def lodge_objection(
    *, entry: NoticeEntry, name: str, contact: str, content: str, at: datetime | None = None
) -> Objection:
    """A named, written objection with contact details, only while the window is open. Anonymous ones
    are refused. Nobody but the commission's approvers ever sees it."""
    at = at or timezone.now()
    notice = PublicNotice.objects.select_for_update().get(pk=entry.notice_id)
    if not notice.is_open(at):
        raise ValidationError(_("公示期已结束,不再受理异议。"))
    name, contact, content = (name or "").strip(), (contact or "").strip(), (content or "").strip()
    if not name or not contact:
        raise ValidationError(_("不受理匿名异议:请填写真实姓名或单位名称,以及联系方式。"))
    if not content:
        raise ValidationError(_("请填写异议内容和理由。"))
    contact = normalise_contact(contact)
    if Objection.objects.filter(entry=entry, contact=contact).exists():
        raise ValidationError(
            _("该联系方式已对此项目提出过异议,我们正在核实,请勿重复提交。如需补充材料,请等待工作人员联系。")
        )
    objection = Objection(entry=entry, name=name, contact=contact, content=content, submitted_at=at)
    objection.full_clean()
    objection.save()
    notifications.objection_lodged(objection)
    return objection


@transaction.atomic
def decide_objection(
    *, actor, objection: Objection, upheld: bool, note: str, at: datetime | None = None
) -> Objection:
    """异议成立 / 不成立 with the approver's note. Takes effect when the notice closes."""
    require_role(actor, Role.COMMISSION_APPROVER)
    objection = Objection.objects.select_for_update().select_related("entry__notice").get(pk=objection.pk)
    if objection.entry.notice.closed_at is not None:
        raise ValidationError(_("该公示已办结,异议不能再处理。"))
    if objection.status != Objection.Status.PENDING:
        raise ValidationError(_("该异议已处理。"))
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("请写明处理意见。"))
    objection.status = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
    objection.decided_by = actor
    objection.decided_at = at or timezone.now()
    objection.decision_note = note
    objection.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if upheld:
        # The public line is withdrawn now (the application goes back to decision when the notice closes).
        NoticeEntry.objects.filter(pk=objection.entry_id, withdrawn_at__isnull=True).update(
            withdrawn_at=objection.decided_at
        )
    notifications.objection_decided(objection)
    return objection


def _ceiling_problem(application: Application, amount_fen: int) -> str:
    """Why the amount can no longer be recognised ("" if it can): the ceiling is recomputed at
    recognition, because another award of the same organisation may have been recognised since the
    decision (two applications under one annual cap, both in this notice)."""
    try:
        with translation.override(settings.LANGUAGE_CODE):
            quote = decision_quote(application)
    except ValidationError:
        return _("申报事实已不能按现行规则计算上限,退回重新审定")
    ceiling_fen = rules.yuan_to_fen(quote.amount)
    if amount_fen <= ceiling_fen:
        return ""
    if application.overrides.filter(status=Override.Status.CONFIRMED, amount_fen=amount_fen).exists():
        return ""
    with translation.override(settings.LANGUAGE_CODE):
        return _("认定时按本单位已获资助重新计算的上限为 %(ceiling)s,低于拟支持金额,退回重新审定") % {
            "ceiling": fen_yuan(ceiling_fen)
        }


@transaction.atomic
def close_notice(*, notice: PublicNotice, at: datetime | None = None, actor=None) -> PublicNotice:
    """After the window: every entry without an upheld objection is recognised (认定) with its amount; an
    upheld objection sends the application back to decision. A pending objection blocks closing.
    Idempotent: a closed notice is returned unchanged. `actor` is the approver who pressed the button;
    None when the scheduled command closes it."""
    if actor is not None:
        require_role(actor, Role.COMMISSION_APPROVER)
    at = at or timezone.now()
    notice = PublicNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.closed_at is not None:
        return notice
    if not notice.has_ended(at):
        raise ValidationError(
            _("公示期至 %(ends)s 结束,期满后才能办结。")
            % {"ends": timezone.localtime(notice.ends_at, _zone()).strftime("%Y-%m-%d %H:%M:%S")}
        )
    objections = Objection.objects.filter(entry__notice=notice)
    pending = objections.filter(status=Objection.Status.PENDING).count()
    if pending:
        raise ValidationError(_("尚有 %(n)d 件异议未处理,处理后才能办结公示。") % {"n": pending})
    upheld = set(objections.filter(status=Objection.Status.UPHELD).values_list("entry_id", flat=True))
    dismissed = set(objections.filter(status=Objection.Status.DISMISSED).values_list("entry_id", flat=True))

    with translation.override(settings.LANGUAGE_CODE):  # the timeline is the official record
        for entry in notice.entries.order_by("id"):
            application = lock_application(entry.application)
            if application.status != Status.PUBLICIZED:
                continue  # withdrawn during the window
            if entry.pk in upheld:
                note = _("公示期间异议经核实成立,退回重新审定")
                record_transition(application=application, status=Status.UNDER_REVIEW, actor=actor, note=note)
                notifications.application_under_review(application, note)
                continue
            problem = _ceiling_problem(application, entry.amount_fen)
            if problem:
                record_transition(
                    application=application, status=Status.UNDER_REVIEW, actor=actor, note=problem
                )
                notifications.application_under_review(application, problem)
                continue
            record_transition(
                application=application,
                status=Status.RECOGNISED,
                actor=actor,
                note=_("公示期满,异议不成立,予以认定")
                if entry.pk in dismissed
                else _("公示期满无异议,予以认定"),
                fields={"awarded_fen": entry.amount_fen},
            )
            # 区财政局's side (the award and its schedule) is created in this same transaction: a
            # recognition without its award never commits. Hooks must be idempotent. (The award hook
            # tells 区财政局.)
            for hook in recognition_hooks():
                hook(application=application, actor=actor)
            notifications.application_recognised(application)
    notice.closed_at = at
    notice.save(update_fields=["closed_at"])
    return notice


def close_due_notices(
    *, at: datetime | None = None
) -> tuple[list[PublicNotice], list[tuple[PublicNotice, str]]]:
    """Close every notice whose window has passed (for the command and, later, Celery beat).
    Returns (closed, blocked with the reason)."""
    at = at or timezone.now()
    closed: list[PublicNotice] = []
    blocked: list[tuple[PublicNotice, str]] = []
    for notice in PublicNotice.objects.filter(closed_at__isnull=True, ends_at__lt=at).order_by(
        "ends_at", "id"
    ):
        try:
            closed.append(close_notice(notice=notice, at=at))
        except ValidationError as exc:
            blocked.append((notice, " ".join(exc.messages)))
    return closed, blocked

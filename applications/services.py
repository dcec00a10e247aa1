"""Every change of an application's state: one function each, locked, checked, recorded on the timeline.

Notifications (issue 6) and the audit trail (issue 7) hook in where the comments say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext

from accounts.roles import Role
from accounts.selectors import organization_for
from changning_ai import materials
from policies import rules

from . import notifications
from .models import (
    TRANSITIONS,
    Application,
    ApplicationRevision,
    Attachment,
    CallItem,
    NumberSequence,
    StatusEvent,
)
from .selectors import application_quote

MATTER_FIELDS = ("matter_type", "matter_ref", "project_name", "description")


def _locked(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call_item__call__round", "item__round", "organization")
        .get(pk=application.pk)
    )


def _check_member(actor, application: Application) -> None:
    organization = organization_for(actor)
    if organization is None or organization.pk != application.organization_id:
        raise PermissionDenied(_("只有本单位的成员可以操作本单位的申报。"))


def _record(application: Application, status: str, actor, note: str = "", at: datetime | None = None) -> None:
    if status not in TRANSITIONS[application.status]:
        raise ValidationError(
            _("申报当前状态为“%(status)s”,不能变为“%(target)s”。")
            % {"status": application.get_status_display(), "target": Application.Status(status).label}
        )
    application.status = status
    application.save(update_fields=["status", "updated_at"])
    StatusEvent.objects.create(
        application=application, status=status, actor=actor, note=note, at=at or timezone.now()
    )


def _clean_facts(application: Application, facts: Mapping[str, object]) -> dict[str, str]:
    # Only the item's own facts are kept, as the text typed; the engine parses them at every quote.
    names = {fact.name for fact in application.item.facts.all()}
    cleaned = {
        name: str(value).strip() for name, value in facts.items() if name in names and value is not None
    }
    # The facts bypass the form fields (the engine parses them), so the NUL that Django's CharField refuses
    # gets here; PostgreSQL's jsonb cannot store it (a 500). No number or choice contains one.
    refused = {name: _("不能包含空字符。") for name, text in cleaned.items() if "\x00" in text}
    if refused:
        raise ValidationError(refused)
    return cleaned


def _name_shared_matter(application: Application) -> None:
    """The rent items (6.1a–c) share one matter per rent year, whatever is typed (10(2), the rulings)."""
    item = application.item
    if item.shared_matter:
        application.matter_type = Application.MatterType.RENT
        # A record, in Chinese whatever the page's language.
        application.matter_ref = f"{item.shared_matter}({application.call_item.call.year} 年度)"


def unanswered_conditions(application: Application) -> list[str]:
    """The text's conditions that the engine would take as met because they are not answered (the
    rulings of 2026-12-02): an application answers every one of them before it is submitted."""
    problems: list[str] = []
    labels = {fact.name: fact.display_label for fact in application.item.facts.all()}
    facts = application.facts or {}
    type_missing = False
    for condition in application.item.conditions.all():
        if not condition.assumable:
            continue
        if condition.fact in rules.APPLICANT_FACTS:
            type_missing = type_missing or not application.organization.org_type
        elif not str(facts.get(condition.fact, "")).strip():
            problems.append(_("请回答“%(label)s”。") % {"label": labels.get(condition.fact, condition.fact)})
    if type_missing:
        problems.append(
            _("本项目仅限特定类型的单位申报:请单位管理员先在“我的单位”中填写单位类型,区科委受理时核实。")
        )
    return problems


@transaction.atomic
def start_application(
    *, actor, call_item: CallItem, facts: Mapping[str, object] | None = None, at: datetime | None = None
) -> Application:
    """A new draft for the actor's organisation under an open call item (facts may come from the
    calculator)."""
    organization = organization_for(actor)
    if organization is None:
        raise PermissionDenied(_("请先创建或加入申报单位。"))
    if not call_item.call.is_open(at):
        raise ValidationError(_("该申报批次当前不在受理期内。"))
    application = Application(
        organization=organization,
        call_item=call_item,
        item=call_item.item,
        created_by=actor,
        queue_opens_at=call_item.call.opens_at,
        queue_item_order=call_item.item.sort_order,
    )
    application.facts = _clean_facts(application, facts or {})
    _name_shared_matter(application)
    application.save()
    StatusEvent.objects.create(application=application, status=Application.Status.DRAFT, actor=actor)
    return application


def fill_queue_keys(applications: QuerySet, call_items: QuerySet) -> int:
    """Copy each application's call opening and item order onto it (the approver queue's index, see
    Application.queue_opens_at); one UPDATE. The model classes are passed in so that the data migration
    runs the very same statement on its historical models."""
    own = call_items.filter(pk=OuterRef("call_item_id"))
    return applications.update(
        queue_opens_at=Subquery(own.values("call__opens_at")[:1]),
        queue_item_order=Subquery(own.values("item__sort_order")[:1]),
    )


def refresh_queue_keys(*, call=None, items=None) -> int:
    """After a call's opening or an item's place changed: bring the copies of its applications in step."""
    # Only the rows out of step: reloading an unchanged policy must write nothing.
    stale = (
        Q(queue_opens_at__isnull=True)
        | Q(queue_item_order__isnull=True)
        | ~Q(queue_opens_at=F("call_item__call__opens_at"))
        | ~Q(queue_item_order=F("item__sort_order"))
    )
    applications = Application.objects.filter(stale)
    if call is not None:
        applications = applications.filter(call_item__call=call)
    if items is not None:
        applications = applications.filter(item__in=items)
    return fill_queue_keys(applications, CallItem.objects.all())


@transaction.atomic
def save_draft(*, actor, application: Application, facts: Mapping[str, object], **matter: str) -> Application:
    """Keep what the enterprise typed, as it types: drafts are never lost (they survive logout)."""
    application = _locked(application)
    _check_member(actor, application)
    if not application.is_editable:
        raise ValidationError(_("申报已提交,当前状态下不能修改。"))
    unknown = set(matter) - set(MATTER_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    application.facts = _clean_facts(application, facts)
    for name, value in matter.items():
        setattr(application, name, (value or "").strip())
    _name_shared_matter(application)
    application.full_clean(exclude=["organization", "call_item", "item", "created_by", "number"])
    application.save()
    return application


@transaction.atomic
def add_attachment(
    *, actor, application: Application, material_code: str, upload: UploadedFile
) -> Attachment:
    application = _locked(application)
    _check_member(actor, application)
    if not application.is_editable:
        raise ValidationError(_("申报已提交,当前状态下不能修改材料。"))
    if not application.item.materials.filter(code=material_code).exists():
        raise ValidationError(_("该项目没有这项材料。"))
    content_type = materials.sniff(upload)
    digest = materials.sha256_of(upload)
    attachment = Attachment(
        application=application,
        material_code=material_code,
        original_name=(upload.name or "file")[:200],
        content_type=content_type,
        size=upload.size,
        sha256=digest,
        uploaded_by=actor,
    )
    # Saved under a random name with the suffix of what it really is, never the name it came with.
    attachment.file.save(f"upload{materials.ALLOWED[content_type]}", upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def remove_attachment(*, actor, attachment: Attachment) -> None:
    application = _locked(attachment.application)
    _check_member(actor, application)
    if not application.is_editable:
        raise ValidationError(_("申报已提交,当前状态下不能修改材料。"))
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk, application=application)
    if attachment.revisions.exists():
        # Part of an earlier revision: kept for the record, only dropped from the next submission.
        attachment.is_current = False
        attachment.save(update_fields=["is_current"])
    else:
        attachment.file.delete(save=False)
        attachment.delete()


def missing_materials(application: Application) -> list[str]:
    present = set(application.attachments.filter(is_current=True).values_list("material_code", flat=True))
    return [m.name for m in application.item.materials.all() if m.required and m.code not in present]


IDENTITY_UNVERIFIED_MESSAGE = _lazy(
    "本单位身份尚未经区科委核验,不能提交申报。请单位管理员在“我的单位 → 身份核验”页上传营业执照和"
    "加盖公章的授权委托书,区科委核验通过后即可提交。"
)


def submission_problems(
    application: Application, *, at: datetime | None = None
) -> tuple[list[str], rules.Quote | None]:
    """Everything that stops a submission, in words the enterprise can act on, and the quote if any."""
    problems: list[str] = []
    if not application.organization.identity_verified:
        # Issue 14: who the organisation is must be settled before it asks for money.
        problems.append(IDENTITY_UNVERIFIED_MESSAGE)
    call = application.call_item.call
    at = at or timezone.now()
    if not call.is_open(at):
        if not call.round.is_valid_on(timezone.localdate(at)):
            problems.append(_("政策已不在有效期内(第十条第五款),不能提交。"))
        else:
            problems.append(
                _("不在申报批次的受理时间内(%(opens)s 至 %(closes)s)。")
                % {
                    "opens": timezone.localtime(call.opens_at).strftime("%Y-%m-%d %H:%M:%S"),
                    "closes": timezone.localtime(call.closes_at).strftime("%Y-%m-%d %H:%M:%S"),
                }
            )
    if not application.item.shared_matter and not (application.matter_type and application.matter_ref):
        problems.append(_("请填写事项类型和事项名称或编号(第十条第二款按事项判断是否重复享受)。"))
    if not application.project_name:
        problems.append(_("请填写项目名称。"))
    quote = None
    try:
        quote = application_quote(application, at=at)
    except rules.FactError as exc:
        problems.extend(exc.errors.values())
    else:
        problems.extend(quote.reasons)
        if quote.eligible and quote.amount <= 0:
            problems.append(_("按已获资助计算,本次可获金额为 0,无需申报。"))
    problems.extend(unanswered_conditions(application))
    missing = missing_materials(application)
    if missing:
        problems.append(
            _("缺少必需的材料:%(names)s。") % {"names": pgettext("list separator", "、").join(missing)}
        )
    return problems, quote


def _next_number(application: Application) -> str:
    year = application.call_item.call.year
    code = application.item.code
    sequence, _created = NumberSequence.objects.get_or_create(year=year, item_code=code)
    sequence = NumberSequence.objects.select_for_update().get(pk=sequence.pk)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"CNAI-{year}-{code}-{sequence.last:05d}"


@transaction.atomic
def submit_application(*, actor, application: Application, at: datetime | None = None) -> ApplicationRevision:
    """Freeze facts, quote and materials into a numbered revision. Refused with every problem at once."""
    at = at or timezone.now()
    application = _locked(application)
    _check_member(actor, application)
    if not application.is_editable:
        raise ValidationError(
            _("该申报当前状态为“%(status)s”,不能提交。") % {"status": application.get_status_display()}
        )
    problems, _quote = submission_problems(application, at=at)
    if problems:
        raise ValidationError(problems)
    # The frozen record is the official one: its explanation is kept in Chinese, whatever the
    # language of the page the enterprise submitted from.
    with translation.override(settings.LANGUAGE_CODE):
        quote = application_quote(application, at=at)
    resubmission = application.status == Application.Status.RETURNED
    if not application.number:
        application.number = _next_number(application)
        application.submitted_at = at
    application.requested_fen = rules.yuan_to_fen(quote.amount)
    application.save(update_fields=["number", "submitted_at", "requested_fen", "updated_at"])
    revision = ApplicationRevision.objects.create(
        application=application,
        number=application.revisions.count() + 1,
        submitted_at=at,
        submitted_by=actor,
        facts=dict(application.facts),
        quote=quote.as_dict(),
        amount_fen=application.requested_fen,
        **{name: getattr(application, name) for name in MATTER_FIELDS},
    )
    revision.attachments.set(application.attachments.filter(is_current=True))
    note = _("重新提交(第 %(n)d 版)") % {"n": revision.number} if resubmission else ""
    _record(application, Application.Status.SUBMITTED, actor, note, at)
    notifications.application_submitted(application, revision.number)
    return revision


@transaction.atomic
def withdraw_application(*, actor, application: Application, reason: str = "") -> Application:
    application = _locked(application)
    _check_member(actor, application)
    if not application.can_withdraw:
        raise ValidationError(
            _("该申报当前状态为“%(status)s”,不能撤回。") % {"status": application.get_status_display()}
        )
    _record(application, Application.Status.WITHDRAWN, actor, reason.strip())
    notifications.application_withdrawn(application, reason.strip())
    return application


@transaction.atomic
def return_for_correction(*, actor, application: Application, reasons: str) -> Application:
    """退回补正 by an intake officer: the enterprise sees the reasons, edits and resubmits."""
    if not actor.has_role(Role.INTAKE_OFFICER):
        raise PermissionDenied(_("只有受理人员可以退回补正。"))
    application = _locked(application)
    if application.status != Application.Status.SUBMITTED:
        raise ValidationError(_("只有已提交、尚未受理的申报可以退回补正。"))
    if not reasons.strip():
        raise ValidationError(_("请写明退回补正的原因。"))
    _record(application, Application.Status.RETURNED, actor, reasons.strip())
    notifications.application_returned(application, reasons.strip())
    return application


def lock_application(application: Application) -> Application:
    """The application row locked for the rest of the transaction (for the review and finance apps)."""
    return _locked(application)


def record_transition(
    *,
    application: Application,
    status: str,
    actor,
    note: str = "",
    fields: Mapping[str, object] | None = None,
) -> Application:
    """Move a locked application to `status` (checked against TRANSITIONS) and put it on the timeline.

    The higher apps (reviews, disbursement) change an application's state only through this, inside
    their own transaction, after their own permission checks; `fields` are saved with it.
    """
    for name, value in (fields or {}).items():
        setattr(application, name, value)
    if fields:
        application.save(update_fields=[*fields, "updated_at"])
    _record(application, status, actor, note)
    return application


def record_clawback_amount(*, application: Application, amount_fen: int) -> Application:
    """追回 (issue 5): `amount_fen` of the award no longer counts toward the organisation's running ceilings
    (applications.ledger subtracts clawed_back_fen). No status change; the finance app checks the actor
    and records the finding, inside its own transaction."""
    with transaction.atomic():
        application = _locked(application)
        awarded = application.awarded_fen or 0
        if amount_fen <= 0 or application.clawed_back_fen + amount_fen > awarded:
            raise ValidationError(
                _("追回金额不能超过认定金额(认定 %(awarded)s 元,已追回 %(clawed)s 元)。")
                % {
                    "awarded": rules.fen_to_yuan(awarded),
                    "clawed": rules.fen_to_yuan(application.clawed_back_fen),
                }
            )
        application.clawed_back_fen += amount_fen
        application.save(update_fields=["clawed_back_fen", "updated_at"])
    return application

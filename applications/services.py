"""Every change of an application's state: one function each, locked, checked, recorded on the timeline.

Notifications (issue 6) and the audit trail (issue 7) hook in where the comments say so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext

from accounts.roles import Role
from accounts.selectors import organization_for
from audit import services as audit
from changning_ai import materials
from policies import rules
from policies.templatetags.money import fen_yuan

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
from .selectors import application_quote, copy_target, open_drafts_like

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


class DuplicateDraft(ValidationError):
    """The organisation already has an open draft for this call item and matter (issue 15): the page offers
    it instead of a second one, and creates another only when the enterprise says it is another matter."""

    def __init__(self, drafts: Sequence[Application]):
        super().__init__(_("本单位已有该项目、该事项正在填写的申报,可以继续填写,不必重新开始。"))
        self.drafts = list(drafts)


@transaction.atomic
def start_application(
    *,
    actor,
    call_item: CallItem,
    facts: Mapping[str, object] | None = None,
    at: datetime | None = None,
    allow_duplicate: bool = True,
) -> Application:
    """A new draft for the actor's organisation under an open call item (facts may come from the
    calculator). With allow_duplicate=False an open draft of the same call item raises DuplicateDraft:
    the pages pass it so that "开始申报" twice does not leave two half-filled drafts behind."""
    organization = organization_for(actor)
    if organization is None:
        raise PermissionDenied(_("请先创建或加入申报单位。"))
    if not call_item.call.is_open(at):
        raise ValidationError(_("该申报批次当前不在受理期内。"))
    if not allow_duplicate:
        _refuse_duplicate(organization=organization, call_item=call_item)
    return _new_draft(organization=organization, call_item=call_item, actor=actor, facts=facts or {})


def _refuse_duplicate(*, exclude: Application | None = None, **like) -> None:
    drafts = open_drafts_like(exclude=exclude, **like)
    if drafts:
        raise DuplicateDraft(drafts)


def _new_draft(
    *, organization, call_item: CallItem, actor, facts: Mapping[str, object], note: str = "", **matter: str
) -> Application:
    """The draft row and its first timeline entry, for a start and for a copy alike."""
    application = Application(
        organization=organization,
        call_item=call_item,
        item=call_item.item,
        created_by=actor,
        queue_opens_at=call_item.call.opens_at,
        queue_item_order=call_item.item.sort_order,
        **matter,
    )
    application.facts = _clean_facts(application, facts)
    _name_shared_matter(application)
    application.save()
    StatusEvent.objects.create(
        application=application, status=Application.Status.DRAFT, actor=actor, note=note
    )
    return application


def copy_application(
    *, actor, application: Application, at: datetime | None = None, allow_duplicate: bool = False
) -> Application:
    """A new draft from a withdrawn, returned or refused application: its facts, matter, project and current
    materials, the files copied in private storage (a copy, never a shared reference: deleting either
    application must not break the other). Under the same call item while its call is open, otherwise under
    the open call of the same item code (copy_target); refused with the reason when none is open."""
    written: list[str] = []
    try:
        return _copy_application(
            actor=actor, application=application, at=at, allow_duplicate=allow_duplicate, written=written
        )
    except BaseException:
        # Storage is not transactional: the files of a copy that rolled back are removed by hand.
        for name in written:
            Attachment._meta.get_field("file").storage.delete(name)
        raise


@transaction.atomic
def _copy_application(
    *, actor, application: Application, at: datetime | None, allow_duplicate: bool, written: list[str]
) -> Application:
    source = _locked(application)
    _check_member(actor, source)
    if not source.can_copy:
        raise ValidationError(
            _("该申报当前状态为“%(status)s”,不能复制;已撤回、退回补正、不予受理或未通过的申报可以复制。")
            % {"status": source.get_status_display()}
        )
    call_item = copy_target(source, at=at)
    if call_item is None:
        raise ValidationError(
            _("项目 %(code)s 目前没有正在受理的申报批次,暂不能复制;批次开放后可再复制。")
            % {"code": source.item.code}
        )
    if not allow_duplicate:
        _refuse_duplicate(
            organization=source.organization,
            call_item=call_item,
            matter_ref=source.matter_ref,
            exclude=source,
        )
    label = source.number or f"草稿 #{source.pk}"
    # A record, in Chinese whatever the page's language (as the other timeline notes).
    with translation.override(settings.LANGUAGE_CODE):
        note = _("复制自申报 %(source)s") % {"source": label}
    copy = _new_draft(
        organization=source.organization,
        call_item=call_item,
        actor=actor,
        facts=source.facts or {},
        note=note,
        **{name: getattr(source, name) for name in MATTER_FIELDS},
    )
    codes = set(copy.item.materials.values_list("code", flat=True))
    copied = 0
    for original in source.attachments.filter(is_current=True, material_code__in=codes):
        duplicate = Attachment(
            application=copy,
            material_code=original.material_code,
            original_name=original.original_name,
            content_type=original.content_type,
            size=original.size,
            sha256=original.sha256,
            uploaded_by=actor,
        )
        suffix = PurePosixPath(original.file.name).suffix
        try:
            with original.file.open("rb") as content:
                duplicate.file.save(f"upload{suffix}", File(content), save=False)
        except OSError as exc:
            raise ValidationError(
                _("材料文件“%(name)s”已无法读取,未能复制;请在新草稿中重新上传。")
                % {"name": original.original_name}
            ) from exc
        written.append(duplicate.file.name)
        duplicate.save()
        copied += 1
    audit.record(
        "application.copy",
        obj=copy,
        detail=f"复制自 {label}(id {source.pk}),材料文件 {copied} 个",
    )
    return copy


@transaction.atomic
def delete_draft(*, actor, application: Application) -> None:
    """Delete a draft that was never submitted, with its files (after the commit: a rollback keeps them).
    A submitted application is part of the record: it can be withdrawn, never deleted."""
    application = _locked(application)
    _check_member(actor, application)
    if not application.can_delete:
        raise ValidationError(
            _("只能删除从未提交的草稿;该申报当前状态为“%(status)s”。已提交的申报可以撤回。")
            % {"status": application.get_status_display()}
        )
    storage = Attachment._meta.get_field("file").storage
    names = [a.file.name for a in application.attachments.all() if a.file.name]
    # Each row's deletion is audited by the model signals (application.delete, attachment.delete).
    for attachment in application.attachments.all():
        attachment.delete()
    application.events.all().delete()
    application.delete()
    transaction.on_commit(lambda: [storage.delete(name) for name in names])


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
                _("追回金额不能超过认定金额(认定 %(awarded)s,已追回 %(clawed)s)。")
                % {"awarded": fen_yuan(awarded), "clawed": fen_yuan(application.clawed_back_fen)}
            )
        application.clawed_back_fen += amount_fen
        application.save(update_fields=["clawed_back_fen", "updated_at"])
    return application

"""受理 / 形式审查: the intake officer's three outcomes, each with the checklist of what was verified.

Each verb checks the role, locks the application, checks its status, changes it only through
applications.services (record_transition / return_for_correction) and writes an IntakeCheck row, all
in one transaction: a refusal saves nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Organization
from accounts.roles import Role
from applications import services as application_services
from applications.models import Application

from .. import notifications, selectors
from ..access import require_role
from ..models import AcceptanceSequence, IntakeCheck


def _locked_submitted(actor, application: Application) -> Application:
    require_role(actor, Role.INTAKE_OFFICER)
    application = application_services.lock_application(application)
    if application.status != Application.Status.SUBMITTED:
        raise ValidationError(
            _("该申报当前状态为“%(status)s”,不在受理审查阶段。")
            % {"status": application.get_status_display()}
        )
    return application


def _revision_number(application: Application) -> int:
    revision = application.revisions.order_by("-number").values_list("number", flat=True).first()
    return revision or 0


Status = IntakeCheck.MaterialStatus


@dataclass(frozen=True)
class MaterialFinding:
    """What the officer found for one material: a MaterialStatus, and the note (the reason a material
    does not apply, or what is missing or wrong with it)."""

    status: str
    note: str = ""


def _material_findings(application: Application, materials: Mapping[str, MaterialFinding]) -> list[dict]:
    """The findings as recorded: only the item's own materials, in the item's order, with the name the
    item gives them now (the record keeps it), notes stripped; a status that is none of ours is dropped."""
    findings = []
    for material in application.item.materials.all():
        finding = materials.get(material.code)
        if finding is None or finding.status not in Status.values:
            continue
        findings.append(
            {
                "code": material.code,
                "name": material.name,
                "status": finding.status,
                "note": finding.note.strip(),
            }
        )
    return findings


def _material_problems(application: Application, findings: list[dict], *, accepting: bool) -> list[str]:
    """受理 needs every required material 已核对 or 不适用 with its reason, and none 需补正; a 需补正
    needs its note whatever the outcome (the enterprise reads it)."""
    problems = []
    judged = {finding["code"]: finding for finding in findings}
    for material in application.item.materials.all():
        finding = judged.get(material.code)
        name = material.name
        if finding is None:
            if accepting and material.required:
                problems.append(
                    _("材料“%(name)s”尚未核对:请选择已核对、不适用(写明理由)或需补正。") % {"name": name}
                )
        elif finding["status"] == Status.NOT_APPLICABLE and not finding["note"]:
            problems.append(_("材料“%(name)s”标为不适用,请写明理由。") % {"name": name})
        elif finding["status"] == Status.DEFICIENT:
            if not finding["note"]:
                problems.append(_("材料“%(name)s”标为需补正,请写明需要补正的内容。") % {"name": name})
            if accepting:
                problems.append(_("材料“%(name)s”需补正,不能受理:请退回补正。") % {"name": name})
    return problems


def _correction_text(reasons: str, findings: list[dict]) -> str:
    """退回补正 as the enterprise reads it: the officer's reasons, then each material to correct with its
    note. In Chinese: it is the timeline's record and the notification's body."""
    deficient = [finding for finding in findings if finding["status"] == Status.DEFICIENT]
    if not deficient:
        return reasons
    with translation.override(settings.LANGUAGE_CODE):
        lines = [_("需补正的材料:")] + [
            _("%(n)d. %(name)s:%(note)s") % {"n": n, "name": finding["name"], "note": finding["note"]}
            for n, finding in enumerate(deficient, start=1)
        ]
    return "\n".join([reasons, *lines] if reasons else lines)


def _next_acceptance_number(at: datetime) -> str:
    """SL-2025-00001: sequential per year of acceptance (Shanghai), the year's row locked while taken."""
    year = timezone.localdate(at).year
    AcceptanceSequence.objects.get_or_create(year=year)
    sequence = AcceptanceSequence.objects.select_for_update().get(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"SL-{year}-{sequence.last:05d}"


def _check(
    application: Application,
    actor,
    outcome: str,
    *,
    findings: list[dict],
    registered_verified: bool,
    operating_verified: bool,
    credit_source: str = "",
    credit_checked_on: date | None = None,
    credit_result: str = "",
    reasons: str = "",
    uscc_override_reason: str = "",
    at: datetime,
) -> IntakeCheck:
    with translation.override(settings.LANGUAGE_CODE):  # what the officer saw, as a record: Chinese
        standing_reasons = selectors.credit_standing(application.organization)
    return IntakeCheck.objects.create(
        application=application,
        officer=actor,
        revision_number=_revision_number(application),
        materials_checked=[f["code"] for f in findings if f["status"] == Status.CHECKED],
        material_findings=findings,
        registered_verified=registered_verified,
        operating_verified=operating_verified,
        credit_verified=credit_result == IntakeCheck.CreditResult.GOOD,
        credit_source=credit_source if credit_source in IntakeCheck.CreditSource.values else "",
        credit_checked_on=credit_checked_on,
        credit_result=credit_result if credit_result in IntakeCheck.CreditResult.values else "",
        standing_reasons=standing_reasons,
        uscc_override_reason=uscc_override_reason,
        outcome=outcome,
        reasons=reasons,
        checked_at=at,
    )


def _credit_problems(
    organization: Organization, *, source: str, checked_on: date | None, result: str, at: datetime
) -> list[str]:
    """Art. 2 信用记录良好 before 受理 (the ruling of 2026-12-02): the officer's own credit check (which
    register, which day, 良好), and the organisation's standing as this portal knows it (经营异常名录, an
    unresolved clawback of this district's funds, a 严重失信 listing); either one failing refuses it."""
    problems = []
    if source not in IntakeCheck.CreditSource.values or checked_on is None:
        problems.append(_("请记录信用查询的来源和日期(第二条“信用记录良好”)。"))
    elif checked_on > timezone.localdate(at):
        problems.append(_("信用查询日期不能晚于受理审查当天。"))
    if result != IntakeCheck.CreditResult.GOOD:
        problems.append(
            _("信用查询结果须为“良好”方可受理(第二条“信用记录良好”);有不良记录的,请退回补正或不予受理。")
        )
    reasons = selectors.credit_standing(organization)
    if reasons:
        problems.append(
            _("该单位目前信用记录不属良好,不能受理(第二条):%(reasons)s。") % {"reasons": ";".join(reasons)}
        )
    return problems


def _type_problems(application: Application) -> list[str]:
    """Who may apply, by item (the rulings): for an item open only to some types (its conditions on
    org_type / org_flags in the policy data), the type the organisation recorded is verified by 区科委
    (verify_organization_type) before 受理, and must meet the item's conditions."""
    check = selectors.type_check(application)
    if not check.restricted:
        return []
    if not check.recorded:
        return [
            _(
                "本项目仅限特定类型的单位申报,该单位尚未填写单位类型:请退回补正,由单位管理员在“我的单位”中填写。"
            )
        ]
    if not check.verified:
        return [_("本项目仅限特定类型的单位申报,受理前请先核实该单位登记的单位类型。")]
    return [
        _("该单位经核实的类型不符合本项目的申报条件:%(condition)s。") % {"condition": message}
        for message in check.failing
    ]


@transaction.atomic
def accept_application(
    *,
    actor,
    application: Application,
    materials: Mapping[str, MaterialFinding] | None = None,
    registered_verified: bool = False,
    operating_verified: bool = False,
    credit_source: str = "",
    credit_checked_on: date | None = None,
    credit_result: str = "",
    uscc_override_reason: str = "",
    at: datetime | None = None,
) -> IntakeCheck:
    """受理: the three conditions of Article 2 verified (the credit one by a recorded credit check and the
    organisation's standing), the applicant type verified where the item is open only to some types, an
    acceptance number and date issued.

    An organisation whose USCC fails its check digit (created with the registrant's confirmation) is
    accepted only with the officer's written reason for holding it genuine.
    """
    at = at or timezone.now()
    application = _locked_submitted(actor, application)
    # Locked after the application (the order every intake verb takes): the standing and the type read
    # below are the ones the acceptance is recorded against.
    application.organization = Organization.objects.select_for_update().get(pk=application.organization_id)
    findings = _material_findings(application, materials or {})
    problems = _material_problems(application, findings, accepting=True)
    if not (registered_verified and operating_verified):
        problems.append(_("受理前须核实第二条的条件:在长宁区依法设立、经营状态正常。"))
    problems += _credit_problems(
        application.organization,
        source=credit_source,
        checked_on=credit_checked_on,
        result=credit_result,
        at=at,
    )
    problems += _type_problems(application)
    reason = uscc_override_reason.strip()
    if not application.organization.uscc_checksum_ok and not reason:
        problems.append(
            _("该单位的统一社会信用代码未通过校验位检查。请核实其与营业执照一致,并写明核实情况后再受理。")
        )
    if problems:
        raise ValidationError(problems)
    number = _next_acceptance_number(at)
    with translation.override(settings.LANGUAGE_CODE):  # the timeline is an official record: Chinese
        note = _("受理编号 %(number)s") % {"number": number}
    application_services.record_transition(
        application=application,
        status=Application.Status.ACCEPTED,
        actor=actor,
        note=note,
        fields={"acceptance_number": number, "accepted_at": at},
    )
    check = _check(
        application,
        actor,
        IntakeCheck.Outcome.ACCEPTED,
        findings=findings,
        registered_verified=True,
        operating_verified=True,
        credit_source=credit_source,
        credit_checked_on=credit_checked_on,
        credit_result=credit_result,
        uscc_override_reason="" if application.organization.uscc_checksum_ok else reason,
        at=at,
    )
    notifications.application_accepted(application)
    return check


@transaction.atomic
def return_application(
    *,
    actor,
    application: Application,
    reasons: str,
    materials: Mapping[str, MaterialFinding] | None = None,
    registered_verified: bool = False,
    operating_verified: bool = False,
    credit_source: str = "",
    credit_checked_on: date | None = None,
    credit_result: str = "",
    at: datetime | None = None,
) -> IntakeCheck:
    """退回补正: the enterprise sees the reasons on its timeline, corrects and resubmits."""
    at = at or timezone.now()
    application = _locked_submitted(actor, application)
    findings = _material_findings(application, materials or {})
    problems = _material_problems(application, findings, accepting=False)
    reasons = reasons.strip()
    if not reasons and not any(f["status"] == Status.DEFICIENT for f in findings):
        problems.append(_("请写明退回补正的原因,或标出需补正的材料并写明需要补正的内容。"))
    if problems:
        raise ValidationError(problems)
    # The applications app owns the return itself (status, timeline note, its own checks); the note
    # lists each material to correct, so the enterprise need not guess from a free text.
    application_services.return_for_correction(
        actor=actor, application=application, reasons=_correction_text(reasons, findings)
    )
    return _check(
        application,
        actor,
        IntakeCheck.Outcome.RETURNED,
        findings=findings,
        registered_verified=registered_verified,
        operating_verified=operating_verified,
        credit_source=credit_source,
        credit_checked_on=credit_checked_on,
        credit_result=credit_result,
        reasons=reasons,
        at=at,
    )


@transaction.atomic
def decline_application(
    *,
    actor,
    application: Application,
    reasons: str,
    materials: Mapping[str, MaterialFinding] | None = None,
    registered_verified: bool = False,
    operating_verified: bool = False,
    credit_source: str = "",
    credit_checked_on: date | None = None,
    credit_result: str = "",
    at: datetime | None = None,
) -> IntakeCheck:
    """不予受理, with reasons the enterprise reads on its timeline. Final (no transition leaves it)."""
    at = at or timezone.now()
    application = _locked_submitted(actor, application)
    findings = _material_findings(application, materials or {})
    reasons = reasons.strip()
    if not reasons:
        raise ValidationError(_("请写明不予受理的理由。"))
    application_services.record_transition(
        application=application, status=Application.Status.NOT_ACCEPTED, actor=actor, note=reasons
    )
    notifications.application_not_accepted(application, reasons)
    return _check(
        application,
        actor,
        IntakeCheck.Outcome.NOT_ACCEPTED,
        findings=findings,
        registered_verified=registered_verified,
        operating_verified=operating_verified,
        credit_source=credit_source,
        credit_checked_on=credit_checked_on,
        credit_result=credit_result,
        reasons=reasons,
        at=at,
    )


@transaction.atomic
def verify_organization_type(
    *, actor, organization: Organization, seen: str | None = None, at: datetime | None = None
) -> Organization:
    """区科委 verifies the applicant type and flags the organisation's administrator recorded (the rulings:
    who may apply, by item), stamping who and when. The administrator changing them later clears the stamp
    (accounts.services.update_organization), so a type is verified again as it then stands.

    `seen` is selectors.type_signature as the officer's page showed it: a type changed since is refused,
    not verified unseen."""
    require_role(actor, Role.INTAKE_OFFICER)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if not organization.type_recorded:
        raise ValidationError(
            _("该单位尚未填写单位类型,无从核实:请退回补正,由单位管理员在“我的单位”中填写。")
        )
    if seen is not None and seen != selectors.type_signature(organization):
        raise ValidationError(_("该单位的类型在您打开页面后已被修改,请核对页面上的最新信息后再核实。"))
    organization.type_verified_at = at or timezone.now()
    organization.type_verified_by = actor
    organization.save(update_fields=["type_verified_at", "type_verified_by"])
    return organization

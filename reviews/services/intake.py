"""受理 / 形式审查: the intake officer's three outcomes, each with the checklist of what was verified.

Each verb checks the role, locks the application, checks its status, changes it only through
applications.services (record_transition / return_for_correction) and writes an IntakeCheck row, all
in one transaction: a refusal saves nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.roles import Role
from applications import services as application_services
from applications.models import Application

from .. import notifications
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


def _material_codes(application: Application, codes: Iterable[str]) -> list[str]:
    # Only the item's own materials are recorded, in the item's order.
    wanted = set(codes)
    return [m.code for m in application.item.materials.all() if m.code in wanted]


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
    materials_checked: Iterable[str],
    registered_verified: bool,
    operating_verified: bool,
    credit_verified: bool,
    reasons: str = "",
    uscc_override_reason: str = "",
    at: datetime,
) -> IntakeCheck:
    return IntakeCheck.objects.create(
        application=application,
        officer=actor,
        revision_number=_revision_number(application),
        materials_checked=_material_codes(application, materials_checked),
        registered_verified=registered_verified,
        operating_verified=operating_verified,
        credit_verified=credit_verified,
        uscc_override_reason=uscc_override_reason,
        outcome=outcome,
        reasons=reasons,
        checked_at=at,
    )


@transaction.atomic
def accept_application(
    *,
    actor,
    application: Application,
    materials_checked: Iterable[str] = (),
    registered_verified: bool = False,
    operating_verified: bool = False,
    credit_verified: bool = False,
    uscc_override_reason: str = "",
    at: datetime | None = None,
) -> IntakeCheck:
    """受理: the three conditions of Article 2 verified, an acceptance number and date issued.

    An organisation whose USCC fails its check digit (created with the registrant's confirmation) is
    accepted only with the officer's written reason for holding it genuine.
    """
    at = at or timezone.now()
    application = _locked_submitted(actor, application)
    problems = []
    if not (registered_verified and operating_verified and credit_verified):
        problems.append(_("受理前须核实第二条的全部三项条件:在长宁区依法设立、经营状态正常、信用记录良好。"))
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
        materials_checked=materials_checked,
        registered_verified=True,
        operating_verified=True,
        credit_verified=True,
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
    materials_checked: Iterable[str] = (),
    registered_verified: bool = False,
    operating_verified: bool = False,
    credit_verified: bool = False,
    at: datetime | None = None,
) -> IntakeCheck:
    """退回补正: the enterprise sees the reasons on its timeline, corrects and resubmits."""
    at = at or timezone.now()
    application = _locked_submitted(actor, application)
    # The applications app owns the return itself (status, timeline note, its own checks).
    application_services.return_for_correction(actor=actor, application=application, reasons=reasons)
    return _check(
        application,
        actor,
        IntakeCheck.Outcome.RETURNED,
        materials_checked=materials_checked,
        registered_verified=registered_verified,
        operating_verified=operating_verified,
        credit_verified=credit_verified,
        reasons=reasons.strip(),
        at=at,
    )


@transaction.atomic
def decline_application(
    *,
    actor,
    application: Application,
    reasons: str,
    materials_checked: Iterable[str] = (),
    registered_verified: bool = False,
    operating_verified: bool = False,
    credit_verified: bool = False,
    at: datetime | None = None,
) -> IntakeCheck:
    """不予受理, with reasons the enterprise reads on its timeline. Final (no transition leaves it)."""
    at = at or timezone.now()
    application = _locked_submitted(actor, application)
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
        materials_checked=materials_checked,
        registered_verified=registered_verified,
        operating_verified=operating_verified,
        credit_verified=credit_verified,
        reasons=reasons,
        at=at,
    )

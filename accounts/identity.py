"""Who is the organisation (issue 14, finding 4): the administrator proves authority, 区科委 verifies.

The first administrator uploads the 营业执照 and a stamped 授权委托书; the organisation is 待核验 until an
intake officer of 区科委 verifies them (已核验) or returns them with a reason (退回). Only a verified
organisation submits applications (applications.services.submission_problems) and records a payee account,
which must be in the verified name (disbursement.services.bank).

Once verified, the legal name and the USCC are read-only: a change is a request (a new name and/or code with
the new licence) that goes back to 待核验, and the verified name stays in force until 区科委 verifies the
change. Every transition is audited and the organisation's administrators are told of each decision.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from changning_ai import materials
from changning_ai.downloads import private_file_response

from .models import Membership, Organization, User, normalize_uscc, uscc_checksum_fails, validate_uscc
from .notify import notify
from .roles import Role

DOCUMENTS = {"licence": "business_licence", "letter": "authorization_letter"}


def document_response(organization: Organization, kind: str) -> HttpResponse:
    """The file as a private download; 404 for an unknown kind or a file not uploaded."""
    field = DOCUMENTS.get(kind)
    file = getattr(organization, field) if field else None
    if not file:
        raise Http404("no such document")
    label = str(organization._meta.get_field(field).verbose_name)
    content_type = getattr(organization, f"{field}_type")
    suffix = file.name.rsplit(".", 1)[-1] if "." in file.name else "bin"
    return private_file_response(
        file, filename=f"{organization.uscc}-{label}.{suffix}", content_type=content_type
    )


def _admins(organization: Organization):
    return User.objects.filter(
        is_active=True,
        memberships__organization=organization,
        memberships__is_admin=True,
        memberships__status=Membership.Status.APPROVED,
    ).order_by("id")


def _require_admin(actor: User, organization: Organization) -> None:
    if not Membership.objects.filter(
        user=actor, organization=organization, is_admin=True, status=Membership.Status.APPROVED
    ).exists():
        raise PermissionDenied(_("只有本单位的管理员可以执行此操作。"))


def _require_commission(actor: User) -> None:
    if not actor.is_active or not actor.has_role(Role.INTAKE_OFFICER):
        raise PermissionDenied(_("只有区科委受理人员可以核验单位身份。"))


def _checked_document(upload: UploadedFile | None, field: str) -> tuple[UploadedFile, str] | None:
    if upload is None:
        return None
    try:
        return upload, materials.sniff(upload)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


def _snapshot(organization: Organization) -> dict:
    return {
        "identity_status": organization.identity_status,
        "name": organization.name,
        "uscc": organization.uscc,
        "verified_name": organization.verified_name,
        "requested_name": organization.requested_name,
        "requested_uscc": organization.requested_uscc,
    }


@transaction.atomic
def submit_identity(
    *,
    actor: User,
    organization: Organization,
    licence: UploadedFile | None,
    letter: UploadedFile | None,
    new_name: str = "",
    new_uscc: str = "",
) -> Organization:
    """Hand the licence and the letter of authority to 区科委 (待核验).

    Before the first verification both files are required and 区科委 verifies the name and code on the
    profile. After it, this is a change request: a new name and/or code and the licence that shows them;
    the letter may be left out (the one on file stays).
    """
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    _require_admin(actor, locked)
    before = _snapshot(locked)
    errors: dict[str, list[str]] = {}
    new_name = (new_name or "").strip()
    code = normalize_uscc(new_uscc) if new_uscc else ""
    if locked.identity_verified:
        if not new_name and not code:
            errors["new_name"] = [
                _("单位身份已核验。如需变更名称或统一社会信用代码,请填写变更后的名称或代码。")
            ]
        elif new_name in ("", locked.name) and code in ("", locked.uscc):
            errors["new_name"] = [_("变更后的名称和统一社会信用代码与现有的相同。")]
        if code and code != locked.uscc:
            try:
                validate_uscc(code)
            except ValidationError as exc:
                errors["new_uscc"] = exc.messages
            else:
                if Organization.objects.filter(uscc=code).exclude(pk=locked.pk).exists():
                    errors["new_uscc"] = [_("该统一社会信用代码已由其他单位注册,请联系区科委。")]
        if licence is None:
            errors.setdefault("licence", []).append(_("请上传载明变更后名称或代码的营业执照。"))
    else:
        if new_name or code:
            errors["new_name"] = [_("单位身份尚未核验,名称请在“编辑单位信息”中修改。")]
        if licence is None and not locked.business_licence:
            errors.setdefault("licence", []).append(_("请上传营业执照。"))
        if letter is None and not locked.authorization_letter:
            errors.setdefault("letter", []).append(_("请上传加盖单位公章的授权委托书。"))
    if locked.identity_status == Organization.IdentityStatus.PENDING:
        errors.setdefault("__all__", []).append(_("材料已提交,正在等待区科委核验,请勿重复提交。"))
    checked = {}
    for key, upload in (("licence", licence), ("letter", letter)):
        if key in errors:
            continue
        try:
            checked[key] = _checked_document(upload, key)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)

    for key, pair in checked.items():
        if pair is None:
            continue
        upload, content_type = pair
        field = DOCUMENTS[key]
        getattr(locked, field).save(f"{key}{materials.ALLOWED[content_type]}", upload, save=False)
        setattr(locked, f"{field}_type", content_type)
    if locked.identity_verified:
        locked.requested_name = new_name if new_name and new_name != locked.name else ""
        locked.requested_uscc = code if code and code != locked.uscc else ""
    locked.identity_status = Organization.IdentityStatus.PENDING
    locked.identity_return_reason = ""
    locked.identity_submitted_at = timezone.now()
    locked.identity_submitted_by = actor
    locked.save()
    after = _snapshot(locked)
    audit.record(
        "organization.identity_submit",
        obj=locked,
        before=before,
        after=after,
        detail="变更申请" if locked.change_requested else "首次核验",
    )
    return locked


@transaction.atomic
def verify_identity(*, actor: User, organization: Organization) -> Organization:
    """区科委 has compared the files with the name and code: they become the verified ones."""
    _require_commission(actor)
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    if locked.identity_status != Organization.IdentityStatus.PENDING:
        raise ValidationError(
            _("该单位的身份核验状态为“%(status)s”,没有待核验的材料。")
            % {"status": locked.get_identity_status_display()}
        )
    before = _snapshot(locked)
    if locked.requested_uscc:
        if Organization.objects.filter(uscc=locked.requested_uscc).exclude(pk=locked.pk).exists():
            raise ValidationError(_("申请变更的统一社会信用代码已由其他单位注册,请退回并说明。"))
        locked.uscc = locked.requested_uscc
        locked.uscc_checksum_ok = not uscc_checksum_fails(locked.uscc)
    if locked.requested_name:
        locked.name = locked.requested_name
    locked.verified_name = locked.name
    locked.requested_name = locked.requested_uscc = ""
    locked.identity_status = Organization.IdentityStatus.VERIFIED
    locked.identity_return_reason = ""
    locked.identity_verified_at = timezone.now()
    locked.identity_verified_by = actor
    locked.save()
    audit.record("organization.identity_verify", obj=locked, before=before, after=_snapshot(locked))
    notify(
        event="organization.identity_verified",
        key=f"{locked.pk}:{locked.identity_verified_at.isoformat()}",
        recipients=_admins(locked),
        subject=_("单位身份已核验:%(name)s") % {"name": locked.name},
        body=_(
            "区科委已核验贵单位的营业执照和授权委托书。"
            "单位名称“%(name)s”、统一社会信用代码 %(uscc)s 已确认,可以提交申报。"
        )
        % {"name": locked.name, "uscc": locked.uscc},
        url=reverse("accounts:organization"),
    )
    return locked


@transaction.atomic
def return_identity(*, actor: User, organization: Organization, reason: str) -> Organization:
    """区科委 sends the files back with what to put right; a pending change request is dropped, and a
    verified name stays in force."""
    _require_commission(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请写明退回原因,以便单位补正。")]})
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    if locked.identity_status != Organization.IdentityStatus.PENDING:
        raise ValidationError(
            _("该单位的身份核验状态为“%(status)s”,没有待核验的材料。")
            % {"status": locked.get_identity_status_display()}
        )
    before = _snapshot(locked)
    locked.identity_status = Organization.IdentityStatus.RETURNED
    locked.identity_return_reason = reason
    locked.requested_name = locked.requested_uscc = ""
    locked.save()
    audit.record(
        "organization.identity_return", obj=locked, before=before, after=_snapshot(locked), detail=reason
    )
    notify(
        event="organization.identity_returned",
        key=f"{locked.pk}:{locked.identity_submitted_at.isoformat() if locked.identity_submitted_at else ''}",
        recipients=_admins(locked),
        subject=_("单位身份核验被退回:%(name)s") % {"name": locked.name},
        body=_(
            "区科委退回了贵单位的身份核验材料,原因:%(reason)s\n请在“我的单位 → 身份核验”页补正后重新提交。"
        )
        % {"reason": reason},
        url=reverse("accounts:organization_identity"),
    )
    return locked

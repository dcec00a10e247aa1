"""Every change to users, organisations and memberships.

Each verb checks the actor's right, validates, and writes inside one transaction, locking the rows
whose invariants it relies on. Two invariants live here rather than in the schema:
an applicant belongs to at most one approved organisation (for now), and an organisation's USCC
never changes after creation.
"""

import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit

from . import selectors
from .models import (
    DUPLICATE_IDENTIFIER_MESSAGE,
    Membership,
    Notification,
    Organization,
    User,
    VerificationCode,
    normalize_uscc,
    parse_identifier,
    uscc_checksum_fails,
    validate_uscc,
)
from .roles import Role, group_for
from .security import is_staff_member
from .verification import issue_code, mask, verify_code

# What an organisation's administrator may change on its profile; the USCC is not among them.
EDITABLE_ORGANIZATION_FIELDS = frozenset(
    {
        "name",
        "registered_address",
        "registered_in_changning",
        "operating_status",
        "credit_status",
        "legal_representative",
        "contact_name",
        "contact_phone",
        *Organization.TYPE_FIELDS,
    }
)


class UsccAlreadyRegistered(ValidationError):
    """The USCC belongs to an existing organisation. The message names only its masked administrator."""

    def __init__(self, organization: Organization) -> None:
        contact = selectors.membership_admin_contact(organization)
        if contact:
            message = _(
                "该统一社会信用代码已由贵单位的管理员注册。"
                "请联系管理员 %(contact)s批准加入,或点击“申请加入”。"
            ) % {"contact": contact}
        else:
            message = _("该统一社会信用代码已注册。请联系区科委,或点击“申请加入”。")
        super().__init__({"uscc": [ValidationError(message, code="uscc_taken")]})
        self.organization = organization


# ---------------------------------------------------------------- users


def _unsaved_user(*, identifier: str, password: str, name: str = "") -> User:
    """The new applicant as it would be saved (without its password), or the ValidationError of every
    field that is wrong: the identifier (shape, taken) and the password (the rules in force)."""
    errors: dict[str, list[ValidationError]] = {}
    login_field: dict[str, str] = {}
    try:
        kind, value = parse_identifier(identifier)
    except ValidationError as exc:
        errors["identifier"] = exc.error_list
    else:
        login_field = {kind: value}
        if _identifier_taken(kind, value):
            errors["identifier"] = [_duplicate_identifier()]
    # The username is never shown or typed by applicants (they log in by email or mobile); a random one
    # cannot collide with a staff username or look like someone else's mobile number.
    user = User(username=f"u-{secrets.token_hex(8)}", first_name=name.strip(), **login_field)
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        errors["password"] = exc.error_list
    if errors:
        raise ValidationError(errors)
    return user


def check_registration(*, identifier: str, password: str, name: str = "") -> tuple[str, str]:
    """Everything register_user would refuse, checked before a code is sent for a mobile sign-up;
    returns the identifier's (kind, normalised value)."""
    _unsaved_user(identifier=identifier, password=password, name=name)
    return parse_identifier(identifier)


@transaction.atomic
def register_user(*, identifier: str, password: str, name: str = "") -> User:
    """A new applicant account; `identifier` is a mainland mobile number or an email address."""
    user = _unsaved_user(identifier=identifier, password=password, name=name)
    user.set_password(password)
    return _save_new_user(user)


def register_by_mobile(*, mobile: str, code: str, password_hash: str, name: str = "") -> User:
    """A mobile sign-up's second step: the SMS code proves the number; the password was checked at the
    first step and kept only as its hash (accounts.views.signup).

    The code is checked (and a wrong try counted) in its own transaction before the account is made.
    """
    verify_code(purpose=VerificationCode.Purpose.SIGNUP, target=mobile, code=code)
    with transaction.atomic():
        if _identifier_taken("mobile", mobile):  # registered by someone else between the two steps
            raise ValidationError({"identifier": [_duplicate_identifier()]})
        user = User(
            username=f"u-{secrets.token_hex(8)}",
            first_name=name.strip(),
            mobile=mobile,
            mobile_verified_at=timezone.now(),
            password=password_hash,
            password_changed_at=timezone.now(),
        )
        return _save_new_user(user)


def _save_new_user(user: User) -> User:
    user.full_clean(exclude=["password"])
    try:
        # A concurrent sign-up with the same email/mobile passes the check above; the unique
        # constraint stops it here, and the savepoint keeps the outer transaction usable.
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise ValidationError({"identifier": [_duplicate_identifier()]}) from exc
    user.groups.add(group_for(Role.APPLICANT))
    # Later issue: schedule the welcome notification here with transaction.on_commit.
    return user


def reset_password_by_code(*, mobile: str, code: str, password: str) -> User:
    """Set a new password for the account of `mobile`, proven by the SMS code sent to it.

    The password is judged first, so a code is not spent on a password the rules refuse. Without an
    account there was no code, and verify_code says the code is not valid: the page never tells
    whether a number has an account.
    """
    user = User.objects.filter(mobile=mobile, is_active=True).first()
    validate_password(password, user=user)
    verify_code(purpose=VerificationCode.Purpose.RESET, target=mobile, code=code)
    if user is None:  # pragma: no cover - no code is issued for a number without an account
        raise ValidationError(_("验证码已失效,请重新获取。"), code="code_expired")
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password", "password_changed_at", "must_change_password"])
        audit.record("password_reset_by_sms", obj=user, user=user)
    return user


def request_reset_code(*, mobile: str) -> None:
    """Send a reset code if an active account has the number; silently nothing otherwise (the page says
    the same either way, so it cannot be used to find out who is registered)."""
    if User.objects.filter(mobile=mobile, is_active=True).exists():
        issue_code(purpose=VerificationCode.Purpose.RESET, target=mobile)
    else:
        audit.record("verification_code_unknown_target", result=audit.Result.DENIED, detail=mask(mobile))


def request_email_code(*, user: User, email: str) -> None:
    """Send a code to the address the user wants to add (or confirm); refused if another account has it."""
    if User.objects.alias(email_lower=Lower("email")).filter(email_lower=email).exclude(pk=user.pk).exists():
        raise ValidationError({"email": [_duplicate_identifier()]})
    issue_code(purpose=VerificationCode.Purpose.EMAIL, target=email)


def verify_email(*, user: User, email: str, code: str) -> User:
    """The code sent to `email` proves the user reads it: it becomes the account's (verified) address,
    usable to log in, to reset the password and to receive notices."""
    verify_code(purpose=VerificationCode.Purpose.EMAIL, target=email, code=code)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = {"email": locked.email}
        locked.email = email
        locked.email_verified_at = timezone.now()
        try:
            with transaction.atomic():
                locked.save(update_fields=["email", "email_verified_at"])
        except IntegrityError as exc:
            raise ValidationError({"email": [_duplicate_identifier()]}) from exc
        audit.record("email_verified", obj=locked, before=before, after={"email": email})
    user.email, user.email_verified_at = locked.email, locked.email_verified_at
    return user


def _identifier_taken(kind: str, value: str) -> bool:
    if kind == "email":
        # Lower(), not iexact, so PostgreSQL can use the user_unique_email_ci index.
        return User.objects.alias(email_lower=Lower("email")).filter(email_lower=value).exists()
    return User.objects.filter(mobile=value).exists()


def _duplicate_identifier() -> ValidationError:
    return ValidationError(DUPLICATE_IDENTIFIER_MESSAGE, code="duplicate_identifier")


# ---------------------------------------------------------------- organisations


@transaction.atomic
def create_organization(
    *, actor: User, uscc: str, name: str, uscc_checksum_confirmed: bool = False, **fields: Any
) -> Organization:
    """The actor's organisation, with the actor as its approved administrator.

    A code whose check digit fails is refused unless the actor confirms it matches the business
    licence (`uscc_checksum_confirmed`); it is then saved with uscc_checksum_ok=False, and an intake
    officer must record why it is genuine before accepting an application (reviews.services.intake).
    """
    _lock_user(actor)
    _refuse_second_organization(actor)
    _check_fields(fields)
    code = _checked_uscc(uscc, allow_bad_checksum=uscc_checksum_confirmed)
    existing = selectors.organization_with_uscc(code)
    if existing is not None:
        raise UsccAlreadyRegistered(existing)
    organization = Organization(
        uscc=code, name=name, uscc_checksum_ok=not uscc_checksum_fails(code), **fields
    )
    organization.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            organization.save()
    except IntegrityError as exc:
        # Someone registered the same code between our check and the insert.
        raise UsccAlreadyRegistered(Organization.objects.get(uscc=code)) from exc
    Membership.objects.create(
        user=actor, organization=organization, is_admin=True, status=Membership.Status.APPROVED
    )
    # Later issue: append the audit record of the creation here.
    return organization


@transaction.atomic
def update_organization(*, actor: User, organization: Organization, **fields: Any) -> Organization:
    """The administrator corrects the profile; the USCC identifies the organisation and stays as created."""
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    _require_admin(actor, locked.pk)
    if "uscc" in fields:
        raise ValidationError({"uscc": [_("统一社会信用代码创建后不能修改;如有错误请联系区科委。")]})
    _check_fields(fields)
    if "name" in fields and fields["name"] != locked.name and _name_locked(locked):
        raise ValidationError(
            {
                "name": [
                    _(
                        "单位名称已提交或已经区科委核验,不能直接修改;"
                        "请在“身份核验”页提交变更申请(附变更后的营业执照)。"
                    )
                ]
            }
        )
    changed_type = any(
        name in fields and fields[name] != getattr(locked, name) for name in Organization.TYPE_FIELDS
    )
    for field, value in fields.items():
        setattr(locked, field, value)
    if changed_type and locked.type_verified_at is not None:
        # 区科委 verified the type as it was; a changed type is verified again at the next intake.
        locked.type_verified_at = None
        locked.type_verified_by = None
        fields = {**fields, "type_verified_at": None, "type_verified_by": None}
    locked.full_clean(validate_unique=False)
    locked.save(update_fields=sorted(fields))
    # Later issue: append the audit record of the changed fields here.
    return locked


# ---------------------------------------------------------------- memberships


@transaction.atomic
def request_membership(*, actor: User, uscc: str) -> Membership:
    """Ask to join the organisation with this USCC; its administrator decides."""
    _lock_user(actor)
    _refuse_second_organization(actor)
    # A failing check digit may still be an organisation created with the confirmation; any other
    # code that fails it is a typo and gets the usual message.
    code = _checked_uscc(uscc, allow_bad_checksum=True)
    organization = selectors.organization_with_uscc(code)
    if organization is None and uscc_checksum_fails(code):
        _checked_uscc(code)
    if organization is None:
        raise ValidationError(
            {"uscc": [_("尚无单位以该统一社会信用代码注册。请核对代码,或创建单位。")]},
            code="no_such_organization",
        )
    membership, created = Membership.objects.select_for_update().get_or_create(
        user=actor, organization=organization, defaults={"status": Membership.Status.PENDING}
    )
    if not created and membership.status == Membership.Status.REJECTED:
        # Asking again after a refusal is allowed; the administrator sees the request anew.
        membership.status = Membership.Status.PENDING
        membership.save(update_fields=["status"])
    # Later issue: notify the organisation's administrator here with transaction.on_commit.
    return membership


@transaction.atomic
def approve_membership(*, actor: User, membership: Membership) -> Membership:
    locked = _lock_pending(actor, membership)
    _lock_user(locked.user)
    if (
        Membership.objects.filter(user=locked.user, status=Membership.Status.APPROVED)
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise ValidationError(_("该用户已加入其他单位,不能再加入本单位。"), code="already_member")
    locked.status = Membership.Status.APPROVED
    locked.save(update_fields=["status"])
    # Later issues: append the audit record and notify the new member here.
    return locked


@transaction.atomic
def reject_membership(*, actor: User, membership: Membership) -> Membership:
    locked = _lock_pending(actor, membership)
    locked.status = Membership.Status.REJECTED
    locked.save(update_fields=["status"])
    # Later issues: append the audit record and notify the applicant here.
    return locked


# ---------------------------------------------------------------- helpers


def _lock_user(user: User) -> None:
    # Serialises one user's create/join/approve so the one-organisation rule cannot be raced.
    User.objects.select_for_update().filter(pk=user.pk).first()


def _name_locked(organization: Organization) -> bool:
    # The name 区科委 verifies (or is verifying) changes only through identity.submit_identity (issue 14).
    return organization.identity_verified or (
        organization.identity_status == Organization.IdentityStatus.PENDING
    )


def _refuse_second_organization(actor: User) -> None:
    # A staff account acting as an enterprise would review or pay its own application (issue 7).
    if is_staff_member(actor):
        raise ValidationError(
            _("工作人员账户不能创建或加入申报单位,请使用单独注册的企业账户。"), code="staff_account"
        )
    if Membership.objects.filter(user=actor, status=Membership.Status.APPROVED).exists():
        raise ValidationError(_("您已属于一个单位,不能再创建或加入其他单位。"), code="already_member")


def _checked_uscc(uscc: str, *, allow_bad_checksum: bool = False) -> str:
    code = normalize_uscc(uscc)
    if allow_bad_checksum and uscc_checksum_fails(code):
        return code
    try:
        validate_uscc(code)
    except ValidationError as exc:
        raise ValidationError({"uscc": exc.error_list}) from exc
    return code


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - EDITABLE_ORGANIZATION_FIELDS
    if unknown:
        raise TypeError(f"not an editable organisation field: {', '.join(sorted(unknown))}")


def _require_admin(actor: User, organization_id: int) -> None:
    if not Membership.objects.filter(
        user=actor, organization_id=organization_id, is_admin=True, status=Membership.Status.APPROVED
    ).exists():
        raise PermissionDenied(_("只有本单位的管理员可以执行此操作。"))


def _lock_pending(actor: User, membership: Membership) -> Membership:
    locked = Membership.objects.select_for_update(of=("self",)).select_related("user").get(pk=membership.pk)
    _require_admin(actor, locked.organization_id)
    if locked.status != Membership.Status.PENDING:
        raise ValidationError(_("该申请已处理,不能重复操作。"), code="not_pending")
    return locked


# ---------------------------------------------------------------- inbox


def notification_open(*, notification: Notification) -> Notification:
    """Mark the user's message read (the first reading counts; opening it again changes nothing)."""
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def preferences_update(*, user: User, notify_channel: str, email_digest: bool) -> User:
    """The daily digest is for staff (issue 6); an applicant's request for it is ignored."""
    user.notify_channel = User.NotifyChannel(notify_channel)
    user.email_digest = bool(email_digest) and user.is_staff
    user.save(update_fields=["notify_channel", "email_digest"])
    return user

"""What the system and security administrators change (等级保护 三权分立).

- The system administrator creates accounts, edits their profile and deactivates or reactivates them; never
  roles, never the audit trail, never money.
- The security administrator sets roles (set_roles), lifts login locks and tightens the password policy.

Each function checks the actor's role itself (a view is not the only caller), locks what it changes and writes
inside one transaction, so the audit records written by audit.receivers and here commit with the change.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import security
from accounts.models import (
    DUPLICATE_IDENTIFIER_MESSAGE,
    MOBILE_RE,
    SecurityPolicy,
    User,
    normalize_email,
    normalize_mobile,
)
from accounts.roles import STAFF_ROLES, Role, group_for
from audit import services as audit
from changning_ai.groups import forget_group_names
from reviews.access import require_role

from . import selectors

ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
COMMISSION_ROLES = frozenset({Role.INTAKE_OFFICER, Role.EXPERT_REVIEWER, Role.COMMISSION_APPROVER})
FINANCE_ROLES = frozenset({Role.FINANCE_OFFICER, Role.FINANCE_APPROVER})


class AccountKind:
    STAFF = "staff"
    ENTERPRISE = "enterprise"


# ---------------------------------------------------------------- the system administrator


def check_can_manage_account(actor: User, user: User) -> None:
    """The system administrator manages ordinary accounts. An administrator's or a superuser's account is
    not theirs to edit or switch off: changing another administrator's e-mail would let them take it over
    through the password reset, and deactivating the auditor would silence the audit. The security
    administrator first removes the administrator role; then the account is an ordinary one."""
    require_role(actor, Role.SYSTEM_ADMIN)
    if user.is_superuser or selectors.is_administrator(user):
        raise PermissionDenied(_("管理员账户不能在此修改。"))


def create_user(
    *, actor: User, kind: str, username: str, name: str, email: str, mobile: str, password: str
) -> User:
    """A new account. An enterprise account is an applicant, as if its owner had signed up; a staff account
    starts with no role (and so no access) until the security administrator gives it one."""
    require_role(actor, Role.SYSTEM_ADMIN)
    if kind not in (AccountKind.STAFF, AccountKind.ENTERPRISE):
        raise ValidationError({"kind": _("请选择账户类型。")})
    user = User(
        username=username.strip(),
        first_name=name.strip(),
        email=normalize_email(email),
        mobile=normalize_mobile(mobile),
    )
    errors: dict[str, list] = {}
    _check_username(user.username, errors)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(_field_of(field), []).extend(messages)
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    # The administrator chose it and told the person: only they may know the password they go on using.
    user.must_change_password = True
    with transaction.atomic():
        try:
            # The unique constraints stop a concurrent twin; the savepoint keeps the transaction usable.
            with transaction.atomic():
                user.save()  # recorded as user.create by audit.receivers (the password as [已隐藏])
        except IntegrityError as exc:
            raise ValidationError({"username": _("该用户名、邮箱或手机号已被使用。")}) from exc
        if kind == AccountKind.ENTERPRISE:
            user.groups.add(group_for(Role.APPLICANT))
    return user


def update_user(*, actor: User, user: User, name: str, email: str, mobile: str) -> User:
    """The profile: name, e-mail, mobile. The username stays: it is the name in the audit trail."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        check_can_manage_account(actor, locked)
        locked.first_name = name.strip()
        locked.email = normalize_email(email)
        locked.mobile = normalize_mobile(mobile)
        if not locked.email and not locked.mobile:
            # Enterprise users log in and reset their password with one of them.
            raise ValidationError({"email": _("请至少保留电子邮箱或手机号码之一(用于登录和找回密码)。")})
        try:
            locked.full_clean(exclude=["password"])
        except ValidationError as exc:
            raise ValidationError({_field_of(f): m for f, m in exc.message_dict.items()}) from exc
        try:
            with transaction.atomic():
                locked.save(update_fields=["first_name", "email", "mobile"])
        except IntegrityError as exc:
            raise ValidationError({"email": DUPLICATE_IDENTIFIER_MESSAGE}) from exc
    return locked


def set_active(*, actor: User, user: User, active: bool) -> User:
    """Deactivate (the account can no longer log in; nothing of it is deleted) or reactivate."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.pk == actor.pk:
            raise PermissionDenied(_("不能停用或启用自己的账户。"))
        check_can_manage_account(actor, locked)
        if locked.is_active != active:
            locked.is_active = active
            locked.save(update_fields=["is_active"])  # recorded as user.update with before/after
    return locked


def _check_username(username: str, errors: dict) -> None:
    # People log in by e-mail or mobile first (accounts.backends): a username that looks like either
    # would be shadowed by another user's address or number.
    if "@" in username or MOBILE_RE.match(normalize_mobile(username)):
        errors.setdefault("username", []).append(_("用户名不能是邮箱地址或手机号码。"))
    elif username and User.objects.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append(_("该用户名已被使用。"))


def _field_of(name: str) -> str:
    # The model's constraint errors come as non-field errors; both name an identifier.
    return "email" if name == "__all__" else name


# ---------------------------------------------------------------- the security administrator


def check_can_set_roles(actor: User, user: User) -> None:
    require_role(actor, Role.SECURITY_ADMIN)
    if user.pk == actor.pk:
        raise PermissionDenied(_("不能修改自己的角色。"))
    if user.is_superuser:
        raise PermissionDenied(_("不能修改超级用户的角色。"))


def set_roles(actor: User, user: User, roles: Iterable[Role | str]) -> list[str]:
    """Give `user` exactly these roles; returns the role names now held.

    三权分立: an administrator role (system, security, audit) stands alone; nobody changes their own roles;
    is_staff follows whether the user holds any staff role (it opens the staff navigation and the admin
    login). The groups change is recorded by audit.receivers (user.groups.add/remove); "roles.change"
    records the whole before and after, which is what an auditor reads."""
    check_can_set_roles(actor, user)
    try:
        wanted = {Role(role) for role in roles}
    except ValueError as exc:
        raise ValidationError({"roles": _("未知的角色。")}) from exc
    if wanted & ADMIN_ROLES and len(wanted) > 1:
        raise ValidationError({"roles": _("管理员角色(系统、安全、审计管理员)不能与其他任何角色同时授予。")})
    if wanted & COMMISSION_ROLES and wanted & FINANCE_ROLES:
        # Who decides the money and who approves paying it are two offices (区科委, 区财政局): one
        # account holding both could recognise an award and approve its payment alone.
        raise ValidationError(
            {"roles": _("区科委的角色(受理、评审、审定)与区财政局的角色(经办、审核)不能授予同一账户。")}
        )
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        check_can_set_roles(actor, locked)
        before = sorted(locked.groups.values_list("name", flat=True))
        after = sorted(role.value for role in wanted)
        is_staff = bool(wanted & STAFF_ROLES)
        if before == after and locked.is_staff == is_staff:
            return after
        if before != after:
            locked.groups.set([group_for(role) for role in sorted(wanted)])
        if locked.is_staff != is_staff:
            locked.is_staff = is_staff
            locked.save(update_fields=["is_staff"])
        audit.record("roles.change", obj=locked, before={"roles": before}, after={"roles": after})
    forget_group_names(user)
    return after


def unlock_account(*, actor: User, username: str) -> int:
    """Lift a login lock before its 30 minutes are up; returns the attempt rows removed.
    accounts.security.unlock records it ("account_unlocked"), since a lock lifted early is a decision
    someone answers for."""
    require_role(actor, Role.SECURITY_ADMIN)
    username = username.strip()
    if not username:
        raise ValidationError(_("请指定要解除锁定的账户。"))
    with transaction.atomic():
        if username not in {lock.username for lock in security.locked_usernames()}:
            raise ValidationError(_("账户“%(username)s”当前没有被锁定。") % {"username": username})
        return security.unlock(username)


def update_password_policy(*, actor: User, policy: SecurityPolicy, **values: int) -> SecurityPolicy:
    """Tighten the password policy. SecurityPolicy.clean() refuses anything looser than the 等级保护 floor;
    the change is recorded (accounts.SecurityPolicy is an audited model) with before and after."""
    require_role(actor, Role.SECURITY_ADMIN)
    with transaction.atomic():
        locked = SecurityPolicy.objects.select_for_update().filter(pk=policy.pk).first() or policy
        for name, value in values.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked.save()
    return locked

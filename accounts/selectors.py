"""Reads for the account pages, and the access helpers every view and service goes through."""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.db.models.functions import Lower
from django.http import Http404
from django.utils.translation import gettext as _

from .models import (
    MOBILE_RE,
    Delivery,
    Membership,
    Notification,
    Organization,
    User,
    normalize_email,
    normalize_mobile,
)
from .roles import Role


def user_for_identifier(identifier: str) -> User | None:
    """The user who logs in as `identifier`: by email if it has an @, by mobile if it looks like one,
    else (or if that finds nobody) by username, which staff accounts made in the admin use."""
    value = identifier.strip()
    found: QuerySet[User] | None = None
    if "@" in value:
        found = User.objects.alias(email_lower=Lower("email")).filter(email_lower=normalize_email(value))
    elif MOBILE_RE.match(normalize_mobile(value)):
        found = User.objects.filter(mobile=normalize_mobile(value))
    user = found.first() if found is not None else None
    if user is None:
        user = User.objects.filter(username=value).first()
    return user


def approved_membership_for(user: User | AnonymousUser) -> Membership | None:
    """The user's approved membership; services keep it to at most one."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.select_related("organization")
        .filter(user=user, status=Membership.Status.APPROVED)
        .first()
    )


def organization_for(user: User | AnonymousUser) -> Organization | None:
    """The organisation the user acts for, or None while they have not created or joined one."""
    membership = approved_membership_for(user)
    return membership.organization if membership else None


def access_organization(user: User | AnonymousUser, *, as_admin: bool) -> Membership:
    """The user's approved membership, for pages about their own organisation.

    404 when they have none (there is nothing of theirs to show); 403 when `as_admin` and they are an
    ordinary member.
    """
    membership = approved_membership_for(user)
    if membership is None:
        raise Http404("no organisation")
    if as_admin and not membership.is_admin:
        raise PermissionDenied(_("只有本单位的管理员可以执行此操作。"))
    return membership


def access_membership_request(user: User | AnonymousUser, membership_id: int) -> Membership:
    """A membership of the user's own organisation, for its administrator to decide on.

    Another organisation's id is 404 whoever asks, so ids cannot be probed; an id of the user's own
    organisation is 403 unless they are its administrator.
    """
    own = approved_membership_for(user)
    if own is None:
        raise Http404("no organisation")
    try:
        membership = Membership.objects.select_related("user").get(
            pk=membership_id, organization_id=own.organization_id
        )
    except Membership.DoesNotExist:
        raise Http404("no such membership in this organisation") from None
    if not own.is_admin:
        raise PermissionDenied(_("只有本单位的管理员可以执行此操作。"))
    return membership


def organization_with_uscc(uscc: str) -> Organization | None:
    """The organisation registered under this (already normalised) code, for the services' checks."""
    return Organization.objects.filter(uscc=uscc).first()


def organization_members(organization: Organization) -> list[Membership]:
    """Pending requests first, then members; rejected requests are not listed. Two queries at most."""
    pending_first = Case(
        When(status=Membership.Status.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return list(
        organization.memberships.select_related("user")
        .exclude(status=Membership.Status.REJECTED)
        .order_by(pending_first, "-is_admin", "created_at", "pk")
    )


def pending_request_count(organization: Organization) -> int:
    return organization.memberships.filter(status=Membership.Status.PENDING).count()


def membership_requests_for(user: User) -> list[Membership]:
    """The user's requests to join, not yet approved. Pages show only the USCC the user typed."""
    return list(
        Membership.objects.select_related("organization")
        .filter(user=user)
        .exclude(status=Membership.Status.APPROVED)
        .order_by("-created_at", "-pk")
    )


def membership_admin_contact(organization: Organization) -> str | None:
    """How to reach the organisation's administrator, masked (王**(138****5678)).

    Shown to whoever types an already registered USCC, so it must say nothing else about the
    organisation: not its name, address or legal representative, nor the administrator in full.
    None when the organisation has no administrator (made by staff in the admin).
    """
    admin = (
        Membership.objects.select_related("user")
        .filter(organization=organization, is_admin=True, status=Membership.Status.APPROVED)
        .order_by("created_at", "pk")
        .first()
    )
    if admin is None:
        return None
    user = admin.user
    name = mask_name(user.get_full_name())
    reach = mask_mobile(user.mobile) if user.mobile else mask_email(user.email) if user.email else ""
    if name and reach:
        return f"{name}({reach})"
    return name or reach or None


def mask_name(name: str) -> str:
    name = name.strip()
    return name[0] + "*" * max(1, len(name) - 1) if name else ""


def mask_mobile(mobile: str) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) >= 7 else "****"


def mask_email(email: str) -> str:
    local, _at, domain = email.rpartition("@")
    return f"{local[:1]}***@{domain}" if local else "***"


# ---------------------------------------------------------------- inbox and delivery log


def inbox_for(user: User) -> QuerySet:
    """The user's own messages, newest first; the paginator adds its one COUNT."""
    return Notification.objects.filter(recipient=user).defer("body").order_by("-created_at", "-pk")


def notification_for(user: User, pk: int):
    """The user's message, or 404: another person's message is not found, not forbidden."""
    try:
        return Notification.objects.get(pk=pk, recipient=user)
    except Notification.DoesNotExist:
        raise Http404 from None


DELIVERY_LOG_ROLES = (Role.SYSTEM_ADMIN.value, Role.SECURITY_ADMIN.value)


def require_delivery_log_access(user: User | AnonymousUser) -> None:
    """The delivery log shows who was told what: the system and security administrators only (403)."""
    if not (
        user.is_authenticated and user.is_active and user.groups.filter(name__in=DELIVERY_LOG_ROLES).exists()
    ):
        raise PermissionDenied


def delivery_log(*, status: str = "") -> QuerySet:
    deliveries = Delivery.objects.defer("body").order_by("-created_at", "-pk")
    return deliveries.filter(status=status) if status else deliveries

"""Reads for the administrators' pages. Each list page runs a fixed number of queries whatever its length."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.models import User, normalize_mobile
from accounts.roles import Role

ADMIN_ROLE_NAMES = frozenset({Role.SYSTEM_ADMIN.value, Role.SECURITY_ADMIN.value, Role.AUDIT_ADMIN.value})


def is_administrator(user: User) -> bool:
    return user.groups.filter(name__in=ADMIN_ROLE_NAMES).exists()


def _search(users: QuerySet[User], q: str) -> QuerySet[User]:
    q = q.strip()
    if not q:
        return users
    match = (
        Q(username__icontains=q)
        | Q(first_name__icontains=q)
        | Q(last_name__icontains=q)
        | Q(email__icontains=q)
        | Q(mobile__icontains=normalize_mobile(q) or q)
    )
    return users.filter(match)


def user_list(*, q: str = "", active: bool | None = None, staff: bool | None = None) -> QuerySet[User]:
    """The system administrator's list: profile fields only (no roles). The administrator accounts are
    marked, because their rows have no actions (administration.services.check_can_manage_account)."""
    users = _search(User.objects.all(), q)
    if active is not None:
        users = users.filter(is_active=active)
    if staff is not None:
        users = users.filter(is_staff=staff)
    administrators = Group.objects.filter(name__in=ADMIN_ROLE_NAMES, user=OuterRef("pk"))
    return users.annotate(is_administrator=Exists(administrators)).order_by("username")


def role_list(*, q: str = "", role: str = "") -> QuerySet[User]:
    """The security administrator's list: every account with its roles (prefetched: one query for all)."""
    users = _search(User.objects.all(), q)
    if role:
        users = users.filter(groups__name=role)
    return users.prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name"))).order_by(
        "username"
    )

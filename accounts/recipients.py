"""Who a notification goes to: the people of an organisation, or everyone holding a staff role.

Used by the notification rules of every app (applications/reviews/disbursement `notifications.py`).
Only active users; an organisation's members only once their membership is approved.
"""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Membership, User
from .roles import Role


def organization_members(organization_id: int) -> QuerySet[User]:
    """Every approved member of the organisation (its administrator included)."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__organization_id=organization_id,
            memberships__status=Membership.Status.APPROVED,
        )
        .distinct()
        .order_by("id")
    )


def holders_of(*roles: Role) -> QuerySet[User]:
    """Every active user holding any of the roles."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[role.value for role in roles])
        .distinct()
        .order_by("id")
    )

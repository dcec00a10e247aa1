"""The staff part of the main navigation: 受理, 评审分配, 我的评审 — each only for its role."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from reviews.access import has_any_role

register = template.Library()

# (role, the section's first page, label, the section's pages): the start of each role's work.
LINKS = (
    (
        Role.INTAKE_OFFICER,
        "reviews:intake_queue",
        _("受理"),
        {"reviews:intake_queue", "reviews:intake_check"},
    ),
    (
        Role.COMMISSION_APPROVER,
        "reviews:assign_queue",
        _("评审分配"),
        {"reviews:assign_queue", "reviews:assign_application"},
    ),
    (
        Role.COMMISSION_APPROVER,
        "reviews:decision_queue",
        _("审定"),
        {"reviews:decision_queue", "reviews:decide", "reviews:override_propose", "reviews:override_confirm"},
    ),
    (
        Role.COMMISSION_APPROVER,
        "reviews:notices",
        _("公示管理"),
        {"reviews:notices", "reviews:notice"},
    ),
    (
        Role.EXPERT_REVIEWER,
        "reviews:my_assignments",
        _("我的评审"),
        {"reviews:my_assignments", "reviews:declare", "reviews:score"},
    ),
)


@register.simple_tag(takes_context=True)
def staff_links(context) -> list[dict[str, object]]:
    """The links the user's roles open. Only staff accounts (is_staff, as every staff role's account is:
    see seed_demo) are asked, so an applicant's pages run no extra query; has_any_role caches the groups
    on the user, so a page that already checked a role runs none either."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return []
    current = request.resolver_match.view_name if request.resolver_match else ""
    return [
        {"url": reverse(name), "label": label, "current": current in section}
        for role, name, label, section in LINKS
        if has_any_role(user, role)
    ]

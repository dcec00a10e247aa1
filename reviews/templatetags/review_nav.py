"""The staff part of the main navigation: 受理, 评审分配, 我的评审, 预算看板, 预算管理, 资助审核,
年度兑现核查, 一企一策, and the three administrators' pages (用户管理; 角色管理, 登录锁定, 密码策略;
审计日志, 校验哈希链) — each only for its roles."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from reviews.access import has_any_role

register = template.Library()

# (role or roles, the section's first page, label, the section's pages): the start of each role's work.
LINKS = (
    (
        Role.INTAKE_OFFICER,
        "reviews:intake_queue",
        _("受理"),
        {"reviews:intake_queue", "reviews:intake_check"},
    ),
    (
        Role.INTAKE_OFFICER,
        "reviews:identity_queue",
        _("单位身份核验"),
        {"reviews:identity_queue", "reviews:identity_check"},
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
    (
        (Role.COMMISSION_APPROVER, Role.FINANCE_OFFICER, Role.FINANCE_APPROVER),
        "disbursement:dashboard",
        _("预算看板"),
        {"disbursement:dashboard"},
    ),
    (
        (Role.COMMISSION_APPROVER, Role.FINANCE_OFFICER, Role.FINANCE_APPROVER),
        "disbursement:budgets",
        _("预算管理"),
        {"disbursement:budgets", "disbursement:budget_enter", "disbursement:budget_confirm"},
    ),
    (
        (Role.COMMISSION_APPROVER, Role.FINANCE_OFFICER, Role.FINANCE_APPROVER),
        "disbursement:awards",
        _("资助审核"),
        {
            "disbursement:awards",
            "disbursement:award",
            "disbursement:award_approve",
            "disbursement:award_acceptance",
            "disbursement:award_clawback",
            "disbursement:clawback_recovery",
        },
    ),
    (
        (Role.COMMISSION_APPROVER, Role.FINANCE_OFFICER, Role.FINANCE_APPROVER),
        "disbursement:claims",
        _("年度兑现核查"),
        {
            "disbursement:claims",
            "disbursement:claim",
            "disbursement:claim_accept",
            "disbursement:claim_return",
            "disbursement:claim_refuse",
        },
    ),
    (
        (Role.COMMISSION_APPROVER, Role.FINANCE_OFFICER, Role.FINANCE_APPROVER),
        "disbursement:agreements",
        _("一企一策"),
        {
            "disbursement:agreements",
            "disbursement:agreement_new",
            "disbursement:agreement",
            "disbursement:agreement_decide",
        },
    ),
    (
        (Role.FINANCE_OFFICER, Role.FINANCE_APPROVER),
        "disbursement:batches",
        _("拨付批次"),
        {
            "disbursement:batches",
            "disbursement:batch_new",
            "disbursement:batch",
            "disbursement:batch_submit",
            "disbursement:batch_withdraw",
            "disbursement:batch_approve",
            "disbursement:batch_return",
            "disbursement:payment_paid",
            "disbursement:payment_failed",
        },
    ),
    # 三权分立: each administrator sees only their own pages (administration/, audit/).
    (
        Role.SYSTEM_ADMIN,
        "administration:users",
        _("用户管理"),
        {
            "administration:users",
            "administration:user_create",
            "administration:user_edit",
            "administration:user_deactivate",
            "administration:user_reactivate",
        },
    ),
    (
        Role.SECURITY_ADMIN,
        "administration:roles",
        _("角色管理"),
        {"administration:roles", "administration:role_edit"},
    ),
    (
        Role.SECURITY_ADMIN,
        "administration:locks",
        _("登录锁定"),
        {"administration:locks", "administration:unlock"},
    ),
    (
        Role.SECURITY_ADMIN,
        "administration:password_policy",
        _("密码策略"),
        {"administration:password_policy"},
    ),
    (
        Role.AUDIT_ADMIN,
        "audit:records",
        _("审计日志"),
        {"audit:records", "audit:record", "audit:export"},
    ),
    (
        Role.AUDIT_ADMIN,
        "audit:verify",
        _("校验哈希链"),
        {"audit:verify"},
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
        for roles, name, label, section in LINKS
        # A link one of several roles opens names them as a tuple: listed once for a user with two.
        if has_any_role(user, *(roles if isinstance(roles, tuple) else (roles,)))
    ]

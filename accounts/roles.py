"""Roles are Django groups. Their names are fixed here so code and data migrations agree."""

from importlib import import_module

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    APPLICANT = "applicant", _("申报单位用户")
    INTAKE_OFFICER = "intake_officer", _("受理人员(区科委)")
    EXPERT_REVIEWER = "expert_reviewer", _("评审专家")
    COMMISSION_APPROVER = "commission_approver", _("审定人员(区科委)")
    FINANCE_OFFICER = "finance_officer", _("经办人员(区财政局)")
    FINANCE_APPROVER = "finance_approver", _("审核人员(区财政局)")
    # 等级保护 三权分立: three separate administrators, none of whom can approve money.
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


STAFF_ROLES = frozenset(Role) - {Role.APPLICANT}


def group_for(role: Role):
    """The role's group. Created by a data migration; recreated if something (a test database flush,
    a careless admin) removed it, because a missing group must not stop a sign-up."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    group, created = Group.objects.get_or_create(name=role.value)
    if created:
        # Recreated groups get their admin permissions back (the data of migration 0008), or a flushed
        # database would leave, say, the audit administrator unable to read the trail in the admin.
        import_module("accounts.migrations.0008_role_permissions").grant_role_permissions(apps)
        group.refresh_from_db()
    return group


# Where each role's work starts, in the order a user with several roles is sent: after login a staff
# member lands on their own queue, never on the enterprise's 我的单位 page. URL names, not imports: the
# apps that own these pages sit above accounts.
ROLE_HOMES = (
    (Role.INTAKE_OFFICER, "reviews:intake_queue"),
    (Role.COMMISSION_APPROVER, "reviews:decision_queue"),
    (Role.EXPERT_REVIEWER, "reviews:my_assignments"),
    (Role.FINANCE_OFFICER, "disbursement:awards"),
    (Role.FINANCE_APPROVER, "disbursement:awards"),
    (Role.SYSTEM_ADMIN, "administration:users"),
    (Role.SECURITY_ADMIN, "administration:roles"),
    (Role.AUDIT_ADMIN, "audit:records"),
)
APPLICANT_HOME = "accounts:organization"


def landing_url(user) -> str:
    """The page a user is sent to after logging in when no `next` asked for another."""
    from django.urls import reverse

    from changning_ai.groups import group_names

    roles = group_names(user)
    return reverse(next((name for role, name in ROLE_HOMES if role.value in roles), APPLICANT_HOME))

"""The cast of the administrators' tests: sam (系统管理员), sue (安全管理员), audrey (审计管理员), and one
account for each other role. Every staff account is is_staff, as create_admin and set_roles make them.

`role_permissions` re-applies migration 0008's grants: a transactional test elsewhere in the run flushes
the tables, and with them the rows a data migration wrote (the groups come back through group_for, their
permissions would not)."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps

from accounts.roles import Role, group_for
from tests.factories import UserFactory

ROLE_PERMISSIONS_MIGRATION = import_module("accounts.migrations.0008_role_permissions")

# (username, role) for every kind of account the pages are tried with.
CAST = {
    "applicant": ("alma", Role.APPLICANT),
    "intake_officer": ("ivan", Role.INTAKE_OFFICER),
    "expert_reviewer": ("rhea", Role.EXPERT_REVIEWER),
    "commission_approver": ("dora", Role.COMMISSION_APPROVER),
    "finance_officer": ("fred", Role.FINANCE_OFFICER),
    "finance_approver": ("fay", Role.FINANCE_APPROVER),
    "system_admin": ("sam", Role.SYSTEM_ADMIN),
    "security_admin": ("sue", Role.SECURITY_ADMIN),
    "audit_admin": ("audrey", Role.AUDIT_ADMIN),
}
ROLES = list(CAST)


def person(role_name: str):
    username, role = CAST[role_name]
    return UserFactory(
        username=username, roles=[role], is_staff=role != Role.APPLICANT, first_name=username.title()
    )


@pytest.fixture
def role_permissions(db):
    # Every role's group, not only those the migration grants to: a flush removes them all.
    for role in Role:
        group_for(role)
    ROLE_PERMISSIONS_MIGRATION.grant_role_permissions(apps)


@pytest.fixture
def sam(db):
    return person("system_admin")


@pytest.fixture
def sue(db):
    return person("security_admin")


@pytest.fixture
def audrey(db):
    return person("audit_admin")


def login_redirect(response) -> bool:
    return response.status_code == 302 and response.url.startswith("/accounts/login/")

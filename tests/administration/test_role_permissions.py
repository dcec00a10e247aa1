"""Migration 0008: what each role may do in the Django admin, and the admin's user pages for a system
administrator (no roles, no superuser flag, no administrator's account)."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from audit.services import record
from tests.administration.conftest import ROLE_PERMISSIONS_MIGRATION, person
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("role_permissions")


def codenames(role: Role) -> set[str]:
    permissions = Group.objects.get(name=role.value).permissions.select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


def test_the_administrators_hold_exactly_their_permissions(db):
    assert codenames(Role.SYSTEM_ADMIN) == {
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_organization",
        "accounts.change_organization",
        "accounts.view_delivery",
        "reviews.view_holiday",
        "reviews.add_holiday",
        "reviews.change_holiday",
        "reviews.delete_holiday",
    }
    assert codenames(Role.AUDIT_ADMIN) == {"audit.view_auditrecord", "audit.view_auditarchive"}
    assert codenames(Role.SECURITY_ADMIN) == set()


def test_the_commission_approver_edits_policies_and_calls(db):
    granted = codenames(Role.COMMISSION_APPROVER)
    every = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(content_type__app_label__in=["policies", "applications"])
    }
    assert granted == every
    assert {"policies.change_policyround", "applications.add_call"} <= granted


def test_nobody_but_the_audit_administrator_holds_an_audit_permission(db):
    holders = Group.objects.filter(permissions__content_type__app_label="audit").distinct()
    assert [group.name for group in holders] == [Role.AUDIT_ADMIN.value]


def test_running_it_again_changes_nothing_and_takes_back_what_was_granted_by_hand(db):
    before = {role: codenames(role) for role in Role}
    system = Group.objects.get(name=Role.SYSTEM_ADMIN.value)
    system.permissions.add(*Permission.objects.filter(content_type__app_label="audit"))
    system.permissions.add(Permission.objects.get(codename="delete_user"))
    finance = Group.objects.get(name=Role.FINANCE_APPROVER.value)
    finance.permissions.add(Permission.objects.get(codename="view_auditrecord"))
    ROLE_PERMISSIONS_MIGRATION.grant_role_permissions(apps)
    ROLE_PERMISSIONS_MIGRATION.grant_role_permissions(apps)
    assert {role: codenames(role) for role in Role} == before


def test_reversing_it_takes_the_grants_back(db):
    ROLE_PERMISSIONS_MIGRATION.revoke_role_permissions(apps)
    for role in (Role.COMMISSION_APPROVER, Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN):
        assert codenames(role) == set()


# ------------------------------------------------------------ the Django admin, as the system administrator


def change_form(user: User, **fields) -> dict:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": "",
        "email": user.email,
        "mobile": user.mobile,
        "notify_channel": user.notify_channel,
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-05",
        "date_joined_1": "09:00:00",
        "_save": "保存",
    } | fields


def test_a_system_administrator_posting_roles_or_superuser_to_the_admin_changes_nothing_of_them(client, sam):
    wang = UserFactory(username="wang", roles=[Role.APPLICANT])
    client.force_login(sam)
    url = reverse("admin:accounts_user_change", args=[wang.pk])
    page = client.get(url)
    assert page.status_code == 200
    fields = page.context["adminform"].form.fields
    assert not {"groups", "user_permissions", "is_superuser", "is_staff"} & set(fields)
    response = client.post(
        url,
        change_form(
            wang,
            first_name="王力",
            groups=[Group.objects.get(name=Role.FINANCE_APPROVER.value).pk],
            user_permissions=[Permission.objects.get(codename="view_auditrecord").pk],
            is_superuser="on",
            is_staff="on",
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    wang.refresh_from_db()
    assert wang.first_name == "王力"  # the profile field was saved, the rest ignored
    assert wang.role_names == [Role.APPLICANT.value]
    assert not wang.is_superuser and not wang.is_staff
    assert not wang.user_permissions.exists()


def test_a_superuser_still_sees_the_role_fields(client, db):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    page = client.get(reverse("admin:accounts_user_change", args=[root.pk]))
    assert {"groups", "is_superuser"} <= set(page.context["adminform"].form.fields)


@pytest.mark.parametrize("target", ["security_admin", "audit_admin"])
def test_a_system_administrator_cannot_change_another_administrator_in_the_admin(client, sam, target):
    other = person(target)
    client.force_login(sam)
    url = reverse("admin:accounts_user_change", args=[other.pk])
    response = client.post(url, change_form(other, email="sam@evil.example"))
    assert response.status_code == 403
    password = reverse("admin:auth_user_password_change", args=[other.pk])
    assert (
        client.post(password, {"password1": "Evil-Pass-2026", "password2": "Evil-Pass-2026"}).status_code
        == 403
    )
    other.refresh_from_db()
    assert other.email != "sam@evil.example" and not other.check_password("Evil-Pass-2026")


def test_only_the_audit_administrator_reads_the_trail_in_the_admin(client, sam, sue, audrey):
    entry = record("test.entry", detail="x")
    records = reverse("admin:audit_auditrecord_changelist")
    detail = reverse("admin:audit_auditrecord_change", args=[entry.pk])
    client.force_login(audrey)
    assert client.get(records).status_code == 200
    assert client.get(detail).status_code == 200
    for other in (sam, sue):
        client.force_login(other)
        assert client.get(records).status_code == 403
        assert client.get(detail).status_code == 403

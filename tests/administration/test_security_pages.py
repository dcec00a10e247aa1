"""The security administrator's pages (/manage/security/…) and administration.services.set_roles.

sue sets roles (an administrator role stands alone; never her own; is_staff follows the roles; every
change in the audit trail), lifts login locks, and tightens the password policy. Everyone else: 403."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import SecurityPolicy
from accounts.roles import Role
from administration.services import set_roles
from audit.models import AuditRecord
from tests.administration.conftest import ROLES, login_redirect, person
from tests.factories import UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROLES_PAGE = reverse("administration:roles")
LOCKS = reverse("administration:locks")
UNLOCK = reverse("administration:unlock")
POLICY = reverse("administration:password_policy")


def role_url(user) -> str:
    return reverse("administration:role_edit", args=[user.pk])


@pytest.fixture
def wang(db):
    return UserFactory(username="wang", roles=[Role.APPLICANT])


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI), tick=False) as traveller:
        yield traveller


def fail_logins(username: str, times: int, *, ip: str = "10.0.0.1") -> AccessAttempt:
    """What django-axes leaves after `times` failed logins from one address and browser."""
    return AccessAttempt.objects.create(
        username=username,
        ip_address=ip,
        user_agent="pytest",
        get_data="",
        post_data="",
        http_accept="*/*",
        path_info="/accounts/login/",
        failures_since_start=times,
    )


# ---------------------------------------------------------------- who may open the pages


@pytest.mark.parametrize("role", ROLES)
def test_only_the_security_administrator_opens_the_security_pages(client, wang, role):
    client.force_login(person(role))
    expected = 200 if role == "security_admin" else 403
    for url in (ROLES_PAGE, role_url(wang), LOCKS, POLICY):
        assert client.get(url).status_code == expected, url


@pytest.mark.parametrize("role", [r for r in ROLES if r != "security_admin"])
def test_nobody_else_changes_roles_locks_or_the_policy(client, wang, role, clock):
    fail_logins("wang", 5)
    client.force_login(person(role))
    assert client.post(role_url(wang), {"roles": [Role.FINANCE_APPROVER.value]}).status_code == 403
    assert client.post(UNLOCK, {"username": "wang"}).status_code == 403
    assert (
        client.post(
            POLICY, {"password_min_length": 12, "password_min_classes": 4, "staff_password_max_age_days": 30}
        ).status_code
        == 403
    )
    assert wang.role_names == [Role.APPLICANT.value]
    assert AccessAttempt.objects.filter(username="wang").exists()
    assert SecurityPolicy.current().password_min_length == 8


def test_anonymous_visitors_are_sent_to_log_in(client, wang):
    for url in (ROLES_PAGE, role_url(wang), LOCKS, POLICY):
        assert login_redirect(client.get(url))
    assert login_redirect(client.post(role_url(wang), {"roles": [Role.SYSTEM_ADMIN.value]}))
    assert wang.role_names == [Role.APPLICANT.value]


# ---------------------------------------------------------------- roles: the page


def test_the_roles_page_lists_accounts_with_their_roles_and_filters_by_role(client, sue, wang):
    ivan = UserFactory(username="ivan", roles=[Role.INTAKE_OFFICER, Role.EXPERT_REVIEWER], is_staff=True)
    client.force_login(sue)
    html = client.get(ROLES_PAGE).content.decode()
    assert str(Role.INTAKE_OFFICER.label) in html and str(Role.EXPERT_REVIEWER.label) in html
    assert role_url(ivan) in html and role_url(wang) in html
    assert role_url(sue) not in html  # her own row has no link
    html = client.get(ROLES_PAGE, {"role": Role.INTAKE_OFFICER.value}).content.decode()
    assert f'id="account-{ivan.pk}"' in html and f'id="account-{wang.pk}"' not in html
    assert client.get(ROLES_PAGE, {"role": "overlord"}).context["form"].errors


def test_the_roles_page_runs_the_same_number_of_queries_for_few_and_many(
    client, sue, django_assert_num_queries
):
    client.force_login(sue)
    client.get(ROLES_PAGE)  # warm up
    # session, user, OTP device, the role check, the paginator's count, the page of users, their groups
    # (one prefetch for the page), the header's unread count
    with django_assert_num_queries(8) as few:
        client.get(ROLES_PAGE)
    for n in range(30):
        UserFactory(username=f"user-{n:02d}", roles=[Role.APPLICANT, Role.EXPERT_REVIEWER][: 1 + n % 2])
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(ROLES_PAGE)
    assert len(response.context["page"].object_list) == 31


def test_roles_are_changed_through_the_page_and_recorded(client, sue, wang):
    client.force_login(sue)
    response = client.post(role_url(wang), {"roles": [Role.INTAKE_OFFICER.value, Role.EXPERT_REVIEWER.value]})
    assert response.status_code == 302
    wang.refresh_from_db()
    assert wang.role_names == [Role.EXPERT_REVIEWER.value, Role.INTAKE_OFFICER.value]
    assert wang.is_staff
    change = AuditRecord.objects.get(action="roles.change")
    assert change.username == "sue" and change.object_id == str(wang.pk)
    assert change.changes == {
        "before": {"roles": ["applicant"]},
        "after": {"roles": ["expert_reviewer", "intake_officer"]},
    }


def test_a_commission_and_a_finance_role_together_are_refused_on_the_page(client, sue, wang):
    client.force_login(sue)
    response = client.post(
        role_url(wang), {"roles": [Role.COMMISSION_APPROVER.value, Role.FINANCE_APPROVER.value]}
    )
    assert response.status_code == 200
    assert "不能授予同一账户" in " ".join(response.context["form"].errors["roles"])
    wang.refresh_from_db()
    assert wang.role_names == [Role.APPLICANT.value]


def test_an_administrator_role_with_another_role_is_refused_on_the_page(client, sue, wang):
    client.force_login(sue)
    response = client.post(role_url(wang), {"roles": [Role.AUDIT_ADMIN.value, Role.APPLICANT.value]})
    assert response.status_code == 200
    assert "不能与其他任何角色同时授予" in " ".join(response.context["form"].errors["roles"])
    assert wang.role_names == [Role.APPLICANT.value]


def test_her_own_roles_page_is_refused(client, sue):
    client.force_login(sue)
    assert client.get(role_url(sue)).status_code == 403
    assert client.post(role_url(sue), {"roles": []}).status_code == 403
    assert sue.role_names == [Role.SECURITY_ADMIN.value]


# ---------------------------------------------------------------- roles: the service's rules


@pytest.mark.parametrize("admin_role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
@pytest.mark.parametrize("other", [Role.APPLICANT, Role.FINANCE_APPROVER, Role.COMMISSION_APPROVER, "admin"])
def test_an_administrator_role_cannot_be_combined_with_any_other(sue, wang, admin_role, other):
    if other == "admin":
        other = Role.AUDIT_ADMIN if admin_role != Role.AUDIT_ADMIN else Role.SYSTEM_ADMIN
    with pytest.raises(ValidationError):
        set_roles(sue, wang, [admin_role, other])
    assert wang.role_names == [Role.APPLICANT.value]
    assert not AuditRecord.objects.filter(action="roles.change").exists()


@pytest.mark.parametrize("commission", [Role.INTAKE_OFFICER, Role.EXPERT_REVIEWER, Role.COMMISSION_APPROVER])
@pytest.mark.parametrize("finance", [Role.FINANCE_OFFICER, Role.FINANCE_APPROVER])
def test_a_commission_role_and_a_finance_role_are_never_one_accounts(sue, wang, commission, finance):
    with pytest.raises(ValidationError, match="不能授予同一账户"):
        set_roles(sue, wang, [commission, finance])
    assert wang.role_names == [Role.APPLICANT.value]
    assert not AuditRecord.objects.filter(action="roles.change").exists()
    assert set_roles(sue, wang, [finance]) == [finance.value]  # either office alone is fine


@pytest.mark.parametrize("admin_role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_an_administrator_role_alone_makes_a_staff_account(sue, wang, admin_role):
    assert set_roles(sue, wang, [admin_role]) == [admin_role.value]
    wang.refresh_from_db()
    assert wang.role_names == [admin_role.value] and wang.is_staff and not wang.is_superuser


def test_is_staff_follows_whether_any_staff_role_is_held(sue, wang):
    set_roles(sue, wang, [Role.INTAKE_OFFICER])
    wang.refresh_from_db()
    assert wang.is_staff
    set_roles(sue, wang, [Role.APPLICANT])
    wang.refresh_from_db()
    assert not wang.is_staff
    set_roles(sue, wang, [])
    wang.refresh_from_db()
    assert wang.role_names == [] and not wang.is_staff


def test_nobody_changes_their_own_roles(sue):
    with pytest.raises(PermissionDenied):
        set_roles(sue, sue, [Role.SECURITY_ADMIN, Role.FINANCE_APPROVER])
    with pytest.raises(PermissionDenied):
        set_roles(sue, sue, [])
    assert sue.role_names == [Role.SECURITY_ADMIN.value]


@pytest.mark.parametrize("role", [r for r in ROLES if r != "security_admin"])
def test_only_the_security_administrator_may_set_roles(wang, role):
    with pytest.raises(PermissionDenied):
        set_roles(person(role), wang, [Role.FINANCE_APPROVER])
    assert wang.role_names == [Role.APPLICANT.value]


def test_an_unknown_role_is_refused(sue, wang):
    with pytest.raises(ValidationError):
        set_roles(sue, wang, ["overlord"])
    assert wang.role_names == [Role.APPLICANT.value]


def test_the_group_changes_are_recorded_by_the_trail_as_well(sue, wang):
    set_roles(sue, wang, [Role.FINANCE_OFFICER])
    # audit.receivers records the m2m change itself; roles.change adds the whole before and after.
    actions = list(
        AuditRecord.objects.filter(object_id=str(wang.pk), object_type="accounts.user")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert "user.groups.remove" in actions and "user.groups.add" in actions
    assert actions[-1] == "roles.change"
    staff_flag = AuditRecord.objects.get(action="user.update", object_id=str(wang.pk))
    assert staff_flag.changes == {"before": {"is_staff": False}, "after": {"is_staff": True}}


def test_setting_the_same_roles_again_changes_and_records_nothing(sue, wang):
    before = AuditRecord.objects.count()
    assert set_roles(sue, wang, [Role.APPLICANT]) == [Role.APPLICANT.value]
    assert AuditRecord.objects.count() == before


# ---------------------------------------------------------------- login locks


def test_locked_accounts_are_listed_with_their_failures_and_last_attempt(client, sue, wang, clock):
    wang.first_name = "王力"
    wang.save()
    fail_logins("wang", 3, ip="10.0.0.1")  # three from one address: not locked (the lock is per client)
    clock.shift(timedelta(minutes=5))
    fail_logins("wang", 5, ip="10.0.0.2")  # five from another: locked there
    fail_logins("li", 4)  # not yet
    client.force_login(sue)
    response = client.get(LOCKS)
    locks = response.context["locks"]
    assert [(lock.username, lock.ip_address, lock.failures) for lock in locks] == [("wang", "10.0.0.2", 5)]
    assert locks[0].last_attempt == datetime(2026, 3, 2, 10, 5, tzinfo=SHANGHAI)
    html = response.content.decode()
    assert "王力" in html and "2026-03-02 10:05:00" in html and "2026-03-02 10:35:00" in html
    assert "10.0.0.2" in html
    assert 'name="username" value="wang"' in html and 'value="li"' not in html


def test_a_lock_older_than_the_cool_off_is_not_shown(client, sue, clock):
    fail_logins("wang", 5)
    clock.shift(timedelta(minutes=31))
    client.force_login(sue)
    assert client.get(LOCKS).context["locks"] == []


def test_unlocking_removes_the_failures_and_is_recorded(client, sue, clock):
    fail_logins("wang", 5)
    fail_logins("li", 5)
    client.force_login(sue)
    response = client.post(UNLOCK, {"username": "wang"})
    assert response.status_code == 302 and response.url == LOCKS
    assert not AccessAttempt.objects.filter(username="wang").exists()
    assert AccessAttempt.objects.filter(username="li").exists()
    unlock = AuditRecord.objects.get(action="account_unlocked")
    assert unlock.username == "sue" and "wang" in unlock.detail
    assert [lock.username for lock in client.get(LOCKS).context["locks"]] == ["li"]


def test_unlocking_an_account_that_is_not_locked_says_so(client, sue):
    client.force_login(sue)
    fail_logins("wang", 2)
    response = client.post(UNLOCK, {"username": "wang"}, follow=True)
    assert "当前没有被锁定" in response.content.decode()
    assert AccessAttempt.objects.filter(username="wang").exists()
    assert not AuditRecord.objects.filter(action="account_unlocked").exists()


def test_unlock_is_post_only(client, sue, clock):
    fail_logins("wang", 5)
    client.force_login(sue)
    assert client.get(UNLOCK, {"username": "wang"}).status_code == 405
    assert AccessAttempt.objects.filter(username="wang").exists()


# ---------------------------------------------------------------- the password policy


def test_the_policy_page_shows_the_current_values(client, sue):
    client.force_login(sue)
    html = client.get(POLICY).content.decode()
    assert "<dt>密码最短长度</dt><dd>8</dd>" in html
    assert "<dt>工作人员密码有效期(天)</dt><dd>90</dd>" in html


def test_the_policy_is_tightened_and_the_change_recorded(client, sue):
    client.force_login(sue)
    response = client.post(
        POLICY, {"password_min_length": 12, "password_min_classes": 4, "staff_password_max_age_days": 60}
    )
    assert response.status_code == 302
    policy = SecurityPolicy.current()
    assert (policy.password_min_length, policy.password_min_classes, policy.staff_password_max_age_days) == (
        12,
        4,
        60,
    )
    change = AuditRecord.objects.filter(action="securitypolicy.update").latest("seq")
    assert change.username == "sue"
    assert change.changes["after"]["password_min_length"] == 12


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"password_min_length": 6}, "password_min_length"),
        ({"password_min_classes": 2}, "password_min_classes"),
        ({"password_min_classes": 5}, "password_min_classes"),
        ({"staff_password_max_age_days": 180}, "staff_password_max_age_days"),
        ({"staff_password_max_age_days": 0}, "staff_password_max_age_days"),
        ({"password_min_length": "abc"}, "password_min_length"),
    ],
)
def test_a_looser_policy_is_refused_beside_its_field_and_nothing_changes(client, sue, values, field):
    client.force_login(sue)
    form = {"password_min_length": 8, "password_min_classes": 3, "staff_password_max_age_days": 90} | values
    response = client.post(POLICY, form)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    policy = SecurityPolicy.current()
    assert (policy.password_min_length, policy.password_min_classes, policy.staff_password_max_age_days) == (
        8,
        3,
        90,
    )
    assert not AuditRecord.objects.filter(action="securitypolicy.update").exists()


def test_a_staff_flag_that_disagrees_with_the_roles_is_put_right(sue):
    # An account made by hand in the admin, say: is_staff without any staff role.
    stray = UserFactory(username="stray", is_staff=True, roles=[Role.APPLICANT])
    set_roles(sue, stray, [Role.APPLICANT])
    stray.refresh_from_db()
    assert not stray.is_staff
    assert AuditRecord.objects.filter(action="roles.change", object_id=str(stray.pk)).exists()

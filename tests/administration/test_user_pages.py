"""The system administrator's account pages (/manage/users/…): sam lists, creates, edits, deactivates and
reactivates accounts. He never sees or sets roles, and administrator accounts (his own included) are not
his to change. Everyone else: 403; anonymous: the login page."""

import pytest
from django.urls import reverse

from accounts.models import SecurityPolicy, User
from accounts.roles import Role
from audit.models import AuditRecord
from tests.administration.conftest import ROLES, login_redirect, person
from tests.factories import PASSWORD, UserFactory

USERS = reverse("administration:users")
NEW = reverse("administration:user_create")


def edit_url(user) -> str:
    return reverse("administration:user_edit", args=[user.pk])


@pytest.fixture
def wang(db):
    return UserFactory(username="wang", first_name="王力", email="wangli@example.com", mobile="13800138000")


# ---------------------------------------------------------------- who may open the pages


@pytest.mark.parametrize("role", ROLES)
def test_only_the_system_administrator_opens_the_account_pages(client, wang, role):
    client.force_login(person(role))
    expected = 200 if role == "system_admin" else 403
    assert client.get(USERS).status_code == expected
    assert client.get(NEW).status_code == expected
    assert client.get(edit_url(wang)).status_code == expected


@pytest.mark.parametrize("role", [r for r in ROLES if r != "system_admin"])
def test_nobody_else_can_deactivate_or_create_and_nothing_changes(client, wang, role):
    client.force_login(person(role))
    assert client.post(reverse("administration:user_deactivate", args=[wang.pk])).status_code == 403
    form = {
        "kind": "staff",
        "username": "zed",
        "password": "Strong-Pass-2026",
        "password2": "Strong-Pass-2026",
    }
    assert client.post(NEW, form).status_code == 403
    wang.refresh_from_db()
    assert wang.is_active and not User.objects.filter(username="zed").exists()


def test_anonymous_visitors_are_sent_to_log_in(client, wang):
    for url in (USERS, NEW, edit_url(wang)):
        assert login_redirect(client.get(url))
    assert login_redirect(client.post(reverse("administration:user_deactivate", args=[wang.pk])))
    wang.refresh_from_db()
    assert wang.is_active


# ---------------------------------------------------------------- the list


def test_the_list_finds_people_by_name_username_email_or_mobile_and_masks_their_details(client, sam, wang):
    UserFactory(username="li", first_name="李雷", email="lilei@example.com")
    client.force_login(sam)
    for query in ("王力", "wang", "wangli@", "138001"):
        html = client.get(USERS, {"q": query}).content.decode()
        assert f'id="user-{wang.pk}"' in html, query
        assert "lilei" not in html and "李雷" not in html, query
    html = client.get(USERS, {"q": "wang"}).content.decode()
    assert "138****8000" in html and "13800138000" not in html
    assert "w***@example.com" in html and "wangli@example.com" not in html


def test_the_list_filters_active_and_staff_accounts(client, sam, wang):
    gone = UserFactory(username="gone", is_active=False)
    clerk = UserFactory(username="clerk", is_staff=True)
    client.force_login(sam)
    html = client.get(USERS, {"active": "no"}).content.decode()
    assert f'id="user-{gone.pk}"' in html and f'id="user-{wang.pk}"' not in html
    html = client.get(USERS, {"staff": "yes"}).content.decode()
    assert f'id="user-{clerk.pk}"' in html and f'id="user-{wang.pk}"' not in html
    html = client.get(USERS, {"staff": "no", "active": "yes"}).content.decode()
    assert f'id="user-{wang.pk}"' in html and f'id="user-{clerk.pk}"' not in html


def test_the_list_shows_no_roles_and_offers_no_link_to_an_administrators_account(client, sam, sue, wang):
    UserFactory(username="ivan", roles=[Role.INTAKE_OFFICER], is_staff=True)
    client.force_login(sam)
    html = client.get(USERS).content.decode()
    assert str(Role.INTAKE_OFFICER.label) not in html and "intake_officer" not in html
    assert edit_url(wang) in html
    assert edit_url(sue) not in html and edit_url(sam) not in html
    assert "管理员账户" in html


def test_a_bad_filter_value_is_ignored_with_a_message_not_an_error(client, sam, wang):
    client.force_login(sam)
    response = client.get(USERS, {"active": "maybe", "page": "x" * 50})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_the_list_runs_the_same_number_of_queries_for_few_and_many(client, sam, django_assert_num_queries):
    client.force_login(sam)
    client.get(USERS)  # warm up
    # session, user, OTP device, the role check, the paginator's count, the page of users (with the
    # administrator flag as a subquery), the header's unread count
    with django_assert_num_queries(7) as few:
        client.get(USERS)
    for n in range(30):
        UserFactory(username=f"user-{n:02d}", mobile=f"139{n:08d}")
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(USERS)
    assert len(response.context["page"].object_list) == 31


def test_the_list_is_paginated_by_fifty(client, sam):
    for n in range(55):
        UserFactory(username=f"user-{n:02d}")
    client.force_login(sam)
    first = client.get(USERS)
    assert len(first.context["page"].object_list) == 50
    second = client.get(USERS, {"page": 2})
    assert len(second.context["page"].object_list) == 6  # 55 and sam


# ---------------------------------------------------------------- creating an account


def create_form(**fields) -> dict:
    return {
        "kind": "staff",
        "username": "zhao",
        "name": "赵敏",
        "email": "zhaomin@example.com",
        "mobile": "139 0000 1111",
        "password": "Strong-Pass-2026",
        "password2": "Strong-Pass-2026",
    } | fields


def test_a_staff_account_is_created_without_any_role_and_can_log_in(client, sam):
    client.force_login(sam)
    response = client.post(NEW, create_form())
    zhao = User.objects.get(username="zhao")
    assert response.status_code == 302 and response.url == edit_url(zhao)
    assert (zhao.first_name, zhao.email, zhao.mobile) == ("赵敏", "zhaomin@example.com", "13900001111")
    assert list(zhao.groups.all()) == [] and not zhao.is_staff and not zhao.is_superuser
    assert zhao.check_password("Strong-Pass-2026")
    created = AuditRecord.objects.get(action="user.create", object_id=str(zhao.pk))
    assert created.username == "sam" and created.changes["after"]["password"] == "[已隐藏]"


def test_an_enterprise_account_is_an_applicant_as_if_it_had_signed_up(client, sam):
    client.force_login(sam)
    client.post(NEW, create_form(kind="enterprise", username="qian", email="qian@example.com", mobile=""))
    qian = User.objects.get(username="qian")
    assert qian.role_names == [Role.APPLICANT.value] and not qian.is_staff


def test_the_initial_password_is_changed_at_the_first_login(client, sam):
    """The administrator chose it and passed it on; from the first login only the person knows theirs."""
    client.force_login(sam)
    client.post(NEW, create_form(kind="enterprise", username="qian", email="qian@example.com", mobile=""))
    client.logout()
    login = client.post("/accounts/login/", {"username": "qian@example.com", "password": "Strong-Pass-2026"})
    assert login.status_code == 302
    response = client.get("/applications/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/password/change/"
    assert "管理员为您设置的初始密码" in response.content.decode()
    changed = client.post(
        "/accounts/password/change/",
        {
            "old_password": "Strong-Pass-2026",
            "new_password1": "Own-Secret-2026x",
            "new_password2": "Own-Secret-2026x",
        },
    )
    assert changed.status_code == 302
    assert client.get("/accounts/organization/").status_code == 200  # no longer sent to change it
    qian = User.objects.get(username="qian")
    assert not qian.must_change_password and qian.check_password("Own-Secret-2026x")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"password": "password", "password2": "password"}, "password", ""),
        ({"password": "alllowercase1", "password2": "alllowercase1"}, "password", ""),
        ({"password2": "Other-Pass-2026"}, "password2", "两次输入的密码不一致。"),
        ({"username": "wang"}, "username", "该用户名已被使用。"),
        ({"username": "WANG"}, "username", "该用户名已被使用。"),
        ({"username": "13912345678"}, "username", "用户名不能是邮箱地址或手机号码。"),
        ({"username": "zhao@example.com"}, "username", "用户名不能是邮箱地址或手机号码。"),
        ({"email": "WANGLI@example.com"}, "email", "该手机号/邮箱已注册,请直接登录或找回密码"),
        ({"mobile": "12345"}, "mobile", "手机号码“12345”无效"),
        ({"kind": "superuser"}, "kind", ""),
    ],
)
def test_a_bad_account_is_refused_beside_its_field_and_nothing_is_saved(
    client, sam, wang, fields, field, message
):
    client.force_login(sam)
    before = User.objects.count()
    response = client.post(NEW, create_form(**fields))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert User.objects.count() == before


def test_the_password_validators_judge_the_initial_password(client, sam, settings):
    settings.AUTH_PASSWORD_VALIDATORS = [
        {"NAME": "accounts.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 20}}
    ]
    client.force_login(sam)
    response = client.post(NEW, create_form())
    assert "password" in response.context["form"].errors
    assert not User.objects.filter(username="zhao").exists()


# ---------------------------------------------------------------- editing, deactivating


def test_the_profile_is_edited_and_the_change_recorded_with_before_and_after(client, sam, wang):
    client.force_login(sam)
    response = client.post(
        edit_url(wang), {"name": "王丽", "email": "Wang.Li@Example.com", "mobile": "13911112222"}
    )
    assert response.status_code == 302
    wang.refresh_from_db()
    assert (wang.first_name, wang.email, wang.mobile) == ("王丽", "wang.li@example.com", "13911112222")
    change = AuditRecord.objects.filter(action="user.update", object_id=str(wang.pk)).latest("seq")
    assert change.username == "sam"
    assert (
        change.changes["before"]["first_name"] == "王力" and change.changes["after"]["first_name"] == "王丽"
    )
    assert change.changes["after"]["mobile"] == "*******2222"


def test_an_email_another_account_uses_is_refused(client, sam, wang):
    UserFactory(username="li", email="lilei@example.com")
    client.force_login(sam)
    response = client.post(edit_url(wang), {"name": "王力", "email": "LiLei@example.com", "mobile": ""})
    assert response.status_code == 200 and response.context["form"].errors
    wang.refresh_from_db()
    assert wang.email == "wangli@example.com"


def test_an_empty_form_cannot_take_away_the_login_name_and_the_reset_address(client, sam, wang):
    client.force_login(sam)
    response = client.post(edit_url(wang), {"name": "", "email": "", "mobile": ""})
    assert response.status_code == 200
    assert "请至少保留电子邮箱或手机号码之一" in response.content.decode()
    wang.refresh_from_db()
    assert wang.email == "wangli@example.com"


def test_an_account_is_deactivated_and_reactivated_and_cannot_log_in_meanwhile(client, sam, wang):
    client.force_login(sam)
    assert client.post(reverse("administration:user_deactivate", args=[wang.pk])).status_code == 302
    wang.refresh_from_db()
    assert not wang.is_active
    client.logout()
    refused = client.post(reverse("accounts:login"), {"username": "wang", "password": PASSWORD})
    assert refused.status_code == 200 and not refused.wsgi_request.user.is_authenticated
    client.force_login(sam)
    assert client.post(reverse("administration:user_reactivate", args=[wang.pk])).status_code == 302
    wang.refresh_from_db()
    assert wang.is_active
    updates = AuditRecord.objects.filter(action="user.update", object_id=str(wang.pk)).order_by("seq")
    assert [u.changes["after"]["is_active"] for u in updates] == [False, True]


def test_deactivating_is_post_only(client, sam, wang):
    client.force_login(sam)
    assert client.get(reverse("administration:user_deactivate", args=[wang.pk])).status_code == 405
    wang.refresh_from_db()
    assert wang.is_active


@pytest.mark.parametrize("target", ["self", "security_admin", "audit_admin", "superuser"])
def test_administrator_accounts_are_not_the_system_administrators_to_change(client, sam, target):
    other = {
        "self": lambda: sam,
        "security_admin": lambda: person("security_admin"),
        "audit_admin": lambda: person("audit_admin"),
        "superuser": lambda: UserFactory(username="root", is_superuser=True, is_staff=True),
    }[target]()
    client.force_login(sam)
    assert client.get(edit_url(other)).status_code == 403
    assert (
        client.post(edit_url(other), {"name": "x", "email": "sam@evil.example", "mobile": ""}).status_code
        == 403
    )
    assert client.post(reverse("administration:user_deactivate", args=[other.pk])).status_code == 403
    other.refresh_from_db()
    assert other.is_active and other.email != "sam@evil.example"


def test_an_unknown_account_is_not_found(client, sam):
    client.force_login(sam)
    assert client.get(reverse("administration:user_edit", args=[999_999])).status_code == 404


def test_the_form_states_the_password_rules_in_force(client, sam):
    policy = SecurityPolicy.current()
    policy.password_min_length = 12
    policy.save()
    client.force_login(sam)
    help_text = client.get(NEW).context["form"]["password"].help_text
    assert "12" in help_text and "请通过安全途径告知本人" in help_text

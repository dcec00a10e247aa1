"""accounts.services and accounts.selectors, called directly."""

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from accounts import selectors, services
from accounts.models import Membership, Organization, User
from accounts.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory, make_uscc

PASSWORD = "Changning-AI-2026"


def organization_fields(**changes) -> dict[str, object]:
    return {
        "uscc": make_uscc(800),
        "name": "上海丁智能有限公司",
        "registered_address": "上海市长宁区丁路4号",
        "registered_in_changning": True,
        "legal_representative": "丁法人",
        **changes,
    }


# ---------------------------------------------------------------- register_user


def test_register_user_by_email_lower_cases_it_and_makes_an_applicant(db):
    alice = services.register_user(identifier=" Alice@Example.COM ", password=PASSWORD, name="王丽华")
    assert (alice.email, alice.mobile, alice.first_name) == ("alice@example.com", "", "王丽华")
    assert alice.has_role(Role.APPLICANT)
    assert alice.check_password(PASSWORD)
    assert alice.username.startswith("u-")


def test_register_user_by_mobile_compacts_it(db):
    bob = services.register_user(identifier="+86 139-0000-1111", password=PASSWORD)
    assert (bob.mobile, bob.email) == ("13900001111", "")


def test_register_user_refuses_a_taken_email_whatever_its_case(db):
    UserFactory(username="alice", email="alice@example.com")
    with pytest.raises(ValidationError) as exc:
        services.register_user(identifier="ALICE@example.com", password=PASSWORD)
    assert exc.value.message_dict["identifier"] == ["该手机号/邮箱已注册,请直接登录或找回密码"]
    assert User.objects.count() == 1


def test_register_user_reports_identifier_and_password_errors_together(db):
    with pytest.raises(ValidationError) as exc:
        services.register_user(identifier="12345", password="123")
    assert set(exc.value.message_dict) == {"identifier", "password"}
    assert not User.objects.exists()


def test_the_database_refuses_a_second_user_with_the_same_email_in_another_case(db):
    UserFactory(username="alice", email="alice@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="alice2", email="Alice@Example.com")


def test_the_database_refuses_a_second_user_with_the_same_mobile(db):
    UserFactory(username="bob", mobile="13900001111")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="bob2", email="", mobile="13900001111")


def test_many_users_may_leave_email_and_mobile_blank(db):
    UserFactory(username="staff1", email="", mobile="")
    UserFactory(username="staff2", email="", mobile="")
    assert User.objects.filter(email="", mobile="").count() == 2


def test_full_clean_refuses_a_duplicate_and_a_malformed_mobile(db):
    UserFactory(username="bob", mobile="13900001111")
    user = User(username="bob2", mobile="13900001111")
    with pytest.raises(ValidationError):
        user.full_clean(exclude=["password"])
    user.mobile = "12345"
    with pytest.raises(ValidationError) as exc:
        user.full_clean(exclude=["password"])
    assert "mobile" in exc.value.message_dict


# ---------------------------------------------------------------- the login backend


def test_the_backend_finds_users_by_email_mobile_or_username(db):
    alice = UserFactory(username="u-alice", email="alice@example.com")
    bob = UserFactory(username="u-bob", email="", mobile="13900001111")
    # django-axes (the first backend) counts failures per request, so authenticate needs one.
    assert authenticate(HttpRequest(), username="ALICE@example.com", password="Correct-Horse-42") == alice
    assert authenticate(HttpRequest(), username="13900001111", password="Correct-Horse-42") == bob
    assert authenticate(HttpRequest(), username="u-bob", password="Correct-Horse-42") == bob
    assert authenticate(HttpRequest(), username="13900001111", password="wrong") is None


def test_the_backend_refuses_inactive_users(db):
    UserFactory(username="u-dave", email="dave@example.com", is_active=False)
    assert authenticate(HttpRequest(), username="dave@example.com", password="Correct-Horse-42") is None


# ---------------------------------------------------------------- create_organization


def test_create_organization_makes_the_actor_its_approved_administrator(bob):
    organization = services.create_organization(actor=bob, **organization_fields(uscc=make_uscc(800).lower()))
    assert organization.uscc == make_uscc(800)
    membership = Membership.objects.get(user=bob)
    assert membership.organization == organization
    assert membership.is_admin and membership.status == Membership.Status.APPROVED
    assert selectors.organization_for(bob) == organization


def test_create_organization_refuses_a_bad_uscc(bob):
    with pytest.raises(ValidationError) as exc:
        services.create_organization(actor=bob, **organization_fields(uscc="91310105000000800X"))
    assert "统一社会信用代码" in exc.value.message_dict["uscc"][0]
    assert not Organization.objects.exists() and not Membership.objects.exists()


def test_create_organization_refuses_a_registered_uscc_naming_only_the_masked_admin(org_a, alice, bob):
    with pytest.raises(services.UsccAlreadyRegistered) as exc:
        services.create_organization(actor=bob, **organization_fields(uscc=org_a.uscc))
    message = exc.value.message_dict["uscc"][0]
    assert "王**(138****5678)" in message
    assert org_a.name not in message
    assert Organization.objects.count() == 1
    assert not Membership.objects.filter(user=bob).exists()


def test_create_organization_refuses_a_second_organisation(alice):
    with pytest.raises(ValidationError):
        services.create_organization(actor=alice, **organization_fields())
    assert Organization.objects.count() == 1


def test_create_organization_accepts_only_profile_fields(bob):
    with pytest.raises(TypeError):
        services.create_organization(actor=bob, **organization_fields(), members=[bob])


# ---------------------------------------------------------------- update_organization


def test_update_organization_saves_the_administrators_changes(org_a, alice):
    # Before 区科委 verifies it, the name is the administrator's to correct (issue 14).
    Organization.objects.filter(pk=org_a.pk).update(identity_status="unsubmitted", verified_name="")
    org_a.refresh_from_db()
    services.update_organization(
        actor=alice, organization=org_a, name="新名称", registered_in_changning=False
    )
    org_a.refresh_from_db()
    assert (org_a.name, org_a.registered_in_changning) == ("新名称", False)


def test_update_organization_never_changes_the_uscc(org_a, alice):
    original = org_a.uscc
    with pytest.raises(ValidationError) as exc:
        services.update_organization(actor=alice, organization=org_a, uscc=make_uscc(801))
    assert "不能修改" in exc.value.message_dict["uscc"][0]
    org_a.refresh_from_db()
    assert org_a.uscc == original


@pytest.mark.parametrize("actor", ["dave", "bob", "charlie"])
def test_update_organization_is_for_its_administrator_only(request, org_a, alice, dave, bob, charlie, actor):
    with pytest.raises(PermissionDenied):
        services.update_organization(actor=request.getfixturevalue(actor), organization=org_a, name="改")
    org_a.refresh_from_db()
    assert org_a.name == "上海甲智能科技有限公司"


def test_update_organization_refuses_an_invalid_value_and_saves_nothing(org_a, alice):
    with pytest.raises(ValidationError):
        services.update_organization(actor=alice, organization=org_a, name="改", operating_status="bankrupt")
    org_a.refresh_from_db()
    assert org_a.name == "上海甲智能科技有限公司"


# ---------------------------------------------------------------- memberships


def test_request_membership_is_pending_until_the_administrator_decides(org_a, alice, bob):
    membership = services.request_membership(actor=bob, uscc=f" {org_a.uscc.lower()} ")
    assert (membership.organization, membership.status, membership.is_admin) == (
        org_a,
        Membership.Status.PENDING,
        False,
    )
    assert selectors.organization_for(bob) is None


def test_request_membership_twice_keeps_one_request(org_a, alice, bob):
    first = services.request_membership(actor=bob, uscc=org_a.uscc)
    second = services.request_membership(actor=bob, uscc=org_a.uscc)
    assert first == second
    assert Membership.objects.filter(user=bob).count() == 1


def test_request_membership_for_an_unknown_uscc_is_a_clear_error(bob):
    with pytest.raises(ValidationError) as exc:
        services.request_membership(actor=bob, uscc=make_uscc(999))
    assert "尚无单位以该统一社会信用代码注册" in exc.value.message_dict["uscc"][0]
    assert not Membership.objects.exists()


def test_request_membership_is_refused_to_a_member_of_another_organisation(org_b, dave):
    with pytest.raises(ValidationError):
        services.request_membership(actor=dave, uscc=org_b.uscc)
    assert not Membership.objects.filter(user=dave, organization=org_b).exists()


def test_approve_membership_by_the_administrator(alice, bob, bobs_request):
    services.approve_membership(actor=alice, membership=bobs_request)
    bobs_request.refresh_from_db()
    assert bobs_request.status == Membership.Status.APPROVED
    assert selectors.organization_for(bob) == bobs_request.organization


def test_reject_membership_by_the_administrator(alice, bob, bobs_request):
    services.reject_membership(actor=alice, membership=bobs_request)
    bobs_request.refresh_from_db()
    assert bobs_request.status == Membership.Status.REJECTED
    assert selectors.organization_for(bob) is None


@pytest.mark.parametrize("verb", [services.approve_membership, services.reject_membership])
@pytest.mark.parametrize("actor", ["dave", "bob", "charlie"])
def test_only_the_administrator_decides(request, dave, bob, charlie, bobs_request, verb, actor):
    with pytest.raises(PermissionDenied):
        verb(actor=request.getfixturevalue(actor), membership=bobs_request)
    bobs_request.refresh_from_db()
    assert bobs_request.status == Membership.Status.PENDING


def test_a_pending_administrator_membership_gives_no_right(org_a, bob, bobs_request):
    eve = UserFactory(username="eve")
    MembershipFactory(user=eve, organization=org_a, is_admin=True, status=Membership.Status.PENDING)
    with pytest.raises(PermissionDenied):
        services.approve_membership(actor=eve, membership=bobs_request)


def test_a_decided_request_is_not_decided_again(alice, bobs_request):
    services.reject_membership(actor=alice, membership=bobs_request)
    with pytest.raises(ValidationError):
        services.approve_membership(actor=alice, membership=bobs_request)
    bobs_request.refresh_from_db()
    assert bobs_request.status == Membership.Status.REJECTED


def test_an_applicant_joins_at_most_one_organisation(org_a, org_b, alice, charlie, bob):
    to_a = services.request_membership(actor=bob, uscc=org_a.uscc)
    to_b = services.request_membership(actor=bob, uscc=org_b.uscc)
    services.approve_membership(actor=charlie, membership=to_b)
    with pytest.raises(ValidationError):
        services.approve_membership(actor=alice, membership=to_a)
    assert Membership.objects.filter(user=bob, status=Membership.Status.APPROVED).count() == 1


# ---------------------------------------------------------------- selectors


def test_organization_for_ignores_pending_and_rejected_memberships(org_a, bob):
    MembershipFactory(user=bob, organization=org_a, pending=True)
    assert selectors.organization_for(bob) is None


@pytest.mark.parametrize(
    ("name", "mobile", "email", "expected"),
    [
        ("王丽华", "13812345678", "alice@example.com", "王**(138****5678)"),
        ("王丽华", "", "wang.lihua@example.com", "王**(w***@example.com)"),
        ("", "13812345678", "", "138****5678"),
        ("", "", "wang@example.com", "w***@example.com"),
        ("李雷", "", "", "李*"),
    ],
)
def test_the_admin_contact_is_masked(db, name, mobile, email, expected):
    organization = OrganizationFactory()
    admin = UserFactory(first_name=name, mobile=mobile, email=email)
    MembershipFactory(user=admin, organization=organization, admin=True)
    assert selectors.membership_admin_contact(organization) == expected


def test_an_organisation_without_an_administrator_has_no_contact(org_a, dave):
    Membership.objects.filter(is_admin=True).delete()
    assert selectors.membership_admin_contact(org_a) is None


def test_the_contact_is_the_first_approved_administrator(org_a, alice):
    later = UserFactory(first_name="张三", mobile="13700000000")
    MembershipFactory(user=later, organization=org_a, admin=True)
    assert selectors.membership_admin_contact(org_a) == "王**(138****5678)"


def test_a_registered_uscc_without_an_administrator_points_to_the_commission(org_a, bob):
    with pytest.raises(services.UsccAlreadyRegistered) as exc:
        services.create_organization(actor=bob, **organization_fields(uscc=org_a.uscc))
    assert exc.value.message_dict["uscc"] == ["该统一社会信用代码已注册。请联系区科委,或点击“申请加入”。"]

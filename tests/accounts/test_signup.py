"""Sign-up at /accounts/signup/ with a mobile number or an email address and a password."""

import re

import pytest

from accounts.models import User
from accounts.roles import Role
from tests.factories import UserFactory

URL = "/accounts/signup/"
PASSWORD = "Changning-AI-2026"


def sign_up(client, identifier: str, password: str = PASSWORD, password2: str | None = None, **extra):
    data = {"identifier": identifier, "password": password, "password2": password2 or password, **extra}
    return client.post(URL, data)


def field_error(response, field: str) -> str:
    return " ".join(str(e) for e in response.context["form"].errors.get(field, []))


def test_the_form_asks_for_a_mobile_or_email_and_the_password_twice(client, db):
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "手机号或邮箱" in html
    assert 'name="password"' in html and 'name="password2"' in html
    assert 'id="id_identifier_error"' in html


def test_signing_up_by_email_logs_in_and_leads_to_the_organisation_page(client, db):
    response = sign_up(client, "Alice@Example.COM", name="王丽华")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/organization/"
    alice = User.objects.get()
    assert alice.email == "alice@example.com"
    assert alice.mobile == ""
    assert alice.first_name == "王丽华"
    assert alice.has_role(Role.APPLICANT)
    page = client.get("/accounts/organization/")
    assert page.status_code == 200
    assert page.context["user"] == alice


def test_signing_up_by_mobile_keeps_the_number_without_separators(
    client, db, django_capture_on_commit_callbacks
):
    from accounts import sms

    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, "+86 138-0013-8000")
    # The number is proven by an SMS code first (tests/accounts/test_sms_accounts.py has the rest).
    assert response["Location"] == "/accounts/signup/verify/"
    [message] = sms.outbox
    code = re.search(r"\d{6}", message.message).group()
    response = client.post("/accounts/signup/verify/", {"code": code})
    assert response.status_code == 302
    bob = User.objects.get()
    assert bob.mobile == "13800138000"
    assert bob.email == ""
    assert client.get("/accounts/organization/").context["user"] == bob


def test_the_password_is_stored_hashed(client, db):
    sign_up(client, "alice@example.com")
    alice = User.objects.get()
    assert alice.password != PASSWORD
    assert alice.check_password(PASSWORD)


@pytest.mark.parametrize("identifier", ["alice@example.com", "ALICE@example.com", " alice@EXAMPLE.com "])
def test_a_registered_email_is_told_to_log_in_or_reset(client, db, identifier, row_counts):
    UserFactory(username="alice", email="alice@example.com")
    before = row_counts()
    response = sign_up(client, identifier)
    assert response.status_code == 200
    assert field_error(response, "identifier") == "该手机号/邮箱已注册,请直接登录或找回密码"
    assert "该手机号/邮箱已注册,请直接登录或找回密码" in response.content.decode()
    assert row_counts() == before
    assert "_auth_user_id" not in client.session


def test_a_registered_mobile_is_told_to_log_in_or_reset(client, db, row_counts):
    UserFactory(username="bob", mobile="13900001111")
    before = row_counts()
    response = sign_up(client, "139 0000 1111")
    assert field_error(response, "identifier") == "该手机号/邮箱已注册,请直接登录或找回密码"
    assert row_counts() == before


@pytest.mark.parametrize("identifier", ["12345", "23800138000", "1380013800", "138001380001", "abc"])
def test_a_malformed_mobile_number_is_refused_beside_the_field(client, db, identifier, row_counts):
    before = row_counts()
    response = sign_up(client, identifier)
    assert response.status_code == 200
    assert "手机号码" in field_error(response, "identifier")
    assert "11位中国大陆手机号码" in response.content.decode()
    assert row_counts() == before


@pytest.mark.parametrize("identifier", ["alice@", "@example.com", "alice@@example.com", "alice@example"])
def test_a_malformed_email_is_refused_beside_the_field(client, db, identifier, row_counts):
    before = row_counts()
    response = sign_up(client, identifier)
    assert "邮箱地址" in field_error(response, "identifier")
    assert row_counts() == before


def test_an_empty_form_is_refused_field_by_field(client, db, row_counts):
    before = row_counts()
    response = client.post(URL, {})
    errors = response.context["form"].errors
    assert set(errors) == {"identifier", "password", "password2"}
    assert row_counts() == before


def test_the_two_passwords_must_match(client, db, row_counts):
    before = row_counts()
    response = sign_up(client, "alice@example.com", password2="Changning-AI-2027")
    assert field_error(response, "password2") == "两次输入的密码不一致。"
    assert row_counts() == before


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab-1", "密码太短,至少需要 8 个字符。"),
        ("password123", "这个密码太常见了。"),
        ("20262026", "密码只包含数字。"),
    ],
)
def test_djangos_password_validators_apply_in_chinese(client, db, password, message, row_counts):
    before = row_counts()
    response = sign_up(client, "alice@example.com", password=password)
    assert message in field_error(response, "password")
    assert row_counts() == before


def test_a_password_like_the_email_is_refused(client, db):
    response = sign_up(client, "wanglihua2026@example.com", password="wanglihua2026")
    assert field_error(response, "password")
    assert not User.objects.exists()


def test_a_logged_in_user_is_sent_to_the_organisation_page(client, bob, row_counts):
    client.force_login(bob)
    before = row_counts()
    assert client.get(URL)["Location"] == "/accounts/organization/"
    response = sign_up(client, "someone@example.com")
    assert response["Location"] == "/accounts/organization/"
    assert row_counts() == before

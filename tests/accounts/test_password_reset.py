"""Password reset by email: Django's views with our pages and a Chinese email."""

import re

import pytest
from django.core import mail

from tests.factories import PASSWORD, UserFactory

URL = "/accounts/password-reset/"
NEW_PASSWORD = "Changning-New-2026"


@pytest.fixture
def alice(db):
    return UserFactory(username="u-alice", email="alice@example.com")


def reset_link(message) -> str:
    match = re.search(
        r"https://ai\.changning\.example\.gov\.cn(/accounts/password-reset/[^/\s]+/[^/\s]+/)", message.body
    )
    assert match, message.body
    return match.group(1)


def test_the_page_offers_mobile_accounts_the_sms_reset(client, db):
    html = client.get(URL).content.decode()
    assert "用手机号注册的账户可以通过短信验证码找回密码" in html
    assert 'href="/accounts/password-reset/sms/"' in html
    assert '<label for="id_email">注册邮箱</label>' in html


def test_alice_gets_a_chinese_email_whose_link_sets_a_new_password(client, alice):
    response = client.post(URL, {"email": "Alice@Example.com"})
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert "重设密码" in message.subject
    assert "请打开下面的链接设置新密码" in message.body
    assert "链接 3 天内有效" in message.body

    form_page = client.get(reset_link(message), follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == "/accounts/password-reset/done/"
    assert "新密码已保存" in client.get(done["Location"]).content.decode()

    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    # Through the login page (django-axes, which counts failed logins, needs the request).
    client.logout()
    refused = client.post("/accounts/login/", {"username": "alice@example.com", "password": PASSWORD})
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    accepted = client.post("/accounts/login/", {"username": "alice@example.com", "password": NEW_PASSWORD})
    assert accepted.status_code == 302 and client.session["_auth_user_id"] == str(alice.pk)


def test_the_link_works_only_once(client, alice):
    client.post(URL, {"email": "alice@example.com"})
    link = reset_link(mail.outbox[0])
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = client.get(link, follow=True)
    assert again.context["validlink"] is False
    assert "链接无效" in again.content.decode()


def test_a_weak_new_password_is_refused_and_nothing_changes(client, alice):
    client.post(URL, {"email": "alice@example.com"})
    set_url = client.get(reset_link(mail.outbox[0]), follow=True).redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert "密码只包含数字。" in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_an_unknown_email_gets_the_same_answer_and_no_email(client, alice):
    response = client.post(URL, {"email": "nobody@example.com"})
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert mail.outbox == []


def test_a_mobile_only_account_gets_no_email(client, db):
    UserFactory(username="u-bob", email="", mobile="13900001111")
    client.post(URL, {"email": "13900001111"})
    assert mail.outbox == []


def test_a_forged_link_is_refused(client, alice):
    response = client.get("/accounts/password-reset/MQ/forged-token/", follow=True)
    assert response.context["validlink"] is False


def test_the_link_is_the_portals_address_whatever_host_the_request_named(client, alice, settings):
    """A forged Host header must not turn the reset link into an attacker's address."""
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    client.post(URL, {"email": "alice@example.com"}, HTTP_HOST="evil.example")
    body = mail.outbox[0].body
    assert "evil.example" not in body
    assert f"{settings.PORTAL_URL}/accounts/password-reset/" in body

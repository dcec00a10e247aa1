"""Logging in at /accounts/login/ by email, mobile or username, and out by POST."""

import pytest

from tests.factories import PASSWORD, UserFactory

URL = "/accounts/login/"


@pytest.fixture
def alice(db):
    """Signed up by email."""
    return UserFactory(username="u-alice", email="alice@example.com")


@pytest.fixture
def bob(db):
    """Signed up by mobile, no email."""
    return UserFactory(username="u-bob", email="", mobile="13900001111")


def logged_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def test_the_login_field_is_labelled_mobile_or_email(client, db):
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_username">手机号或邮箱</label>' in html
    assert 'href="/accounts/password-reset/"' in html
    assert 'href="/accounts/signup/"' in html


@pytest.mark.parametrize("identifier", ["alice@example.com", "Alice@Example.com", " alice@example.com "])
def test_alice_logs_in_by_email(client, alice, identifier):
    response = client.post(URL, {"username": identifier, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/organization/"
    assert logged_in_user_id(client) == str(alice.pk)


@pytest.mark.parametrize("identifier", ["13900001111", "139 0000 1111", "+8613900001111"])
def test_bob_logs_in_by_mobile(client, bob, identifier):
    response = client.post(URL, {"username": identifier, "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(bob.pk)


def test_staff_made_in_the_admin_log_in_by_username(client, db):
    carol = UserFactory(username="carol-intake", email="", is_staff=True)
    client.post(URL, {"username": "carol-intake", "password": PASSWORD})
    assert logged_in_user_id(client) == str(carol.pk)


@pytest.mark.parametrize(
    ("identifier", "password"),
    [
        ("alice@example.com", "Wrong-Password-1"),
        ("13900001111", "Wrong-Password-1"),
        ("nobody@example.com", PASSWORD),
        ("13700000000", PASSWORD),
    ],
)
def test_a_wrong_password_or_unknown_login_is_refused_with_one_message(
    client, alice, bob, identifier, password
):
    response = client.post(URL, {"username": identifier, "password": password})
    assert response.status_code == 200
    assert "手机号/邮箱或密码不正确,请重新输入。" in response.content.decode()
    assert logged_in_user_id(client) is None


def test_an_inactive_user_is_refused(client, db):
    UserFactory(username="u-dave", email="dave@example.com", is_active=False)
    response = client.post(URL, {"username": "dave@example.com", "password": PASSWORD})
    assert response.status_code == 200
    assert logged_in_user_id(client) is None


def test_login_returns_to_the_page_asked_for(client, alice):
    response = client.post(
        URL, {"username": "alice@example.com", "password": PASSWORD, "next": "/calculator/"}
    )
    assert response["Location"] == "/calculator/"


def test_login_does_not_follow_next_to_another_site(client, alice):
    response = client.post(
        URL, {"username": "alice@example.com", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/accounts/organization/"


def test_logging_out_by_post_ends_the_session_and_goes_home(client, alice):
    client.force_login(alice)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_user_id(client) is None


def test_logging_out_by_get_is_refused_and_keeps_the_session(client, alice):
    client.force_login(alice)
    response = client.get("/accounts/logout/")
    assert response.status_code == 405
    assert logged_in_user_id(client) == str(alice.pk)


def test_the_header_offers_login_and_signup_when_logged_out(client, db):
    html = client.get("/").content.decode()
    assert 'href="/accounts/login/"' in html and "登录" in html
    assert 'href="/accounts/signup/"' in html and "注册" in html
    assert "/admin/login/" not in html
    assert 'action="/accounts/logout/"' not in html


def test_the_header_shows_the_user_my_organisation_and_a_logout_form(client, alice):
    alice.first_name = "王丽华"
    alice.save()
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert "王丽华" in html
    assert 'href="/accounts/organization/"' in html and "我的单位" in html
    assert '<form action="/accounts/logout/" method="post">' in html and "退出" in html
    assert 'href="/accounts/login/"' not in html
    assert 'action="/i18n/setlang/"' in html  # the language switch stays


def test_a_user_without_a_name_is_shown_by_the_login_they_chose(client, bob):
    client.force_login(bob)
    assert "13900001111" in client.get("/").content.decode()


# ---------------------------------------------------------------- where each role lands

from accounts.roles import Role  # noqa: E402

LANDINGS = [
    ([Role.INTAKE_OFFICER], "/review/intake/"),
    ([Role.COMMISSION_APPROVER], "/review/applications/"),
    ([Role.EXPERT_REVIEWER], "/review/my/"),
    ([Role.FINANCE_OFFICER], "/finance/awards/"),
    ([Role.FINANCE_APPROVER], "/finance/awards/"),
    ([Role.SYSTEM_ADMIN], "/manage/users/"),
    ([Role.SECURITY_ADMIN], "/manage/security/roles/"),
    ([Role.AUDIT_ADMIN], "/audit/"),
    # Two roles: the first work in the commission's order (intake before review).
    ([Role.EXPERT_REVIEWER, Role.INTAKE_OFFICER], "/review/intake/"),
]


@pytest.mark.parametrize(("roles", "landing"), LANDINGS)
def test_staff_land_on_their_own_work_not_on_the_enterprise_page(client, db, roles, landing):
    UserFactory(username="staffer", email="staffer@example.com", roles=roles, is_staff=True)
    response = client.post(URL, {"username": "staffer@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == landing


def test_a_next_page_still_wins_over_the_landing(client, db):
    UserFactory(username="carol", email="carol@example.com", roles=[Role.INTAKE_OFFICER], is_staff=True)
    response = client.post(URL + "?next=/notices/", {"username": "carol@example.com", "password": PASSWORD})
    assert response["Location"] == "/notices/"


def test_staff_menus_carry_staff_entries_only(client, db, alice):
    carol = UserFactory(username="carol", roles=[Role.INTAKE_OFFICER], is_staff=True)
    client.force_login(carol)
    nav = client.get("/notices/").content.decode().split('<nav class="site-nav"', 1)[1].split("</nav>")[0]
    assert 'href="/review/intake/"' in nav
    assert "我的申报" not in nav and "我的单位" not in nav and "我的资助" not in nav
    client.force_login(alice)
    nav = client.get("/notices/").content.decode().split('<nav class="site-nav"', 1)[1].split("</nav>")[0]
    assert "我的申报" in nav and "我的单位" in nav and "/review/" not in nav

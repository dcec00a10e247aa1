"""The idle warning's server side (issue 15, WCAG 2.2.1): every logged-in page carries the dialog with
the seconds the session still has; 继续办理 POSTs to /accounts/session/extend/, which restarts them."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2025, 4, 1, 9, 0, tzinfo=SHANGHAI)
PAGE = "/accounts/organization/"
EXTEND = "/accounts/session/extend/"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def remaining(html: str) -> int:
    return int(re.search(r'data-remaining="(\d+)"', html).group(1))


def test_a_logged_in_page_carries_the_dialog_and_the_time_left(client, clock, alice):
    client.force_login(alice)
    html = client.get(PAGE).content.decode()
    assert 'role="alertdialog"' in html and 'aria-labelledby="idle-dialog-title"' in html
    assert "继续办理" in html
    assert remaining(html) == 30 * 60
    assert 'data-warning="120"' in html
    assert '/static/js/session.js"' in html
    # The session is refreshed at most once a minute: 50 seconds later the page says 50 seconds less.
    clock.shift(timedelta(seconds=50))
    assert remaining(client.get(PAGE).content.decode()) == 30 * 60 - 50


def test_an_anonymous_page_has_no_dialog(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert "idle-dialog" not in html
    assert '/static/js/session.js"' in html  # drafts of a submit that met the login page are kept


def test_continuing_restarts_the_idle_time(client, clock, alice):
    client.force_login(alice)
    clock.shift(timedelta(minutes=29))
    response = client.post(EXTEND)
    assert response.status_code == 200 and response.json() == {"remaining": 30 * 60}
    clock.shift(timedelta(minutes=29))  # 58 minutes after the login, 29 after 继续办理
    assert client.get(PAGE).status_code == 200
    assert client.session.get("_auth_user_id") == str(alice.pk)


def test_continuing_within_the_minute_still_restarts(client, clock, alice):
    # The middleware would not write last_seen within a minute of the last write; the endpoint does.
    client.force_login(alice)
    client.get(PAGE)
    clock.shift(timedelta(seconds=30))
    client.post(EXTEND)
    clock.shift(timedelta(minutes=29, seconds=45))  # 30:15 after the last page, 29:45 after 继续办理
    assert client.get(PAGE).status_code == 200


def test_continuing_after_the_end_is_too_late(client, clock, alice):
    client.force_login(alice)
    clock.shift(timedelta(minutes=31))
    response = client.post(EXTEND)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.session.get("_auth_user_id") is None


def test_the_extend_endpoint_is_post_only_and_for_logged_in_users(client, alice):
    assert client.post(EXTEND)["Location"].startswith("/accounts/login/")
    client.force_login(alice)
    assert client.get(EXTEND).status_code == 405


def test_the_extend_endpoint_needs_the_csrf_token(alice):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(EXTEND).status_code == 403


def test_the_timeout_is_a_setting(client, clock, alice, settings):
    settings.SESSION_IDLE_SECONDS = 20
    settings.SESSION_IDLE_WARNING_SECONDS = 10
    client.force_login(alice)
    html = client.get(PAGE).content.decode()
    assert remaining(html) == 20 and 'data-warning="10"' in html
    clock.shift(timedelta(seconds=21))
    assert client.get(PAGE)["Location"] == f"/accounts/login/?next={PAGE}"


def test_the_staff_scoring_and_decision_forms_keep_drafts():
    from pathlib import Path

    from django.conf import settings

    templates = Path(settings.BASE_DIR, "templates")
    assert 'data-keep-draft="score"' in (templates / "reviews/score_form.html").read_text()
    assert 'data-keep-draft="decision"' in (templates / "reviews/decision.html").read_text()


def test_continuing_works_on_the_second_factor_pages_too(client, clock, db):
    """A staff member between the password and the code sees the dialog as well; 继续办理 must not send
    the request to the second-factor page (the dialog would then end the session it meant to keep)."""
    from accounts.roles import Role
    from tests.factories import PASSWORD, UserFactory

    UserFactory(username="rex", roles=[Role.EXPERT_REVIEWER])
    client.post("/accounts/login/", {"username": "rex", "password": PASSWORD})
    assert client.get(PAGE)["Location"].startswith("/accounts/2fa/setup/")
    response = client.post(EXTEND)
    assert response.status_code == 200 and response.json() == {"remaining": 30 * 60}


def test_the_dialog_speaks_english_on_english_pages(client, clock, alice, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(alice)
    html = client.get(PAGE).content.decode()
    assert "You will be logged out soon" in html
    assert ">Continue</button>" in html
    assert "logged out after 30 minutes without activity" in html

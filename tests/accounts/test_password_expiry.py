"""Staff passwords expire after 90 days (or fewer, if the security administrator says so): until they
change it, every page sends them to the password change page. Applicants' passwords never expire."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine as tm

from accounts.models import SecurityPolicy
from accounts.roles import Role
from tests.factories import PASSWORD, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
SET_ON = datetime(2025, 1, 2, 9, 0, tzinfo=SHANGHAI)
PAGE = "/accounts/inbox/"
CHANGE = "/accounts/password/change/"
NEW = "Changning-AI-2026"


def user_with_password_set(on: datetime, **kwargs):
    with tm.travel(on, tick=False):
        user = UserFactory(**kwargs)
        user.set_password(PASSWORD)  # stamps password_changed_at
        user.save()
    return user


@pytest.fixture
def rex(db):
    """An expert reviewer: a staff role, though not a Django staff account."""
    return user_with_password_set(SET_ON, username="rex", roles=[Role.EXPERT_REVIEWER])


def days_later(time_machine, days: float):
    time_machine.move_to(SET_ON + timedelta(days=days), tick=False)


def test_a_staff_password_91_days_old_sends_every_page_to_the_change_page(client, rex, time_machine):
    days_later(time_machine, 91)
    client.force_login(rex)
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"] == CHANGE
    assert client.get("/review/applications/")["Location"] == CHANGE
    change_page = client.get(CHANGE)
    assert change_page.status_code == 200
    assert "您的密码已超过 90 天未修改。按安全规定,请先修改密码再继续使用。" in change_page.content.decode()
    # Logging out is still possible.
    assert client.post("/accounts/logout/")["Location"] == "/"


def test_changing_the_password_lifts_the_redirect(client, rex, time_machine):
    days_later(time_machine, 91)
    client.force_login(rex)
    response = client.post(CHANGE, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert response["Location"] == "/accounts/password/change/done/"
    assert client.get(response["Location"]).status_code == 200
    assert client.get(PAGE).status_code == 200
    rex.refresh_from_db()
    assert rex.password_changed_at == SET_ON + timedelta(days=91)
    # And at the next login too.
    client.logout()
    client.force_login(rex)
    assert client.get(PAGE).status_code == 200


def test_a_staff_password_89_days_old_is_still_accepted(client, rex, time_machine):
    days_later(time_machine, 89)
    client.force_login(rex)
    assert client.get(PAGE).status_code == 200


def test_a_password_that_expires_during_a_session_is_caught_within_a_minute(client, rex, time_machine):
    days_later(time_machine, 90 - 10 / (24 * 60))  # ten minutes before the 90 days are up
    client.force_login(rex)
    assert client.get(PAGE).status_code == 200
    time_machine.shift(timedelta(minutes=11))
    assert client.get(PAGE)["Location"] == CHANGE


def test_a_staff_account_without_a_recorded_change_counts_from_when_it_was_made(client, time_machine, db):
    with tm.travel(SET_ON, tick=False):
        carol = UserFactory(username="carol", is_staff=True)
    assert carol.password_changed_at is None
    days_later(time_machine, 91)
    client.force_login(carol)
    assert client.get(PAGE)["Location"] == CHANGE


def test_the_security_administrator_may_shorten_the_period(client, rex, time_machine):
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"staff_password_max_age_days": 30})
    days_later(time_machine, 31)
    client.force_login(rex)
    response = client.get(PAGE)
    assert response["Location"] == CHANGE
    assert "您的密码已超过 30 天未修改" in client.get(CHANGE).content.decode()


def test_an_applicants_password_never_expires(client, time_machine, db):
    alice = user_with_password_set(SET_ON, username="alice", roles=[Role.APPLICANT])
    days_later(time_machine, 1000)
    client.force_login(alice)
    assert client.get(PAGE).status_code == 200


def test_the_second_factor_comes_before_the_password_change(client, rex, time_machine):
    """Someone with only the expired password must not be able to set a new one."""
    days_later(time_machine, 91)
    response = client.post("/accounts/login/", {"username": "rex", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(CHANGE)["Location"].startswith("/accounts/2fa/setup/")
    refused = client.post(CHANGE, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert refused.status_code == 302 and refused["Location"].startswith("/accounts/2fa/")
    rex.refresh_from_db()
    assert rex.check_password(PASSWORD)

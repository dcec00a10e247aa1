"""A session ends after 30 minutes without a request (SESSION_IDLE_SECONDS); each request restarts the
30 minutes, but writes the session at most once a minute."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.factories import PASSWORD

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2025, 4, 1, 9, 0, tzinfo=SHANGHAI)
PAGE = "/accounts/organization/"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def logged_in_as(client) -> str | None:
    return client.session.get("_auth_user_id")


def test_29_minutes_idle_keeps_the_user_logged_in(client, clock, alice):
    client.force_login(alice)
    clock.shift(timedelta(minutes=29))
    assert client.get(PAGE).status_code == 200
    # That request restarted the 30 minutes.
    clock.shift(timedelta(minutes=29))
    assert client.get(PAGE).status_code == 200
    assert logged_in_as(client) == str(alice.pk)


def test_31_minutes_idle_log_the_user_out(client, clock, alice):
    client.force_login(alice)
    clock.shift(timedelta(minutes=31))
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/organization/"
    assert logged_in_as(client) is None
    login_page = client.get(response["Location"]).content.decode()
    assert "因30分钟无操作,您已自动退出,请重新登录" in login_page
    # Nothing of the old session is left: the next request is anonymous too.
    assert client.get(PAGE)["Location"].startswith("/accounts/login/")


def test_an_idle_post_is_not_carried_out(client, clock, alice):
    client.force_login(alice)
    clock.shift(timedelta(minutes=31))
    response = client.post("/accounts/preferences/", {"notify_channel": "inbox"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    alice.refresh_from_db()
    assert alice.notify_channel == "both"


def test_the_timeout_counts_from_a_login_through_the_page(client, clock, alice):
    response = client.post("/accounts/login/", {"username": alice.email, "password": PASSWORD})
    assert response.status_code == 302
    clock.shift(timedelta(minutes=30, seconds=1))
    assert client.get(PAGE).status_code == 302
    assert logged_in_as(client) is None


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT", "DELETE"))]


def test_requests_within_a_minute_do_not_write_the_session(client, clock, alice, django_assert_num_queries):
    client.force_login(alice)
    client.get(PAGE)  # warm up
    clock.shift(timedelta(seconds=30))
    with django_assert_num_queries(5) as first:  # session, user, membership, pending count, unread count
        client.get(PAGE)
    clock.shift(timedelta(seconds=25))
    with django_assert_num_queries(len(first.captured_queries)) as second:
        client.get(PAGE)
    assert writes(first.captured_queries) == writes(second.captured_queries) == []
    # Past the minute: `last_seen` is written once (and whether a second factor is due, recomputed).
    clock.shift(timedelta(seconds=61))
    with django_assert_num_queries(len(first.captured_queries) + 6) as later:
        client.get(PAGE)
    [write] = writes(later.captured_queries)
    assert write.startswith('UPDATE "django_session"')

"""Five failed logins lock the account for 30 minutes (django-axes), whatever way its login name is typed;
the lock is recorded in the audit trail, listed for the security administrator and lifted by unlock()."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from accounts.security import locked_usernames, unlock
from audit.models import AuditRecord
from tests.factories import PASSWORD, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2025, 4, 1, 9, 0, tzinfo=SHANGHAI)
URL = "/accounts/login/"
WRONG = "Wrong-Password-1"
LOCK_MESSAGE = "30分钟后再试或联系安全管理员"


@pytest.fixture
def wang(db):
    return UserFactory(username="u-wang", email="wang@example.com", mobile="13812345678")


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def log_in(client, identifier: str, password: str):
    return client.post(URL, {"username": identifier, "password": password})


def logged_in_as(client) -> str | None:
    return client.session.get("_auth_user_id")


def fail(client, identifier: str, times: int) -> list:
    return [log_in(client, identifier, WRONG) for _ in range(times)]


def test_four_failures_do_not_lock(client, clock, wang):
    assert all(r.status_code == 200 for r in fail(client, "wang@example.com", 4))
    assert log_in(client, "wang@example.com", PASSWORD).status_code == 302
    assert logged_in_as(client) == str(wang.pk)


def test_five_failures_lock_the_account_against_the_right_password_for_30_minutes(client, clock, wang):
    responses = fail(client, "wang@example.com", 5)
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 403]

    sixth = log_in(client, "wang@example.com", PASSWORD)
    assert sixth.status_code == 403
    html = sixth.content.decode()
    assert "账户已被锁定" in html and LOCK_MESSAGE in html
    assert "accounts/locked.html" in [t.name for t in sixth.templates]
    assert logged_in_as(client) is None

    # The attempt during the lock started the 30 minutes again
    # (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT).
    clock.shift(timedelta(minutes=29))
    assert log_in(client, "wang@example.com", PASSWORD).status_code == 403
    clock.shift(timedelta(minutes=31))
    assert log_in(client, "wang@example.com", PASSWORD).status_code == 302
    assert logged_in_as(client) == str(wang.pk)


def test_the_login_name_counts_however_it_is_typed(client, clock, wang):
    fail(client, "Wang@Example.com", 2)
    fail(client, " wang@example.com ", 1)
    fail(client, "138-1234-5678", 1)
    fail(client, "+86 13812345678", 1)
    assert log_in(client, "wang@example.com", PASSWORD).status_code == 403
    assert logged_in_as(client) is None


def test_the_lock_is_per_account_not_per_address(client, clock, wang):
    """Many enterprises share one government NAT address: one person's lock must not stop the others."""
    li = UserFactory(username="u-li", email="li@example.com")
    fail(client, "wang@example.com", 5)
    assert log_in(client, "li@example.com", PASSWORD).status_code == 302
    assert logged_in_as(client) == str(li.pk)


def test_a_successful_login_clears_the_earlier_failures(client, clock, wang):
    fail(client, "wang@example.com", 4)
    assert log_in(client, "13812345678", PASSWORD).status_code == 302
    client.logout()
    fail(client, "wang@example.com", 4)
    assert log_in(client, "wang@example.com", PASSWORD).status_code == 302


def test_failures_for_an_unknown_login_are_counted_without_error(client, clock, wang):
    responses = fail(client, "Nobody@Example.com", 5)
    assert [r.status_code for r in responses][-1] == 403
    assert [a.username for a in locked_usernames()] == ["nobody@example.com"]


def test_the_lock_is_recorded_in_the_audit_trail(client, clock, wang):
    fail(client, "wang@example.com", 5)
    record = AuditRecord.objects.get(action="account_locked")
    assert record.result == AuditRecord.Result.DENIED
    assert record.username == "u-wang"
    assert "连续 5 次登录失败,账户锁定 30 分钟" in record.detail
    assert record.ip_address == "127.0.0.1"


def test_the_lock_page_is_shown_in_the_english_interface_too(client, clock, wang):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = fail(client, "wang@example.com", 5)[-1]
    assert response.status_code == 403
    assert response["Content-Language"] == "en"
    assert "accounts/locked.html" in [t.name for t in response.templates]


def test_the_security_administrator_sees_the_lock_and_lifts_it(client, clock, wang):
    UserFactory(username="u-other", email="other@example.com")
    fail(client, "wang@example.com", 5)
    fail(client, "other@example.com", 2)  # not locked: not listed

    [locked] = locked_usernames()
    assert locked.username == "u-wang"
    assert locked.display == "wang@example.com"
    assert locked.failures == 5
    assert locked.last_attempt == T0
    assert locked.locked_until == T0 + timedelta(minutes=30)

    assert unlock("u-wang") > 0
    assert locked_usernames() == []
    assert AuditRecord.objects.filter(action="account_unlocked", detail__contains="u-wang").exists()
    assert log_in(client, "wang@example.com", PASSWORD).status_code == 302
    assert logged_in_as(client) == str(wang.pk)


def test_a_lock_disappears_from_the_list_after_30_minutes(client, clock, wang):
    fail(client, "wang@example.com", 5)
    clock.shift(timedelta(minutes=29, seconds=59))
    assert [a.username for a in locked_usernames()] == ["u-wang"]
    clock.shift(timedelta(seconds=2))
    assert locked_usernames() == []

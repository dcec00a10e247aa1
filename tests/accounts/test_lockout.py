"""Five failed logins lock the account for 30 minutes from that client (django-axes, account and address
together), whatever way its login name is typed; attempts during the lock do not restart it; across
clients the account slows down instead; the lock is recorded in the audit trail, listed for the security
administrator, lifted by unlock(), by the owner's e-mailed link and by the break-glass command."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client

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

    # An attempt during the lock does not start the 30 minutes again (issue 14: an attacker who keeps
    # trying must not keep the owner out): the lock ends 30 minutes after the fifth failure.
    clock.shift(timedelta(minutes=29))
    assert log_in(client, "wang@example.com", PASSWORD).status_code == 403
    clock.shift(timedelta(minutes=1, seconds=1))
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
    assert locked.ip_address == "127.0.0.1"
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


# ---------------------------------------------------------------- issue 14: nobody locks the owner out


def from_address(client, identifier: str, password: str, address: str):
    return client.post(URL, {"username": identifier, "password": password}, REMOTE_ADDR=address)


def test_an_attacker_locks_only_their_own_client_not_the_owner_elsewhere(client, clock, wang):
    for _ in range(6):
        from_address(client, "wang@example.com", WRONG, "198.51.100.9")
    assert from_address(client, "wang@example.com", PASSWORD, "198.51.100.9").status_code == 403
    # The owner, from the office, after the account's short slow-down (see below), logs in.
    clock.shift(timedelta(seconds=settings.LOGIN_DELAY_MAX_SECONDS))
    owner = Client()
    assert from_address(owner, "wang@example.com", PASSWORD, "203.0.113.20").status_code == 302
    assert owner.session.get("_auth_user_id") == str(wang.pk)


def test_failures_from_many_clients_slow_the_account_down_and_the_wait_grows(client, clock, wang):
    for n in range(5):  # five clients, one failure each: none of them locked
        assert from_address(client, "wang@example.com", WRONG, f"198.51.100.{n}").status_code == 200
    # The next attempt, from anywhere, waits 1 s after the last failure — even with the right password,
    # which is not checked (and the refusal is not a failure).
    response = from_address(client, "wang@example.com", PASSWORD, "203.0.113.20")
    assert response.status_code == 200 and "请 1 秒后再试" in response.content.decode()
    assert logged_in_as(client) is None
    clock.shift(timedelta(seconds=1))
    assert from_address(client, "wang@example.com", WRONG, "198.51.100.7").status_code == 200  # 6th failure
    response = from_address(client, "wang@example.com", PASSWORD, "203.0.113.20")
    assert "请 2 秒后再试" in response.content.decode()
    clock.shift(timedelta(seconds=2))
    assert from_address(client, "wang@example.com", PASSWORD, "203.0.113.20").status_code == 302
    # A successful login clears the count.
    client.logout()
    assert from_address(client, "wang@example.com", WRONG, "198.51.100.8").status_code == 200
    assert "秒后再试" not in from_address(client, "wang@example.com", WRONG, "198.51.100.8").content.decode()


def unlock_link_of(address: str) -> str:
    from accounts.models import Delivery

    body = Delivery.objects.filter(event="account.unlock_link", address=address).latest("pk").body
    return "/" + body.rsplit("\n", 1)[-1].split("/", 3)[3]


def test_a_locked_owner_unlocks_with_the_link_sent_to_their_registered_address(client, clock, wang):
    fail(client, "wang@example.com", 5)
    assert log_in(client, "wang@example.com", PASSWORD).status_code == 403
    page = client.get("/accounts/unlock/").content.decode()
    assert "发送解锁链接" in page
    response = client.post("/accounts/unlock/", {"username": "138 1234 5678"})  # however it is typed
    assert response.status_code == 302
    link = unlock_link_of("wang@example.com")
    assert link.startswith("/accounts/unlock/")
    # Opening the link (a mail scanner does) unlocks nothing; the button does.
    assert "确认解除账户" in client.get(link).content.decode()
    assert log_in(client, "wang@example.com", PASSWORD).status_code == 403
    assert client.post(link).status_code == 302
    record = AuditRecord.objects.filter(action="account_unlocked").latest("seq")
    assert record.user_id == wang.pk and "本人通过邮件链接" in record.detail
    assert log_in(client, "wang@example.com", PASSWORD).status_code == 302


def test_an_unknown_account_gets_the_same_answer_and_no_mail(client, clock, wang):
    from accounts.models import Delivery

    response = client.post("/accounts/unlock/", {"username": "nobody@example.com"}, follow=True)
    assert "如该账户登记了邮箱,解锁链接已发送" in response.content.decode()
    assert not Delivery.objects.filter(event="account.unlock_link").exists()


def test_a_tampered_expired_or_outdated_link_unlocks_nothing(client, clock, wang):
    fail(client, "wang@example.com", 5)
    client.post("/accounts/unlock/", {"username": "wang@example.com"})
    link = unlock_link_of("wang@example.com")
    assert client.post(link[:-3] + "abc/").status_code == 400
    clock.shift(settings.ACCOUNT_UNLOCK_LINK_MAX_AGE + timedelta(seconds=1))
    response = client.post(link)
    assert response.status_code == 400 and "解锁链接无效或已过期" in response.content.decode()
    # A fresh link is void once the password changes.
    client.post("/accounts/unlock/", {"username": "wang@example.com"})
    fresh = unlock_link_of("wang@example.com")
    wang.set_password("Another-Horse-77")
    wang.save()
    assert client.post(fresh).status_code == 400
    assert not AuditRecord.objects.filter(action="account_unlocked").exists()  # none of them unlocked


def test_the_unlock_request_is_rate_limited_per_account(client, clock, wang):
    for _ in range(3):
        assert client.post("/accounts/unlock/", {"username": "wang@example.com"}).status_code == 302
    assert client.post("/accounts/unlock/", {"username": "wang@example.com"}).status_code == 429


def test_the_break_glass_command_lifts_the_lock_and_is_recorded(client, clock, wang, capsys):
    from django.core.management import CommandError, call_command

    fail(client, "wang@example.com", 5)
    call_command("unlock_account", "u-wang")
    assert "已解除“u-wang”的登录锁定" in capsys.readouterr().out
    assert locked_usernames() == []
    record = AuditRecord.objects.filter(action="account_unlocked").latest("seq")
    assert record.username == "命令 unlock_account" and "u-wang" in record.detail
    assert log_in(client, "wang@example.com", PASSWORD).status_code == 302
    with pytest.raises(CommandError) as refused:
        call_command("unlock_account", "no-such-user")
    assert refused.value.returncode == 2 and "没有用户名为“no-such-user”的账户" in str(refused.value)


# ---- the owner unlocks with the second factor (issue 14, finding 2)


def app_code(user) -> str:
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get_or_create(user=user, name="手机", defaults={"confirmed": True})[0]
    return f"{totp(device.bin_key, step=30, t0=0, digits=6):06d}"


def test_the_lock_page_offers_unlocking_with_the_second_factor(client, clock, wang):
    fail(client, "wang@example.com", 5)
    page = log_in(client, "wang@example.com", PASSWORD).content.decode()
    assert 'href="/accounts/unlock/code/"' in page and "用两步验证码解锁" in page
    form = client.get("/accounts/unlock/code/")
    assert form.status_code == 200 and 'autocomplete="one-time-code"' in form.content.decode()


def test_a_locked_owner_unlocks_with_a_code_of_their_app_and_logs_in(client, clock, wang):
    code = app_code(wang)
    fail(client, "wang@example.com", 5)
    assert log_in(client, "wang@example.com", PASSWORD).status_code == 403
    response = client.post("/accounts/unlock/code/", {"username": "138 1234 5678", "code": code}, follow=True)
    assert response.redirect_chain[-1][0] == URL and "账户已解锁,请重新登录" in response.content.decode()
    record = AuditRecord.objects.filter(action="account_unlocked").latest("seq")
    assert record.user_id == wang.pk and "本人通过两步验证码" in record.detail
    assert log_in(client, "wang@example.com", PASSWORD).status_code == 302  # the password still needed
    assert logged_in_as(client) == str(wang.pk)


@pytest.mark.parametrize("who", ["wrong code", "no device", "unknown account"])
def test_a_wrong_code_no_device_or_unknown_account_unlock_nothing_with_one_answer(client, clock, wang, who):
    code = app_code(wang)
    if who == "no device":
        wang.totpdevice_set.all().delete()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    identifier = "nobody@example.com" if who == "unknown account" else "wang@example.com"
    fail(client, "wang@example.com", 5)
    response = client.post(
        "/accounts/unlock/code/", {"username": identifier, "code": code if who != "wrong code" else wrong}
    )
    assert response.status_code == 400
    assert "无法解锁:账号或验证码不正确,或该账户未启用两步验证。" in response.content.decode()
    assert log_in(client, "wang@example.com", PASSWORD).status_code == 403  # still locked
    assert not AuditRecord.objects.filter(action="account_unlocked").exists()
    refused = AuditRecord.objects.get(action="unlock_code")
    assert refused.result == AuditRecord.Result.FAILURE and refused.username == identifier


def test_unlocking_with_a_code_is_rate_limited_per_account(client, clock, wang):
    app_code(wang)
    for _ in range(5):
        response = client.post("/accounts/unlock/code/", {"username": "138 1234 5678", "code": "000000"})
        assert response.status_code == 400
    # Even the right code, from another address, is not tried once the account's five an hour are used.
    response = client.post(
        "/accounts/unlock/code/",
        {"username": "wang@example.com", "code": app_code(wang)},
        REMOTE_ADDR="10.9.9.9",
    )
    assert response.status_code == 429
    assert AuditRecord.objects.filter(action="ratelimit").exists()
    assert not AuditRecord.objects.filter(action="account_unlocked").exists()

"""The second factor (django-otp TOTP, with ten one-time recovery codes): staff must give a code after
the password before any page; staff without an app are sent to enrol one; enterprises may opt in.

These tests log in through the pages and compute real codes from the device's key, as the phone would."""

import re
from base64 import b32decode
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import Role
from audit.models import AuditRecord
from tests.factories import PASSWORD, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2025, 4, 1, 9, 0, tzinfo=SHANGHAI)
PAGE = "/accounts/inbox/"
SETUP = "/accounts/2fa/setup/"
VERIFY = "/accounts/2fa/verify/"
CODES = "/accounts/2fa/recovery-codes/"
OVERVIEW = "/accounts/2fa/"
WRONG_CODE = "验证码不正确或已过期,请重新输入。"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


@pytest.fixture
def rex(db):
    """An expert reviewer: staff, so the second factor is required."""
    return UserFactory(username="rex", roles=[Role.EXPERT_REVIEWER])


def app_of(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="手机", confirmed=True)


def code_of(key: bytes, shift_steps: int = 0) -> str:
    return f"{totp(key, step=30, t0=0, digits=6, drift=shift_steps):06d}"


def another_code(right: str) -> str:
    return f"{(int(right) + 1) % 1_000_000:06d}"


def log_in(client, username: str, next_url: str = PAGE):
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD, "next": next_url})
    assert response.status_code == 302, "the password step"
    return response


def actions(action: str) -> list[str]:
    return list(AuditRecord.objects.filter(action=action).order_by("seq").values_list("result", flat=True))


# ---------------------------------------------------------------- staff: enrolment


def test_staff_without_an_app_are_sent_to_enrol_one_after_the_password(client, clock, rex):
    assert log_in(client, "rex")["Location"] == PAGE
    assert client.get(PAGE)["Location"] == f"{SETUP}?next=%2Faccounts%2Finbox%2F"
    assert client.get("/review/applications/")["Location"].startswith(SETUP)
    assert client.get(VERIFY)["Location"] == SETUP


def test_enrolment_confirms_the_app_with_a_code_and_shows_ten_recovery_codes_once(client, clock, rex):
    log_in(client, "rex")
    page = client.get(f"{SETUP}?next=/accounts/inbox/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<img class="qr-code" src="data:image/svg+xml' in html
    assert "按安全规定,工作人员须先启用两步验证" in html
    secret = re.search(r'id="otp-secret">([A-Z2-7 ]+)<', html).group(1)
    key = b32decode(secret.replace(" ", ""))

    wrong = client.post(SETUP, {"code": another_code(code_of(key)), "next": PAGE})
    assert wrong.status_code == 400 and WRONG_CODE in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=rex).exists()

    done = client.post(SETUP, {"code": code_of(key), "next": PAGE})
    assert done["Location"] == CODES
    device = TOTPDevice.objects.get(user=rex, confirmed=True)
    assert device.bin_key == key

    shown = client.get(CODES).content.decode()
    assert "保存这些恢复码" in shown
    codes = re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", shown)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=rex).count() == 10
    assert f'href="{PAGE}"' in shown
    # Once only.
    assert client.get(CODES)["Location"] == OVERVIEW

    assert client.get(PAGE).status_code == 200
    assert actions("2fa.enrol") == ["failure", "success"]


def test_the_same_secret_is_shown_until_the_app_is_confirmed(client, clock, rex):
    log_in(client, "rex")
    first = re.search(r'id="otp-secret">([^<]+)<', client.get(SETUP).content.decode()).group(1)
    again = re.search(r'id="otp-secret">([^<]+)<', client.get(SETUP).content.decode()).group(1)
    assert first == again


# ---------------------------------------------------------------- staff: verification at login


def test_staff_with_an_app_reach_the_page_only_after_a_right_code(client, clock, rex):
    device = app_of(rex)
    log_in(client, "rex")
    assert client.get(PAGE)["Location"] == f"{VERIFY}?next=%2Faccounts%2Finbox%2F"
    form = client.get(f"{VERIFY}?next={PAGE}")
    assert form.status_code == 200 and "6 位验证码" in form.content.decode()

    wrong = client.post(VERIFY, {"code": another_code(code_of(device.bin_key)), "next": PAGE})
    assert wrong.status_code == 400 and WRONG_CODE in wrong.content.decode()
    assert client.get(PAGE)["Location"].startswith(VERIFY)

    clock.shift(timedelta(seconds=30))  # past django-otp's wait after a failure
    right = client.post(VERIFY, {"code": code_of(device.bin_key), "next": PAGE})
    assert right["Location"] == PAGE
    assert client.get(PAGE).status_code == 200
    assert actions("2fa.verify") == ["failure", "success"]


def test_a_code_from_the_previous_or_next_step_is_accepted(client, clock, rex):
    device = app_of(rex)
    log_in(client, "rex")
    # With no `next`, the reviewer lands on his own work once verified.
    assert client.post(VERIFY, {"code": code_of(device.bin_key, -1)})["Location"] == "/review/my/"


def test_a_code_is_not_accepted_twice(client, clock, rex):
    device = app_of(rex)
    code = code_of(device.bin_key)
    log_in(client, "rex")
    assert client.post(VERIFY, {"code": code, "next": PAGE})["Location"] == PAGE
    client.post("/accounts/logout/")
    log_in(client, "rex")
    replay = client.post(VERIFY, {"code": code, "next": PAGE})
    assert replay.status_code == 400 and WRONG_CODE in replay.content.decode()


def test_repeated_wrong_codes_make_the_next_attempt_wait(client, clock, rex):
    device = app_of(rex)
    log_in(client, "rex")
    # Each failure doubles the wait before the next attempt counts: 1, 2, 4 … seconds (django-otp).
    for wait in (1, 2, 3):
        client.post(VERIFY, {"code": another_code(code_of(device.bin_key))})
        clock.shift(timedelta(seconds=wait))
    # A second too early, even the right code is refused, and the user stays at the verification page.
    throttled = client.post(VERIFY, {"code": code_of(device.bin_key)})
    assert (
        throttled.status_code == 400 and "验证码错误次数过多,请稍等片刻再试。" in throttled.content.decode()
    )
    assert client.get(PAGE)["Location"].startswith(VERIFY)
    clock.shift(timedelta(seconds=1))
    assert client.post(VERIFY, {"code": code_of(device.bin_key)}).status_code == 302
    assert actions("2fa.verify") == ["failure", "failure", "failure", "denied", "success"]


def test_a_recovery_code_works_once(client, clock, rex):
    app_of(rex)
    recovery = StaticDevice.objects.create(user=rex, name="恢复码", confirmed=True)
    recovery.token_set.create(token="abcdefgh")
    recovery.token_set.create(token="stuvwxyz")

    log_in(client, "rex")
    used = client.post(VERIFY, {"code": "ABCD-EFGH", "next": PAGE})
    assert used["Location"] == PAGE
    assert "您使用了一个恢复码,还剩 1 个" in client.get(PAGE).content.decode()
    assert actions("2fa.recovery_code_used") == ["success"]

    client.post("/accounts/logout/")
    log_in(client, "rex")
    again = client.post(VERIFY, {"code": "abcd-efgh", "next": PAGE})
    assert again.status_code == 400 and WRONG_CODE in again.content.decode()
    assert list(recovery.token_set.values_list("token", flat=True)) == ["stuvwxyz"]


def test_replacing_the_app_needs_the_old_apps_code_first(client, clock, rex):
    device = app_of(rex)
    log_in(client, "rex")
    assert client.get(SETUP)["Location"] == VERIFY
    assert TOTPDevice.objects.get(user=rex) == device


def test_replacing_the_app_in_a_stale_session_needs_reauthentication(client, clock, rex):
    client.force_login(rex)  # verified with the app tests/conftest.py gave him
    device = TOTPDevice.objects.get(user=rex)
    clock.shift(timedelta(minutes=6))
    html = client.get(SETUP).content.decode()
    key = b32decode(re.search(r'id="otp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", ""))
    response = client.post(SETUP, {"code": code_of(key)})
    assert response["Location"] == "/accounts/reauth/?next=%2Faccounts%2F2fa%2Fsetup%2F"
    assert list(TOTPDevice.objects.filter(user=rex)) == [device]


def test_staff_cannot_turn_the_second_factor_off(client, clock, rex):
    client.force_login(rex)  # verified (tests/conftest.py)
    overview = client.get(OVERVIEW).content.decode()
    assert "工作人员必须使用两步验证,不能关闭。" in overview
    assert 'action="/accounts/2fa/disable/"' not in overview
    assert client.post("/accounts/2fa/disable/").status_code == 403
    assert TOTPDevice.objects.filter(user=rex).exists()


def test_regenerated_recovery_codes_replace_the_old_ones(client, clock, rex):
    client.force_login(rex)
    old = StaticDevice.objects.create(user=rex, name="恢复码", confirmed=True)
    old.token_set.create(token="abcdefgh")
    response = client.post("/accounts/2fa/recovery-codes/new/")
    assert response["Location"] == CODES
    codes = re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", client.get(CODES).content.decode())
    assert len(codes) == 10
    assert not StaticToken.objects.filter(token="abcdefgh").exists()
    assert StaticToken.objects.filter(device__user=rex).count() == 10


def test_the_pages_need_a_login(client, db):
    for url in (OVERVIEW, SETUP, VERIFY, CODES):
        assert client.get(url)["Location"].startswith("/accounts/login/")


# ---------------------------------------------------------------- enterprises: opt in


def test_an_enterprise_user_logs_in_with_the_password_alone_until_they_opt_in(client, clock, alice):
    log_in(client, alice.email, "/accounts/organization/")
    assert client.get("/accounts/organization/").status_code == 200
    assert "状态:未启用" in client.get(OVERVIEW).content.decode()


def test_an_enterprise_user_who_opted_in_is_asked_for_the_code_and_may_opt_out(client, clock, alice):
    log_in(client, alice.email, "/accounts/organization/")
    html = client.get(SETUP).content.decode()
    assert "工作人员须先启用" not in html
    key = b32decode(re.search(r'id="otp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", ""))
    assert client.post(SETUP, {"code": code_of(key)})["Location"] == CODES
    assert "状态:已启用" in client.get(OVERVIEW).content.decode()

    client.post("/accounts/logout/")
    clock.shift(timedelta(minutes=1))
    log_in(client, alice.email, "/accounts/organization/")
    assert client.get("/accounts/organization/")["Location"].startswith(VERIFY)
    assert client.post(VERIFY, {"code": code_of(key)})["Location"] == "/accounts/organization/"
    assert client.get("/accounts/organization/").status_code == 200

    turned_off = client.post("/accounts/2fa/disable/")
    assert turned_off["Location"] == OVERVIEW
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert not StaticDevice.objects.filter(user=alice).exists()
    assert actions("2fa.disable") == ["success"]
    client.post("/accounts/logout/")
    log_in(client, alice.email, "/accounts/organization/")
    assert client.get("/accounts/organization/").status_code == 200

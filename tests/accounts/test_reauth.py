"""Re-authentication before the most sensitive actions: more than five minutes after the last proof of
identity, the request is not carried out; the user gives the password (and the code, if they have a
second factor) again and comes back. Here on the enterprise's bank details (the batch approval and the
一事一议 confirmation: tests/disbursement/test_batch_reauth.py, tests/reviews/test_override_reauth.py)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditRecord
from disbursement.models import BankAccount
from tests.factories import PASSWORD

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2025, 4, 1, 9, 0, tzinfo=SHANGHAI)
BANK = "/awards/bank/"
REAUTH = "/accounts/reauth/"
DETAILS = {
    "bank_name": "招商银行上海长宁支行",
    "account_name": "上海甲智能科技有限公司",
    "account_number": "6222021001123456789",
    "bank_code": "308290003020",  # 开户行联行号 (CNAPS, 12 digits)
}


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


@pytest.fixture
def stale(client, clock, alice):
    """alice, the administrator of 甲, logged in six minutes ago."""
    client.force_login(alice)
    clock.shift(timedelta(minutes=6))
    return client


def test_a_fresh_login_changes_the_bank_details_directly(client, clock, alice):
    client.force_login(alice)
    clock.shift(timedelta(minutes=4, seconds=59))
    assert client.post(BANK, DETAILS)["Location"] == BANK
    assert BankAccount.objects.filter(is_current=True).count() == 1


def test_a_stale_change_is_sent_to_reauthenticate_and_not_saved(stale):
    response = stale.post(BANK, DETAILS, HTTP_REFERER="http://testserver/awards/bank/")
    assert response.status_code == 302
    assert response["Location"] == f"{REAUTH}?next=http%3A%2F%2Ftestserver%2Fawards%2Fbank%2F"
    assert not BankAccount.objects.exists()
    page = stale.get(response["Location"]).content.decode()
    assert "此操作较为敏感,请重新验证身份后再提交一次。" in page
    assert 'name="code"' not in page  # alice has no second factor


def test_reading_the_bank_page_needs_no_reauthentication(stale):
    assert stale.get(BANK).status_code == 200


def test_after_reauthenticating_the_change_is_saved(stale):
    back = stale.post(REAUTH, {"password": PASSWORD, "next": BANK})
    assert back["Location"] == BANK
    assert stale.post(BANK, DETAILS)["Location"] == BANK
    assert BankAccount.objects.get(is_current=True).account_number == DETAILS["account_number"]
    assert list(AuditRecord.objects.filter(action="reauth").values_list("result", flat=True)) == ["success"]


def test_a_wrong_password_is_refused_and_counts_towards_the_lock(stale, alice):
    for attempt in range(4):
        refused = stale.post(REAUTH, {"password": "Wrong-Password-1", "next": BANK})
        assert refused.status_code == 400
        assert "密码不正确,请重新输入。" in refused.content.decode()
    assert stale.post(BANK, DETAILS)["Location"].startswith(REAUTH)
    assert not BankAccount.objects.exists()
    results = list(AuditRecord.objects.filter(action="reauth").values_list("result", flat=True))
    assert results == ["failure"] * 4

    # The fifth wrong password locks the account and ends the session.
    locked = stale.post(REAUTH, {"password": "Wrong-Password-1", "next": BANK})
    assert locked.status_code == 403 and "账户已被锁定" in locked.content.decode()
    assert "_auth_user_id" not in stale.session
    login = stale.post("/accounts/login/", {"username": alice.email, "password": PASSWORD})
    assert login.status_code == 403


def test_someone_with_a_second_factor_gives_the_code_too(client, clock, alice):
    device = TOTPDevice.objects.create(user=alice, name="手机", confirmed=True)
    client.force_login(alice)  # with the code (tests/conftest.py)
    clock.shift(timedelta(minutes=6))
    page = client.get(f"{REAUTH}?next={BANK}").content.decode()
    assert 'name="code"' in page
    code = f"{totp(device.bin_key):06d}"
    without = client.post(REAUTH, {"password": PASSWORD, "code": "", "next": BANK})
    assert without.status_code == 400
    wrong = client.post(
        REAUTH, {"password": PASSWORD, "code": f"{(int(code) + 1) % 10**6:06d}", "next": BANK}
    )
    assert wrong.status_code == 400 and "验证码不正确或已过期" in wrong.content.decode()
    assert client.post(BANK, DETAILS)["Location"].startswith(REAUTH)
    clock.shift(timedelta(seconds=2))
    assert client.post(REAUTH, {"password": PASSWORD, "code": code, "next": BANK})["Location"] == BANK
    assert client.post(BANK, DETAILS)["Location"] == BANK


def test_reauthentication_does_not_return_to_another_site(stale):
    response = stale.post(REAUTH, {"password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/accounts/organization/"


def test_the_reauthentication_page_needs_a_login(client, db):
    assert client.get(REAUTH)["Location"].startswith("/accounts/login/")

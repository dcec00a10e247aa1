"""Mobile-number accounts (issue 15): sign-up and password reset by an SMS code, adding an e-mail address
with an e-mailed code; codes hashed, 5 minutes, a few wrong tries, rate-limited; the HTTP SMS adapter
against a real local server."""

import json
import re
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from accounts import sms
from accounts.models import User, VerificationCode
from accounts.verification import code_hash
from audit.models import AuditRecord
from tests.factories import PASSWORD, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2025, 4, 1, 9, 0, tzinfo=SHANGHAI)
MOBILE = "13800138000"
NEW_PASSWORD = "Changning-New-2026"
SIGNUP = "/accounts/signup/"
SIGNUP_VERIFY = "/accounts/signup/verify/"
RESET = "/accounts/password-reset/sms/"
RESET_VERIFY = "/accounts/password-reset/sms/verify/"


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.SMS_BACKEND = "accounts.sms.ConsoleSmsBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def client(client, django_capture_on_commit_callbacks):
    """The test client, with the callbacks a POST schedules on commit run as a real commit would run them
    (the code is sent by a Celery task queued on commit, eager in tests)."""
    original = client.post

    def post(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original(*args, **kwargs)

    client.post = post
    return client


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def last_code(outbox, to: str = MOBILE) -> str:
    message = [m for m in outbox if m.to == to][-1]
    return re.search(r"\b(\d{6})\b", message.message).group(1)


def start_signup(client, mobile: str = MOBILE):
    return client.post(
        SIGNUP, {"identifier": mobile, "name": "李明", "password": PASSWORD, "password2": PASSWORD}
    )


def errors(response, field: str = "code") -> str:
    return " ".join(response.context["form"].errors.get(field, []))


# ---------------------------------------------------------------- sign-up


def test_a_mobile_sign_up_creates_the_account_only_after_the_sms_code(client, db, outbox):
    response = start_signup(client, "138 0013 8000")
    assert response["Location"] == SIGNUP_VERIFY
    assert not User.objects.exists()
    [message] = outbox
    assert message.to == MOBILE
    assert "5 分钟内有效" in message.message
    page = client.get(SIGNUP_VERIFY).content.decode()
    assert "138****8000" in page and MOBILE not in page

    response = client.post(SIGNUP_VERIFY, {"code": last_code(outbox)})
    assert response["Location"] == "/accounts/organization/"
    user = User.objects.get()
    assert user.mobile == MOBILE and user.first_name == "李明"
    assert user.mobile_verified_at is not None
    assert user.check_password(PASSWORD)
    assert client.get("/accounts/organization/").context["user"] == user
    # The code is spent: the same code cannot make a second account or be used again.
    assert VerificationCode.objects.get().used_at is not None


def test_the_code_is_stored_only_as_a_keyed_hash(client, db, outbox):
    start_signup(client)
    code = last_code(outbox)
    row = VerificationCode.objects.get()
    stored = " ".join(str(getattr(row, f.attname)) for f in row._meta.fields)
    assert code not in stored
    assert row.code_hash == code_hash(purpose="signup", target=MOBILE, code=code)
    assert len(row.code_hash) == 64
    # Bound to purpose and target: the same digits for a reset or another number hash differently.
    assert row.code_hash != code_hash(purpose="reset", target=MOBILE, code=code)
    assert row.code_hash != code_hash(purpose="signup", target="13900001111", code=code)
    # The password waits in the session only as a hash too.
    assert PASSWORD not in json.dumps(dict(client.session))


def test_a_sign_up_that_the_password_rules_refuse_sends_no_code(client, db, outbox):
    response = client.post(SIGNUP, {"identifier": MOBILE, "password": "123", "password2": "123"})
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert outbox == [] and not VerificationCode.objects.exists()


def test_a_registered_number_is_told_so_before_any_code_is_sent(client, db, outbox):
    UserFactory(username="taken", mobile=MOBILE)
    response = start_signup(client)
    assert "该手机号/邮箱已注册" in " ".join(response.context["form"].errors["identifier"])
    assert outbox == []


def test_a_code_expires_after_five_minutes(client, db, clock, outbox):
    start_signup(client)
    code = last_code(outbox)
    clock.shift(timedelta(minutes=5, seconds=1))
    response = client.post(SIGNUP_VERIFY, {"code": code})
    assert response.status_code == 400
    assert "验证码已失效,请重新获取。" in errors(response)
    assert not User.objects.exists()


def test_a_code_still_works_just_before_five_minutes(client, db, clock, outbox):
    start_signup(client)
    code = last_code(outbox)
    clock.shift(timedelta(minutes=4, seconds=59))
    assert client.post(SIGNUP_VERIFY, {"code": code}).status_code == 302
    assert User.objects.filter(mobile=MOBILE).exists()


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_five_wrong_tries_end_the_code_even_for_the_right_one(client, db, outbox):
    start_signup(client)
    code = last_code(outbox)
    for left in (4, 3, 2, 1):
        response = client.post(SIGNUP_VERIFY, {"code": wrong(code)})
        assert f"验证码不正确,还可尝试 {left} 次。" in errors(response)
    response = client.post(SIGNUP_VERIFY, {"code": wrong(code)})
    assert "验证码错误次数过多,请重新获取。" in errors(response)
    response = client.post(SIGNUP_VERIFY, {"code": code})
    assert "验证码错误次数过多" in errors(response)
    assert VerificationCode.objects.get().attempts == 5
    assert not User.objects.exists()
    refused = AuditRecord.objects.filter(action="verification_code_refused")
    assert refused.count() == 6
    assert MOBILE not in " ".join(refused.values_list("detail", flat=True))


def test_a_code_of_the_wrong_shape_is_refused_without_counting_a_try(client, db, outbox):
    start_signup(client)
    response = client.post(SIGNUP_VERIFY, {"code": "12ab56"})
    assert response.status_code == 400
    assert "请输入6位数字验证码。" in errors(response)
    assert VerificationCode.objects.get().attempts == 0


def test_full_width_digits_from_an_input_method_are_accepted(client, db, outbox):
    start_signup(client)
    code = last_code(outbox)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert client.post(SIGNUP_VERIFY, {"code": full_width}).status_code == 302


def test_a_resent_code_ends_the_earlier_one(client, db, outbox):
    start_signup(client)
    first = last_code(outbox)
    assert client.post("/accounts/signup/verify/resend/")["Location"] == SIGNUP_VERIFY
    second = last_code(outbox)
    assert len(outbox) == 2
    if first != second:  # only the latest message's code works (the first one now counts as a wrong try)
        assert "验证码不正确" in errors(client.post(SIGNUP_VERIFY, {"code": first}))
    assert client.post(SIGNUP_VERIFY, {"code": second}).status_code == 302


def test_the_verify_page_without_a_pending_sign_up_goes_back_to_the_form(client, db):
    assert client.get(SIGNUP_VERIFY)["Location"] == SIGNUP
    assert client.post("/accounts/signup/verify/resend/")["Location"] == SIGNUP


def test_e_mail_sign_up_still_logs_in_at_once(client, db, outbox):
    response = client.post(
        SIGNUP, {"identifier": "wang@example.com", "password": PASSWORD, "password2": PASSWORD}
    )
    assert response["Location"] == "/accounts/organization/"
    assert User.objects.get().email == "wang@example.com"
    assert outbox == []


# ---------------------------------------------------------------- rate limits


def test_codes_for_one_number_are_rate_limited(client, db, outbox, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "code-target": "2/h", "signup-client": "100/h"}
    assert start_signup(client).status_code == 302
    assert client.post("/accounts/signup/verify/resend/").status_code == 302
    response = client.post("/accounts/signup/verify/resend/")
    assert response.status_code == 429
    assert "请求过于频繁" in response.content.decode() or response["Retry-After"]
    assert len(outbox) == 2
    assert AuditRecord.objects.filter(action="ratelimit").exists()


def test_codes_from_one_client_are_rate_limited_across_numbers(client, db, outbox, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "code-client": "2/h"}
    for number in ("13800000001", "13800000002"):
        assert client.post(RESET, {"mobile": number}).status_code == 302
    assert client.post(RESET, {"mobile": "13800000003"}).status_code == 429


# ---------------------------------------------------------------- password reset by SMS


@pytest.fixture
def li(db):
    return UserFactory(username="u-li", email="", mobile=MOBILE)


def test_password_reset_by_sms_sets_the_new_password(client, li, outbox):
    assert 'href="/accounts/password-reset/sms/"' in client.get("/accounts/login/").content.decode()
    response = client.post(RESET, {"mobile": "+86 138-0013-8000"})
    assert response["Location"] == RESET_VERIFY
    response = client.post(
        RESET_VERIFY, {"code": last_code(outbox), "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response["Location"] == "/accounts/password-reset/done/"
    li.refresh_from_db()
    assert li.check_password(NEW_PASSWORD)
    assert AuditRecord.objects.filter(action="password_reset_by_sms", user_id=li.pk).exists()
    # …and logs in with it.
    login = client.post("/accounts/login/", {"username": MOBILE, "password": NEW_PASSWORD})
    assert login.status_code == 302


def test_a_number_without_an_account_gets_the_same_answer_and_no_message(client, db, outbox):
    response = client.post(RESET, {"mobile": MOBILE})
    assert response["Location"] == RESET_VERIFY
    assert outbox == []
    page = client.get(RESET_VERIFY).content.decode()
    assert "如果该手机号已注册" in client.get(RESET_VERIFY).content.decode() or "138****8000" in page


def test_a_wrong_reset_code_changes_nothing(client, li, outbox):
    client.post(RESET, {"mobile": MOBILE})
    code = last_code(outbox)
    response = client.post(
        RESET_VERIFY, {"code": wrong(code), "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert "验证码不正确" in errors(response)
    li.refresh_from_db()
    assert li.check_password(PASSWORD)


def test_a_refused_new_password_does_not_spend_the_code(client, li, outbox):
    client.post(RESET, {"mobile": MOBILE})
    code = last_code(outbox)
    response = client.post(
        RESET_VERIFY, {"code": code, "password": "13800138000", "password2": "13800138000"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["password"]
    row = VerificationCode.objects.get()
    assert row.used_at is None and row.attempts == 0
    response = client.post(RESET_VERIFY, {"code": code, "password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302


def test_a_sign_up_code_does_not_reset_a_password(client, li, outbox):
    # A code sent for sign-up (to a number that is free) is bound to its purpose.
    client.post(RESET, {"mobile": MOBILE})
    VerificationCode.objects.update(purpose="signup")
    code = last_code(outbox)
    response = client.post(RESET_VERIFY, {"code": code, "password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert "验证码已失效" in errors(response)


def test_the_reset_verify_page_needs_a_number_first(client, db):
    assert client.get(RESET_VERIFY)["Location"] == RESET
    assert client.post("/accounts/password-reset/sms/resend/")["Location"] == RESET


def test_a_malformed_number_is_refused_beside_the_field(client, db, outbox):
    response = client.post(RESET, {"mobile": "12345"})
    assert response.status_code == 400
    assert "手机号码“12345”无效" in errors(response, "mobile")
    assert outbox == []


# ---------------------------------------------------------------- adding an e-mail address


def test_a_mobile_account_adds_and_verifies_an_email(client, li):
    client.force_login(li)
    response = client.post("/accounts/email/", {"email": "Li@Example.com"})
    assert response["Location"] == "/accounts/email/verify/"
    [message] = mail.outbox
    assert message.to == ["li@example.com"]
    code = re.search(r"\b(\d{6})\b", message.body).group(1)
    li.refresh_from_db()
    assert li.email == ""  # not until the code proves it
    response = client.post("/accounts/email/verify/", {"code": code})
    assert response["Location"] == "/accounts/preferences/"
    li.refresh_from_db()
    assert li.email == "li@example.com" and li.email_verified_at is not None
    client.logout()
    assert (
        client.post("/accounts/login/", {"username": "li@example.com", "password": PASSWORD}).status_code
        == 302
    )


def test_setting_an_address_needs_a_recent_password(client, li, clock):
    client.force_login(li)
    clock.shift(timedelta(minutes=10))
    response = client.post("/accounts/email/", {"email": "li@example.com"})
    assert response["Location"].startswith("/accounts/reauth/")
    assert mail.outbox == [] and not VerificationCode.objects.exists()


def test_an_address_of_another_account_is_refused(client, li):
    UserFactory(username="other", email="taken@example.com")
    client.force_login(li)
    response = client.post("/accounts/email/", {"email": "TAKEN@example.com"})
    assert response.status_code == 400
    assert "该手机号/邮箱已注册" in errors(response, "email")
    assert mail.outbox == []


def test_a_wrong_email_code_leaves_the_account_as_it_was(client, li):
    client.force_login(li)
    client.post("/accounts/email/", {"email": "li@example.com"})
    code = re.search(r"\b(\d{6})\b", mail.outbox[0].body).group(1)
    response = client.post("/accounts/email/verify/", {"code": wrong(code)})
    assert response.status_code == 400 and "验证码不正确" in errors(response)
    li.refresh_from_db()
    assert li.email == ""


@pytest.mark.parametrize("url", ["/accounts/email/", "/accounts/email/verify/"])
def test_the_email_pages_need_a_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_preferences_page_offers_to_add_an_email(client, li):
    client.force_login(li)
    html = client.get("/accounts/preferences/").content.decode()
    assert 'href="/accounts/email/"' in html and "添加并验证邮箱" in html


# ---------------------------------------------------------------- the HTTP adapter (a real local server)


class Gateway(BaseHTTPRequestHandler):
    received: list[dict] = []
    status = 200

    def do_POST(self):  # the name http.server calls
        length = int(self.headers["Content-Length"])
        Gateway.received.append(
            {
                "body": json.loads(self.rfile.read(length)),
                "authorization": self.headers["Authorization"],
                "content_type": self.headers["Content-Type"],
            }
        )
        self.send_response(Gateway.status)
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    Gateway.received = []
    Gateway.status = 200
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.SMS_TOKEN = "gateway-token"
    settings.SMS_BACKEND = "accounts.sms.HttpSmsBackend"
    yield Gateway
    server.shutdown()
    server.server_close()


def test_the_http_backend_posts_json_with_the_token(gateway, client, db):
    start_signup(client)
    [request] = gateway.received
    assert request["authorization"] == "Bearer gateway-token"
    assert request["content_type"].startswith("application/json")
    assert request["body"]["to"] == MOBILE
    assert re.search(r"\b\d{6}\b", request["body"]["message"])
    assert request["body"]["sign"]


def test_a_refusing_gateway_is_an_sms_error(gateway):
    gateway.status = 503
    with pytest.raises(sms.SmsError):
        sms.send_sms(to=MOBILE, message="x")


def test_an_unreachable_gateway_is_an_sms_error(settings):
    settings.SMS_URL = "http://127.0.0.1:9/send"
    with pytest.raises(sms.SmsError):
        sms.HttpSmsBackend().send(sms.SmsMessage(to=MOBILE, message="x"))


def test_only_http_urls_are_used(settings):
    settings.SMS_URL = "file:///etc/passwd"
    with pytest.raises(sms.SmsError):
        sms.HttpSmsBackend().send(sms.SmsMessage(to=MOBILE, message="x"))


def test_the_deploy_check_warns_of_the_console_backend_in_production(settings):
    from accounts.checks import sms_backend_check

    settings.DEBUG = False
    settings.SMS_BACKEND = "accounts.sms.ConsoleSmsBackend"
    assert [w.id for w in sms_backend_check(None)] == ["accounts.W001"]
    settings.SMS_BACKEND = "accounts.sms.HttpSmsBackend"
    assert sms_backend_check(None) == []

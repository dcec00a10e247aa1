"""Mobile accounts and the idle logout in Chromium (issue 15): sign-up and password reset by an SMS code
(the console backend's outbox stands in for the phone), and a 20-second idle limit that warns at 10
seconds, continues on 继续办理 or Esc, and after an ignored warning logs out, keeps what was typed and
returns to the same page after login."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from accounts.roles import Role
from tests.e2e import support
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

MOBILE = "13912345678"
NEW_PASSWORD = "Changning-New-2026"


@pytest.fixture
def outbox(sms_outbox):
    return sms_outbox


def sms_code(outbox, count: int, page: Page) -> str:
    return support.sms_code(outbox, MOBILE, count, page)


def test_sign_up_and_reset_the_password_by_sms(live_server, transactional_db, page, outbox):
    url = live_server.url
    page.goto(f"{url}/accounts/signup/")
    page.get_by_label("手机号或邮箱").fill(MOBILE)
    page.get_by_label("姓名(选填)").fill("陈晓")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_role("button", name="注册").click()

    expect(page).to_have_url(f"{url}/accounts/signup/verify/")
    expect(page.get_by_role("heading", level=1)).to_have_text("验证手机号码")
    expect(page.get_by_role("main")).to_contain_text("139****5678")
    page.get_by_label("验证码").fill(sms_code(outbox, 1, page))
    page.get_by_role("button", name="完成注册").click()
    expect(page).to_have_url(f"{url}/accounts/organization/")
    expect(page.get_by_role("status").first).to_contain_text("注册成功")
    user = User.objects.get(mobile=MOBILE)
    assert user.mobile_verified_at is not None

    # Forgotten password: from the login page, by a code to the same number.
    page.get_by_role("button", name="退出").click()
    page.goto(f"{url}/accounts/login/")
    page.get_by_role("link", name="短信找回密码").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("短信找回密码")
    page.get_by_label("手机号码").fill(MOBILE)
    page.get_by_role("button", name="获取验证码").click()
    expect(page).to_have_url(f"{url}/accounts/password-reset/sms/verify/")
    code = sms_code(outbox, 2, page)
    page.get_by_label("验证码").fill("000000" if code != "000000" else "111111")
    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("确认新密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="设置新密码").click()
    expect(page.locator("#id_code_error")).to_contain_text("验证码不正确,还可尝试 4 次。")
    page.get_by_label("验证码").fill(code)
    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("确认新密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="设置新密码").click()
    expect(page).to_have_url(f"{url}/accounts/password-reset/done/")

    page.goto(f"{url}/accounts/login/")
    page.get_by_label("手机号或邮箱").fill(MOBILE)
    page.get_by_label("密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="登录").click()
    expect(page.get_by_role("navigation", name="主导航")).to_contain_text("陈晓")


@pytest.fixture
def short_idle(settings):
    settings.SESSION_IDLE_SECONDS = 20
    settings.SESSION_IDLE_WARNING_SECONDS = 10


def log_in(page: Page, username: str) -> None:
    page.get_by_label("手机号或邮箱").fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="登录").click()


def test_the_idle_warning_continues_and_a_lapsed_session_keeps_the_typing(
    live_server, transactional_db, page, short_idle
):
    url = live_server.url
    user = UserFactory(username="u-zhou", email="zhou@example.com", roles=[Role.APPLICANT])
    MembershipFactory(
        user=user, organization=OrganizationFactory(name="上海周到智能科技有限公司"), admin=True
    )
    page.goto(f"{url}/accounts/login/")
    log_in(page, "zhou@example.com")
    page.goto(f"{url}/accounts/organization/edit/")
    contact = page.get_by_label("联系人", exact=True)
    contact.fill("周晓明(未保存)")

    dialog = page.get_by_role("alertdialog", name="即将自动退出")
    expect(dialog).to_be_visible(timeout=30_000)
    continue_button = dialog.get_by_role("button", name="继续办理")
    expect(continue_button).to_be_focused()
    continue_button.click()
    expect(dialog).to_be_hidden()

    # The next warning comes a full period later; Esc continues too.
    expect(dialog).to_be_visible(timeout=30_000)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(f"{url}/accounts/organization/edit/")

    # Ignored: the session ends, the login page says why and returns to the form, with the typing.
    expect(dialog).to_be_visible(timeout=30_000)
    expect(page).to_have_url(
        re.compile(re.escape(f"{url}/accounts/login/?next=/accounts/organization/edit/")), timeout=30_000
    )
    expect(page.get_by_role("status").first).to_contain_text("无操作,您已自动退出")
    log_in(page, "zhou@example.com")
    expect(page).to_have_url(f"{url}/accounts/organization/edit/")
    expect(page.get_by_label("联系人", exact=True)).to_have_value("周晓明(未保存)")
    expect(page.locator(".draft-restored")).to_contain_text("已恢复您上次未提交的内容")

    # Saved for real: the draft is gone, a later visit shows what the server holds.
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(f"{url}/accounts/organization/")
    page.goto(f"{url}/accounts/organization/edit/")
    expect(page.get_by_label("联系人", exact=True)).to_have_value("周晓明(未保存)")
    expect(page.locator(".draft-restored")).to_have_count(0)

"""Keyboard only (issue 16, items 1 and 9): the calculator and the application wizard end to end with Tab,
Shift+Tab, Enter, Space and the arrow keys, never the mouse; the focused element always shows a ring, and
after an action on the same page focus is never dropped to <body>. And 长辈版: large text and large targets,
remembered from page to page.

Moves are keyboard presses only; Playwright's own clicks and fills are not used on the pages under test."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from accounts.roles import Role
from tests.e2e.support import open_call
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
DURING = datetime(2025, 4, 1, 10, 0, tzinfo=SHANGHAI)

# What the focused element is, and whether it shows a focus ring (an outline or a box shadow).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) { return null; }
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return {
    tag: el.tagName, id: el.id, name: el.getAttribute("name") || "",
    text: (el.innerText || el.value || "").trim().slice(0, 40),
    ring: outline || style.boxShadow !== "none",
  };
}"""


def focused(page: Page) -> dict:
    """The focused element; fails if focus was dropped to <body> or shows no ring."""
    element = page.evaluate(FOCUSED)
    assert element is not None, "focus was lost to <body>"
    assert element["ring"], f"no visible focus on {element}"
    return element


def tab_to(page: Page, selector: str, *, backwards: bool = False, limit: int = 120) -> dict:
    """Tab (or Shift+Tab) until `selector` has focus, checking every stop on the way."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        element = focused(page)
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return element
    raise AssertionError(f"{selector} never received focus after {limit} presses of {key}")


def arrow_to(page: Page, value: str, *, limit: int = 40) -> None:
    """ArrowDown through the focused list until it shows `value`."""
    for _ in range(limit):
        if page.evaluate("document.activeElement.value") == value:
            return
        page.keyboard.press("ArrowDown")
        focused(page)
    raise AssertionError(f"the list never reached {value}")


@pytest.fixture
def during_the_call():
    with time_machine.travel(DURING, tick=True):
        yield


def test_the_calculator_by_keyboard_alone(
    live_server, transactional_db, policy_data, during_the_call, strict_csp_page
):
    page = strict_csp_page
    page.goto(f"{live_server.url}/calculator/?round=changning-ai-2024")
    page.evaluate("window.notReloaded = true")
    start_url = page.url

    # Arrow keys move through the item list without reloading anything (WCAG 3.2.2).
    tab_to(page, "#id_item")
    arrow_to(page, "7.1")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == "id_item"
    assert page.url == start_url
    expect(page.locator("#calculator-form")).to_have_count(0)

    # The choice takes effect on 选择: the form appears in place, focus stays on the button, and the
    # status region says what appeared.
    tab_to(page, "#choose-button")
    page.keyboard.press("Enter")
    expect(page.locator("#id_self_raised_investment")).to_be_visible()
    expect(page.locator("#choose-status")).to_contain_text("7.1")
    assert focused(page)["id"] == "choose-button"
    assert "item=7.1" in page.url
    expect(page).to_have_title(re.compile("政策计算器"))

    # Into the figures, typed; the result follows.
    tab_to(page, "#id_self_raised_investment")
    page.keyboard.type("2000000")
    expect(page.locator("#quote-amount")).to_have_text("600,000.00")
    # 计算 with Space: computed in place, focus stays on the button.
    tab_to(page, "#calculator-form button[type=submit]")
    page.keyboard.press("Space")
    expect(page.locator("#quote-amount")).to_have_text("600,000.00")
    assert focused(page)["tag"] == "BUTTON"
    # Back with Shift+Tab to correct the figure: a bad one shows its message, focus stays.
    tab_to(page, "#id_self_raised_investment", backwards=True)
    page.keyboard.press("End")
    page.keyboard.type("x")
    expect(page.locator("#id_self_raised_investment_error")).not_to_be_empty()
    assert focused(page)["id"] == "id_self_raised_investment"

    # Another item, by keyboard again: the list, the arrow, 选择.
    tab_to(page, "#id_item", backwards=True)
    arrow_to(page, "8.5")
    tab_to(page, "#choose-button")
    page.keyboard.press("Enter")
    expect(page.locator("#id_contract_amount")).to_be_visible()
    assert focused(page)["id"] == "choose-button"
    assert page.evaluate("window.notReloaded") is True  # never a reload
    assert page.violations == []


@pytest.fixture
def alice(transactional_db, policy_data, during_the_call):
    open_call(("7.1",))
    return MembershipFactory(user=UserFactory(username="alice", roles=[Role.APPLICANT]), admin=True).user


def log_in(page: Page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def test_elder_mode_by_keyboard_is_large_and_remembered(
    live_server, transactional_db, policy_data, strict_csp_page
):
    page = strict_csp_page
    page.goto(f"{live_server.url}/calculator/?round=changning-ai-2024&item=7.1")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") < 18
    switch = page.get_by_role("button", name="切换到长辈版")
    tab_to(page, ".elder-form button")
    page.keyboard.press("Enter")

    # Back on the same page, in large text; the switch now says how to leave.
    expect(page.get_by_role("button", name="退出长辈版")).to_be_visible()
    expect(switch).to_have_count(0)
    assert "item=7.1" in page.url

    def check_large():
        body = page.evaluate(
            "(() => { const s = getComputedStyle(document.body);"
            " return [parseFloat(s.fontSize), parseFloat(s.lineHeight)]; })()"
        )
        assert body[0] >= 18, body
        assert body[1] / body[0] >= 1.5, body
        for button in page.locator("button:visible").all():
            box = button.bounding_box()
            assert box["height"] >= 44, (button.inner_text(), box)

    check_large()
    # Remembered on another page, reached by keyboard through the menu.
    tab_to(page, 'nav a[href="/notices/"]')
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("公示")
    expect(page.locator("body")).to_have_class("elder")
    check_large()

    # And switched off again.
    tab_to(page, ".elder-form button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="切换到长辈版")).to_be_visible()
    assert page.evaluate("document.body.className") == ""
    assert page.violations == []

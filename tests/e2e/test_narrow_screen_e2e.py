"""Every page at 320 CSS px (issue 16, item 6 and "Done when"; WCAG 1.4.10 reflow): no sideways scrolling,
and no amount broken across lines.

The pages are those of tests/security/url_table.py that answer 200 to a GET, for the anonymous visitor, the
enterprise and each staff role, over the world of tests/security/world.py (one object of every kind). The
admin's pages (Django's own layout), downloads and documents (not HTML) are left out.

An amount is broken when it lies on more than one line: an element of class `money` with more than one
client rect, or a figure such as ¥3,000,000.00 / 3,000,000.00 in any text whose range covers two line tops.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from tests.security import url_table
from tests.security.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)

# One user per kind of reader: the second enterprise and the unassigned reviewer see nothing of their own.
READERS = (
    "anonymous",
    "applicant_a",
    "intake",
    "reviewer_assigned",
    "approver",
    "finance_officer",
    "finance_approver",
    "system_admin",
    "security_admin",
    "audit_admin",
)

# Not HTML pages: files, PDFs, sheets, JSON, the language switch.
NOT_PAGES = (
    "download",
    "document",
    "export",
    "pdf",
    "autosave",
    "quote",
    "sheet",
    "csv",
    "xlsx",
    "logo",
    "proof",
)

WIDTH = 320

CHECK = """
() => {
  const root = document.scrollingElement;
  const result = {scroll: null, broken: []};
  if (root.scrollWidth > root.clientWidth) {
    const wide = [...document.body.querySelectorAll("*")]
      .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 0.5)
      .filter((el) => ![...el.children].some((c) => c.getBoundingClientRect().right > root.clientWidth + 0.5))
      .slice(0, 5)
      .map((el) => el.tagName.toLowerCase() + "." + String(el.className).replace(/ /g, ".")
        + " «" + (el.textContent || "").trim().slice(0, 40) + "»");
    result.scroll = {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, widest: wide};
  }
  const lines = (rects) => new Set([...rects].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
  for (const el of document.querySelectorAll(".money")) {
    if (lines(el.getClientRects()) > 1) result.broken.push(el.textContent.trim());
  }
  const amount = /-?¥?\\d{1,3}(?:,\\d{3})+\\.\\d{2}|¥\\d{1,3}\\.\\d{2}/g;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.data.matchAll(amount)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      if (lines(range.getClientRects()) > 1) result.broken.push(match[0]);
    }
  }
  return result;
}
"""


def pages_for(role: str, world) -> list[str]:
    urls = []
    for key, tokens in url_table.GET.items():
        if tokens[role] != "200" or key.startswith("admin:") or any(word in key for word in NOT_PAGES):
            continue
        urls.append(reverse(key, kwargs=world.kwargs.get(key) or {}))
    return urls


def test_every_page_fits_320_px_and_no_amount_breaks(browser, live_server, time_machine):
    world = build_world(time_machine)
    problems = []
    for role in READERS:
        context = browser.new_context(locale="zh-CN", viewport={"width": WIDTH, "height": 640})
        user = world.users[role]
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies["sessionid"]
            context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(20_000)
        try:
            for url in pages_for(role, world):
                try:
                    response = page.goto(live_server.url + url)
                except PlaywrightError as error:
                    if "Download is starting" in str(error):
                        continue  # a file, not a page
                    raise
                if response is None or "text/html" not in (response.headers.get("content-type") or ""):
                    continue
                found = page.evaluate(CHECK)
                if found["scroll"]:
                    problems.append(f"{role} {url}: scrolls sideways {found['scroll']}")
                if found["broken"]:
                    problems.append(f"{role} {url}: amounts broken across lines {found['broken']}")
        finally:
            context.close()
    assert not problems, "\n".join(problems)


def test_the_audit_trail_does_not_scroll_sideways_at_150_percent_text(browser, live_server, time_machine):
    """/audit/ at 150 % text size (item 10): a 1280 px window zoomed to 150 % lays out 853 CSS px."""
    world = build_world(time_machine)
    context = browser.new_context(locale="zh-CN", viewport={"width": 853, "height": 700})
    client = Client()
    client.force_login(world.users["audit_admin"])
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    try:
        for url in (reverse("audit:records"), reverse("audit:records") + "?page=2"):
            page.goto(live_server.url + url)
            found = page.evaluate(CHECK)
            assert found["scroll"] is None, found["scroll"]
    finally:
        context.close()

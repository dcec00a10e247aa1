"""Browser tests: Playwright's sync API drives the system Chromium against pytest-django's live server."""

import os

# Playwright's sync API runs an event loop in the test thread; Django would refuse its ORM calls there.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        # Never skip: a browser test that silently does not run is worse than a red one.
        pytest.fail("Chromium is missing: apt-get install chromium (or run make test as root on Debian)")
    from playwright.sync_api import expect, sync_playwright

    # Wait for conditions, generously: on a loaded 2-core machine a live-server round trip can take
    # seconds, and Playwright's 5-second default for expect() made a passing calculator test fail once.
    expect.set_options(timeout=20_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


# The site's strict CSP, applied to every response a browser test loads, so an inline script or style fails.
STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'"


def enforce_strict_csp(target) -> None:
    """Serve every response `target` (a page, or a whole browser context) loads under STRICT_CSP. A
    redirect is handed to the browser as it came (max_redirects=0), which follows it: fetched by the route
    instead, the address bar kept the first URL, and a form posting to its own page posted to the wrong
    one. Only documents carry a policy that binds (a stylesheet's or a script's own header governs
    nothing): the rest goes straight to the server, without a round trip through this process."""

    def add_csp(route):
        if route.request.resource_type != "document":
            route.continue_()
            return
        response = route.fetch(max_redirects=0)
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})

    target.route("**/*", add_csp)


@pytest.fixture
def strict_csp_page(page):
    """The page served under the strict CSP (enforce_strict_csp); any violation is recorded in
    `page.violations`."""
    enforce_strict_csp(page)
    page.violations = []
    page.on(
        "console",
        lambda msg: page.violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    yield page
    # In-flight requests of a failed test must not raise again while the context closes.
    page.unroute_all(behavior="ignoreErrors")


@pytest.fixture
def sms_outbox(settings):
    """SMS through the console backend, whose outbox stands in for the phone (tests.e2e.support.sms_code)."""
    from accounts import sms

    settings.SMS_BACKEND = "accounts.sms.ConsoleSmsBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()

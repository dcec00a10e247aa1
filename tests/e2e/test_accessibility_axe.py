"""axe-core on every page of the portal (issue 16, "Done when", first bullet): WCAG 2.0/2.1 A and AA, in
Chromium, 0 violations.

Which pages: every URL of tests/security/url_table.py that answers a role with a page (200, or 400 for a
form refused with its errors), in the security sweep's world (tests/security/world.py: one object of every
kind, in states the services reach). Each URL is visited as the first of the roles below that may see it
(anonymous, A's administrator, then each staff role): its template and state, with that role's menu; each
role sees at least one page of its own, so every menu is checked too. The forms again after a POST of
empty data (the table's 200/400 POST rows: the form with its errors), and the 403 and 404 pages. All of it
in 简体中文 and in English.

The site's CSP stays strict: every page is served under tests/e2e/conftest.py's STRICT_CSP (the
strict_csp_page fixture's route, applied to each role's context), and axe-core (as axe-playwright-python
bundles it) is injected by Playwright as an init script (CDP's Page.addScriptToEvaluateOnNewDocument) and
run through page.evaluate, neither of which CSP governs. Each context proves the policy is enforced: an
inline script added by the page itself is refused, with its violation event.

Not here: the Django admin (/admin/, Django's own templates, not the portal's); files (PDF, Excel, CSV,
downloads) and JSON answers, recognised by their content type; 长辈版 (its own branch adds its states).

One browser, one context per role (logged in once by session cookie, the second factor passed as
tests/conftest.py's force_login does), one world: under four minutes on the 2-core machine.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass

import pytest
from axe_playwright_python.base import AxeResults
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from tests.e2e.conftest import enforce_strict_csp
from tests.security import url_table
from tests.security.test_url_matrix import all_routes, quiet_requests, url_for  # noqa: F401 (a fixture)
from tests.security.world import ROLES as world_roles
from tests.security.world import build_world

pytestmark = pytest.mark.e2e

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
AXE_RUN = f"axe.run(document, {json.dumps(AXE_OPTIONS)})"

# The roles that see pages, in the order a URL is given to the first who may see it: anonymous, an
# enterprise (A's administrator), each staff role. applicant_b and the unassigned reviewer see the same
# templates as applicant_a and the assigned reviewer, refused where they differ (403/404 pages, below).
ROLES = tuple(role for role in world_roles if role not in ("applicant_b", "reviewer_unassigned"))
LANGUAGES = ("zh-hans", "en")
PAGES = {"200", "400"}  # a page to look at: shown, or a form shown again with its errors

# Violations allowed, by rule id → the CSS selectors (as axe reports the node) where allowed. Empty: the
# flash messages' list (axe `listitem`, <ul role="status"><li>) was the only one, fixed by the shared
# messages partial (templates/_messages.html). Any entry here must say why it cannot be fixed.
ALLOWED_UNTIL_MERGE: dict[str, tuple[str, ...]] = {}


@dataclass(frozen=True)
class Visit:
    role: str
    key: str  # the url table's name, or "403"/"404"
    url: str
    post: bool = False


def visits(world) -> list[Visit]:
    """Every (page, state) of the sweep, GETs first: a POST of empty data changes nothing the later GETs
    show (the table's 200/400 POST rows are forms refused with their errors)."""
    routes = {route.key: route for route in all_routes()}
    found: list[Visit] = []
    seen_roles: set[str] = set()
    for method, table in (("GET", url_table.GET), ("POST", url_table.POST)):
        for key, row in table.items():
            if key.startswith("admin:") or key not in routes:
                continue
            role = next((r for r in ROLES if row[r] in PAGES), None)
            if role is None:
                continue
            found.append(Visit(role, key, url_for(routes[key], world), post=method == "POST"))
            seen_roles.add(role)
    # The refusals' own templates, and a menu for every role (a role that owns no page of its own).
    found.append(Visit("applicant_a", "403", url_for(routes["reviews:intake_queue"], world)))
    found.append(Visit("anonymous", "404", "/no-such-page/"))
    for role in set(ROLES) - seen_roles:
        found.append(Visit(role, "accounts:inbox", url_for(routes["accounts:inbox"], world)))
    return found


def session_cookie(user, live_server) -> list[dict]:
    if user is None:
        return []
    client = Client()
    client.force_login(user)  # tests/conftest.py: a completed login, second factor included
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return [{"name": settings.SESSION_COOKIE_NAME, "value": value, "url": live_server.url}]


def language_cookie(language: str, live_server) -> dict:
    return {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}


INLINE_SCRIPT_PROBE = """() => new Promise(resolve => {
    document.addEventListener('securitypolicyviolation', e => resolve(e.effectiveDirective), {once: true});
    const script = document.createElement('script');
    script.textContent = 'window.__inlineRan = true';
    document.head.appendChild(script);
    setTimeout(() => resolve(window.__inlineRan ? 'inline script ran' : 'no violation event'), 3000);
})"""

POST_EMPTY = """([action, token]) => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = action;
    const input = document.createElement('input');
    input.type = 'hidden';
    input.name = 'csrfmiddlewaretoken';
    input.value = token;
    form.appendChild(input);
    document.body.appendChild(form);
    form.submit();
}"""


def load(page: Page, base: str, visit: Visit):
    """Open the visit's page (for a POST: submit an empty form to it from the page at hand, every one of
    which carries the CSRF token in its language form, as a browser would); the response, or None for a
    download."""
    try:
        if not visit.post:
            return page.goto(base + visit.url)
        if not page.url.startswith(base) or not page.locator("input[name=csrfmiddlewaretoken]").count():
            page.goto(base + "/")
        token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
        with page.expect_navigation() as navigation:
            page.evaluate(POST_EMPTY, [base + visit.url, token])
        return navigation.value
    except PlaywrightError as error:
        if "Download is starting" in str(error):
            return None
        raise


def allowed(rule: str, target: list) -> bool:
    return any(fragment in " ".join(map(str, target)) for fragment in ALLOWED_UNTIL_MERGE.get(rule, ()))


# quiet_requests (the URL matrix's): views' exceptions reported, PDFs rendered, not printed (saves time).
@pytest.mark.usefixtures("quiet_requests")
def test_every_page_in_every_state_has_no_wcag_violation(
    browser, live_server, transactional_db, time_machine
):
    started = time.monotonic()
    world = build_world(time_machine)
    # The clock runs on from the world's morning: the sessions' idle checks and the browser need it to.
    time_machine.move_to(world.now, tick=True)
    built = time.monotonic()

    by_role: dict[str, list[Visit]] = defaultdict(list)
    for visit in visits(world):
        by_role[visit.role].append(visit)

    violations: dict[str, list[str]] = defaultdict(list)  # rule id → where, with the nodes
    allowed_seen: dict[str, int] = defaultdict(int)
    checked = 0
    timings: dict[str, float] = defaultdict(float)
    csp_messages: list[str] = []
    for role in ROLES:
        context = browser.new_context(locale="zh-CN")
        try:
            enforce_strict_csp(context)
            # axe-core, as axe-playwright-python bundles it, added to every document of the context by
            # Playwright (CDP's Page.addScriptToEvaluateOnNewDocument), which CSP does not govern: the
            # 0.5 MB script crosses to the browser once per context, not once per page as Axe.run sends it.
            context.add_init_script(script=Axe().axe_script)
            context.add_cookies(session_cookie(world.users[role], live_server))
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.on(
                "console",
                lambda msg: (
                    csp_messages.append(f"{page.url}: {msg.text}")
                    if "Content Security Policy" in msg.text
                    else None
                ),
            )
            # The policy holds in this context: the page's own inline script is refused, with its event.
            page.goto(live_server.url + "/")
            assert page.evaluate(INLINE_SCRIPT_PROBE) == "script-src-elem", f"{role}: CSP not enforced"
            csp_messages.clear()  # the probe's own refusal
            for language in LANGUAGES:
                context.add_cookies([language_cookie(language, live_server)])
                for visit in by_role[role]:
                    cache.clear()  # rate-limit counters: the limits' own tests, not this sweep's
                    loading = time.monotonic()
                    response = load(page, live_server.url, visit)
                    timings["load"] += time.monotonic() - loading
                    if response is None or "text/html" not in response.headers.get("content-type", ""):
                        continue
                    where = (
                        f"{'POST' if visit.post else 'GET'} {visit.key} ({visit.url}) as {role}, {language}"
                    )
                    assert str(response.status) in PAGES | {visit.key}, f"{where}: {response.status}"
                    running = time.monotonic()
                    results = AxeResults(page.evaluate(AXE_RUN))
                    timings["axe"] += time.monotonic() - running
                    checked += 1
                    for violation in results.response["violations"]:
                        nodes = [
                            n["target"]
                            for n in violation["nodes"]
                            if not allowed(violation["id"], n["target"])
                        ]
                        allowed_seen[violation["id"]] += len(violation["nodes"]) - len(nodes)
                        if nodes:
                            violations[violation["id"]].append(f"{where}: {violation['help']} {nodes[:5]}")
        finally:
            context.unroute_all(behavior="ignoreErrors")
            context.close()
    elapsed = time.monotonic() - started
    print(
        f"\naxe: {checked} page states in {elapsed:.0f} s (world {built - started:.0f} s,"
        f" loading {timings['load']:.0f} s, axe {timings['axe']:.0f} s);"
        f" violations by rule: { {rule: len(found) for rule, found in violations.items()} };"
        f" allowed until merge: {dict(allowed_seen)}"
    )
    assert not csp_messages, "\n".join(csp_messages)
    assert checked > 200, f"only {checked} page states were checked"
    assert not violations, "\n".join(
        f"{rule} ({len(found)}):\n  " + "\n  ".join(found) for rule, found in sorted(violations.items())
    )

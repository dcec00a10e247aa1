"""The Content-Security-Policy allows scripts and styles only from the portal's own files, so no template
may carry inline code: no <script> with a body, no on…= handler, no style="" attribute, no <style> element,
no javascript: URL. A violation would be blocked by the browser (a broken page), or be an opening for XSS
the day the policy is loosened; the scan catches it when the template is written.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from tests.factories import UserFactory

ROOT = Path(settings.BASE_DIR)
HANDLER = re.compile(r"^on[a-z]+$")


class InlineCodeFinder(HTMLParser):
    """Collects every inline script, handler, style and javascript: URL of one HTML text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        names = {name for name, _value in attrs}
        if tag == "style":
            self.problems.append(f"line {line}: <style> element")
        if tag == "script":
            self._in_script = True
            if "src" not in names:
                self.problems.append(f"line {line}: <script> without src")
        for name, value in attrs:
            if HANDLER.match(name):
                self.problems.append(f"line {line}: {name}= handler on <{tag}>")
            if name == "style":
                self.problems.append(f"line {line}: style= attribute on <{tag}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"line {line}: javascript: URL in {name}= on <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"line {self.getpos()[0]}: <script> with a body")


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


def project_template_files() -> list[Path]:
    """templates/ and the templates folder of every app of this project (not of installed packages)."""
    folders = [Path(folder) for engine in settings.TEMPLATES for folder in engine.get("DIRS", [])]
    folders += [
        Path(config.path) / "templates"
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT) and ".venv" not in Path(config.path).parts
    ]
    return sorted(path for folder in folders if folder.is_dir() for path in folder.rglob("*.html"))


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("<script>alert(1)</script>", "<script> without src"),
        ('<script src="/static/x.js">alert(1)</script>', "<script> with a body"),
        ('<button onclick="go()">', "onclick= handler"),
        ('<p style="color: red">', "style= attribute"),
        ("<style>p {}</style>", "<style> element"),
        ('<a href="javascript:go()">', "javascript: URL"),
        ('<a href="{% url \'x\' %}"{% if current %} aria-current="page"{% endif %}>', None),
        ("<script src=\"{% static 'js/a.js' %}\" defer></script>", None),
    ],
)
def test_the_scanner_finds_each_kind_of_inline_code(snippet, expected):
    problems = inline_code(snippet)
    if expected is None:
        assert problems == []
    else:
        assert any(expected in problem for problem in problems), problems


def test_the_scan_covers_the_templates_of_every_app():
    files = project_template_files()
    folders = {path.relative_to(ROOT).parts[1] for path in files if path.is_relative_to(ROOT / "templates")}
    assert {"accounts", "applications", "reviews", "disbursement", "policies", "documents"} <= folders
    assert ROOT / "templates" / "base.html" in files
    assert ROOT / "templates" / "500.html" in files


def test_no_template_carries_inline_script_handlers_or_styles():
    found = {
        str(path.relative_to(ROOT)): problems
        for path in project_template_files()
        if (problems := inline_code(path.read_text(encoding="utf-8")))
    }
    assert found == {}


# ---------------------------------------------------------------- the Django admin under the policy


ADMIN_PAGES = [
    "admin:index",
    "admin:policies_policyround_changelist",
    "admin:applications_call_changelist",
    "admin:applications_call_add",
    "admin:reviews_holiday_changelist",
    "admin:reviews_holiday_add",
    "admin:accounts_user_changelist",
    "admin:audit_auditrecord_changelist",
]


@pytest.fixture
def admin_client(client, policy_data):
    # A superuser only to reach every admin page in one test; production uses the three administrators.
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_the_admin_pages_work_under_the_policy_with_no_inline_code(admin_client, name):
    """Django 5.2's admin has no inline script; its one inline <style> (change_list.html, only for a
    changelist without actions) is not used by any of these pages."""
    response = admin_client.get(reverse(name))
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert inline_code(response.content.decode()) == []


def test_the_admin_login_page_has_no_inline_code_at_all(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []

"""等级保护 hardening of the production settings, checked in a subprocess that loads them for real.

The test run itself uses settings_test (no HTTPS redirect, cookies not Secure), so these tests start a
fresh interpreter with the environment a production host has: DEBUG unset, a random 64-character
SECRET_KEY, one allowed host, a database URL, and no override of SECURE_SSL_REDIRECT.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOST = "portal.example.gov.cn"
ONE_YEAR = 365 * 24 * 3600


def production_environment(tmp_path: Path, database: str) -> dict[str, str]:
    """Only what a production host sets: nothing of the test run (DJANGO_SETTINGS_MODULE, DEBUG…) leaks in."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
        "SECRET_KEY": secrets.token_urlsafe(48)[:64],
        "ALLOWED_HOSTS": HOST,
        "PORTAL_URL": f"https://{HOST}",
        "DATABASE_URL": database,
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "AUDIT_ARCHIVE_DIR": str(tmp_path / "archive"),
        # Behind the portal's TLS proxy (deploy/nginx): the only way X-Forwarded-Proto is believed.
        "BEHIND_PROXY": "true",
        # Verification codes reach phones (accounts.W001 otherwise: only the log would have them).
        "SMS_URL": f"https://sms-gateway.{HOST}/send",
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_secret_key_is_64_characters(tmp_path):
    assert len(production_environment(tmp_path, "sqlite://:memory:")["SECRET_KEY"]) == 64


def test_check_deploy_reports_nothing_with_the_production_settings(tmp_path):
    env = production_environment(tmp_path, f"sqlite:///{tmp_path / 'deploy.sqlite3'}")
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_check_deploy_would_fail_on_a_weak_secret(tmp_path):
    """The check is live: the same command with a short key fails, so the test above can fail."""
    env = production_environment(tmp_path, f"sqlite:///{tmp_path / 'deploy.sqlite3'}")
    env["SECRET_KEY"] = "short"
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """The probe's responses (tests/security/production_probe.py), fetched once for this module."""
    tmp_path = tmp_path_factory.mktemp("production")
    result = run(
        ["-m", "tests.security.production_probe"], production_environment(tmp_path, "sqlite://:memory:")
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout)


def test_plain_http_is_redirected_to_https(production):
    response = production["plain_http"]
    assert response["status"] == 301
    assert response["headers"]["Location"] == f"https://{HOST}/"


def test_https_responses_carry_hsts_for_a_year_with_subdomains_and_preload(production):
    hsts = production["home"]["headers"]["Strict-Transport-Security"]
    directives = [part.strip() for part in hsts.split(";")]
    max_age = int(next(d for d in directives if d.startswith("max-age=")).split("=", 1)[1])
    assert max_age >= ONE_YEAR
    assert "includeSubDomains" in directives
    assert "preload" in directives


@pytest.mark.parametrize("page", ["home", "login_page", "admin_login", "not_found"])
def test_every_page_carries_the_security_headers(production, page):
    response = production[page]
    assert response["status"] == (404 if page == "not_found" else 200)
    headers = response["headers"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" in headers


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("page", ["home", "login_page", "admin_login", "not_found"])
def test_the_content_security_policy_allows_no_inline_or_eval_code(production, page):
    header = production[page]["headers"]["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header
    directives = csp_directives(header)
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_the_production_pages_render_from_the_collected_static_files(production):
    home = production["home"]["body"]
    assert "/static/css/portal." in home and ".css" in home
    assert "<style" not in home and "<script>" not in home


def test_the_404_page_is_the_portals_own(production):
    assert "页面不存在" in production["not_found"]["body"]


def test_the_csrf_cookie_is_secure_and_same_site_lax(production):
    cookie = production["login_page"]["cookies"]["csrftoken"]
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"


def test_the_session_cookie_is_secure_http_only_and_same_site_lax(production):
    login = production["login"]
    assert login["status"] == 302, "the probe's applicant could not log in"
    cookie = login["cookies"]["sessionid"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    # SESSION_EXPIRE_AT_BROWSER_CLOSE: no max-age, the cookie dies with the browser.
    assert cookie["max_age"] == ""


def test_the_language_cookie_is_secure_http_only_and_same_site_lax(production):
    """The language switch's cookie says nothing secret, but over plain HTTP or to scripts it has no
    business either (等级保护: every cookie of the portal is HTTPS-only)."""
    response = production["language"]
    assert response["status"] == 302
    cookie = response["cookies"]["django_language"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"

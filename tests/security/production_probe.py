"""Run by tests/security/test_production_settings.py in a subprocess, with the production settings
(changning_ai.settings, DEBUG off) and a production-like environment; never imported by the test run.

It collects the static files (the manifest storage of production), migrates a throw-away database, makes
one applicant, and fetches pages as a browser behind the portal's TLS proxy would (X-Forwarded-Proto),
printing one JSON object with each response's status, headers and cookies on stdout.
"""

from __future__ import annotations

import json
import os
import sys

import django


def cookie_attributes(response) -> dict[str, dict[str, object]]:
    return {
        name: {
            "secure": bool(morsel["secure"]),
            "httponly": bool(morsel["httponly"]),
            "samesite": morsel["samesite"],
            "max_age": morsel["max-age"],
        }
        for name, morsel in response.cookies.items()
    }


def describe(response) -> dict[str, object]:
    return {
        "status": response.status_code,
        "headers": dict(response.headers.items()),
        "cookies": cookie_attributes(response),
        "body": response.content.decode("utf-8", "replace") if not response.streaming else "",
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "changning_ai.settings")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    assert not settings.DEBUG, "the probe must run with the production settings"
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)

    from accounts.models import User
    from accounts.roles import Role, group_for

    password = "Probe-Password-2026!"
    user = User.objects.create_user(username="probe", email="probe@example.com", password=password)
    user.groups.add(group_for(Role.APPLICANT))

    host = settings.ALLOWED_HOSTS[0]
    https = {"HTTP_X_FORWARDED_PROTO": "https"}
    browser = Client(HTTP_HOST=host, enforce_csrf_checks=False)
    results = {
        "plain_http": describe(Client(HTTP_HOST=host).get("/")),
        "home": describe(browser.get("/", **https)),
        "login_page": describe(browser.get("/accounts/login/", **https)),
        "login": describe(
            browser.post("/accounts/login/", {"username": "probe@example.com", "password": password}, **https)
        ),
        "admin_login": describe(Client(HTTP_HOST=host).get("/admin/login/", **https)),
        # Before the switch to English below: the 404 page is checked in Chinese.
        "not_found": describe(browser.get("/no-such-page/", **https)),
        "language": describe(browser.post("/i18n/setlang/", {"language": "en", "next": "/"}, **https)),
    }
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()

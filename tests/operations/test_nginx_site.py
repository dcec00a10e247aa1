"""The reference nginx site (deploy/nginx) in front of the production stack (issue 13): the file a host
installs, checked by `nginx -t` and then served by the system's nginx, with gunicorn, the worker and beat
behind it as deploy/systemd runs them (BEHIND_PROXY, X-Accel-Redirect downloads, HTTPS redirect on).

What a host relies on and only a running nginx shows: plain HTTP only redirects; TLS answers with HSTS;
static files come from nginx with a year's cache; a private file is sent by nginx only after Django has
checked who asks (X-Accel-Redirect to an internal location nobody can request); /media/ is closed; a body
over the upload limit is refused by nginx before a worker sees it; and the client address in the audit
trail is the one nginx saw, not the one a client claims in its headers.

nginx is a system package the suite needs (scripts/sysdeps.sh installs it), like Chromium: missing, the
test fails rather than skips.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from operations import smoke

from . import nginx_site
from .conftest import REDIS_URL, needs_services

pytestmark = needs_services

LICENCE = b"%PDF-1.4\n% the licence of the nginx test's organisation\n"
PASSWORD = "Nginx-Test-Passw0rd!"

SEED = f"""
from django.core.files.base import ContentFile
from tests.factories import MembershipFactory, UserFactory
user = UserFactory(username="nginx-admin", email="nginx-admin@example.com")
member = MembershipFactory(admin=True, user=user)
member.user.set_password({PASSWORD!r})
member.user.save()
organization = member.organization
organization.business_licence.save("licence.pdf", ContentFile({LICENCE!r}), save=False)
organization.business_licence_type = "application/pdf"
organization.save()
print("uscc", organization.uscc)
"""


def _run_manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(smoke.BIN / "python"), "manage.py", *args],
        cwd=smoke.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _wait_for_nginx(site: nginx_site.Site, nginx: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert nginx.poll() is None, (site.folder / "log" / "error.log").read_text(errors="replace")
        try:
            if site.request("GET", "/health/live/").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise AssertionError("nginx did not answer within a minute")


def _login(site: nginx_site.Site, *, username: str, password: str, claimed_ip: str) -> dict[str, str]:
    """Log in through nginx as a browser would; returns the cookies. The client claims another address."""
    page = site.request("GET", "/accounts/login/")
    assert page.status == 200, page.status
    cookies = dict(re.findall(r"(csrftoken)=([^;]+)", page.headers.get("set-cookie", "")))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    origin = f"https://{nginx_site.SERVER_NAME}:{site.https_port}"
    from urllib.parse import urlencode

    answer = site.request(
        "POST",
        "/accounts/login/",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "Origin": origin,
            "Referer": f"{origin}/accounts/login/",
            "X-Real-IP": claimed_ip,
            "X-Forwarded-For": claimed_ip,
        },
        body=urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password}).encode(),
    )
    assert answer.status == 302, (answer.status, answer.text[:2000])
    # http.client joins several Set-Cookie headers with ", ".
    cookies.update(re.findall(r"(sessionid|csrftoken)=([^;]+)", answer.headers.get("set-cookie", "")))
    assert "sessionid" in cookies, answer.headers
    return cookies


@pytest.mark.django_db(transaction=True)
def test_the_reference_nginx_site_in_front_of_the_stack(stack_database, tmp_path):
    if shutil.which(nginx_site.NGINX) is None:
        pytest.fail("nginx is missing: apt-get install nginx (scripts/sysdeps.sh does it as root on Debian)")
    srv = tmp_path / "srv"
    port = smoke.free_port()
    site = nginx_site.write_site(
        tmp_path / "nginx",
        http_port=smoke.free_port(),
        https_port=smoke.free_port(),
        upstream_port=port,
        srv=srv,
    )
    checked = nginx_site.config_test(site)
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr

    env = smoke.production_environment(
        database_url=stack_database, redis_url=REDIS_URL, workdir=tmp_path, port=port
    )
    env.update(
        {
            "BEHIND_PROXY": "true",
            "MEDIA_ACCEL_REDIRECT_PREFIX": "/_private/",
            "SECURE_SSL_REDIRECT": "true",
            "STATIC_ROOT": str(srv / "staticfiles"),
            "MEDIA_ROOT": str(srv / "media"),
            "PORTAL_URL": f"https://{nginx_site.SERVER_NAME}:{site.https_port}",
            # nginx passes Host without the port ($host); on this test's high port the browser's Origin has
            # one, so it is named as trusted, as a host serving on a port other than 443 would.
            "CSRF_TRUSTED_ORIGINS": f"https://{nginx_site.SERVER_NAME}:{site.https_port}",
        }
    )
    smoke.prepare(env)
    uscc = _run_manage(env, "shell", "-c", SEED).split()[-1]

    with smoke.running_stack(env, tmp_path, port) as stack:
        nginx = nginx_site.start(site)
        try:
            _wait_for_nginx(site, nginx)

            # Plain HTTP: only a redirect to HTTPS.
            plain = site.request("GET", "/accounts/login/", tls=False)
            assert plain.status == 301
            assert plain.headers["location"] == f"https://{nginx_site.SERVER_NAME}/accounts/login/"

            # HTTPS: the portal, with HSTS, and Django sees the request as secure (no redirect loop).
            home = site.request("GET", "/")
            assert home.status == 200
            assert "长宁区" in home.text
            assert "max-age=31536000" in home.headers["strict-transport-security"]

            # Static files from nginx's own location: a year's cache, immutable (whitenoise says 10 years).
            stylesheet = re.search(r'href="(/static/[^"]+\.css)"', home.text).group(1)
            static = site.request("GET", stylesheet)
            assert static.status == 200
            assert static.headers["content-type"].startswith("text/css")
            assert "max-age=31536000" in static.headers["cache-control"]
            assert "immutable" in static.headers["cache-control"]
            assert static.body == (srv / "staticfiles" / stylesheet.removeprefix("/static/")).read_bytes()

            # Nothing under media is reachable by URL, the internal location included.
            assert site.request("GET", "/media/private/").status == 404
            licence_path = next((srv / "media" / "private").rglob("*.pdf"))
            internal = "/_private/" + licence_path.relative_to(srv / "media" / "private").as_posix()
            assert site.request("GET", internal).status == 404

            # A private file: Django checks the user, nginx sends the bytes.
            cookies = _login(
                site, username="nginx-admin@example.com", password=PASSWORD, claimed_ip="203.0.113.9"
            )
            cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
            download = site.request(
                "GET", "/accounts/organization/identity/licence/", headers={"Cookie": cookie}
            )
            assert download.status == 200, download.status
            assert download.body == LICENCE
            assert download.headers["content-type"] == "application/pdf"
            assert (
                uscc in download.headers["content-disposition"]
                or "filename*" in download.headers["content-disposition"]
            )
            assert "x-accel-redirect" not in download.headers  # consumed by nginx, never shown to the client
            anonymous = site.request("GET", "/accounts/organization/identity/licence/")
            assert anonymous.status == 302  # to the login page, and no file
            assert anonymous.body != LICENCE

            # A body over the upload limit: 413 from nginx, and gunicorn never sees the request.
            big = site.request(
                "POST",
                "/accounts/login/",
                headers={"Content-Type": "application/octet-stream"},
                body=b"x" * (22 * 1024 * 1024),
            )
            assert big.status == 413
        finally:
            nginx.terminate()
            nginx.wait(timeout=30)
        gunicorn_log = stack.log("gunicorn")
    assert gunicorn_log.count("POST /accounts/login/") == 1  # only the real login reached a worker

    # The audit trail names the address nginx saw (loopback), not the one the client claimed.
    ip = _run_manage(
        env,
        "shell",
        "-c",
        "from audit.models import AuditRecord; "
        "print(AuditRecord.objects.filter(action='login', username='nginx-admin').latest('seq').ip_address)",
    ).split()[-1]
    assert ip == "127.0.0.1"


def test_the_reference_site_names_what_the_portal_is_configured_with():
    """The site's upload limit and the portal's are kept in step (a larger body is refused by nginx)."""
    from django.conf import settings

    text = Path(nginx_site.SITE).read_text()
    limit_mb = int(re.search(r"client_max_body_size (\d+)m;", text).group(1))
    assert (
        settings.MATERIAL_MAX_BYTES < limit_mb * 1024 * 1024 <= settings.MATERIAL_MAX_BYTES + 2 * 1024 * 1024
    )

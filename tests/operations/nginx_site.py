"""The reference nginx site (deploy/nginx) made runnable here, for tests/operations/test_nginx_site.py.

The files are the ones a host installs, changed only where a host changes them (its name, ports, certificate
and folders). Each replacement must find its text: a reference file that drifts from what is tested here
fails the test instead of being tested in a form nobody deploys.
"""

from __future__ import annotations

import http.client
import os
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

from operations.smoke import ROOT, Response
from policies.signing import self_signed

SITE = ROOT / "deploy" / "nginx" / "changning-ai.conf"
PROXY = ROOT / "deploy" / "nginx" / "changning-ai-proxy.conf"
NGINX = "/usr/sbin/nginx"
SERVER_NAME = "localhost"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for `localhost` and its key; the test's client trusts exactly this certificate."""
    chain, private = folder / "fullchain.pem", folder / "privkey.pem"
    self_signed(private, chain, common_name=SERVER_NAME, days=30, dns_names=(SERVER_NAME,))
    return chain, private


def _replace(text: str, old: str, new: str, *, where: str) -> str:
    if old not in text:
        raise AssertionError(f"{where} no longer contains {old!r}: update tests/operations/nginx_site.py")
    return text.replace(old, new)


@dataclass
class Site:
    folder: Path
    http_port: int
    https_port: int
    certificate: Path

    @property
    def main_config(self) -> Path:
        return self.folder / "nginx.conf"

    def request(
        self,
        method: str,
        path: str,
        *,
        tls: bool = True,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        timeout: float = 30,
    ) -> Response:
        if tls:
            context = ssl.create_default_context(cafile=str(self.certificate))
            # By the certificate's name, which the client checks (localhost resolves to the loopback).
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                SERVER_NAME, self.https_port, timeout=timeout, context=context
            )
            host = f"{SERVER_NAME}:{self.https_port}"
        else:
            connection = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=timeout)
            host = f"{SERVER_NAME}:{self.http_port}"
        try:
            sent = {"Host": host, "Accept-Language": "zh-hans", **(headers or {})}
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read())
        finally:
            connection.close()


def write_site(folder: Path, *, http_port: int, https_port: int, upstream_port: int, srv: Path) -> Site:
    """The reference site and proxy headers for this machine, with a minimal main nginx.conf around them
    (the one a Debian host already has: mime types, temp paths, one worker)."""
    chain, key = self_signed_certificate(folder / "ssl")
    (folder / "log").mkdir(parents=True, exist_ok=True)
    (folder / "acme").mkdir(exist_ok=True)
    proxy = folder / "changning-ai-proxy.conf"
    proxy.write_text(PROXY.read_text())
    site = SITE.read_text()
    for old, new in [
        ("    listen [::]:80;\n", ""),
        ("    listen [::]:443 ssl http2;\n", ""),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("server_name ai.changning.example.gov.cn;", f"server_name {SERVER_NAME};"),
        ("/etc/ssl/changning-ai/fullchain.pem", str(chain)),
        ("/etc/ssl/changning-ai/privkey.pem", str(key)),
        # A self-signed certificate has no OCSP responder to staple.
        ("ssl_stapling on;", "ssl_stapling off;"),
        ("ssl_stapling_verify on;", "ssl_stapling_verify off;"),
        ("/srv/changning-ai/", f"{srv}/"),
        ("/var/log/nginx/", f"{folder / 'log'}/"),
        ("/var/www/letsencrypt", str(folder / "acme")),
        ("/etc/nginx/changning-ai-proxy.conf", str(proxy)),
        ("server 127.0.0.1:8000 ", f"server 127.0.0.1:{upstream_port} "),
    ]:
        site = _replace(site, old, new, where=str(SITE.relative_to(ROOT)))
    (folder / "changning-ai.conf").write_text(site)
    temp = folder / "temp"
    temp.mkdir(exist_ok=True)
    # As root, the workers would run as nobody and could not read the test's private folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'log' / 'error.log'} warn;\n"
        "events { worker_connections 128; }\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        "    default_type application/octet-stream;\n"
        "    sendfile on;\n"
        f"    client_body_temp_path {temp / 'body'};\n"
        f"    proxy_temp_path {temp / 'proxy'};\n"
        f"    fastcgi_temp_path {temp / 'fastcgi'};\n"
        f"    uwsgi_temp_path {temp / 'uwsgi'};\n"
        f"    scgi_temp_path {temp / 'scgi'};\n"
        f"    include {folder / 'changning-ai.conf'};\n"
        "}\n"
    )
    return Site(folder=folder, http_port=http_port, https_port=https_port, certificate=chain)


def config_test(site: Site) -> subprocess.CompletedProcess:
    """`nginx -t` on the site: syntax, directives this nginx knows, certificate and key loadable."""
    return subprocess.run(
        [NGINX, "-t", "-p", str(site.folder), "-c", str(site.main_config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def start(site: Site) -> subprocess.Popen:
    log = open(site.folder / "log" / "nginx.out", "wb")
    return subprocess.Popen(
        [NGINX, "-p", str(site.folder), "-c", str(site.main_config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

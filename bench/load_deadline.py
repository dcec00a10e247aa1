"""Deadline day: N enterprises log in and submit in the last minutes of a call, all at once, against
gunicorn (the repository's config, DEBUG off) on PostgreSQL and Redis. Loopback only, bounded.

Run:  .venv/bin/python bench/load_deadline.py [--users 200] [--workers 3] [--keep]

It builds a throw-away database (bench_deadline), N organisations each with a ready 7.1 draft (facts and
every required material), starts gunicorn as nginx would reach it (X-Forwarded-Proto: https from a trusted
loopback proxy), and lets N clients (threads, one HTTP session each) do what an enterprise does in the
last minutes: open the login page, log in, open the submit page, submit, open the application. Then it
checks what matters: no error, every draft submitted exactly once, the application numbers unique and
gapless, nothing lost; and prints latency per step (p50, p95, max) and the throughput.

The clients are plain threads over http.client (one keep-alive connection each): the measurement is of
the server, and the driver stays small enough to read.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = "bench_deadline"
PASSWORD = "Deadline-Day-2026"  # noqa: S105 (a throw-away bench account)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(port: int, media: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "changning_ai.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8"),
        "DEBUG": "false",
        "DEMO_MODE": "false",
        "SECRET_KEY": "bench-deadline-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "PORTAL_URL": f"https://127.0.0.1:{port}",
        "BEHIND_PROXY": "true",
        "MEDIA_ROOT": str(media),
        "STATIC_ROOT": str(media / "static"),
        # Nobody to e-mail: the notifications of each submission are queued, not sent, by the bench.
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }


# ---------------------------------------------------------------- the world


def prepare(env: dict[str, str], users: int) -> list[tuple[str, int]]:
    """The database and N enterprises with a ready draft each; returns (username, application pk)."""
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone

    from applications.models import Call, CallItem
    from policies.models import PolicyItem
    from tests.applications.conftest import ready
    from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

    call_command("migrate", verbosity=0)
    call_command("loadpolicy", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    now = timezone.now()
    item = PolicyItem.objects.get(round__code="changning-ai-2024", code="7.1")
    call = Call.objects.create(
        round_id=item.round_id,
        year=now.year,
        title="截止日压力测试批次",
        opens_at=now - timedelta(days=30),
        closes_at=now + timedelta(hours=2),  # "the last minutes": the whole run fits well inside
        reviewers_per_application=3,
    )
    CallItem.objects.create(call=call, item=item)
    hashed = make_password(PASSWORD)  # one hash for every account: 200 hashings would take a minute
    accounts = []
    for n in range(users):
        user = UserFactory(username=f"deadline{n:04d}", password=hashed)
        user.password = hashed
        user.save(update_fields=["password"])
        MembershipFactory(user=user, organization=OrganizationFactory(), admin=True)
        application = ready(user, call, matter=f"压力测试项目{n:04d}")
        accounts.append((user.username, application.pk))
    return accounts


# ---------------------------------------------------------------- one enterprise


@dataclass
class Client:
    port: int
    address: str  # the enterprise's own address, as the proxy reports it (X-Real-IP)
    cookies: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)

    def request(self, step: str, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            # What nginx adds in front of gunicorn: the original scheme, and the client's address.
            "X-Forwarded-Proto": "https",
            "X-Real-IP": self.address,
            "X-Forwarded-For": self.address,
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Accept-Language": "zh-CN",
        }
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://127.0.0.1:{self.port}"
            headers["Referer"] = f"https://127.0.0.1:{self.port}{path}"
        started = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        self.timings[step] = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return response.status, response.headers.get("Location", ""), text


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NUMBER = re.compile(r"CNAI-\d{4}-7\.1-\d{5}")


def enterprise(
    port: int, username: str, pk: int, start: threading.Event, results: list, errors: list
) -> None:
    n = int(username.removeprefix("deadline"))
    client = Client(port, f"198.18.{n // 250}.{n % 250 + 1}")  # each enterprise from its own network
    try:
        start.wait()
        status, _, page = client.request("login page", "GET", "/accounts/login/")
        assert status == 200, f"login page {status}"
        token = CSRF.search(page).group(1)
        form = {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}
        status, location, _ = client.request("log in", "POST", "/accounts/login/", form)
        assert status == 302, f"log in {status}"
        status, _, page = client.request("submit page", "GET", f"/applications/{pk}/submit/")
        assert status == 200, f"submit page {status}"
        token = CSRF.search(page).group(1)
        status, location, _ = client.request(
            "submit", "POST", f"/applications/{pk}/submit/", {"csrfmiddlewaretoken": token}
        )
        assert status == 302 and location.endswith(f"/applications/{pk}/"), f"submit {status} {location}"
        status, _, page = client.request("application page", "GET", f"/applications/{pk}/")
        assert status == 200 and NUMBER.search(page), f"application page {status}"
        results.append(client.timings)
    except Exception as exc:  # every failure is counted and shown; none stops the others
        errors.append(f"{username}: {exc!r}")
    finally:
        client.connection.close()


# ---------------------------------------------------------------- the run


def wait_until_serving(port: int, process: subprocess.Popen, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited before serving: see its output above")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/", headers={"X-Forwarded-Proto": "https"})
            if connection.getresponse().status < 500:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"gunicorn did not serve within {limit:.0f} s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: its config)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    port = free_port()
    media = Path(tempfile.mkdtemp(prefix="deadline-media-"))
    env = environment(port, media)
    print(f"preparing {args.users} enterprises with a ready 7.1 draft …", flush=True)
    accounts = prepare(env, args.users)

    command = [sys.executable, "-m", "gunicorn", "changning_ai.wsgi", "--bind", f"127.0.0.1:{port}"]
    config = ROOT / "deploy" / "gunicorn.conf.py"
    if config.exists():
        command += ["--config", str(config)]
    if args.workers:
        command += ["--workers", str(args.workers)]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    try:
        wait_until_serving(port, server)
        start, results, errors = threading.Event(), [], []
        threads = [
            threading.Thread(target=enterprise, args=(port, username, pk, start, results, errors))
            for username, pk in accounts
        ]
        for thread in threads:
            thread.start()
        began = time.perf_counter()
        start.set()  # everyone at once: the last minutes before the deadline
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        shutil.rmtree(media, ignore_errors=True)

    from applications.models import Application

    submitted = Application.objects.filter(pk__in=[pk for _, pk in accounts])
    numbers = sorted(n for n in submitted.values_list("number", flat=True) if n)
    serials = [int(n.rsplit("-", 1)[1]) for n in numbers]
    revisions = sum(a.revisions.count() for a in submitted)
    print(f"\n{args.users} enterprises, all starting at once; finished in {elapsed:.1f} s")
    print(f"errors: {len(errors)}")
    for line in errors[:10]:
        print("  ", line)
    print(f"submitted: {submitted.filter(status='submitted').count()} / {args.users}; revisions: {revisions}")
    gapless = serials == list(range(1, len(serials) + 1))
    print(
        f"application numbers: {len(numbers)}, unique {len(set(numbers)) == len(numbers)}, gapless {gapless}"
    )
    print(f"\n{'step':<18}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for step in ("login page", "log in", "submit page", "submit", "application page"):
        values = [r[step] * 1000 for r in results if step in r]
        if values:
            p50, p95 = statistics.median(values), percentile(values, 0.95)
            print(f"{step:<18}{p50:>10.0f}{p95:>10.0f}{max(values):>10.0f}")
    if not args.keep:
        from django.db import connections

        connections.close_all()
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    ok = not errors and len(numbers) == args.users and gapless and revisions == args.users
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

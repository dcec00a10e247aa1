"""The production stack, started on this machine and checked over HTTP: `make deploy-check`
(scripts/deploy_check.sh) and, without nginx, tests/operations/test_deploy_stack.py.

The stack is what deploy/systemd runs: gunicorn with deploy/gunicorn.conf.py, a Celery worker and Celery
beat, on PostgreSQL and Redis, with DEBUG off and the static files collected and served by whitenoise. It
runs on a free loopback port, with its own database, folders and Celery queue, so it disturbs nothing else
on the machine (another run, the test suite, a `make run`). Every wait polls a condition; none sleeps a
fixed time.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
READY_TIMEOUT_SECONDS = 90
HOST = "127.0.0.1"


class StackFailed(Exception):
    pass


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Stack:
    port: int
    workdir: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def get(self, path: str, timeout: float = 10) -> Response:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            connection.request("GET", path, headers={"Host": HOST, "Accept-Language": "zh-hans"})
            answer = connection.getresponse()
            return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read())
        finally:
            connection.close()

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise StackFailed(f"{name} exited with {process.returncode}:\n{self.log(name)[-3000:]}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def production_environment(*, database_url: str, redis_url: str, workdir: Path, port: int) -> dict[str, str]:
    """What a production host's EnvironmentFile says (deploy/systemd/changning-ai.env), for this machine:
    no TLS in front, so no HTTPS redirect; nothing of the caller's environment leaks in but PATH and LANG."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": str(workdir),
        "PYTHONPATH": str(ROOT),
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "PORTAL_URL": f"http://{HOST}:{port}",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_TASK_DEFAULT_QUEUE": f"deploy-check-{uuid.uuid4().hex}",
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "AUDIT_ARCHIVE_DIR": str(workdir / "archive"),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "GUNICORN_BIND": f"{HOST}:{port}",
        "GUNICORN_WORKERS": "2",
        # Low enough that the check passes on a CI runner's small disk.
        "HEALTH_MIN_FREE_DISK_MB": "64",
    }


def prepare(env: dict[str, str]) -> None:
    """collectstatic and migrate, as a deployment does before (re)starting the services; side by side, as
    neither needs the other."""
    commands = {
        "collectstatic": ["collectstatic", "--noinput", "--verbosity", "0"],
        "migrate": ["migrate", "--noinput", "--verbosity", "0"],
    }
    running = {
        name: subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py, fixed arguments)
            [str(BIN / "python"), "manage.py", *command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, command in commands.items()
    }
    failures = []
    try:
        for name, process in running.items():
            output, _ = process.communicate(timeout=300)
            if process.returncode != 0:
                failures.append(f"manage.py {name} failed:\n{output}")
    finally:
        for process in running.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    if failures:
        raise StackFailed("\n".join(failures))


def _commands(stack: Stack, env: dict[str, str]) -> dict[str, list[str]]:
    queue = env["CELERY_TASK_DEFAULT_QUEUE"]
    return {
        "gunicorn": [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "changning_ai.wsgi"],
        # The worker of deploy/systemd with one process (--pool solo): enough to answer and run tasks.
        "worker": [
            str(BIN / "celery"), "--app", "changning_ai", "worker", "--pool", "solo", "--loglevel", "INFO",
            "--hostname", f"{queue}@%h", "--without-gossip", "--without-mingle",
        ],
        "beat": [
            str(BIN / "celery"), "--app", "changning_ai", "beat", "--loglevel", "INFO",
            "--schedule", str(stack.workdir / "celerybeat-schedule"),
        ],
    }  # fmt: skip


@contextmanager
def running_stack(env: dict[str, str], workdir: Path, port: int) -> Iterator[Stack]:
    """gunicorn, the worker and beat, each logging to workdir/<name>.log; yields once /health/ready/ says
    ok (the worker answering Celery's ping is one of its checks) and beat has started. Always stops them."""
    stack = Stack(port=port, workdir=workdir)
    try:
        for name, command in _commands(stack, env).items():
            with open(workdir / f"{name}.log", "wb") as log:
                stack.processes[name] = subprocess.Popen(  # noqa: S603 (the fixed commands above)
                    command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
        wait_until_ready(stack)
        yield stack
    finally:
        stop(stack)


def wait_until_ready(stack: Stack, timeout: float = READY_TIMEOUT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        stack.check_alive()
        try:
            response = stack.get("/health/ready/", timeout=5)
        except OSError as exc:  # not listening yet
            last = f"{type(exc).__name__}: {exc}"
        else:
            last = f"{response.status} {response.text[:500]}"
            if response.status == 200 and "beat: Starting" in stack.log("beat"):
                return
        time.sleep(0.25)
    raise StackFailed(
        f"not ready within {timeout:.0f} s; /health/ready/ said {last}\n"
        + "\n".join(f"--- {name}.log\n{stack.log(name)[-2000:]}" for name in stack.processes)
    )


def stop(stack: Stack) -> None:
    """SIGTERM (gunicorn's and Celery's graceful stop), then SIGKILL to whatever is left of each group."""
    for process in stack.processes.values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in stack.processes.values():
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def smoke(stack: Stack) -> list[str]:
    """What a visitor and an operator see, over HTTP; the failures, in words (none: the stack works)."""
    failures: list[str] = []

    def expect(condition: bool, message: str) -> None:
        if not condition:
            failures.append(message)

    home = stack.get("/")
    expect(home.status == 200, f"home page: {home.status}")
    expect("长宁区" in home.text, "home page: no Chinese text (长宁区)")
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', home.text)
    expect(stylesheet is not None, "home page: no stylesheet under /static/")
    if stylesheet:
        static = stack.get(stylesheet.group(1))
        expect(static.status == 200, f"{stylesheet.group(1)}: {static.status}")
        expect(
            static.headers.get("content-type", "").startswith("text/css"), f"{stylesheet.group(1)}: not CSS"
        )
        # Collected with hashed names by the manifest storage, so whitenoise may cache it for ever.
        expect("max-age=315360000" in static.headers.get("cache-control", ""), "static file: not cached long")

    live = stack.get("/health/live/")
    expect((live.status, live.text) == (200, '{"status": "ok"}'), f"/health/live/: {live.status} {live.text}")
    ready = stack.get("/health/ready/")
    expect(ready.status == 200, f"/health/ready/: {ready.status} {ready.text}")
    for check in ("database", "cache", "redis", "celery", "media_disk", "audit_chain"):
        expect(f'"{check}": "ok"' in ready.text, f"/health/ready/: {check} is not ok: {ready.text}")

    login = stack.get("/accounts/login/")
    expect(login.status == 200 and "登录" in login.text, f"login page: {login.status}")
    expect("csrftoken" in login.headers.get("set-cookie", ""), "login page: no CSRF cookie")

    missing = stack.get("/no-such-page/")
    expect(missing.status == 404, f"404 page: {missing.status}")
    expect("页面不存在" in missing.text and "长宁区" in missing.text, "404 page: not the portal's own")

    return failures


# ---------------------------------------------------------------- make deploy-check


def _server_and_name(database_url: str) -> tuple[str, str]:
    base, _, name = database_url.rpartition("/")
    return base, name


@contextmanager
def fresh_database(database_url: str, *, template: str | None = None) -> Iterator[str]:
    """A database of its own on the server of database_url, dropped afterwards: empty, or a copy of
    `template` (an already migrated database nobody is connected to, which spares the migrations)."""
    import psycopg

    base, _ = _server_and_name(database_url)
    name = f"changning_ai_deploy_check_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="启动生产环境栈(gunicorn、Celery worker 与 beat)并做冒烟测试。"
    )
    parser.add_argument(
        "--database-server",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL URL; a database of its own is created on that server and dropped afterwards.",
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args(argv)
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="changning-deploy-check-") as folder,
        fresh_database(args.database_server) as database_url,
    ):
        workdir = Path(folder)
        port = free_port()
        env = production_environment(
            database_url=database_url, redis_url=args.redis_url, workdir=workdir, port=port
        )
        try:
            prepare(env)
            with running_stack(env, workdir, port) as stack:
                failures = smoke(stack)
        except StackFailed as exc:
            print(f"deploy-check: {exc}", file=sys.stderr)
            return 1
    for failure in failures:
        print(f"deploy-check: FAIL {failure}", file=sys.stderr)
    if failures:
        return 1
    print(
        "deploy-check: ok — gunicorn, Celery worker and beat on PostgreSQL and Redis, "
        f"{time.monotonic() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How the list pages scale: every page of issue 13's table, at 1,000 and at 100,000 applications.

Two PostgreSQL databases (bench_1k, bench_100k by default) are created, migrated and seeded with
`manage.py seed_scale` when missing or empty. Each page is requested through the Django test client, logged
in as the role that uses it, alternating the two sizes request by request in one process (so both see the
same machine load); the table shows the queries of one request and the median of the runs, and the ratio.

Run: .venv/bin/python bench/bench_pages.py                  (15 runs per page and size)
     BENCH_RUNS=5 BENCH_PAGES=notice,batch_new .venv/bin/python bench/bench_pages.py
     BENCH_DB_PREFIX=mybench BENCH_SIZES=1000,100000 ...    (other database names / sizes)
The host, port and user come from DATABASE_URL (default postgres://postgres@127.0.0.1:5432/).
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "changning_ai.settings_test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # what pytest-django does for its client

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,100000").split(",")]
PREFIX = os.environ.get("BENCH_DB_PREFIX", "bench")
ONLY = {p for p in os.environ.get("BENCH_PAGES", "").split(",") if p}


def db_name(size: int) -> str:
    return f"{PREFIX}_{size // 1000}k" if size % 1000 == 0 else f"{PREFIX}_{size}"


def use_database(name: str) -> None:
    """Point the default connection at another database and connect (outside any timing)."""
    connection.close()
    connection.settings_dict["NAME"] = name
    connection.ensure_connection()


def ensure_database(size: int) -> None:
    import psycopg

    s = connection.settings_dict
    admin = f"host={s['HOST']} port={s['PORT']} user={s['USER']} dbname=postgres"
    name = db_name(size)
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    use_database(name)
    call_command("migrate", verbosity=0)
    from applications.models import Application

    if not Application.objects.exists():
        print(f"seeding {name} with {size} applications …", flush=True)
        call_command("seed_scale", applications=size, yes_really=True)


def login(role):
    """A client logged in as the first seeded user of the role (or the user of that name), second factor
    passed (as tests/conftest.py does)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User

    client = Client()
    if role is None:
        return client
    if isinstance(role, str) and role.startswith("user:"):
        user = User.objects.get(username=role.removeprefix("user:"))
    else:
        users = User.objects.filter(groups__name=role.value, username__startswith="scale-")
        user = users.order_by("pk").first()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="bench", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def targets() -> dict[str, tuple[object, str]]:
    """Page name → (role, URL) in the current database."""
    from accounts.models import User
    from accounts.roles import Role
    from applications.models import Application, Call
    from disbursement.models import PaymentBatch
    from reviews.models import PublicNotice

    notice = PublicNotice.objects.annotate(n=Count("entries")).order_by("-n", "pk").first()
    batch = PaymentBatch.objects.annotate(n=Count("installments")).order_by("-n", "pk").first()
    call = Call.objects.order_by("-year", "-pk").first()
    application = (
        Application.objects.filter(status=Application.Status.RECOGNISED, call_item__call=call)
        .order_by("pk")
        .first()
    )
    officer = (
        User.objects.filter(groups__name=Role.INTAKE_OFFICER.value, username__startswith="scale-")
        .order_by("pk")
        .first()
    )
    A, F, C, P = Role.AUDIT_ADMIN, Role.FINANCE_OFFICER, Role.COMMISSION_APPROVER, None
    return {
        "batch_new": (F, "/finance/batches/new/"),
        "notice": (P, f"/notices/{notice.pk}/"),
        "assign": (C, "/review/assign/"),
        # Every application, complete ones too: a full page of 100 in both worlds (the default view has 30
        # at 1k), so this row compares the same amount of HTML at both sizes.
        "assign_all": (C, "/review/assign/?show=all"),
        "review_notices": (C, "/review/notices/"),
        "awards": (F, "/finance/awards/"),
        "queue": (C, "/review/applications/"),
        "queue_filtered": (C, f"/review/applications/?call={call.pk}&status=under_review"),
        "batches": (F, "/finance/batches/"),
        "audit_action": (A, "/audit/?action=application.update"),
        "audit_user": (A, f"/audit/?username={officer.username}"),
        "notices": (P, "/notices/"),
        "batch_detail": (F, f"/finance/batches/{batch.pk}/"),
        "dashboard": (F, "/finance/dashboard/"),
        "app_detail": (f"user:{application.created_by.username}", f"/applications/{application.pk}/"),
    }


def main() -> None:
    for size in SIZES:
        ensure_database(size)
    pages: dict[int, dict] = {}
    clients: dict[tuple[int, object], Client] = {}
    for size in SIZES:
        use_database(db_name(size))
        pages[size] = {k: v for k, v in targets().items() if not ONLY or k in ONLY}
        for role, _url in pages[size].values():
            if (size, role) not in clients:
                clients[size, role] = login(role)
    names = list(pages[SIZES[0]])
    times: dict[tuple[str, int], list[float]] = {(n, s): [] for n in names for s in SIZES}
    queries: dict[tuple[str, int], int] = {}
    sizes_bytes: dict[tuple[str, int], int] = {}
    rows: dict[tuple[str, int], int] = {}
    for name in names:
        for run in range(RUNS + 1):  # the first run of each size warms caches and is not counted
            for size in SIZES if run % 2 else reversed(SIZES):
                use_database(db_name(size))
                role, url = pages[size][name]
                client = clients[size, role]
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.get(url)
                    elapsed = time.perf_counter() - start
                if response.status_code != 200:
                    raise SystemExit(f"{name} at {size}: {url} answered {response.status_code}")
                if run:
                    times[name, size].append(elapsed)
                queries[name, size] = len(captured)
                sizes_bytes[name, size] = len(response.content)
                # Table rows of the page's body (its header rows included): a page with fewer rows at 1k
                # than a full page at 100k compares amounts of HTML, not growth with the data.
                rows[name, size] = response.content.count(b"<tr")
    small, large = SIZES[0], SIZES[-1]
    print(f"database: PostgreSQL {connection.pg_version}; p50 of {RUNS} runs, sizes alternating")
    header = (
        f"| page | queries {small} / {large} | table rows {small} / {large} | p50 {small} (ms) "
        f"| p50 {large} (ms) | ratio | KB at {large} |"
    )
    print(header)
    print("|---|---|---|---|---|---|---|")
    for name in names:
        p_small = statistics.median(times[name, small]) * 1e3
        p_large = statistics.median(times[name, large]) * 1e3
        print(
            f"| {name} `{pages[large][name][1]}` | {queries[name, small]} / {queries[name, large]} "
            f"| {rows[name, small]} / {rows[name, large]} "
            f"| {p_small:.1f} | {p_large:.1f} | {p_large / p_small:.2f}× "
            f"| {sizes_bytes[name, large] // 1024} |"
        )


if __name__ == "__main__":
    main()

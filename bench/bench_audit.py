"""How fast the audit trail is written and verified: audit.services.record (one chained record under the
head lock, with before/after) and audit.chain.verify_chain (the walk `manage.py verify_audit` does).

Run: .venv/bin/python bench/bench_audit.py            (a throw-away SQLite database)
     DATABASE_URL=postgres://postgres@127.0.0.1:5432/cnai_bench .venv/bin/python bench/bench_audit.py
     (PostgreSQL: the database is created if missing and its audit tables emptied first)
"""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "changning_ai.settings_test")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from audit import services  # noqa: E402
from audit.chain import verify_chain  # noqa: E402
from audit.models import AuditRecord  # noqa: E402

N = 5000


def ensure_database() -> None:
    if connection.vendor != "postgresql":
        return
    import psycopg

    settings = connection.settings_dict
    admin = f"host={settings['HOST']} port={settings['PORT']} user={settings['USER']} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [settings["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{settings["NAME"]}"')


def main() -> None:
    ensure_database()
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:  # a benchmark's own database: start from an empty trail
        cursor.execute(
            "TRUNCATE audit_auditrecord"
            if connection.vendor == "postgresql"
            else "DELETE FROM audit_auditrecord"
        )
    start = time.perf_counter()
    for i in range(N):
        services.record(
            "budget.update",
            before={"committed_fen": i * 100, "account_number": "6222020200112233445"},
            after={"committed_fen": (i + 1) * 100, "account_number": "6222020200112233445"},
            detail=f"bench {i}",
        )
    written = time.perf_counter() - start
    start = time.perf_counter()
    verdict = verify_chain()
    walked = time.perf_counter() - start
    assert verdict.ok and verdict.checked == AuditRecord.objects.count() == N
    print(f"database: {connection.vendor}")
    print(
        f"audit.services.record: {N / written:8.0f} records/s  ({written / N * 1e3:.2f} ms each, autocommit)"
    )
    print(f"verify_chain:          {N / walked:8.0f} records/s  ({walked:.2f} s for {N})")


if __name__ == "__main__":
    main()

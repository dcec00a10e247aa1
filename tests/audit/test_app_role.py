"""Issue 14, finding 6: the portal runs as a database role that cannot delete, change or truncate audit
records, whatever flag it sets; archiving goes through the owner's `audit_archive_delete` and the chain still
verifies. PostgreSQL only (SQLite has no roles); the app role connects for real (psycopg), so the rows it
sees must be committed (transactional_db)."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit import archive as archiving
from audit import services
from audit.chain import verify_chain
from audit.models import AuditArchive, AuditRecord

SHANGHAI = ZoneInfo("Asia/Shanghai")
OLD = datetime(2024, 9, 1, 10, 0, tzinfo=SHANGHAI)
NOW = datetime(2025, 3, 20, 12, 0, tzinfo=SHANGHAI)  # 200 days after OLD

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def app_role(transactional_db, time_machine):
    """A role of this test database's own: roles are shared by every database of the server. Created on
    OLD's day, so its own audit record (db.app_role) is among the old ones."""
    time_machine.move_to(OLD, tick=False)
    role = f"{connection.settings_dict['NAME']}_app"[:63]
    call_command("create_app_role", role=role, stdout=io.StringIO())
    yield role
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{role}"')
        cursor.execute(f'DROP ROLE IF EXISTS "{role}"')


def connect(role: str) -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=role,
        autocommit=True,
    )


@pytest.fixture
def trail(app_role, time_machine) -> list[AuditRecord]:
    old = [services.record("login", detail=f"旧记录{n}") for n in range(3)]
    time_machine.move_to(NOW, tick=False)
    return [*old, services.record("login", detail="新记录")]


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM audit_auditrecord",
        "UPDATE audit_auditrecord SET detail = 'x'",
        "TRUNCATE audit_auditrecord",
        "DELETE FROM audit_auditarchive",
    ],
)
def test_the_app_role_cannot_delete_change_or_truncate_audit_rows_even_with_the_old_flag(
    app_role, trail, statement
):
    with connect(app_role) as app, app.transaction():
        with app.cursor() as cursor:
            cursor.execute("SET LOCAL audit.allow_archive = 'on'")
            cursor.execute("SET LOCAL audit.archiving = 'on'")
            with pytest.raises(psycopg.errors.InsufficientPrivilege), app.transaction():
                cursor.execute(statement)
    assert AuditRecord.objects.count() == 5
    assert verify_chain().ok


def test_the_app_role_reads_and_appends_like_the_portal(app_role, trail):
    with connect(app_role) as app, app.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_auditrecord")
        assert cursor.fetchone()[0] == 5
        # The rest of the portal's tables are the application's to change.
        cursor.execute("UPDATE accounts_user SET first_name = first_name")
        cursor.execute("DELETE FROM django_session")


def test_the_owner_cannot_lift_the_trigger_with_a_flag_either(trail):
    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute("SET audit.allow_archive = 'on'")
        cursor.execute("DELETE FROM audit_auditrecord")
    assert AuditRecord.objects.count() == 5


def test_the_function_deletes_only_what_an_archive_row_describes_and_only_past_retention(
    app_role, trail, time_machine
):
    time_machine.move_to(datetime(2030, 1, 1, tzinfo=SHANGHAI), tick=False)
    services.record("login", detail="保存期内的记录")  # recent by the database's own clock
    forged = (
        "INSERT INTO audit_auditarchive (first_seq, last_seq, last_hash, record_count, file_name, "
        "file_sha256, created_at) VALUES (1, 6, 'x', 6, 'forged.jsonl.gz', 'x', now())"
    )
    with connect(app_role) as app, app.cursor() as cursor:
        with pytest.raises(psycopg.errors.RaiseException, match="no audit archive"):
            cursor.execute("SELECT audit_archive_delete(1, 3)")
        cursor.execute(forged)
        with pytest.raises(psycopg.errors.RaiseException, match="retention period"):
            cursor.execute("SELECT audit_archive_delete(1, 6)")
    assert AuditRecord.objects.count() == 6


def test_archiving_as_the_app_role_goes_through_the_function_and_the_chain_verifies(
    app_role, trail, tmp_path, capsys
):
    # The portal's own code path (archive_audit) with the app role's privileges on Django's connection.
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{app_role}"')
    try:
        call_command("archive_audit", directory=str(tmp_path))
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == app_role
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    archive = AuditArchive.objects.get()
    assert (archive.first_seq, archive.last_seq) == (1, 4)
    assert list(AuditRecord.objects.order_by("seq").values_list("seq", flat=True)) == [5, 6]
    assert verify_chain().ok
    assert archiving.verify_file(tmp_path / archive.file_name).ok
    capsys.readouterr()
    call_command("verify_audit")  # exits 1 on a broken chain
    assert "审计链完整:已校验 2 条记录" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("role", "stdin", "message"),
    [
        ("Bad-Name", "", "角色名“Bad-Name”无效"),
        ("postgres", "", "是运行本命令(表的所有者)的角色"),  # the owner (and a superuser) here
        ("changning_app_short", "short\n", "密码至少 16 个字符"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_creates_no_role(monkeypatch, role, stdin, message):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    options = {"password_stdin": True} if stdin else {}
    with pytest.raises(CommandError) as refused:
        call_command("create_app_role", role=role, **options)
    assert refused.value.returncode == 2 and message in str(refused.value)
    assert "\n" not in str(refused.value)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", [role.lower()])
        assert cursor.fetchone()[0] == (1 if role == "postgres" else 0)

"""`manage.py create_app_role [--role changning_app] [--password-stdin]` — the role the portal runs as.

Issue 14, finding 6: the application connects to PostgreSQL as a role that cannot change the audit trail at
all, while `migrate` (and this command) run as the tables' owner. Idempotent: run it after every `migrate`
(default privileges already cover tables a later migration creates; running it again also covers tables a
superuser created). The role gets
- LOGIN (with the password read from standard input, or none where the server trusts local connections),
  never SUPERUSER, CREATEDB, CREATEROLE or BYPASSRLS;
- SELECT, INSERT, UPDATE, DELETE on every table of the schema, and USAGE, SELECT on its sequences;
- on the audit records and their archive rows only SELECT and INSERT — no UPDATE, DELETE or TRUNCATE;
- EXECUTE on `audit_archive_delete`, the SECURITY DEFINER function of audit 0005 that is the one way to remove
  records already archived to a file.
Recorded in the audit trail as `db.app_role` by "命令 create_app_role". On SQLite (`make run`) there are no
roles: one line on stderr, exit 2.
"""

from __future__ import annotations

import re
import sys

from django.db import connection, transaction
from psycopg import sql

from audit import services
from audit.context import acting_as
from audit.models import AuditArchive, AuditRecord
from changning_ai.commands import OneLineErrorCommand

LABEL = "命令 create_app_role"
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Rows nobody but the archive function may remove, and nobody may change.
APPEND_ONLY = [AuditRecord._meta.db_table, AuditArchive._meta.db_table]


class Command(OneLineErrorCommand):
    help = "创建或更新应用程序连接数据库所用的角色(不能修改或删除审计记录),可重复运行。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--role", default="changning_app", help="角色名(小写字母、数字、下划线)")
        parser.add_argument(
            "--password-stdin", action="store_true", help="从标准输入读取该角色的密码(不加此项则不设密码)"
        )

    def handle(self, *args, **options) -> None:
        role = options["role"]
        if connection.vendor != "postgresql":
            raise self.fail("数据库角色仅适用于 PostgreSQL;SQLite(make run)无需此命令。")
        if not ROLE_NAME.match(role):
            raise self.fail(f"角色名“{role}”无效:只能用小写字母、数字和下划线,且不以数字开头。")
        password = None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
            if len(password) < 16:
                raise self.fail("密码至少 16 个字符。")
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database()")
            owner, database = cursor.fetchone()
            cursor.execute("SELECT to_regprocedure('audit_archive_delete(bigint,bigint)') IS NOT NULL")
            if not cursor.fetchone()[0]:
                raise self.fail("数据库中没有 audit_archive_delete 函数:请先运行 manage.py migrate。")
            if role == owner:
                raise self.fail(f"“{role}”是运行本命令(表的所有者)的角色;应用程序须使用另一个角色。")
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
            found = cursor.fetchone()
            if found and found[0]:
                raise self.fail(f"“{role}”是超级用户,无法限制其权限;请换一个角色名。")
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in self._statements(role, password, database, existed=bool(found)):
                cursor.execute(statement.as_string(connection.connection))
            with acting_as(label=LABEL):
                services.record("db.app_role", detail=f"应用程序数据库角色 {role}(审计记录只可读取和追加)")
        self.stdout.write(
            f"角色 {role} 已就绪:可登录数据库 {database},审计记录只可读取和追加,"
            "归档只能通过 audit_archive_delete。"
        )

    @staticmethod
    def _statements(role: str, password: str | None, database: str, *, existed: bool) -> list[sql.Composable]:
        name = sql.Identifier(role)
        attributes = sql.SQL("LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS")
        if password is not None:
            attributes = sql.SQL("{} PASSWORD {}").format(attributes, sql.Literal(password))
        statements = [sql.SQL("ALTER ROLE {} " if existed else "CREATE ROLE {} ").format(name) + attributes]
        statements += [
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), name),
            sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(name),
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(name),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(name),
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
                "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
            ).format(name),
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}"
            ).format(name),
        ]
        for table in APPEND_ONLY:
            statements.append(
                sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {} FROM {}").format(
                    sql.Identifier(table), name
                )
            )
        statements.append(
            sql.SQL("GRANT EXECUTE ON FUNCTION audit_archive_delete(bigint, bigint) TO {}").format(name)
        )
        return statements

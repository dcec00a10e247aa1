"""Issue 14, finding 6: no session can lift the append-only trigger by setting a flag.

Before, any session could `SET LOCAL audit.allow_archive = 'on'` and then delete audit records. Now:
- the trigger refuses UPDATE always, and DELETE unless the statement runs with the privileges of the
  table's owner *and* the transaction-local flag audit.archiving is on — which `audit_archive_delete` sets
  around its own DELETE. The owner could set the flag, or drop the trigger, anyway; every other role (the
  application's included) cannot get through it whatever it sets;
- `audit_archive_delete(first_seq, last_seq)` is SECURITY DEFINER, owned by the table's owner, and the only
  way the application removes records: only a range an AuditArchive row already describes, and only records
  older than the retention period by the database's own clock. EXECUTE is revoked from PUBLIC; the
  application's role (`manage.py create_app_role`) gets it, and no UPDATE, DELETE or TRUNCATE on the table.
TRUNCATE is still not blocked by the trigger: the owner flushes test databases with it, and the application's
role is never granted it.
"""

from django.conf import settings
from django.db import migrations

TRIGGER = """
CREATE OR REPLACE FUNCTION audit_record_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('audit.archiving', true) = 'on'
       AND current_user = (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit records are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""

ARCHIVE_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_archive_delete(p_first bigint, p_last bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    deleted bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM audit_auditarchive WHERE first_seq = p_first AND last_seq = p_last) THEN
        RAISE EXCEPTION 'no audit archive describes records % to %', p_first, p_last;
    END IF;
    IF EXISTS (SELECT 1 FROM audit_auditrecord
               WHERE seq BETWEEN p_first AND p_last AND created_at >= now() - interval 'RETENTION_DAYS days') THEN
        RAISE EXCEPTION 'audit records % to % are inside the retention period', p_first, p_last;
    END IF;
    PERFORM set_config('audit.archiving', 'on', true);
    DELETE FROM audit_auditrecord WHERE seq BETWEEN p_first AND p_last;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    PERFORM set_config('audit.archiving', 'off', true);
    RETURN deleted;
END;
$$;
REVOKE ALL ON FUNCTION audit_archive_delete(bigint, bigint) FROM PUBLIC;
DO $$
BEGIN
    -- The definer must be the table's owner (the trigger lets only the owner's DELETE through), also when
    -- migrations run as a superuser rather than as the owner.
    EXECUTE format('ALTER FUNCTION audit_archive_delete(bigint, bigint) OWNER TO %I',
                   (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'audit_auditrecord'::regclass));
END;
$$;
"""

OLD_TRIGGER = """
CREATE OR REPLACE FUNCTION audit_record_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('audit.allow_archive', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit records are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP FUNCTION IF EXISTS audit_archive_delete(bigint, bigint);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # params=None: RAISE's '%' placeholders must not be taken for query parameters.
        schema_editor.execute(TRIGGER, params=None)
        days = int(settings.AUDIT_RETENTION_DAYS)
        schema_editor.execute(ARCHIVE_FUNCTION.replace("RETENTION_DAYS", str(days)), params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OLD_TRIGGER, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_username_seq")]

    operations = [migrations.RunPython(forwards, backwards)]

"""Indexes for the audit administrator's search at a million records (issue 13): by action, newest first,
and — PostgreSQL only — a trigram index for the user-name search (icontains: UPPER(username) LIKE '%…%').
pg_trgm is a trusted extension: the database owner may create it."""

from django.db import migrations, models

TRIGRAM = (
    "CREATE INDEX IF NOT EXISTS audit_username_trgm ON audit_auditrecord "
    "USING gin ((UPPER(username::text)) gin_trgm_ops)"
)


def add_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(TRIGRAM)


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS audit_username_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_trigger"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditrecord",
            index=models.Index(fields=["action", "-seq"], name="audit_action_seq"),
        ),
        migrations.RunPython(add_trigram_index, drop_trigram_index),
    ]

"""The search by user name reads an ordinary index on (username, -seq) (audit.filters.usernames_containing)
instead of the trigram index of 0003, which matched names this alike no better than a scan of the trail and
cost every insert a GIN update: it is dropped (and recreated when this is reversed)."""

from importlib import import_module

from django.db import migrations, models

trigram = import_module("audit.migrations.0003_action_seq_username_trigram")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_action_seq_username_trigram"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditrecord",
            index=models.Index(fields=["username", "-seq"], name="audit_username_seq"),
        ),
        migrations.RunPython(trigram.drop_trigram_index, trigram.add_trigram_index),
    ]

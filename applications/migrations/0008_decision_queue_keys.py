"""The approver queue's sort key copied onto Application, its two indexes, and the copies filled in; the
assignment queue's "short of reviewers" state and its index (filled by reviews 0010, which knows reviewers)."""

from django.db import migrations, models


def fill(apps, schema_editor):
    from applications.services import fill_queue_keys

    fill_queue_keys(
        apps.get_model("applications", "Application").objects.all(),
        apps.get_model("applications", "CallItem").objects.all(),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0007_status_call_item_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="queue_opens_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="application",
            name="queue_item_order",
            field=models.PositiveSmallIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="application",
            name="short_of_reviewers",
            field=models.BooleanField(default=True, editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(
                fields=["accepted_at", "id"],
                condition=models.Q(status__in=["accepted", "under_review"], short_of_reviewers=True),
                name="application_assign_short",
            ),
        ),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(
                models.F("queue_opens_at").desc(),
                "queue_item_order",
                "number",
                "id",
                condition=models.Q(submitted_at__isnull=False),
                name="application_decision_queue",
            ),
        ),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(
                "status",
                models.F("queue_opens_at").desc(),
                "queue_item_order",
                "number",
                "id",
                condition=models.Q(submitted_at__isnull=False),
                name="application_decision_status",
            ),
        ),
    ]

"""Fill Application.short_of_reviewers (applications 0008) from the reviewers already assigned, and keep
each notice's number of lines on the notice (counted once here from its lines)."""

from django.db import migrations, models
from django.db.models import Count


def fill_shortfalls(apps, schema_editor):
    from reviews.services.assignment import fill_shortfalls

    fill_shortfalls(
        apps.get_model("applications", "Application").objects.all(),
        apps.get_model("reviews", "Assignment").objects.all(),
    )


def count_entries(apps, schema_editor):
    from changning_ai.subqueries import per_row

    lines = per_row(apps.get_model("reviews", "NoticeEntry").objects.all(), "notice", Count("pk"))
    apps.get_model("reviews", "PublicNotice").objects.update(entry_count=lines)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0009_notice_entry_order"),
        ("applications", "0008_decision_queue_keys"),
    ]

    operations = [
        migrations.RunPython(fill_shortfalls, migrations.RunPython.noop),
        migrations.AddField(
            model_name="publicnotice",
            name="entry_count",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="项目数"),
        ),
        migrations.RunPython(count_entries, migrations.RunPython.noop),
    ]

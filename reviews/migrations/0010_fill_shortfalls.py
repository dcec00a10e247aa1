"""Fill Application.short_of_reviewers (applications 0008) from the reviewers already assigned."""

from django.db import migrations


def fill(apps, schema_editor):
    from reviews.services.assignment import fill_shortfalls

    fill_shortfalls(
        apps.get_model("applications", "Application").objects.all(),
        apps.get_model("reviews", "Assignment").objects.all(),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0009_notice_entry_order"),
        ("applications", "0008_decision_queue_keys"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]

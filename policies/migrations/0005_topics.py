from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0004_document_numbers"),
    ]

    operations = [
        migrations.AddField(
            model_name="policyround",
            name="topics",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text='如 [{"code": "rent", "name": "房租", "name_en": "Rent"}];项目按代码归入。',
                verbose_name="申报方向",
            ),
        ),
        migrations.AddField(
            model_name="policyitem",
            name="topics",
            field=models.JSONField(blank=True, default=list, verbose_name="申报方向"),
        ),
    ]

"""Roles are groups; every role exists from the start so services and fixtures can rely on them."""

from django.db import migrations

ROLE_NAMES = [
    "applicant",
    "intake_officer",
    "expert_reviewer",
    "commission_approver",
    "finance_officer",
    "finance_approver",
    "system_admin",
    "security_admin",
    "audit_admin",
]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_NAMES:
        Group.objects.get_or_create(name=name)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_roles, remove_roles)]

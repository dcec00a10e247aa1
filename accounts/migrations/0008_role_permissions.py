"""What each role may do in the Django admin (/admin/), as data (issue 7, 三权分立).

- commission_approver: every permission of the policies and applications apps (policy rounds and calls are
  edited in the admin; the application admin is read-only whatever the permission says).
- system_admin: users (view, add, change — never delete: an account is deactivated, so the audit trail and
  history keep pointing at it), organisations (view, change), the holiday calendar, the delivery log.
- audit_admin: reading the audit trail and its archives, nothing else.
- security_admin: nothing in the admin; roles, locks and the password policy have their own pages (/manage/).
Nobody but audit_admin holds an audit permission: the migration takes any it finds away from other groups.

The three administrator groups get exactly their list (set, not add), so running this again, or after someone
granted more by hand, leaves them as written here. Idempotent; the functions work with the historical and the
live app registry alike (tests re-apply them after a transactional test flushed the tables).
"""

from django.db import migrations

# (app_label, model) → codenames; "*" = every permission of the app.
GRANTS: dict[str, list[tuple[str, str]]] = {
    "commission_approver": [("policies", "*"), ("applications", "*")],
    "system_admin": [
        ("accounts", "view_user"),
        ("accounts", "add_user"),
        ("accounts", "change_user"),
        ("accounts", "view_organization"),
        ("accounts", "change_organization"),
        ("reviews", "view_holiday"),
        ("reviews", "add_holiday"),
        ("reviews", "change_holiday"),
        ("reviews", "delete_holiday"),
        ("accounts", "view_delivery"),
    ],
    "security_admin": [],
    "audit_admin": [("audit", "view_auditrecord"), ("audit", "view_auditarchive")],
}
# Exactly these permissions, whatever was there before (三权分立 must not drift).
EXACT = ("system_admin", "security_admin", "audit_admin")
APPS_WITH_PERMISSIONS = ("accounts", "audit", "policies", "applications", "reviews")


def _ensure_permissions(apps) -> None:
    """Permissions are normally created after the last migration (post_migrate); on a fresh database they do
    not exist yet when this runs, so create them now for the apps named above."""
    from django.contrib.auth.management import create_permissions

    for label in APPS_WITH_PERMISSIONS:
        app_config = apps.get_app_config(label)
        had_module = getattr(app_config, "models_module", None)
        # Historical app configs have no models module, which create_permissions takes as "no models".
        app_config.models_module = had_module or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = had_module


def _permissions(Permission, grants):
    found = []
    for app_label, codename in grants:
        query = Permission.objects.filter(content_type__app_label=app_label)
        if codename != "*":
            query = query.filter(codename=codename)
            if not query.exists():
                raise LookupError(f"permission {app_label}.{codename} does not exist")
        found.extend(query)
    return found


def grant_role_permissions(apps, schema_editor=None) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    _ensure_permissions(apps)
    for name, grants in GRANTS.items():
        group, _created = Group.objects.get_or_create(name=name)
        permissions = _permissions(Permission, grants)
        if name in EXACT:
            group.permissions.set(permissions)
        else:
            group.permissions.add(*permissions)
    audit = Permission.objects.filter(content_type__app_label="audit")
    for group in Group.objects.exclude(name="audit_admin").filter(permissions__in=audit).distinct():
        group.permissions.remove(*audit)


def revoke_role_permissions(apps, schema_editor=None) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(*_permissions(Permission, grants))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_security_policy"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        # The models whose permissions are granted must exist in the historical state.
        ("audit", "0002_append_only_trigger"),
        ("policies", "0002_rubric"),
        ("applications", "0003_payment_stages_and_clawbacks"),
        ("reviews", "0003_acceptance_sequence"),
    ]

    operations = [migrations.RunPython(grant_role_permissions, revoke_role_permissions)]

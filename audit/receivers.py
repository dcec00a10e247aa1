"""What is recorded without the caller asking: logins, logouts, failed logins, and every save or delete
of the models listed in settings.AUDITED_MODELS (with the changed fields before and after)."""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from . import services
from .context import client_ip

# Fields that change on their own and say nothing about who decided what.
IGNORED_FIELDS = frozenset({"last_login", "updated_at", "modified_at"})

_loading_verbatim: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "audit_loading_verbatim", default=False
)


@contextmanager
def loading_verbatim():
    """While a backup is loaded (restore_portal's loaddata), rows come back as they were, together with
    their own audit records. Saves arrive with raw=True and are skipped below, but m2m_changed carries no
    raw flag: without this, restoring user.groups would append new records in the middle of the loading."""
    token = _loading_verbatim.set(True)
    try:
        yield
    finally:
        _loading_verbatim.reset(token)


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    services.record("login", obj=user, user=user, ip_address=client_ip(request) if request else None)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        services.record("logout", obj=user, user=user, ip_address=client_ip(request) if request else None)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # credentials has the password already scrubbed by Django; the login name is what was typed.
    typed = str(credentials.get("username") or credentials.get("email") or "")[:150]
    services.record(
        "login",
        result=services.Result.FAILURE,
        username=typed,
        user=None,
        ip_address=client_ip(request) if request else None,
        detail=f"登录失败:{typed}",
    )


def field_values(instance) -> dict:
    values = {}
    for field in instance._meta.concrete_fields:
        if field.name in IGNORED_FIELDS:
            continue
        values[field.attname if field.is_relation else field.name] = getattr(instance, field.attname)
    return values


def _audited(sender) -> bool:
    labels = getattr(settings, "AUDITED_MODELS", [])
    return sender._meta.label in labels


@receiver(pre_save)
def _remember_before(sender, instance, raw=False, **kwargs):
    if raw or not _audited(sender) or instance._state.adding or instance.pk is None:
        return
    previous = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = field_values(previous) if previous is not None else None


@receiver(post_save)
def _record_save(sender, instance, created, raw=False, **kwargs):
    if raw or not _audited(sender):
        return
    after = field_values(instance)
    if created:
        services.record(f"{sender._meta.model_name}.create", obj=instance, after=after)
        return
    before = getattr(instance, "_audit_before", None) or {}
    before, after = services.changed(before, after)
    instance._audit_before = field_values(instance)
    if after:
        services.record(f"{sender._meta.model_name}.update", obj=instance, before=before, after=after)


@receiver(post_delete)
def _record_delete(sender, instance, **kwargs):
    if _audited(sender):
        services.record(f"{sender._meta.model_name}.delete", obj=instance, before=field_values(instance))


@receiver(m2m_changed)
def _record_m2m(sender, instance, action, model, pk_set, **kwargs):
    # Role changes: user.groups.add/remove/set/clear.
    if action not in {"post_add", "post_remove", "post_clear"} or _loading_verbatim.get():
        return
    if not _audited(type(instance)) or sender._meta.auto_created is False:
        return
    fields = type(instance)._meta.many_to_many
    field = next((f.name for f in fields if f.remote_field.through is sender), sender.__name__)
    names = sorted(str(o) for o in model._default_manager.filter(pk__in=pk_set or [])) if pk_set else []
    services.record(
        f"{type(instance)._meta.model_name}.{field}.{action.removeprefix('post_')}",
        obj=instance,
        after={field: names},
    )

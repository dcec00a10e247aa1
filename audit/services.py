"""Writing the audit trail: `record(...)` is the only way a record is made.

A record is chained inside the caller's transaction: if the change it describes rolls back, so does the
record, and a committed change always has its record. The AuditHead row lock makes writers take turns.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

from django.db import models, transaction
from django.utils import timezone

from changning_ai.groups import group_names

from .context import current_actor
from .models import GENESIS_HASH, AuditHead, AuditRecord

Result = AuditRecord.Result

# Personal data that the trail must not spread: kept to its last four characters.
MASKED_FIELDS = frozenset({"account_number", "mobile", "contact_phone", "id_number", "phone"})
# Never copied into the trail at all (a hash is still a secret).
SECRET_FIELDS = frozenset({"password", "key", "token", "secret"})


def mask(value) -> str:
    text = "" if value is None else str(value)
    if len(text) <= 4:
        return "*" * len(text)
    return "*" * (len(text) - 4) + text[-4:]


def no_nul(text: str) -> str:
    """PostgreSQL text cannot hold NUL; hostile input that carries one must still be recorded."""
    return text.replace("\x00", "\\x00")


def to_json_value(value):
    """A field value as a JSON scalar that reads back identically (the hash depends on it)."""
    if isinstance(value, str):
        return no_nul(value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float | decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [to_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    return str(value)


def clean_values(values: dict | None) -> dict:
    cleaned = {}
    for name, value in (values or {}).items():
        if name in SECRET_FIELDS:
            cleaned[name] = "[已隐藏]"
        elif name in MASKED_FIELDS and value:
            cleaned[name] = mask(value)
        else:
            cleaned[name] = to_json_value(value)
    return cleaned


def describe(obj) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    if isinstance(obj, models.Model):
        return obj._meta.label_lower, str(obj.pk or ""), str(obj)[:200]
    return type(obj).__name__, "", str(obj)[:200]


def _who(user) -> tuple[int | None, str, str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return None, "", ""
    return user.pk, user.get_username(), ",".join(sorted(group_names(user)))


def record(
    action: str,
    *,
    obj=None,
    result: str = Result.SUCCESS,
    before: dict | None = None,
    after: dict | None = None,
    detail: str = "",
    user=None,
    username: str = "",
    ip_address: str | None = None,
) -> AuditRecord:
    """Append one record. `user`/`ip_address` default to the current actor (request, task, command);
    `username` names an attempted login that matched no user."""
    actor = current_actor()
    user = user if user is not None else actor.user
    user_id, name, roles = _who(user)
    object_type, object_id, object_repr = describe(obj)
    changes = {}
    if before:
        changes["before"] = clean_values(before)
    if after:
        changes["after"] = clean_values(after)
    with transaction.atomic():
        AuditHead.objects.get_or_create(id=1)
        AuditHead.objects.select_for_update().get(id=1)
        last = AuditRecord.objects.order_by("-seq").values("seq", "hash").first()
        if last is None:
            from .models import AuditArchive

            anchor = AuditArchive.objects.order_by("-last_seq").values("last_seq", "last_hash").first()
            last = {"seq": anchor["last_seq"], "hash": anchor["last_hash"]} if anchor else None
        entry = AuditRecord(
            seq=(last["seq"] + 1) if last else 1,
            created_at=timezone.now(),
            user_id=user_id,
            username=no_nul(name or username or actor.label)[:150],
            roles=roles[:200],
            ip_address=ip_address or actor.ip_address,
            action=no_nul(action)[:64],
            object_type=object_type[:100],
            object_id=object_id[:64],
            object_repr=no_nul(object_repr),
            result=result,
            changes=changes,
            detail=no_nul(str(detail)),
            prev_hash=last["hash"] if last else GENESIS_HASH,
        )
        entry.hash = entry.compute_hash()
        entry.save()
    return entry


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields whose value differs, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}

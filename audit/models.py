"""Append-only, hash-chained audit records.

Each record stores the hash of the record before it and its own hash over its content and that link, so
changing, removing or inserting any record breaks the chain from there on (`manage.py verify_audit`).
The ORM refuses every update and delete; on PostgreSQL a trigger refuses them too (migration 0002), so
only someone who disables the trigger as the database owner can tamper, and the chain shows it.
"""

import hashlib
import hmac
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditImmutableError(Exception):
    """Raised on any attempt to change or remove an audit record through the ORM."""


class AuditRecordQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditImmutableError("audit records are append-only")

    def delete(self):
        raise AuditImmutableError("audit records are append-only")

    def bulk_create(self, *args, **kwargs):
        # Records are chained one by one under a lock (audit.services.record); a bulk insert would skip it.
        raise AuditImmutableError("audit records are written only by audit.services.record")

    def bulk_update(self, *args, **kwargs):
        raise AuditImmutableError("audit records are append-only")

    update_or_create = get_or_create = None  # type: ignore[assignment]


class AuditRecord(models.Model):
    class Result(models.TextChoices):
        SUCCESS = "success", _("成功")
        FAILURE = "failure", _("失败")
        DENIED = "denied", _("拒绝")

    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)
    user_id = models.BigIntegerField(_("用户ID"), null=True, blank=True)
    # Copies, not foreign keys: a record must outlive the user and must never be touched by a cascade.
    username = models.CharField(_("用户"), max_length=150, blank=True)
    roles = models.CharField(_("角色"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("对象ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    result = models.CharField(_("结果"), max_length=10, choices=Result.choices, default=Result.SUCCESS)
    # {"before": {...}, "after": {...}}: JSON scalars only (money in integer fen, decimals as text).
    changes = models.JSONField(_("变更前后"), default=dict, blank=True)
    detail = models.TextField(_("说明"), blank=True)
    prev_hash = models.CharField(_("前一条哈希"), max_length=64)
    hash = models.CharField(_("哈希"), max_length=64, unique=True)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-seq"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["user_id", "created_at"]),
            models.Index(fields=["object_type", "object_id"]),
            # The search by action, and by user name, newest first (issue 13; audit.filters).
            models.Index(fields=["action", "-seq"], name="audit_action_seq"),
            models.Index(fields=["username", "-seq"], name="audit_username_seq"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_repr}".strip()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditImmutableError("audit records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError("audit records are append-only")

    def content(self) -> dict:
        """What the hash covers: every field but the hash itself."""
        return {
            "seq": self.seq,
            "created_at": self.created_at.isoformat(timespec="microseconds"),
            "user_id": self.user_id,
            "username": self.username,
            "roles": self.roles,
            "ip_address": self.ip_address,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "result": self.result,
            "changes": self.changes,
            "detail": self.detail,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        """HMAC-SHA256 keyed with AUDIT_HMAC_KEY, which lives outside the database: someone who can write
        the table but does not hold the key cannot recompute the chain after an edit."""
        canonical = json.dumps(self.content(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        key = settings.AUDIT_HMAC_KEY.encode("utf-8")
        return hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


class AuditHead(models.Model):
    """One row, locked (SELECT … FOR UPDATE) while a record is chained, so two writers never link to the
    same predecessor."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return "audit head"


class AuditArchive(models.Model):
    """A batch of records older than the retention period moved to an archive file (audit.archive).
    The first record left in the database links to `last_hash`, so the chain still verifies."""

    created_at = models.DateTimeField(_("归档时间"), auto_now_add=True)
    first_seq = models.PositiveBigIntegerField(_("起始序号"))
    last_seq = models.PositiveBigIntegerField(_("截止序号"), unique=True)
    last_hash = models.CharField(_("最后一条哈希"), max_length=64)
    record_count = models.PositiveIntegerField(_("记录数"))
    file_name = models.CharField(_("归档文件"), max_length=300)
    file_sha256 = models.CharField(_("归档文件SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("审计归档")
        verbose_name_plural = _("审计归档")
        ordering = ["-last_seq"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.first_seq}–#{self.last_seq} → {self.file_name}"

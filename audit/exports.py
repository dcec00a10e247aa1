"""The audit trail as an Excel workbook: every column of every record the search found, hashes included,
so the sheet can be checked against the chain. Written in openpyxl's write-only mode, row by row from a
database iterator: memory grows with the file, not with Python objects per row."""

from __future__ import annotations

import io
import json

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from .filters import SHANGHAI
from .models import AuditRecord
from .xlsx import safe_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A web worker builds the file in memory: beyond this the auditor narrows the dates (or uses the archive).
MAX_ROWS = 100_000


def headers() -> list[str]:
    field = AuditRecord._meta.get_field
    return [
        str(field("seq").verbose_name),
        _("时间(北京时间)"),
        str(field("user_id").verbose_name),
        str(field("username").verbose_name),
        str(field("roles").verbose_name),
        str(field("ip_address").verbose_name),
        str(field("action").verbose_name),
        str(field("object_type").verbose_name),
        str(field("object_id").verbose_name),
        str(field("object_repr").verbose_name),
        str(field("result").verbose_name),
        _("变更前"),
        _("变更后"),
        str(field("detail").verbose_name),
        str(field("prev_hash").verbose_name),
        str(field("hash").verbose_name),
    ]


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""


def row(record: AuditRecord, result_labels: dict[str, str]) -> list:
    changes = record.changes or {}
    return [
        record.seq,
        record.created_at.astimezone(SHANGHAI).isoformat(timespec="microseconds"),
        record.user_id,
        record.username,
        record.roles,
        record.ip_address or "",
        record.action,
        record.object_type,
        record.object_id,
        record.object_repr,
        result_labels.get(record.result, record.result),
        _json(changes.get("before")),
        _json(changes.get("after")),
        record.detail,
        record.prev_hash,
        record.hash,
    ]


def audit_workbook(records: QuerySet[AuditRecord]) -> tuple[bytes, int]:
    """The workbook's bytes and the number of records in it."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("审计日志")[:31])
    sheet.append(headers())
    labels = {value: str(label) for value, label in AuditRecord.Result.choices}
    count = 0
    for record in records.iterator(chunk_size=2000):
        sheet.append(safe_row(row(record, labels)))
        count += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count


def file_name() -> str:
    return f"audit-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"

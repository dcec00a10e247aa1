"""The chain's head, kept outside the database (issue 14): a truncated tail cannot hide.

Deleting the newest records leaves a chain that still verifies — each remaining record still links to its
predecessor. So every few minutes (Celery beat, `audit-anchor`) the newest record's sequence number and hash
are appended to AUDIT_ANCHOR_FILE, a line signed with AUDIT_HMAC_KEY (which lives outside the database too).
In production that file sits where the application cannot rewrite it: an append-only file (`chattr +a`), a
separate volume, or a line shipped to the log collector. `manage.py verify_audit` then checks that every
anchored record is still there with the same hash: a chain that ends before its last anchor has lost its
tail.

Line format: `<seq> <hash> <ISO time> <signature>`; the signature is HMAC-SHA256 over the first three.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .models import AuditArchive, AuditRecord


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str


def _signature(seq: int, digest: str, at: str) -> str:
    key = settings.AUDIT_HMAC_KEY.encode("utf-8")
    return hmac.new(key, f"{seq} {digest} {at}".encode(), hashlib.sha256).hexdigest()


def _path() -> Path:
    return Path(settings.AUDIT_ANCHOR_FILE)


def read_anchors(path: Path | None = None) -> tuple[list[Anchor], list[str]]:
    """The anchors of the file, and the problems of lines that are not valid anchors (numbered)."""
    path = path or _path()
    if not path.exists():
        return [], []
    anchors, problems = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 4 or not parts[0].isdigit():
            problems.append(f"锚点文件第 {number} 行格式不符")
            continue
        seq, digest, at, signature = int(parts[0]), parts[1], parts[2], parts[3]
        if not hmac.compare_digest(signature, _signature(seq, digest, at)):
            problems.append(f"锚点文件第 {number} 行签名不符(被修改或密钥不同)")
            continue
        anchors.append(Anchor(seq, digest, at))
    return anchors, problems


def write_anchor() -> Anchor | None:
    """Append the head, if it moved since the last anchor; returns what was written (None: nothing new)."""
    head = AuditRecord.objects.order_by("-seq").values_list("seq", "hash").first()
    if head is None:
        return None
    anchors, _problems = read_anchors()
    if anchors and anchors[-1].seq >= head[0]:
        return None
    at = timezone.now().isoformat(timespec="seconds")
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:  # appended, never rewritten
        file.write(f"{head[0]} {head[1]} {at} {_signature(head[0], head[1], at)}\n")
    return Anchor(head[0], head[1], at)


def check_anchors() -> str | None:
    """None when every anchor is valid and its record is still in the chain (or archived with that hash
    as an archive's last); otherwise what is wrong, in Chinese, for verify_audit."""
    anchors, problems = read_anchors()
    if problems:
        return problems[0]
    if not anchors:
        return None
    # The newest anchor alone settles truncation; the others are checked too, cheaply (indexed lookups).
    hashes = dict(AuditRecord.objects.filter(seq__in=[a.seq for a in anchors]).values_list("seq", "hash"))
    archived_upto = AuditArchive.objects.order_by("-last_seq").values_list("last_seq", flat=True).first() or 0
    archive_ends = dict(AuditArchive.objects.values_list("last_seq", "last_hash"))
    newest = AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first() or archived_upto
    for anchor in reversed(anchors):
        if anchor.seq > newest:
            return f"审计日志尾部缺失:锚点记录到第 {anchor.seq} 条({anchor.at}),数据库只到第 {newest} 条"
        if anchor.seq in hashes:
            if hashes[anchor.seq] != anchor.hash:
                return f"第 {anchor.seq} 条记录与锚点({anchor.at})的哈希不符"
        elif anchor.seq in archive_ends:
            if archive_ends[anchor.seq] != anchor.hash:
                return f"第 {anchor.seq} 条记录与锚点({anchor.at})的哈希不符(已归档)"
        elif anchor.seq > archived_upto:
            return f"锚点记录的第 {anchor.seq} 条记录已不存在"
    return None

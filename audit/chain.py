"""Walking the chain: the first record whose link or content does not match, or None."""

from __future__ import annotations

from dataclasses import dataclass

from .models import GENESIS_HASH, AuditArchive, AuditRecord


@dataclass(frozen=True)
class Break:
    seq: int
    record_id: int | None
    reason: str


@dataclass(frozen=True)
class Verdict:
    checked: int
    first_break: Break | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def _archive_gap() -> Break | None:
    """The archives must cover the chain from its first record without a gap: a missing or shifted
    AuditArchive row would otherwise let records vanish from the start of the chain unnoticed."""
    expected_first = 1
    for first_seq, last_seq in AuditArchive.objects.order_by("last_seq").values_list("first_seq", "last_seq"):
        if first_seq != expected_first or last_seq < first_seq:
            return Break(
                expected_first, None, f"归档记录不连续:应从第 {expected_first} 条开始,实为第 {first_seq} 条"
            )
        expected_first = last_seq + 1
    return None


def verify_chain(chunk_size: int = 2000) -> Verdict:
    gap = _archive_gap()
    if gap is not None:
        return Verdict(0, gap)
    anchor = AuditArchive.objects.order_by("-last_seq").first()
    expected_seq = anchor.last_seq + 1 if anchor else 1
    expected_prev = anchor.last_hash if anchor else GENESIS_HASH
    checked = 0
    for entry in AuditRecord.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if entry.seq != expected_seq:
            return Verdict(
                checked, Break(expected_seq, None, f"缺少序号 {expected_seq} 的记录(下一条为 {entry.seq})")
            )
        if entry.prev_hash != expected_prev:
            return Verdict(checked, Break(entry.seq, entry.pk, "与前一条记录的哈希链接不符"))
        if entry.compute_hash() != entry.hash:
            return Verdict(checked, Break(entry.seq, entry.pk, "记录内容与其哈希不符(已被修改)"))
        checked += 1
        expected_seq += 1
        expected_prev = entry.hash
    return Verdict(checked, None)


def verify_head() -> Break | None:
    """The newest record only, for a health probe (two indexed rows, whatever the chain's length): its
    content matches its hash and it links to its predecessor (or to the newest archive, or the genesis).
    The full walk stays verify_chain's (manage.py verify_audit)."""
    records = list(AuditRecord.objects.order_by("-seq")[:2])
    if not records:
        return None
    head = records[0]
    previous = records[1] if len(records) > 1 else None
    if previous is not None and previous.seq == head.seq - 1:
        expected_prev = previous.hash
    else:
        anchor = AuditArchive.objects.order_by("-last_seq").first()
        if anchor is not None and anchor.last_seq == head.seq - 1:
            expected_prev = anchor.last_hash
        elif head.seq == 1:
            expected_prev = GENESIS_HASH
        else:
            return Break(head.seq - 1, None, f"缺少序号 {head.seq - 1} 的记录(下一条为 {head.seq})")
    if head.prev_hash != expected_prev:
        return Break(head.seq, head.pk, "与前一条记录的哈希链接不符")
    if head.compute_hash() != head.hash:
        return Break(head.seq, head.pk, "记录内容与其哈希不符(已被修改)")
    return None

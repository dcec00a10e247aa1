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

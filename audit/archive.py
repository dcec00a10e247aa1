"""Archiving audit records older than the retention period: moved to a file, never silently deleted.

`archive_before(cutoff)` takes the oldest records of the chain (those created before `cutoff`, which must be
at least settings.AUDIT_RETENTION_DAYS ago), and:
1. checks that they still form an unbroken chain from the last archive (a tampered record is not archived:
   the evidence stays where verify_audit finds it);
2. writes them, every field including both hashes, as gzip JSON lines to AUDIT_ARCHIVE_DIR, through a
   temporary file renamed into place and fsynced;
3. reads the file back and checks every hash and link, and that it holds exactly the records read;
4. in one transaction, under the chain's head lock: checks the rows are still exactly those, records an
   AuditArchive row (first/last seq, last hash, count, file name, the file's SHA-256), deletes those rows with
   raw SQL — the ORM refuses by design; on PostgreSQL through `audit_archive_delete`, a SECURITY DEFINER
   function of the table's owner and the only DELETE the trigger lets through (audit 0005) — and appends an
   "audit.archive" record.
If anything fails before the transaction commits, nothing is deleted.

The first record left in the database links to the archive's last hash, so `verify_audit` still passes
(chain.verify_chain anchors on the latest AuditArchive), and `verify_audit --archive FILE` checks a file.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import services
from .models import GENESIS_HASH, AuditArchive, AuditHead, AuditRecord

CHUNK = 2000
FIELDS = [field.attname for field in AuditRecord._meta.concrete_fields]


class ArchiveError(Exception):
    """Archiving did not happen; nothing was deleted. `exit_code` is what the command exits with."""

    exit_code = 1


class ArchiveRefused(ArchiveError):
    """The request itself is not allowed (a cutoff inside the retention period, a broken chain)."""

    exit_code = 2


@dataclass(frozen=True)
class FileVerdict:
    """What reading an archive file found: its records' range and last hash, its SHA-256, and the first
    record whose link or content does not match (None if every one does)."""

    count: int
    first_seq: int | None
    last_seq: int | None
    first_prev_hash: str | None
    last_hash: str | None
    sha256: str
    digest: str  # over the (seq, hash) pairs, to compare with the rows the file was written from
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def oldest_allowed_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)


def _row(entry: AuditRecord) -> dict:
    row = entry.content()
    row["id"] = entry.pk
    row["hash"] = entry.hash
    return row


def _record_from(row: dict) -> AuditRecord:
    values = {name: row[name] for name in FIELDS if name != "created_at"}
    entry = AuditRecord(**values)
    entry.created_at = datetime.fromisoformat(row["created_at"])
    return entry


def _pair_digest() -> hashlib._Hash:
    return hashlib.sha256()


def _feed(digest, seq: int, hash_: str) -> None:
    digest.update(f"{seq}:{hash_}\n".encode())


def _anchor() -> tuple[int, str]:
    """(last archived seq, its hash): where the records left in the database start."""
    latest = AuditArchive.objects.order_by("-last_seq").values("last_seq", "last_hash").first()
    return (latest["last_seq"], latest["last_hash"]) if latest else (0, GENESIS_HASH)


def _prefix_end(cutoff: datetime) -> int | None:
    """The last seq of the longest run of records from the start of the chain all created before the cutoff.
    A prefix, so the records left still start where the archive ends, even if clocks ever stepped back."""
    first_newer = (
        AuditRecord.objects.filter(created_at__gte=cutoff)
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )
    older = AuditRecord.objects.filter(created_at__lt=cutoff)
    if first_newer is not None:
        older = older.filter(seq__lt=first_newer)
    return older.order_by("-seq").values_list("seq", flat=True).first()


def archive_name(first_seq: int, last_seq: int) -> str:
    return f"audit-{first_seq:012d}-{last_seq:012d}.jsonl.gz"


def _write(path: Path, records, anchor: tuple[int, str]) -> tuple[int, int, str, str]:
    """Write the records (checking their chain as they stream by) to `path`, through a temporary file.
    Returns (count, first_seq, last_hash, pair digest)."""
    expected_seq, expected_prev = anchor[0] + 1, anchor[1]
    first_seq = expected_seq
    digest = _pair_digest()
    count = 0
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with open(temporary, "wb") as raw:
            with gzip.GzipFile(filename=path.name, mode="wb", fileobj=raw, mtime=0) as archive:
                for entry in records:
                    if entry.seq != expected_seq or entry.prev_hash != expected_prev:
                        raise ArchiveRefused(
                            f"审计链在第 {expected_seq} 条记录处断裂,未归档任何记录;"
                            "请先运行 verify_audit 查明原因。"
                        )
                    if entry.compute_hash() != entry.hash:
                        raise ArchiveRefused(
                            f"第 {entry.seq} 条记录(id={entry.pk})内容与其哈希不符,未归档任何记录;"
                            "请先运行 verify_audit 查明原因。"
                        )
                    line = json.dumps(_row(entry), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                    archive.write(line.encode("utf-8") + b"\n")
                    _feed(digest, entry.seq, entry.hash)
                    count += 1
                    expected_seq += 1
                    expected_prev = entry.hash
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return count, first_seq, expected_prev, digest.hexdigest()


def verify_file(path: Path) -> FileVerdict:
    """Read an archive file and check every record's hash and its link to the one before."""
    file_hash = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            file_hash.update(block)
    digest = _pair_digest()
    count, first_seq, first_prev, last_seq, last_hash = 0, None, None, None, None
    problem = None
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                try:
                    row = json.loads(line)
                    entry = _record_from(row)
                except (ValueError, KeyError, TypeError) as exc:
                    problem = f"第 {number} 行不是有效的审计记录({exc.__class__.__name__})"
                    break
                if last_seq is not None and entry.seq != last_seq + 1:
                    problem = f"缺少序号 {last_seq + 1} 的记录(下一条为 {entry.seq})"
                    break
                if last_hash is not None and entry.prev_hash != last_hash:
                    problem = f"第 {entry.seq} 条记录(id={entry.pk})与前一条记录的哈希链接不符"
                    break
                if entry.compute_hash() != row["hash"]:
                    problem = f"第 {entry.seq} 条记录(id={entry.pk})内容与其哈希不符(已被修改)"
                    break
                if first_seq is None:
                    first_seq, first_prev = entry.seq, entry.prev_hash
                _feed(digest, entry.seq, row["hash"])
                count += 1
                last_seq, last_hash = entry.seq, row["hash"]
    except (OSError, EOFError, UnicodeDecodeError, zlib.error) as exc:
        problem = f"文件无法完整读取({exc.__class__.__name__}: {exc})"
    if problem is None and count == 0:
        problem = "文件中没有审计记录"
    return FileVerdict(
        count=count,
        first_seq=first_seq,
        last_seq=last_seq,
        first_prev_hash=first_prev,
        last_hash=last_hash,
        sha256=file_hash.hexdigest(),
        digest=digest.hexdigest(),
        problem=problem,
    )


def check_against_database(path: Path, verdict: FileVerdict) -> str | None:
    """How the file disagrees with its AuditArchive row and the archive before it; None if it agrees."""
    archive = AuditArchive.objects.filter(file_name=path.name).first()
    if archive is None:
        return f"数据库中没有归档文件 {path.name} 的归档记录"
    expected = (
        archive.first_seq,
        archive.last_seq,
        archive.record_count,
        archive.last_hash,
        archive.file_sha256,
    )
    found = (verdict.first_seq, verdict.last_seq, verdict.count, verdict.last_hash, verdict.sha256)
    if expected != found:
        return (
            f"与归档记录不符:应为第 {archive.first_seq}–{archive.last_seq} 条共 {archive.record_count} 条、"
            f"SHA-256 {archive.file_sha256};"
            f"文件为第 {verdict.first_seq}–{verdict.last_seq} 条共 {verdict.count} 条、"
            f"SHA-256 {verdict.sha256}"
        )
    previous = (
        AuditArchive.objects.filter(last_seq=archive.first_seq - 1)
        .values_list("last_hash", flat=True)
        .first()
    )
    link = previous if previous is not None else (GENESIS_HASH if archive.first_seq == 1 else None)
    if link is not None and verdict.first_prev_hash != link:
        return f"第 {verdict.first_seq} 条记录与上一个归档的最后一条记录的哈希链接不符"
    return None


def _delete_sql() -> str:
    table = connection.ops.quote_name(AuditRecord._meta.db_table)
    return f"DELETE FROM {table} WHERE seq >= %s AND seq <= %s"  # noqa: S608 (no user input: the model's table)


def archive_before(cutoff: datetime, *, directory: Path | str | None = None) -> AuditArchive | None:
    """Archive the records created before `cutoff` (see the module docstring). None if there are none."""
    if timezone.is_naive(cutoff):
        raise ValueError("cutoff must be timezone-aware")
    limit = oldest_allowed_cutoff()
    if cutoff > limit:
        raise ArchiveRefused(
            f"审计记录至少保留 {settings.AUDIT_RETENTION_DAYS} 天:归档截止时间不能晚于 "
            f"{timezone.localtime(limit):%Y-%m-%d %H:%M}。"
        )
    anchor = _anchor()
    last_seq = _prefix_end(cutoff)
    if last_seq is None or last_seq <= anchor[0]:
        return None
    directory = Path(directory or settings.AUDIT_ARCHIVE_DIR)
    path = directory / archive_name(anchor[0] + 1, last_seq)
    records = AuditRecord.objects.filter(seq__gt=anchor[0], seq__lte=last_seq).order_by("seq")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        count, first_seq, last_hash, digest = _write(path, records.iterator(chunk_size=CHUNK), anchor)
    except OSError as exc:
        raise ArchiveError(f"无法写入归档文件 {path}:{exc.strerror or exc};未删除任何记录。") from exc

    verdict = verify_file(path)
    expected = (count, first_seq, last_seq, anchor[1], last_hash, digest)
    found = (
        verdict.count,
        verdict.first_seq,
        verdict.last_seq,
        verdict.first_prev_hash,
        verdict.last_hash,
        verdict.digest,
    )
    if not verdict.ok or expected != found:
        raise ArchiveError(
            f"归档文件 {path} 回读校验失败({verdict.problem or '内容与数据库记录不一致'});未删除任何记录。"
        )

    with transaction.atomic():
        AuditHead.objects.get_or_create(id=1)
        AuditHead.objects.select_for_update().get(id=1)  # one archiver, and no writer, at a time
        if _anchor() != anchor:
            raise ArchiveError("另一次归档已在进行或刚刚完成;未删除任何记录,请重新运行。")
        again = _pair_digest()
        for seq, hash_ in records.values_list("seq", "hash").iterator(chunk_size=CHUNK):
            _feed(again, seq, hash_)
        if again.hexdigest() != digest:
            raise ArchiveError("写入归档文件后数据库中的记录发生了变化;未删除任何记录。")
        archive = AuditArchive.objects.create(
            first_seq=first_seq,
            last_seq=last_seq,
            last_hash=last_hash,
            record_count=count,
            file_name=path.name,
            file_sha256=verdict.sha256,
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The application's role may not delete audit rows at all: the function, owned by the table's
                # owner, deletes only the range the AuditArchive row just written describes (audit 0005).
                cursor.execute("SELECT audit_archive_delete(%s, %s)", [first_seq, last_seq])
                deleted = cursor.fetchone()[0]
            else:
                cursor.execute(_delete_sql(), [first_seq, last_seq])
                deleted = cursor.rowcount
        if deleted != count:
            raise ArchiveError(f"应删除 {count} 条记录,实际 {deleted} 条;已回滚,未删除任何记录。")
        services.record(
            "audit.archive",
            obj=archive,
            after={
                "first_seq": first_seq,
                "last_seq": last_seq,
                "record_count": count,
                "last_hash": last_hash,
                "file_name": path.name,
                "file_sha256": verdict.sha256,
            },
            detail=f"归档 {timezone.localtime(cutoff):%Y-%m-%d %H:%M} 之前的审计记录",
        )
    return archive

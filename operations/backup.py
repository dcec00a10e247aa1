"""Backing up and restoring the whole portal: the database and the uploaded materials, in one tarball.

Here, in the operations app (the top room), because a backup touches every app's data; it imports none of
their models.

A backup (`manage.py backup_portal --out FILE.tar.gz`) holds
- database.json: every table as `dumpdata` writes it, with natural foreign keys, except what a migrated
  database recreates by itself (content types, permissions) and sessions; the audit trail, axes' lockout
  records and the OTP devices are included. It is read in one snapshot (REPEATABLE READ on PostgreSQL),
  so rows of different tables agree with each other;
- media/<name>: every file of the "private" storage (applicants' materials, stored batch sheets);
- manifest.json: when, which Django and which migrations, row counts per model, the SHA-256 and size of
  every other member, and the audit chain's verdict and head (seq, hash) at the time of the backup — a copy
  of the head outside the database, against which a later chain can be compared.
The file holds password hashes, TOTP secrets and bank account numbers: it is written 0600 and must be kept
like the database itself.

A restore (`manage.py restore_portal FILE.tar.gz`) refuses (BackupRefused, exit 2) a file that is not such
a backup or whose members do not match the manifest, a database that is not migrated to exactly the
backup's migrations, and a database that already holds user data. Then, in one transaction, it loads the
data (loaddata saves rows raw: the audit records' save() override and the audit receivers are bypassed,
and the PostgreSQL trigger blocks only UPDATE and DELETE), resets the sequences, verifies the audit chain,
writes the files back and appends a "backup.restore" record. Any failure rolls everything back and removes
the files it wrote.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tarfile
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.core import serializers
from django.core.files import File
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from audit import services as audit
from audit.chain import verify_chain
from audit.models import AuditRecord
from audit.receivers import loading_verbatim

FORMAT = "changning-portal-backup/1"
MANIFEST = "manifest.json"
DATABASE = "database.json"
MEDIA = "media/"
STORAGE = "private"
# Recreated by `migrate` (post_migrate) in any database, or worthless in another one.
EXCLUDED = ["contenttypes", "auth.permission", "sessions"]
# Rows a freshly migrated database already has (accounts' role groups, migration 0002); replaced by the
# backup's own. Anything else in the target means it is not empty.
SEEDED = {"auth.group"}


class BackupRefused(Exception):
    """The file or the target database is not fit for this; nothing was changed."""


@dataclass
class BackupSummary:
    path: Path
    size: int
    sha256: str
    seconds: float
    counts: dict[str, int]
    files: int
    missing_files: list[str] = field(default_factory=list)
    chain_ok: bool = True


@dataclass
class RestoreSummary:
    created_at: str
    counts: dict[str, int]
    files: int
    audit_checked: int
    audit_ok: bool
    audit_break: str
    seconds: float


# ---------------------------------------------------------------- shared


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _applied_migrations(using: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationRecorder(connections[using]).applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


def _dumped_models() -> list[type[models.Model]]:
    """The models dumpdata writes with EXCLUDED left out (concrete, managed, not proxies)."""
    chosen = []
    for model in apps.get_models():
        opts = model._meta
        if opts.proxy or not opts.managed:
            continue
        if opts.app_label in EXCLUDED or opts.label_lower in EXCLUDED:
            continue
        chosen.append(model)
    return chosen


def _storage_names(storage, directory: str = "") -> list[str]:
    """Every file name in the storage, recursively (works for any Django storage with listdir)."""
    try:
        folders, files = storage.listdir(directory)
    except FileNotFoundError:
        return []
    names = [str(PurePosixPath(directory, name)) if directory else name for name in files]
    for folder in folders:
        names.extend(_storage_names(storage, str(PurePosixPath(directory, folder)) if directory else folder))
    return sorted(names)


def _referenced_files() -> set[str]:
    """Names the database points to in the private storage (every FileField on it)."""
    private = storages[STORAGE]
    names: set[str] = set()
    for model in _dumped_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.FileField):
                storage = model_field.storage
                if type(storage) is not type(private) or getattr(storage, "location", None) != getattr(
                    private, "location", None
                ):
                    continue
                names.update(
                    name
                    for name in model._base_manager.exclude(**{model_field.name: ""}).values_list(
                        model_field.name, flat=True
                    )
                    if name
                )
    return names


class _HashingReader(io.RawIOBase):
    """Reads through a file while computing its SHA-256 (tarfile.addfile reads exactly `size` bytes)."""

    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        return data


# ---------------------------------------------------------------- backup


class _ExactEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts times to milliseconds; an audit record's hash covers its created_at to the
    microsecond, so the backup keeps every digit (loaddata parses them back)."""

    def default(self, o):
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


def _dump(target: Path) -> None:
    """What `dumpdata --natural-foreign --all --exclude …` writes, but with _ExactEncoder (dumpdata
    offers no way to choose the encoder)."""
    chosen = set(_dumped_models())
    app_list = [(config, None) for config in apps.get_app_configs()]

    def objects():
        for model in serializers.sort_dependencies(app_list, allow_cycles=True):
            if model in chosen:
                yield from model._base_manager.order_by(model._meta.pk.name).iterator(chunk_size=2000)

    with open(target, "w", encoding="utf-8") as handle:
        serializers.serialize(
            "json", objects(), stream=handle, use_natural_foreign_keys=True, cls=_ExactEncoder
        )


def _snapshot_dump(target: Path) -> tuple[dict[str, int], dict, set[str]]:
    """Dump the database to `target` and count its rows, all in one snapshot. Returns (counts, the audit
    chain's state, the file names rows point to)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # Must be the transaction's first statement; inside a caller's transaction its snapshot holds.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        counts = {m._meta.label_lower: m._base_manager.count() for m in _dumped_models()}
        _dump(target)
        verdict = verify_chain()
        head = AuditRecord.objects.order_by("-seq").values("seq", "hash").first()
        chain = {
            "ok": verdict.ok,
            "checked": verdict.checked,
            "last_seq": head["seq"] if head else None,
            "last_hash": head["hash"] if head else None,
            "first_break": None
            if verdict.ok
            else {"seq": verdict.first_break.seq, "reason": verdict.first_break.reason},
        }
        referenced = _referenced_files()
    return {label: n for label, n in counts.items() if n}, chain, referenced


def backup(out: Path) -> BackupSummary:
    """Write the backup tarball to `out` (refused if it exists)."""
    started = time.monotonic()
    out = Path(out)
    if out.exists():
        raise BackupRefused(f"{out} 已存在,不会覆盖已有的备份。")
    if not out.parent.is_dir():
        raise BackupRefused(f"目录 {out.parent} 不存在。")
    storage = storages[STORAGE]
    partial = out.with_name(f".{out.name}.partial")
    with tempfile.TemporaryDirectory(prefix="portal-backup-") as work:
        dump = Path(work) / DATABASE
        counts, chain, referenced = _snapshot_dump(dump)
        members = {DATABASE: {"sha256": _sha256_file(dump), "size": dump.stat().st_size}}
        names = _storage_names(storage)
        try:
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                tar.add(dump, arcname=DATABASE, recursive=False)
                for name in names:
                    info = tarfile.TarInfo(MEDIA + name)
                    info.size = storage.size(name)
                    info.mtime = int(time.time())
                    info.mode = 0o600
                    with storage.open(name, "rb") as handle:
                        reader = _HashingReader(handle)
                        tar.addfile(info, reader)
                    members[MEDIA + name] = {"sha256": reader.digest.hexdigest(), "size": info.size}
                manifest = {
                    "format": FORMAT,
                    "created_at": timezone.now().isoformat(),
                    "django": django.get_version(),
                    "database_vendor": connection.vendor,
                    "migrations": _applied_migrations(),
                    "counts": counts,
                    "media_files": len(names),
                    "audit_chain": chain,
                    "members": members,
                }
                data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                info.mtime = int(time.time())
                info.mode = 0o600
                tar.addfile(info, io.BytesIO(data))
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    sha256 = _sha256_file(out)
    missing = sorted(referenced - set(names))
    audit.record(
        "backup.create",
        detail=f"{out.name} sha256={sha256};{sum(counts.values())} 行,{len(names)} 个文件",
    )
    return BackupSummary(
        path=out,
        size=out.stat().st_size,
        sha256=sha256,
        seconds=time.monotonic() - started,
        counts=counts,
        files=len(names),
        missing_files=missing,
        chain_ok=chain["ok"],
    )


# ---------------------------------------------------------------- restore


def _media_name(member: str) -> str:
    """The storage name of a media member; refused if it could escape the storage (absolute, '..')."""
    name = member[len(MEDIA) :]
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
        raise BackupRefused(f"备份中的文件名不安全:{member}")
    return name


def _copy_hashing(source, target: Path | None):
    """The SHA-256 of a member's bytes, read in blocks (copied to `target` too, if given)."""
    digest = hashlib.sha256()
    with open(target, "wb") if target is not None else io.BytesIO() as sink:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
            if target is not None:
                sink.write(block)
    return digest


def _read_and_check(path: Path, work: Path) -> dict:
    """Open the tarball, read the manifest, check every member against it (set, size and SHA-256), and
    extract database.json into `work`. Returns the manifest."""
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            members = {m.name: m for m in tar.getmembers()}
            if MANIFEST not in members:
                raise BackupRefused(f"{path.name} 不是平台备份文件(缺少 {MANIFEST})。")
            manifest = json.loads(tar.extractfile(members[MANIFEST]).read().decode("utf-8"))
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise BackupRefused(f"{path.name} 不是本平台的备份格式({FORMAT})。")
            listed = manifest.get("members") or {}
            present = set(members) - {MANIFEST}
            if present != set(listed) or DATABASE not in listed:
                extra = sorted(present - set(listed))[:3]
                lacking = sorted(set(listed) - present)[:3]
                raise BackupRefused(f"备份成员与清单不符(多出 {extra},缺少 {lacking})。")
            for name, member in members.items():
                if name == MANIFEST:
                    continue
                if not member.isfile():
                    raise BackupRefused(f"备份中含有非普通文件:{name}")
                if name != DATABASE:
                    if not name.startswith(MEDIA):
                        raise BackupRefused(f"备份中含有未知成员:{name}")
                    _media_name(name)
                digest = _copy_hashing(tar.extractfile(member), work / DATABASE if name == DATABASE else None)
                expected = listed[name]
                if digest.hexdigest() != expected.get("sha256") or member.size != expected.get("size"):
                    raise BackupRefused(f"备份成员 {name} 的校验值与清单不符,文件已损坏或被改动。")
    except (
        tarfile.TarError,
        zlib.error,
        EOFError,
        OSError,
        UnicodeDecodeError,
        json.JSONDecodeError,
        AttributeError,
    ) as exc:
        raise BackupRefused(f"无法读取备份文件 {path.name}:{exc.__class__.__name__} {exc}".strip()) from exc
    return manifest


def _check_target(manifest: dict) -> None:
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise BackupRefused("目标数据库尚未迁移到最新:请先运行 manage.py migrate,再恢复。")
    applied = _applied_migrations()
    wanted = manifest.get("migrations") or {}
    if applied != wanted:
        differing = sorted(
            label for label in set(applied) | set(wanted) if applied.get(label) != wanted.get(label)
        )
        raise BackupRefused(
            f"备份的数据库迁移状态与目标数据库不同(应用 {', '.join(differing[:5])}):"
            "请用与备份时相同版本的程序恢复,然后再升级。"
        )
    for model in _dumped_models():
        label = model._meta.label_lower
        if label in SEEDED:
            continue
        if model._base_manager.exists():
            raise BackupRefused(f"目标数据库不是空的({label} 已有数据):只能恢复到刚迁移的空数据库。")


def _seeded_rows_without_users() -> None:
    """The role groups migrate created, replaced by the backup's (same names, the backup's ids)."""
    for label in SEEDED:
        apps.get_model(label)._base_manager.all().delete()


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def restore(path: Path) -> RestoreSummary:
    started = time.monotonic()
    path = Path(path)
    if not path.is_file():
        raise BackupRefused(f"找不到备份文件 {path}")
    storage = storages[STORAGE]
    written: list[str] = []
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as work:
        work = Path(work)
        manifest = _read_and_check(path, work)
        _check_target(manifest)
        try:
            with transaction.atomic():
                _seeded_rows_without_users()
                with loading_verbatim():
                    call_command("loaddata", str(work / DATABASE), verbosity=0)
                _reset_sequences()
                counts = {m._meta.label_lower: m._base_manager.count() for m in _dumped_models()}
                counts = {label: n for label, n in counts.items() if n}
                expected = manifest.get("counts") or {}
                if any(counts.get(label, 0) != n for label, n in expected.items()):
                    wrong = sorted(label for label, n in expected.items() if counts.get(label, 0) != n)
                    raise BackupRefused(f"恢复后的行数与备份清单不符:{', '.join(wrong[:5])}")
                verdict = verify_chain()
                recorded = manifest.get("audit_chain") or {}
                # A chain that was already broken when the backup was made is restored as it was (and
                # reported); one that breaks only now means the restore itself went wrong.
                if not verdict.ok and recorded.get("ok", True):
                    broken = verdict.first_break
                    raise BackupRefused(f"恢复后审计链校验失败(第 {broken.seq} 条:{broken.reason});已回滚。")
                with tarfile.open(path, mode="r:gz") as tar:
                    for member in tar:
                        if not member.name.startswith(MEDIA):
                            continue
                        name = _media_name(member.name)
                        if storage.exists(name):
                            storage.delete(name)
                        saved = storage.save(name, File(tar.extractfile(member), name=name))
                        written.append(saved)
                        if saved != name:
                            raise BackupRefused(f"文件 {name} 未能按原名恢复(存为 {saved})。")
                audit.record(
                    "backup.restore",
                    detail=(
                        f"{path.name} 备份于 {manifest.get('created_at')};{sum(counts.values())} 行,"
                        f"{len(written)} 个文件;审计链已校验 {verdict.checked} 条"
                    ),
                )
        except BaseException:
            for name in written:
                storage.delete(name)
            raise
    return RestoreSummary(
        created_at=str(manifest.get("created_at")),
        counts=counts,
        files=len(written),
        audit_checked=verdict.checked,
        audit_ok=verdict.ok,
        audit_break="" if verdict.ok else f"第 {verdict.first_break.seq} 条:{verdict.first_break.reason}",
        seconds=time.monotonic() - started,
    )

"""`manage.py archive_audit`: records older than the retention period (180 days) move to a verified
gzip JSON-lines file; the chain still verifies; the file verifies on its own (`verify_audit --archive`);
a cutoff inside the retention period, a broken chain or a file that cannot be written or read back
deletes nothing.

The clock: three records on 2024-09-01, two on 2025-03-20 — 200 days later, the day the command runs.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection

from audit import archive as archiving
from audit import services
from audit.chain import verify_chain
from audit.context import acting_as
from audit.models import AuditArchive, AuditRecord

SHANGHAI = ZoneInfo("Asia/Shanghai")
OLD = datetime(2024, 9, 1, 10, 0, tzinfo=SHANGHAI)
NOW = datetime(2025, 3, 20, 12, 0, tzinfo=SHANGHAI)  # 200 days after OLD


def run(capsys, *args, **options) -> tuple[int, str, str]:
    code = 0
    try:
        call_command(*args, **options)
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def trail(db, time_machine) -> list[AuditRecord]:
    time_machine.move_to(OLD, tick=False)
    old = [services.record("login", detail=f"旧记录{n}") for n in range(3)]
    time_machine.move_to(NOW, tick=False)
    recent = [services.record("login", detail=f"新记录{n}") for n in range(2)]
    return old + recent


def seqs() -> list[int]:
    return list(AuditRecord.objects.order_by("seq").values_list("seq", flat=True))


def nothing_archived(trail) -> bool:
    return seqs() == [r.seq for r in trail] and not AuditArchive.objects.exists()


def test_records_older_than_the_retention_period_are_archived_and_the_recent_kept(trail, tmp_path, capsys):
    code, out, err = run(capsys, "archive_audit", directory=str(tmp_path))
    assert (code, err) == (0, "")
    assert "已归档第 1–3 条审计记录(共 3 条)" in out

    archive = AuditArchive.objects.get()
    assert (archive.first_seq, archive.last_seq, archive.record_count) == (1, 3, 3)
    assert archive.last_hash == trail[2].hash
    assert archive.file_name == "audit-000000000001-000000000003.jsonl.gz"
    path = tmp_path / archive.file_name
    assert archive.file_sha256 in out

    # The recent records stay, followed by the record of the archiving itself.
    assert seqs() == [4, 5, 6]
    note = AuditRecord.objects.get(seq=6)
    assert note.action == "audit.archive"
    assert note.username == "命令 archive_audit"
    assert note.changes["after"]["file_sha256"] == archive.file_sha256
    assert note.changes["after"]["last_seq"] == 3

    # Every field of every archived record, both hashes included, is in the file.
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    assert [row["seq"] for row in rows] == [1, 2, 3]
    assert rows[0] == {**trail[0].content(), "id": trail[0].pk, "hash": trail[0].hash}

    verdict = verify_chain()
    assert verdict.ok and verdict.checked == 3
    assert run(capsys, "verify_audit")[:2] == (0, "审计链完整:已校验 3 条记录。\n")
    code, out, err = run(capsys, "verify_audit", archive=str(path))
    assert (code, err) == (0, "")
    assert "归档文件完整:第 1–3 条,共 3 条记录" in out


def test_a_cutoff_inside_the_retention_period_is_refused_and_nothing_changes(trail, tmp_path, capsys):
    # 180 days before 2025-03-20 12:00 is 2024-09-21 12:00: a cutoff at 2024-09-22 00:00 is too recent.
    code, out, err = run(capsys, "archive_audit", before="2024-09-22", directory=str(tmp_path))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "至少保留 180 天" in err
    assert nothing_archived(trail)
    assert list(tmp_path.iterdir()) == []


def test_the_last_allowed_day_is_accepted(trail, tmp_path, capsys):
    assert run(capsys, "archive_audit", before="2024-09-21", directory=str(tmp_path))[0] == 0
    assert AuditArchive.objects.get().last_seq == 3


def test_a_malformed_date_is_refused(trail, tmp_path, capsys):
    code, _out, err = run(capsys, "archive_audit", before="2024-13-01", directory=str(tmp_path))
    assert code == 2 and "YYYY-MM-DD" in err
    assert nothing_archived(trail)


def test_nothing_to_archive_changes_nothing(db, time_machine, tmp_path, capsys):
    time_machine.move_to(NOW, tick=False)
    services.record("login")
    code, out, _err = run(capsys, "archive_audit", directory=str(tmp_path))
    assert code == 0 and "没有需要归档" in out
    assert seqs() == [1] and not AuditArchive.objects.exists()


def test_nothing_is_deleted_when_the_file_cannot_be_written(trail, tmp_path, capsys):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    code, out, err = run(capsys, "archive_audit", directory=str(blocker / "archive"))
    assert code == 1
    assert out == "" and err.count("\n") == 1
    assert "无法写入归档文件" in err and "未删除任何记录" in err
    assert nothing_archived(trail)
    assert not AuditRecord.objects.filter(action="audit.archive").exists()


@pytest.mark.parametrize("where", [0.5, 0.8, -1], ids=["middle", "late", "length-trailer"])
def test_nothing_is_deleted_when_the_file_does_not_read_back(trail, tmp_path, capsys, monkeypatch, where):
    """A disk that corrupts what it was given (a byte flipped in the compressed data or in the gzip
    trailer): the read-back catches it before any row is deleted."""
    original = archiving._write

    def write_then_corrupt(path, records, anchor):
        result = original(path, records, anchor)
        data = bytearray(path.read_bytes())
        data[int(len(data) * where) if where > 0 else where] ^= 0xFF
        path.write_bytes(bytes(data))
        return result

    monkeypatch.setattr(archiving, "_write", write_then_corrupt)
    code, _out, err = run(capsys, "archive_audit", directory=str(tmp_path))
    assert code == 1
    assert "回读校验失败" in err
    assert nothing_archived(trail)


def test_a_broken_chain_is_not_archived(trail, tmp_path, capsys):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditrecord DISABLE TRIGGER audit_record_append_only")
        cursor.execute("UPDATE audit_auditrecord SET detail = 'x' WHERE id = %s", [trail[1].pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditrecord ENABLE TRIGGER audit_record_append_only")
    code, _out, err = run(capsys, "archive_audit", directory=str(tmp_path))
    assert code == 2
    assert f"第 {trail[1].seq} 条记录(id={trail[1].pk})" in err
    assert seqs() == [1, 2, 3, 4, 5] and not AuditArchive.objects.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_second_archive_continues_the_first_and_both_files_verify(trail, tmp_path, time_machine, capsys):
    run(capsys, "archive_audit", directory=str(tmp_path))
    # 200 days on, the records of 2025-03-20 (and the archiving note) are old enough too.
    time_machine.move_to(datetime(2025, 10, 6, 12, 0, tzinfo=SHANGHAI), tick=False)
    with acting_as(label="test"):
        services.record("login", detail="更新的记录")
    code, out, _err = run(capsys, "archive_audit", directory=str(tmp_path))
    assert code == 0 and "已归档第 4–6 条" in out

    first, second = AuditArchive.objects.order_by("last_seq")
    assert (second.first_seq, second.last_seq) == (4, 6)
    assert seqs() == [7, 8]
    assert verify_chain().ok
    for archive in (first, second):
        assert run(capsys, "verify_audit", archive=str(tmp_path / archive.file_name))[0] == 0


def test_archiving_every_record_leaves_a_chain_that_continues_from_the_archive(
    db, time_machine, tmp_path, capsys
):
    time_machine.move_to(OLD, tick=False)
    old = [services.record("login") for _ in range(2)]
    time_machine.move_to(NOW, tick=False)
    assert run(capsys, "archive_audit", directory=str(tmp_path))[0] == 0
    note = AuditRecord.objects.get()
    assert (note.seq, note.prev_hash, note.action) == (3, old[-1].hash, "audit.archive")
    services.record("login")
    assert verify_chain().ok and verify_chain().checked == 2


def test_a_tampered_archive_file_is_detected(trail, tmp_path, capsys):
    run(capsys, "archive_audit", directory=str(tmp_path))
    path = tmp_path / AuditArchive.objects.get().file_name
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    rows[1]["detail"] = "改过的旧记录"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    code, _out, err = run(capsys, "verify_audit", archive=str(path))
    assert code == 1
    assert f"第 2 条记录(id={rows[1]['id']})内容与其哈希不符" in err


def test_a_consistently_shortened_archive_file_does_not_match_its_row(trail, tmp_path, capsys):
    """Dropping the last line keeps every remaining hash and link right; the AuditArchive row does not."""
    run(capsys, "archive_audit", directory=str(tmp_path))
    path = tmp_path / AuditArchive.objects.get().file_name
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        kept = lines.readlines()[:2]
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.writelines(kept)
    code, _out, err = run(capsys, "verify_audit", archive=str(path))
    assert code == 1 and "与归档记录不符" in err


def test_a_missing_archive_file_is_a_one_line_error(db, tmp_path, capsys):
    code, _out, err = run(capsys, "verify_audit", archive=str(tmp_path / "nope.jsonl.gz"))
    assert code == 2 and err.count("\n") == 1

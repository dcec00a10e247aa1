"""`manage.py verify_audit` walks the hash chain and exits 1 naming the first record that was changed,
removed or forged; an intact chain exits 0 with the count.

Tampering is done the way someone with the database owner's rights would: on PostgreSQL the append-only
trigger is disabled around a raw UPDATE or DELETE (ALTER TABLE … DISABLE TRIGGER), on SQLite a raw
statement is enough.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from audit import services
from audit.models import AuditArchive, AuditRecord

TABLE = "audit_auditrecord"


@contextmanager
def tampering():
    """A cursor that may rewrite the trail: the trigger off (PostgreSQL) for as long as it is open."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER audit_record_append_only")
        try:
            yield cursor
        finally:
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER audit_record_append_only")


def verify(capsys) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of verify_audit."""
    code = 0
    try:
        call_command("verify_audit")
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def chain(db) -> list[AuditRecord]:
    return [
        services.record(f"test.step{n}", detail=f"第{n}步", after={"amount_fen": n * 100})
        for n in range(1, 6)
    ]


def test_an_intact_chain_exits_0_with_the_count(chain, capsys):
    code, out, err = verify(capsys)
    assert code == 0
    assert "已校验 5 条记录" in out
    assert err == ""


def test_an_empty_trail_is_intact(db, capsys):
    assert verify(capsys)[:2] == (0, "审计链完整:已校验 0 条记录。\n")


def test_a_record_edited_in_the_database_is_named_by_seq_and_id(chain, capsys):
    target = chain[2]
    with tampering() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET detail = %s WHERE id = %s", ["第3步(已改)", target.pk])
    assert AuditRecord.objects.get(pk=target.pk).detail == "第3步(已改)"

    code, out, err = verify(capsys)
    assert code == 1
    assert out == ""
    assert f"第 {target.seq} 条记录(id={target.pk})" in err
    assert "已被修改" in err


def test_a_money_figure_changed_in_the_database_is_detected(chain, capsys):
    target = chain[1]
    changes = '{"after": {"amount_fen": 999999}}'
    with tampering() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"UPDATE {TABLE} SET changes = %s::jsonb WHERE id = %s", [changes, target.pk])
        else:
            cursor.execute(f"UPDATE {TABLE} SET changes = %s WHERE id = %s", [changes, target.pk])
    code, _out, err = verify(capsys)
    assert code == 1
    assert f"第 {target.seq} 条记录(id={target.pk})" in err


def test_an_edit_with_its_own_hash_recomputed_breaks_the_next_link(chain, capsys):
    target, following = chain[2], chain[3]
    target.detail = "第3步(已改)"
    forged_hash = target.compute_hash()
    with tampering() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET detail = %s, hash = %s WHERE id = %s",
            [target.detail, forged_hash, target.pk],
        )
    code, _out, err = verify(capsys)
    assert code == 1
    assert f"第 {following.seq} 条记录(id={following.pk})" in err
    assert "哈希链接不符" in err


def test_a_deleted_record_is_detected(chain, capsys):
    gone = chain[1]
    with tampering() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [gone.pk])
    code, _out, err = verify(capsys)
    assert code == 1
    assert f"缺少序号 {gone.seq} 的记录" in err


def test_a_forged_record_added_through_the_orm_is_detected(chain, capsys):
    """The ORM lets a new row in (that is how records are written), so a forger could add one without
    audit.services.record; its hash cannot be right without the chain, and verify_audit names it."""
    last = chain[-1]
    forged = AuditRecord(
        seq=last.seq + 1,
        created_at=timezone.now(),
        action="login",
        username="admin",
        result="success",
        prev_hash=last.hash,
        hash="f" * 64,
    )
    forged.save()
    code, _out, err = verify(capsys)
    assert code == 1
    assert f"第 {forged.seq} 条记录(id={forged.pk})" in err


def test_a_forged_record_linked_to_the_wrong_predecessor_is_detected(chain, capsys):
    forged = AuditRecord(
        seq=chain[-1].seq + 1,
        created_at=timezone.now(),
        action="decision.create",
        prev_hash=chain[1].hash,  # pretends to follow an earlier record
    )
    forged.hash = forged.compute_hash()
    forged.save()
    code, _out, err = verify(capsys)
    assert code == 1
    assert f"第 {forged.seq} 条记录(id={forged.pk})" in err
    assert "哈希链接不符" in err


def test_a_removed_archive_row_cannot_hide_the_start_of_the_chain(chain, capsys):
    """Archives must cover the chain from seq 1: dropping the first AuditArchive row (and the records it
    stood for) while a later one remains is a gap, not a shorter chain."""
    AuditArchive.objects.create(
        first_seq=1, last_seq=2, last_hash=chain[1].hash, record_count=2, file_name="a", file_sha256="0" * 64
    )
    AuditArchive.objects.create(
        first_seq=3, last_seq=4, last_hash=chain[3].hash, record_count=2, file_name="b", file_sha256="0" * 64
    )
    with tampering() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq <= 4")
    assert verify(capsys)[0] == 0  # as archiving leaves it
    AuditArchive.objects.filter(last_seq=2).delete()
    code, _out, err = verify(capsys)
    assert code == 1
    assert "归档记录不连续" in err


def test_a_tamperer_without_the_key_cannot_rebuild_the_chain(chain, capsys):
    """Someone who can write the table recomputes every hash from the edit on with plain SHA-256 (they do not
    hold AUDIT_HMAC_KEY): the first edited record is named."""
    import hashlib
    import json

    records = list(AuditRecord.objects.order_by("seq"))
    target = records[2]
    previous_hash = records[1].hash
    with tampering() as cursor:
        for entry in records[2:]:
            if entry.pk == target.pk:
                entry.detail = "第3步(已改)"
            entry.prev_hash = previous_hash
            canonical = json.dumps(entry.content(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            entry.hash = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
            cursor.execute(
                f"UPDATE {TABLE} SET detail = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [entry.detail, entry.prev_hash, entry.hash, entry.pk],
            )
            previous_hash = entry.hash
    code, _out, err = verify(capsys)
    assert code == 1
    assert f"第 {target.seq} 条记录(id={target.pk})" in err


# ---------------------------------------------------------------- the head anchored outside (issue 14)


@pytest.fixture
def anchor_file(settings, tmp_path):
    settings.AUDIT_ANCHOR_FILE = tmp_path / "audit-anchor.log"
    return settings.AUDIT_ANCHOR_FILE


def test_deleting_the_newest_records_is_caught_by_the_anchor_kept_outside(chain, anchor_file, capsys):
    from audit.tasks import anchor_audit_head

    assert anchor_audit_head() == 5
    assert anchor_audit_head() is None  # nothing new: nothing appended
    assert len(anchor_file.read_text().splitlines()) == 1
    with tampering() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq >= 4")  # the tail gone; the rest still links
    code, out, err = verify(capsys)
    assert code == 1 and out == ""
    assert "审计日志尾部缺失:锚点记录到第 5 条" in err and "数据库只到第 3 条" in err


def test_a_new_head_is_anchored_again_and_an_intact_chain_still_passes(chain, anchor_file, capsys):
    from audit.anchor import read_anchors, write_anchor

    write_anchor()
    services.record("test.step6")
    assert write_anchor().seq == 6
    anchors, problems = read_anchors()
    assert [a.seq for a in anchors] == [5, 6] and problems == []
    code, out, _err = verify(capsys)
    assert code == 0 and "已校验 6 条记录" in out


def test_a_forged_or_edited_anchor_line_is_reported(chain, anchor_file, capsys):
    from audit.anchor import write_anchor

    write_anchor()
    line = anchor_file.read_text()
    anchor_file.write_text(line.replace("5 ", "3 ", 1))  # someone moves the anchor back to hide a deletion
    code, _out, err = verify(capsys)
    assert code == 1 and "锚点文件第 1 行签名不符" in err


def test_a_rewritten_anchored_record_is_reported(chain, anchor_file, capsys):
    from audit.anchor import write_anchor

    write_anchor()
    with tampering() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq = 5")
    services.record("test.replacement")  # a new record 5, chained anew: only the anchor knows the old one
    code, _out, err = verify(capsys)
    assert code == 1 and "第 5 条记录与锚点" in err

"""`manage.py backup_portal` and `manage.py restore_portal` (issue 7, item 7).

The whole round trip runs on committed data (transactional_db): applications through to recognised awards,
one of them approved and its installment paid; a backup; the database flushed and the uploaded files
deleted; the restore — and then every application, award, installment and budget is back with its
amounts, every material is byte-identical, and the audit chain verifies. Refusals (a damaged or foreign
file, a database that is not empty, a different migration state) exit 2 with one line and change nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.management import call_command

from accounts.models import User
from applications.models import Application, Attachment
from audit.chain import verify_chain
from audit.models import AuditRecord
from disbursement import services as finance
from disbursement.models import Award, Budget, Installment, PaymentRecord
from tests.disbursement.conftest import *  # noqa: F403 (fixtures: clock, call, people)
from tests.disbursement.conftest import confirmed_budget, pay, recognised_award
from tests.factories import UserFactory


def run(capsys, *args, **options) -> tuple[int, str, str]:
    code = 0
    try:
        call_command(*args, **options)
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def media(tmp_path, settings):
    """The private storage in a folder of this test, for the materials and for the backup alike."""
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            **settings.STORAGES["private"],
            "OPTIONS": {"location": root / "private", "base_url": None},
        },
    }
    field = Attachment._meta.get_field("file")
    original = field.storage
    field.storage = storages["private"]
    yield root
    field.storage = original


def portfolio(alice, bob, call, dora, fay, fred) -> None:
    """Three applications: alice's recognised, approved and paid; bob's recognised, pending finance;
    alice's second one submitted only."""
    from tests.applications.conftest import submitted

    confirmed_budget(2025, "7.1", "10,000,000", entered_by=dora, confirmed_by=fay)
    confirmed_budget(2025, "", "50,000,000", entered_by=dora, confirmed_by=fay)
    paid = recognised_award(
        alice,
        call,
        "7.1",
        "600,000.01",
        facts={"self_raised_investment": "2000001"},
        matter="智能视觉平台",
        actor=dora,
    )
    finance.approve_award(actor=fred, award=paid)
    pay(paid.installments.get(), officer=fay, approver=fred)
    recognised_award(
        bob,
        call,
        "7.1",
        "300,000",
        facts={"self_raised_investment": "1000000"},
        matter="语音交互平台",
        actor=dora,
    )
    submitted(alice, call, code="9.1", facts={"service_cost": "400000"}, matter="云服务")


def snapshot() -> dict:
    """What a user of the portal relies on, in a form that survives a change of primary keys."""
    return {
        "applications": sorted(
            Application.objects.values_list(
                "number", "status", "requested_fen", "awarded_fen", "organization__uscc"
            )
        ),
        "awards": sorted(
            Award.objects.values_list("application__number", "amount_fen", "status", "approved_by__username")
        ),
        "installments": sorted(
            Installment.objects.values_list(
                "award__application__number",
                "number",
                "year",
                "amount_fen",
                "status",
                "paid_on",
                "voucher_no",
            )
        ),
        "payments": sorted(PaymentRecord.objects.values_list("voucher_no", "amount_fen", "account_number")),
        "budgets": sorted(
            Budget.objects.values_list("year", "item_code", "amount_fen", "committed_fen", "paid_fen")
        ),
        "users": sorted(User.objects.values_list("pk", "username", "password")),
        "roles": sorted(User.objects.values_list("username", "groups__name")),
        "audit": list(AuditRecord.objects.order_by("seq").values_list("seq", "hash")),
    }


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_an_empty_database_brings_everything_back(
    media, tmp_path, capsys, clock, call, alice, bob, dora, fay, fred
):
    portfolio(alice, bob, call, dora, fay, fred)
    before = snapshot()
    assert len(before["applications"]) == 3 and len(before["awards"]) == 2
    assert ("CNAI-2025-7.1-00001", 60_000_001, "closed", "fred") in before["awards"]
    files = {a.file.name: a.file.read() for a in Attachment.objects.all()}
    assert len(files) >= 3 and all(files.values())

    out = tmp_path / "portal.tar.gz"
    code, text, err = run(capsys, "backup_portal", out=str(out))
    assert (code, err) == (0, "")
    assert f"{len(files)} 个文件" in text
    assert out.stat().st_mode & 0o777 == 0o600
    backup_record = AuditRecord.objects.order_by("-seq").first()
    assert backup_record.action == "backup.create" and backup_record.username == "命令 backup_portal"

    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(media)
    assert not Application.objects.exists() and not AuditRecord.objects.exists() and not User.objects.exists()

    code, text, err = run(capsys, "restore_portal", str(out))
    assert (code, err) == (0, "")
    assert "申报 3,资助 2" in text
    assert f"{len(files)} 个文件" in text
    assert "审计链完整" in text

    after = snapshot()
    restored_record = AuditRecord.objects.order_by("-seq").first()
    assert restored_record.action == "backup.restore" and restored_record.username == "命令 restore_portal"
    assert after["audit"][:-1] == before["audit"]
    for key in before:
        if key != "audit":
            assert after[key] == before[key], key
    for name, content in files.items():
        assert (media / "private" / name).read_bytes() == content
    assert Attachment.objects.get(file=next(iter(files))).file.read() == files[next(iter(files))]
    verdict = verify_chain()
    assert verdict.ok and verdict.checked == len(before["audit"]) + 1

    # The restored database keeps working: new rows get fresh ids (sequences reset), records chain on.
    newcomer = UserFactory(username="newcomer")
    assert newcomer.pk > max(pk for pk, _name, _password in before["users"])
    assert verify_chain().ok


# ---------------------------------------------------------------- refusals


@pytest.fixture
def backup_file(db, media, tmp_path, capsys) -> Path:
    UserFactory(username="alice")
    out = tmp_path / "portal.tar.gz"
    assert run(capsys, "backup_portal", out=str(out))[0] == 0
    return out


def rewrite(source: Path, target: Path, change) -> Path:
    """A copy of the tarball with `change(name, data) -> data | None` applied to each member
    (None drops the member)."""
    with tarfile.open(source, "r:gz") as tar, tarfile.open(target, "w:gz") as new:
        for member in tar.getmembers():
            data = change(member.name, tar.extractfile(member).read())
            if data is None:
                continue
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))
    return target


def refused(capsys, path: Path) -> str:
    users = sorted(User.objects.values_list("username", flat=True))
    records = AuditRecord.objects.count()
    code, out, err = run(capsys, "restore_portal", str(path))
    assert code == 2, err
    assert out == "" and err.count("\n") == 1 and err.startswith("restore_portal: ")
    assert sorted(User.objects.values_list("username", flat=True)) == users
    assert AuditRecord.objects.count() == records
    return err


def test_a_database_with_user_data_is_refused(backup_file, capsys):
    assert "不是空的" in refused(capsys, backup_file)


def test_a_file_that_is_not_a_backup_is_refused(db, tmp_path, capsys):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(gzip.compress(b"not a tarball at all"))
    assert "无法读取备份文件" in refused(capsys, junk)
    text = tmp_path / "plain.tar.gz"
    text.write_text("hello")
    assert "无法读取备份文件" in refused(capsys, text)
    assert "找不到备份文件" in refused(capsys, tmp_path / "missing.tar.gz")


def test_a_member_changed_after_the_backup_is_refused(backup_file, tmp_path, capsys):
    def forge(name, data):
        if name == "database.json":
            return data.replace(b'"alice"', b'"mallory"')
        return data

    assert "校验值与清单不符" in refused(capsys, rewrite(backup_file, tmp_path / "forged.tar.gz", forge))


def test_a_member_missing_or_added_is_refused(backup_file, tmp_path, capsys):
    dropped = rewrite(
        backup_file, tmp_path / "dropped.tar.gz", lambda n, d: None if n == "database.json" else d
    )
    assert "与清单不符" in refused(capsys, dropped)


def test_a_member_escaping_the_storage_is_refused(backup_file, tmp_path, capsys):
    """A member named media/../../x, even listed in the manifest with its right hash, is never written."""
    evil, payload = "media/../../escaped.txt", b"x"

    def add_evil(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["members"][evil] = {"sha256": hashlib.sha256(payload).hexdigest(), "size": len(payload)}
        return json.dumps(manifest).encode()

    target = rewrite(backup_file, tmp_path / "escape.tar.gz", add_evil)
    with tarfile.open(target, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    with tarfile.open(target, "w:gz") as tar:
        for member, data in members:
            tar.addfile(member, io.BytesIO(data))
        info = tarfile.TarInfo(evil)
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    assert "不安全" in refused(capsys, target)
    assert not (tmp_path / "escaped.txt").exists()


def test_a_backup_of_another_migration_state_is_refused(backup_file, tmp_path, capsys):
    def older(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["migrations"]["audit"] = manifest["migrations"]["audit"][:1]
        return json.dumps(manifest).encode()

    assert "迁移状态" in refused(capsys, rewrite(backup_file, tmp_path / "older.tar.gz", older))


def test_an_existing_backup_is_not_overwritten(backup_file, capsys):
    before = backup_file.read_bytes()
    code, out, err = run(capsys, "backup_portal", out=str(backup_file))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert backup_file.read_bytes() == before

"""`manage.py verify_audit`: walk the audit chain, then check it still reaches the anchors kept outside the
database (AUDIT_ANCHOR_FILE: a deleted tail shows there); exit 1 naming the first problem.
`manage.py verify_audit --archive FILE`: check an archive file written by archive_audit the same way, and
against its AuditArchive row (count, range, last hash, SHA-256) when the database has one."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from audit.anchor import check_anchors
from audit.archive import check_against_database, verify_file
from audit.chain import verify_chain


class Command(BaseCommand):
    help = "校验审计日志哈希链;发现被修改、删除或插入的记录时以非零状态退出,并指出第一条。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--archive", metavar="FILE", help="校验一个归档文件(archive_audit 写出的 .jsonl.gz)。"
        )

    def handle(self, *args, archive=None, **options):
        if archive:
            self._verify_archive(Path(archive))
            return
        verdict = verify_chain()
        if not verdict.ok:
            broken = verdict.first_break
            record_id = f"(id={broken.record_id})" if broken.record_id is not None else ""
            sys.stderr.write(f"verify_audit: 审计链断裂:第 {broken.seq} 条记录{record_id}{broken.reason}\n")
            sys.exit(1)
        # A chain whose newest records were deleted still links: the anchors outside the database say
        # where it reached (audit.anchor).
        problem = check_anchors()
        if problem:
            sys.stderr.write(f"verify_audit: {problem}\n")
            sys.exit(1)
        self.stdout.write(f"审计链完整:已校验 {verdict.checked} 条记录。")

    def _verify_archive(self, path: Path) -> None:
        if not path.is_file():
            sys.stderr.write(f"verify_audit: 找不到归档文件 {path}\n")
            sys.exit(2)
        verdict = verify_file(path)
        problem = verdict.problem or check_against_database(path, verdict)
        if problem:
            sys.stderr.write(f"verify_audit: 归档文件 {path.name} 校验失败:{problem}\n")
            sys.exit(1)
        self.stdout.write(
            f"归档文件完整:第 {verdict.first_seq}–{verdict.last_seq} 条,共 {verdict.count} 条记录,"
            f"SHA-256 {verdict.sha256}。"
        )

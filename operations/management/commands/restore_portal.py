"""`manage.py restore_portal FILE.tar.gz`: restore a backup_portal tarball into a migrated, empty database
(operations.backup)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from audit.context import acting_as
from operations.backup import BackupRefused, restore


class Command(BaseCommand):
    help = "从 backup_portal 的备份文件恢复数据库和上传材料;目标数据库须已迁移且没有业务数据。"

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE.tar.gz")

    def handle(self, *args, file, **options):
        with acting_as(label="命令 restore_portal"):
            try:
                summary = restore(Path(file))
            except BackupRefused as exc:
                sys.stderr.write(f"restore_portal: {exc}\n")
                sys.exit(2)
        counts = summary.counts
        self.stdout.write(
            f"已恢复 {summary.created_at} 的备份:{sum(counts.values())} 行数据"
            f"(用户 {counts.get('accounts.user', 0)},单位 {counts.get('accounts.organization', 0)},"
            f"申报 {counts.get('applications.application', 0)},资助 {counts.get('disbursement.award', 0)},"
            f"审计记录 {counts.get('audit.auditrecord', 0)}),{summary.files} 个文件,"
            f"用时 {summary.seconds:.1f} 秒。"
        )
        if summary.audit_ok:
            self.stdout.write(f"审计链完整:已校验 {summary.audit_checked} 条记录。")
        else:
            sys.stderr.write(f"restore_portal: 审计链在备份时已断裂({summary.audit_break}),已按原样恢复。\n")
            sys.exit(1)

"""`manage.py backup_portal --out FILE.tar.gz`: the database and every uploaded file in one tarball
(operations.backup)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from audit.context import acting_as
from operations.backup import BackupRefused, backup


class Command(BaseCommand):
    help = "备份整个平台:数据库(JSON)、全部上传材料和校验清单,写入一个 .tar.gz 文件。"

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, metavar="FILE.tar.gz", help="备份文件路径(不得已存在)。")

    def handle(self, *args, out, **options):
        with acting_as(label="命令 backup_portal"):
            try:
                summary = backup(Path(out))
            except BackupRefused as exc:
                sys.stderr.write(f"backup_portal: {exc}\n")
                sys.exit(2)
        self.stdout.write(
            f"已备份到 {summary.path}:{sum(summary.counts.values())} 行数据,{summary.files} 个文件,"
            f"{summary.size} 字节,用时 {summary.seconds:.1f} 秒。\nSHA-256 {summary.sha256}"
        )
        if summary.missing_files:
            self.stderr.write(
                f"注意:数据库引用的 {len(summary.missing_files)} 个文件不在存储中,未能备份,"
                f"例如 {', '.join(summary.missing_files[:3])}"
            )
        if not summary.chain_ok:
            self.stderr.write("注意:备份时审计链校验未通过,请运行 manage.py verify_audit 查明原因。")

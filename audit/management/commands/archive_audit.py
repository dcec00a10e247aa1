"""`manage.py archive_audit [--before YYYY-MM-DD] [--dir PATH]`: move audit records older than the cutoff
(by default AUDIT_RETENTION_DAYS before today, Shanghai time) to a verified archive file (audit.archive)."""

import sys
from datetime import datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from audit.archive import ArchiveError, archive_before
from audit.context import acting_as


class Command(BaseCommand):
    help = "归档保存期(AUDIT_RETENTION_DAYS)以前的审计记录:写入并校验归档文件后才从数据库删除。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--before",
            metavar="YYYY-MM-DD",
            help="归档此日期(上海时间 0 点)之前的记录;默认为今天往前保存期天数。",
        )
        parser.add_argument(
            "--dir", dest="directory", metavar="PATH", help="归档文件目录;默认为 AUDIT_ARCHIVE_DIR。"
        )

    def _fail(self, code: int, message: str):
        sys.stderr.write(f"archive_audit: {message}\n")
        sys.exit(code)

    def handle(self, *args, before=None, directory=None, **options):
        if before:
            try:
                day = datetime.strptime(before, "%Y-%m-%d").date()
            except ValueError:
                self._fail(2, f"日期格式应为 YYYY-MM-DD:{before}")
        else:
            day = timezone.localdate() - timedelta(days=settings.AUDIT_RETENTION_DAYS)
        cutoff = timezone.make_aware(datetime.combine(day, time.min))
        with acting_as(label="命令 archive_audit"):
            try:
                archive = archive_before(cutoff, directory=directory)
            except ArchiveError as exc:
                self._fail(exc.exit_code, str(exc))
        if archive is None:
            self.stdout.write(f"{day:%Y-%m-%d} 之前没有需要归档的审计记录。")
            return
        directory = Path(directory or settings.AUDIT_ARCHIVE_DIR)
        self.stdout.write(
            f"已归档第 {archive.first_seq}–{archive.last_seq} 条审计记录(共 {archive.record_count} 条)"
            f"到 {directory / archive.file_name},SHA-256 {archive.file_sha256}。"
        )

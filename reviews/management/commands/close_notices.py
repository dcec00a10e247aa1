from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit import services as audit
from reviews.services import close_due_notices


def _end_of(day: str) -> datetime:
    try:
        date = datetime.strptime(day, "%Y-%m-%d").date()
    except ValueError:
        raise CommandError(f"--on 应为 YYYY-MM-DD 格式的日期:{day}", returncode=2) from None
    return datetime.combine(date, time(23, 59, 59), tzinfo=ZoneInfo(settings.TIME_ZONE))


class Command(BaseCommand):
    help = (
        "办结公示期已满的公示:无成立异议的申报予以认定,异议成立的退回重新审定。"
        "可重复运行;有未处理异议的公示跳过并列出。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--on",
            metavar="YYYY-MM-DD",
            help=(
                "按该日(北京时间)结束时办结到期的公示,仅用于演示环境(DEBUG 或 DEMO_MODE),"
                "免得有人为演示去改数据库;未到期的公示仍不会提前办结。每次使用都记入审计日志。"
            ),
        )

    def handle(self, *args, **options):
        at = None
        if options["on"]:
            if not (settings.DEBUG or settings.DEMO_MODE):
                raise CommandError("--on 只能在演示环境(DEBUG 或 DEMO_MODE)中使用。", returncode=2)
            at = _end_of(options["on"])
        closed, blocked = close_due_notices(at=at)
        for notice in closed:
            if at is not None:
                audit.record(
                    "notice.close",
                    obj=notice,
                    detail=f"close_notices --on {options['on']}(演示环境按指定日期办结)",
                    username="close_notices",
                )
            if options["verbosity"] >= 1:
                closed_at = timezone.localtime(notice.closed_at).strftime("%Y-%m-%d %H:%M:%S")
                self.stdout.write(f"已办结:{notice.title}(#{notice.pk},{closed_at})")
        for notice, reason in blocked:
            # Not an error for the scheduler: the approvers still have to decide the objections.
            self.stderr.write(f"未办结:{notice.title}(#{notice.pk}):{reason}")
        if not closed and not blocked and options["verbosity"] >= 1:
            self.stdout.write("没有需要办结的公示。")

from django.core.management.base import BaseCommand
from django.utils import timezone

from reviews.services import close_due_notices


class Command(BaseCommand):
    help = (
        "办结公示期已满的公示:无成立异议的申报予以认定,异议成立的退回重新审定。"
        "可重复运行;有未处理异议的公示跳过并列出。"
    )

    def handle(self, *args, **options):
        closed, blocked = close_due_notices()
        for notice in closed:
            if options["verbosity"] >= 1:
                closed_at = timezone.localtime(notice.closed_at).strftime("%Y-%m-%d %H:%M:%S")
                self.stdout.write(f"已办结:{notice.title}(#{notice.pk},{closed_at})")
        for notice, reason in blocked:
            # Not an error for the scheduler: the approvers still have to decide the objections.
            self.stderr.write(f"未办结:{notice.title}(#{notice.pk}):{reason}")
        if not closed and not blocked and options["verbosity"] >= 1:
            self.stdout.write("没有需要办结的公示。")

import argparse
from datetime import date

from django.utils import timezone

from changning_ai.commands import OneLineErrorCommand
from disbursement.services import release_due_installments


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--date 须为 YYYY-MM-DD 格式的日期:{text!r}") from None


class Command(OneLineErrorCommand):
    help = (
        "已批准资助中到达预算年度、无条件(或条件已满足)的期次转为待拨付。可重复运行(每日一次);"
        "--date 按指定日期计算(默认今天,上海时间)。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=iso_date, help="YYYY-MM-DD,默认今天")

    def handle(self, *args, **options):
        today = options["date"] or timezone.localdate()
        released = release_due_installments(today=today)
        if options["verbosity"] >= 1:
            self.stdout.write(f"{today.isoformat()}:{released} 期转为待拨付。")

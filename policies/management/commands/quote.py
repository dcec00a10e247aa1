import json
from datetime import date

from django.utils import timezone
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError as StdnumValidationError

from accounts.models import Organization
from changning_ai.commands import OneLineErrorCommand
from policies import rules
from policies.models import PolicyItem, PolicyRound
from policies.services import default_round_for, quote_item


class Command(OneLineErrorCommand):
    help = (
        "计算某一政策项目的扶持金额,输出 JSON(POLICY.md 的 quote 约定)。"
        "例:quote 7.1 --fact self_raised_investment=2000000"
    )

    def add_arguments(self, parser):
        parser.add_argument("item", help="项目代码,如 7.1、8.4a")
        parser.add_argument("--fact", action="append", default=[], metavar="NAME=VALUE", help="申报事实")
        parser.add_argument("--org", metavar="USCC", help="单位统一社会信用代码;已获金额从数据库读取")
        parser.add_argument("--year", type=int, metavar="YYYY", help="申报年度(年度累计上限的口径)")
        parser.add_argument("--on", metavar="YYYY-MM-DD", help="申报日期,默认今天(上海时间)")
        parser.add_argument("--round", metavar="CODE", help="政策版本代码")
        parser.add_argument("--matter", default="", metavar="REF", help="事项(项目、合同、证书等)名称或编号")

    def handle(self, *args, **options):
        raw = self._facts(options["fact"])
        on = self._date(options["on"]) if options["on"] else timezone.localdate()
        year = options["year"]
        if year is not None and not 2000 <= year <= 2100:
            raise self.fail(f"--year 无效:{year}")
        item = self._item(options["item"], options["round"], on)
        organization = self._organization(options["org"]) if options["org"] else None
        try:
            result = quote_item(
                item=item,
                raw_facts=raw,
                on=on,
                organization=organization,
                year=year,
                matter=options["matter"],
            )
        except rules.FactError as exc:
            raise self.fail(";".join(exc.errors.values())) from exc
        payload = {"item": item.code, "round": item.round.code, **result.as_dict()}
        self.stdout.write(json.dumps(payload, ensure_ascii=False))

    def _facts(self, pairs: list[str]) -> dict[str, str]:
        facts: dict[str, str] = {}
        for pair in pairs:
            name, sep, value = pair.partition("=")
            if not sep or not name.strip():
                raise self.fail(f"--fact 应为 NAME=VALUE:{pair}")
            if name.strip() in facts:
                raise self.fail(f"事实 {name.strip()} 重复给出")
            facts[name.strip()] = value
        return facts

    def _date(self, text: str) -> date:
        try:
            return date.fromisoformat(text)
        except ValueError as exc:
            raise self.fail(f"--on 应为 YYYY-MM-DD:{text}") from exc

    def _item(self, code: str, round_code: str | None, on: date) -> PolicyItem:
        if round_code:
            policy_round = PolicyRound.objects.filter(code=round_code).first()
            if policy_round is None:
                raise self.fail(f"未知政策版本:{round_code}")
        else:
            policy_round = default_round_for(code, on)
            if policy_round is None:
                raise self.fail(f"未知项目:{code}")
        item = PolicyItem.objects.select_related("round").filter(round=policy_round, code=code).first()
        if item is None:
            raise self.fail(f"政策版本 {policy_round.code} 中没有项目 {code}")
        return item

    def _organization(self, value: str) -> Organization:
        try:
            code = stdnum_uscc.validate(value)
        except StdnumValidationError as exc:
            raise self.fail(f"统一社会信用代码无效:{value}") from exc
        organization = Organization.objects.filter(uscc=code).first()
        if organization is None:
            raise self.fail(f"找不到统一社会信用代码为 {code} 的单位")
        return organization

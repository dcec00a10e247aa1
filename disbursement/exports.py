"""A payment batch as the bank's 代发/批量转账 file: a header block, then one row per payment.

The layout is data, not code: disbursement/bank_layouts/<name>.json (settings.BANK_LAYOUT) names the header
fields and the columns, each by a value this module knows (HEADER_VALUES, LINE_VALUES). Another bank's
template is a new file. The default file has the header block (批次号, 付款单位, 付款账号, 付款开户行, 笔数,
金额合计), a blank row, the column titles and one row per payment: 收款人名称, 收款账号, 开户行名称,
开户行联行号, 金额, 用途. The total stands in the header block, never among the payments: a bank's import
reads every row below the titles as a payee.

The account is the one the batch pays into (selectors.batch_accounts: current until approval, then frozen
at the approval). The file is refused (ValidationError, nothing written) when a payee has no account, no
valid account number or no 联行号 — the bank would bounce the whole file — or when the rows do not add up
to the batch's total to the fen. Every text cell goes through audit.xlsx.safe: a payee name is typed by an
enterprise and must not run as a formula on a finance officer's machine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from audit.xlsx import safe, safe_row
from policies import rules

from .models import Installment, PaymentBatch
from .selectors import BatchLine, batch_lines
from .services.bank import ACCOUNT_NUMBER_RE, BANK_CODE_RE

MONEY = "#,##0.00"
TEXT = "@"
PURPOSE = gettext_lazy("长宁区人工智能政策扶持资金")
LAYOUT_DIR = Path(__file__).resolve().parent / "bank_layouts"

# What a layout may name, and how each value is kept: money as a number shown to the fen, account numbers
# and codes as text (a number format would turn 19 digits into 6.22E+18 and drop a leading zero).
HEADER_VALUES = {"batch_number", "payer_name", "payer_account", "payer_bank", "count", "total", "approved_on"}
LINE_VALUES = {
    "account_name",
    "account_number",
    "bank_name",
    "bank_code",
    "amount",
    "purpose",
    "award_number",
}
MONEY_VALUES = {"total", "amount"}
TEXT_VALUES = {"payer_account", "account_number", "bank_code"}


def purpose(installment: Installment, *, split: bool) -> str:
    """用途: “长宁区人工智能政策扶持资金 7.1 CNAI-2025-7.1-0001”, with “第2期” when the award is split."""
    award = installment.award
    text = f"{PURPOSE} {award.budget_code} {award.number}"
    if split:
        text += " " + _("第%(n)s期") % {"n": installment.number}
    return text


@dataclass(frozen=True)
class Layout:
    name: str
    sheet_title: str
    header_fields: list[dict]
    columns: list[dict]
    blank_rows_after_header: int = 1


@cache
def load_layout(name: str) -> Layout:
    """A layout file, checked once: an unknown value name is a deployment error, found at the first export."""
    data = json.loads((LAYOUT_DIR / f"{name}.json").read_text(encoding="utf-8"))
    layout = Layout(
        name=data["name"],
        sheet_title=data.get("sheet_title", ""),
        header_fields=list(data["header_fields"]),
        columns=list(data["columns"]),
        blank_rows_after_header=int(data.get("blank_rows_after_header", 1)),
    )
    unknown = {f["value"] for f in layout.header_fields} - HEADER_VALUES
    unknown |= {c["value"] for c in layout.columns} - LINE_VALUES
    if unknown:
        raise ValueError(f"bank layout {name!r} names unknown values: {sorted(unknown)}")
    return layout


def check_lines(lines: list[BatchLine]) -> None:
    """Refuse, naming each payee, a file the bank would bounce."""
    problems = []
    for line in lines:
        award = line.installment.award
        who = f"{award.organization.name}({award.number})"
        account = line.account
        if account is None:
            problems.append(_("%(who)s 尚未登记收款账户。") % {"who": who})
            continue
        if not ACCOUNT_NUMBER_RE.match(account.account_number):
            problems.append(_("%(who)s 的银行账号不是8至32位数字,请单位管理员更正。") % {"who": who})
        if not BANK_CODE_RE.match(account.bank_code):
            problems.append(_("%(who)s 的收款账户缺少开户行联行号(12位),请单位管理员补填。") % {"who": who})
    if problems:
        raise ValidationError(problems)


def batch_workbook(batch: PaymentBatch, *, layout: str | None = None) -> tuple[Workbook, int]:
    """The workbook and the batch's total in fen. ValidationError if the file would not be paid as it is."""
    spec = load_layout(layout or settings.BANK_LAYOUT)
    lines = batch_lines(batch)
    check_lines(lines)
    total_fen = sum(line.installment.amount_fen for line in lines)
    # The rows are written in yuan; checked back in fen against the database's own sum, so a rounding or a
    # line lost between the two reads never reaches the bank as a file whose header and rows disagree.
    batch_fen = Installment.objects.filter(batch=batch).aggregate(s=Sum("amount_fen"))["s"] or 0
    written_fen = sum(int(rules.fen_to_yuan(line.installment.amount_fen) * 100) for line in lines)
    if not (total_fen == batch_fen == written_fen):
        raise ValidationError(
            _("拨付文件金额合计与批次合计不一致(%(rows)s 分 / %(batch)s 分),未生成文件。")
            % {"rows": written_fen, "batch": batch_fen}
        )

    split_awards = _split_award_ids(lines)
    header_values = {
        "batch_number": batch.number,
        "payer_name": settings.PAYER_ACCOUNT_NAME,
        "payer_account": settings.PAYER_ACCOUNT_NUMBER,
        "payer_bank": settings.PAYER_BANK,
        "count": len(lines),
        "total": rules.fen_to_yuan(total_fen),
        "approved_on": batch.approved_at.date().isoformat() if batch.approved_at else "",
    }

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (spec.sheet_title or batch.number)[:31]
    for field in spec.header_fields:
        sheet.append(safe_row([field["label"], header_values[field["value"]]]))
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        _format(sheet.cell(sheet.max_row, 2), field["value"])
    for _blank in range(spec.blank_rows_after_header):
        sheet.append([])

    sheet.append(safe_row([column["title"] for column in spec.columns]))
    title_row = sheet.max_row
    for cell in sheet[title_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = f"A{title_row + 1}"

    for line in lines:
        values = _line_values(line, split=line.installment.award_id in split_awards)
        sheet.append([safe(values[column["value"]]) for column in spec.columns])
        for index, column in enumerate(spec.columns, start=1):
            _format(sheet.cell(sheet.max_row, index), column["value"])

    for index, column in enumerate(spec.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.get("width", 20)
    _flag_payee_names(workbook, lines)
    return workbook, total_fen


def _flag_payee_names(workbook: Workbook, lines: list[BatchLine]) -> None:
    """A second sheet naming every payee whose account name is not its verified name (issue 14).

    The bank reads the first sheet in the layout it expects, so the flag stands beside it, not in it; the
    finance officer sees it before sending the file, and the batch page shows the same badge."""
    differing = [line for line in lines if line.name_differs]
    if not differing:
        return
    sheet = workbook.create_sheet(str(_("户名核对")))
    sheet.append(safe_row([_("以下收款账户的户名与区科委核验的单位名称不一致,请核实后再提交银行。")]))
    sheet.append(
        safe_row([_("申报单位"), _("统一社会信用代码"), _("已核验的单位名称"), _("收款户名"), _("银行账号")])
    )
    for line in differing:
        organization = line.installment.award.organization
        sheet.append(
            safe_row(
                [
                    organization.name,
                    organization.uscc,
                    organization.verified_name or _("未核验"),
                    line.account.account_name,
                    line.account.account_number,
                ]
            )
        )
        sheet.cell(sheet.max_row, 5).number_format = TEXT
    for letter in "ABCDE":
        sheet.column_dimensions[letter].width = 30


def _line_values(line: BatchLine, *, split: bool) -> dict:
    installment = line.installment
    account = line.account
    return {
        "account_name": account.account_name,
        "account_number": account.account_number,
        "bank_name": account.bank_name,
        "bank_code": account.bank_code,
        "amount": rules.fen_to_yuan(installment.amount_fen),
        "purpose": purpose(installment, split=split),
        "award_number": installment.award.number,
    }


def _format(cell, value_name: str) -> None:
    if value_name in MONEY_VALUES:
        cell.number_format = MONEY
    elif value_name in TEXT_VALUES:
        cell.number_format = TEXT


def _split_award_ids(lines) -> set[int]:
    """Awards paid in more than one installment, whose rows name the installment. One query."""
    award_ids = {line.installment.award_id for line in lines}
    return set(
        Installment.objects.filter(award_id__in=award_ids)
        .values("award_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("award_id", flat=True)
    )

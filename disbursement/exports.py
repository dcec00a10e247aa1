"""A payment batch as an Excel sheet in the bank's column layout (批量代发), with a total row.

Columns: 收款人 (the account name), 收款账号 (in full: this file goes to the bank), 开户银行, 金额(元) as a
number to the fen shown with two decimals, 用途, 申报编号. The account is the one the batch pays into
(selectors.batch_accounts: current until approval, then frozen at the approval). The total is the sum of
the rows in integer fen, written as a value (not a formula) so a bank's import and any reader see it;
it equals the batch sum.
"""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from policies import rules

from .models import Installment, PaymentBatch
from .selectors import batch_lines

MONEY = "#,##0.00"
AMOUNT_COLUMN = 4
PURPOSE = gettext_lazy("长宁区人工智能政策扶持资金")


def purpose(installment: Installment, *, split: bool) -> str:
    """用途: “长宁区人工智能政策扶持资金 7.1 CNAI-2025-7.1-0001”, with “第2期” when the award is split."""
    award = installment.award
    text = f"{PURPOSE} {award.budget_code} {award.number}"
    if split:
        text += " " + _("第%(n)s期") % {"n": installment.number}
    return text


def batch_workbook(batch: PaymentBatch) -> tuple[Workbook, int]:
    """The workbook and the batch's total in fen (the sum of its rows)."""
    lines = batch_lines(batch)
    split_awards = _split_award_ids(lines)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = batch.number[:31]
    headers = [_("收款人"), _("收款账号"), _("开户银行"), _("金额(元)"), _("用途"), _("申报编号")]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"

    total_fen = 0
    for line in lines:
        installment = line.installment
        award = installment.award
        account = line.account
        sheet.append(
            [
                account.account_name if account else "",
                account.account_number if account else "",
                account.bank_name if account else "",
                rules.fen_to_yuan(installment.amount_fen),
                purpose(installment, split=award.pk in split_awards),
                award.number,
            ]
        )
        # The account number is text: a number format would turn 19 digits into 6.22E+18.
        sheet.cell(sheet.max_row, 2).number_format = "@"
        sheet.cell(sheet.max_row, AMOUNT_COLUMN).number_format = MONEY
        total_fen += installment.amount_fen

    sheet.append([_("合计"), "", "", rules.fen_to_yuan(total_fen), _("共 %(n)s 笔") % {"n": len(lines)}, ""])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.cell(sheet.max_row, AMOUNT_COLUMN).number_format = MONEY

    for index, width in enumerate([30, 26, 30, 16, 48, 24], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    return workbook, total_fen


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

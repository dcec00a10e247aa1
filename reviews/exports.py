"""The Excel export of a call's applications: one row each, with scores, recommendations and amounts.

Amounts are written as numbers in yuan (to the fen, formatted with two decimals), so the sheet can sum
them; the scores come from reviews.selectors.score_summary, the one definition the decision page uses.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from applications.models import Application, Call
from audit.xlsx import safe_row
from policies import rules

from .models import Assignment, Decision
from .selectors import score_summary

Status = Application.Status
# A decided amount is shown only while a decision stands (not after an objection sent it back).
DECIDED = (Status.RECOMMENDED, Status.NOT_RECOMMENDED, Status.PUBLICIZED, Status.RECOGNISED, Status.REJECTED)
MONEY = "#,##0.00"
SCORE = "0.00"


def call_rows(call: Call):
    latest = Decision.objects.filter(application=OuterRef("pk")).order_by("-decided_at", "-id")
    return (
        Application.objects.filter(call_item__call=call, submitted_at__isnull=False)
        .select_related("organization", "item", "call_item__call")
        .prefetch_related("item__criteria")
        .annotate(
            decided_fen=Subquery(latest.values("amount_fen")[:1]),
            decided_by_override=Subquery(latest.values("override_id")[:1]),
        )
        .order_by("item__sort_order", "number", "id")
    )


# (header, width, number format): the columns in order; the money columns are summed in the total row.
COLUMNS = (
    (_lazy("申报编号"), 24, None),
    (_lazy("受理编号"), 18, None),
    (_lazy("申报单位"), 30, None),
    (_lazy("统一社会信用代码"), 22, None),
    (_lazy("申报项目"), 30, None),
    (_lazy("项目名称"), 30, None),
    (_lazy("状态"), 10, None),
    (_lazy("申请金额(元)"), 16, MONEY),
    (_lazy("加权平均分"), 12, SCORE),
    (_lazy("已提交评审数"), 12, None),
    (Assignment.Recommendation.SUPPORT.label, 8, None),
    (Assignment.Recommendation.SUPPORT_LOWER.label, 14, None),
    (Assignment.Recommendation.NOT_SUPPORT.label, 8, None),
    (_lazy("审定金额(元)"), 16, MONEY),
    (_lazy("一事一议"), 10, None),
)
REQUESTED, DECIDED_AMOUNT = 7, 13  # 0-based positions of the summed columns


def call_workbook(call: Call) -> Workbook:
    """One row per submitted application, then — after an empty row, outside the data, so a filter, a
    pivot or an import of the table never reads it as an application — the 合计 row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("申报汇总")[:31]
    sheet.append([str(header) for header, _width, _format in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"

    count, requested_total, decided_total = 0, Decimal(0), Decimal(0)
    for application in call_rows(call):
        summary = score_summary(application)
        counts = summary.recommendations
        stands = application.status in DECIDED
        decided = application.decided_fen if stands else None
        requested = rules.fen_to_yuan(application.requested_fen)
        values = [
            application.number,
            application.acceptance_number or "",
            application.organization.name,
            application.organization.uscc,
            f"{application.item.code} {application.item.name}",
            application.project_name,
            application.get_status_display(),
            requested,
            summary.weighted_total,
            summary.submitted_count,
            counts.get(Assignment.Recommendation.SUPPORT, 0),
            counts.get(Assignment.Recommendation.SUPPORT_LOWER, 0),
            counts.get(Assignment.Recommendation.NOT_SUPPORT, 0),
            rules.fen_to_yuan(decided),
            _("是") if stands and application.decided_by_override else "",
        ]
        sheet.append(safe_row(values))
        _formats(sheet, sheet.max_row)
        count += 1
        requested_total += requested or 0
        decided_total += rules.fen_to_yuan(decided) or 0

    sheet.append([])
    total = [None] * len(COLUMNS)
    total[0] = _("合计(%(n)d 项)") % {"n": count}
    total[REQUESTED], total[DECIDED_AMOUNT] = requested_total, decided_total
    sheet.append(total)
    _formats(sheet, sheet.max_row)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)

    for index, (_header, width, _format) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    return workbook


def _formats(sheet, row: int) -> None:
    for index, (_header, _width, number_format) in enumerate(COLUMNS, start=1):
        if number_format:
            sheet.cell(row, index).number_format = number_format

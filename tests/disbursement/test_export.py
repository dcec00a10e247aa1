"""The bank-ready Excel export of a batch: payee, account, bank, amount in yuan to the fen, purpose,
application number; and a total row that equals the batch sum, for odd amounts too."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from disbursement import services
from tests.disbursement.conftest import login
from tests.disbursement.payment_support import (
    ACCOUNT_A,
    ACCOUNT_B,
    approved_batch,
    bank,
    due_award,
    due_installment,
    service_budget,
)

pytestmark = pytest.mark.usefixtures("clock", "private_files")

HEADER = ["收款人", "收款账号", "开户银行", "金额(元)", "用途", "申报编号"]


@pytest.fixture
def odd_batch(approved_award, alice, bob, org_a, org_b, call, dora, fay, fred, frank):
    """¥600,000.00 and ¥123,456.78 to 甲公司, ¥1,000.19 to 乙公司: three rows whose float sum is not exact."""
    service_budget(dora, fay)
    bank(alice, org_a)
    bank(bob, org_b, number=ACCOUNT_B, bank_name="建设银行上海长宁支行")
    installments = [
        due_installment(approved_award),
        due_installment(due_award(alice, call, "123,456.78", "云服务合同", approver=fred, dora=dora)),
        due_installment(due_award(bob, call, "1,000.19", "乙公司云服务", approver=fred, dora=dora)),
    ]
    return approved_batch(installments, officer=fay, approver=frank), installments


def sheet_of(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(BytesIO(response.content)).active


def export(client, user, batch):
    return sheet_of(login(client, user).get(reverse("disbursement:batch_export", args=[batch.pk])))


def fen(value) -> int:
    """A cell's yuan (int, float or Decimal as openpyxl reads it) to fen."""
    return int((Decimal(str(value)) * 100).to_integral_value())


def test_the_export_has_the_bank_columns_one_row_per_installment_and_a_total(client, odd_batch, fay):
    batch, installments = odd_batch
    sheet = export(client, fay, batch)
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == HEADER
    body, total = rows[1:-1], rows[-1]
    assert len(body) == 3
    by_number = {row[5]: row for row in body}
    first = by_number[installments[0].award.application.number]
    assert first[:3] == ["甲公司", ACCOUNT_A, "招商银行上海长宁支行"]
    assert fen(first[3]) == 600_000_00
    assert first[4] == f"长宁区人工智能政策扶持资金 7.1 {installments[0].award.application.number}"
    third = by_number[installments[2].award.application.number]
    assert third[:3] == ["乙公司", ACCOUNT_B, "建设银行上海长宁支行"]
    assert fen(third[3]) == 1_000_19
    assert total[0] == "合计"
    assert total[4] == "共 3 笔"


def test_the_total_row_equals_the_batch_sum_to_the_fen(client, odd_batch, fay):
    batch, installments = odd_batch
    sheet = export(client, fay, batch)
    last = sheet.max_row
    batch_sum = sum(i.amount_fen for i in installments)
    assert batch_sum == 724_456_97
    assert fen(sheet.cell(last, 4).value) == batch_sum
    assert sum(fen(sheet.cell(row, 4).value) for row in range(2, last)) == batch_sum


def test_amounts_are_numbers_shown_with_two_decimals_and_accounts_are_text(client, odd_batch, fay):
    batch, _installments = odd_batch
    sheet = export(client, fay, batch)
    for row in range(2, sheet.max_row + 1):
        cell = sheet.cell(row, 4)
        assert isinstance(cell.value, int | float)
        assert cell.number_format == "#,##0.00"
    for row in range(2, sheet.max_row):
        assert isinstance(sheet.cell(row, 2).value, str)


def test_the_approver_exports_too_and_the_page_shows_the_same_total(client, odd_batch, fred):
    batch, _installments = odd_batch
    sheet = export(client, fred, batch)
    html = client.get(reverse("disbursement:batch", args=[batch.pk])).content.decode()
    assert "¥724,456.97" in html
    assert fen(sheet.cell(sheet.max_row, 4).value) == 724_456_97


def test_a_failed_installment_leaves_the_export_and_the_total_follows(client, odd_batch, fay):
    batch, installments = odd_batch
    services.record_failure(actor=fay, batch=batch, installment=installments[2], reason="户名不符")
    sheet = export(client, fay, batch)
    assert sheet.max_row == 4  # header, two rows, total
    assert fen(sheet.cell(sheet.max_row, 4).value) == 723_456_78


def test_a_split_award_names_the_installment_in_the_purpose():
    from types import SimpleNamespace

    from disbursement.exports import purpose

    installment = SimpleNamespace(
        number=2,
        # The purpose reads what both an application's and an agreement's award answer (Award.budget_code,
        # Award.number).
        award=SimpleNamespace(budget_code="6.1b", number="CNAI-X"),
    )
    assert purpose(installment, split=True) == "长宁区人工智能政策扶持资金 6.1b CNAI-X 第2期"
    assert purpose(installment, split=False) == "长宁区人工智能政策扶持资金 6.1b CNAI-X"

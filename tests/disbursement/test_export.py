"""The bank-ready Excel file of a batch (代发/批量转账): a header block (batch, payer, count, total)
apart from the payments, one row per payment with 收款人名称, 收款账号, 开户行名称, 开户行联行号, 金额,
用途; the total equal to the rows and the batch to the fen, for odd amounts too; hostile names as text;
refused when a payee cannot be paid."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from disbursement import services
from disbursement.models import BankAccount
from tests.disbursement.conftest import login
from tests.disbursement.payment_support import (
    ACCOUNT_A,
    ACCOUNT_B,
    CNAPS_A,
    approved_batch,
    bank,
    due_award,
    due_installment,
    service_budget,
)

pytestmark = pytest.mark.usefixtures("clock", "private_files")

COLUMNS = ["收款人名称", "收款账号", "开户行名称", "开户行联行号", "金额", "用途"]
HEADER_LABELS = ["批次号", "付款单位", "付款账号", "付款开户行", "笔数", "金额合计"]
CNAPS_B = "105290061008"


@pytest.fixture
def odd_batch(approved_award, alice, bob, org_a, org_b, call, dora, fay, fred, frank):
    """¥600,000.00 and ¥123,456.78 to 甲公司, ¥1,000.19 to 乙公司: three rows whose float sum is not exact."""
    service_budget(dora, fay)
    bank(alice, org_a)
    bank(bob, org_b, number=ACCOUNT_B, bank_name="建设银行上海长宁支行", code=CNAPS_B)
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


def parts(sheet):
    """(header block as {label: cell}, the column titles, the payment rows as lists of cells)."""
    rows = list(sheet.iter_rows())
    titles_at = next(i for i, row in enumerate(rows) if row[0].value == "收款人名称")
    header = {row[0].value: row[1] for row in rows[:titles_at] if row[0].value is not None}
    return header, [c.value for c in rows[titles_at]], rows[titles_at + 1 :]


def test_the_file_has_a_header_block_then_the_bank_columns_one_row_per_payment(client, odd_batch, fay):
    batch, installments = odd_batch
    header, titles, body = parts(export(client, fay, batch))
    assert list(header) == HEADER_LABELS
    assert header["批次号"].value == batch.number
    assert header["付款单位"].value == "上海市长宁区财政局(演示)"
    assert header["付款账号"].value == "0000000000000000"
    assert header["付款开户行"].value == "演示银行上海长宁支行"
    assert header["笔数"].value == 3
    assert titles == COLUMNS
    assert len(body) == 3  # no total among the payments: a bank's import would read it as a payee
    values = [[cell.value for cell in row] for row in body]
    assert all(row[0] != "合计" for row in values)
    by_purpose = {row[5].rsplit(" ", 1)[-1]: row for row in values}
    first = by_purpose[installments[0].award.application.number]
    assert first[:4] == ["甲公司", ACCOUNT_A, "招商银行上海长宁支行", CNAPS_A]
    assert fen(first[4]) == 600_000_00
    assert first[5] == f"长宁区人工智能政策扶持资金 7.1 {installments[0].award.application.number}"
    third = by_purpose[installments[2].award.application.number]
    assert third[:4] == ["乙公司", ACCOUNT_B, "建设银行上海长宁支行", CNAPS_B]
    assert fen(third[4]) == 1_000_19


def test_the_header_total_equals_the_rows_and_the_batch_sum_to_the_fen(client, odd_batch, fay):
    batch, installments = odd_batch
    header, _titles, body = parts(export(client, fay, batch))
    batch_sum = sum(i.amount_fen for i in installments)
    assert batch_sum == 724_456_97
    assert fen(header["金额合计"].value) == batch_sum
    assert header["金额合计"].number_format == "#,##0.00"
    assert sum(fen(row[4].value) for row in body) == batch_sum


def test_amounts_are_numbers_with_two_decimals_and_accounts_and_codes_are_12_digit_text(
    client, odd_batch, fay
):
    batch, _installments = odd_batch
    _header, _titles, body = parts(export(client, fay, batch))
    for row in body:
        assert isinstance(row[4].value, int | float)
        assert row[4].number_format == "#,##0.00"
        assert isinstance(row[1].value, str) and row[1].value.isdigit()
        assert isinstance(row[3].value, str) and len(row[3].value) == 12 and row[3].value.isdigit()
        assert row[1].number_format == "@" and row[3].number_format == "@"


def test_the_approver_exports_too_and_the_page_shows_the_same_total(client, odd_batch, fred):
    batch, _installments = odd_batch
    header, _titles, _body = parts(export(client, fred, batch))
    html = client.get(reverse("disbursement:batch", args=[batch.pk])).content.decode()
    assert "¥724,456.97" in html
    assert fen(header["金额合计"].value) == 724_456_97


def test_a_failed_installment_leaves_the_export_and_the_total_follows(client, odd_batch, fay):
    batch, installments = odd_batch
    services.record_failure(actor=fay, batch=batch, installment=installments[2], reason="户名不符")
    header, _titles, body = parts(export(client, fay, batch))
    assert len(body) == 2
    assert header["笔数"].value == 2
    assert fen(header["金额合计"].value) == 723_456_78


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://evil.example/","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
)
def test_a_hostile_payee_name_comes_out_as_text(client, odd_batch, fay, bob, org_b, name):
    batch, _installments = odd_batch
    # The account the batch pays into was frozen at approval; the hostile name is the frozen one here.
    BankAccount.objects.filter(organization=org_b).update(account_name=name)
    _header, _titles, body = parts(export(client, fay, batch))
    cells = [row[0] for row in body if row[3].value == CNAPS_B]
    assert len(cells) == 1
    assert cells[0].data_type == "s"
    # A spreadsheet reads a leading apostrophe as "this is text"; XML turns a stored CR into LF on reading.
    assert cells[0].value.startswith("'")
    assert cells[0].value[1:] == name.replace("\r", "\n") or cells[0].value[1:] == name


def test_a_payee_without_a_bank_code_stops_the_file_and_says_who(client, odd_batch, fay, org_b):
    batch, _installments = odd_batch
    BankAccount.objects.filter(organization=org_b).update(bank_code="")
    response = login(client, fay).get(reverse("disbursement:batch_export", args=[batch.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("disbursement:batch", args=[batch.pk])
    html = client.get(response["Location"]).content.decode()
    assert "未生成银行拨付文件" in html and "乙公司" in html and "联行号" in html


def test_rows_that_do_not_add_up_to_the_batch_are_refused(odd_batch, monkeypatch):
    from disbursement import exports

    batch, _installments = odd_batch
    real = exports.batch_lines
    monkeypatch.setattr(exports, "batch_lines", lambda b: real(b)[:-1])  # a line lost between two reads
    with pytest.raises(ValidationError, match="不一致"):
        exports.batch_workbook(batch)


def test_another_banks_layout_is_a_new_file(odd_batch, tmp_path, monkeypatch):
    import json

    from disbursement import exports

    batch, _installments = odd_batch
    (tmp_path / "other.json").write_text(
        json.dumps(
            {
                "name": "另一家银行",
                "header_fields": [{"label": "总金额", "value": "total"}],
                "columns": [
                    {"title": "金额", "value": "amount"},
                    {"title": "户名", "value": "account_name"},
                    {"title": "行号", "value": "bank_code"},
                ],
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(exports, "LAYOUT_DIR", tmp_path)
    exports.load_layout.cache_clear()
    try:
        workbook, total = exports.batch_workbook(batch, layout="other")
    finally:
        exports.load_layout.cache_clear()
    rows = [[c.value for c in row] for row in workbook.active.iter_rows()]
    assert rows[0][0] == "总金额" and fen(rows[0][1]) == total == 724_456_97
    assert rows[2] == ["金额", "户名", "行号"]
    assert len(rows) == 6


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

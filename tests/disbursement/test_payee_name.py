"""The payee is the organisation (issue 14, finding 4): a receiving account is a 对公账户 in the name 区科委
verified, refused otherwise with a clear message; accounts recorded before the rule that differ are flagged
wherever finance sees the payee (the batch being built, the batch page, the bank file)."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Organization
from disbursement.models import BankAccount
from tests.disbursement.conftest import login
from tests.disbursement.payment_support import ACCOUNT_A, CNAPS_A, approved_batch, due_installment

pytestmark = pytest.mark.usefixtures("clock", "private_files")

BANK = reverse("awards:bank_account")
FLAG = "户名与核验的单位名称不一致"


def account_form(name: str) -> dict[str, str]:
    return {
        "bank_name": "招商银行上海长宁支行",
        "account_name": name,
        "account_number": ACCOUNT_A,
        "bank_code": CNAPS_A,
    }


def old_account(organization, user, name: str) -> BankAccount:
    """An account recorded before the rule (straight into the table, as the rows of yesterday are)."""
    return BankAccount.objects.create(
        organization=organization,
        bank_name="招商银行上海长宁支行",
        account_name=name,
        account_number=ACCOUNT_A,
        bank_code=CNAPS_A,
        changed_by=user,
        changed_at=timezone.now(),
    )


def test_an_account_in_another_name_is_refused_on_the_page_and_nothing_is_saved(client, alice, org_a):
    response = login(client, alice).post(BANK, account_form("张三"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "收款账户须为本单位的对公账户" in page
    assert "甲公司" in page
    assert not BankAccount.objects.exists()


def test_an_account_in_the_verified_name_is_recorded_whatever_the_width_of_its_brackets(client, alice, org_a):
    Organization.objects.filter(pk=org_a.pk).update(name="甲(上海)公司", verified_name="甲(上海)公司")
    response = login(client, alice).post(BANK, account_form("甲（上海） 公司"))
    assert response.status_code == 302
    assert BankAccount.objects.get(organization=org_a).account_name == "甲（上海） 公司"


def test_an_unverified_organisation_records_no_account_yet(client, alice, org_a):
    Organization.objects.filter(pk=org_a.pk).update(identity_status="pending", verified_name="")
    response = login(client, alice).post(BANK, account_form("甲公司"))
    assert response.status_code == 400
    assert "核验通过后方可登记收款账户" in response.content.decode()
    assert not BankAccount.objects.exists()


def test_a_differing_payee_recorded_before_the_rule_is_flagged_while_the_batch_is_built(
    client, approved_award, alice, org_a, fay
):
    due_installment(approved_award)
    old_account(org_a, alice, "张三")
    page = login(client, fay).get(reverse("disbursement:batch_new")).content.decode()
    assert FLAG in page


def test_a_matching_payee_is_not_flagged(client, approved_award, alice, org_a, fay):
    due_installment(approved_award)
    old_account(org_a, alice, "甲公司")
    page = login(client, fay).get(reverse("disbursement:batch_new")).content.decode()
    assert FLAG not in page


def test_the_batch_page_and_the_bank_file_flag_the_differing_payee(
    client, approved_award, alice, org_a, fay, frank
):
    installment = due_installment(approved_award)
    old_account(org_a, alice, "张三")
    batch = approved_batch([installment], officer=fay, approver=frank)
    login(client, fay)
    assert FLAG in client.get(reverse("disbursement:batch", args=[batch.pk])).content.decode()
    response = client.get(reverse("disbursement:batch_export", args=[batch.pk]))
    assert response.status_code == 200
    workbook = load_workbook(BytesIO(response.content))
    # The bank reads the first sheet as it always did; the flag stands on a sheet of its own.
    assert workbook.sheetnames[0] != "户名核对"
    flagged = [[cell.value for cell in row] for row in workbook["户名核对"].iter_rows(min_row=3)]
    assert flagged == [["甲公司", org_a.uscc, "甲公司", "张三", ACCOUNT_A]]


def test_the_bank_file_has_no_flag_sheet_when_every_payee_matches(
    client, approved_award, alice, org_a, fay, frank
):
    installment = due_installment(approved_award)
    old_account(org_a, alice, "甲公司")
    batch = approved_batch([installment], officer=fay, approver=frank)
    response = login(client, fay).get(reverse("disbursement:batch_export", args=[batch.pk]))
    assert len(load_workbook(BytesIO(response.content)).sheetnames) == 1

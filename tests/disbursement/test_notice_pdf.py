"""The 资金拨付通知 PDF of an award: A4, the issuers, the title, the organisation, the application number,
the amount in figures and in capitals, the schedule and page numbers. Finance staff and 区科委's approver
download any approved award's notice; the enterprise only its own organisation's (another's → 404)."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from django.urls import reverse
from pypdf import PdfReader

from disbursement import services
from disbursement.documents import award_notice_pdf
from disbursement.selectors import notice_award
from tests.disbursement.conftest import confirmed_budget, login, recognised_award
from tests.disbursement.payment_support import ACCOUNT_A, bank
from tests.documents.pdf_checks import assert_official

pytestmark = pytest.mark.usefixtures("clock", "private_files")

A4 = (595.28, 841.89)  # points


def finance_url(award):
    return reverse("disbursement:award_notice", args=[award.pk])


def enterprise_url(award):
    return reverse("awards:notice_pdf", args=[award.pk])


def read(content: bytes) -> tuple[PdfReader, str]:
    """The PDF and its text with spaces and line breaks taken out (CJK lines break anywhere); the raw
    text first passes the checks every official document passes (no template syntax, None, raw amount
    or English)."""
    reader = PdfReader(BytesIO(content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert_official(text)
    return reader, text.replace(" ", "").replace("\n", "")


def pdf_of(response) -> bytes:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-")
    return response.content


def test_the_notice_carries_the_title_number_and_amount_in_figures_and_capitals(approved_award, alice, org_a):
    bank(alice, org_a)
    _reader, text = read(award_notice_pdf(notice_award(approved_award.pk)))
    assert "资金拨付通知" in text
    assert "长宁区科学技术委员会" in text and "长宁区财政局" in text
    assert approved_award.application.number in text
    assert "甲公司" in text
    assert "智能视觉平台研发" in text
    assert "7.1硬核技术攻关" in text
    assert "¥600,000.00" in text
    assert "陆拾万元整" in text
    assert "第1页共1页" in text
    assert re.search(r"长科委拨〔2025〕\d+号", text), text  # the 文号, of the approval's year
    assert "(盖章)" in text  # the place of the seal
    assert ACCOUNT_A not in text  # the account is masked on the notice
    assert "***************6789" in text


def test_the_notice_is_a4_in_the_cjk_serif(approved_award):
    reader, _text = read(award_notice_pdf(notice_award(approved_award.pk)))
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 2), round(float(box.height), 2)) == A4
    fonts = {str(font.get_object()["/BaseFont"]) for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("Noto-Serif-CJK-SC" in font for font in fonts)


def test_a_rent_subsidy_notice_lists_its_three_years_to_claim(call, alice, dora, fay, fred):
    confirmed_budget(2025, "6.1b", "1,000,000", entered_by=dora, confirmed_by=fay)
    award = recognised_award(
        alice,
        call,
        "6.1b",
        "300,000.01",
        facts={"annual_rent": "600000.02", "vc_rounds": "2"},
        matter="长宁区办公用房租金",
        actor=dora,
    )
    services.approve_award(actor=fred, award=award)
    _reader, text = read(award_notice_pdf(notice_award(award.pk)))
    text = "".join(text.split())  # the PDF's text comes without the spaces around the figures
    assert "年度兑现" in text and "每年按该年度房租计算" in text
    for year, window in (("第1年", "2025-01-01"), ("第2年", "2026-01-01"), ("第3年", "2027-01-01")):
        assert year in text and window in text
    assert "¥100,000.00" not in text  # nothing split in three
    assert "第4年" not in text


def test_finance_staff_and_the_commission_approver_download_it(client, approved_award, fay, fred, dora):
    for user in (fay, fred, dora):
        _reader, text = read(pdf_of(login(client, user).get(finance_url(approved_award))))
        assert approved_award.application.number in text


def test_every_other_role_is_refused_the_finance_notice(client, approved_award, outsiders, anna):
    assert client.get(finance_url(approved_award)).status_code == 302  # anonymous → log in
    for user in [*outsiders, anna]:
        assert login(client, user).get(finance_url(approved_award)).status_code == 403


def test_the_enterprise_downloads_its_own_notice(client, approved_award, alice, anna):
    for user in (alice, anna):
        _reader, text = read(pdf_of(login(client, user).get(enterprise_url(approved_award))))
        assert "资金拨付通知" in text and "陆拾万元整" in text


def test_another_organisations_notice_is_404(client, approved_award, bob, fay):
    assert login(client, bob).get(enterprise_url(approved_award)).status_code == 404
    assert login(client, fay).get(enterprise_url(approved_award)).status_code == 404  # no organisation
    client.logout()
    assert client.get(enterprise_url(approved_award)).status_code == 302


def test_there_is_no_notice_before_finance_approves(client, award, alice, fay):
    assert login(client, alice).get(enterprise_url(award)).status_code == 404
    assert login(client, fay).get(finance_url(award)).status_code == 404


def test_the_notice_is_in_chinese_whatever_the_visitors_language(client, approved_award, alice):
    login(client, alice)
    client.cookies["django_language"] = "en"
    _reader, text = read(pdf_of(client.get(enterprise_url(approved_award), HTTP_ACCEPT_LANGUAGE="en")))
    assert "资金拨付通知" in text and "支持金额(大写)" in text


def test_a_normal_notice_fits_one_a4_page(approved_award, alice, org_a):
    bank(alice, org_a)
    reader, _text = read(award_notice_pdf(notice_award(approved_award.pk)))
    assert len(reader.pages) == 1


def test_every_copy_carries_the_same_number(client, approved_award, alice, fay):
    from policies.models import DocumentNumber

    _reader, first = read(pdf_of(login(client, alice).get(enterprise_url(approved_award))))
    _reader, again = read(pdf_of(login(client, fay).get(finance_url(approved_award))))
    number = re.search(r"长科委拨〔\d{4}〕\d+号", first).group(0)
    assert number in again
    assert (
        DocumentNumber.objects.filter(kind="award_notice", subject=f"award:{approved_award.pk}").count() == 1
    )


def test_an_installment_in_a_batch_not_yet_approved_is_still_due_on_the_notice(
    approved_award, alice, org_a, fay
):
    bank(alice, org_a)
    installment = approved_award.installments.get()
    batch = services.create_batch(actor=fay, installment_ids=[installment.pk])
    services.submit_batch(actor=fay, batch=batch)
    _reader, text = read(award_notice_pdf(notice_award(approved_award.pk)))
    assert "待拨付" in text and "拨付中" not in text


def test_an_installment_shows_paying_once_its_batch_is_approved(approved_award, alice, org_a, fay, frank):
    from disbursement.models import Installment

    bank(alice, org_a)
    installment = approved_award.installments.get()
    batch = services.create_batch(actor=fay, installment_ids=[installment.pk])
    services.submit_batch(actor=fay, batch=batch)
    services.approve_batch(actor=frank, batch=batch)
    installment = Installment.objects.select_related("batch").get(pk=installment.pk)
    assert installment.status_label == "拨付中" == installment.enterprise_status_label
    _reader, text = read(award_notice_pdf(notice_award(approved_award.pk)))
    assert "拨付中" in text

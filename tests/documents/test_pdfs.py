"""The official documents (issue 6, parts 4 and 5): 申报书, 受理回执, 评审汇总, 公示名单, 认定通知 and
批次审批单. Each is opened with pypdf and must carry its Chinese title, its number and its amount in
figures and in 大写; each is offered on its users' pages; nobody gets another organisation's document.

The cast is the finance tests' (tests/disbursement/conftest.py): alice (甲公司) and bob (乙公司), carol
(intake), rex (reviewer), dora (commission approver), fay (finance officer), fred (finance approver).
alice's 7.1 application asks for ¥600,000 (自筹 ¥2,000,000 × 30%).
"""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO
from urllib.parse import quote

import pytest
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from disbursement import documents as disbursement_documents
from disbursement import services as finance
from reviews.models import Assignment, PublicNotice
from tests.disbursement.conftest import *  # noqa: F403 (fixtures)
from tests.disbursement.conftest import login
from tests.disbursement.payment_support import bank
from tests.documents.pdf_checks import assert_official, problems
from tests.reviews.conftest import accepted
from tests.reviews.decision_support import submitted_review

pytestmark = pytest.mark.usefixtures("clock", "private_files")

A4 = (595.28, 841.89)  # points
FIGURES = "¥600,000.00"
CAPITALS = "陆拾万元整"


# ---------------------------------------------------------------- helpers


def read(content: bytes) -> tuple[PdfReader, str]:
    """The PDF and its text with spaces and line breaks taken out (CJK lines break anywhere)."""
    reader = PdfReader(BytesIO(content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert_official(text)
    return reader, text.replace(" ", "").replace("\n", "")


def pdf_text(response, filename: str) -> str:
    """The response is a PDF download named `filename` (RFC 5987), not sniffed; its text."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(filename)}"
    reader, text = read(response.content)
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 2), round(float(box.height), 2)) == A4
    fonts = {str(font.get_object()["/BaseFont"]) for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("Noto-Serif-CJK-SC" in font for font in fonts)
    pages = len(reader.pages)
    assert f"第1页共{pages}页" in text
    return text


def enterprise_url(application, kind: str) -> str:
    return reverse("applications:document", args=[application.pk, kind])


def staff_url(application, kind: str) -> str:
    return reverse("reviews:document", args=[application.pk, kind])


def assert_login_required(client, url: str) -> None:
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.fixture
def accepted_application(alice, call, carol):
    """alice's 7.1 application, submitted and accepted through the intake service (受理编号 issued)."""
    return accepted(alice, call, carol)


@pytest.fixture
def recognised(award):
    """alice's application recognised at ¥600,000 (the award pending finance)."""
    return award.application


# ---------------------------------------------------------------- 申报书


def test_the_application_form_has_the_facts_the_ceiling_its_steps_and_the_materials(
    client, accepted_application, alice
):
    application = accepted_application
    revision = application.revisions.order_by("-number").first()
    text = pdf_text(
        login(client, alice).get(enterprise_url(application, "application")),
        f"申报书-{application.number}.pdf",
    )
    assert "申报书" in text and "长宁区科学技术委员会" in text
    assert application.number in text
    assert "甲公司" in text and "智能视觉平台研发" in text
    assert FIGURES in text and CAPITALS in text
    for step in revision.quote["steps"]:
        assert step["rule"].replace(" ", "")[:12] in text
    for attachment in revision.attachments.all():
        assert attachment.original_name in text
    assert "2,000,000" in text  # the 自筹投入 fact, with its label
    assert "申报事实" in text


def test_staff_who_see_the_application_download_its_form(client, accepted_application, carol, dora, rex, fay):
    url = staff_url(accepted_application, "application")
    for user in (carol, dora):
        assert accepted_application.number in pdf_text(
            login(client, user).get(url), f"申报书-{accepted_application.number}.pdf"
        )
    # A reviewer: not assigned → 404; assigned but not declared → 404; declared no conflict → the form.
    assert login(client, rex).get(url).status_code == 404
    assignment = Assignment.objects.create(
        application=accepted_application, reviewer=rex, assigned_by=dora, assigned_at=timezone.now()
    )
    assert client.get(url).status_code == 404
    assignment.status = Assignment.Status.SCORING
    assignment.save()
    assert client.get(url).status_code == 200
    assert login(client, fay).get(url).status_code == 403
    assert_login_required(client, url)


def test_no_application_form_before_submission(client, alice, call):
    from tests.applications.conftest import ready

    draft = ready(alice, call)
    assert login(client, alice).get(enterprise_url(draft, "application")).status_code == 404


# ---------------------------------------------------------------- 受理回执


def test_the_receipt_carries_the_acceptance_number_and_date(client, accepted_application, alice, anna):
    application = accepted_application
    assert application.acceptance_number
    for user in (alice, anna):
        text = pdf_text(
            login(client, user).get(enterprise_url(application, "receipt")),
            f"受理回执-{application.acceptance_number}.pdf",
        )
        assert "受理回执" in text
        assert application.acceptance_number in text and application.number in text
        assert "2025年4月1日" in text
        assert FIGURES in text and CAPITALS in text


def test_no_receipt_before_acceptance(client, alice, call, carol):
    from tests.applications.conftest import submitted

    application = submitted(alice, call)
    assert login(client, alice).get(enterprise_url(application, "receipt")).status_code == 404
    assert login(client, carol).get(staff_url(application, "receipt")).status_code == 404


def test_intake_officers_and_approvers_get_the_receipt_others_403(
    client, accepted_application, carol, dora, fay, rex
):
    url = staff_url(accepted_application, "receipt")
    for user in (carol, dora):
        assert login(client, user).get(url).status_code == 200
    for user in (fay, rex):
        assert login(client, user).get(url).status_code == 403
    assert_login_required(client, url)


# ---------------------------------------------------------------- 评审汇总


def test_the_review_summary_is_for_the_approver_with_the_reviewers(
    client, accepted_application, dora, carol, rex, alice
):
    url = staff_url(accepted_application, "summary")
    assert login(client, dora).get(url).status_code == 404  # no review submitted yet
    submitted_review(accepted_application, rex, value="4.0", suggested_yuan="500000", comment="技术先进")
    text = pdf_text(client.get(url), f"评审汇总-{accepted_application.number}.pdf")
    assert "评审汇总" in text and accepted_application.number in text
    assert "rex" in text and "技术先进" in text  # internal: the reviewer's name is allowed here
    assert "4.00" in text  # the weighted total
    assert FIGURES in text and CAPITALS in text
    assert "¥500,000.00" in text
    for user in (carol, rex, alice):
        assert login(client, user).get(url).status_code == 403
    assert_login_required(client, url)


# ---------------------------------------------------------------- 公示名单


def test_the_public_list_of_a_published_notice(client, recognised):
    notice = PublicNotice.objects.get(entries__application=recognised)
    response = client.get(reverse("notices:list_pdf", args=[notice.pk]))  # anonymous
    assert response.status_code == 200
    text = pdf_text(response, _notice_name(notice))
    assert "公示名单" in text and "甲公司" in text and "智能视觉平台研发" in text
    assert FIGURES in text and CAPITALS in text
    page = client.get(reverse("notices:detail", args=[notice.pk]))
    assert reverse("notices:list_pdf", args=[notice.pk]) in page.content.decode()


def _notice_name(notice) -> str:
    return f"公示名单-{timezone.localdate(notice.published_at):%Y%m%d}-{notice.pk}.pdf"


def test_no_list_of_a_notice_not_yet_published(client, recognised):
    notice = PublicNotice.objects.get(entries__application=recognised)
    notice.published_at = timezone.now() + timedelta(days=1)
    notice.save()
    assert client.get(reverse("notices:list_pdf", args=[notice.pk])).status_code == 404
    assert client.get(reverse("notices:list_pdf", args=[notice.pk + 999])).status_code == 404


# ---------------------------------------------------------------- 认定通知


def test_the_recognition_notice_of_the_enterprise(client, recognised, alice):
    text = pdf_text(
        login(client, alice).get(enterprise_url(recognised, "recognition")),
        f"认定通知-{recognised.number}.pdf",
    )
    assert "认定通知" in text and recognised.number in text
    assert "甲公司" in text and "7.1" in text and "智能视觉平台研发" in text
    assert FIGURES in text and CAPITALS in text
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", text)


def test_another_organisations_documents_are_404(client, recognised, bob):
    login(client, bob)
    for kind in ("application", "receipt", "recognition"):
        assert client.get(enterprise_url(recognised, kind)).status_code == 404
    assert_login_required(client, enterprise_url(recognised, "recognition"))


def test_no_recognition_notice_before_recognition(client, accepted_application, alice, dora):
    assert login(client, alice).get(enterprise_url(accepted_application, "recognition")).status_code == 404
    assert login(client, dora).get(staff_url(accepted_application, "recognition")).status_code == 404


def test_approvers_and_finance_get_the_recognition_notice(client, recognised, dora, fay, fred, carol, rex):
    url = staff_url(recognised, "recognition")
    for user in (dora, fay, fred):
        text = pdf_text(login(client, user).get(url), f"认定通知-{recognised.number}.pdf")
        assert recognised.number in text
    for user in (carol, rex):
        assert login(client, user).get(url).status_code == 403
    assert_login_required(client, url)


def test_documents_are_chinese_whatever_the_visitors_language(client, recognised, alice):
    login(client, alice)
    client.cookies["django_language"] = "en"
    response = client.get(enterprise_url(recognised, "recognition"), HTTP_ACCEPT_LANGUAGE="en")
    text = pdf_text(response, f"认定通知-{recognised.number}.pdf")
    assert "认定金额(大写)" in text and CAPITALS in text


def test_the_enterprise_page_offers_its_documents(client, recognised, alice):
    page = login(client, alice).get(reverse("applications:detail", args=[recognised.pk])).content.decode()
    assert enterprise_url(recognised, "application") in page
    assert enterprise_url(recognised, "recognition") in page
    assert enterprise_url(recognised, "receipt") not in page  # accepted without a 受理编号 here


def test_the_staff_pages_offer_their_documents(client, accepted_application, carol, dora, rex):
    page = login(client, carol).get(reverse("reviews:intake_check", args=[accepted_application.pk]))
    assert staff_url(accepted_application, "application") in page.content.decode()
    assert staff_url(accepted_application, "receipt") in page.content.decode()
    submitted_review(accepted_application, rex)
    page = login(client, dora).get(reverse("reviews:decide", args=[accepted_application.pk]))
    assert staff_url(accepted_application, "summary") in page.content.decode()


# ---------------------------------------------------------------- 批次审批单


@pytest.fixture
def batch(approved_award, alice, org_a, fay):
    bank(alice, org_a)
    installments = [i.pk for i in approved_award.installments.all()]
    return finance.create_batch(actor=fay, installment_ids=installments)


def test_the_batch_sheet_has_the_lines_total_and_names(client, batch, fay, fred):
    url = reverse("disbursement:batch_sheet", args=[batch.pk])
    text = pdf_text(login(client, fay).get(url), f"批次审批单-{batch.number}.pdf")
    assert "批次审批单" in text and batch.number in text
    assert FIGURES in text and CAPITALS in text
    assert "fay" in text
    finance.submit_batch(actor=fay, batch=batch)
    finance.approve_batch(actor=fred, batch=batch)
    text = pdf_text(login(client, fred).get(url), f"批次审批单-{batch.number}.pdf")
    assert "fay" in text and "fred" in text
    page = client.get(reverse("disbursement:batch", args=[batch.pk])).content.decode()
    assert url in page


def test_only_finance_gets_the_batch_sheet(client, batch, outsiders, dora):
    url = reverse("disbursement:batch_sheet", args=[batch.pk])
    for user in [*outsiders, dora]:
        assert login(client, user).get(url).status_code == 403
    assert_login_required(client, url)


def test_a_large_batch_sheet_is_made_by_the_task_and_stored(client, batch, fay, monkeypatch):
    monkeypatch.setattr(disbursement_documents, "BATCH_SHEET_INLINE_LIMIT", 0)
    url = reverse("disbursement:batch_sheet", args=[batch.pk])
    name = disbursement_documents.batch_sheet_name(batch)
    assert not storages["private"].exists(name)
    response = login(client, fay).get(url)
    assert response.status_code == 302  # queued (run eagerly here): come back to the batch page
    assert storages["private"].exists(name)
    page = client.get(reverse("disbursement:batch", args=[batch.pk])).content.decode()
    assert url in page and "批次审批单(PDF)" in page
    text = pdf_text(client.get(url), f"批次审批单-{batch.number}.pdf")
    assert batch.number in text and CAPITALS in text
    # A changed batch is another sheet: the stored one is not served for it.
    finance.submit_batch(actor=fay, batch=batch)
    batch.refresh_from_db()
    assert disbursement_documents.batch_sheet_name(batch) != name


# ---------------------------------------------------------------- what no document may print


def test_the_checker_catches_what_a_template_can_leak():
    """The check every document above passes through (read()) is not blind: each artefact trips it."""
    assert problems("申报书 长宁区科学技术委员会 ¥2,000,000.00 贰佰万元整 fay 91310105MA1FL0000X") == []
    assert problems("{# The header every official document carries")
    assert problems("申请金额 2000000 元")
    assert problems("项目名称 None")
    assert problems("Application form 申报书")


def test_no_template_has_a_comment_django_would_print():
    """{# #} ends on its line; one that spans lines is printed as text (it was, on every PDF)."""
    from pathlib import Path

    from django.conf import settings

    leaking = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}"
        for path in Path(settings.BASE_DIR, "templates").rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "{#" in line and "#}" not in line.split("{#", 1)[1]
    ]
    assert leaking == []


# ---------------------------------------------------------------- 文号


def test_each_outgoing_document_has_a_number_of_its_kind_and_year_the_same_on_every_copy(
    client, recognised, alice, dora
):
    from policies.models import DocumentNumber

    url = enterprise_url(recognised, "recognition")
    first = pdf_text(login(client, alice).get(url), f"认定通知-{recognised.number}.pdf")
    number = re.search(r"长科委认〔(\d{4})〕(\d+)号", first)
    assert number, first
    year = DocumentNumber.objects.get(kind="recognition").year
    assert number.group(1) == str(year) and number.group(2) == "1"
    again = pdf_text(
        login(client, dora).get(staff_url(recognised, "recognition")), f"认定通知-{recognised.number}.pdf"
    )
    assert number.group(0) in again  # the staff copy carries the same 文号
    assert DocumentNumber.objects.filter(kind="recognition").count() == 1
    assert "(盖章)" in first


def test_the_receipt_has_a_number_of_its_own_kind(client, accepted_application, alice):
    receipt = pdf_text(
        login(client, alice).get(enterprise_url(accepted_application, "receipt")),
        f"受理回执-{accepted_application.acceptance_number}.pdf",
    )
    assert re.search(r"长科委受〔\d{4}〕1号", receipt)  # its own kind's sequence
    assert "(盖章)" in receipt


def test_numbers_follow_each_other_within_a_kind_and_year_and_restart_each_year(db):
    from datetime import date

    from policies.documents import document_number

    assert document_number("notice_list", "notice:1", on=date(2025, 5, 1)) == "长科委公〔2025〕1号"
    assert document_number("notice_list", "notice:2", on=date(2025, 6, 1)) == "长科委公〔2025〕2号"
    assert (
        document_number("notice_list", "notice:1", on=date(2026, 1, 5)) == "长科委公〔2025〕1号"
    )  # issued once
    assert document_number("notice_list", "notice:3", on=date(2026, 1, 5)) == "长科委公〔2026〕1号"
    assert document_number("batch_sheet", "batch:1", on=date(2026, 1, 5)) == "长财批〔2026〕1号"
    with pytest.raises(ValueError):
        document_number("application", "application:1")

"""Each change of an application's or its award's status reaches the organisation's inbox (issue 15): the
ones other steps already told (受理, 退回补正, 审定, 公示, 认定, 审核通过, 拨付) and those added here —
提交 and each resubmission, 撤回, 进入评审 (and back to it after an upheld objection), 已结项, 追回, a yearly
claim received, and a run that lapsed. Each says what happens next where something does, and never twice.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.models import Notification
from applications import services as application_services
from applications.models import Application
from disbursement import services as finance
from disbursement.services.claims import lapse_expired_claims
from reviews import services
from tests.applications.conftest import draft, submitted
from tests.disbursement import test_claims, test_follow_money
from tests.disbursement.conftest import SHANGHAI, pay
from tests.notifications import test_rules
from tests.notifications.test_rules import message, told
from tests.pdfs import pdf_bytes, pdf_upload
from tests.reviews.conftest import accepted, assign

pytestmark = pytest.mark.usefixtures("clock", "private_files")

published = test_rules.published  # two applications in 公示 (alice's and bob's)


def test_submitting_and_resubmitting_tell_the_organisation_with_the_next_step(
    django_capture_on_commit_callbacks, alice, anna, bob, carol, call
):
    with django_capture_on_commit_callbacks(execute=True):
        application = submitted(alice, call, facts={"self_raised_investment": "2000000"})
    assert told("application.submitted", f"{application.pk}:1") == {"alice", "anna"}
    note = message("application.submitted", "anna")
    assert note.subject == f"申报 {application.number} 已提交"
    assert "受理审查" in note.body and "通常需要 5 个工作日" in note.body
    assert note.url == f"/applications/{application.pk}/"
    assert any(application.number in e.subject for e in mail.outbox)

    application_services.return_for_correction(actor=carol, application=application, reasons="缺少审计报告")
    application_services.submit_application(actor=alice, application=application)
    assert told("application.submitted", f"{application.pk}:2") == {"alice", "anna"}
    assert Notification.objects.filter(event="application.submitted", recipient=anna).count() == 2
    assert not Notification.objects.filter(recipient=bob).exists()


def test_a_refused_submission_tells_nobody(alice, call):
    application = draft(alice, call)  # no materials, nothing filled in
    with pytest.raises(ValidationError):
        application_services.submit_application(actor=alice, application=application)
    assert not Notification.objects.filter(event="application.submitted").exists()


def test_withdrawing_tells_the_organisation_with_the_reason(alice, anna, call):
    application = submitted(alice, call, facts={"self_raised_investment": "2000000"})
    application_services.withdraw_application(actor=anna, application=application, reason="项目调整")
    assert told("application.withdrawn", str(application.pk)) == {"alice", "anna"}
    assert "项目调整" in message("application.withdrawn", "alice").body


def test_the_review_beginning_tells_the_enterprise_but_never_who_reviews(
    alice, anna, carol, dora, rex, rita, call
):
    application = accepted(alice, call, carol)
    assign(application, dora, [rex, rita])
    assert told("application.under_review") == {"alice", "anna"}
    note = message("application.under_review", "anna")
    assert "已进入专家评审" in note.body and "通常需要 20 个工作日" in note.body
    assert "rex" not in note.body and "rita" not in note.body
    assert Notification.objects.filter(event="application.under_review").count() == 2  # once each


def test_an_upheld_objection_sends_it_back_to_review_and_says_so(published, dora, clock, alice, bob):
    notice, mine, _theirs = published
    objection = services.lodge_objection(
        entry=notice.entries.get(application=mine), name="赵异议", contact="13700001111", content="请核实。"
    )
    services.decide_objection(actor=dora, objection=objection, upheld=True, note="成立")
    clock.move_to(notice.ends_at + timedelta(minutes=1), tick=False)
    services.close_notice(notice=notice, actor=dora)
    mine.refresh_from_db()
    assert mine.status == Application.Status.UNDER_REVIEW
    back = (
        Notification.objects.filter(event="application.under_review", recipient=alice).order_by("-id").first()
    )
    assert "公示期间异议经核实成立,退回重新审定" in back.body


def test_the_last_payment_closes_the_award_and_tells_the_enterprise_once(
    django_capture_on_commit_callbacks, approved_award, alice, anna, bob, fay, fred
):
    with django_capture_on_commit_callbacks(execute=True):
        pay(approved_award.installments.get(), officer=fay, approver=fred, paid_on=date(2025, 4, 1))
    assert told("payment.paid") == {"alice", "anna"}
    assert told("award.closed", str(approved_award.pk)) == {"alice", "anna"}
    note = message("award.closed", "alice")
    assert "已结项" in note.subject and "¥600,000.00" in note.body
    assert note.url == f"/awards/#award-{approved_award.pk}"
    assert not Notification.objects.filter(recipient=bob).exists()


def test_a_clawback_tells_the_enterprise_what_is_cancelled_and_what_to_repay(
    approved_award, alice, anna, fay, fred
):
    pay(approved_award.installments.get(), officer=fay, approver=fred, paid_on=date(2025, 4, 1))
    clawback = finance.record_clawback(
        actor=fay,
        award=approved_award,
        reason="wrong_facts",
        amount_fen=10_000_000,
        description="自筹投入不实",
    )
    assert told("award.clawback", str(clawback.pk)) == {"alice", "anna"}
    body = message("award.clawback", "anna").body
    assert "¥100,000.00" in body and "申报事实不实" in body and "请按区财政局要求退回" in body


run = test_claims.run  # alice's 6.1b run (rent ¥600,000, recognised at ¥300,000), approved by fred
staged_award = test_follow_money.staged_award  # alice's 7.1 award: half now, half after 验收; approved


def test_a_yearly_claim_is_acknowledged_and_a_lapsed_run_is_told(run, alice, anna, dora, clock):
    first = run.claims.get(year=1)
    finance.submit_claim(
        actor=alice,
        claim=first,
        annual_rent="600000",
        office_confirmed=True,
        office_address="上海市长宁区长宁路 1 号",
        rent_proof=pdf_upload("rent.pdf", pdf_bytes("rent")),
    )
    assert told("claim.received") == {"alice", "anna"}
    assert "通常需要 10 个工作日" in message("claim.received", "anna").body
    assert told("claim.submitted") == {"dora"}  # 区科委 as before
    finance.accept_claim(actor=dora, claim=first)
    # Year 2 (rent of 2026) is never claimed: after 2027-03-31 the run ends, and the enterprise hears it.
    clock.move_to(datetime(2027, 4, 2, 9, 0, tzinfo=SHANGHAI), tick=False)
    assert lapse_expired_claims() == 1
    second = run.claims.get(year=2)
    assert told("claim.lapsed", str(second.pk)) == {"alice", "anna"}
    assert lapse_expired_claims() == 0
    assert Notification.objects.filter(event="claim.lapsed").count() == 2


def test_an_installment_falling_due_tells_the_enterprise_once_with_the_payment_time(
    award, budget, year_total, alice, anna, fred
):
    # Approved in December for a 2025 installment: it waits for its year, then the daily release makes it due.
    finance.approve_award(actor=fred, award=award, at=datetime(2024, 12, 20, 10, 0, tzinfo=SHANGHAI))
    installment = award.installments.get()
    assert not Notification.objects.filter(event="installment.payable").exists()
    assert finance.release_due_installments() == 1
    assert finance.release_due_installments() == 0
    assert told("installment.payable", str(installment.pk)) == {"alice", "anna"}
    body = message("installment.payable", "anna").body
    assert "¥600,000.00" in body and "通常需要 10 个工作日到账" in body


def test_recorded_acceptance_makes_the_last_stage_due_and_tells_the_enterprise(staged_award, anna, dora):
    assert not Notification.objects.filter(event="installment.payable").exists()  # the approval told it
    finance.record_acceptance(actor=dora, award=staged_award)
    second = staged_award.installments.get(number=2)
    assert told("installment.payable", str(second.pk)) == {"alice", "anna"}

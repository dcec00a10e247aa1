"""Every step tells the right people, and nobody else (issue 6, part 1), and the scheduled work (part 3).

Celery runs eagerly (settings_test); e-mail is sent after commit, so each step that should e-mail runs
inside django_capture_on_commit_callbacks(execute=True) and mail.outbox holds what went out.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import transaction

from accounts.models import Delivery, Notification
from applications import tasks as application_tasks
from applications.models import Application
from disbursement import services as finance
from disbursement import tasks as finance_tasks
from disbursement.models import Installment
from reviews import services
from reviews import tasks as review_tasks
from reviews.models import Assignment
from tests.applications.conftest import draft, submitted
from tests.reviews.conftest import (
    ARTICLE_2,
    accepted,
    assign,
    declared,
    every_material_checked,
    verified_type,
)
from tests.reviews.decision_support import under_review

pytestmark = pytest.mark.usefixtures("clock", "private_files")

SHANGHAI = ZoneInfo("Asia/Shanghai")
S = Application.Status


def told(event: str, key: str | None = None) -> set[str]:
    """Usernames with an inbox row for the event (and key)."""
    rows = Notification.objects.filter(event=event)
    if key is not None:
        rows = rows.filter(key=key)
    return set(rows.values_list("recipient__username", flat=True))


def message(event: str, username: str) -> Notification:
    return Notification.objects.get(event=event, recipient__username=username)


def mailed() -> dict[str, list[mail.EmailMessage]]:
    by_address: dict[str, list] = {}
    for email in mail.outbox:
        for address in email.to:
            by_address.setdefault(address, []).append(email)
    return by_address


def addresses(*usernames: str) -> set[str]:
    return {f"{name}@example.com" for name in usernames}


# ---------------------------------------------------------------- intake


def test_acceptance_tells_the_organisation_and_the_approvers(
    django_capture_on_commit_callbacks, alice, anna, bob, carol, dora, erin, call
):
    application = submitted(alice, call)
    submitted(bob, call, matter="乙公司的项目")
    verified_type(application, carol)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_application(
            actor=carol, application=application, materials=every_material_checked(application), **ARTICLE_2
        )
    application.refresh_from_db()
    assert told("application.accepted") == {"alice", "anna"}
    note = message("application.accepted", "anna")
    assert application.acceptance_number in note.body and application.number in note.subject
    assert note.url == f"/applications/{application.pk}/"
    assert told("application.to_assign") == {"dora", "erin"}
    assert set(mailed()) == addresses("alice", "anna", "dora", "erin")
    assert application.acceptance_number in mailed()["alice@example.com"][0].body
    # (bob heard of his own submission only: issue 15 tells every organisation when it submits)
    others = Notification.objects.filter(recipient__in=[bob, carol]).exclude(event="application.submitted")
    assert not others.exists()


def test_return_for_correction_tells_the_reasons(
    django_capture_on_commit_callbacks, alice, anna, bob, carol, call
):
    application = submitted(alice, call)
    with django_capture_on_commit_callbacks(execute=True):
        services.return_application(actor=carol, application=application, reasons="缺少2024年度审计报告")
    assert told("application.returned") == {"alice", "anna"}
    note = message("application.returned", "alice")
    assert "缺少2024年度审计报告" in note.body and note.url == f"/applications/{application.pk}/edit/"
    assert set(mailed()) == addresses("alice", "anna")
    assert "缺少2024年度审计报告" in mailed()["anna@example.com"][0].body


def test_not_accepted_tells_the_reasons(django_capture_on_commit_callbacks, alice, anna, bob, carol, call):
    application = submitted(alice, call)
    with django_capture_on_commit_callbacks(execute=True):
        services.decline_application(actor=carol, application=application, reasons="不属于本政策支持范围")
    assert told("application.not_accepted") == {"alice", "anna"}
    assert "不属于本政策支持范围" in message("application.not_accepted", "alice").body
    assert set(mailed()) == addresses("alice", "anna")


def test_a_refused_step_tells_nobody(django_capture_on_commit_callbacks, alice, carol, call):
    application = verified_type(submitted(alice, call), carol)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            services.accept_application(
                actor=carol,
                application=application,
                materials=every_material_checked(application),
                **ARTICLE_2,
            )
            raise RuntimeError("rolled back")
    # Only the submission before it was told (issue 15); nothing of the rolled-back acceptance.
    assert not Notification.objects.exclude(event="application.submitted").exists()
    assert not Delivery.objects.exclude(event="application.submitted").exists()
    assert mail.outbox == []


# ---------------------------------------------------------------- assignment and scoring


def test_reviewers_are_told_of_their_assignment_without_the_organisation(
    django_capture_on_commit_callbacks, alice, carol, dora, rex, rita, ross, ruth, org_a, call
):
    application = accepted(alice, call, carol)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        created = assign(application, dora, [rex, rita, ross])
    assert told("review.assigned") == {"rex", "rita", "ross"}
    for assignment in created:
        note = Notification.objects.get(event="review.assigned", recipient=assignment.reviewer)
        assert note.url == f"/review/assignments/{assignment.pk}/declare/"
        assert application.number in note.body
    # The reviewers; and the enterprise that its application is under review (issue 15), never by whom.
    assert set(mailed()) == addresses("rex", "rita", "ross", "alice")
    for email in mail.outbox:
        for text in (email.subject, email.body):
            assert org_a.name not in text and org_a.uscc not in text
    for note in Notification.objects.filter(event="review.assigned"):
        assert org_a.name not in note.subject + note.body
    # The enterprise is never told who reviews it.
    for note in Notification.objects.filter(recipient__username="alice"):
        assert not {"rex", "rita", "ross"} & set(note.body.split())


def test_a_replacement_reviewer_is_told_and_a_shortfall_tells_the_approvers(
    django_capture_on_commit_callbacks, alice, carol, dora, erin, rex, rita, ross, ruth, call
):
    application = accepted(alice, call, carol)
    first, *_rest = assign(application, dora, [rex, rita, ross])
    with django_capture_on_commit_callbacks(execute=True):
        declaration = services.declare_interest(actor=rex, assignment=first, has_conflict=True, note="前同事")
    assert declaration.replacement.reviewer == ruth
    assert told("review.assigned", str(declaration.replacement.pk)) == {"ruth"}
    assert "ruth@example.com" in mailed()
    assert told("review.shortfall") == set()
    # Nobody is left to replace ruth: the approvers hear of the shortfall.
    services.declare_interest(actor=ruth, assignment=declaration.replacement, has_conflict=True, note="亲属")
    assert told("review.shortfall") == {"dora", "erin"}


def complete_sheet(application: Application) -> services.ScoreSheet:
    criteria = list(application.item.criteria.all())
    return services.ScoreSheet(
        scores={c.pk: Decimal("4") for c in criteria},
        comments={c.pk: "良好" for c in criteria},
        recommendation=Assignment.Recommendation.SUPPORT,
        suggested_fen=50_000_000,
    )


def test_the_approvers_are_told_when_the_last_score_is_in(
    django_capture_on_commit_callbacks, alice, carol, dora, erin, rex, rita, ross, call
):
    application = accepted(alice, call, carol)
    assignments = [declared(a) for a in assign(application, dora, [rex, rita, ross])]
    sheet = complete_sheet(application)
    for assignment in assignments[:2]:
        services.save_scores(actor=assignment.reviewer, assignment=assignment, sheet=sheet, submit=True)
    services.save_scores(actor=ross, assignment=assignments[2], sheet=sheet)  # a draft is not "in"
    assert told("review.scores_complete") == set()
    with django_capture_on_commit_callbacks(execute=True):
        services.save_scores(actor=ross, assignment=assignments[2], sheet=sheet, submit=True)
    assert told("review.scores_complete") == {"dora", "erin"}
    assert message("review.scores_complete", "dora").url == f"/review/applications/{application.pk}/decide/"
    assert set(mailed()) == addresses("dora", "erin")


# ---------------------------------------------------------------- decision, 公示, objections, 认定


@pytest.fixture
def call(call):
    """The shared call, deciding without expert review (quorum 0): these tests are about who is told
    of a decision, not about the reviews it needs."""
    call.review_quorum = 0
    call.save(update_fields=["review_quorum"])
    return call


def test_the_outcome_tells_the_enterprise_with_amount_or_reasons(alice, anna, bob, dora, call):
    supported = under_review(alice, call)
    refused = under_review(bob, call, matter="乙公司的项目")
    services.record_decision(
        actor=dora, application=supported, recommended=True, amount="500000", reasons="技术先进"
    )
    services.record_decision(
        actor=dora, application=refused, recommended=False, amount="0", reasons="自筹投入证明不足"
    )
    assert told("application.decided") == {"alice", "anna", "bob"}
    yes = message("application.decided", "alice")
    assert "拟支持" in yes.subject and "500,000" in yes.body and "技术先进" in yes.body
    no = message("application.decided", "bob")
    assert "不予支持" in no.subject and "自筹投入证明不足" in no.body
    assert "技术先进" not in no.body and "自筹投入证明不足" not in yes.body


@pytest.fixture
def published(alice, anna, bob, dora, call):
    mine = under_review(alice, call)
    theirs = under_review(bob, call, matter="乙公司的项目")
    services.record_decision(actor=dora, application=mine, recommended=True, amount="500000", reasons="好")
    services.record_decision(actor=dora, application=theirs, recommended=True, amount="300000", reasons="好")
    notice = services.publish_notice(actor=dora, call=call)
    return notice, mine, theirs


def test_publication_tells_each_enterprise_of_its_own_entry(published, anna):
    notice, mine, theirs = published
    assert told("application.publicized", f"{notice.pk}:{mine.pk}") == {"alice", "anna"}
    assert told("application.publicized", f"{notice.pk}:{theirs.pk}") == {"bob"}
    assert "500,000" in message("application.publicized", "alice").body
    assert "300,000" in message("application.publicized", "bob").body
    assert message("application.publicized", "bob").url == f"/notices/{notice.pk}/"


def test_the_objector_is_emailed_the_decision(django_capture_on_commit_callbacks, published, dora):
    notice, mine, theirs = published
    by_mail = services.lodge_objection(
        entry=notice.entries.get(application=mine),
        name="赵异议",
        contact="zhao@example.org",
        content="请核实。",
    )
    by_phone = services.lodge_objection(
        entry=notice.entries.get(application=theirs), name="钱异议", contact="13700001111", content="请核实。"
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_objection(actor=dora, objection=by_mail, upheld=False, note="经核实,自筹投入真实。")
        services.decide_objection(actor=dora, objection=by_phone, upheld=True, note="成立")
    assert list(mailed()) == ["zhao@example.org"]
    email = mail.outbox[0]
    assert "异议不成立" in email.subject and "经核实,自筹投入真实。" in email.body
    assert Delivery.objects.filter(event="objection.decided").count() == 1


def test_recognition_tells_the_enterprise_and_finance(anna, bob, fay, fred, frank, dora, award):
    assert told("application.recognised") == {"alice", "anna"}
    note = message("application.recognised", "alice")
    assert "600,000" in note.body and note.url == f"/applications/{award.application_id}/"
    assert told("award.recognised", str(award.pk)) == {"fay", "fred", "frank"}
    assert message("award.recognised", "fred").url == f"/finance/awards/{award.pk}/"
    assert not Notification.objects.filter(recipient=bob).exists()


# ---------------------------------------------------------------- finance


def bank(alice):
    finance.set_bank_account(
        actor=alice,
        organization=alice.memberships.get().organization,
        bank_name="上海银行长宁支行",
        account_name="甲公司",
        account_number="31658800001234567",
    )


def test_a_submitted_batch_tells_the_approvers_but_not_its_preparer(
    django_capture_on_commit_callbacks, approved_award, alice, fay, fred, frank, dora
):
    bank(alice)
    installment = approved_award.installments.get()
    batch = finance.create_batch(actor=fay, installment_ids=[installment.pk])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        finance.submit_batch(actor=fay, batch=batch)
    assert told("batch.submitted") == {"fred", "frank"}
    assert message("batch.submitted", "frank").url == f"/finance/batches/{batch.pk}/"
    assert set(mailed()) == addresses("fred", "frank")


def test_each_payment_tells_the_enterprise_paid_with_its_date_or_failed(
    django_capture_on_commit_callbacks, approved_award, alice, anna, bob, fay, fred
):
    bank(alice)
    installment = approved_award.installments.get()
    first = finance.create_batch(actor=fay, installment_ids=[installment.pk])
    finance.submit_batch(actor=fay, batch=first)
    finance.approve_batch(actor=fred, batch=first)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        failed = finance.record_failure(actor=fay, batch=first, installment=installment, reason="户名不符")
        finance.record_failure(actor=fay, batch=first, installment=installment, reason="户名不符")  # repeat
    assert told("payment.failed", f"{installment.pk}:{failed.pk}") == {"alice", "anna"}
    assert "户名不符" in message("payment.failed", "alice").body
    assert Notification.objects.filter(event="payment.failed").count() == 2
    second = finance.create_batch(actor=fay, installment_ids=[installment.pk])
    finance.submit_batch(actor=fay, batch=second)
    finance.approve_batch(actor=fred, batch=second)
    with django_capture_on_commit_callbacks(execute=True):
        paid = finance.record_payment(
            actor=fay, batch=second, installment=installment, voucher_no="PZ-1", paid_on=date(2025, 3, 31)
        )
    assert told("payment.paid", f"{installment.pk}:{paid.pk}") == {"alice", "anna"}
    assert "2025-03-31" in message("payment.paid", "anna").body
    assert [e.subject for e in mailed()["alice@example.com"]] == [
        message("payment.failed", "alice").subject,
        message("payment.paid", "alice").subject,
        message("award.closed", "alice").subject,  # its only installment paid: 已结项 (issue 15)
    ]
    assert not Notification.objects.filter(recipient=bob).exists()


# ---------------------------------------------------------------- beat


def test_draft_reminders_three_days_before_closing_once(
    django_capture_on_commit_callbacks, clock, alice, anna, bob, call
):
    reminded = draft(alice, call)
    submitted(bob, call, matter="乙公司的项目")  # submitted: nothing to remind
    clock.move_to(datetime(2025, 4, 26, 9, 0, tzinfo=SHANGHAI), tick=False)  # four days before
    application_tasks.remind_drafts.delay()
    assert told("application.draft_reminder") == set()
    clock.move_to(datetime(2025, 4, 27, 18, 0, tzinfo=SHANGHAI), tick=False)  # within three days
    with django_capture_on_commit_callbacks(execute=True):
        application_tasks.remind_drafts.delay()
    with django_capture_on_commit_callbacks(execute=True):
        application_tasks.remind_drafts.delay()  # the beat fired twice
    clock.move_to(datetime(2025, 4, 29, 9, 0, tzinfo=SHANGHAI), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        application_tasks.remind_drafts.delay()  # and the next days
    assert told("application.draft_reminder", f"{reminded.pk}:2025-04-30") == {"alice", "anna"}
    assert Notification.objects.filter(event="application.draft_reminder").count() == 2
    assert sorted(e.to[0] for e in mail.outbox if "即将截止" in e.subject) == sorted(
        addresses("alice", "anna")
    )
    clock.move_to(datetime(2025, 4, 30, 17, 0, tzinfo=SHANGHAI), tick=False)  # closed
    Notification.objects.all().delete()
    application_tasks.remind_drafts.delay()
    assert not Notification.objects.exists()


def test_overdue_reviews_are_reminded_once_a_day(
    django_capture_on_commit_callbacks, clock, alice, carol, dora, rex, rita, ross, call
):
    call.review_overdue_days = 10
    call.save(update_fields=["review_overdue_days"])
    application = accepted(alice, call, carol)
    first, second, third = assign(application, dora, [rex, rita, ross])  # 2025-04-01 10:00
    declared(second)
    sheet = complete_sheet(application)
    services.save_scores(actor=ross, assignment=declared(third), sheet=sheet, submit=True)  # done
    clock.move_to(datetime(2025, 4, 11, 9, 59, tzinfo=SHANGHAI), tick=False)
    assert review_tasks.remind_overdue_reviews.delay().get() == 0
    clock.move_to(datetime(2025, 4, 11, 10, 0, tzinfo=SHANGHAI), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert review_tasks.remind_overdue_reviews.delay().get() == 2
        review_tasks.remind_overdue_reviews.delay()
    assert told("review.overdue") == {"rex", "rita"}
    assert Notification.objects.filter(event="review.overdue").count() == 2
    assert message("review.overdue", "rex").url == f"/review/assignments/{first.pk}/declare/"
    assert message("review.overdue", "rita").url == f"/review/assignments/{second.pk}/score/"
    assert sorted(e.to[0] for e in mail.outbox if "逾期" in e.subject) == sorted(addresses("rex", "rita"))
    clock.move_to(datetime(2025, 4, 12, 9, 30, tzinfo=SHANGHAI), tick=False)
    review_tasks.remind_overdue_reviews.delay()
    assert Notification.objects.filter(event="review.overdue").count() == 4


def test_the_notice_closes_on_time_and_recognises(published, clock, anna, fay):
    notice, mine, theirs = published
    clock.move_to(notice.ends_at - timedelta(seconds=1), tick=False)
    assert review_tasks.close_due_notices.delay().get() == {"closed": [], "blocked": []}
    mine.refresh_from_db()
    assert mine.status == S.PUBLICIZED
    clock.move_to(notice.ends_at + timedelta(minutes=10), tick=False)
    assert review_tasks.close_due_notices.delay().get() == {"closed": [notice.pk], "blocked": []}
    assert review_tasks.close_due_notices.delay().get() == {"closed": [], "blocked": []}  # idempotent
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == theirs.status == S.RECOGNISED
    assert told("application.recognised") == {"alice", "anna", "bob"}
    assert Notification.objects.filter(event="award.recognised", recipient=fay).count() == 2


def test_installments_are_released_and_finance_reminded_once(
    django_capture_on_commit_callbacks, award, budget, year_total, fay, fred, frank
):
    finance.approve_award(actor=fred, award=award, at=datetime(2024, 12, 20, 10, 0, tzinfo=SHANGHAI))
    installment = award.installments.get()
    assert installment.status == Installment.Status.SCHEDULED
    with django_capture_on_commit_callbacks(execute=True):
        assert finance_tasks.release_and_remind.delay().get() == {"released": 1, "due": 1}
    with django_capture_on_commit_callbacks(execute=True):
        assert finance_tasks.release_and_remind.delay().get() == {"released": 0, "due": 1}
    installment.refresh_from_db()
    assert installment.status == Installment.Status.DUE
    assert told("installment.due", str(installment.pk)) == {"fay"}
    assert Notification.objects.filter(event="installment.due").count() == 1
    assert [e.to for e in mail.outbox if "待拨付" in e.subject] == [["fay@example.com"]]


def test_the_beat_schedule_names_real_tasks():
    from django.conf import settings

    from changning_ai.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks

"""accounts.notify and accounts.tasks: the inbox row in the caller's transaction, e-mail after commit,
once per (event, key, recipient), retried with back-off on a failing mail server and logged.

Celery runs eagerly here (settings_test); tests/integration/test_celery_worker.py runs a real worker.
"""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import transaction
from django.utils import timezone

from accounts.models import Delivery, Notification, User
from accounts.notify import notify, notify_address
from accounts.tasks import MAX_RETRIES, deliver_email, requeue_deliveries, send_daily_digest
from tests.factories import UserFactory

FLAKY = "tests.accounts.test_notifications.FlakyBackend"


class FlakyBackend(LocmemBackend):
    """The locmem backend behind a mail server that refuses the first `failures` messages."""

    failures = 0
    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def flaky(settings):
    """The failing backend, with eager retries. Celery's eager tracer, when told to propagate errors
    (CELERY_TASK_EAGER_PROPAGATES), raises the Retry instead of running the next attempt; without it,
    apply() runs each retry at once (no countdown) as a worker would after the back-off."""
    settings.EMAIL_BACKEND = FLAKY
    conf = deliver_email.app.conf
    propagates, conf.task_eager_propagates = conf.task_eager_propagates, False

    def fail(times):
        FlakyBackend.failures, FlakyBackend.calls = times, 0

    yield fail
    FlakyBackend.failures, FlakyBackend.calls = 0, 0
    conf.task_eager_propagates = propagates


@pytest.fixture
def erin(db):
    return UserFactory(username="erin", email="erin@example.com")


@pytest.fixture
def frank(db):
    return UserFactory(username="frank", email="frank@example.com")


def accepted(recipients, key="7", **extra):
    return notify(
        event="application.accepted",
        key=key,
        recipients=recipients,
        subject="申报已受理",
        body="您的申报 CN-2025-0007 已受理。",
        url="/applications/7/",
        **extra,
    )


def test_notify_writes_the_inbox_rows_at_once_and_sends_the_mail_after_commit(
    erin, frank, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            rows = accepted([erin, frank])
            assert Notification.objects.filter(read_at__isnull=True).count() == 2
            assert mail.outbox == []  # nothing leaves inside the transaction
    assert len(rows) == 2 and len(callbacks) == 2
    assert sorted(message.to[0] for message in mail.outbox) == ["erin@example.com", "frank@example.com"]
    message = mail.outbox[0]
    assert message.subject == "申报已受理"
    assert (
        "CN-2025-0007" in message.body
        and "https://ai.changning.example.gov.cn/applications/7/" in message.body
    )
    delivery = Delivery.objects.get(recipient=erin)
    assert (delivery.status, delivery.attempts, delivery.notification.recipient) == ("sent", 1, erin)
    assert delivery.sent_at is not None


def test_a_rolled_back_change_sends_nothing_and_leaves_no_row(erin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            accepted([erin])
            raise RuntimeError("the service failed after notifying")
    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.exists() and not Delivery.objects.exists()


def test_the_same_event_reaches_the_same_person_once(erin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert len(accepted([erin, erin])) == 1
    with django_capture_on_commit_callbacks(execute=True) as again:
        assert accepted([erin]) == []
    assert again == []
    assert Notification.objects.count() == 1 and Delivery.objects.count() == 1
    assert len(mail.outbox) == 1
    # Another object, or another event about the same object, is a new message.
    with django_capture_on_commit_callbacks(execute=True):
        accepted([erin], key="8")
    assert len(mail.outbox) == 2


def test_running_the_task_again_sends_nothing_more(erin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        accepted([erin])
    delivery = Delivery.objects.get()
    assert deliver_email.delay(delivery.pk).get() == "skipped"
    assert deliver_email(delivery.pk) == "skipped"
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_a_failing_mail_server_is_retried_and_each_failure_logged(
    erin, flaky, django_capture_on_commit_callbacks
):
    flaky(2)
    with django_capture_on_commit_callbacks(execute=True):
        accepted([erin])
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("sent", 3)
    # The error of the last failed attempt stays in the log beside the success.
    assert "SMTPServerDisconnected" in delivery.last_error
    assert len(mail.outbox) == 1


def test_a_mail_server_that_keeps_failing_marks_the_delivery_failed_without_raising(
    erin, flaky, django_capture_on_commit_callbacks
):
    flaky(100)
    with django_capture_on_commit_callbacks(execute=True):
        accepted([erin])
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", MAX_RETRIES + 1)
    assert "Connection unexpectedly closed" in delivery.last_error
    assert delivery.sent_at is None and mail.outbox == []
    # The inbox row is there whatever happened to the e-mail.
    assert Notification.objects.get().recipient == erin
    # A failed delivery is not claimed again by a stray run of the task.
    assert deliver_email(delivery.pk) == "skipped"


def test_the_task_is_declared_with_back_off_and_a_bound_on_retries():
    assert deliver_email.retry_backoff is True
    assert deliver_email.max_retries == MAX_RETRIES == 5
    assert smtplib.SMTPException in deliver_email.autoretry_for and OSError in deliver_email.autoretry_for


def test_inbox_only_users_get_no_mail(erin, django_capture_on_commit_callbacks):
    erin.notify_channel = User.NotifyChannel.INBOX
    erin.save()
    with django_capture_on_commit_callbacks(execute=True):
        accepted([erin])
    assert Notification.objects.get().read_at is None
    assert not Delivery.objects.exists() and mail.outbox == []


def test_email_only_users_get_the_mail_and_a_row_already_read(erin, django_capture_on_commit_callbacks):
    erin.notify_channel = User.NotifyChannel.EMAIL
    erin.save()
    with django_capture_on_commit_callbacks(execute=True):
        accepted([erin])
    assert Notification.objects.get().read_at is not None
    assert len(mail.outbox) == 1


def test_users_without_an_address_or_inactive_or_on_the_digest_get_no_single_mail(
    erin, frank, django_capture_on_commit_callbacks
):
    nomail = UserFactory(username="nomail", email="")
    gone = UserFactory(username="gone", is_active=False)
    frank.email_digest = True
    frank.save()
    with django_capture_on_commit_callbacks(execute=True):
        accepted([nomail, gone, frank, None])
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"nomail", "frank"}
    assert not Delivery.objects.exists() and mail.outbox == []


def test_an_address_without_an_account_is_mailed_once(db, django_capture_on_commit_callbacks):
    def objection_decided():
        return notify_address(
            event="objection.decided",
            key="3",
            address="Objector@Example.com",
            subject="异议处理结果",
            body="维持",
        )

    with django_capture_on_commit_callbacks(execute=True):
        assert objection_decided() is True
    with django_capture_on_commit_callbacks(execute=True):
        assert objection_decided() is False
    assert [m.to for m in mail.outbox] == [["Objector@Example.com"]]
    assert Delivery.objects.get().dedupe_key == "objection.decided:3:objector@example.com"


def test_the_daily_digest_sends_staff_one_mail_of_their_unread_messages_once_a_day(
    erin, django_capture_on_commit_callbacks
):
    sara = UserFactory(username="sara", email="sara@example.com", is_staff=True, email_digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        accepted([sara, erin], key="1")
        accepted([sara], key="2")
        notify(event="review.assigned", key="9", recipients=[sara], subject="评审任务", body="请评审。")
    old = Notification.objects.filter(recipient=sara, key="2")
    old.update(created_at=timezone.now() - timedelta(days=2))  # yesterday's digest carried it
    Notification.objects.filter(recipient=sara, key="9").update(read_at=timezone.now())  # already read
    assert [m.to for m in mail.outbox] == [["erin@example.com"]]  # sara had no single mail
    with django_capture_on_commit_callbacks(execute=True):
        assert send_daily_digest.delay().get() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert send_daily_digest() == 0
    digest = mail.outbox[-1]
    assert digest.to == ["sara@example.com"] and "1 条未读消息" in digest.subject
    assert "申报已受理" in digest.body and "评审任务" not in digest.body
    assert len(mail.outbox) == 2
    assert Delivery.objects.get(recipient=sara).dedupe_key.startswith(f"digest:{sara.pk}:")


def test_deliveries_left_queued_when_the_broker_was_down_are_queued_again(
    erin, django_capture_on_commit_callbacks
):
    with transaction.atomic():
        accepted([erin])  # committed without running the on_commit callback: the broker was down
    delivery = Delivery.objects.get()
    assert requeue_deliveries() == 0  # too recent: its message may still be on its way
    Delivery.objects.update(created_at=timezone.now() - timedelta(hours=1))
    assert requeue_deliveries() == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent" and len(mail.outbox) == 1

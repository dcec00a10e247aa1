"""E-mail of notifications and verification codes: thin, idempotent tasks that take ids (DESIGN.md).

Time limits are the global CELERY_TASK_TIME_LIMIT / CELERY_TASK_SOFT_TIME_LIMIT; EMAIL_TIMEOUT keeps one
SMTP attempt well inside them.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Delivery, Notification, User
from .notify import email_body, queue_delivery
from .sms import SmsError, send_sms

logger = logging.getLogger(__name__)

MAX_RETRIES = 5
RETRYABLE = (smtplib.SMTPException, OSError)


@shared_task(
    bind=True,
    autoretry_for=RETRYABLE,
    retry_backoff=True,  # 1 s, 2 s, 4 s … (with jitter), capped at retry_backoff_max (600 s)
    max_retries=MAX_RETRIES,
)
def deliver_email(self, delivery_id: int) -> str:
    """Send one Delivery once.

    The claim is a conditional UPDATE queued → sending that must change exactly one row: a second run of
    the task (a redelivered message, a requeue, a retry racing a requeue) changes none and sends nothing.
    A failed attempt puts the row back to queued with the error and re-raises, so autoretry_for schedules
    the next attempt; the last one marks it failed instead of raising. A worker killed between the claim
    and the send leaves the row in `sending`: we prefer an unsent e-mail (visible in the delivery log) to
    a duplicate.
    """
    claimed = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.QUEUED).update(
        status=Delivery.Status.SENDING, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return "skipped"
    delivery = Delivery.objects.get(pk=delivery_id)
    try:
        send_mail(delivery.subject, delivery.body, None, [delivery.address])
    except RETRYABLE as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        last = self.request.retries >= MAX_RETRIES
        Delivery.objects.filter(pk=delivery_id).update(
            status=Delivery.Status.FAILED if last else Delivery.Status.QUEUED, last_error=error
        )
        if last:
            logger.error("delivery %s failed after %s attempts: %s", delivery_id, delivery.attempts, error)
            return "failed"
        logger.warning("delivery %s attempt %s failed, will retry: %s", delivery_id, delivery.attempts, error)
        raise
    Delivery.objects.filter(pk=delivery_id).update(status=Delivery.Status.SENT, sent_at=timezone.now())
    return "sent"


@shared_task
def send_daily_digest() -> int:
    # A task has no request: the mail speaks the portal's language, whatever a previous job activated.
    with translation.override(settings.LANGUAGE_CODE):
        return _send_daily_digest()


def _send_daily_digest() -> int:
    """One e-mail per user who chose the digest, with their unread messages of the last day.

    Idempotent per user and day (Asia/Shanghai): the Delivery's dedupe_key is digest:<user>:<date>.
    Returns the number of digests queued.
    """
    now = timezone.now()
    today = timezone.localdate(now).isoformat()
    since = now - timedelta(days=1)
    users = (
        User.objects.filter(is_active=True, email_digest=True)
        .exclude(email="")
        .exclude(notify_channel=User.NotifyChannel.INBOX)
    )
    queued = 0
    for user in users.iterator():
        with transaction.atomic():
            messages = list(
                Notification.objects.filter(recipient=user, read_at__isnull=True, created_at__gte=since)
                .order_by("created_at", "pk")
                .only("subject", "body", "url")
            )
            if not messages:
                continue
            body = "\n\n".join(
                f"{n}. {message.subject}\n{email_body(message.body, message.url)}"
                for n, message in enumerate(messages, start=1)
            )
            delivery, created = Delivery.objects.get_or_create(
                dedupe_key=f"digest:{user.pk}:{today}",
                defaults={
                    "event": "digest.daily",
                    "recipient": user,
                    "address": user.email,
                    "subject": _("长宁区AI政策平台:您有 %(count)s 条未读消息") % {"count": len(messages)},
                    "body": body,
                },
            )
            if created:
                queue_delivery(delivery)
                queued += 1
    return queued


@shared_task
def requeue_deliveries(older_than_minutes: int = 15) -> int:
    """Queue again the deliveries never attempted a while after they were written: the broker was down at
    commit time (notify's on_commit is robust) or a message was lost. Rows waiting for a retry (attempts
    > 0) already have their message in the broker. The claim in deliver_email makes a duplicate harmless."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    ids = list(
        Delivery.objects.filter(status=Delivery.Status.QUEUED, attempts=0, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    for delivery_id in ids:
        deliver_email.delay(delivery_id)
    return len(ids)


@shared_task(
    autoretry_for=(SmsError, smtplib.SMTPException, OSError),
    retry_backoff=True,
    max_retries=3,
)
def send_verification_code(target: str, message: str) -> str:
    """One verification message: by SMS to a mobile number, by e-mail to an address.

    Not idempotent by a claim like deliver_email: the code is not in the database to claim. A second
    run sends the same code again, which does no harm (it is the same, still single-use code).
    """
    if "@" in target:
        send_mail(_("长宁区人工智能政策申报平台验证码"), message, None, [target])
        return "email"
    send_sms(to=target, message=message)
    return "sms"

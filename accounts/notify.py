"""The one way the portal tells people something: the in-site inbox and e-mail, through Celery.

    notify(event="application.accepted", key=f"{application.pk}", recipients=[user, ...],
           subject=..., body=..., url=...)

- Call it inside the service's transaction: the inbox rows are written there (a rolled-back change
  leaves nothing), and e-mail is queued with transaction.on_commit.
- `event` + `key` + recipient is the idempotency key: the same event for the same object never reaches
  the same person twice, however often the service or the task runs.
- `notify_address` does the same for someone without an account (an objector's e-mail).

The recipient's choice (User.notify_channel) decides the extra channels, never whether the inbox has it.
Every choice writes the inbox row — it is the record of what the portal said; "email only" writes it
already read, so the header's unread count shows only what the user has not been told. Required notices
(REQUIRED_EVENTS: 退回补正, decisions, payment) are written unread whatever the choice (issue 15): an
address that bounces or a mailbox nobody reads must not be the only place a deadline was said.
Users with `email_digest` get no single e-mail: their unread messages go out once a day
(accounts.tasks.send_daily_digest). Inactive users and users without an e-mail address get the inbox
row only.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Delivery, Notification, User

# What an applicant must see in the inbox whatever their delivery preference: a request to correct
# (with its deadline), every decision on the application, award or yearly claim, and every payment.
# Names are the `event`s of applications/reviews/disbursement notifications.py and accounts.identity.
REQUIRED_EVENTS = frozenset(
    {
        "application.returned",
        "application.not_accepted",
        "application.decided",
        "application.recognised",
        "organization.identity_returned",
        "award.recognised",
        "award.approved",
        "payment.paid",
        "payment.failed",
        "claim.accepted",
        "claim.returned",
        "claim.refused",
        "agreement.decided",
    }
)


def notify(
    *,
    event: str,
    key: str | int,
    recipients: Iterable[User | None],
    subject: str,
    body: str,
    url: str = "",
) -> list[Notification]:
    """Write one inbox row per new (recipient, event, key) and queue its e-mail; returns the new rows.

    `recipients` may repeat a user or hold None (an optional role nobody fills); both are skipped.
    """
    key = str(key)
    created_rows: list[Notification] = []
    seen: set[int] = set()
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        channel = user.notify_channel
        notification, created = Notification.objects.get_or_create(
            recipient=user,
            event=event,
            key=key,
            defaults={
                "subject": subject[:200],
                "body": body,
                "url": url,
                "read_at": None
                if is_required(event) or channel != User.NotifyChannel.EMAIL
                else timezone.now(),
            },
        )
        if not created:
            continue  # the idempotency key: this person has been told about this already
        created_rows.append(notification)
        if channel != User.NotifyChannel.INBOX and user.email and not user.email_digest:
            delivery = Delivery.objects.create(
                notification=notification,
                recipient=user,
                event=event,
                address=user.email,
                subject=notification.subject,
                body=email_body(body, url),
            )
            queue_delivery(delivery)
    return created_rows


def is_required(event: str) -> bool:
    return event in REQUIRED_EVENTS


def notify_address(
    *, event: str, key: str | int, address: str, subject: str, body: str, url: str = ""
) -> bool:
    """E-mail someone without an account, once per (event, key, address); True if newly queued."""
    address = (address or "").strip()
    if not address:
        return False
    delivery, created = Delivery.objects.get_or_create(
        dedupe_key=f"{event}:{key}:{address.lower()}"[:200],
        defaults={
            "event": event,
            "address": address,
            "subject": subject[:200],
            "body": email_body(body, url),
        },
    )
    if created:
        queue_delivery(delivery)
    return created


def email_body(body: str, url: str = "") -> str:
    """The e-mail carries the whole message and an absolute link to the page (settings.PORTAL_URL)."""
    if not url:
        return body
    return f"{body}\n\n{settings.PORTAL_URL.rstrip('/')}{url}"


def queue_delivery(delivery: Delivery) -> None:
    """Send after commit only: a rolled-back change sends nothing, and the task finds the committed row.

    robust=True: an unreachable broker must not turn a committed change into an error page; the row stays
    queued and accounts.tasks.requeue_deliveries picks it up.
    """
    from .tasks import deliver_email

    delivery_id = delivery.pk
    transaction.on_commit(lambda: deliver_email.delay(delivery_id), robust=True)

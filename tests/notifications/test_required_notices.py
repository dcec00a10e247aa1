"""Required notices (退回补正, decisions, payment) reach the inbox unread whatever the delivery preference;
the preference only adds e-mail (issue 15)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail

from accounts.models import Notification, User
from accounts.notify import REQUIRED_EVENTS, notify
from disbursement.models import YearlyClaim
from reviews import services
from tests.applications.conftest import submitted
from tests.reviews.conftest import ARTICLE_2, every_material_checked, verified_type

pytestmark = pytest.mark.usefixtures("clock", "private_files")


def row(event: str, username: str) -> Notification:
    return Notification.objects.get(event=event, recipient__username=username)


def prefer(user: User, channel: str) -> None:
    user.notify_channel = channel
    user.save(update_fields=["notify_channel"])


def test_a_return_for_correction_is_unread_in_the_inbox_even_for_email_only(
    django_capture_on_commit_callbacks, alice, anna, carol, call, client
):
    prefer(alice, User.NotifyChannel.EMAIL)
    prefer(anna, User.NotifyChannel.INBOX)
    application = submitted(alice, call)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.return_application(actor=carol, application=application, reasons="缺少2024年度审计报告")
    # E-mail only: the e-mail is the extra channel, the inbox row is still there and unread.
    assert row("application.returned", "alice").read_at is None
    assert row("application.returned", "anna").read_at is None
    assert {address for message in mail.outbox for address in message.to} == {"alice@example.com"}
    client.force_login(alice)
    inbox = client.get("/accounts/inbox/").content.decode()
    assert "缺少2024年度审计报告" in inbox or "退回" in inbox
    assert client.get("/accounts/inbox/").context["unread_count"]() == 1


def test_an_ordinary_notice_still_follows_email_only(django_capture_on_commit_callbacks, alice, carol, call):
    prefer(alice, User.NotifyChannel.EMAIL)
    application = verified_type(submitted(alice, call), carol)
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_application(
            actor=carol, application=application, materials=every_material_checked(application), **ARTICLE_2
        )
    assert row("application.accepted", "alice").read_at is not None  # told by e-mail, kept as read


@pytest.mark.parametrize("channel", User.NotifyChannel.values)
@pytest.mark.parametrize("event", sorted(REQUIRED_EVENTS))
def test_every_required_event_is_unread_whatever_the_channel(db, event, channel):
    from tests.factories import UserFactory

    user = UserFactory(username=f"u-{channel}", notify_channel=channel)
    notify(event=event, key="1", recipients=[user], subject="s", body="b")
    assert Notification.objects.get(recipient=user, event=event).read_at is None


def test_the_required_events_are_the_names_the_apps_send():
    """A renamed event would silently stop being required: every name must be one that is sent."""
    sent: set[str] = set()
    for app in ("applications", "reviews", "disbursement", "accounts"):
        for path in Path(settings.BASE_DIR, app).glob("*.py"):
            sent |= set(re.findall(r'event\s*=\s*"([a-z_]+\.[a-z_]+)"', path.read_text()))
            sent |= set(re.findall(r'event = "([a-z_]+\.[a-z_]+)"', path.read_text()))
    sent |= {f"claim.{status}" for status in YearlyClaim.Status.values}
    assert REQUIRED_EVENTS <= sent, REQUIRED_EVENTS - sent


def test_the_preferences_page_says_required_notices_always_reach_the_inbox(client, alice):
    client.force_login(alice)
    html = client.get("/accounts/preferences/").content.decode()
    assert "都会作为未读消息送达" in html

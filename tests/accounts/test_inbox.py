"""The inbox: one's own messages, opening marks read, the unread count in the header, preferences."""

import re

import pytest
from django.urls import reverse

from accounts.models import Notification, User
from accounts.notify import notify
from tests.factories import UserFactory

INBOX = reverse("accounts:inbox")
READ_ALL = reverse("accounts:inbox_read_all")
PREFERENCES = reverse("accounts:preferences")


def message(pk):
    return reverse("accounts:inbox_message", args=[pk])


@pytest.fixture
def erin(db):
    return UserFactory(username="erin", notify_channel=User.NotifyChannel.INBOX)


@pytest.fixture
def frank(db):
    return UserFactory(username="frank", notify_channel=User.NotifyChannel.INBOX)


def tell(user, key, subject="申报已受理", url="/applications/7/"):
    (notification,) = notify(
        event="application.accepted",
        key=key,
        recipients=[user],
        subject=subject,
        body="正文第一行\n第二行",
        url=url,
    )
    return notification


def test_anonymous_visitors_are_sent_to_log_in(client, erin):
    notification = tell(erin, 1)
    for url in (INBOX, message(notification.pk), PREFERENCES):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert client.post(READ_ALL).status_code == 302
    assert Notification.objects.get().read_at is None


def test_the_inbox_lists_only_ones_own_messages_newest_first_with_the_unread_marked(client, erin, frank):
    first = tell(erin, 1, subject="第一条")
    second = tell(erin, 2, subject="第二条")
    tell(frank, 3, subject="别人的消息")
    first.read_at = first.created_at
    first.save()
    client.force_login(erin)
    html = client.get(INBOX).content.decode()
    assert "别人的消息" not in html
    assert html.index("第二条") < html.index("第一条")
    assert re.search(rf'id="notification-{second.pk}" class="inbox__row inbox__row--unread"', html)
    assert re.search(rf'id="notification-{first.pk}" class="inbox__row"', html)


def test_opening_a_message_marks_it_read_and_shows_the_body_and_the_link(client, erin):
    notification = tell(erin, 1)
    client.force_login(erin)
    html = client.get(message(notification.pk)).content.decode()
    assert "正文第一行<br>第二行" in html
    assert 'href="/applications/7/"' in html
    notification.refresh_from_db()
    assert notification.read_at is not None
    read_at = notification.read_at
    client.get(message(notification.pk))
    notification.refresh_from_db()
    assert notification.read_at == read_at  # the first reading counts


def test_a_link_to_another_site_is_not_offered(client, erin):
    notification = tell(erin, 1, url="https://evil.example.com/")
    client.force_login(erin)
    assert "evil.example.com" not in client.get(message(notification.pk)).content.decode()


def test_another_persons_message_is_not_found_and_stays_unread(client, erin, frank):
    notification = tell(frank, 1)
    client.force_login(erin)
    assert client.get(message(notification.pk)).status_code == 404
    assert client.get(message(notification.pk + 100)).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_header_shows_the_unread_count_and_mark_all_read_clears_it(client, erin, frank):
    tell(erin, 1)
    tell(erin, 2)
    tell(frank, 3)
    client.force_login(erin)
    html = client.get(reverse("accounts:organization")).content.decode()
    assert f'href="{INBOX}"' in html and "消息 (2)" in html
    response = client.post(READ_ALL, follow=True)
    html = response.content.decode()
    assert "已将 2 条消息标为已读" in html
    assert "消息 (" not in html and f'href="{INBOX}"' in html
    assert Notification.objects.filter(recipient=frank, read_at__isnull=True).count() == 1
    assert client.get(READ_ALL).status_code == 405


def test_anonymous_pages_have_no_inbox_link(client, db):
    assert f'href="{INBOX}"' not in client.get("/").content.decode()


def test_the_inbox_runs_the_same_number_of_queries_for_few_and_many(client, erin, django_assert_num_queries):
    tell(erin, 0)
    client.force_login(erin)
    client.get(INBOX)  # warm up: content types, translations
    # session, user, the paginator's count, the page of messages, the header's unread count
    with django_assert_num_queries(5) as few:
        client.get(INBOX)
    for n in range(1, 25):
        tell(erin, n)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(INBOX)
    assert len(response.context["page"].object_list) == 25


def test_preferences_are_saved_and_only_staff_may_choose_the_digest(client, erin):
    client.force_login(erin)
    assert "email_digest" not in client.get(PREFERENCES).content.decode()
    client.post(PREFERENCES, {"notify_channel": "email", "email_digest": "on"})
    erin.refresh_from_db()
    assert (erin.notify_channel, erin.email_digest) == ("email", False)
    assert client.post(PREFERENCES, {"notify_channel": "pigeon"}).status_code == 200
    erin.refresh_from_db()
    assert erin.notify_channel == "email"

    sara = UserFactory(username="sara", is_staff=True)
    client.force_login(sara)
    assert "email_digest" in client.get(PREFERENCES).content.decode()
    client.post(PREFERENCES, {"notify_channel": "both", "email_digest": "on"})
    sara.refresh_from_db()
    assert (sara.notify_channel, sara.email_digest) == ("both", True)

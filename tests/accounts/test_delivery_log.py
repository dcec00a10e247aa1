"""The delivery log: what was sent, when, to whom (masked) and what failed; administrators only."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Delivery
from accounts.roles import Role
from tests.factories import UserFactory

LOG = reverse("accounts:deliveries")


@pytest.fixture
def sam(db):
    return UserFactory(username="sam", is_staff=True, roles=[Role.SYSTEM_ADMIN])


def delivery(n, **fields):
    return Delivery.objects.create(
        dedupe_key=f"test:{n}",
        event="application.accepted",
        address=f"wangli{n}@example.com",
        subject=f"申报已受理{n}",
        body="…",
        **fields,
    )


def test_the_system_and_security_administrators_see_what_was_sent_and_what_failed(client, sam):
    delivery(1, status=Delivery.Status.SENT, attempts=1, sent_at=timezone.now())
    failed = delivery(
        2, status=Delivery.Status.FAILED, attempts=6, last_error="SMTPServerDisconnected: closed"
    )
    for user in (sam, UserFactory(username="sue", is_staff=True, roles=[Role.SECURITY_ADMIN])):
        client.force_login(user)
        html = client.get(LOG).content.decode()
        assert "申报已受理1" in html and "已发送" in html
        assert "wa***@example.com" in html and "wangli1@" not in html
        assert "SMTPServerDisconnected: closed" in html and "发送失败" in html
    html = client.get(LOG + "?status=failed").content.decode()
    assert f"delivery-{failed.pk}" in html and "申报已受理1" not in html


@pytest.mark.parametrize(
    "role", [Role.APPLICANT, Role.AUDIT_ADMIN, Role.FINANCE_APPROVER, Role.INTAKE_OFFICER]
)
def test_everyone_else_is_refused(client, db, role):
    delivery(1)
    client.force_login(UserFactory(username="other", is_staff=role != Role.APPLICANT, roles=[role]))
    assert client.get(LOG).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(LOG)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_the_log_runs_the_same_number_of_queries_for_few_and_many(client, sam, django_assert_num_queries):
    delivery(0)
    client.force_login(sam)
    client.get(LOG)  # warm up
    # session, user, the second factor's device (django-otp: staff sessions are verified), the role check,
    # the paginator's count, the page of deliveries, the header's count, the staff links' groups
    # (reviews.templatetags.review_nav)
    with django_assert_num_queries(8) as few:
        client.get(LOG)
    for n in range(1, 30):
        delivery(n, status=Delivery.Status.FAILED, last_error="boom")
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(LOG)
    assert len(response.context["page"].object_list) == 30

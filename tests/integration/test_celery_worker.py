"""A real Celery worker against Redis delivers a notification (issue 6).

CI sets REDIS_URL and runs Redis: there an unreachable Redis FAILS this test. Only a run without
REDIS_URL at all (a bare laptop on SQLite, where the portal itself runs tasks eagerly) skips it.

The worker runs in a thread of this process (celery.contrib.testing), on a Celery app of its own with a
queue named for this run, so parallel runs on one Redis do not take each other's messages. The worker
reads the rows the test committed (transactional_db) and sends through the locmem backend, whose outbox
this process shares.
"""

import os
import time
import uuid

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import transaction

import accounts.tasks  # noqa: F401  registered on the worker's app before its consumer starts
from accounts.models import Delivery, Notification
from accounts.notify import notify
from changning_ai.celery import app as portal_app
from tests.factories import UserFactory

REDIS_URL = os.environ.get("REDIS_URL", "")
TIMEOUT_SECONDS = 30

pytestmark = pytest.mark.skipif(
    not REDIS_URL,
    reason="REDIS_URL is not set: no Redis broker configured (a local SQLite run); CI sets it and runs this.",
)


@pytest.fixture
def redis_worker_app():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.exceptions.RedisError as exc:
        pytest.fail(f"REDIS_URL is set ({REDIS_URL}) but Redis does not answer: {exc}")
    queue = f"changning-test-{uuid.uuid4().hex}"
    app = Celery("changning_ai_integration", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=REDIS_URL,
        task_always_eager=False,
        task_default_queue=queue,
        broker_connection_retry_on_startup=False,
    )
    app.set_current()
    try:
        with start_worker(app, perform_ping_check=False, queues=[queue], shutdown_timeout=15):
            yield app
    finally:
        # start_worker made the test app the process's default: give the portal its own app back.
        portal_app.set_current()
        portal_app.set_default()
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
        app.close()


def wait_for(condition, timeout=TIMEOUT_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_a_notification_queued_on_commit(redis_worker_app):
    erin = UserFactory(username="erin", email="erin@example.com")
    with transaction.atomic():
        notify(
            event="application.accepted",
            key="42",
            recipients=[erin],
            subject="申报已受理",
            body="您的申报已受理。",
            url="/applications/42/",
        )
        # Inside the transaction nothing has been queued yet.
        assert Delivery.objects.get().status == Delivery.Status.QUEUED
    delivery = Delivery.objects.get()

    def sent():
        delivery.refresh_from_db()
        return delivery.status == Delivery.Status.SENT

    assert wait_for(sent), (
        f"the worker did not send delivery {delivery.pk} within {TIMEOUT_SECONDS} s: {delivery.status}"
    )
    assert delivery.attempts == 1 and delivery.sent_at is not None
    assert [m.to for m in mail.outbox] == [["erin@example.com"]]
    assert mail.outbox[0].subject == "申报已受理"
    assert Notification.objects.get().recipient == erin

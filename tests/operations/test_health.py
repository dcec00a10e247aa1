"""/health/live/ and /health/ready/ (operations.health): live touches nothing; ready runs every check and
tells anyone only ok/fail, the host itself and staff which check failed."""

from __future__ import annotations

import pytest

from audit import services as audit
from audit.chain import verify_head
from tests.factories import UserFactory

LIVE = "/health/live/"
READY = "/health/ready/"
OUTSIDE = "203.0.113.7"


@pytest.fixture
def chain(db):
    for n in range(3):
        audit.record("health.test", detail=str(n))


def test_live_answers_without_touching_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(LIVE, REMOTE_ADDR=OUTSIDE)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert "no-cache" in response["Cache-Control"]


def test_ready_tells_an_outsider_only_ok(client, chain):
    response = client.get(READY, REMOTE_ADDR=OUTSIDE)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_ready_tells_the_host_itself_each_check(client, chain):
    response = client.get(READY, REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert {"database", "cache", "media_disk", "audit_chain"} <= set(checks)
    assert set(checks.values()) == {"ok"}


def test_staff_see_each_check_from_anywhere(client, chain):
    client.force_login(UserFactory(username="sean", is_staff=True))
    response = client.get(READY, REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 200
    assert set(response.json()["checks"].values()) == {"ok"}


def test_an_applicant_sees_only_ok(client, chain):
    client.force_login(UserFactory(username="alice"))
    assert client.get(READY, REMOTE_ADDR=OUTSIDE).json() == {"status": "ok"}


def test_a_broken_audit_head_makes_the_portal_unready(client, chain, settings):
    settings.AUDIT_HMAC_KEY = "not-the-key-the-chain-was-written-with"
    outsider = client.get(READY, REMOTE_ADDR=OUTSIDE)
    assert (outsider.status_code, outsider.json()) == (503, {"status": "fail"})
    host = client.get(READY, REMOTE_ADDR="127.0.0.1").json()["checks"]
    assert host["audit_chain"].startswith("Unavailable: audit chain broken at seq")
    assert host["database"] == "ok"


def test_a_full_media_disk_makes_the_portal_unready(client, chain, settings):
    settings.HEALTH_MIN_FREE_DISK_MB = 2**40
    response = client.get(READY, REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 503
    assert response.json()["checks"]["media_disk"].startswith("Unavailable:")


def test_health_pages_are_not_redirected_to_https(client, db, settings):
    """A probe on the host speaks plain HTTP to gunicorn; every other page still goes to HTTPS."""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/").status_code == 301
    assert client.get(LIVE).status_code == 200


def test_the_head_of_an_empty_or_intact_chain_verifies(db):
    assert verify_head() is None
    audit.record("health.test")
    assert verify_head() is None
    audit.record("health.test")
    assert verify_head() is None


def test_a_head_whose_content_was_changed_is_reported(db, settings):
    audit.record("health.test")
    audit.record("health.test")
    settings.AUDIT_HMAC_KEY = "another-key"
    broken = verify_head()
    assert broken is not None and "已被修改" in broken.reason

"""Rate limits on what a script floods (issue 14, finding 3): login (password spraying), password reset
(per client and per address), sign-up and the calculator's JSON — each refused with 429 in Chinese (JSON
for the JSON), a Retry-After, and an audit record; another client is not affected. The rates are lowered
here through settings.RATELIMITS, which the views read at each request."""

import pytest

from audit.models import AuditRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def low(settings):
    def lower(name: str, value: str) -> None:
        settings.RATELIMITS = {**settings.RATELIMITS, name: value}

    return lower


def test_password_spraying_from_one_client_meets_a_429(client, low):
    low("login-client", "3/h")
    for n in range(3):
        response = client.post(
            "/accounts/login/", {"username": f"user{n}@example.com", "password": "Guess-1234"}
        )
        assert response.status_code == 200  # wrong password: the form again
    response = client.post("/accounts/login/", {"username": "user9@example.com", "password": "Guess-1234"})
    assert response.status_code == 429
    assert "操作过于频繁" in response.content.decode() and response["Retry-After"]
    record = AuditRecord.objects.filter(action="ratelimit").latest("seq")
    assert record.result == AuditRecord.Result.DENIED and "POST /accounts/login/" in record.detail
    # Another client logs in as usual; reading the login page is never limited.
    other = client.post(
        "/accounts/login/",
        {"username": "x@example.com", "password": "Guess-1234"},
        REMOTE_ADDR="198.51.100.4",
    )
    assert other.status_code == 200
    assert client.get("/accounts/login/").status_code == 200


def test_reset_requests_are_limited_per_address_asked_for_and_per_client(client, low):
    low("reset-target", "2/h")
    for n in range(2):
        response = client.post(
            "/accounts/password-reset/", {"email": "Wang@Example.com"}, REMOTE_ADDR=f"198.51.100.{n}"
        )
        assert response.status_code == 302
    # The same person from a third client: the address's limit holds, whatever the client.
    response = client.post(
        "/accounts/password-reset/", {"email": "wang@example.com"}, REMOTE_ADDR="198.51.100.9"
    )
    assert response.status_code == 429
    low("reset-client", "1/h")
    assert (
        client.post(
            "/accounts/password-reset/", {"email": "li@example.com"}, REMOTE_ADDR="203.0.113.5"
        ).status_code
        == 302
    )
    assert (
        client.post(
            "/accounts/password-reset/", {"email": "zhao@example.com"}, REMOTE_ADDR="203.0.113.5"
        ).status_code
        == 429
    )


def test_sign_up_floods_meet_a_429(client, low):
    low("signup-client", "2/h")
    for n in range(2):
        assert client.post("/accounts/signup/", {"identifier": f"bad{n}"}).status_code in (200, 400)
    assert client.post("/accounts/signup/", {"identifier": "bad9"}).status_code == 429


def test_the_calculator_json_answers_429_in_json(client, low, policy_data):
    from django.urls import reverse

    url = reverse("policies:calculator_quote")
    low("quote-client", "2/m")
    for _ in range(2):
        assert client.get(url, {"item": "7.1"}).status_code in (200, 400)
    response = client.get(url, {"item": "7.1"})
    assert response.status_code == 429
    assert response.json()["errors"]["__all__"] == "请求过于频繁,请稍后再试。"

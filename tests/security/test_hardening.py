"""Answers every response gets (issue 14, the smaller findings): NUL bytes refused before any view,
Permissions-Policy, no-store on logged-in pages, and the CSRF refusal in the site's own words."""

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/notices/%00/",
        "/applications/1%00/",
        "/policies/?q=%00",
        "/review/intake/?status=sub%00mitted",
        "/accounts/login/?next=/%00",
    ],
)
def test_a_nul_byte_in_the_path_or_query_is_a_400_in_chinese_not_a_500(client, url):
    response = client.get(url)
    assert response.status_code == 400
    page = response.content.decode()
    assert "请求无效" in page and "返回首页" in page


def test_a_nul_byte_in_a_posted_form_is_refused_too(client):
    response = client.post("/accounts/login/?x=%00", {"username": "a", "password": "b"})
    assert response.status_code == 400


def test_every_response_switches_off_unused_browser_features(client):
    policy = client.get("/")["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy


def test_pages_for_a_logged_in_user_are_never_stored_and_public_ones_may_be(client, policy_data):
    assert "no-store" not in client.get("/").get("Cache-Control", "")
    client.force_login(UserFactory(username="alice"))
    for url in ("/", "/applications/", "/accounts/inbox/"):
        response = client.get(url)
        assert response.status_code in (200, 302, 404)
        assert response["Cache-Control"] == "private, no-store", url


def test_a_refused_csrf_check_explains_itself_in_the_sites_style(policy_data):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "页面已过期,请重新提交" in page
    assert 'class="site-header"' in page  # the site's page, not Django's bare one
    assert "CSRF" not in page

"""The portal's own 403, 404 and 500 pages: Chinese first, saying nothing about what exists or went wrong
inside, and the 500 page rendering with no request at all (Django renders it with an empty context)."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.template import loader
from django.test import RequestFactory
from django.urls import reverse
from django.views import defaults

from accounts.roles import Role
from tests.factories import UserFactory


def test_an_unknown_address_is_the_portals_404_page(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page
    assert reverse("policies:home") in page  # the site's header and a way back


def test_the_404_page_never_shows_the_exception_text(db):
    request = RequestFactory().get("/applications/999/")
    response = defaults.page_not_found(request, Http404("file missing from storage: applications/1/x.pdf"))
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in page
    assert "missing" not in page and "applications/1/x.pdf" not in page


def test_a_refusal_is_the_portals_403_page_with_the_reason(client, policy_data):
    client.force_login(UserFactory(username="applicant", roles=[Role.APPLICANT]))
    response = client.get(reverse("reviews:intake_queue"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "无权访问" in page
    assert "您没有执行此操作的权限。" in page


def test_the_403_page_escapes_the_reason(db):
    page = loader.render_to_string("403.html", {"exception": '<script>alert(1)</script>"'})
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;" in page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_500_page_renders_without_a_request_or_a_database(language, django_db_blocker):
    from django.utils import translation

    with translation.override(language), django_db_blocker.block():
        page = loader.get_template("500.html").render()
    assert "<h1>" in page and "{%" not in page and "{#" not in page
    if language == "zh-hans":
        assert "系统暂时无法处理您的请求" in page


def test_the_server_error_view_answers_500_with_the_portals_page():
    response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "系统暂时无法处理您的请求" in page
    assert "Traceback" not in page

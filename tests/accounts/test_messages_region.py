"""The flash messages are a live region around a list (issue 16, items 1 and 4): axe's listitem rule wants
the list to keep its role, errors interrupt (alert), the rest wait (status), and a redirect can point at
them (#messages, focusable)."""

import re

from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.template.loader import render_to_string
from django.urls import reverse

from tests.factories import MembershipFactory


def region(messages) -> str:
    return render_to_string("_messages.html", {"message_list": messages})


def test_success_and_info_wait_in_a_status_region_around_the_list():
    html = region([Message(constants.SUCCESS, "已保存"), Message(constants.INFO, "提示")])
    assert re.search(r'<div class="messages" id="messages" role="status" tabindex="-1">\s*<ul', html)
    assert '<li class="message message--success">已保存</li>' in html
    assert "<ul" in html and 'ul class="messages__list">' in html and "role" not in html.split("<ul")[1]


def test_an_error_among_them_makes_the_region_an_alert():
    html = region([Message(constants.SUCCESS, "已保存"), Message(constants.ERROR, "未保存")])
    assert 'role="alert"' in html and 'role="status"' not in html


def test_no_messages_no_region():
    assert region([]).strip() == ""


def test_a_message_after_a_redirect_is_in_the_region_of_the_page(client, db):
    member = MembershipFactory().user
    client.force_login(member)
    response = client.get(reverse("accounts:organization_create"), follow=True)
    html = response.content.decode()
    assert re.search(
        r'<div class="messages" id="messages" role="status" tabindex="-1">\s*<ul class="messages__list">'
        r'\s*<li class="message message--info">您已属于一个单位。</li>',
        html,
    )
    assert "js/announce.js" in html

"""长辈版 (issue 16 item 9): the large-text switch in every page's header, a cookie like the language."""

import pytest
from django.urls import reverse

from changning_ai import elder


def test_every_page_offers_the_switch_and_the_normal_page_has_no_elder_class(client, db):
    page = client.get("/").content.decode()
    assert f'action="{reverse("set_elder")}"' in page
    assert 'name="elder" value="on"' in page
    assert "切换到长辈版" in page
    assert '<body class="elder">' not in page


def test_switching_on_is_remembered_and_goes_back_to_the_page(client, db):
    response = client.post(reverse("set_elder"), {"elder": "on", "next": "/policies/"})
    assert response.status_code == 302
    assert response["Location"] == "/policies/"
    cookie = response.cookies[elder.COOKIE]
    assert cookie.value == elder.ON
    assert cookie["max-age"] == elder.MAX_AGE
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    # Another page later: still on, and the switch now says how to leave it.
    page = client.get(reverse("policies:calculator")).content.decode()
    assert '<body class="elder">' in page
    assert "退出长辈版" in page
    assert 'name="elder" value="off"' in page


def test_switching_off_forgets_it(client, db):
    client.cookies[elder.COOKIE] = elder.ON
    response = client.post(reverse("set_elder"), {"elder": "off", "next": "/"})
    assert response.cookies[elder.COOKIE].value == ""
    assert '<body class="elder">' not in client.get("/").content.decode()


def test_the_switch_speaks_english_on_english_pages(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Switch to large-text mode for seniors" in client.get("/").content.decode()
    client.cookies[elder.COOKIE] = elder.ON
    assert "Leave large-text mode" in client.get("/").content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", ""])
def test_next_never_leaves_the_site(client, db, target):
    response = client.post(reverse("set_elder"), {"elder": "on", "next": target})
    assert response["Location"] == reverse("policies:home")


@pytest.mark.parametrize("choice", ["", "yes", "1"])
def test_anything_but_on_or_off_changes_nothing(client, db, choice):
    response = client.post(reverse("set_elder"), {"elder": choice, "next": "/"})
    assert response.status_code == 302
    assert elder.COOKIE not in response.cookies


def test_a_get_changes_nothing(client, db):
    response = client.get(reverse("set_elder"), {"elder": "on", "next": "/policies/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("policies:home")
    assert elder.COOKIE not in response.cookies


def test_only_the_exact_cookie_value_turns_it_on(client, db):
    client.cookies[elder.COOKIE] = "yes"
    assert '<body class="elder">' not in client.get("/").content.decode()

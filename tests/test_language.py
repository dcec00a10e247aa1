"""Chinese first: an English browser still gets Chinese until the visitor picks English."""

from django.conf import settings


def test_an_english_browser_gets_the_chinese_page(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-CN"' in response.content.decode()


def test_choosing_english_with_the_switch_sticks(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/policies/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/policies/")
    assert page["Content-Language"] == "en"


def test_an_unknown_language_cookie_falls_back_to_chinese(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert client.get("/")["Content-Language"] == "zh-hans"

"""What every page carries for its readers (issue 16, items 8 and 10): Chinese data marked as Chinese on
English pages, a favicon, and a title that names the page's state. (Contrast: tests/test_contrast.py; the
320 px test: tests/e2e/test_narrow_screen_e2e.py.)"""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template import Context, Template
from django.utils import translation

IN_2025 = datetime(2025, 6, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # inside the 2024 round
ROUND = "changning-ai-2024"

ZH = Template("{% load langmark %}{{ v|zh }}")


def render(value, language):
    with translation.override(language):
        return ZH.render(Context({"v": value}))


def test_chinese_data_on_an_english_page_is_marked_as_chinese():
    assert render("甲公司", "en") == '<span lang="zh-CN">甲公司</span>'
    assert render("AI 大模型项目 (phase 2)", "en") == '<span lang="zh-CN">AI 大模型项目 (phase 2)</span>'


def test_a_chinese_page_and_text_without_chinese_are_left_alone():
    assert render("甲公司", "zh-hans") == "甲公司"
    assert render("Acme Robotics Ltd", "en") == "Acme Robotics Ltd"
    assert render("", "en") == ""


def test_the_mark_escapes_what_it_wraps():
    assert render("<b>甲</b>", "en") == '<span lang="zh-CN">&lt;b&gt;甲&lt;/b&gt;</span>'


def test_the_english_catalogue_marks_the_chinese_round_titles(client, policy_data):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/policies/").content.decode()
    assert '<html lang="en"' in page
    assert '<span lang="zh-CN">' in page
    chinese = client.get(
        "/policies/", HTTP_COOKIE=f"{settings.LANGUAGE_COOKIE_NAME}=zh-hans"
    ).content.decode()
    assert '<span lang="zh-CN">' not in chinese


def test_every_page_links_the_favicon_the_app_serves(client, db):
    page = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page
    assert finders.find("img/favicon.svg")


def test_the_calculator_title_names_the_item_and_the_result(client, policy_data):
    with time_machine.travel(IN_2025, tick=False):
        empty = client.get("/calculator/").content.decode()
        chosen = client.get("/calculator/", {"round": ROUND, "item": "7.1"}).content.decode()
        computed = client.get(
            "/calculator/", {"round": ROUND, "item": "7.1", "self_raised_investment": "2000000"}
        ).content.decode()

    def title(html):
        return html.split("<title>", 1)[1].split("</title>", 1)[0]

    assert title(empty).startswith("政策计算器 - ")
    assert title(chosen).startswith("7.1 ") and "估算" not in title(chosen)
    assert title(computed).startswith("7.1 ") and "估算 600,000.00 元 - 政策计算器 - " in title(computed)
    assert "<span" not in title(computed)  # the title is plain text: never the money span

"""The public pages: home, catalogue, round and item pages, read by an anonymous visitor.

Dates are pinned with time-machine where a page depends on today (the 2024 round ends 2026-12-31).
"""

import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import Context, Template

from policies.models import PolicyRound
from policies.services import copy_round, publish_round

SHANGHAI = ZoneInfo("Asia/Shanghai")
IN_2025 = datetime(2025, 6, 1, 10, 0, tzinfo=SHANGHAI)
ROUND_2024 = "/policies/changning-ai-2024/"

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    """The visible text of the page's <main>, tags dropped and whitespace folded."""
    html = response.content.decode()
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


@pytest.fixture
def draft_round(policy_data) -> PolicyRound:
    source = PolicyRound.objects.get(code="changning-ai-2024")
    return copy_round(source=source, code="changning-ai-2027-draft", title="长宁区人工智能政策(修订草案)")


# ---------------------------------------------------------------- layout


def test_layout_has_the_portal_header_nav_language_switch_and_footer(client, policy_data):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "长宁区人工智能创新产业扶持政策申报平台" in html
    assert 'href="/policies/"' in html and "政策目录" in html
    assert 'href="/calculator/"' in html and "政策计算器" in html
    assert 'href="/accounts/login/"' in html and "登录" in html
    assert 'action="/i18n/setlang/"' in html
    assert 'value="zh-hans"' in html and 'value="en"' in html
    assert "长宁区科学技术委员会" in html
    assert '<html lang="zh-CN">' in html


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/policies/",
        ROUND_2024,
        ROUND_2024 + "items/7.1/",
        "/calculator/?round=changning-ai-2024&item=8.3",
    ],
)
def test_pages_have_no_inline_script_or_event_handler_so_a_strict_csp_can_come(client, policy_data, url):
    html = client.get(url).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline <script> found"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler found"
    assert "style=" not in html
    assert "http://" not in html and "https://" not in html  # no CDN, no external fonts


# ---------------------------------------------------------------- home and catalogue


@time_machine.travel(IN_2025, tick=False)
def test_home_introduces_the_policy_and_lists_the_round_in_force(client, policy_data):
    response = client.get("/")
    text = text_of(response)
    assert response.status_code == 200
    assert "长宁区深入推进人工智能创新产业高质量发展的实施办法" in text
    assert "现行有效" in text
    # The expired 2021 round is history, not "current".
    assert "新一代人工智能产业融合创新发展" not in text
    assert 'href="/policies/changning-ai-2024/"' in response.content.decode()


@time_machine.travel(IN_2025, tick=False)
def test_catalogue_lists_published_and_expired_rounds_with_dates_and_status(client, policy_data):
    response = client.get("/policies/")
    text = text_of(response)
    assert response.status_code == 200
    assert "长宁区深入推进人工智能创新产业高质量发展的实施办法" in text
    assert "2024-01-01" in text and "2026-12-31" in text
    assert "长宁区深入推进新一代人工智能产业融合创新发展的实施办法" in text
    assert "2023-12-31" in text
    assert "现行有效" in text and "已失效" in text
    # Newest first.
    assert text.index("2026-12-31") < text.index("2023-12-31")


def test_catalogue_hides_drafts_from_the_public(client, draft_round):
    text = text_of(client.get("/policies/"))
    assert "修订草案" not in text
    assert draft_round.code not in client.get("/policies/").content.decode()


def test_a_demo_round_is_clearly_labelled_as_not_official(client, policy_data):
    PolicyRound.objects.filter(code="changning-ai-2024").update(is_demo=True)
    assert "演示版本(非正式政策)" in text_of(client.get("/policies/"))
    assert "演示版本(非正式政策)" in text_of(client.get(ROUND_2024))
    assert "演示版本(非正式政策)" in text_of(client.get(ROUND_2024 + "items/7.1/"))


def test_an_official_round_carries_no_demo_label(client, policy_data):
    assert "演示版本" not in text_of(client.get("/policies/"))


@time_machine.travel(datetime(2027, 3, 1, 10, 0, tzinfo=SHANGHAI), tick=False)
def test_a_published_round_past_its_end_date_reads_as_expired(client, policy_data):
    html = client.get("/policies/").content.decode()
    assert "现行有效" not in html
    assert html.count('<span class="badge badge--expired">已失效</span>') == 2


# ---------------------------------------------------------------- round page


def test_round_page_shows_title_validity_and_the_ten_articles_in_order(client, policy_data):
    response = client.get(ROUND_2024)
    text = text_of(response)
    assert response.status_code == 200
    assert "长宁区深入推进人工智能创新产业高质量发展的实施办法" in text
    assert "有效期:2024-01-01 至 2026-12-31" in text
    headings = re.findall(r'<h2 id="article-\d+-heading">([^<]+)</h2>', response.content.decode())
    assert headings == [
        "第一条(目的和依据)",
        "第二条(适用对象)",
        "第三条(职责分工)",
        "第四条(扶持方式)",
        "第五条(资金来源)",
        "第六条(鼓励项目落地发展)",
        "第七条(支持单位研发创新)",
        "第八条(推进技术示范应用)",
        "第九条(营造产业创新生态)",
        "第十条(附则)",
    ]
    assert "本实施办法自2024年1月1日起施行,有效期至2026年12月31日为止。" in text


def test_round_page_lists_each_article_s_items_under_it(client, policy_data):
    html = client.get(ROUND_2024).content.decode()
    article7 = html.split('id="article-7"', 1)[1].split('id="article-8"', 1)[0]
    assert 'href="/policies/changning-ai-2024/items/7.1/"' in article7
    assert 'href="/policies/changning-ai-2024/items/7.2/"' in article7
    assert "硬核技术攻关" in article7
    assert "items/8.1/" not in article7
    # Every one of the 23 items is linked exactly once.
    assert len(re.findall(r'href="/policies/changning-ai-2024/items/[^"]+/"', html)) == 23


def test_expired_round_with_no_articles_still_has_a_page(client, policy_data):
    response = client.get("/policies/changning-ai-2021/")
    assert response.status_code == 200
    assert "已失效" in text_of(response)


def test_unknown_round_is_404(client, policy_data):
    assert client.get("/policies/no-such-round/").status_code == 404


def test_draft_round_and_its_items_are_404_for_the_public(client, draft_round):
    assert client.get(f"/policies/{draft_round.code}/").status_code == 404
    assert client.get(f"/policies/{draft_round.code}/items/7.1/").status_code == 404


def test_a_published_copy_appears_once_published(client, draft_round):
    publish_round(policy_round=draft_round)
    assert client.get(f"/policies/{draft_round.code}/").status_code == 200


# ---------------------------------------------------------------- item page


def test_item_page_explains_who_may_apply_the_amount_rule_and_the_facts(client, policy_data):
    response = client.get(ROUND_2024 + "items/7.1/")
    text = text_of(response)
    html = response.content.decode()
    assert response.status_code == 200
    assert "硬核技术攻关" in text
    # Who may apply: Art. 2 for everyone, then the item's own text.
    assert "第二条(适用对象)" in text
    assert "在长宁区依法设立、经营状态正常、信用记录良好" in text
    assert "按项目自筹投入资金总额的 30% 给予资助,最高不超过 300 万元。" in text
    assert "30%" in text
    assert "¥3,000,000.00" in text  # per-application ceiling, through the money filter
    assert "可按项目自筹投入资金总额的30%,给予企业最高不超过300万元的资助" in text  # clause text
    assert "项目自筹投入资金总额" in text and "金额(元)" in text
    assert "项目研发方案" in text and "营业执照(副本)" in text
    assert 'href="/calculator/?round=changning-ai-2024&amp;item=7.1"' in html


def test_item_page_lists_the_item_s_own_conditions(client, policy_data):
    text = text_of(client.get(ROUND_2024 + "items/6.1b/"))
    assert "须获得过知名风险投资机构两轮(含)以上投资" in text
    assert "由年度申报指南确定" in text  # "一定": the rate is set by the annual call
    assert "3 年" in text  # subsidised three consecutive years


def test_item_page_shows_the_running_ceiling_and_its_window(client, policy_data):
    text = text_of(client.get(ROUND_2024 + "items/9.1/"))
    assert "¥500,000.00(每单位每年度)" in text


def test_unknown_item_is_404(client, policy_data):
    assert client.get(ROUND_2024 + "items/99.9/").status_code == 404
    assert client.get("/policies/no-such-round/items/7.1/").status_code == 404


# ---------------------------------------------------------------- query counts


def test_catalogue_runs_one_query_whatever_the_number_of_rounds(
    client, policy_data, draft_round, django_assert_num_queries
):
    # 1. the public rounds (the anonymous visitor has no session, so no session query)
    with django_assert_num_queries(1):
        assert client.get("/policies/").status_code == 200
    publish_round(policy_round=draft_round)
    with django_assert_num_queries(1):
        assert client.get("/policies/").status_code == 200


def test_round_page_runs_three_queries_whatever_the_number_of_items(
    client, policy_data, django_assert_num_queries
):
    # 1. the round, 2. its articles, 3. the articles' items
    with django_assert_num_queries(3):
        response = client.get(ROUND_2024)
    assert response.status_code == 200
    assert response.content.decode().count("/items/") == 23


def test_item_page_runs_a_fixed_number_of_queries(client, policy_data, django_assert_num_queries):
    # 1. the item with its round and article, 2. facts, 3. conditions, 4. materials, 5. Art. 2
    with django_assert_num_queries(5):
        assert client.get(ROUND_2024 + "items/8.4a/").status_code == 200


# ---------------------------------------------------------------- the money filter


@pytest.mark.parametrize(
    ("template", "value", "expected"),
    [
        ("{{ v|yuan }}", Decimal("1234567.89"), "¥1,234,567.89"),
        ("{{ v|yuan }}", Decimal("0.005"), "¥0.01"),  # half-up to the fen
        ("{{ v|yuan }}", "600000.00", "¥600,000.00"),  # the engine's JSON string
        ("{{ v|yuan }}", None, ""),
        ("{{ v|yuan }}", "abc", ""),
        ('{{ v|yuan:"bare" }}', Decimal("600000"), "600,000.00"),
        ("{{ v|fen_yuan }}", 123456789, "¥1,234,567.89"),
        ("{{ v|fen_yuan }}", 0, "¥0.00"),
        ("{{ v|fen_yuan }}", None, ""),
    ],
)
def test_money_filter_shows_yuan_with_separators_and_two_decimals(template, value, expected):
    rendered = Template("{% load money %}" + template).render(Context({"v": value}))
    assert rendered == expected

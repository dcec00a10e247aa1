"""Issue 15, 政策匹配 (public side): the home page's open calls and topic filter, the questionnaire, and the
calculator's use of the open call's rate ("一定") with rates accepted as percentages."""

from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from applications.models import Call, CallItem
from policies import rules
from policies.models import PolicyItem, PolicyRound

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 4, 1, 10, 0, tzinfo=SHANGHAI)
HOME = reverse("policies:home")
MATCH = reverse("policies:match")


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def open_call(
    codes, *, title="2025 年度人工智能专项申报", closes=datetime(2025, 4, 30, 17, 0, tzinfo=SHANGHAI)
):
    policy_round = PolicyRound.objects.get(code="changning-ai-2024")
    call = Call.objects.create(
        round=policy_round,
        year=2025,
        title=title,
        opens_at=datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI),
        closes_at=closes,
    )
    for code in codes:
        item = PolicyItem.objects.get(round=policy_round, code=code)
        rate = "0.5" if item.to_rule().needs_call_rate else None
        ceiling = 100_000_000 if rate else None
        CallItem.objects.create(call=call, item=item, rate=rate, ceiling_fen=ceiling, budget_fen=500_000_000)
    return call


# ---------------------------------------------------------------- the topics are data


def test_every_item_of_the_2024_round_has_a_topic_of_the_round(policy_data):
    policy_round = PolicyRound.objects.get(code="changning-ai-2024")
    codes = {t["code"] for t in policy_round.topics}
    assert {"rent", "rnd", "certification", "software", "cloud", "events", "incubator", "insurance"} <= codes
    for item in policy_round.items.all():
        assert item.topics and set(item.topics) <= codes, item.code


def test_a_copied_round_keeps_its_topics(policy_data):
    from policies.services import copy_round

    draft = copy_round(source=PolicyRound.objects.get(code="changning-ai-2024"))
    assert draft.topics == PolicyRound.objects.get(code="changning-ai-2024").topics
    assert draft.items.get(code="9.4b").topics == ["incubator", "insurance"]


def test_loading_an_item_with_an_unknown_topic_is_refused(db):
    from policies.services import PolicyDataError, load_round

    data = {
        "code": "t",
        "title": "t",
        "valid_from": datetime(2025, 1, 1).date(),
        "valid_until": datetime(2025, 12, 31).date(),
        "status": "draft",
        "topics": [{"code": "rent", "name": "房租"}],
        "articles": [{"number": 6, "title": "a", "text": "a"}],
        "items": [{"code": "6.1a", "article": 6, "name": "x", "topics": ["ufo"]}],
    }
    with pytest.raises(PolicyDataError, match="未定义的申报方向 ufo"):
        load_round(data)


# ---------------------------------------------------------------- home page


def test_the_home_page_shows_the_open_calls_with_days_left_budget_and_a_link_to_apply(
    client, policy_data, clock
):
    call = open_call(["7.1", "6.1b"])
    page = client.get(HOME).content.decode()
    assert "正在受理的申报" in page
    assert "2025-04-30 17:00:00" in page
    assert "还剩 29 天" in page
    assert "¥5,000,000.00" in page  # the call item's budget
    # 一定: the call's rate and ceiling, not "由当年申报指南确定"
    assert "本批次补贴比例 50%、本批次单笔上限 1,000,000.00 元" in page
    ci = call.call_items.get(item__code="7.1")
    assert reverse("applications:start", args=[ci.pk]) in page


def test_on_the_closing_day_the_home_page_says_today(client, policy_data, time_machine):
    open_call(["7.1"])
    time_machine.move_to(datetime(2025, 4, 30, 9, 0, tzinfo=SHANGHAI), tick=False)
    assert "今天截止" in client.get(HOME).content.decode()


def test_a_closed_call_is_not_on_the_home_page(client, policy_data, time_machine):
    open_call(["7.1"])
    time_machine.move_to(datetime(2025, 5, 1, 9, 0, tzinfo=SHANGHAI), tick=False)
    page = client.get(HOME).content.decode()
    assert "目前没有正在受理的申报批次" in page


def test_the_home_page_groups_items_by_article_and_filters_by_topic(client, policy_data, clock):
    page = client.get(HOME).content.decode()
    assert "第六条" in page and "9.4b" in page and "7.1" in page
    page = client.get(HOME, {"topic": "insurance"}).content.decode()
    assert "9.4a" in page and "9.4b" in page
    assert 'href="/policies/changning-ai-2024/items/7.1/"' not in page
    assert "第六条" not in page  # articles with no item of the topic are left out
    # An unknown topic is no filter at all, not an error.
    assert (
        'href="/policies/changning-ai-2024/items/7.1/"' in client.get(HOME, {"topic": "<x>"}).content.decode()
    )


def test_the_home_page_runs_a_constant_number_of_queries(
    client, policy_data, clock, django_assert_num_queries
):
    open_call(["7.1"])
    # current rounds, open call items, articles, their items (session-less anonymous visitor)
    with django_assert_num_queries(4):
        client.get(HOME)
    open_call(["6.1a", "6.1b", "6.1c", "8.5", "9.1", "9.2a"], title="第二批")
    with django_assert_num_queries(4):
        assert client.get(HOME).status_code == 200


# ---------------------------------------------------------------- the questionnaire


def test_the_questionnaire_answers_eligible_not_or_depends(client, policy_data, clock):
    open_call(["7.1", "6.1a"])
    query = {"org_type": "social_org", "topics": ["rnd", "rent"], "asked": "1"}
    page = client.get(MATCH, query).content.decode()
    # 7.1 is only for 企业: a social organisation is told it does not qualify, with the reason.
    assert 'id="match-7.1"' in page
    section = page[page.index('id="match-7.1"') :]
    assert "不符合条件" in section[:800]
    assert 'id="match-9.1"' not in page  # cloud was not ticked
    query = {"org_type": "enterprise", "org_flags": ["sme"], "topics": ["rnd"], "asked": "1"}
    page = client.get(MATCH, query).content.decode()
    section = page[page.index('id="match-7.1"') :]
    assert "视情况而定" in section[:800]
    assert "最高 ¥3,000,000.00" in section[:1500]
    assert "项目自筹投入资金总额" in section[:1500]  # what is missing


def test_the_questionnaire_without_answers_lists_every_item(client, policy_data, clock):
    page = client.get(MATCH, {"asked": "1"}).content.decode()
    assert (
        page.count('class="card match match--')
        == PolicyItem.objects.filter(round__code="changning-ai-2024").count()
    )


def test_the_questionnaire_refuses_an_unknown_type_in_words(client, policy_data, clock):
    response = client.get(MATCH, {"org_type": "alien", "asked": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="matches-heading"' not in page
    assert '<p class="field__error" id="id_org_type_error">' in page
    assert "提交的信息有误" in page  # the error summary (issue 16)


def test_the_questionnaire_runs_a_constant_number_of_queries(
    client, policy_data, clock, django_assert_num_queries
):
    open_call(["7.1"])
    # current rounds, round items, their facts, their conditions, open call items
    with django_assert_num_queries(5):
        client.get(MATCH, {"topics": ["rnd"], "asked": "1"})
    open_call(["6.1a", "6.1b", "8.5", "9.1"], title="第二批")
    with django_assert_num_queries(5):
        client.get(MATCH, {"asked": "1"})


# ---------------------------------------------------------------- calculator: the call's rate, percentages


def test_the_calculator_uses_the_open_calls_rate_and_ceiling_for_a_yiding_item(client, policy_data, clock):
    open_call(["6.1b"])
    query = {"round": "changning-ai-2024", "item": "6.1b", "annual_rent": "3000000", "vc_rounds": "2"}
    page = client.get(reverse("policies:calculator"), query).content.decode()
    assert "本批次补贴比例 50%、本批次单笔上限 1,000,000.00 元" in page
    assert 'name="call_rate"' not in page
    assert "1,000,000.00" in page  # 50% of 3,000,000 capped by the call
    body = client.get(reverse("policies:calculator_quote"), query).json()
    assert body["amount"] == "1000000.00"


def test_without_an_open_call_the_calculator_asks_the_rate_and_accepts_a_percentage(
    client, policy_data, clock
):
    query = {"round": "changning-ai-2024", "item": "6.1b", "annual_rent": "1000000", "vc_rounds": "2"}
    body = client.get(reverse("policies:calculator_quote"), {**query, "call_rate": "50%"}).json()
    assert body["amount"] == "500000.00"
    body = client.get(reverse("policies:calculator_quote"), {**query, "call_rate": "30％"}).json()
    assert body["amount"] == "300000.00"
    response = client.get(reverse("policies:calculator_quote"), {**query, "call_rate": "150%"})
    assert response.status_code == 400
    assert "比例应在 0 到 1 之间" in response.json()["errors"]["call_rate"]


def test_parse_rate_reads_fractions_and_percentages():
    from decimal import Decimal

    assert rules.parse_rate("0.5") == Decimal("0.5")
    assert rules.parse_rate(" 50% ") == Decimal("0.5")
    assert rules.parse_rate("12.5％") == Decimal("0.125")
    with pytest.raises(ValueError):
        rules.parse_rate("%")


def test_the_calculator_page_links_to_apply_with_its_figures(client, policy_data, clock):
    query = urlencode({"round": "changning-ai-2024", "item": "7.1", "self_raised_investment": "2000000"})
    page = client.get(f"{reverse('policies:calculator')}?{query}").content.decode()
    assert "用这些数据申报" in page


def test_the_topics_and_open_calls_read_in_english(client, policy_data, clock):
    from django.conf import settings

    open_call(["7.1"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(HOME).content.decode()
    assert "Calls open now" in page and "29 days left" in page
    assert "Office rent" in page and "Insurance and loans" in page
    page = client.get(MATCH, {"org_type": "enterprise", "asked": "1"}).content.decode()
    assert "What can I apply for" in page and "Depends" in page


def test_the_menu_leads_to_what_fits_for_visitors_and_enterprises_not_staff(client, policy_data, clock):
    from accounts.roles import Role
    from tests.factories import MembershipFactory, UserFactory

    def nav() -> str:
        return (
            client.get("/notices/").content.decode().split('<nav class="site-nav"', 1)[1].split("</nav>")[0]
        )

    assert f'href="{MATCH}">我可以申报哪些' in nav()  # the questionnaire
    member = MembershipFactory(user=UserFactory(username="menu-member", roles=[Role.APPLICANT])).user
    client.force_login(member)
    assert f'href="{reverse("applications:match")}">我可以申报哪些' in nav()  # the organisation's own
    page = client.get(reverse("applications:match")).content.decode()
    menu = page.split('<nav class="site-nav"', 1)[1].split("</nav>")[0]
    assert f'href="{reverse("applications:match")}" aria-current="page"' in menu
    assert 'href="/applications/" aria-current' not in menu  # 我的申报 is not the current page there
    client.force_login(UserFactory(username="menu-staff", roles=[Role.INTAKE_OFFICER], is_staff=True))
    assert "我可以申报哪些" not in nav()

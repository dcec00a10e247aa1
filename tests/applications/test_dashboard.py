"""我的申报, the open calls and starting an application (from the list or from the calculator)."""

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from applications.models import Application, Call
from tests.applications.conftest import CLOSES, call_item, draft, submitted

pytestmark = pytest.mark.usefixtures("clock", "private_files")

DASHBOARD = reverse("applications:dashboard")
CALLS = reverse("applications:calls")


def start_url(call, code):
    return reverse("applications:start", args=[call_item(call, code).pk])


def test_anonymous_visitors_are_sent_to_log_in(client, call):
    for url in (DASHBOARD, CALLS, start_url(call, "7.1"), reverse("applications:start_from_calculator")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(resolve_url(settings.LOGIN_URL))


def test_a_user_without_an_approved_organisation_is_sent_to_the_organisation_page(client, sam, call):
    client.force_login(sam)
    for url in (DASHBOARD, CALLS, start_url(call, "7.1")):
        response = client.get(url, follow=True)
        assert response.redirect_chain[0] == (reverse("accounts:organization"), 302)
        assert "请先创建或加入申报单位" in response.content.decode()
    client.post(start_url(call, "7.1"))
    assert not Application.objects.exists()


def test_the_dashboard_lists_the_organisations_applications_with_what_to_do_next(
    client, alice, anna, bob, call
):
    mine = draft(alice, call, matter="甲的草稿")
    sent = submitted(alice, call, code="9.1", facts={"service_cost": "400000"}, matter="云服务合同")
    draft(bob, call, matter="乙的秘密项目")
    client.force_login(anna)  # an ordinary member sees the organisation's applications too
    page = client.get(DASHBOARD).content.decode()
    assert "草稿" in page
    assert sent.number in page
    assert "¥200,000.00" in page  # requested_fen of the submitted one, through fen_yuan
    assert "7.1" in page and "硬核技术攻关" in page
    assert "2025 年度人工智能专项申报" in page
    assert "填写完整并上传材料后提交(截止 2025-04-30 17:00)" in page
    assert reverse("applications:edit", args=[mine.pk]) in page
    assert "等待区科委受理" in page
    assert "乙的秘密项目" not in page
    assert CALLS in page


def test_the_dashboard_runs_the_same_number_of_queries_for_3_and_for_30_applications(
    client, alice, call, django_assert_num_queries
):
    def add(n):
        for i in range(n):
            Application.objects.create(
                organization_id=alice.memberships.get().organization_id,
                call_item=call_item(call, "7.1"),
                item=call_item(call, "7.1").item,
                created_by=alice,
                project_name=f"项目{i}",
            )

    client.force_login(alice)
    add(3)
    client.get(DASHBOARD)  # warm up: content types, translations
    # session, user, membership + organisation, applications with call item, call, round and item
    # and the header's unread-message COUNT (accounts.context_processors.inbox, issue 6)
    with django_assert_num_queries(5) as three:
        assert client.get(DASHBOARD).status_code == 200
    add(27)
    with django_assert_num_queries(len(three.captured_queries)):
        response = client.get(DASHBOARD)
    assert response.content.decode().count("项目2") >= 1
    assert len(response.context["rows"]) == 30


def test_the_open_calls_are_listed_with_a_link_to_apply_for_each_item(client, alice, call):
    client.force_login(alice)
    page = client.get(CALLS).content.decode()
    assert "2025 年度人工智能专项申报" in page
    for code in ("7.1", "8.1", "8.3", "9.1"):
        assert start_url(call, code) in page


def test_a_closed_call_is_not_listed(client, alice, call, clock):
    clock.move_to(CLOSES, tick=False)
    client.force_login(alice)
    page = client.get(CALLS).content.decode()
    assert "目前没有正在受理的申报批次" in page


def test_the_confirmation_shows_the_item_the_closing_time_conditions_and_materials(client, alice, call):
    client.force_login(alice)
    page = client.get(start_url(call, "8.3")).content.decode()
    assert "创新应用场景开放" in page
    assert "2025-04-30 17:00:00" in page
    assert "项目已纳入财政信息化建设预算,不属于支持范围" in page
    assert "场景建设合同" in page and "信用承诺书" in page
    assert "开始申报" in page
    assert not Application.objects.exists()  # a GET creates nothing


def test_starting_creates_a_draft_and_opens_the_wizard(client, anna, call):
    client.force_login(anna)
    response = client.post(start_url(call, "7.1"))
    application = Application.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("applications:edit", args=[application.pk])
    assert application.status == Application.Status.DRAFT
    assert application.organization.name == "甲公司"
    assert application.created_by == anna


def test_starting_is_refused_once_the_call_has_closed(client, alice, call, clock):
    clock.move_to(CLOSES, tick=False)
    client.force_login(alice)  # after moving the clock: a session lasts two weeks
    response = client.post(start_url(call, "7.1"))
    assert response.status_code == 400
    assert "该申报批次当前不在受理期内" in response.content.decode()
    assert "开始申报</button>" not in response.content.decode()
    assert not Application.objects.exists()


def test_an_unknown_call_item_is_not_found(client, alice, call):
    client.force_login(alice)
    assert client.get(reverse("applications:start", args=[999999])).status_code == 404


def test_the_calculator_offers_to_apply_with_its_figures(client, call):
    query = urlencode({"round": "changning-ai-2024", "item": "7.1", "self_raised_investment": "2000000"})
    page = client.get(f"{reverse('policies:calculator')}?{query}").content.decode()
    assert "用这些数据申报" in page
    assert (
        f"{reverse('applications:start_from_calculator')}?round=changning-ai-2024&amp;item=7.1"
        "&amp;self_raised_investment=2000000" in page
    )


def test_applying_from_the_calculator_carries_the_facts_into_the_draft(client, alice, call):
    client.force_login(alice)
    query = urlencode(
        {
            "round": "changning-ai-2024",
            "item": "7.1",
            "self_raised_investment": "2,000,000",
            "prior_awards": "100",  # the calculator's own field: the database knows better, so dropped
        }
    )
    page = client.get(f"{reverse('applications:start_from_calculator')}?{query}").content.decode()
    assert "从政策计算器带入的数据" in page
    assert '<input type="hidden" name="self_raised_investment" value="2,000,000">' in page
    assert 'name="prior_awards"' not in page
    response = client.post(start_url(call, "7.1"), {"self_raised_investment": "2,000,000"})
    application = Application.objects.get()
    assert response.url == reverse("applications:edit", args=[application.pk])
    assert application.facts == {"self_raised_investment": "2,000,000"}


def test_applying_from_the_calculator_for_an_item_with_no_open_call_says_so(client, alice, call):
    # Issue 15: never a 404 — the page says plainly that no call is open (and when the next one is, if known).
    client.force_login(alice)
    url = reverse("applications:start_from_calculator")
    response = client.get(f"{url}?round=changning-ai-2024&item=6.3")
    assert response.status_code == 200
    assert "项目 6.3 目前没有正在受理的申报批次" in response.content.decode()
    Call.objects.update(closes_at=call.opens_at.replace(day=2))
    response = client.get(f"{url}?round=changning-ai-2024&item=7.1")
    assert response.status_code == 200
    assert "下一批次的受理时间尚未公布" in response.content.decode()

"""Issue 15, 政策匹配 for an organisation (/applications/match/), 用这些数据申报 in whichever round, and the
calculator's figures surviving sign-up and organisation creation into the application."""

from datetime import datetime

import pytest
from django.conf import settings
from django.db.models import F
from django.shortcuts import resolve_url
from django.urls import reverse

from accounts.models import Organization
from applications.models import Application, Call, CallItem
from policies.models import PolicyItem, PolicyRound
from policies.services import copy_round, publish_round
from tests.applications.conftest import OPENS, SHANGHAI, call_item, draft
from tests.factories import make_uscc

pytestmark = pytest.mark.usefixtures("clock", "private_files")

MATCH = reverse("applications:match")
FROM_CALCULATOR = reverse("applications:start_from_calculator")


def recognise(application: Application, fen: int) -> None:
    # The review flow is tested elsewhere; here only the ledger's view of an award matters.
    Application.objects.filter(pk=application.pk).update(
        status=Application.Status.RECOGNISED, awarded_fen=fen
    )


def section(page: str, code: str) -> str:
    start = page.index(f'id="match-{code}"')
    return page[start : page.index("</li>", start)]


# ---------------------------------------------------------------- who may see it


def test_anonymous_visitors_are_sent_to_log_in(client, call):
    response = client.get(MATCH)
    assert response.status_code == 302 and response.url.startswith(resolve_url(settings.LOGIN_URL))


def test_a_user_without_an_organisation_is_sent_to_the_organisation_page(client, sam, call):
    client.force_login(sam)
    response = client.get(MATCH)
    assert response.status_code == 302 and response.url == reverse("accounts:organization")


def test_post_is_not_allowed(client, alice, call):
    client.force_login(alice)
    assert client.post(MATCH).status_code == 405


# ---------------------------------------------------------------- what it shows


def test_the_organisation_sees_every_item_with_status_estimate_and_a_prefilled_start(client, alice, call):
    draft(alice, call, "7.1", facts={"self_raised_investment": "2000000"})
    client.force_login(alice)
    page = client.get(MATCH).content.decode()
    assert (
        page.count('class="card match match--')
        == PolicyItem.objects.filter(round__code="changning-ai-2024").count()
    )
    row = section(page, "7.1")
    assert "估算金额 ¥600,000.00" in row  # 30% of what the last application recorded
    start = reverse("applications:start", args=[call_item(call, "7.1").pk])
    assert f'href="{start}?self_raised_investment=2000000"' in row
    # 9.3a is only for 高质量(培育)孵化器: 甲公司 is an ordinary SME.
    assert "不符合条件" in section(page, "9.3a")
    # 8.2 has no open call and nothing recorded: depends on its figures, no start button.
    row = section(page, "8.2")
    assert "视情况而定" in row and "项目总投资" in row and "目前没有开放的申报批次" in row


def test_running_caps_already_used_are_shown_and_deducted(client, alice, bob, call):
    application = draft(alice, call, "9.1", facts={"service_cost": "400000"}, matter="云服务")
    recognise(application, 35_000_000)  # 350,000 of 9.1's 500,000 per year
    draft(alice, call, "9.1", facts={"service_cost": "400000"}, matter="第二期云服务")
    client.force_login(alice)
    row = section(client.get(MATCH).content.decode(), "9.1")
    assert "累计上限 ¥500,000.00,本单位已用 ¥350,000.00" in row
    assert "估算金额 ¥150,000.00" in row
    # bob's organisation has used nothing.
    client.force_login(bob)
    row = section(client.get(MATCH).content.decode(), "9.1")
    assert "已用 ¥0.00" in row


def test_figures_typed_in_the_calculator_this_session_are_used(client, alice, call):
    client.force_login(alice)
    client.get(FROM_CALCULATOR, {"round": "changning-ai-2024", "item": "8.3", "total_investment": "1000000"})
    row = section(client.get(MATCH).content.decode(), "8.3")
    assert "¥500,000.00" in row


def test_the_page_runs_a_constant_number_of_queries_in_items_and_awards(
    client, alice, call, django_assert_num_queries
):
    for n in range(2):
        recognise(draft(alice, call, "9.1", facts={"service_cost": "100000"}, matter=f"云{n}"), 1_000_000)
    client.force_login(alice)
    client.get(MATCH)
    # session, user, membership+organisation, current rounds, the organisation's latest facts, round items,
    # facts, conditions, open calls, its recorded other-policy awards, recognised awards, yearly claims,
    # unresolved clawbacks, the header's unread count
    with django_assert_num_queries(14):
        client.get(MATCH)
    for n in range(5):
        recognise(draft(alice, call, "7.1", facts={"self_raised_investment": "100"}, matter=f"研发{n}"), 100)
    second = Call.objects.create(
        round=call.round, year=2025, title="第二批", opens_at=OPENS, closes_at=call.closes_at
    )
    for code in ("8.2", "8.5", "9.2a", "9.4a"):
        CallItem.objects.create(call=second, item=PolicyItem.objects.get(round=call.round, code=code))
    with django_assert_num_queries(14):
        client.get(MATCH)
    # Fewer items in the round: still the same queries.
    PolicyItem.objects.filter(round=call.round, code__in=["9.3a", "9.3b", "9.3c", "6.2"]).delete()
    with django_assert_num_queries(14):
        page = client.get(MATCH).content.decode()
    assert 'id="match-9.3a"' not in page


# ---------------------------------------------------------------- 用这些数据申报 in whichever round


def test_the_calculator_link_goes_to_the_call_open_in_another_round(client, alice, call, policy_data):
    # The 2024 round's call closed; the item is open in a later round's call.
    Call.objects.filter(pk=call.pk).update(closes_at=OPENS.replace(day=2))
    later = copy_round(source=call.round, code="changning-ai-2025")
    publish_round(policy_round=later)
    new_call = Call.objects.create(
        round=later, year=2025, title="2025 年度第二批", opens_at=OPENS, closes_at=call.closes_at
    )
    CallItem.objects.create(call=new_call, item=later.items.get(code="7.1"))
    client.force_login(alice)
    page = client.get(
        FROM_CALCULATOR, {"round": "changning-ai-2024", "item": "7.1", "self_raised_investment": "2000000"}
    ).content.decode()
    assert "2025 年度第二批" in page
    assert '<input type="hidden" name="self_raised_investment" value="2000000">' in page


def test_with_no_open_call_the_next_announced_one_is_named(client, alice, call):
    Call.objects.filter(pk=call.pk).update(
        opens_at=datetime(2025, 6, 1, 9, 0, tzinfo=SHANGHAI),
        closes_at=datetime(2025, 6, 30, 17, tzinfo=SHANGHAI),
    )
    client.force_login(alice)
    response = client.get(FROM_CALCULATOR, {"round": "changning-ai-2024", "item": "7.1"})
    assert response.status_code == 200
    assert "预计 2025-06-01 09:00 开始受理" in response.content.decode()


def test_hostile_codes_get_the_plain_page_not_an_error(client, alice, call):
    client.force_login(alice)
    assert client.get(FROM_CALCULATOR, {"item": "7.1\x00"}).status_code == 400  # refused before any view
    for query in ({"item": "x" * 5000}, {}):
        assert client.get(FROM_CALCULATOR, query).status_code == 200


# ---------------------------------------------------------------- facts survive sign-up


def test_calculator_figures_survive_sign_up_and_organisation_creation(client, call):
    facts = {"round": "changning-ai-2024", "item": "7.1", "self_raised_investment": "2,000,000"}
    response = client.get(FROM_CALCULATOR, facts)
    assert response.url.startswith(resolve_url(settings.LOGIN_URL))
    signup = client.post(
        "/accounts/signup/",
        {"identifier": "new@example.com", "password": "Changning-AI-2026", "password2": "Changning-AI-2026"},
    )
    assert signup.status_code == 302
    created = client.post(
        reverse("accounts:organization_create"),
        {
            "name": "上海丁人工智能有限公司",
            "uscc": make_uscc(901),
            "registered_address": "上海市长宁区丁路4号",
            "registered_in_changning": "True",
            "operating_status": "active",
            "credit_status": "good",
            "legal_representative": "丁",
            "contact_name": "丁联系",
            "contact_phone": "021-62000001",
        },
    )
    assert created.status_code == 302
    profile = client.get(reverse("accounts:organization")).content.decode()
    assert "您在政策计算器中为项目 7.1 填写的数据已保留" in profile
    confirm = client.get(f"{FROM_CALCULATOR}?item=7.1&round=changning-ai-2024").content.decode()
    assert '<input type="hidden" name="self_raised_investment" value="2,000,000">' in confirm
    # A bare start link (from the call list) is pre-filled too.
    start = reverse("applications:start", args=[call_item(call, "7.1").pk])
    assert 'value="2,000,000"' in client.get(start).content.decode()
    Organization.objects.update(identity_status=Organization.IdentityStatus.VERIFIED, verified_name=F("name"))
    client.post(start, {"self_raised_investment": "2,000,000"})
    application = Application.objects.get()
    assert application.facts == {"self_raised_investment": "2,000,000"}
    # Arrived: no longer offered.
    assert "已保留" not in client.get(reverse("accounts:organization")).content.decode()


def test_the_kept_figures_are_not_shown_to_the_next_user_of_the_browser(client, alice, bob, call):
    client.force_login(alice)
    client.get(FROM_CALCULATOR, {"item": "7.1", "self_raised_investment": "5"})
    client.logout()
    client.force_login(bob)
    assert "已保留" not in client.get(reverse("accounts:organization")).content.decode()


def test_a_draft_round_call_is_never_offered(client, alice, call):
    PolicyRound.objects.filter(pk=call.round_id)  # the fixture's round is published
    draft_round = copy_round(source=call.round, code="draft-x")
    assert draft_round.status == PolicyRound.Status.DRAFT
    client.force_login(alice)
    page = client.get(FROM_CALCULATOR, {"round": "draft-x", "item": "7.1"}).content.decode()
    assert call.title in page

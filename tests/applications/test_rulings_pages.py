"""The rulings of 2026-12-02 through the pages: the calculator shows 待确认条件, the wizard asks the
conditions the text states (and the project reference of 8.1), the organisation records its type."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from applications import services
from applications.models import Application, CallItem
from policies.models import PolicyItem
from tests.applications.conftest import draft, upload_required

pytestmark = pytest.mark.usefixtures("clock", "private_files")
ROUND = "changning-ai-2024"


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{re.escape(element_id)}"[^>]*>(.*?)</(?:div|ul|p)>', html, re.S)
    assert match, element_id
    return re.sub(r"<[^>]+>", " ", match.group(1))


# ---------------------------------------------------------------- the calculator


def test_the_calculator_lists_unanswered_conditions_as_to_be_confirmed(client, policy_data):
    """6(1) "对新引进的中小型……单位": left unanswered, the estimate takes them as met and says so."""
    html = client.get(
        "/calculator/", {"round": ROUND, "item": "6.1a", "annual_rent": "400000", "call_rate": "0.5"}
    ).content.decode()
    assert "待确认条件" in html
    assumed = text_of(html, "quote-assumed-list")
    assert "新引进" in assumed and "中小型" in assumed
    assert '<span id="quote-amount">200,000.00</span>' in html
    # The conditions are asked with an "unconfirmed" answer, never preset to 是 or 否.
    assert re.search(r'<select name="newly_introduced"[^>]*>\s*<option value="" selected>未确认', html)


def test_the_calculators_json_carries_the_assumed_conditions_and_a_no_is_ineligible(client, policy_data):
    params = {"round": ROUND, "item": "9.2a", "eligible_cost": "150000"}
    assumed = client.get("/calculator/quote/", params).json()
    assert assumed["eligible"] is True
    assert any("在长宁区举办" in condition for condition in assumed["assumed"])
    refused = client.get("/calculator/quote/", {**params, "held_in_changning": "false"}).json()
    assert refused["eligible"] is False and refused["amount"] == "0.00"
    assert any("在长宁区举办" in reason for reason in refused["reasons"])


def test_the_calculator_asks_the_applicant_type_where_the_item_depends_on_it(client, policy_data):
    """Ruling: 9.4a only to 科技型中小企业; an unchosen type is to be confirmed, a chosen one decides."""
    base = {"round": ROUND, "item": "9.4a", "premium_paid": "10000"}
    html = client.get("/calculator/", base).content.decode()
    assert 'name="org_type"' in html and 'name="org_flags"' in html
    unknown = client.get("/calculator/quote/", base).json()
    assert unknown["eligible"] is True and unknown["assumed"]
    not_tech = client.get("/calculator/quote/", {**base, "org_type": "enterprise", "org_flags": "sme"}).json()
    assert not_tech["eligible"] is False
    tech = client.get(
        "/calculator/quote/?" + "round=changning-ai-2024&item=9.4a&premium_paid=10000&org_type=enterprise"
        "&org_flags=sme&org_flags=tech_sme"
    ).json()
    assert (tech["eligible"], tech["amount"], tech["assumed"]) == (True, "5000.00", [])
    # Items that do not depend on the type do not ask it.
    assert (
        'name="org_type"' not in client.get("/calculator/", {"round": ROUND, "item": "8.5"}).content.decode()
    )


def test_the_calculator_offers_the_years_of_a_three_year_rent_subsidy(client, policy_data):
    """6(1) "连续补贴三年": the year's amount is on that year's rent."""
    html = client.get("/calculator/", {"round": ROUND, "item": "6.1b"}).content.decode()
    assert re.search(r'<select name="subsidy_year"', html)
    assert '<option value="3">第 3 年</option>' in html and 'value="4"' not in html
    year_2 = client.get(
        "/calculator/quote/",
        {
            "round": ROUND,
            "item": "6.1b",
            "annual_rent": "800000",
            "vc_rounds": "2",
            "call_rate": "0.5",
            "subsidy_year": "2",
        },
    ).json()
    assert year_2["amount"] == "400000.00"


def test_the_calculator_asks_the_level_already_awarded_for_a_dcmm_top_up(client, policy_data):
    params = {"round": ROUND, "item": "8.4a", "certification_cost": "600000", "dcmm_level": "3"}
    assert 'name="awarded_level"' in client.get("/calculator/", params).content.decode()
    same = client.get("/calculator/quote/", {**params, "awarded_level": "3", "prior_awards": "100000"}).json()
    assert same["eligible"] is False


# ---------------------------------------------------------------- the wizard


@pytest.fixture
def rent_call(call):
    CallItem.objects.create(
        call=call,
        item=PolicyItem.objects.get(round__code=ROUND, code="6.1a"),
        rate=Decimal("0.5"),
    )
    return call


def test_the_wizard_asks_the_condition_and_submission_waits_for_an_answer(client, alice, rent_call):
    """6(1) "对新引进的……单位": the application form asks it; unanswered, nothing is submitted."""
    application = draft(alice, rent_call, "6.1a", facts={"annual_rent": "400000"}, matter="")
    upload_required(alice, application)
    client.force_login(alice)
    page = client.get(reverse("applications:edit", args=[application.pk])).content.decode()
    assert re.search(r'<select name="newly_introduced"[^>]*>\s*<option value="" selected>请选择', page)
    # The rent items share one matter per year: the portal names it.
    assert "自用办公租房房租(2025 年度)" in page
    assert 'name="matter_ref"' not in page
    problems, _quote = services.submission_problems(application)
    assert any("是否为新引进长宁区的单位" in problem for problem in problems)
    response = client.post(reverse("applications:submit", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT
    assert response.status_code in (200, 400)
    application = services.save_draft(
        actor=alice,
        application=application,
        facts={"annual_rent": "400000", "newly_introduced": "true"},
        project_name="新引进办公",
    )
    problems, quote = services.submission_problems(application)
    assert problems == [] and quote.amount == Decimal("200000.00")


def test_a_no_to_the_condition_is_ineligible_in_the_wizard(client, alice, rent_call):
    application = draft(
        alice, rent_call, "6.1a", facts={"annual_rent": "400000", "newly_introduced": "false"}
    )
    problems, quote = services.submission_problems(application)
    assert not quote.eligible
    assert any("新引进" in problem for problem in problems)


def test_the_project_reference_of_matching_is_a_field_error_when_blank(client, alice, call):
    """Ruling on 8(1): project_ref is required (a field error in the form)."""
    application = draft(alice, call, "8.1", facts={"superior_funding": "1000000"}, matter="国家级项目")
    client.force_login(alice)
    response = client.post(
        reverse("applications:autosave", args=[application.pk]),
        {"superior_funding": "1000000", "matter_type": "project", "matter_ref": "国家级项目"},
    )
    assert response.status_code == 400
    assert response.json()["errors"]["project_ref"] == "请填写上级项目编号"


def test_an_organisation_without_a_type_is_asked_to_record_it_before_submitting(client, alice, org_a, call):
    org_a.org_type = ""
    org_a.save()
    application = draft(alice, call)  # 7.1: 企业 only
    client.force_login(alice)
    page = client.get(reverse("applications:edit", args=[application.pk])).content.decode()
    assert "本单位尚未填写单位类型" in page
    assert reverse("accounts:organization_edit") in page  # alice is the administrator
    problems, _quote = services.submission_problems(application)
    assert any("填写单位类型" in problem for problem in problems)


def test_the_member_who_is_not_the_administrator_is_told_whom_to_ask(client, anna, org_a, call):
    org_a.org_type = ""
    org_a.save()
    application = draft(anna, call)
    client.force_login(anna)
    page = client.get(reverse("applications:edit", args=[application.pk])).content.decode()
    assert "请联系本单位的管理员" in page
    assert reverse("accounts:organization_edit") not in page


# ---------------------------------------------------------------- the organisation's type


def test_the_administrator_records_the_type_and_a_change_is_verified_again(client, alice, org_a):
    from django.utils import timezone

    org_a.type_verified_at = timezone.now()
    org_a.save()
    client.force_login(alice)
    data = {
        "name": org_a.name,
        "registered_address": org_a.registered_address,
        "registered_in_changning": "True",
        "operating_status": "active",
        "credit_status": "good",
        "legal_representative": org_a.legal_representative,
        "contact_name": "联系人",
        "contact_phone": "021-62500000",
        "org_type": "enterprise",
        "is_sme": "on",
        "is_tech_sme": "on",
        "tech_sme_number": "",
    }
    refused = client.post(reverse("accounts:organization_edit"), data)
    assert refused.status_code == 200
    assert "请填写入库编号" in refused.content.decode()
    org_a.refresh_from_db()
    assert not org_a.is_tech_sme and org_a.type_verified_at is not None
    done = client.post(reverse("accounts:organization_edit"), {**data, "tech_sme_number": "202531010500123"})
    assert done.status_code == 302
    org_a.refresh_from_db()
    assert org_a.is_tech_sme and org_a.tech_sme_number == "202531010500123"
    assert org_a.type_verified_at is None  # verified again by 区科委 at the next intake
    page = client.get(reverse("accounts:organization")).content.decode()
    assert "科技型中小企业" in page and "尚未核实" in page

"""The application wizard: facts, matter, the live ceiling, saving with and without JavaScript."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from applications import services
from applications.models import Application
from tests.applications.conftest import draft, ready, submitted
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("clock", "private_files")


def edit_url(application):
    return reverse("applications:edit", args=[application.pk])


def autosave_url(application):
    return reverse("applications:autosave", args=[application.pk])


def form_data(**overrides):
    data = {
        "self_raised_investment": "2000000",
        "matter_type": "project",
        "matter_ref": "智能视觉平台研发",
        "project_name": "智能视觉平台",
        "description": "面向工业质检的视觉大模型",
    }
    data.update(overrides)
    return data


def test_the_wizard_shows_every_section_with_the_items_facts_but_not_the_calculators_award_fields(
    client, alice, call
):
    application = draft(alice, call)
    client.force_login(alice)
    page = client.get(edit_url(application)).content.decode()
    for heading in ("1 项目事实", "2 事项", "3 可申请金额", "4 材料清单", "5 提交"):
        assert heading in page
    assert 'name="self_raised_investment"' in page
    assert 'value="2000000"' in page
    assert 'name="prior_awards"' not in page and 'name="other_policy_awards"' not in page
    for name in ("matter_type", "matter_ref", "project_name", "description"):
        assert f'name="{name}"' in page
    assert "保存草稿" in page
    assert reverse("applications:submit", args=[application.pk]) in page
    assert '<span id="quote-amount">600,000.00</span>' in page  # 30% of 2,000,000


def test_the_wizard_has_no_inline_script_style_or_handler(client, alice, call):
    application = draft(alice, call)
    client.force_login(alice)
    page = client.get(edit_url(application)).content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None
    assert re.search(r"\son[a-z]+=", page) is None
    assert " style=" not in page and "<style" not in page
    assert "js/application.js" in page


def test_a_fresh_draft_shows_the_empty_form_without_error_messages(client, alice, call):
    application = services.start_application(actor=alice, call_item=call.call_items.get(item__code="7.1"))
    client.force_login(alice)
    page = client.get(edit_url(application)).content.decode()
    assert "请填写" not in page
    assert "填写项目事实后显示可申请金额" in page


def test_saving_the_draft_without_javascript_keeps_facts_and_matter(client, anna, call):
    application = draft(anna, call, facts={})
    client.force_login(anna)
    response = client.post(edit_url(application), form_data(self_raised_investment="3,000,000"), follow=True)
    assert response.redirect_chain == [(edit_url(application), 302)]
    assert "草稿已保存" in response.content.decode()
    assert '<span id="quote-amount">900,000.00</span>' in response.content.decode()
    application.refresh_from_db()
    assert application.facts == {"self_raised_investment": "3,000,000"}
    assert application.project_name == "智能视觉平台"
    assert application.description == "面向工业质检的视觉大模型"


def test_save_and_check_goes_to_the_submit_page(client, alice, call):
    application = draft(alice, call)
    client.force_login(alice)
    response = client.post(edit_url(application), form_data(next="submit"))
    assert response.url == reverse("applications:submit", args=[application.pk])


def test_bad_facts_are_kept_as_typed_and_shown_with_the_engines_message(client, alice, call):
    application = draft(alice, call)
    client.force_login(alice)
    page = client.post(edit_url(application), form_data(self_raised_investment="-5"), follow=True)
    application.refresh_from_db()
    assert application.facts == {"self_raised_investment": "-5"}  # a draft keeps what was typed
    text = page.content.decode()
    assert (
        '<p class="field__error" id="id_self_raised_investment_error" data-field="self_raised_investment">'
        "项目自筹投入资金总额:不能为负数</p>" in text
    )
    assert '<span id="quote-amount">—</span>' in text


def test_an_unknown_matter_type_is_refused_and_nothing_is_saved(client, alice, call):
    application = draft(alice, call)
    before = Application.objects.values().get(pk=application.pk)
    client.force_login(alice)
    response = client.post(edit_url(application), form_data(matter_type="bribe", project_name="改了"))
    assert response.status_code == 400
    assert "草稿未保存" in response.content.decode()
    assert Application.objects.values().get(pk=application.pk) == before


def test_autosave_saves_the_draft_and_returns_the_ceiling(alice, call):
    application = draft(alice, call, facts={})
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page = client.get(edit_url(application)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(
        autosave_url(application), form_data(self_raised_investment="20000000"), HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200
    body = response.json()
    assert body["saved_at"] == "2025-04-01T10:00:00+08:00"
    assert body["errors"] == {}
    assert body["quote"]["eligible"] is True
    assert body["quote"]["amount"] == "3000000.00"  # 30% of 20,000,000 capped at 3,000,000
    assert body["quote"]["reasons"] == []
    assert [step["amount"] for step in body["quote"]["steps"]][-1] == "3000000.00"
    application.refresh_from_db()
    assert application.facts == {"self_raised_investment": "20000000"}


def test_autosave_without_the_csrf_token_is_refused(alice, call):
    application = draft(alice, call)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(autosave_url(application), form_data(project_name="改了"))
    assert response.status_code == 403
    assert Application.objects.get(pk=application.pk).project_name == "智能视觉平台研发"


def test_autosave_answers_bad_facts_with_400_and_a_message_per_field(client, alice, call):
    application = draft(alice, call)
    client.force_login(alice)
    response = client.post(autosave_url(application), form_data(self_raised_investment="abc"))
    assert response.status_code == 400
    body = response.json()
    assert body["quote"] is None
    assert set(body["errors"]) == {"self_raised_investment"}
    assert body["saved_at"]  # the text is still kept, so nothing typed is lost


def test_autosave_refuses_a_matter_over_its_length_and_saves_nothing(client, alice, call):
    application = draft(alice, call)
    client.force_login(alice)
    response = client.post(autosave_url(application), form_data(project_name="长" * 201))
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"project_name"}
    assert response.json()["saved_at"] is None
    assert Application.objects.get(pk=application.pk).project_name == "智能视觉平台研发"


def test_autosave_is_post_only(client, alice, call):
    application = draft(alice, call)
    client.force_login(alice)
    assert client.get(autosave_url(application)).status_code == 405


def test_a_draft_survives_logging_out_and_in_again(client, alice, call):
    application = draft(alice, call, facts={})
    client.force_login(alice)
    client.post(
        autosave_url(application), form_data(self_raised_investment="1234567", project_name="未完成的草稿")
    )
    client.logout()
    logged_in = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert logged_in.status_code == 302
    page = client.get(edit_url(application)).content.decode()
    assert 'value="1234567"' in page
    assert 'value="未完成的草稿"' in page


def test_the_ceiling_panel_counts_an_award_recognised_earlier_this_year(client, alice, call):
    earlier = ready(alice, call, code="9.1", facts={"service_cost": "700000"}, matter="云服务合同A")
    Application.objects.filter(pk=earlier.pk).update(
        status=Application.Status.RECOGNISED, awarded_fen=35_000_000
    )
    application = draft(alice, call, code="9.1", facts={"service_cost": "400000"}, matter="云服务合同B")
    client.force_login(alice)
    page = client.get(edit_url(application)).content.decode()
    # 50% of 400,000 is 200,000, but only 500,000 − 350,000 = 150,000 is left of this year's ceiling.
    assert '<span id="quote-amount">150,000.00</span>' in page
    assert "已获 350,000.00 元" in page


def test_an_ineligible_draft_shows_why_in_the_panel(client, alice, call):
    application = draft(
        alice, call, code="8.3", facts={"total_investment": "1000000", "in_fiscal_it_budget": "true"}
    )
    client.force_login(alice)
    response = client.post(
        autosave_url(application),
        {"total_investment": "1000000", "in_fiscal_it_budget": "true", "matter_type": "project"},
    )
    assert response.status_code == 200
    quote = response.json()["quote"]
    assert quote["eligible"] is False
    assert quote["amount"] == "0.00"
    assert any("财政信息化建设预算" in reason for reason in quote["reasons"])


def test_a_submitted_application_cannot_be_edited(client, alice, call):
    application = submitted(alice, call)
    client.force_login(alice)
    response = client.get(edit_url(application), follow=True)
    assert response.redirect_chain == [(reverse("applications:detail", args=[application.pk]), 302)]
    assert "不能修改" in response.content.decode()
    client.post(edit_url(application), form_data(project_name="偷偷改"))
    response = client.post(autosave_url(application), form_data(project_name="偷偷改"))
    assert response.status_code == 409
    assert Application.objects.get(pk=application.pk).project_name == "智能视觉平台研发"

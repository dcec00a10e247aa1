"""审定: the approver decides within the engine's ceiling, computed at decision time; every other role is
refused and every refusal saves nothing."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from applications.models import Application, StatusEvent
from reviews import services
from reviews.models import Decision, Override
from tests.reviews.decision_support import *  # noqa: F403 (fixtures)
from tests.reviews.decision_support import (
    award,
    decide_url,
    decision_form,
    move,
    submitted_review,
    under_review,
    year_call,
)

pytestmark = pytest.mark.usefixtures("clock", "private_files")

S = Application.Status


def post_decision(client, application, **kwargs):
    return client.post(decide_url(application), decision_form(**kwargs))


# ---------------------------------------------------------------- the page


def test_the_decision_page_shows_the_ceiling_with_every_step_and_the_score_summary(
    approver_client, alice, rex, call
):
    application = under_review(alice, call)
    submitted_review(application, rex, value="4.0", suggested_yuan="500000")
    page = approver_client.get(decide_url(application)).content.decode()
    assert "引擎计算的上限" in page
    assert "¥600,000.00" in page  # 30% of 2,000,000
    assert "项目自筹投入资金总额" in page  # the base × rate step, in words
    assert "四舍五入到分" in page  # the last step
    assert "加权平均分" in page and "4.00" in page
    assert 'name="amount"' in page and 'name="reasons"' in page and 'name="released_comments"' in page


def test_the_page_shows_same_matter_awards_under_another_item(approver_client, alice, org_a, call):
    award(org_a, call, "7.1", "600000", matter="城市大脑平台", created_by=alice)
    application = under_review(
        alice,
        call,
        code="8.3",
        facts={"total_investment": "2000000", "in_fiscal_it_budget": "false"},
        matter="城市大脑平台",
    )
    page = approver_client.get(decide_url(application)).content.decode()
    assert "同一事项不重复享受" in page  # the 10(2) step of the ceiling
    assert "¥400,000.00" in page
    assert "同一事项(第十条第二款)" in page  # the earlier award, flagged


# ---------------------------------------------------------------- deciding


def test_a_decision_within_the_ceiling_is_recorded_and_the_enterprise_is_told(
    approver_client, alice, dora, call
):
    application = under_review(alice, call)
    response = post_decision(
        approver_client,
        application,
        amount="550000.50",
        reasons="技术先进,核减部分预算。",
        comments="预算偏高。",
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.RECOMMENDED
    assert application.outcome_note == "技术先进,核减部分预算。"
    assert application.released_comments == "预算偏高。"
    decision = application.decisions.get()
    assert decision.approver == dora
    assert decision.recommended is True
    assert decision.amount_fen == 55000050
    assert decision.ceiling_fen == 60000000
    assert decision.override is None
    assert decision.ceiling_quote["amount"] == "600000.00"
    assert StatusEvent.objects.filter(application=application, status=S.RECOMMENDED, actor=dora).exists()


def test_the_stored_explanation_is_chinese_whatever_the_approvers_language(approver_client, alice, call):
    application = under_review(alice, call)
    approver_client.cookies["django_language"] = "en"
    post_decision(approver_client, application, amount="600000")
    steps = application.decisions.get().ceiling_quote["steps"]
    assert steps[-1]["rule"] == "四舍五入到分"


def test_not_recommended_records_zero(approver_client, alice, call):
    application = under_review(alice, call)
    response = post_decision(approver_client, application, recommended=False, reasons="创新性不足。")
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.NOT_RECOMMENDED
    assert application.decisions.get().amount_fen == 0
    assert application.outcome_note == "创新性不足。"


def test_recommended_needs_an_amount_and_reasons_are_required(approver_client, alice, call):
    application = under_review(alice, call)
    assert post_decision(approver_client, application, amount="").status_code == 400
    assert post_decision(approver_client, application, amount="1000", reasons="").status_code == 400
    assert post_decision(approver_client, application, recommended=False, amount="1000").status_code == 400
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW
    assert not Decision.objects.exists()


def test_an_amount_above_the_ceiling_is_refused_naming_the_ceiling(approver_client, alice, call):
    application = under_review(alice, call)
    response = post_decision(approver_client, application, amount="600000.01")
    assert response.status_code == 400
    assert "超过引擎计算的上限 ¥600,000.00" in response.content.decode()
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW
    assert application.outcome_note == ""
    assert not Decision.objects.exists()


def test_an_approver_may_revise_a_decision_before_it_is_published(approver_client, alice, call):
    application = under_review(alice, call)
    post_decision(approver_client, application, amount="600000")
    response = post_decision(approver_client, application, recommended=False, reasons="复核后不予支持。")
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.NOT_RECOMMENDED
    assert application.decisions.count() == 2
    notes = list(application.events.filter(status=S.UNDER_REVIEW).values_list("note", flat=True))
    assert "重新审定" in notes


def test_a_published_application_cannot_be_decided(approver_client, alice, call):
    application = under_review(alice, call)
    post_decision(approver_client, application, amount="600000")
    move(application, S.PUBLICIZED)
    response = post_decision(approver_client, application, amount="100000")
    assert response.status_code == 400
    assert Decision.objects.count() == 1
    application.refresh_from_db()
    assert application.status == S.PUBLICIZED


# ---------------------------------------------------------------- the ceiling at decision time


def test_the_ceiling_counts_earlier_awards_of_the_same_item_in_the_same_year(
    approver_client, alice, org_a, call
):
    # 9.1: at most 500,000 per organisation per year. 350,000 this year counts; last year's does not.
    award(org_a, call, "9.1", "350000", matter="云服务合同A", created_by=alice)
    award(org_a, year_call(2024), "9.1", "500000", matter="云服务合同2024", created_by=alice)
    application = under_review(
        alice, call, code="9.1", facts={"service_cost": "400000"}, matter="云服务合同B"
    )
    refused = post_decision(approver_client, application, amount="150000.01")
    assert refused.status_code == 400
    assert "超过引擎计算的上限 ¥150,000.00" in refused.content.decode()
    assert not Decision.objects.exists()
    assert post_decision(approver_client, application, amount="150000").status_code == 302
    assert application.decisions.get().ceiling_fen == 15000000


def test_the_ceiling_counts_earlier_awards_for_the_same_project(approver_client, alice, org_a, call):
    # 8.1: at most 5,000,000 in total for one superior project (project_ref); other projects do not count.
    award(
        org_a,
        call,
        "8.1",
        "4000000",
        matter="国家项目一期",
        facts={"project_ref": "2024ZD0001"},
        created_by=alice,
    )
    award(
        org_a,
        call,
        "8.1",
        "3000000",
        matter="市级项目",
        facts={"project_ref": "2024SH0099"},
        created_by=alice,
    )
    application = under_review(
        alice,
        call,
        code="8.1",
        # 8(1) "国家级、市级": the level is a fact the application answers (the rulings of 2026-12-02).
        facts={"superior_funding": "3000000", "project_ref": "2024ZD0001", "superior_level": "national"},
        matter="国家项目二期",
    )
    refused = post_decision(approver_client, application, amount="1000000.01")
    assert "超过引擎计算的上限 ¥1,000,000.00" in refused.content.decode()
    assert post_decision(approver_client, application, amount="1000000").status_code == 302


def test_the_ceiling_counts_awards_for_the_same_matter_under_another_item(
    approver_client, alice, org_a, call
):
    # 10(2) 就高不重复: 8.3 would give 1,000,000; 600,000 already came for the same matter under 7.1.
    award(org_a, call, "7.1", "600000", matter="城市大脑平台", created_by=alice)
    application = under_review(
        alice,
        call,
        code="8.3",
        facts={"total_investment": "2000000", "in_fiscal_it_budget": "false"},
        matter="城市大脑平台",
    )
    refused = post_decision(approver_client, application, amount="400000.01")
    assert "超过引擎计算的上限 ¥400,000.00" in refused.content.decode()
    assert post_decision(approver_client, application, amount="400000").status_code == 302


def test_the_ceiling_is_recomputed_when_the_decision_is_saved(alice, org_a, dora, call):
    application = under_review(alice, call)
    # After the page was drawn with 600,000, an award for the same matter is recognised elsewhere.
    award(org_a, call, "8.3", "500000", matter="智能视觉平台研发", created_by=alice)
    with pytest.raises(ValidationError, match=re.escape("超过引擎计算的上限 ¥100,000.00")):
        services.record_decision(
            actor=dora, application=application, recommended=True, amount="600000", reasons="支持"
        )
    assert not Decision.objects.exists()


# ---------------------------------------------------------------- who may decide


@pytest.mark.parametrize("who", ["carol", "rex", "alice"])
def test_other_roles_cannot_open_or_post_the_decision_page(client, request, alice, carol, rex, call, who):
    application = under_review(alice, call)
    client.force_login(request.getfixturevalue(who))
    assert client.get(decide_url(application)).status_code == 403
    assert post_decision(client, application, amount="1000").status_code == 403
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW
    assert not Decision.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, alice, call):
    application = under_review(alice, call)
    response = client.get(decide_url(application))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = post_decision(client, application, amount="1000")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Decision.objects.exists()


def test_the_service_refuses_anyone_but_an_approver(alice, carol, call):
    application = under_review(alice, call)
    with pytest.raises(PermissionDenied):
        services.record_decision(
            actor=carol, application=application, recommended=True, amount="1", reasons="x"
        )
    assert not Decision.objects.exists()


def test_a_draft_is_not_found(approver_client, alice, call):
    from tests.applications.conftest import draft

    application = draft(alice, call)
    assert approver_client.get(decide_url(application)).status_code == 404


# ---------------------------------------------------------------- the model backs the service


def _decision(application, approver, **kwargs):
    values = {
        "application": application,
        "approver": approver,
        "recommended": True,
        "amount_fen": 100,
        "ceiling_fen": 50,
        "ceiling_quote": {"amount": "0.50"},
        "decided_at": timezone.now(),
    }
    values.update(kwargs)
    return Decision(**values)


def test_decision_clean_refuses_an_amount_above_the_ceiling_without_a_confirmed_override(
    alice, dora, erin, call
):
    application = under_review(alice, call)
    with pytest.raises(ValidationError, match="超过引擎计算的上限"):
        _decision(application, dora).full_clean()
    proposed = Override.objects.create(
        application=application,
        amount_fen=100,
        ceiling_fen=50,
        reason="r",
        proposed_by=dora,
        proposed_at=timezone.now(),
    )
    with pytest.raises(ValidationError):
        _decision(application, dora, override=proposed).full_clean()
    proposed.status = Override.Status.CONFIRMED
    proposed.confirmed_by = erin
    proposed.save()
    with pytest.raises(ValidationError):
        _decision(application, dora, override=proposed, amount_fen=99).full_clean()  # another amount
    _decision(application, dora, override=proposed).full_clean()  # exactly the confirmed amount


def test_the_database_refuses_an_amount_above_the_ceiling_without_an_override(alice, dora, call):
    application = under_review(alice, call)
    with pytest.raises(IntegrityError), transaction.atomic():
        _decision(application, dora).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _decision(application, dora, recommended=False, amount_fen=10, ceiling_fen=50).save()

"""The review page and submitting: every refusal of issue 3 is shown, and a refusal saves nothing."""

from datetime import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from applications import services
from applications.models import Application, ApplicationRevision, Call, CallItem, StatusEvent
from policies.models import PolicyItem
from tests.applications.conftest import CLOSES, SHANGHAI, draft, ready, upload_required

pytestmark = pytest.mark.usefixtures("clock", "private_files")


def submit_url(application):
    return reverse("applications:submit", args=[application.pk])


def detail_url(application):
    return reverse("applications:detail", args=[application.pk])


def assert_nothing_saved(application):
    fresh = Application.objects.get(pk=application.pk)
    assert fresh.status == Application.Status.DRAFT
    assert fresh.number is None
    assert fresh.requested_fen is None
    assert fresh.submitted_at is None
    assert not ApplicationRevision.objects.filter(application=application).exists()
    assert not StatusEvent.objects.filter(application=application, status="submitted").exists()


def refused(client, application):
    """POST the submission; it must come back as the review page listing the problems."""
    response = client.post(submit_url(application))
    assert response.status_code == 400
    assert "确认提交</button>" not in response.content.decode()
    return response.content.decode()


def test_the_review_page_lists_what_is_missing_and_offers_no_submit_button(client, alice, call):
    application = services.start_application(actor=alice, call_item=call.call_items.get(item__code="7.1"))
    client.force_login(alice)
    page = client.get(submit_url(application)).content.decode()
    assert "提交前需要处理的问题" in page
    assert "请填写事项类型和事项名称或编号" in page
    assert "请填写项目名称" in page
    assert "请填写项目自筹投入资金总额" in page
    assert (
        "缺少必需的材料:营业执照(副本)、信用承诺书、项目研发方案、自筹投入专项审计报告、成果证明材料" in page
    )
    assert reverse("applications:edit", args=[application.pk]) in page
    assert "确认提交" not in page


def test_a_complete_draft_shows_facts_matter_ceiling_and_materials_and_can_be_submitted(client, anna, call):
    application = ready(anna, call)
    client.force_login(anna)
    page = client.get(submit_url(application)).content.decode()
    assert "提交前需要处理的问题" not in page
    assert "<dt>项目自筹投入资金总额</dt><dd>2,000,000.00 元</dd>" in page
    assert "智能视觉平台研发" in page
    assert "¥600,000.00" in page
    assert "credit_commitment.pdf" in page
    assert "确认提交</button>" in page

    response = client.post(submit_url(application), follow=True)
    assert response.redirect_chain == [(detail_url(application), 302)]
    assert "已提交,申报编号 CNAI-2025-7.1-00001" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.requested_fen == 60_000_000
    assert application.revisions.get().number == 1


def test_submission_is_refused_at_the_exact_closing_second(client, alice, call, clock):
    application = ready(alice, call)
    clock.move_to(CLOSES, tick=False)
    client.force_login(alice)
    assert "不在申报批次的受理时间内(2025-03-01 09:00:00 至 2025-04-30 17:00:00)" in (
        client.get(submit_url(application)).content.decode()
    )
    assert "不在申报批次的受理时间内" in refused(client, application)
    assert_nothing_saved(application)


def test_submission_one_second_before_closing_is_accepted(client, alice, call, clock):
    application = ready(alice, call)
    clock.move_to(datetime(2025, 4, 30, 16, 59, 59, tzinfo=SHANGHAI), tick=False)
    client.force_login(alice)
    response = client.post(submit_url(application))
    assert response.status_code == 302
    assert Application.objects.get(pk=application.pk).submitted_at == datetime(
        2025, 4, 30, 16, 59, 59, tzinfo=SHANGHAI
    )


def test_submission_is_refused_before_the_call_opens(client, alice, call, clock):
    application = ready(alice, call)
    clock.move_to(datetime(2025, 3, 1, 8, 59, 59, tzinfo=SHANGHAI), tick=False)
    client.force_login(alice)
    assert "不在申报批次的受理时间内" in refused(client, application)
    assert_nothing_saved(application)


def test_submission_is_refused_once_the_round_has_ended_even_if_the_call_is_open(
    client, alice, policy_data, clock
):
    item = PolicyItem.objects.get(round__code="changning-ai-2024", code="7.1")
    late = Call.objects.create(
        round=item.round,
        year=2026,
        title="跨年批次",
        opens_at=datetime(2026, 12, 1, tzinfo=SHANGHAI),
        closes_at=datetime(2027, 1, 31, tzinfo=SHANGHAI),
    )
    CallItem.objects.create(call=late, item=item)
    clock.move_to(datetime(2026, 12, 30, 10, 0, tzinfo=SHANGHAI), tick=False)
    application = ready(alice, late)
    clock.move_to(datetime(2027, 1, 2, 10, 0, tzinfo=SHANGHAI), tick=False)
    client.force_login(alice)
    assert "政策已不在有效期内(第十条第五款),不能提交" in refused(client, application)
    assert_nothing_saved(application)


def test_a_missing_material_is_named_and_nothing_is_saved(client, alice, call):
    application = ready(alice, call)
    application.attachments.filter(material_code="credit_commitment").delete()
    client.force_login(alice)
    assert "缺少必需的材料:信用承诺书" in refused(client, application)
    assert_nothing_saved(application)


def test_negative_facts_are_refused_with_the_engines_message(client, alice, call):
    application = ready(alice, call, facts={"self_raised_investment": "-100"})
    client.force_login(alice)
    assert "项目自筹投入资金总额:不能为负数" in refused(client, application)
    assert_nothing_saved(application)


def test_a_scenario_in_the_fiscal_it_budget_is_refused_with_its_reason(client, alice, call):
    application = ready(
        alice, call, code="8.3", facts={"total_investment": "1000000", "in_fiscal_it_budget": "true"}
    )
    client.force_login(alice)
    page = refused(client, application)
    assert "项目已纳入财政信息化建设预算,不属于支持范围(第八条第三款)" in page
    assert_nothing_saved(application)


def test_nothing_left_to_award_is_refused(client, alice, call):
    earlier = ready(alice, call, code="9.1", facts={"service_cost": "1000000"}, matter="云服务合同A")
    Application.objects.filter(pk=earlier.pk).update(
        status=Application.Status.RECOGNISED, awarded_fen=50_000_000
    )
    application = ready(alice, call, code="9.1", facts={"service_cost": "400000"}, matter="云服务合同B")
    client.force_login(alice)
    assert "本次可获金额为 0,无需申报" in refused(client, application)
    assert_nothing_saved(application)


def test_the_review_page_of_a_submitted_application_goes_back_to_its_detail(client, alice, call):
    application = ready(alice, call)
    services.submit_application(actor=alice, application=application)
    client.force_login(alice)
    assert client.get(submit_url(application)).url == detail_url(application)
    response = client.post(submit_url(application))
    assert response.url == detail_url(application)
    assert application.revisions.count() == 1


def test_a_returned_application_shows_the_reasons_and_resubmits_as_revision_2_keeping_revision_1(
    client, alice, carol, call
):
    application = ready(alice, call)
    client.force_login(alice)
    client.post(submit_url(application))
    services.return_for_correction(
        actor=carol, application=application, reasons="请补充自筹投入专项审计报告原件"
    )

    page = client.get(reverse("applications:edit", args=[application.pk])).content.decode()
    assert "退回补正意见" in page
    assert "请补充自筹投入专项审计报告原件" in page
    assert page.index("退回补正意见") < page.index("1 项目事实")  # at the top, before the form

    response = client.post(
        reverse("applications:edit", args=[application.pk]),
        {
            "self_raised_investment": "3000000",
            "matter_type": "project",
            "matter_ref": "智能视觉平台研发",
            "project_name": "智能视觉平台研发",
        },
    )
    assert response.status_code == 302
    response = client.post(submit_url(application), follow=True)
    assert "已提交,申报编号 CNAI-2025-7.1-00001" in response.content.decode()

    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert [(r.number, r.amount_fen) for r in application.revisions.all()] == [
        (1, 60_000_000),
        (2, 90_000_000),
    ]
    first = client.get(reverse("applications:revision", args=[application.pk, 1])).content.decode()
    assert "¥600,000.00" in first and "2,000,000.00 元" in first
    second = client.get(reverse("applications:revision", args=[application.pk, 2])).content.decode()
    assert "¥900,000.00" in second and "3,000,000.00 元" in second


def test_a_file_replaced_after_return_stays_in_the_first_revision(client, alice, carol, call):
    application = ready(alice, call)
    services.submit_application(actor=alice, application=application)
    services.return_for_correction(actor=carol, application=application, reasons="审计报告不清晰")
    old = application.attachments.get(material_code="investment_audit")
    client.force_login(alice)
    client.post(reverse("applications:remove_attachment", args=[application.pk, old.pk]))
    old.refresh_from_db()
    assert old.is_current is False  # kept for the record
    page = client.get(reverse("applications:submit", args=[application.pk])).content.decode()
    assert "缺少必需的材料:自筹投入专项审计报告" in page
    upload_required(alice, Application.objects.get(pk=application.pk))  # adds fresh copies of every one
    client.post(submit_url(application))
    first, second = application.revisions.all()
    assert old in first.attachments.all()
    assert old not in second.attachments.all()
    download = reverse("applications:download", args=[application.pk, old.pk])
    assert download in client.get(reverse("applications:revision", args=[application.pk, 1])).content.decode()
    assert client.get(download).status_code == 200


def test_submitting_is_post_or_get_only(client, alice, call):
    application = draft(alice, call)
    client.force_login(alice)
    assert client.put(submit_url(application)).status_code == 405


def test_an_organisation_not_verified_by_the_commission_cannot_submit_and_is_told_how(client, anna, call):
    """Issue 14: who the organisation is is settled (营业执照, 授权委托书, 区科委) before it asks."""
    application = ready(anna, call)
    organization = application.organization
    type(organization).objects.filter(pk=organization.pk).update(identity_status="pending", verified_name="")
    client.force_login(anna)
    page = client.get(submit_url(application)).content.decode()
    assert "本单位身份尚未经区科委核验,不能提交申报" in page
    assert reverse("accounts:organization_identity") in page
    assert "确认提交</button>" not in page
    assert "本单位身份尚未经区科委核验" in refused(client, application)
    assert_nothing_saved(application)
    with pytest.raises(ValidationError):
        services.submit_application(actor=anna, application=application)
    assert_nothing_saved(application)

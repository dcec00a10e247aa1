"""受理 / 形式审查: the queue, the check page, accept / return / not accept, the USCC exception, and the staff
download of submitted materials."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import Organization
from applications import services as app_services
from applications.models import Application, StatusEvent
from reviews import services
from reviews.models import AcceptanceSequence, IntakeCheck
from tests.applications.conftest import call_item, pdf, submitted
from tests.factories import MembershipFactory, UserFactory, make_uscc
from tests.reviews.conftest import (
    ARTICLE_2,
    accept,
    assign,
    declared,
    every_material_checked,
    every_material_posted,
    verified_type,
)

pytestmark = pytest.mark.usefixtures("clock", "private_files")

QUEUE = "/review/intake/"


def check_url(application: Application) -> str:
    return f"/review/intake/{application.pk}/"


def download_url(application: Application, attachment) -> str:
    return f"/review/applications/{application.pk}/materials/{attachment.pk}/download/"


def checklist(action: str, **changes) -> dict[str, object]:
    """The intake form as an officer who found everything in order posts it (every material of every
    item 已核对: the form reads only its own item's), with `changes`; a None value leaves a field out."""
    data: dict[str, object] = {
        "action": action,
        **every_material_posted(),
        "registered_verified": "on",
        "operating_verified": "on",
        "credit_source": "credit_china",
        "credit_checked_on": "2025-03-31",
        "credit_result": "good",
        "reasons": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def saved_state(application: Application) -> tuple:
    """What a refused request must leave as it was."""
    application.refresh_from_db()
    return (
        application.status,
        application.acceptance_number,
        application.accepted_at,
        IntakeCheck.objects.count(),
        StatusEvent.objects.filter(application=application).count(),
        list(AcceptanceSequence.objects.values_list("year", "last")),
    )


@pytest.fixture
def application(alice, call, carol):
    """alice's 7.1 application (enterprises only), her organisation's type already verified by carol."""
    return verified_type(submitted(alice, call), carol)


# ---------------------------------------------------------------- who may open the pages


def test_anonymous_visitors_are_sent_to_log_in(client, application):
    for url in (QUEUE, check_url(application)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("who", ["alice", "dora", "rex"])
def test_only_intake_officers_may_open_the_queue_and_the_check_page(client, application, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(QUEUE).status_code == 403
    assert client.get(check_url(application)).status_code == 403


def test_a_draft_is_not_the_officers_to_see(client, alice, carol, call):
    draft = app_services.start_application(actor=alice, call_item=call_item(call, "7.1"))
    client.force_login(carol)
    assert client.get(check_url(draft)).status_code == 404
    assert client.get(check_url(Application(pk=99999))).status_code == 404


# ---------------------------------------------------------------- the queue


def test_the_queue_lists_submitted_applications_oldest_first(client, alice, bob, carol, call, clock):
    first = submitted(alice, call)
    clock.move_to("2025-04-02 09:00 +08:00", tick=False)
    second = submitted(bob, call, code="9.1", facts={"service_cost": "400000"})
    app_services.start_application(actor=alice, call_item=call_item(call, "8.1"))  # a draft: not listed
    client.force_login(carol)
    response = client.get(QUEUE)
    assert response.status_code == 200
    rows = list(response.context["page"].object_list)
    assert rows == [first, second]
    html = response.content.decode()
    assert html.index(first.number) < html.index(second.number)
    assert "甲公司" in html and "乙公司" in html
    assert 'href="/review/intake/' in html


def test_the_queue_filters_by_call_item_and_status(client, alice, bob, carol, call):
    seven = submitted(alice, call)
    nine = submitted(bob, call, code="9.1", facts={"service_cost": "400000"})
    accept(nine, carol)
    client.force_login(carol)
    assert list(client.get(QUEUE).context["page"].object_list) == [seven]
    assert list(client.get(QUEUE, {"status": "accepted"}).context["page"].object_list) == [nine]
    assert list(client.get(QUEUE, {"status": ""}).context["page"].object_list) == [seven, nine]
    assert list(client.get(QUEUE, {"status": "", "item": "9.1"}).context["page"].object_list) == [nine]
    assert list(client.get(QUEUE, {"call": call.pk}).context["page"].object_list) == [seven]
    # A filter that is not one of the choices shows the form's message and the plain queue.
    response = client.get(QUEUE, {"status": "draft"})
    assert response.context["form"].errors["status"]
    assert list(response.context["page"].object_list) == [seven]


def test_the_queue_runs_the_same_number_of_queries_for_few_and_many_rows(
    client, alice, carol, call, django_assert_num_queries
):
    organization = alice.memberships.get().organization
    ci = call_item(call, "7.1")

    def add(n: int) -> None:
        start = Application.objects.count()
        for i in range(start, start + n):
            Application.objects.create(
                organization=organization,
                call_item=ci,
                item=ci.item,
                created_by=alice,
                status=Application.Status.SUBMITTED,
                number=f"CNAI-2025-7.1-{i:05d}",
                submitted_at=timezone.now(),
                project_name=f"项目{i}",
            )

    client.force_login(carol)
    add(2)
    client.get(QUEUE)  # warm up
    # session, user, groups (the role check), the item choices, the page's count, the call choices,
    # the rows with their organisation, item and call
    # and the header's unread-message COUNT (accounts.context_processors.inbox, issue 6)
    # +1 since issue 7: django-otp's middleware loads the session's verified device.
    with django_assert_num_queries(9) as few:
        assert client.get(QUEUE).status_code == 200
    add(25)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(QUEUE)
    assert len(response.context["page"].object_list) == 27


# ---------------------------------------------------------------- the check page


def test_the_check_page_shows_facts_ceiling_materials_and_the_checklist(client, carol, application):
    client.force_login(carol)
    response = client.get(check_url(application))
    assert response.status_code == 200
    html = response.content.decode()
    assert application.number in html and "甲公司" in html
    assert "智能视觉平台研发" in html  # matter and project
    assert "2,000,000" in html  # the fact as submitted
    assert "¥600,000.00" in html  # the engine's ceiling, with its steps
    assert "× 30%" in html
    revision = application.revisions.get()
    for attachment in revision.attachments.all():
        assert download_url(application, attachment) in html
    assert 'name="registered_verified"' in html and 'name="operating_verified"' in html
    # 信用记录良好 is a recorded credit check: register, day, result (the ruling on Art. 2).
    assert 'name="credit_source"' in html and 'name="credit_checked_on"' in html
    assert 'name="credit_result"' in html and "信用中国" in html and "有不良记录" in html
    assert 'name="material_project_plan"' in html  # the item's materials to judge
    assert 'value="accept"' in html and 'value="return"' in html and 'value="decline"' in html
    assert "uscc-warning" not in html


# ---------------------------------------------------------------- accept


def test_accepting_issues_sequential_acceptance_numbers_and_the_date(client, alice, bob, carol, call, clock):
    first = verified_type(submitted(alice, call), carol)
    second = verified_type(submitted(bob, call, code="9.1", facts={"service_cost": "400000"}), carol)
    client.force_login(carol)
    response = client.post(check_url(first), checklist("accept"))
    assert response.status_code == 302 and response["Location"] == QUEUE
    clock.move_to("2025-04-02 11:00 +08:00", tick=False)
    client.force_login(carol)  # the next day: the 30-minute idle session has ended
    assert client.post(check_url(second), checklist("accept")).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.acceptance_number) == (Application.Status.ACCEPTED, "SL-2025-00001")
    assert (second.status, second.acceptance_number) == (Application.Status.ACCEPTED, "SL-2025-00002")
    assert timezone.localtime(second.accepted_at).isoformat() == "2025-04-02T11:00:00+08:00"
    check = IntakeCheck.objects.get(application=first)
    assert check.outcome == IntakeCheck.Outcome.ACCEPTED
    assert check.officer == carol and check.revision_number == 1
    codes = [m.code for m in first.item.materials.all()]
    assert check.materials_checked == codes
    assert [(f["code"], f["status"]) for f in check.material_findings] == [(c, "checked") for c in codes]
    assert check.registered_verified and check.operating_verified and check.credit_verified
    assert (check.credit_source, check.credit_result) == ("credit_china", "good")
    assert check.credit_checked_on.isoformat() == "2025-03-31" and check.standing_reasons == []
    event = first.events.order_by("-at", "-id").first()
    assert event.status == Application.Status.ACCEPTED and "SL-2025-00001" in event.note


def test_acceptance_numbers_start_again_each_year(alice, bob, carol, call, clock):
    first = submitted(alice, call)
    second = submitted(bob, call, code="9.1", facts={"service_cost": "400000"})
    accept(first, carol)
    clock.move_to("2026-01-05 09:00 +08:00", tick=False)
    assert accept(second, carol).acceptance_number == "SL-2026-00001"


@pytest.mark.parametrize(
    "missing",
    ["registered_verified", "operating_verified", "credit_source", "credit_checked_on", "credit_result"],
)
def test_accepting_needs_every_article_2_box_and_saves_nothing_without(client, carol, application, missing):
    client.force_login(carol)
    before = saved_state(application)
    response = client.post(check_url(application), checklist("accept", **{missing: None}))
    assert response.status_code == 400
    assert "第二条" in " ".join(response.context["form"].non_field_errors())
    assert saved_state(application) == before


def test_an_accepted_application_cannot_be_checked_again(client, carol, application):
    accept(application, carol)
    client.force_login(carol)
    before = saved_state(application)
    response = client.post(check_url(application), checklist("decline", reasons="迟到的决定"))
    assert response.status_code == 400
    assert saved_state(application) == before
    assert 'value="accept"' not in client.get(check_url(application)).content.decode()


@pytest.mark.parametrize("who", ["alice", "dora", "rex"])
def test_nobody_but_an_intake_officer_may_accept_and_a_refusal_saves_nothing(
    client, application, who, request
):
    client.force_login(request.getfixturevalue(who))
    before = saved_state(application)
    assert client.post(check_url(application), checklist("accept")).status_code == 403
    assert saved_state(application) == before


def test_a_reviewer_cannot_accept_through_the_service_either(application, rex):
    from django.core.exceptions import PermissionDenied

    before = saved_state(application)
    with pytest.raises(PermissionDenied):
        services.accept_application(
            actor=rex, application=application, materials=every_material_checked(application), **ARTICLE_2
        )
    assert saved_state(application) == before


def test_an_anonymous_post_is_sent_to_log_in_and_saves_nothing(client, application):
    before = saved_state(application)
    response = client.post(check_url(application), checklist("accept"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert saved_state(application) == before


# ---------------------------------------------------------------- return and not accept


def test_returning_shows_the_reasons_on_the_enterprises_timeline(client, alice, carol, application):
    client.force_login(carol)
    response = client.post(
        check_url(application), checklist("return", reasons="自筹投入专项审计报告缺少签章页,请补充。")
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.RETURNED
    check = IntakeCheck.objects.get(application=application)
    assert check.outcome == IntakeCheck.Outcome.RETURNED
    assert check.reasons == "自筹投入专项审计报告缺少签章页,请补充。"
    client.force_login(alice)
    page = client.get(f"/applications/{application.pk}/").content.decode()
    assert "退回补正" in page and "自筹投入专项审计报告缺少签章页,请补充。" in page


# ---------------------------------------------------------------- the materials, one by one


def test_accepting_needs_every_required_material_judged_and_saves_nothing_without(client, carol, application):
    before = saved_state(application)
    client.force_login(carol)
    response = client.post(check_url(application), checklist("accept", material_investment_audit=None))
    assert response.status_code == 400
    assert "材料“自筹投入专项审计报告”尚未核对" in response.content.decode()
    assert saved_state(application) == before


def test_a_material_that_does_not_apply_needs_its_reason_and_is_recorded_with_it(client, carol, application):
    client.force_login(carol)
    before = saved_state(application)
    response = client.post(
        check_url(application), checklist("accept", material_achievement_proof="not_applicable")
    )
    assert response.status_code == 400
    assert "标为不适用的,请写明理由。" in response.content.decode()
    assert saved_state(application) == before
    response = client.post(
        check_url(application),
        checklist(
            "accept",
            material_achievement_proof="not_applicable",
            material_achievement_proof_note="项目尚在研发中,成果以结题时提交为准。",
        ),
    )
    assert response.status_code == 302
    check = IntakeCheck.objects.get(application=application)
    assert check.outcome == IntakeCheck.Outcome.ACCEPTED
    proof = next(f for f in check.material_findings if f["code"] == "achievement_proof")
    assert proof == {
        "code": "achievement_proof",
        "name": "成果证明材料",
        "status": "not_applicable",
        "note": "项目尚在研发中,成果以结题时提交为准。",
    }
    assert "achievement_proof" not in check.materials_checked


def test_a_deficient_material_blocks_acceptance(client, carol, application):
    client.force_login(carol)
    before = saved_state(application)
    response = client.post(
        check_url(application),
        checklist(
            "accept", material_investment_audit="deficient", material_investment_audit_note="缺少签章页"
        ),
    )
    assert response.status_code == 400
    assert "材料“自筹投入专项审计报告”需补正,不能受理" in response.content.decode()
    assert saved_state(application) == before


def test_returning_lists_each_deficient_material_with_its_note_for_the_enterprise(
    client, alice, carol, application
):
    client.force_login(carol)
    response = client.post(
        check_url(application),
        checklist(
            "return",
            material_investment_audit="deficient",
            material_investment_audit_note="缺少会计师事务所签章页",
            material_project_plan="deficient",
            material_project_plan_note="未写明研发周期",
        ),
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.RETURNED
    note = application.events.order_by("-at", "-id").first().note
    assert (
        note
        == "需补正的材料:\n1. 项目研发方案:未写明研发周期\n2. 自筹投入专项审计报告:缺少会计师事务所签章页"
    )
    client.force_login(alice)
    page = client.get(f"/applications/{application.pk}/").content.decode()
    assert "项目研发方案:未写明研发周期" in page and "缺少会计师事务所签章页" in page


def test_a_deficient_material_needs_its_note(client, carol, application):
    client.force_login(carol)
    before = saved_state(application)
    response = client.post(
        check_url(application), checklist("return", reasons="请补正。", material_project_plan="deficient")
    )
    assert response.status_code == 400
    assert "标为需补正的,请写明需要补正的内容。" in response.content.decode()
    assert saved_state(application) == before


def test_after_a_correction_each_material_shows_what_the_last_check_found(client, alice, carol, application):
    services.return_application(
        actor=carol,
        application=application,
        reasons="",
        materials={"investment_audit": services.MaterialFinding("deficient", "缺少签章页")},
    )
    app_services.add_attachment(
        actor=alice, application=application, material_code="investment_audit", upload=pdf("审计报告-补.pdf")
    )
    app_services.submit_application(actor=alice, application=application)
    client.force_login(carol)
    page = client.get(check_url(application)).content.decode()
    assert "上次审查:需补正" in page and "缺少签章页" in page


def test_the_enterprise_resubmits_and_the_officer_sees_the_new_revision(client, alice, carol, application):
    services.return_application(actor=carol, application=application, reasons="请补充签章页。")
    app_services.add_attachment(
        actor=alice, application=application, material_code="investment_audit", upload=pdf("审计报告-补.pdf")
    )
    app_services.submit_application(actor=alice, application=application)
    client.force_login(carol)
    response = client.get(check_url(application))
    assert "审计报告-补.pdf" in response.content.decode()
    assert response.context["revision"].number == 2
    assert "请补充签章页。" in response.content.decode()  # the earlier check, in the history
    accept(application, carol)
    checks = IntakeCheck.objects.filter(application=application)
    assert checks.get(outcome=IntakeCheck.Outcome.RETURNED).revision_number == 1
    assert checks.get(outcome=IntakeCheck.Outcome.ACCEPTED).revision_number == 2


@pytest.mark.parametrize("action", ["return", "decline"])
def test_return_and_not_accept_need_reasons_and_save_nothing_without(client, carol, application, action):
    client.force_login(carol)
    before = saved_state(application)
    response = client.post(check_url(application), checklist(action, reasons="   "))
    assert response.status_code == 400
    assert "请写明" in " ".join(response.context["form"].non_field_errors())
    assert saved_state(application) == before


def test_not_accepting_ends_the_application_with_the_reasons_on_its_timeline(
    client, alice, carol, application
):
    client.force_login(carol)
    data = checklist("decline", reasons="项目不属于人工智能领域。", credit_result=None)
    client.post(check_url(application), data)
    application.refresh_from_db()
    assert application.status == Application.Status.NOT_ACCEPTED
    assert application.acceptance_number is None
    check = IntakeCheck.objects.get(application=application)
    assert (check.outcome, check.credit_verified) == (IntakeCheck.Outcome.NOT_ACCEPTED, False)
    client.force_login(alice)
    page = client.get(f"/applications/{application.pk}/").content.decode()
    assert "不予受理" in page and "项目不属于人工智能领域。" in page


# ---------------------------------------------------------------- the USCC exception


@pytest.fixture
def unchecked_org(db) -> Organization:
    """A real organisation whose code fails the check digit, created with the registrant's confirmation."""
    good = make_uscc(777)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    return Organization.objects.create(
        uscc=bad,
        uscc_checksum_ok=False,
        name="丙公司",
        registered_in_changning=True,
        org_type="enterprise",  # 7.1 is open to enterprises only (the rulings)
        is_sme=True,
        # Verified by 区科委 (issue 14), so it applies like any other organisation.
        identity_status=Organization.IdentityStatus.VERIFIED,
        verified_name="丙公司",
    )


@pytest.fixture
def cathy(unchecked_org, policy_data):
    from accounts.roles import Role

    return MembershipFactory(
        user=UserFactory(username="cathy", roles=[Role.APPLICANT]), organization=unchecked_org, admin=True
    ).user


def test_the_check_page_warns_of_a_code_that_fails_its_check_digit(client, carol, cathy, call, unchecked_org):
    application = submitted(cathy, call)
    client.force_login(carol)
    html = client.get(check_url(application)).content.decode()
    assert 'id="uscc-warning"' in html and "未通过校验位检查" in html and unchecked_org.uscc in html
    assert 'name="uscc_override_reason"' in html
    assert "代码待核实" in client.get(QUEUE).content.decode()


def test_accepting_such_an_organisation_needs_a_recorded_reason(client, carol, cathy, call):
    application = verified_type(submitted(cathy, call), carol)
    client.force_login(carol)
    before = saved_state(application)
    response = client.post(check_url(application), checklist("accept", uscc_override_reason=" "))
    assert response.status_code == 400
    assert "校验位" in " ".join(response.context["form"].non_field_errors())
    assert saved_state(application) == before

    reason = "已核对营业执照原件及国家企业信用信息公示系统,代码一致,系赋码时校验位错误。"
    response = client.post(check_url(application), checklist("accept", uscc_override_reason=reason))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    assert IntakeCheck.objects.get(application=application).uscc_override_reason == reason


def test_a_reason_is_not_recorded_for_a_code_that_passes(carol, application):
    services.accept_application(
        actor=carol,
        application=application,
        uscc_override_reason="不需要",
        materials=every_material_checked(application),
        **ARTICLE_2,
    )
    assert IntakeCheck.objects.get(application=application).uscc_override_reason == ""


# ---------------------------------------------------------------- the staff download


def test_intake_officers_and_approvers_download_submitted_materials_as_attachments(
    client, carol, dora, application
):
    attachment = application.revisions.get().attachments.first()
    for user in (carol, dora):
        client.force_login(user)
        response = client.get(download_url(application, attachment))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_staff_download_refuses_everyone_else(client, alice, carol, dora, rex, rita, application):
    attachment = application.revisions.get().attachments.first()
    url = download_url(application, attachment)
    assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(alice)  # the enterprise has its own download; this one is staff-only
    assert client.get(url).status_code == 403
    client.force_login(rex)  # a reviewer not assigned to it
    assert client.get(url).status_code == 404
    accept(application, carol)
    (assignment,) = assign(application, dora, [rex])
    client.force_login(rex)  # assigned, but has not declared yet
    assert client.get(url).status_code == 404
    declared(assignment)
    assert client.get(url).status_code == 200
    client.force_login(rita)  # assigned to nothing
    assert client.get(url).status_code == 404


def test_the_staff_download_serves_only_files_frozen_in_a_revision(
    client, alice, bob, carol, call, application
):
    other = submitted(bob, call, code="9.1", facts={"service_cost": "400000"})
    client.force_login(carol)
    foreign = other.revisions.get().attachments.first()
    assert client.get(download_url(application, foreign)).status_code == 404
    services.return_application(actor=carol, application=application, reasons="请补充。")
    unsent = app_services.add_attachment(
        actor=alice, application=application, material_code="project_plan", upload=pdf("新方案.pdf")
    )
    assert client.get(download_url(application, unsent)).status_code == 404

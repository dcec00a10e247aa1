"""受理 and the rulings of 2026-12-02, from the text's words.

Art. 2: "在长宁区依法设立、经营状态正常、信用记录良好的法人和非法人组织等单位" — and the ruling: "an
organisation under 经营异常名录 or with an unresolved clawback from this district's policies is not in
good standing; the intake officer records the credit check (source and date) for each application".
Who may apply, by item: "the organisation's type is recorded … Items open only to 企业: 7.1 …" — the
organisation's administrator enters it, 区科委 verifies it at intake.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts import services as account_services
from applications.models import Application
from disbursement.models import Award, Clawback
from reviews import services
from reviews.models import IntakeCheck
from reviews.selectors import type_signature
from tests.applications.conftest import submitted
from tests.reviews.conftest import ARTICLE_2, every_material_checked, every_material_posted
from tests.reviews.decision_support import *  # noqa: F403 (fixtures)
from tests.reviews.decision_support import award

pytestmark = pytest.mark.usefixtures("clock", "private_files")


def check_url(application: Application) -> str:
    return f"/review/intake/{application.pk}/"


def accept_form(**changes) -> dict[str, object]:
    data: dict[str, object] = {
        "action": "accept",
        **every_material_posted(),
        "registered_verified": "on",
        "operating_verified": "on",
        "credit_source": "credit_shanghai",
        "credit_checked_on": "2025-04-01",
        "credit_result": "good",
        "reasons": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def verify_form(application: Application) -> dict[str, str]:
    return {"action": "verify_type", "seen": type_signature(application.organization)}


def state(application: Application) -> tuple:
    application.refresh_from_db()
    return (application.status, application.acceptance_number, IntakeCheck.objects.count())


@pytest.fixture
def seven(alice, call) -> Application:
    """alice's 7.1 application: 7.1 is open to 企业 only (第七条第一款“给予企业……的资助”)."""
    return submitted(alice, call)


@pytest.fixture
def nine(alice, call) -> Application:
    """alice's 9.1 application: open to every type of organisation."""
    return submitted(alice, call, code="9.1", facts={"service_cost": "400000"}, matter="智能客服云服务")


# ---------------------------------------------------------------- Art. 2: the credit check


def test_acceptance_records_the_credit_check_source_date_and_result(client, carol, nine):
    client.force_login(carol)
    assert client.post(check_url(nine), accept_form()).status_code == 302
    check = IntakeCheck.objects.get(application=nine)
    assert (check.credit_source, check.credit_checked_on, check.credit_result) == (
        IntakeCheck.CreditSource.CREDIT_SHANGHAI,
        date(2025, 4, 1),
        IntakeCheck.CreditResult.GOOD,
    )
    assert check.credit_verified
    # The officer's record on the page's history.
    page = client.get(check_url(nine)).content.decode()
    assert "信用查询:信用上海,2025-04-01,良好" in page


@pytest.mark.parametrize("missing", ["credit_source", "credit_checked_on"])
def test_acceptance_needs_the_credit_checks_source_and_date(client, carol, nine, missing):
    client.force_login(carol)
    before = state(nine)
    response = client.post(check_url(nine), accept_form(**{missing: None}))
    assert response.status_code == 400
    assert "请记录信用查询的来源和日期" in response.content.decode()
    assert state(nine) == before


def test_a_credit_check_with_adverse_records_does_not_accept(client, carol, nine):
    """信用记录良好: only 良好 is accepted; the officer returns or declines instead."""
    client.force_login(carol)
    before = state(nine)
    response = client.post(check_url(nine), accept_form(credit_result="adverse"))
    assert response.status_code == 400
    assert "信用查询结果须为“良好”方可受理" in response.content.decode()
    assert state(nine) == before
    # Declining records the check that was made, adverse result and all.
    declined = accept_form(action="decline", credit_result="adverse", reasons="信用中国查询有行政处罚记录。")
    assert client.post(check_url(nine), declined).status_code == 302
    check = IntakeCheck.objects.get(application=nine)
    assert (check.outcome, check.credit_result, check.credit_verified) == ("not_accepted", "adverse", False)


def test_a_credit_check_dated_after_the_intake_day_is_refused(carol, nine):
    with pytest.raises(ValidationError, match="信用查询日期不能晚于受理审查当天"):
        services.accept_application(
            actor=carol,
            application=nine,
            materials=every_material_checked(nine),
            **{**ARTICLE_2, "credit_checked_on": date(2025, 4, 2)},
        )
    assert state(nine)[0] == Application.Status.SUBMITTED


# ---------------------------------------------------------------- Art. 2: the organisation's standing


def test_an_organisation_on_the_abnormal_operation_list_is_shown_and_not_accepted(client, carol, org_a, nine):
    """The ruling: "an organisation under 经营异常名录 … is not in good standing"."""
    org_a.in_abnormal_list = True
    org_a.save()
    client.force_login(carol)
    page = client.get(check_url(nine)).content.decode()
    assert "该单位目前信用记录不属良好,不能受理" in page
    assert "单位列入经营异常名录,信用记录不属良好(第二条)" in page
    before = state(nine)
    response = client.post(check_url(nine), accept_form())
    assert response.status_code == 400
    assert "该单位目前信用记录不属良好,不能受理(第二条)" in response.content.decode()
    assert state(nine) == before
    # A return records what the officer saw.
    services.return_application(actor=carol, application=nine, reasons="请先移出经营异常名录。")
    assert IntakeCheck.objects.get(application=nine).standing_reasons == [
        "单位列入经营异常名录,信用记录不属良好(第二条)"
    ]


def test_an_unresolved_clawback_makes_the_organisation_not_in_good_standing(
    alice, carol, dora, org_a, call, nine
):
    """The ruling: "… or with an unresolved clawback from this district's policies is not in good
    standing"."""
    earlier = award(org_a, call, "8.3", "300000", matter="往年项目", created_by=alice)
    paid = Award.objects.create(
        application=earlier, organization=org_a, item=earlier.item, amount_fen=30_000_000
    )
    clawback = Clawback.objects.create(
        award=paid,
        reason=Clawback.Reason.values[0],
        description="核查发现部分投入不符合条件",
        amount_fen=10_000_000,
        recorded_by=dora,
        recorded_at=timezone.now(),
    )
    with pytest.raises(ValidationError) as refused:
        services.accept_application(
            actor=carol, application=nine, materials=every_material_checked(nine), **ARTICLE_2
        )
    assert "尚未退回的本区政策资金 ¥100,000.00" in " ".join(refused.value.messages)
    assert state(nine)[0] == Application.Status.SUBMITTED
    # Once the money is back, the organisation is in good standing again.
    clawback.recovered_fen = clawback.amount_fen
    clawback.recovered_on = date(2025, 3, 31)
    clawback.save()
    services.accept_application(
        actor=carol, application=nine, materials=every_material_checked(nine), **ARTICLE_2
    )
    assert state(nine)[0] == Application.Status.ACCEPTED


def test_a_seriously_dishonest_organisation_is_not_accepted(carol, org_a, nine):
    org_a.credit_status = org_a.CreditStatus.SERIOUS_DISHONEST
    org_a.save()
    with pytest.raises(ValidationError, match="列入严重失信名单"):
        services.accept_application(
            actor=carol, application=nine, materials=every_material_checked(nine), **ARTICLE_2
        )


# ---------------------------------------------------------------- who may apply: the applicant type


def test_the_intake_page_shows_the_type_and_the_items_condition_from_the_policy_data(client, carol, seven):
    client.force_login(carol)
    page = client.get(check_url(seven)).content.decode()
    assert "单位类型(单位管理员填写)" in page and "企业" in page
    assert "中小型(工信部划型标准)" in page  # the flags
    assert "本项仅限企业申报(第七条第一款“给予企业最高不超过300万元的资助”)" in page
    assert "受理前须核实单位类型。" in page and 'value="verify_type"' in page


def test_an_item_open_only_to_enterprises_is_not_accepted_until_the_type_is_verified(client, carol, seven):
    client.force_login(carol)
    before = state(seven)
    response = client.post(check_url(seven), accept_form())
    assert response.status_code == 400
    assert "受理前请先核实该单位登记的单位类型" in response.content.decode()
    assert state(seven) == before

    # Verified from the intake page: who and when are recorded.
    assert client.post(check_url(seven), verify_form(seven)).status_code == 302
    organization = seven.organization
    organization.refresh_from_db()
    assert organization.type_verified_by == carol
    assert organization.type_verified_at == timezone.now()
    page = client.get(check_url(seven)).content.decode()
    assert "已核实(carol" in page and 'value="verify_type"' not in page

    assert client.post(check_url(seven), accept_form()).status_code == 302
    assert state(seven)[0] == Application.Status.ACCEPTED


def test_an_item_open_to_every_type_needs_no_verification(carol, nine):
    services.accept_application(
        actor=carol, application=nine, materials=every_material_checked(nine), **ARTICLE_2
    )
    assert state(nine)[0] == Application.Status.ACCEPTED
    nine.organization.refresh_from_db()
    assert nine.organization.type_verified_at is None


def test_a_verified_type_that_does_not_meet_the_item_is_not_accepted(alice, carol, org_a, seven):
    """Changed by the administrator after submission to 事业单位: verified again, and 7.1 is for 企业."""
    account_services.update_organization(actor=alice, organization=org_a, org_type="public_institution")
    services.verify_organization_type(actor=carol, organization=org_a)
    with pytest.raises(ValidationError, match="本项仅限企业申报"):
        services.accept_application(
            actor=carol, application=seven, materials=every_material_checked(seven), **ARTICLE_2
        )


def test_a_type_changed_after_the_officer_opened_the_page_is_not_verified_unseen(
    client, alice, carol, org_a, seven
):
    client.force_login(carol)
    seen = verify_form(seven)
    account_services.update_organization(actor=alice, organization=org_a, is_sme=False)
    response = client.post(check_url(seven), seen)
    assert response.status_code == 400
    assert "该单位的类型在您打开页面后已被修改" in response.content.decode()
    org_a.refresh_from_db()
    assert org_a.type_verified_at is None
    # The page now carries the type as it stands; verifying what is shown succeeds.
    assert response.context["type_form"].initial["seen"] == type_signature(org_a)
    again = {"action": "verify_type", "seen": response.context["type_form"].initial["seen"]}
    assert client.post(check_url(seven), again).status_code == 302
    org_a.refresh_from_db()
    assert (org_a.type_verified_by, org_a.is_sme) == (carol, False)


def test_a_type_not_recorded_cannot_be_verified(carol, org_a):
    org_a.org_type = ""
    org_a.save()
    with pytest.raises(ValidationError, match="尚未填写单位类型"):
        services.verify_organization_type(actor=carol, organization=org_a)


@pytest.mark.parametrize("who", ["alice", "dora", "rex"])
def test_only_an_intake_officer_verifies_the_type(client, seven, org_a, who, request):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.post(check_url(seven), verify_form(seven)).status_code == 403
    with pytest.raises(PermissionDenied):
        services.verify_organization_type(actor=user, organization=org_a)
    org_a.refresh_from_db()
    assert org_a.type_verified_at is None


def test_verifying_through_a_draft_or_a_missing_application_is_404(client, alice, carol, call, org_a):
    from applications import services as app_services
    from tests.applications.conftest import call_item

    draft = app_services.start_application(actor=alice, call_item=call_item(call, "7.1"))
    client.force_login(carol)
    assert client.post(check_url(draft), verify_form(draft)).status_code == 404
    assert client.post("/review/intake/99999/", {"action": "verify_type", "seen": ""}).status_code == 404
    org_a.refresh_from_db()
    assert org_a.type_verified_at is None

"""The application services: what they refuse, what they keep, what they count."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from stdnum.cn import uscc

from accounts.models import Membership, Organization, User
from accounts.roles import Role, group_for
from applications import services
from applications.models import Application, ApplicationRevision, Call, CallItem
from applications.selectors import application_quote
from policies.models import PolicyItem
from tests.pdfs import pdf_bytes

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENS = datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)
CLOSES = datetime(2025, 4, 30, 17, 0, tzinfo=SHANGHAI)
DURING = datetime(2025, 4, 1, 10, 0, tzinfo=SHANGHAI)
PDF = pdf_bytes()


def _uscc(n: int) -> str:
    body = f"91310105MA1FL{n:04d}"
    return body + uscc.calc_check_digit(body)


def _member(username: str, n: int) -> User:
    user = User.objects.create_user(username, password="Secret-Pass-123")
    user.groups.add(group_for(Role.APPLICANT))
    organization = Organization.objects.create(
        uscc=_uscc(n),
        name=f"{username} 公司",
        registered_in_changning=True,
        org_type="enterprise",
        # Verified by 区科委 (issue 14): only a verified organisation submits.
        identity_status=Organization.IdentityStatus.VERIFIED,
        verified_name=f"{username} 公司",
    )
    Membership.objects.create(
        user=user, organization=organization, is_admin=True, status=Membership.Status.APPROVED
    )
    return user


@pytest.fixture
def call(policy_data):
    call = Call.objects.create(
        round_id=PolicyItem.objects.get(round__code="changning-ai-2024", code="7.1").round_id,
        year=2025,
        title="2025 年度申报",
        opens_at=OPENS,
        closes_at=CLOSES,
    )
    for code in ("7.1", "9.1", "8.1"):
        CallItem.objects.create(call=call, item=PolicyItem.objects.get(round=call.round, code=code))
    return call


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(DURING, tick=False)
    return time_machine


@pytest.fixture
def alice(db):
    return _member("alice", 1)


@pytest.fixture
def bob(db):
    return _member("bob", 2)


def _ready(user, call, code="7.1", facts=None, matter="智能视觉平台研发"):
    call_item = call.call_items.get(item__code=code)
    application = services.start_application(actor=user, call_item=call_item)
    application = services.save_draft(
        actor=user,
        application=application,
        facts=facts or {"self_raised_investment": "2000000"},
        matter_type="project",
        matter_ref=matter,
        project_name=matter,
        description="",
    )
    for material in application.item.materials.filter(required=True):
        services.add_attachment(
            actor=user,
            application=application,
            material_code=material.code,
            upload=SimpleUploadedFile(f"{material.code}.pdf", PDF),
        )
    return application


def test_submitting_numbers_the_application_and_freezes_a_revision(alice, call):
    application = _ready(alice, call)
    revision = services.submit_application(actor=alice, application=application)
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.number == "CNAI-2025-7.1-00001"
    assert application.requested_fen == 60_000_000
    assert revision.number == 1
    assert revision.quote["amount"] == "600000.00"
    assert revision.attachments.count() == application.item.materials.filter(required=True).count()


def test_the_closing_second_is_exact(alice, call, clock):
    application = _ready(alice, call)
    clock.move_to(CLOSES, tick=False)
    with pytest.raises(ValidationError) as exc:
        services.submit_application(actor=alice, application=application)
    assert "受理时间" in " ".join(exc.value.messages)
    clock.move_to(datetime(2025, 4, 30, 16, 59, 59, tzinfo=SHANGHAI), tick=False)
    services.submit_application(actor=alice, application=application)
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_nothing_is_accepted_after_the_round_ends_even_if_the_call_says_open(alice, policy_data, clock):
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
    application = _ready(alice, late)
    clock.move_to(datetime(2027, 1, 2, 10, 0, tzinfo=SHANGHAI), tick=False)
    with pytest.raises(ValidationError) as exc:
        services.submit_application(actor=alice, application=application)
    assert "有效期" in " ".join(exc.value.messages)
    assert Application.objects.get(pk=application.pk).status == Application.Status.DRAFT


def test_a_missing_material_is_named_and_nothing_is_saved(alice, call):
    application = _ready(alice, call)
    application.attachments.filter(material_code="credit_commitment").delete()
    with pytest.raises(ValidationError) as exc:
        services.submit_application(actor=alice, application=application)
    assert "信用承诺书" in " ".join(exc.value.messages)
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT
    assert application.number is None
    assert not ApplicationRevision.objects.exists()


def test_a_renamed_executable_is_refused(alice, call):
    application = _ready(alice, call)
    with pytest.raises(ValidationError) as exc:
        services.add_attachment(
            actor=alice,
            application=application,
            material_code="project_plan",
            upload=SimpleUploadedFile("plan.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200),
        )
    assert "不是" in exc.value.messages[0]


def test_another_organisation_cannot_touch_the_draft(alice, bob, call):
    application = _ready(alice, call)
    with pytest.raises(PermissionDenied):
        services.save_draft(actor=bob, application=application, facts={})
    with pytest.raises(PermissionDenied):
        services.submit_application(actor=bob, application=application)


def test_returned_application_resubmits_as_a_new_revision_keeping_the_first(alice, call):
    application = _ready(alice, call)
    services.submit_application(actor=alice, application=application)
    carol = User.objects.create_user("carol", password="Secret-Pass-123")
    carol.groups.add(group_for(Role.INTAKE_OFFICER))
    services.return_for_correction(actor=carol, application=application, reasons="请补充审计报告")
    services.save_draft(actor=alice, application=application, facts={"self_raised_investment": "3000000"})
    services.submit_application(actor=alice, application=application)
    application.refresh_from_db()
    assert application.number == "CNAI-2025-7.1-00001"  # the number stays
    assert [r.amount_fen for r in application.revisions.all()] == [60_000_000, 90_000_000]
    assert list(application.events.values_list("status", flat=True)) == [
        "draft",
        "submitted",
        "returned",
        "submitted",
    ]


def test_the_ceiling_counts_this_years_awards_for_the_same_item(alice, call):
    earlier = _ready(alice, call, code="9.1", facts={"service_cost": "700000"}, matter="云服务合同A")
    Application.objects.filter(pk=earlier.pk).update(
        status=Application.Status.RECOGNISED, awarded_fen=35_000_000
    )
    application = _ready(alice, call, code="9.1", facts={"service_cost": "400000"}, matter="云服务合同B")
    quote = application_quote(application)
    assert str(quote.amount) == "150000.00"
    assert any("已获 350,000.00 元" in step.rule for step in quote.steps)


def test_the_ceiling_counts_the_same_project_and_the_same_matter(alice, call):
    earlier = _ready(
        alice, call, code="8.1", facts={"superior_funding": "4000000", "project_ref": "P-1"}, matter="M"
    )
    Application.objects.filter(pk=earlier.pk).update(
        status=Application.Status.RECOGNISED, awarded_fen=400_000_000
    )
    same_project = _ready(
        alice, call, code="8.1", facts={"superior_funding": "4000000", "project_ref": "P-1"}
    )
    assert str(application_quote(same_project).amount) == "1000000.00"
    same_matter = _ready(alice, call, code="7.1", facts={"self_raised_investment": "20000000"}, matter="M")
    # 7.1 would pay 3,000,000; 4,000,000 was already awarded for this matter under 8.1 (10(2)).
    assert str(application_quote(same_matter).amount) == "0.00"


def test_withdrawn_applications_do_not_count_and_cannot_be_withdrawn_twice(alice, call):
    application = _ready(alice, call)
    services.withdraw_application(actor=alice, application=application)
    with pytest.raises(ValidationError):
        services.withdraw_application(actor=alice, application=application)

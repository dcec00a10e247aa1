"""People, a call and applications at the decision stage, for the decision, 一事一议, 公示, objection,
outcome and export tests. Star-imported by those modules (`from tests.reviews.decision_support import *`)
so their fixtures do not depend on the intake/scoring stage's conftest.

alice is the administrator of 甲公司 (applicant); carol an intake officer; rex an expert reviewer; dora and
erin two commission approvers. The call (2025) is open from 2025-03-01 09:00 to 2025-04-30 17:00 Shanghai;
`clock` stands at 2025-04-01 10:00 (a Tuesday). Applications reach 评审中 through the applications app's
own transition service, as the intake and assignment stage would move them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from applications import services as app_services
from applications.models import Application, Attachment, Call, CallItem
from policies import rules
from policies.models import PolicyItem
from reviews.models import Assignment, Score
from tests.applications.conftest import call_item, submitted
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

__all__ = [
    "alice",
    "approver_client",
    "call",
    "carol",
    "clock",
    "dora",
    "erin",
    "org_a",
    "private_files",
    "rex",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENS = datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)
CLOSES = datetime(2025, 4, 30, 17, 0, tzinfo=SHANGHAI)
DURING = datetime(2025, 4, 1, 10, 0, tzinfo=SHANGHAI)

# What must never reach the public page or the enterprise's outcome.
CONTACT_NAME = "王联络"
CONTACT_PHONE = "13912345678"
LEGAL_REPRESENTATIVE = "李法人"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(DURING, tick=False)
    return time_machine


@pytest.fixture
def private_files(tmp_path):
    field = Attachment._meta.get_field("file")
    original = field.storage
    field.storage = FileSystemStorage(location=tmp_path / "private", base_url=None)
    yield field.storage
    field.storage = original


@pytest.fixture
def call(policy_data):
    round_id = PolicyItem.objects.get(round__code="changning-ai-2024", code="7.1").round_id
    # The decision, 一事一议, 公示, objection, outcome and export tests are not about the review quorum:
    # this call holds no expert review (quorum 0). test_quorum sets the quorum it tests.
    call = Call.objects.create(
        round_id=round_id,
        year=2025,
        title="2025 年度人工智能专项申报",
        opens_at=OPENS,
        closes_at=CLOSES,
        review_quorum=0,
    )
    for code in ("7.1", "8.1", "8.3", "9.1"):
        CallItem.objects.create(call=call, item=PolicyItem.objects.get(round_id=round_id, code=code))
    return call


@pytest.fixture
def org_a(db):
    return OrganizationFactory(
        name="甲公司",
        contact_name=CONTACT_NAME,
        contact_phone=CONTACT_PHONE,
        legal_representative=LEGAL_REPRESENTATIVE,
    )


@pytest.fixture
def alice(org_a, policy_data):
    return MembershipFactory(
        user=UserFactory(username="alice", roles=[Role.APPLICANT]), organization=org_a, admin=True
    ).user


@pytest.fixture
def carol(policy_data):
    return UserFactory(username="carol", roles=[Role.INTAKE_OFFICER], is_staff=True)


@pytest.fixture
def rex(policy_data):
    return UserFactory(username="rex", roles=[Role.EXPERT_REVIEWER])


@pytest.fixture
def dora(policy_data):
    return UserFactory(username="dora", roles=[Role.COMMISSION_APPROVER], is_staff=True)


@pytest.fixture
def erin(policy_data):
    return UserFactory(username="erin", roles=[Role.COMMISSION_APPROVER], is_staff=True)


@pytest.fixture
def approver_client(client, dora):
    client.force_login(dora)
    return client


# ---------------------------------------------------------------- moving applications along


def move(application: Application, *statuses: str, actor=None, **fields) -> Application:
    """Through the applications app's transition service, as the stage that owns each step would."""
    with transaction.atomic():
        application = app_services.lock_application(application)
        for index, status in enumerate(statuses):
            extra: dict = {}
            if status == Application.Status.ACCEPTED:
                extra["accepted_at"] = timezone.now()
            if index == len(statuses) - 1:
                extra.update(fields)
            app_services.record_transition(application=application, status=status, actor=actor, fields=extra)
    application.refresh_from_db()
    return application


def under_review(
    user, call: Call, code: str = "7.1", facts=None, matter: str = "智能视觉平台研发"
) -> Application:
    """Submitted, accepted and under review (the intake and assignment stages' part, done directly)."""
    application = submitted(user, call, code=code, facts=facts, matter=matter)
    return move(application, Application.Status.ACCEPTED, Application.Status.UNDER_REVIEW)


def award(
    organization, call: Call, code: str, amount_yuan: str, *, matter: str, facts=None, created_by
) -> Application:
    """An earlier award: an application of the organisation already recognised (认定) with its amount —
    what the ledger counts against running ceilings and 10(2)."""
    ci = call_item(call, code)
    return Application.objects.create(
        organization=organization,
        call_item=ci,
        item=ci.item,
        created_by=created_by,
        status=Application.Status.RECOGNISED,
        number=f"EARLIER-{call.year}-{code}-{Application.objects.count() + 1}",
        matter_type="project",
        matter_ref=matter,
        project_name=matter,
        facts=facts or {},
        submitted_at=call.opens_at,
        awarded_fen=rules.yuan_to_fen(Decimal(amount_yuan)),
    )


def year_call(year: int) -> Call:
    """Another annual call of the 2024 round, for awards of another year."""
    round_id = PolicyItem.objects.get(round__code="changning-ai-2024", code="7.1").round_id
    call = Call.objects.create(
        round_id=round_id,
        year=year,
        title=f"{year} 年度人工智能专项申报",
        opens_at=datetime(year, 3, 1, 9, 0, tzinfo=SHANGHAI),
        closes_at=datetime(year, 4, 30, 17, 0, tzinfo=SHANGHAI),
        review_quorum=0,  # as `call`: reviews are not the subject here
    )
    for code in ("7.1", "8.1", "8.3", "9.1"):
        CallItem.objects.create(call=call, item=PolicyItem.objects.get(round_id=round_id, code=code))
    return call


def submitted_review(
    application: Application,
    reviewer,
    *,
    value: str = "4.0",
    recommendation: str = Assignment.Recommendation.SUPPORT,
    suggested_yuan: str | None = None,
    comment: str = "",
    assigned_by=None,
) -> Assignment:
    """A reviewer's submitted scores (the scoring stage's part, written directly): every criterion `value`."""
    now = timezone.now()
    assignment = Assignment.objects.create(
        application=application,
        reviewer=reviewer,
        assigned_by=assigned_by or reviewer,
        assigned_at=now,
        declared_at=now,
        status=Assignment.Status.SUBMITTED,
        recommendation=recommendation,
        suggested_fen=rules.yuan_to_fen(Decimal(suggested_yuan)) if suggested_yuan else None,
        overall_comment=comment,
        submitted_at=now,
    )
    for criterion in application.item.criteria.all():
        Score.objects.create(
            assignment=assignment, criterion=criterion, value=Decimal(value), comment=comment
        )
    return assignment


def decide_url(application: Application) -> str:
    return f"/review/applications/{application.pk}/decide/"


def decision_form(
    recommended: bool = True, amount: str = "", reasons: str = "符合条件,予以支持。", comments=""
):
    return {
        "recommended": "yes" if recommended else "no",
        "amount": amount,
        "reasons": reasons,
        "released_comments": comments,
    }

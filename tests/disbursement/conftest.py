"""People, a call, budgets and awards for the finance tests (helpers A, B and C share these).

fay is a finance officer (经办, 区财政局); fred and frank are finance approvers (审核) — two, so a batch fay
prepares can be approved by someone else; dora is 区科委's commission approver (enters budgets, records
验收); alice administers 甲公司 (org_a) and anna is an ordinary member of it; bob administers 乙公司 (org_b).
carol (intake), rex (reviewer) and the three administrators (sid system, sean security, audrey audit) hold
no finance role.

The call (2025) is open from 2025-03-01 09:00 to 2025-04-30 17:00 Shanghai; `clock` stands at 2025-04-01
10:00, so awards of 2025 are in their year. `budget` is the confirmed 2025 budget of 7.1 (¥10,000,000) and
`year_total` the confirmed 2025 total (¥50,000,000). `award` is alice's 7.1 application (¥600,000),
recognised by closing its 公示 — so the award comes from the RECOGNITION_HOOKS hook, pending finance;
`approved_award` is it approved by fred, its one installment due.

Helpers for other modules: recognise(), confirmed_budget(), login().
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import FileSystemStorage
from django.utils import timezone

from accounts.roles import Role
from applications.models import Application, Attachment, Call, CallItem
from disbursement import services
from disbursement.models import Award, Budget
from policies import rules
from policies.models import PolicyItem
from reviews.models import NoticeEntry, PublicNotice
from reviews.services.notices import close_notice
from tests.applications.conftest import submitted
from tests.factories import UserFactory
from tests.reviews.decision_support import move

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENS = datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)
CLOSES = datetime(2025, 4, 30, 17, 0, tzinfo=SHANGHAI)
DURING = datetime(2025, 4, 1, 10, 0, tzinfo=SHANGHAI)

FINANCE_ROLES = (Role.FINANCE_OFFICER, Role.FINANCE_APPROVER)


def yuan(text: str) -> int:
    """'1,000,000.01' → fen."""
    return rules.yuan_to_fen(Decimal(text.replace(",", "")))


def login(client, user):
    client.force_login(user)
    return client


# ---------------------------------------------------------------- time, files, call


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
    """The 2025 call with 7.1, 8.1, 8.3, 9.1 and the three-year rent subsidy 6.1b (rate 50% by the call)."""
    round_id = PolicyItem.objects.get(round__code="changning-ai-2024", code="7.1").round_id
    # Money after the decision is the subject here (recognised_award moves applications past review), so
    # the call holds no expert review: quorum 0 (the audit trail's decision test uses this call too).
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
    CallItem.objects.create(
        call=call, item=PolicyItem.objects.get(round_id=round_id, code="6.1b"), rate=Decimal("0.5")
    )
    return call


# ---------------------------------------------------------------- people


@pytest.fixture
def fay(policy_data):
    return UserFactory(username="fay", roles=[Role.FINANCE_OFFICER], is_staff=True)


@pytest.fixture
def fred(policy_data):
    return UserFactory(username="fred", roles=[Role.FINANCE_APPROVER], is_staff=True)


@pytest.fixture
def frank(policy_data):
    return UserFactory(username="frank", roles=[Role.FINANCE_APPROVER], is_staff=True)


@pytest.fixture
def dora(policy_data):
    return UserFactory(username="dora", roles=[Role.COMMISSION_APPROVER], is_staff=True)


@pytest.fixture
def carol(policy_data):
    return UserFactory(username="carol", roles=[Role.INTAKE_OFFICER], is_staff=True)


@pytest.fixture
def rex(policy_data):
    return UserFactory(username="rex", roles=[Role.EXPERT_REVIEWER])


@pytest.fixture
def administrators(policy_data):
    """The three administrators of 等级保护's 三权分立: none of them may see or move money."""
    return [
        UserFactory(username="sid", roles=[Role.SYSTEM_ADMIN], is_staff=True),
        UserFactory(username="sean", roles=[Role.SECURITY_ADMIN], is_staff=True),
        UserFactory(username="audrey", roles=[Role.AUDIT_ADMIN], is_staff=True),
    ]


@pytest.fixture
def outsiders(alice, carol, rex, administrators):
    """Every logged-in user without a finance role (nor 区科委's approver): the applicant, the intake
    officer, the reviewer and the three administrators."""
    return [alice, carol, rex, *administrators]


# ---------------------------------------------------------------- budgets


def confirmed_budget(year: int, item_code: str, amount_yuan: str, *, entered_by, confirmed_by) -> Budget:
    """Entered by 区科委 and confirmed by 区财政局 through the services (item_code "" = the year total)."""
    budget = services.enter_budget(
        actor=entered_by, year=year, item_code=item_code, amount_fen=yuan(amount_yuan)
    )
    return services.confirm_budget(actor=confirmed_by, budget=budget)


@pytest.fixture
def budget(dora, fay) -> Budget:
    return confirmed_budget(2025, "7.1", "10,000,000", entered_by=dora, confirmed_by=fay)


@pytest.fixture
def year_total(dora, fay) -> Budget:
    return confirmed_budget(2025, "", "50,000,000", entered_by=dora, confirmed_by=fay)


# ---------------------------------------------------------------- awards


def recognise(application: Application, amount_yuan: str, *, actor=None) -> Award:
    """Through 公示 to 认定: recommended, publicised, then the notice closed by reviews' own service —
    which calls the RECOGNITION_HOOKS and so creates the award. Returns the award."""
    application = move(application, Application.Status.RECOMMENDED, Application.Status.PUBLICIZED)
    now = application.updated_at
    notice = PublicNotice.objects.create(
        call=application.call_item.call,
        title="公示",
        published_by=actor or application.created_by,
        published_at=now - timedelta(days=8),
        ends_at=now - timedelta(seconds=1),
    )
    NoticeEntry.objects.create(
        notice=notice,
        application=application,
        organization_name=application.organization.name,
        item_code=application.item.code,
        item_name=application.item.name,
        project_name=application.project_name,
        amount_fen=yuan(amount_yuan),
    )
    close_notice(notice=notice, actor=actor)
    application.refresh_from_db()
    if application.status != Application.Status.RECOGNISED:
        note = application.events.order_by("-at", "-id").first().note
        raise AssertionError(f"{application.number} was not recognised: {note}")
    return Award.objects.get(application=application)


def recognised_award(
    user, call: Call, code: str = "7.1", amount_yuan: str = "600,000", *, facts=None, matter: str, actor=None
) -> Award:
    """A new application of `user`'s organisation submitted, accepted, reviewed and recognised."""
    application = submitted(user, call, code=code, facts=facts, matter=matter)
    application = move(application, Application.Status.ACCEPTED, Application.Status.UNDER_REVIEW)
    return recognise(application, amount_yuan, actor=actor)


@pytest.fixture
def award(clock, private_files, call, alice, dora) -> Award:
    """alice's 7.1 application (自筹 ¥2,000,000 → ceiling ¥600,000), recognised at ¥600,000; pending."""
    return recognised_award(
        alice,
        call,
        "7.1",
        "600,000",
        facts={"self_raised_investment": "2000000"},
        matter="智能视觉平台研发",
        actor=dora,
    )


@pytest.fixture
def approved_award(award, budget, year_total, fred) -> Award:
    """The award approved by fred: ¥600,000 committed in 2025 (7.1 and the total); its installment due."""
    return services.approve_award(actor=fred, award=award)


def pay(*installments, officer, approver, paid_on=None, voucher_prefix: str = "PZ") -> None:
    """Pay due installments through the payment services: the enterprise's administrator's bank account
    (recorded if the organisation has none), a batch prepared by `officer`, approved by `approver`, each
    installment recorded paid with a voucher."""
    from disbursement.models import BankAccount

    for installment in installments:
        organization = installment.award.organization
        if not BankAccount.objects.filter(organization=organization, is_current=True).exists():
            admin = organization.memberships.filter(is_admin=True).first().user
            services.set_bank_account(
                actor=admin,
                organization=organization,
                bank_name="上海银行长宁支行",
                account_name=organization.name,
                account_number="31658800001234567",
                bank_code="325290000012",
            )
    batch = services.create_batch(actor=officer, installment_ids=[i.pk for i in installments])
    services.submit_batch(actor=officer, batch=batch)
    services.approve_batch(actor=approver, batch=batch)
    for installment in installments:
        services.record_payment(
            actor=officer,
            batch=batch,
            installment=installment,
            voucher_no=f"{voucher_prefix}-{installment.pk}",
            paid_on=paid_on or timezone.localdate(),
        )

"""People and objects for the hardening tests (personal data, uploads, hostile input), built lazily.

`Cast` makes each object the first time a test asks for it, through the same services and helpers the
application, review and finance tests use, so a test of one form pays only for what that form needs.
The organisation and its people carry recognisable personal data (PERSONAL), so a test can look for it
in a page. The clock must stand at DURING (the `clock` fixture): the 2025 call is open.

Who is who: alice administers 甲公司 and anna is an ordinary member; bob administers 乙公司; newcomer has
an account but no organisation; carol is an intake officer; dora and erin are commission approvers; rex
and rita expert reviewers; fay a finance officer; fred and frank finance approvers.
"""

from __future__ import annotations

import time
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Organization, User
from accounts.roles import Role
from applications.models import Application, Call, CallItem
from disbursement import services as finance
from disbursement.models import Award, Clawback, Installment, PaymentBatch
from policies.models import PolicyItem
from reviews import services as review_services
from reviews.models import Assignment, NoticeEntry, Objection, Override, PublicNotice, QuorumException
from tests.applications.conftest import PDF, draft, submitted
from tests.disbursement.conftest import confirmed_budget, recognise, yuan
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.reviews.conftest import every_material_checked
from tests.reviews.decision_support import move

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENS = datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)
CLOSES = datetime(2025, 4, 30, 17, 0, tzinfo=SHANGHAI)
DURING = datetime(2025, 4, 1, 10, 0, tzinfo=SHANGHAI)
# Art. 2 as intake records it, with the credit check of the ruling of 2026-12-02 (dated the call's opening).
ARTICLE_2 = {
    "registered_verified": True,
    "operating_verified": True,
    "credit_source": "credit_china",
    "credit_checked_on": OPENS.date(),
    "credit_result": "good",
}

# Personal data that must never reach a public page (and is masked on most others).
LEGAL_REPRESENTATIVE = "欧阳法人"
CONTACT_NAME = "司马联络"
CONTACT_PHONE = "13987654321"
ALICE_EMAIL = "alice.private@mailbox-example.cn"
ALICE_MOBILE = "13811112222"
ANNA_EMAIL = "anna.private@mailbox-example.cn"
ACCOUNT_NUMBER = "6222020012345678901"
OBJECTOR_NAME = "上官异议"
OBJECTOR_CONTACT = "13700009999"
PERSONAL = {
    "legal representative": LEGAL_REPRESENTATIVE,
    "contact name": CONTACT_NAME,
    "contact phone": CONTACT_PHONE,
    "applicant e-mail": ALICE_EMAIL,
    "applicant mobile": ALICE_MOBILE,
    "member e-mail": ANNA_EMAIL,
    "bank account": ACCOUNT_NUMBER,
    "objector name": OBJECTOR_NAME,
    "objector contact": OBJECTOR_CONTACT,
}


def staff(username: str, role: Role, **fields) -> User:
    return UserFactory(username=username, roles=[role], is_staff=True, **fields)


def login(user: User | None) -> Client:
    """A client that shows what went wrong instead of raising it (a 500 is a response to look at), logged
    in as `user` (None: anonymous) with a fresh proof of identity, so re-authentication does not hide the
    form behind its page."""
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
        from accounts.security import AUTH_AT

        session = client.session
        session[AUTH_AT] = int(time.time())
        session.save()
    return client


class Cast:
    """Everything below is built on first use (cached_property), through the services."""

    # ---------------------------------------------------------------- people and the call

    @cached_property
    def org_a(self) -> Organization:
        return OrganizationFactory(
            name="甲公司",
            legal_representative=LEGAL_REPRESENTATIVE,
            contact_name=CONTACT_NAME,
            contact_phone=CONTACT_PHONE,
        )

    @cached_property
    def org_b(self) -> Organization:
        return OrganizationFactory(name="乙公司")

    @cached_property
    def alice(self) -> User:
        user = UserFactory(username="alice", roles=[Role.APPLICANT], email=ALICE_EMAIL, mobile=ALICE_MOBILE)
        MembershipFactory(user=user, organization=self.org_a, admin=True)
        return user

    @cached_property
    def anna(self) -> User:
        user = UserFactory(username="anna", roles=[Role.APPLICANT], email=ANNA_EMAIL)
        MembershipFactory(user=user, organization=self.org_a)
        return user

    @cached_property
    def bob(self) -> User:
        user = UserFactory(username="bob", roles=[Role.APPLICANT])
        MembershipFactory(user=user, organization=self.org_b, admin=True)
        return user

    @cached_property
    def newcomer(self) -> User:
        return UserFactory(username="newcomer", roles=[Role.APPLICANT])

    @cached_property
    def carol(self) -> User:
        return staff("carol", Role.INTAKE_OFFICER)

    @cached_property
    def dora(self) -> User:
        return staff("dora", Role.COMMISSION_APPROVER, first_name="朵拉")

    @cached_property
    def erin(self) -> User:
        return staff("erin", Role.COMMISSION_APPROVER)

    @cached_property
    def rex(self) -> User:
        return staff("rex", Role.EXPERT_REVIEWER)

    @cached_property
    def rita(self) -> User:
        return staff("rita", Role.EXPERT_REVIEWER)

    @cached_property
    def fay(self) -> User:
        return staff("fay", Role.FINANCE_OFFICER)

    @cached_property
    def fred(self) -> User:
        return staff("fred", Role.FINANCE_APPROVER)

    @cached_property
    def frank(self) -> User:
        return staff("frank", Role.FINANCE_APPROVER)

    @cached_property
    def sid(self) -> User:
        return staff("sid", Role.SYSTEM_ADMIN)

    @cached_property
    def sean(self) -> User:
        return staff("sean", Role.SECURITY_ADMIN)

    @cached_property
    def audrey(self) -> User:
        return staff("audrey", Role.AUDIT_ADMIN)

    @cached_property
    def call(self) -> Call:
        round_id = PolicyItem.objects.get(round__code="changning-ai-2024", code="7.1").round_id
        # Who may open which page is the subject here, not the review quorum: a call without expert review.
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

    # ---------------------------------------------------------------- applications

    @cached_property
    def draft(self) -> Application:
        """alice's 7.1 draft with its facts and matter, no materials yet."""
        return draft(self.alice, self.call, matter="草稿项目")

    @cached_property
    def submitted(self) -> Application:
        return submitted(self.alice, self.call, matter="待受理项目")

    @cached_property
    def accepted(self) -> Application:
        application = submitted(self.alice, self.call, matter="待分配项目")
        self._accept(application)
        application.refresh_from_db()
        return application

    def _accept(self, application: Application) -> None:
        # 7.1 is open to enterprises only: carol verifies the recorded type, then accepts.
        review_services.verify_organization_type(actor=self.carol, organization=application.organization)
        review_services.accept_application(
            actor=self.carol,
            application=application,
            materials=every_material_checked(application),
            **ARTICLE_2,
        )

    def _assigned(self, reviewer: User, matter: str) -> Assignment:
        application = submitted(self.alice, self.call, matter=matter)
        self._accept(application)
        application.refresh_from_db()
        (assignment,) = review_services.assign_reviewers(
            actor=self.dora, application=application, reviewers=[reviewer]
        )
        return assignment

    @cached_property
    def awaiting_declaration(self) -> Assignment:
        """rex's assignment, not declared yet."""
        return self._assigned(self.rex, "待声明项目")

    @cached_property
    def scoring(self) -> Assignment:
        """rita's assignment, declared free of conflict: the score sheet is open."""
        assignment = self._assigned(self.rita, "评分中项目")
        review_services.declare_interest(actor=self.rita, assignment=assignment, has_conflict=False)
        assignment.refresh_from_db()
        return assignment

    @cached_property
    def under_review(self) -> Application:
        """alice's 7.1 application under review (自筹 ¥2,000,000 → ceiling ¥600,000): dora may decide."""
        application = submitted(self.alice, self.call, matter="待审定项目")
        return move(application, Application.Status.ACCEPTED, Application.Status.UNDER_REVIEW)

    @cached_property
    def short_of_reviews(self) -> Application:
        """under_review, with the call now asking every reviewer's opinion (none submitted): below quorum."""
        Call.objects.filter(pk=self.call.pk).update(review_quorum=None)
        return self.under_review

    @cached_property
    def proposed_quorum_exception(self) -> QuorumException:
        """dora's exception to decide below the quorum, for erin to confirm."""
        return review_services.propose_quorum_exception(
            actor=self.dora,
            application=self.short_of_reviews,
            reason="两位评审专家因出国无法按期提交意见,批次办理期限将至,需先行审定。",
        )

    @cached_property
    def proposed_override(self) -> Override:
        """dora's 一事一议 above the ceiling, for erin to confirm."""
        return review_services.propose_override(
            actor=self.dora,
            application=self.under_review,
            amount="700000",
            reason="一企一策",
            area="innovation",
            impact="该企业的智能视觉平台将向区内中小企业开放算力和数据服务,对区域产业生态打造有重大影响。",
        )

    @cached_property
    def recommended(self) -> Application:
        application = submitted(
            self.alice, self.call, code="9.1", facts={"service_cost": "400000"}, matter="云服务"
        )
        application = move(application, Application.Status.ACCEPTED, Application.Status.UNDER_REVIEW)
        review_services.record_decision(
            actor=self.dora, application=application, recommended=True, amount="100000", reasons="符合条件"
        )
        application.refresh_from_db()
        return application

    @cached_property
    def notice(self) -> PublicNotice:
        """The open 公示 of the call, with the recommended application as its entry."""
        self.recommended
        return review_services.publish_notice(actor=self.dora, call=self.call)

    @cached_property
    def entry(self) -> NoticeEntry:
        return self.notice.entries.get()

    @cached_property
    def objection(self) -> Objection:
        return review_services.lodge_objection(
            entry=self.entry, name=OBJECTOR_NAME, contact=OBJECTOR_CONTACT, content="该项目资金来源存疑。"
        )

    # ---------------------------------------------------------------- money

    @cached_property
    def budgets(self) -> None:
        confirmed_budget(2025, "7.1", "10,000,000", entered_by=self.dora, confirmed_by=self.fay)
        confirmed_budget(2025, "", "50,000,000", entered_by=self.dora, confirmed_by=self.fay)

    def _award(self, matter: str) -> Award:
        application = submitted(self.alice, self.call, matter=matter)
        application = move(application, Application.Status.ACCEPTED, Application.Status.UNDER_REVIEW)
        return recognise(application, "600,000", actor=self.dora)

    @cached_property
    def pending_award(self) -> Award:
        """Recognised at ¥600,000, waiting for 区财政局."""
        return self._award("待审核资助")

    @cached_property
    def bank_account(self):
        return finance.set_bank_account(
            actor=self.alice,
            organization=self.org_a,
            bank_name="上海银行长宁支行",
            account_name="甲公司",
            account_number=ACCOUNT_NUMBER,
            bank_code="325290000012",
        )

    @cached_property
    def approved_award(self) -> Award:
        """Approved by fred: its one installment due, the organisation's account recorded."""
        self.budgets
        self.bank_account
        return finance.approve_award(actor=self.fred, award=self._award("已批准资助"))

    @cached_property
    def due_installment(self) -> Installment:
        return self.approved_award.installments.get(status=Installment.Status.DUE)

    @cached_property
    def submitted_batch(self) -> PaymentBatch:
        batch = finance.create_batch(actor=self.fay, installment_ids=[self.due_installment.pk])
        return finance.submit_batch(actor=self.fay, batch=batch)

    @cached_property
    def approved_batch(self) -> PaymentBatch:
        return finance.approve_batch(actor=self.fred, batch=self.submitted_batch)

    # ---------------------------------------------------------------- 年度兑现 (yearly claims)

    @cached_property
    def rent_run(self) -> Award:
        """alice's 6.1b (the call's rate 50%), recognised at ¥300,000 and approved: three yearly claims."""
        item = PolicyItem.objects.get(round_id=self.call.round_id, code="6.1b")
        CallItem.objects.create(call=self.call, item=item, rate="0.5")
        confirmed_budget(2025, "6.1b", "5,000,000", entered_by=self.dora, confirmed_by=self.fay)
        application = submitted(
            self.alice,
            self.call,
            code="6.1b",
            facts={"annual_rent": "600000", "vc_rounds": "2"},
            matter="房租",
        )
        application = move(application, Application.Status.ACCEPTED, Application.Status.UNDER_REVIEW)
        award = recognise(application, "300,000", actor=self.dora)
        return finance.approve_award(actor=self.fred, award=award)

    @cached_property
    def open_claim(self):
        """Year 1, in its window, not yet claimed."""
        return self.rent_run.claims.get(year=1)

    @cached_property
    def submitted_claim(self):
        """Year 1 claimed by alice with its rent proof: waiting for 区科委."""
        return finance.submit_claim(
            actor=self.alice,
            claim=self.open_claim,
            annual_rent="600000",
            office_confirmed=True,
            office_address="上海市长宁区长宁路 1 号",
            rent_proof=SimpleUploadedFile("rent.pdf", PDF, content_type="application/pdf"),
        )

    @cached_property
    def clawback(self) -> Clawback:
        """A clawback of part of a paid award: money the enterprise has to pay back."""
        batch = self.approved_batch
        finance.record_payment(
            actor=self.fay,
            batch=batch,
            installment=self.due_installment,
            voucher_no="PZ-1",
            paid_on=DURING.date(),
        )
        return finance.record_clawback(
            actor=self.fay,
            award=self.approved_award,
            reason=Clawback.Reason.choices[0][0],
            amount_fen=yuan("100,000"),
            description="项目未按期验收",
        )

    # ---------------------------------------------------------------- 一企一策 support agreements (issue 11)

    @cached_property
    def agreement_line(self) -> None:
        from disbursement.models import AGREEMENT_BUDGET_CODE

        confirmed_budget(
            2025, AGREEMENT_BUDGET_CODE, "5,000,000", entered_by=self.dora, confirmed_by=self.fay
        )

    @cached_property
    def proposed_agreement(self):
        """dora's proposal for 甲公司 (¥1,000,000 from the 2025 一企一策 line), waiting for 区财政局."""
        self.agreement_line
        return finance.propose_agreement(
            actor=self.dora,
            organization=self.org_a,
            title="大模型开源社区建设",
            area="environment",
            reason="对区域人工智能产业生态打造有重大影响",
            amount_fen=yuan("1,000,000"),
            budget_year=2025,
        )

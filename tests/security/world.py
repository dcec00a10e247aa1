"""A world with one object of every kind a URL of the portal can name, and one user per role.

`build_world(time_machine)` builds it through the services (as the application, review and finance tests
do), so every object is in a state the portal itself can reach:

- 甲公司 (org A), administered by applicant_a; 乙公司 (org B), administered by applicant_b. A pending request
  to join A (by "anna"), for the membership pages.
- The 2025 call (items 7.1, 8.1, 8.3, 9.1). Three applications of A:
  `late` (7.1): submitted, accepted, assigned to reviewer_assigned only, scored, decided, published (公示)
  and closed, so recognised (认定); its award approved, the installment paid in a batch, then clawed back
  in part. `publicized` (9.1): accepted, under review, an 一事一议 proposed by a second approver (not the
  matrix's approver, so the approver may open its confirmation), decided and now in an open 公示 with an
  objection lodged. `draft` (7.1): a draft with one uploaded material.
- Budgets: 2025 7.1 and the year's total confirmed; 2025 8.1 entered, waiting for 区财政局.
- Inbox messages for A's applicant (written by the services), e-mail deliveries, a holiday, an award
  recorded from another policy (B's), an audit archive row, a TOTP and a static device.

The clock ends at `world.now`, the morning after the first 公示 ended (2025-04-09 09:59:59 Shanghai): the
call is open, the first 公示 closed and the second open. `build_world` leaves the time_machine fixture it
is given standing there, and callers keep it there.

`world.kwargs` maps each URL name to the arguments that point at A's objects, so applicant_b, the
unassigned reviewer and every other role probe what is not theirs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.utils import timezone

from accounts.models import Delivery, Membership, Notification, Organization, User
from accounts.roles import Role
from applications import services as application_services
from applications.models import Application, ApplicationRevision, Attachment, Call, CallItem
from audit.models import AuditArchive, AuditRecord
from disbursement import services as finance
from disbursement.models import (
    Award,
    BankAccount,
    Budget,
    Clawback,
    Installment,
    PaymentBatch,
    SupportAgreement,
    YearlyClaim,
)
from policies.models import PolicyItem, PolicyRound, RecordedAward
from reviews import services as review_services
from reviews.models import (
    Assignment,
    Decision,
    Holiday,
    NoticeEntry,
    Objection,
    Override,
    PublicNotice,
    QuorumException,
)
from reviews.services.scoring import ScoreSheet
from tests.applications.conftest import draft, pdf, submitted
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.reviews.conftest import every_material_checked

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2025, 4, 1, 10, 0, tzinfo=SHANGHAI)  # a Tuesday, inside the call
OPENS = datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)
CLOSES = datetime(2025, 4, 30, 17, 0, tzinfo=SHANGHAI)

# The twelve roles of the matrix, in the table's column order. "anonymous" has no user.
ROLES = (
    "anonymous",
    "applicant_a",
    "applicant_b",
    "intake",
    "reviewer_assigned",
    "reviewer_unassigned",
    "approver",
    "finance_officer",
    "finance_approver",
    "system_admin",
    "security_admin",
    "audit_admin",
)

# Art. 2 as intake records it, with the credit check of the ruling of 2026-12-02 (dated the call's opening).
ARTICLE_2 = {
    "registered_verified": True,
    "operating_verified": True,
    "credit_source": "credit_china",
    "credit_checked_on": OPENS.date(),
    "credit_result": "good",
}


@dataclass
class World:
    now: datetime
    users: dict[str, User | None]  # role → user; "anonymous" → None
    org_a: Organization
    org_b: Organization
    call: Call
    call_item: CallItem
    late: Application  # recognised, paid, partly clawed back
    publicized: Application  # in an open 公示, with an objection and a proposed 一事一议
    draft: Application  # A's draft with one material
    draft_attachment: Attachment
    submitted_attachment: Attachment  # frozen in the late application's revision 1
    revision: ApplicationRevision
    assignment: Assignment  # reviewer_assigned on `late`, submitted
    decision: Decision
    closed_notice: PublicNotice
    open_notice: PublicNotice
    entry: NoticeEntry  # the publicized application's line in the open notice
    objection: Objection
    override: Override
    award: Award
    paid_installment: Installment
    budget: Budget  # confirmed
    pending_budget: Budget  # entered, not confirmed
    bank_account: BankAccount
    batch: PaymentBatch
    clawback: Clawback
    notification: Notification  # in applicant_a's inbox
    audit_record: AuditRecord  # of a change to the late application
    membership_request: Membership  # pending, to org A
    extra_users: dict[str, User] = field(default_factory=dict)
    # 年度兑现: a yearly claim on A's award, open in its window, with a rent proof on file.
    yearly_claim: YearlyClaim | None = None
    kwargs: dict[str, dict[str, Any]] = field(default_factory=dict)
    agreement: SupportAgreement | None = None  # A's 一企一策 agreement, proposed, awaiting 区财政局
    # approver2's exception to decide the publicized application below quorum, proposed before its
    # reviewer submitted (then moot), awaiting a second approver.
    quorum_exception: QuorumException | None = None

    def user(self, role: str) -> User | None:
        return self.users[role]


def _staff(username: str, role: Role) -> User:
    # Every staff role's account is is_staff, as seed_demo makes them.
    return UserFactory(username=username, roles=[role], is_staff=True)


def _applicant(username: str, organization: Organization, *, admin: bool = True) -> User:
    user = UserFactory(username=username, roles=[Role.APPLICANT])
    MembershipFactory(user=user, organization=organization, admin=admin)
    return user


def _score_all(assignment: Assignment, value: str = "4.0", suggested_fen: int | None = None) -> None:
    criteria = list(assignment.application.item.criteria.all())
    sheet = ScoreSheet(
        scores={c.pk: Decimal(value) for c in criteria},
        comments={c.pk: "论证充分" for c in criteria},
        recommendation=Assignment.Recommendation.SUPPORT,
        suggested_fen=suggested_fen,
        overall_comment="建议支持",
    )
    review_services.save_scores(actor=assignment.reviewer, assignment=assignment, sheet=sheet, submit=True)


def build_world(time_machine) -> World:
    """Build the world (see the module's docstring). `time_machine` is pytest's time_machine fixture;
    it is left standing at `world.now`. Needs the database (the caller's `db` or a transaction)."""
    time_machine.move_to(START, tick=False)
    if not PolicyRound.objects.exists():
        call_command("loadpolicy", verbosity=0)

    # ------------------------------------------------------------ people
    org_a = OrganizationFactory(name="甲公司")
    org_b = OrganizationFactory(name="乙公司")
    users: dict[str, User | None] = {
        "anonymous": None,
        "applicant_a": _applicant("applicant_a", org_a),
        "applicant_b": _applicant("applicant_b", org_b),
        "intake": _staff("intake", Role.INTAKE_OFFICER),
        "reviewer_assigned": _staff("reviewer_assigned", Role.EXPERT_REVIEWER),
        "reviewer_unassigned": _staff("reviewer_unassigned", Role.EXPERT_REVIEWER),
        "approver": _staff("approver", Role.COMMISSION_APPROVER),
        "finance_officer": _staff("finance_officer", Role.FINANCE_OFFICER),
        "finance_approver": _staff("finance_approver", Role.FINANCE_APPROVER),
        "system_admin": _staff("system_admin", Role.SYSTEM_ADMIN),
        "security_admin": _staff("security_admin", Role.SECURITY_ADMIN),
        "audit_admin": _staff("audit_admin", Role.AUDIT_ADMIN),
    }
    applicant_a = users["applicant_a"]
    approver = users["approver"]
    officer = users["finance_officer"]
    finance_approver = users["finance_approver"]
    # A second commission approver proposes the 一事一议, so the matrix's approver may confirm it.
    approver2 = _staff("approver2", Role.COMMISSION_APPROVER)
    # A third reviewer, on the publicized application only: reviewer_unassigned stays unassigned to every
    # application of A, and reviewer_assigned's one assignment is the late application's.
    other_reviewer = _staff("reviewer_other", Role.EXPERT_REVIEWER)
    joiner = UserFactory(username="anna", roles=[Role.APPLICANT])
    membership_request = MembershipFactory(user=joiner, organization=org_a, pending=True)

    # ------------------------------------------------------------ the call and the budgets
    round_id = PolicyItem.objects.get(round__code="changning-ai-2024", code="7.1").round_id
    # Each application here is reviewed by one expert: a call that decides on one submitted opinion.
    call = Call.objects.create(
        round_id=round_id,
        year=2025,
        title="2025 年度人工智能专项申报",
        opens_at=OPENS,
        closes_at=CLOSES,
        review_quorum=1,
    )
    for code in ("7.1", "8.1", "8.3", "9.1"):
        CallItem.objects.create(call=call, item=PolicyItem.objects.get(round_id=round_id, code=code))
    call_item = call.call_items.get(item__code="7.1")
    budget = finance.confirm_budget(
        actor=officer,
        budget=finance.enter_budget(actor=approver, year=2025, item_code="7.1", amount_fen=10_000_000_00),
    )
    finance.confirm_budget(
        actor=officer,
        budget=finance.enter_budget(actor=approver, year=2025, item_code="", amount_fen=50_000_000_00),
    )
    pending_budget = finance.enter_budget(actor=approver, year=2025, item_code="8.1", amount_fen=2_000_000_00)

    # ------------------------------------------------------------ the late application, up to 公示
    late = submitted(applicant_a, call, code="7.1", facts={"self_raised_investment": "2000000"})
    # 7.1 is open to enterprises only: 区科委 verifies A's recorded type before accepting.
    review_services.verify_organization_type(actor=users["intake"], organization=late.organization)
    review_services.accept_application(
        actor=users["intake"], application=late, materials=every_material_checked(late), **ARTICLE_2
    )
    (assignment,) = review_services.assign_reviewers(
        actor=approver, application=late, reviewers=[users["reviewer_assigned"]]
    )
    review_services.declare_interest(actor=assignment.reviewer, assignment=assignment, has_conflict=False)
    _score_all(assignment, suggested_fen=600_000_00)
    decision = review_services.record_decision(
        actor=approver, application=late, recommended=True, amount="600000", reasons="符合条件,予以支持。"
    )

    # The publicized application reaches review now too (it is decided after the first 公示).
    publicized = submitted(
        applicant_a, call, code="9.1", facts={"service_cost": "900000"}, matter="智能客服云服务"
    )
    review_services.accept_application(
        actor=users["intake"],
        application=publicized,
        materials=every_material_checked(publicized),
        **ARTICLE_2,
    )
    (publicized_assignment,) = review_services.assign_reviewers(
        actor=approver, application=publicized, reviewers=[other_reviewer]
    )

    closed_notice = review_services.publish_notice(actor=approver, call=call)

    # ------------------------------------------------------------ after the first 公示: 认定 and money
    time_machine.move_to(closed_notice.ends_at + timedelta(hours=10), tick=False)
    review_services.close_notice(notice=closed_notice, actor=approver)
    late.refresh_from_db()
    assert late.status == Application.Status.RECOGNISED, late.status
    award = finance.approve_award(actor=finance_approver, award=Award.objects.get(application=late))
    bank_account = finance.set_bank_account(
        actor=applicant_a,
        organization=org_a,
        bank_name="招商银行上海长宁支行",
        account_name=org_a.name,
        account_number="6222021001123456789",
        bank_code="308290003011",
    )
    installments = list(award.installments.filter(status=Installment.Status.DUE))
    batch = finance.create_batch(actor=officer, installment_ids=[i.pk for i in installments])
    finance.submit_batch(actor=officer, batch=batch)
    finance.approve_batch(actor=finance_approver, batch=batch)
    paid_installment = installments[0]
    # Proposed while A is still in good standing (the clawback below leaves money owed: Art. 2).
    agreement = finance.propose_agreement(
        actor=approver,
        organization=org_a,
        title="大模型开源社区建设",
        area=SupportAgreement.Area.ENVIRONMENT,
        reason="对区域人工智能产业生态打造有重大影响",
        amount_fen=1_000_000_00,
        budget_year=2025,
    )
    finance.record_payment(
        actor=officer,
        batch=batch,
        installment=paid_installment,
        voucher_no="PZ-2025-0001",
        paid_on=timezone.localdate(),
    )

    # ------------------------------------------------------------ the second 公示, open, with an objection
    override = review_services.propose_override(
        actor=approver2,
        application=publicized,
        amount="5000000",
        reason="重大项目,一事一议",
        area="innovation",
        impact="该项目带动区内人工智能企业形成算力、数据与应用协同的产业集群,对区域产业生态打造有重大影响。",
    )
    quorum_exception = review_services.propose_quorum_exception(
        actor=approver2,
        application=publicized,
        reason="评审专家尚未提交意见,批次办理期限将至,拟先行审定。",
    )
    review_services.declare_interest(
        actor=other_reviewer, assignment=publicized_assignment, has_conflict=False
    )
    _score_all(publicized_assignment, suggested_fen=100_000_00)  # the call's quorum of one
    review_services.record_decision(
        actor=approver, application=publicized, recommended=True, amount="100000", reasons="符合条件。"
    )
    open_notice = review_services.publish_notice(actor=approver, call=call)
    entry = open_notice.entries.get()
    objection = review_services.lodge_objection(
        entry=entry, name="王某", contact="13800000000", content="该项目申报数据存疑。"
    )
    # The clawback comes last of A's money matters: from then on A is not in good standing (Art. 2, the
    # ruling of 2026-12-02), and nothing of A's after it could be accepted or decided with an amount.
    clawback = finance.record_clawback(
        actor=officer,
        award=award,
        reason=Clawback.Reason.values[0],
        amount_fen=100_000_00,
        description="核查发现部分投入不符合条件",
    )

    # ------------------------------------------------------------ A's draft with a material
    draft_application = draft(applicant_a, call, code="7.1", matter="第二代视觉算法研发")
    material = draft_application.item.materials.filter(required=True).first()
    draft_attachment = application_services.add_attachment(
        actor=applicant_a, application=draft_application, material_code=material.code, upload=pdf()
    )

    # ------------------------------------------------------------ A's 营业执照, handed to 区科委 (issue 14)
    org_a.business_licence.save("licence.pdf", pdf(), save=False)
    org_a.business_licence_type = "application/pdf"
    org_a.save(update_fields=["business_licence", "business_licence_type"])

    # ------------------------------------------------------------ the rest the admin lists
    RecordedAward.objects.create(
        organization=org_b,
        matter="区级人才项目",
        source_policy="长宁区人才政策",
        amount_fen=50_000_00,
        awarded_on=date(2024, 6, 1),
    )
    Holiday.objects.get_or_create(date=date(2025, 10, 1), defaults={"name": "国庆节"})
    AuditArchive.objects.create(
        first_seq=1,
        last_seq=1,
        last_hash="0" * 64,
        record_count=1,
        file_name="audit-0001.jsonl",
        file_sha256="0" * 64,
    )
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=users["security_admin"], name="手机", confirmed=True)
    StaticDevice.objects.create(user=users["security_admin"], name="恢复码", confirmed=True)
    if not Delivery.objects.exists():  # the services queue e-mails; this only guards the admin's row
        raise AssertionError("the services wrote no delivery: the world no longer covers the delivery log")

    revision = late.revisions.order_by("number").first()
    submitted_attachment = revision.attachments.first()
    notification = Notification.objects.filter(recipient=applicant_a).order_by("pk").first()
    assert notification is not None, "the services told applicant_a nothing"

    for obj in (late, publicized, draft_application, award, batch, pending_budget, clawback, override):
        obj.refresh_from_db()
    world = World(
        now=timezone.now(),
        users=users,
        org_a=org_a,
        org_b=org_b,
        call=call,
        call_item=call_item,
        late=late,
        publicized=publicized,
        draft=draft_application,
        draft_attachment=draft_attachment,
        submitted_attachment=submitted_attachment,
        revision=revision,
        assignment=assignment,
        decision=decision,
        closed_notice=closed_notice,
        open_notice=open_notice,
        entry=entry,
        objection=objection,
        override=override,
        award=award,
        paid_installment=paid_installment,
        budget=budget,
        pending_budget=pending_budget,
        bank_account=bank_account,
        batch=batch,
        clawback=clawback,
        notification=notification,
        audit_record=AuditRecord.objects.filter(
            object_type="applications.application", object_id=str(late.pk)
        )
        .order_by("seq")
        .first(),
        membership_request=membership_request,
        extra_users={"approver2": approver2, "reviewer_other": other_reviewer, "anna": joiner},
        quorum_exception=quorum_exception,
        agreement=agreement,
    )
    # A's award is a one-off 7.1: the claim is made directly on it so that every claim URL has an object
    # of A's to probe (the yearly flow itself is tested in tests/disbursement/test_claims.py).
    world.yearly_claim = YearlyClaim.objects.create(award=award, year=1, rent_year=2025)
    world.yearly_claim.rent_proof.save("proof.pdf", pdf(), save=False)
    world.yearly_claim.rent_proof_name = "房租发票.pdf"
    world.yearly_claim.rent_proof_type = "application/pdf"
    world.yearly_claim.save()
    world.kwargs = url_kwargs(world)
    return world


def url_kwargs(world: World) -> dict[str, dict[str, Any]]:
    """URL name → the arguments that point at A's objects (URLs without arguments are not listed)."""
    late, a_draft = world.late, world.draft
    return {
        # accounts
        "accounts:password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
        "accounts:unlock_confirm": {"token": "not-a-signed-token"},
        "accounts:approve_member": {"pk": world.membership_request.pk},
        "accounts:reject_member": {"pk": world.membership_request.pk},
        "accounts:inbox_message": {"pk": world.notification.pk},
        "accounts:organization_document": {"kind": "licence"},
        # applications (the enterprise's side)
        "applications:start": {"call_item_id": world.call_item.pk},
        "applications:detail": {"pk": late.pk},
        "applications:edit": {"pk": a_draft.pk},
        "applications:autosave": {"pk": a_draft.pk},
        "applications:upload": {"pk": a_draft.pk},
        "applications:remove_attachment": {"pk": a_draft.pk, "attachment_id": world.draft_attachment.pk},
        "applications:download": {"pk": a_draft.pk, "attachment_id": world.draft_attachment.pk},
        "applications:submit": {"pk": a_draft.pk},
        "applications:withdraw": {"pk": world.publicized.pk},
        # The late application is recognised: A is told it cannot be copied (a withdrawn one is tested in
        # tests/applications/test_apply_once.py); the draft is A's to delete.
        "applications:copy": {"pk": late.pk},
        "applications:delete": {"pk": a_draft.pk},
        "applications:revision": {"pk": late.pk, "number": world.revision.number},
        "applications:document": {"pk": late.pk, "kind": "recognition"},
        # reviews (staff)
        "reviews:intake_check": {"pk": late.pk},
        "reviews:staff_download": {"pk": late.pk, "attachment_id": world.submitted_attachment.pk},
        "reviews:identity_check": {"pk": world.org_a.pk},
        "reviews:identity_document": {"pk": world.org_a.pk, "kind": "licence"},
        "reviews:assign_application": {"pk": late.pk},
        "reviews:auto_assign": {"pk": late.pk},
        "reviews:declare": {"pk": world.assignment.pk},
        "reviews:score": {"pk": world.assignment.pk},
        "reviews:decide": {"pk": late.pk},
        "reviews:override_propose": {"pk": late.pk},
        "reviews:override_confirm": {"pk": world.override.pk},
        "reviews:quorum_exception_propose": {"pk": late.pk},
        "reviews:quorum_exception_confirm": {"pk": world.quorum_exception.pk},
        "reviews:notice": {"pk": world.open_notice.pk},
        "reviews:objection_decide": {"pk": world.open_notice.pk, "objection_id": world.objection.pk},
        "reviews:notice_close": {"pk": world.open_notice.pk},
        "reviews:call_export": {"pk": world.call.pk},
        "reviews:document": {"pk": late.pk, "kind": "application"},
        # 公示 (public)
        "notices:detail": {"pk": world.open_notice.pk},
        "notices:object": {"pk": world.open_notice.pk, "entry_id": world.entry.pk},
        "notices:list_pdf": {"pk": world.closed_notice.pk},
        # finance (staff)
        "disbursement:budget_confirm": {"pk": world.pending_budget.pk},
        "disbursement:award": {"pk": world.award.pk},
        "disbursement:award_approve": {"pk": world.award.pk},
        "disbursement:award_acceptance": {"pk": world.award.pk},
        "disbursement:award_clawback": {"pk": world.award.pk},
        "disbursement:clawback_recovery": {"pk": world.clawback.pk},
        "disbursement:batch": {"pk": world.batch.pk},
        "disbursement:batch_submit": {"pk": world.batch.pk},
        "disbursement:batch_withdraw": {"pk": world.batch.pk},
        "disbursement:batch_approve": {"pk": world.batch.pk},
        "disbursement:batch_return": {"pk": world.batch.pk},
        "disbursement:payment_paid": {"pk": world.batch.pk, "installment_pk": world.paid_installment.pk},
        "disbursement:payment_failed": {"pk": world.batch.pk, "installment_pk": world.paid_installment.pk},
        "disbursement:batch_export": {"pk": world.batch.pk},
        "disbursement:batch_sheet": {"pk": world.batch.pk},
        "disbursement:batch_notices": {"pk": world.batch.pk},
        # The world has no notice job: finance staff get 404, everyone else is refused before the lookup.
        "disbursement:batch_notices_download": {"pk": world.batch.pk, "job_pk": world.batch.pk},
        "disbursement:award_notice": {"pk": world.award.pk},
        # the enterprise's awards
        "awards:notice_pdf": {"award_pk": world.award.pk},
        # 一企一策 support agreements (issue 11)
        "disbursement:agreement": {"pk": world.agreement.pk},
        "disbursement:agreement_decide": {"pk": world.agreement.pk},
        # the three administrators' pages (/manage/, /audit/): A's administrator's account, a record of
        # the trail about A's late application
        "administration:user_edit": {"pk": world.users["applicant_a"].pk},
        "administration:user_deactivate": {"pk": world.users["applicant_a"].pk},
        "administration:user_reactivate": {"pk": world.users["applicant_a"].pk},
        "administration:role_edit": {"pk": world.users["applicant_a"].pk},
        "audit:record": {"pk": world.audit_record.pk},
        # public policy pages
        "policies:round": {"code": "changning-ai-2024"},
        "policies:item": {"code": "changning-ai-2024", "item": "7.1"},
        # 年度兑现: the enterprise's claim pages and 区科委's
        **{
            name: {"pk": world.yearly_claim.pk}
            for name in (
                "awards:claim",
                "awards:claim_submit",
                "awards:claim_proof",
                "disbursement:claim",
                "disbursement:claim_proof",
                "disbursement:claim_accept",
                "disbursement:claim_return",
                "disbursement:claim_refuse",
            )
        },
    }

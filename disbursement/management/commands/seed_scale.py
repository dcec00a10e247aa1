"""`manage.py seed_scale --applications 100000`: a benchmark world in the shapes the services make.

Organisations (one per 20 applications) with an administrator and a bank account; three annual calls of
the published round; applications spread over every status with their revision, status timeline, intake
check, expert assignments and rubric scores, decisions, public notices with their entries, awards with
installments, payment batches and payment records; budgets; a hash-chained audit trail; inbox messages.

Everything is written with bulk_create in batches (no signals, no per-row audit): 100,000 applications take
minutes. The audit records are chained and keyed exactly as audit.services.record chains them, continuing
from the current head, so `manage.py verify_audit` still passes.

This is for benchmark databases only: it refuses to run unless DEBUG is on or --yes-really is given, and on
a database that already holds applications it needs --yes-really as well.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, models, transaction
from stdnum.cn import uscc as stdnum_uscc

from accounts.models import Membership, Notification, Organization, User
from accounts.roles import Role, group_for
from applications.models import Application, ApplicationRevision, Call, CallItem, StatusEvent
from audit.models import AuditArchive, AuditRecord
from changning_ai.commands import OneLineErrorCommand
from disbursement.models import (
    Award,
    BankAccount,
    Budget,
    Installment,
    PaymentBatch,
    PaymentRecord,
)
from policies.models import PolicyRound
from reviews.models import Assignment, Decision, IntakeCheck, NoticeEntry, PublicNotice, Score
from reviews.services.assignment import fill_shortfalls

S = Application.Status
BATCH = 5000
# How an application's statuses follow one another (the services' transitions), per final status.
PATHS: dict[str, tuple[str, ...]] = {
    S.DRAFT: (),
    S.SUBMITTED: (S.SUBMITTED,),
    S.RETURNED: (S.SUBMITTED, S.RETURNED),
    S.NOT_ACCEPTED: (S.SUBMITTED, S.NOT_ACCEPTED),
    S.WITHDRAWN: (S.SUBMITTED, S.WITHDRAWN),
    S.ACCEPTED: (S.SUBMITTED, S.ACCEPTED),
    S.UNDER_REVIEW: (S.SUBMITTED, S.ACCEPTED, S.UNDER_REVIEW),
    S.RECOMMENDED: (S.SUBMITTED, S.ACCEPTED, S.UNDER_REVIEW, S.RECOMMENDED),
    S.NOT_RECOMMENDED: (S.SUBMITTED, S.ACCEPTED, S.UNDER_REVIEW, S.NOT_RECOMMENDED),
    S.REJECTED: (S.SUBMITTED, S.ACCEPTED, S.UNDER_REVIEW, S.NOT_RECOMMENDED, S.REJECTED),
    S.PUBLICIZED: (S.SUBMITTED, S.ACCEPTED, S.UNDER_REVIEW, S.RECOMMENDED, S.PUBLICIZED),
    S.RECOGNISED: (S.SUBMITTED, S.ACCEPTED, S.UNDER_REVIEW, S.RECOMMENDED, S.PUBLICIZED, S.RECOGNISED),
}
# Older calls are settled; the current year's call is spread over the whole workflow.
SETTLED = {S.RECOGNISED: 55, S.REJECTED: 12, S.NOT_ACCEPTED: 8, S.WITHDRAWN: 5, S.NOT_RECOMMENDED: 0}
CURRENT = {
    S.DRAFT: 12,
    S.SUBMITTED: 10,
    S.RETURNED: 3,
    S.NOT_ACCEPTED: 3,
    S.WITHDRAWN: 2,
    S.ACCEPTED: 8,
    S.UNDER_REVIEW: 22,
    S.RECOMMENDED: 6,
    S.NOT_RECOMMENDED: 6,
    S.REJECTED: 3,
    S.PUBLICIZED: 10,
    S.RECOGNISED: 15,
}
ACCEPTED_OR_LATER = {s for s, path in PATHS.items() if S.ACCEPTED in path}
REVIEWED = {s for s, path in PATHS.items() if S.UNDER_REVIEW in path}
DECIDED = {s for s, path in PATHS.items() if S.RECOMMENDED in path or S.NOT_RECOMMENDED in path}
NOTICE_ENTRY_LIMIT = 7500  # the largest notice of the measurement had 7,652 lines
STAFF = {
    Role.INTAKE_OFFICER: 4,
    Role.COMMISSION_APPROVER: 3,
    Role.FINANCE_OFFICER: 3,
    Role.FINANCE_APPROVER: 3,
    Role.AUDIT_ADMIN: 1,
    Role.SYSTEM_ADMIN: 1,
}
AUDIT_ACTIONS = (
    "application.update",
    "application.create",
    "login",
    "document.download",
    "assignment.update",
    "decision.create",
    "installment.update",
    "award.update",
)


def _uscc(n: int) -> str:
    body = f"91310105{n:09d}"
    return body + stdnum_uscc.calc_check_digit(body)


class Command(OneLineErrorCommand):
    help = "为性能基准生成大规模演示数据(仅限基准数据库)。"

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, required=True, help="申报数量,如 100000")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子(相同种子生成相同数据)")
        parser.add_argument("--audit-per-application", type=int, default=10, help="每件申报的审计记录数")
        parser.add_argument(
            "--notifications-per-application", type=int, default=14, help="每件申报的站内消息数"
        )
        parser.add_argument("--yes-really", action="store_true", help="在非调试环境或已有数据的数据库上运行")

    def handle(self, *args, **options):
        n = options["applications"]
        if n < 20 or n > 2_000_000:
            raise self.fail("--applications 应在 20 到 2000000 之间")
        if options["audit_per_application"] < 0 or options["notifications_per_application"] < 0:
            raise self.fail("每件申报的记录数不能为负数")
        if not (settings.DEBUG or options["yes_really"]):
            raise self.fail("拒绝运行:仅用于基准数据库,请在 DEBUG 下运行或加 --yes-really")
        existing = Application.objects.count()
        if existing and not options["yes_really"]:
            raise self.fail(f"数据库已有 {existing} 件申报;确需追加请加 --yes-really")
        self.n = n
        self.rng = random.Random(options["seed"])  # noqa: S311 (reproducible bench data, not secrets)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.password = make_password("Scale-bench-2026!")
        started = time.perf_counter()
        call_command("loadpolicy", verbosity=0)
        self.tag = f"s{options['seed']}-{existing}"
        steps = [
            ("staff", self._staff),
            ("organisations", lambda: self._organisations(max(1, n // 20))),
            ("calls", self._calls),
            ("applications", lambda: self._applications(n)),
            ("review", self._review),
            ("notices", self._notices),
            ("money", self._money),
            ("audit", lambda: self._audit(n * options["audit_per_application"])),
            ("notifications", lambda: self._notifications(n * options["notifications_per_application"])),
        ]
        for name, step in steps:
            t = time.perf_counter()
            with transaction.atomic():
                count = step()
            self.stdout.write(f"  {name:<14} {count:>9} 行  {time.perf_counter() - t:6.1f} s")
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
        self.stdout.write(f"完成:{n} 件申报,用时 {time.perf_counter() - started:.0f} 秒")

    # -- people -------------------------------------------------------------------------------------
    def _users(self, specs: list[tuple[str, str]]) -> list[User]:
        users = [
            User(username=u, first_name=label, email=f"{u}@scale.invalid", password=self.password)
            for u, label in specs
        ]
        return User.objects.bulk_create(users, batch_size=BATCH)

    def _staff(self) -> int:
        # An expert reviews a few hundred applications at most: the pool grows with the world.
        n_reviewers = 30 + self.n // 400
        self.staff: dict[Role, list[User]] = {}
        count = 0
        for role, k in {**STAFF, Role.EXPERT_REVIEWER: n_reviewers}.items():
            users = self._users(
                [(f"scale-{self.tag}-{role.value}-{i:03d}", str(role.label)) for i in range(k)]
            )
            group_for(role).user_set.add(*users)
            self.staff[role] = users
            count += k
        return count

    def _organisations(self, k: int) -> int:
        base = Organization.objects.count() + self.rng.randrange(10_000_000)
        orgs = [
            Organization(
                uscc=_uscc(base + i),
                name=f"上海长宁示例人工智能科技有限公司{base + i:07d}",
                registered_address=f"上海市长宁区示例路{i % 999 + 1}号",
                registered_in_changning=True,
                org_type="enterprise" if i % 7 else "",
                is_sme=bool(i % 3),
                contact_name="联系人",
                contact_phone="021-62000000",
                # Verified (issue 14): only verified organisations apply and are paid.
                identity_status=Organization.IdentityStatus.VERIFIED,
                verified_name=f"上海长宁示例人工智能科技有限公司{base + i:07d}",
            )
            for i in range(k)
        ]
        self.orgs = Organization.objects.bulk_create(orgs, batch_size=BATCH)
        self.org_users = self._users([(f"scale-{self.tag}-org-{o.pk}", "企业用户") for o in self.orgs])
        group_for(Role.APPLICANT).user_set.add(*self.org_users)
        Membership.objects.bulk_create(
            [
                Membership(user=u, organization=o, is_admin=True, status=Membership.Status.APPROVED)
                for u, o in zip(self.org_users, self.orgs, strict=True)
            ],
            batch_size=BATCH,
        )
        finance = self.staff[Role.FINANCE_OFFICER][0]
        BankAccount.objects.bulk_create(
            [
                BankAccount(
                    organization=o,
                    bank_name="上海银行长宁支行",
                    account_name=o.name,
                    account_number=f"6222{o.pk:015d}",
                    bank_code="325290000012",
                    changed_by=finance,
                    changed_at=self.now,
                )
                for o in self.orgs
            ],
            batch_size=BATCH,
        )
        return k

    # -- calls and applications ---------------------------------------------------------------------
    def _calls(self) -> int:
        policy_round = PolicyRound.objects.get(code="changning-ai-2024")
        self.items = list(policy_round.items.prefetch_related("criteria"))
        this_year = self.now.year
        self.calls: list[Call] = []
        self.call_items: dict[int, list[CallItem]] = {}
        for year in (this_year - 2, this_year - 1, this_year):
            opens = datetime(year, 3, 1, 1, 0, tzinfo=UTC)
            call = Call.objects.create(
                round=policy_round,
                year=year,
                title=f"{year}年度人工智能专项申报(基准数据 {self.tag})",
                opens_at=opens,
                closes_at=max(opens + timedelta(days=200), self.now + timedelta(days=30))
                if year == this_year
                else opens + timedelta(days=200),
            )
            rows = [
                CallItem(
                    call=call,
                    item=item,
                    rate=Decimal("0.5") if item.to_rule().needs_call_rate else None,
                    ceiling_fen=50_000_000 if item.to_rule().needs_call_rate else None,
                )
                for item in self.items
            ]
            self.call_items[call.pk] = CallItem.objects.bulk_create(rows)
            self.calls.append(call)
        return len(self.calls)

    def _applications(self, n: int) -> int:
        rng = self.rng
        sequences: dict[tuple[int, str], int] = {}
        acceptance = 0
        apps = []
        weights = {}
        for call in self.calls:
            table = CURRENT if call.year == self.now.year else SETTLED
            weights[call.pk] = (list(table), list(table.values()))
        for i in range(n):
            call = self.calls[0 if i % 10 < 3 else 1 if i % 10 < 6 else 2]
            statuses, w = weights[call.pk]
            status = rng.choices(statuses, w)[0]
            call_item = rng.choice(self.call_items[call.pk])
            org_index = rng.randrange(len(self.orgs))
            submitted = call.opens_at + timedelta(seconds=rng.randrange(150 * 86400))
            requested = rng.randrange(100_000, 300_000_00) // 100 * 100
            app = Application(
                organization=self.orgs[org_index],
                call_item=call_item,
                item_id=call_item.item_id,
                queue_opens_at=call.opens_at,  # as start_application sets them
                queue_item_order=call_item.item.sort_order,
                created_by=self.org_users[org_index],
                status=status,
                matter_type=Application.MatterType.PROJECT,
                matter_ref=f"XM-{call.year}-{i:07d}",
                project_name=f"人工智能应用示范项目 {i:07d}",
                description="基准数据:项目简介。" * 5,
                facts={"investment_fen": requested * 2},
                requested_fen=None if status == S.DRAFT else requested,
            )
            if status != S.DRAFT:
                key = (call.year, call_item.item.code)
                sequences[key] = sequences.get(key, 0) + 1
                app.number = f"CNAI-{call.year}-{call_item.item.code}-{sequences[key]:05d}-{self.tag}"
                app.submitted_at = submitted
            if status in ACCEPTED_OR_LATER:
                acceptance += 1
                app.acceptance_number = f"SL-{call.year}-{acceptance:06d}-{self.tag}"
                app.accepted_at = submitted + timedelta(days=rng.randrange(1, 20))
            if status == S.RECOGNISED:
                app.awarded_fen = requested // 2
            apps.append(app)
        self.apps = Application.objects.bulk_create(apps, batch_size=BATCH)
        # created_at is auto_now_add; spread it like real traffic so orderings by it mean something.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE applications_application SET created_at = COALESCE(submitted_at, %s) "
                "- interval '3 days', updated_at = COALESCE(accepted_at, submitted_at, %s) WHERE id >= %s",
                [self.now, self.now, self.apps[0].pk],
            )
        revisions, events = [], []
        for app in self.apps:
            if app.status == S.DRAFT:
                continue
            revisions.append(
                ApplicationRevision(
                    application=app,
                    number=1,
                    submitted_at=app.submitted_at,
                    submitted_by=app.created_by,
                    facts=app.facts,
                    matter_type=app.matter_type,
                    matter_ref=app.matter_ref,
                    project_name=app.project_name,
                    description=app.description,
                    quote={"eligible": True, "amount": str(app.requested_fen / 100), "steps": []},
                    amount_fen=app.requested_fen,
                )
            )
            at = app.submitted_at
            for status in PATHS[app.status]:
                events.append(StatusEvent(application=app, status=status, at=at, actor=app.created_by))
                at += timedelta(days=rng.randrange(1, 15))
        ApplicationRevision.objects.bulk_create(revisions, batch_size=BATCH)
        StatusEvent.objects.bulk_create(events, batch_size=BATCH)
        return len(self.apps) + len(revisions) + len(events)

    # -- review -------------------------------------------------------------------------------------
    def _review(self) -> int:
        rng = self.rng
        intake = self.staff[Role.INTAKE_OFFICER]
        approvers = self.staff[Role.COMMISSION_APPROVER]
        reviewers = self.staff[Role.EXPERT_REVIEWER]
        criteria = {item.pk: list(item.criteria.all()) for item in self.items}
        checks, assignments, decisions = [], [], []
        outcome = {
            S.RETURNED: IntakeCheck.Outcome.RETURNED,
            S.NOT_ACCEPTED: IntakeCheck.Outcome.NOT_ACCEPTED,
        }
        for app in self.apps:
            if app.status in ACCEPTED_OR_LATER or app.status in outcome:
                checks.append(
                    IntakeCheck(
                        application=app,
                        officer=rng.choice(intake),
                        revision_number=1,
                        materials_checked=["business_license", "credit_commitment"],
                        registered_verified=True,
                        operating_verified=True,
                        credit_verified=True,
                        credit_source=IntakeCheck.CreditSource.CREDIT_SHANGHAI,
                        credit_checked_on=app.submitted_at.date(),
                        credit_result=IntakeCheck.CreditResult.GOOD,
                        outcome=outcome.get(app.status, IntakeCheck.Outcome.ACCEPTED),
                        checked_at=app.accepted_at or app.submitted_at + timedelta(days=2),
                    )
                )
            if app.status in REVIEWED:
                decided = app.status in DECIDED
                for reviewer in rng.sample(reviewers, 3):
                    state = (
                        Assignment.Status.SUBMITTED
                        if decided
                        else rng.choice(
                            [
                                Assignment.Status.AWAITING_DECLARATION,
                                Assignment.Status.SCORING,
                                Assignment.Status.SUBMITTED,
                            ]
                        )
                    )
                    done = state == Assignment.Status.SUBMITTED
                    assignments.append(
                        Assignment(
                            application=app,
                            reviewer=reviewer,
                            assigned_by=intake[0],
                            assigned_at=app.accepted_at + timedelta(days=1),
                            status=state,
                            declared_at=app.accepted_at + timedelta(days=2) if state != "awaiting" else None,
                            recommendation=Assignment.Recommendation.SUPPORT if done else "",
                            suggested_fen=app.requested_fen // 2 if done else None,
                            overall_comment="基准数据:综合意见。" if done else "",
                            submitted_at=app.accepted_at + timedelta(days=9) if done else None,
                        )
                    )
            if app.status in DECIDED:
                recommended = app.status not in (S.NOT_RECOMMENDED, S.REJECTED)
                decisions.append(
                    Decision(
                        application=app,
                        approver=rng.choice(approvers),
                        recommended=recommended,
                        amount_fen=app.requested_fen // 2 if recommended else 0,
                        ceiling_fen=app.requested_fen,
                        ceiling_quote={"eligible": True, "amount": str(app.requested_fen / 100)},
                        reasons="基准数据:审定理由。",
                        decided_at=app.accepted_at + timedelta(days=20),
                        reviews_submitted=3,
                        reviews_required=3,
                    )
                )
        IntakeCheck.objects.bulk_create(checks, batch_size=BATCH)
        assignments = Assignment.objects.bulk_create(assignments, batch_size=BATCH)
        # bulk_create passes the assignment service by: the queue's "short of reviewers" state as it keeps it.
        fill_shortfalls(Application.objects.all(), Assignment.objects.all())
        Decision.objects.bulk_create(decisions, batch_size=BATCH)
        scores = []
        for a in assignments:
            if a.status == Assignment.Status.SUBMITTED:
                for c in criteria[a.application.item_id]:
                    scores.append(Score(assignment=a, criterion=c, value=Decimal(rng.randrange(6, 11)) / 2))
        Score.objects.bulk_create(scores, batch_size=BATCH)
        return len(checks) + len(assignments) + len(decisions) + len(scores)

    def _notices(self) -> int:
        approver = self.staff[Role.COMMISSION_APPROVER][0]
        items = {item.pk: item for item in self.items}
        entries = []
        for call in self.calls:
            published = [
                a
                for a in self.apps
                if a.call_item.call_id == call.pk and a.status in (S.PUBLICIZED, S.RECOGNISED)
            ]
            for start in range(0, len(published), NOTICE_ENTRY_LIMIT):
                chunk = published[start : start + NOTICE_ENTRY_LIMIT]
                at = call.opens_at + timedelta(days=210 + start // NOTICE_ENTRY_LIMIT)
                open_now = call.year == self.now.year and chunk[0].status == S.PUBLICIZED
                notice = PublicNotice.objects.create(
                    call=call,
                    title=f"{call.title}拟支持项目公示({start // NOTICE_ENTRY_LIMIT + 1})",
                    published_by=approver,
                    published_at=self.now - timedelta(days=1) if open_now else at,
                    ends_at=self.now + timedelta(days=6) if open_now else at + timedelta(days=7),
                    closed_at=None if open_now else at + timedelta(days=8),
                    entry_count=len(chunk),  # as publish_notice stores it
                )
                for app in chunk:
                    item = items[app.item_id]
                    entries.append(
                        NoticeEntry(
                            notice=notice,
                            application=app,
                            organization_name=app.organization.name,
                            item_code=item.code,
                            item_name=item.name,
                            project_name=app.project_name,
                            amount_fen=app.requested_fen // 2,
                        )
                    )
        NoticeEntry.objects.bulk_create(entries, batch_size=BATCH)
        return len(entries)

    # -- money --------------------------------------------------------------------------------------
    def _money(self) -> int:
        rng = self.rng
        officers = self.staff[Role.FINANCE_OFFICER]
        approvers = self.staff[Role.FINANCE_APPROVER]
        years = sorted({c.year for c in self.calls} | {self.now.year + 1})
        for year in years:
            for code in ["", *(item.code for item in self.items)]:
                Budget.objects.get_or_create(
                    year=year,
                    item_code=code,
                    defaults={
                        "amount_fen": 10**15,
                        "entered_by": officers[0],
                        "entered_at": self.now,
                        "confirmed_by": approvers[0],
                        "confirmed_at": self.now,
                    },
                )
        recognised = [a for a in self.apps if a.status == S.RECOGNISED]
        awards = []
        for app in recognised:
            state = rng.choices(
                [Award.Status.PENDING, Award.Status.APPROVED, Award.Status.CLOSED], [10, 60, 30]
            )[0]
            awards.append(
                Award(
                    application=app,
                    organization_id=app.organization_id,
                    item_id=app.item_id,
                    amount_fen=app.awarded_fen,
                    status=state,
                    approved_by=None if state == Award.Status.PENDING else approvers[0],
                    approved_at=None
                    if state == Award.Status.PENDING
                    else app.accepted_at + timedelta(days=40),
                )
            )
        awards = Award.objects.bulk_create(awards, batch_size=BATCH)
        installments = []
        for award in awards:
            year = award.application.call_item.call.year
            first = award.amount_fen // 2
            for number, amount in ((1, first), (2, award.amount_fen - first)):
                if award.status == Award.Status.CLOSED:
                    state = Installment.Status.PAID
                elif award.status == Award.Status.PENDING:
                    state = Installment.Status.SCHEDULED
                elif number == 1:
                    state = rng.choices(
                        [Installment.Status.PAID, Installment.Status.DUE, Installment.Status.BATCHED],
                        [60, 30, 10],
                    )[0]
                else:
                    state = rng.choice(
                        [Installment.Status.WAITING, Installment.Status.DUE, Installment.Status.SCHEDULED]
                    )
                installments.append(
                    Installment(
                        award=award,
                        organization_name=award.application.organization.name,
                        number=number,
                        year=year if number == 1 else min(year + 1, self.now.year + 1),
                        amount_fen=amount,
                        condition=Installment.Condition.NONE
                        if number == 1
                        else Installment.Condition.ACCEPTANCE,
                        status=state,
                    )
                )
        # Paid installments in done batches of ~500; batched ones in one submitted batch of up to 1,000.
        batch_no = PaymentBatch.objects.count()
        batches: list[PaymentBatch] = []

        def new_batch(status: str, at: datetime) -> PaymentBatch:
            nonlocal batch_no
            batch_no += 1
            done = status in (PaymentBatch.Status.DONE, PaymentBatch.Status.APPROVED)
            batch = PaymentBatch(
                number=f"PB-{at.year}-{batch_no:05d}-{self.tag}",
                status=status,
                prepared_by=officers[0],
                created_at=at,
                submitted_at=at,
                approved_by=approvers[0] if done else None,
                approved_at=at + timedelta(days=1) if done else None,
            )
            batches.append(batch)
            return batch

        paid = [i for i in installments if i.status == Installment.Status.PAID]
        batched = [i for i in installments if i.status == Installment.Status.BATCHED]
        plan: list[tuple[PaymentBatch, list[Installment]]] = []
        for start in range(0, len(paid), 500):
            at = self.now - timedelta(days=400) + timedelta(hours=start // 50)
            plan.append((new_batch(PaymentBatch.Status.DONE, at), paid[start : start + 500]))
        for start in range(0, len(batched), 1000):
            plan.append(
                (
                    new_batch(PaymentBatch.Status.SUBMITTED, self.now - timedelta(days=2)),
                    batched[start : start + 1000],
                )
            )
        for batch, members in plan:  # what services.payments keeps on a batch
            batch.installment_count = len(members)
            batch.total_fen = sum(i.amount_fen for i in members)
        PaymentBatch.objects.bulk_create(batches, batch_size=BATCH)
        records = []
        for batch, members in plan:
            for inst in members:
                inst.batch = batch
                if inst.status == Installment.Status.PAID:
                    inst.paid_on = (batch.approved_at + timedelta(days=2)).date()
                    inst.voucher_no = f"PZ{batch.pk:05d}{inst.award_id:08d}{inst.number}"
        installments = Installment.objects.bulk_create(installments, batch_size=BATCH)
        for inst in installments:
            if inst.status == Installment.Status.PAID:
                records.append(
                    PaymentRecord(
                        installment=inst,
                        batch=inst.batch,
                        result=PaymentRecord.Result.PAID,
                        amount_fen=inst.amount_fen,
                        voucher_no=inst.voucher_no,
                        paid_on=inst.paid_on,
                        bank_name="上海银行长宁支行",
                        account_name="示例单位",
                        account_number="6222000000000000000",
                        bank_code="325290000012",
                        recorded_by=officers[0],
                        recorded_at=datetime.combine(inst.paid_on, datetime.min.time(), tzinfo=UTC),
                    )
                )
        PaymentRecord.objects.bulk_create(records, batch_size=BATCH)
        # The budgets' committed and paid sums follow the awards, as the services keep them.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE disbursement_budget b SET paid_fen = b.paid_fen + s.paid, "
                "committed_fen = b.committed_fen + s.open "
                "FROM (SELECT i.year, SUM(CASE WHEN i.status = 'paid' THEN i.amount_fen ELSE 0 END) AS paid, "
                "SUM(CASE WHEN i.status IN ('due', 'batched', 'waiting', 'scheduled') "
                "AND a.status <> 'pending' THEN i.amount_fen ELSE 0 END) AS open "
                "FROM disbursement_installment i "
                "JOIN disbursement_award a ON a.id = i.award_id WHERE a.id >= %s GROUP BY i.year) s "
                "WHERE b.year = s.year AND b.item_code = ''",
                [awards[0].pk if awards else 0],
            )
        return len(awards) + len(installments) + len(batches) + len(records)

    # -- audit and inbox ----------------------------------------------------------------------------
    def _audit(self, count: int) -> int:
        """Chained as audit.services.record chains them; bulk-inserted past the queryset's guard (which
        exists so that application code cannot bypass the chain — this command computes it)."""
        if not count:
            return 0
        last = AuditRecord.objects.order_by("-seq").values("seq", "hash").first()
        if last is None:
            anchor = AuditArchive.objects.order_by("-last_seq").values("last_seq", "last_hash").first()
            last = (
                {"seq": anchor["last_seq"], "hash": anchor["last_hash"]}
                if anchor
                else {"seq": 0, "hash": "0" * 64}
            )
        seq, prev = last["seq"], last["hash"]
        key = settings.AUDIT_HMAC_KEY.encode("utf-8")
        people = [u for users in self.staff.values() for u in users] + self.org_users[:500]
        roles = {u.pk: role.value for role, users in self.staff.items() for u in users}
        start = self.now - timedelta(days=700)
        step = timedelta(days=700) / count
        rng = self.rng
        plain = models.QuerySet(model=AuditRecord)  # the base queryset's bulk_create
        chunk: list[AuditRecord] = []
        for i in range(count):
            seq += 1
            user = rng.choice(people)
            app = self.apps[rng.randrange(len(self.apps))]
            record = AuditRecord(
                seq=seq,
                created_at=start + step * i,
                user_id=user.pk,
                username=user.username,
                roles=roles.get(user.pk, Role.APPLICANT.value),
                ip_address=f"10.{i % 200}.{(i // 200) % 250}.{i % 250 + 1}",
                action=AUDIT_ACTIONS[i % len(AUDIT_ACTIONS)],
                object_type="applications.application",
                object_id=str(app.pk),
                object_repr=app.number or f"#{app.pk}",
                changes={"before": {"status": "submitted"}, "after": {"status": app.status}},
                detail="",
                prev_hash=prev,
            )
            canonical = json.dumps(
                record.content(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
            )
            record.hash = prev = hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()
            chunk.append(record)
            if len(chunk) == BATCH:
                plain.bulk_create(chunk)
                chunk = []
        if chunk:
            plain.bulk_create(chunk)
        return count

    def _notifications(self, count: int) -> int:
        if not count:
            return 0
        rng = self.rng
        staff = [u for users in self.staff.values() for u in users]
        rows = []
        total = 0
        for i in range(count):
            app = self.apps[i % len(self.apps)]
            recipient = app.created_by if i % 3 else rng.choice(staff)
            rows.append(
                Notification(
                    recipient=recipient,
                    event=f"scale.event{i // len(self.apps)}",
                    key=f"application:{app.pk}",
                    subject=f"申报 {app.number or app.pk} 状态更新",
                    body="基准数据:通知内容。",
                    url=f"/applications/{app.pk}/",
                    read_at=self.now if i % 4 else None,
                )
            )
            if len(rows) == BATCH:
                total += len(Notification.objects.bulk_create(rows, ignore_conflicts=True))
                rows = []
        if rows:
            total += len(Notification.objects.bulk_create(rows, ignore_conflicts=True))
        return total

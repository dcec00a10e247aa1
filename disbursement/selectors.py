"""Reads for the finance and enterprise pages, each with a constant number of queries, and the access
helpers. Budgets and awards first (helper A); other areas append below."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Organization
from accounts.selectors import organization_for
from changning_ai.subqueries import per_row
from policies.models import PolicyItem, PolicyRound
from policies.templatetags.money import fen_yuan

from .models import (
    AGREEMENT_BUDGET_CODE,
    Award,
    BankAccount,
    Budget,
    Clawback,
    Installment,
    PaymentBatch,
    PaymentRecord,
    SupportAgreement,
    YearlyClaim,
)

# ---------------------------------------------------------------- budgets and awards (helper A)
# (disbursement/views/budgets.py)


@dataclass(frozen=True)
class BudgetRow:
    budget: Budget
    item_name: str  # "" for the year's total


def budget_rows(year: int) -> list[BudgetRow]:
    """The year's budget rows for the budgets page, the total first, then the items in code order, with who
    entered and confirmed them. Two queries."""
    budgets = list(Budget.objects.filter(year=year).select_related("entered_by", "confirmed_by"))
    names = _item_names({b.item_code for b in budgets if b.item_code}, year)
    budgets.sort(key=lambda b: (bool(b.item_code), _code_key(b.item_code)))
    return [BudgetRow(budget=b, item_name=names.get(b.item_code, ("", 0))[0]) for b in budgets]


def _agreement_line() -> str:
    return _("一企一策支持协议(第十条第三款)")


def budget_item_choices() -> list[tuple[str, str]]:
    """Every item code of the policy rounds, with its newest name, in code order (one query)."""
    names: dict[str, str] = {}
    for code, name in PolicyItem.objects.order_by("round__valid_from", "pk").values_list("code", "name"):
        names[code] = name
    return [
        *sorted(names.items(), key=lambda pair: _code_key(pair[0])),
        (AGREEMENT_BUDGET_CODE, _agreement_line()),
    ]


AWARD_FILTERS = {
    "pending": Q(status=Award.Status.PENDING),
    "approved": Q(status=Award.Status.APPROVED),
    "closed": Q(status=Award.Status.CLOSED),
    "clawed_back": Q(status=Award.Status.CLAWED_BACK),
    # approved, with an installment waiting for 验收 or the office confirmation
    "waiting": Q(status=Award.Status.APPROVED, installments__status=Installment.Status.WAITING),
}


def award_queue(status: str = "") -> QuerySet[Award]:
    """Awards for the finance list — pending first (the work to do), then newest — each with its number of
    installments, what has been paid and how many wait for a condition. One query (and the paginator's
    count) whatever the number of awards."""
    awards = Award.objects.all()
    if status in AWARD_FILTERS:
        awards = awards.filter(pk__in=Award.objects.filter(AWARD_FILTERS[status]).values("pk"))
    return (
        awards.select_related("application__call_item__call", "organization", "item", "agreement")
        .annotate(
            # Correlated subqueries, not a JOIN … GROUP BY over every award: PostgreSQL computes them for
            # the page's 50 rows only, after the ORDER BY … LIMIT (issue 13: 1.6 s at 35,000 awards).
            installment_count=per_row(
                Installment.objects.exclude(status=Installment.Status.CANCELLED), "award", Count("*")
            ),
            paid_fen=per_row(
                Installment.objects.filter(status=Installment.Status.PAID), "award", Sum("amount_fen")
            ),
            waiting_count=per_row(
                Installment.objects.filter(status=Installment.Status.WAITING), "award", Count("*")
            ),
        )
        .order_by(
            Case(
                When(status=Award.Status.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            "-created_at",
            "-pk",
        )
    )


def award_detail(pk: int) -> Award:
    """One award with its installments (and their batches) and clawbacks, for the staff page whose role
    the view has checked; 404 if there is none. Three queries."""
    try:
        return (
            Award.objects.select_related(
                "application__call_item__call", "organization", "item", "approved_by", "agreement"
            )
            .prefetch_related(
                Prefetch(
                    "installments", queryset=Installment.objects.select_related("batch").order_by("number")
                ),
                Prefetch("claims", queryset=YearlyClaim.objects.order_by("year")),
                Prefetch(
                    "clawbacks",
                    queryset=Clawback.objects.select_related("recorded_by").order_by("recorded_at", "pk"),
                ),
            )
            .get(pk=pk)
        )
    except Award.DoesNotExist as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class BudgetNeed:
    """What approving the award takes from one year's budgets, and what they have left."""

    year: int
    needed_fen: int
    item_budget: Budget | None
    year_total: Budget | None

    @property
    def enough(self) -> bool:
        rows = [row for row in (self.item_budget, self.year_total) if row is not None]
        return self.item_budget is not None and all(
            row.is_confirmed and row.left_fen >= self.needed_fen for row in rows
        )


def award_budget_needs(award: Award) -> list[BudgetNeed]:
    """Per year of the award's unpaid installments (prefetched by award_detail): the need and the budget
    rows it would commit (the item's and the year's total). One query."""
    needs: dict[int, int] = {}
    for installment in award.installments.all():
        if installment.status in (
            Installment.Status.SCHEDULED,
            Installment.Status.WAITING,
            Installment.Status.DUE,
        ):
            needs[installment.year] = needs.get(installment.year, 0) + installment.amount_fen
    rows = {
        (b.year, b.item_code): b
        for b in Budget.objects.filter(year__in=needs, item_code__in=[award.budget_code, ""])
    }
    return [
        BudgetNeed(year, needed, rows.get((year, award.budget_code)), rows.get((year, "")))
        for year, needed in sorted(needs.items())
    ]


# ---------------------------------------------------------------- the dashboard and the enterprise's awards
# (helper C: disbursement/views/overview.py)


@dataclass(frozen=True)
class BudgetLine:
    """One line of the dashboard: an item's budget for the year, or the year's total."""

    code: str
    name: str
    amount_fen: int
    committed_fen: int
    paid_fen: int
    recovered_fen: int
    left_fen: int
    confirmed: bool


@dataclass(frozen=True)
class BudgetOverview:
    year: int
    lines: list[BudgetLine]  # one per item, in the policy's order
    items_sum: BudgetLine  # the items added up
    year_total: BudgetLine | None  # the year's total budget row, where 区科委 entered one


def budget_years() -> list[int]:
    """Every year with a budget, latest first."""
    return list(Budget.objects.order_by("-year").values_list("year", flat=True).distinct())


def _item_names(codes: set[str], year: int) -> dict[str, tuple[str, int]]:
    """Each code's (name, sort order) from the policy round in force that year; where none covers the year,
    the latest round that has the item. One query."""
    names: dict[str, tuple[str, int]] = {}
    covering: set[str] = set()
    items = (
        PolicyItem.objects.filter(code__in=codes)
        .exclude(round__status=PolicyRound.Status.DRAFT)
        .select_related("round")
        .only("code", "name", "name_en", "sort_order", "round__valid_from", "round__valid_until")
        .order_by("round__valid_from", "pk")
    )
    for item in items:
        covers = item.round.valid_from.year <= year <= item.round.valid_until.year
        if covers or item.code not in covering:
            names[item.code] = (item.display_name, item.sort_order)
        if covers:
            covering.add(item.code)
    if AGREEMENT_BUDGET_CODE in codes:  # no item: its line comes after every item's
        names[AGREEMENT_BUDGET_CODE] = (_agreement_line(), 10_000)
    return names


def _line(budget: Budget, name: str) -> BudgetLine:
    return BudgetLine(
        code=budget.item_code,
        name=name,
        amount_fen=budget.amount_fen,
        committed_fen=budget.committed_fen,
        paid_fen=budget.paid_fen,
        recovered_fen=budget.recovered_fen,
        left_fen=budget.left_fen,
        confirmed=budget.is_confirmed,
    )


def _code_key(code: str) -> tuple:
    """6.1b before 7.1 before 10.1: numbers compared as numbers."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", code))


def budget_overview(year: int) -> BudgetOverview:
    """The year's budgets per item with the year's total row, from the Budget rows. Two queries."""
    budgets = list(Budget.objects.filter(year=year))
    item_rows = [budget for budget in budgets if budget.item_code]
    names = _item_names({budget.item_code for budget in item_rows}, year)
    item_rows.sort(key=lambda b: (names.get(b.item_code, ("", 10_000))[1], _code_key(b.item_code)))
    lines = [_line(budget, names.get(budget.item_code, ("", 0))[0]) for budget in item_rows]
    total = next((budget for budget in budgets if not budget.item_code), None)
    items_sum = BudgetLine(
        code="",
        name=_("各项目合计"),
        amount_fen=sum(line.amount_fen for line in lines),
        committed_fen=sum(line.committed_fen for line in lines),
        paid_fen=sum(line.paid_fen for line in lines),
        recovered_fen=sum(line.recovered_fen for line in lines),
        left_fen=sum(line.left_fen for line in lines),
        confirmed=all(line.confirmed for line in lines),
    )
    return BudgetOverview(
        year=year,
        lines=lines,
        items_sum=items_sum,
        year_total=_line(total, _("年度总预算")) if total else None,
    )


def enterprise_awards(organization: Organization) -> list[Award]:
    """The organisation's awards, newest first, each with its application, item and installments in order.
    Three queries whatever the number of awards (their yearly claims too)."""
    return list(
        Award.objects.filter(organization=organization)
        .select_related("application", "item", "agreement")
        .prefetch_related(
            Prefetch("installments", queryset=Installment.objects.select_related("batch").order_by("number")),
            Prefetch("claims", queryset=YearlyClaim.objects.order_by("year")),
        )
        .order_by("-created_at", "-pk")
    )


def current_bank_account(organization: Organization) -> BankAccount | None:
    return BankAccount.objects.filter(organization=organization, is_current=True).first()


def installment_for(user, pk: int) -> Installment:
    """An installment of the user's organisation; 404 for anyone else's (or none), so ids reveal nothing."""
    organization = organization_for(user)
    if organization is None:
        raise Http404
    try:
        return Installment.objects.select_related("award__application", "award__agreement").get(
            pk=pk, award__organization=organization
        )
    except Installment.DoesNotExist as exc:
        raise Http404 from exc


# ---------------------------------------------------------------- bank details, batches and payments
# (helper B: disbursement/views/payments.py)


def accounts_at(organization_ids, at=None) -> dict[int, BankAccount]:
    """Each organisation's receiving account: the current one, or the one current at `at`. One query.

    An approved batch pays into the accounts its approver saw (current when it was approved): a change
    the enterprise makes afterwards applies to the next batch, not to money already approved.
    """
    ids = set(organization_ids)
    if not ids:
        return {}
    rows = BankAccount.objects.filter(organization_id__in=ids)
    rows = rows.filter(is_current=True) if at is None else rows.filter(changed_at__lte=at)
    found: dict[int, BankAccount] = {}
    for account in rows.order_by("organization_id", "-changed_at", "-id"):
        found.setdefault(account.organization_id, account)
    return found


def batch_accounts(batch: PaymentBatch, organization_ids) -> dict[int, BankAccount]:
    """The accounts a batch pays into: those current when it was approved, or the current ones before."""
    return accounts_at(organization_ids, batch.approved_at)


def bank_history(organization: Organization) -> list[BankAccount]:
    """Every account the organisation has recorded, latest first, with who changed it. One query."""
    return list(
        BankAccount.objects.filter(organization=organization)
        .select_related("changed_by")
        .order_by("-changed_at", "-id")
    )


def finance_batches():
    """Batches, newest first (the index batch_list_order), with their stored count and sum
    (PaymentBatch.installment_count, total_fen). One query, and the paginator's count."""
    return PaymentBatch.objects.select_related("prepared_by", "approved_by").order_by("-created_at", "-pk")


def batch_for(pk: int) -> PaymentBatch:
    """A batch for the finance pages (whose role the view has checked); 404 if there is none."""
    try:
        return PaymentBatch.objects.select_related("prepared_by", "approved_by").get(pk=pk)
    except PaymentBatch.DoesNotExist as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class BatchLine:
    installment: Installment
    account: BankAccount | None  # what this batch pays into (see batch_accounts)
    account_changed: bool  # the enterprise has changed its account since the batch was approved

    @property
    def name_differs(self) -> bool:
        """The payee's name is not the organisation's verified name (accounts recorded before issue 14)."""
        return self.account is not None and not self.installment.award.organization.payee_name_matches(
            self.account.account_name
        )


def batch_installments(batch: PaymentBatch) -> QuerySet[Installment]:
    """The installments in the batch (batched or paid; failed ones have left it), in application order."""
    return (
        Installment.objects.filter(batch=batch)
        .select_related(
            "batch", "award__application", "award__organization", "award__item", "award__agreement"
        )
        .order_by("award__application__number", "number", "pk")
    )


def batch_totals(batch: PaymentBatch) -> dict[str, int]:
    """The batch's number of installments and their sum, whatever page the batch page shows: stored on the
    batch by the services (no query)."""
    return {"count": batch.installment_count, "total_fen": batch.total_fen}


def batch_lines(batch: PaymentBatch, installments=None) -> list[BatchLine]:
    """The installments in the batch — all of them (exports, the sheet) or the page given — with the
    account each is paid into. Three queries."""
    installments = list(batch_installments(batch) if installments is None else installments)
    org_ids = {i.award.organization_id for i in installments}
    accounts = batch_accounts(batch, org_ids)
    current = accounts_at(org_ids) if batch.approved_at else accounts
    return [
        BatchLine(
            installment=i,
            account=accounts.get(i.award.organization_id),
            account_changed=(
                accounts.get(i.award.organization_id) is not None
                and current.get(i.award.organization_id) is not None
                and accounts[i.award.organization_id].pk != current[i.award.organization_id].pk
            ),
        )
        for i in installments
    ]


def batch_records(batch: PaymentBatch) -> QuerySet[PaymentRecord]:
    """Every payment recorded against the batch, paid or failed, in order (the page shows one page)."""
    return (
        PaymentRecord.objects.filter(batch=batch)
        .select_related("installment__award__application", "installment__award__agreement", "recorded_by")
        .order_by("recorded_at", "pk")
    )


@dataclass(frozen=True)
class DueGroup:
    organization: Organization
    account: BankAccount | None
    installments: list[Installment]

    @property
    def total_fen(self) -> int:
        return sum(i.amount_fen for i in self.installments)

    @property
    def name_differs(self) -> bool:
        return self.account is not None and not self.organization.payee_name_matches(
            self.account.account_name
        )


def due_installments(*, organization: str = "", item_code: str = "", year: int | None = None):
    """Installments due and in no batch, optionally only an organisation's (name or USCC contains), an item's
    (its budget code) or a budget year's, grouped by organisation in name order. A queryset: the page shows
    one page of it, and "all matching" takes its ids (the partial index installment_due_unbatched)."""
    rows = Installment.objects.filter(status=Installment.Status.DUE, batch__isnull=True)
    if organization:
        rows = rows.filter(
            Q(award__organization__name__icontains=organization)
            | Q(award__organization__uscc__icontains=organization)
        )
    if item_code == AGREEMENT_BUDGET_CODE:
        rows = rows.filter(award__agreement__isnull=False)
    elif item_code:
        rows = rows.filter(award__item__code=item_code)
    if year:
        rows = rows.filter(year=year)
    # organization_name is the installment's copy of the name: the partial index installment_due_by_name
    # serves the first key, so PostgreSQL reads a page in order instead of sorting every due installment.
    return rows.select_related(
        "award__application", "award__organization", "award__item", "award__agreement"
    ).order_by("organization_name", "award__organization_id", "award__application__number", "number", "pk")


def due_groups(installments=None) -> list[DueGroup]:
    """The installments (by default every due one; the batch page passes one page of due_installments),
    grouped by organisation, with each one's current account. Two queries."""
    installments = list(due_installments() if installments is None else installments)
    accounts = accounts_at({i.award.organization_id for i in installments})
    groups: dict[int, DueGroup] = {}
    for installment in installments:
        organization = installment.award.organization
        group = groups.get(organization.pk)
        if group is None:
            group = groups[organization.pk] = DueGroup(organization, accounts.get(organization.pk), [])
        group.installments.append(installment)
    return list(groups.values())


NOTICE_STATUSES = (Award.Status.APPROVED, Award.Status.CLOSED, Award.Status.CLAWED_BACK)


def _notice_awards():
    return Award.objects.select_related(
        "application__call_item__call", "organization", "item", "approved_by", "agreement"
    ).prefetch_related(
        Prefetch("installments", queryset=Installment.objects.select_related("batch").order_by("number")),
        Prefetch("claims", queryset=YearlyClaim.objects.order_by("year")),
    )


def notice_awards(pks: list[int]) -> list[Award]:
    """Those awards whose notice exists, each ready for its notice (one query and the prefetches)."""
    return list(_notice_awards().filter(pk__in=pks, status__in=NOTICE_STATUSES).order_by("pk"))


def notice_award(pk: int) -> Award:
    """An award whose disbursement notice exists (finance has approved it), for finance and 区科委 staff."""
    try:
        return _notice_awards().get(pk=pk, status__in=NOTICE_STATUSES)
    except Award.DoesNotExist as exc:
        raise Http404 from exc


def enterprise_notice_award(user, pk: int) -> Award:
    """The same, for the enterprise: only its own organisation's; anyone else's is 404."""
    organization = organization_for(user)
    if organization is None:
        raise Http404
    try:
        return _notice_awards().get(pk=pk, organization=organization, status__in=NOTICE_STATUSES)
    except Award.DoesNotExist as exc:
        raise Http404 from exc


# ---------------------------------------------------------------- Art. 2 good standing (issue 11)


def unresolved_clawback_reasons(organization: Organization) -> list[str]:
    """Registered in settings.ORGANIZATION_STANDING_CHECKS: money of this district's policies that the
    organisation was found to owe and has not paid back means its credit is not in good standing (the ruling
    on Art. 2 信用记录良好). One query."""
    outstanding = (
        Clawback.objects.filter(
            award__organization=organization,
            recovered_fen__lt=F("amount_fen") - F("cancelled_fen"),
        )
        .aggregate(total=Sum(F("amount_fen") - F("cancelled_fen") - F("recovered_fen")))
        .get("total")
    )
    if not outstanding:
        return []
    return [
        _("单位有尚未退回的本区政策资金 %(amount)s(追回未结清),信用记录不属良好(第二条)")
        % {"amount": fen_yuan(outstanding)}
    ]


# ---------------------------------------------------------------- 年度兑现 (yearly claims)
# (disbursement/views/claims.py)

CLAIM_RELATED = ("award__application__call_item__call", "award__organization", "award__item", "installment")


def claim_for(user, pk: int) -> YearlyClaim:
    """A yearly claim of the user's own organisation; 404 for anyone else's (or none): ids reveal nothing."""
    organization = organization_for(user)
    if organization is None:
        raise Http404
    try:
        return YearlyClaim.objects.select_related(*CLAIM_RELATED).get(pk=pk, award__organization=organization)
    except YearlyClaim.DoesNotExist as exc:
        raise Http404 from exc


def claim_detail(pk: int) -> YearlyClaim:
    """One claim for the staff page whose role the view has checked, with the run's other years; else 404."""
    try:
        return (
            YearlyClaim.objects.select_related(*CLAIM_RELATED, "submitted_by", "reviewed_by")
            .prefetch_related(Prefetch("award__claims", queryset=YearlyClaim.objects.order_by("year")))
            .get(pk=pk)
        )
    except YearlyClaim.DoesNotExist as exc:
        raise Http404 from exc


CLAIM_FILTERS = {status: Q(status=status) for status in YearlyClaim.Status.values}


def claim_queue(status: str = YearlyClaim.Status.SUBMITTED) -> QuerySet[YearlyClaim]:
    """Claims for 区科委's queue: those waiting for a check by default, oldest submission first. One query
    (and the paginator's count)."""
    claims = YearlyClaim.objects.select_related(*CLAIM_RELATED)
    if status in CLAIM_FILTERS:
        claims = claims.filter(CLAIM_FILTERS[status])
    return claims.order_by("submitted_at", "award_id", "year")


# ---------------------------------------------------------------- 一企一策 support agreements (issue 11)
# (disbursement/views/agreements.py)


def agreement_list() -> QuerySet[SupportAgreement]:
    """Agreements, those waiting for a decision first, then newest; one query per page."""
    return SupportAgreement.objects.select_related("organization", "proposed_by", "decided_by").order_by(
        Case(
            When(status=SupportAgreement.Status.PROPOSED, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        "-proposed_at",
        "-pk",
    )


def agreement_detail(pk: int) -> SupportAgreement:
    """One agreement with its award (if approved), for the staff page whose role the view has checked; 404
    if there is none."""
    try:
        return SupportAgreement.objects.select_related(
            "organization", "proposed_by", "decided_by", "award"
        ).get(pk=pk)
    except SupportAgreement.DoesNotExist as exc:
        raise Http404 from exc


def agreement_budget(agreement: SupportAgreement) -> list[Budget]:
    """The budget rows approving it would commit: the 一企一策 line of its year and the year's total. One
    query."""
    return list(
        Budget.objects.filter(year=agreement.budget_year, item_code__in=[agreement.budget_code, ""]).order_by(
            "-item_code"
        )
    )


def organization_choices() -> QuerySet[Organization]:
    return Organization.objects.order_by("name")

"""Reads for the commission's pages, each with a constant number of queries, and the access helpers.

Every staff page fetches its object through one helper here, which returns it for this user or raises
404/403 (STYLE.md 7): an officer sees only submitted applications, a reviewer only their own
assignments — another reviewer's assignment, or an application not assigned to them, is the same 404.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from applications.forms import fact_rows
from applications.ledger import application_matter_key
from applications.models import Application, ApplicationRevision, Attachment, Call
from changning_ai.subqueries import per_row
from policies import matters, rules
from policies.models import RecordedAward, RubricCriterion
from policies.services import applicant_facts, standing
from policies.templatetags.money import fen_yuan

from .access import has_any_role
from .models import Assignment, IntakeCheck, Score

# ---------------------------------------------------------------- intake

# What the intake queue may be filtered to; "submitted" is the queue itself.
INTAKE_STATUSES = (
    Application.Status.SUBMITTED,
    Application.Status.RETURNED,
    Application.Status.ACCEPTED,
    Application.Status.NOT_ACCEPTED,
)


def intake_queue(
    *, call: Call | None = None, item_code: str = "", status: str = Application.Status.SUBMITTED
) -> QuerySet[Application]:
    """Applications for the intake officers, oldest first submission first; one query."""
    statuses = [status] if status else list(INTAKE_STATUSES)
    queryset = Application.objects.filter(status__in=statuses, submitted_at__isnull=False)
    if call is not None:
        queryset = queryset.filter(call_item__call=call)
    if item_code:
        queryset = queryset.filter(item__code=item_code)
    return queryset.select_related("organization", "item", "call_item__call").order_by("submitted_at", "id")


def staff_application(pk: int) -> Application:
    """An application that has been submitted at least once (drafts are the enterprise's own), for the
    commission's pages after their role check; 404 otherwise."""
    try:
        return Application.objects.select_related(
            "organization", "item__round", "call_item__call__round"
        ).get(pk=pk, submitted_at__isnull=False)
    except Application.DoesNotExist as exc:
        raise Http404 from exc


def latest_revision(application: Application) -> ApplicationRevision | None:
    """The revision last submitted — what intake checks and the reviewers score — with its files."""
    return application.revisions.prefetch_related("attachments").order_by("-number").first()


@dataclass(frozen=True)
class MaterialFiles:
    code: str
    name: str
    required: bool
    files: tuple[Attachment, ...]


def revision_materials(application: Application, revision: ApplicationRevision | None) -> list[MaterialFiles]:
    """The item's materials with the files the revision froze for each (files of a material the item
    no longer lists are shown under their code)."""
    files = list(revision.attachments.all()) if revision else []
    rows = [
        MaterialFiles(m.code, m.name, m.required, tuple(a for a in files if a.material_code == m.code))
        for m in application.item.materials.all()
    ]
    known = {row.code for row in rows}
    for code in sorted({a.material_code for a in files} - known):
        rows.append(MaterialFiles(code, code, False, tuple(a for a in files if a.material_code == code)))
    return rows


@dataclass(frozen=True)
class ChangeRow:
    label: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class RevisionComparison:
    """A resubmitted application beside the version intake last checked: facts, matter, amount, files."""

    seen: ApplicationRevision
    current: ApplicationRevision
    rows: list[ChangeRow]

    @property
    def changed_count(self) -> int:
        return sum(1 for row in self.rows if row.changed)


def _file_names(material: MaterialFiles) -> str:
    # The sha256 beside the name: a file replaced under the same name is still a change.
    return "、".join(f"{a.original_name}({a.sha256[:8]})" for a in material.files) or "—"


def revision_changes(application: Application) -> RevisionComparison | None:
    """What changed since the version the intake officer last checked (the revision of their latest
    check, usually a 退回补正) in the version submitted since; None when nothing was resubmitted after a
    check. The approver reads the same comparison: what the correction changed."""
    seen_number = (
        application.intake_checks.order_by("-checked_at", "-id")
        .values_list("revision_number", flat=True)
        .first()
    )
    current = latest_revision(application)
    if not seen_number or current is None or current.number <= seen_number:
        return None
    seen = application.revisions.prefetch_related("attachments").filter(number=seen_number).first()
    if seen is None:
        return None
    item = application.item

    def matter(revision: ApplicationRevision) -> str:
        kind = dict(Application.MatterType.choices).get(revision.matter_type, revision.matter_type)
        return f"{kind}:{revision.matter_ref}" if kind else revision.matter_ref or "—"

    rows = [
        ChangeRow(str(_("项目名称")), seen.project_name or "—", current.project_name or "—"),
        ChangeRow(str(_("事项")), matter(seen), matter(current)),
        ChangeRow(str(_("项目简介")), seen.description or "—", current.description or "—"),
    ]
    before_facts = fact_rows(item, seen.facts or {})
    after_facts = fact_rows(item, current.facts or {})
    rows += [
        ChangeRow(before.label, before.value, after.value)
        for before, after in zip(before_facts, after_facts, strict=True)
    ]
    rows.append(ChangeRow(str(_("申请金额")), fen_yuan(seen.amount_fen), fen_yuan(current.amount_fen)))
    before_files = {m.code: m for m in revision_materials(application, seen)}
    for material in revision_materials(application, current):
        before = before_files.pop(material.code, None)
        rows.append(ChangeRow(material.name, _file_names(before) if before else "—", _file_names(material)))
    for material in before_files.values():  # a material dropped since
        rows.append(ChangeRow(material.name, _file_names(material), "—"))
    return RevisionComparison(seen=seen, current=current, rows=rows)


def intake_history(application: Application) -> list[IntakeCheck]:
    return list(application.intake_checks.select_related("officer").order_by("checked_at", "id"))


# ---------------------------------------------------------------- materials for staff

# A reviewer sees the application (and its files) only once they have declared no conflict.
DECLARED = (Assignment.Status.SCORING, Assignment.Status.SUBMITTED)
# Assignments that count toward a reviewer's workload (Assignment.counts_toward_workload).
OPEN = (Assignment.Status.AWAITING_DECLARATION, Assignment.Status.SCORING)
# Applications whose reviewers are still at work.
IN_REVIEW = (Application.Status.ACCEPTED, Application.Status.UNDER_REVIEW)


def staff_attachment(user, application_pk: int, attachment_pk: int) -> Attachment:
    """A submitted material for the staff download: intake officers and commission approvers any;
    a reviewer only of an application assigned to them, after declaring no conflict (404 otherwise);
    anyone else 403. Only files frozen in a revision, never the enterprise's work in progress."""
    if has_any_role(user, Role.INTAKE_OFFICER, Role.COMMISSION_APPROVER):
        application = staff_application(application_pk)
    elif has_any_role(user, Role.EXPERT_REVIEWER):
        if not Assignment.objects.filter(
            application_id=application_pk, reviewer=user, status__in=DECLARED
        ).exists():
            raise Http404
        application = staff_application(application_pk)
    else:
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    attachment = (
        Attachment.objects.filter(pk=attachment_pk, application=application, revisions__isnull=False)
        .distinct()
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


# ---------------------------------------------------------------- assignment


def active_assignments_q(prefix: str = "") -> Q:
    """Assignments still standing on an application: all but the reviewers who withdrew for a conflict."""
    return ~Q(**{f"{prefix}status": Assignment.Status.CONFLICTED})


def _in_assignment_queue(include_complete: bool) -> QuerySet[Application]:
    queryset = Application.objects.filter(
        status__in=(Application.Status.ACCEPTED, Application.Status.UNDER_REVIEW)
    )
    if not include_complete:
        # The state the assignment services keep (Application.short_of_reviewers, its own index), not
        # the reviewers counted for every application in review: that cost a count over all of them.
        queryset = queryset.filter(short_of_reviewers=True)
    return queryset


# What a row of the assignment queue shows (templates/reviews/assign_queue.html); a field read there and
# missing here costs a query per row, which the queue's query-count test catches.
ASSIGNMENT_QUEUE_FIELDS = (
    "acceptance_number",
    "number",
    "project_name",
    "status",
    "organization__name",
    "item__code",
    "item__name",
    "item__name_en",
)


def assignment_queue(*, include_complete: bool = False) -> QuerySet[Application]:
    """Accepted applications and those under review, with `active_count` (reviewers not conflicted) and
    `required_count` (the call's number); by default only those short of reviewers. One query."""
    return (
        _in_assignment_queue(include_complete)
        .annotate(
            # Subqueries, not a JOIN … GROUP BY over every application in review (issue 13).
            active_count=per_row(
                Assignment.objects.filter(active_assignments_q()), "application", Count("*")
            ),
            submitted_count=per_row(
                Assignment.objects.filter(status=Assignment.Status.SUBMITTED), "application", Count("*")
            ),
            required_count=F("call_item__call__reviewers_per_application"),
        )
        .select_related("organization", "item")
        # Only the columns the queue shows: whole rows decoded the application's facts and the call
        # item's payment stages (JSON) for every row, most of a 100-row page's time (issue 13).
        .only(*ASSIGNMENT_QUEUE_FIELDS)
        .order_by("accepted_at", "id")
    )


def assignment_queue_count(*, include_complete: bool = False) -> int:
    """How many assignment_queue lists, from its index alone (the page's figures join the call)."""
    return _in_assignment_queue(include_complete).count()


def approver_application(pk: int) -> Application:
    """An accepted application (at any later stage), for the approver's assignment page; 404 otherwise."""
    try:
        return Application.objects.select_related("organization", "item__round", "call_item__call").get(
            pk=pk, accepted_at__isnull=False
        )
    except Application.DoesNotExist as exc:
        raise Http404 from exc


def application_assignments(application: Application) -> list[Assignment]:
    """Who was assigned and where they stand — never their scores (sealed; see score_summary)."""
    return list(application.assignments.select_related("reviewer").order_by("assigned_at", "id"))


def reviewer_candidates(application: Application) -> QuerySet[User]:
    """Who may still be assigned: active expert reviewers, not members (in any state) of the applicant
    organisation, not already on this application (a reviewer who withdrew stays off it). Annotated
    with `workload` and ordered least-loaded first, ties by username.

    The workload counts open assignments (Assignment.counts_toward_workload) on applications still in
    review: one withdrawn, or decided before every reviewer finished, is no longer work."""
    return (
        User.objects.filter(groups__name=Role.EXPERT_REVIEWER.value, is_active=True)
        .exclude(memberships__organization_id=application.organization_id)
        .exclude(assignments__application=application)
        .annotate(
            workload=Count(
                "assignments",
                filter=Q(assignments__status__in=OPEN, assignments__application__status__in=IN_REVIEW),
                distinct=True,
            )
        )
        .order_by("workload", "username")
    )


def active_assignment_count(application: Application) -> int:
    return application.assignments.filter(active_assignments_q()).count()


def open_assignment_count(application: Application) -> int:
    return application.assignments.filter(status__in=OPEN).count()


@dataclass(frozen=True)
class Quorum:
    """How many submitted reviews a decision on the application needs, and has."""

    required: int
    submitted: int

    @property
    def missing(self) -> int:
        return max(0, self.required - self.submitted)

    @property
    def met(self) -> bool:
        return self.missing == 0


def review_quorum(application: Application) -> Quorum:
    """The call's quorum (Call.quorum) against the reviews submitted so far; one query beyond the call."""
    return Quorum(
        required=application.call_item.call.quorum,
        submitted=application.assignments.filter(status=Assignment.Status.SUBMITTED).count(),
    )


# ---------------------------------------------------------------- the reviewer's own


def reviewer_assignments(user) -> QuerySet[Assignment]:
    """The reviewer's own assignments, what needs doing first; one query."""
    order = Case(
        When(status=Assignment.Status.AWAITING_DECLARATION, then=Value(0)),
        When(status=Assignment.Status.SCORING, then=Value(1)),
        When(status=Assignment.Status.SUBMITTED, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    # Closed tasks (the application was decided before this reviewer submitted) are no longer work.
    return (
        Assignment.objects.filter(reviewer=user)
        .exclude(status=Assignment.Status.CLOSED)
        .select_related("application__organization", "application__item", "application__call_item__call")
        .order_by(order, "assigned_at", "id")
    )


def assignment_for(user, pk: int) -> Assignment:
    """The user's own assignment; anyone else's, or an id that does not exist, is 404."""
    try:
        return Assignment.objects.select_related(
            "application__organization", "application__item__round", "application__call_item__call__round"
        ).get(pk=pk, reviewer=user)
    except Assignment.DoesNotExist as exc:
        raise Http404 from exc


def assignment_scores(assignment: Assignment) -> dict[int, Score]:
    """The reviewer's own scores by criterion id (their draft or their submission)."""
    return {score.criterion_id: score for score in assignment.scores.all()}


# ---------------------------------------------------------------- the approver's summary

TWO_PLACES = Decimal("0.01")


def _round2(value: Fraction) -> Decimal:
    """Half-up to two places from an exact fraction: no float, no intermediate rounding."""
    hundredths = value * 100
    whole, rest = divmod(hundredths.numerator, hundredths.denominator)
    if 2 * rest >= hundredths.denominator:  # half-up (scores are never negative)
        whole += 1
    return (Decimal(whole) / 100).quantize(TWO_PLACES)


@dataclass(frozen=True)
class CriterionSummary:
    criterion: RubricCriterion
    average: Decimal | None  # over submitted reviews, half-up to 2 places; None before any
    lowest: Decimal | None
    below_threshold: bool  # average < call.criterion_threshold


@dataclass(frozen=True)
class ReviewSummary:
    """One submitted review. The approver may see it; the enterprise never does (issue 4, item 6)."""

    assignment: Assignment  # .reviewer is loaded
    weighted_total: Decimal  # Σ weight × score / Σ weights, 0–5, half-up to 2 places
    recommendation: str  # Assignment.Recommendation value
    recommendation_label: str
    suggested_fen: int | None  # None when not supported
    overall_comment: str
    scores: dict[int, Decimal]  # criterion id → score


@dataclass(frozen=True)
class ScoreSummary:
    criteria: tuple[CriterionSummary, ...]
    reviews: tuple[ReviewSummary, ...]
    weighted_total: Decimal | None  # Σ weight × average / Σ weights, 0–5, 2 places; None before any
    spread: Decimal | None  # max − min of the reviews' weighted totals (as shown, 2 places)
    total_below_threshold: bool  # weighted_total < call.total_threshold
    criterion_threshold: Decimal
    total_threshold: Decimal
    submitted_count: int
    open_count: int  # assignments awaiting a declaration or being scored
    required_count: int  # call.reviewers_per_application

    @property
    def any_criterion_below(self) -> bool:
        return any(c.below_threshold for c in self.criteria)

    @property
    def recommendations(self) -> dict[str, int]:
        """How many reviews recommended what, by Assignment.Recommendation value."""
        return dict(Counter(review.recommendation for review in self.reviews))

    @property
    def suggested_amounts_fen(self) -> list[int]:
        return [r.suggested_fen for r in self.reviews if r.suggested_fen is not None]

    @property
    def is_complete(self) -> bool:
        """Every standing reviewer has submitted (and at least one has): ready for decision."""
        return self.open_count == 0 and self.submitted_count > 0


def score_summary(application: Application) -> ScoreSummary:
    """What the approver sees of the scores, counting only submitted reviews (drafts are sealed).

    Averages, totals and the spread are computed exactly (fractions) and rounded half-up once, to two
    places; thresholds compare the rounded figures, so what is flagged is what the page shows. Four
    queries: the rubric, the submitted reviews with their reviewers, their scores, the open count.
    """
    call = application.call_item.call
    criteria = list(application.item.criteria.all())
    submitted = list(
        application.assignments.filter(status=Assignment.Status.SUBMITTED)
        .select_related("reviewer")
        .prefetch_related("scores")
        .order_by("submitted_at", "id")
    )
    weights = {c.pk: Fraction(c.weight) for c in criteria}
    weight_sum = sum(weights.values(), Fraction(0))

    by_criterion: dict[int, list[Decimal]] = {c.pk: [] for c in criteria}
    reviews = []
    for assignment in submitted:
        values = {s.criterion_id: s.value for s in assignment.scores.all() if s.criterion_id in weights}
        for criterion_id, value in values.items():
            by_criterion[criterion_id].append(value)
        weighted = sum((weights[cid] * Fraction(v) for cid, v in values.items()), Fraction(0))
        reviews.append(
            ReviewSummary(
                assignment=assignment,
                weighted_total=_round2(weighted / weight_sum) if weight_sum else Decimal("0.00"),
                recommendation=assignment.recommendation,
                recommendation_label=assignment.get_recommendation_display(),
                suggested_fen=assignment.suggested_fen,
                overall_comment=assignment.overall_comment,
                scores=values,
            )
        )

    criterion_rows = []
    total = Fraction(0)
    for criterion in criteria:
        values = by_criterion[criterion.pk]
        if values:
            exact = sum((Fraction(v) for v in values), Fraction(0)) / len(values)
            total += weights[criterion.pk] * exact
            average = _round2(exact)
            criterion_rows.append(
                CriterionSummary(
                    criterion=criterion,
                    average=average,
                    lowest=min(values),
                    below_threshold=average < call.criterion_threshold,
                )
            )
        else:
            criterion_rows.append(CriterionSummary(criterion, None, None, False))

    weighted_total = _round2(total / weight_sum) if reviews and weight_sum else None
    totals = [r.weighted_total for r in reviews]
    return ScoreSummary(
        criteria=tuple(criterion_rows),
        reviews=tuple(reviews),
        weighted_total=weighted_total,
        spread=(max(totals) - min(totals)) if totals else None,
        total_below_threshold=weighted_total is not None and weighted_total < call.total_threshold,
        criterion_threshold=call.criterion_threshold,
        total_threshold=call.total_threshold,
        submitted_count=len(reviews),
        open_count=open_assignment_count(application),
        required_count=call.reviewers_per_application,
    )


# ---------------------------------------------------------------- decision, 公示 and export
# (Appended by the decision stage; its few extra names are imported in the functions so this section
# leaves the imports above untouched.)


def decision_queue(
    *, call: Call | None = None, item_code: str = "", status: str = ""
) -> QuerySet[Application]:
    """The approver's queue: every application submitted at least once, filtered, with `decided_fen` (the
    latest decision's amount), `pending_overrides` (一事一议 awaiting confirmation) and `reviews_submitted`
    (against the call's quorum: which ones can be decided now). One query."""
    from django.db.models import Exists, OuterRef, Subquery

    from .models import Decision, Override

    latest = Decision.objects.filter(application=OuterRef("pk")).order_by("-decided_at", "-id")
    submitted_reviews = (
        Assignment.objects.filter(application=OuterRef("pk"), status=Assignment.Status.SUBMITTED)
        .order_by()
        .values("application")
        .annotate(n=Count("pk"))
        .values("n")
    )
    queryset = (
        Application.objects.filter(submitted_at__isnull=False)
        .select_related("organization", "item", "call_item__call")
        # Nothing of these is shown, and decoding each row's JSON and the call's guide was most of the cost
        # of rendering a page of 100 (issue 13).
        .defer("facts", "call_item__payment_stages", "call_item__call__guide")
        .annotate(
            decided_fen=Subquery(latest.values("amount_fen")[:1]),
            reviews_submitted=Coalesce(Subquery(submitted_reviews, output_field=IntegerField()), 0),
            pending_overrides=Exists(
                Override.objects.filter(application=OuterRef("pk"), status=Override.Status.PROPOSED)
            ),
        )
        # Newest call first, items in the policy's order, then by number: the same order as
        # (-call opens_at, item sort_order), read from the copies on the row so that the index
        # application_decision_queue gives it without sorting every submitted application (issue 13).
        .order_by("-queue_opens_at", "queue_item_order", "number", "id")
    )
    if call is not None:
        queryset = queryset.filter(call_item__call=call)
    if item_code:
        queryset = queryset.filter(item__code=item_code)
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def organization_awards(application: Application) -> tuple[list[Application], list]:
    """What the applicant already received, for the approver to see conflicts before deciding (10(2)):
    its other recognised applications and the awards staff recorded from other district policies."""
    recognised = list(
        Application.objects.filter(
            organization=application.organization_id, status=Application.Status.RECOGNISED
        )
        .exclude(pk=application.pk)
        .select_related("item", "call_item__call")
        .order_by("-call_item__call__year", "id")
    )
    return recognised, list(RecordedAward.objects.filter(organization=application.organization_id))


# ---------------------------------------------------------------- Art. 2 standing, applicant type (issue 11)


def credit_standing(organization) -> list[str]:
    """Why the organisation is not in good standing today (Art. 2 信用记录良好 and its ruling of 2026-12-02:
    a 严重失信 listing, 经营异常名录, an unresolved clawback); empty when it is. The same reasons the engine
    gives (policies.rules.credit_standing_reasons), in the active language."""
    return rules.credit_standing_reasons(standing(organization))


@dataclass(frozen=True)
class TypeCondition:
    message: str  # the condition in the text's words, with its clause
    holds: bool | None  # None: the organisation has recorded no type yet


@dataclass(frozen=True)
class TypeCheck:
    """Who may apply, by item (the rulings): the item's conditions on the applicant's type, from the policy
    data (never from item codes), and whether the organisation's recorded type meets each."""

    conditions: tuple[TypeCondition, ...]
    recorded: bool
    verified: bool

    @property
    def restricted(self) -> bool:
        return bool(self.conditions)

    @property
    def failing(self) -> list[str]:
        return [c.message for c in self.conditions if c.holds is False]


def type_check(application: Application) -> TypeCheck:
    """One query (the item's conditions on org_type / org_flags)."""
    organization = application.organization
    facts = applicant_facts(organization)
    conditions = []
    for condition in application.item.conditions.filter(fact__in=rules.APPLICANT_FACTS).order_by("id"):
        rule = condition.to_condition()
        actual = facts.get(condition.fact)
        conditions.append(TypeCondition(condition.message, None if not facts else rule.holds(actual)))
    return TypeCheck(
        conditions=tuple(conditions),
        recorded=organization.type_recorded,
        verified=organization.type_verified_at is not None,
    )


def type_signature(organization) -> str:
    """The recorded type and flags as one string: the intake page posts what the officer saw, so a type the
    administrator changed in the meantime is not verified unseen."""
    return "|".join(str(getattr(organization, name)) for name in organization.TYPE_FIELDS)


# ---------------------------------------------------------------- 10(2): possibly the same matter (issue 11)


@dataclass(frozen=True)
class MatterRow:
    source: str  # "申报 2025-… · 8.1 …" or the other policy's name
    matter: str  # as typed
    year: int | None
    amount_fen: int | None
    status: str  # the application's status label, or "" for a recorded award
    same: bool  # the same matter once normalised (counted by 10(2)); otherwise only near


def matter_matches(application: Application) -> list[MatterRow]:
    """The organisation's other matters that are the same as this application's once normalised, or near it
    (policies.matters.are_near): in every round of this policy (recognised or still being handled) and the
    awards of other district policies staff recorded. Shown on the decision page as "可能为同一事项" before
    the approver decides; near ones are never deducted automatically. Two queries."""
    key = application_matter_key(application)
    if not key:
        return []
    rows: list[MatterRow] = []
    others = (
        Application.objects.filter(organization=application.organization_id, submitted_at__isnull=False)
        .exclude(pk=application.pk)
        .exclude(status__in=MATTER_IGNORED_STATUSES)
        .select_related("item", "call_item__call")
        .order_by("-call_item__call__year", "id")
    )
    for other in others:
        other_key = application_matter_key(other)
        same = other_key == key
        if same or matters.are_near(key, other_key):
            rows.append(
                MatterRow(
                    source=f"{other.number} · {other.item.code} {other.item.display_name}",
                    matter=other.matter_ref,
                    year=other.call_item.call.year,
                    amount_fen=other.awarded_fen,
                    status=other.get_status_display(),
                    same=same,
                )
            )
    for award in RecordedAward.objects.filter(organization=application.organization_id).order_by(
        "-awarded_on"
    ):
        award_key = award.matter_key_for(key)
        same = award_key == key
        if same or matters.are_near(key, award_key):
            rows.append(
                MatterRow(
                    source=award.source_policy,
                    matter=award.matter,
                    year=award.year,
                    amount_fen=award.amount_fen,
                    status="",
                    same=same,
                )
            )
    return rows


# Applications that never came to anything: their matter was not, and will not be, paid.
MATTER_IGNORED_STATUSES = (
    Application.Status.WITHDRAWN,
    Application.Status.NOT_ACCEPTED,
    Application.Status.REJECTED,
)


def notice_lines(notice):
    """A 公示's lines as the public page and its PDF both show them, in one order: only the fields copied
    at publication (the rows never join the organisation or the application)."""
    return notice.entries.only(
        "id",
        "notice_id",
        "organization_name",
        "item_code",
        "item_name",
        "project_name",
        "amount_fen",
        "withdrawn_at",
    ).order_by("item_code", "id")

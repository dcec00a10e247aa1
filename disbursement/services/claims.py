"""年度兑现: the yearly claims of an item subsidised year by year (6(1) 连续补贴三年: 6.1b, 6.1c).

The ruling of 2026-12-02: recognised once (认定), then each of the consecutive years is claimed by the
enterprise with that year's rent proof and the confirmation that it still uses its office in 长宁区;
区科委 checks the claim (accept / return / refuse) with the engine's amount for that year, computed on
that year's rent; only an accepted year gets its installment, committed to the budget of the year it is
accepted in and payable through the ordinary batches. A year not claimed in its window, or refused, ends
the run; there is no year beyond the item's `subsidy_years`.

Which items are yearly is policy data (PolicyItem.subsidy_years, from the YAML), never a code compared in
a view. Locks: the award first, then its claims in year order, then the budget rows (lock_budgets) — the
order every award service uses.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.roles import Role
from accounts.selectors import approved_membership_for
from audit import services as audit
from changning_ai import materials
from policies import rules
from policies.models import PolicyItem
from policies.services import quote_item
from policies.templatetags.money import fen_yuan
from reviews.access import require_role

from .. import notifications
from ..models import Award, Installment, YearlyClaim
from .budgets import commit_to_budgets

CStatus = YearlyClaim.Status
# Statuses of a claim that can still become an installment.
LIVE = (CStatus.OPEN, CStatus.SUBMITTED, CStatus.RETURNED)
# An award whose run may go on: not yet approved (the accepted years wait for the approval) or approved.
RUNNING_AWARDS = (Award.Status.PENDING, Award.Status.APPROVED)
CHECKERS = (Role.COMMISSION_APPROVER,)


def is_yearly(item: PolicyItem) -> bool:
    """Subsidised year by year, each year claimed on its own figures (the YAML's subsidy_years)."""
    return item.subsidy_years > 1


def _today(at: datetime | None) -> date:
    return timezone.localdate(at) if at else timezone.localdate()


def create_claims(*, award: Award) -> list[YearlyClaim]:
    """At 认定 (create_award, inside its transaction): one claim per year of the run, all open. Year n
    claims the rent of the call's year + n − 1; year 1 too is a claim, capped by the recognised amount."""
    first_year = award.application.call_item.call.year
    return [
        YearlyClaim.objects.create(award=award, year=n, rent_year=first_year + n - 1)
        for n in range(1, award.item.subsidy_years + 1)
    ]


def _lock(claim: YearlyClaim) -> tuple[Award, YearlyClaim]:
    award_id = YearlyClaim.objects.values_list("award_id", flat=True).get(pk=claim.pk)
    award = (
        Award.objects.select_for_update(of=("self",))
        .select_related("item", "organization", "application__call_item__call")
        .get(pk=award_id)
    )
    claims = {c.pk: c for c in YearlyClaim.objects.select_for_update().filter(award=award).order_by("year")}
    claim = claims[claim.pk]
    claim.award = award
    return award, claim


# ---------------------------------------------------------------- the engine's amount for a year


def parse_rent(raw: object) -> Decimal:
    try:
        rent = Decimal(str(raw).replace(",", "").strip())
    except InvalidOperation as exc:
        raise ValidationError({"annual_rent": _("请填写金额(元),如 600000 或 600000.00。")}) from exc
    if not rent.is_finite() or rent <= 0 or rent != rent.quantize(Decimal("0.01")):
        raise ValidationError({"annual_rent": _("请填写大于 0 的金额(元),最多两位小数。")})
    return rent


def quote_year(claim: YearlyClaim, rent: Decimal, *, on: date | None = None) -> rules.Quote:
    """The one engine's amount for this year: the call's rate × this year's rent under the call's per-year
    ceiling, with `subsidy_year` so the engine states the year and refuses one beyond the run. The
    application's other facts (vc_rounds …) stand as recognised. Art. 10(5) is left out: the run was
    recognised while the round was in force. The award's own application is not counted against itself;
    what else the organisation got for this rent year (10(2)) is."""
    award = claim.award
    application = award.application
    call_item = application.call_item
    facts = {**application.facts, award.item.basis_fact: str(rent), rules.SUBSIDY_YEAR: str(claim.year)}
    with translation.override(settings.LANGUAGE_CODE):
        return quote_item(
            item=award.item,
            raw_facts=facts,
            on=on,
            organization=award.organization,
            year=claim.rent_year,
            matter=application.matter_ref,
            call_rate=call_item.rate,
            call_ceiling_fen=call_item.ceiling_fen,
            exclude_application_id=application.pk,
            check_validity=False,
        )


def year_amount(claim: YearlyClaim, rent: Decimal, *, on: date | None = None) -> tuple[int, list, list]:
    """(fen, steps, reasons) for the year. Year 1 is also capped by the recognised amount: 认定 fixed what
    the first year may pay; the later years are bounded by the call's per-year ceiling alone."""
    quote = quote_year(claim, rent, on=on)
    steps = [step.as_dict() for step in quote.steps]
    if not quote.eligible:
        return 0, steps, list(quote.reasons)
    fen = rules.yuan_to_fen(quote.amount)
    recognised = claim.award.application.awarded_fen or 0
    if claim.year == 1 and fen > recognised:
        with translation.override(settings.LANGUAGE_CODE):
            rule = _("第 1 年以认定金额 %(recognised)s 为限") % {"recognised": fen_yuan(recognised)}
        fen = recognised
        steps.append({"rule": rule, "amount": str(rules.fen_to_yuan(fen))})
    return fen, steps, []


# ---------------------------------------------------------------- the enterprise claims


def can_submit(claim: YearlyClaim, today: date | None = None) -> bool:
    """Whether the year can be claimed now: open and within its window, or returned (at any time)."""
    today = today or timezone.localdate()
    if claim.award.status not in RUNNING_AWARDS:
        return False
    if claim.status == CStatus.RETURNED:
        return True
    return claim.status == CStatus.OPEN and claim.opens_on <= today <= claim.closes_on


def _check_admin(actor, award: Award) -> None:
    membership = approved_membership_for(actor)
    if membership is None or not membership.is_admin or membership.organization_id != award.organization_id:
        raise PermissionDenied(_("只有本单位的管理员可以申领年度补贴。"))


def _window_text(claim: YearlyClaim) -> dict[str, object]:
    return {"n": claim.year, "opens": claim.opens_on.isoformat(), "closes": claim.closes_on.isoformat()}


@transaction.atomic
def submit_claim(
    *,
    actor,
    claim: YearlyClaim,
    annual_rent: object,
    office_confirmed: bool,
    office_address: str,
    rent_proof: UploadedFile | None = None,
    at: datetime | None = None,
) -> YearlyClaim:
    """The organisation's administrator claims the year: that year's rent and its proof, and the
    confirmation that it still uses its office in 长宁区. Only within the year's window (1 January of the
    rent year to 31 March after it) — except a claim 区科委 returned, which may be corrected later."""
    at = at or timezone.now()
    award, claim = _lock(claim)
    _check_admin(actor, award)
    today = _today(at)
    if claim.status not in (CStatus.OPEN, CStatus.RETURNED) or award.status not in RUNNING_AWARDS:
        raise ValidationError(
            _("第 %(n)d 年当前状态为“%(status)s”,不能申领。")
            % {"n": claim.year, "status": claim.get_status_display()}
        )
    if claim.status == CStatus.OPEN and not claim.opens_on <= today <= claim.closes_on:
        raise ValidationError(_("第 %(n)d 年的申领期为 %(opens)s 至 %(closes)s。") % _window_text(claim))
    errors: dict[str, str] = {}
    try:
        rent = parse_rent(annual_rent)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if not office_confirmed:
        errors["office_confirmed"] = _("请确认本单位仍在长宁区自用办公。")
    office_address = (office_address or "").strip()
    if not office_address:
        errors["office_address"] = _("请填写在长宁区的办公地址。")
    if rent_proof is None and not claim.rent_proof:
        errors["rent_proof"] = _("请上传该年度的房租发票及付款凭证。")
    if errors:
        raise ValidationError(errors)
    if rent_proof is not None:
        content_type = materials.sniff(rent_proof)  # ValidationError for what is not PDF/JPG/PNG/OFD
        if claim.rent_proof:
            claim.rent_proof.delete(save=False)  # only ever replaced before a decision
        claim.rent_proof.save(f"proof{materials.ALLOWED[content_type]}", rent_proof, save=False)
        claim.rent_proof_name = (rent_proof.name or "file")[:200]
        claim.rent_proof_type = content_type
    claim.facts = {award.item.basis_fact: str(rent)}
    claim.amount_fen, claim.steps, claim.reasons = year_amount(claim, rent, on=today)
    claim.office_confirmed = True
    claim.office_address = office_address[:200]
    claim.submitted_by = actor
    claim.submitted_at = at
    claim.status = CStatus.SUBMITTED
    claim.save()  # audited (AUDITED_MODELS)
    notifications.claim_submitted(claim)
    notifications.claim_received(claim, award.application.call_item.call.claim_check_working_days)
    return claim


# ---------------------------------------------------------------- 区科委 checks


def _decidable(claim: YearlyClaim) -> None:
    if claim.status != CStatus.SUBMITTED:
        raise ValidationError(
            _("第 %(n)d 年当前状态为“%(status)s”,不能核查。")
            % {"n": claim.year, "status": claim.get_status_display()}
        )


def _decide(claim: YearlyClaim, status: str, actor, note: str, at: datetime) -> None:
    claim.status = status
    claim.reviewed_by = actor
    claim.decided_at = at
    claim.decision_note = note
    claim.save()


@transaction.atomic
def accept_claim(*, actor, claim: YearlyClaim, note: str = "", at: datetime | None = None) -> YearlyClaim:
    """区科委 accepts the year: the engine's amount is computed again on the claimed rent (the figures may
    have moved since the claim: another award for the same rent year under 10(2), the organisation's
    standing), the year's installment is created and, once 区财政局 has approved the run, committed to
    the budget of the year it is accepted in and due. Before that approval it waits, and the approval
    commits it with the rest."""
    require_role(actor, *CHECKERS)
    at = at or timezone.now()
    award, claim = _lock(claim)
    _decidable(claim)
    if award.status not in RUNNING_AWARDS:
        raise ValidationError(_("该资助已不在执行中,不能核定。"))
    if claim.year > 1:
        previous = award.claims.get(year=claim.year - 1)
        if previous.status != CStatus.ACCEPTED:
            # 连续: a year is paid only after the one before it.
            raise ValidationError(
                _("请先核定第 %(n)d 年(当前“%(status)s”)。")
                % {"n": previous.year, "status": previous.get_status_display()}
            )
    today = _today(at)
    rent = parse_rent(claim.facts.get(award.item.basis_fact))
    amount, steps, reasons = year_amount(claim, rent, on=today)
    if amount <= 0:
        raise ValidationError([_("按该年度的数额计算,本年度补贴为 0,请退回或不予通过。"), *reasons])
    installment = Installment.objects.create(
        award=award,
        number=(award.installments.order_by("-number").values_list("number", flat=True).first() or 0) + 1,
        year=today.year,
        amount_fen=amount,
        status=Installment.Status.DUE
        if award.status == Award.Status.APPROVED
        else Installment.Status.SCHEDULED,
    )
    if award.status == Award.Status.APPROVED:
        commit_to_budgets({today.year: amount}, award.item.code)
    before = award.amount_fen
    award.amount_fen += amount
    award.save(update_fields=["amount_fen"])
    audit.record(
        "award.update",
        obj=award,
        before={"amount_fen": before},
        after={"amount_fen": award.amount_fen},
        detail=f"年度兑现 第{claim.year}年",
    )
    claim.amount_fen, claim.steps, claim.reasons = amount, steps, []
    claim.installment = installment
    _decide(claim, CStatus.ACCEPTED, actor, (note or "").strip(), at)
    notifications.claim_decided(claim)
    return claim


@transaction.atomic
def return_claim(*, actor, claim: YearlyClaim, note: str, at: datetime | None = None) -> YearlyClaim:
    """Back to the enterprise to correct (the proof unreadable, the rent wrong): it may resubmit even after
    the window, since it claimed in time."""
    require_role(actor, *CHECKERS)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请写明退回理由。")})
    _award, claim = _lock(claim)
    _decidable(claim)
    _decide(claim, CStatus.RETURNED, actor, note, at or timezone.now())
    notifications.claim_decided(claim)
    return claim


@transaction.atomic
def refuse_claim(*, actor, claim: YearlyClaim, note: str, at: datetime | None = None) -> YearlyClaim:
    """Not confirmed (moved out of 长宁区, no rent paid): the year is not paid and the run ends — the later
    years lapse (连续补贴: a gap ends it)."""
    require_role(actor, *CHECKERS)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请写明不予通过的理由。")})
    at = at or timezone.now()
    award, claim = _lock(claim)
    _decidable(claim)
    _decide(claim, CStatus.REFUSED, actor, note, at)
    _end_run(award, after_year=claim.year, at=at)
    notifications.claim_decided(claim)
    return claim


def _end_run(award: Award, *, after_year: int, at: datetime) -> None:
    """The run has ended: the later years that were not yet accepted lapse, and an approved award whose
    installments are all settled closes."""
    note = _("第 %(n)d 年未申领或未通过核查,连续补贴终止。") % {"n": after_year}
    for later in award.claims.filter(year__gt=after_year, status__in=LIVE).order_by("year"):
        later.status = CStatus.LAPSED
        later.decided_at = at
        later.decision_note = note
        later.save()
    close_if_settled(award)


def close_if_settled(award: Award) -> bool:
    """An approved award closes when nothing is left to pay: every installment paid or cancelled and no year
    still to be claimed or checked."""
    if award.status != Award.Status.APPROVED:
        return False
    unpaid = award.installments.exclude(status__in=[Installment.Status.PAID, Installment.Status.CANCELLED])
    if unpaid.exists() or award.claims.filter(status__in=LIVE).exists():
        return False
    award.status = Award.Status.CLOSED
    award.save(update_fields=["status"])
    notifications.award_closed(award)
    return True


# ---------------------------------------------------------------- the daily windows


def open_claim_windows(*, today: date | None = None) -> int:
    """Claims whose window has begun: the organisation's members are told once (reminded_at), with the
    window and what the claim needs. Idempotent: a conditional update claims each reminder."""
    today = today or timezone.localdate()
    opened = 0
    candidates = YearlyClaim.objects.filter(
        status=CStatus.OPEN,
        reminded_at__isnull=True,
        rent_year__lte=today.year,
        award__status__in=RUNNING_AWARDS,
    ).select_related("award__application", "award__item")
    for claim in candidates:
        if claim.closes_on < today:
            continue  # lapse_expired_claims ends it; no reminder of a window that has closed
        with transaction.atomic():
            if YearlyClaim.objects.filter(pk=claim.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            ):
                audit.record("yearlyclaim.update", obj=claim, after={"reminded_at": "now"}, detail="申领提醒")
                notifications.claim_opened(claim)
                opened += 1
    return opened


def lapse_expired_claims(*, today: date | None = None) -> int:
    """Open claims whose window has closed without a claim lapse, and with them the rest of the run. A
    returned claim does not lapse: it was claimed in time."""
    today = today or timezone.localdate()
    lapsed = 0
    expired = YearlyClaim.objects.filter(status=CStatus.OPEN, rent_year__lt=today.year).order_by(
        "award_id", "year"
    )
    for claim in expired:
        if claim.closes_on >= today:
            continue
        with transaction.atomic():
            award, claim = _lock(claim)
            if claim.status != CStatus.OPEN:
                continue  # another run of the task, or the claim submitted meanwhile
            at = timezone.now()
            claim.status = CStatus.LAPSED
            claim.decided_at = at
            claim.decision_note = _(
                "第 %(n)d 年未在申领期(%(opens)s 至 %(closes)s)内申领,连续补贴终止。"
            ) % _window_text(claim)
            claim.save()
            _end_run(award, after_year=claim.year, at=at)
            notifications.claim_lapsed(claim)
            lapsed += 1
    return lapsed

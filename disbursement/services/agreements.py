"""一企一策 support agreements outside any item (Art. 10(3); the ruling of 2026-12-02): proposed by 区科委,
decided by 区财政局, then paid like any award.

Who: 区科委's commission approvers propose. The text gives 区科委 the policy (10(4) 由区科委负责解释) and
the judgement of what has 重大影响 on the district's industrial ecosystem; they are the role that already
proposes 一事一议 inside an item. 区财政局's finance approvers decide: approving commits public money to a
budget, which is what a finance approver does for every award (approve_award). Four eyes are on the
person, not the role: whoever proposed an agreement never decides it, even holding both roles
(agreement_four_eyes backs it).

Approving creates the agreement's Award with one installment in the agreement's budget year and approves it
through approve_award, in the same transaction: the 一企一策 line of that year (and the year's total, where
one exists) must be confirmed and have room, or nothing changes and the refusal shows the figures. From
then on the award is an award: due, batched, paid, clawed back like the others.

Every change is a save of an audited model (settings.AUDITED_MODELS: SupportAgreement, Award, Installment,
Budget), so the trail records it with the fields before and after.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization
from accounts.roles import Role
from policies.services import standing
from reviews.access import require_role

from .. import notifications
from ..models import Award, Installment, SupportAgreement
from .awards import approve_award
from .budgets import MAX_YEAR, MIN_YEAR

Status = SupportAgreement.Status


def _standing_problems(organization: Organization) -> list[str]:
    """Art. 2 binds every support of this policy, an agreement outside the items too: the same reasons, in
    the same words, as the engine gives an application (policies.rules)."""
    facts = standing(organization)
    reasons = []
    if not facts.get("registered_in_changning"):
        reasons.append(_("单位未在长宁区依法设立(第二条)"))
    if not facts.get("operating_normally"):
        reasons.append(_("单位经营状态不正常(第二条要求存续/在业)"))
    if not facts.get("credit_good"):
        reasons.append(_("单位信用记录不良(列入严重失信名单,第二条)"))
    if facts.get("in_abnormal_list"):
        reasons.append(_("单位列入经营异常名录,信用记录不属良好(第二条)"))
    reasons.extend(str(reason) for reason in facts.get("standing_reasons") or ())  # type: ignore[attr-defined]
    return reasons


def _lock(agreement: SupportAgreement) -> SupportAgreement:
    return (
        SupportAgreement.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=agreement.pk)
    )


@transaction.atomic
def propose_agreement(
    *,
    actor,
    organization: Organization,
    title: str,
    area: str,
    reason: str,
    amount_fen: int,
    budget_year: int,
    at: datetime | None = None,
) -> SupportAgreement:
    """区科委 proposes an agreement: the organisation, what it supports, which of 10(3)'s areas and why it
    matters, the amount (integer fen) and the budget year it is paid from. Refused with every problem at
    once; then nothing is saved."""
    require_role(actor, Role.COMMISSION_APPROVER)
    at = at or timezone.now()
    problems: list[str] = []
    title = (title or "").strip()
    reason = (reason or "").strip()
    if not title:
        problems.append(_("请填写支持事项。"))
    if area not in SupportAgreement.Area.values:
        problems.append(_("请选择所属领域(载体建设、企业创新或环境建设,第十条第三款)。"))
    if not reason:
        problems.append(_("请写明理由:对区域产业生态打造的重大影响(第十条第三款)。"))
    if not isinstance(amount_fen, int) or amount_fen <= 0:
        problems.append(_("支持金额必须大于 0。"))
    if not isinstance(budget_year, int) or not MIN_YEAR <= budget_year <= MAX_YEAR:
        problems.append(_("请填写有效的预算年度。"))
    elif budget_year < timezone.localdate(at).year:
        problems.append(_("预算年度不能早于今年。"))
    organization = Organization.objects.get(pk=organization.pk)
    problems.extend(_standing_problems(organization))
    if problems:
        raise ValidationError(problems)
    agreement = SupportAgreement.objects.create(
        # The number comes from the row's own id, like a payment batch's: no counter to lock.
        number=f"tmp-{uuid.uuid4().hex}",
        organization=organization,
        title=title,
        area=area,
        reason=reason,
        amount_fen=amount_fen,
        budget_year=budget_year,
        proposed_by=actor,
        proposed_at=at,
    )
    agreement.number = f"CNAI-{timezone.localdate(at).year}-YQYC-{agreement.pk:05d}"
    agreement.save(update_fields=["number"])
    notifications.agreement_proposed(agreement)
    return agreement


@transaction.atomic
def decide_agreement(
    *, actor, agreement: SupportAgreement, approve: bool, note: str = "", at: datetime | None = None
) -> SupportAgreement:
    """区财政局 approves or rejects a proposed agreement; never its proposer. Approving creates the award
    (one installment, in the agreement's budget year) and commits it to the 一企一策 budget through
    approve_award, which refuses with the figures when the budget lacks room; then the agreement stays
    proposed and nothing is saved. Rejecting needs a note."""
    require_role(actor, Role.FINANCE_APPROVER)
    at = at or timezone.now()
    agreement = _lock(agreement)
    if agreement.proposed_by_id == actor.pk:
        raise PermissionDenied(_("一企一策支持协议须由提出人以外的人员决定,提出人不能批准或否决自己的提议。"))
    if agreement.status != Status.PROPOSED:
        raise ValidationError(
            _("该支持协议已处理(%(status)s)。") % {"status": agreement.get_status_display()}
        )
    note = (note or "").strip()
    if not approve:
        if not note:
            raise ValidationError(_("不予批准时请写明意见。"))
        agreement.status = Status.REJECTED
    else:
        # The organisation's standing may have changed since the proposal (a clawback, the abnormal list).
        problems = _standing_problems(agreement.organization)
        if problems:
            raise ValidationError(problems)
        award = Award.objects.create(
            agreement=agreement, organization_id=agreement.organization_id, amount_fen=agreement.amount_fen
        )
        Installment.objects.create(
            award=award,
            number=1,
            year=agreement.budget_year,
            amount_fen=agreement.amount_fen,
            status=Installment.Status.SCHEDULED,
        )
        # Raises ValidationError with the budget's figures when the line lacks room: the whole decision,
        # award and installment included, is rolled back with it.
        approve_award(actor=actor, award=award, at=at)
        agreement.status = Status.APPROVED
    agreement.decided_by = actor
    agreement.decided_at = at
    agreement.decision_note = note
    agreement.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    notifications.agreement_decided(agreement)
    return agreement

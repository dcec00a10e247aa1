"""What the yearly claims granted, for Art. 10(2) (registered in settings.POLICY_AWARD_LEDGERS).

Year 1 of a run is on the application (applications.ledger counts its recognised amount under the call's
year). Years 2 and 3 are granted only here, each for its own rent year: "6.1a, 6.1b and 6.1c for the same
rent year are the same matter" (the ruling of 2026-12-02), so a 6.1a or 6.1c for 2026's rent is deducted
what a 6.1b run was granted for 2026.
"""

from __future__ import annotations

from policies import matters, rules
from policies.ledger import AwardedSums, AwardQuery, memoised

from .models import YearlyClaim


def yearly_claims(query: AwardQuery) -> AwardedSums:
    if not query.matter_key:
        return AwardedSums()
    accepted = memoised(  # read once per page inside policies.ledger.shared_reads (政策匹配)
        ("yearly_claims", query.organization.pk, query.exclude_application_id),
        lambda: _accepted(query.organization, query.exclude_application_id),
    )
    fen = sum(
        claim.amount_fen or 0
        for claim in accepted  # type: ignore[attr-defined]
        if matters.matter_key(
            item=claim.award.item, matter_ref=claim.award.application.matter_ref, year=claim.rent_year
        )
        == query.matter_key
    )
    return AwardedSums(same_matter=rules.fen_to_yuan(fen) or rules.ZERO)


def _accepted(organization, exclude_application_id: int | None) -> list[YearlyClaim]:
    accepted = YearlyClaim.objects.filter(
        award__organization=organization, status=YearlyClaim.Status.ACCEPTED, year__gt=1
    ).select_related("award__item", "award__application")
    if exclude_application_id:
        accepted = accepted.exclude(award__application_id=exclude_application_id)
    return list(accepted)

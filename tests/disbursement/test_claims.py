"""年度兑现, from the text's words: 6(1) "经认定后……连续补贴三年" and the ruling of 2026-12-02 —
recognised once, then each year claimed with that year's rent proof and the office-in-长宁
confirmation, checked by 区科委, that year's amount on that year's rent; a year not claimed or
refused ends the run; no fourth year.

alice's 6.1b (rate 50% by the 2025 call) is recognised at ¥300,000 on a rent of ¥600,000."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Notification
from disbursement import services
from disbursement.models import Award, Budget, Installment, YearlyClaim
from disbursement.tasks import yearly_claim_windows
from policies import rules
from policies.models import PolicyItem
from tests.pdfs import pdf_bytes, pdf_upload

from .conftest import SHANGHAI, confirmed_budget, login, pay, recognised_award

pytestmark = pytest.mark.django_db

C = YearlyClaim.Status


def proof(name: str = "rent.pdf") -> SimpleUploadedFile:
    return pdf_upload(name, pdf_bytes("rent invoice"))


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def run(clock, private_files, call, alice, dora, fay, fred) -> Award:
    for year in (2025, 2026, 2027):
        confirmed_budget(year, "6.1b", "5,000,000", entered_by=dora, confirmed_by=fay)
    award = recognised_award(
        alice,
        call,
        "6.1b",
        "300,000",
        facts={"annual_rent": "600000", "vc_rounds": "2"},
        matter="长宁区办公用房租赁",
        actor=dora,
    )
    return services.approve_award(actor=fred, award=award)


def claim(award: Award, year: int) -> YearlyClaim:
    return award.claims.get(year=year)


def submit(award, year, rent, actor, when):
    return services.submit_claim(
        actor=actor,
        claim=claim(award, year),
        annual_rent=rent,
        office_confirmed=True,
        office_address="上海市长宁区长宁路 1 号",
        rent_proof=proof(),
        at=when,
    )


def test_recognition_grants_nothing_yet_and_opens_three_yearly_claims(run):
    assert run.amount_fen == 0 and not run.installments.exists()
    assert [(c.year, c.rent_year, c.status) for c in run.claims.all()] == [
        (1, 2025, C.OPEN),
        (2, 2026, C.OPEN),
        (3, 2027, C.OPEN),
    ]
    first = claim(run, 1)
    assert (first.opens_on.isoformat(), first.closes_on.isoformat()) == ("2025-01-01", "2026-03-31")


def test_each_year_is_paid_on_that_years_rent_and_there_is_no_fourth_year(run, alice, dora, fay, fred, clock):
    # Year 1: the claimed rent, capped by the recognised amount.
    submit(run, 1, "600000", alice, at(2025, 4, 1))
    accepted = services.accept_claim(actor=dora, claim=claim(run, 1), at=at(2025, 4, 2))
    installment = accepted.installment
    assert (installment.amount_fen, installment.year, installment.status) == (30_000_000, 2025, "due")
    assert Budget.objects.get(year=2025, item_code="6.1b").committed_fen == 30_000_000
    pay(installment, officer=fay, approver=fred)
    run.refresh_from_db()
    assert run.amount_fen == 30_000_000 and run.status == Award.Status.APPROVED  # the run goes on
    # Year 2, another rent: that year's amount, not a share of the first.
    clock.move_to(at(2026, 2, 10))
    second = submit(run, 2, "800000", alice, at(2026, 2, 10))
    assert second.amount_fen == 40_000_000
    assert any("第 2 年" in step["rule"] for step in second.steps)
    second = services.accept_claim(actor=dora, claim=second, at=at(2026, 2, 11))
    assert second.installment.amount_fen == 40_000_000 and second.installment.year == 2026
    pay(second.installment, officer=fay, approver=fred)
    # Year 3.
    clock.move_to(at(2027, 5, 1))
    third = services.accept_claim(actor=dora, claim=submit(run, 3, "700000", alice, at(2027, 5, 1)))
    assert third.installment.amount_fen == 35_000_000
    pay(third.installment, officer=fay, approver=fred)
    run.refresh_from_db()
    assert run.amount_fen == 30_000_000 + 40_000_000 + 35_000_000
    assert run.status == Award.Status.CLOSED
    assert run.claims.count() == 3  # no fourth claim
    # …and the engine itself refuses a fourth year.
    item = PolicyItem.objects.get(round__code="changning-ai-2024", code="6.1b")
    rule = item.to_rule(call_rate=rules.Decimal("0.5"))
    quote = rules.quote(rule, rules.parse_facts(rule, {"annual_rent": "700000", "subsidy_year": "4"}))
    assert not quote.eligible and any("第 4 年不再补贴" in r for r in quote.reasons)


def test_year_one_is_capped_by_the_recognised_amount(run, alice, dora):
    first = submit(run, 1, "800000", alice, at(2025, 4, 1))
    assert first.amount_fen == 30_000_000


def test_a_year_not_claimed_in_its_window_lapses_and_ends_the_run(run, alice, dora, clock):
    services.accept_claim(actor=dora, claim=submit(run, 1, "600000", alice, at(2025, 4, 1)))
    clock.move_to(at(2027, 4, 1))  # year 2's window closed on 2027-03-31
    yearly_claim_windows.apply()
    assert [c.status for c in run.claims.all()] == [C.ACCEPTED, C.LAPSED, C.LAPSED]
    with pytest.raises(ValidationError):
        submit(run, 3, "600000", alice, at(2027, 4, 1))


def test_a_refused_year_ends_the_run(run, alice, dora, clock):
    services.accept_claim(actor=dora, claim=submit(run, 1, "600000", alice, at(2025, 4, 1)))
    clock.move_to(at(2026, 3, 1))
    submit(run, 2, "600000", alice, at(2026, 3, 1))
    with pytest.raises(ValidationError):
        services.refuse_claim(actor=dora, claim=claim(run, 2), note="")  # a reason is required
    services.refuse_claim(actor=dora, claim=claim(run, 2), note="已迁出长宁区")
    assert [c.status for c in run.claims.all()] == [C.ACCEPTED, C.REFUSED, C.LAPSED]
    assert run.installments.count() == 1


def test_a_returned_claim_can_be_resubmitted_after_the_window(run, alice, dora, clock):
    submit(run, 1, "600000", alice, at(2026, 3, 30))
    services.return_claim(actor=dora, claim=claim(run, 1), note="发票不清晰")
    clock.move_to(at(2026, 4, 15))  # past 2026-03-31
    yearly_claim_windows.apply()
    assert claim(run, 1).status == C.RETURNED  # claimed in time: it does not lapse
    again = services.submit_claim(
        actor=alice,
        claim=claim(run, 1),
        annual_rent="500000",
        office_confirmed=True,
        office_address="上海市长宁区长宁路 1 号",
        at=at(2026, 4, 15),
    )  # the proof on file is kept
    assert again.status == C.SUBMITTED and again.amount_fen == 25_000_000


def test_a_year_cannot_be_claimed_before_its_window(run, alice):
    with pytest.raises(ValidationError, match="2026-01-01"):
        submit(run, 2, "600000", alice, at(2025, 6, 1))


def test_a_year_is_accepted_only_after_the_one_before(run, alice, dora, clock):
    clock.move_to(at(2026, 2, 1))
    submit(run, 2, "600000", alice, at(2026, 2, 1))
    with pytest.raises(ValidationError, match="第 1 年"):
        services.accept_claim(actor=dora, claim=claim(run, 2))


def test_the_claim_needs_the_office_confirmation_and_the_proof(run, alice):
    with pytest.raises(ValidationError) as refused:
        services.submit_claim(
            actor=alice, claim=claim(run, 1), annual_rent="600000", office_confirmed=False, office_address=""
        )
    assert {"office_confirmed", "office_address", "rent_proof"} <= set(refused.value.message_dict)


def test_only_the_organisations_administrator_claims_and_only_the_commission_checks(
    run, alice, anna, bob, fay, fred
):
    for user in (anna, bob, fay):
        with pytest.raises(PermissionDenied):
            submit(run, 1, "600000", user, at(2025, 4, 1))
    submit(run, 1, "600000", alice, at(2025, 4, 1))
    for user in (alice, fay, fred):
        with pytest.raises(PermissionDenied):
            services.accept_claim(actor=user, claim=claim(run, 1))


def test_the_window_opening_tells_the_organisation_once(run, alice, anna):
    yearly_claim_windows.apply()
    yearly_claim_windows.apply()
    rows = Notification.objects.filter(event="claim.opened")
    assert sorted(n.recipient.username for n in rows) == ["alice", "anna"]
    assert claim(run, 1).reminded_at is not None and claim(run, 2).reminded_at is None


def test_every_change_of_a_claim_is_audited(run, alice, dora):
    from audit.models import AuditRecord

    services.accept_claim(actor=dora, claim=submit(run, 1, "600000", alice, at(2025, 4, 1)))
    actions = list(
        AuditRecord.objects.filter(object_type__icontains="yearlyclaim").values_list("action", flat=True)
    )
    assert len(actions) >= 2


# ---------------------------------------------------------------- the pages


def test_the_award_page_shows_the_three_years_and_the_claim_button(client, run, alice, anna):
    page = login(client, alice).get(reverse("awards:mine")).content.decode()
    for text in (
        "第 1 年",
        "第 2 年",
        "第 3 年",
        "2025-01-01",
        "2026-03-31",
        "该年度房租发票及付款凭证",
        "申领第 1 年",
    ):
        assert text in page
    assert "申领第 2 年" not in page  # not yet its window
    page = login(client, anna).get(reverse("awards:mine")).content.decode()
    assert "申领第 1 年" not in page  # only the administrator claims


def test_claiming_through_the_form_and_checking_through_the_staff_page(client, run, alice, dora):
    first = claim(run, 1)
    url = reverse("awards:claim_submit", args=[first.pk])
    response = login(client, alice).post(
        url,
        {
            "annual_rent": "600000",
            "office_address": "上海市长宁区长宁路 1 号",
            "office_confirmed": "on",
            "rent_proof": proof(),
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == C.SUBMITTED
    assert client.get(reverse("awards:claim_proof", args=[first.pk])).status_code == 200
    login(client, dora)
    assert "¥300,000.00" in client.get(reverse("disbursement:claims")).content.decode()
    response = client.post(reverse("disbursement:claim_accept", args=[first.pk]), {"note": "核对无误"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == C.ACCEPTED and first.installment.amount_fen == 30_000_000


def test_another_organisation_gets_404_and_the_enterprise_cannot_reach_staff_pages(
    client, run, alice, anna, bob, fay
):
    first = claim(run, 1)
    login(client, bob)
    for name in ("awards:claim", "awards:claim_submit", "awards:claim_proof"):
        assert client.get(reverse(name, args=[first.pk])).status_code == 404
    login(client, anna)
    assert client.get(reverse("awards:claim", args=[first.pk])).status_code == 200
    assert client.get(reverse("awards:claim_submit", args=[first.pk])).status_code == 403
    login(client, alice)
    assert client.get(reverse("disbursement:claims")).status_code == 403
    assert client.get(reverse("disbursement:claim", args=[first.pk])).status_code == 403
    assert client.post(reverse("disbursement:claim_accept", args=[first.pk])).status_code == 403
    login(client, fay)  # finance reads, does not check
    assert client.get(reverse("disbursement:claim", args=[first.pk])).status_code == 200
    assert client.post(reverse("disbursement:claim_accept", args=[first.pk])).status_code == 403
    assert Installment.objects.filter(award=run).count() == 0


def test_finance_approves_the_run_once_on_the_award_page(
    client, clock, private_files, call, alice, dora, fred
):
    award = recognised_award(
        alice,
        call,
        "6.1b",
        "300,000",
        facts={"annual_rent": "600000", "vc_rounds": "2"},
        matter="长宁区办公用房租赁",
        actor=dora,
    )
    page = login(client, fred).get(reverse("disbursement:award", args=[award.pk])).content.decode()
    assert "批准连续补贴" in page and "¥300,000.00" in page  # the recognised amount, nothing granted yet
    response = client.post(reverse("disbursement:award_approve", args=[award.pk]))
    assert response.status_code == 302
    award.refresh_from_db()
    assert award.status == Award.Status.APPROVED and award.amount_fen == 0


def test_a_year_granted_by_the_run_is_the_same_matter_as_another_rent_subsidy_for_that_year(
    run, alice, dora, clock
):
    """10(2) and the ruling: 6.1a, 6.1b and 6.1c for the same rent year are the same matter — year 2 of the
    run (2026's rent) is deducted from a 6.1a quoted for 2026, and not from one for 2027."""
    from decimal import Decimal

    from policies.services import quote_item

    services.accept_claim(actor=dora, claim=submit(run, 1, "600000", alice, at(2025, 4, 1)))
    clock.move_to(at(2026, 2, 10))
    services.accept_claim(actor=dora, claim=submit(run, 2, "800000", alice, at(2026, 2, 10)))
    item = PolicyItem.objects.get(round__code="changning-ai-2024", code="6.1a")

    def quote(year):
        return quote_item(
            item=item,
            raw_facts={"annual_rent": "1000000"},
            organization=run.organization,
            year=year,
            call_rate=Decimal("0.5"),
            check_validity=False,
        )

    same_year, next_year = quote(2026), quote(2027)
    assert next_year.amount - same_year.amount == Decimal("400000.00")

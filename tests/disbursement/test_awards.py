"""Awards: created at 认定 by the hook, approved against the budgets (refused with the figures), released
year by year, 验收 (8.1, staged splits), and a yearly rent subsidy (6.1b) recognised without a split."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import override_settings

from applications.models import Application
from disbursement import services
from disbursement.models import Award, Budget, Installment
from reviews.models import PublicNotice
from reviews.services.notices import close_notice

from .conftest import SHANGHAI, confirmed_budget, recognise, recognised_award, yuan

pytestmark = pytest.mark.django_db

S = Installment.Status


def figures_of(budget: Budget) -> tuple[int, int, int, int]:
    budget.refresh_from_db()
    return budget.amount_fen, budget.committed_fen, budget.paid_fen, budget.recovered_fen


# ---------------------------------------------------------------- the hook


def test_recognition_creates_a_pending_award_with_its_installment(award):
    assert award.status == Award.Status.PENDING
    assert (award.amount_fen, award.organization.name, award.item.code) == (60_000_000, "甲公司", "7.1")
    (installment,) = award.installments.all()
    assert (installment.number, installment.year, installment.amount_fen) == (1, 2025, 60_000_000)
    assert (installment.condition, installment.status) == ("none", S.SCHEDULED)


def test_closing_the_notice_twice_creates_one_award(award, dora):
    notice = PublicNotice.objects.get(entries__application=award.application)
    assert close_notice(notice=notice, actor=dora).closed_at is not None  # already closed: unchanged
    assert services.create_award(application=award.application) == award  # the hook itself, again
    assert Award.objects.count() == 1
    assert Installment.objects.count() == 1


def failing_hook(*, application, actor):
    raise RuntimeError("finance is down")


@override_settings(RECOGNITION_HOOKS=["tests.disbursement.test_awards.failing_hook"])
def test_a_failing_hook_undoes_the_recognition(clock, private_files, call, alice, dora):
    with pytest.raises(RuntimeError):
        recognised_award(alice, call, matter="智能视觉平台研发", actor=dora)
    application = Application.objects.get()
    assert application.status == Application.Status.PUBLICIZED  # 认定 and award commit together or not at all
    assert not Award.objects.exists()
    assert PublicNotice.objects.get().closed_at is None


# ---------------------------------------------------------------- approval


def test_approval_commits_the_item_and_the_year_total(approved_award, fred):
    assert approved_award.status == Award.Status.APPROVED and approved_award.approved_by == fred
    assert figures_of(Budget.objects.get(year=2025, item_code="7.1"))[1] == 60_000_000
    assert figures_of(Budget.objects.get(year=2025, item_code=""))[1] == 60_000_000
    assert approved_award.installments.get().status == S.DUE


def test_overspend_is_refused_with_the_figures_and_nothing_is_committed(award, dora, fay, fred):
    budget = confirmed_budget(2025, "7.1", "599,999.99", entered_by=dora, confirmed_by=fay)
    with pytest.raises(ValidationError) as refused:
        services.approve_award(actor=fred, award=award)
    message = " ".join(refused.value.messages)
    for figure in ("预算 ¥599,999.99", "已承诺 ¥0.00", "已拨付 ¥0.00", "剩余 ¥599,999.99"):
        assert figure in message
    assert "本次需 ¥600,000.00" in message
    assert figures_of(budget) == (59_999_999, 0, 0, 0)
    award.refresh_from_db()
    assert award.status == Award.Status.PENDING and award.approved_by is None
    assert award.installments.get().status == S.SCHEDULED


def test_the_year_total_binds_too(award, budget, dora, fay, fred):
    total = confirmed_budget(2025, "", "100,000", entered_by=dora, confirmed_by=fay)
    with pytest.raises(ValidationError, match="2025 年度总预算不足"):
        services.approve_award(actor=fred, award=award)
    assert figures_of(budget)[1] == 0 and figures_of(total)[1] == 0


def test_the_last_fen_of_a_budget_is_enough(award, dora, fay, fred):
    budget = confirmed_budget(2025, "7.1", "600,000", entered_by=dora, confirmed_by=fay)
    services.approve_award(actor=fred, award=award)
    budget.refresh_from_db()
    assert budget.left_fen == 0


def test_an_unconfirmed_or_missing_budget_is_refused(award, dora, fred):
    with pytest.raises(ValidationError, match="尚未编列预算"):
        services.approve_award(actor=fred, award=award)
    services.enter_budget(actor=dora, year=2025, item_code="7.1", amount_fen=yuan("10,000,000"))
    with pytest.raises(ValidationError, match="尚未经区财政局确认"):
        services.approve_award(actor=fred, award=award)
    assert not Budget.objects.filter(committed_fen__gt=0).exists()


def test_only_a_finance_approver_approves(award, budget, fay, dora, alice, administrators):
    for user in (fay, dora, alice, *administrators):
        with pytest.raises(PermissionDenied):
            services.approve_award(actor=user, award=award)
    award.refresh_from_db()
    assert award.status == Award.Status.PENDING
    assert figures_of(budget)[1] == 0


def test_an_award_is_approved_once(approved_award, frank, budget):
    with pytest.raises(ValidationError, match="不能再审核"):
        services.approve_award(actor=frank, award=approved_award)
    assert figures_of(budget)[1] == 60_000_000


# ---------------------------------------------------------------- the year's release


def test_an_installment_of_a_later_year_waits_for_its_year(award, budget, year_total, fred):
    services.approve_award(actor=fred, award=award, at=datetime(2024, 12, 20, 10, 0, tzinfo=SHANGHAI))
    installment = award.installments.get()
    installment.refresh_from_db()
    assert installment.status == S.SCHEDULED
    assert services.release_due_installments(today=date(2024, 12, 31)) == 0
    assert services.release_due_installments(today=date(2025, 1, 1)) == 1
    assert services.release_due_installments(today=date(2025, 1, 2)) == 0  # idempotent
    installment.refresh_from_db()
    assert installment.status == S.DUE


def test_the_release_command(award, budget, year_total, fred, capsys):
    services.approve_award(actor=fred, award=award, at=datetime(2024, 12, 20, 10, 0, tzinfo=SHANGHAI))
    call_command("release_installments", "--date", "2025-01-01")
    assert "1 期转为待拨付" in capsys.readouterr().out
    assert award.installments.get().status == S.DUE


def test_the_release_command_refuses_a_bad_date_in_one_line(db, capsys):
    with pytest.raises(SystemExit) as exited:
        call_command("release_installments", "--date", "2025-13-01")
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("release_installments: ") and "YYYY-MM-DD" in err


# ---------------------------------------------------------------- 6.1b: 连续补贴三年, claimed year by year


def test_a_yearly_rent_subsidy_is_not_split_at_recognition(
    clock, private_files, call, alice, dora, fay, fred
):
    """6(1) 连续补贴三年: one year's amount is not split in three (the ruling of 2026-12-02). 认定 opens three
    yearly claims and grants nothing yet; finance approves the run once, committing nothing until a year
    is accepted (tests/disbursement/test_claims.py)."""
    confirmed_budget(2025, "6.1b", "5,000,000", entered_by=dora, confirmed_by=fay)
    award = recognised_award(
        alice,
        call,
        "6.1b",
        "1,000,000.01",
        facts={"annual_rent": "2000000.02", "vc_rounds": "2"},
        matter="长宁区办公用房租赁",
        actor=dora,
    )
    assert award.amount_fen == 0 and not award.installments.exists()
    assert award.application.awarded_fen == 100_000_001  # the recognised amount: year 1's cap
    assert [(c.year, c.rent_year) for c in award.claims.all()] == [(1, 2025), (2, 2026), (3, 2027)]
    award = services.approve_award(actor=fred, award=award)
    assert award.status == Award.Status.APPROVED
    assert Budget.objects.get(year=2025, item_code="6.1b").committed_fen == 0


# ---------------------------------------------------------------- 8.1 and staged splits: 验收


@pytest.fixture
def matching_award(clock, private_files, call, alice, dora, fay):
    confirmed_budget(2025, "8.1", "10,000,000", entered_by=dora, confirmed_by=fay)
    return recognised_award(
        alice,
        call,
        "8.1",
        "1,000,000",
        facts={"superior_funding": "1000000", "project_ref": "2025ZD001", "superior_level": "national"},
        matter="2025ZD001",
        actor=dora,
    )


def test_an_81_award_is_paid_after_acceptance(matching_award, fred, dora):
    services.approve_award(actor=fred, award=matching_award)
    installment = matching_award.installments.get()
    installment.refresh_from_db()
    assert (installment.condition, installment.status) == ("acceptance", S.WAITING)
    services.record_acceptance(actor=dora, award=matching_award)
    installment.refresh_from_db()
    assert installment.status == S.DUE and installment.condition_met_at is not None
    with pytest.raises(ValidationError):
        services.record_acceptance(actor=dora, award=matching_award)  # nothing waits any more


def test_acceptance_recorded_before_approval_makes_it_due_at_approval(matching_award, fred, dora):
    services.record_acceptance(actor=dora, award=matching_award)
    assert matching_award.installments.get().status == S.WAITING
    services.approve_award(actor=fred, award=matching_award)
    assert matching_award.installments.get().status == S.DUE


def test_only_the_commission_records_acceptance(matching_award, fay, fred, alice, administrators):
    for user in (fay, fred, alice, *administrators):
        with pytest.raises(PermissionDenied):
            services.record_acceptance(actor=user, award=matching_award)
    assert matching_award.installments.get().condition_met_at is None


def test_a_calls_staged_split_pays_half_now_and_half_after_acceptance(
    clock, private_files, call, alice, dora, fred, budget
):
    call_item = call.call_items.get(item__code="7.1")
    call_item.payment_stages = [{"percent": 50, "after": "notice"}, {"percent": 50, "after": "acceptance"}]
    call_item.save()
    award = recognised_award(
        alice,
        call,
        "7.1",
        "300,000.01",
        facts={"self_raised_investment": "1000000.04"},
        matter="多模态大模型",
        actor=dora,
    )
    services.approve_award(actor=fred, award=award)
    rows = list(award.installments.order_by("number"))
    assert [(i.amount_fen, i.condition, i.status) for i in rows] == [
        (15_000_001, "none", S.DUE),
        (15_000_000, "acceptance", S.WAITING),
    ]
    services.record_acceptance(actor=dora, award=award)
    assert set(award.installments.values_list("status", flat=True)) == {S.DUE}


def test_recognise_helper_is_the_notice_path(clock, private_files, call, alice, dora):
    # The fixtures go through close_notice, not around it: the application's timeline says so.
    from tests.reviews.decision_support import under_review

    application = under_review(alice, call)
    award = recognise(application, "600,000", actor=dora)
    application.refresh_from_db()
    assert application.status == Application.Status.RECOGNISED
    assert application.events.order_by("-at", "-id").first().note == "公示期满无异议,予以认定"
    assert award.application == application


def test_nobody_approves_the_money_of_an_application_they_reviewed(award, budget, dora, fred, frank):
    from django.utils import timezone

    from reviews.models import Assignment

    # fred once sat on its review panel (before moving to 区财政局): he may not approve its money.
    Assignment.objects.create(
        application=award.application,
        reviewer=fred,
        assigned_by=dora,
        assigned_at=timezone.now(),
        status=Assignment.Status.SUBMITTED,
    )
    with pytest.raises(PermissionDenied, match=f"您参与了申报 {award.application.number} 的审定或评审"):
        services.approve_award(actor=fred, award=award)
    award.refresh_from_db()
    assert award.status == Award.Status.PENDING and figures_of(budget)[1] == 0
    services.approve_award(actor=frank, award=award)  # another approver, not involved
    assert figures_of(budget)[1] == 60_000_000

"""Two approvals racing for the last of a budget, in real concurrent transactions on PostgreSQL.

Each approval runs in its own thread, so on its own database connection and in its own transaction. A
Barrier holds both just before approve_award locks the budget rows (select_for_update), so both reach the
lock together: one gets it, the other waits for the first to commit, then reads what it committed and
is refused. SQLite has no row locks (it serialises whole-database writes), so the test needs PostgreSQL,
which CI runs.
"""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from disbursement import services
from disbursement.models import Award
from disbursement.services import awards as award_services

from .conftest import confirmed_budget, recognised_award

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (select_for_update) need PostgreSQL; SQLite locks the whole database",
    ),
]


def race(monkeypatch, jobs, *, meet_at_budgets: bool = True):
    """Run each job in its own thread/connection/transaction; all meet at the budget lock (or, with
    meet_at_budgets=False, as their transactions start). Returns each job's outcome: "approved" or the
    refusal's messages."""
    barrier = threading.Barrier(len(jobs), timeout=20)
    if meet_at_budgets:
        original = award_services.lock_budgets

        def lock_together(*args, **kwargs):
            barrier.wait()  # every transaction is open and about to SELECT … FOR UPDATE the budgets
            return original(*args, **kwargs)

        monkeypatch.setattr(award_services, "lock_budgets", lock_together)
    outcomes: list[object] = [None] * len(jobs)

    def run(index, job):
        try:
            with transaction.atomic():
                if not meet_at_budgets:
                    barrier.wait()
                job()
            outcomes[index] = "approved"
        except ValidationError as exc:
            outcomes[index] = exc.messages
        except BaseException as exc:  # surfaced by the asserts below
            outcomes[index] = exc
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "deadlocked"
    return outcomes


@pytest.fixture
def two_awards(clock, private_files, call, alice, bob, dora, fay):
    """¥600,000 for alice's 甲公司 and for bob's 乙公司, and a 7.1 budget of ¥1,000,000: room for one."""
    budget = confirmed_budget(2025, "7.1", "1,000,000", entered_by=dora, confirmed_by=fay)
    first = recognised_award(
        alice, call, facts={"self_raised_investment": "2000000"}, matter="智能视觉平台研发", actor=dora
    )
    second = recognised_award(
        bob, call, facts={"self_raised_investment": "2000000"}, matter="语音交互平台", actor=dora
    )
    return budget, first, second


def test_concurrent_approvals_for_the_last_of_a_budget_one_wins(two_awards, fred, frank, monkeypatch):
    budget, first, second = two_awards
    outcomes = race(
        monkeypatch,
        [
            lambda: services.approve_award(actor=fred, award=first),
            lambda: services.approve_award(actor=frank, award=second),
        ],
    )
    assert sorted(o == "approved" for o in outcomes) == [False, True], outcomes
    (refusal,) = [o for o in outcomes if o != "approved"]
    assert isinstance(refusal, list), refusal
    # The loser saw the winner's commitment: the figures after the first approval.
    assert "已承诺 ¥600,000.00" in " ".join(refusal) and "剩余 ¥400,000.00" in " ".join(refusal)
    budget.refresh_from_db()
    assert budget.committed_fen == 60_000_000 <= budget.amount_fen
    assert budget.left_fen == 40_000_000
    assert Award.objects.filter(status=Award.Status.APPROVED).count() == 1
    assert Award.objects.filter(status=Award.Status.PENDING).count() == 1


def test_concurrent_approvals_with_a_year_total_one_wins(two_awards, dora, fay, fred, frank, monkeypatch):
    # The item's budget has room for both; the year's total for one. Both rows are locked in one order.
    budget, first, second = two_awards
    services.enter_budget(actor=dora, year=2025, item_code="7.1", amount_fen=500_000_000)
    services.confirm_budget(actor=fay, budget=budget)
    total = confirmed_budget(2025, "", "1,000,000", entered_by=dora, confirmed_by=fay)
    outcomes = race(
        monkeypatch,
        [
            lambda: services.approve_award(actor=fred, award=first),
            lambda: services.approve_award(actor=frank, award=second),
        ],
    )
    assert sorted(o == "approved" for o in outcomes) == [False, True], outcomes
    total.refresh_from_db()
    budget.refresh_from_db()
    assert total.committed_fen == budget.committed_fen == 60_000_000


def test_the_same_award_approved_twice_at_once_commits_once(two_awards, fred, frank, monkeypatch):
    budget, first, _second = two_awards
    outcomes = race(
        monkeypatch,
        [
            lambda: services.approve_award(actor=fred, award=first),
            lambda: services.approve_award(actor=frank, award=first),
        ],
        meet_at_budgets=False,  # the award row is locked first: the second approver waits there
    )
    assert sorted(map(str, outcomes)) == ["['该资助当前状态为“已批准,按期拨付”,不能再审核。']", "approved"]
    budget.refresh_from_db()
    assert budget.committed_fen == 60_000_000

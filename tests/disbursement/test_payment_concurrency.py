"""Paying and batching at the same time, in real concurrent transactions on PostgreSQL.

A double click or a retried request may reach the server twice at once; two officers may pick the same
due installment for their batches at the same moment. Each job runs in its own thread (its own
connection and transaction); a Barrier starts them together. The conditional UPDATEs decide: exactly
one changes the row, the other changes nothing. SQLite serialises whole-database writes, so these run
on PostgreSQL only (CI).
"""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from accounts.roles import Role
from disbursement import services
from disbursement.models import Budget, Installment, PaymentBatch, PaymentRecord
from tests.factories import UserFactory

from .payment_support import approved_batch, bank, due_installment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks and concurrent UPDATEs need PostgreSQL; SQLite locks the whole database",
    ),
    pytest.mark.usefixtures("clock", "private_files"),
]


def together(*jobs):
    """Run the jobs at once, each in its own transaction; each one's result or exception."""
    barrier = threading.Barrier(len(jobs), timeout=20)
    outcomes: list[object] = [None] * len(jobs)

    def run(index, job):
        try:
            with transaction.atomic():
                barrier.wait()  # both transactions are open
                outcomes[index] = job()
        except BaseException as exc:  # surfaced by the asserts
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "deadlocked"
    return outcomes


@pytest.fixture
def due(approved_award, alice, org_a) -> Installment:
    bank(alice, org_a)
    return due_installment(approved_award)


def test_a_payment_recorded_twice_at_once_pays_once(due, fay, frank):
    batch = approved_batch([due], officer=fay, approver=frank)

    def record():
        return services.record_payment(
            actor=fay, batch=batch, installment=due, voucher_no="PZ-2025-0001", paid_on=date(2025, 4, 1)
        )

    outcomes = together(record, record)
    assert all(isinstance(o, PaymentRecord) for o in outcomes), outcomes
    assert outcomes[0].pk == outcomes[1].pk
    assert PaymentRecord.objects.count() == 1
    item = Budget.objects.get(year=2025, item_code="7.1")
    assert (item.committed_fen, item.paid_fen) == (0, 60_000_000)
    total = Budget.objects.get(year=2025, item_code="")
    assert (total.committed_fen, total.paid_fen) == (0, 60_000_000)


def test_two_officers_batching_the_same_installment_at_once_one_wins(due, fay):
    felix = UserFactory(username="felix", roles=[Role.FINANCE_OFFICER], is_staff=True)
    outcomes = together(
        lambda: services.create_batch(actor=fay, installment_ids=[due.pk]),
        lambda: services.create_batch(actor=felix, installment_ids=[due.pk]),
    )
    won = [o for o in outcomes if isinstance(o, PaymentBatch)]
    lost = [o for o in outcomes if isinstance(o, ValidationError)]
    assert (len(won), len(lost)) == (1, 1), outcomes
    assert due.award.application.number in " ".join(lost[0].messages)
    assert PaymentBatch.objects.count() == 1
    due.refresh_from_db()
    assert (due.status, due.batch_id) == (Installment.Status.BATCHED, won[0].pk)

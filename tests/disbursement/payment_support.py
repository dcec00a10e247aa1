"""Helpers of the batch, payment, export and notice tests (on top of conftest's people and awards).

`bank(user, organization)` records an account through the service; `due_award(...)` is a new application
of the user's organisation recognised and approved by fred, its installment due; `paid_batch`-style flows
go through the real services: fay prepares, frank or fred approves, fay records.
"""

from __future__ import annotations

from datetime import date

from disbursement import services
from disbursement.models import Award, Installment, PaymentBatch
from tests.disbursement.conftest import confirmed_budget, recognised_award

ACCOUNT_A = "6222021001123456789"
ACCOUNT_B = "31050161393600000123"
PAID_ON = date(2025, 4, 1)


CNAPS_A = "308290003011"  # 招商银行上海长宁支行's style of 联行号: 12 digits


def bank(
    user, organization, number: str = ACCOUNT_A, bank_name: str = "招商银行上海长宁支行", code: str = CNAPS_A
):
    return services.set_bank_account(
        actor=user,
        organization=organization,
        bank_name=bank_name,
        account_name=organization.name,
        account_number=number,
        bank_code=code,
    )


def service_budget(dora, fay, amount: str = "10,000,000"):
    """The confirmed 2025 budget of 9.1 (云服务), for extra awards."""
    return confirmed_budget(2025, "9.1", amount, entered_by=dora, confirmed_by=fay)


def due_award(user, call, amount: str, matter: str, *, approver, dora) -> Award:
    """A 9.1 award of `user`'s organisation at `amount`, recognised and approved: its one installment due."""
    award = recognised_award(
        user, call, "9.1", amount, facts={"service_cost": "900000"}, matter=matter, actor=dora
    )
    return services.approve_award(actor=approver, award=award)


def due_installment(award: Award) -> Installment:
    return award.installments.get(status=Installment.Status.DUE)


def approved_batch(installments, *, officer, approver) -> PaymentBatch:
    batch = services.create_batch(actor=officer, installment_ids=[i.pk for i in installments])
    services.submit_batch(actor=officer, batch=batch)
    return services.approve_batch(actor=approver, batch=batch)

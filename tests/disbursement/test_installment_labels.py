"""拨付中 says the money is on its way: shown only once a finance approver has approved the batch. Before,
staff read 批次审核中 and the enterprise still reads 待拨付 (its award page and the notice)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from disbursement import services
from tests.disbursement.conftest import login
from tests.disbursement.payment_support import bank

pytestmark = pytest.mark.usefixtures("clock", "private_files")


@pytest.fixture
def submitted(approved_award, alice, org_a, fay):
    bank(alice, org_a)
    installment = approved_award.installments.get()
    batch = services.create_batch(actor=fay, installment_ids=[installment.pk])
    services.submit_batch(actor=fay, batch=batch)
    return batch


def pages(client, award, batch, *, staff, enterprise):
    return (
        login(client, staff).get(reverse("disbursement:award", args=[award.pk])).content.decode(),
        client.get(reverse("disbursement:batch", args=[batch.pk])).content.decode(),
        login(client, enterprise).get(reverse("awards:mine")).content.decode(),
    )


def test_before_approval_staff_see_the_batch_under_review_and_the_enterprise_sees_due(
    client, approved_award, submitted, fay, alice
):
    award_page, batch_page, mine = pages(client, approved_award, submitted, staff=fay, enterprise=alice)
    assert "批次审核中" in award_page and "拨付中" not in award_page
    assert "批次审核中" in batch_page
    assert "待拨付" in mine and "拨付中" not in mine


def test_once_approved_everyone_sees_paying(client, approved_award, submitted, fay, frank, alice):
    services.approve_batch(actor=frank, batch=submitted)
    award_page, batch_page, mine = pages(client, approved_award, submitted, staff=fay, enterprise=alice)
    for html in (award_page, batch_page, mine):
        assert "拨付中" in html and "批次审核中" not in html

"""Approving a payment batch needs a recent proof of identity (accounts.reauth): five minutes after the
approver's login the approval is not carried out until they give their password and code again."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from disbursement import services
from disbursement.models import PaymentBatch
from tests.disbursement.conftest import login
from tests.disbursement.payment_support import bank, due_installment
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("clock", "private_files")


@pytest.fixture
def submitted_batch(approved_award, alice, org_a, fay) -> PaymentBatch:
    bank(alice, org_a)
    batch = services.create_batch(actor=fay, installment_ids=[due_installment(approved_award).pk])
    return services.submit_batch(actor=fay, batch=batch)


def test_a_stale_approval_is_not_carried_out_until_the_approver_reauthenticates(
    client, submitted_batch, fred, clock
):
    login(client, fred)
    clock.shift(timedelta(minutes=6))
    detail = reverse("disbursement:batch", args=[submitted_batch.pk])
    approve = reverse("disbursement:batch_approve", args=[submitted_batch.pk])

    response = client.post(approve, HTTP_REFERER=f"http://testserver{detail}")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/reauth/?next=")
    submitted_batch.refresh_from_db()
    assert (submitted_batch.status, submitted_batch.approved_by) == (PaymentBatch.Status.SUBMITTED, None)

    # fred is staff: the password and the code of his app (tests/conftest.py gave him one at login).
    device = TOTPDevice.objects.get(user=fred)
    clock.shift(timedelta(seconds=31))  # a new 30-second step: the code of the login is not reused
    back = client.post(
        "/accounts/reauth/", {"password": PASSWORD, "code": f"{totp(device.bin_key):06d}", "next": detail}
    )
    assert back["Location"] == detail

    assert client.post(approve)["Location"] == detail
    submitted_batch.refresh_from_db()
    assert (submitted_batch.status, submitted_batch.approved_by) == (PaymentBatch.Status.APPROVED, fred)

"""Confirming 一事一议 needs a recent proof of identity (accounts.reauth): five minutes after the second
approver's login, neither the confirmation page nor the confirmation is carried out until they give their
password and code again."""

from datetime import timedelta

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from reviews import services
from reviews.models import Override
from tests.factories import PASSWORD
from tests.reviews.decision_support import *  # noqa: F403 (fixtures)
from tests.reviews.decision_support import under_review

pytestmark = pytest.mark.usefixtures("clock", "private_files")


def test_a_stale_confirmation_is_not_carried_out_until_the_approver_reauthenticates(
    client, alice, dora, erin, call, clock
):
    application = under_review(alice, call)
    override = services.propose_override(
        actor=dora,
        application=application,
        amount="800000",
        reason="市重大专项落地长宁,一企一策。",
        area="innovation",
        impact="市重大专项落地长宁,带动区内人工智能企业和研发机构协同攻关,对区域产业生态打造有重大影响。",
    )
    url = f"/review/overrides/{override.pk}/confirm/"
    client.force_login(erin)
    clock.shift(timedelta(minutes=6))

    assert (
        client.get(url)["Location"]
        == f"/accounts/reauth/?next=%2Freview%2Foverrides%2F{override.pk}%2Fconfirm%2F"
    )
    refused = client.post(url, {"action": "confirm", "note": "同意"})
    assert refused["Location"].startswith("/accounts/reauth/")
    override.refresh_from_db()
    assert (override.status, override.confirmed_by) == (Override.Status.PROPOSED, None)

    device = TOTPDevice.objects.get(user=erin)
    clock.shift(timedelta(seconds=31))
    back = client.post(
        "/accounts/reauth/", {"password": PASSWORD, "code": f"{totp(device.bin_key):06d}", "next": url}
    )
    assert back["Location"] == url
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "confirm", "note": "同意"}).status_code == 302
    override.refresh_from_db()
    assert (override.status, override.confirmed_by) == (Override.Status.CONFIRMED, erin)

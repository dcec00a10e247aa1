"""A real USCC whose check digit fails (issue 4): created only with the registrant's confirmation, and
then marked uscc_checksum_ok=False for the intake officer to verify."""

import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import Membership, Organization
from tests.accounts.test_organization_pages import NEW, organization_data
from tests.factories import UserFactory, make_uscc

CONFIRM = "我确认该代码与营业执照一致(校验位未通过,将由受理人员核实)"


def failing(n: int) -> str:
    """Well-formed, 18 characters of the USCC alphabet, but the check digit is wrong."""
    good = make_uscc(n)
    return good[:-1] + ("0" if good[-1] != "0" else "1")


def fields(**changes) -> dict:
    data = {
        "name": "上海丁智能有限公司",
        "registered_address": "上海市长宁区丁路1号",
        "registered_in_changning": True,
        "legal_representative": "周丁",
        "contact_name": "吴联系",
        "contact_phone": "021-62000001",
    }
    data.update(changes)
    return data


def test_without_the_box_a_failing_check_digit_keeps_the_usual_error_and_offers_the_box(
    client, bob, row_counts
):
    client.force_login(bob)
    assert CONFIRM not in client.get(NEW).content.decode()  # not offered before it is needed
    before = row_counts()
    response = client.post(NEW, organization_data(uscc=failing(901)))
    assert response.status_code == 200
    assert "校验位正确" in " ".join(response.context["form"].errors["uscc"])
    assert CONFIRM in response.content.decode()
    assert 'name="uscc_checksum_confirmed"' in response.content.decode()
    assert row_counts() == before


def test_with_the_box_the_organisation_is_created_and_marked_for_verification(client, bob):
    client.force_login(bob)
    response = client.post(NEW, {**organization_data(uscc=failing(902)), "uscc_checksum_confirmed": "on"})
    assert response.status_code == 302
    organization = Organization.objects.get(uscc=failing(902))
    assert organization.uscc_checksum_ok is False
    assert Membership.objects.get(user=bob).organization == organization


def test_the_box_does_not_excuse_a_code_of_the_wrong_shape(client, bob, row_counts):
    client.force_login(bob)
    before = row_counts()
    for bad in ("12345", "91310105000000900I", "9" * 17 + "Z"):
        response = client.post(NEW, {**organization_data(uscc=bad), "uscc_checksum_confirmed": "on"})
        assert response.status_code == 200
        assert response.context["form"].errors["uscc"]
    assert row_counts() == before


def test_a_correct_code_with_the_box_ticked_is_simply_correct(client, bob):
    client.force_login(bob)
    client.post(NEW, {**organization_data(uscc=make_uscc(903)), "uscc_checksum_confirmed": "on"})
    assert Organization.objects.get(uscc=make_uscc(903)).uscc_checksum_ok is True


def test_the_service_needs_the_confirmation(bob):
    with pytest.raises(ValidationError) as exc:
        services.create_organization(actor=bob, uscc=failing(904), **fields())
    assert "统一社会信用代码" in exc.value.message_dict["uscc"][0]
    assert not Organization.objects.exists()
    organization = services.create_organization(
        actor=bob, uscc=failing(904), uscc_checksum_confirmed=True, **fields()
    )
    assert organization.uscc_checksum_ok is False


def test_the_model_refuses_a_failing_check_digit_unless_the_row_says_so(db):
    with pytest.raises(ValidationError) as exc:
        Organization(uscc=failing(905), name="戊公司").full_clean()
    assert "uscc" in exc.value.message_dict
    Organization(uscc=failing(905), name="戊公司", uscc_checksum_ok=False).full_clean()
    # The flag is never False for a code that passes.
    organization = Organization(uscc=make_uscc(905), name="戊公司", uscc_checksum_ok=False)
    organization.full_clean()
    assert organization.uscc_checksum_ok is True


def test_colleagues_can_join_such_an_organisation_by_its_code(bob):
    erin = UserFactory(username="erin")
    organization = services.create_organization(
        actor=erin, uscc=failing(906), uscc_checksum_confirmed=True, **fields()
    )
    membership = services.request_membership(actor=bob, uscc=failing(906))
    assert membership.organization == organization
    with pytest.raises(ValidationError) as exc:  # any other failing code is still a typo
        services.request_membership(actor=bob, uscc=failing(907))
    assert "统一社会信用代码" in exc.value.message_dict["uscc"][0]


def test_the_profile_form_has_no_confirmation_box(client, org_a, alice):
    client.force_login(alice)
    assert "uscc_checksum_confirmed" not in client.get("/accounts/organization/edit/").content.decode()

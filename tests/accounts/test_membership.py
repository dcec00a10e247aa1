"""Joining an organisation: the request at /accounts/organization/join/ and the administrator's decision
at /accounts/organization/members/."""

import pytest

from accounts.models import Membership
from tests.factories import MembershipFactory, UserFactory, make_uscc

JOIN = "/accounts/organization/join/"
MEMBERS = "/accounts/organization/members/"


def approve_url(membership: Membership) -> str:
    return f"{MEMBERS}{membership.pk}/approve/"


def reject_url(membership: Membership) -> str:
    return f"{MEMBERS}{membership.pk}/reject/"


# ---------------------------------------------------------------- asking to join


def test_the_join_form_is_prefilled_from_the_link_on_the_create_page(client, org_a, bob):
    client.force_login(bob)
    html = client.get(f"{JOIN}?uscc={org_a.uscc}").content.decode()
    assert f'value="{org_a.uscc}"' in html


def test_bob_asks_alice_approves_and_bob_sees_the_profile(client, org_a, alice, bob):
    client.force_login(bob)
    response = client.post(JOIN, {"uscc": org_a.uscc.lower()})
    assert response["Location"] == "/accounts/organization/"
    request = Membership.objects.get(user=bob)
    assert (request.organization, request.status, request.is_admin) == (
        org_a,
        Membership.Status.PENDING,
        False,
    )
    # While waiting bob sees the code he typed and the status, still nothing else about 甲.
    waiting = client.get("/accounts/organization/").content.decode()
    assert org_a.uscc in waiting and "待审核" in waiting
    assert org_a.name not in waiting and org_a.registered_address not in waiting

    client.force_login(alice)
    members = client.get(MEMBERS).content.decode()
    assert "13900001111" in members
    assert f'action="{approve_url(request)}"' in members
    assert f'action="{reject_url(request)}"' in members
    assert client.post(approve_url(request))["Location"] == MEMBERS
    request.refresh_from_db()
    assert request.status == Membership.Status.APPROVED

    client.force_login(bob)
    profile = client.get("/accounts/organization/").content.decode()
    assert org_a.name in profile and org_a.registered_address in profile
    assert "单位成员" in profile


def test_alice_rejects_and_bob_still_has_no_organisation(client, org_a, alice, bob, bobs_request):
    client.force_login(alice)
    client.post(reject_url(bobs_request))
    bobs_request.refresh_from_db()
    assert bobs_request.status == Membership.Status.REJECTED
    assert bobs_request not in client.get(MEMBERS).context["memberships"]  # rejected ones leave the list

    client.force_login(bob)
    page = client.get("/accounts/organization/").content.decode()
    assert "已拒绝" in page
    assert org_a.name not in page


def test_a_rejected_request_can_be_made_again(client, org_a, alice, bob, bobs_request):
    bobs_request.status = Membership.Status.REJECTED
    bobs_request.save()
    client.force_login(bob)
    client.post(JOIN, {"uscc": org_a.uscc})
    bobs_request.refresh_from_db()
    assert bobs_request.status == Membership.Status.PENDING
    assert Membership.objects.filter(user=bob).count() == 1


def test_an_unregistered_uscc_gets_a_clear_message_and_saves_nothing(client, bob, row_counts):
    client.force_login(bob)
    before = row_counts()
    response = client.post(JOIN, {"uscc": make_uscc(999)})
    assert response.status_code == 200
    assert "尚无单位以该统一社会信用代码注册" in " ".join(response.context["form"].errors["uscc"])
    assert row_counts() == before


@pytest.mark.parametrize("uscc", ["", "12345", make_uscc(999)[:-1] + "0"])
def test_a_bad_uscc_is_refused_beside_the_field(client, bob, uscc, row_counts):
    client.force_login(bob)
    before = row_counts()
    response = client.post(JOIN, {"uscc": uscc})
    assert response.context["form"].errors["uscc"]
    assert 'id="id_uscc_error"' in response.content.decode()
    assert row_counts() == before


def test_a_member_cannot_ask_to_join_another_organisation(client, org_b, dave, row_counts):
    client.force_login(dave)
    before = row_counts()
    assert client.get(JOIN)["Location"] == "/accounts/organization/"
    assert client.post(JOIN, {"uscc": org_b.uscc})["Location"] == "/accounts/organization/"
    assert row_counts() == before


# ---------------------------------------------------------------- who may decide


def test_dave_an_ordinary_member_cannot_see_the_members_page(client, dave):
    client.force_login(dave)
    assert client.get(MEMBERS).status_code == 403


def test_bob_without_an_organisation_has_no_members_page(client, bob):
    client.force_login(bob)
    assert client.get(MEMBERS).status_code == 404


@pytest.mark.parametrize("url", [approve_url, reject_url])
def test_dave_an_ordinary_member_cannot_decide(client, dave, bobs_request, url, row_counts):
    client.force_login(dave)
    before = row_counts()
    assert client.post(url(bobs_request)).status_code == 403
    assert row_counts() == before


@pytest.mark.parametrize("url", [approve_url, reject_url])
def test_bob_cannot_decide_on_his_own_request(client, bob, bobs_request, url, row_counts):
    client.force_login(bob)
    before = row_counts()
    assert client.post(url(bobs_request)).status_code == 404
    assert row_counts() == before


@pytest.mark.parametrize("url", [approve_url, reject_url])
def test_charlie_of_another_organisation_gets_404_for_its_membership_ids(
    client, charlie, bobs_request, url, row_counts
):
    client.force_login(charlie)
    before = row_counts()
    assert client.post(url(bobs_request)).status_code == 404
    assert row_counts() == before


def test_charlies_members_page_lists_only_his_organisation(client, org_b, charlie, bobs_request):
    client.force_login(charlie)
    html = client.get(MEMBERS).content.decode()
    assert org_b.name in html
    assert "13900001111" not in html
    assert approve_url(bobs_request) not in html


@pytest.mark.parametrize("url", [approve_url, reject_url])
def test_an_unknown_membership_id_is_404(client, alice, url):
    client.force_login(alice)
    missing = Membership(pk=987654)
    assert client.post(url(missing)).status_code == 404


@pytest.mark.parametrize("url", [approve_url, reject_url])
def test_deciding_by_get_is_refused(client, alice, bobs_request, url, row_counts):
    client.force_login(alice)
    before = row_counts()
    assert client.get(url(bobs_request)).status_code == 405
    assert row_counts() == before


def test_a_decided_request_cannot_be_decided_again(client, alice, bobs_request, row_counts):
    client.force_login(alice)
    client.post(reject_url(bobs_request))
    before = row_counts()
    response = client.post(approve_url(bobs_request), follow=True)
    assert "该申请已处理" in response.content.decode()
    assert row_counts() == before


def test_approving_someone_who_meanwhile_joined_elsewhere_is_refused(
    client, org_b, alice, bob, bobs_request, row_counts
):
    MembershipFactory(user=bob, organization=org_b)
    client.force_login(alice)
    before = row_counts()
    response = client.post(approve_url(bobs_request), follow=True)
    assert "该用户已加入其他单位" in response.content.decode()
    assert row_counts() == before


def test_the_members_page_runs_a_constant_number_of_queries(client, org_a, alice, django_assert_num_queries):
    for n in range(12):
        MembershipFactory(organization=org_a, user=UserFactory(), pending=n % 2 == 0)
    client.force_login(alice)
    # session, user, alice's membership with her organisation, the members with their users
    # and the header's unread-message COUNT (accounts.context_processors.inbox, issue 6)
    with django_assert_num_queries(5):
        response = client.get(MEMBERS)
    assert len(response.context["memberships"]) == 13

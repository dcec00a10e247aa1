"""A staff account cannot act as an enterprise: it would review, decide or pay its own application."""

import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import Membership, Organization
from accounts.roles import Role
from tests.factories import OrganizationFactory, UserFactory, make_uscc


@pytest.mark.parametrize("role", [Role.INTAKE_OFFICER, Role.FINANCE_APPROVER, Role.AUDIT_ADMIN])
def test_staff_cannot_create_an_organisation(db, role):
    officer = UserFactory(roles=[role])
    with pytest.raises(ValidationError, match="工作人员账户不能创建或加入申报单位"):
        services.create_organization(actor=officer, uscc=make_uscc(777), name="某某智能科技有限公司")
    assert not Organization.objects.filter(uscc=make_uscc(777)).exists()


def test_staff_cannot_ask_to_join_one_and_the_page_says_why(client, db):
    organization = OrganizationFactory()
    officer = UserFactory(roles=[Role.FINANCE_OFFICER])
    client.force_login(officer)
    response = client.post("/accounts/organization/join/", {"uscc": organization.uscc})
    assert response.status_code == 200
    assert "工作人员账户不能创建或加入申报单位" in response.content.decode()
    assert not Membership.objects.filter(user=officer).exists()


def test_an_applicant_still_can(db):
    applicant = UserFactory(roles=[Role.APPLICANT])
    organization = services.create_organization(
        actor=applicant, uscc=make_uscc(778), name="某某智能科技有限公司"
    )
    assert organization.memberships.get().user == applicant

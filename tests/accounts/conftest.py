"""The cast of the account tests.

alice administers 甲 (org_a); bob has signed up but belongs to no organisation yet; charlie administers
乙 (org_b). dave is an ordinary approved member of 甲.
"""

import pytest

from accounts.models import Membership, Organization, User
from accounts.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture
def org_a(db) -> Organization:
    return OrganizationFactory(
        name="上海甲智能科技有限公司",
        registered_address="上海市长宁区甲秀路88号",
        legal_representative="赵大法",
    )


@pytest.fixture
def org_b(db) -> Organization:
    return OrganizationFactory(name="上海乙数据有限公司", registered_address="上海市长宁区乙山路9号")


@pytest.fixture
def alice(org_a) -> User:
    user = UserFactory(username="alice", first_name="王丽华", mobile="13812345678", roles=[Role.APPLICANT])
    MembershipFactory(user=user, organization=org_a, admin=True)
    return user


@pytest.fixture
def bob(db) -> User:
    return UserFactory(username="bob", mobile="13900001111", roles=[Role.APPLICANT])


@pytest.fixture
def charlie(org_b) -> User:
    user = UserFactory(username="charlie", roles=[Role.APPLICANT])
    MembershipFactory(user=user, organization=org_b, admin=True)
    return user


@pytest.fixture
def dave(org_a, alice) -> User:
    user = UserFactory(username="dave", roles=[Role.APPLICANT])
    MembershipFactory(user=user, organization=org_a)
    return user


@pytest.fixture
def bobs_request(org_a, alice, bob) -> Membership:
    """bob has asked to join 甲; alice has not decided yet."""
    return MembershipFactory(user=bob, organization=org_a, pending=True)


@pytest.fixture
def row_counts(db):
    """Row counts a refused request must leave as they were: `before = row_counts()` … `== before`."""

    def counts() -> dict[str, object]:
        return {
            "users": User.objects.count(),
            "organizations": list(Organization.objects.order_by("pk").values()),
            "memberships": list(
                Membership.objects.order_by("pk").values("user", "organization", "status", "is_admin")
            ),
        }

    return counts

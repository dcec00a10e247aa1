"""Fixtures shared by every test package."""

import shutil

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture
def policy_data(db):
    """Both policy rounds (2021 expired, 2024 published) loaded from policies/data/ as `make run` does."""
    call_command("loadpolicy", verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def _remove_uploaded_files():
    """Uploads of a test run live in a temporary MEDIA_ROOT (settings_test); nothing is left behind."""
    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


# The named people every area of the suite shares: alice and anna (甲公司, alice its administrator),
# bob (乙公司). A package may define its own under the same name (tests/accounts does).


@pytest.fixture
def org_a(db):
    return OrganizationFactory(name="甲公司")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(name="乙公司")


@pytest.fixture
def alice(org_a, policy_data):
    return MembershipFactory(
        user=UserFactory(username="alice", roles=[Role.APPLICANT]), organization=org_a, admin=True
    ).user


@pytest.fixture
def anna(org_a, policy_data):
    return MembershipFactory(
        user=UserFactory(username="anna", roles=[Role.APPLICANT]), organization=org_a
    ).user


@pytest.fixture
def bob(org_b, policy_data):
    return MembershipFactory(
        user=UserFactory(username="bob", roles=[Role.APPLICANT]), organization=org_b, admin=True
    ).user

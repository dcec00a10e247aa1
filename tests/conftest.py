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


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters and other cached state start empty in every test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _chinese_first():
    """Each test starts in the portal's language. A request in English (the language cookie) leaves English
    active in its thread, and a service called directly afterwards would speak it: the order of the test
    files (pytest-xdist's) must not decide the language of a message."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


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


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """`client.force_login(user)` stands for a completed login. For staff (and anyone who enrolled a second
    factor) a completed login includes the TOTP step, so the helper gives the user a real confirmed TOTP
    device and marks the session verified with it, exactly as django_otp.login does after a right code.
    Tests of the second factor itself log in through the pages (tests/accounts/test_two_factor.py)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.security import requires_second_factor

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        if requires_second_factor(user):
            devices = TOTPDevice.objects.filter(user=user, confirmed=True)
            device = devices.first() or TOTPDevice.objects.create(user=user, name="test", confirmed=True)
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)

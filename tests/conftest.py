"""Fixtures shared by every test package."""

import shutil

import pytest
from django.conf import settings
from django.core.management import call_command


@pytest.fixture
def policy_data(db):
    """Both policy rounds (2021 expired, 2024 published) loaded from policies/data/ as `make run` does."""
    call_command("loadpolicy", verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def _remove_uploaded_files():
    """Uploads of a test run live in a temporary MEDIA_ROOT (settings_test); nothing is left behind."""
    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)

"""Fixtures shared by every test package."""

import pytest
from django.core.management import call_command


@pytest.fixture
def policy_data(db):
    """Both policy rounds (2021 expired, 2024 published) loaded from policies/data/ as `make run` does."""
    call_command("loadpolicy", verbosity=0)

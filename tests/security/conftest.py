"""Fixtures of the security tests. `world`: one object of every kind a URL can name and one user per role,
built through the services (tests/security/world.py); the clock stands at `world.now`."""

import pytest

from tests.security.world import World, build_world


@pytest.fixture
def world(db, time_machine) -> World:
    return build_world(time_machine)

"""The production stack's fixtures: a database of its own, copied from the migrated test database."""

from __future__ import annotations

import os

import pytest
from django.db import connections

from operations import smoke

REDIS_URL = os.environ.get("REDIS_URL", "")
DATABASE_URL = os.environ.get("DATABASE_URL", "")

needs_services = pytest.mark.skipif(
    not REDIS_URL or not DATABASE_URL.startswith(("postgres://", "postgresql://")),
    reason="needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL), as CI runs them",
)


@pytest.fixture
def stack_database(django_db_setup, django_db_blocker):
    """A database for the stack: a copy of the migrated test database when nobody holds it open."""
    import psycopg

    test_database = connections["default"].settings_dict["NAME"]
    with django_db_blocker.unblock():
        connections.close_all()
    try:
        with smoke.fresh_database(DATABASE_URL, template=test_database) as url:
            yield url
            return
    except psycopg.errors.ObjectInUse:
        pass
    with smoke.fresh_database(DATABASE_URL) as url:
        yield url

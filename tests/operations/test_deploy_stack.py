"""The production stack answers over HTTP (issue 13): gunicorn with deploy/gunicorn.conf.py, a real Celery
worker and beat, on PostgreSQL and Redis, DEBUG off, static files collected and served by whitenoise — the
smoke test of `make deploy-check` (operations/smoke.py), without nginx.

It needs PostgreSQL and Redis, as CI has them (.ci/run): there it must pass. A run on SQLite or without
REDIS_URL (a bare laptop) skips it. The stack gets a copy of this run's migrated test database (or, when
the copy cannot be made, a fresh database it migrates), its own folders, port and Celery queue; every
process it starts is stopped when the test ends, passed or failed.
"""

from __future__ import annotations

import os

import pytest
from django.db import connections

from operations import smoke

REDIS_URL = os.environ.get("REDIS_URL", "")
DATABASE_URL = os.environ.get("DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
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


# transaction=True: the test database is set up for this test (its copy is the stack's) and no transaction of
# this process holds it open while it is copied.
@pytest.mark.django_db(transaction=True)
def test_the_production_stack_answers_over_http(stack_database, tmp_path):
    port = smoke.free_port()
    env = smoke.production_environment(
        database_url=stack_database, redis_url=REDIS_URL, workdir=tmp_path, port=port
    )
    smoke.prepare(env)
    with smoke.running_stack(env, tmp_path, port) as stack:
        assert smoke.smoke(stack) == []
        stack.check_alive()  # gunicorn, the worker and beat all still running after the requests
    # All three stopped by the context manager, gracefully.
    assert all(process.poll() is not None for process in stack.processes.values())
    assert '"GET /health/ready/ HTTP/1.1" 200' in stack.log("gunicorn")

"""The production stack answers over HTTP (issue 13): gunicorn with deploy/gunicorn.conf.py, a real Celery
worker and beat, on PostgreSQL and Redis, DEBUG off, static files collected and served by whitenoise — the
smoke test of `make deploy-check` (operations/smoke.py), without nginx.

It needs PostgreSQL and Redis, as CI has them (.ci/run): there it must pass. A run on SQLite or without
REDIS_URL (a bare laptop) skips it. The stack gets a copy of this run's migrated test database (or, when
the copy cannot be made, a fresh database it migrates), its own folders, port and Celery queue; every
process it starts is stopped when the test ends, passed or failed.
"""

from __future__ import annotations

import pytest

from operations import smoke

from .conftest import REDIS_URL, needs_services

pytestmark = needs_services


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

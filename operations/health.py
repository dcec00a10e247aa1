"""Health and readiness (django-health-check's checks, plus two of the portal's own).

/health/live/ says the process answers (no database, no Redis: a dead dependency must not get a healthy
worker restarted). /health/ready/ runs every check a request may need: the database, the cache, and with a
broker (REDIS_URL) Redis itself and a Celery worker answering a ping; free disk under MEDIA_ROOT; the audit
chain's head. Anyone gets "ok"/"fail" (200/503); the name and verdict of each check only go to the host
itself (a probe on loopback, as audit.context.client_ip names the client) or to staff.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import shutil
from pathlib import Path

from asgiref.sync import async_to_sync
from django.conf import settings
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.exceptions import HealthCheckException, ServiceUnavailable

from audit.chain import verify_head


@dataclasses.dataclass
class MediaDisk(HealthCheck):
    """Free space where uploads and backups land; a full disk turns every upload into a 500."""

    min_free_bytes: int = dataclasses.field(default=0, repr=False)

    def run(self) -> None:
        path = Path(settings.MEDIA_ROOT)
        while not path.exists() and path != path.parent:  # not made yet on a fresh host: its disk counts
            path = path.parent
        free = shutil.disk_usage(path).free
        if free < self.min_free_bytes:
            raise ServiceUnavailable(f"{free // 2**20} MB free under MEDIA_ROOT")


@dataclasses.dataclass
class AuditChainHead(HealthCheck):
    """The newest audit record links to its predecessor and matches its hash (audit.chain.verify_head)."""

    def run(self) -> None:
        broken = verify_head()
        if broken is not None:
            raise ServiceUnavailable(f"audit chain broken at seq {broken.seq}")


def readiness_checks() -> list[tuple[str, HealthCheck]]:
    checks: list[tuple[str, HealthCheck]] = [
        ("database", Database()),
        ("cache", Cache()),
        ("media_disk", MediaDisk(min_free_bytes=settings.HEALTH_MIN_FREE_DISK_MB * 2**20)),
        ("audit_chain", AuditChainHead()),
    ]
    if settings.REDIS_URL:
        from health_check.contrib.redis import Redis
        from redis.asyncio import Redis as RedisClient

        checks.append(("redis", Redis(client_factory=lambda: RedisClient.from_url(settings.REDIS_URL))))
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        from health_check.contrib.celery import Ping

        from changning_ai.celery import app

        checks.append(("celery", Ping(app=app, timeout=settings.HEALTH_CELERY_PING_TIMEOUT)))
    return checks


def run_check(check: HealthCheck) -> str | None:
    """The check's failure in a few words, or None.

    Synchronous checks (the database, the audit head, the disk, Celery's ping, each bounded by its own
    client timeout) run in the request's thread, not in the library's executor: their database connection is
    the request's own, closed with it, never one left open in a pool thread. Asynchronous ones (cache,
    Redis) go through the library's get_result, which bounds them by their timeout."""
    if inspect.iscoroutinefunction(check.run):
        result = async_to_sync(check.get_result)()
        return str(result.error) if result.error else None
    try:
        check.run()
    except HealthCheckException as exc:
        return str(exc)
    except Exception as exc:  # a check must report, never raise: the probe itself must answer
        logging.getLogger("health_check").exception("health check %r raised", check)
        return f"unexpected {type(exc).__name__}"
    return None

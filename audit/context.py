"""Who is acting, from where: set per request by AuditContextMiddleware, per task or command by
`acting_as`. audit.services.record reads it so callers never pass the request down into services."""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Actor:
    user: object | None = None  # a User, or None for the system (a task, a command)
    ip_address: str | None = None
    label: str = ""  # shown as the user when there is none: "系统任务 close_due_notices", "命令 restore"


SYSTEM = Actor(label="system")
_current: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("audit_actor", default=None)


def current_actor() -> Actor:
    return _current.get() or SYSTEM


@contextmanager
def acting_as(user=None, *, ip_address: str | None = None, label: str = ""):
    token = _current.set(Actor(user=user, ip_address=ip_address, label=label))
    try:
        yield
    finally:
        _current.reset(token)


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or the first X-Forwarded-For hop when the portal sits behind its own proxy
    (AUDIT_TRUST_X_FORWARDED_FOR); a header a client can set is not trusted otherwise."""
    if getattr(settings, "AUDIT_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """After AuthenticationMiddleware: every record written while this request runs names its user and IP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(Actor(user=request.user, ip_address=client_ip(request)))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)

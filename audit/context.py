"""Who is acting, from where: set per request by AuditContextMiddleware, per task or command by
`acting_as`. audit.services.record reads it so callers never pass the request down into services."""

from __future__ import annotations

import contextvars
import ipaddress
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
    """The client's address: the one function behind audit records, django-axes (AXES_CLIENT_IP_CALLABLE)
    and django-ratelimit (RATELIMIT_IP_META_KEY), so all three name the same address.

    Behind the portal's own proxy (settings.BEHIND_PROXY) it is the proxy's X-Real-IP, which nginx sets to
    the peer address over anything the client sent; failing that, the last X-Forwarded-For hop, the one the
    proxy appended (earlier hops are whatever the client claimed). Without a proxy both headers are the
    client's own words and REMOTE_ADDR is the address."""
    if getattr(settings, "BEHIND_PROXY", False):
        real_ip = _address(request.META.get("HTTP_X_REAL_IP", ""))
        if real_ip:
            return real_ip
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        forwarded = _address(hops[-1])
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR") or None


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


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

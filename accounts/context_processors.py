"""The header's unread count, and the idle warning's timing."""

import time
from functools import cache

from django.conf import settings
from django.http import HttpRequest

from .models import Notification
from .security import LAST_SEEN


def inbox(request: HttpRequest) -> dict[str, object]:
    """`unread_count`: one COUNT query, run only if the template asks for it (templates call callables),
    once however often it is asked (cached), and never for an anonymous visitor."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def unread_count() -> int:
        return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

    return {"unread_count": unread_count}


def idle_timeout(request: HttpRequest) -> dict[str, object]:
    """`idle`: what static/js/session.js needs for the idle warning — the seconds the server still gives
    this session (from the session's `last_seen`, read anyway: no query), and when to warn."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or not user.is_authenticated or session is None:
        return {}
    last_seen = session.get(LAST_SEEN) or int(time.time())
    total = settings.SESSION_IDLE_SECONDS
    remaining = max(0, total - (int(time.time()) - last_seen))
    warning = settings.SESSION_IDLE_WARNING_SECONDS
    return {
        "idle": {
            "remaining": remaining,
            "warning": warning,
            "total": total,
            "total_minutes": max(1, total // 60),
            "warning_minutes": max(1, warning // 60),
        }
    }

"""Permission denials are audited: the project's 403 and CSRF-failure views record, then answer as Django
would (templates/403.html)."""

from django.views import defaults
from django.views.csrf import csrf_failure as django_csrf_failure

from . import services


def permission_denied(request, exception=None):
    services.record(
        "permission_denied",
        result=services.Result.DENIED,
        detail=f"{request.method} {request.path[:300]}" + (f" — {exception}" if str(exception or "") else ""),
    )
    return defaults.permission_denied(request, exception)


def csrf_failure(request, reason=""):
    detail = f"{request.method} {request.path[:300]} — {reason}"
    services.record("csrf_failure", result=services.Result.DENIED, detail=detail)
    return django_csrf_failure(request, reason=reason)

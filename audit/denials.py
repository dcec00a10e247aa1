"""Permission denials are audited: the project's 403, 404 (logged in) and CSRF-failure views record, then
answer as Django would (templates/403.html, 404.html, 403_csrf.html)."""

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


def page_not_found(request, exception=None):
    """A logged-in user's 404 is recorded (issue 14): ids of another organisation's applications, awards or
    files answer 404 like ids that do not exist, so this is where a probe across organisations shows.
    Anonymous 404s are not (scanners would fill the trail; the rate limits and the proxy log meet them)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        services.record(
            "not_found", result=services.Result.DENIED, detail=f"{request.method} {request.path[:300]}"
        )
    return defaults.page_not_found(request, exception)


def csrf_failure(request, reason=""):
    detail = f"{request.method} {request.path[:300]} — {reason}"
    services.record("csrf_failure", result=services.Result.DENIED, detail=detail)
    return django_csrf_failure(request, reason=reason)

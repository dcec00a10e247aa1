"""Rate limits (issue 14): what a visitor sees when one trips, and where each limit's rate comes from.

The limits sit on the views they protect (@ratelimit, django-ratelimit), counted in the cache (Redis in
production, shared by every worker), per client (audit.context.client_ip: the proxy's X-Real-IP only
behind the portal's own proxy) and, where a target exists, per target (the account, the address). Their
rates are settings.RATELIMITS, read at each request through `rate(name)`, so an operator tunes them
without a deploy of code and a test can lower one.

A tripped limit answers 429 with a Chinese page (or JSON for the calculator's JSON), a Retry-After, and an
audit record so the security administrator sees floods.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from audit import services as audit


def rate(name: str):
    """A rate callable for @ratelimit(rate=…): settings.RATELIMITS[name] at the time of the request."""

    def current(group, request) -> str:
        return settings.RATELIMITS[name]

    current.__name__ = f"rate_{name}"
    return current


def limited(request: HttpRequest, exception=None) -> HttpResponse:
    audit.record(
        "ratelimit",
        result=audit.Result.DENIED,
        detail=f"{request.method} {request.path[:200]}",
    )
    if request.path.endswith("/quote/"):
        response = JsonResponse(
            {"errors": {"__all__": _("请求过于频繁,请稍后再试。")}},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        response = render(request, "429.html", status=429)
    response["Retry-After"] = "600"
    return response

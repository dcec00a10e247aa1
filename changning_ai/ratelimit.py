"""What a visitor sees when a rate limit trips (django-ratelimit's RATELIMIT_VIEW): a Chinese 429 page that
says to wait, and an audit record so the security administrator sees floods. The limits themselves sit on
the views they protect (@ratelimit), counted in the cache (Redis in production)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from audit import services as audit


def limited(request: HttpRequest, exception=None) -> HttpResponse:
    audit.record(
        "ratelimit",
        result=audit.Result.DENIED,
        detail=f"{request.method} {request.path[:200]}",
    )
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "3600"
    return response

"""/health/live/ and /health/ready/ (operations.health says what each checks and who sees the details)."""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from audit.context import client_ip

from .health import readiness_checks, run_check


def _answer(payload: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(payload, status=status)
    add_never_cache_headers(response)
    return response


def _may_see_details(request: HttpRequest) -> bool:
    if getattr(request.user, "is_staff", False):
        return True
    address = client_ip(request)
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return _answer({"status": "ok"})


@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    failures = {name: run_check(check) for name, check in readiness_checks()}
    healthy = not any(failures.values())
    payload: dict = {"status": "ok" if healthy else "fail"}
    if _may_see_details(request):
        payload["checks"] = {name: failure or "ok" for name, failure in failures.items()}
    # 503, not the library's 500: "not ready, send traffic elsewhere", which load balancers understand.
    return _answer(payload, status=200 if healthy else 503)

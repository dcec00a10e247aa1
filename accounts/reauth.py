"""Re-authentication before the most sensitive actions (approving a payment batch, confirming 一事一议,
changing the bank details): the password, and the code for someone with a second factor, once more if
the last proof is older than REAUTH_MAX_AGE_SECONDS.

Put the decorator under the view's role and method checks, so that a request the user may not make at
all is refused (403/405) before anyone is asked for their password.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from .security import AUTH_AT


def is_recent(request: HttpRequest) -> bool:
    auth_at = request.session.get(AUTH_AT) or 0
    return time.time() - auth_at <= settings.REAUTH_MAX_AGE_SECONDS


def safe_next(request: HttpRequest, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def return_url(request: HttpRequest) -> str:
    """Where to come back after re-authenticating: the page itself for a GET; for a POST, which is not
    carried out, the page the form was on (a POST-only URL cannot be shown again)."""
    if request.method == "GET":
        return request.get_full_path()
    return safe_next(request, request.headers.get("referer")) or request.get_full_path()


def reauth_required(view: Callable | None = None, *, methods: Iterable[str] | None = None) -> Callable:
    """`@reauth_required` (every method) or `@reauth_required(methods=["POST"])` (only the changing
    requests). A stale request is redirected to the re-authentication page and not carried out."""
    only = {m.upper() for m in methods} if methods is not None else None

    def decorator(view_func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view_func)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if (only is None or request.method in only) and not is_recent(request):
                if request.method != "GET":
                    messages.info(request, _("此操作较为敏感,请重新验证身份后再提交一次。"))
                return redirect(reverse("accounts:reauth") + "?" + urlencode({"next": return_url(request)}))
            return view_func(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator

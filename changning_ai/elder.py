"""长辈版 (elder-friendly, large-text mode; 工信部《互联网网站适老化通用设计规范》): a cookie the visitor sets
from the switch in every page's header, read on every page into the body's `elder` class.

A cookie, not a field on the user, so it works before logging in and on a shared computer's browser alone;
set by a plain POST form like Django's set_language, so it works without JavaScript.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

COOKIE = "elder"
ON = "1"
MAX_AGE = 365 * 24 * 60 * 60  # remembered for a year, like the language


def is_on(request: HttpRequest) -> bool:
    return request.COOKIES.get(COOKIE) == ON


def elder_mode(request: HttpRequest) -> dict[str, object]:
    """Context processor: `elder_mode` for base.html's body class and the switch's label. No query."""
    return {"elder_mode": is_on(request)}


def set_elder(request: HttpRequest) -> HttpResponse:
    """POST `elder=on|off` and `next`: switch and go back to the page. Anything else changes nothing and
    goes back (or home), as set_language does; `next` only ever leads to this site."""
    target = request.POST.get("next") if request.method == "POST" else None
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("policies:home")
    response = HttpResponseRedirect(target)
    if request.method != "POST":
        return response
    choice = request.POST.get("elder")
    if choice == "on":
        response.set_cookie(
            COOKIE,
            ON,
            max_age=MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    elif choice == "off":
        response.delete_cookie(COOKIE, samesite="Lax")
    return response

"""AccountSecurityMiddleware: the idle timeout, the staff second factor and staff password expiry.

After AuthenticationMiddleware, OTPMiddleware and MessageMiddleware. An ordinary page view reads only the
session (which the page loads anyway) and runs no extra query: the flags are set at login and recomputed
at most once a minute, when `last_seen` is refreshed (accounts.security).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import security

# Seconds between two writes of `last_seen`: often enough for a 30-minute timeout, rarely enough that a
# page view does not write the session every time.
REFRESH_SECONDS = 60


class AccountSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def open_prefixes(self) -> tuple[str, ...]:
        """Static files and the language switch: open to everyone at every step."""
        return ("/" + settings.STATIC_URL.lstrip("/"), reverse("set_language").rsplit("setlang/", 1)[0])

    @cached_property
    def second_factor_pages(self) -> frozenset[str]:
        """Open to a user who has given the password but not yet the code."""
        # session_extend: the idle dialog's 继续办理 on these very pages only touches `last_seen`.
        names = [
            "logout",
            "two_factor_verify",
            "two_factor_setup",
            "two_factor_recovery_codes",
            "session_extend",
        ]
        return frozenset(reverse(f"accounts:{name}") for name in names)

    @cached_property
    def password_change_pages(self) -> frozenset[str]:
        """Open to a staff member whose password has expired (after the second factor)."""
        names = ["password_change", "password_change_done"]
        return self.second_factor_pages | {reverse(f"accounts:{name}") for name in names}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is None or not session.get(SESSION_KEY):
            return self.get_response(request)
        refused = self.check(request, session)
        return refused or self.get_response(request)

    def check(self, request: HttpRequest, session) -> HttpResponse | None:
        now = int(time.time())
        last_seen = session.get(security.LAST_SEEN)
        if last_seen is not None and now - last_seen > settings.SESSION_IDLE_SECONDS:
            return self.idle_logout(request)
        user = request.user
        # With a short idle limit (a browser test's seconds) the refresh must come well within it.
        refresh = min(REFRESH_SECONDS, settings.SESSION_IDLE_SECONDS // 10)
        if last_seen is None or now - last_seen > refresh:
            if not user.is_authenticated:  # the account is gone or its password changed elsewhere
                return None
            session[security.LAST_SEEN] = now
            if last_seen is None:
                # A session from before these checks: it proved nothing recently.
                session.setdefault(security.AUTH_AT, 0)
            security.refresh_flags(session, user)

        path = request.path
        if path.startswith(self.open_prefixes):
            return None
        if session.get(security.OTP_REQUIRED) and user.is_authenticated and not user.is_verified():
            if path not in self.second_factor_pages:
                return self.second_factor_redirect(request)
        elif session.get(security.PASSWORD_EXPIRED) and path not in self.password_change_pages:
            if user.must_change_password:
                reason = _("这是管理员为您设置的初始密码。按安全规定,请先修改密码再继续使用。")
            else:
                reason = _("您的密码已超过 %(days)d 天未修改。按安全规定,请先修改密码再继续使用。") % {
                    "days": security.staff_password_max_age_days()
                }
            messages.warning(request, reason)
            return redirect("accounts:password_change")
        return None

    def idle_logout(self, request: HttpRequest) -> HttpResponse:
        logout(request)
        minutes = max(1, settings.SESSION_IDLE_SECONDS // 60)
        messages.info(request, _("因%(minutes)d分钟无操作,您已自动退出,请重新登录") % {"minutes": minutes})
        if request.method == "GET":
            return redirect_to_login(request.get_full_path())
        return redirect(settings.LOGIN_URL)

    def second_factor_redirect(self, request: HttpRequest) -> HttpResponse:
        target = "accounts:two_factor_verify"
        if not security.has_confirmed_device(request.user):
            target = "accounts:two_factor_setup"
        url = reverse(target)
        if request.method == "GET" and request.path != "/":
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)

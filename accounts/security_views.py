"""Account security pages: change password, the second factor (overview, enrolment, verification at login,
recovery codes) and re-authentication before sensitive actions.

Thin: accounts.two_factor holds the rules and writes the audit records; the middleware decides who must
see the verification and password pages (accounts.middleware).
"""

from __future__ import annotations

import django_otp
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from audit import services as audit

from . import security, two_factor
from .forms import CodeForm, PortalPasswordChangeForm, ReauthForm, UnlockCodeForm, UnlockRequestForm
from .reauth import is_recent, reauth_required, safe_next
from .roles import landing_url

SETUP_KEY = "otp_setup_key"  # the TOTP secret shown on the enrolment page, until confirmed
NEW_CODES = "otp_new_recovery_codes"  # shown once on the next page, then removed
NEXT = "otp_next"  # where to go after enrolment and the recovery codes


def _next(request: HttpRequest) -> str | None:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"))


def _with_next(url: str, next_url: str | None) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


# ---------------------------------------------------------------- password change


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PortalPasswordChangeForm
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps this session logged in (update_session_auth_hash)
        self.request.session[security.PASSWORD_EXPIRED] = False
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


# ---------------------------------------------------------------- second factor


@login_required
@require_GET
def two_factor_overview(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/two_factor.html", {"status": two_factor.status(request.user)})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = _next(request)
    replacing = security.has_confirmed_device(user)
    if replacing and not user.is_verified():
        # Replacing an enrolled app needs that app's code first: a password alone must not be enough.
        return redirect(_with_next(reverse("accounts:two_factor_verify"), next_url))
    if replacing and request.method == "POST" and not is_recent(request):
        # …and a recent proof of identity, like the other sensitive changes (accounts.reauth).
        return redirect(_with_next(reverse("accounts:reauth"), reverse("accounts:two_factor_setup")))
    hex_key = request.session.get(SETUP_KEY) or two_factor.new_secret()
    request.session[SETUP_KEY] = hex_key
    form = CodeForm(request.POST or None, recovery=False)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                device, codes = two_factor.enrol(user=user, hex_key=hex_key, code=form.cleaned_data["code"])
            except ValidationError as exc:
                form.add_error("code", exc)
            else:
                django_otp.login(request, device)
                security.mark_authenticated(request)
                request.session[security.OTP_REQUIRED] = True
                del request.session[SETUP_KEY]
                request.session[NEW_CODES] = codes
                request.session[NEXT] = next_url or ""
                messages.success(request, _("两步验证已启用。"))
                return redirect("accounts:two_factor_recovery_codes")
    uri = two_factor.provisioning_uri(user, hex_key)
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_code": two_factor.qr_data_uri(uri),
            "secret": two_factor.secret_for_manual_entry(hex_key),
            "required": two_factor.is_required(user),
            "next": next_url or "",
        },
        status=status,
    )


@never_cache
@login_required
@require_GET
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """The ten codes, once: they are not kept in the session after this page."""
    codes = request.session.pop(NEW_CODES, None)
    next_url = safe_next(request, request.session.pop(NEXT, "")) or landing_url(request.user)
    if not codes:
        messages.info(request, _("恢复码只在生成时显示一次。如已遗失,可在此重新生成。"))
        return redirect("accounts:two_factor")
    return render(
        request,
        "accounts/two_factor_recovery_codes.html",
        {"codes": [two_factor.readable_code(code) for code in codes], "next": next_url},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = _next(request)
    if user.is_verified():
        return redirect(next_url or landing_url(request.user))
    if not security.has_confirmed_device(user):
        return redirect(_with_next(reverse("accounts:two_factor_setup"), next_url))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                device = two_factor.verify(user=user, code=form.cleaned_data["code"])
            except ValidationError as exc:
                form.add_error("code", exc)
            else:
                # A new session key once the login is complete (as django.contrib.auth.login does).
                request.session.cycle_key()
                django_otp.login(request, device)
                security.mark_authenticated(request)
                if isinstance(device, two_factor.StaticDevice):
                    left = device.token_set.count()
                    messages.warning(
                        request,
                        _("您使用了一个恢复码,还剩 %(n)d 个。请尽快在“两步验证”页面重新生成恢复码。")
                        % {"n": left},
                    )
                return redirect(next_url or landing_url(request.user))
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": next_url or ""}, status=status
    )


# Regenerating and turning off are checked in this order: who may at all (403), then a recent proof of
# identity (re-authentication), so nobody is asked for a password to be refused afterwards.


@login_required
@require_POST
def two_factor_regenerate(request: HttpRequest) -> HttpResponse:
    if not request.user.is_verified():
        raise PermissionDenied(_("请先完成两步验证。"))
    return _regenerate(request)


@reauth_required
def _regenerate(request: HttpRequest) -> HttpResponse:
    request.session[NEW_CODES] = two_factor.regenerate_recovery_codes(user=request.user)
    request.session[NEXT] = reverse("accounts:two_factor")
    return redirect("accounts:two_factor_recovery_codes")


@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    if two_factor.is_required(request.user):
        raise PermissionDenied(_("工作人员必须使用两步验证,不能关闭。"))
    if not security.has_confirmed_device(request.user):
        messages.info(request, _("两步验证尚未启用。"))
        return redirect("accounts:two_factor")
    if not request.user.is_verified():
        raise PermissionDenied(_("请先完成两步验证。"))
    return _disable(request)


@reauth_required
def _disable(request: HttpRequest) -> HttpResponse:
    two_factor.disable(user=request.user)
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
    request.session[security.OTP_REQUIRED] = False
    messages.success(request, _("两步验证已关闭。登录时将只需要密码。"))
    return redirect("accounts:two_factor")


# ---------------------------------------------------------------- re-authentication


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def reauth(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = _next(request)
    needs_code = security.has_confirmed_device(user)
    form = ReauthForm(request.POST or None, needs_code=needs_code)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            # Through the backends, so a wrong password counts towards the lock (django-axes).
            proved = authenticate(
                request, username=user.get_username(), password=form.cleaned_data["password"]
            )
            if proved is None or proved.pk != user.pk:
                audit.record(
                    "reauth", obj=user, result=audit.Result.FAILURE, detail=_("重新验证身份:密码不正确")
                )
                if getattr(request, "axes_locked_out", False):
                    logout(request)  # the lock page follows (AxesMiddleware)
                    return HttpResponse(status=403)
                form.add_error("password", _("密码不正确,请重新输入。"))
            elif needs_code:
                try:
                    two_factor.verify(user=user, code=form.cleaned_data["code"])
                except ValidationError as exc:
                    audit.record(
                        "reauth", obj=user, result=audit.Result.FAILURE, detail=_("重新验证身份:验证码不正确")
                    )
                    form.add_error("code", exc)
            if not form.errors:
                security.mark_authenticated(request)
                audit.record("reauth", obj=user, detail=_("重新验证身份成功"))
                return redirect(next_url or landing_url(request.user))
    return render(request, "accounts/reauth.html", {"form": form, "next": next_url or ""}, status=status)


# ---------------------------------------------------------------- the owner lifts a lock (issue 14)


def _unlock_key(group, request) -> str:
    """django-ratelimit's key for the requested account: the identifier as the login counts it."""
    return security.axes_username(request, {"username": request.POST.get("username", "")}) or "-"


@ratelimit(group="unlock-client", key="ip", rate="10/h", method="POST")
@ratelimit(group="unlock-account", key=_unlock_key, rate="3/h", method="POST")
@require_http_methods(["GET", "POST"])
def unlock_request(request: HttpRequest) -> HttpResponse:
    """A locked owner asks for an unlock link. The answer is the same whether or not the account exists
    or has an address (nothing to learn here); the link goes only to the account's registered e-mail."""
    form = UnlockRequestForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        user = security.user_for_identifier(form.cleaned_data["username"])
        if user is not None and user.is_active and user.email:
            security.send_unlock_link(user)
        audit.record("unlock_link_requested", username=form.cleaned_data["username"][:150])
        messages.success(
            request,
            _("如该账户登记了邮箱,解锁链接已发送到该邮箱,%(minutes)d 分钟内有效。")
            % {"minutes": _link_minutes()},
        )
        return redirect("accounts:login")
    return render(
        request, "accounts/unlock_request.html", {"form": form}, status=400 if form.is_bound else 200
    )


@never_cache
@ratelimit(group="unlock-code-client", key="ip", rate="10/h", method="POST")
@ratelimit(group="unlock-code-account", key=_unlock_key, rate="5/h", method="POST")
@require_http_methods(["GET", "POST"])
def unlock_code(request: HttpRequest) -> HttpResponse:
    """A locked owner with a second factor unlocks at once with a code of their app. Five tries an hour per
    account (a 6-digit code is not a password) on top of django-otp's growing wait; the same answer
    whether the account is unknown, has no device or the code is wrong."""
    form = UnlockCodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        if security.unlock_with_code(
            identifier=form.cleaned_data["username"], code=form.cleaned_data["code"]
        ):
            messages.success(
                request, _("账户已解锁,请重新登录。如果不是您本人多次登录失败,请登录后修改密码。")
            )
            return redirect("accounts:login")
        form.add_error(None, _("无法解锁:账号或验证码不正确,或该账户未启用两步验证。"))
    return render(request, "accounts/unlock_code.html", {"form": form}, status=400 if form.is_bound else 200)


def _link_minutes() -> int:
    from django.conf import settings

    return int(settings.ACCOUNT_UNLOCK_LINK_MAX_AGE.total_seconds() // 60)


@never_cache
@require_http_methods(["GET", "POST"])
def unlock_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link: GET shows a button (a mail scanner opening the link unlocks nothing), POST lifts
    every login lock and the slow-down of the account, recorded in the trail under the account."""
    user = security.user_for_unlock_token(token)
    if user is None:
        return render(request, "accounts/unlock_invalid.html", status=400)
    if request.method == "POST":
        security.unlock(user.get_username(), by_owner=user)
        messages.success(request, _("账户已解锁,请重新登录。如果不是您本人多次登录失败,请登录后修改密码。"))
        return redirect("accounts:login")
    return render(request, "accounts/unlock_confirm.html", {"account": user})

"""Pages that prove a mobile number or an address with a code: the second step of a mobile sign-up,
password reset by SMS, adding an e-mail address; and the idle warning's 继续办理.

What a first step established (the number, the hashed password) waits in the session between the
steps; the code itself never does (accounts.verification keeps only its HMAC).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited

from changning_ai.ratelimit import rate

from . import security, services
from .forms import CodeOnlyForm, EmailForm, MobileForm, SmsPasswordResetForm
from .models import VerificationCode
from .reauth import reauth_required
from .verification import issue_code, mask

BACKEND = "accounts.backends.IdentifierBackend"
SIGNUP_PENDING = "signup_pending"
RESET_MOBILE = "sms_reset_mobile"
EMAIL_PENDING = "email_pending"


def limit_code_requests(request: HttpRequest, target: str) -> None:
    """Per client and per number/address (settings.RATELIMITS code-client, code-target): raising
    Ratelimited shows the 429 page (changning_ai.ratelimit.limited), as every other limit does."""
    checks = (("code-client", "ip"), ("code-target", lambda group, req: target))
    for name, key in checks:
        if is_ratelimited(request, group=name, key=key, rate=rate(name), increment=True):
            raise Ratelimited()


def bound(request: HttpRequest):
    """The POST data to bind a form to (an empty POST too, so it is refused field by field), else None."""
    return request.POST if request.method == "POST" else None


def add_error(form, exc: ValidationError) -> None:
    """A code's refusal beside the code field; the password rules' beside the password; a field-keyed
    error (the number or address taken meanwhile) above the form or beside its field."""
    if hasattr(exc, "error_dict"):
        form.add_service_error(exc)
    elif all((error.code or "").startswith("code_") for error in exc.error_list):
        form.add_error("code", exc)
    else:
        form.add_error("password" if "password" in form.fields else None, exc)


# ---------------------------------------------------------------- sign-up by mobile


def start_mobile_signup(request: HttpRequest, *, mobile: str, password: str, name: str) -> HttpResponse:
    """Called by the sign-up page once everything but the number's ownership is right."""
    limit_code_requests(request, mobile)
    # Only the hash waits in the session; the account is made once the code proves the number.
    request.session[SIGNUP_PENDING] = {"mobile": mobile, "name": name, "password": make_password(password)}
    issue_code(purpose=VerificationCode.Purpose.SIGNUP, target=mobile)
    messages.info(request, _("验证码已发送至 %(mobile)s。") % {"mobile": mask(mobile)})
    return redirect("accounts:signup_verify")


def code_step(request: HttpRequest, form, act: Callable[[dict], HttpResponse], page: dict) -> HttpResponse:
    """The second step of every code flow: a valid form runs `act` (the service call, returning where to
    go, or raising ValidationError shown beside its field); otherwise the page, 400 after a failed POST."""
    if form.is_bound and form.is_valid():
        try:
            return act(form.cleaned_data)
        except ValidationError as exc:
            add_error(form, exc)
    status = 400 if form.is_bound else 200
    return render(request, "accounts/code_verify.html", {"form": form, **page}, status=status)


def resend(request: HttpRequest, *, target: str | None, first_step: str, send: Callable[[str], None]):
    """重新发送验证码: the same limits as the first code; a new code ends the older ones."""
    if not target:
        return redirect(first_step)
    limit_code_requests(request, target)
    send(target)
    messages.info(request, _("新的验证码已发送,之前的验证码已失效。"))
    return redirect(first_step + "_verify")


@require_http_methods(["GET", "POST"])
def signup_verify(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(SIGNUP_PENDING)
    if request.user.is_authenticated:
        return redirect("accounts:organization")
    if not pending:
        messages.info(request, _("请先填写注册信息。"))
        return redirect("accounts:signup")

    def act(data: dict) -> HttpResponse:
        user = services.register_by_mobile(
            mobile=pending["mobile"],
            code=data["code"],
            password_hash=pending["password"],
            name=pending["name"],
        )
        request.session.pop(SIGNUP_PENDING, None)
        login(request, user, backend=BACKEND)
        messages.success(request, _("注册成功。请创建您的单位,或申请加入已注册的单位。"))
        return redirect("accounts:organization")

    page = {
        "title": _("验证手机号码"),
        "lead": _("验证码已发送至 %(target)s,请在5分钟内填写。") % {"target": mask(pending["mobile"])},
        "submit": _("完成注册"),
        "resend_url": "accounts:signup_resend",
        "back_url": "accounts:signup",
        "back_text": _("修改注册信息"),
    }
    return code_step(request, CodeOnlyForm(bound(request)), act, page)


@require_POST
def signup_resend(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(SIGNUP_PENDING) or {}
    return resend(
        request,
        target=pending.get("mobile"),
        first_step="accounts:signup",
        send=lambda mobile: issue_code(purpose=VerificationCode.Purpose.SIGNUP, target=mobile),
    )


# ---------------------------------------------------------------- password reset by SMS


@require_http_methods(["GET", "POST"])
def sms_reset_request(request: HttpRequest) -> HttpResponse:
    form = MobileForm(bound(request))
    if form.is_bound and form.is_valid():
        mobile = form.cleaned_data["mobile"]
        limit_code_requests(request, mobile)
        services.request_reset_code(mobile=mobile)
        request.session[RESET_MOBILE] = mobile
        # The same words whether or not the number has an account.
        messages.info(request, _("如果该手机号已注册,验证码已发送至 %(mobile)s。") % {"mobile": mask(mobile)})
        return redirect("accounts:sms_reset_verify")
    return render(
        request, "accounts/sms_reset_request.html", {"form": form}, status=400 if form.is_bound else 200
    )


@require_http_methods(["GET", "POST"])
def sms_reset_verify(request: HttpRequest) -> HttpResponse:
    mobile = request.session.get(RESET_MOBILE)
    if not mobile:
        return redirect("accounts:sms_reset")

    def act(data: dict) -> HttpResponse:
        services.reset_password_by_code(mobile=mobile, code=data["code"], password=data["password"])
        request.session.pop(RESET_MOBILE, None)
        return redirect("accounts:password_reset_complete")

    page = {
        "title": _("短信找回密码"),
        "lead": _("请填写发送至 %(target)s 的验证码,并设置新密码。") % {"target": mask(mobile)},
        "submit": _("设置新密码"),
        "resend_url": "accounts:sms_reset_resend",
        "back_url": "accounts:sms_reset",
        "back_text": _("换一个手机号"),
    }
    return code_step(request, SmsPasswordResetForm(bound(request)), act, page)


@require_POST
def sms_reset_resend(request: HttpRequest) -> HttpResponse:
    return resend(
        request,
        target=request.session.get(RESET_MOBILE),
        first_step="accounts:sms_reset",
        send=lambda mobile: services.request_reset_code(mobile=mobile),
    )


# ---------------------------------------------------------------- adding an e-mail address


@login_required
@require_http_methods(["GET", "POST"])
# The address becomes a login name and the channel of password resets: a borrowed session must not set
# it without the password (accounts.reauth), as for bank details.
@reauth_required(methods=["POST"])
def email_add(request: HttpRequest) -> HttpResponse:
    form = EmailForm(bound(request), initial={"email": request.user.email})
    if form.is_bound and form.is_valid():
        email = form.cleaned_data["email"]
        limit_code_requests(request, email)
        try:
            services.request_email_code(user=request.user, email=email)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            request.session[EMAIL_PENDING] = email
            messages.info(request, _("验证码已发送至 %(email)s。") % {"email": mask(email)})
            return redirect("accounts:email_verify")
    return render(request, "accounts/email_form.html", {"form": form}, status=400 if form.is_bound else 200)


@login_required
@require_http_methods(["GET", "POST"])
def email_verify(request: HttpRequest) -> HttpResponse:
    email = request.session.get(EMAIL_PENDING)
    if not email:
        return redirect("accounts:email")

    def act(data: dict) -> HttpResponse:
        services.verify_email(user=request.user, email=email, code=data["code"])
        request.session.pop(EMAIL_PENDING, None)
        messages.success(
            request, _("邮箱 %(email)s 已验证,可用于登录、找回密码和接收通知。") % {"email": email}
        )
        return redirect("accounts:preferences")

    page = {
        "title": _("验证电子邮箱"),
        "lead": _("验证码已发送至 %(target)s,请在5分钟内填写。") % {"target": email},
        "submit": _("验证邮箱"),
        "resend_url": "",
        "back_url": "accounts:email",
        "back_text": _("修改邮箱或重新获取验证码"),
    }
    return code_step(request, CodeOnlyForm(bound(request)), act, page)


# ---------------------------------------------------------------- the idle warning's 继续办理


@login_required
@require_POST
def session_extend(request: HttpRequest) -> JsonResponse:
    """Restart the idle time now (the middleware refreshes it at most once a minute by itself). An idle
    session never reaches here: the middleware has logged it out and redirected."""
    request.session[security.LAST_SEEN] = int(time.time())
    return JsonResponse({"remaining": settings.SESSION_IDLE_SECONDS})

"""The system and security administrators' pages (/manage/, 等级保护 三权分立).

- /manage/users/…: the system administrator (账户). No roles, no audit trail, no money on these pages.
- /manage/security/…: the security administrator (角色, 登录锁定, 密码策略).
Anonymous → log in; any other role → 403 (reviews.access.role_required). The audit administrator's pages
are the audit app's (/audit/). Views are thin: selectors read, services check and change.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import security
from accounts.models import SecurityPolicy, User
from accounts.roles import Role
from accounts.selectors import mask_email, mask_mobile
from reviews.access import role_required

from . import selectors, services
from .forms import (
    PasswordPolicyForm,
    RoleFilterForm,
    RoleForm,
    UnlockForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
    yes_no,
)

system_admin_required = role_required(Role.SYSTEM_ADMIN)
security_admin_required = role_required(Role.SECURITY_ADMIN)

PAGE_SIZE = 50


def _page(request: HttpRequest, rows):
    query = request.GET.copy()
    query.pop("page", None)
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")), query.urlencode()


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# ---------------------------------------------------------------- the system administrator: accounts


@system_admin_required
@require_GET
def users(request: HttpRequest) -> HttpResponse:
    form = UserFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.user_list(
        q=filters.get("q", ""),
        active=yes_no(filters.get("active", "")),
        staff=yes_no(filters.get("staff", "")),
    )
    page, query = _page(request, rows)
    # The list needs to tell accounts apart, not to show whole numbers: the edit page shows them in full.
    for account in page.object_list:
        account.masked_mobile = mask_mobile(account.mobile) if account.mobile else ""
        account.masked_email = mask_email(account.email) if account.email else ""
    return render(request, "administration/users.html", {"form": form, "page": page, "query": query})


@system_admin_required
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.create_user(
                actor=request.user,
                kind=data["kind"],
                username=data["username"],
                name=data["name"],
                email=data["email"],
                mobile=data["mobile"],
                password=data["password"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已创建账户“%(username)s”。") % {"username": user.username})
            return redirect("administration:user_edit", pk=user.pk)
    return render(request, "administration/user_form.html", {"form": form, "creating": True})


@system_admin_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(User, pk=pk)
    services.check_can_manage_account(request.user, account)
    initial = {"name": account.first_name, "email": account.email, "mobile": account.mobile}
    form = UserEditForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            services.update_user(actor=request.user, user=account, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已保存账户“%(username)s”的资料。") % {"username": account.username})
            return redirect("administration:user_edit", pk=account.pk)
    return render(request, "administration/user_form.html", {"form": form, "account": account})


def _set_active(request: HttpRequest, pk: int, *, active: bool) -> HttpResponse:
    account = get_object_or_404(User, pk=pk)
    services.set_active(actor=request.user, user=account, active=active)
    if active:
        messages.success(request, _("已启用账户“%(username)s”。") % {"username": account.username})
    else:
        messages.success(
            request, _("已停用账户“%(username)s”,该账户不能再登录。") % {"username": account.username}
        )
    return redirect("administration:user_edit", pk=account.pk)


@system_admin_required
@require_POST
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, active=False)


@system_admin_required
@require_POST
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, active=True)


# ---------------------------------------------------------------- the security administrator


@security_admin_required
@require_GET
def roles(request: HttpRequest) -> HttpResponse:
    form = RoleFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    page, query = _page(request, selectors.role_list(q=filters.get("q", ""), role=filters.get("role", "")))
    labels = dict(Role.choices)
    for account in page.object_list:  # the groups are prefetched: no query per row
        account.role_labels = [labels.get(group.name, group.name) for group in account.groups.all()]
    return render(request, "administration/roles.html", {"form": form, "page": page, "query": query})


@security_admin_required
@require_http_methods(["GET", "POST"])
def role_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(User, pk=pk)
    services.check_can_set_roles(request.user, account)
    current = sorted(account.groups.values_list("name", flat=True))
    form = RoleForm(request.POST if request.method == "POST" else None, initial={"roles": current})
    if form.is_bound and form.is_valid():
        try:
            services.set_roles(request.user, account, form.cleaned_data["roles"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已更新账户“%(username)s”的角色。") % {"username": account.username})
            return redirect("administration:roles")
    return render(
        request,
        "administration/role_form.html",
        {
            "form": form,
            "account": account,
            "current": [Role(name).label for name in current if name in Role.values],
        },
    )


@security_admin_required
@require_GET
def locks(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "administration/locks.html",
        {
            "locks": security.locked_usernames(),
            "settings_limit": settings.AXES_FAILURE_LIMIT,
            "settings_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )


@security_admin_required
@require_POST
def unlock(request: HttpRequest) -> HttpResponse:
    form = UnlockForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请指定要解除锁定的账户。"))
        services.unlock_account(actor=request.user, username=form.cleaned_data["username"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("已解除“%(username)s”的登录锁定。") % {"username": form.cleaned_data["username"]}
        )
    return redirect("administration:locks")


@security_admin_required
@require_http_methods(["GET", "POST"])
def password_policy(request: HttpRequest) -> HttpResponse:
    current = SecurityPolicy.current()
    form = PasswordPolicyForm(
        request.POST if request.method == "POST" else None, instance=SecurityPolicy.current()
    )
    if form.is_bound and form.is_valid():
        try:
            services.update_password_policy(actor=request.user, policy=form.instance, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("密码策略已保存。"))
            return redirect("administration:password_policy")
    return render(
        request,
        "administration/password_policy.html",
        {"form": form, "current": current, "floor": SecurityPolicy},
    )

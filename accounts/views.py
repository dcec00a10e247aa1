"""Sign-up and the organisation pages. Login, logout and password reset are Django's views (urls.py).

Views are thin: selectors fetch (and refuse with 404/403), services change, forms carry the messages.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from changning_ai.ratelimit import rate

from . import identity, selectors, services, verification_views
from .applicant_types import OrgFlag
from .forms import (
    IdentityForm,
    JoinForm,
    OrganizationForm,
    OrganizationProfileForm,
    PreferencesForm,
    SignupForm,
)
from .models import Delivery
from .roles import landing_url

BACKEND = "accounts.backends.IdentifierBackend"


class LoginView(auth_views.LoginView):
    """Django's login; with no `next`, each role lands on its own work (accounts.roles.ROLE_HOMES)."""

    def get_default_redirect_url(self) -> str:
        return landing_url(self.request.user)


@ratelimit(group="signup", key="ip", rate=rate("signup-client"), method="POST")
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:organization")
    form = SignupForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        fields = {key: form.cleaned_data[key] for key in ("identifier", "password", "name")}
        try:
            kind, value = services.check_registration(**fields)
            # A mobile number is proven by an SMS code before the account exists (verification_views);
            # an e-mail sign-up logs in at once, as before, and may verify the address later.
            if kind == "mobile":
                return verification_views.start_mobile_signup(
                    request, mobile=value, password=fields["password"], name=fields["name"]
                )
            user = services.register_user(**fields)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            login(request, user, backend=BACKEND)
            messages.success(request, _("注册成功。请创建您的单位,或申请加入已注册的单位。"))
            return redirect("accounts:organization")
    return render(request, "accounts/signup.html", {"form": form})


@login_required
@require_GET
def organization(request: HttpRequest) -> HttpResponse:
    membership = selectors.approved_membership_for(request.user)
    if membership is None:
        return render(
            request,
            "accounts/organization_choose.html",
            {"requests": selectors.membership_requests_for(request.user)},
        )
    return render(
        request,
        "accounts/organization_detail.html",
        {
            "membership": membership,
            "organization": membership.organization,
            "flag_labels": [OrgFlag(flag).label for flag in membership.organization.flags],
            "pending_count": selectors.pending_request_count(membership.organization)
            if membership.is_admin
            else 0,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organization_create(request: HttpRequest) -> HttpResponse:
    if selectors.approved_membership_for(request.user) is not None:
        messages.info(request, _("您已属于一个单位。"))
        return redirect("accounts:organization")
    form = OrganizationForm(request.POST if request.method == "POST" else None)
    taken_uscc = None  # the code the visitor typed, for the 申请加入 link; nothing of the organisation
    if form.is_bound:
        valid = form.is_valid()
        uscc = form.cleaned_data.get("uscc")  # present only when well-formed
        existing = selectors.organization_with_uscc(uscc) if uscc else None
        if existing is not None:
            # Said at once, before the other fields are put right: this visitor should join, not create.
            form.add_service_error(services.UsccAlreadyRegistered(existing))
            taken_uscc = uscc
        elif valid:
            try:
                services.create_organization(actor=request.user, **form.cleaned_data)
            except services.UsccAlreadyRegistered as exc:
                form.add_service_error(exc)
                taken_uscc = uscc
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("单位已创建,您是本单位的管理员。"))
                return redirect("accounts:organization")
    return render(request, "accounts/organization_form.html", {"form": form, "taken_uscc": taken_uscc})


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request: HttpRequest) -> HttpResponse:
    organization = selectors.access_organization(request.user, as_admin=True).organization
    form = OrganizationProfileForm(request.POST if request.method == "POST" else None, instance=organization)
    if form.is_bound and form.is_valid():
        try:
            services.update_organization(actor=request.user, organization=organization, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("单位信息已保存。"))
            return redirect("accounts:organization")
    return render(
        request,
        "accounts/organization_form.html",
        {"form": form, "editing": True, "uscc": organization.uscc},
    )


@login_required
@require_http_methods(["GET", "POST"])
def organization_identity(request: HttpRequest) -> HttpResponse:
    """The administrator hands the 营业执照 and 授权委托书 to 区科委, or asks to change a verified name."""
    membership = selectors.access_organization(request.user, as_admin=True)
    organization = membership.organization
    form = IdentityForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        organization=organization,
    )
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                identity.submit_identity(
                    actor=request.user,
                    organization=organization,
                    licence=form.cleaned_data.get("licence"),
                    letter=form.cleaned_data.get("letter"),
                    new_name=form.cleaned_data.get("new_name", ""),
                    new_uscc=form.cleaned_data.get("new_uscc", ""),
                )
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("材料已提交区科委核验。核验结果将通过站内消息通知您。"))
                return redirect("accounts:organization")
        status = 400
    return render(
        request,
        "accounts/organization_identity.html",
        {"form": form, "organization": organization},
        status=status,
    )


@login_required
@require_GET
def organization_document(request: HttpRequest, kind: str) -> HttpResponse:
    """The organisation's own licence or letter, for its administrator."""
    organization = selectors.access_organization(request.user, as_admin=True).organization
    return identity.document_response(organization, kind)


@login_required
@require_http_methods(["GET", "POST"])
def organization_join(request: HttpRequest) -> HttpResponse:
    if selectors.approved_membership_for(request.user) is not None:
        messages.info(request, _("您已属于一个单位。"))
        return redirect("accounts:organization")
    if request.method == "POST":
        form = JoinForm(request.POST)
    else:
        form = JoinForm(initial={"uscc": request.GET.get("uscc", "")})
    if form.is_bound and form.is_valid():
        try:
            services.request_membership(actor=request.user, uscc=form.cleaned_data["uscc"])
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("已提交加入申请,请等待该单位管理员审核。"))
            return redirect("accounts:organization")
    return render(request, "accounts/organization_join.html", {"form": form})


@login_required
@require_GET
def members(request: HttpRequest) -> HttpResponse:
    organization = selectors.access_organization(request.user, as_admin=True).organization
    return render(
        request,
        "accounts/members.html",
        {"organization": organization, "memberships": selectors.organization_members(organization)},
    )


@login_required
@require_POST
def approve_member(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.access_membership_request(request.user, pk)
    try:
        services.approve_membership(actor=request.user, membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已批准 %(name)s 加入本单位。") % {"name": membership.user.display_name})
    return redirect("accounts:members")


@login_required
@require_POST
def reject_member(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.access_membership_request(request.user, pk)
    try:
        services.reject_membership(actor=request.user, membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已拒绝 %(name)s 的加入申请。") % {"name": membership.user.display_name})
    return redirect("accounts:members")


# ---------------------------------------------------------------- inbox, preferences, delivery log


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    # session, user, the paginator's count, the page of messages (the header's unread count: one more)
    page = Paginator(selectors.inbox_for(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "accounts/inbox.html", {"page": page})


@login_required
@require_GET
def inbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    notification = services.notification_open(notification=selectors.notification_for(request.user, pk))
    # The link was written by the portal's services; still, only a path on this site is offered.
    safe_url = (
        notification.url if url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None) else ""
    )
    return render(
        request, "accounts/inbox_message.html", {"notification": notification, "safe_url": safe_url}
    )


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("已将 %(count)s 条消息标为已读。") % {"count": count})
    return redirect("accounts:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {"notify_channel": user.notify_channel, "email_digest": user.email_digest}
    form = PreferencesForm(request.POST if request.method == "POST" else None, initial=initial, user=user)
    if form.is_bound and form.is_valid():
        services.preferences_update(
            user=user,
            notify_channel=form.cleaned_data["notify_channel"],
            email_digest=form.cleaned_data.get("email_digest", False),
        )
        messages.success(request, _("通知设置已保存。"))
        return redirect("accounts:preferences")
    return render(request, "accounts/preferences.html", {"form": form})


@login_required
@require_GET
def deliveries(request: HttpRequest) -> HttpResponse:
    selectors.require_delivery_log_access(request.user)
    status = request.GET.get("status", "")
    if status not in Delivery.Status.values:
        status = ""
    # session, user, the role check, the paginator's count, the page of deliveries, the header's count
    page = Paginator(selectors.delivery_log(status=status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/deliveries.html",
        {
            "page": page,
            "status": status,
            "statuses": Delivery.Status.choices,
            "query": f"status={status}" if status else "",
        },
    )

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django_ratelimit.decorators import ratelimit

from changning_ai.ratelimit import rate

from . import security_views, verification_views, views
from .forms import EmailPasswordResetForm, LoginForm, NewPasswordForm

app_name = "accounts"


def reset_target(group, request) -> str:
    """The address a reset is asked for, as an account's would be compared (case-insensitive)."""
    return request.POST.get("email", "").strip().lower()[:254] or "-"


urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/verify/", verification_views.signup_verify, name="signup_verify"),
    path("signup/verify/resend/", verification_views.signup_resend, name="signup_resend"),
    path("password-reset/sms/", verification_views.sms_reset_request, name="sms_reset"),
    path("password-reset/sms/verify/", verification_views.sms_reset_verify, name="sms_reset_verify"),
    path("password-reset/sms/resend/", verification_views.sms_reset_resend, name="sms_reset_resend"),
    path("email/", verification_views.email_add, name="email"),
    path("email/verify/", verification_views.email_verify, name="email_verify"),
    path("session/extend/", verification_views.session_extend, name="session_extend"),
    path(
        "login/",
        # Password spraying (many accounts from one client): counted per client; per account, the
        # account's own slow-down (accounts.security.login_delay) and the lock take over.
        ratelimit(group="login", key="ip", rate=rate("login-client"), method="POST")(
            views.LoginView.as_view(
                template_name="accounts/login.html",
                authentication_form=LoginForm,
                redirect_authenticated_user=True,
            )
        ),
        name="login",
    ),
    # POST only (Django's LogoutView answers GET with 405), so a link or an <img> cannot log anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        # Reset floods: per client, and per address asked for (200 e-mails to one person were 4 s).
        ratelimit(group="reset-client", key="ip", rate=rate("reset-client"), method="POST")(
            ratelimit(group="reset-target", key=reset_target, rate=rate("reset-target"), method="POST")(
                auth_views.PasswordResetView.as_view(
                    template_name="accounts/password_reset_form.html",
                    email_template_name="accounts/password_reset_email.txt",
                    subject_template_name="accounts/password_reset_subject.txt",
                    form_class=EmailPasswordResetForm,
                    # The link is built from settings.PORTAL_URL, never from the request's Host header.
                    extra_email_context={
                        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
                        "portal_url": settings.PORTAL_URL,
                    },
                    success_url=reverse_lazy("accounts:password_reset_done"),
                )
            )
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            form_class=NewPasswordForm,
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("password/change/", security_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/", security_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    # The second factor (staff must; enterprises may) and re-authentication before sensitive actions.
    path("2fa/", security_views.two_factor_overview, name="two_factor"),
    path("2fa/setup/", security_views.two_factor_setup, name="two_factor_setup"),
    path("2fa/verify/", security_views.two_factor_verify, name="two_factor_verify"),
    path("2fa/recovery-codes/", security_views.two_factor_recovery_codes, name="two_factor_recovery_codes"),
    path("2fa/recovery-codes/new/", security_views.two_factor_regenerate, name="two_factor_regenerate"),
    path("2fa/disable/", security_views.two_factor_disable, name="two_factor_disable"),
    path("reauth/", security_views.reauth, name="reauth"),
    path("unlock/", security_views.unlock_request, name="unlock_request"),
    path("unlock/code/", security_views.unlock_code, name="unlock_code"),  # before the token's pattern
    path("unlock/<str:token>/", security_views.unlock_confirm, name="unlock_confirm"),
    path("organization/", views.organization, name="organization"),
    path("organization/new/", views.organization_create, name="organization_create"),
    path("organization/edit/", views.organization_edit, name="organization_edit"),
    path("organization/identity/", views.organization_identity, name="organization_identity"),
    path("organization/identity/<str:kind>/", views.organization_document, name="organization_document"),
    path("organization/join/", views.organization_join, name="organization_join"),
    path("organization/members/", views.members, name="members"),
    path("organization/members/<int:pk>/approve/", views.approve_member, name="approve_member"),
    path("organization/members/<int:pk>/reject/", views.reject_member, name="reject_member"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/", views.inbox_message, name="inbox_message"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("deliveries/", views.deliveries, name="deliveries"),
]

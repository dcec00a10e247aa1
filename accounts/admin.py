from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Delivery, Membership, Notification, Organization, User
from .roles import Role

# Roles and Django permissions are the security administrator's (三权分立), set through
# administration.services.set_roles; the system administrator who edits users here never sees them.
ROLE_FIELDS = frozenset({"is_staff", "is_superuser", "groups", "user_permissions"})
ADMIN_ROLE_NAMES = (Role.SYSTEM_ADMIN.value, Role.SECURITY_ADMIN.value, Role.AUDIT_ADMIN.value)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (None, {"fields": ("mobile", "notify_channel", "email_digest")}))
    list_display = ("username", "email", "mobile", "is_staff", "is_active")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # The form is built from these fields (ModelAdmin.get_form), so a posted value for a role field is
        # not even read, let alone saved.
        return [
            (name, {**options, "fields": tuple(f for f in options["fields"] if f not in ROLE_FIELDS)})
            for name, options in fieldsets
        ]

    def get_list_display(self, request):
        display = super().get_list_display(request)
        return display if request.user.is_superuser else tuple(f for f in display if f not in ROLE_FIELDS)

    def get_list_filter(self, request):
        return super().get_list_filter(request) if request.user.is_superuser else ("is_active",)

    def has_change_permission(self, request, obj=None) -> bool:
        # An administrator's or superuser's account (its e-mail, its password) is not the system
        # administrator's to change: that would let one administrator take over another's account.
        if obj is not None and not request.user.is_superuser and _is_administrator(obj):
            return False
        return super().has_change_permission(request, obj)


def _is_administrator(user: User) -> bool:
    return user.is_superuser or user.groups.filter(name__in=ADMIN_ROLE_NAMES).exists()


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "uscc",
        "org_type",
        "registered_in_changning",
        "operating_status",
        "credit_status",
    )
    list_filter = (
        "registered_in_changning",
        "operating_status",
        "credit_status",
        "in_abnormal_list",
        "org_type",
        "uscc_checksum_ok",
    )
    search_fields = ("name", "uscc")
    # Stamped by the intake officer's verification (reviews), never typed; the identity (issue 14) changes
    # only through accounts.identity, so 区科委's verification cannot be bypassed from here.
    readonly_fields = (
        "type_verified_at",
        "type_verified_by",
        "identity_status",
        "identity_return_reason",
        "verified_name",
        "identity_verified_at",
        "identity_verified_by",
        "requested_name",
        "requested_uscc",
        "identity_submitted_at",
        "identity_submitted_by",
        "business_licence_type",
        "authorization_letter_type",
    )
    # The files are private (no URL); 区科委 reads them on its verification page, never here.
    exclude = ("business_licence", "authorization_letter")
    inlines = [MembershipInline]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and (obj.identity_verified or obj.identity_status == obj.IdentityStatus.PENDING):
            # The verified (or being verified) name and code change only by a request 区科委 verifies.
            return (*fields, "name", "uscc")
        return fields


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: messages are written by accounts.notify, never by hand."""

    list_display = ("subject", "recipient", "event", "key", "created_at", "read_at")
    list_filter = ("event",)
    list_select_related = ("recipient",)
    search_fields = ("subject", "recipient__username", "key")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(NotificationAdmin):
    list_display = ("subject", "event", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "event")
    list_select_related = ()
    search_fields = ("subject", "event")

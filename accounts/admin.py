from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Delivery, Membership, Notification, Organization, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (None, {"fields": ("mobile", "notify_channel", "email_digest")}))
    list_display = ("username", "email", "mobile", "is_staff", "is_active")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "uscc", "registered_in_changning", "operating_status", "credit_status")
    list_filter = ("registered_in_changning", "operating_status", "credit_status", "uscc_checksum_ok")
    search_fields = ("name", "uscc")
    inlines = [MembershipInline]


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

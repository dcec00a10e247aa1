from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Membership, Organization, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (None, {"fields": ("mobile",)}))
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

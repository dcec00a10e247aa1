from django.contrib import admin

from .models import AuditArchive, AuditRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    """The admin offers no add, change or delete path (and no bulk delete action) for the trail."""

    actions = None

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ("seq", "created_at", "username", "roles", "ip_address", "action", "object_repr", "result")
    list_filter = ("result", "action")
    search_fields = ("username", "action", "object_type", "object_id", "object_repr", "ip_address")
    date_hierarchy = "created_at"


@admin.register(AuditArchive)
class AuditArchiveAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "first_seq", "last_seq", "record_count", "file_name")

"""The commission's admin: the working-day calendar is edited here. Decisions, overrides, notices and
objections change only through their services (reviews.services), so the admin shows them read-only."""

from django.contrib import admin

from .models import Decision, Holiday, NoticeEntry, Objection, Override, PublicNotice, QuorumException


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """公示 counts working days: public holidays (is_working_day off) and 调休 working weekends (on)."""

    list_display = ("date", "name", "is_working_day")
    list_filter = ("is_working_day",)
    date_hierarchy = "date"
    search_fields = ("name",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("application", "recommended", "amount_fen", "ceiling_fen", "override", "decided_at")
    list_select_related = ("application", "override")


@admin.register(Override)
class OverrideAdmin(ReadOnlyAdmin):
    list_display = (
        "application",
        "amount_fen",
        "ceiling_fen",
        "matter_left_fen",
        "area",
        "status",
        "proposed_at",
        "confirmed_at",
    )
    list_filter = ("status", "area")
    list_select_related = ("application",)


@admin.register(QuorumException)
class QuorumExceptionAdmin(ReadOnlyAdmin):
    list_display = (
        "application",
        "reviews_submitted",
        "reviews_required",
        "status",
        "proposed_at",
        "confirmed_at",
    )
    list_filter = ("status",)
    list_select_related = ("application",)


class NoticeEntryInline(admin.TabularInline):
    model = NoticeEntry
    fields = ("organization_name", "item_code", "item_name", "project_name", "amount_fen")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PublicNotice)
class PublicNoticeAdmin(ReadOnlyAdmin):
    list_display = ("title", "call", "published_at", "ends_at", "closed_at")
    inlines = [NoticeEntryInline]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    # Confidential: only superusers and staff granted the view permission see objections here.
    list_display = ("entry", "status", "submitted_at", "decided_at")
    list_filter = ("status",)
    list_select_related = ("entry",)

"""Staff edit policy rounds here. A published (or expired) round is read-only: new figures go into a
copied draft, which is published when ready, so nothing already applied for can change."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .models import (
    Article,
    EligibilityCondition,
    ItemFact,
    ItemMaterial,
    PolicyItem,
    PolicyRound,
    RecordedAward,
    RubricCriterion,
)


class DraftOnlyMixin:
    """Rows of a round may change only while the round is a draft."""

    def _round_of(self, obj):
        raise NotImplementedError

    def _editable(self, obj) -> bool:
        return obj is None or self._round_of(obj).is_editable

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(obj)


class InlineOfItem(DraftOnlyMixin):
    extra = 0

    def _round_of(self, obj):
        return obj.round

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._editable(obj)


class ItemFactInline(InlineOfItem, admin.TabularInline):
    model = ItemFact


class ConditionInline(InlineOfItem, admin.TabularInline):
    model = EligibilityCondition


class MaterialInline(InlineOfItem, admin.TabularInline):
    model = ItemMaterial


class CriterionInline(InlineOfItem, admin.TabularInline):
    model = RubricCriterion


class ArticleInline(DraftOnlyMixin, admin.StackedInline):
    model = Article
    extra = 0

    def _round_of(self, obj):
        return obj

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._editable(obj)


@admin.register(PolicyRound)
class PolicyRoundAdmin(DraftOnlyMixin, admin.ModelAdmin):
    list_display = ("code", "title", "valid_from", "valid_until", "status", "is_demo", "published_at")
    list_filter = ("status", "is_demo")
    search_fields = ("code", "title")
    readonly_fields = ("status", "published_at", "copied_from")
    inlines = [ArticleInline]
    actions = ["copy_to_draft", "publish"]

    def _round_of(self, obj):
        return obj

    @admin.action(description=_("复制为新的草稿版本"))
    def copy_to_draft(self, request, queryset):
        for policy_round in queryset:
            draft = services.copy_round(source=policy_round)
            self.message_user(request, _("已复制为草稿 %(code)s,可编辑后发布。") % {"code": draft.code})

    @admin.action(description=_("发布所选草稿"))
    def publish(self, request, queryset):
        for policy_round in queryset:
            try:
                services.publish_round(policy_round=policy_round)
            except ValidationError as exc:
                self.message_user(
                    request, f"{policy_round.code}:{';'.join(exc.messages)}", level=messages.ERROR
                )
            else:
                self.message_user(request, _("已发布 %(code)s。") % {"code": policy_round.code})


@admin.register(PolicyItem)
class PolicyItemAdmin(DraftOnlyMixin, admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "round",
        "formula",
        "rate",
        "per_application_ceiling_fen",
        "running_window",
    )
    list_filter = ("round", "formula", "running_window")
    search_fields = ("code", "name")
    list_select_related = ("round",)
    inlines = [ItemFactInline, ConditionInline, MaterialInline, CriterionInline]
    ordering = ["round", "sort_order"]

    def _round_of(self, obj):
        return obj.round

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # New items and moved items may only go into draft rounds.
        if db_field.name == "round":
            kwargs["queryset"] = PolicyRound.objects.filter(status=PolicyRound.Status.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(RecordedAward)
class RecordedAwardAdmin(admin.ModelAdmin):
    list_display = ("organization", "matter", "source_policy", "amount_fen", "awarded_on")
    search_fields = ("organization__name", "organization__uscc", "matter")
    autocomplete_fields = ["organization"]

"""区科委 opens calls here: a year under a published round, its items, their "一定" figures and budgets."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from policies import rules

from . import services
from .models import Application, Call, CallItem, StatusEvent


class CallItemForm(forms.ModelForm):
    # Staff think in yuan; the database keeps integer fen.
    ceiling = forms.DecimalField(label=_("本批次单笔上限(元)"), required=False, min_value=0, decimal_places=2)
    budget = forms.DecimalField(label=_("本批次预算(元)"), required=False, min_value=0, decimal_places=2)

    class Meta:
        model = CallItem
        fields = ["item", "rate"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["ceiling"].initial = rules.fen_to_yuan(self.instance.ceiling_fen)
            self.fields["budget"].initial = rules.fen_to_yuan(self.instance.budget_fen)

    def clean(self):
        data = super().clean()
        # On the add page the call is not saved yet and the row's call_id is None; give the row its
        # call, so that CallItem.clean still compares the item's round with the call's.
        if data.get("call") is not None:
            self.instance.call = data["call"]
        self.instance.ceiling_fen = _fen(data.get("ceiling"))
        self.instance.budget_fen = _fen(data.get("budget"))
        return data


def _fen(value):
    return None if value is None else rules.yuan_to_fen(value)


class CallItemInline(admin.TabularInline):
    model = CallItem
    form = CallItemForm
    extra = 0
    autocomplete_fields = ["item"]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("title", "year", "round", "opens_at", "closes_at")
    list_filter = ("year", "round")
    list_select_related = ("round",)
    inlines = [CallItemInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "opens_at" in form.changed_data:
            # The approver queue orders by a copy of the opening (Application.queue_opens_at).
            services.refresh_queue_keys(call=obj)
        if change and "reviewers_per_application" in form.changed_data:
            from reviews.services.assignment import refresh_call_shortfalls  # reviews builds on applications

            refresh_call_shortfalls(call=obj)


class StatusEventInline(admin.TabularInline):
    model = StatusEvent
    extra = 0
    can_delete = False
    readonly_fields = ("status", "at", "actor", "note")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Read-only here: states change only through the services (the review pages come with issue 4)."""

    list_display = ("number", "organization", "item", "status", "requested_fen", "awarded_fen", "updated_at")
    list_filter = ("status", "call_item__call")
    list_select_related = ("organization", "item")
    search_fields = ("number", "organization__name", "organization__uscc", "project_name")
    inlines = [StatusEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

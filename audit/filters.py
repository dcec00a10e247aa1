"""The audit administrator's search over the trail (django-filter). Dates are days in Shanghai time;
a value the form refuses is shown beside its field and nothing is searched (never a 500, never a silent
"everything" because one filter was dropped)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import AuditRecord

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The portal started in the 2020s; the bounds keep the day → instant conversion inside what databases store.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)


def start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)


class DayField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def validate(self, value) -> None:
        super().validate(value)
        if value and not EARLIEST <= value <= LATEST:
            raise ValidationError(
                _("日期应在 %(first)s 到 %(last)s 之间。"),
                code="out_of_range",
                params={"first": EARLIEST.isoformat(), "last": LATEST.isoformat()},
            )


class DayFilter(django_filters.Filter):
    field_class = DayField


class IPFilter(django_filters.Filter):
    # A GenericIPAddressField column is inet on PostgreSQL: a malformed address would be a database error.
    field_class = forms.GenericIPAddressField


class AuditFilterForm(forms.Form):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Each input names its message and help (the ids templates/accounts/_field.html gives them).
        for name, field in self.fields.items():
            described = [f"error-{name}"] + ([f"{self[name].auto_id}_helptext"] if field.help_text else [])
            field.widget.attrs["aria-describedby"] = " ".join(described)

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"

    def clean(self) -> dict:
        cleaned = super().clean()
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last and first > last:
            raise ValidationError(_("起始日期不能晚于截止日期。"), code="date_order")
        return cleaned


class AuditRecordFilter(django_filters.FilterSet):
    date_from = DayFilter(label=_("起始日期"), method="filter_from", help_text=_("北京时间,含当天。"))
    date_to = DayFilter(label=_("截止日期"), method="filter_to", help_text=_("北京时间,含当天。"))
    username = django_filters.CharFilter(label=_("用户"), lookup_expr="icontains", max_length=150)
    action = django_filters.CharFilter(
        label=_("操作"),
        method="filter_action",
        max_length=64,
        help_text=_("如 login、roles.change,或前缀 application. 查看一类操作。"),
    )
    result = django_filters.ChoiceFilter(
        label=_("结果"), choices=AuditRecord.Result.choices, empty_label=_("全部")
    )
    object_type = django_filters.CharFilter(
        label=_("对象类型"), lookup_expr="iexact", max_length=100, help_text=_("如 accounts.user。")
    )
    object_id = django_filters.CharFilter(label=_("对象ID"), lookup_expr="exact", max_length=64)
    ip_address = IPFilter(label=_("IP地址"))

    class Meta:
        model = AuditRecord
        fields: list[str] = []
        form = AuditFilterForm

    def filter_from(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(created_at__gte=start_of(value))

    def filter_to(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(created_at__lt=start_of(value + dt.timedelta(days=1)))

    def filter_action(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # "application." finds every application.* action; anything else is the action itself.
        return (
            queryset.filter(action__startswith=value)
            if value.endswith(".")
            else queryset.filter(action=value)
        )

    @property
    def qs(self) -> QuerySet:
        if self.is_bound and not self.is_valid():
            return self.queryset.none()
        return super().qs.order_by("-seq")

    def applied(self) -> dict[str, str]:
        """The filters in force, as text: written into the record of an export."""
        if not (self.is_bound and self.is_valid()):
            return {}
        return {
            name: value.isoformat() if isinstance(value, dt.date) else str(value)
            for name, value in self.form.cleaned_data.items()
            if value not in (None, "")
        }

"""The audit administrator's search over the trail (django-filter). Dates are days in Shanghai time;
a value the form refuses is shown beside its field and nothing is searched (never a 500, never a silent
"everything" because one filter was dropped)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from changning_ai.forms import describe_field

from .models import AuditRecord

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The portal started in the 2020s; the bounds keep the day → instant conversion inside what databases store.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)


def start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)


# The distinct user names of the trail, read from the index audit_username_seq one name at a time (a loose
# index scan: as many probes as there are names, whatever the number of records), keeping those that contain
# the search text. A trigram index cannot narrow names this alike ("scale-…-intake_officer-001"): it read
# most of the trail for every search.
USERNAMES_CONTAINING = """
WITH RECURSIVE names(username) AS (
    (SELECT username FROM {table} ORDER BY username LIMIT 1)
    UNION ALL
    SELECT (SELECT r.username FROM {table} r WHERE r.username > names.username ORDER BY r.username LIMIT 1)
    FROM names WHERE names.username IS NOT NULL
)
SELECT username FROM names WHERE username IS NOT NULL AND UPPER(username) LIKE UPPER(%s)
"""


def usernames_containing(text: str) -> list[str]:
    """Every user name in the trail containing `text` in any case (what icontains matches). One query."""
    pattern = f"%{connection.ops.prep_for_like_query(text)}%"
    with connection.cursor() as cursor:
        cursor.execute(USERNAMES_CONTAINING.format(table=AuditRecord._meta.db_table), [pattern])
        return [row[0] for row in cursor.fetchall()]


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
        for name in self.fields:
            describe_field(self, name)

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
    username = django_filters.CharFilter(label=_("用户"), method="filter_username", max_length=150)
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

    def filter_username(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # "Contains", case-insensitive, as before; on PostgreSQL the names that match are found first (one
        # query over the distinct names) and the records are read by exact name from audit_username_seq,
        # newest first (issue 13: a million records).
        if connection.vendor != "postgresql":
            return queryset.filter(username__icontains=value)
        return queryset.filter(username__in=usernames_containing(value))

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

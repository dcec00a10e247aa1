"""Accessible forms and messages for every page (issue 16): the error summary, the page title's 错误: and
the live region of the flash messages. One place, so no page can differ."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.contrib.messages import constants
from django.forms import BaseForm
from django.forms.formsets import BaseFormSet
from django.utils.translation import gettext

register = template.Library()


def _has_errors(value: object) -> bool:
    if isinstance(value, BaseForm):
        return value.is_bound and bool(value.errors)
    if isinstance(value, BaseFormSet):
        return value.is_bound and value.total_error_count() > 0
    return False


@register.simple_tag(takes_context=True)
def error_title_prefix(context) -> str:
    """ "错误:" before the page title when a form on the page came back with errors (WCAG 3.3.1), so the
    first thing a screen reader says on the new page is that the submit failed. Every form a view hands to
    its template is looked at, also one level down: in a list or dict, or as the `form` of a row (the
    recovery form of each clawback on an award's page)."""
    for value in context.flatten().values():
        inner: Iterable = ()
        if isinstance(value, dict):
            inner = value.values()
        elif isinstance(value, list | tuple):
            inner = value
        if _has_errors(value) or any(_has_errors(v) or _has_errors(getattr(v, "form", None)) for v in inner):
            return gettext("错误:")
    return ""


@register.filter
def messages_role(message_list) -> str:
    """alert when one of the messages is an error (it interrupts), status otherwise (it waits)."""
    return "alert" if any(m.level >= constants.ERROR for m in message_list) else "status"


@register.filter
def error_target(field) -> str:
    """The id an error summary link points at: the input itself, or the first choice of a radio or
    checkbox group (whose label names no single input)."""
    if getattr(field.field.widget, "submit_buttons", False):
        return ""
    return field.id_for_label or (f"{field.auto_id}_0" if field.auto_id else "")


@register.simple_tag
def summary_line(field, error) -> str:
    """The summary's line for one message: the field's label before it, unless the message already names
    the field (the engine's say "项目自筹投入资金总额:不能为负数"; Django's "这个字段是必填项。" do not).
    Escaped by the template engine like any simple_tag result."""
    label = str(field.label or "")
    name = label.split("(")[0].split("(")[0].strip()
    return str(error) if name and name in str(error) else f"{label}:{error}"

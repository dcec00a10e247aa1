"""Choice labels for pages that show many rows: `{{ batch|label:"status" }}` instead of
`{{ batch.get_status_display }}`.

get_FOO_display rebuilds the field's choices on every call and hashes each (value, label) pair, and hashing a
lazily translated label translates it: on a list page of 25 batches that was 125 translations, a fifth of
the page's time (issue 13). The labels of a field are the same for every row and never change while the
process runs, so they are translated once per field and language and kept. A template builtin (settings
TEMPLATES "builtins"), so no template needs to load it.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.db import models
from django.utils.translation import get_language

register = template.Library()


@lru_cache(maxsize=512)
def _labels(model: type[models.Model], field_name: str, language: str | None) -> dict:
    field = model._meta.get_field(field_name)
    return {value: str(label) for value, label in field.flatchoices}


def choice_labels(model: type[models.Model], field_name: str) -> dict:
    """Every choice of the field: value → label in the active language."""
    return _labels(model, field_name, get_language())


@register.filter(name="label")
def choice_label(obj: models.Model | None, field_name: str):
    """The label of the object's choice, as get_FOO_display gives it (the value itself when not a choice)."""
    if obj is None or obj == "":
        return ""
    value = getattr(obj, field_name)
    return choice_labels(type(obj), field_name).get(value, value)

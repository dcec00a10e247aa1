"""The enterprise's forms: the item's facts (as on the calculator), the matter, a material upload, a reason.

Facts stay plain text, as on the calculator: the engine parses them and gives the messages, so the
wizard, the calculator and `manage.py quote` accept the same input. The calculator's "already awarded"
fields are not here: for an application those sums come from the database (selectors.application_quote).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from changning_ai.forms import describe_field
from policies import rules
from policies.forms import fact_field
from policies.models import PolicyItem
from policies.templatetags.money import yuan

from .models import Application

# What the file picker offers; the server still decides by content (materials.sniff).
ACCEPT = ".pdf,.jpg,.jpeg,.png,.ofd"


def _describe(form: forms.Form) -> None:
    # The message beside each field is read out with it, also when application.js fills it in.
    for name in form.fields:
        describe_field(form, name)


class FactsForm(forms.Form):
    """One text field (or select) per fact of the item, built exactly as the calculator builds them."""

    def __init__(self, data: Mapping[str, object] | None = None, *, item: PolicyItem) -> None:
        super().__init__(data)
        self.item = item
        # The text's conditions (the rulings): asked with a blank "请选择" that submission refuses, never
        # preset to 是 or 否.
        assumable = {c.fact for c in item.conditions.all() if c.assumable}
        for fact in item.facts.all():
            # The calculator's own field factory, so both pages offer the same inputs and choices.
            self.fields[fact.name] = fact_field(fact, assumable=fact.name in assumable)
        _describe(self)

    @property
    def fact_names(self) -> list[str]:
        return list(self.fields)

    def raw_facts(self) -> dict[str, str]:
        """What was typed, as text, for save_draft (which keeps only the item's facts)."""
        assert self.data is not None
        return {name: str(self.data.get(name, "")) for name in self.fields}

    def show_errors(self, errors: Mapping[str, str]) -> dict[str, str]:
        """Put the engine's messages on the fields; returns them keyed by field ("__all__" otherwise)."""
        self.full_clean()  # every field is optional text: this only prepares add_error()
        shown: dict[str, str] = {}
        for name, message in errors.items():
            key = name if name in self.fields else "__all__"
            self.add_error(None if key == "__all__" else key, str(message))
            shown[key] = str(message)
        return shown


class MatterForm(forms.Form):
    """2 事项: what the application is about; Art. 10(2) compares matters, so it is asked for."""

    matter_type = forms.ChoiceField(
        label=_("事项类型"),
        required=False,
        choices=[("", _("请选择")), *Application.MatterType.choices],
    )
    matter_ref = forms.CharField(
        label=_("事项名称或编号"),
        required=False,
        max_length=200,
        help_text=_("项目、合同、证书、活动或保单的名称或编号;同一事项不重复享受(第十条第二款)。"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    project_name = forms.CharField(
        label=_("项目名称"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("项目简介"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, item: PolicyItem | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if item is not None and item.shared_matter:
            # The rent items share one matter per rent year (10(2)): the portal names it, nobody types it.
            del self.fields["matter_type"]
            del self.fields["matter_ref"]
        _describe(self)

    def error_map(self) -> dict[str, str]:
        return {name: str(errors[0]) for name, errors in self.errors.items()}


def draft_data(application: Application) -> dict[str, str]:
    """The draft as form data: what the enterprise typed last time, facts and matter together."""
    data = {name: str(value) for name, value in (application.facts or {}).items()}
    for name in ("matter_type", "matter_ref", "project_name", "description"):
        data[name] = getattr(application, name)
    return data


class UploadForm(forms.Form):
    material_code = forms.SlugField(max_length=60)
    # The size and type are checked by the service (materials.sniff), by content, in the user's language.
    file = forms.FileField(label=_("选择文件"), allow_empty_file=True)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("撤回原因(选填)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@dataclass(frozen=True)
class FactRow:
    label: str
    value: str


def fact_rows(item: PolicyItem, facts: Mapping[str, object]) -> list[FactRow]:
    """The facts as the reader should see them: labels, units, 是/否 and choice labels, not codes."""
    rows = []
    for fact in item.facts.all():
        raw = facts.get(fact.name)
        text = "" if raw is None else str(raw)
        if fact.type == rules.FactType.BOOLEAN and not text.strip():
            text = ""  # not answered (a condition of the text asked with no preset answer): "—"
        elif fact.type == rules.FactType.BOOLEAN:
            text = str(_("是")) if text.strip().lower() in ("true", "1", "yes", "是", "on") else str(_("否"))
        elif fact.type == rules.FactType.CHOICE:
            text = next((str(label) for value, label in fact.choices if str(value) == text), text)
        elif fact.type == rules.FactType.MONEY and text:
            # Grouped like every amount the portal prints (2,000,000.00 元), never the raw 2000000.
            text = f"{yuan(text, 'bare') or text} {fact.display_unit}".strip()
        elif text and fact.display_unit:
            text = f"{text} {fact.display_unit}"
        rows.append(FactRow(label=fact.display_label, value=text or "—"))
    return rows

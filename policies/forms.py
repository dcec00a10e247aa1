"""The policy calculator's form: one field per fact the item asks for, plus the quote contract's extras.

Every field is plain text here and the engine (`rules.parse_facts`) does the parsing, so the calculator,
the application form and `manage.py quote` accept the same input and give the same messages.
"""

from collections.abc import Mapping
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from . import rules, services
from .models import ItemFact, PolicyItem

NUMERIC_TYPES = (rules.FactType.MONEY, rules.FactType.DECIMAL, rules.FactType.INTEGER)

# Labels of the facts every quote may carry (POLICY.md, the quote contract); the engine names them by
# their code names for the command line, the page uses these labels in the visitor's language.
META_LABELS = {
    rules.PRIOR_AWARDS: _("本年度/累计已获本项资助"),
    rules.OTHER_POLICY_AWARDS: _("同一事项已获其他资助"),
    rules.CALL_RATE: _("年度申报指南确定的补贴比例"),
    rules.CALL_CEILING: _("年度申报指南确定的上限"),
}
META_HELP = {
    rules.PRIOR_AWARDS: _("计入本项累计上限的已获金额;没有请留空。"),
    rules.OTHER_POLICY_AWARDS: _(
        "同一项目、合同、证书、活动或保单已获本区其他政策资助的金额(第十条第二款);没有请留空。"
    ),
    rules.CALL_RATE: _("填写小数,例如 0.5 表示 50%。"),
    rules.CALL_CEILING: _("年度申报指南规定了上限时填写;没有请留空。"),
}


def _text_input(*, numeric: bool) -> forms.TextInput:
    attrs = {"autocomplete": "off"}
    if numeric:
        # Text, not type=number: "2,000,000" must be accepted and a browser would reject the commas.
        attrs["inputmode"] = "decimal"
    return forms.TextInput(attrs=attrs)


def fact_field(fact: ItemFact) -> forms.Field:
    """The form field for one fact of an item, shared by the calculator and the application wizard."""
    label = _label(fact.display_label, fact.display_unit)
    if fact.type == rules.FactType.BOOLEAN:
        # 否 first: a missing answer must not silently read as 是.
        return _select(label, fact.help_text, [("false", _("否")), ("true", _("是"))])
    if fact.type == rules.FactType.CHOICE:
        options = [("", _("请选择")), *((str(v), str(lbl)) for v, lbl in fact.choices)]
        return _select(label, fact.help_text, options)
    return forms.CharField(
        label=label,
        required=False,
        help_text=fact.help_text,
        widget=_text_input(numeric=fact.type in NUMERIC_TYPES),
    )


class CalculatorForm(forms.Form):
    def __init__(self, data: Mapping[str, str] | None = None, *, item: PolicyItem, rule: rules.Rule) -> None:
        super().__init__(data)
        self.item = item
        self.rule = rule
        self.fact_names: list[str] = []
        for fact in item.facts.all():
            self.fields[fact.name] = fact_field(fact)
            self.fact_names.append(fact.name)
        self.meta_names = [rules.PRIOR_AWARDS, rules.OTHER_POLICY_AWARDS]
        if rule.needs_call_rate:
            self.meta_names += [rules.CALL_RATE, rules.CALL_CEILING]
        for name in self.meta_names:
            unit = "" if name == rules.CALL_RATE else _("元")
            self.fields[name] = forms.CharField(
                label=_label(META_LABELS[name], unit),
                required=False,
                help_text=META_HELP[name],
                widget=_text_input(numeric=True),
            )
        for name, field in self.fields.items():
            # The message beside each field (id error-<name>) is read out with the field, also when
            # calculator.js fills it in.
            described = [f"error-{name}"] + ([f"id_{name}_helptext"] if field.help_text else [])
            field.widget.attrs["aria-describedby"] = " ".join(described)

    @property
    def fact_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fact_names]

    @property
    def award_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in (rules.PRIOR_AWARDS, rules.OTHER_POLICY_AWARDS)]

    @property
    def call_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in (rules.CALL_RATE, rules.CALL_CEILING) if name in self.fields]

    @property
    def is_blank(self) -> bool:
        """Nothing typed yet: the page shows the empty form, not a page of "请填写" errors."""
        return not self.is_bound or not any(self.data.get(n) for n in self.fact_names + self.meta_names)

    def quote(self, *, on: date) -> rules.Quote | None:
        """The engine's quote for the submitted facts, or None with the errors set on the fields."""
        raw = {
            name: self.data[name]
            for name in self.fact_names + self.meta_names
            if self.data.get(name) is not None
        }
        try:
            return services.quote_item(item=self.item, raw_facts=raw, on=on)
        except rules.FactError as exc:
            self.full_clean()  # every field is optional text, so this only prepares add_error()
            for name, message in exc.errors.items():
                self.add_error(name if name in self.fields else None, self._message(name, message))
            return None

    def _message(self, name: str, message: str) -> str:
        if name not in META_LABELS:
            return message
        label = META_LABELS[name]
        if name == rules.CALL_RATE and not self.data.get(name):
            return str(_("请填写%(label)s") % {"label": label})
        # The engine prefixes the code name ("prior_awards:不能为负数"); show the label instead.
        prefix = rules.labelled(name, "")
        detail = message[len(prefix) :] if message.startswith(prefix) else message
        return rules.labelled(str(label), detail)

    def error_map(self) -> dict[str, str]:
        return {name: str(errors[0]) for name, errors in self.errors.items()}


def _select(label: str, help_text: str, options: list[tuple[str, object]]) -> forms.CharField:
    # A CharField with a select widget: the engine, not Django, decides what is a valid answer.
    return forms.CharField(
        label=label, required=False, help_text=help_text, widget=forms.Select(choices=options)
    )


def _label(label: str, unit: str) -> str:
    return str(_("%(label)s(%(unit)s)") % {"label": label, "unit": unit}) if unit else str(label)

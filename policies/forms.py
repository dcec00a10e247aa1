"""The policy calculator's form: one field per fact the item asks for, plus the quote contract's extras.

Every field is plain text here and the engine (`rules.parse_facts`) does the parsing, so the calculator,
the application form and `manage.py quote` accept the same input and give the same messages.
"""

from collections.abc import Mapping
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.applicant_types import OrgFlag, OrgType
from changning_ai.forms import describe_field

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
# The facts of the rulings of 2026-12-02 that every item of a kind may carry (the quote contract).
EXTRA_LABELS = {
    rules.SUBSIDY_YEAR: _("补贴年度"),
    rules.AWARDED_LEVEL: _("本单位本项已获资助的最高等级"),
    rules.ORG_TYPE: _("单位类型"),
    rules.ORG_FLAGS: _("单位标识"),
}
# The blank answer of a condition in the calculator: taken as met, listed as 待确认条件.
UNCONFIRMED = _("未确认(按符合估算)")

META_HELP = {
    rules.PRIOR_AWARDS: _("计入本项累计上限的已获金额;没有请留空。"),
    rules.OTHER_POLICY_AWARDS: _(
        "同一项目、合同、证书、活动或保单已获本区其他政策资助的金额(第十条第二款);没有请留空。"
    ),
    rules.CALL_RATE: _("填写百分比或小数,例如 50% 或 0.5。"),
    rules.CALL_CEILING: _("年度申报指南规定了上限时填写;没有请留空。"),
}


def _text_input(*, numeric: bool) -> forms.TextInput:
    attrs = {"autocomplete": "off"}
    if numeric:
        # Text, not type=number: "2,000,000" must be accepted and a browser would reject the commas.
        attrs["inputmode"] = "decimal"
    return forms.TextInput(attrs=attrs)


def fact_field(fact: ItemFact, *, assumable: bool = False, unanswered: str = "") -> forms.Field:
    """The form field for one fact of an item, shared by the calculator and the application wizard.

    An `assumable` fact is a condition of the text (the rulings): it has a blank answer of its own,
    `unanswered` ("请选择" in the application form, which must have an answer; "未确认" in the calculator,
    which then estimates as if it were met)."""
    label = _label(fact.display_label, fact.display_unit)
    blank = unanswered or _("请选择")
    if fact.type == rules.FactType.BOOLEAN:
        if assumable:
            return _select(label, fact.help_text, [("", blank), ("true", _("是")), ("false", _("否"))])
        # 否 first: a missing answer must not silently read as 是.
        return _select(label, fact.help_text, [("false", _("否")), ("true", _("是"))])
    if fact.type == rules.FactType.CHOICE:
        options = [("", blank), *((str(v), str(lbl)) for v, lbl in fact.choices)]
        return _select(label, fact.help_text, options)
    return forms.CharField(
        label=label,
        required=False,
        help_text=fact.help_text,
        widget=_text_input(numeric=fact.type in NUMERIC_TYPES),
    )


class CalculatorForm(forms.Form):
    def __init__(
        self,
        data: Mapping[str, str] | None = None,
        *,
        item: PolicyItem,
        rule: rules.Rule,
        call_item: object = None,
    ) -> None:
        super().__init__(data)
        self.item = item
        self.rule = rule
        # The call open for this item ("一定": its rate and ceiling are the call's, not asked of the visitor).
        self.call_item = call_item if call_item is not None and getattr(call_item, "rate", None) else None
        self.fact_names: list[str] = []
        assumable = rule.assumable_facts
        for fact in item.facts.all():
            self.fields[fact.name] = fact_field(
                fact, assumable=fact.name in assumable, unanswered=UNCONFIRMED
            )
            self.fact_names.append(fact.name)
        if rule.subsidy_years > 1:
            # 连续补贴 (6(1)): which year of the run; the amount is that year's, on that year's rent.
            years = [(str(n), _("第 %(n)d 年") % {"n": n}) for n in range(1, rule.subsidy_years + 1)]
            self.fields[rules.SUBSIDY_YEAR] = _select(
                EXTRA_LABELS[rules.SUBSIDY_YEAR],
                _("连续补贴期内的第几年;每年按该年度的房租计算。"),
                years,
            )
            self.fact_names.append(rules.SUBSIDY_YEAR)
        self.meta_names = [rules.PRIOR_AWARDS, rules.OTHER_POLICY_AWARDS]
        if rule.level_fact:
            self.meta_names.append(rules.AWARDED_LEVEL)
        if rule.needs_call_rate and self.call_item is None:
            self.meta_names += [rules.CALL_RATE, rules.CALL_CEILING]
        for name in self.meta_names:
            if name == rules.AWARDED_LEVEL:
                self.fields[name] = forms.CharField(
                    label=_label(EXTRA_LABELS[name], _("级")),
                    required=False,
                    help_text=_("晋档补差:已获本项资助时填写当时的等级;新等级须更高。首次申报请留空。"),
                    widget=_text_input(numeric=True),
                )
                continue
            unit = "" if name == rules.CALL_RATE else _("元")
            self.fields[name] = forms.CharField(
                label=_label(META_LABELS[name], unit),
                required=False,
                help_text=META_HELP[name],
                widget=_text_input(numeric=True),
            )
        # Who may apply (the rulings): asked only where the item has a condition on the applicant type.
        self.applicant_names: list[str] = []
        if assumable & set(rules.APPLICANT_FACTS):
            self.fields[rules.ORG_TYPE] = _select(
                EXTRA_LABELS[rules.ORG_TYPE],
                "",  # the fieldset's note says what an unchosen type means
                [("", UNCONFIRMED), *OrgType.choices],
            )
            self.fields[rules.ORG_FLAGS] = forms.MultipleChoiceField(
                label=EXTRA_LABELS[rules.ORG_FLAGS],
                required=False,
                choices=OrgFlag.choices,
                help_text=_("选择单位类型后勾选适用的各项;未选择单位类型时不计入。"),
                widget=forms.CheckboxSelectMultiple,
            )
            self.applicant_names = [rules.ORG_TYPE, rules.ORG_FLAGS]
        for name in self.fields:
            # The message beside each field is read out with the field, also when calculator.js fills it in.
            describe_field(self, name)

    @property
    def fact_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fact_names]

    @property
    def award_fields(self) -> list[forms.BoundField]:
        names = (rules.PRIOR_AWARDS, rules.AWARDED_LEVEL, rules.OTHER_POLICY_AWARDS)
        return [self[name] for name in names if name in self.fields]

    @property
    def applicant_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.applicant_names]

    @property
    def call_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in (rules.CALL_RATE, rules.CALL_CEILING) if name in self.fields]

    @property
    def is_blank(self) -> bool:
        """Nothing typed yet: the page shows the empty form, not a page of "请填写" errors."""
        return not self.is_bound or not any(self.data.get(n) for n in self.fact_names + self.meta_names)

    def raw_facts(self) -> dict[str, object]:
        """What was typed, for the engine. The flags count only once a type is chosen: an unticked box
        cannot say "not known", and an unknown type is estimated as if it were met."""
        raw: dict[str, object] = {
            name: self.data[name]
            for name in self.fact_names + self.meta_names
            if self.data.get(name) is not None
        }
        if self.applicant_names and self.data.get(rules.ORG_TYPE):
            raw[rules.ORG_TYPE] = self.data[rules.ORG_TYPE]
            getlist = getattr(self.data, "getlist", None)
            flags = getlist(rules.ORG_FLAGS) if getlist else self.data.get(rules.ORG_FLAGS) or []
            raw[rules.ORG_FLAGS] = [flags] if isinstance(flags, str) else list(flags)
        return raw

    def quote(self, *, on: date) -> rules.Quote | None:
        """The engine's quote for the submitted facts, or None with the errors set on the fields."""
        raw = self.raw_facts()
        try:
            return services.quote_item(
                item=self.item,
                raw_facts=raw,
                on=on,
                call_rate=getattr(self.call_item, "rate", None),
                call_ceiling_fen=getattr(self.call_item, "ceiling_fen", None),
            )
        except rules.FactError as exc:
            self.full_clean()  # every field is optional text, so this only prepares add_error()
            for name, message in exc.errors.items():
                self.add_error(name if name in self.fields else None, self._message(name, message))
            return None

    def _message(self, name: str, message: str) -> str:
        if name not in META_LABELS and name not in EXTRA_LABELS:
            return message
        label = META_LABELS.get(name) or EXTRA_LABELS[name]
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


class MatchForm(forms.Form):
    """政策匹配 without an account: who the visitor is and what it did; every answer may be left open."""

    org_type = forms.ChoiceField(
        label=_("单位类型"), required=False, choices=[("", _("不确定")), *OrgType.choices]
    )
    org_flags = forms.MultipleChoiceField(
        label=_("单位规模和资质"),
        required=False,
        choices=OrgFlag.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("中小型按工信部划型标准;没有的不勾选。"),
    )
    topics = forms.MultipleChoiceField(
        label=_("近期做了哪些事"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不勾选则列出全部项目。"),
    )

    def __init__(self, data=None, *, topics: list[dict[str, str]]) -> None:
        super().__init__(data)
        self.fields["topics"].choices = [(t["code"], t["name"]) for t in topics]

    def applicant_facts(self) -> dict[str, object]:
        """The engine's org_type / org_flags: flags count only once a type is chosen (as in calculator)."""
        if not self.cleaned_data.get("org_type"):
            return {}
        return {
            rules.ORG_TYPE: self.cleaned_data["org_type"],
            rules.ORG_FLAGS: self.cleaned_data["org_flags"],
        }

"""Forms of the 一企一策 support agreement pages (issue 11, Art. 10(3)).

They check shape only: an organisation, an area, a reason, an amount in yuan to the fen (Decimal; more than
two decimals is refused, not rounded, because an amount of public money is typed exactly), a budget year.
The services (disbursement.services.agreements) hold the rules and give the messages the page shows.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from policies import rules

from . import selectors
from .models import SupportAgreement

# A single agreement above this is a typing error rather than a decision (the whole policy's yearly
# budget is in the tens of millions).
MAX_AMOUNT = Decimal("100000000.00")


class AgreementForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("单位"),
        queryset=Organization.objects.none(),
        empty_label=_("请选择单位"),
        error_messages={"invalid_choice": _("请选择平台上已登记的单位。"), "required": _("请选择单位。")},
    )
    title = forms.CharField(
        label=_("支持事项"), max_length=200, error_messages={"required": _("请填写支持事项。")}
    )
    area = forms.ChoiceField(
        label=_("所属领域(第十条第三款)"),
        choices=[("", _("请选择")), *SupportAgreement.Area.choices],
        error_messages={"required": _("请选择所属领域。"), "invalid_choice": _("请选择所属领域。")},
    )
    reason = forms.CharField(
        label=_("理由:对区域产业生态打造的重大影响"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("请写明理由。")},
    )
    amount = forms.DecimalField(
        label=_("支持金额(元)"),
        min_value=Decimal("0.01"),
        max_value=MAX_AMOUNT,
        max_digits=14,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={
            "required": _("请填写支持金额。"),
            "invalid": _("请填写有效的金额,如 1500000.00。"),
            "min_value": _("支持金额必须大于 0。"),
            "max_value": _("支持金额不能超过 100,000,000.00 元。"),
            "max_decimal_places": _("金额最多保留两位小数(到分)。"),
            "max_digits": _("金额位数过多。"),
            "max_whole_digits": _("金额位数过多。"),
        },
    )
    budget_year = forms.IntegerField(
        label=_("预算年度"),
        min_value=2000,
        max_value=2100,
        error_messages={"required": _("请填写预算年度。"), "invalid": _("请填写有效的年度。")},
        help_text=_("从该年度的“一企一策”预算中拨付。"),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"budget_year": timezone.localdate().year})
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = selectors.organization_choices()

    @property
    def amount_fen(self) -> int:
        return rules.yuan_to_fen(self.cleaned_data["amount"])


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("决定"),
        choices=[("approve", _("批准并承诺预算")), ("reject", _("不予批准"))],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择批准或不予批准。"),
            "invalid_choice": _("请选择批准或不予批准。"),
        },
    )
    note = forms.CharField(
        label=_("意见"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("不予批准时必填。"),
    )

"""Forms of the budget, award and clawback pages (helper A's area; payments keep their own module).

They check shape only (a year, a code, an amount to the fen, a date); every rule about money, roles and
statuses is the services' (disbursement.services), which give the message the page shows.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from policies import rules

from . import selectors
from .models import Award, Clawback


def _money_field(label, *, min_value: Decimal, help_text="") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=min_value,
        max_digits=14,
        decimal_places=2,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class BudgetForm(forms.Form):
    """Enter a budget, or amend one (the page sends year and item as hidden fields then)."""

    year = forms.IntegerField(label=_("预算年度"), min_value=2000, max_value=2100)
    item_code = forms.ChoiceField(label=_("项目"), required=False)
    amount = _money_field(_("预算金额(元)"), min_value=Decimal(0))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_code"].choices = [("", _("年度总预算(全部项目合计)"))] + [
            (code, f"{code} {name}") for code, name in selectors.budget_item_choices()
        ]

    @property
    def amount_fen(self) -> int:
        return rules.yuan_to_fen(self.cleaned_data["amount"])


class AwardFilterForm(forms.Form):
    STATUSES = [
        ("", _("全部")),
        ("pending", Award.Status.PENDING.label),
        ("approved", Award.Status.APPROVED.label),
        ("waiting", _("有期次待条件满足")),
        ("closed", Award.Status.CLOSED.label),
        ("clawed_back", Award.Status.CLAWED_BACK.label),
    ]
    status = forms.ChoiceField(label=_("状态"), choices=STATUSES, required=False)


class ClawbackForm(forms.Form):
    reason = forms.ChoiceField(label=_("追回原因"), choices=Clawback.Reason.choices)
    amount = _money_field(
        _("追回金额(元)"),
        min_value=Decimal("0.01"),
        help_text=_("未拨付的期次先行取消(不再拨付),其余为已拨付、须由单位退回的金额。"),
    )
    description = forms.CharField(
        label=_("情况说明"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )

    @property
    def amount_fen(self) -> int:
        return rules.yuan_to_fen(self.cleaned_data["amount"])


class RecoveryForm(forms.Form):
    amount = _money_field(_("本次追回金额(元)"), min_value=Decimal("0.01"))
    on = forms.DateField(
        label=_("追回日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    @property
    def amount_fen(self) -> int:
        return rules.yuan_to_fen(self.cleaned_data["amount"])

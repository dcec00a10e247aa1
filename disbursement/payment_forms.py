"""Forms of the bank-details, batch and payment pages (disbursement/views/payments.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class BankAccountForm(forms.Form):
    bank_name = forms.CharField(
        label=_("开户银行"), max_length=100, help_text=_("写到支行,例如 招商银行上海长宁支行")
    )
    account_name = forms.CharField(
        label=_("账户名称"), max_length=200, help_text=_("应与单位名称一致,银行据此核对收款人")
    )
    # Longer than the 32 digits stored: the separators typed are dropped by the service.
    account_number = forms.CharField(
        label=_("银行账号"),
        max_length=64,
        help_text=_("8至32位数字,可用空格或短横线分隔"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    bank_code = forms.CharField(
        label=_("开户行联行号"),
        max_length=24,
        help_text=_("12位数字(大额支付系统行号),可向开户银行查询"),
        error_messages={"required": _("请填写开户行联行号(12位数字),银行据此将款项汇入您的开户行。")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class DueFilterForm(forms.Form):
    """The batch page's filter: which due installments to list (one page at a time) or to take all of."""

    organization = forms.CharField(label=_("单位名称或信用代码"), max_length=100, required=False)
    item = forms.ChoiceField(label=_("预算科目"), required=False)
    year = forms.IntegerField(label=_("预算年度"), min_value=2000, max_value=2100, required=False)

    def __init__(self, *args, item_choices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", _("全部")), *item_choices]

    def filters(self) -> dict:
        """The valid filters as keyword arguments of selectors.due_installments ({} when none is valid)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"organization": data["organization"].strip(), "item_code": data["item"], "year": data["year"]}


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("退回理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class PaidForm(forms.Form):
    voucher_no = forms.CharField(label=_("凭证号"), max_length=60)
    paid_on = forms.DateField(label=_("拨付日期"), widget=forms.DateInput(attrs={"type": "date"}))


class FailedForm(forms.Form):
    reason = forms.CharField(label=_("失败原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

"""Forms of the yearly claim pages (年度兑现, disbursement/views/claims.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from changning_ai import materials


class ClaimForm(forms.Form):
    """The enterprise's claim for one year: that year's rent, its proof, and the office still in 长宁区."""

    annual_rent = forms.DecimalField(
        label=_("该年度自用办公房租(元)"), min_value=0, max_digits=14, decimal_places=2
    )
    rent_proof = forms.FileField(
        label=_("该年度房租发票及付款凭证"),
        required=False,
        help_text=_("PDF、JPG、PNG 或 OFD;退回修改时可不重新上传"),
    )
    office_address = forms.CharField(label=_("长宁区办公地址"), max_length=200)
    office_confirmed = forms.BooleanField(label=_("本单位确认该年度仍在长宁区自用办公"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rent_proof"].widget.attrs["accept"] = ",".join(materials.ALLOWED.values())


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("核查意见"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

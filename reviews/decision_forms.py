"""Forms of the decision, 一事一议, 公示 and objection pages.

They check shape only (a number, a choice, a required text); every rule about money, roles and
windows is the services' (reviews.services), which give the message the page shows.
(A module of its own so the intake/assignment/scoring forms can live beside it without a shared file.)
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.models import Application, Call
from policies.models import PolicyItem
from reviews.models import Override

YES, NO = "yes", "no"


def _money_field(label, *, required: bool, help_text="") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class DecisionForm(forms.Form):
    recommended = forms.ChoiceField(
        label=_("审定结果"),
        choices=[(YES, _("拟支持")), (NO, _("不予支持"))],
        widget=forms.RadioSelect,
    )
    amount = _money_field(
        _("拟支持金额(元)"),
        required=False,
        help_text=_("拟支持时必填,不得超过引擎计算的上限;不予支持时填 0 或留空。"),
    )
    reasons = forms.CharField(
        label=_("审定理由"),
        max_length=5000,
        help_text=_("将作为审定意见告知申报单位。"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    released_comments = forms.CharField(
        label=_("发布给申报单位的评审意见(汇总)"),
        required=False,
        max_length=10000,
        help_text=_("归纳整理后的专家意见,不得写入专家姓名或单项评分。"),
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def clean(self):
        data = super().clean()
        if data.get("recommended") == YES and not data.get("amount"):
            self.add_error("amount", _("拟支持时请填写大于 0 的金额。"))
        return data

    @property
    def is_recommended(self) -> bool:
        return self.cleaned_data["recommended"] == YES


class OverrideForm(forms.Form):
    amount = _money_field(_("一事一议金额(元)"), required=True, help_text=_("须高于引擎计算的上限。"))
    reason = forms.CharField(
        label=_("书面理由"),
        max_length=5000,
        help_text=_("说明一事一议 / 一企一策的依据(第十条第三款),须经另一位审定人员确认后生效。"),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    area = forms.ChoiceField(
        label=_("领域(第十条第三款)"),
        choices=Override.Area.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择一事一议所属的领域:载体建设、企业创新或环境建设(第十条第三款)。")
        },
    )
    impact = forms.CharField(
        label=_("对区域产业生态打造的重大影响"),
        max_length=5000,
        help_text=_("第十条第三款仅对区域产业生态打造有重大影响的事项适用一事一议,请具体说明,至少 30 个字。"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class OverrideConfirmForm(forms.Form):
    CONFIRM, REJECT = "confirm", "reject"
    action = forms.ChoiceField(
        label=_("确认意见"),
        choices=[(CONFIRM, _("确认")), (REJECT, _("不予确认"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("意见"),
        required=False,
        max_length=5000,
        help_text=_("不予确认时必填。"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class QuorumExceptionForm(forms.Form):
    reason = forms.CharField(
        label=_("评审意见不足仍须审定的理由"),
        max_length=5000,
        help_text=_("至少 20 个字:哪位专家为何未能提交、为何不能再等待。须经另一位审定人员确认后生效。"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PublishForm(forms.Form):
    # Each call's row posts its own id (a hidden input): the error summary names a wrong one without a link.
    call = forms.ModelChoiceField(
        label=_("申报批次"), queryset=Call.objects.none(), empty_label=None, widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["call"].queryset = Call.objects.order_by("-opens_at")


class ObjectionDecisionForm(forms.Form):
    UPHELD, DISMISSED = "upheld", "dismissed"
    outcome = forms.ChoiceField(
        label=_("处理结果"),
        choices=[(DISMISSED, _("异议不成立")), (UPHELD, _("异议成立,退回重新审定"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("处理意见"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


ANONYMOUS_REFUSED = _("不受理匿名异议:请填写真实姓名或单位名称,以及联系方式。")


class ObjectionForm(forms.Form):
    name = forms.CharField(
        label=_("姓名或单位名称"),
        max_length=100,
        error_messages={"required": ANONYMOUS_REFUSED},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact = forms.CharField(
        label=_("联系方式"),
        max_length=100,
        help_text=_("手机号码或电子邮箱,仅用于核实异议,不会公开。"),
        error_messages={"required": ANONYMOUS_REFUSED},
    )
    content = forms.CharField(
        label=_("异议内容和理由"),
        max_length=5000,
        error_messages={"required": _("请填写异议内容和理由。")},
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def clean_contact(self) -> str:
        from .services.notices import normalise_contact  # the service checks it again; one rule

        return normalise_contact(self.cleaned_data["contact"])


class QueueFilterForm(forms.Form):
    """The approver's queue: by call, item code and status; every field optional."""

    call = forms.ModelChoiceField(
        label=_("申报批次"), required=False, queryset=Call.objects.none(), empty_label=_("全部批次")
    )
    item = forms.ChoiceField(label=_("申报项目"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["call"].queryset = Call.objects.order_by("-opens_at")
        # By code: the same item keeps its code across rounds, and the queue spans calls.
        codes: dict[str, str] = {}
        for code, name in (
            PolicyItem.objects.filter(call_items__isnull=False)
            .order_by("sort_order", "code")
            .values_list("code", "name")
            .distinct()
        ):
            codes.setdefault(code, f"{code} {name}")
        self.fields["item"].choices = [("", _("全部项目")), *codes.items()]
        self.fields["status"].choices = [
            ("", _("全部状态")),
            *[
                (value, label)
                for value, label in Application.Status.choices
                if value != Application.Status.DRAFT
            ],
        ]

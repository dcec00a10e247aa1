"""Forms of the intake, assignment and scoring pages.

They check shape only (a choice, a number, a text's length); the rules — Article 2 before acceptance,
the USCC reason, half marks, the ceiling, who may be assigned — are the services' (reviews.services),
whose messages the views put beside the fields named here. (A module of its own beside
decision_forms.py, so the two stages share no file.)
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import AccessibleFormMixin
from accounts.models import User
from applications.models import Application, Call, CallItem
from changning_ai.forms import SubmitButtons, describe_field
from policies import rules
from policies.models import RubricCriterion

from .models import Assignment, IntakeCheck
from .selectors import INTAKE_STATUSES
from .services.intake import MaterialFinding
from .services.scoring import HALF_MARKS, ScoreSheet, is_half_mark

ACCEPT, RETURN, DECLINE = "accept", "return", "decline"
VERIFY_TYPE = "verify_type"  # the intake page's second form: 核实单位类型
DRAFT, SUBMIT = "draft", "submit"
NO_CONFLICT, CONFLICT = "no", "yes"


class IntakeFilterForm(AccessibleFormMixin, forms.Form):
    """The queue's filters, as plain GET parameters; no parameters means the submitted queue."""

    call = forms.ModelChoiceField(
        label=_("申报批次"),
        queryset=Call.objects.order_by("-year", "-opens_at"),
        required=False,
        empty_label=_("全部"),
    )
    item = forms.ChoiceField(label=_("申报项目"), required=False)
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[(s.value, s.label) for s in INTAKE_STATUSES] + [("", _("全部"))],
    )

    def __init__(self, data=None, *args, **kwargs) -> None:
        if data is not None and "status" not in data:
            data = data.copy()
            data["status"] = Application.Status.SUBMITTED
        super().__init__(data, *args, **kwargs)
        # One query: the items of any call, by code (the same code in two rounds is one choice).
        seen: dict[str, str] = {}
        for code, name in (
            CallItem.objects.order_by("item__sort_order", "item__code")
            .values_list("item__code", "item__name")
            .distinct()
        ):
            seen.setdefault(code, f"{code} {name}")
        self.fields["item"].choices = [("", _("全部")), *seen.items()]


class IntakeCheckForm(AccessibleFormMixin, forms.Form):
    """The checklist and one of three outcomes (the button pressed)."""

    registered_verified = forms.BooleanField(label=_("已核实:在长宁区依法设立(第二条)"), required=False)
    operating_verified = forms.BooleanField(label=_("已核实:经营状态正常(第二条)"), required=False)
    # 信用记录良好 is a recorded credit check (the ruling on Art. 2), not a tick: which register, which
    # day, what it said. Optional in the form: returning or declining may come before any check.
    credit_source = forms.ChoiceField(
        label=_("信用查询来源"),
        required=False,
        choices=[("", _("请选择")), *IntakeCheck.CreditSource.choices],
    )
    credit_checked_on = forms.DateField(
        label=_("信用查询日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    credit_result = forms.ChoiceField(
        label=_("信用查询结果"),
        required=False,
        choices=IntakeCheck.CreditResult.choices,
        widget=forms.RadioSelect,
        help_text=_("结果为“良好”方可受理。"),
    )
    uscc_override_reason = forms.CharField(
        label=_("统一社会信用代码核实说明"),
        required=False,
        max_length=2000,
        help_text=_("该代码未通过校验位检查。受理前请与营业执照原件或登记机关信息核对,写明核实方式和结果。"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reasons = forms.CharField(
        label=_("理由(退回补正或不予受理时必填)"),
        required=False,
        max_length=5000,
        help_text=_("申报单位将在办理进度中看到这些理由。"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    action = forms.ChoiceField(
        choices=[(ACCEPT, _("受理")), (RETURN, _("退回补正")), (DECLINE, _("不予受理"))],
        widget=SubmitButtons,
        error_messages={"required": _("请选择受理、退回补正或不予受理。")},
    )

    def __init__(self, *args, application: Application, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if application.organization.uscc_checksum_ok:
            del self.fields["uscc_override_reason"]
        # One row per material of the item: a status (radio) and its note (material_<code>[_note]).
        self.materials = list(application.item.materials.all())
        for material in self.materials:
            status, note = f"material_{material.code}", f"material_{material.code}_note"
            self.fields[status] = forms.ChoiceField(
                label=material.name,
                required=False,
                choices=IntakeCheck.MaterialStatus.choices,
                widget=forms.RadioSelect,
            )
            self.fields[note] = forms.CharField(
                label=_("说明(不适用的理由或需补正的内容)"),
                required=False,
                max_length=1000,
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
            )
            self._describe(status)
            self._describe(note)

    def material_rows(self) -> list[dict]:
        return [
            {
                "material": m,
                "status": self[f"material_{m.code}"],
                "note": self[f"material_{m.code}_note"],
            }
            for m in self.materials
        ]

    def clean(self) -> dict:
        data = super().clean()
        # The shape of a row: a material marked 不适用 or 需补正 says why. (Whether the row's status allows
        # 受理 is the service's rule.)
        for material in self.materials:
            status = data.get(f"material_{material.code}")
            note_name = f"material_{material.code}_note"
            if status == IntakeCheck.MaterialStatus.NOT_APPLICABLE and not data.get(note_name, "").strip():
                self.add_error(note_name, _("标为不适用的,请写明理由。"))
            elif status == IntakeCheck.MaterialStatus.DEFICIENT and not data.get(note_name, "").strip():
                self.add_error(note_name, _("标为需补正的,请写明需要补正的内容。"))
        return data

    def checklist(self) -> dict[str, object]:
        data = self.cleaned_data
        return {
            "materials": {
                m.code: MaterialFinding(data[f"material_{m.code}"], data[f"material_{m.code}_note"])
                for m in self.materials
                if data.get(f"material_{m.code}")
            },
            "registered_verified": data["registered_verified"],
            "operating_verified": data["operating_verified"],
            "credit_source": data["credit_source"],
            "credit_checked_on": data["credit_checked_on"],
            "credit_result": data["credit_result"],
        }


class TypeVerifyForm(forms.Form):
    """核实单位类型: what the officer saw (selectors.type_signature), so a type changed since is refused."""

    seen = forms.CharField(widget=forms.HiddenInput, max_length=500)


class ReviewerChoiceField(forms.ModelMultipleChoiceField):
    def clean(self, value):
        # An id beyond the database's integer range is no reviewer's; left in, Django's pk__in query makes
        # SQLite raise OverflowError (a 500) instead of the field's "not a valid choice".
        for pk in value if isinstance(value, list | tuple) else ():
            if str(pk).isdecimal() and len(str(pk)) > 18:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super().clean(value)

    def label_from_instance(self, user: User) -> str:
        return _("%(name)s(在审 %(n)d 件)") % {"name": user.display_name, "n": user.workload}


class AssignForm(AccessibleFormMixin, forms.Form):
    reviewers = ReviewerChoiceField(
        label=_("选择评审专家"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("按当前在审件数从少到多排列;申报单位的成员和已分配、已回避的专家不在其中。"),
        error_messages={"required": _("请选择至少一位评审专家。")},
    )

    def __init__(self, *args, candidates, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = candidates


class DeclarationForm(AccessibleFormMixin, forms.Form):
    conflict = forms.ChoiceField(
        label=_("利益冲突声明"),
        choices=[
            (NO_CONFLICT, _("本人与该申报单位不存在利益冲突,同意参加评审")),
            (CONFLICT, _("本人与该申报单位存在利益冲突,申请回避")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择是否存在利益冲突。")},
    )
    note = forms.CharField(
        label=_("说明(选填,仅审定人员可见)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class HalfMarkField(forms.CharField):
    """0–5 in half marks, chosen from a list; anything else (typed into the request) is refused."""

    default_error_messages = {"invalid": _("评分须为 0 至 5 分之间的半分值(0、0.5、1……5)。")}

    def __init__(self, **kwargs) -> None:
        choices = [("", _("请选择")), *((mark_text(v), mark_text(v)) for v in HALF_MARKS)]
        super().__init__(widget=forms.Select(choices=choices), required=False, **kwargs)

    def to_python(self, value) -> Decimal | None:
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            mark = Decimal(text)
        except InvalidOperation as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if not is_half_mark(mark):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return mark


def mark_text(value: Decimal) -> str:
    """4.0 → "4", 4.5 → "4.5": how a score is shown and posted."""
    return format(value.normalize(), "f")


class ScoreForm(AccessibleFormMixin, forms.Form):
    """One score and comment per criterion (fields score_<id>, comment_<id>), then the recommendation."""

    recommendation = forms.ChoiceField(
        label=_("评审建议"),
        required=False,
        choices=Assignment.Recommendation.choices,
        widget=forms.RadioSelect,
    )
    suggested_amount = forms.DecimalField(
        label=_("建议金额(元)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("支持或核减支持时必填,不得超过政策计算的上限;不支持时不填。"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    overall_comment = forms.CharField(
        label=_("综合意见"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 5})
    )
    action = forms.ChoiceField(
        choices=[(DRAFT, _("保存草稿")), (SUBMIT, _("提交评分"))], widget=SubmitButtons
    )

    def __init__(self, *args, criteria: list[RubricCriterion], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        fields = {}
        for criterion in criteria:
            # The criterion's name is the legend of its fieldset; the labels say which box is which.
            fields[f"score_{criterion.pk}"] = HalfMarkField(
                label=_("得分(权重 %(weight)s)") % {"weight": criterion.weight}
            )
            fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("意见"),
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        # The criteria first, in the rubric's order, then the rest.
        self.fields = {**fields, **self.fields}
        for name in fields:
            describe_field(self, name)

    def criterion_rows(self) -> list[dict]:
        return [
            {"criterion": c, "score": self[f"score_{c.pk}"], "comment": self[f"comment_{c.pk}"]}
            for c in self.criteria
        ]

    @property
    def submitting(self) -> bool:
        return self.cleaned_data.get("action") == SUBMIT

    def sheet(self) -> ScoreSheet:
        data = self.cleaned_data
        amount = data.get("suggested_amount")
        return ScoreSheet(
            scores={c.pk: data.get(f"score_{c.pk}") for c in self.criteria},
            comments={c.pk: data.get(f"comment_{c.pk}", "") for c in self.criteria},
            recommendation=data.get("recommendation", ""),
            suggested_fen=None if amount is None else rules.yuan_to_fen(amount),
            overall_comment=data.get("overall_comment", ""),
        )

    @staticmethod
    def initial_for(assignment: Assignment, scores: dict) -> dict[str, object]:
        initial: dict[str, object] = {
            "recommendation": assignment.recommendation,
            "suggested_amount": rules.fen_to_yuan(assignment.suggested_fen),
            "overall_comment": assignment.overall_comment,
        }
        for criterion_id, score in scores.items():
            initial[f"score_{criterion_id}"] = mark_text(score.value)
            initial[f"comment_{criterion_id}"] = score.comment
        return initial

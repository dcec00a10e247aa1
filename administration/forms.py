"""Forms of the administrators' pages: the shape of the input; administration.services decides and saves."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import AccessibleFormMixin, PasswordPairForm
from accounts.models import SecurityPolicy
from accounts.roles import Role

from .services import AccountKind

YES_NO_ANY = [("", _("全部")), ("yes", _("是")), ("no", _("否"))]


def yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class UserFilterForm(AccessibleFormMixin, forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        help_text=_("姓名、用户名、邮箱或手机号的一部分。"),
    )
    active = forms.ChoiceField(label=_("已启用"), choices=YES_NO_ANY, required=False)
    staff = forms.ChoiceField(label=_("工作人员账户"), choices=YES_NO_ANY, required=False)


class UserCreateForm(PasswordPairForm):
    field_order = ["kind", "username", "name", "email", "mobile", "password", "password2"]

    kind = forms.ChoiceField(
        label=_("账户类型"),
        choices=[
            (AccountKind.STAFF, _("工作人员(角色由安全管理员授予)")),
            (AccountKind.ENTERPRISE, _("企业用户(申报单位用户)")),
        ],
        widget=forms.RadioSelect,
    )
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        help_text=_("登录名,创建后不能修改;不能是邮箱地址或手机号码。"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    name = forms.CharField(label=_("姓名"), max_length=150, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False, max_length=254)
    mobile = forms.CharField(label=_("手机号码"), required=False, max_length=20)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        rules = self.fields["password"].help_text
        self.set_field_text(
            "password",
            label=_("初始密码"),
            help_text=f"{rules} {_('请通过安全途径告知本人;本人首次登录时须修改。')}".strip(),
        )
        self.set_field_text("password2", label=_("确认初始密码"))


class UserEditForm(AccessibleFormMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=150, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False, max_length=254)
    mobile = forms.CharField(label=_("手机号码"), required=False, max_length=20)


class RoleFilterForm(AccessibleFormMixin, forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        help_text=_("姓名、用户名、邮箱或手机号的一部分。"),
    )
    role = forms.ChoiceField(label=_("角色"), choices=[("", _("全部")), *Role.choices], required=False)


class RoleForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("角色"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "系统管理员、安全管理员、审计管理员只能单独授予,不能与其他角色同时授予。不选任何角色即收回全部角色。"
        ),
    )


class PasswordPolicyForm(AccessibleFormMixin, forms.ModelForm):
    """SecurityPolicy.clean() (run by the ModelForm) refuses anything looser than the 等级保护 floor."""

    class Meta:
        model = SecurityPolicy
        fields = ["password_min_length", "password_min_classes", "staff_password_max_age_days"]


class UnlockForm(forms.Form):
    username = forms.CharField(max_length=255)

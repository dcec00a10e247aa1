"""Forms of the account pages. They check the shape of the input; the services decide and save."""

import unicodedata

from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from changning_ai.forms import describe_field

from .models import (
    Organization,
    User,
    normalize_email,
    normalize_mobile,
    normalize_uscc,
    parse_identifier,
    uscc_checksum_fails,
    validate_mobile,
)
from .password_validation import password_rules_text

YES_NO = [("", _("请选择")), ("True", _("是")), ("False", _("否"))]


class AccessibleFormMixin:
    """Each input names its message (id <input id>_error) and help text, and says when it is invalid."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in self.fields:
            self._describe(name)

    def _describe(self, name: str) -> None:
        describe_field(self, name)

    def set_field_text(self, name: str, *, label=None, help_text=None) -> None:
        """Change a label or help text after __init__ (the bound field built above has copied them)."""
        field = self.fields[name]
        if label is not None:
            field.label = label
        if help_text is not None:
            field.help_text = help_text
        self._bound_fields_cache.pop(name, None)
        self._describe(name)

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"

    def add_service_error(self, error: ValidationError) -> None:
        """Put a service's ValidationError beside the fields it names, the rest above the form."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, error)


class PasswordPairForm(AccessibleFormMixin, forms.Form):
    """A new password typed twice, judged by the rules in force (sign-up, and accounts an administrator
    creates). Subclasses put their own fields first with field_order."""

    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("确认密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The rules as the security administrator set them (SecurityPolicy), not as they were at import.
        self.set_field_text("password", help_text=password_rules_text())

    def clean(self) -> dict:
        cleaned = super().clean()
        if (
            cleaned.get("password")
            and cleaned.get("password2")
            and cleaned["password"] != cleaned["password2"]
        ):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return cleaned


class SignupForm(PasswordPairForm):
    field_order = ["identifier", "name", "password", "password2"]

    identifier = forms.CharField(
        label=_("手机号或邮箱"),
        max_length=254,
        help_text=_("中国大陆11位手机号码(将收到短信验证码),或电子邮箱地址。"),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    name = forms.CharField(
        label=_("姓名(选填)"),
        max_length=150,
        required=False,
        help_text=_("单位管理员审核加入申请时看到的姓名。"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def clean_identifier(self) -> str:
        parse_identifier(self.cleaned_data["identifier"])  # the message beside the field, early
        return self.cleaned_data["identifier"]


class LoginForm(AccessibleFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _("手机号/邮箱或密码不正确,请重新输入。"),
        "inactive": _("该账户已停用,请联系区科委。"),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("手机号或邮箱")
        self.fields["username"].max_length = 254
        self.fields["username"].widget.attrs["maxlength"] = 254
        self.fields["password"].label = _("密码")

    def clean(self):
        # An account that failed often from anywhere waits before its password is checked again
        # (accounts.security.login_delay): refused here, the attempt is neither checked nor counted.
        from axes.handlers.proxy import AxesProxyHandler

        from .security import axes_username, login_delay

        credentials = {"username": self.cleaned_data.get("username", "")}
        account = axes_username(self.request, credentials)
        wait = login_delay(account)
        # A client locked for this account gets the lock page (axes, in authenticate), not the wait.
        if wait and not AxesProxyHandler.is_locked(self.request, credentials):
            raise ValidationError(
                _("该账户近期登录失败次数较多,为防止密码被猜测,请 %(n)d 秒后再试。") % {"n": wait},
                code="slowed_down",
            )
        return super().clean()


class UnlockRequestForm(AccessibleFormMixin, forms.Form):
    username = forms.CharField(label=_("手机号或邮箱"), max_length=254)


class UnlockCodeForm(AccessibleFormMixin, forms.Form):
    """A locked owner with a second factor lifts the lock with a code of their authenticator app."""

    username = forms.CharField(label=_("手机号或邮箱"), max_length=254)
    code = forms.CharField(
        label=_("验证码"),
        max_length=20,
        help_text=_("身份验证器 App 显示的 6 位数字,或一个恢复码。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false", "size": 12}),
    )


class EmailPasswordResetForm(AccessibleFormMixin, PasswordResetForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("注册邮箱")

    def save(self, *args, **kwargs) -> None:
        # Every request is recorded with the address typed (issue 14), whether or not an account has it:
        # a run of them against one person is visible; the page itself still says the same either way.
        from audit import services as audit

        audit.record("password_reset_requested", username=self.cleaned_data["email"][:150])
        super().save(*args, **kwargs)


class OrganizationForm(AccessibleFormMixin, forms.ModelForm):
    """Create: every field. The services own uniqueness, so the form does not check it."""

    registered_in_changning = forms.TypedChoiceField(
        label=_("是否在长宁区依法设立(注册)"),
        choices=YES_NO,
        coerce=lambda value: value == "True",
    )
    # Wider than the stored 18 characters: "9131 0105 …" with spaces is accepted and compacted.
    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=40,
        help_text=_("18位,见营业执照。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    # Only for a code whose check digit fails: some real codes do (issue 4); intake verifies them.
    uscc_checksum_confirmed = forms.BooleanField(
        label=_("我确认该代码与营业执照一致(校验位未通过,将由受理人员核实)"),
        required=False,
        help_text=_("仅当代码与营业执照完全一致、但系统提示校验位不正确时勾选。"),
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "uscc",
            "registered_address",
            "registered_in_changning",
            "operating_status",
            "credit_status",
            "legal_representative",
            "contact_name",
            "contact_phone",
            *Organization.TYPE_FIELDS,
        ]
        help_texts = {
            "org_type": _("申报仅限企业等特定类型单位的项目前须填写;区科委受理时核实。"),
            "is_sme": _("按工信部《中小企业划型标准规定》属于中型、小型或微型。"),
            "tech_sme_number": _("科技型中小企业评价入库后取得的编号。"),
        }

    # Filled in by the registrant; the model leaves them blank-able for records made by staff.
    required_fields = ("registered_address", "legal_representative", "contact_name", "contact_phone")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in self.required_fields:
            if name in self.fields:
                self.fields[name].required = True
        if "uscc_checksum_confirmed" in self.fields:
            # Right below the code it confirms, not at the end of the form.
            order = list(self.fields)
            order.remove("uscc_checksum_confirmed")
            order.insert(order.index("uscc") + 1, "uscc_checksum_confirmed")
            self.order_fields(order)

    def clean_uscc(self) -> str:
        return normalize_uscc(self.cleaned_data["uscc"])

    @property
    def offers_checksum_confirmation(self) -> bool:
        """The box is shown once a typed code fails only its check digit (or was already ticked)."""
        if not self.is_bound or "uscc_checksum_confirmed" not in self.fields:
            return False
        return uscc_checksum_fails(normalize_uscc(self.data.get("uscc", ""))) or bool(
            self.data.get("uscc_checksum_confirmed")
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("uscc_checksum_confirmed") and uscc_checksum_fails(cleaned.get("uscc", "")):
            # The model then accepts the failing check digit (Organization.clean).
            self.instance.uscc_checksum_ok = False
        return cleaned

    def validate_unique(self) -> None:
        # services.create_organization refuses a registered USCC with the masked-contact message.
        pass


class OrganizationProfileForm(OrganizationForm):
    """Edit: the USCC is not a field, so it cannot be changed (services refuse it too)."""

    uscc = None  # removes the field declared on OrganizationForm
    uscc_checksum_confirmed = None

    class Meta(OrganizationForm.Meta):
        fields = [name for name in OrganizationForm.Meta.fields if name != "uscc"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and (
            self.instance.identity_verified
            or self.instance.identity_status == Organization.IdentityStatus.PENDING
        ):
            # Verified (or being verified) by 区科委: a change goes through the identity page.
            del self.fields["name"]


class IdentityForm(AccessibleFormMixin, forms.Form):
    """The 营业执照 and the stamped 授权委托书; once verified, also the changed name or code."""

    licence = forms.FileField(
        label=_("营业执照"),
        required=False,
        help_text=_("营业执照扫描件或照片(PDF、JPG、PNG、OFD)。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.ofd"}),
    )
    letter = forms.FileField(
        label=_("授权委托书"),
        required=False,
        help_text=_("法定代表人授权您为本单位管理员的委托书,须加盖单位公章。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.ofd"}),
    )
    new_name = forms.CharField(label=_("变更后的单位名称"), max_length=200, required=False)
    new_uscc = forms.CharField(
        label=_("变更后的统一社会信用代码"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not organization.identity_verified:
            # Before the first verification 区科委 checks the name and code on the profile.
            del self.fields["new_name"]
            del self.fields["new_uscc"]


class JoinForm(AccessibleFormMixin, forms.Form):
    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=40,
        help_text=_("要加入的单位的统一社会信用代码(18位,见营业执照)。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class NewPasswordForm(AccessibleFormMixin, SetPasswordForm):
    """The password reset link's form: Django's, with the messages beside the fields."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.set_field_text("new_password1", label=_("新密码"), help_text=password_rules_text())
        self.set_field_text("new_password2", label=_("确认新密码"), help_text="")


class PortalPasswordChangeForm(AccessibleFormMixin, PasswordChangeForm):
    """Change one's own password: the current one, then the new one twice (validate_password applies)."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": _("当前密码不正确,请重新输入。"),
        "password_mismatch": _("两次输入的新密码不一致。"),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.set_field_text("old_password", label=_("当前密码"))
        self.set_field_text("new_password1", label=_("新密码"), help_text=password_rules_text())
        self.set_field_text("new_password2", label=_("确认新密码"), help_text="")

    def clean(self) -> dict:
        cleaned = super().clean()
        old, new = cleaned.get("old_password"), cleaned.get("new_password1")
        if old and new and old == new:
            self.add_error("new_password1", _("新密码不能与当前密码相同。"))
        return cleaned


class CodeForm(AccessibleFormMixin, forms.Form):
    """The second factor: the 6-digit code of the authenticator app, or (at login) a recovery code."""

    code = forms.CharField(
        label=_("验证码"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false", "size": 12}
        ),
    )

    def __init__(self, *args, recovery: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if recovery:
            help_text = _("请输入身份验证器 App 显示的 6 位数字;手机不在身边时,可输入一个恢复码。")
        else:
            help_text = _("请输入身份验证器 App 显示的 6 位数字。")
            self.fields["code"].widget.attrs["inputmode"] = "numeric"
        self.set_field_text("code", help_text=help_text)


class ReauthForm(AccessibleFormMixin, forms.Form):
    """Before a sensitive action: the password again, and the code for someone with a second factor."""

    password = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    code = forms.CharField(
        label=_("验证码"),
        max_length=20,
        help_text=_("身份验证器 App 显示的 6 位数字,或一个恢复码。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false", "size": 12}),
    )

    def __init__(self, *args, needs_code: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not needs_code:
            del self.fields["code"]


class PreferencesForm(AccessibleFormMixin, forms.Form):
    notify_channel = forms.ChoiceField(
        label=_("通知方式"), choices=User.NotifyChannel.choices, widget=forms.RadioSelect
    )
    email_digest = forms.BooleanField(
        label=_("每日汇总邮件"),
        required=False,
        help_text=_("每天一封汇总当天未读消息的邮件,代替逐条通知邮件。"),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not user.is_staff:
            del self.fields["email_digest"]  # the digest is for staff (issue 6)


# ---------------------------------------------------------------- verification codes (SMS, e-mail)


class VerificationCodeField(forms.CharField):
    """Six digits as a phone shows them; full-width digits and spaces typed by an input method are
    accepted, anything else is refused beside the field."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("验证码"))
        kwargs.setdefault("help_text", _("短信或邮件中的6位数字,5分钟内有效。"))
        super().__init__(
            max_length=12,
            widget=forms.TextInput(
                attrs={
                    "autocomplete": "one-time-code",
                    "inputmode": "numeric",
                    "size": 8,
                    "spellcheck": "false",
                }
            ),
            **kwargs,
        )

    def clean(self, value):
        value = super().clean(value)
        value = "".join(unicodedata.normalize("NFKC", value).split())
        if not (len(value) == 6 and value.isascii() and value.isdigit()):
            raise ValidationError(_("请输入6位数字验证码。"), code="code_shape")
        return value


class MobileForm(AccessibleFormMixin, forms.Form):
    mobile = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        help_text=_("注册时使用的中国大陆11位手机号码。"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_mobile(self) -> str:
        mobile = normalize_mobile(self.cleaned_data["mobile"])
        validate_mobile(mobile)
        return mobile


class CodeOnlyForm(AccessibleFormMixin, forms.Form):
    code = VerificationCodeField()


class SmsPasswordResetForm(PasswordPairForm):
    field_order = ["code", "password", "password2"]

    code = VerificationCodeField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.set_field_text("password", label=_("新密码"))
        self.set_field_text("password2", label=_("确认新密码"))


class EmailForm(AccessibleFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("电子邮箱"),
        max_length=254,
        error_messages={"invalid": _("邮箱地址无效,请检查后重新填写。")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])

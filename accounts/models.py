import re

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumValidationError

from .roles import Role


def validate_uscc(value: str) -> None:
    """统一社会信用代码 (GB 32100-2015), checked by python-stdnum, never by hand."""
    try:
        stdnum_uscc.validate(value)
    except StdnumValidationError as exc:
        raise ValidationError(
            _("统一社会信用代码“%(value)s”无效:应为18位,且校验位正确。"),
            code="invalid_uscc",
            params={"value": value},
        ) from exc


def uscc_checksum_fails(value: str) -> bool:
    """Well-formed — 18 characters of the USCC alphabet — but the check digit does not match.

    Some real, registered codes are like this; such an organisation may be created only when its
    administrator confirms the code against the licence, and an intake officer verifies it (issue 4).
    """
    try:
        stdnum_uscc.validate(value or "")
    except InvalidChecksum:
        return True
    except StdnumValidationError:
        return False
    return False


def validate_uscc_form(value: str) -> None:
    """The field's validator: the shape of a USCC. Organization.clean() checks the check digit
    unless the row records that it fails (uscc_checksum_ok=False)."""
    if not uscc_checksum_fails(value):
        validate_uscc(value)


def normalize_uscc(value: str) -> str:
    """Spaces and hyphens dropped, letters upper-cased: the one form stored and compared."""
    return stdnum_uscc.compact(value or "")


# Mainland mobile numbers: 11 digits, 1 then 3–9 (no number range starts 10, 11 or 12).
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
DUPLICATE_IDENTIFIER_MESSAGE = _("该手机号/邮箱已注册,请直接登录或找回密码")


def normalize_mobile(value: str) -> str:
    """Separators and a +86 prefix dropped, so "138-0013-8000" and "+86 13800138000" are one number."""
    compact = re.sub(r"[\s\-()]", "", value or "")
    if compact.startswith("+86"):
        compact = compact[3:]
    return compact


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.match(value):
        raise ValidationError(
            _("手机号码“%(value)s”无效:应为以1开头的11位中国大陆手机号码。"),
            code="invalid_mobile",
            params={"value": value},
        )


def normalize_email(value: str) -> str:
    """The whole address lower-cased: mailbox names are case-insensitive in practice, and one
    person must not hold two accounts as Wang@… and wang@…."""
    return (value or "").strip().lower()


def parse_identifier(value: str) -> tuple[str, str]:
    """A sign-up or login name as ("email" | "mobile", normalised value); ValidationError if neither."""
    value = (value or "").strip()
    if "@" in value:
        email = normalize_email(value)
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationError(
                _("邮箱地址“%(value)s”无效,请检查后重新填写。"), code="invalid_email", params={"value": value}
            ) from exc
        return "email", email
    mobile = normalize_mobile(value)
    if not mobile:
        raise ValidationError(_("请填写手机号或邮箱。"), code="required")
    validate_mobile(mobile)
    return "mobile", mobile


class User(AbstractUser):
    """The portal's user; custom from the first migration so fields can be added later."""

    mobile = models.CharField(_("手机号码"), max_length=20, blank=True, validators=[validate_mobile])

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            # Email and mobile are login names (accounts.backends), so each belongs to one user.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_unique_email_ci",
                violation_error_message=DUPLICATE_IDENTIFIER_MESSAGE,
            ),
            models.UniqueConstraint(
                fields=["mobile"],
                condition=~models.Q(mobile=""),
                name="user_unique_mobile",
                violation_error_message=DUPLICATE_IDENTIFIER_MESSAGE,
            ),
        ]

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)
        self.mobile = normalize_mobile(self.mobile)

    @property
    def display_name(self) -> str:
        """What the header shows: the name if given, else the login the user chose."""
        return self.get_full_name() or self.email or self.mobile or self.username

    def has_role(self, role: Role) -> bool:
        return self.groups.filter(name=role.value).exists()

    @property
    def role_names(self) -> list[str]:
        return sorted(self.groups.values_list("name", flat=True))


class Organization(models.Model):
    """The applying unit (申报单位), identified by its 统一社会信用代码 (Art. 2)."""

    class OperatingStatus(models.TextChoices):
        # 存续/在业 are the normal states of the business register; the rest fail Art. 2.
        ACTIVE = "active", _("存续(在业)")
        SUSPENDED = "suspended", _("停业")
        REVOKED = "revoked", _("吊销")
        CANCELLED = "cancelled", _("注销")
        MOVED_OUT = "moved_out", _("迁出")

    class CreditStatus(models.TextChoices):
        GOOD = "good", _("良好")
        SERIOUS_DISHONEST = "serious_dishonest", _("列入严重失信名单")

    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc_form]
    )
    uscc_checksum_ok = models.BooleanField(
        _("统一社会信用代码校验位正确"),
        default=True,
        help_text=_("未通过校验位检查的代码须由申报单位确认与营业执照一致,并由受理人员核实后方可受理。"),
    )
    name = models.CharField(_("单位名称"), max_length=200)
    registered_address = models.CharField(_("注册地址"), max_length=300, blank=True)
    registered_in_changning = models.BooleanField(_("在长宁区依法设立"), default=False)
    operating_status = models.CharField(
        _("经营状态"), max_length=20, choices=OperatingStatus.choices, default=OperatingStatus.ACTIVE
    )
    credit_status = models.CharField(
        _("信用状况"), max_length=20, choices=CreditStatus.choices, default=CreditStatus.GOOD
    )
    legal_representative = models.CharField(_("法定代表人"), max_length=100, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=100, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    members = models.ManyToManyField(User, through="Membership", related_name="organizations")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("申报单位")
        verbose_name_plural = _("申报单位")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}({self.uscc})"

    def clean(self) -> None:
        self.uscc = normalize_uscc(self.uscc)
        if not uscc_checksum_fails(self.uscc):
            # The flag is False only for a code that really fails; a correct code clears it.
            self.uscc_checksum_ok = True
        elif self.uscc_checksum_ok:
            try:
                validate_uscc(self.uscc)
            except ValidationError as exc:
                raise ValidationError({"uscc": exc.error_list}) from exc

    def article2_facts(self) -> dict[str, object]:
        """The Art. 2 facts in the shape the rules engine reads."""
        return {
            "registered_in_changning": self.registered_in_changning,
            "operating_normally": self.operating_status == self.OperatingStatus.ACTIVE,
            "credit_good": self.credit_status == self.CreditStatus.GOOD,
        }


class Membership(models.Model):
    """A user acting for an organisation; the organisation's administrator approves new members."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("已拒绝")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    is_admin = models.BooleanField(_("单位管理员"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("单位成员")
        verbose_name_plural = _("单位成员")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_user_org"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"

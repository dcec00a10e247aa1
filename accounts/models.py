from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc as stdnum_uscc
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


def normalize_uscc(value: str) -> str:
    return stdnum_uscc.compact(value or "")


class User(AbstractUser):
    """The portal's user; custom from the first migration so fields can be added later."""

    mobile = models.CharField(_("手机号码"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

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

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc])
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

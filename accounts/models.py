import re
import unicodedata
import uuid
from pathlib import PurePosixPath

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.validators import validate_email
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumValidationError

from .applicant_types import OrgFlag, OrgType
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

    class NotifyChannel(models.TextChoices):
        # Every channel writes the inbox row (the record of what the portal said); "email only" writes it
        # already read, so the header's unread count does not nag about what already came by e-mail.
        BOTH = "both", _("站内消息和邮件")
        INBOX = "inbox", _("仅站内消息")
        EMAIL = "email", _("仅邮件")

    mobile = models.CharField(_("手机号码"), max_length=20, blank=True, validators=[validate_mobile])
    notify_channel = models.CharField(
        _("通知方式"), max_length=10, choices=NotifyChannel.choices, default=NotifyChannel.BOTH
    )
    email_digest = models.BooleanField(
        _("每日汇总邮件"),
        default=False,
        help_text=_("每天一封汇总邮件,代替逐条通知邮件(供工作人员选择)。"),
    )
    # Staff passwords expire (STAFF_PASSWORD_MAX_AGE_DAYS); set whenever the password is set.
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # An initial password an administrator chose (and told the person): changed at the first login.
    must_change_password = models.BooleanField(_("首次登录须修改密码"), default=False)
    # When the person proved they read the address (a code sent to it). Blank for an address typed at
    # sign-up and never confirmed, and for accounts from before codes existed.
    email_verified_at = models.DateTimeField(_("邮箱验证时间"), null=True, blank=True)
    mobile_verified_at = models.DateTimeField(_("手机号验证时间"), null=True, blank=True)

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

    def set_password(self, raw_password) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()
        self.must_change_password = False

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


def normalize_legal_name(value: str) -> str:
    """A legal name as compared with a payee's account name: full-width forms as ASCII (NFKC turns
    "（" into "("), and no whitespace, which a bank or a typist adds or drops freely."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or ""))


def private_storage():
    # The licence and the letter of authority are personal data: never under the web root, served only
    # by a permission-checked view (the same storage as the application materials).
    return storages["private"]


def identity_document_path(instance: "Organization", filename: str) -> str:
    # Renamed on disk: the uploader's file name is never trusted as a path.
    suffix = PurePosixPath(filename).suffix.lower()[:6]
    return f"organizations/{instance.pk}/{uuid.uuid4().hex}{suffix}"


class Organization(models.Model):
    """The applying unit (申报单位), identified by its 统一社会信用代码 (Art. 2)."""

    class IdentityStatus(models.TextChoices):
        # Whether 区科委 has seen the 营业执照 and the stamped 授权委托书 of the first administrator
        # (issue 14, finding 4). An organisation applies only once its identity is verified.
        UNSUBMITTED = "unsubmitted", _("未提交")
        PENDING = "pending", _("待核验")
        VERIFIED = "verified", _("已核验")
        RETURNED = "returned", _("退回")

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
    # 经营异常名录 (the register's list of abnormal operation): not in good standing (ruling on Art. 2).
    in_abnormal_list = models.BooleanField(_("列入经营异常名录"), default=False)

    # Who may apply, by item (the rulings of 2026-12-02): the type and flags the organisation's administrator
    # records and 区科委 verifies at intake. Blank type = not yet recorded.
    org_type = models.CharField(_("单位类型"), max_length=30, choices=OrgType.choices, blank=True)
    is_sme = models.BooleanField(_("中小型单位(工信部划型标准)"), default=False)
    is_tech_sme = models.BooleanField(_("科技型中小企业"), default=False)
    tech_sme_number = models.CharField(_("科技型中小企业入库编号"), max_length=40, blank=True)
    is_incubator = models.BooleanField(_("科技企业孵化器"), default=False)
    is_hq_incubator = models.BooleanField(_("高质量(培育)孵化器"), default=False)
    is_science_park = models.BooleanField(_("大学科技园"), default=False)
    is_new_rnd_institution = models.BooleanField(_("新型研发机构"), default=False)
    type_verified_at = models.DateTimeField(_("类型核实时间"), null=True, blank=True)
    type_verified_by = models.ForeignKey(
        User, verbose_name=_("类型核实人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    legal_representative = models.CharField(_("法定代表人"), max_length=100, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=100, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    members = models.ManyToManyField(User, through="Membership", related_name="organizations")
    created_at = models.DateTimeField(auto_now_add=True)

    # Identity (身份核验). `name` and `uscc` are the ones in force; once verified they change only through a
    # change request (requested_*) that 区科委 verifies, so the verified name stays in force meanwhile.
    identity_status = models.CharField(
        _("身份核验状态"),
        max_length=12,
        choices=IdentityStatus.choices,
        default=IdentityStatus.UNSUBMITTED,
    )
    identity_return_reason = models.TextField(_("退回原因"), blank=True)
    verified_name = models.CharField(
        _("已核验的单位名称"), max_length=200, blank=True, help_text=_("区科委核验营业执照后确认的名称。")
    )
    identity_verified_at = models.DateTimeField(_("身份核验时间"), null=True, blank=True)
    identity_verified_by = models.ForeignKey(
        User, verbose_name=_("身份核验人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_name = models.CharField(_("申请变更的单位名称"), max_length=200, blank=True)
    requested_uscc = models.CharField(_("申请变更的统一社会信用代码"), max_length=18, blank=True)
    identity_submitted_at = models.DateTimeField(_("提交核验时间"), null=True, blank=True)
    identity_submitted_by = models.ForeignKey(
        User, verbose_name=_("提交核验人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    business_licence = models.FileField(
        _("营业执照"), storage=private_storage, upload_to=identity_document_path, max_length=200, blank=True
    )
    business_licence_type = models.CharField(max_length=60, blank=True)
    authorization_letter = models.FileField(
        _("授权委托书"), storage=private_storage, upload_to=identity_document_path, max_length=200, blank=True
    )
    authorization_letter_type = models.CharField(max_length=60, blank=True)

    class Meta:
        verbose_name = _("申报单位")
        verbose_name_plural = _("申报单位")
        ordering = ["name"]
        constraints = [
            # A verified organisation always has the name 区科委 verified (the payee check compares with it).
            models.CheckConstraint(
                condition=~models.Q(identity_status="verified") | ~models.Q(verified_name=""),
                name="organization_verified_has_name",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.uscc})"

    def clean(self) -> None:
        self.tech_sme_number = (self.tech_sme_number or "").strip()
        if self.is_tech_sme and not self.tech_sme_number:
            raise ValidationError({"tech_sme_number": _("科技型中小企业请填写入库编号。")})
        if self.tech_sme_number and not self.is_tech_sme:
            raise ValidationError({"is_tech_sme": _("填写了入库编号,请勾选“科技型中小企业”。")})
        self.uscc = normalize_uscc(self.uscc)
        if not uscc_checksum_fails(self.uscc):
            # The flag is False only for a code that really fails; a correct code clears it.
            self.uscc_checksum_ok = True
        elif self.uscc_checksum_ok:
            try:
                validate_uscc(self.uscc)
            except ValidationError as exc:
                raise ValidationError({"uscc": exc.error_list}) from exc

    # Each flag (the engine reads them as org_flags) and its field, in the order of OrgFlag.
    FLAG_FIELDS = {
        OrgFlag.SME: "is_sme",
        OrgFlag.TECH_SME: "is_tech_sme",
        OrgFlag.INCUBATOR: "is_incubator",
        OrgFlag.HQ_INCUBATOR: "is_hq_incubator",
        OrgFlag.SCIENCE_PARK: "is_science_park",
        OrgFlag.NEW_RND_INSTITUTION: "is_new_rnd_institution",
    }
    # What the administrator records and 区科委 verifies, in the order the form asks it.
    TYPE_FIELDS = (
        "org_type",
        "is_sme",
        "is_tech_sme",
        "tech_sme_number",
        "is_incubator",
        "is_hq_incubator",
        "is_science_park",
        "is_new_rnd_institution",
    )

    @property
    def identity_verified(self) -> bool:
        """区科委 has verified a name and code; a pending change request leaves the old ones in force."""
        return bool(self.verified_name)

    @property
    def change_requested(self) -> bool:
        return bool(self.requested_name or self.requested_uscc)

    def payee_name_matches(self, account_name: str) -> bool:
        """A 对公账户 is in the organisation's verified name; an unverified organisation has none to match."""
        return self.identity_verified and normalize_legal_name(account_name) == normalize_legal_name(
            self.verified_name
        )

    @property
    def flags(self) -> tuple[str, ...]:
        return tuple(flag for flag, name in self.FLAG_FIELDS.items() if getattr(self, name))

    @property
    def type_recorded(self) -> bool:
        return bool(self.org_type)

    def article2_facts(self) -> dict[str, object]:
        """The Art. 2 facts in the shape the rules engine reads."""
        return {
            "registered_in_changning": self.registered_in_changning,
            "operating_normally": self.operating_status == self.OperatingStatus.ACTIVE,
            "credit_good": self.credit_status == self.CreditStatus.GOOD,
            "in_abnormal_list": self.in_abnormal_list,
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


class Notification(models.Model):
    """One message in a user's inbox. (recipient, event, key) is the idempotency key: the same event about
    the same object reaches the same person once, however often the service or the task runs."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(_("事件"), max_length=64)
    key = models.CharField(_("对象"), max_length=100)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event", "key"], name="notification_once_per_event"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.subject


class Delivery(models.Model):
    """One e-mail: of a notification, of a daily digest, or to an address without an account.

    The row is written in the caller's transaction and sent by accounts.tasks.deliver_email after commit;
    it records what was sent, when and what failed (the delivery log)."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("邮件")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    recipient = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    # For deliveries without a notification (digests, addresses without an account): the idempotency key.
    dedupe_key = models.CharField(max_length=200, blank=True)
    event = models.CharField(_("事件"), max_length=64)
    address = models.EmailField(_("收件地址"))
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"],
                condition=models.Q(notification__isnull=False),
                name="delivery_once_per_notification_channel",
            ),
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=~models.Q(dedupe_key=""), name="delivery_unique_dedupe_key"
            ),
            models.CheckConstraint(
                condition=models.Q(notification__isnull=False) | ~models.Q(dedupe_key=""),
                name="delivery_has_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.address}"

    @property
    def masked_address(self) -> str:
        """wa***@example.com: enough for an administrator to tell deliveries apart, not to harvest."""
        local, _sep, domain = self.address.partition("@")
        return f"{local[:2]}***@{domain}" if domain else "***"


class SecurityPolicy(models.Model):
    """The password and lockout policy the security administrator manages (三权分立). One row.

    The settings give the floor of 等级保护 level 3; the administrator may only tighten it, never loosen it
    (the checks in clean() and the validators both apply the floor)."""

    password_min_length = models.PositiveSmallIntegerField(_("密码最短长度"), default=8)
    password_min_classes = models.PositiveSmallIntegerField(
        _("密码至少包含的字符类别数"),
        default=3,
        help_text=_("大写字母、小写字母、数字、符号四类中至少几类。"),
    )
    staff_password_max_age_days = models.PositiveSmallIntegerField(_("工作人员密码有效期(天)"), default=90)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    FLOOR_MIN_LENGTH = 8
    FLOOR_MIN_CLASSES = 3
    CEILING_MAX_AGE_DAYS = 90

    class Meta:
        verbose_name = _("密码策略")
        verbose_name_plural = _("密码策略")

    def __str__(self) -> str:
        return str(_("密码策略"))

    def clean(self) -> None:
        errors = {}
        if self.password_min_length < self.FLOOR_MIN_LENGTH:
            errors["password_min_length"] = _("不得低于 %(n)d 位(等级保护要求)。") % {
                "n": self.FLOOR_MIN_LENGTH
            }
        if not self.FLOOR_MIN_CLASSES <= self.password_min_classes <= 4:
            errors["password_min_classes"] = _("应在 %(n)d 到 4 之间。") % {"n": self.FLOOR_MIN_CLASSES}
        if not 1 <= self.staff_password_max_age_days <= self.CEILING_MAX_AGE_DAYS:
            errors["staff_password_max_age_days"] = _("应在 1 到 %(n)d 天之间。") % {
                "n": self.CEILING_MAX_AGE_DAYS
            }
        if errors:
            raise ValidationError(errors)

    @classmethod
    def current(cls) -> "SecurityPolicy":
        """The row (created with the floor values if missing), never looser than the floor."""
        policy = cls.objects.filter(pk=1).first() or cls.objects.get_or_create(pk=1)[0]
        policy.password_min_length = max(policy.password_min_length, cls.FLOOR_MIN_LENGTH)
        policy.password_min_classes = min(4, max(policy.password_min_classes, cls.FLOOR_MIN_CLASSES))
        policy.staff_password_max_age_days = min(
            max(policy.staff_password_max_age_days, 1), cls.CEILING_MAX_AGE_DAYS
        )
        return policy


class VerificationCode(models.Model):
    """A 6-digit code sent to a mobile number (SMS) or an e-mail address, to prove the person reads it.

    Never stored in clear: `code_hash` is an HMAC of the code keyed with SECRET_KEY and bound to the
    purpose and target (a 6-digit code has only a million values, so a plain hash would be read back
    by trying them all). Valid VERIFICATION_CODE_TTL_SECONDS, for one use, refused after
    VERIFICATION_CODE_MAX_ATTEMPTS wrong tries (accounts.verification).
    """

    class Purpose(models.TextChoices):
        SIGNUP = "signup", _("注册")
        RESET = "reset", _("找回密码")
        EMAIL = "email", _("验证邮箱")

    purpose = models.CharField(_("用途"), max_length=10, choices=Purpose.choices)
    target = models.CharField(_("手机号或邮箱"), max_length=254)
    code_hash = models.CharField(_("验证码摘要"), max_length=64)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("失效时间"))
    attempts = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("验证码")
        verbose_name_plural = _("验证码")
        indexes = [models.Index(fields=["purpose", "target", "-created_at"], name="code_target_latest")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.target}"

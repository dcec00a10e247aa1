"""区科委's side: intake checks, reviewer assignments with conflict declarations, rubric scores,
decisions within the engine's ceiling, 一事一议 overrides, the public notice (公示) and objections."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import Application, Call
from policies import rules
from policies.models import RubricCriterion
from policies.templatetags.money import fen_yuan


class IntakeCheck(models.Model):
    """形式审查: what the intake officer verified, and the outcome."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("受理")
        RETURNED = "returned", _("退回补正")
        NOT_ACCEPTED = "not_accepted", _("不予受理")

    class CreditSource(models.TextChoices):
        # Where Art. 2 信用记录良好 is looked up; the officer names the one consulted.
        CREDIT_CHINA = "credit_china", _("信用中国")
        CREDIT_SHANGHAI = "credit_shanghai", _("信用上海")
        GSXT = "gsxt", _("国家企业信用信息公示系统")

    class CreditResult(models.TextChoices):
        GOOD = "good", _("良好")
        ADVERSE = "adverse", _("有不良记录")

    class MaterialStatus(models.TextChoices):
        # What the officer found for one material of the item (the intake rule of issue 12): 受理 needs
        # every required one 已核对 or 不适用 (with the reason), and none 需补正.
        CHECKED = "checked", _("已核对")
        NOT_APPLICABLE = "not_applicable", _("不适用")
        DEFICIENT = "deficient", _("需补正")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="intake_checks")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revision_number = models.PositiveSmallIntegerField(_("审查的申报版本"))
    # The codes found 已核对 (kept beside material_findings for the checks recorded before it existed).
    materials_checked = models.JSONField(_("已核对材料"), default=list, blank=True)
    # One entry per material the officer judged, in the item's order: {"code", "name", "status", "note"}
    # (status a MaterialStatus; note the 不适用 reason or what is wrong). The name as it was then.
    material_findings = models.JSONField(_("材料核对情况"), default=list, blank=True)
    registered_verified = models.BooleanField(_("已核实在长宁区依法设立"), default=False)
    operating_verified = models.BooleanField(_("已核实经营状态正常"), default=False)
    # True exactly when the credit check below found 良好 (kept for the checks recorded before it existed).
    credit_verified = models.BooleanField(_("已核实信用记录良好"), default=False)
    # The credit check of the ruling on Art. 2 (2026-12-02): which register, on which day, what it said.
    # Blank on checks recorded before the ruling.
    credit_source = models.CharField(
        _("信用查询来源"), max_length=20, choices=CreditSource.choices, blank=True
    )
    credit_checked_on = models.DateField(_("信用查询日期"), null=True, blank=True)
    credit_result = models.CharField(
        _("信用查询结果"), max_length=10, choices=CreditResult.choices, blank=True
    )
    # Why the organisation was not in good standing when checked (经营异常名录, an unresolved clawback…),
    # as the page showed them: the record of what the officer saw.
    standing_reasons = models.JSONField(_("不属信用良好的原因"), default=list, blank=True)
    uscc_override_reason = models.TextField(_("统一社会信用代码校验未通过但核实真实的说明"), blank=True)
    outcome = models.CharField(_("结果"), max_length=20, choices=Outcome.choices)
    reasons = models.TextField(_("理由"), blank=True)
    checked_at = models.DateTimeField(_("审查时间"))

    class Meta:
        verbose_name = _("形式审查")
        verbose_name_plural = _("形式审查")
        ordering = ["application", "checked_at"]

    def __str__(self) -> str:
        return f"{self.application} {self.get_outcome_display()}"

    def labelled_findings(self) -> dict[str, dict]:
        """The material findings by code, each with its status label (as the pages show them)."""
        labels = dict(self.MaterialStatus.choices)
        return {
            finding["code"]: {**finding, "label": labels.get(finding["status"], finding["status"])}
            for finding in self.material_findings
        }

    @property
    def material_notes(self) -> list[dict]:
        """The findings worth reading again: 不适用 and 需补正, with their notes."""
        return [
            finding
            for finding in self.labelled_findings().values()
            if finding["status"] != self.MaterialStatus.CHECKED
        ]


class AcceptanceSequence(models.Model):
    """Per year (of acceptance, Shanghai), the last 受理编号 issued; locked while the next is taken."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"SL-{self.year}: {self.last}"


class Assignment(models.Model):
    """An expert reviewer on an accepted application; they declare conflicts before seeing it."""

    class Status(models.TextChoices):
        AWAITING_DECLARATION = "awaiting", _("待声明利益冲突")
        CONFLICTED = "conflicted", _("存在利益冲突,已回避")
        SCORING = "scoring", _("评分中")
        SUBMITTED = "submitted", _("已提交评分")
        # The application was decided before this reviewer submitted: the task is over, not pending.
        CLOSED = "closed", _("已结束")

    class Recommendation(models.TextChoices):
        SUPPORT = "support", _("支持")
        SUPPORT_LOWER = "support_lower", _("支持但核减金额")
        NOT_SUPPORT = "not_support", _("不支持")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.AWAITING_DECLARATION)
    declared_at = models.DateTimeField(null=True, blank=True)
    conflict_note = models.TextField(_("利益冲突说明"), blank=True)
    recommendation = models.CharField(
        _("评审建议"), max_length=15, choices=Recommendation.choices, blank=True
    )
    suggested_fen = models.PositiveBigIntegerField(_("建议金额(分)"), null=True, blank=True)
    overall_comment = models.TextField(_("综合意见"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    closed_note = models.CharField(_("结束说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("评审分配")
        verbose_name_plural = _("评审分配")
        ordering = ["application", "assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer"], name="assignment_unique_reviewer"),
        ]

    def __str__(self) -> str:
        return f"{self.application} ← {self.reviewer}"

    @property
    def counts_toward_workload(self) -> bool:
        return self.status in (self.Status.AWAITING_DECLARATION, self.Status.SCORING)


class Score(models.Model):
    """One criterion's score: 0–5 in half marks, with a comment. Sealed until the reviewer submits."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("得分"), max_digits=2, decimal_places=1)
    comment = models.TextField(_("意见"), blank=True)

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="score_unique_criterion"),
            models.CheckConstraint(
                condition=models.Q(value__gte=Decimal("0"), value__lte=Decimal("5")), name="score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion.name}: {self.value}"


class Decision(models.Model):
    """The approver's decision with the engine's ceiling as it stood; the amount never above it
    unless a confirmed 一事一议 override says otherwise (Art. 10(3))."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="decisions")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recommended = models.BooleanField(_("是否支持"))
    amount_fen = models.PositiveBigIntegerField(_("拟支持金额(分)"), default=0)
    ceiling_fen = models.PositiveBigIntegerField(_("引擎计算的上限(分)"))
    ceiling_quote = models.JSONField(_("上限计算步骤"))
    override = models.ForeignKey(
        "Override", null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    reasons = models.TextField(_("理由"), blank=True)
    decided_at = models.DateTimeField()
    # The submitted reviews the decision stood on, and the call's quorum then (None: decided before the
    # quorum rule); below it only through a confirmed exception.
    reviews_submitted = models.PositiveSmallIntegerField(_("已提交评审意见份数"), null=True, blank=True)
    reviews_required = models.PositiveSmallIntegerField(_("所需评审意见份数"), null=True, blank=True)
    quorum_exception = models.ForeignKey(
        "QuorumException", null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )

    class Meta:
        verbose_name = _("审定")
        verbose_name_plural = _("审定")
        ordering = ["application", "decided_at", "id"]
        constraints = [
            # Within the ceiling, or through a (confirmed, checked in the service) override.
            models.CheckConstraint(
                condition=models.Q(amount_fen__lte=models.F("ceiling_fen"))
                | models.Q(override__isnull=False),
                name="decision_within_ceiling",
            ),
            models.CheckConstraint(
                condition=models.Q(recommended=True) | models.Q(amount_fen=0),
                name="decision_rejected_is_zero",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} {rules.fen_to_yuan(self.amount_fen)}"

    @property
    def amount(self) -> Decimal | None:
        return rules.fen_to_yuan(self.amount_fen)

    @property
    def ceiling(self) -> Decimal | None:
        return rules.fen_to_yuan(self.ceiling_fen)

    def clean(self) -> None:
        # The row's own rule, for any path that validates before saving (forms, admin, the service):
        # above the ceiling only through a confirmed override of this application for exactly this amount.
        if not self.recommended and self.amount_fen:
            raise ValidationError({"amount_fen": _("不予支持时金额应为 0。")})
        if self.ceiling_fen is None or self.amount_fen is None or self.amount_fen <= self.ceiling_fen:
            return
        override = self.override
        if (
            override is None
            or override.status != Override.Status.CONFIRMED
            or override.application_id != self.application_id
            or override.amount_fen != self.amount_fen
        ):
            raise ValidationError(
                {
                    "amount_fen": _("金额 %(amount)s 超过引擎计算的上限 %(ceiling)s。")
                    % {"amount": fen_yuan(self.amount_fen), "ceiling": fen_yuan(self.ceiling_fen)}
                }
            )


class Override(models.Model):
    """一事一议 / 一企一策 (Art. 10(3)): an amount outside the ceiling, proposed with a written reason,
    in force only once a second, different approver confirms it.

    The text allows it only for 载体建设、企业创新、环境建设 with 重大影响 on the district's industrial
    ecosystem, so an override names its area and that impact; and it never lifts Art. 10(2) (the same
    matter)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("未确认")

    class Area(models.TextChoices):
        # The three areas of Art. 10(3), in the text's order.
        CARRIER = "carrier", _("载体建设")
        INNOVATION = "innovation", _("企业创新")
        ENVIRONMENT = "environment", _("环境建设")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="overrides")
    amount_fen = models.PositiveBigIntegerField(_("一事一议金额(分)"))
    ceiling_fen = models.PositiveBigIntegerField(_("引擎计算的上限(分)"))
    reason = models.TextField(_("书面理由"))
    # Blank only on overrides proposed before the ruling of 2026-12-02; the service requires both.
    area = models.CharField(_("领域"), max_length=12, choices=Area.choices, blank=True)
    impact = models.TextField(_("对区域产业生态打造的重大影响"), blank=True)
    # What Art. 10(2) left for the matter when proposed (None: nothing awarded for it, no 10(2) limit).
    matter_left_fen = models.PositiveBigIntegerField(_("同一事项尚可享受(分)"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirm_note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("一事一议")
        verbose_name_plural = _("一事一议")
        ordering = ["application", "proposed_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(confirmed_by=models.F("proposed_by")), name="override_four_eyes"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} {rules.fen_to_yuan(self.amount_fen)} {self.get_status_display()}"


class QuorumException(models.Model):
    """Deciding with fewer submitted reviews than the call's quorum (a reviewer unreachable, the round's
    deadline): proposed with a written reason, in force only once a second, different approver confirms
    it — the same four eyes as 一事一议."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("未确认")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="quorum_exceptions")
    reason = models.TextField(_("理由"))
    # What the approver saw when proposing: so many of so many.
    reviews_submitted = models.PositiveSmallIntegerField(_("已提交评审意见份数"))
    reviews_required = models.PositiveSmallIntegerField(_("所需评审意见份数"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirm_note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("评审意见不足例外")
        verbose_name_plural = _("评审意见不足例外")
        ordering = ["application", "proposed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(confirmed_by=models.F("proposed_by")), name="quorum_exception_four_eyes"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.application} {self.reviews_submitted}/{self.reviews_required} {self.get_status_display()}"
        )


class Holiday(models.Model):
    """The working-day calendar: public holidays, and weekend days that are working days (调休)."""

    date = models.DateField(_("日期"), unique=True)
    name = models.CharField(_("名称"), max_length=60)
    is_working_day = models.BooleanField(_("调休上班"), default=False)

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class PublicNotice(models.Model):
    """公示: recommended applications of a call, shown publicly for a number of working days."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="notices")
    title = models.CharField(_("标题"), max_length=200)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("发布时间"))
    ends_at = models.DateTimeField(_("公示截止"))
    closed_at = models.DateTimeField(_("结束处理时间"), null=True, blank=True)
    # A 更正公示: re-publishes entries withdrawn from an earlier notice of the call after an upheld objection.
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("更正的公示"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    correction_number = models.PositiveSmallIntegerField(_("更正公示序号"), null=True, blank=True)
    # Its lines are all written at publication and never added to (a withdrawn line stays listed): the
    # number is kept here rather than counted over thousands of lines for every notice on the lists.
    entry_count = models.PositiveIntegerField(_("项目数"), default=0, editable=False)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.title

    def is_open(self, at: datetime | None = None) -> bool:
        """Objections are received from publication to ends_at (23:59:59 Shanghai of the last working day)."""
        at = at or timezone.now()
        return self.closed_at is None and self.published_at <= at <= self.ends_at

    def has_ended(self, at: datetime | None = None) -> bool:
        return (at or timezone.now()) > self.ends_at


class NoticeEntry(models.Model):
    """One line of a notice, copied at publication: organisation, item, project, amount — nothing personal."""

    notice = models.ForeignKey(PublicNotice, on_delete=models.CASCADE, related_name="entries")
    # A foreign key, not one-to-one: an application sent back by an upheld objection is decided again
    # and appears in a later notice; each notice lists it once.
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="notice_entries")
    organization_name = models.CharField(max_length=200)
    item_code = models.CharField(max_length=10)
    item_name = models.CharField(max_length=120)
    project_name = models.CharField(max_length=200)
    amount_fen = models.PositiveBigIntegerField()
    # 撤回: an objection to it was upheld; the public page and list show the line as withdrawn (with the
    # date, nothing of the objection) and leave it out of the totals.
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        ordering = ["notice", "item_code", "id"]
        # A page of a notice's lines in their order, without sorting thousands (issue 13).
        indexes = [models.Index(fields=["notice", "item_code", "id"], name="notice_entry_order")]
        constraints = [
            models.UniqueConstraint(fields=["notice", "application"], name="notice_entry_unique_application"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_name} {self.item_code}"


class Objection(models.Model):
    """A named, written objection lodged during the notice window; kept confidential."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待处理")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    entry = models.ForeignKey(NoticeEntry, on_delete=models.PROTECT, related_name="objections")
    name = models.CharField(_("姓名或单位名称"), max_length=100)
    contact = models.CharField(_("联系方式"), max_length=100)
    content = models.TextField(_("异议内容"), max_length=5000)
    submitted_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("处理意见"), blank=True)

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["submitted_at"]

    def __str__(self) -> str:
        return f"{self.entry} {self.get_status_display()}"

"""Annual calls and the applications made under them.

An application points at the exact item of the exact round it was made under (through its call item),
so a later round never changes its figures. Submitting freezes the facts, the engine's quote and the
materials into a numbered revision; a resubmission after 退回补正 adds a revision and keeps the earlier.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from policies import rules
from policies.models import PolicyItem, PolicyRound


def private_storage():
    # Materials never live under the web root; they are served only by a permission-checked view.
    return storages["private"]


def attachment_path(instance: Attachment, filename: str) -> str:
    # Renamed on disk: the applicant's file name is kept in the row, never trusted as a path.
    suffix = PurePosixPath(filename).suffix.lower()[:6]
    return f"applications/{instance.application_id}/{uuid.uuid4().hex}{suffix}"


class Call(models.Model):
    """申报批次 / 申报指南: which items of a published round are open in a year, and until when."""

    round = models.ForeignKey(
        PolicyRound, verbose_name=_("政策版本"), on_delete=models.PROTECT, related_name="calls"
    )
    year = models.PositiveSmallIntegerField(_("申报年度"))
    title = models.CharField(_("批次名称"), max_length=200)
    guide = models.TextField(_("申报指南"), blank=True)
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"), help_text=_("精确到秒(上海时间);截止时刻起不再受理。"))
    reviewers_per_application = models.PositiveSmallIntegerField(_("每件申报的评审专家人数"), default=3)
    # Blank: every assigned reviewer's opinion is needed (the number above). A commission may set a
    # smaller quorum for a call, or 0 where no expert review is held; below it an approver decides only
    # through a confirmed quorum exception (reviews.QuorumException).
    review_quorum = models.PositiveSmallIntegerField(
        _("审定所需评审意见份数"),
        null=True,
        blank=True,
        help_text=_("留空则等于每件申报的评审专家人数。"),
    )
    criterion_threshold = models.DecimalField(
        _("单项评分警戒线"),
        max_digits=2,
        decimal_places=1,
        default=Decimal("3.0"),
        help_text=_("任一评分项的平均分低于此值时提示审定人员。"),
    )
    total_threshold = models.DecimalField(
        _("加权总分警戒线"),
        max_digits=2,
        decimal_places=1,
        default=Decimal("3.0"),
        help_text=_("加权平均分(0–5)低于此值时提示审定人员。"),
    )
    publicity_working_days = models.PositiveSmallIntegerField(_("公示期(工作日)"), default=5)
    review_overdue_days = models.PositiveSmallIntegerField(_("评审逾期提醒(天)"), default=14)
    # How long each step typically takes, in working days: told to the enterprise beside every status
    # ("what happens next", applications.progress). Expectations the commission sets for the call, not
    # deadlines the portal enforces; the defaults are the district's usual 政务服务 practice.
    intake_working_days = models.PositiveSmallIntegerField(
        _("受理审查通常时长(工作日)"), default=5, help_text=_("提交后区科委完成受理审查(受理或退回补正)。")
    )
    review_working_days = models.PositiveSmallIntegerField(
        _("评审及审定通常时长(工作日)"), default=20, help_text=_("受理后专家评审直至审定结果。")
    )
    finance_review_working_days = models.PositiveSmallIntegerField(
        _("财政审核通常时长(工作日)"), default=10, help_text=_("认定后区财政局审核资助并安排预算。")
    )
    payment_working_days = models.PositiveSmallIntegerField(
        _("拨付到账通常时长(工作日)"), default=10, help_text=_("款项到拨付期后编入批次、审核直至到账。")
    )
    claim_check_working_days = models.PositiveSmallIntegerField(
        _("年度兑现核查通常时长(工作日)"), default=10, help_text=_("连续补贴的年度申领提交后区科委核查。")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("申报批次")
        verbose_name_plural = _("申报批次")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="call_window_order"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def quorum(self) -> int:
        """Submitted reviews a decision needs (review_quorum, or else every reviewer of the call)."""
        return self.reviewers_per_application if self.review_quorum is None else self.review_quorum

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("截止时间必须晚于开始时间。")})
        if self.round_id and self.round.status != PolicyRound.Status.PUBLISHED:
            raise ValidationError({"round": _("只能在已发布的政策版本下开设申报批次。")})
        if self.review_quorum is not None and self.review_quorum > self.reviewers_per_application:
            # More opinions than reviewers could never be reached: every decision would need an exception.
            raise ValidationError(
                {"review_quorum": _("审定所需评审意见份数不能多于每件申报的评审专家人数。")}
            )

    def is_open(self, at: datetime | None = None) -> bool:
        """Open from opens_at up to, not including, closes_at — and only while the round is valid (10(5))."""
        at = at or timezone.now()
        return self.opens_at <= at < self.closes_at and self.round.is_valid_on(timezone.localdate(at))


class CallItem(models.Model):
    """One item open in a call, with the call's own figures where the text says "一定"."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="call_items")
    item = models.ForeignKey(
        PolicyItem, verbose_name=_("政策项目"), on_delete=models.PROTECT, related_name="call_items"
    )
    rate = models.DecimalField(
        _("本批次比例"),
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("条文为“一定”的项目(6.1a–6.1c、6.2)必须填写,如 0.5 表示 50%。"),
    )
    ceiling_fen = models.PositiveBigIntegerField(_("本批次单笔上限(分)"), null=True, blank=True)
    budget_fen = models.PositiveBigIntegerField(_("本批次预算(分)"), null=True, blank=True)
    payment_stages = models.JSONField(
        _("分期拨付"),
        default=list,
        blank=True,
        help_text=_(
            '按比例分期,如 [{"percent": 50, "after": "notice"}, {"percent": 50, "after": "acceptance"}];'
            "留空按政策项目的默认方式。"
        ),
    )

    class Meta:
        verbose_name = _("批次开放项目")
        verbose_name_plural = _("批次开放项目")
        ordering = ["call", "item__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["call", "item"], name="call_item_unique"),
            models.CheckConstraint(
                condition=models.Q(rate__isnull=True) | models.Q(rate__gte=0, rate__lte=1),
                name="call_item_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call} · {self.item}"

    def clean(self) -> None:
        # The call may not be saved yet (the admin's add page): its round is known before its id.
        # getattr: no call at all raises RelatedObjectDoesNotExist, an AttributeError.
        call = getattr(self, "call", None)
        if call is not None and call.round_id and self.item_id and self.item.round_id != call.round_id:
            raise ValidationError({"item": _("项目必须属于本批次的政策版本。")})
        if self.item_id and self.item.to_rule().needs_call_rate and self.rate is None:
            raise ValidationError({"rate": _("该项目的比例由年度申报指南确定,请填写本批次比例。")})

    def rule(self) -> rules.Rule:
        return self.item.to_rule(call_rate=self.rate, call_ceiling_fen=self.ceiling_fen)


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        RETURNED = "returned", _("退回补正")
        ACCEPTED = "accepted", _("已受理")
        NOT_ACCEPTED = "not_accepted", _("不予受理")
        UNDER_REVIEW = "under_review", _("评审中")
        RECOMMENDED = "recommended", _("拟支持")
        NOT_RECOMMENDED = "not_recommended", _("不予支持")
        PUBLICIZED = "publicized", _("公示中")
        RECOGNISED = "recognised", _("已认定")
        REJECTED = "rejected", _("未通过")
        WITHDRAWN = "withdrawn", _("已撤回")

    class MatterType(models.TextChoices):
        PROJECT = "project", _("项目")
        CONTRACT = "contract", _("合同")
        CERTIFICATE = "certificate", _("证书")
        EVENT = "event", _("活动")
        POLICY = "policy", _("保单")
        RENT = "rent", _("房租")

    # The enterprise may still change these; everything else is in the hands of the reviewers.
    EDITABLE = (Status.DRAFT, Status.RETURNED)
    # Withdrawn from any state before recognition (DESIGN.md), except where it has already ended.
    WITHDRAWABLE = (
        Status.DRAFT,
        Status.SUBMITTED,
        Status.RETURNED,
        Status.ACCEPTED,
        Status.UNDER_REVIEW,
        Status.RECOMMENDED,
        Status.PUBLICIZED,
    )

    # Copied to a new draft (issue 15): withdrawn and returned, and those that ended without support, so
    # that an enterprise applies again from what it typed and uploaded instead of starting over.
    COPYABLE = (Status.WITHDRAWN, Status.RETURNED, Status.NOT_ACCEPTED, Status.REJECTED)

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("申报单位"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    call_item = models.ForeignKey(
        CallItem, verbose_name=_("申报项目"), on_delete=models.PROTECT, related_name="applications"
    )
    item = models.ForeignKey(
        PolicyItem, on_delete=models.PROTECT, related_name="applications", editable=False
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    number = models.CharField(_("申报编号"), max_length=40, unique=True, null=True, blank=True)
    matter_type = models.CharField(_("事项类型"), max_length=20, choices=MatterType.choices, blank=True)
    matter_ref = models.CharField(
        _("事项名称或编号"),
        max_length=200,
        blank=True,
        help_text=_("项目、合同、证书、活动或保单的名称或编号;同一事项不重复享受(第十条第二款)。"),
    )
    project_name = models.CharField(_("项目名称"), max_length=200, blank=True)
    description = models.TextField(_("项目简介"), max_length=5000, blank=True)
    facts = models.JSONField(_("申报事实"), default=dict, blank=True)
    requested_fen = models.PositiveBigIntegerField(_("申请金额(分)"), null=True, blank=True)
    awarded_fen = models.PositiveBigIntegerField(_("认定金额(分)"), null=True, blank=True)
    clawed_back_fen = models.PositiveBigIntegerField(
        _("已追回(分)"), default=0, help_text=_("追回后不再计入本单位的累计上限")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("首次提交时间"), null=True, blank=True)
    acceptance_number = models.CharField(_("受理编号"), max_length=40, unique=True, null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    # The approver's queue orders by the call's opening, the item's place in the policy, then the number
    # (reviews.selectors.decision_queue). Those live in two other tables, so PostgreSQL sorted every
    # submitted application for each page (issue 13). Copies here let one index give the order: set by
    # start_application, kept in step by refresh_queue_keys when a call or an item moves.
    queue_opens_at = models.DateTimeField(null=True, editable=False)
    queue_item_order = models.PositiveSmallIntegerField(null=True, editable=False)
    # Fewer reviewers standing (not withdrawn for a conflict) than the call asks for: the assignment
    # queue lists these. Counting them per row made the queue visit every application in review for each
    # page (issue 13); reviews.services.assignment keeps this in step wherever the count or the call's
    # number changes. True from the start: an application is accepted with no reviewer.
    short_of_reviewers = models.BooleanField(default=True, editable=False)
    outcome_note = models.TextField(_("审定意见"), blank=True, help_text=_("向申报单位说明的结果和理由"))
    released_comments = models.TextField(
        _("专家意见(汇总)"),
        blank=True,
        help_text=_("审定人员发布给申报单位的综合评审意见,不含专家姓名和单项评分"),
    )

    class Meta:
        verbose_name = _("申报")
        verbose_name_plural = _("申报")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status"]),
            # Counts and queues by status within a call (recommended per call, the approver's filter).
            # submitted_at is included so the queue's count (submitted only) is read from the index alone:
            # 20 ms → 2 ms for the 8,900 applications in review in one call at 100,000 (issue 13).
            models.Index(
                fields=["status", "call_item"], include=["submitted_at"], name="application_status_call_item"
            ),
            # The assignment queue (reviews.selectors.assignment_queue): in review, oldest accepted first.
            models.Index(
                fields=["accepted_at", "id"],
                condition=models.Q(status__in=["accepted", "under_review"]),
                name="application_assign_queue",
            ),
            # The assignment queue's default view: only those short of reviewers.
            models.Index(
                fields=["accepted_at", "id"],
                condition=models.Q(status__in=["accepted", "under_review"], short_of_reviewers=True),
                name="application_assign_short",
            ),
            # The approver's queue, unfiltered and by status (decision_queue's ORDER BY, exactly).
            models.Index(
                models.F("queue_opens_at").desc(),
                "queue_item_order",
                "number",
                "id",
                condition=models.Q(submitted_at__isnull=False),
                name="application_decision_queue",
            ),
            models.Index(
                "status",
                models.F("queue_opens_at").desc(),
                "queue_item_order",
                "number",
                "id",
                condition=models.Q(submitted_at__isnull=False),
                name="application_decision_status",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.item.code} 草稿 #{self.pk}"

    @property
    def requested(self):
        return rules.fen_to_yuan(self.requested_fen)

    @property
    def awarded(self):
        return rules.fen_to_yuan(self.awarded_fen)

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def can_withdraw(self) -> bool:
        return self.status in self.WITHDRAWABLE

    @property
    def can_copy(self) -> bool:
        return self.status in self.COPYABLE

    @property
    def can_delete(self) -> bool:
        """Only a draft never submitted: a submitted application is part of the record (withdraw it)."""
        return self.status == self.Status.DRAFT and not self.number


S = Application.Status
# Which status may follow which (DESIGN.md, Workflow). Services check every change against this.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.RETURNED, S.ACCEPTED, S.NOT_ACCEPTED, S.WITHDRAWN}),
    S.RETURNED: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.ACCEPTED: frozenset({S.UNDER_REVIEW, S.WITHDRAWN}),
    S.UNDER_REVIEW: frozenset({S.RECOMMENDED, S.NOT_RECOMMENDED, S.WITHDRAWN}),
    S.RECOMMENDED: frozenset({S.PUBLICIZED, S.UNDER_REVIEW, S.NOT_RECOMMENDED, S.WITHDRAWN}),
    S.NOT_RECOMMENDED: frozenset({S.UNDER_REVIEW, S.REJECTED}),
    S.PUBLICIZED: frozenset({S.RECOGNISED, S.UNDER_REVIEW, S.WITHDRAWN}),
    S.RECOGNISED: frozenset(),
    S.NOT_ACCEPTED: frozenset(),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
del S


class Attachment(models.Model):
    """An uploaded material. Files that a revision froze are kept even when replaced later."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    material_code = models.SlugField(_("材料"), max_length=60)
    file = models.FileField(storage=private_storage, upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    is_current = models.BooleanField(default=True, help_text=_("属于当前(下一次提交的)材料清单"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("申报材料文件")
        verbose_name_plural = _("申报材料文件")
        ordering = ["material_code", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class ApplicationRevision(models.Model):
    """What was submitted, frozen: facts, matter, the engine's quote and the materials."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveSmallIntegerField(_("版本"))
    submitted_at = models.DateTimeField(_("提交时间"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    facts = models.JSONField()
    matter_type = models.CharField(max_length=20)
    matter_ref = models.CharField(max_length=200)
    project_name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    quote = models.JSONField(help_text=_("提交时引擎的计算结果和步骤"))
    amount_fen = models.PositiveBigIntegerField(_("申请金额(分)"))
    attachments = models.ManyToManyField(Attachment, related_name="revisions")

    class Meta:
        verbose_name = _("申报版本")
        verbose_name_plural = _("申报版本")
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="revision_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.application} v{self.number}"


def status_labels() -> dict[str, str]:
    """Each application status's label in the active language, for a page that shows many: built once,
    where get_status_display rebuilds and translates every choice on each call (issue 13)."""
    from changning_ai.labels import choice_labels

    return choice_labels(Application, "status")


class StatusEvent(models.Model):
    """The application's timeline: every status it reached, when, by whom and why."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=Application.Status.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("状态记录")
        verbose_name_plural = _("状态记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.application} {self.status} {self.at:%Y-%m-%d %H:%M}"


class NumberSequence(models.Model):
    """Per year and item, the last application number issued; locked while the next is taken."""

    year = models.PositiveSmallIntegerField()
    item_code = models.CharField(max_length=10)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "item_code"], name="number_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.year} {self.item_code}: {self.last}"

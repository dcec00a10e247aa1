"""区财政局's side: budgets that cannot be overspent, awards with installments, bank details, payment
batches with four eyes, payment records and clawbacks. Money is integer fen throughout."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from applications.models import Application, private_storage
from policies import rules
from policies.models import PolicyItem


class Budget(models.Model):
    """A year's budget for one item (item_code) or the year's total (item_code blank).

    committed = recognised and approved, not yet paid; paid; recovered = clawed back and returned.
    The row is locked (select_for_update) whenever an award commits to it.
    """

    year = models.PositiveSmallIntegerField(_("年度"))
    item_code = models.CharField(_("项目代码"), max_length=10, blank=True, help_text=_("留空表示年度总预算"))
    amount_fen = models.PositiveBigIntegerField(_("预算金额(分)"))
    committed_fen = models.PositiveBigIntegerField(_("已承诺(分)"), default=0)
    paid_fen = models.PositiveBigIntegerField(_("已拨付(分)"), default=0)
    recovered_fen = models.PositiveBigIntegerField(_("已追回(分)"), default=0)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("预算")
        verbose_name_plural = _("预算")
        ordering = ["-year", "item_code"]
        constraints = [
            models.UniqueConstraint(fields=["year", "item_code"], name="budget_unique_year_item"),
            # Never overspent: what is committed and paid never exceeds the budget plus what came back.
            models.CheckConstraint(
                condition=Q(committed_fen__lte=F("amount_fen") + F("recovered_fen") - F("paid_fen")),
                name="budget_never_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.item_code or _('合计')}"

    @property
    def left_fen(self) -> int:
        return self.amount_fen + self.recovered_fen - self.committed_fen - self.paid_fen

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


# The budget line of 一企一策 support agreements (Art. 10(3)): they belong to no item, so they are paid from
# their own line, entered and confirmed like an item's (Budget.item_code).
AGREEMENT_BUDGET_CODE = "一企一策"


class SupportAgreement(models.Model):
    """一企一策 (Art. 10(3)) outside any item: an amount for one organisation with the reason it matters
    to the district's industrial ecosystem, proposed by 区科委 and decided by a different person at
    区财政局. Approving it creates its Award (one installment), committed to the 一企一策 budget line."""

    class Area(models.TextChoices):
        # The three areas 10(3) names; an agreement outside them has no basis in the text.
        CARRIER = "carrier", _("载体建设")
        INNOVATION = "innovation", _("企业创新")
        ENVIRONMENT = "environment", _("环境建设")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待决定")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    number = models.CharField(_("协议编号"), max_length=40, unique=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="support_agreements", verbose_name=_("单位")
    )
    title = models.CharField(_("支持事项"), max_length=200)
    area = models.CharField(_("所属领域"), max_length=12, choices=Area.choices)
    reason = models.TextField(_("理由(对区域产业生态打造的重大影响)"))
    amount_fen = models.PositiveBigIntegerField(_("支持金额(分)"))
    budget_year = models.PositiveSmallIntegerField(_("预算年度"))
    budget_code = models.CharField(
        _("预算科目"), max_length=10, default=AGREEMENT_BUDGET_CODE, editable=False
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("提出时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decision_note = models.TextField(_("决定意见"), blank=True)

    class Meta:
        verbose_name = _("一企一策支持协议")
        verbose_name_plural = _("一企一策支持协议")
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="agreement_positive"),
            # Four eyes: whoever proposed it never decides it.
            models.CheckConstraint(condition=~Q(decided_by=F("proposed_by")), name="agreement_four_eyes"),
            # Decided means someone decided, at a time; proposed means nobody has yet.
            models.CheckConstraint(
                condition=(Q(status="proposed") & Q(decided_by__isnull=True) & Q(decided_at__isnull=True))
                | (~Q(status="proposed") & Q(decided_by__isnull=False) & Q(decided_at__isnull=False)),
                name="agreement_decided_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {rules.fen_to_yuan(self.amount_fen)}"


class Award(models.Model):
    """A recognised application's award, from 认定, or an approved 一企一策 support agreement's; finance
    approves it, which commits the budgets. Code that shows or files an award reads `number`,
    `budget_code`, `subject` and `project_name`, which hold for both sources."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待财政审核")
        APPROVED = "approved", _("已批准,按期拨付")
        CLOSED = "closed", _("已拨付完毕")
        CLAWED_BACK = "clawed_back", _("已追回")

    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="award"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="awards")
    item = models.ForeignKey(
        PolicyItem, null=True, blank=True, on_delete=models.PROTECT, related_name="awards"
    )
    agreement = models.OneToOneField(
        SupportAgreement, null=True, blank=True, on_delete=models.PROTECT, related_name="award"
    )
    # What has been granted so far. For a yearly item (连续补贴三年, 6.1b/6.1c) it is 0 at 认定 and grows by
    # each year's amount when 区科委 accepts that year's claim; the recognised amount stays on the
    # application.
    amount_fen = models.PositiveBigIntegerField(_("核定金额(分)"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("资助")
        verbose_name_plural = _("资助")
        ordering = ["-created_at"]
        indexes = [
            # The finance list's order (selectors.award_queue): pending first, then newest. An index on the
            # same expression lets PostgreSQL read the first page without sorting every award (issue 13).
            models.Index(
                models.Case(
                    models.When(status="pending", then=models.Value(0)),
                    default=models.Value(1),
                    output_field=models.IntegerField(),
                ),
                F("created_at").desc(),
                F("id").desc(),
                name="award_queue_order",
            ),
        ]
        constraints = [
            # One source: an application (and its item) or a support agreement (no item), never both.
            models.CheckConstraint(
                condition=(Q(application__isnull=False) & Q(item__isnull=False) & Q(agreement__isnull=True))
                | (Q(application__isnull=True) & Q(item__isnull=True) & Q(agreement__isnull=False)),
                name="award_one_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {rules.fen_to_yuan(self.amount_fen)}"

    @property
    def is_agreement(self) -> bool:
        return self.agreement_id is not None

    @property
    def number(self) -> str:
        """The application's number, or the agreement's."""
        if self.agreement_id is not None:
            return self.agreement.number
        return self.application.number or str(self.application_id)

    @property
    def budget_code(self) -> str:
        """The Budget.item_code the award commits to and is paid from."""
        return self.agreement.budget_code if self.agreement_id is not None else self.item.code

    @property
    def subject(self) -> str:
        """What the money is for, beside budget_code: the item's name, or 一企一策's clause."""
        if self.agreement_id is not None:
            return str(_("一企一策支持协议(第十条第三款)"))
        return self.item.display_name

    @property
    def project_name(self) -> str:
        return self.agreement.title if self.agreement_id is not None else self.application.project_name

    @property
    def recognised_fen(self) -> int:
        """What was recognised (认定): the application's amount — for a yearly run more than granted so far
        (amount_fen) — or the agreement's."""
        if self.application_id is not None and self.application.awarded_fen is not None:
            return self.application.awarded_fen
        return self.amount_fen

    @property
    def year(self) -> int:
        """The call's year, or the agreement's budget year."""
        if self.agreement_id is not None:
            return self.agreement.budget_year
        return self.application.call_item.call.year


class Installment(models.Model):
    """One payment of an award. The installments of an award sum to its amount to the fen."""

    class Condition(models.TextChoices):
        NONE = "none", _("无")
        ACCEPTANCE = "acceptance", _("项目验收后")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("未到期")
        WAITING = "waiting", _("待条件满足")
        DUE = "due", _("待拨付")
        BATCHED = "batched", _("拨付中")
        PAID = "paid", _("已拨付")
        CANCELLED = "cancelled", _("已取消")

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="installments")
    number = models.PositiveSmallIntegerField(_("期次"))
    year = models.PositiveSmallIntegerField(_("预算年度"))
    amount_fen = models.PositiveBigIntegerField(_("金额(分)"))
    condition = models.CharField(
        _("拨付条件"), max_length=12, choices=Condition.choices, default=Condition.NONE
    )
    condition_met_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    batch = models.ForeignKey(
        "PaymentBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="installments"
    )
    paid_on = models.DateField(_("拨付日期"), null=True, blank=True)
    voucher_no = models.CharField(_("凭证号"), max_length=60, blank=True)
    # A copy of award.organization.name, only to sort by: batch creation lists the due installments by
    # organisation name, and an index on a column of this table (installment_due_by_name) gives the first
    # page without joining and sorting every due installment (issue 13: 18,000 at 100k applications).
    # Set when the installment is created (save, services.awards) and on a rename (receivers).
    organization_name = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = _("拨付期次")
        verbose_name_plural = _("拨付期次")
        ordering = ["award", "number"]
        indexes = [
            # The batch page's due installments (selectors.due_installments): a small part of a large table.
            models.Index(
                fields=["award"],
                condition=Q(status="due", batch__isnull=True),
                name="installment_due_unbatched",
            ),
            # ... in the page's order (organisation name first; the rest is sorted within a name).
            models.Index(
                fields=["organization_name", "award"],
                condition=Q(status="due", batch__isnull=True),
                name="installment_due_by_name",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["award", "number"], name="installment_unique_number"),
            models.CheckConstraint(
                condition=~Q(status="paid") | (Q(paid_on__isnull=False) & ~Q(voucher_no="")),
                name="installment_paid_has_voucher",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.award} #{self.number}"

    def save(self, *args, **kwargs):
        if self._state.adding and not self.organization_name:
            self.organization_name = self.award.organization.name
        super().save(*args, **kwargs)

    # 拨付中 says the money is on its way; that is only true once a finance approver has approved the batch
    # (four eyes). Before, the installment is in a batch still being prepared or reviewed. Both labels read
    # self.batch: the selectors behind the pages load it with the installment (select_related).
    @property
    def in_unapproved_batch(self) -> bool:
        return (
            self.status == self.Status.BATCHED
            and self.batch_id is not None
            and self.batch.status not in (PaymentBatch.Status.APPROVED, PaymentBatch.Status.DONE)
        )

    @property
    def status_label(self) -> str:
        """For staff: 批次审核中 until the batch is approved, then 拨付中."""
        return _("批次审核中") if self.in_unapproved_batch else self.get_status_display()

    @property
    def enterprise_status_label(self) -> str:
        """For the enterprise (its pages and the notice): still 待拨付 until the batch is approved."""
        return self.Status.DUE.label if self.in_unapproved_batch else self.get_status_display()


class BankAccount(models.Model):
    """The organisation's receiving account. A change adds a row; the latest is current."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="bank_accounts")
    bank_name = models.CharField(_("开户银行"), max_length=100)
    account_name = models.CharField(_("账户名称"), max_length=200)
    account_number = models.CharField(_("银行账号"), max_length=40)
    # 开户行联行号 (CNAPS): the bank file routes the transfer by it. Blank only on accounts recorded before
    # it was asked for; such a payee stops the bank file until the administrator records it.
    bank_code = models.CharField(_("开户行联行号"), max_length=12, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    is_current = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("收款账户")
        verbose_name_plural = _("收款账户")
        ordering = ["organization", "-changed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"], condition=Q(is_current=True), name="bank_account_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_name} {self.masked_number}"

    @property
    def masked_number(self) -> str:
        digits = self.account_number
        return "*" * max(0, len(digits) - 4) + digits[-4:]


class PaymentBatch(models.Model):
    """A finance officer's batch of due installments; a different finance approver approves it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("编制中")
        SUBMITTED = "submitted", _("待审核")
        RETURNED = "returned", _("已退回")
        APPROVED = "approved", _("已批准,待拨付")
        DONE = "done", _("已办结")

    number = models.CharField(_("批次号"), max_length=40, unique=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(_("退回理由"), blank=True)
    # The installments in the batch and their sum, kept by the services under the batch's row lock whenever
    # one enters or leaves it (services.payments._recount): the batch list and page show them without
    # reading a batch's 500–1,000 installments (issue 13).
    installment_count = models.PositiveIntegerField(_("笔数"), default=0, editable=False)
    total_fen = models.PositiveBigIntegerField(_("金额合计"), default=0, editable=False)

    class Meta:
        verbose_name = _("拨付批次")
        verbose_name_plural = _("拨付批次")
        ordering = ["-created_at"]
        indexes = [
            # The batch list's order (selectors.finance_batches): newest first, read from the index.
            models.Index(F("created_at").desc(), F("id").desc(), name="batch_list_order"),
        ]
        constraints = [
            # Four eyes: the same person never prepares and approves a batch.
            models.CheckConstraint(condition=~Q(approved_by=F("prepared_by")), name="batch_four_eyes"),
        ]

    def __str__(self) -> str:
        return self.number


def notice_archive_path(job: NoticeJob, filename: str) -> str:
    return f"documents/notices/{job.batch_id}/{uuid.uuid4().hex}.zip"


class NoticeJob(models.Model):
    """The 资金拨付通知 of every award paid by a batch, rendered by a Celery task into one ZIP in private
    storage (disbursement.notice_jobs). The batch page shows its progress; finance staff download it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    batch = models.ForeignKey(PaymentBatch, on_delete=models.CASCADE, related_name="notice_jobs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # The notices that could not be rendered: [{"award": "<number>", "error": "<why>"}], named on the page.
    failures = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)  # why the whole job failed
    archive = models.FileField(
        storage=private_storage, upload_to=notice_archive_path, max_length=200, blank=True
    )
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("拨付通知批量生成")
        verbose_name_plural = _("拨付通知批量生成")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One job at work per batch: a second click finds the running one instead of doubling the work.
            models.UniqueConstraint(
                fields=["batch"], condition=Q(status__in=["queued", "running"]), name="one_active_notice_job"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch} {self.done}/{self.total}"

    @property
    def active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class PaymentRecord(models.Model):
    """Each attempt to pay an installment: paid with its voucher, or failed with the reason."""

    class Result(models.TextChoices):
        PAID = "paid", _("已拨付")
        FAILED = "failed", _("拨付失败")

    installment = models.ForeignKey(Installment, on_delete=models.PROTECT, related_name="payments")
    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="payments")
    result = models.CharField(max_length=10, choices=Result.choices)
    amount_fen = models.PositiveBigIntegerField()
    voucher_no = models.CharField(_("凭证号"), max_length=60, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    failure_reason = models.TextField(blank=True)
    # What was paid into, frozen at the time (the account may change later).
    bank_name = models.CharField(max_length=100, blank=True)
    account_name = models.CharField(max_length=200, blank=True)
    account_number = models.CharField(max_length=40, blank=True)
    bank_code = models.CharField(max_length=12, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("拨付记录")
        verbose_name_plural = _("拨付记录")
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.installment} {self.get_result_display()}"


class Clawback(models.Model):
    """追回: a finding against an award, the amount to recover, and its recovery."""

    class Reason(models.TextChoices):
        WRONG_FACTS = "wrong_facts", _("申报事实不实")
        MOVED_OUT = "moved_out", _("迁出长宁区")
        DUPLICATE = "duplicate", _("同一事项重复享受(第十条第二款)")
        OTHER = "other", _("其他")

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="clawbacks")
    reason = models.CharField(_("原因"), max_length=15, choices=Reason.choices)
    description = models.TextField(_("情况说明"))
    amount_fen = models.PositiveBigIntegerField(_("应追回金额(分)"))
    # The part of the amount that was never paid: unpaid installments cancelled when it was recorded.
    # Only the rest (amount − cancelled) is money to get back from the enterprise.
    cancelled_fen = models.PositiveBigIntegerField(_("取消未拨付金额(分)"), default=0)
    recovered_fen = models.PositiveBigIntegerField(_("已追回金额(分)"), default=0)
    recovered_on = models.DateField(_("追回日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("追回")
        verbose_name_plural = _("追回")
        ordering = ["-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(recovered_fen__lte=F("amount_fen") - F("cancelled_fen")),
                name="clawback_recovered_le_due",
            ),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="clawback_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.award} −{rules.fen_to_yuan(self.amount_fen)}"

    @property
    def to_recover_fen(self) -> int:
        """What was paid and must come back: the amount less what was cancelled before payment."""
        return self.amount_fen - self.cancelled_fen

    @property
    def outstanding_fen(self) -> int:
        return self.to_recover_fen - self.recovered_fen


def claim_proof_path(instance: YearlyClaim, filename: str) -> str:
    # Renamed on disk like the application's materials: the enterprise's file name is kept in the row only.
    suffix = PurePosixPath(filename).suffix.lower()[:6]
    return f"claims/{instance.award_id}/{uuid.uuid4().hex}{suffix}"


class YearlyClaim(models.Model):
    """年度兑现: one year of a run of yearly subsidies (6(1) 连续补贴三年, 6.1b/6.1c), recognised once and
    then claimed year by year with that year's rent proof and the office-in-长宁 confirmation. 区科委 accepts,
    returns or refuses it; only an accepted year gets its installment. A year not claimed in its window, or
    refused, ends the run (连续): the later years lapse. There is no year beyond the item's subsidy_years."""

    class Status(models.TextChoices):
        OPEN = "open", _("待申领")
        SUBMITTED = "submitted", _("待区科委核查")
        RETURNED = "returned", _("已退回修改")
        ACCEPTED = "accepted", _("已核定")
        REFUSED = "refused", _("未通过核查")
        LAPSED = "lapsed", _("已终止")

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="claims")
    year = models.PositiveSmallIntegerField(_("补贴年次"))
    rent_year = models.PositiveSmallIntegerField(_("房租年度"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    # As typed by the enterprise (annual_rent in yuan, as a string), the engine's fact names.
    facts = models.JSONField(default=dict, blank=True)
    amount_fen = models.PositiveBigIntegerField(_("核定金额(分)"), null=True, blank=True)
    steps = models.JSONField(default=list, blank=True, help_text=_("引擎的计算步骤"))
    reasons = models.JSONField(default=list, blank=True, help_text=_("引擎给出的不符合原因"))
    rent_proof = models.FileField(
        storage=private_storage, upload_to=claim_proof_path, max_length=200, blank=True
    )
    rent_proof_name = models.CharField(_("房租凭证文件名"), max_length=200, blank=True)
    rent_proof_type = models.CharField(max_length=60, blank=True)
    office_confirmed = models.BooleanField(_("确认仍在长宁区办公"), default=False)
    office_address = models.CharField(_("长宁区办公地址"), max_length=200, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("核查意见"), blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    installment = models.OneToOneField(
        Installment, null=True, blank=True, on_delete=models.PROTECT, related_name="claim"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("年度兑现")
        verbose_name_plural = _("年度兑现")
        ordering = ["award", "year"]
        constraints = [
            models.UniqueConstraint(fields=["award", "year"], name="claim_unique_year"),
            models.CheckConstraint(condition=Q(year__gte=1), name="claim_year_positive"),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(amount_fen__isnull=False),
                name="claim_accepted_has_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.award.application} {self.year}/{self.rent_year}"

    @property
    def opens_on(self) -> date:
        """The claim window opens on 1 January of the rent year (the rent is paid through the year)."""
        return date(self.rent_year, 1, 1)

    @property
    def closes_on(self) -> date:
        """...and closes on 31 March of the next year, when the year's last invoices are in."""
        return date(self.rent_year + 1, 3, 31)

    @property
    def is_live(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.SUBMITTED, self.Status.RETURNED)

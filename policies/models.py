"""The policy as data: rounds, their articles, items and each item's rule.

A round is edited only while it is a draft; publishing freezes it. A new round is made by copying a
published one (services.copy_round), so no later edit can change the figures of an earlier application,
which points at the exact item of the exact round it was made under.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import matters, rules


def english_active() -> bool:
    """Whether the visitor chose English: then the `*_en` columns of the policy data are shown."""
    return (translation.get_language() or "").split("-")[0] == "en"


def in_active_language(chinese: str, english: str) -> str:
    """The English text of a data row for an English visitor, when staff have entered one; the Chinese
    text otherwise. The Chinese stays the authoritative wording."""
    return english if english and english_active() else chinese


# The units the data files use, so an English page does not read "(元)". A unit not listed is shown as
# entered.
UNIT_LABELS = {"元": _("元"), "轮": _("轮"), "级": _("级")}


class PolicyRound(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        EXPIRED = "expired", _("已失效")

    code = models.SlugField(_("版本代码"), max_length=60, unique=True)
    title = models.CharField(_("政策名称"), max_length=200)
    short_title = models.CharField(_("简称"), max_length=100, blank=True)
    issuer = models.CharField(_("发布机关"), max_length=100, default="长宁区科学技术委员会")
    valid_from = models.DateField(_("施行日期"))
    valid_until = models.DateField(_("有效期至"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    is_demo = models.BooleanField(
        _("演示版本"), default=False, help_text=_("仅供演示环境使用,页面上明确标注,不是正式政策。")
    )
    source_text = models.TextField(_("政策原文"), blank=True)
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("复制自"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    # What enterprises do, as the home page's filter offers it: [{"code", "name", "name_en"}, …]. Data of
    # the round (the policy YAML), so a new round may regroup its items without a deploy.
    topics = models.JSONField(
        _("申报方向"),
        default=list,
        blank=True,
        help_text=_('如 [{"code": "rent", "name": "房租", "name_en": "Rent"}];项目按代码归入。'),
    )

    class Meta:
        verbose_name = _("政策版本")
        verbose_name_plural = _("政策版本")
        ordering = ["-valid_from", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")), name="round_valid_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}({self.valid_from:%Y}–{self.valid_until:%Y})"

    def get_absolute_url(self) -> str:
        return reverse("policies:round", kwargs={"code": self.code})

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def is_valid_on(self, day: date) -> bool:
        return self.status != self.Status.DRAFT and self.valid_from <= day <= self.valid_until

    def clean(self) -> None:
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("有效期截止日期不能早于施行日期。")})


class Article(models.Model):
    round = models.ForeignKey(PolicyRound, on_delete=models.CASCADE, related_name="articles")
    number = models.PositiveSmallIntegerField(_("条"))
    title = models.CharField(_("标题"), max_length=100)
    text = models.TextField(_("原文"))

    class Meta:
        verbose_name = _("条款")
        verbose_name_plural = _("条款")
        ordering = ["round", "number"]
        constraints = [models.UniqueConstraint(fields=["round", "number"], name="article_unique_number")]

    def __str__(self) -> str:
        return f"第{rules.chinese_ordinal(self.number)}条({self.title})"

    @property
    def heading(self) -> str:
        """第七条(支持单位研发创新); "Article 7 (支持单位研发创新)" in English, the title being legal text."""
        ordinal = str(self.number) if english_active() else rules.chinese_ordinal(self.number)
        return gettext("第%(ordinal)s条(%(title)s)") % {"ordinal": ordinal, "title": self.title}


class PolicyItem(models.Model):
    """One subsidy item (e.g. 7.1) with its amount rule as data. Field meanings: POLICY.md."""

    Formula = rules.Formula
    Window = rules.Window

    round = models.ForeignKey(PolicyRound, on_delete=models.CASCADE, related_name="items")
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="items")
    code = models.CharField(_("项目代码"), max_length=10)
    clause = models.CharField(_("条款"), max_length=20, help_text=_("例如 7(1)"))
    name = models.CharField(_("名称"), max_length=120)
    name_en = models.CharField(_("英文名称"), max_length=160, blank=True)
    clause_text = models.TextField(_("条款原文"), blank=True)
    who_may_apply = models.TextField(_("申报对象"), blank=True)
    amount_rule_text = models.TextField(_("支持标准(通俗说明)"), blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    formula = models.CharField(
        _("计算方式"), max_length=10, choices=rules.Formula.choices, default=rules.Formula.RATE
    )
    basis_fact = models.CharField(_("计算基数"), max_length=60, blank=True)
    rate = models.DecimalField(
        _("比例"),
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("留空表示“一定”:比例由年度申报指南确定。"),
    )
    rate_fact = models.CharField(
        _("比例取自事实"),
        max_length=60,
        blank=True,
        help_text=_("如 superior_match_ratio:填写时用申报事实中的比例,否则用上面的比例。"),
    )
    rate_is_ceiling = models.BooleanField(_("比例为上限(不超过)"), default=False)
    fixed_amount_fen = models.PositiveBigIntegerField(_("定额(分)"), null=True, blank=True)
    per_application_ceiling_fen = models.PositiveBigIntegerField(_("单笔上限(分)"), null=True, blank=True)
    figures_set_by_call = models.BooleanField(
        _("比例与上限由年度申报指南确定"), default=False, help_text=_("条文为“一定”“择优”“综合评估”的项目。")
    )
    combined_ceiling_rate = models.DecimalField(
        _("市区合计上限比例"),
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    combined_other_fact = models.CharField(_("市级已获资金事实"), max_length=60, blank=True)
    running_ceiling_fen = models.PositiveBigIntegerField(_("累计上限(分)"), null=True, blank=True)
    running_window = models.CharField(
        _("累计上限口径"), max_length=15, choices=rules.Window.choices, default=rules.Window.NONE
    )
    running_key_fact = models.CharField(
        _("累计口径事实"), max_length=60, blank=True, help_text=_("按项目或按成就累计时,用哪个事实区分。")
    )
    top_up = models.BooleanField(_("晋档补差"), default=False)
    level_fact = models.CharField(
        _("等级事实"),
        max_length=60,
        blank=True,
        help_text=_("晋档补差时比较的等级(如 dcmm_level):须高于本单位本项已获资助的最高等级。"),
    )
    matter_by_year = models.BooleanField(
        _("事项按年度区分"),
        default=False,
        help_text=_("年度口径的项目:同一合同、活动在另一年度的费用是另一事项(第十条第二款)。"),
    )
    shared_matter = models.CharField(
        _("共同事项"),
        max_length=60,
        blank=True,
        help_text=_("如“自用办公租房房租”:这些项目同一年度的申报是同一事项,不论填写的事项名称。"),
    )
    subsidy_years = models.PositiveSmallIntegerField(_("补贴年限"), default=1)
    installments = models.PositiveSmallIntegerField(_("拨付期数"), default=1)
    pay_after_acceptance = models.BooleanField(_("项目验收后拨付"), default=False)
    # Codes of the round's topics this item belongs to (an item may serve several: 9.4b is both
    # incubator and insurance).
    topics = models.JSONField(_("申报方向"), default=list, blank=True)

    class Meta:
        verbose_name = _("政策项目")
        verbose_name_plural = _("政策项目")
        ordering = ["round", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="item_unique_code"),
            models.CheckConstraint(
                condition=models.Q(installments__gte=1), name="item_installments_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("policies:item", kwargs={"code": self.round.code, "item": self.code})

    @property
    def display_name(self) -> str:
        return in_active_language(self.name, self.name_en)

    def clean(self) -> None:
        if self.article_id and self.round_id and self.article.round_id != self.round_id:
            raise ValidationError({"article": _("条款必须属于同一政策版本。")})
        if self.formula == rules.Formula.FIXED and self.fixed_amount_fen is None:
            raise ValidationError({"fixed_amount_fen": _("定额奖励必须填写金额。")})
        if self.formula == rules.Formula.RATE and not self.basis_fact:
            raise ValidationError({"basis_fact": _("按比例计算的项目必须指定计算基数。")})
        if (
            self.formula == rules.Formula.RATE
            and self.rate is None
            and not (self.figures_set_by_call or self.rate_fact)
        ):
            raise ValidationError({"rate": _("请填写比例,或勾选“由年度申报指南确定”。")})
        if self.running_ceiling_fen is not None and self.running_window == rules.Window.NONE:
            raise ValidationError({"running_window": _("填写了累计上限,请选择累计口径。")})
        if (
            self.running_window in (rules.Window.PROJECT, rules.Window.ACHIEVEMENT)
            and not self.running_key_fact
        ):
            raise ValidationError({"running_key_fact": _("按项目或成就累计时必须指定区分的事实。")})
        if self.level_fact and not self.top_up:
            raise ValidationError({"level_fact": _("只有晋档补差的项目需要等级事实。")})
        if not 1 <= self.subsidy_years <= 10:
            raise ValidationError({"subsidy_years": _("补贴年限应在 1 到 10 年之间。")})

    def to_rule(self, *, call_rate: Decimal | None = None, call_ceiling_fen: int | None = None) -> rules.Rule:
        """The engine's view of this item, with the annual call's figures where the text says "一定"."""
        facts = self.facts.all()
        conditions = self.conditions.all()
        return rules.Rule(
            code=self.code,
            name=self.name,
            formula=self.formula,
            basis_fact=self.basis_fact,
            rate=self.rate,
            rate_fact=self.rate_fact,
            rate_is_ceiling=self.rate_is_ceiling,
            fixed_amount=rules.fen_to_yuan(self.fixed_amount_fen),
            per_application_ceiling=rules.fen_to_yuan(self.per_application_ceiling_fen),
            figures_set_by_call=self.figures_set_by_call,
            call_rate=call_rate,
            call_ceiling=rules.fen_to_yuan(call_ceiling_fen),
            combined_ceiling_rate=self.combined_ceiling_rate,
            combined_other_fact=self.combined_other_fact,
            running_ceiling=rules.fen_to_yuan(self.running_ceiling_fen),
            running_window=self.running_window,
            running_key_fact=self.running_key_fact,
            top_up=self.top_up,
            level_fact=self.level_fact,
            subsidy_years=self.subsidy_years,
            facts=tuple(f.to_spec() for f in facts),
            conditions=tuple(c.to_condition() for c in conditions),
        )


class ItemFact(models.Model):
    """A fact the item asks the applicant for (names are the contract of POLICY.md)."""

    item = models.ForeignKey(PolicyItem, on_delete=models.CASCADE, related_name="facts")
    name = models.CharField(_("名称"), max_length=60)
    label = models.CharField(_("标签"), max_length=100)
    label_en = models.CharField(_("英文标签"), max_length=120, blank=True)
    type = models.CharField(_("类型"), max_length=10, choices=rules.FactType.choices)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    required = models.BooleanField(_("必填"), default=True)
    choices = models.JSONField(
        _("选项"), default=list, blank=True, help_text=_('[["national","国家级"], ...]')
    )
    help_text = models.CharField(_("说明"), max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("申报事实")
        verbose_name_plural = _("申报事实")
        ordering = ["item", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "name"], name="fact_unique_name")]

    def __str__(self) -> str:
        return f"{self.label}({self.name})"

    @property
    def display_label(self) -> str:
        return in_active_language(self.label, self.label_en)

    @property
    def display_unit(self) -> str:
        return str(UNIT_LABELS.get(self.unit, self.unit))

    def to_spec(self) -> rules.FactSpec:
        # The label in the visitor's language: the engine puts it into its steps and messages.
        return rules.FactSpec(
            name=self.name,
            label=self.display_label,
            type=self.type,
            unit=self.unit,
            required=self.required,
            choices=tuple((str(v), str(lbl)) for v, lbl in self.choices),
        )


class EligibilityCondition(models.Model):
    """An item's own eligibility condition on one fact, e.g. 6.1b: vc_rounds ≥ 2."""

    item = models.ForeignKey(PolicyItem, on_delete=models.CASCADE, related_name="conditions")
    fact = models.CharField(_("事实"), max_length=60)
    operator = models.CharField(_("条件"), max_length=5, choices=rules.Operator.choices)
    value = models.JSONField(_("取值"))
    message = models.CharField(_("不符合时的说明"), max_length=300)
    assumable = models.BooleanField(
        _("未填写时按满足计算"),
        default=False,
        help_text=_("政策计算器中未回答时按满足计算并列为“待确认条件”;申报时必须回答。"),
    )
    assumption = models.CharField(_("待确认条件的说明"), max_length=300, blank=True)
    first_award_only = models.BooleanField(
        _("仅首次资助适用"), default=False, help_text=_("本单位已获本项资助后(如晋档补差)不再适用。")
    )

    class Meta:
        verbose_name = _("申报条件")
        verbose_name_plural = _("申报条件")
        ordering = ["item", "id"]

    def __str__(self) -> str:
        return f"{self.fact} {self.get_operator_display()} {self.value}"

    def to_condition(self) -> rules.Condition:
        return rules.Condition(
            fact=self.fact,
            operator=self.operator,
            value=self.value,
            message=self.message,
            assumable=self.assumable,
            assumption=self.assumption,
            first_award_only=self.first_award_only,
        )


class ItemMaterial(models.Model):
    item = models.ForeignKey(PolicyItem, on_delete=models.CASCADE, related_name="materials")
    code = models.SlugField(_("代码"), max_length=60)
    name = models.CharField(_("材料名称"), max_length=120)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    required = models.BooleanField(_("必须提交"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("申报材料")
        verbose_name_plural = _("申报材料")
        ordering = ["item", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "code"], name="material_unique_code")]

    def __str__(self) -> str:
        return self.name


class RubricCriterion(models.Model):
    """A scoring criterion of an item's review rubric (0–5, half marks), weighted; policy data per round."""

    item = models.ForeignKey(PolicyItem, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("评分项"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=120, blank=True)
    weight = models.DecimalField(
        _("权重"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("评分项")
        verbose_name_plural = _("评分项")
        ordering = ["item", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "code"], name="criterion_unique_code"),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="criterion_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.weight})"


class RecordedAward(models.Model):
    """An award from another district policy, recorded by staff so Art. 10(2) can count it.

    Awards made through this portal are counted by the applications/disbursement apps through
    `policies.ledger`; this table holds only what was granted elsewhere.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="recorded_awards"
    )
    matter = models.CharField(
        _("事项"), max_length=200, help_text=_("项目、合同、证书、活动或保单的名称或编号")
    )
    matter_year = models.PositiveSmallIntegerField(
        _("事项所属年度"),
        null=True,
        blank=True,
        help_text=_("按年度区分的事项(房租、年度合同支出、云服务、活动)所属的年度;留空按获得日期的年度。"),
    )
    source_policy = models.CharField(_("政策名称"), max_length=200)
    amount_fen = models.PositiveBigIntegerField(_("金额(分)"))
    awarded_on = models.DateField(_("获得日期"))
    note = models.CharField(_("备注"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("其他政策已获资助")
        verbose_name_plural = _("其他政策已获资助")
        ordering = ["-awarded_on"]

    def __str__(self) -> str:
        return f"{self.organization.name} {self.matter} {self.source_policy}"

    @property
    def normalised_matter(self) -> str:
        return matters.normalise(self.matter)

    @property
    def year(self) -> int:
        return self.matter_year or self.awarded_on.year

    def matter_key_for(self, key: str) -> str:
        """This award's matter in the shape of `key`: with its year when the compared key is a yearly one.
        (A recorded award names no item of this portal, so the asking item decides whether years count.)"""
        return f"{self.normalised_matter}#{self.year}" if "#" in key else self.normalised_matter


class DocumentNumber(models.Model):
    """The 文号 of an official document (长科委认〔2026〕12号): a sequence per kind and year, issued the
    first time the document is made and the same on every copy after (policies.documents.document_number).
    `subject` names what the document is about (e.g. "application:17"), one number per kind and subject."""

    kind = models.CharField(_("文书种类"), max_length=20)
    subject = models.CharField(_("对象"), max_length=60)
    year = models.PositiveSmallIntegerField(_("年度"))
    sequence = models.PositiveIntegerField(_("序号"))
    issued_at = models.DateTimeField(_("编号时间"))

    class Meta:
        verbose_name = _("文号")
        verbose_name_plural = _("文号")
        ordering = ["kind", "year", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject"], name="document_number_once_per_subject"),
            models.UniqueConstraint(fields=["kind", "year", "sequence"], name="document_number_sequence"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}-{self.sequence} {self.subject}"

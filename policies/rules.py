"""The one money engine: a pure function of (item rule, facts, already-awarded sums, date).

Every amount the portal shows or saves comes from `quote()`: the calculator, the application form,
the reviewer's ceiling, the decision validator and `manage.py quote`. No ORM here: callers gather the
sums. Decimal only, never float; the result is rounded half-up to the fen (Art. 10, POLICY.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from accounts.applicant_types import OrgFlag, OrgType

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
# One trillion yuan: far above any subsidy basis, far below what integer fen can hold.
MAX_AMOUNT = Decimal("1000000000000")

# Facts every quote may carry besides the item's own (POLICY.md, the quote contract).
PRIOR_AWARDS = "prior_awards"  # already awarded under this item's running ceiling
OTHER_POLICY_AWARDS = "other_policy_awards"  # already awarded for the same matter, Art. 10(2)
CALL_RATE = "call_rate"  # the annual call's rate where the text says "一定"
CALL_CEILING = "call_ceiling"  # the annual call's ceiling where it sets one
SUBSIDY_YEAR = "subsidy_year"  # which year of a run of yearly subsidies (6.1b/c 连续补贴三年), default 1
AWARDED_LEVEL = "awarded_level"  # the highest level already awarded under a 晋档补差 item (8.4a)
ORG_TYPE = "org_type"  # the applicant's type (the rulings: who may apply, by item)
ORG_FLAGS = "org_flags"  # comma-separated: sme, tech_sme, incubator, hq_incubator, science_park, …
META_FACTS = (PRIOR_AWARDS, OTHER_POLICY_AWARDS, CALL_RATE, CALL_CEILING)
APPLICANT_FACTS = (ORG_TYPE, ORG_FLAGS)


# Labels and messages are Chinese msgids translated for the visitor's language (locale/); read without
# an active translation (tests, `manage.py quote`) they are exactly the Chinese text.


class Formula(models.TextChoices):
    RATE = "rate", gettext_lazy("基数 × 比例")
    FIXED = "fixed", gettext_lazy("定额")


class Window(models.TextChoices):
    NONE = "none", gettext_lazy("不累计")
    YEAR = "year", gettext_lazy("每单位每年度")
    PROJECT = "project", gettext_lazy("每个项目")
    ORGANISATION = "org", gettext_lazy("每单位累计")
    ACHIEVEMENT = "once", gettext_lazy("每单位每项成就一次")
    ONCE = "org_once", gettext_lazy("每单位仅一次")


class FactType(models.TextChoices):
    MONEY = "money", gettext_lazy("金额(元)")
    DECIMAL = "decimal", gettext_lazy("数值")
    INTEGER = "integer", gettext_lazy("整数")
    BOOLEAN = "boolean", gettext_lazy("是/否")
    CHOICE = "choice", gettext_lazy("选项")
    TEXT = "text", gettext_lazy("文本")


class Operator(models.TextChoices):
    EQ = "eq", gettext_lazy("等于")
    NE = "ne", gettext_lazy("不等于")
    GTE = "gte", gettext_lazy("不小于")
    LTE = "lte", gettext_lazy("不大于")
    IN = "in", gettext_lazy("属于")
    ANY = "any", gettext_lazy("包含任一")


WINDOW_PHRASE = {
    Window.YEAR: gettext_lazy("本单位本年度累计"),
    Window.PROJECT: gettext_lazy("同一项目区级累计"),
    Window.ORGANISATION: gettext_lazy("本单位累计"),
    Window.ACHIEVEMENT: gettext_lazy("同一成就累计"),
    Window.ONCE: gettext_lazy("本单位累计"),
}


@dataclass(frozen=True)
class FactSpec:
    name: str
    label: str
    type: str
    unit: str = ""
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Condition:
    fact: str
    operator: str
    value: object
    message: str
    # Absent → taken as met and listed in the quote's "assumed" (the rulings: conditions the text states);
    # stated as not met → ineligible with `message`.
    assumable: bool = False
    assumption: str = ""
    # Only for an organisation's first award under the item (8.4a 首次通过: a 晋档补差 is not a first).
    first_award_only: bool = False

    def holds(self, actual: object) -> bool:
        if actual is None:
            return False
        expected = self.value
        if self.operator == Operator.IN:
            return actual in expected  # type: ignore[operator]
        if self.operator == Operator.ANY:
            return bool(set(actual) & set(expected))  # type: ignore[call-overload]
        if isinstance(actual, Decimal | int) and not isinstance(actual, bool):
            expected = Decimal(str(expected))
        if self.operator == Operator.EQ:
            return actual == expected
        if self.operator == Operator.NE:
            return actual != expected
        if self.operator == Operator.GTE:
            return actual >= expected  # type: ignore[operator]
        if self.operator == Operator.LTE:
            return actual <= expected  # type: ignore[operator]
        raise ValueError(f"unknown operator {self.operator}")


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    formula: str = Formula.RATE
    basis_fact: str = ""
    rate: Decimal | None = None
    rate_fact: str = ""
    rate_is_ceiling: bool = False
    fixed_amount: Decimal | None = None
    per_application_ceiling: Decimal | None = None
    figures_set_by_call: bool = False
    call_rate: Decimal | None = None
    call_ceiling: Decimal | None = None
    combined_ceiling_rate: Decimal | None = None
    combined_other_fact: str = ""
    running_ceiling: Decimal | None = None
    running_window: str = Window.NONE
    running_key_fact: str = ""
    top_up: bool = False
    level_fact: str = ""
    subsidy_years: int = 1
    facts: tuple[FactSpec, ...] = ()
    conditions: tuple[Condition, ...] = ()

    def fact(self, name: str) -> FactSpec | None:
        return next((f for f in self.facts if f.name == name), None)

    @property
    def assumable_facts(self) -> frozenset[str]:
        """Facts that may be left unanswered in a quote (taken as met, listed in "assumed")."""
        return frozenset(c.fact for c in self.conditions if c.assumable)

    @property
    def extra_facts(self) -> tuple[str, ...]:
        """The quote contract's facts beyond the item's own that this item accepts."""
        names = [*META_FACTS, *APPLICANT_FACTS]
        if self.subsidy_years > 1:
            names.append(SUBSIDY_YEAR)
        if self.level_fact:
            names.append(AWARDED_LEVEL)
        return tuple(names)

    @property
    def needs_call_rate(self) -> bool:
        return self.formula == Formula.RATE and self.rate is None and not self.rate_fact


@dataclass(frozen=True)
class Step:
    rule: str
    amount: Decimal

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "amount": str(self.amount)}


@dataclass(frozen=True)
class Quote:
    eligible: bool
    amount: Decimal
    steps: tuple[Step, ...] = ()
    reasons: tuple[str, ...] = ()
    # Conditions taken as met because their fact was not given (待确认条件), each with its clause.
    assumed: tuple[str, ...] = ()
    # Art. 10(2): what the same matter may still receive when something was already awarded for it (None:
    # nothing was, so 10(2) sets no limit). A 一事一议 override (10(3)) may lift the item's own caps but
    # never this one. Not part of as_dict: the quote command's JSON contract is unchanged.
    matter_left: Decimal | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "eligible": self.eligible,
            "amount": str(self.amount),
            "steps": [s.as_dict() for s in self.steps],
            "reasons": list(self.reasons),
            "assumed": list(self.assumed),
        }


@dataclass(frozen=True)
class Validity:
    """The round's validity window (Art. 10(5)) and the day the quote is for."""

    valid_from: date
    valid_until: date
    on: date


class FactError(ValueError):
    """Bad input: one message per offending fact, in the active language (Chinese unless a visitor
    chose English), for a form or a command line."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__(";".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclass
class _Trail:
    steps: list[Step] = field(default_factory=list)

    def add(self, rule: str, amount: Decimal) -> Decimal:
        self.steps.append(Step(rule, amount))
        return amount


# ---------------------------------------------------------------- formatting


def round_fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def yuan(value: Decimal) -> str:
    """2000000 → '2,000,000.00 元'."""
    return _("%(amount)s 元") % {"amount": f"{round_fen(value):,.2f}"}


def percent(rate: Decimal) -> str:
    text = format((rate * 100).normalize(), "f")
    return f"{text}%"


def fen_to_yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else (Decimal(fen) / 100).quantize(FEN)


def yuan_to_fen(amount: Decimal) -> int:
    return int(round_fen(amount) * 100)


_CN_DIGITS = "零一二三四五六七八九"


def chinese_ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (article numbers)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


# ---------------------------------------------------------------- parsing

_TRUE = {"true", "1", "yes", "y", "是", "on"}
_FALSE = {"false", "0", "no", "n", "否", "off", ""}


# Chinese large-number units an enterprise writes amounts in: 200万, 1.5亿 (money only).
_MONEY_UNITS = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
# Digits with thousands separators, each group of three after the first: 2,000,000 or 1,234.5.
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_CHINESE_NUMERALS = re.compile(r"[零〇一二两三四五六七八九十百千壹贰叁肆伍陆柒捌玖拾佰仟]")


def read_number(raw: object, *, money: bool) -> Decimal:
    """Typed text → Decimal, the one reading of a number for every page and `manage.py quote` (issue 15).

    Accepted: 2000000, 2,000,000, full-width ２，０００，０００ (NFKC makes it half-width), and for money
    ¥/元 around it and the units 万 and 亿 (200万 = 2,000,000; 1.5亿 = 150,000,000). Refused with the reason,
    never guessed: commas not at the thousands (1,5 is a European 1.5 or a typo), Chinese numerals (两百万),
    two units (1亿2000万)."""
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    text = "".join(text.split())  # spaces anywhere, including the ideographic one
    multiplier = Decimal(1)
    if money:
        text = text.removeprefix("¥").removesuffix("元")
        if text[-1:] in _MONEY_UNITS:
            multiplier = _MONEY_UNITS[text[-1]]
            text = text[:-1]
    if not text:
        raise ValueError(_("请输入数字"))
    if money and _CHINESE_NUMERALS.search(text):
        raise ValueError(_("请用阿拉伯数字填写,如 2,000,000、200万 或 1.5亿"))
    if money and any(unit in text for unit in _MONEY_UNITS):
        raise ValueError(_("只能用一个单位,写在数字后面,如 12000万 或 1.2亿"))
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation as exc:
        raise ValueError(_("请输入数字")) from exc
    if not value.is_finite():
        raise ValueError(_("请输入数字"))
    if "," in text and not _GROUPED.fullmatch(text.lstrip("+-")):
        raise ValueError(_("千分位逗号的位置不对:请写成 2,000,000 或 2000000(小数点用“.”)"))
    return value * multiplier


def parse_number(raw: object, *, integer: bool = False, money: bool = False) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError(_("请输入数字"))
    if isinstance(raw, Decimal | int):
        value = Decimal(raw)
    else:
        value = read_number(raw, money=money)
    if not value.is_finite():
        raise ValueError(_("请输入数字"))
    if value < 0:
        raise ValueError(_("不能为负数"))
    value = abs(value)  # "-0" is not negative, but would be quoted as "-0.00"
    if value > MAX_AMOUNT:
        raise ValueError(_("数值过大"))
    if integer and value != value.to_integral_value():
        raise ValueError(_("请输入整数"))
    if money and value != round_fen(value):
        raise ValueError(_("金额最多保留两位小数(到分)"))
    return int(value) if integer else value  # type: ignore[return-value]


def parse_rate(raw: object) -> Decimal:
    """A rate as a fraction: "0.5", or as the calls write it, "50%" (half- or full-width sign)."""
    text = raw.strip() if isinstance(raw, str) else raw
    if isinstance(text, str) and text[-1:] in ("%", "％"):
        return parse_number(text[:-1]) / 100
    return parse_number(text)


def relax(rule: Rule, unknown: Collection[str]) -> Rule:
    """The rule for facts not known yet (政策匹配, before the enterprise has typed anything): each `unknown`
    fact is optional and a condition on it is to be confirmed (listed in `assumed`), not a reason to refuse.
    The amount is then the engine's on what is known; the page says what is missing."""
    if not unknown:
        return rule
    return replace(
        rule,
        facts=tuple(replace(f, required=False) if f.name in unknown else f for f in rule.facts),
        conditions=tuple(
            replace(c, assumable=True, assumption=c.assumption or c.message) if c.fact in unknown else c
            for c in rule.conditions
        ),
    )


def parse_fact(spec: FactSpec, raw: object) -> object:
    if spec.type in (FactType.MONEY, FactType.DECIMAL, FactType.INTEGER):
        return parse_number(raw, integer=spec.type == FactType.INTEGER, money=spec.type == FactType.MONEY)
    if spec.type == FactType.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(_("请填写“是”或“否”(true/false)"))
    if spec.type == FactType.CHOICE:
        text = str(raw).strip()
        allowed = [value for value, _label in spec.choices]
        if text not in allowed:
            options = pgettext("list separator", "、").join(
                _("%(value)s(%(label)s)") % {"value": v, "label": lbl} for v, lbl in spec.choices
            )
            raise ValueError(_("可选值:%(options)s") % {"options": options})
        return text
    text = str(raw).strip()
    if len(text) > 200:
        raise ValueError(_("不超过200个字符"))
    return text


def labelled(label: str, detail: object) -> str:
    """'金额:不能为负数': a message about one fact, led by the fact's label (or name)."""
    return _("%(label)s:%(detail)s") % {"label": label, "detail": detail}


def parse_facts(rule: Rule, raw: Mapping[str, object]) -> dict[str, object]:
    """Turn raw input (strings from a form or a command line) into typed facts, or raise FactError."""
    errors: dict[str, str] = {}
    facts: dict[str, object] = {}
    known = {spec.name for spec in rule.facts}
    extra = rule.extra_facts
    assumable = rule.assumable_facts
    for name in raw:
        if name not in known and name not in extra:
            errors[name] = _("%(code)s 没有事实 %(name)s;可用:%(known)s") % {
                "code": rule.code,
                "name": name,
                "known": ", ".join(sorted(known)),
            }
    for spec in rule.facts:
        value = raw.get(spec.name)
        blank = value is None or (isinstance(value, str) and not value.strip())
        if blank and spec.name in assumable:
            continue  # a condition not answered: the engine takes it as met and says so ("assumed")
        if spec.type == FactType.BOOLEAN and blank:
            # An unticked box: a yes/no fact left out means "no".
            facts[spec.name] = False
            continue
        if blank:
            if spec.required:
                errors[spec.name] = _("请填写%(label)s") % {"label": spec.label}
            continue
        try:
            facts[spec.name] = parse_fact(spec, value)
        except ValueError as exc:
            errors[spec.name] = labelled(spec.label, exc)
    for name in META_FACTS:
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            facts[name] = parse_rate(value) if name == CALL_RATE else parse_number(value, money=True)
        except ValueError as exc:
            errors[name] = labelled(name, exc)
    if CALL_RATE in facts and facts[CALL_RATE] > 1:  # type: ignore[operator]
        errors[CALL_RATE] = labelled(CALL_RATE, _("比例应在 0 到 1 之间(0.5 表示 50%)"))
    for name, parser in _EXTRA_PARSERS.items():
        value = raw.get(name)
        if name not in extra or value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            facts[name] = parser(value)
        except ValueError as exc:
            errors[name] = labelled(name, exc)
    if errors:
        raise FactError(errors)
    return facts


def _positive_integer(raw: object) -> int:
    value = parse_number(raw, integer=True)
    if value < 1:
        raise ValueError(_("应为 1 或以上的整数"))
    return int(value)


def parse_org_type(raw: object) -> str:
    text = str(raw).strip()
    if text not in OrgType.values:
        options = pgettext("list separator", "、").join(
            _("%(value)s(%(label)s)") % {"value": v, "label": lbl} for v, lbl in OrgType.choices
        )
        raise ValueError(_("可选值:%(options)s") % {"options": options})
    return text


def parse_org_flags(raw: object) -> tuple[str, ...]:
    """'sme, tech_sme' (or a list) → ('sme', 'tech_sme'); an unknown flag is an error, "none" is no flag."""
    items = raw if isinstance(raw, list | tuple | set | frozenset) else str(raw).replace(",", ",").split(",")
    flags = {str(item).strip() for item in items} - {"", "none"}
    unknown = sorted(flags - set(OrgFlag.values))
    if unknown:
        raise ValueError(
            _("未知的单位标识 %(unknown)s;可选:%(known)s")
            % {"unknown": ", ".join(unknown), "known": ", ".join(OrgFlag.values)}
        )
    return tuple(flag for flag in OrgFlag.values if flag in flags)


_EXTRA_PARSERS = {
    SUBSIDY_YEAR: _positive_integer,
    AWARDED_LEVEL: _positive_integer,
    ORG_TYPE: parse_org_type,
    ORG_FLAGS: parse_org_flags,
}


# ---------------------------------------------------------------- the engine


def quote(
    rule: Rule,
    facts: Mapping[str, object],
    *,
    validity: Validity | None = None,
    organization: Mapping[str, object] | None = None,
    prior_awards: Decimal | None = None,
    other_policy_awards: Decimal | None = None,
    awarded_level: int | None = None,
) -> Quote:
    """Compute the amount for typed `facts` (see parse_facts) with every step and every reason.

    Raises FactError when the item's rate is left to the annual call ("一定") and neither the call nor
    the facts give it: without it there is no amount to state.

    `prior_awards`, `other_policy_awards` and `awarded_level` come from the database when an organisation is
    known; otherwise from the facts of the same names (POLICY.md), defaulting to 0 and none.
    """
    prior = _money(prior_awards if prior_awards is not None else facts.get(PRIOR_AWARDS))
    other = _money(other_policy_awards if other_policy_awards is not None else facts.get(OTHER_POLICY_AWARDS))
    level = awarded_level if awarded_level is not None else facts.get(AWARDED_LEVEL)

    reasons, assumed = _ineligibility(rule, facts, validity, organization, prior, level)  # type: ignore[arg-type]
    if reasons:
        # 就高不重复 with an entitlement of nothing: what was received for the matter is already the highest.
        return Quote(
            False,
            ZERO,
            (Step(_("不符合申报条件,金额为 0"), ZERO),),
            tuple(reasons),
            tuple(assumed),
            matter_left=ZERO if other > 0 else None,
        )

    if rule.needs_call_rate and rule.call_rate is None and facts.get(CALL_RATE) is None:
        # Asked only of an eligible applicant: an ineligible one is told why before any figure matters.
        raise FactError(
            {
                CALL_RATE: _("%(code)s 的补贴比例由年度申报指南确定,请提供 call_rate(如 0.5)")
                % {"code": rule.code}
            }
        )

    trail = _Trail()
    amount = _entitlement(rule, facts, trail)
    if rule.subsidy_years > 1 and facts.get(SUBSIDY_YEAR) is not None:
        # 连续补贴 (6(1)): each year is subsidised on that year's own figures, not a share of one year's;
        # said right after the basis it applies to.
        trail.steps.insert(
            1,
            Step(
                _("连续补贴 %(years)d 年中的第 %(year)d 年:按该年度的数额计算,不是分摊")
                % {"years": rule.subsidy_years, "year": facts[SUBSIDY_YEAR]},
                trail.steps[0].amount,
            ),
        )
    entitlement = amount

    if rule.top_up:
        # 晋档补差 (8(4)): a higher level pays its own entitlement minus what this item already paid.
        amount = trail.add(
            _("晋档补差:%(entitlement)s 扣除本单位已获本项资助 %(prior)s")
            % {"entitlement": yuan(amount), "prior": yuan(prior)},
            max(ZERO, amount - prior),
        )

    if rule.running_ceiling is not None:
        left = max(ZERO, rule.running_ceiling - prior)
        phrase = WINDOW_PHRASE.get(rule.running_window) or _("累计")
        amount = trail.add(
            _("%(window)s不超过 %(ceiling)s,已获 %(prior)s,尚余 %(left)s")
            % {
                "window": phrase,
                "ceiling": yuan(rule.running_ceiling),
                "prior": yuan(prior),
                "left": yuan(left),
            },
            min(amount, left),
        )

    matter_left = None
    if other > 0:
        # Art. 10(2) 就高不重复: for one matter the unit gets the highest single entitlement, once.
        # This item never pays more than its running ceiling (8.6 and 9.1 have no other cap), so the
        # entitlement that counts here is at most that ceiling.
        if rule.running_ceiling is not None:
            entitlement = min(entitlement, rule.running_ceiling)
        left = max(ZERO, entitlement - other)
        matter_left = round_fen(left)
        amount = trail.add(
            _(
                "同一事项不重复享受(第十条第二款):本项应得 %(entitlement)s,"
                "同一事项已获 %(other)s,至多补足 %(left)s"
            )
            % {"entitlement": yuan(entitlement), "other": yuan(other), "left": yuan(left)},
            min(amount, left),
        )

    final = round_fen(amount)
    trail.add(_("四舍五入到分"), final)
    return Quote(True, final, tuple(trail.steps), (), tuple(assumed), matter_left=matter_left)


def _money(value: object) -> Decimal:
    if value is None:
        return ZERO
    return Decimal(value) if not isinstance(value, Decimal) else value  # type: ignore[arg-type]


def credit_standing_reasons(organization: Mapping[str, object]) -> list[str]:
    """Why an organisation's credit is not 良好 (Art. 2 and its ruling of 2026-12-02): a 严重失信 listing,
    经营异常名录, and the reasons the higher apps give (an unresolved clawback). Empty: in good standing.
    `organization` is the shape of policies.services.standing. Used by the engine and by intake (受理)."""
    reasons: list[str] = []
    if not organization.get("credit_good"):
        reasons.append(_("单位信用记录不良(列入严重失信名单,第二条)"))
    if organization.get("in_abnormal_list"):
        reasons.append(_("单位列入经营异常名录,信用记录不属良好(第二条)"))
    reasons.extend(str(r) for r in organization.get("standing_reasons") or ())  # type: ignore[attr-defined]
    return reasons


def _ineligibility(
    rule: Rule,
    facts: Mapping[str, object],
    validity: Validity | None,
    organization: Mapping[str, object] | None,
    prior: Decimal,
    awarded_level: int | None,
) -> tuple[list[str], list[str]]:
    """(reasons it is not eligible, conditions taken as met because unanswered)."""
    reasons: list[str] = []
    assumed: list[str] = []
    if validity is not None and not (validity.valid_from <= validity.on <= validity.valid_until):
        reasons.append(
            _("申报日期 %(on)s 不在政策有效期(%(valid_from)s 至 %(valid_until)s)内(第十条第五款)")
            % {
                "on": f"{validity.on:%Y-%m-%d}",
                "valid_from": f"{validity.valid_from:%Y-%m-%d}",
                "valid_until": f"{validity.valid_until:%Y-%m-%d}",
            }
        )
    if organization is not None:
        if not organization.get("registered_in_changning"):
            reasons.append(_("单位未在长宁区依法设立(第二条)"))
        if not organization.get("operating_normally"):
            reasons.append(_("单位经营状态不正常(第二条要求存续/在业)"))
        reasons.extend(credit_standing_reasons(organization))
    awarded_before = prior > 0 or awarded_level is not None
    for condition in rule.conditions:
        if condition.first_award_only and awarded_before:
            continue
        actual = facts.get(condition.fact)
        if actual is None and condition.assumable:
            assumed.append(condition.assumption or condition.message)
        elif not condition.holds(actual):
            reasons.append(condition.message)
    year = facts.get(SUBSIDY_YEAR) or 1
    if year > rule.subsidy_years:  # type: ignore[operator]
        reasons.append(
            _("%(code)s 连续补贴 %(years)d 年(第六条第一款),第 %(year)d 年不再补贴")
            % {"code": rule.code, "years": rule.subsidy_years, "year": year}
        )
    if rule.running_window == Window.ACHIEVEMENT and prior > 0:
        reasons.append(_("本单位已就同一成就获得过一次性奖励,不能重复申报"))
    if rule.running_window == Window.ONCE and prior > 0:
        reasons.append(
            _("%(code)s 每单位只享受一次(补贴期限一年),本单位已获 %(prior)s")
            % {"code": rule.code, "prior": yuan(prior)}
        )
    if rule.level_fact and awarded_level is not None:
        level = facts.get(rule.level_fact)
        if level is not None and level <= awarded_level:  # type: ignore[operator]
            spec = rule.fact(rule.level_fact)
            reasons.append(
                _(
                    "晋档补差须晋级(第八条第四款):本次%(label)s为 %(level)s 级,"
                    "不高于本单位本项已获资助的最高等级 %(awarded)s 级"
                )
                % {
                    "label": spec.label if spec else rule.level_fact,
                    "level": level,
                    "awarded": awarded_level,
                }
            )
    return reasons, assumed


def _entitlement(rule: Rule, facts: Mapping[str, object], trail: _Trail) -> Decimal:
    """The item's own entitlement: base × rate (or the fixed sum) under the item's and the call's ceilings."""
    if rule.formula == Formula.FIXED:
        amount = trail.add(
            _("一次性定额奖励 %(amount)s") % {"amount": yuan(rule.fixed_amount or ZERO)},
            rule.fixed_amount or ZERO,
        )
    else:
        spec = rule.fact(rule.basis_fact)
        label = spec.label if spec else rule.basis_fact
        base = _money(facts.get(rule.basis_fact))
        rate, source = _rate(rule, facts)
        rate_text = _("不超过 %(rate)s") % {"rate": percent(rate)} if rule.rate_is_ceiling else percent(rate)
        amount = trail.add(
            _("%(label)s %(base)s × %(rate)s%(source)s")
            % {"label": label, "base": yuan(base), "rate": rate_text, "source": source},
            round_fen(base * rate),
        )
        if rule.combined_ceiling_rate is not None:
            other_spec = rule.fact(rule.combined_other_fact)
            other_label = other_spec.label if other_spec else rule.combined_other_fact
            other = _money(facts.get(rule.combined_other_fact))
            combined = round_fen(base * rule.combined_ceiling_rate)
            left = max(ZERO, combined - other)
            amount = trail.add(
                _(
                    "市区两级合计不超过 %(label)s × %(rate)s = %(combined)s,"
                    "扣除%(other_label)s %(other)s,区级至多 %(left)s"
                )
                % {
                    "label": label,
                    "rate": percent(rule.combined_ceiling_rate),
                    "combined": yuan(combined),
                    "other_label": other_label,
                    "other": yuan(other),
                    "left": yuan(left),
                },
                min(amount, left),
            )
    if rule.per_application_ceiling is not None:
        amount = trail.add(
            _("单项最高不超过 %(ceiling)s") % {"ceiling": yuan(rule.per_application_ceiling)},
            min(amount, rule.per_application_ceiling),
        )
    call_ceiling = rule.call_ceiling if rule.call_ceiling is not None else facts.get(CALL_CEILING)
    if call_ceiling is not None:
        amount = trail.add(
            _("年度申报指南上限 %(ceiling)s") % {"ceiling": yuan(call_ceiling)},  # type: ignore[arg-type]
            min(amount, call_ceiling),  # type: ignore[type-var, arg-type]
        )
    return amount


def _rate(rule: Rule, facts: Mapping[str, object]) -> tuple[Decimal, str]:
    if rule.rate_fact and facts.get(rule.rate_fact) is not None:
        spec = rule.fact(rule.rate_fact)
        label = spec.label if spec else rule.rate_fact
        return facts[rule.rate_fact], _("(%(label)s)") % {"label": label}  # type: ignore[return-value]
    if rule.rate is not None:
        if rule.rate_fact:
            spec = rule.fact(rule.rate_fact)
            label = spec.label if spec else rule.rate_fact
            return rule.rate, _("(未填写%(label)s,按默认比例)") % {"label": label}
        return rule.rate, ""
    if rule.call_rate is not None:
        return rule.call_rate, _("(年度申报指南确定的比例)")
    return facts[CALL_RATE], _("(年度申报指南确定的比例)")  # type: ignore[return-value]

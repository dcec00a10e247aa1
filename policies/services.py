"""State changes of the policy data: loading a round from its data file, copying, publishing;
and `quote_item`, the one way the portal asks the engine for an amount."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from . import matters, rules
from .ledger import AwardQuery, awarded_sums, memoised
from .models import (
    Article,
    EligibilityCondition,
    ItemFact,
    ItemMaterial,
    PolicyItem,
    PolicyRound,
    RubricCriterion,
)

ROUND_FIELDS = ("title", "short_title", "issuer", "valid_from", "valid_until", "status", "is_demo")
ITEM_FIELDS = (
    "clause",
    "name",
    "name_en",
    "clause_text",
    "who_may_apply",
    "amount_rule_text",
    "formula",
    "basis_fact",
    "rate",
    "rate_fact",
    "rate_is_ceiling",
    "fixed_amount_fen",
    "per_application_ceiling_fen",
    "figures_set_by_call",
    "combined_ceiling_rate",
    "combined_other_fact",
    "running_ceiling_fen",
    "running_window",
    "running_key_fact",
    "top_up",
    "level_fact",
    "matter_by_year",
    "shared_matter",
    "subsidy_years",
    "installments",
    "pay_after_acceptance",
    "topics",
)
FACT_FIELDS = ("label", "label_en", "type", "unit", "required", "choices", "help_text", "sort_order")
MATERIAL_FIELDS = ("name", "description", "required", "sort_order")


class PolicyDataError(ValueError):
    """A policy data file that cannot be loaded; the message names the place."""


@dataclass
class LoadResult:
    round: PolicyRound
    created: int = 0
    updated: int = 0
    deleted: int = 0
    changed: list[str] = field(default_factory=list)
    # A round created by this load has no rows below it yet: nothing to look up, compare or prune.
    fresh: bool = False

    @property
    def unchanged(self) -> bool:
        return not (self.created or self.updated or self.deleted)


# ---------------------------------------------------------------- loading


def _fen(value: Any, where: str) -> int | None:
    if value is None:
        return None
    try:
        return rules.yuan_to_fen(rules.parse_number(str(value), money=True))
    except ValueError as exc:
        raise PolicyDataError(f"{where}: {exc}") from exc


def _decimal(value: Any, where: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return rules.parse_number(str(value))
    except ValueError as exc:
        raise PolicyDataError(f"{where}: {exc}") from exc


def _topics(raw: Any, code: str) -> list[dict[str, str]]:
    """The round's topics as stored: each a code and its names; a code given twice is a data error."""
    topics: list[dict[str, str]] = []
    for topic in raw:
        if not isinstance(topic, Mapping) or not topic.get("code") or not topic.get("name"):
            raise PolicyDataError(f"{code}: 申报方向须有 code 和 name")
        if any(t["code"] == topic["code"] for t in topics):
            raise PolicyDataError(f"{code}: 申报方向 {topic['code']} 重复")
        topics.append(
            {"code": str(topic["code"]), "name": str(topic["name"]), "name_en": str(topic.get("name_en", ""))}
        )
    return topics


def _upsert(model, lookup: dict[str, Any], values: dict[str, Any], result: LoadResult, label: str):
    """Create or update one row; counts only real changes so a second load reports nothing."""
    obj = None if result.fresh else model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        result.created += 1
        result.changed.append(f"+ {label}")
        return obj
    dirty = [name for name, value in values.items() if getattr(obj, name) != value]
    if dirty:
        for name in dirty:
            setattr(obj, name, values[name])
        obj.save(update_fields=dirty)
        result.updated += 1
        result.changed.append(f"~ {label}: {', '.join(dirty)}")
    return obj


def _prune(queryset, keep_ids: set[int], result: LoadResult, label: str) -> None:
    if result.fresh:
        return
    stale = queryset.exclude(id__in=keep_ids)
    count = stale.count()
    if count:
        stale.delete()
        result.deleted += count
        result.changed.append(f"- {count} × {label}")


@transaction.atomic
def load_round(data: Mapping[str, Any], *, source_text: str = "") -> LoadResult:
    """Create or bring up to date one round from its data-file mapping. Running it twice changes nothing."""
    try:
        code = data["code"]
        values = {name: data[name] for name in ("title", "valid_from", "valid_until", "status")}
    except KeyError as exc:
        raise PolicyDataError(f"政策数据缺少字段 {exc.args[0]}") from exc
    for name in ("valid_from", "valid_until"):
        if not isinstance(values[name], date):
            raise PolicyDataError(f"{code}: {name} 应为日期 YYYY-MM-DD")
    if values["status"] not in PolicyRound.Status.values:
        raise PolicyDataError(f"{code}: 未知状态 {values['status']}")
    values.update(
        short_title=data.get("short_title", ""),
        issuer=data.get("issuer", "长宁区科学技术委员会"),
        is_demo=bool(data.get("is_demo", False)),
        topics=_topics(data.get("topics") or [], code),
    )
    if source_text:
        values["source_text"] = source_text

    result = LoadResult(round=None)  # type: ignore[arg-type]
    policy_round = _upsert(PolicyRound, {"code": code}, values, result, code)
    result.round = policy_round
    result.fresh = result.created == 1

    articles: dict[int, Article] = {}
    for art in data.get("articles") or []:
        articles[art["number"]] = _upsert(
            Article,
            {"round": policy_round, "number": art["number"]},
            {"title": art["title"], "text": art["text"].strip()},
            result,
            f"{code} 第{art['number']}条",
        )

    common_materials = data.get("common_materials") or []
    default_rubric = data.get("default_rubric") or []
    item_ids: set[int] = set()
    topic_codes = {topic["code"] for topic in values["topics"]}
    for order, raw in enumerate(data.get("items") or [], start=1):
        unknown = sorted(set(raw.get("topics") or []) - topic_codes)
        if unknown:
            raise PolicyDataError(f"{code} {raw.get('code')}: 未定义的申报方向 {', '.join(unknown)}")
        item = _load_item(policy_round, articles, raw, order, common_materials, result)
        _load_rubric(item, raw.get("rubric") or default_rubric, result)
        item_ids.add(item.id)
    _prune(PolicyItem.objects.filter(round=policy_round), item_ids, result, "政策项目")
    _prune(Article.objects.filter(round=policy_round), {a.id for a in articles.values()}, result, "条款")
    # An item may have moved: the approver queue orders by a copy of its place (Application.queue_item_order).
    from applications.services import refresh_queue_keys  # applications builds on policies: import late

    refresh_queue_keys(items=PolicyItem.objects.filter(round=policy_round))
    return result


def _load_item(policy_round, articles, raw, order, common_materials, result) -> PolicyItem:
    code = str(raw.get("code", ""))
    where = f"{policy_round.code} {code}"
    if raw.get("article") not in articles:
        raise PolicyDataError(f"{where}: 条款 {raw.get('article')} 不存在")
    values: dict[str, Any] = {
        "article": articles[raw["article"]],
        "clause": raw.get("clause", ""),
        "name": raw["name"],
        "name_en": raw.get("name_en", ""),
        "clause_text": raw.get("clause_text", ""),
        "who_may_apply": raw.get("who_may_apply", ""),
        "amount_rule_text": raw.get("amount_rule_text", ""),
        "sort_order": order,
        "formula": raw.get("formula", rules.Formula.RATE),
        "basis_fact": raw.get("basis_fact", ""),
        "rate": _decimal(raw.get("rate"), f"{where} rate"),
        "rate_fact": raw.get("rate_fact", ""),
        "rate_is_ceiling": bool(raw.get("rate_is_ceiling", False)),
        "fixed_amount_fen": _fen(raw.get("fixed_amount"), f"{where} fixed_amount"),
        "per_application_ceiling_fen": _fen(raw.get("per_application_ceiling"), f"{where} ceiling"),
        "figures_set_by_call": bool(raw.get("figures_set_by_call", False)),
        "combined_ceiling_rate": _decimal(raw.get("combined_ceiling_rate"), f"{where} combined"),
        "combined_other_fact": raw.get("combined_other_fact", ""),
        "running_ceiling_fen": _fen(raw.get("running_ceiling"), f"{where} running_ceiling"),
        "running_window": raw.get("running_window", rules.Window.NONE),
        "running_key_fact": raw.get("running_key_fact", ""),
        "top_up": bool(raw.get("top_up", False)),
        "level_fact": raw.get("level_fact", ""),
        "matter_by_year": bool(raw.get("matter_by_year", False)),
        "shared_matter": raw.get("shared_matter", ""),
        "subsidy_years": int(raw.get("subsidy_years", 1)),
        "installments": int(raw.get("installments", 1)),
        "pay_after_acceptance": bool(raw.get("pay_after_acceptance", False)),
        "topics": [str(topic) for topic in raw.get("topics") or []],
    }
    if values["formula"] not in rules.Formula.values:
        raise PolicyDataError(f"{where}: 未知计算方式 {values['formula']}")
    if values["running_window"] not in rules.Window.values:
        raise PolicyDataError(f"{where}: 未知累计口径 {values['running_window']}")
    item = _upsert(PolicyItem, {"round": policy_round, "code": code}, values, result, where)
    try:
        item.full_clean()
    except ValidationError as exc:
        raise PolicyDataError(f"{where}: {'; '.join(exc.messages)}") from exc

    fact_ids = set()
    for order_f, fact in enumerate(raw.get("facts") or [], start=1):
        if fact.get("type") not in rules.FactType.values:
            raise PolicyDataError(f"{where}: 事实 {fact.get('name')} 类型未知")
        fact_ids.add(
            _upsert(
                ItemFact,
                {"item": item, "name": fact["name"]},
                {
                    "label": fact["label"],
                    "label_en": fact.get("label_en", ""),
                    "type": fact["type"],
                    "unit": fact.get("unit", ""),
                    "required": bool(fact.get("required", True)),
                    "choices": [list(c) for c in fact.get("choices", [])],
                    "help_text": fact.get("help_text", ""),
                    "sort_order": order_f,
                },
                result,
                f"{where} 事实 {fact['name']}",
            ).id
        )
    _prune(item.facts.all(), fact_ids, result, f"{where} 事实")

    condition_ids = set()
    for cond in raw.get("conditions") or []:
        if cond.get("operator") not in rules.Operator.values:
            raise PolicyDataError(f"{where}: 条件运算符未知 {cond.get('operator')}")
        condition_ids.add(
            _upsert(
                EligibilityCondition,
                {"item": item, "fact": cond["fact"], "operator": cond["operator"]},
                {
                    "value": cond["value"],
                    "message": cond["message"],
                    "assumable": bool(cond.get("assumable", False)),
                    "assumption": cond.get("assumption", ""),
                    "first_award_only": bool(cond.get("first_award_only", False)),
                },
                result,
                f"{where} 条件 {cond['fact']}",
            ).id
        )
    _prune(item.conditions.all(), condition_ids, result, f"{where} 条件")

    material_ids = set()
    for order_m, mat in enumerate([*common_materials, *(raw.get("materials") or [])], start=1):
        material_ids.add(
            _upsert(
                ItemMaterial,
                {"item": item, "code": mat["code"]},
                {
                    "name": mat["name"],
                    "description": mat.get("description", ""),
                    "required": bool(mat.get("required", True)),
                    "sort_order": order_m,
                },
                result,
                f"{where} 材料 {mat['code']}",
            ).id
        )
    _prune(item.materials.all(), material_ids, result, f"{where} 材料")
    return item


def _load_rubric(item: PolicyItem, criteria: list[Mapping[str, Any]], result: LoadResult) -> None:
    where = f"{item.round.code} {item.code}"
    ids = set()
    for order, raw in enumerate(criteria, start=1):
        weight = _decimal(raw.get("weight"), f"{where} 评分项 {raw.get('code')} weight")
        if not weight:
            raise PolicyDataError(f"{where}: 评分项 {raw.get('code')} 的权重必须大于 0")
        ids.add(
            _upsert(
                RubricCriterion,
                {"item": item, "code": raw["code"]},
                {
                    "name": raw["name"],
                    "name_en": raw.get("name_en", ""),
                    "weight": weight,
                    "sort_order": order,
                },
                result,
                f"{where} 评分项 {raw['code']}",
            ).id
        )
    _prune(item.criteria.all(), ids, result, f"{where} 评分项")


# ---------------------------------------------------------------- copy and publish


@transaction.atomic
def copy_round(*, source: PolicyRound, code: str = "", title: str = "") -> PolicyRound:
    """Copy a round with all its articles and items into a new draft that staff can edit.

    The copy shares no rows with the source, so editing the draft never changes the source round nor
    any application made under it.
    """
    if not code:
        base = f"{source.code}-draft"
        code, n = base, 1
        while PolicyRound.objects.filter(code=code).exists():
            n += 1
            code = f"{base}-{n}"
    if PolicyRound.objects.filter(code=code).exists():
        raise ValidationError({"code": f"版本代码 {code} 已存在"})
    draft = PolicyRound.objects.create(
        code=code,
        title=title or source.title,
        short_title=f"{source.short_title or source.title}(修订草稿)",
        issuer=source.issuer,
        valid_from=source.valid_from,
        valid_until=source.valid_until,
        status=PolicyRound.Status.DRAFT,
        is_demo=source.is_demo,
        source_text=source.source_text,
        topics=source.topics,
        copied_from=source,
    )
    article_map: dict[int, Article] = {}
    for article in source.articles.all():
        old_id = article.id
        article.pk = None
        article.round = draft
        article.save()
        article_map[old_id] = article
    items = source.items.prefetch_related("facts", "conditions", "materials", "criteria")
    for item in items:
        criteria = list(item.criteria.all())
        facts, conditions, materials = (
            list(item.facts.all()),
            list(item.conditions.all()),
            list(item.materials.all()),
        )
        item.pk = None
        item.round = draft
        item.article = article_map[item.article_id]
        item.save()
        for child in (*facts, *conditions, *materials, *criteria):
            child.pk = None
            child.item = item
        ItemFact.objects.bulk_create(facts)
        EligibilityCondition.objects.bulk_create(conditions)
        ItemMaterial.objects.bulk_create(materials)
        RubricCriterion.objects.bulk_create(criteria)
    return draft


@transaction.atomic
def publish_round(*, policy_round: PolicyRound) -> PolicyRound:
    """Publish a draft: from now on it is read-only. Every item must pass its own validation."""
    policy_round = PolicyRound.objects.select_for_update().get(pk=policy_round.pk)
    if policy_round.status != PolicyRound.Status.DRAFT:
        raise ValidationError("只有草稿状态的政策版本可以发布。")
    errors = []
    for item in policy_round.items.select_related("article"):
        try:
            item.full_clean()
        except ValidationError as exc:
            errors.append(f"{item.code}: {'; '.join(exc.messages)}")
    if not policy_round.items.exists():
        errors.append("政策版本没有任何项目。")
    if errors:
        raise ValidationError(errors)
    policy_round.status = PolicyRound.Status.PUBLISHED
    policy_round.published_at = timezone.now()
    policy_round.save(update_fields=["status", "published_at"])
    return policy_round


# ---------------------------------------------------------------- quoting


def default_round_for(item_code: str, on: date) -> PolicyRound | None:
    """The published round that has this item and is valid on `on`; official rounds before demo ones.

    Failing that, the latest published or expired round with the item, so the quote can say why it is
    not valid on that day.
    """
    rounds = PolicyRound.objects.exclude(status=PolicyRound.Status.DRAFT).filter(items__code=item_code)
    valid = rounds.filter(valid_from__lte=on, valid_until__gte=on).order_by("is_demo", "-valid_from")
    return valid.first() or rounds.order_by("is_demo", "-valid_until").first()


def applicant_facts(organization) -> dict[str, object]:
    """The organisation's recorded type and flags as the engine's facts. Both are left out while the type is
    not recorded, so a condition on them is taken as met and listed as to be confirmed (the rulings); the
    application form then asks the organisation to record its type before submitting."""
    if not organization.org_type:
        return {}  # nothing recorded yet: the flags' defaults say nothing either
    return {rules.ORG_TYPE: organization.org_type, rules.ORG_FLAGS: organization.flags}


@cache
def _standing_checks() -> tuple:
    return tuple(import_string(path) for path in getattr(settings, "ORGANIZATION_STANDING_CHECKS", ()))


def standing(organization) -> dict[str, object]:
    """Art. 2 as the engine reads it: the organisation's own record, and the reasons the higher apps give
    (settings.ORGANIZATION_STANDING_CHECKS: an unresolved clawback of this district's funds)."""
    facts = organization.article2_facts()
    facts["standing_reasons"] = [reason for check in _standing_checks() for reason in check(organization)]
    return facts


# Facts that come from the database when the organisation is known, never from the typed facts.
FROM_DATABASE = (rules.PRIOR_AWARDS, rules.OTHER_POLICY_AWARDS, rules.AWARDED_LEVEL, *rules.APPLICANT_FACTS)


def quote_item(
    *,
    item: PolicyItem,
    raw_facts: Mapping[str, object],
    on: date | None = None,
    organization=None,
    year: int | None = None,
    matter: str = "",
    matter_key: str | None = None,
    call_rate: Decimal | None = None,
    call_ceiling_fen: int | None = None,
    exclude_application_id: int | None = None,
    check_validity: bool = True,
    unknown: Collection[str] = (),
) -> rules.Quote:
    """Parse the facts and quote them with the round's validity and, for a known organisation, its
    Art. 2 facts, its recorded type and what it was already awarded. Raises rules.FactError on bad input.

    `matter` is the reference as typed; the ledgers compare `matter_key` (matters.matter_key of it, for the
    year). `check_validity=False` leaves out Art. 10(5): the yearly claims of an award recognised while the
    round was in force are paid on that recognition. `unknown` names facts not known yet (政策匹配:
    rules.relax), so the quote says what they would decide instead of refusing."""
    on = on or timezone.localdate()
    rule = rules.relax(item.to_rule(call_rate=call_rate, call_ceiling_fen=call_ceiling_fen), unknown)
    if organization is not None:
        given = [name for name in FROM_DATABASE if name in raw_facts]
        if given:
            raise rules.FactError(
                {
                    name: "单位类型按单位登记的信息读取,不能另行填写"
                    if name in rules.APPLICANT_FACTS
                    else "已获金额按单位从数据库读取,不能另行填写"
                    for name in given
                }
            )
    facts = rules.parse_facts(rule, raw_facts)
    validity = rules.Validity(item.round.valid_from, item.round.valid_until, on) if check_validity else None
    if organization is None:
        return rules.quote(rule, facts, validity=validity)
    facts.update(applicant_facts(organization))
    year = year or on.year
    if matter_key is None:
        matter_key = matters.matter_key(item=item, matter_ref=matter, year=year)
    sums = awarded_sums(
        AwardQuery(
            organization=organization,
            item=item,
            year=year,
            facts=facts,
            matter=matter,
            matter_key=matter_key,
            exclude_application_id=exclude_application_id,
        )
    )
    return rules.quote(
        rule,
        facts,
        validity=validity,
        # Read once per page when the matching page quotes every item (ledger.shared_reads).
        organization=memoised(("standing", organization.pk), lambda: standing(organization)),
        prior_awards=sums.running,
        other_policy_awards=sums.same_matter,
        awarded_level=sums.highest_level,
    )

"""Loading the policy data, copying a round into a draft and publishing it (policies.services)."""

import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
import yaml
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from policies.models import (
    Article,
    EligibilityCondition,
    ItemFact,
    ItemMaterial,
    PolicyItem,
    PolicyRound,
)
from policies.services import ITEM_FIELDS, copy_round, publish_round, quote_item

from .test_rules import ITEM_CODES, ROUND

DATA_FILE = Path(__file__).resolve().parents[2] / "policies" / "data" / "changning-ai-2024.yaml"
POLICY_MODELS = (PolicyRound, Article, PolicyItem, ItemFact, EligibilityCondition, ItemMaterial)

# POLICY.md's table: each item's clause and the facts it asks for ("names are the contract").
# The facts of POLICY.md's table, and the conditions its rulings of 2026-12-02 turn into facts.
POLICY_TABLE = {
    "6.1a": ("6(1)", {"annual_rent", "newly_introduced"}),
    "6.1b": ("6(1)", {"annual_rent", "vc_rounds"}),
    "6.1c": ("6(1)", {"annual_rent", "in_key_carrier"}),
    "6.2": ("6(2)", {"paid_in_capital", "key_unit_level", "in_innovation_carrier"}),
    "6.3": ("6(3)", {"requested_amount"}),
    "7.1": ("7(1)", {"self_raised_investment"}),
    "7.2": ("7(2)", {"city_amount"}),
    "8.1": ("8(1)", {"superior_funding", "superior_match_ratio", "project_ref", "superior_level"}),
    "8.2": ("8(2)", {"total_investment"}),
    "8.3": ("8(3)", {"total_investment", "in_fiscal_it_budget"}),
    "8.4a": ("8(4)", {"certification_cost", "dcmm_level", "first_dcmm"}),
    "8.4b": ("8(4)", {"achievement", "first_time_last_year"}),
    "8.5": ("8(5)", {"contract_amount", "software_category"}),
    "8.6": ("8(6)", {"contract_expenditure"}),
    "9.1": ("9(1)", {"service_cost"}),
    "9.2a": ("9(2)", {"eligible_cost", "held_in_changning"}),
    "9.2b": ("9(2)", {"eligible_cost", "held_in_changning"}),
    "9.2c": ("9(2)", {"eligible_cost"}),
    "9.3a": ("9(3)", {"construction_investment"}),
    "9.3b": ("9(3)", {"operating_cost", "city_amount"}),
    "9.3c": ("9(3)", {"city_reward"}),
    "9.4a": ("9(4)", {"premium_paid"}),
    "9.4b": ("9(4)", {"premium_paid"}),
}


def load(*files: object) -> list[str]:
    out = io.StringIO()
    call_command("loadpolicy", *map(str, files), stdout=out)
    return out.getvalue().splitlines()


def load_error(*files: object) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("loadpolicy", *map(str, files), stdout=out)
    assert exc.value.returncode == 2
    message = str(exc.value)
    assert message and "\n" not in message
    return message


def snapshot() -> dict[str, list[dict]]:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in POLICY_MODELS}


def item_snapshot(policy_round: PolicyRound) -> dict[str, dict]:
    """Every figure, fact, condition and material of every item of one round, by item code."""
    return {
        item.code: {
            "fields": {name: getattr(item, name) for name in ITEM_FIELDS},
            "facts": list(item.facts.values("name", "label", "type", "required", "choices")),
            "conditions": list(item.conditions.values("fact", "operator", "value", "message")),
            "materials": list(item.materials.values("code", "name", "required")),
        }
        for item in policy_round.items.order_by("sort_order")
    }


# ------------------------------------------------------------------ loading


def test_loading_twice_changes_nothing(db):
    first = load()
    assert first[0] == "changning-ai-2021: 新增 1,更新 0,删除 0(0 个项目)"
    assert first[1].startswith("changning-ai-2024: 新增 ") and first[1].endswith(",更新 0,删除 0(23 个项目)")
    before = snapshot()
    assert load() == ["changning-ai-2021: 无变化(0 个项目)", "changning-ai-2024: 无变化(23 个项目)"]
    assert snapshot() == before


def test_reloading_restores_a_figure_edited_in_the_database(policy_data):
    PolicyItem.objects.filter(round__code=ROUND, code="7.1").update(rate=Decimal("0.4"))
    assert load(DATA_FILE) == ["changning-ai-2024: 新增 0,更新 1,删除 0(23 个项目)"]
    assert PolicyItem.objects.get(round__code=ROUND, code="7.1").rate == Decimal("0.30")


def test_the_2021_round_is_recorded_as_expired_without_items(policy_data):
    old = PolicyRound.objects.get(code="changning-ai-2021")
    assert old.status == PolicyRound.Status.EXPIRED
    assert old.title == "长宁区深入推进新一代人工智能产业融合创新发展的实施办法"
    assert old.valid_until == date(2023, 12, 31)
    assert (old.items.count(), old.articles.count()) == (0, 0)


def test_the_2024_round_is_published_with_ten_articles_and_the_items_of_the_policy_table(policy_data):
    current = PolicyRound.objects.get(code=ROUND)
    assert current.status == PolicyRound.Status.PUBLISHED
    assert (current.valid_from, current.valid_until) == (date(2024, 1, 1), date(2026, 12, 31))
    assert list(current.articles.values_list("number", flat=True)) == list(range(1, 11))
    assert list(current.items.values_list("code", flat=True)) == list(ITEM_CODES)
    assert "第十条(附则)" in current.source_text


def test_every_item_has_the_clause_and_the_facts_of_the_policy_table(policy_data):
    items = PolicyItem.objects.filter(round__code=ROUND).prefetch_related("facts", "materials")
    loaded = {item.code: (item.clause, {f.name for f in item.facts.all()}) for item in items}
    assert loaded == POLICY_TABLE
    for item in items:
        assert item.article.number == int(item.clause.split("(")[0])
        # Art. 2 is checked against the licence and the credit commitment on every item.
        assert {"business_license", "credit_commitment"} <= {m.code for m in item.materials.all()}


def test_choice_facts_offer_exactly_the_values_of_the_policy_table(policy_data):
    def choices(code: str, name: str) -> list[str]:
        fact = ItemFact.objects.get(item__round__code=ROUND, item__code=code, name=name)
        return [value for value, _label in fact.choices]

    assert choices("6.2", "key_unit_level") == ["national", "city"]
    assert choices("8.4b", "achievement") == [
        "two_integration",
        "industrial_internet_provider",
        "double_hundred",
    ]
    assert choices("8.5", "software_category") == ["industrial", "industry", "emerging", "xinchuang"]


# ------------------------------------------------------------------ bad data files


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code: [unclosed\n", "不是有效的 YAML(ParserError)"),
        ("- just\n- a list\n", "政策数据应为一个映射"),
        ("code: x\nvalid_from: 2024-01-01\n", "政策数据缺少字段 title"),
        (
            "code: x\ntitle: t\nvalid_from: 2024-01-01\nvalid_until: 2026-12-31\nstatus: live\n",
            "x: 未知状态 live",
        ),
        (
            "code: x\ntitle: t\nvalid_from: soon\nvalid_until: 2026-12-31\nstatus: draft\n",
            "x: valid_from 应为日期 YYYY-MM-DD",
        ),
    ],
    ids=["not-yaml", "not-a-mapping", "missing-title", "unknown-status", "bad-date"],
)
def test_a_broken_data_file_is_one_line_and_exit_status_two(db, tmp_path, text, message):
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_error(path) == f"{path}: {message}"
    assert not PolicyRound.objects.exists()


def test_an_unknown_data_file_is_one_line_and_exit_status_two(db, tmp_path):
    missing = tmp_path / "no-such-round.yaml"
    assert load_error(missing) == f"找不到政策数据文件 {missing}"


def test_a_round_with_a_bad_item_is_not_loaded_at_all(db, tmp_path):
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    data["code"] = "changning-ai-broken"
    data["items"].append({"code": "10.1", "article": 99, "name": "不存在的条款"})
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_error(path) == f"{path}: changning-ai-broken 10.1: 条款 99 不存在"
    # The 23 good items before it were rolled back with it.
    assert not PolicyRound.objects.filter(code="changning-ai-broken").exists()
    assert not PolicyItem.objects.exists()


def test_an_item_that_fails_its_own_validation_is_refused(db, tmp_path):
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    seven_one = next(item for item in data["items"] if item["code"] == "7.1")
    seven_one["rate"] = None  # neither a rate nor "set by the call"
    path = tmp_path / "no-rate.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    message = load_error(path)
    assert message.startswith(f"{path}: changning-ai-2024 7.1: ")
    assert "请填写比例" in message
    assert not PolicyRound.objects.exists()


# ------------------------------------------------------------------ copy, edit, publish


@pytest.fixture
def published(policy_data) -> PolicyRound:
    return PolicyRound.objects.get(code=ROUND)


@pytest.fixture
def draft(published) -> PolicyRound:
    return copy_round(source=published)


def test_copying_a_round_makes_a_draft_with_the_same_items(published, draft):
    assert (draft.code, draft.status, draft.copied_from) == (
        f"{ROUND}-draft",
        PolicyRound.Status.DRAFT,
        published,
    )
    assert (draft.valid_from, draft.valid_until, draft.title) == (
        published.valid_from, published.valid_until, published.title,
    )  # fmt: skip
    assert draft.articles.count() == 10
    assert item_snapshot(draft) == item_snapshot(published)
    assert not set(draft.items.values_list("pk", flat=True)) & set(
        published.items.values_list("pk", flat=True)
    )
    for item in draft.items.select_related("article"):
        assert item.article.round_id == draft.pk


def test_copying_again_picks_the_next_free_code(published, draft):
    assert copy_round(source=published).code == f"{ROUND}-draft-2"


def test_copying_to_a_code_in_use_is_refused(published, draft):
    with pytest.raises(ValidationError):
        copy_round(source=published, code=draft.code)


def test_editing_the_drafts_item_leaves_the_published_round_untouched(published, draft):
    before = item_snapshot(published)
    item = draft.items.get(code="7.1")
    item.rate = Decimal("0.40")
    item.per_application_ceiling_fen = 400_000_000
    item.save()
    fact = item.facts.get(name="self_raised_investment")
    fact.label = "项目自筹投入(修订)"
    fact.save()
    item.materials.filter(code="project_plan").update(name="项目研发方案(修订)")
    item.materials.filter(code="achievement_proof").delete()
    draft.items.get(code="8.3").conditions.update(message="修订后的说明")

    assert item_snapshot(published) == before
    assert item_snapshot(draft) != before
    assert item_snapshot(draft)["7.1"]["fields"]["rate"] == Decimal("0.40")


def test_a_quote_under_the_copy_uses_the_copys_figures(published, draft):
    draft.items.filter(code="7.1").update(rate=Decimal("0.40"), per_application_ceiling_fen=400_000_000)
    on = date(2025, 6, 1)

    def amount(policy_round: PolicyRound, investment: str) -> str:
        item = policy_round.items.get(code="7.1")
        return str(quote_item(item=item, raw_facts={"self_raised_investment": investment}, on=on).amount)

    assert (amount(draft, "2000000"), amount(published, "2000000")) == ("800000.00", "600000.00")
    assert (amount(draft, "20000000"), amount(published, "20000000")) == ("4000000.00", "3000000.00")


def test_publishing_a_draft_freezes_it(draft):
    moment = datetime(2025, 12, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        published = publish_round(policy_round=draft)
    draft.refresh_from_db()
    assert (published.status, draft.status) == (PolicyRound.Status.PUBLISHED, PolicyRound.Status.PUBLISHED)
    assert draft.published_at == moment
    assert not draft.is_editable


def test_publishing_a_published_round_is_refused(published):
    with pytest.raises(ValidationError) as exc:
        publish_round(policy_round=published)
    assert exc.value.messages == ["只有草稿状态的政策版本可以发布。"]


def test_publishing_a_draft_whose_item_fails_validation_is_refused(draft):
    # A running ceiling without saying what it runs over: the admin form would refuse it, a bulk edit not.
    draft.items.filter(code="7.1").update(running_ceiling_fen=100_000_000)
    with pytest.raises(ValidationError) as exc:
        publish_round(policy_round=draft)
    assert exc.value.messages == ["7.1: 填写了累计上限,请选择累计口径。"]
    draft.refresh_from_db()
    assert (draft.status, draft.published_at) == (PolicyRound.Status.DRAFT, None)


def test_publishing_a_draft_without_items_is_refused(db):
    empty = PolicyRound.objects.create(
        code="empty-draft", title="空草稿", valid_from=date(2027, 1, 1), valid_until=date(2029, 12, 31)
    )
    with pytest.raises(ValidationError) as exc:
        publish_round(policy_round=empty)
    assert exc.value.messages == ["政策版本没有任何项目。"]

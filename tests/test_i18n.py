"""The English site: a visitor who picks English (the language cookie) reads English pages, steps and
messages, while the Chinese stays exactly as it was; and the committed catalogue is complete and compiled.

The policy's own wording (article and clause texts, materials, conditions) is legal text and stays Chinese,
labelled "Original text (Chinese)"; item names and fact labels have English columns in the data.
"""

import ast
import gettext
import re
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.utils import translation

from policies import rules

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
ROUND = "changning-ai-2024"
ITEM_7_1 = f"/policies/{ROUND}/items/7.1/"


@pytest.fixture
def in_2025():
    with time_machine.travel("2025-06-01 10:00 +08:00", tick=False):
        yield


@pytest.fixture
def english(client, policy_data, in_2025):
    """A visitor who chose English with the language switch."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def nav_of(html: str) -> str:
    return html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]


def text_of(html: str) -> str:
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def steps_of(html: str) -> str:
    return html.split('id="quote-steps"', 1)[1].split("</tbody>", 1)[0]


# ---------------------------------------------------------------- pages


def test_english_catalogue_speaks_english(english):
    response = english.get("/policies/")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in html
    nav = nav_of(html)
    assert "Policy catalogue" in nav and "Policy calculator" in nav and "Log in" in nav
    assert "政策计算器" not in nav and "政策目录" not in nav
    text = text_of(html)
    assert "Expired versions are kept here for reference" in text
    assert "Effective from" in text and "Valid until" in text
    assert "In force" in text and "Expired" in text
    assert "现行有效" not in text and "已失效" not in text


def test_english_item_page_shows_the_english_name_and_labels_the_legal_text(english):
    response = english.get(ITEM_7_1)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Hard-core technology R&amp;D project</h1>" in html
    text = text_of(html)
    assert "Who may apply" in text and "Support standard" in text
    assert "Ceiling per application ¥3,000,000.00" in text
    assert "Self-raised project investment" in text  # the fact's label_en
    assert "Amount (yuan)" in text
    # The policy's wording is not translated, but said to be the Chinese original.
    assert "Original text (Chinese)" in text
    assert "Article 2 (适用对象)" in text
    assert "可按项目自筹投入资金总额的30%,给予企业最高不超过300万元的资助" in text
    assert "政策计算器" not in nav_of(html)


def test_english_round_page_numbers_the_articles_in_english(english):
    html = english.get(f"/policies/{ROUND}/").content.decode()
    headings = re.findall(r'<h2 id="article-\d+-heading">([^<]+)</h2>', html)
    assert headings[0] == "Article 1 (目的和依据)"
    assert headings[-1] == "Article 10 (附则)"
    assert "Hard-core technology R&amp;D project" in html
    assert html.count("Original text (Chinese)") == 10


def test_an_item_without_an_english_name_falls_back_to_chinese(english):
    from policies.models import PolicyItem

    PolicyItem.objects.filter(round__code=ROUND, code="7.1").update(name_en="")
    assert "<h1>硬核技术攻关</h1>" in english.get(ITEM_7_1).content.decode()


def test_chinese_item_page_is_unchanged(client, policy_data, in_2025):
    html = client.get(ITEM_7_1).content.decode()
    assert "<h1>硬核技术攻关</h1>" in html
    assert "Original text (Chinese)" not in html
    assert "第二条(适用对象)" in text_of(html)


# ---------------------------------------------------------------- the calculator


def test_english_calculator_shows_the_amount_and_english_steps(english):
    response = english.get(
        "/calculator/", {"round": ROUND, "item": "7.1", "self_raised_investment": "2000000"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'id="quote-amount">600,000.00<', html)
    assert "Eligible; the estimated amount is shown above." in html
    steps = steps_of(html)
    assert "Self-raised project investment ¥2,000,000.00 × 30%" in steps
    assert "Ceiling per application: no more than ¥3,000,000.00" in steps
    assert "Rounded half up to the fen" in steps
    assert "元" not in steps and "四舍五入" not in steps
    assert '<option value="7.1" selected>7.1 Hard-core technology R&amp;D project</option>' in html
    nav = nav_of(html)
    assert "Policy calculator" in nav and "政策计算器" not in nav


def test_chinese_calculator_steps_are_unchanged(client, policy_data, in_2025):
    response = client.get(
        "/calculator/", {"round": ROUND, "item": "7.1", "self_raised_investment": "2000000"}
    )
    steps = steps_of(response.content.decode())
    assert "项目自筹投入资金总额 2,000,000.00 元 × 30%" in steps
    assert "单项最高不超过 3,000,000.00 元" in steps


def test_json_quote_error_is_english_with_the_cookie_and_chinese_without(client, policy_data, in_2025):
    url = f"/calculator/quote/?round={ROUND}&item=7.1&self_raised_investment=-1"
    response = client.get(url)
    assert response.status_code == 400
    assert response.json()["errors"] == {"self_raised_investment": "项目自筹投入资金总额:不能为负数"}

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url)
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "self_raised_investment": "Self-raised project investment: cannot be negative"
    }


def test_json_quote_names_an_extra_figure_by_its_english_label(english):
    response = english.get(
        "/calculator/quote/",
        {"round": ROUND, "item": "9.1", "service_cost": "400000", "prior_awards": "lots"},
    )
    assert response.json()["errors"] == {
        "prior_awards": "Already awarded under this item this year or in total: please enter a number"
    }


def test_json_quote_running_ceiling_step_in_english(english):
    data = english.get(
        "/calculator/quote/",
        {"round": ROUND, "item": "9.1", "service_cost": "400000", "prior_awards": "350000"},
    ).json()
    assert data["amount"] == "150000.00"
    assert data["steps"][1]["rule"] == (
        "This organization's total for the year may not exceed ¥500,000.00; "
        "already awarded ¥350,000.00, remaining ¥150,000.00"
    )


# ---------------------------------------------------------------- the engine itself


def test_engine_reasons_follow_the_active_language_and_chinese_is_byte_for_byte_the_same():
    rule = rules.Rule(code="9.9", name="测试", formula=rules.Formula.FIXED, fixed_amount=Decimal("200000"))
    outsider = {"registered_in_changning": False, "operating_normally": True, "credit_good": True}
    with translation.override("en"):
        ineligible = rules.quote(rule, {}, organization=outsider)
        fixed = rules.quote(rule, {})
    assert ineligible.reasons == (
        "The organization is not lawfully established in Changning District (Article 2)",
    )
    assert ineligible.steps[0].rule == "Not eligible; the amount is 0"
    assert fixed.steps[0].rule == "One-off fixed award of ¥200,000.00"
    with translation.override("zh-hans"):
        chinese = rules.quote(rule, {}, organization=outsider)
    assert chinese.reasons == ("单位未在长宁区依法设立(第二条)",)
    assert chinese.steps[0].rule == "不符合申报条件,金额为 0"


# ---------------------------------------------------------------- the catalogue files


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr / msgstr[n] and flags."""
    entries, entry, key = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        entry = entry if entry is not None else {"flags": set()}
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return entries


PO_ENTRIES = [e for e in read_po(LOCALE / "django.po") if e["msgid"]]


def test_the_catalogue_has_entries():
    assert len(PO_ENTRIES) > 200


def test_every_message_is_translated_and_not_fuzzy():
    """After `makemessages`, a new or changed string shows up here until someone translates it."""
    problems = []
    for entry in PO_ENTRIES:
        translations = [v for k, v in entry.items() if k.startswith("msgstr")]
        if "fuzzy" in entry["flags"]:
            problems.append(("fuzzy", entry["msgid"]))
        if not translations or not all(t.strip() for t in translations):
            problems.append(("untranslated", entry["msgid"]))
        # A dropped %(amount)s would silently lose a figure from a step.
        names = set(re.findall(r"%\((\w+)\)", entry["msgid"]))
        if any(set(re.findall(r"%\((\w+)\)", t)) != names for t in translations):
            problems.append(("placeholders differ", entry["msgid"]))
    assert problems == []


def test_the_compiled_catalogue_is_committed_and_matches_the_po():
    """Machines without gettext use the committed .mo: it must say what the .po says."""
    with (LOCALE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for entry in PO_ENTRIES:
        if "msgid_plural" in entry:
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1) == entry["msgstr[0]"]
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 2) == entry["msgstr[1]"]
        elif "msgctxt" in entry:
            assert compiled.pgettext(entry["msgctxt"], entry["msgid"]) == entry["msgstr"]
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]

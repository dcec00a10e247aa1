"""预算看板: budget use per item and year, as figures and as a server-drawn SVG chart, for 区科委's approvers
and 区财政局's staff only."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from disbursement.charts import PLOT_WIDTH, budget_chart
from disbursement.models import Budget
from disbursement.selectors import BudgetLine
from tests.disbursement.conftest import confirmed_budget, login, yuan
from tests.html import own_code

pytestmark = pytest.mark.usefixtures("clock")

DASHBOARD = reverse("disbursement:dashboard")
SVG = "{http://www.w3.org/2000/svg}"


def budget_row(
    year: int, code: str, amount: str, *, by, committed="0", paid="0", recovered="0", confirmed_by=None
):
    """A budget with its figures as awards, payments and recoveries would have left them. The services
    that move them are tested on their own; here only the page's reading of the row is under test."""
    return Budget.objects.create(
        year=year,
        item_code=code,
        amount_fen=yuan(amount),
        committed_fen=yuan(committed),
        paid_fen=yuan(paid),
        recovered_fen=yuan(recovered),
        entered_by=by,
        entered_at=by.date_joined,
        confirmed_by=confirmed_by,
        confirmed_at=by.date_joined if confirmed_by else None,
    )


@pytest.fixture
def budgets_2025(dora, fay):
    """7.1: ¥10,000,000 + ¥100,000 recovered − ¥1,234,567.89 committed − ¥2,000,000.01 paid → ¥6,865,432.10
    left; 9.1: ¥5,000,000 untouched, not yet confirmed; the year's total ¥20,000,000 with the 7.1 figures."""
    return [
        budget_row(
            2025,
            "7.1",
            "10,000,000",
            by=dora,
            committed="1,234,567.89",
            paid="2,000,000.01",
            recovered="100,000",
            confirmed_by=fay,
        ),
        budget_row(2025, "9.1", "5,000,000", by=dora),
        budget_row(
            2025,
            "",
            "20,000,000",
            by=dora,
            committed="1,234,567.89",
            paid="2,000,000.01",
            recovered="100,000",
            confirmed_by=fay,
        ),
        budget_row(2024, "7.1", "8,000,000", by=dora, paid="7,999,999.99", confirmed_by=fay),
    ]


def table_row(html: str, marker: str) -> list[str]:
    """The cells of the table row that starts with `marker` (an item code or a total's name)."""
    table = html.split('id="budget-table"', 1)[1].split("</table>", 1)[0]
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        cells = [
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        if cells and cells[0].startswith(marker):
            return cells
    raise AssertionError(f"no row {marker}")


def chart_of(html: str) -> ET.Element:
    svg = html[html.index("<svg") : html.index("</svg>") + len("</svg>")]
    return ET.fromstring(svg)


def bars_of(html: str) -> dict[str, ET.Element]:
    return {g.get("data-item"): g for g in chart_of(html).iter(f"{SVG}g") if g.get("class") == "chart__bar"}


# ---------------------------------------------------------------- who may see it


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response.url.startswith(resolve_url(settings.LOGIN_URL))


def test_commission_approvers_and_finance_staff_see_the_dashboard(client, dora, fay, fred, budgets_2025):
    for user in (dora, fay, fred):
        response = login(client, user).get(DASHBOARD)
        assert response.status_code == 200, user
        assert "<h1>预算看板</h1>" in response.content.decode()


def test_every_other_role_is_refused(client, outsiders, anna, budgets_2025):
    for user in (*outsiders, anna):
        assert login(client, user).get(DASHBOARD).status_code == 403, user.username


def test_the_navigation_offers_the_dashboard_to_its_readers_only(
    client, dora, fay, fred, carol, administrators
):
    link = f'href="{DASHBOARD}"'
    for user in (dora, fay, fred):
        assert link in login(client, user).get(reverse("policies:catalogue")).content.decode(), user
    for user in (carol, *administrators):
        assert link not in login(client, user).get(reverse("policies:catalogue")).content.decode(), user
    page = login(client, fay).get(DASHBOARD).content.decode()
    assert f'<a href="{DASHBOARD}" aria-current="page">预算看板</a>' in page


# ---------------------------------------------------------------- the figures


def test_the_table_shows_each_items_figures_to_the_fen(client, fay, budgets_2025):
    html = login(client, fay).get(DASHBOARD).content.decode()
    assert "2025 年度预算使用情况" in html  # the clock stands in 2025: this year by default
    assert table_row(html, "7.1") == [
        "7.1 硬核技术攻关",
        "¥10,000,000.00",
        "¥1,234,567.89",
        "¥2,000,000.01",
        "¥100,000.00",
        "¥6,865,432.10",
        "已确认",
    ]
    assert table_row(html, "9.1")[1:] == [
        "¥5,000,000.00",
        "¥0.00",
        "¥0.00",
        "¥0.00",
        "¥5,000,000.00",
        "待区财政局确认",
    ]
    # The items added up, and the year's own total row with its own figures.
    assert table_row(html, "各项目合计")[1:6] == [
        "¥15,000,000.00",
        "¥1,234,567.89",
        "¥2,000,000.01",
        "¥100,000.00",
        "¥11,865,432.10",
    ]
    assert table_row(html, "年度总预算")[1:6] == [
        "¥20,000,000.00",
        "¥1,234,567.89",
        "¥2,000,000.01",
        "¥100,000.00",
        "¥16,865,432.10",
    ]
    assert "¥8,000,000.00" not in html  # 2024's budget is on 2024's page


def test_the_year_selector_shows_another_year(client, fay, budgets_2025):
    html = login(client, fay).get(DASHBOARD, {"year": "2024"}).content.decode()
    assert '<option value="2024" selected>2024</option>' in html
    assert '<option value="2025">2025</option>' in html
    assert table_row(html, "7.1")[1:6] == ["¥8,000,000.00", "¥0.00", "¥7,999,999.99", "¥0.00", "¥0.01"]
    assert "9.1" not in bars_of(html)
    # A year without budgets (or not a year at all) falls back to this year rather than an empty page.
    for year in ("1999", "abc", ""):
        html = client.get(DASHBOARD, {"year": year}).content.decode()
        assert '<option value="2025" selected>2025</option>' in html


def test_a_dashboard_without_budgets_says_so(client, dora):
    html = login(client, dora).get(DASHBOARD).content.decode()
    assert "还没有录入预算。" in html
    assert "<svg" not in html


def test_committing_and_paying_through_the_services_shows_on_the_dashboard(client, fay, approved_award):
    """The award (¥600,000 of 7.1) approved against the confirmed budgets is committed in both rows."""
    html = login(client, fay).get(DASHBOARD).content.decode()
    assert table_row(html, "7.1")[1:6] == ["¥10,000,000.00", "¥600,000.00", "¥0.00", "¥0.00", "¥9,400,000.00"]
    assert table_row(html, "年度总预算")[1:6] == [
        "¥50,000,000.00",
        "¥600,000.00",
        "¥0.00",
        "¥0.00",
        "¥49,400,000.00",
    ]


# ---------------------------------------------------------------- the chart


def test_the_chart_has_one_bar_per_item_with_its_figures_in_the_title(client, fay, budgets_2025):
    html = login(client, fay).get(DASHBOARD).content.decode()
    bars = bars_of(html)
    assert list(bars) == ["7.1", "9.1"]  # items only: the totals would dwarf them
    assert bars["7.1"].find(f"{SVG}title").text == (
        "7.1 硬核技术攻关:预算 ¥10,100,000.00,已拨付 ¥2,000,000.01,已承诺 ¥1,234,567.89,剩余 ¥6,865,432.10"
    )
    assert bars["9.1"].find(f"{SVG}title").text.startswith("9.1 ")
    assert (
        bars["9.1"]
        .find(f"{SVG}title")
        .text.endswith(":预算 ¥5,000,000.00,已拨付 ¥0.00,已承诺 ¥0.00,剩余 ¥5,000,000.00")
    )

    segments = {
        code: {rect.get("class").split("--")[1]: rect for rect in bar.iter(f"{SVG}rect")}
        for code, bar in bars.items()
    }
    assert list(segments["7.1"]) == ["paid", "committed", "left"]  # stacked in that order
    assert list(segments["9.1"]) == ["left"]  # nothing paid or committed: no empty slivers
    assert segments["7.1"]["paid"].find(f"{SVG}title").text == "已拨付 ¥2,000,000.01"
    assert segments["7.1"]["committed"].find(f"{SVG}title").text == "已承诺 ¥1,234,567.89"
    assert segments["7.1"]["left"].find(f"{SVG}title").text == "剩余 ¥6,865,432.10"
    # One scale: the largest budget (7.1's 10,100,000 with the recovery) fills the plot, 9.1 about half.
    width = {k: float(r.get("width")) for k, r in segments["7.1"].items()}
    assert sum(width.values()) == pytest.approx(PLOT_WIDTH, abs=0.02)
    assert float(segments["9.1"]["left"].get("width")) == pytest.approx(PLOT_WIDTH * 5 / 10.1, abs=0.01)
    paid = segments["7.1"]["paid"]
    assert float(segments["7.1"]["committed"].get("x")) == pytest.approx(
        float(paid.get("x")) + float(paid.get("width")), abs=0.02
    )
    # A text legend names the colours.
    legend = html.split('id="chart-legend"', 1)[1].split("</ul>", 1)[0]
    assert [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", legend, re.S)] == [
        "已拨付",
        "已承诺",
        "剩余",
    ]


def test_the_page_needs_no_script_and_no_style_attribute(client, fay, budgets_2025):
    html = login(client, fay).get(DASHBOARD).content.decode()
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert own_code(html) == []  # the chart is SVG drawn by the server, no script of its own
    assert "style=" not in main
    assert "http" not in chart_of(html).get("viewBox", "") and "xlink" not in main


def test_the_chart_of_budgets_that_are_all_zero_draws_no_bars():
    zero = BudgetLine(
        code="7.1",
        name="",
        amount_fen=0,
        committed_fen=0,
        paid_fen=0,
        recovered_fen=0,
        left_fen=0,
        confirmed=True,
    )
    chart = budget_chart([zero])
    assert [bar.segments for bar in chart.bars] == [()]
    assert chart.bars[0].used == "已用 0.0%"
    assert budget_chart([]) is None


# ---------------------------------------------------------------- queries


def test_the_dashboard_runs_the_same_number_of_queries_for_2_and_for_12_items(
    client, dora, fay, django_assert_num_queries
):
    codes = ["7.1", "9.1", "6.1a", "6.1b", "6.1c", "6.2", "6.3", "7.2", "8.1", "8.2", "8.3", "9.2a"]
    for code in codes[:2]:
        confirmed_budget(2025, code, "1,000,000", entered_by=dora, confirmed_by=fay)
    login(client, fay).get(DASHBOARD)  # warm up: content types, translations
    # session, user, groups (the role check), the years, the year's budgets, the items' names
    # and the header's unread-message COUNT (accounts.context_processors.inbox, issue 6)
    # +1 since issue 7: django-otp's middleware loads the session's verified device.
    with django_assert_num_queries(8) as two:
        html = client.get(DASHBOARD).content.decode()
    assert len(bars_of(html)) == 2
    for code in codes[2:]:
        confirmed_budget(2025, code, "1,000,000", entered_by=dora, confirmed_by=fay)
    confirmed_budget(2025, "", "50,000,000", entered_by=dora, confirmed_by=fay)
    with django_assert_num_queries(len(two.captured_queries)):
        html = client.get(DASHBOARD).content.decode()
    # In the policy's order, not the order they were entered in.
    policy_order = ["6.1a", "6.1b", "6.1c", "6.2", "6.3", "7.1", "7.2", "8.1", "8.2", "8.3", "9.1", "9.2a"]
    assert list(bars_of(html)) == policy_order

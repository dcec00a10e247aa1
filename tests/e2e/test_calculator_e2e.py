"""A visitor finds item 7.1 from the catalogue and sees the calculator update as they type."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

# The 2024 round ends 2026-12-31; travel (ticking, so timeouts still pass) into its validity.
# time-machine patches the clock for every thread, the live server's included.
IN_2025 = datetime(2025, 6, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def in_2025():
    with time_machine.travel(IN_2025, tick=True):
        yield


def test_calculator_updates_the_amount_while_typing(
    live_server, transactional_db, policy_data, in_2025, strict_csp_page
):
    page = strict_csp_page
    page.goto(f"{live_server.url}/policies/")
    page.get_by_role("link", name="长宁区深入推进人工智能创新产业高质量发展的实施办法").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "长宁区深入推进人工智能创新产业高质量发展的实施办法"
    )

    page.get_by_role("link", name="7.1 硬核技术攻关").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("硬核技术攻关")

    page.get_by_role("link", name="用政策计算器估算金额").click()
    expect(page).to_have_url(f"{live_server.url}/calculator/?round=changning-ai-2024&item=7.1")
    expect(page.locator("#quote-amount")).to_have_text("—")
    page.evaluate("window.notReloaded = true")

    # Typed, not submitted: calculator.js fetches the quote and fills the panel in place.
    page.locator("#id_self_raised_investment").press_sequentially("2000000")
    expect(page.locator("#quote-amount")).to_have_text("600,000.00")
    expect(page.locator("#quote-eligibility")).to_contain_text("符合申报条件")
    expect(page.locator("#quote-steps tr")).to_have_count(3)
    expect(page.locator("#quote-steps")).to_contain_text("单项最高不超过 3,000,000.00 元")
    assert page.evaluate("window.notReloaded") is True
    assert "self_raised_investment=2000000" in page.url  # the address follows the figures

    # A bad figure shows its message beside the field and no amount.
    page.locator("#id_self_raised_investment").fill("-1")
    expect(page.locator("#id_self_raised_investment_error")).to_have_text("项目自筹投入资金总额:不能为负数")
    expect(page.locator("#quote-amount")).to_have_text("—")

    # Choosing another item takes effect on 选择 (never on the list's change, WCAG 3.2.2), in place.
    page.locator("#id_item").select_option("8.5")
    expect(page.locator("#id_self_raised_investment")).to_be_visible()
    page.get_by_role("button", name="选择").click()
    expect(page.locator("#id_contract_amount")).to_be_visible()
    assert "item=8.5" in page.url

    assert page.violations == []

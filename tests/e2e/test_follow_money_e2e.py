"""Follow it to the money (issue 15) in a real browser: the enterprise's application timeline goes on past
已认定 to the payment.

Seeded through the services, never raw rows (test_disbursement_e2e's cast): the enterprise's 7.1 application
submitted, accepted, reviewed and recognised by closing its 公示 (which makes the award); 区科委's budget
confirmed by 区财政局; the award approved by a finance approver; the enterprise's receiving account. Then a
batch prepared by the finance officer, approved by the other approver, and the installment recorded paid.

The enterprise logs in through the login page, finds the application on 我的申报 (已结项); its timeline reads
已认定 → 待拨付 → 第 1 期已拨付 (date, amount) → 已结项, and the inbox holds the payment and closing notices.
"""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import expect

from disbursement.models import Award, Installment
from tests.disbursement.conftest import pay
from tests.e2e import test_disbursement_e2e
from tests.e2e.test_review_journey_e2e import logged_in, nav

pytestmark = pytest.mark.e2e

PAY_DAY = test_disbursement_e2e.PAY_DAY
cast = test_disbursement_e2e.cast  # the recognised 7.1 award (¥600,000) approved, its installment due


@pytest.fixture
def paid(cast):
    """The installment paid through a batch the officer prepares and the other approver approves."""
    award: Award = cast["award"]
    with time_machine.travel(PAY_DAY, tick=True):
        pay(
            award.installments.get(),
            officer=cast["officer"],
            approver=cast["approver"],
            paid_on=PAY_DAY.date(),
        )
    award.refresh_from_db()
    assert award.status == Award.Status.CLOSED
    assert award.installments.get().status == Installment.Status.PAID
    return cast


def test_the_timeline_shows_the_payment_and_the_closing(browser, live_server, paid):
    award: Award = paid["award"]
    number = award.application.number
    with time_machine.travel(PAY_DAY.replace(hour=14), tick=True):
        with logged_in(browser, live_server, paid["enterprise"]) as page:
            nav(page).get_by_role("link", name="我的申报").click()
            row = page.locator("#applications tbody tr", has_text=number)
            expect(row).to_contain_text("已认定")
            expect(row.locator(".money-stage")).to_have_text("已结项")
            expect(row).to_contain_text("资助已全部拨付,已结项,无需操作。")

            row.get_by_role("link", name=number).click()
            expect(page.get_by_role("heading", level=1)).to_have_text(f"申报 {number}")
            timeline = page.locator("ol.timeline")
            labels = timeline.locator("li strong").all_inner_texts()
            recognised_at = labels.index("已认定")
            assert labels[recognised_at + 1 :] == [
                "待拨付:资助待区财政局审核",
                "区财政局审核通过,按期拨付",
                "第 1 期已拨付",
                "已结项",
            ], labels
            paid_step = timeline.locator("li.timeline__event--installment-paid")
            expect(paid_step.locator("time")).to_have_text("2025-06-03")
            expect(paid_step).to_contain_text("第 1 期已拨付")
            expect(paid_step.locator(".timeline__note")).to_have_text("¥600,000.00")
            expect(timeline.locator("li.timeline__event--award-closed")).to_contain_text(
                "资助已全部拨付完毕。"
            )
            expect(page.locator("#next-step")).to_contain_text("资助已全部拨付,已结项,无需操作。")

            page.screenshot(path="/tmp/follow_money_timeline.png", full_page=True)

            page.locator("#next-step").get_by_role("link", name="查看").click()
            card = page.get_by_role("article", name=number)
            expect(card.locator(".money-stage")).to_have_text("已结项")
            expect(card.locator(f"#installment-{award.installments.get().pk}")).to_contain_text(
                "已拨付 2025-06-03"
            )

            page.screenshot(path="/tmp/follow_money_awards.png", full_page=True)

            page.goto(f"{live_server.url}/accounts/inbox/")
            main = page.get_by_role("main")
            expect(main).to_contain_text(f"资助款已拨付:{number} 第1期")
            expect(main).to_contain_text(f"资助 {number} 已结项")
            expect(main).to_contain_text(f"申报 {number} 已提交")
            page.screenshot(path="/tmp/follow_money_inbox.png", full_page=True)

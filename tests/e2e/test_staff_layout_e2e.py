"""What a staff member sees at a desktop width (issue 12): the work menu on one line at 1280 px, the
account's links beside the title, and the 审定结果 radio buttons on their labels' lines.

Measured in the browser from the rendered boxes, not from the CSS: a rule that stops applying (a new menu
entry, a changed template) fails here.
"""

import pytest
import time_machine
from playwright.sync_api import Page, expect

from applications.models import Application
from tests.e2e import test_review_journey_e2e as journey
from tests.e2e.test_review_journey_e2e import REVIEW_DAY, logged_in, nav
from tests.reviews.decision_support import move

pytestmark = pytest.mark.e2e

cast = journey.cast  # the review journey's call, application and staff (a fixture)


def boxes(page: Page, selector: str) -> list[dict]:
    locator = page.locator(selector)
    return [locator.nth(i).bounding_box() for i in range(locator.count())]


def test_the_approvers_menu_keeps_one_line_and_the_decision_radios_sit_on_their_labels(
    browser, live_server, cast
):
    application: Application = cast["application"]
    move(application, Application.Status.ACCEPTED, Application.Status.UNDER_REVIEW)
    approver = cast["approver"]
    with time_machine.travel(REVIEW_DAY, tick=True), logged_in(browser, live_server, approver) as page:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{live_server.url}/review/applications/{application.pk}/decide/")
        expect(page.get_by_role("heading", level=1)).to_have_text(f"审定 {application.number}")

        # The menu is still one navigation landmark, with the work entries and the account's.
        menu = nav(page)
        expect(menu.get_by_role("link", name="审定", exact=True)).to_be_visible()
        expect(menu).to_contain_text(approver.display_name)
        entries = boxes(page, ".site-nav__work > li")
        assert len(entries) >= 8  # the public entries, the approver's work and 管理后台
        tops = {round(box["y"]) for box in entries}
        assert len(tops) == 1, f"the work menu wraps onto {len(tops)} lines at 1280 px"
        title = page.locator(".site-title").bounding_box()
        account = page.locator(".site-nav__account").bounding_box()
        middle = title["y"] + title["height"] / 2
        assert account["y"] <= middle <= account["y"] + account["height"]  # beside the title
        assert account["x"] > title["x"] + title["width"]

        # 审定结果: each radio button on its label's line, before the label's text.
        outcome = page.get_by_role("group", name="审定结果")
        for name in ("拟支持", "不予支持"):
            radio = outcome.get_by_role("radio", name=name, exact=True)
            label = outcome.locator("label").filter(has_text=name)
            radio_box, label_box = radio.bounding_box(), label.bounding_box()
            middle = radio_box["y"] + radio_box["height"] / 2
            assert label_box["y"] <= middle <= label_box["y"] + label_box["height"]
            assert radio_box["width"] < 40  # its own size, not stretched across the form
            assert radio_box["x"] < label_box["x"] + label_box["width"] / 2

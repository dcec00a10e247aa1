"""The enterprise is told of its recognition (认定) in a real browser, and downloads the 认定通知.

alice's 7.1 application (自筹投入 2,000,000 → ceiling 600,000) is submitted, accepted, reviewed and
recognised at ¥600,000 through the services: closing its 公示 (reviews' close_notice) writes the
recognition message to every member of her organisation. She logs in through the login page, sees the
unread count in the header, opens the inbox and the message (the count drops by one), follows its link to
the application and downloads the recognition notice, whose text carries the number and the amount in
figures and in 大写.
"""

import re
from datetime import datetime
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader

from accounts.models import Notification
from accounts.roles import Role, group_for
from applications.models import Application, Call, CallItem
from policies.capitals import rmb_capitals
from policies.models import PolicyItem
from tests.disbursement.conftest import recognised_award
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENS = datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)
CLOSES = datetime(2025, 4, 30, 17, 0, tzinfo=SHANGHAI)
DURING = datetime(2025, 4, 1, 10, 0, tzinfo=SHANGHAI)

PROJECT = "智能视觉平台研发"
FIGURES = "¥600,000.00"


@pytest.fixture
def recognised(transactional_db, policy_data):
    """alice (administrator of 甲公司) and her application, recognised at ¥600,000 through the services.
    The roles' groups may have been flushed by an earlier transactional test: group_for recreates them."""
    with time_machine.travel(DURING, tick=True):
        round_id = PolicyItem.objects.get(round__code="changning-ai-2024", code="7.1").round_id
        call = Call.objects.create(
            round_id=round_id, year=2025, title="2025 年度人工智能专项申报", opens_at=OPENS, closes_at=CLOSES
        )
        CallItem.objects.create(call=call, item=PolicyItem.objects.get(round_id=round_id, code="7.1"))
        alice = UserFactory(username="alice", first_name="爱丽丝")
        alice.groups.add(group_for(Role.APPLICANT))
        MembershipFactory(user=alice, organization=OrganizationFactory(name="甲公司"), admin=True)
        dora = UserFactory(username="dora", first_name="朵拉", is_staff=True)
        dora.groups.add(group_for(Role.COMMISSION_APPROVER))
        award = recognised_award(
            alice,
            call,
            "7.1",
            "600,000",
            facts={"self_raised_investment": "2000000"},
            matter=PROJECT,
            actor=dora,
        )
    application = award.application
    application.refresh_from_db()
    assert application.status == Application.Status.RECOGNISED
    assert application.awarded_fen == 60_000_000
    return alice, application


def nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="主导航")


def inbox_link(page: Page) -> Locator:
    return nav(page).locator('a[href="/accounts/inbox/"]')


def unread(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def test_recognition_message_leads_to_the_recognition_notice(
    page: Page, live_server, recognised, tmp_path: Path
):
    alice, application = recognised
    message = Notification.objects.get(
        recipient=alice, event="application.recognised", key=str(application.pk)
    )
    assert message.read_at is None
    assert "认定" in message.subject
    before = unread(alice)
    assert before >= 1

    with time_machine.travel(datetime(2025, 4, 2, 9, 0, tzinfo=SHANGHAI), tick=True):
        page.goto(f"{live_server.url}/accounts/login/")
        expect(page.get_by_role("heading", level=1)).to_have_text("登录")
        page.get_by_label("手机号或邮箱").fill(alice.username)
        page.get_by_label("密码", exact=True).fill(PASSWORD)
        page.get_by_role("main").get_by_role("button", name="登录").click()
        expect(nav(page)).to_contain_text(alice.display_name)

        # ---- the header's unread count, as the database has it
        expect(inbox_link(page)).to_have_text(f"消息 ({before})")
        expect(inbox_link(page)).to_have_attribute("aria-label", f"消息,{before} 条未读")

        # ---- the inbox: the recognition message, unread
        inbox_link(page).click()
        expect(page).to_have_url(f"{live_server.url}/accounts/inbox/")
        expect(page.get_by_role("heading", level=1)).to_have_text("消息")
        row = page.locator(f"#notification-{message.pk}")
        expect(row).to_contain_text(message.subject)
        expect(row).to_contain_text("未读")
        row.get_by_role("link", name=re.compile("认定")).click()

        # ---- the message: opening it reads it, the count drops by one
        expect(page).to_have_url(f"{live_server.url}/accounts/inbox/{message.pk}/")
        expect(page.get_by_role("heading", level=1)).to_have_text(message.subject)
        expect(page.get_by_role("main")).to_contain_text(application.number)
        expect(page.get_by_role("main")).to_contain_text(FIGURES)
        if before - 1:
            expect(inbox_link(page)).to_have_text(f"消息 ({before - 1})")
        else:
            expect(inbox_link(page)).to_have_text("消息")
        assert unread(alice) == before - 1
        message.refresh_from_db()
        assert message.read_at is not None

        # ---- its link: the application, recognised
        page.get_by_role("link", name="前往办理").click()
        expect(page).to_have_url(f"{live_server.url}/applications/{application.pk}/")
        expect(page.get_by_role("heading", level=1)).to_have_text(f"申报 {application.number}")
        expect(page.locator("#outcome")).to_contain_text("已认定")
        expect(page.locator("#outcome")).to_contain_text(FIGURES)

        # ---- the recognition notice, downloaded
        documents = page.get_by_role("region", name="文书下载")
        with page.expect_download() as download_info:
            documents.get_by_role("link", name=re.compile("^认定通知")).click()
        download = download_info.value
        assert download.suggested_filename == f"认定通知-{application.number}.pdf"
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)

    content = saved.read_bytes()
    assert content.startswith(b"%PDF-")
    reader = PdfReader(BytesIO(content))
    text = "".join(p.extract_text() for p in reader.pages).replace(" ", "").replace("\n", "")
    assert "认定通知" in text
    assert application.number in text
    assert FIGURES in text
    capitals = rmb_capitals(600_000)
    assert capitals == "陆拾万元整"
    assert capitals in text

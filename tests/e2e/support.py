"""What the browser tests share to set a scene through the services: staff and enterprise accounts, an
open 2025 call, and the bank details they record (with tests.disbursement.payment_support.bank). The
browser helpers (logged_in, nav, …) live in test_review_journey_e2e."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import Page

from accounts.roles import Role, group_for
from applications.models import Call, CallItem
from policies.models import PolicyItem
from tests.factories import UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENS = datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)
CLOSES = datetime(2025, 4, 30, 17, 0, tzinfo=SHANGHAI)
CALL_TITLE = "2025 年度人工智能专项申报"

BANK = "中国工商银行上海市长宁支行"
ACCOUNT_NUMBER = "6222021001123456789"
BANK_CODE = "102290003006"  # 开户行联行号 (CNAPS): 12 digits


def person(username: str, name: str, role: Role, *, staff: bool = True):
    """The roles' groups are rows of a data migration that an earlier transactional test may have
    flushed: group_for recreates them."""
    user = UserFactory(username=username, first_name=name, is_staff=staff)
    user.groups.add(group_for(role))
    return user


def open_call(codes: tuple[str, ...] = ("7.1",), **fields) -> Call:
    """The 2025 call of the changning-ai-2024 round (March to April), with the given items."""
    round_id = PolicyItem.objects.get(round__code="changning-ai-2024", code=codes[0]).round_id
    call = Call.objects.create(
        round_id=round_id, year=2025, title=CALL_TITLE, opens_at=OPENS, closes_at=CLOSES, **fields
    )
    for code in codes:
        CallItem.objects.create(call=call, item=PolicyItem.objects.get(round_id=round_id, code=code))
    return call


def sms_code(outbox: list, mobile: str, count: int, page: Page) -> str:
    """The code of the `count`-th SMS to `mobile` in the console backend's outbox (accounts.sms.outbox),
    once it has been sent (by a task after commit): polled, never a fixed wait."""
    for _ in range(100):
        messages = [m for m in outbox if m.to == mobile]
        if len(messages) >= count:
            return re.search(r"\b(\d{6})\b", messages[count - 1].message).group(1)
        page.wait_for_timeout(100)
    raise AssertionError(f"no SMS number {count} to {mobile}: {outbox}")

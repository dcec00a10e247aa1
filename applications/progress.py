"""Following an application to the money: what happens next after each status, and typically how long it
takes (the call's *_working_days), and — past 已认定 — the award's own steps (待拨付 → each installment
已拨付 → 已结项, and the yearly claims of a 连续补贴 run).

The award lives in the finance app, which this app never imports (DESIGN.md: dependencies point one way):
settings.AWARD_PROGRESS names the finance app's function that turns recognised applications into their
MoneyProgress, derived from its own records (awards, installments, payment records, yearly claims) and
never stored twice. Without it (an installation without the finance app) the timeline ends at 已认定.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .models import Application, Call


@dataclass(frozen=True)
class Step:
    """One line of the timeline past 已认定. `at` is a date (a payment's value date) or a datetime;
    `upcoming` marks what has not happened yet (an installment still to pay, a year still to claim)."""

    key: str  # a CSS modifier and a handle for tests: "award-approved", "installment-paid", ...
    label: str
    at: date | datetime | None = None
    note: str = ""
    upcoming: bool = False

    @property
    def is_datetime(self) -> bool:
        return isinstance(self.at, datetime)


@dataclass(frozen=True)
class MoneyProgress:
    """Where the money of one recognised application stands."""

    stage_key: str  # "pending", "due", "part_paid", "closed", "clawed_back"
    stage: str  # the dashboard's status past 已认定: 待拨付, 已拨付第 1 期, 已结项 ...
    steps: list[Step] = field(default_factory=list)
    next_text: str = ""  # what happens next and how long it takes; "" when nothing more happens
    next_url: str = ""  # where the enterprise acts or reads more (我的资助, a yearly claim)


def money_progress(applications: Sequence[Application]) -> dict[int, MoneyProgress]:
    """{application id: MoneyProgress} for the recognised ones among `applications`, in a fixed number of
    queries whatever their number (none when no application is recognised). Each application should come
    with its call (call_item__call) selected."""
    recognised = [a for a in applications if a.status == Application.Status.RECOGNISED]
    hook = _hook()
    if not recognised or hook is None:
        return {}
    return hook(recognised)


def _hook() -> Callable[[list[Application]], dict[int, MoneyProgress]] | None:
    path = getattr(settings, "AWARD_PROGRESS", "")
    return import_string(path) if path else None


def days_text(days: int) -> str:
    """“通常需要 5 个工作日”: how long a step typically takes, from the call's settings."""
    return _("通常需要 %(days)d 个工作日") % {"days": days}


def status_next_text(application: Application, *, at: datetime | None = None) -> str:
    """What happens after the application's current status (before 已认定), with the call's typical time.
    Drafts and returned applications are the enterprise's to act on (selectors.next_action says so)."""
    status = Application.Status
    call: Call = application.call_item.call
    if application.status == status.SUBMITTED:
        return _("等待区科委受理审查(受理或退回补正),%(time)s,无需操作。") % {
            "time": days_text(call.intake_working_days)
        }
    if application.status in (status.ACCEPTED, status.UNDER_REVIEW):
        return _("专家评审及审定中,%(time)s,无需操作。") % {"time": days_text(call.review_working_days)}
    if application.status == status.RECOMMENDED:
        return _("拟支持,等待公示(公示期 %(days)d 个工作日),无需操作。") % {
            "days": call.publicity_working_days
        }
    if application.status == status.PUBLICIZED:
        return _("公示中(公示期 %(days)d 个工作日),期满无异议后予以认定。") % {
            "days": call.publicity_working_days
        }
    if application.status == status.RECOGNISED:
        # Only when the finance app has nothing to say (no award yet): its MoneyProgress says more.
        return _("已认定,等待区财政局审核资助,%(time)s。") % {
            "time": days_text(call.finance_review_working_days)
        }
    if application.status == status.RETURNED:
        closes = timezone.localtime(call.closes_at).strftime("%Y-%m-%d %H:%M")
        return _("按退回意见修改后重新提交(截止 %(closes)s)。") % {"closes": closes}
    # The ends: nothing more happens to this application, and the enterprise is told so.
    if application.status in (status.NOT_ACCEPTED, status.WITHDRAWN):
        return _("本申报已办结;可在申报批次开放期内另行申报。")
    if application.status == status.NOT_RECOMMENDED:
        return _("不予支持;如区科委重新审定,结果将另行通知。")
    if application.status == status.REJECTED:
        return _("未通过,本申报已办结。")
    return ""

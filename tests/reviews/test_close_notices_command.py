"""`close_notices --on YYYY-MM-DD`: the demo's way to close a 公示 whose window has passed by that day,
so nobody edits the database by hand. Never early, only in a demo environment, always audited."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from applications.models import Application
from audit.models import AuditRecord
from reviews import services
from reviews.models import PublicNotice
from tests.reviews.decision_support import *  # noqa: F403 (fixtures)
from tests.reviews.test_notice import two_recommended  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("clock", "private_files", "two_recommended")

ROOT = Path(__file__).resolve().parents[2]


def test_on_a_day_after_the_window_the_notice_is_closed_and_the_use_audited(dora, call, settings):
    settings.DEMO_MODE = True
    notice = services.publish_notice(actor=dora, call=call)
    out = StringIO()
    call_command("close_notices", "--on", "2025-04-10", stdout=out)  # the window ends 2025-04-09
    notice.refresh_from_db()
    assert notice.closed_at is not None and "已办结" in out.getvalue()
    assert set(Application.objects.values_list("status", flat=True)) == {Application.Status.RECOGNISED}
    record = AuditRecord.objects.filter(action="notice.close").get()
    assert "close_notices --on 2025-04-10" in record.detail and record.object_id == str(notice.pk)


def test_on_a_day_inside_the_window_nothing_closes_early(dora, call, settings):
    settings.DEMO_MODE = True
    services.publish_notice(actor=dora, call=call)
    out = StringIO()
    call_command("close_notices", "--on", "2025-04-08", stdout=out)
    assert PublicNotice.objects.get().closed_at is None
    assert "没有需要办结的公示" in out.getvalue()
    assert not AuditRecord.objects.filter(action="notice.close").exists()


def test_outside_a_demo_the_option_is_refused(dora, call, settings):
    settings.DEBUG = settings.DEMO_MODE = False
    services.publish_notice(actor=dora, call=call)
    with pytest.raises(CommandError, match="只能在演示环境") as refused:
        call_command("close_notices", "--on", "2030-01-01")
    assert refused.value.returncode == 2
    assert PublicNotice.objects.get().closed_at is None


def test_a_bad_date_is_one_line_on_stderr_and_exit_2():
    result = subprocess.run(
        [sys.executable, "manage.py", "close_notices", "--on", "2025-02-30"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "changning_ai.settings_test",
            "DEMO_MODE": "true",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().count("\n") == 0 and "YYYY-MM-DD" in result.stderr

"""How long one official document takes: the 资金拨付通知 (award notice), tagged and signed, as the finance
page serves it; and the same without the signature, to show what signing costs.

Run: .venv/bin/python bench/bench_pdf.py   (a throw-away SQLite database; prints wall p50 / max and CPU p50
per render)

WeasyPrint subsets the CJK font with HarfBuzz when libharfbuzz-subset0 is installed (scripts/sysdeps.sh
installs it); without it each render embeds far more of the font and takes seconds. The script says
which one it found.
"""

import ctypes.util
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "changning_ai.settings_test")
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from datetime import datetime  # noqa: E402
from unittest import mock  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from django.core.management import call_command  # noqa: E402

from applications.models import Call, CallItem  # noqa: E402
from disbursement import documents, selectors  # noqa: E402
from policies import signing  # noqa: E402
from policies.models import PolicyItem  # noqa: E402
from tests.disbursement.conftest import recognise  # noqa: E402
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory  # noqa: E402
from tests.reviews.decision_support import under_review  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
RUNS = 15


def an_award():
    item = PolicyItem.objects.get(round__code="changning-ai-2024", code="7.1")
    call = Call.objects.create(
        round_id=item.round_id,
        year=2025,
        title="2025 年度人工智能专项申报",
        opens_at=datetime(2025, 3, 1, 9, tzinfo=SHANGHAI),
        closes_at=datetime(2099, 4, 30, 17, tzinfo=SHANGHAI),
        review_quorum=0,
    )
    CallItem.objects.create(call=call, item=item)
    user = UserFactory(username="bench")
    organization = OrganizationFactory(name="上海长宁测试智能科技有限公司")
    MembershipFactory(user=user, organization=organization, admin=True)
    award = recognise(under_review(user, call), "600000")
    return selectors._notice_awards().get(pk=award.pk)


def timed(render) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each render. The CPU time is what the render costs; the wall clock
    also counts waiting for a core, which on a shared machine (the load average is printed) can be
    several times more."""
    render()  # the first render loads fonts and templates: not what a steady worker pays
    walls, cpus = [], []
    for _ in range(RUNS):
        started, cpu_started = time.perf_counter(), time.process_time()
        render()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu_started)
    return walls, cpus


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("loadpolicy", verbosity=0)
    award = an_award()
    subset = ctypes.util.find_library("harfbuzz-subset")
    print(f"HarfBuzz subsetting: {'libharfbuzz-subset found' if subset else 'NOT found (slow path)'}")
    size = len(documents.award_notice_pdf(award))
    signed = timed(lambda: documents.award_notice_pdf(award))
    with mock.patch.object(signing, "sign", lambda pdf, title="": pdf):  # the bench only: what signing costs
        unsigned = timed(lambda: documents.award_notice_pdf(award))
    print(f"资金拨付通知, {size / 1024:.0f} KiB, {RUNS} renders each; load average {os.getloadavg()[0]:.1f}:")
    for label, (walls, cpus) in (("tagged and signed", signed), ("tagged, unsigned", unsigned)):
        p50, worst, cpu = (statistics.median(walls) * 1000, max(walls) * 1000, statistics.median(cpus) * 1000)
        print(f"  {label:<20} wall p50 {p50:6.0f} ms   max {worst:6.0f} ms   CPU p50 {cpu:6.0f} ms")


if __name__ == "__main__":
    main()

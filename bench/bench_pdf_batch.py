"""Memory and time of 生成全部拨付通知 (disbursement.notice_jobs.run) for a batch of 1,000 资金拨付通知:
the peak resident size of the task's own process and of the largest of its rendering children, which it
forks afresh every DOCUMENTS_PER_PROCESS notices (issue 17: under 300 MB per process). Then, for
comparison, the same notices rendered in one process without children.

Run: .venv/bin/python bench/bench_pdf_batch.py [--documents 1000] [--per-process 50] [--in-process 100]
(a throw-away SQLite database, as bench/bench_pdf.py; signed with a throw-away demo certificate as the
tests are.)

One real award is rendered 1,000 times through the real job (a child per chunk, files in a scratch folder,
one ZIP into private storage): the awards of a batch differ in their text, not in what a render costs.
"""

import argparse
import os
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_pdf
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.utils import timezone

from disbursement import documents, notice_jobs, selectors
from disbursement.models import NoticeJob, PaymentBatch
from policies.processes import children_peak_rss_mb, peak_rss_mb


def rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--per-process", type=int, default=notice_jobs.DOCUMENTS_PER_PROCESS)
    parser.add_argument("--in-process", type=int, default=100, help="notices rendered without children")
    options = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("loadpolicy", verbosity=0)
    award = bench_pdf.an_award()
    user = award.approved_by or award.organization.memberships.first().user
    batch = PaymentBatch.objects.create(number="BENCH-1", prepared_by=user, created_at=timezone.now())
    job = NoticeJob.objects.create(
        batch=batch, requested_by=user, total=options.documents, created_at=timezone.now()
    )
    field = NoticeJob._meta.get_field("archive")
    field.storage = FileSystemStorage(location=tempfile.mkdtemp(prefix="bench-archives-"), base_url=None)

    print(f"task process before: {rss_mb():.0f} MB resident")
    started = time.perf_counter()
    with (
        mock.patch.object(notice_jobs, "batch_award_ids", lambda batch: [award.pk] * options.documents),
        mock.patch.object(selectors, "notice_awards", lambda pks: [award] * len(pks)),
        mock.patch.object(notice_jobs, "notice_filename", lambda award: f"{uuid.uuid4().hex}.pdf"),
        mock.patch.object(notice_jobs, "_tell_requester", lambda job: None),
        mock.patch.object(notice_jobs, "DOCUMENTS_PER_PROCESS", options.per_process),
    ):
        job = notice_jobs.run(job.pk)
    elapsed = time.perf_counter() - started
    with field.storage.open(job.archive.name, "rb") as handle, zipfile.ZipFile(handle) as bundle:
        count = len(bundle.namelist())
        size = field.storage.size(job.archive.name)
    print(
        f"{job.status}: {job.done}/{job.total} notices, {len(job.failures)} failed, {count} PDFs in a "
        f"{size / 2**20:.0f} MB ZIP, {elapsed:.0f} s ({count / elapsed:.1f} notices/s, "
        f"{options.per_process} per child; load average {os.getloadavg()[0]:.1f})"
    )
    print(
        f"peak resident: task process {peak_rss_mb():.0f} MB, largest child {children_peak_rss_mb():.0f} MB"
    )

    if options.in_process:
        before = rss_mb()
        for _ in range(options.in_process):
            documents.award_notice_pdf(selectors._notice_awards().get(pk=award.pk))
        print(
            f"the same in one process, {options.in_process} notices: {before:.0f} MB → {rss_mb():.0f} MB "
            f"resident (peak {peak_rss_mb():.0f} MB)"
        )


if __name__ == "__main__":
    main()

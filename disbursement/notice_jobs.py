"""生成全部拨付通知 (generate all): the 资金拨付通知 of every award a payment batch pays, in one ZIP.

Finance staff print and post a notice to every enterprise a batch pays; a batch may pay a thousand.
The batch page starts a job (start), a Celery task renders it (run, disbursement.tasks.render_batch_notices)
and the page shows done / total, names each notice that failed, and offers the ZIP (private storage,
served through changning_ai.downloads.private_file_response) — the user need not stay on the page, and
the inbox says when it is ready.

Bounded memory: the notices are rendered in a fresh child process per DOCUMENTS_PER_PROCESS
(policies.processes.run_in_child), which writes its PDFs into a scratch folder and exits; the task's own
process only counts, zips and stores. bench/bench_pdf_batch.py measures the peak resident size.
"""

from __future__ import annotations

import logging
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.notify import notify
from audit import services as audit
from policies.processes import ChildFailed, run_in_child

from . import selectors
from .documents import award_notice_pdf
from .models import Award, NoticeJob, PaymentBatch

log = logging.getLogger(__name__)

# Notices per child process: each child starts from the task's process (forked: the code is loaded
# already) and grows while it renders; 50 keeps a child well under 300 MB (bench/bench_pdf_batch.py).
DOCUMENTS_PER_PROCESS = 50


def notice_filename(award: Award) -> str:
    """The notice's file name, the same in the ZIP as for a single download."""
    return f"资金拨付通知-{award.number}.pdf"


def batch_award_ids(batch: PaymentBatch) -> list[int]:
    """The awards the batch pays whose notice exists (approved), each once (an award may have more than
    one installment in the batch)."""
    return list(
        Award.objects.filter(installments__batch=batch, status__in=selectors.NOTICE_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )


def latest_job(batch: PaymentBatch) -> NoticeJob | None:
    return batch.notice_jobs.first()


def start(batch: PaymentBatch, user) -> tuple[NoticeJob, bool]:
    """Queue the job for the batch; (the job, True) — or the job already at work and False. A batch
    without a single notice gets a ValueError with the message for the user."""
    total = len(batch_award_ids(batch))
    if total == 0:
        raise ValueError(_("该批次没有已批准的资助,没有可生成的拨付通知。"))
    running = batch.notice_jobs.filter(status__in=[NoticeJob.Status.QUEUED, NoticeJob.Status.RUNNING]).first()
    if running is not None:
        return running, False
    try:
        with transaction.atomic():
            job = NoticeJob.objects.create(
                batch=batch, requested_by=user, total=total, created_at=timezone.now()
            )
    except IntegrityError:  # another click won the race (one_active_notice_job)
        return batch.notice_jobs.filter(
            status__in=[NoticeJob.Status.QUEUED, NoticeJob.Status.RUNNING]
        ).get(), False
    audit.record("document.batch_notices", obj=batch, detail=f"{total}")
    from .tasks import render_batch_notices

    transaction.on_commit(lambda: render_batch_notices.delay(job.pk))
    return job, True


def _render_chunk(award_ids: list[int], folder: str) -> list[tuple[str, str]]:
    """In the child: each award's notice into the folder; the failures as (award number, why)."""
    failures = []
    for award in selectors.notice_awards(award_ids):
        try:
            pdf = award_notice_pdf(award)
        except Exception as exc:  # one bad notice is named, the others go on
            log.exception("notice of award %s failed", award.pk)
            failures.append((award.number, f"{type(exc).__name__}: {exc}"))
            continue
        (Path(folder) / notice_filename(award)).write_bytes(pdf)
    return failures


def _warm(award_ids: list[int]) -> None:
    """One notice rendered (and dropped) here before the first fork: the fonts, templates and signing key
    a first render loads (~1 s of CPU) are then inherited by every child instead of loaded by each. The
    task's process keeps them (~225 MB resident, bench/bench_pdf_batch.py)."""
    try:
        for award in selectors.notice_awards(award_ids):
            award_notice_pdf(award)
    except Exception:  # a notice that fails here fails again in its child, and is named there
        log.warning("warm-up render failed", exc_info=True)


def _progress(job: NoticeJob, **fields) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))


def run(job_id: int) -> NoticeJob:
    """The task's work: render every notice (a child process per DOCUMENTS_PER_PROCESS), zip them and
    store the ZIP. Started again after a crash (acks late), it starts over."""
    job = NoticeJob.objects.select_related("batch", "requested_by").get(pk=job_id)
    if not job.active:
        return job
    award_ids = batch_award_ids(job.batch)
    _progress(job, status=NoticeJob.Status.RUNNING, total=len(award_ids), done=0, failures=[], error="")
    try:
        _warm(award_ids[:1])
        with tempfile.TemporaryDirectory(prefix="notices-") as folder:
            failures = []
            for start_at in range(0, len(award_ids), DOCUMENTS_PER_PROCESS):
                chunk = award_ids[start_at : start_at + DOCUMENTS_PER_PROCESS]
                try:
                    chunk_failures = run_in_child(_render_chunk, chunk, folder)
                except ChildFailed as exc:  # the child died: name the notices it did not write, go on
                    chunk_failures = [
                        (award.number, str(exc))
                        for award in selectors.notice_awards(chunk)
                        if not (Path(folder) / notice_filename(award)).exists()
                    ]
                failures += [{"award": number, "error": why[:300]} for number, why in chunk_failures]
                _progress(job, done=start_at + len(chunk), failures=failures)
            pdfs = sorted(Path(folder).glob("*.pdf"))
            if not pdfs:
                raise ChildFailed(_("没有一份拨付通知生成成功。"))
            archive = Path(folder) / "notices.zip"
            # PDFs are compressed already: stored, not deflated again.
            with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as bundle:
                for pdf in pdfs:
                    bundle.write(pdf, arcname=pdf.name)
            with archive.open("rb") as handle:
                job.archive.save("notices.zip", File(handle), save=False)
    except Exception as exc:
        log.exception("notice job %s failed", job.pk)
        _progress(job, status=NoticeJob.Status.FAILED, error=str(exc)[:500], finished_at=timezone.now())
        return job
    _progress(job, status=NoticeJob.Status.DONE, archive=job.archive.name, finished_at=timezone.now())
    _tell_requester(job)
    return job


def _tell_requester(job: NoticeJob) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("批次 %(number)s 的拨付通知已生成") % {"number": job.batch.number}
        body = _("共 %(total)s 份,成功 %(ok)s 份,失败 %(failed)s 份。请在批次页面下载。") % {
            "total": job.total,
            "ok": job.total - len(job.failures),
            "failed": len(job.failures),
        }
    notify(
        event="disbursement.batch_notices",
        key=job.pk,
        recipients=[job.requested_by],
        subject=subject,
        body=body,
        url=reverse("disbursement:batch", args=[job.batch_id]) + "#notices",
    )


def archive_filename(job: NoticeJob) -> str:
    return f"资金拨付通知-{job.batch.number}.zip"

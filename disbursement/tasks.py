"""Scheduled work of 区财政局's side (Celery beat; changning_ai.settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task
from django.utils import timezone

from . import notifications
from .services import release_due_installments


@shared_task
def release_and_remind() -> dict[str, int]:
    """Installments whose year (and condition) has come become due; the finance officers are reminded of
    every due installment once. Idempotent."""
    today = timezone.localdate()
    released = release_due_installments(today=today)
    reminded = notifications.remind_due_installments(today=today)
    return {"released": released, "due": reminded}


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def render_batch_sheet(batch_id: int) -> str:
    """The 批次审批单 of a large batch, rendered outside the request and kept in private storage
    (disbursement.documents.store_batch_sheet); the batch page offers it once there."""
    from django.core.cache import cache

    from .documents import batch_sheet_queued_key, store_batch_sheet
    from .models import PaymentBatch

    batch = PaymentBatch.objects.select_related("prepared_by", "approved_by").get(pk=batch_id)
    try:
        return store_batch_sheet(batch)
    finally:
        cache.delete(batch_sheet_queued_key(batch_id))


@shared_task(time_limit=600)
def yearly_claim_windows() -> dict[str, int]:
    """年度兑现: claims whose window has begun are announced to the organisation once; open claims whose
    window has closed lapse and end their run. Idempotent."""
    from .services import claims

    today = timezone.localdate()
    return {
        "lapsed": claims.lapse_expired_claims(today=today),
        "opened": claims.open_claim_windows(today=today),
    }


# A thousand notices take minutes: far past the default limits (settings.CELERY_TASK_TIME_LIMIT).
@shared_task(soft_time_limit=3300, time_limit=3600)
def render_batch_notices(job_id: int) -> str:
    """The 资金拨付通知 of every award of a payment batch, in one ZIP (disbursement.notice_jobs.run)."""
    from .notice_jobs import run

    job = run(job_id)
    return f"{job.status} {job.done}/{job.total}"

"""Scheduled work of the commission (Celery beat; changning_ai.settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from . import notifications
from .services import close_due_notices as close_due_notices_service


@shared_task
def close_due_notices() -> dict[str, list[int]]:
    """Close every 公示 whose window has passed (认定 or back to decision); blocked ones wait for their
    objections to be decided. Idempotent."""
    closed, blocked = close_due_notices_service()
    return {"closed": [n.pk for n in closed], "blocked": [n.pk for n, _reason in blocked]}


@shared_task
def remind_overdue_reviews() -> int:
    return notifications.remind_overdue_reviews()

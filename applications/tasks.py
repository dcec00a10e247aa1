"""Scheduled work of the applications app (Celery beat; changning_ai.settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from . import notifications


@shared_task
def remind_drafts() -> int:
    """Unsubmitted applications under calls closing within three days: their organisations, once per call."""
    return notifications.remind_drafts()

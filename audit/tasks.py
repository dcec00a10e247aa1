"""Scheduled audit work: the chain's head anchored outside the database (audit.anchor)."""

from celery import shared_task

from .anchor import write_anchor


@shared_task
def anchor_audit_head() -> int | None:
    """Append the newest record's seq and hash to AUDIT_ANCHOR_FILE when it moved; returns the seq."""
    anchor = write_anchor()
    return anchor.seq if anchor else None

"""The 资金拨付通知 (disbursement notice) of an award, as a PDF rendered by WeasyPrint.

An official document rendered by the shared policies.documents.render_pdf (Chinese, A4, CJK serif, page
numbers, nothing fetched), the amount in figures (¥1,500,000.00) and in capitals (壹佰伍拾万元整). The
receiving account is masked: the notice goes to the enterprise and may be passed around.

Also the 批次审批单 (batch approval sheet) for finance: rendered in the request for a small batch, by the
Celery task disbursement.tasks.render_batch_sheet for one of more than BATCH_SHEET_INLINE_LIMIT lines
(stored in private storage under a name that changes whenever the batch does).
"""

from __future__ import annotations

import hashlib
import json

from django.core.files.base import ContentFile
from django.utils import timezone

from applications.models import private_storage
from policies.documents import amount_words, document_number, render_pdf

from .models import Award, Installment, PaymentBatch
from .selectors import BatchLine, batch_lines, current_bank_account


def notice_context(award: Award) -> dict:
    application = award.application  # None for a support agreement's award: the notice says so
    issued_on = timezone.localdate(award.approved_at) if award.approved_at else None
    return {
        "award": award,
        "application": application,
        "organization": award.organization,
        "item": award.item,
        "installments": list(award.installments.all()),
        "claims": list(award.claims.all()),
        "capitals": amount_words(award.amount_fen),
        "account": current_bank_account(award.organization),
        "issued_on": issued_on,
        # Issued on the first copy and the same on every later one; its year is the approval's, the date
        # the notice bears. (The notice exists only for an approved award: selectors.notice_award.)
        "doc_number": document_number("award_notice", f"award:{award.pk}", on=issued_on),
    }


def award_notice_pdf(award: Award) -> bytes:
    """The notice as PDF bytes. `award` should come with its installments prefetched in order
    (selectors.notice_award)."""
    return render_pdf("disbursement/notice_pdf.html", notice_context(award))


# ---------------------------------------------------------------- the 批次审批单 (batch approval sheet)

# A batch of more lines than this is rendered by the Celery task, not in the request.
BATCH_SHEET_INLINE_LIMIT = 200
BATCH_SHEET_FOLDER = "documents/batches"


def batch_sheet_filename(batch: PaymentBatch) -> str:
    return f"批次审批单-{batch.number}.pdf"


def batch_sheet_context(batch: PaymentBatch, lines: list[BatchLine]) -> dict:
    total_fen = sum(line.installment.amount_fen for line in lines)
    # The sheet is a working paper until a finance approver approves the batch; only then is it an
    # outgoing document with a 文号 (of the approval's year), so drafts do not use up numbers.
    approved_on = timezone.localdate(batch.approved_at) if batch.approved_at else None
    return {
        "batch": batch,
        "doc_number": (
            document_number("batch_sheet", f"batch:{batch.pk}", on=approved_on) if approved_on else None
        ),
        "lines": lines,
        "total_fen": total_fen,
        "capitals": amount_words(total_fen),
        "generated_at": timezone.localtime(),
    }


def batch_sheet_pdf(batch: PaymentBatch, lines: list[BatchLine] | None = None) -> bytes:
    lines = batch_lines(batch) if lines is None else lines
    return render_pdf("documents/batch_sheet.html", batch_sheet_context(batch, lines))


def batch_sheet_name(batch: PaymentBatch) -> str:
    """Where the stored sheet of the batch as it stands now lives in private storage: the name carries a
    fingerprint of everything the sheet prints, so a changed batch (submitted, approved, a line paid or
    failed out of it) never gets an older sheet. One query."""
    rows = list(
        Installment.objects.filter(batch=batch)
        .order_by("pk")
        .values_list("pk", "status", "amount_fen", "award__organization_id")
    )
    state = [
        batch.number,
        batch.status,
        batch.prepared_by_id,
        str(batch.submitted_at),
        batch.approved_by_id,
        str(batch.approved_at),
        rows,
    ]
    fingerprint = hashlib.sha256(json.dumps(state, default=str).encode()).hexdigest()[:32]
    return f"{BATCH_SHEET_FOLDER}/{batch.pk}/{fingerprint}.pdf"


def stored_batch_sheet(batch: PaymentBatch) -> str | None:
    """The name of the stored sheet of the batch as it stands, or None while it is not (yet) there."""
    name = batch_sheet_name(batch)
    return name if private_storage().exists(name) else None


def store_batch_sheet(batch: PaymentBatch) -> str:
    """Render the sheet and keep it in private storage (the task's work); nothing if already there."""
    name = batch_sheet_name(batch)
    storage = private_storage()
    if not storage.exists(name):
        saved = storage.save(name, ContentFile(batch_sheet_pdf(batch)))
        if saved != name:  # a concurrent run stored it first: keep one
            storage.delete(saved)
    return name


def read_stored(name: str) -> bytes:
    with private_storage().open(name, "rb") as handle:
        return handle.read()


def batch_sheet_queued_key(batch_id: int) -> str:
    """Cache key held while the task for the batch is queued, so page loads do not queue it again."""
    return f"disbursement:batch-sheet-queued:{batch_id}"


def request_batch_sheet(batch: PaymentBatch) -> None:
    """Queue the task once (until it has run); the view then tells the user to come back."""
    from django.core.cache import cache

    from .tasks import render_batch_sheet

    if cache.add(batch_sheet_queued_key(batch.pk), True, timeout=15 * 60):
        render_batch_sheet.delay(batch.pk)

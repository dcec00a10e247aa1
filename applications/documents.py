"""The enterprise's official documents of an application, as PDFs (policies.documents.render_pdf):

- 申报书 (application_form_pdf): the application as last submitted — its latest revision's facts with
  their labels, the ceiling the engine computed and its steps (revision.quote), the requested amount in
  figures and 大写, and the materials with their file names;
- 受理回执 (acceptance_receipt_pdf): the acceptance number and date, once accepted;
- 认定通知 (recognition_notice_pdf): organisation, item, project, the awarded amount in figures and 大写,
  the date of recognition, once recognised.

Whether a document exists yet is answered here (available_documents), so the enterprise's page, the
staff pages and the download views agree. Who may download is the views' business.
"""

from __future__ import annotations

from django.utils import timezone, translation

from policies.documents import amount_words, document_number, render_pdf

from .forms import fact_rows
from .models import Application, ApplicationRevision, StatusEvent

APPLICATION_FORM = "application"
ACCEPTANCE_RECEIPT = "receipt"
RECOGNITION_NOTICE = "recognition"

TITLES = {
    APPLICATION_FORM: "申报书",
    ACCEPTANCE_RECEIPT: "受理回执",
    RECOGNITION_NOTICE: "认定通知",
}


def is_available(application: Application, kind: str) -> bool:
    if kind == APPLICATION_FORM:
        return application.submitted_at is not None and application.number is not None
    if kind == ACCEPTANCE_RECEIPT:
        return bool(application.acceptance_number) and application.accepted_at is not None
    if kind == RECOGNITION_NOTICE:
        return application.status == Application.Status.RECOGNISED and application.awarded_fen is not None
    return False


def available_documents(application: Application) -> list[str]:
    """The kinds of document the application has now, in the order a page lists them."""
    return [kind for kind in TITLES if is_available(application, kind)]


def filename(application: Application, kind: str) -> str:
    """认定通知-CNAI-2025-7.1-00001.pdf; the receipt is named by its acceptance number."""
    number = application.acceptance_number if kind == ACCEPTANCE_RECEIPT else application.number
    return f"{TITLES[kind]}-{number}.pdf"


def render(application: Application, kind: str) -> bytes:
    return {
        APPLICATION_FORM: application_form_pdf,
        ACCEPTANCE_RECEIPT: acceptance_receipt_pdf,
        RECOGNITION_NOTICE: recognition_notice_pdf,
    }[kind](application)


def _materials(application: Application, revision: ApplicationRevision) -> list[dict]:
    files = list(revision.attachments.all())
    rows = [
        {"name": m.name, "required": m.required, "files": [a for a in files if a.material_code == m.code]}
        for m in application.item.materials.all()
    ]
    known = {m.code for m in application.item.materials.all()}
    for code in sorted({a.material_code for a in files} - known):
        rows.append({"name": code, "required": False, "files": [a for a in files if a.material_code == code]})
    return rows


def application_form_pdf(application: Application) -> bytes:
    revision = application.revisions.prefetch_related("attachments").order_by("-number").first()
    if revision is None:
        raise ValueError(f"{application} has not been submitted")
    with translation.override("zh-hans"):  # the facts' labels, in the document's language
        rows = fact_rows(application.item, revision.facts)
    return render_pdf(
        "documents/application_form.html",
        {
            "application": application,
            "organization": application.organization,
            "item": application.item,
            "call": application.call_item.call,
            "revision": revision,
            "quote": revision.quote,
            "fact_rows": rows,
            "matter_type_label": dict(Application.MatterType.choices).get(revision.matter_type, ""),
            "materials": _materials(application, revision),
            "capitals": amount_words(revision.amount_fen),
            "generated_at": timezone.localtime(),
        },
    )


def subject(application: Application) -> str:
    """What a document of the application is about, for its 文号."""
    return f"application:{application.pk}"


def acceptance_receipt_pdf(application: Application) -> bytes:
    accepted_on = timezone.localdate(application.accepted_at)
    return render_pdf(
        "documents/acceptance_receipt.html",
        {
            "application": application,
            "organization": application.organization,
            "item": application.item,
            "accepted_on": accepted_on,
            "doc_number": document_number("receipt", subject(application), on=accepted_on),
            "capitals": amount_words(application.requested_fen),
            "generated_at": timezone.localtime(),
        },
    )


def recognised_on(application: Application):
    event = (
        StatusEvent.objects.filter(application=application, status=Application.Status.RECOGNISED)
        .order_by("-at", "-id")
        .first()
    )
    return timezone.localdate(event.at) if event else None


def recognition_notice_pdf(application: Application) -> bytes:
    on = recognised_on(application)
    return render_pdf(
        "documents/recognition_notice.html",
        {
            "application": application,
            "organization": application.organization,
            "item": application.item,
            "recognised_on": on,
            "doc_number": document_number("recognition", subject(application), on=on),
            "capitals": amount_words(application.awarded_fen),
            "generated_at": timezone.localtime(),
        },
    )

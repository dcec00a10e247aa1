"""The commission's documents, as PDFs (policies.documents.render_pdf):

- 评审汇总 (review_summary_pdf): for the approver — score_summary's figures (criteria averages and lowest,
  the weighted total, the spread), each submitted review with the reviewer's name, recommendation and
  suggested amount (internal: the enterprise never gets this document), the requested amount and the
  latest decision in figures and 大写;
- 公示名单 (notice_list_pdf): a published notice's entries, the copied fields only, with the total.
"""

from __future__ import annotations

from django.utils import timezone, translation

from applications.documents import subject
from applications.models import Application
from policies.documents import amount_words, document_number, render_pdf

from .models import PublicNotice
from .selectors import notice_lines, score_summary


def summary_filename(application: Application) -> str:
    return f"评审汇总-{application.number}.pdf"


def notice_filename(notice: PublicNotice) -> str:
    return f"公示名单-{timezone.localdate(notice.published_at):%Y%m%d}-{notice.pk}.pdf"


def review_summary_pdf(application: Application) -> bytes:
    with translation.override("zh-hans"):  # the recommendation labels, in the document's language
        summary = score_summary(application)
    decision = application.decisions.order_by("-decided_at", "-id").first()
    return render_pdf(
        "documents/review_summary.html",
        {
            "application": application,
            "organization": application.organization,
            "item": application.item,
            "summary": summary,
            "doc_number": document_number("review_summary", subject(application)),
            "requested_capitals": amount_words(application.requested_fen),
            "decision": decision,
            "decision_capitals": amount_words(decision.amount_fen) if decision else "",
            "generated_at": timezone.localtime(),
        },
    )


def notice_number(notice: PublicNotice) -> str:
    """The 公示名单's 文号, issued when the notice is published (publish_notice), so the notices of a year
    are numbered in the order they were published — a 更正公示 after the notice it corrects — whatever
    order their PDFs are first downloaded in."""
    return document_number("notice_list", f"notice:{notice.pk}", on=timezone.localdate(notice.published_at))


def notice_list_pdf(notice: PublicNotice) -> bytes:
    entries = list(notice_lines(notice))
    # The same lines and total as the public page: withdrawn lines shown as such, out of the total.
    total_fen = sum(entry.amount_fen for entry in entries if entry.withdrawn_at is None)
    return render_pdf(
        "documents/notice_list.html",
        {
            "notice": notice,
            "doc_number": notice_number(notice),
            "entries": entries,
            "total_fen": total_fen,
            "total_capitals": amount_words(total_fen),
            # As on the public page: a notice whose withdrawn lines were re-published names its 更正公示.
            "corrections": list(notice.corrections.order_by("published_at", "id")),
            "generated_at": timezone.localtime(),
        },
    )

"""The one renderer of the portal's official documents (WeasyPrint), and the response that carries them.

Every document — 申报书, 受理回执, 评审汇总, 公示名单, 认定通知, 资金拨付通知, 批次审批单 — is rendered
here the same way: in Chinese whatever language the visitor chose, A4, the Noto Serif CJK SC font the
setup installs, page numbers (第 X 页 共 Y 页) from CSS page counters (static/css/notice_pdf.css), and
nothing fetched from outside: the only stylesheet is read from disk and every other URL is refused.
Amounts are printed in figures (the money filters) and in capitals (amount_words, policies.capitals).

The lowest app that every other can import: applications, reviews and disbursement each keep their own
document's context and template, and call render_pdf / pdf_response from here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from . import rules, signing
from .capitals import rmb_capitals
from .models import DocumentNumber

STYLESHEET = "css/notice_pdf.css"
PDF = "application/pdf"


def _no_fetching(url: str, *args, **kwargs):
    raise ValueError(f"official documents fetch nothing: {url}")


# Parsed once per process and shared by every render (bench/bench_pdf.py): parsing the sheet cost ~25 ms
# and a fresh font configuration ~15 ms per document. Neither holds anything of a document (the sheet has
# no @font-face), and a deploy restarts the processes that would see a changed sheet.
@cache
def _stylesheet() -> CSS:
    path = finders.find(STYLESHEET) or Path(settings.STATIC_ROOT) / STYLESHEET
    return CSS(filename=str(path), url_fetcher=_no_fetching)


@cache
def _font_config() -> FontConfiguration:
    return FontConfiguration()


def amount_words(fen: int | None) -> str:
    """The amount in fen as 大写金额 (壹佰伍拾万元整); '' for None."""
    if fen is None:
        return ""
    return rmb_capitals(rules.fen_to_yuan(fen))


def render_pdf(template_name: str, context: dict) -> bytes:
    """The template rendered in Chinese and printed to PDF bytes."""
    with translation.override("zh-hans"):
        html = render_to_string(template_name, context)
    document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=_no_fetching).render(
        stylesheets=[_stylesheet()], font_config=_font_config()
    )
    # Tagged (a structure tree, /Lang zh-CN, the title shown by the viewer) for screen readers; then signed.
    pdf = document.write_pdf(pdf_tags=True)
    return signing.sign(pdf, title=document.metadata.title or "")


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A download of the PDF: the Chinese file name in RFC 5987 form (filename*=utf-8''…), never
    sniffed, never cached by a shared cache."""
    response = HttpResponse(content, content_type=PDF)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# The 文号 of each kind of outgoing document: the issuer's abbreviation and the kind's character, then
# 〔year〕 and the kind's sequence in that year. (The 申报书 is the enterprise's own: no 文号.)
NUMBER_PREFIXES = {
    "receipt": "长科委受",
    "review_summary": "长科委评",
    "notice_list": "长科委公",
    "recognition": "长科委认",
    "award_notice": "长科委拨",
    "batch_sheet": "长财批",
}


def _formatted(number: DocumentNumber) -> str:
    return f"{NUMBER_PREFIXES[number.kind]}〔{number.year}〕{number.sequence}号"


def document_number(kind: str, subject: str, *, on=None) -> str:
    """The document's 文号: issued the first time (the next in its kind and year — the year of `on`, the
    date the document records, else today in Shanghai), the same on every later copy."""
    if kind not in NUMBER_PREFIXES:
        raise ValueError(f"no 文号 for documents of kind {kind!r}")
    year = (on or timezone.localdate()).year
    for _attempt in range(5):
        existing = DocumentNumber.objects.filter(kind=kind, subject=subject).first()
        if existing is not None:
            return _formatted(existing)
        last = DocumentNumber.objects.filter(kind=kind, year=year).aggregate(last=Max("sequence"))["last"]
        try:
            # Two first copies at once: one insert wins, the other retries and finds it (or the next number).
            with transaction.atomic():
                number = DocumentNumber.objects.create(
                    kind=kind, subject=subject, year=year, sequence=(last or 0) + 1, issued_at=timezone.now()
                )
        except IntegrityError:
            continue
        return _formatted(number)
    raise RuntimeError(f"could not issue a 文号 for {kind} {subject}")

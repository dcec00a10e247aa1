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

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import content_disposition_header
from weasyprint import CSS, HTML

from . import rules, signing
from .capitals import rmb_capitals

STYLESHEET = "css/notice_pdf.css"
PDF = "application/pdf"


def _no_fetching(url: str, *args, **kwargs):
    raise ValueError(f"official documents fetch nothing: {url}")


def _stylesheet() -> CSS:
    path = finders.find(STYLESHEET) or Path(settings.STATIC_ROOT) / STYLESHEET
    return CSS(filename=str(path), url_fetcher=_no_fetching)


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
        stylesheets=[_stylesheet()]
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

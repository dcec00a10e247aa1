"""The 资金拨付通知 (disbursement notice) of an award, as a PDF rendered by WeasyPrint.

An official document: always in Chinese whatever language the visitor chose, A4, the Noto Serif CJK SC
font the setup installs (static/css/notice_pdf.css), page numbers from CSS page counters, the amount in
figures (¥1,500,000.00) and in capitals (壹佰伍拾万元整, policies.capitals). The receiving account is
masked: the notice goes to the enterprise and may be passed around. Nothing is fetched from outside:
the only stylesheet is read from disk and every other URL is refused.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import CSS, HTML

from policies import rules
from policies.capitals import rmb_capitals

from .models import Award
from .selectors import current_bank_account

STYLESHEET = "css/notice_pdf.css"


def _no_fetching(url: str, *args, **kwargs):
    raise ValueError(f"the notice fetches nothing: {url}")


def _stylesheet() -> CSS:
    path = finders.find(STYLESHEET) or Path(settings.STATIC_ROOT) / STYLESHEET
    return CSS(filename=str(path), url_fetcher=_no_fetching)


def notice_context(award: Award) -> dict:
    application = award.application
    return {
        "award": award,
        "application": application,
        "organization": award.organization,
        "item": award.item,
        "installments": list(award.installments.all()),
        "capitals": rmb_capitals(rules.fen_to_yuan(award.amount_fen)),
        "account": current_bank_account(award.organization),
        "issued_on": timezone.localdate(award.approved_at) if award.approved_at else None,
    }


def award_notice_pdf(award: Award) -> bytes:
    """The notice as PDF bytes. `award` should come with its installments prefetched in order
    (selectors.notice_award)."""
    with translation.override("zh-hans"):
        html = render_to_string("disbursement/notice_pdf.html", notice_context(award))
    document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=_no_fetching)
    return document.write_pdf(stylesheets=[_stylesheet()])

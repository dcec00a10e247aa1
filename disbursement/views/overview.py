"""The budget dashboard (staff) and the enterprise's own awards.

/finance/dashboard/ ("disbursement:dashboard") is for 区科委's commission approvers and 区财政局's finance
staff: anonymous → log in, every other role → 403. /awards/ ("awards:mine") is the enterprise's list of its
organisation's awards with every installment; only the organisation's administrator confirms that it
still uses its office in 长宁区. Reads go through disbursement.selectors, the one change through
disbursement.services; every page works without JavaScript and runs a constant number of queries.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.roles import Role
from accounts.selectors import approved_membership_for
from reviews.access import role_required

from .. import selectors
from ..charts import SEGMENTS, budget_chart
from ..progress import progress_of
from ..services.claims import can_submit

BUDGET_READERS = (Role.COMMISSION_APPROVER, Role.FINANCE_OFFICER, Role.FINANCE_APPROVER)


# ---------------------------------------------------------------- the budget dashboard (staff)


def _chosen_year(raw: str | None, years: list[int]) -> int | None:
    """The year asked for if it has budgets; else this year if it has; else the latest year."""
    if raw and raw.isdecimal() and int(raw) in years:
        return int(raw)
    this_year = timezone.localdate().year
    if this_year in years:
        return this_year
    return years[0] if years else None


@role_required(*BUDGET_READERS)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    years = selectors.budget_years()
    year = _chosen_year(request.GET.get("year"), years)
    overview = selectors.budget_overview(year) if year is not None else None
    return render(
        request,
        "disbursement/dashboard.html",
        {
            "years": years,
            "year": year,
            "overview": overview,
            "chart": budget_chart(overview.lines) if overview else None,
            "legend": [(kind, label) for _field, kind, label in SEGMENTS],
        },
    )


# ---------------------------------------------------------------- the enterprise's awards


def _organization_redirect(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("请先创建或加入申报单位,经审核通过后即可查看资助拨付情况。"))
    return redirect("accounts:organization")


@login_required
@require_GET
def my_awards(request: HttpRequest) -> HttpResponse:
    membership = approved_membership_for(request.user)
    if membership is None:
        return _organization_redirect(request)
    organization = membership.organization
    awards = selectors.enterprise_awards(organization)
    today = timezone.localdate()
    for award in awards:
        # The disbursement notice exists once finance has approved the award.
        award.has_notice = award.status in selectors.NOTICE_STATUSES
        # Its stage and what happens next, derived as on the application's timeline (no query).
        call = award.application.call_item.call if award.application_id else None
        award.progress = progress_of(award, call, today=today)
        for claim in award.claims.all():
            claim.claimable = can_submit(claim, today)
    return render(
        request,
        "disbursement/my_awards.html",
        {
            "organization": organization,
            "is_admin": membership.is_admin,
            "awards": awards,
            "bank_account": selectors.current_bank_account(organization),
            "this_year": timezone.localdate().year,
        },
    )


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
]

enterprise_urlpatterns = [
    path("", my_awards, name="mine"),
]

"""Budgets, awards, acceptance and clawback pages (staff, under /finance/, namespace "disbursement").

Who may do what (anonymous → log in; any other role → 403, before anything is read or saved):
- /finance/budgets/: 区科委's commission approvers enter and amend budgets; 区财政局's finance officers and
  approvers confirm them; all three read the page.
- /finance/awards/ and /finance/awards/<pk>/: the same three read them; a finance approver approves an
  award (committing the budgets); a commission approver records 验收 when an installment waits for it; a
  finance officer records a clawback (追回) and its recoveries.
Thin: reads through disbursement.selectors, every change through disbursement.services; every page works
without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Role
from policies.templatetags.money import fen_yuan
from reviews.access import has_any_role, role_required

from .. import selectors, services
from ..budget_forms import AwardFilterForm, BudgetForm, ClawbackForm, RecoveryForm
from ..models import Award, Budget, Clawback, Installment

READERS = (Role.COMMISSION_APPROVER, Role.FINANCE_OFFICER, Role.FINANCE_APPROVER)
FINANCE_STAFF = (Role.FINANCE_OFFICER, Role.FINANCE_APPROVER)


def _messages_of(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


# ---------------------------------------------------------------- budgets


def _year(raw: str | None, years: list[int]) -> int:
    if raw and raw.isdecimal() and 2000 <= int(raw) <= 2100:
        return int(raw)
    this_year = timezone.localdate().year
    return this_year if this_year in years or not years else years[0]


def _budgets_page(
    request: HttpRequest, *, year: int | None, form: BudgetForm | None = None, errors=(), status=200
):
    """The budgets page for `year` (None: the one asked for in the query string, else this year)."""
    years = selectors.budget_years()
    if year is None:
        year = _year(request.GET.get("year"), years)
    if year not in years:
        years = sorted({*years, year}, reverse=True)
    can_enter = has_any_role(request.user, Role.COMMISSION_APPROVER)
    return render(
        request,
        "disbursement/budget_list.html",
        {
            "year": year,
            "years": years,
            "rows": selectors.budget_rows(year),
            "can_enter": can_enter,
            "can_confirm": has_any_role(request.user, *FINANCE_STAFF),
            "form": form or (BudgetForm(initial={"year": year}) if can_enter else None),
            "errors": errors,
        },
        status=status,
    )


@role_required(*READERS)
@require_GET
def budgets(request: HttpRequest) -> HttpResponse:
    return _budgets_page(request, year=None)


@role_required(Role.COMMISSION_APPROVER)
@require_POST
def budget_enter(request: HttpRequest) -> HttpResponse:
    form = BudgetForm(request.POST)
    year = _year(request.POST.get("year"), [])
    if form.is_valid():
        year = form.cleaned_data["year"]
        try:
            budget = services.enter_budget(
                actor=request.user,
                year=year,
                item_code=form.cleaned_data["item_code"],
                amount_fen=form.amount_fen,
            )
        except ValidationError as exc:
            return _budgets_page(request, year=year, form=form, errors=_messages_of(exc), status=400)
        except IntegrityError:
            # Someone entered the same year and item a moment ago: show the row they saved.
            return _budgets_page(
                request,
                year=year,
                form=form,
                errors=[_("该预算刚刚由他人录入,请核对后按需调整。")],
                status=409,
            )
        messages.success(
            request,
            _("%(label)s已保存:%(amount)s,待区财政局确认。")
            % {"label": services.budgets.label(budget), "amount": fen_yuan(budget.amount_fen)}
            if not budget.is_confirmed
            else _("%(label)s未变化。") % {"label": services.budgets.label(budget)},
        )
        return redirect(f"{reverse('disbursement:budgets')}?year={year}")
    return _budgets_page(request, year=year, form=form, status=400)


@role_required(*FINANCE_STAFF)
@require_POST
def budget_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    budget = get_object_or_404(Budget, pk=pk)
    try:
        services.confirm_budget(actor=request.user, budget=budget)
    except ValidationError as exc:
        return _budgets_page(request, year=budget.year, errors=_messages_of(exc), status=400)
    messages.success(request, _("%(label)s已确认。") % {"label": services.budgets.label(budget)})
    return redirect(f"{reverse('disbursement:budgets')}?year={budget.year}")


# ---------------------------------------------------------------- awards


@role_required(*READERS)
@require_GET
def awards(request: HttpRequest) -> HttpResponse:
    form = AwardFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    page = Paginator(selectors.award_queue(status), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "disbursement/award_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "status": status},
    )


def _award_page(
    request: HttpRequest,
    award: Award,
    *,
    errors=(),
    clawback_form: ClawbackForm | None = None,
    recovery_forms: dict[int, RecoveryForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    installments = list(award.installments.all())
    clawbacks = list(award.clawbacks.all())
    clawed = sum(c.amount_fen for c in clawbacks)
    is_officer = has_any_role(user, Role.FINANCE_OFFICER)
    recovery_forms = recovery_forms or {}
    for clawback in clawbacks:
        clawback.form = recovery_forms.get(clawback.pk) or (
            RecoveryForm(prefix=f"c{clawback.pk}", initial={"on": timezone.localdate()})
            if is_officer and clawback.outstanding_fen > 0
            else None
        )
    return render(
        request,
        "disbursement/award_detail.html",
        {
            "award": award,
            "application": award.application,
            "installments": installments,
            "clawbacks": clawbacks,
            "clawed_fen": clawed,
            "needs": selectors.award_budget_needs(award) if award.status == Award.Status.PENDING else [],
            "can_approve": award.status == Award.Status.PENDING and has_any_role(user, Role.FINANCE_APPROVER),
            "can_accept": has_any_role(user, Role.COMMISSION_APPROVER)
            and any(
                i.condition == Installment.Condition.ACCEPTANCE
                and i.status == Installment.Status.WAITING
                and i.condition_met_at is None
                for i in installments
            ),
            "clawback_form": clawback_form
            or (ClawbackForm() if is_officer and clawed < award.amount_fen else None),
            "errors": errors,
        },
        status=status,
    )


@role_required(*READERS)
@require_GET
def award(request: HttpRequest, pk: int) -> HttpResponse:
    return _award_page(request, selectors.award_detail(pk))


@role_required(Role.FINANCE_APPROVER)
@require_POST
def award_approve(request: HttpRequest, pk: int) -> HttpResponse:
    award = selectors.award_detail(pk)
    try:
        services.approve_award(actor=request.user, award=award)
    except ValidationError as exc:
        # The refusal carries the figures (预算, 已承诺, 已拨付, 剩余, 本次需); nothing was committed.
        return _award_page(request, award, errors=_messages_of(exc), status=400)
    messages.success(
        request, _("已批准,%(amount)s 已计入预算承诺。") % {"amount": fen_yuan(award.amount_fen)}
    )
    return redirect("disbursement:award", pk=award.pk)


@role_required(Role.COMMISSION_APPROVER)
@require_POST
def award_acceptance(request: HttpRequest, pk: int) -> HttpResponse:
    award = selectors.award_detail(pk)
    try:
        services.record_acceptance(actor=request.user, award=award)
    except ValidationError as exc:
        return _award_page(request, award, errors=_messages_of(exc), status=400)
    messages.success(request, _("已登记项目验收,相应期次进入待拨付(资助经财政审核后)。"))
    return redirect("disbursement:award", pk=award.pk)


@role_required(Role.FINANCE_OFFICER)
@require_http_methods(["GET", "POST"])
def award_clawback(request: HttpRequest, pk: int) -> HttpResponse:
    award = selectors.award_detail(pk)
    form = ClawbackForm(request.POST or None)
    status = 200
    errors: list[str] = []
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                clawback = services.record_clawback(
                    actor=request.user,
                    award=award,
                    reason=form.cleaned_data["reason"],
                    amount_fen=form.amount_fen,
                    description=form.cleaned_data["description"],
                )
            except ValidationError as exc:
                errors = _messages_of(exc)
            else:
                messages.success(
                    request,
                    _("已登记追回 %(amount)s:取消未拨付 %(cancelled)s,待单位退回 %(due)s。")
                    % {
                        "amount": fen_yuan(clawback.amount_fen),
                        "cancelled": fen_yuan(clawback.cancelled_fen),
                        "due": fen_yuan(clawback.to_recover_fen),
                    },
                )
                return redirect("disbursement:award", pk=award.pk)
    return render(
        request,
        "disbursement/clawback_form.html",
        {"award": award, "application": award.application, "form": form, "errors": errors},
        status=status,
    )


@role_required(Role.FINANCE_OFFICER)
@require_POST
def clawback_recovery(request: HttpRequest, pk: int) -> HttpResponse:
    clawback = get_object_or_404(Clawback, pk=pk)
    award = selectors.award_detail(clawback.award_id)
    form = RecoveryForm(request.POST, prefix=f"c{clawback.pk}")
    errors: list[str] = []
    if form.is_valid():
        try:
            services.record_recovery(
                actor=request.user, clawback=clawback, amount_fen=form.amount_fen, on=form.cleaned_data["on"]
            )
        except ValidationError as exc:
            errors = _messages_of(exc)
        else:
            messages.success(
                request, _("已登记追回到账 %(amount)s,已退回预算。") % {"amount": fen_yuan(form.amount_fen)}
            )
            return redirect("disbursement:award", pk=award.pk)
    return _award_page(request, award, errors=errors, recovery_forms={clawback.pk: form}, status=400)


urlpatterns = [
    path("budgets/", budgets, name="budgets"),
    path("budgets/enter/", budget_enter, name="budget_enter"),
    path("budgets/<int:pk>/confirm/", budget_confirm, name="budget_confirm"),
    path("awards/", awards, name="awards"),
    path("awards/<int:pk>/", award, name="award"),
    path("awards/<int:pk>/approve/", award_approve, name="award_approve"),
    path("awards/<int:pk>/acceptance/", award_acceptance, name="award_acceptance"),
    path("awards/<int:pk>/clawback/", award_clawback, name="award_clawback"),
    path("clawbacks/<int:pk>/recovery/", clawback_recovery, name="clawback_recovery"),
]

"""一企一策 support agreements outside any item (issue 11, Art. 10(3)), under /finance/agreements/.

Who may do what (anonymous → log in; any other role → 403, before anything is read or saved):
- the list and an agreement's page: 区科委's commission approvers and 区财政局's finance officers and
  approvers (the readers of the award pages);
- /new/: a commission approver proposes (disbursement.services.agreements says why that role);
- /<pk>/decide/ (POST): a finance approver other than the proposer approves, which creates the award and
  commits the budget, or rejects with a note. It commits money, so it asks for the password again when
  the last proof is old, as approving a payment batch does.
Thin: reads through disbursement.selectors, every change through disbursement.services.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.reauth import reauth_required
from accounts.roles import Role
from policies.templatetags.money import fen_yuan
from reviews.access import has_any_role, role_required

from .. import selectors, services
from ..agreement_forms import AgreementForm, DecisionForm
from ..models import SupportAgreement

READERS = (Role.COMMISSION_APPROVER, Role.FINANCE_OFFICER, Role.FINANCE_APPROVER)


@role_required(*READERS)
@require_GET
def agreement_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.agreement_list(), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "disbursement/agreement_list.html",
        {"page": page, "query": "", "can_propose": has_any_role(request.user, Role.COMMISSION_APPROVER)},
    )


@role_required(Role.COMMISSION_APPROVER)
@require_http_methods(["GET", "POST"])
def agreement_new(request: HttpRequest) -> HttpResponse:
    form = AgreementForm(request.POST or None)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                agreement = services.propose_agreement(
                    actor=request.user,
                    organization=data["organization"],
                    title=data["title"],
                    area=data["area"],
                    reason=data["reason"],
                    amount_fen=form.amount_fen,
                    budget_year=data["budget_year"],
                )
            except ValidationError as exc:
                errors = [str(m) for m in exc.messages]
            else:
                messages.success(
                    request,
                    _("已提出一企一策支持协议 %(number)s(%(amount)s),待区财政局审核人员决定。")
                    % {"number": agreement.number, "amount": fen_yuan(agreement.amount_fen)},
                )
                return redirect("disbursement:agreement", pk=agreement.pk)
    return render(
        request, "disbursement/agreement_form.html", {"form": form, "errors": errors}, status=status
    )


def _agreement_page(
    request: HttpRequest,
    agreement: SupportAgreement,
    *,
    form: DecisionForm | None = None,
    errors=(),
    status: int = 200,
) -> HttpResponse:
    user = request.user
    can_decide = (
        agreement.status == SupportAgreement.Status.PROPOSED
        and has_any_role(user, Role.FINANCE_APPROVER)
        and agreement.proposed_by_id != user.pk
    )
    return render(
        request,
        "disbursement/agreement_detail.html",
        {
            "agreement": agreement,
            "award": getattr(agreement, "award", None),
            "budgets": selectors.agreement_budget(agreement)
            if agreement.status == SupportAgreement.Status.PROPOSED
            else [],
            "can_decide": can_decide,
            "own_proposal": agreement.proposed_by_id == user.pk,
            "form": form or (DecisionForm() if can_decide else None),
            "errors": errors,
        },
        status=status,
    )


@role_required(*READERS)
@require_GET
def agreement(request: HttpRequest, pk: int) -> HttpResponse:
    return _agreement_page(request, selectors.agreement_detail(pk))


@role_required(Role.FINANCE_APPROVER)
@require_POST
@reauth_required
def agreement_decide(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = selectors.agreement_detail(pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _agreement_page(request, agreement, form=form, status=400)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        agreement = services.decide_agreement(
            actor=request.user, agreement=agreement, approve=approve, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        # A budget refusal carries the figures (预算, 已承诺, 已拨付, 剩余, 本次需); nothing was saved.
        return _agreement_page(
            request,
            selectors.agreement_detail(pk),
            form=form,
            errors=[str(m) for m in exc.messages],
            status=400,
        )
    if approve:
        messages.success(
            request,
            _("已批准一企一策支持协议 %(number)s,%(amount)s 已计入“一企一策”预算承诺并生成资助。")
            % {"number": agreement.number, "amount": fen_yuan(agreement.amount_fen)},
        )
    else:
        messages.success(request, _("已不予批准一企一策支持协议 %(number)s。") % {"number": agreement.number})
    return redirect("disbursement:agreement", pk=agreement.pk)


urlpatterns = [
    path("agreements/", agreement_list, name="agreements"),
    path("agreements/new/", agreement_new, name="agreement_new"),
    path("agreements/<int:pk>/", agreement, name="agreement"),
    path("agreements/<int:pk>/decide/", agreement_decide, name="agreement_decide"),
]

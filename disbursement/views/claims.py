"""年度兑现 pages: the enterprise claims a year of its run (6.1b/6.1c 连续补贴三年), 区科委 checks it.

Enterprise, under /awards/claims/ ("awards:"): a claim's page is for the members of its own organisation
(anyone else's is 404); only the organisation's administrator submits it (a member gets 403).
Staff, under /finance/claims/ ("disbursement:"): 区科委's commission approvers and 区财政局's finance staff
read the queue and the claims; only a commission approver accepts, returns or refuses (others 403).
Thin: reads through disbursement.selectors, every change through disbursement.services.claims.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Role
from accounts.selectors import approved_membership_for
from audit import services as audit
from changning_ai.downloads import private_file_response
from policies.templatetags.money import fen_yuan
from reviews.access import has_any_role, role_required

from .. import selectors
from ..claim_forms import ClaimForm, DecisionForm
from ..models import YearlyClaim
from ..services import claims as claim_services

READERS = (Role.COMMISSION_APPROVER, Role.FINANCE_OFFICER, Role.FINANCE_APPROVER)


def _messages_of(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _proof_response(claim: YearlyClaim) -> HttpResponse:
    if not claim.rent_proof:
        raise Http404
    response = private_file_response(
        claim.rent_proof, filename=claim.rent_proof_name, content_type=claim.rent_proof_type
    )
    audit.record("yearlyclaim.download", obj=claim, detail=f"{claim} {claim.rent_proof_name}")
    return response


# ---------------------------------------------------------------- the enterprise


@login_required
@require_GET
def claim_page(request: HttpRequest, pk: int) -> HttpResponse:
    claim = selectors.claim_for(request.user, pk)
    membership = approved_membership_for(request.user)
    return render(
        request,
        "disbursement/claim_detail.html",
        {
            "claim": claim,
            "can_claim": membership.is_admin and claim_services.can_submit(claim),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def claim_submit(request: HttpRequest, pk: int) -> HttpResponse:
    claim = selectors.claim_for(request.user, pk)
    if not approved_membership_for(request.user).is_admin:
        raise PermissionDenied(_("只有本单位的管理员可以申领年度补贴。"))
    initial = {
        "annual_rent": claim.facts.get(claim.award.item.basis_fact),
        "office_address": claim.office_address,
    }
    posted = request.method == "POST"  # an empty POST is still a submission: its errors, not a blank form
    form = ClaimForm(request.POST if posted else None, request.FILES if posted else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            claim = claim_services.submit_claim(
                actor=request.user,
                claim=claim,
                annual_rent=form.cleaned_data["annual_rent"],
                office_confirmed=form.cleaned_data["office_confirmed"],
                office_address=form.cleaned_data["office_address"],
                rent_proof=form.cleaned_data["rent_proof"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, _messages_of(exc))
        else:
            messages.success(request, _("已提交第 %(n)d 年申领,等待区科委核查。") % {"n": claim.year})
            return redirect("awards:claim", pk=claim.pk)
    return render(
        request,
        "disbursement/claim_form.html",
        {"claim": claim, "form": form, "open": claim_services.can_submit(claim)},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def claim_proof(request: HttpRequest, pk: int) -> HttpResponse:
    return _proof_response(selectors.claim_for(request.user, pk))


# ---------------------------------------------------------------- 区科委


@role_required(*READERS)
@require_GET
def claim_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", YearlyClaim.Status.SUBMITTED)
    page = Paginator(selectors.claim_queue(status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "disbursement/claim_queue.html",
        {"page": page, "status": status, "statuses": YearlyClaim.Status.choices},
    )


@role_required(*READERS)
@require_GET
def staff_claim(request: HttpRequest, pk: int) -> HttpResponse:
    claim = selectors.claim_detail(pk)
    return render(
        request,
        "disbursement/claim_review.html",
        {
            "claim": claim,
            "can_decide": has_any_role(request.user, *claim_services.CHECKERS)
            and claim.status == YearlyClaim.Status.SUBMITTED,
            "form": DecisionForm(),
        },
    )


@role_required(*READERS)
@require_GET
def staff_claim_proof(request: HttpRequest, pk: int) -> HttpResponse:
    return _proof_response(selectors.claim_detail(pk))


# Lazy: the message is read in the language of the request that decides, not of the import.
DECISIONS = {
    "accept": (claim_services.accept_claim, gettext_lazy("第 %(n)d 年已核定 %(amount)s,拨付期次已生成。")),
    "return": (claim_services.return_claim, gettext_lazy("第 %(n)d 年申领已退回单位修改。")),
    "refuse": (claim_services.refuse_claim, gettext_lazy("第 %(n)d 年申领未通过核查,连续补贴终止。")),
}


def _decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    claim = selectors.claim_detail(pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    service, done = DECISIONS[decision]
    try:
        claim = service(actor=request.user, claim=claim, note=form.cleaned_data.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(_messages_of(exc)))
    else:
        messages.success(request, str(done) % {"n": claim.year, "amount": fen_yuan(claim.amount_fen or 0)})
    return redirect("disbursement:claim", pk=claim.pk)


@role_required(*claim_services.CHECKERS)
@require_POST
def claim_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, "accept")


@role_required(*claim_services.CHECKERS)
@require_POST
def claim_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, "return")


@role_required(*claim_services.CHECKERS)
@require_POST
def claim_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, "refuse")


urlpatterns = [
    path("claims/", claim_queue, name="claims"),
    path("claims/<int:pk>/", staff_claim, name="claim"),
    path("claims/<int:pk>/proof/", staff_claim_proof, name="claim_proof"),
    path("claims/<int:pk>/accept/", claim_accept, name="claim_accept"),
    path("claims/<int:pk>/return/", claim_return, name="claim_return"),
    path("claims/<int:pk>/refuse/", claim_refuse, name="claim_refuse"),
]

enterprise_urlpatterns = [
    path("claims/<int:pk>/", claim_page, name="claim"),
    path("claims/<int:pk>/submit/", claim_submit, name="claim_submit"),
    path("claims/<int:pk>/proof/", claim_proof, name="claim_proof"),
]

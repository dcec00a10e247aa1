"""区科委's queue of organisations waiting for identity verification (issue 14, finding 4).

Intake officers only (anonymous → log in; another role → 403; an organisation with nothing submitted → 404
on its page, so ids reveal nothing to probe). Every change goes through accounts.identity.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts import identity
from accounts.forms import AccessibleFormMixin
from accounts.models import Membership, Organization
from accounts.roles import Role
from reviews.access import role_required

intake_required = role_required(Role.INTAKE_OFFICER)

PAGE_SIZE = 100
VERIFY, RETURN = "verify", "return"


class IdentityDecisionForm(AccessibleFormMixin, forms.Form):
    action = forms.ChoiceField(
        choices=[(VERIFY, _("核验通过")), (RETURN, _("退回"))], widget=forms.HiddenInput
    )
    reason = forms.CharField(
        label=_("退回原因"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("退回时必填:写明需要补正的内容(如授权委托书未盖章、执照名称与填写不一致)。"),
    )


def identity_queue_rows():
    """Organisations with files waiting, oldest submission first. One query (and the paginator's count)."""
    return (
        Organization.objects.filter(identity_status=Organization.IdentityStatus.PENDING)
        .order_by("identity_submitted_at", "pk")
        .select_related("identity_submitted_by")
    )


def _submitted_organization(pk: int) -> Organization:
    # Only organisations that have handed in files have a page here.
    try:
        return Organization.objects.exclude(identity_status=Organization.IdentityStatus.UNSUBMITTED).get(
            pk=pk
        )
    except Organization.DoesNotExist as exc:
        raise Http404 from exc


@intake_required
@require_GET
def identity_queue(request: HttpRequest) -> HttpResponse:
    page = Paginator(identity_queue_rows(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reviews/identity_queue.html", {"page": page, "query": ""})


@intake_required
@require_http_methods(["GET", "POST"])
def identity_check(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _submitted_organization(pk)
    form = IdentityDecisionForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                if form.cleaned_data["action"] == VERIFY:
                    identity.verify_identity(actor=request.user, organization=organization)
                    messages.success(request, _("已核验 %(name)s 的单位身份。") % {"name": organization.name})
                else:
                    identity.return_identity(
                        actor=request.user, organization=organization, reason=form.cleaned_data["reason"]
                    )
                    messages.success(request, _("已退回 %(name)s 的核验材料。") % {"name": organization.name})
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                return redirect("reviews:identity_queue")
    administrators = (
        Membership.objects.filter(organization=organization, is_admin=True, status=Membership.Status.APPROVED)
        .select_related("user")
        .order_by("pk")
    )
    return render(
        request,
        "reviews/identity_check.html",
        {"organization": organization, "form": form, "administrators": administrators},
        status=status,
    )


@intake_required
@require_GET
def identity_document(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    return identity.document_response(_submitted_organization(pk), kind)


urlpatterns = [
    path("identity/", identity_queue, name="identity_queue"),
    path("identity/<int:pk>/", identity_check, name="identity_check"),
    path("identity/<int:pk>/<str:kind>/", identity_document, name="identity_document"),
]

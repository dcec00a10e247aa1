"""Decision, 一事一议, 公示 and export pages.

Staff pages (under /review/, namespace "reviews") are for commission approvers only: anonymous → log in,
any other role → 403. The public 公示 pages (under /notices/, namespace "notices") need no login and show
only what the notice copied: organisation, item, project and amount. Thin: reads through reviews.selectors,
every change through reviews.services; every page works without JavaScript.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from accounts.reauth import reauth_required
from accounts.roles import Role
from applications.forms import fact_rows
from applications.models import Application, Call
from audit import services as audit
from changning_ai.subqueries import per_row
from policies import rules
from policies.templatetags.money import fen_yuan
from reviews import services
from reviews.access import role_required
from reviews.decision_forms import (
    ANONYMOUS_REFUSED,
    YES,
    DecisionForm,
    ObjectionDecisionForm,
    ObjectionForm,
    OverrideConfirmForm,
    OverrideForm,
    PublishForm,
    QueueFilterForm,
    QuorumExceptionForm,
)
from reviews.exports import call_workbook
from reviews.models import NoticeEntry, Objection, Override, PublicNotice, QuorumException
from reviews.selectors import (
    decision_queue,
    matter_matches,
    notice_lines,
    organization_awards,
    review_quorum,
    revision_changes,
    score_summary,
    staff_application,
)
from reviews.services.decisions import DECIDABLE, decision_quote, quorum_shortfall

approver_required = role_required(Role.COMMISSION_APPROVER)
Status = Application.Status


def _messages_of(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


# ---------------------------------------------------------------- the queue


@approver_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    applications = decision_queue(
        call=filters.get("call"), item_code=filters.get("item", ""), status=filters.get("status", "")
    )
    page = Paginator(applications, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reviews/decision_queue.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "selected_call": filters.get("call"),
            "decidable": DECIDABLE,
        },
    )


# ---------------------------------------------------------------- decision


def _decision_context(
    application: Application, form: DecisionForm, quorum_form: QuorumExceptionForm | None = None
) -> dict:
    try:
        quote, quote_errors = decision_quote(application), []
    except ValidationError as exc:
        quote, quote_errors = None, exc.messages
    earlier_awards, recorded_awards = organization_awards(application)
    overrides = list(
        application.overrides.select_related("proposed_by", "confirmed_by").order_by("-proposed_at", "-id")
    )
    return {
        "application": application,
        "item": application.item,
        "call": application.call_item.call,
        "fact_rows": fact_rows(application.item, application.facts),
        "quote": quote,
        "quote_errors": quote_errors,
        "summary": score_summary(application),
        "decisions": list(
            application.decisions.select_related("approver", "override", "quorum_exception").order_by(
                "-decided_at", "-id"
            )
        ),
        "earlier_awards": earlier_awards,
        # 10(2): the organisation's same and near matters, across every round and other policies.
        "matter_rows": matter_matches(application),
        # What the last correction changed, beside the version intake checked.
        "changes": revision_changes(application),
        "recorded_awards": recorded_awards,
        "overrides": overrides,
        "confirmed_overrides": [o for o in overrides if o.status == Override.Status.CONFIRMED],
        "can_decide": application.status in DECIDABLE,
        "form": form,
        **_quorum_context(application, quorum_form),
    }


def _quorum_context(application: Application, quorum_form: QuorumExceptionForm | None) -> dict:
    quorum = review_quorum(application)
    exceptions = list(
        application.quorum_exceptions.select_related("proposed_by", "confirmed_by").order_by(
            "-proposed_at", "-id"
        )
    )
    return {
        "quorum": quorum,
        "quorum_shortfall": "" if quorum.met else quorum_shortfall(quorum),
        "quorum_exceptions": exceptions,
        "quorum_excepted": any(e.status == QuorumException.Status.CONFIRMED for e in exceptions),
        "quorum_pending": any(e.status == QuorumException.Status.PROPOSED for e in exceptions),
        "quorum_form": quorum_form or QuorumExceptionForm(),
    }


def _initial(application: Application) -> dict:
    latest = application.decisions.order_by("-decided_at", "-id").first()
    if latest is None:
        return {}
    return {
        "recommended": YES if latest.recommended else "no",
        "amount": rules.fen_to_yuan(latest.amount_fen),
        "reasons": application.outcome_note,
        "released_comments": application.released_comments,
    }


@approver_required
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    application = staff_application(pk)  # drafts are 404; the role was checked
    if request.method == "GET":
        form = DecisionForm(initial=_initial(application))
        return render(request, "reviews/decision.html", _decision_context(application, form))
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            decision = services.record_decision(
                actor=request.user,
                application=application,
                recommended=form.is_recommended,
                amount=form.cleaned_data["amount"],
                reasons=form.cleaned_data["reasons"],
                released_comments=form.cleaned_data["released_comments"],
            )
        except ValidationError as exc:
            form.add_error(None, _messages_of(exc))
        else:
            if decision.recommended:
                messages.success(
                    request, _("已审定:拟支持 %(amount)s。") % {"amount": fen_yuan(decision.amount_fen)}
                )
            else:
                messages.success(request, _("已审定:不予支持。"))
            return redirect("reviews:decide", pk=application.pk)
    application.refresh_from_db()
    return render(request, "reviews/decision.html", _decision_context(application, form), status=400)


# ---------------------------------------------------------------- below the review quorum


@approver_required
@require_POST
def propose_quorum_exception(request: HttpRequest, pk: int) -> HttpResponse:
    application = staff_application(pk)  # drafts are 404; the role was checked
    quorum_form = QuorumExceptionForm(request.POST)
    if quorum_form.is_valid():
        try:
            services.propose_quorum_exception(
                actor=request.user, application=application, reason=quorum_form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            quorum_form.add_error(None, _messages_of(exc))
        else:
            messages.success(request, _("评审意见不足例外已提出,须经另一位审定人员确认后生效。"))
            return redirect("reviews:decide", pk=application.pk)
    form = DecisionForm(initial=_initial(application))
    return render(
        request, "reviews/decision.html", _decision_context(application, form, quorum_form), status=400
    )


@approver_required
@require_http_methods(["GET", "POST"])
@reauth_required
def confirm_quorum_exception(request: HttpRequest, pk: int) -> HttpResponse:
    exception = get_object_or_404(QuorumException.objects.select_related(*PROPOSAL_RELATED), pk=pk)
    return _second_approver(
        request,
        exception,
        own=_("评审意见不足例外须由另一位审定人员确认,提出人不能确认或否决自己的提议。"),
        decide=lambda **answer: services.confirm_quorum_exception(
            actor=request.user, exception=exception, **answer
        ),
        done=_("评审意见不足例外已处理。"),
        template="reviews/quorum_exception_confirm.html",
        context={"exception": exception, "quorum": review_quorum(exception.application)},
    )


PROPOSAL_RELATED = (
    "application__organization",
    "application__item",
    "application__call_item__call",
    "proposed_by",
)


def _second_approver(request, proposal, *, own, decide, done, template, context) -> HttpResponse:
    """The confirmation page of a proposal that takes a second approver (一事一议, too few reviews):
    four eyes — the proposer may not even open it —, then confirm or reject with a note."""
    if proposal.proposed_by_id == request.user.pk:
        raise PermissionDenied(own)
    form = OverrideConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                decide(
                    confirm=form.cleaned_data["action"] == OverrideConfirmForm.CONFIRM,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                form.add_error(None, _messages_of(exc))
            else:
                messages.success(request, done)
                return redirect("reviews:decide", pk=proposal.application_id)
    application = proposal.application
    return render(
        request,
        template,
        {"application": application, "item": application.item, "form": form, **context},
        status=status,
    )


# ---------------------------------------------------------------- 一事一议


@approver_required
@require_http_methods(["GET", "POST"])
def propose_override(request: HttpRequest, pk: int) -> HttpResponse:
    application = staff_application(pk)  # drafts are 404; the role was checked
    form = OverrideForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.propose_override(
                    actor=request.user,
                    application=application,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    area=form.cleaned_data["area"],
                    impact=form.cleaned_data["impact"],
                )
            except ValidationError as exc:
                form.add_error(None, _messages_of(exc))
            else:
                messages.success(request, _("一事一议已提出,须经另一位审定人员确认后生效。"))
                return redirect("reviews:decide", pk=application.pk)
    try:
        quote, quote_errors = decision_quote(application), []
    except ValidationError as exc:
        quote, quote_errors = None, exc.messages
    return render(
        request,
        "reviews/override_form.html",
        {
            "application": application,
            "item": application.item,
            "quote": quote,
            "quote_errors": quote_errors,
            "form": form,
            "can_decide": application.status in DECIDABLE,
        },
        status=status,
    )


@approver_required
@require_http_methods(["GET", "POST"])
@reauth_required
def confirm_override(request: HttpRequest, pk: int) -> HttpResponse:
    override = get_object_or_404(Override.objects.select_related(*PROPOSAL_RELATED), pk=pk)
    return _second_approver(
        request,
        override,
        # Art. 10(3): a second, different approver.
        own=_("一事一议须由另一位审定人员确认,提出人不能确认或否决自己的提议。"),
        decide=lambda **answer: services.confirm_override(actor=request.user, override=override, **answer),
        done=_("一事一议已处理。"),
        template="reviews/override_confirm.html",
        context={"override": override},
    )


# ---------------------------------------------------------------- 公示, the approver's side


@approver_required
@require_http_methods(["GET", "POST"])
def notices(request: HttpRequest) -> HttpResponse:
    form = PublishForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                notice = services.publish_notice(actor=request.user, call=form.cleaned_data["call"])
            except ValidationError as exc:
                messages.error(request, _messages_of(exc))
            else:
                messages.success(
                    request,
                    _("公示已发布,公示期至 %(ends)s。")
                    % {"ends": timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M:%S")},
                )
                return redirect("reviews:notice", pk=notice.pk)
    # Per-row subqueries, not JOINs grouped over every application and notice line (issue 13).
    calls = Call.objects.annotate(
        recommended_count=per_row(
            Application.objects.filter(status=Status.RECOMMENDED), "call_item__call", Count("*")
        )
    ).order_by("-opens_at")
    rows = PublicNotice.objects.select_related("call").annotate(
        pending_count=per_row(Objection.objects.filter(status="pending"), "entry__notice", Count("*")),
    )
    return render(
        request,
        "reviews/notice_manage_list.html",
        {"form": form, "calls": calls, "notices": rows, "now": timezone.now()},
        status=status,
    )


@approver_required
@require_GET
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(PublicNotice.objects.select_related("call", "published_by"), pk=pk)
    entries = list(
        notice.entries.select_related("application").prefetch_related("objections__decided_by").order_by("id")
    )
    pending = sum(1 for e in entries for o in e.objections.all() if o.status == Objection.Status.PENDING)
    return render(
        request,
        "reviews/notice_manage_detail.html",
        {
            "notice": notice,
            "entries": entries,
            "pending": pending,
            "can_close": notice.closed_at is None and notice.has_ended(),
        },
    )


@approver_required
@require_POST
def decide_objection(request: HttpRequest, pk: int, objection_id: int) -> HttpResponse:
    objection = get_object_or_404(Objection, pk=objection_id, entry__notice_id=pk)
    form = ObjectionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择处理结果并写明处理意见。"))
    else:
        try:
            services.decide_objection(
                actor=request.user,
                objection=objection,
                upheld=form.cleaned_data["outcome"] == ObjectionDecisionForm.UPHELD,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, _messages_of(exc))
        else:
            messages.success(request, _("异议已处理。"))
    return redirect("reviews:notice", pk=pk)


@approver_required
@require_POST
def close_notice(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(PublicNotice, pk=pk)
    if notice.closed_at is not None:
        messages.info(request, _("该公示已办结。"))
        return redirect("reviews:notice", pk=pk)
    try:
        services.close_notice(notice=notice, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, _("公示已办结。"))
    return redirect("reviews:notice", pk=pk)


# ---------------------------------------------------------------- export


@approver_required
@require_GET
def export_call(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(Call, pk=pk)
    buffer = io.BytesIO()
    call_workbook(call).save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"call-{call.pk}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    audit.record("export.download", obj=call, detail=filename)
    return response


# ---------------------------------------------------------------- 公示, the public pages (no login)


@require_GET
def public_notices(request: HttpRequest) -> HttpResponse:
    rows = PublicNotice.objects.select_related("call")  # entry_count is stored at publication
    return render(request, "reviews/notice_public_list.html", {"notices": rows, "now": timezone.now()})


NOTICE_PAGE_SIZE = 200


@require_GET
def public_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """One page of the notice's lines (a notice of a large call has thousands); the count and the total are
    the whole notice's, and the PDF (notices:list_pdf) lists every line. Five queries whatever the size."""
    notice = get_object_or_404(PublicNotice.objects.select_related("corrects"), pk=pk)
    standing = Q(withdrawn_at__isnull=True)
    totals = notice.entries.aggregate(
        lines=Count("id"),
        standing_count=Count("id", filter=standing),
        total_fen=Sum("amount_fen", filter=standing),
    )
    entries = notice_lines(notice)
    paginator = Paginator(entries, NOTICE_PAGE_SIZE)
    paginator.count = totals["lines"]  # counted with the totals above: no second COUNT
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/notice_public_detail.html",
        {
            "notice": notice,
            "page": page,
            "entries": page.object_list,
            "standing_count": totals["standing_count"],
            "total_fen": totals["total_fen"] or 0,
            "corrections": list(
                notice.corrections.order_by("published_at").only("id", "title", "corrects_id")
            ),
            "is_open": notice.is_open(),
        },
    )


def _notice_key(group: str, request: HttpRequest) -> str:
    return f"notice:{request.resolver_match.kwargs['pk']}"


# Objections are anonymous-visitor POSTs: a flood from one client, or at one notice (which would bury the
# real ones and block closing it), is refused with 429 (changning_ai.ratelimit). Counted per hour.
@require_http_methods(["GET", "POST"])
@ratelimit(group="objection", key="ip", rate="5/h", method="POST")
@ratelimit(group="objection-notice", key=_notice_key, rate="60/h", method="POST")
def public_objection(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(
        NoticeEntry.objects.select_related("notice").only(
            "id",
            "organization_name",
            "item_code",
            "item_name",
            "project_name",
            "amount_fen",
            "notice__id",
            "notice__title",
            "notice__published_at",
            "notice__ends_at",
            "notice__closed_at",
        ),
        pk=entry_id,
        notice_id=pk,
    )
    notice = entry.notice
    if not notice.is_open():
        messages.error(request, _("公示期已结束,不再受理异议。"))
        return redirect("notices:detail", pk=pk)
    form = ObjectionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.lodge_objection(entry=entry, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, _messages_of(exc))
            else:
                messages.success(request, _("异议已收到。我们将依法保密,并通过您留下的联系方式与您核实。"))
                return redirect("notices:detail", pk=pk)
        elif "name" in form.errors or "contact" in form.errors:
            messages.error(request, ANONYMOUS_REFUSED)
    return render(
        request,
        "reviews/objection_form.html",
        {"notice": notice, "entry": entry, "form": form},
        status=status,
    )


urlpatterns = [
    path("applications/", queue, name="decision_queue"),
    path("applications/<int:pk>/decide/", decide, name="decide"),
    path("applications/<int:pk>/override/", propose_override, name="override_propose"),
    path("overrides/<int:pk>/confirm/", confirm_override, name="override_confirm"),
    path(
        "applications/<int:pk>/quorum-exception/", propose_quorum_exception, name="quorum_exception_propose"
    ),
    path("quorum-exceptions/<int:pk>/confirm/", confirm_quorum_exception, name="quorum_exception_confirm"),
    path("notices/", notices, name="notices"),
    path("notices/<int:pk>/", notice, name="notice"),
    path("notices/<int:pk>/objections/<int:objection_id>/decide/", decide_objection, name="objection_decide"),
    path("notices/<int:pk>/close/", close_notice, name="notice_close"),
    path("calls/<int:pk>/export.xlsx", export_call, name="call_export"),
]

public_urlpatterns = [
    path("", public_notices, name="list"),
    path("<int:pk>/", public_notice, name="detail"),
    path("<int:pk>/entries/<int:entry_id>/object/", public_objection, name="object"),
]

"""Intake (受理), assignment and scoring pages, and the staff download of submitted materials.

Who may do what (anonymous → log in; a logged-in user without the role → 403; an object not theirs → 404):
- /review/intake/, /review/intake/<pk>/: intake officers.
- /review/assign/, /review/assign/<pk>/ (and …/auto/): commission approvers.
- /review/my/, /review/assignments/<pk>/declare/, …/score/: expert reviewers, their own assignments
  only; nothing of the application but its organisation and item before the conflict declaration.
- /review/applications/<pk>/materials/<id>/download/: intake officers, commission approvers, and the
  reviewers assigned to the application who declared no conflict.
Thin: reads through reviews.selectors, every change through reviews.services; no page needs JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.applicant_types import OrgFlag
from accounts.roles import Role
from applications.forms import fact_rows
from applications.models import Application, status_labels
from applications.selectors import application_quote
from audit import services as audit
from changning_ai.downloads import private_file_response
from policies import rules
from reviews import selectors
from reviews.access import role_required
from reviews.intake_forms import (
    ACCEPT,
    CONFLICT,
    DECLINE,
    RETURN,
    VERIFY_TYPE,
    AssignForm,
    DeclarationForm,
    IntakeCheckForm,
    IntakeFilterForm,
    ScoreForm,
    TypeVerifyForm,
)
from reviews.models import Assignment
from reviews.services import assignment as assignment_services
from reviews.services import intake as intake_services
from reviews.services import scoring as scoring_services

intake_required = role_required(Role.INTAKE_OFFICER)
approver_required = role_required(Role.COMMISSION_APPROVER)
reviewer_required = role_required(Role.EXPERT_REVIEWER)

PAGE_SIZE = 100


def _messages_of(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _application_panel(application: Application) -> dict:
    """What intake and the reviewers read: the last submitted revision (facts, matter, files) and the
    engine's ceiling as it stands today, with every step."""
    revision = selectors.latest_revision(application)
    try:
        quote, quote_errors = application_quote(application), []
    except rules.FactError as exc:
        quote, quote_errors = None, list(exc.errors.values())
    return {
        "revision": revision,
        "fact_rows": fact_rows(application.item, revision.facts if revision else application.facts),
        "matter_type_label": dict(Application.MatterType.choices).get(
            revision.matter_type if revision else application.matter_type, ""
        ),
        "materials": selectors.revision_materials(application, revision),
        "quote": quote,
        "quote_errors": quote_errors,
    }


# ---------------------------------------------------------------- intake


@intake_required
@require_GET
def intake_queue(request: HttpRequest) -> HttpResponse:
    form = IntakeFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {"status": Application.Status.SUBMITTED}
    applications = selectors.intake_queue(
        call=filters.get("call"), item_code=filters.get("item", ""), status=filters.get("status", "")
    )
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "reviews/intake_queue.html", {"form": form, "page": page, "query": query.urlencode()}
    )


@intake_required
@require_http_methods(["GET", "POST"])
def intake_check(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.staff_application(pk)
    if request.method == "POST" and request.POST.get("action") == VERIFY_TYPE:
        return _verify_type(request, application)
    form = IntakeCheckForm(request.POST if request.method == "POST" else None, application=application)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            action = form.cleaned_data["action"]
            checklist = form.checklist()
            reasons = form.cleaned_data["reasons"]
            try:
                if action == ACCEPT:
                    check = intake_services.accept_application(
                        actor=request.user,
                        application=application,
                        uscc_override_reason=form.cleaned_data.get("uscc_override_reason", ""),
                        **checklist,
                    )
                elif action == RETURN:
                    check = intake_services.return_application(
                        actor=request.user, application=application, reasons=reasons, **checklist
                    )
                else:
                    check = intake_services.decline_application(
                        actor=request.user, application=application, reasons=reasons, **checklist
                    )
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                if action == ACCEPT:
                    text = _("已受理 %(number)s,受理编号 %(acceptance)s。") % {
                        "number": application.number,
                        "acceptance": check.application.acceptance_number,
                    }
                elif action == RETURN:
                    text = _("已退回补正 %(number)s,申报单位将看到退回理由。") % {
                        "number": application.number
                    }
                else:
                    text = _("已对 %(number)s 作出不予受理决定。") % {"number": application.number}
                messages.success(request, text)
                return redirect("reviews:intake_queue")
    return _intake_page(request, application, form, status=status)


def _intake_page(
    request: HttpRequest,
    application: Application,
    form: IntakeCheckForm,
    *,
    type_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    organization = application.organization
    can_decide = application.status == Application.Status.SUBMITTED
    panel = _application_panel(application)
    history = selectors.intake_history(application)
    # Each material's row of the checklist beside the files submitted for it and, after a correction,
    # what the last check found (the officer sees at once what was asked to be corrected).
    files = {entry.code: entry.files for entry in panel["materials"]}
    last_findings = history[-1].labelled_findings() if history else {}
    material_rows = [
        {**row, "files": files.get(row["material"].code, ()), "last": last_findings.get(row["material"].code)}
        for row in form.material_rows()
    ]
    return render(
        request,
        "reviews/intake_check.html",
        {
            "application": application,
            "organization": organization,
            "item": application.item,
            "call": application.call_item.call,
            "form": form,
            "can_decide": can_decide,
            # Art. 2 信用记录良好 as this portal knows it, beside the officer's own credit check.
            "standing_reasons": selectors.credit_standing(organization),
            "type_check": selectors.type_check(application),
            "flag_labels": [OrgFlag(flag).label for flag in organization.flags],
            # Always what the record says now: after a refusal the officer verifies what they now see.
            "type_form": TypeVerifyForm(initial={"seen": selectors.type_signature(organization)}),
            "type_errors": type_errors or [],
            "history": history,
            "material_rows": material_rows,
            # A resubmission beside the version last checked: what the correction changed.
            "changes": selectors.revision_changes(application),
            "events": list(application.events.order_by("at", "id")),
            "actions": {"accept": ACCEPT, "return": RETURN, "decline": DECLINE, "verify_type": VERIFY_TYPE},
            **panel,
        },
        status=status,
    )


def _verify_type(request: HttpRequest, application: Application) -> HttpResponse:
    """核实单位类型 from the intake page: the same URL, its own small form (action=verify_type)."""
    type_form = TypeVerifyForm(request.POST)
    errors: list[str] = []
    if not type_form.is_valid():
        errors = [_("页面信息不完整,请刷新后再核实。")]
    else:
        try:
            intake_services.verify_organization_type(
                actor=request.user, organization=application.organization, seen=type_form.cleaned_data["seen"]
            )
        except ValidationError as exc:
            errors = _messages_of(exc)
        else:
            messages.success(
                request, _("已核实 %(name)s 的单位类型。") % {"name": application.organization.name}
            )
            return redirect("reviews:intake_check", pk=application.pk)
    application.organization.refresh_from_db()
    form = IntakeCheckForm(application=application)
    return _intake_page(request, application, form, type_errors=errors, status=400)


@login_required
@require_GET
def staff_download(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    """A submitted material, for the staff who may read it; always as a download, never rendered."""
    attachment = selectors.staff_attachment(request.user, pk, attachment_id)
    response = private_file_response(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )
    audit.record(
        "attachment.download", obj=attachment, detail=f"{attachment.application} {attachment.material_code}"
    )
    return response


# ---------------------------------------------------------------- assignment


@approver_required
@require_GET
def assign_queue(request: HttpRequest) -> HttpResponse:
    show_all = request.GET.get("show") == "all"
    paginator = Paginator(selectors.assignment_queue(include_complete=show_all), PAGE_SIZE)
    paginator.count = selectors.assignment_queue_count(include_complete=show_all)  # no JOIN to count
    page = paginator.get_page(request.GET.get("page"))
    labels = status_labels()  # not get_status_display per row: a tenth of a 100-row page's time
    page.object_list = list(page.object_list)
    for application in page.object_list:
        application.status_label = labels.get(application.status, application.status)
    return render(request, "reviews/assign_queue.html", {"page": page, "show_all": show_all})


def _assign_page(request: HttpRequest, application: Application, form: AssignForm, *, status: int = 200):
    assignments = selectors.application_assignments(application)
    active = [a for a in assignments if a.status != Assignment.Status.CONFLICTED]
    required = application.call_item.call.reviewers_per_application
    return render(
        request,
        "reviews/assign_application.html",
        {
            "application": application,
            "item": application.item,
            "call": application.call_item.call,
            "assignments": assignments,
            "active_count": len(active),
            "required": required,
            "shortfall": max(0, required - len(active)),
            "assignable": application.status in assignment_services.ASSIGNABLE,
            "form": form,
        },
        status=status,
    )


@approver_required
@require_http_methods(["GET", "POST"])
def assign_application(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.approver_application(pk)
    candidates = selectors.reviewer_candidates(application)
    form = AssignForm(request.POST if request.method == "POST" else None, candidates=candidates)
    if not form.is_bound:
        return _assign_page(request, application, form)
    if form.is_valid():
        try:
            created = assignment_services.assign_reviewers(
                actor=request.user, application=application, reviewers=list(form.cleaned_data["reviewers"])
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("已分配 %(n)d 位评审专家。") % {"n": len(created)})
            return redirect("reviews:assign_application", pk=application.pk)
    return _assign_page(request, application, form, status=400)


@approver_required
@require_POST
def auto_assign(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.approver_application(pk)
    try:
        created = assignment_services.auto_assign_reviewers(actor=request.user, application=application)
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    else:
        shortfall = application.call_item.call.reviewers_per_application - selectors.active_assignment_count(
            application
        )
        if shortfall > 0:
            messages.warning(
                request,
                _("已按工作量自动分配 %(n)d 位评审专家,仍缺 %(short)d 位:没有更多可分配的专家。")
                % {"n": len(created), "short": shortfall},
            )
        else:
            messages.success(request, _("已按工作量自动分配 %(n)d 位评审专家。") % {"n": len(created)})
    return redirect("reviews:assign_application", pk=application.pk)


# ---------------------------------------------------------------- the reviewer


@reviewer_required
@require_GET
def my_assignments(request: HttpRequest) -> HttpResponse:
    assignments = selectors.reviewer_assignments(request.user)
    page = Paginator(assignments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reviews/reviewer_assignments.html", {"page": page, "Status": Assignment.Status})


@reviewer_required
@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.assignment_for(request.user, pk)
    if assignment.status == Assignment.Status.CLOSED:
        messages.info(request, _("该申报已审定,评审任务已结束。"))
        return redirect("reviews:my_assignments")
    if assignment.status in selectors.DECLARED:
        return redirect("reviews:score", pk=assignment.pk)
    if assignment.status == Assignment.Status.CONFLICTED:
        messages.info(request, _("您已声明利益冲突并回避该申报。"))
        return redirect("reviews:my_assignments")
    form = DeclarationForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        has_conflict = form.cleaned_data["conflict"] == CONFLICT
        try:
            assignment_services.declare_interest(
                actor=request.user,
                assignment=assignment,
                has_conflict=has_conflict,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            if has_conflict:
                messages.success(request, _("已记录利益冲突声明,您已回避该申报。"))
                return redirect("reviews:my_assignments")
            messages.success(request, _("已声明无利益冲突,请评审。"))
            return redirect("reviews:score", pk=assignment.pk)
    # Nothing of the application but who applied and for what, until the reviewer has declared.
    return render(
        request,
        "reviews/reviewer_declare.html",
        {
            "assignment": assignment,
            "organization_name": assignment.application.organization.name,
            "item": assignment.application.item,
            "form": form,
        },
        status=400 if form.is_bound else 200,
    )


@reviewer_required
@require_http_methods(["GET", "POST"])
def score(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.assignment_for(request.user, pk)
    if assignment.status == Assignment.Status.CLOSED:
        # Decided before this reviewer submitted: a clear word, not a form that refuses every save.
        messages.info(request, _("该申报已审定,评审任务已结束。"))
        return redirect("reviews:my_assignments")
    if assignment.status == Assignment.Status.AWAITING_DECLARATION:
        return redirect("reviews:declare", pk=assignment.pk)
    if assignment.status == Assignment.Status.CONFLICTED:
        raise Http404("withdrawn for a conflict of interest")
    application = assignment.application
    criteria = list(application.item.criteria.all())
    scores = selectors.assignment_scores(assignment)
    form = ScoreForm(
        request.POST if request.method == "POST" else None,
        criteria=criteria,
        initial=ScoreForm.initial_for(assignment, scores),
    )
    if form.is_bound:
        if form.is_valid():
            try:
                scoring_services.save_scores(
                    actor=request.user, assignment=assignment, sheet=form.sheet(), submit=form.submitting
                )
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                if form.submitting:
                    messages.success(request, _("评分已提交。提交后不能修改。"))
                    return redirect("reviews:my_assignments")
                messages.success(request, _("评分草稿已保存,提交前仅您本人可见。"))
                return redirect("reviews:score", pk=assignment.pk)
        messages.error(request, _("评分未保存,请按提示更正。"))
    panel = _application_panel(application)
    return render(
        request,
        "reviews/score_form.html",
        {
            "assignment": assignment,
            "application": application,
            "item": application.item,
            "call": application.call_item.call,
            "form": form,
            "rows": form.criterion_rows(),
            "read_only": assignment.status == Assignment.Status.SUBMITTED,
            "scores": [(c, scores.get(c.pk)) for c in criteria],
            "ceiling_fen": scoring_services.ceiling_fen(application),
            **panel,
        },
        status=400 if form.is_bound else 200,
    )


urlpatterns = [
    path("intake/", intake_queue, name="intake_queue"),
    path("intake/<int:pk>/", intake_check, name="intake_check"),
    path(
        "applications/<int:pk>/materials/<int:attachment_id>/download/", staff_download, name="staff_download"
    ),
    path("assign/", assign_queue, name="assign_queue"),
    # The queue links each row here as "assign/" + pk + "/" (templates/reviews/assign_queue.html).
    path("assign/<int:pk>/", assign_application, name="assign_application"),
    path("assign/<int:pk>/auto/", auto_assign, name="auto_assign"),
    path("my/", my_assignments, name="my_assignments"),
    path("assignments/<int:pk>/declare/", declare, name="declare"),
    path("assignments/<int:pk>/score/", score, name="score"),
]

"""The enterprise's pages: dashboard, open calls, starting, the wizard, materials, submission, detail.

Thin: reads go through `selectors`, every change through `services`. Every object page fetches the
application with `selectors.application_for`, so another organisation's application, attachment or
revision — or an id that does not exist — is the same 404. Every page works without JavaScript;
`static/js/application.js` only saves the round trip (autosave and the live ceiling).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import NamedTuple

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import approved_membership_for, organization_for
from audit import services as audit
from changning_ai.downloads import private_file_response
from policies import rules

from . import calculator_session, documents, progress, services
from .forms import ACCEPT, FactsForm, MatterForm, UploadForm, WithdrawForm, draft_data, fact_rows
from .models import Application, Attachment, CallItem, StatusEvent, status_labels
from .selectors import (
    application_for,
    application_quote,
    copy_target,
    dashboard_applications,
    next_action,
    next_call_item_for,
    open_call_item_for,
    open_call_items,
    open_drafts_like,
    revisions_with_files,
)


def _organization_url() -> str:
    # The accounts app owns the organisation page; fall back to its path while its URLs are not wired.
    try:
        return reverse("accounts:organization")
    except NoReverseMatch:
        return "/accounts/organization/"


def organization_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login, then the user's approved organisation (passed to the view); without one, to the
    organisation page with a message. Staff without an organisation are treated the same way."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        organization = organization_for(request.user)
        if organization is None:
            messages.info(request, _("请先创建或加入申报单位,经审核通过后即可在线申报。"))
            return redirect(_organization_url())
        return view(request, organization, *args, **kwargs)

    return wrapper


def _messages_of(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _error_map(exc: ValidationError) -> dict[str, str]:
    if hasattr(exc, "error_dict"):
        return {name: str(errors[0]) for name, errors in exc.message_dict.items()}
    return {"__all__": _messages_of(exc)}


def _not_editable(request: HttpRequest, application: Application) -> HttpResponse:
    messages.info(
        request,
        _("该申报当前状态为“%(status)s”,不能修改。") % {"status": application.get_status_display()},
    )
    return redirect("applications:detail", pk=application.pk)


# ---------------------------------------------------------------- dashboard and calls


@organization_required
@require_GET
def dashboard(request: HttpRequest, organization) -> HttpResponse:
    now = timezone.now()
    applications = list(dashboard_applications(organization))
    money = progress.money_progress(applications)  # past 已认定: the award's stage and next step
    rows = []
    for application in applications:
        action = next_action(application, at=now, money=money.get(application.pk))
        url = action.url or (
            reverse(f"applications:{action.url_name}", args=[application.pk]) if action.url_name else ""
        )
        rows.append(
            {
                "application": application,
                "action": action,
                "action_url": url,
                "money": money.get(application.pk),
            }
        )
    return render(request, "applications/dashboard.html", {"organization": organization, "rows": rows})


@organization_required
@require_GET
def calls(request: HttpRequest, organization) -> HttpResponse:
    grouped: dict[int, dict] = {}
    for call_item in open_call_items():
        entry = grouped.setdefault(call_item.call_id, {"call": call_item.call, "items": []})
        entry["items"].append(call_item)
    return render(request, "applications/calls.html", {"calls": list(grouped.values())})


# ---------------------------------------------------------------- starting an application


def _facts_from(data: Mapping[str, str], call_item: CallItem) -> dict[str, str]:
    # Only the item's own facts are carried over from the calculator (not its "already awarded" fields).
    return {fact.name: data[fact.name] for fact in call_item.item.facts.all() if data.get(fact.name)}


def _confirmation(
    request: HttpRequest, call_item: CallItem, facts: dict[str, str], *, status: int = 200
) -> HttpResponse:
    item = call_item.item
    organization = organization_for(request.user)
    return render(
        request,
        "applications/start.html",
        {
            "call_item": call_item,
            "call": call_item.call,
            "item": item,
            "is_open": call_item.call.is_open(),
            "facts": facts,
            "fact_rows": fact_rows(item, facts) if facts else [],
            # Issue 15: a draft already being filled in for this item is offered before a second one.
            "drafts": (
                open_drafts_like(organization=organization, call_item=call_item) if organization else []
            ),
        },
        status=status,
    )


@organization_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, organization, call_item_id: int) -> HttpResponse:
    call_item = get_object_or_404(
        CallItem.objects.exclude(call__round__status="draft").select_related(
            "call__round", "item__round", "item__article"
        ),
        pk=call_item_id,
    )
    if request.method == "GET":
        facts = _facts_from(request.GET, call_item)
        kept = calculator_session.remembered(request)
        if not facts and kept and kept.get("item") == call_item.item.code:
            facts = _facts_from(kept["facts"], call_item)  # typed in the calculator before signing up
        return _confirmation(request, call_item, facts)
    facts = _facts_from(request.POST, call_item)
    try:
        application = services.start_application(
            actor=request.user,
            call_item=call_item,
            facts=facts,
            allow_duplicate=bool(request.POST.get("duplicate_ok")),
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("请先创建或加入申报单位。"))
        return redirect(_organization_url())
    except services.DuplicateDraft:
        # A draft appeared since the page was shown (another tab, a colleague): the page now offers it.
        return _confirmation(request, call_item, facts, status=409)
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
        return _confirmation(request, call_item, facts, status=400)
    calculator_session.forget(request)  # they have arrived in the application
    messages.success(request, _("已创建申报草稿。请填写项目信息、上传材料后提交。"))
    return redirect("applications:edit", pk=application.pk)


def _remembering_calculator_facts(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    # Before the login check: the figures must survive sign-up and creating the organisation.
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "GET":
            calculator_session.remember(request, request.GET)
        return view(request, *args, **kwargs)

    return wrapper


@_remembering_calculator_facts
@organization_required
@require_GET
def start_from_calculator(request: HttpRequest, organization) -> HttpResponse:
    """用这些数据申报: the item → the call open for it in whichever round, facts carried along (from the link,
    or kept in the session since the calculator); with none open, says so and when the next one opens."""
    kept = calculator_session.remembered(request) or {}
    item_code = request.GET.get("item", "") or kept.get("item", "")
    round_code = request.GET.get("round", "") or kept.get("round", "")
    if "\x00" in item_code + round_code:
        item_code = round_code = ""  # no code holds a NUL, and PostgreSQL refuses one in a query
    call_item = open_call_item_for(item_code, round_code=round_code) if item_code else None
    if call_item is None:
        return render(
            request,
            "applications/no_open_call.html",
            {"item_code": item_code, "next": next_call_item_for(item_code) if item_code else None},
        )
    facts = _facts_from(request.GET, call_item)
    if not facts and kept.get("item") == item_code:
        facts = _facts_from(kept["facts"], call_item)
    return _confirmation(request, call_item, facts)


# ---------------------------------------------------------------- the wizard


def _save(
    request: HttpRequest, application: Application, facts_form: FactsForm, matter_form: MatterForm
) -> tuple[Application | None, dict[str, str]]:
    """Save the draft as typed (bad facts included: a draft keeps what was typed); refuse only what
    cannot be stored (an unknown matter type, a text over its length)."""
    if not matter_form.is_valid():
        return None, matter_form.error_map()
    try:
        saved = services.save_draft(
            actor=request.user,
            application=application,
            facts=facts_form.raw_facts(),
            **matter_form.cleaned_data,
        )
    except ValidationError as exc:
        return None, _error_map(exc)
    return saved, {}


def _live_quote(
    application: Application, facts_form: FactsForm, *, quiet_when_blank: bool = False
) -> tuple[rules.Quote | None, dict[str, str]]:
    """The engine's ceiling for the draft as saved, or the per-field messages."""
    if quiet_when_blank and not any(str(v).strip() for v in (application.facts or {}).values()):
        # A fresh draft shows the empty form, not a page of "请填写" messages (as the calculator does).
        return None, {}
    try:
        return application_quote(application), {}
    except rules.FactError as exc:
        return None, facts_form.show_errors(exc.errors)


def _wizard(
    request: HttpRequest,
    application: Application,
    facts_form: FactsForm,
    matter_form: MatterForm,
    quote: rules.Quote | None,
    *,
    status: int = 200,
) -> HttpResponse:
    item = application.item
    returned_note = None
    if application.status == Application.Status.RETURNED:
        returned_note = (
            application.events.filter(status=Application.Status.RETURNED).order_by("-at", "-id").first()
        )
    page_messages, results = _split_messages(request)
    if facts_form.errors or matter_form.errors:
        # A draft is saved as typed, wrong facts included; "草稿已保存" beside "请更正" would read as done
        # (issue 16): the error summary speaks alone.
        page_messages = [m for m in page_messages if m.level != messages.SUCCESS]
    materials = _materials_with_files(application)
    for entry in materials:
        entry["result"] = results.pop(entry["material"].code, None)
    page_messages += results.values()  # about no material of the item (a forged code): still shown
    return render(
        request,
        "applications/edit.html",
        {
            "page_messages": page_messages,
            "result_anchor": RESULT_ANCHOR,
            "application": application,
            "item": item,
            "call": application.call_item.call,
            "facts_form": facts_form,
            "matter_form": matter_form,
            # Who may apply (the rulings): the item's conditions on the applicant type, beside the record.
            "type_conditions": [
                c for c in item.conditions.all() if c.assumable and c.fact in rules.APPLICANT_FACTS
            ],
            "organization": application.organization,
            "is_org_admin": _is_org_admin(request.user, application.organization_id),
            "quote": quote,
            "fact_errors": bool(facts_form.errors),
            "materials": materials,
            "returned": returned_note,
            "accept": ACCEPT,
            "max_mb": _max_mb(),
        },
        status=status,
    )


def _is_org_admin(user, organization_id: int) -> bool:
    membership = approved_membership_for(user)
    return membership is not None and membership.is_admin and membership.organization_id == organization_id


def _max_mb() -> int:
    return settings.MATERIAL_MAX_BYTES // 1024 // 1024


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_for(request.user, pk)
    if not application.is_editable:
        return _not_editable(request, application)
    if request.method == "POST":
        facts_form = FactsForm(request.POST, item=application.item)
        matter_form = MatterForm(request.POST, item=application.item)
        saved, errors = _save(request, application, facts_form, matter_form)
        if saved is None:
            if "__all__" in errors:
                messages.error(request, errors["__all__"])
            messages.error(request, _("草稿未保存,请按提示更正。"))
            # No ceiling: the saved draft is not what the form now shows.
            return _wizard(request, application, facts_form, matter_form, None, status=400)
        messages.success(request, _("草稿已保存。"))
        if request.POST.get("next") == "submit":
            return redirect("applications:submit", pk=saved.pk)
        return redirect("applications:edit", pk=saved.pk)
    data = draft_data(application)
    facts_form = FactsForm(data, item=application.item)
    matter_form = MatterForm(data, item=application.item)
    quote, _errors = _live_quote(application, facts_form, quiet_when_blank=True)
    return _wizard(request, application, facts_form, matter_form, quote)


@login_required
@require_POST
def autosave(request: HttpRequest, pk: int) -> JsonResponse:
    """application.js posts the wizard here as the enterprise types: 200 with the ceiling, 400 with a
    message per field (the draft is still saved when only the facts are wrong), 409 when not editable."""
    application = application_for(request.user, pk)
    if not application.is_editable:
        message = _("该申报当前状态为“%(status)s”,不能修改。") % {"status": application.get_status_display()}
        return _autosave_json(None, None, {"__all__": message}, status=409)
    facts_form = FactsForm(request.POST, item=application.item)
    matter_form = MatterForm(request.POST, item=application.item)
    saved, errors = _save(request, application, facts_form, matter_form)
    if saved is None:
        return _autosave_json(None, None, errors, status=400)
    quote, errors = _live_quote(saved, facts_form)
    return _autosave_json(saved, quote, errors, status=200 if quote else 400)


def _autosave_json(
    saved: Application | None, quote: rules.Quote | None, errors: dict[str, str], *, status: int
) -> JsonResponse:
    saved_at = timezone.localtime(saved.updated_at).isoformat(timespec="seconds") if saved else None
    return JsonResponse(
        {"saved_at": saved_at, "quote": quote.as_dict() if quote else None, "errors": errors},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


# ---------------------------------------------------------------- materials


# The anchor of the one region that says how an upload or a removal went, inside the material's card
# (edit.html); application.js moves the focus to it.
RESULT_ANCHOR = "upload-result"
RESULT_TAG = "material:"


def _result(request: HttpRequest, level: int, text: str, material_code: str) -> None:
    """The outcome of a material's upload or removal, shown in that material's card, not at the page top."""
    messages.add_message(request, level, text, extra_tags=f"{RESULT_TAG}{material_code}")


def _split_messages(request: HttpRequest) -> tuple[list, dict[str, object]]:
    """The page's messages for the top of the page, and the material results by material code."""
    page, results = [], {}
    for message in messages.get_messages(request):
        tags = message.extra_tags or ""
        if tags.startswith(RESULT_TAG):
            results[tags.removeprefix(RESULT_TAG)] = message
        else:
            page.append(message)
    return page, results


def _back_to_materials(application: Application) -> HttpResponse:
    if not application.is_editable:
        return redirect("applications:detail", pk=application.pk)
    return redirect(reverse("applications:edit", args=[application.pk]) + f"#{RESULT_ANCHOR}")


class PostedDraft(NamedTuple):
    facts_form: FactsForm
    matter_form: MatterForm
    saved: Application | None  # None: refused, with `errors`
    errors: dict[str, str]


def _save_posted_draft(request: HttpRequest, application: Application) -> PostedDraft | None:
    """The material buttons belong to the wizard's form (edit.html, the form attribute), so an upload or a
    removal posts what was typed too: saved first, whatever happens to the file (issue 15: an upload never
    throws away typing). None when the post carries no draft (an older page, a script)."""
    if not request.POST.get("with_draft") or not application.is_editable:
        return None
    facts_form = FactsForm(request.POST, item=application.item)
    matter_form = MatterForm(request.POST, item=application.item)
    saved, errors = _save(request, application, facts_form, matter_form)
    return PostedDraft(facts_form, matter_form, saved, errors)


# The typing could not be stored: the file is left alone too, so that a refused request changed nothing.
TYPING_FIRST = _lazy("文件未处理:填写的内容有需要更正之处(见上方提示),更正后请重新操作。")


def _typing_refused(draft: PostedDraft | None) -> bool:
    return draft is not None and draft.saved is None


def _kept(text: str, draft: PostedDraft | None) -> str:
    """The result, and that the typing was saved with it when it was."""
    if draft is None or draft.saved is None:
        return text
    return _("%(result)s填写的内容已一并保存。") % {"result": text}


def _after_material_change(
    request: HttpRequest, application: Application, draft: PostedDraft | None
) -> HttpResponse:
    if _typing_refused(draft):
        # The typing could not be stored (a text over its length…): shown again as typed, with the reasons,
        # never dropped by a redirect.
        assert draft is not None
        if "__all__" in draft.errors:
            messages.error(request, draft.errors["__all__"])
        messages.error(request, _("草稿未保存,请按提示更正。"))
        return _wizard(request, application, draft.facts_form, draft.matter_form, None, status=400)
    return _back_to_materials(application)


def _posted_file(request: HttpRequest) -> UploadForm:
    # One file input per material inside the wizard's form: file-<code>, chosen by the button pressed.
    code = request.POST.get("material_code", "")
    files = request.FILES.copy()
    if "file" not in files and f"file-{code}" in request.FILES:
        files["file"] = request.FILES[f"file-{code}"]
    return UploadForm(request.POST, files)


@login_required
@require_POST
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_for(request.user, pk)
    draft = _save_posted_draft(request, application)
    form = _posted_file(request)
    code = request.POST.get("material_code", "")
    if _typing_refused(draft):
        _result(request, messages.ERROR, str(TYPING_FIRST), code)
        return _after_material_change(request, application, draft)
    if not form.is_valid():
        _result(request, messages.ERROR, _kept(_("请选择要上传的文件。"), draft), code)
        return _after_material_change(request, application, draft)
    try:
        attachment = services.add_attachment(
            actor=request.user,
            application=application,
            material_code=form.cleaned_data["material_code"],
            upload=form.cleaned_data["file"],
        )
    except ValidationError as exc:
        _result(request, messages.ERROR, _kept(_messages_of(exc), draft), code)
        # Refused uploads are recorded (issue 14): a run of disguised files is what an assessor looks for.
        upload = form.cleaned_data["file"]
        audit.record(
            "upload_refused",
            obj=application,
            result=audit.Result.DENIED,
            detail=f"{form.cleaned_data['material_code']} “{(upload.name or '')[:120]}” "
            f"({upload.size} B): {'; '.join(exc.messages)[:300]}",
        )
    else:
        uploaded = _("已上传“%(name)s”。") % {"name": attachment.original_name}
        _result(request, messages.SUCCESS, _kept(uploaded, draft), code)
    return _after_material_change(request, application, draft)


@login_required
@require_POST
def remove_attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    application = application_for(request.user, pk)
    attachment = get_object_or_404(application.attachments.filter(is_current=True), pk=attachment_id)
    draft = _save_posted_draft(request, application)
    if _typing_refused(draft):
        _result(request, messages.ERROR, str(TYPING_FIRST), attachment.material_code)
        return _after_material_change(request, application, draft)
    try:
        services.remove_attachment(actor=request.user, attachment=attachment)
    except ValidationError as exc:
        _result(request, messages.ERROR, _kept(_messages_of(exc), draft), attachment.material_code)
    else:
        removed = _("已删除“%(name)s”。") % {"name": attachment.original_name}
        _result(request, messages.SUCCESS, _kept(removed, draft), attachment.material_code)
    return _after_material_change(request, application, draft)


@login_required
@require_GET
def download(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    """The file, only to the application's own organisation; always as a download, never rendered."""
    application = application_for(request.user, pk)
    attachment: Attachment = get_object_or_404(application.attachments.all(), pk=attachment_id)
    response = private_file_response(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )
    audit.record("attachment.download", obj=attachment, detail=f"{application} {attachment.material_code}")
    return response


# ---------------------------------------------------------------- submitting


def _materials_with_files(application: Application) -> list[dict]:
    current = list(application.attachments.filter(is_current=True))
    return [
        {"material": m, "files": [a for a in current if a.material_code == m.code]}
        for m in application.item.materials.all()
    ]


@login_required
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_for(request.user, pk)
    if not application.is_editable:
        return _not_editable(request, application)
    status = 200
    if request.method == "POST":
        try:
            revision = services.submit_application(actor=request.user, application=application)
        except ValidationError as exc:
            problems = [str(m) for m in exc.messages]
            _ignored, quote = services.submission_problems(application)
            status = 400
        else:
            number = revision.application.number
            messages.success(request, _("已提交,申报编号 %(number)s。") % {"number": number})
            return redirect("applications:detail", pk=application.pk)
    else:
        problems, quote = services.submission_problems(application)
    return render(
        request,
        "applications/submit.html",
        {
            "application": application,
            "item": application.item,
            "call": application.call_item.call,
            "problems": problems,
            "quote": quote,
            "fact_rows": fact_rows(application.item, application.facts),
            "materials": _materials_with_files(application),
        },
        status=status,
    )


# ---------------------------------------------------------------- detail, revisions, withdrawal


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    # The call and the item are all the page reads: planning the JOINs of the rounds and the organisation
    # cost more than running the query (issue 13).
    application = application_for(request.user, pk, related=("call_item__call", "item"))
    labels = status_labels()
    events = list(StatusEvent.objects.filter(application=application).order_by("at", "id"))
    for event in events:
        event.status_label = labels.get(event.status, event.status)
    # Past 已认定 the timeline goes on with the award's steps (derived by the finance app), and the page
    # says what happens next and typically how long it takes. Drafts have their 编辑 button instead.
    money = progress.money_progress([application]).get(application.pk)
    if money is not None:
        next_text, next_url = money.next_text, money.next_url
    elif application.status == Application.Status.DRAFT:
        next_text, next_url = "", ""
    else:
        next_text, next_url = progress.status_next_text(application), ""
    return render(
        request,
        "applications/detail.html",
        {
            "application": application,
            "item": application.item,
            "call": application.call_item.call,
            "events": events,
            "money": money,
            "next_text": next_text,
            "next_url": next_url,
            "revisions": revisions_with_files(application),
            "fact_rows": fact_rows(application.item, application.facts),
            "documents": [
                {"kind": kind, "title": documents.TITLES[kind]}
                for kind in documents.available_documents(application)
            ],
        },
    )


@login_required
@require_GET
def revision(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    application = application_for(request.user, pk)
    frozen = get_object_or_404(application.revisions.prefetch_related("attachments"), number=number)
    material_names = {m.code: m.name for m in application.item.materials.all()}
    files = [
        {"name": material_names.get(a.material_code, a.material_code), "attachment": a}
        for a in frozen.attachments.all()
    ]
    return render(
        request,
        "applications/revision.html",
        {
            "application": application,
            "item": application.item,
            "revision": frozen,
            "quote": frozen.quote,
            "fact_rows": fact_rows(application.item, frozen.facts),
            "files": files,
            "matter_type_label": dict(Application.MatterType.choices).get(frozen.matter_type, ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation (works without JavaScript); POST: withdraw, with an optional reason."""
    application = application_for(request.user, pk)
    if not application.can_withdraw:
        messages.error(
            request,
            _("该申报当前状态为“%(status)s”,不能撤回。") % {"status": application.get_status_display()},
        )
        return redirect("applications:detail", pk=application.pk)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_application(
                actor=request.user, application=application, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, _messages_of(exc))
        else:
            messages.success(request, _("申报已撤回。"))
        return redirect("applications:detail", pk=application.pk)
    return render(
        request,
        "applications/withdraw.html",
        {"application": application, "item": application.item, "form": form},
        status=400 if form.is_bound else 200,
    )


# ---------------------------------------------------------------- copying and deleting (issue 15)


@login_required
@require_http_methods(["GET", "POST"])
def copy(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what will be copied and where to (works without JavaScript); POST: the new draft."""
    application = application_for(request.user, pk)
    if not application.can_copy:
        messages.error(
            request,
            _("该申报当前状态为“%(status)s”,不能复制。") % {"status": application.get_status_display()},
        )
        return redirect("applications:detail", pk=application.pk)
    target = copy_target(application)
    status = 200
    if request.method == "POST":
        try:
            draft = services.copy_application(
                actor=request.user,
                application=application,
                allow_duplicate=bool(request.POST.get("duplicate_ok")),
            )
        except services.DuplicateDraft:
            status = 409  # the page below now offers the draft that exists
        except ValidationError as exc:
            messages.error(request, _messages_of(exc))
            return redirect("applications:detail", pk=application.pk)
        else:
            messages.success(
                request,
                _("已复制为新的草稿:申报事实、事项和材料已带入,请核对后提交。"),
            )
            return redirect("applications:edit", pk=draft.pk)
    drafts = (
        open_drafts_like(
            organization=application.organization,
            call_item=target,
            matter_ref=application.matter_ref,
            exclude=application,
        )
        if target
        else []
    )
    return render(
        request,
        "applications/copy.html",
        {
            "application": application,
            "item": application.item,
            "target": target,
            "drafts": drafts,
            "materials": _materials_with_files(application),
            "fact_rows": fact_rows(application.item, application.facts),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation, naming what goes; POST: the draft and its files are deleted."""
    application = application_for(request.user, pk)
    if not application.can_delete:
        messages.error(
            request,
            _("只能删除从未提交的草稿;该申报当前状态为“%(status)s”。已提交的申报可以撤回。")
            % {"status": application.get_status_display()},
        )
        return redirect("applications:detail", pk=application.pk)
    if request.method == "POST":
        try:
            services.delete_draft(actor=request.user, application=application)
        except ValidationError as exc:
            messages.error(request, _messages_of(exc))
            return redirect("applications:detail", pk=application.pk)
        messages.success(request, _("草稿已删除,其材料文件也已删除。"))
        return redirect("applications:dashboard")
    return render(
        request,
        "applications/delete.html",
        {
            "application": application,
            "item": application.item,
            "files": list(application.attachments.all()),
        },
    )

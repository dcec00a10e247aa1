"""Bank details, payment batches, payments, the batch export and the disbursement notice.

Finance pages (under /finance/, namespace "disbursement"): the batch list, detail, export and
生成全部拨付通知 (its progress and ZIP) are for 区财政局's finance officers and approvers; building a
batch, submitting it and recording payments for finance officers; approving or returning for finance
approvers other than the batch's preparer. The notice PDF is also open to 区科委's commission
approvers. Anonymous → log in; every other role → 403.
Finance staff see the receiving accounts in full here (they pay into them); nowhere else does.

Enterprise pages (under /awards/, namespace "awards"): the receiving account, masked, for every approved
member of the organisation, with its history; only the organisation's administrator may change it. The
notice PDF of the organisation's own awards (anyone else's → 404).

Thin: reads through disbursement.selectors, changes through disbursement.services; no JavaScript.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.reauth import reauth_required
from accounts.roles import Role
from accounts.selectors import access_organization
from audit import services as audit
from changning_ai.downloads import private_file_response
from policies.documents import pdf_response
from reviews.access import has_any_role, role_required

from .. import documents, notice_jobs, selectors, services
from ..documents import award_notice_pdf
from ..exports import batch_workbook
from ..models import Installment, NoticeJob, PaymentBatch
from ..payment_forms import BankAccountForm, DueFilterForm, FailedForm, PaidForm, ReturnForm

FINANCE = (Role.FINANCE_OFFICER, Role.FINANCE_APPROVER)
finance_required = role_required(*FINANCE)
officer_required = role_required(Role.FINANCE_OFFICER)
approver_required = role_required(Role.FINANCE_APPROVER)
notice_readers_required = role_required(*FINANCE, Role.COMMISSION_APPROVER)
Batch = PaymentBatch.Status
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _messages_of(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _form_errors(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


# ---------------------------------------------------------------- batches (finance)


@finance_required
@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.finance_batches(), BATCH_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "disbursement/batch_list.html",
        {
            "page": page,
            "batches": page.object_list,
            "is_officer": has_any_role(request.user, Role.FINANCE_OFFICER),
        },
    )


# Rows per page. Once the queries read an index, what a list page costs is rendering its rows (issue 13:
# 100 batches took 150 ms to render, 100 due installments or 100 batch lines more): the batch list shows the
# 25 newest batches, batch creation 50 due installments (and "all matching" takes the rest by query), the
# batch page 50 lines and 50 payment records.
DUE_PAGE_SIZE = 50
BATCH_PAGE_SIZE = 25
BATCH_LINES_PAGE_SIZE = 50


@officer_required
@require_http_methods(["GET", "POST"])
def batch_new(request: HttpRequest) -> HttpResponse:
    """Due installments, filtered and one page at a time; the officer ticks some on the page, or takes every
    installment the filter matches (chosen by the query, not by the rows the page happens to show)."""
    status = 200
    selected: set[int] = set()
    data = request.POST if request.method == "POST" else request.GET
    form = DueFilterForm(data or None, item_choices=selectors.budget_item_choices())
    filters = form.filters()
    if request.method == "POST":
        if request.POST.get("all") == "1":
            selected = set(selectors.due_installments(**filters).values_list("pk", flat=True))
        else:
            # Ids beyond the database's integer range are nobody's (SQLite would raise OverflowError).
            selected = {
                int(pk) for pk in request.POST.getlist("installments") if pk.isdecimal() and len(pk) <= 18
            }
        try:
            batch = services.create_batch(actor=request.user, installment_ids=selected)
        except ValidationError as exc:
            messages.error(request, _messages_of(exc))
            status = 400
        else:
            messages.success(
                request, _("批次 %(number)s 已编制,核对无误后请提交审核。") % {"number": batch.number}
            )
            return redirect("disbursement:batch", pk=batch.pk)
    page = Paginator(selectors.due_installments(**filters), DUE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = {k: v for k, v in (form.cleaned_data if form.is_bound and form.is_valid() else {}).items() if v}
    return render(
        request,
        "disbursement/batch_new.html",
        {
            "form": form,
            "page": page,
            "groups": selectors.due_groups(page.object_list),
            "selected": selected,
            "filters": query,
            "query": urlencode(query),
        },
        status=status,
    )


@finance_required
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch with one page of its installments (a batch may hold thousands) and one page of its
    payment records; the count and the sum are the whole batch's."""
    batch = selectors.batch_for(pk)
    totals = selectors.batch_totals(batch)
    paginator = Paginator(selectors.batch_installments(batch), BATCH_LINES_PAGE_SIZE)
    paginator.count = totals["count"]  # counted with the sum: no second COUNT
    page = paginator.get_page(request.GET.get("page"))
    lines = selectors.batch_lines(batch, page.object_list)
    records = Paginator(selectors.batch_records(batch), BATCH_LINES_PAGE_SIZE).get_page(
        request.GET.get("records")
    )
    is_officer = has_any_role(request.user, Role.FINANCE_OFFICER)
    is_approver = has_any_role(request.user, Role.FINANCE_APPROVER)
    is_preparer = batch.prepared_by_id == request.user.pk
    return render(
        request,
        "disbursement/batch_detail.html",
        {
            "batch": batch,
            "page": page,
            "lines": lines,
            "line_count": totals["count"],
            "total_fen": totals["total_fen"],
            "records": records,
            "can_submit": is_officer and batch.status == Batch.DRAFT and totals["count"] > 0,
            "can_withdraw": is_officer and is_preparer and batch.status == Batch.DRAFT,
            "can_approve": is_approver and not is_preparer and batch.status == Batch.SUBMITTED,
            "preparer_waits": is_approver and is_preparer and batch.status == Batch.SUBMITTED,
            "can_record": is_officer and batch.status == Batch.APPROVED,
            "return_form": ReturnForm(),
            "paid_form": PaidForm(initial={"paid_on": timezone.localdate()}),
            "failed_form": FailedForm(),
            "batched": Installment.Status.BATCHED,
            "sheet": _sheet_state(batch, totals["count"]),
            "notice_job": notice_jobs.latest_job(batch),
        },
    )


def _sheet_state(batch: PaymentBatch, line_count: int) -> dict:
    """What the batch page says of the 批次审批单: rendered on request, or (large) stored once ready."""
    large = line_count > documents.BATCH_SHEET_INLINE_LIMIT
    return {"large": large, "ready": large and documents.stored_batch_sheet(batch) is not None}


@finance_required
@require_GET
def batch_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The 批次审批单: a small batch rendered here; a large one from private storage once the task has
    stored it — until then the task is queued and the batch page says so."""
    batch = selectors.batch_for(pk)
    lines = selectors.batch_lines(batch)
    if not lines:
        raise Http404
    filename = documents.batch_sheet_filename(batch)
    if len(lines) <= documents.BATCH_SHEET_INLINE_LIMIT:
        response = pdf_response(documents.batch_sheet_pdf(batch, lines), filename)
        audit.record("document.download", obj=batch, detail=filename)
        return response
    stored = documents.stored_batch_sheet(batch)
    if stored is not None:
        response = pdf_response(documents.read_stored(stored), filename)
        audit.record("document.download", obj=batch, detail=filename)
        return response
    documents.request_batch_sheet(batch)
    messages.info(
        request,
        _("批次 %(number)s 共 %(count)s 笔,审批单正在后台生成,请稍后刷新本页下载。")
        % {"number": batch.number, "count": len(lines)},
    )
    return redirect(reverse("disbursement:batch", args=[batch.pk]) + "#documents")


def _batch_action(request: HttpRequest, pk: int, action, success: str) -> HttpResponse:
    """Run a service on the batch; a refusal (ValidationError) is shown on the detail page, a
    PermissionDenied is a 403 and saves nothing."""
    batch = selectors.batch_for(pk)
    try:
        action(batch)
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, success % {"number": batch.number})
    return redirect("disbursement:batch", pk=batch.pk)


@officer_required
@require_POST
def batch_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _batch_action(
        request,
        pk,
        lambda batch: services.submit_batch(actor=request.user, batch=batch),
        _("批次 %(number)s 已提交审核,须由编制人以外的审核人员审核。"),
    )


@officer_required
@require_POST
def batch_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _batch_action(
        request,
        pk,
        lambda batch: services.withdraw_batch(actor=request.user, batch=batch),
        _("批次 %(number)s 已撤回,其中款项恢复为待拨付。"),
    )


@approver_required
@require_POST
@reauth_required
def batch_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _batch_action(
        request,
        pk,
        lambda batch: services.approve_batch(actor=request.user, batch=batch),
        _("批次 %(number)s 已审核通过,可以拨付。"),
    )


@approver_required
@require_POST
def batch_return(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReturnForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _batch_action(
        request,
        pk,
        lambda batch: services.return_batch(actor=request.user, batch=batch, reason=reason),
        _("批次 %(number)s 已退回,其中款项恢复为待拨付。"),
    )


def _installment_of(batch: PaymentBatch, installment_pk: int) -> Installment:
    """An installment paid (or attempted) in this batch: still in it, or failed out of it; else 404."""
    found = (
        Installment.objects.select_related("award__application", "award__agreement")
        .filter(Q(batch=batch) | Q(payments__batch=batch), pk=installment_pk)
        .distinct()
        .first()
    )
    if found is None:
        raise Http404
    return found


@officer_required
@require_POST
def payment_paid(request: HttpRequest, pk: int, installment_pk: int) -> HttpResponse:
    batch = selectors.batch_for(pk)
    installment = _installment_of(batch, installment_pk)
    form = PaidForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("disbursement:batch", pk=batch.pk)
    try:
        record = services.record_payment(
            actor=request.user,
            batch=batch,
            installment=installment,
            voucher_no=form.cleaned_data["voucher_no"],
            paid_on=form.cleaned_data["paid_on"],
        )
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(
            request,
            _("已记录拨付:%(number)s 第%(n)s期,凭证号 %(voucher)s。")
            % {
                "number": installment.award.number,
                "n": installment.number,
                "voucher": record.voucher_no,
            },
        )
    return redirect("disbursement:batch", pk=batch.pk)


@officer_required
@require_POST
def payment_failed(request: HttpRequest, pk: int, installment_pk: int) -> HttpResponse:
    batch = selectors.batch_for(pk)
    installment = _installment_of(batch, installment_pk)
    form = FailedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("disbursement:batch", pk=batch.pk)
    try:
        services.record_failure(
            actor=request.user, batch=batch, installment=installment, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.warning(
            request,
            _("已记录拨付失败:%(number)s 第%(n)s期,款项恢复为待拨付,可纳入以后的批次。")
            % {"number": installment.award.number, "n": installment.number},
        )
    return redirect("disbursement:batch", pk=batch.pk)


@finance_required
@require_GET
def batch_export(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_for(pk)
    try:
        workbook, _total = batch_workbook(batch)
    except ValidationError as exc:
        # A file the bank would bounce is not handed out; the batch page says which payee to fix.
        messages.error(request, _("未生成银行拨付文件:") + _messages_of(exc))
        return redirect("disbursement:batch", pk=batch.pk)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{batch.number}.xlsx"'
    audit.record("export.download", obj=batch, detail=f"{batch.number}.xlsx")
    return response


# ---------------------------------------------------------------- the disbursement notice


@finance_required
@require_POST
def batch_notices(request: HttpRequest, pk: int) -> HttpResponse:
    """生成全部拨付通知: queue the job (or find the one at work); the batch page shows its progress."""
    batch = selectors.batch_for(pk)
    try:
        job, started = notice_jobs.start(batch, request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        if started:
            messages.success(
                request,
                _("已开始生成 %(total)s 份拨付通知,可以离开本页,完成后会通知您。") % {"total": job.total},
            )
        else:
            messages.info(request, _("本批次的拨付通知正在生成中。"))
    return redirect(reverse("disbursement:batch", args=[batch.pk]) + "#notices")


@finance_required
@require_GET
def batch_notices_download(request: HttpRequest, pk: int, job_pk: int) -> HttpResponse:
    """The ZIP of a finished job of this batch; any other (another batch's, unfinished) is 404."""
    job = get_object_or_404(
        NoticeJob.objects.select_related("batch"), pk=job_pk, batch_id=pk, status=NoticeJob.Status.DONE
    )
    if not job.archive:
        raise Http404
    filename = notice_jobs.archive_filename(job)
    response = private_file_response(job.archive, filename=filename, content_type="application/zip")
    audit.record("document.download", obj=job.batch, detail=filename)
    return response


def _pdf_response(award) -> HttpResponse:
    filename = notice_jobs.notice_filename(award)
    response = pdf_response(award_notice_pdf(award), filename)
    audit.record("document.download", obj=award, detail=filename)
    return response


@notice_readers_required
@require_GET
def award_notice(request: HttpRequest, pk: int) -> HttpResponse:
    return _pdf_response(selectors.notice_award(pk))


@login_required
@require_GET
def enterprise_notice(request: HttpRequest, award_pk: int) -> HttpResponse:
    return _pdf_response(selectors.enterprise_notice_award(request.user, award_pk))


# ---------------------------------------------------------------- bank details (enterprise)


@login_required
@require_http_methods(["GET", "POST"])
@reauth_required(methods=["POST"])
def bank_account(request: HttpRequest) -> HttpResponse:
    """Every member sees the account masked, with its history; the administrator changes it here."""
    membership = access_organization(request.user, as_admin=request.method == "POST")
    organization = membership.organization
    form = BankAccountForm(request.POST or None) if membership.is_admin else None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.set_bank_account(actor=request.user, organization=organization, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("收款账户已更新。此前的账户已保留在变更记录中。"))
                return redirect("awards:bank_account")
    history = selectors.bank_history(organization)
    return render(
        request,
        "disbursement/bank_account.html",
        {
            "organization": organization,
            "current": next((account for account in history if account.is_current), None),
            "history": history,
            "is_admin": membership.is_admin,
            "form": form,
        },
        status=status,
    )


urlpatterns = [
    path("batches/", batch_list, name="batches"),
    path("batches/new/", batch_new, name="batch_new"),
    path("batches/<int:pk>/", batch_detail, name="batch"),
    path("batches/<int:pk>/submit/", batch_submit, name="batch_submit"),
    path("batches/<int:pk>/withdraw/", batch_withdraw, name="batch_withdraw"),
    path("batches/<int:pk>/approve/", batch_approve, name="batch_approve"),
    path("batches/<int:pk>/return/", batch_return, name="batch_return"),
    path("batches/<int:pk>/installments/<int:installment_pk>/paid/", payment_paid, name="payment_paid"),
    path("batches/<int:pk>/installments/<int:installment_pk>/failed/", payment_failed, name="payment_failed"),
    path("batches/<int:pk>/export.xlsx", batch_export, name="batch_export"),
    path("batches/<int:pk>/sheet.pdf", batch_sheet, name="batch_sheet"),
    path("batches/<int:pk>/notices/", batch_notices, name="batch_notices"),
    path("batches/<int:pk>/notices/<int:job_pk>.zip", batch_notices_download, name="batch_notices_download"),
    path("awards/<int:pk>/notice.pdf", award_notice, name="award_notice"),
]

enterprise_urlpatterns = [
    path("bank/", bank_account, name="bank_account"),
    path("<int:award_pk>/notice.pdf", enterprise_notice, name="notice_pdf"),
]

"""The audit administrator's pages (/audit/): search the trail, read one record, export what the search
found, verify the hash chain. Only the audit administrator (三权分立): not the system or security
administrator, not a superuser without the role. Anonymous → log in; anyone else → 403.

The audit app is the lowest app, so it cannot use reviews.access or accounts.roles: the role is the group
named AUDIT_ADMIN_GROUP (accounts.roles.Role.AUDIT_ADMIN's value; a test holds the two together).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from changning_ai.groups import group_names
from changning_ai.pagination import CappedPaginator

from . import exports, services
from .chain import verify_chain
from .filters import AuditRecordFilter
from .models import AuditRecord

AUDIT_ADMIN_GROUP = "audit_admin"
PAGE_SIZE = 50


def is_audit_admin(user) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return AUDIT_ADMIN_GROUP in group_names(user)


def audit_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_audit_admin(request.user):
            raise PermissionDenied(_("只有审计管理员可以查看审计日志。"))
        return view(request, *args, **kwargs)

    return wrapper


def _filterset(request: HttpRequest) -> AuditRecordFilter:
    params = request.GET.copy()
    params.pop("page", None)
    return AuditRecordFilter(params, queryset=AuditRecord.objects.all())


@audit_admin_required
@require_GET
def records(request: HttpRequest) -> HttpResponse:
    filterset = _filterset(request)
    page = CappedPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/records.html",
        {"filter": filterset, "form": filterset.form, "page": page, "query": query.urlencode()},
    )


def _value(value) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def change_rows(record: AuditRecord) -> list[tuple[str, str, str]]:
    """(field, before, after) for every field the record names; "—" where a side has none."""
    changes = record.changes or {}
    before, after = changes.get("before") or {}, changes.get("after") or {}
    names = list(before) + [name for name in after if name not in before]
    return [
        (
            name,
            _value(before.get(name)) if name in before else "",
            _value(after.get(name)) if name in after else "",
        )
        for name in names
    ]


@audit_admin_required
@require_GET
def record(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(AuditRecord, pk=pk)
    return render(request, "audit/record.html", {"record": entry, "rows": change_rows(entry)})


@audit_admin_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    filterset = _filterset(request)
    back = reverse("audit:records") + (f"?{request.GET.urlencode()}" if request.GET else "")
    if not filterset.is_valid():
        messages.error(request, _("筛选条件有误,未导出。请按提示修改后再导出。"))
        return redirect(back)
    found = filterset.qs
    if found.count() > exports.MAX_ROWS:
        messages.error(
            request,
            _("符合条件的记录超过 %(n)s 条,请缩小日期范围后分批导出。") % {"n": f"{exports.MAX_ROWS:,}"},
        )
        return redirect(back)
    content, count = exports.audit_workbook(found)
    # Reading the trail out of the portal is itself recorded, with what was asked for.
    services.record(
        "audit.export",
        detail=_("导出 %(n)d 条审计记录;筛选条件:%(filters)s")
        % {"n": count, "filters": json.dumps(filterset.applied(), ensure_ascii=False, sort_keys=True)},
    )
    response = HttpResponse(content, content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{exports.file_name()}"'
    return response


@audit_admin_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """GET explains; POST walks the whole chain (slow on a long trail) and records that it did."""
    verdict = None
    if request.method == "POST":
        verdict = verify_chain()
        if verdict.ok:
            checked = _("哈希链完整,已校验 %(n)d 条记录。") % {"n": verdict.checked}
            services.record("audit.verify", detail=checked)
        else:
            broken = verdict.first_break
            services.record(
                "audit.verify",
                result=services.Result.FAILURE,
                detail=_("哈希链断裂:第 %(seq)d 条记录,%(reason)s")
                % {"seq": broken.seq, "reason": broken.reason},
            )
    return render(request, "audit/verify.html", {"verdict": verdict})

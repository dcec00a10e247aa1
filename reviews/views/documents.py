"""Staff downloads of an application's documents, under /review/, and the public 公示名单 under /notices/.

- 申报书: intake officers and commission approvers (any submitted application); an expert reviewer only
  of an application assigned to them after declaring no conflict (404 otherwise);
- 受理回执: intake officers and commission approvers, once accepted;
- 评审汇总: commission approvers only (reviewers' names are in it), once a review is submitted;
- 认定通知: commission approvers and finance staff, once recognised;
- 公示名单: anyone, for a published notice.
Anonymous → log in; a role not listed → 403; a document that does not exist yet → 404.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.roles import Role
from applications import documents as application_documents
from audit import services as audit
from policies.documents import pdf_response
from reviews import documents
from reviews.access import has_any_role
from reviews.models import Assignment, PublicNotice
from reviews.selectors import DECLARED, staff_application

# Who may have which of the application's documents on the staff side.
READERS = {
    application_documents.APPLICATION_FORM: (Role.INTAKE_OFFICER, Role.COMMISSION_APPROVER),
    application_documents.ACCEPTANCE_RECEIPT: (Role.INTAKE_OFFICER, Role.COMMISSION_APPROVER),
    application_documents.RECOGNITION_NOTICE: (
        Role.COMMISSION_APPROVER,
        Role.FINANCE_OFFICER,
        Role.FINANCE_APPROVER,
    ),
}
SUMMARY = "summary"


def _refused() -> PermissionDenied:
    return PermissionDenied(_("您没有执行此操作的权限。"))


def _may_read(user, pk: int, kind: str) -> bool:
    """True for the kind's roles; a reviewer of this application (declared, not conflicted) may have its
    申报书; any other reviewer gets 404 for it (as for its materials); everyone else False (403)."""
    if has_any_role(user, *READERS[kind]):
        return True
    if kind == application_documents.APPLICATION_FORM and has_any_role(user, Role.EXPERT_REVIEWER):
        if Assignment.objects.filter(application_id=pk, reviewer=user, status__in=DECLARED).exists():
            return True
        raise Http404
    return False


@require_GET
def staff_document(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if kind == SUMMARY:
        if not has_any_role(request.user, Role.COMMISSION_APPROVER):
            raise _refused()
        application = staff_application(pk)
        if (
            application.accepted_at is None
            or not application.assignments.filter(status=Assignment.Status.SUBMITTED).exists()
        ):
            raise Http404
        filename = documents.summary_filename(application)
        response = pdf_response(documents.review_summary_pdf(application), filename)
        audit.record("document.download", obj=application, detail=filename)
        return response
    if kind not in READERS:
        raise Http404
    if not _may_read(request.user, pk, kind):
        raise _refused()
    application = staff_application(pk)
    if not application_documents.is_available(application, kind):
        raise Http404
    filename = application_documents.filename(application, kind)
    response = pdf_response(application_documents.render(application, kind), filename)
    audit.record("document.download", obj=application, detail=filename)
    return response


@require_GET
def public_notice_list(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(PublicNotice, pk=pk, published_at__lte=timezone.now())
    return pdf_response(documents.notice_list_pdf(notice), documents.notice_filename(notice))


urlpatterns = [
    path("applications/<int:pk>/documents/<str:kind>.pdf", staff_document, name="document"),
]

public_urlpatterns = [
    path("<int:pk>/list.pdf", public_notice_list, name="list_pdf"),
]

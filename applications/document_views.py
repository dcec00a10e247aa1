"""The enterprise's downloads of its application's documents (applications.documents): its own
organisation's only (application_for: anyone else's is 404), and only once the document exists (404
before: no receipt before acceptance, no 认定通知 before recognition)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from audit import services as audit
from policies.documents import pdf_response

from . import documents
from .selectors import application_for


@login_required
@require_GET
def document(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    application = application_for(request.user, pk)
    if not documents.is_available(application, kind):
        raise Http404
    filename = documents.filename(application, kind)
    response = pdf_response(documents.render(application, kind), filename)
    audit.record("document.download", obj=application, detail=filename)
    return response

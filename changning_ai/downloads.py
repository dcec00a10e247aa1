"""Every private download (a material, a rent proof) answers through private_file_response, so a deployment
chooses in one setting who sends the bytes.

By default the gunicorn worker streams the file (FileResponse). With MEDIA_ACCEL_REDIRECT_PREFIX set (the
portal behind deploy/nginx/changning-ai.conf), the view still checks the permission and writes the audit
record, then answers with an empty body and an X-Accel-Redirect header naming the file under nginx's
internal location; nginx sends the file, and the worker is free at once. Files in a storage that is not on
local disk (S3 through django-storages) are always streamed.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header


def private_file_response(file: FieldFile, *, filename: str, content_type: str) -> HttpResponse:
    """The file as a download (never rendered, never cached by a shared cache), or 404 when the storage
    has lost it. `content_type` is the type sniffed at upload, not what the browser claimed."""
    prefix = settings.MEDIA_ACCEL_REDIRECT_PREFIX
    if prefix and isinstance(file.storage, FileSystemStorage):
        if not file.storage.exists(file.name):
            raise Http404("file missing from storage")
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix + quote(file.name)
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    else:
        try:
            handle = file.open("rb")
        except FileNotFoundError as exc:
            raise Http404("file missing from storage") from exc
        response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

"""Private downloads (materials, rent proofs) answer through one helper (changning_ai.downloads): streamed by
the worker by default, handed to nginx with X-Accel-Redirect when MEDIA_ACCEL_REDIRECT_PREFIX is set. Either
way the permission is checked and the download audited first, and the answer is never rendered or cached."""

from __future__ import annotations

import pytest

from audit.models import AuditRecord
from tests.disbursement.conftest import *  # noqa: F403 (fixtures: clock, call, people, private_files)
from tests.disbursement.conftest import login

PREFIX = "/_private/"


@pytest.fixture
def attachment(alice, call, clock, private_files):
    from tests.applications.conftest import submitted

    return submitted(alice, call).attachments.first()


def own_url(attachment) -> str:
    return f"/applications/{attachment.application_id}/materials/{attachment.pk}/download/"


def staff_url(attachment) -> str:
    return f"/review/applications/{attachment.application_id}/materials/{attachment.pk}/download/"


def test_by_default_the_worker_streams_the_file(client, alice, attachment):
    login(client, alice)
    response = client.get(own_url(attachment))
    assert response.status_code == 200
    assert "X-Accel-Redirect" not in response
    with attachment.file.open("rb") as handle:
        assert b"".join(response.streaming_content) == handle.read()
    assert response["Content-Type"] == attachment.content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert (response["X-Content-Type-Options"], response["Cache-Control"]) == ("nosniff", "private, no-store")


def test_with_the_prefix_nginx_sends_the_file_after_the_check_and_the_audit_record(
    client, settings, alice, attachment
):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = PREFIX
    login(client, alice)
    response = client.get(own_url(attachment))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == PREFIX + attachment.file.name
    assert response.content == b""
    assert response["Content-Type"] == attachment.content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert (response["X-Content-Type-Options"], response["Cache-Control"]) == ("nosniff", "private, no-store")
    assert AuditRecord.objects.filter(action="attachment.download", object_id=str(attachment.pk)).count() == 1


def test_staff_downloads_use_the_same_helper(client, settings, carol, attachment):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = PREFIX
    login(client, carol)
    response = client.get(staff_url(attachment))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == PREFIX + attachment.file.name


def test_a_refused_download_never_names_the_file(client, settings, bob, attachment):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = PREFIX
    login(client, bob)
    response = client.get(own_url(attachment))
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response


def test_a_file_lost_from_storage_is_a_404_without_a_download_record(client, settings, alice, attachment):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = PREFIX
    attachment.file.storage.delete(attachment.file.name)
    login(client, alice)
    response = client.get(own_url(attachment))
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response
    assert not AuditRecord.objects.filter(action="attachment.download").exists()


def test_a_storage_off_local_disk_is_streamed_even_with_the_prefix(settings, monkeypatch):
    """Object storage (PRIVATE_STORAGE=s3) has no path nginx could read: the worker streams the file."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import InMemoryStorage
    from django.db.models.fields.files import FieldFile

    from applications.models import Attachment
    from changning_ai.downloads import private_file_response

    settings.MEDIA_ACCEL_REDIRECT_PREFIX = PREFIX
    field = Attachment._meta.get_field("file")
    monkeypatch.setattr(field, "storage", InMemoryStorage())
    name = field.storage.save("applications/1/proof.pdf", ContentFile(b"%PDF-1.7 proof"))
    response = private_file_response(
        FieldFile(Attachment(), field, name), filename="租赁证明.pdf", content_type="application/pdf"
    )
    assert "X-Accel-Redirect" not in response
    assert b"".join(response.streaming_content) == b"%PDF-1.7 proof"

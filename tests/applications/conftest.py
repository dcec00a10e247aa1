"""People, a call and files for the enterprise's pages.

alice is the administrator of 甲公司 and anna an ordinary member of it; bob is 乙公司's administrator; carol
an intake officer of 区科委; sam a staff user with no organisation. The call is open from 2025-03-01 09:00
to 2025-04-30 17:00 (Shanghai); the `clock` fixture stands at 2025-04-01 10:00.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import Role
from applications import services
from applications.models import Application, Attachment, Call, CallItem
from policies.models import PolicyItem
from tests.factories import UserFactory
from tests.pdfs import pdf_bytes

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENS = datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)
CLOSES = datetime(2025, 4, 30, 17, 0, tzinfo=SHANGHAI)
DURING = datetime(2025, 4, 1, 10, 0, tzinfo=SHANGHAI)

PDF = pdf_bytes()  # a real one-page PDF: uploads must parse (issue 14)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + b"\x00" * 64
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def ofd_bytes() -> bytes:
    """An OFD package (GB/T 33190): a ZIP with OFD.xml at its root."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("OFD.xml", '<?xml version="1.0"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>')
        package.writestr("Doc_0/Document.xml", "<Document/>")
    return buffer.getvalue()


def pdf(name: str = "材料.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(DURING, tick=False)
    return time_machine


@pytest.fixture
def private_files(tmp_path):
    """Materials go to a temporary folder, not the project's var/media."""
    field = Attachment._meta.get_field("file")
    original = field.storage
    field.storage = FileSystemStorage(location=tmp_path / "private", base_url=None)
    yield field.storage
    field.storage = original


@pytest.fixture
def call(policy_data):
    round_id = PolicyItem.objects.get(round__code="changning-ai-2024", code="7.1").round_id
    call = Call.objects.create(
        round_id=round_id, year=2025, title="2025 年度人工智能专项申报", opens_at=OPENS, closes_at=CLOSES
    )
    for code in ("7.1", "8.1", "8.3", "9.1"):
        CallItem.objects.create(call=call, item=PolicyItem.objects.get(round_id=round_id, code=code))
    return call


def call_item(call: Call, code: str) -> CallItem:
    return call.call_items.get(item__code=code)


@pytest.fixture
def carol(policy_data):
    return UserFactory(username="carol", roles=[Role.INTAKE_OFFICER], is_staff=True)


@pytest.fixture
def sam(policy_data):
    """Staff, but acting for no organisation."""
    return UserFactory(username="sam", is_staff=True)


def draft(user, call: Call, code: str = "7.1", facts=None, matter: str = "智能视觉平台研发") -> Application:
    application = services.start_application(actor=user, call_item=call_item(call, code))
    return services.save_draft(
        actor=user,
        application=application,
        facts=facts if facts is not None else {"self_raised_investment": "2000000"},
        matter_type="project",
        matter_ref=matter,
        project_name=matter,
        description="",
    )


def upload_required(user, application: Application) -> None:
    for material in application.item.materials.filter(required=True):
        services.add_attachment(
            actor=user,
            application=application,
            material_code=material.code,
            upload=pdf(f"{material.code}.pdf"),
        )


def ready(user, call: Call, code: str = "7.1", facts=None, matter: str = "智能视觉平台研发") -> Application:
    """A draft with its facts, matter and every required material: ready to submit."""
    application = draft(user, call, code, facts, matter)
    upload_required(user, application)
    return application


def submitted(user, call: Call, **kwargs) -> Application:
    application = ready(user, call, **kwargs)
    services.submit_application(actor=user, application=application)
    application.refresh_from_db()
    return application

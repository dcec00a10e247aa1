"""Official documents are signed (PAdES, pyHanko) with the configured certificate, tagged for screen readers,
and the pages that offer them say who signed. The test settings sign with a throw-away certificate
(changning_ai.settings_test), as production signs with the commission's."""

from __future__ import annotations

import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from policies import signing
from tests.disbursement.conftest import *  # noqa: F403 (fixtures)
from tests.disbursement.conftest import login

pytestmark = pytest.mark.usefixtures("clock", "private_files")

ROOT = Path(__file__).resolve().parents[2]
TEST_SIGNER = "长宁区科学技术委员会(测试证书)"


@pytest.fixture
def recognition_pdf(client, award, alice) -> bytes:
    response = login(client, alice).get(
        reverse("applications:document", args=[award.application.pk, "recognition"])
    )
    assert response.status_code == 200
    return response.content


def status_of(content: bytes):
    trust = ValidationContext(trust_roots=[load_cert_from_pemder(settings.DOCUMENT_SIGNING_CERT)])
    signatures = PdfFileReader(BytesIO(content)).embedded_signatures
    assert len(signatures) == 1
    return validate_pdf_signature(signatures[0], trust)


def test_a_document_carries_the_commissions_signature_and_it_verifies(recognition_pdf):
    status = status_of(recognition_pdf)
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.subject.native["common_name"] == TEST_SIGNER


def test_changing_one_byte_of_the_signed_document_breaks_the_signature(recognition_pdf):
    tampered = bytearray(recognition_pdf)
    tampered[len(tampered) // 3] ^= 0x01  # inside the signed byte range (the document body)
    status = status_of(bytes(tampered))
    assert not status.intact and not status.bottom_line


def test_a_document_is_tagged_in_chinese_with_its_title_shown(recognition_pdf):
    reader = PdfReader(BytesIO(recognition_pdf))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "zh-CN"
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    assert "认定通知" in reader.metadata.title


def test_the_pages_that_offer_documents_say_they_are_signed_and_by_whom(client, award, alice):
    page = (
        login(client, alice).get(reverse("applications:detail", args=[award.application.pk])).content.decode()
    )
    assert f"PDF 文件已由“{TEST_SIGNER}”数字签名" in page


def test_without_a_certificate_documents_are_unsigned_and_the_page_says_so(client, award, alice, settings):
    settings.DOCUMENT_SIGNING_KEY = settings.DOCUMENT_SIGNING_CERT = ""
    content = login(client, alice).get(
        reverse("applications:document", args=[award.application.pk, "recognition"])
    )
    assert PdfFileReader(BytesIO(content.content)).embedded_signatures == []
    page = client.get(reverse("applications:detail", args=[award.application.pk])).content.decode()
    assert "PDF 文件未经数字签名。" in page


def test_the_demo_certificate_says_demo_and_is_made_once(tmp_path):
    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    signing.self_signed(key, cert)
    assert "演示" in load_cert_from_pemder(str(cert)).subject.native["common_name"]
    assert oct(key.stat().st_mode & 0o777) == "0o600"


def test_the_demo_certificate_command_refuses_outside_the_demo(tmp_path):
    """Bad use of a command: exit 2 and one line on stderr, no traceback."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "changning_ai.settings",
        "SECRET_KEY": "x" * 50,
        "PORTAL_URL": "https://ai.example.gov.cn",
        "DATABASE_URL": "sqlite://:memory:",
        "DOCUMENT_SIGNING_KEY": str(tmp_path / "k.pem"),
        "DOCUMENT_SIGNING_CERT": str(tmp_path / "c.pem"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "demo_signing_certificate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "演示证书只用于演示环境" in result.stderr
    assert not (tmp_path / "k.pem").exists()

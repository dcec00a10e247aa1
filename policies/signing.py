"""Digital signatures on the official documents (PAdES, pyHanko).

Every PDF render_pdf makes is signed with the commission's key and certificate when the environment
names them (DOCUMENT_SIGNING_KEY / DOCUMENT_SIGNING_CERT, PEM files; DOCUMENT_SIGNING_PASSPHRASE if the
key is encrypted). A reader's PDF viewer then shows who signed and that not one byte changed since.
`make run` creates a self-signed demo certificate whose name says 演示 (manage.py demo_signing_certificate);
a production host installs the commission's own. Without them documents are unsigned and the pages that
offer them say so.

No Django import at module level: the test settings create their certificate with `self_signed` before
Django is set up.
"""

from __future__ import annotations

import datetime
from functools import cache
from io import BytesIO
from pathlib import Path

DEMO_SIGNER = "长宁区科学技术委员会(演示证书,不具法律效力)"


def self_signed(
    key_path: Path,
    cert_path: Path,
    common_name: str = DEMO_SIGNER,
    days: int = 3650,
    dns_names: tuple[str, ...] = (),
) -> None:
    """A key and a self-signed certificate for signing documents (demo and tests only); with `dns_names`,
    also fit for a test's TLS server of those names (tests/operations/nginx_site.py)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "长宁区科学技术委员会"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    builder = x509.CertificateBuilder()
    if dns_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in dns_names]), critical=False
        )
    certificate = (
        builder.subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def _configured() -> tuple[str, str, str] | None:
    from django.conf import settings

    key, cert = settings.DOCUMENT_SIGNING_KEY, settings.DOCUMENT_SIGNING_CERT
    if not key or not cert:
        return None
    return key, cert, settings.DOCUMENT_SIGNING_PASSPHRASE


@cache
def _signer(key: str, cert: str, passphrase: str):
    from pyhanko.sign import signers

    return signers.SimpleSigner.load(key, cert, key_passphrase=passphrase.encode() if passphrase else None)


def signer_name() -> str:
    """Who signs the documents (the certificate's common name), or '' when documents are not signed."""
    configured = _configured()
    if configured is None:
        return ""
    certificate = _signer(*configured).signing_cert
    return certificate.subject.native.get("common_name", "") or certificate.subject.human_friendly


@cache
def _bytes_reserved(key: str, cert: str, passphrase: str) -> int:
    """Room for the signature in the PDF (hex digits), found once per process by a dry run, as pyHanko
    would otherwise do before every signature (~40% of its time). The container holds the same
    certificate and attributes every time and only the ECDSA value varies by a few bytes; the margin is
    pyHanko's own (+50%)."""
    import asyncio
    import hashlib

    signer = _signer(key, cert, passphrase)
    container = asyncio.run(
        signer.async_sign(hashlib.sha256().digest(), "sha256", use_pades=True, dry_run=True)
    )
    size = len(container.dump()) * 2
    return size + 2 * (size // 4)


def sign(pdf: bytes, *, title: str) -> bytes:
    """The PDF with the commission's signature added as an incremental update; unchanged if none is set."""
    configured = _configured()
    if configured is None:
        return pdf
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    metadata = signers.PdfSignatureMetadata(
        field_name="CommissionSignature",
        reason=f"{title}(正式文件)",
        location="上海市长宁区",
        name=signer_name(),
    )
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(BytesIO(pdf)),
        metadata,
        signer=_signer(*configured),
        bytes_reserved=_bytes_reserved(*configured),
    )
    return out.getvalue()

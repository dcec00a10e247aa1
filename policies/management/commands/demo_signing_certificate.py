"""Create the demo key and self-signed certificate that `make run` signs documents with.

The certificate's name says 演示 and 不具法律效力, so a demo document can never pass for an official one.
Only in DEBUG or DEMO_MODE; an existing pair is kept (documents signed earlier still verify).
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from policies.signing import self_signed


class Command(BaseCommand):
    help = "创建演示用的文件签名密钥和自签名证书(仅演示环境)。"

    def handle(self, *args, **options) -> None:
        if not (settings.DEBUG or settings.DEMO_MODE):
            raise CommandError(
                "演示证书只用于演示环境(DEBUG 或 DEMO_MODE)。生产环境请配置区科委的证书。", returncode=2
            )
        key, cert = settings.DOCUMENT_SIGNING_KEY, settings.DOCUMENT_SIGNING_CERT
        if not key or not cert:
            raise CommandError(
                "请设置 DOCUMENT_SIGNING_KEY 和 DOCUMENT_SIGNING_CERT(make run 会设置)。", returncode=2
            )
        if Path(key).exists() and Path(cert).exists():
            self.stdout.write(f"演示签名证书已存在:{cert}")
            return
        self_signed(Path(key), Path(cert))
        self.stdout.write(f"已创建演示签名证书:{cert}")

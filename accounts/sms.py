"""Text messages through a pluggable backend, in the manner of Django's e-mail backends.

    send_sms(to="13800138000", message="…")

settings.SMS_BACKEND names the class:
- `accounts.sms.ConsoleSmsBackend` (make run, tests): writes each message to the log and appends it to
  `outbox`, as django.core.mail.outbox does for e-mail, so a test reads the code a person would receive.
- `accounts.sms.HttpSmsBackend` (production, chosen when SMS_URL is set): POSTs
  {"to": "13800138000", "message": "…", "sign": "长宁区科委"} as JSON to SMS_URL with
  `Authorization: Bearer SMS_TOKEN`. The provider's own SDK (阿里云, 腾讯云 …) lives behind that URL (a
  small gateway), so the portal holds no provider's credentials or signature scheme.
A backend raises SmsError when the message was not accepted; the Celery task retries.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsMessage:
    to: str
    message: str


# What the console backend "sent", oldest first; tests empty it as Django empties mail.outbox.
outbox: list[SmsMessage] = []


class SmsError(Exception):
    """The provider did not accept the message."""


class BaseSmsBackend:
    def send(self, message: SmsMessage) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    def send(self, message: SmsMessage) -> None:
        # The log line is what a developer running `make run` reads the code from.
        logger.warning("SMS to %s: %s", message.to, message.message)
        outbox.append(message)


class HttpSmsBackend(BaseSmsBackend):
    def send(self, message: SmsMessage) -> None:
        if not settings.SMS_URL.startswith(("https://", "http://")):
            raise SmsError("SMS_URL must be an http(s) URL")  # never file:// or another urllib scheme
        body = json.dumps(
            {"to": message.to, "message": message.message, "sign": settings.SMS_SIGN_NAME},
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            settings.SMS_URL,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {settings.SMS_TOKEN}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_TIMEOUT) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            raise SmsError(f"SMS gateway answered {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"SMS gateway unreachable: {exc}") from exc
        if not 200 <= status < 300:
            raise SmsError(f"SMS gateway answered {status}")


def get_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(*, to: str, message: str) -> None:
    get_backend().send(SmsMessage(to=to, message=message))

"""Verification codes: sent by SMS (a mobile number) or e-mail (an address), checked once.

    issue_code(purpose=VerificationCode.Purpose.SIGNUP, target="13800138000")
    verify_code(purpose=..., target=..., code="123456")   # ValidationError unless right, fresh and unused

- 6 digits from `secrets`; stored only as an HMAC (models.VerificationCode); compared in constant time.
- Valid VERIFICATION_CODE_TTL_SECONDS (5 minutes); a new code for the same purpose and target ends the
  older ones, so only the last message a person received works.
- VERIFICATION_CODE_MAX_ATTEMPTS wrong tries end the code: six digits cannot be guessed within them.
- Every send, wrong try and use is in the audit log, the target masked.
- How often codes may be asked for is the views' business (rate limits per target and per client,
  changning_ai.ratelimit); this module never refuses to send.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit

from .models import VerificationCode

CODE_DIGITS = 6


def code_hash(*, purpose: str, target: str, code: str) -> str:
    """Keyed with SECRET_KEY and bound to purpose and target: a sign-up code is no reset code, and the
    table alone does not give the codes back."""
    message = f"{purpose}\x00{target}\x00{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def mask(target: str) -> str:
    """What the audit log and the pages show of a number or address: 138****8000, a***@example.com."""
    if "@" in target:
        name, _at, domain = target.partition("@")
        return f"{name[:1]}***@{domain}"
    return f"{target[:3]}****{target[-4:]}" if len(target) >= 8 else "****"


def describe(row: VerificationCode) -> str:
    # Not the row itself as the audit object: its str() would put the whole number in the log.
    return f"#{row.pk} {row.purpose} {mask(row.target)}"


def issue_code(*, purpose: str, target: str) -> VerificationCode:
    """Make a new code for the target, end its older ones, and send it after commit (accounts.tasks)."""
    from .tasks import send_verification_code

    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = timezone.now()
    with transaction.atomic():
        VerificationCode.objects.filter(
            purpose=purpose, target=target, used_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
        row = VerificationCode.objects.create(
            purpose=purpose,
            target=target,
            code_hash=code_hash(purpose=purpose, target=target, code=code),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.VERIFICATION_CODE_TTL_SECONDS),
        )
        audit.record("verification_code_sent", detail=describe(row))
        minutes = max(1, settings.VERIFICATION_CODE_TTL_SECONDS // 60)
        message = _("您的验证码为 %(code)s,%(minutes)d 分钟内有效。如非本人操作,请忽略本消息。") % {
            "code": code,
            "minutes": minutes,
        }
        # The code travels in the task's arguments (the broker holds it until sent, minutes at most):
        # the database never has it in clear, so the task could not read it from a row.
        transaction.on_commit(
            lambda: send_verification_code.delay(target, str(message)),
            robust=True,
        )
    return row


def verify_code(*, purpose: str, target: str, code: str) -> VerificationCode:
    """Use the target's latest code if `code` is it; otherwise count the try and raise ValidationError.

    The try is counted in its own committed transaction before the error is raised, so a caller's
    rollback cannot give the guesser the try back.
    """
    code = (code or "").strip()
    now = timezone.now()
    with transaction.atomic():
        row = (
            VerificationCode.objects.select_for_update()
            .filter(purpose=purpose, target=target, used_at__isnull=True)
            .order_by("-created_at", "-pk")
            .first()
        )
        if row is None or row.expires_at <= now:
            error = ValidationError(_("验证码已失效,请重新获取。"), code="code_expired")
        elif row.attempts >= settings.VERIFICATION_CODE_MAX_ATTEMPTS:
            error = ValidationError(_("验证码错误次数过多,请重新获取。"), code="code_attempts")
        elif not hmac.compare_digest(row.code_hash, code_hash(purpose=purpose, target=target, code=code)):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            left = settings.VERIFICATION_CODE_MAX_ATTEMPTS - row.attempts
            if left > 0:
                error = ValidationError(
                    _("验证码不正确,还可尝试 %(left)d 次。") % {"left": left}, code="code_wrong"
                )
            else:
                error = ValidationError(_("验证码错误次数过多,请重新获取。"), code="code_attempts")
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
            audit.record("verification_code_used", detail=describe(row))
            return row
        audit.record(
            "verification_code_refused",
            result=audit.Result.DENIED,
            detail=f"{purpose} {mask(target)} {error.code}" + (f" #{row.pk}" if row else ""),
        )
    raise error

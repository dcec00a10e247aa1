"""The second factor (django-otp): a TOTP app on the phone, and ten one-time recovery codes.

Services for the pages in accounts.security_views. Staff must have one (OTP_REQUIRED_FOR_STAFF);
enterprise users may opt in and out. Every step is recorded in the audit trail.
"""

from __future__ import annotations

import re
import time
from base64 import b32encode
from binascii import unhexlify
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import devices_for_user
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from audit import services as audit

from .security import is_staff_member

RECOVERY_CODE_COUNT = 10
TOTP_DIGITS = 6
TOTP_STEP = 30
# TOTP codes one step early or late are accepted: phones' clocks drift.
TOTP_TOLERANCE = 1
WRONG_CODE = gettext_lazy("验证码不正确或已过期,请重新输入。")


# ---------------------------------------------------------------- enrolment


def new_secret() -> str:
    """A TOTP key (hex, 20 random bytes), kept in the session until the user confirms it with a code."""
    return random_hex(20)


def secret_for_manual_entry(hex_key: str) -> str:
    """The key as authenticator apps ask for it: base32, in groups of four."""
    text = b32encode(unhexlify(hex_key)).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def provisioning_uri(user, hex_key: str) -> str:
    """otpauth:// URI (the Key Uri Format that authenticator apps read from the QR code)."""
    issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
    label = f"{issuer}:{user.get_username() if is_staff_member(user) else _login_name(user)}"
    params = urlencode(
        {"secret": b32encode(unhexlify(hex_key)).decode(), "digits": TOTP_DIGITS, "period": TOTP_STEP}
    )
    return f"otpauth://totp/{quote(label)}?{params}&issuer={quote(issuer)}"


def _login_name(user) -> str:
    # Applicants' usernames are random; the app should show what they log in with.
    return user.email or user.mobile or user.get_username()


def qr_data_uri(uri: str) -> str:
    """The QR code as an SVG data: URI for an <img> (the Content-Security-Policy allows data: images,
    no inline markup or script is needed)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#000", light="#fff")


def _totp_match(hex_key: str, code: str) -> TOTP | None:
    """The TOTP state (its step and drift) at which the code matches the key, or None."""
    if not re.fullmatch(rf"\d{{{TOTP_DIGITS}}}", code):
        return None
    totp = TOTP(unhexlify(hex_key), TOTP_STEP, 0, TOTP_DIGITS, 0)
    totp.time = time.time()
    return totp if totp.verify(int(code), TOTP_TOLERANCE) else None


def enrol(*, user, hex_key: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the app with its first code: the user's TOTP device is (re)placed by this one and ten new
    recovery codes replace any old ones. Returns the device and the codes, which are shown once."""
    match = _totp_match(hex_key, normalize_code(code))
    if match is None:
        audit.record("2fa.enrol", obj=user, result=audit.Result.FAILURE, detail=_("绑定时验证码不正确"))
        raise ValidationError(WRONG_CODE, code="wrong_code")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        # last_t: the code just typed cannot be used again to log in.
        device = TOTPDevice.objects.create(
            user=user,
            name="身份验证器",
            key=hex_key,
            step=TOTP_STEP,
            digits=TOTP_DIGITS,
            tolerance=TOTP_TOLERANCE,
            confirmed=True,
            drift=match.drift,
            last_t=match.t(),
        )
        codes = _replace_recovery_codes(user)
        audit.record(
            "2fa.enrol", obj=user, detail=_("绑定身份验证器,生成 %(n)d 个恢复码") % {"n": len(codes)}
        )
    return device, codes


def _replace_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="恢复码", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def regenerate_recovery_codes(*, user) -> list[str]:
    """Ten new codes; the old ones stop working. Only for a user with an app enrolled."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise PermissionDenied(_("请先绑定身份验证器。"))
    with transaction.atomic():
        codes = _replace_recovery_codes(user)
        audit.record("2fa.recovery_codes", obj=user, detail=_("重新生成恢复码,原有恢复码作废"))
    return codes


def is_required(user) -> bool:
    """Staff must keep a second factor; enterprises choose."""
    return bool(settings.OTP_REQUIRED_FOR_STAFF and is_staff_member(user))


def disable(*, user) -> None:
    """Turn the second factor off: enterprises only (staff must keep it, OTP_REQUIRED_FOR_STAFF)."""
    if is_required(user):
        raise PermissionDenied(_("工作人员必须使用两步验证,不能关闭。"))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit.record("2fa.disable", obj=user, detail=_("关闭两步验证"))


def status(user) -> dict[str, object]:
    """What the overview page shows."""
    return {
        "enrolled": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "recovery_codes_left": StaticToken.objects.filter(device__user=user, device__confirmed=True).count(),
        "required": is_required(user),
    }


# ---------------------------------------------------------------- verification


def normalize_code(code: str) -> str:
    """Spaces and hyphens dropped, lower case: "123 456", "ABCD-EFGH" are typed as shown."""
    return re.sub(r"[\s\-]", "", code or "").lower()


def verify(*, user, code: str):
    """The device that accepts the code (a TOTP code from the app, or an unused recovery code, which is
    used up), or ValidationError. Wrong codes are counted by django-otp's throttling: after each failure
    the next attempt must wait twice as long (1, 2, 4, 8 … seconds), whatever the code."""
    code = normalize_code(code)
    model = TOTPDevice if re.fullmatch(rf"\d{{{TOTP_DIGITS}}}", code) else StaticDevice
    throttled = False
    accepted = None
    with transaction.atomic():
        devices = [d for d in devices_for_user(user, confirmed=True, for_verify=True) if isinstance(d, model)]
        throttled = any(not d.verify_is_allowed()[0] for d in devices)
        if not throttled and code:
            # A wrong code increments the devices' failure counts (committed with this block).
            accepted = next((d for d in devices if d.verify_token(code)), None)
    if throttled:
        audit.record("2fa.verify", obj=user, result=audit.Result.DENIED, detail=_("错误次数过多,暂被限制"))
        raise ValidationError(_("验证码错误次数过多,请稍等片刻再试。"), code="throttled")
    if accepted is None:
        audit.record("2fa.verify", obj=user, result=audit.Result.FAILURE, detail=_("验证码不正确"))
        raise ValidationError(WRONG_CODE, code="wrong_code")
    audit.record("2fa.verify", obj=user, detail=_("两步验证通过"))
    if isinstance(accepted, StaticDevice):
        audit.record(
            "2fa.recovery_code_used",
            obj=user,
            detail=_("使用了一个恢复码,剩余 %(n)d 个") % {"n": accepted.token_set.count()},
        )
    return accepted


def readable_code(code: str) -> str:
    """A recovery code as shown: "abcd-efgh"."""
    return f"{code[:4]}-{code[4:]}"

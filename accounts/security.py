"""Account security rules shared by the middleware, the login views and the tests (issue 7, 等级保护 2.0).

The session carries what the middleware needs on every request, so an ordinary page view runs no extra
query: when the user was last seen, when they last proved who they are (password, or password and code),
whether this login needs the second factor and whether a staff password has expired. Both flags are set
at login and recomputed at most once a minute, when `last_seen` is refreshed.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models import Max, Sum
from django.dispatch import receiver
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from changning_ai.groups import group_names

from .roles import STAFF_ROLES

# Session keys (epoch seconds for the times).
LAST_SEEN = "last_seen"
AUTH_AT = "auth_at"
OTP_REQUIRED = "otp_required"
PASSWORD_EXPIRED = "password_expired"  # noqa: S105 (a session key, not a password)


def is_staff_member(user) -> bool:
    """Holds any staff role (区科委, experts, 区财政局, the three administrators) or is a Django staff
    account."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff:
        return True
    return bool(group_names(user) & {role.value for role in STAFF_ROLES})


def has_confirmed_device(user) -> bool:
    from django_otp import devices_for_user

    return any(True for _device in devices_for_user(user, confirmed=True))


def requires_second_factor(user) -> bool:
    """Staff always (OTP_REQUIRED_FOR_STAFF); an enterprise user once they enrolled a device (opt-in)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if settings.OTP_REQUIRED_FOR_STAFF and is_staff_member(user):
        return True
    return has_confirmed_device(user)


# ---------------------------------------------------------------- password age (staff)


def staff_password_max_age_days() -> int:
    from .models import SecurityPolicy

    # The administrator may only shorten the period (SecurityPolicy clamps it to its ceiling of 90 days).
    return min(SecurityPolicy.current().staff_password_max_age_days, settings.STAFF_PASSWORD_MAX_AGE_DAYS)


def password_expired(user, now: datetime | None = None) -> bool:
    """An initial password an administrator set, or a staff member's password older than the policy
    allows; applicants' own passwords never expire."""
    if user.must_change_password:
        return True
    changed = user.password_changed_at or user.date_joined
    age = (now or timezone.now()) - changed
    # The period is at least one day: a password set today needs neither the role check nor the policy.
    if age <= timedelta(days=1) or not is_staff_member(user):
        return False
    return age > timedelta(days=staff_password_max_age_days())


# ---------------------------------------------------------------- the session's security state


def start_secure_session(request, user) -> None:
    """At every login (the login page, sign-up, and the test client's force_login alike)."""
    now = int(time.time())
    request.session[LAST_SEEN] = now
    request.session[AUTH_AT] = now
    refresh_flags(request.session, user)


def refresh_flags(session, user) -> None:
    """Recompute the flags the middleware enforces: at login, then at most once a minute (so a role
    granted, a device enrolled elsewhere or a password that has just grown too old takes effect within a
    minute)."""
    session[OTP_REQUIRED] = requires_second_factor(user)
    session[PASSWORD_EXPIRED] = password_expired(user)


def mark_authenticated(request) -> None:
    """The user has just proved who they are again (second factor, re-authentication)."""
    request.session[AUTH_AT] = int(time.time())


@receiver(user_logged_in, dispatch_uid="accounts.security.start_secure_session")
def _on_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        start_secure_session(request, user)
    clear_login_failures(user.get_username())


# ---------------------------------------------------------------- lockout (django-axes)


def axes_username(request, credentials=None) -> str:
    """The account a login attempt is counted against. The typed identifier is read the way the login
    backend reads it (email case-insensitive, mobile without separators or +86), then mapped to the
    account's username, so "Wang@x.com", "wang@x.com" and the same person's mobile number are one account
    — and the count is reset when that account logs in (axes resets by `user.get_username()`). An
    identifier that matches nobody is counted under its normalised form."""
    from .models import normalize_email, normalize_mobile
    from .selectors import user_for_identifier

    typed = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD)
    if typed is None and request is not None:
        typed = request.POST.get(settings.AXES_USERNAME_FORM_FIELD, "")
    # No NUL byte reaches the lookup (PostgreSQL refuses it in a query): the rate limit's key calls this
    # before any form has validated the field.
    typed = str(typed or "").replace("\x00", "").strip()[:254]
    if not typed:
        return ""
    # axes asks several times per attempt; one lookup per request is enough.
    cache = request.__dict__.setdefault("_axes_usernames", {}) if request is not None else {}
    if typed not in cache:
        user = user_for_identifier(typed)
        if user is not None:
            cache[typed] = user.get_username()
        elif "@" in typed:
            cache[typed] = normalize_email(typed)
        else:
            cache[typed] = normalize_mobile(typed)
    return cache[typed]


def lockout_response(request, original_response=None, credentials=None, *args, **kwargs):
    """The lock page, in the portal's layout (axes' own answer is a line of English)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked.html", {"minutes": minutes}, status=403)


# ---------------------------------------------------------------- slowing an account down (issue 14)
#
# The lock is per account and client. Across clients — one attacker with many addresses, or many guessing
# one account — failures of an account slow it down instead: after LOGIN_DELAY_AFTER_FAILURES failures
# within the cool-off time, each further attempt must wait 1, 2, 4 … seconds (at most
# LOGIN_DELAY_MAX_SECONDS) after the last failure. A waiting attempt is refused before the password is
# checked, so it neither counts as a failure nor lengthens the wait. Counted in the cache (Redis in
# production, shared by every worker); a successful login clears it.


def _delay_key(account: str) -> str:
    # Hashed: the account is what was typed for an unknown one (any length, any character).
    return "login-failures:" + hashlib.sha256(account.encode("utf-8")).hexdigest()[:32]


def login_delay(account: str, now: float | None = None) -> int:
    """Seconds this account must still wait before its password is checked again (0: none)."""
    from django.core.cache import cache

    if not account:
        return 0
    failures, last = cache.get(_delay_key(account), (0, 0.0))
    excess = failures - settings.LOGIN_DELAY_AFTER_FAILURES
    if excess < 0:
        return 0
    wait = min(2**excess, settings.LOGIN_DELAY_MAX_SECONDS)
    remaining = last + wait - (time.time() if now is None else now)
    return max(0, int(remaining + 0.999))


def record_login_failure(account: str) -> None:
    from django.core.cache import cache

    if not account:
        return
    key = _delay_key(account)
    failures, _last = cache.get(key, (0, 0.0))
    cache.set(key, (failures + 1, time.time()), timeout=int(settings.AXES_COOLOFF_TIME.total_seconds()))


def clear_login_failures(account: str) -> None:
    from django.core.cache import cache

    cache.delete(_delay_key(account))


@receiver(user_login_failed, dispatch_uid="accounts.security.count_failure")
def _count_failure(sender, credentials=None, request=None, **kwargs) -> None:
    record_login_failure(axes_username(request, credentials))


# ---------------------------------------------------------------- the owner unlocks (issue 14)

UNLOCK_SALT = "accounts.unlock"


def unlock_token(user) -> str:
    """A link's token that lifts this account's login locks for a while (ACCOUNT_UNLOCK_LINK_MAX_AGE).
    It carries a keyed digest of the password hash, so a password changed since makes old links useless."""
    from django.core import signing

    return signing.dumps({"u": user.get_username(), "p": _password_mark(user)}, salt=UNLOCK_SALT)


def _password_mark(user) -> str:
    from django.utils.crypto import salted_hmac

    return salted_hmac(UNLOCK_SALT, user.password).hexdigest()[:20]


def user_for_unlock_token(token: str):
    """The account a valid, unexpired token was made for; None otherwise."""
    from django.core import signing

    from .models import User

    try:
        data = signing.loads(
            token, salt=UNLOCK_SALT, max_age=settings.ACCOUNT_UNLOCK_LINK_MAX_AGE.total_seconds()
        )
    except signing.BadSignature:
        return None
    user = User.objects.filter(username=data.get("u", ""), is_active=True).first()
    if user is None or _password_mark(user) != data.get("p"):
        return None
    return user


@receiver(user_locked_out, dispatch_uid="accounts.security.record_lockout")
def _record_lockout(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    from audit import services as audit

    failures = getattr(request, "axes_failures_since_start", None) or settings.AXES_FAILURE_LIMIT
    if failures > settings.AXES_FAILURE_LIMIT:
        detail = _("账户锁定期间再次尝试登录(锁定期重新计算)。")
    else:
        detail = _("连续 %(n)d 次登录失败,账户锁定 %(minutes)d 分钟。") % {
            "n": failures,
            "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        }
    audit.record(
        "account_locked",
        result=audit.Result.DENIED,
        user=None,
        username=str(username or "")[:150],
        ip_address=ip_address,
        detail=detail,
    )


@dataclass(frozen=True)
class LockedAccount:
    username: str  # what unlock() takes
    display: str  # the name the administrator knows the person by (the login name if nobody has it)
    ip_address: str  # the client the lock holds for (the lock is per account and client)
    failures: int
    last_attempt: datetime
    locked_until: datetime


def locked_usernames() -> list[LockedAccount]:
    """Locks in force now, one per account and client: AXES_FAILURE_LIMIT failures or more within the
    cool-off time, newest first. Counted as axes counts (attempts are per username, IP address and browser;
    their failures add up per account and address)."""
    from axes.models import AccessAttempt

    from .models import User

    cool_off = settings.AXES_COOLOFF_TIME
    rows = list(
        AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off)
        .exclude(username__isnull=True)
        .exclude(username="")
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last_attempt=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last_attempt")
    )
    people = {u.username: u for u in User.objects.filter(username__in=[row["username"] for row in rows])}
    return [
        LockedAccount(
            username=row["username"],
            display=people[row["username"]].display_name if row["username"] in people else row["username"],
            ip_address=row["ip_address"] or "",
            failures=row["failures"],
            last_attempt=row["last_attempt"],
            locked_until=row["last_attempt"] + cool_off,
        )
        for row in rows
    ]


def unlock(username: str, *, by_owner=None, detail: str = "") -> int:
    """Lift every lock on one account (the security administrator's page, the break-glass command, or the
    owner: `by_owner`, with how they proved it in `detail`); returns the attempts removed. Recorded in the
    audit trail under the current actor, or under the owner."""
    from axes.utils import reset

    from audit import services as audit

    removed = reset(username=username) if username else 0
    clear_login_failures(username)
    if by_owner is not None:
        audit.record("account_unlocked", user=by_owner, detail=detail or _("本人通过邮件链接解除账户锁定"))
    else:
        audit.record("account_unlocked", detail=_("解除账户锁定:%(username)s") % {"username": username})
    return removed


def unlock_with_code(*, identifier: str, code: str) -> bool:
    """The owner lifts their account's locks with their second factor (issue 14, finding 2): a lock stops
    password guesses, and the code proves what a guesser of passwords does not hold. The code is checked by
    two_factor.verify — django-otp's growing wait after each wrong code, a recovery code used up, a
    `2fa.verify` record either way — and only for an active account with a confirmed device; every refusal
    is one `unlock_code` failure record with the identifier typed, and the same False for the page, so it
    tells nobody which accounts exist or have a device."""
    from django.core.exceptions import ValidationError

    from audit import services as audit

    from . import two_factor

    user = user_for_identifier(identifier)
    if user is not None and user.is_active and has_confirmed_device(user):
        try:
            two_factor.verify(user=user, code=code)
        except ValidationError:
            pass
        else:
            unlock(user.get_username(), by_owner=user, detail=_("本人通过两步验证码解除账户锁定"))
            return True
    audit.record(
        "unlock_code",
        result=audit.Result.FAILURE,
        username=identifier[:150],
        detail=_("用两步验证码解除登录锁定未成功"),
    )
    return False


def user_for_identifier(identifier: str):
    from .selectors import user_for_identifier as find

    return find(identifier)


def send_unlock_link(user) -> None:
    """E-mail the unlock link to the account's registered address (never to an address typed in)."""
    from django.urls import reverse

    from .notify import notify_address

    token = unlock_token(user)
    minutes = int(settings.ACCOUNT_UNLOCK_LINK_MAX_AGE.total_seconds() // 60)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("解除登录锁定")
        body = _(
            "您的账户因多次登录失败被锁定。如是您本人,请在 %(minutes)d 分钟内打开下面的链接解除锁定。"
            "如果不是您本人在尝试登录,请打开链接解锁后立即修改密码,并联系区科委。"
        ) % {"minutes": minutes}
    notify_address(
        event="account.unlock_link",
        key=token[-40:],
        address=user.email,
        subject=subject,
        body=body,
        url=reverse("accounts:unlock_confirm", args=[token]),
    )

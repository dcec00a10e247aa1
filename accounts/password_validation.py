"""Password rules in the portal's language (等级保护 2.0 level 3: at least 8 characters, three of the four
character classes, not the user's own identifiers, not a common password).

The length and the number of classes come from SecurityPolicy.current(), which the security administrator
may tighten but never loosen below the floor; the OPTIONS in settings are a floor as well.

Django 5.2's MinimumLengthValidator formats its message with "%d", but the zh_Hans catalogue it ships
still translates the old "%(min_length)d" text, so the message would show in English on a Chinese page.
"""

from __future__ import annotations

import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def _policy():
    from .models import SecurityPolicy

    return SecurityPolicy.current()


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """At least the policy's length (never fewer than 8 characters)."""

    FLOOR = 8

    def __init__(self, min_length: int = FLOOR) -> None:
        super().__init__(min_length=max(min_length, self.FLOOR))

    def effective_min_length(self) -> int:
        return max(self.min_length, _policy().password_min_length)

    def validate(self, password, user=None) -> None:
        # The instance is shared (Django caches the validators): the policy is read, never stored on it.
        needed = self.effective_min_length()
        if len(password) < needed:
            raise ValidationError(
                self.get_error_message(needed), code="password_too_short", params={"min_length": needed}
            )

    def get_error_message(self, min_length: int | None = None) -> str:
        n = self.min_length if min_length is None else min_length
        return ngettext(
            "密码太短,至少需要 %(min_length)d 个字符。",
            "密码太短,至少需要 %(min_length)d 个字符。",
            n,
        ) % {"min_length": n}

    def get_help_text(self) -> str:
        n = self.effective_min_length()
        return ngettext("密码至少 %(min_length)d 个字符。", "密码至少 %(min_length)d 个字符。", n) % {
            "min_length": n
        }


def character_classes(password: str) -> set[str]:
    """Which of upper case, lower case, digits and symbols the password uses. Any character that is not a
    cased letter or a digit (punctuation, a space, a Chinese character) counts as a symbol."""
    found = set()
    for char in password:
        if char.isupper():
            found.add("upper")
        elif char.islower():
            found.add("lower")
        elif char.isdigit():
            found.add("digit")
        else:
            found.add("symbol")
    return found


class CharacterClassValidator:
    """At least N of the four classes: upper-case letters, lower-case letters, digits, symbols."""

    FLOOR = 3

    def __init__(self, min_classes: int = FLOOR) -> None:
        self.min_classes = min(4, max(min_classes, self.FLOOR))

    def effective_min_classes(self) -> int:
        return min(4, max(self.min_classes, _policy().password_min_classes))

    def validate(self, password, user=None) -> None:
        needed = self.effective_min_classes()
        found = len(character_classes(password))
        if found < needed:
            raise ValidationError(
                _(
                    "密码须包含大写字母、小写字母、数字、符号四类中的至少 %(needed)d 类"
                    "(现在只有 %(found)d 类)。"
                ),
                code="password_too_few_classes",
                params={"needed": needed, "found": found},
            )

    def get_help_text(self) -> str:
        return _("须包含大写字母、小写字母、数字、符号四类中的至少 %(needed)d 类。") % {
            "needed": self.effective_min_classes()
        }


class UserIdentifierValidator:
    """Not the user's own login names: the password may neither equal nor contain (ignoring case) the
    username, the part of the email address before the @, or the mobile number. Parts shorter than
    four characters are refused only as the whole password: containing "li" is no weakness."""

    MIN_CONTAINED = 4

    def validate(self, password, user=None) -> None:
        if user is None:
            return
        lowered = password.lower()
        email = (getattr(user, "email", "") or "").lower()
        mobile = re.sub(r"\D", "", getattr(user, "mobile", "") or "")
        checks = [
            (
                getattr(user, "username", "") or "",
                _("密码不能与用户名相同,也不能包含用户名。"),
                "password_has_username",
            ),
            (email.partition("@")[0], _("密码不能包含邮箱地址中 @ 前面的部分。"), "password_has_email"),
            (mobile, _("密码不能包含手机号码。"), "password_has_mobile"),
        ]
        for value, message, code in checks:
            value = value.lower()
            if value and (lowered == value or (len(value) >= self.MIN_CONTAINED and value in lowered)):
                raise ValidationError(message, code=code)

    def get_help_text(self) -> str:
        return _("不能包含您的用户名、邮箱地址 @ 前面的部分或手机号码。")


def password_rules_text() -> str:
    """One sentence for the password fields of sign-up, reset and change, with the current policy."""
    from .models import SecurityPolicy

    policy = SecurityPolicy.current()
    return _(
        "至少 %(length)d 位,包含大写字母、小写字母、数字、符号四类中的至少 %(classes)d 类;"
        "不能过于常见,不能包含手机号、邮箱或用户名。"
    ) % {"length": policy.password_min_length, "classes": policy.password_min_classes}

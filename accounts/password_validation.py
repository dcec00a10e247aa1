"""Password rules in the portal's language.

Django 5.2's MinimumLengthValidator formats its message with "%d", but the zh_Hans catalogue it ships
still translates the old "%(min_length)d" text, so the message would show in English on a Chinese page.
"""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "密码太短,至少需要 %(min_length)d 个字符。",
            "密码太短,至少需要 %(min_length)d 个字符。",
            self.min_length,
        ) % {"min_length": self.min_length}

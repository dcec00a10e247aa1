from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("用户与单位")

    def ready(self) -> None:
        from audit import names

        from . import checks, security  # noqa: F401  (registers the deploy check; connects the login receivers)
        from .roles import Role

        names.register_roles(Role.choices)  # the audit pages name roles in words, not codes

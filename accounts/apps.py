from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("用户与单位")

    def ready(self) -> None:
        from audit import names

        from . import security  # noqa: F401  (connects the login and lockout receivers)
        from .roles import Role

        names.register_roles(Role.choices)  # the audit pages name roles in words, not codes

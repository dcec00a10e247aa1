from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The tamper-evident audit trail (等级保护 2.0 安全审计). The lowest app: every other app writes to
    it, it imports none of them."""

    name = "audit"
    verbose_name = _("审计日志")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the login/logout and model-change receivers)

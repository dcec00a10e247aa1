from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Running the portal: backup and restore, health and readiness, the deployment smoke test. The top room
    (DESIGN.md): it may import every app, and nothing imports it."""

    name = "operations"
    verbose_name = _("运维")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdministrationConfig(AppConfig):
    """The system and security administrators' pages (等级保护 三权分立). The highest app: it manages
    accounts through their models and reaches roles through reviews.access, and nothing imports it.
    The audit administrator's pages live in the audit app itself (/audit/)."""

    name = "administration"
    verbose_name = _("管理员(三权分立)")

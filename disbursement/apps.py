from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisbursementConfig(AppConfig):
    name = "disbursement"
    verbose_name = _("资金拨付")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (keeps the installments' copy of the organisation's name)

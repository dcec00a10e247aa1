"""`manage.py check --deploy`: a production portal whose verification codes would only reach the log."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def sms_backend_check(app_configs, **kwargs) -> list[Warning]:
    if not settings.DEBUG and settings.SMS_BACKEND == "accounts.sms.ConsoleSmsBackend":
        return [
            Warning(
                "SMS_BACKEND is the console backend: verification codes are only written to the log.",
                hint="Set SMS_URL (and SMS_TOKEN) to the SMS gateway, or SMS_BACKEND to a real backend.",
                id="accounts.W001",
            )
        ]
    return []

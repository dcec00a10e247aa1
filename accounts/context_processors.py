"""The header's unread count."""

from functools import cache

from django.http import HttpRequest

from .models import Notification


def inbox(request: HttpRequest) -> dict[str, object]:
    """`unread_count`: one COUNT query, run only if the template asks for it (templates call callables),
    once however often it is asked (cached), and never for an anonymous visitor."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def unread_count() -> int:
        return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

    return {"unread_count": unread_count}

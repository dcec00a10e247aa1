"""The figures typed in the calculator before signing up, offered back where the new user lands."""

from django import template

from applications.calculator_session import remembered

register = template.Library()


@register.inclusion_tag("applications/_calculator_kept.html", takes_context=True)
def calculator_kept(context) -> dict:
    request = context.get("request")
    kept = remembered(request) if request is not None and request.user.is_authenticated else None
    return {"kept": kept}

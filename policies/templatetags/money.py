"""The one way the portal shows money: ¥1,234,567.89 (STYLE.md 6).

`{{ amount|yuan }}` takes yuan (a Decimal, or the string the engine's JSON carries);
`{{ amount_fen|fen_yuan }}` takes the integer fen the database stores. `{{ amount|yuan:"bare" }}` drops
the symbol, for places that set it in its own element (the calculator's result).
"""

from decimal import Decimal, InvalidOperation

from django import template

from policies import rules

register = template.Library()


@register.filter
def yuan(value: object, style: str = "") -> str:
    if value is None or value == "":
        return ""
    try:
        # Text is read by the engine's own reader, so a fact typed as "200万" or "２，０００" shows as
        # the amount it means (issue 15), exactly as the engine counts it.
        amount = value if isinstance(value, Decimal) else rules.read_number(value, money=True)
    except (InvalidOperation, ValueError):
        # A template must never fail on a bad figure; an empty cell is the honest output.
        return ""
    if not amount.is_finite():
        return ""
    try:
        amount = rules.round_fen(amount)
    except InvalidOperation:
        return ""  # beyond the precision of the context (a hostile 10^30): no figure rather than an error
    sign = "-" if amount < 0 else ""
    digits = f"{abs(amount):,.2f}"
    return f"{sign}{digits}" if style == "bare" else f"{sign}¥{digits}"


@register.filter
def fen_yuan(value: object, style: str = "") -> str:
    if value is None or value == "" or isinstance(value, bool):
        return ""
    try:
        fen = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""
    return yuan(rules.fen_to_yuan(fen), style)

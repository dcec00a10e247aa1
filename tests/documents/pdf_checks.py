"""What no official document may print: checked on the text read back from every PDF the portal makes.

A template's own syntax ({# … #} that Django printed because it spans lines, {% %}, {{ }}), a None
where a value was missing, an amount printed raw (2000000 元 instead of 2,000,000.00), and English in a
document that is Chinese whatever the visitor's language.
"""

from __future__ import annotations

import re

TEMPLATE_SYNTAX = ("{#", "#}", "{%", "%}", "{{", "}}")
# Five or more digits with no thousands separator before 元 (the money filters always group).
RAW_AMOUNT = re.compile(r"(?<![\d,.])\d{5,}(?:\.\d+)?\s*元")
# Two English words in a row: a sentence left untranslated (single tokens such as a username, a
# USCC or a document number are data, not language).
ENGLISH = re.compile(r"\b[A-Za-z]{3,}\s+[A-Za-z]{3,}\b")


def problems(raw_text: str) -> list[str]:
    """Every artefact found in a PDF's extracted text (spaces and line breaks as pypdf gives them)."""
    found = [f"template syntax {token!r}" for token in TEMPLATE_SYNTAX if token in raw_text]
    if "None" in raw_text:
        found.append("'None' printed")
    found += [f"raw amount {match!r}" for match in RAW_AMOUNT.findall(raw_text.replace("\n", ""))]
    found += [f"English {match!r}" for match in ENGLISH.findall(raw_text)]
    return found


def assert_official(raw_text: str) -> None:
    assert not problems(raw_text), problems(raw_text)

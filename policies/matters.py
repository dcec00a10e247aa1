"""Art. 10(2) 同一事项不重复享受: what "the same matter" is, so the ledgers compare like with like.

A matter is what an application is about (a project, contract, certificate, event, policy). Enterprises type
it, so "M-X", "m-x", "Ｍ－Ｘ" and " m  x " are one matter (the ruling of 2026-12-02): matters are compared by
`normalise`. For items with a yearly window the year belongs to the matter (the same contract's costs in
another year are another matter), and the rent items share one matter per rent year whatever is typed: 6.1a,
6.1b and 6.1c for the same year's rent are the same matter.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import PolicyItem

# Punctuation that enterprises use interchangeably inside references: all of it is dropped, so
# "CN-AI/2025·01", "CN AI 2025 01" and "cnai202501" compare equal. NFKC has already turned the full-width
# forms (－, ／, ，…) into these.
_PUNCTUATION = re.compile(r"[\s\-‐‑‒–—―_/\\.,;:·・、,。;:'\"“”‘’`()\[\]{}()【】《》〈〉<>#&+*|~!?!?]+")


def normalise(text: str) -> str:
    """The form a matter reference is compared in: NFKC (full-width → half-width), case folded, punctuation
    and spaces removed."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return _PUNCTUATION.sub("", text)


def matter_key(*, item: PolicyItem, matter_ref: str, year: int | None) -> str:
    """The key Art. 10(2) compares: the item's shared matter (rent) or the normalised reference, with the year
    for items whose matter is yearly. Empty when there is nothing to compare."""
    base = normalise(item.shared_matter or matter_ref)
    if not base:
        return ""
    if item.matter_by_year and year:
        return f"{base}#{year}"
    return base


def similarity(a: str, b: str) -> float:
    """How alike two normalised matters are, 0–1 (difflib's ratio)."""
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b).ratio()


def are_near(a: str, b: str, *, threshold: float = 0.6) -> bool:
    """Possibly the same matter, told apart only by a typo, a prefix or a year: shown to staff, never
    deducted automatically. Equal keys are not "near": they are the same matter."""
    if not a or not b or a == b:
        return False
    base_a = a.partition("#")[0]
    base_b = b.partition("#")[0]
    if base_a == base_b:
        return True  # the same reference in another year
    if len(base_a) >= 4 and len(base_b) >= 4 and (base_a in base_b or base_b in base_a):
        return True
    return similarity(base_a, base_b) >= threshold

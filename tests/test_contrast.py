"""Contrast of controls and of the focus ring, computed from static/css/portal.css (issue 16, item 7).

WCAG 2.1 1.4.11 (non-text contrast) and 2.4.7 (focus visible): a control's edge and the focus indicator stand
at least 3:1 against what is next to them. The ratios use WCAG's relative-luminance formula on the colours
the stylesheet declares, so a change of palette that breaks them fails here, before any audit.
"""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parent.parent / "static" / "css" / "portal.css").read_text(encoding="utf-8")

# Rules as (selectors, declarations), in file order; comments dropped. @media wrappers are skipped over, so
# their inner rules count too (they only ever narrow, never recolour, in this stylesheet).
_RULES = [
    ([s.strip() for s in sel.split(",")], body)
    for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", re.sub(r"/\*.*?\*/", "", CSS, flags=re.S))
]


def declared(selector: str, prop: str) -> str:
    """The last value the stylesheet gives `prop` (or its shorthand's colour) in a rule naming `selector`."""
    value = None
    for selectors, body in _RULES:
        if selector not in selectors:
            continue
        for name, val in re.findall(r"([\w-]+)\s*:\s*([^;]+)", body):
            if name == prop or (prop.endswith("-color") and name == prop[: -len("-color")]):
                colour = re.search(r"#[0-9a-fA-F]{3,6}\b|var\(--[\w-]+\)", val)
                if colour:
                    value = colour.group(0)
    assert value is not None, f"{selector} declares no {prop}"
    return resolve(value)


def resolve(value: str) -> str:
    match = re.fullmatch(r"var\((--[\w-]+)\)", value.strip())
    if not match:
        return value.strip()
    found = re.findall(re.escape(match.group(1)) + r"\s*:\s*([^;]+);", CSS)
    assert found, f"{match.group(1)} is not defined"
    return resolve(found[-1])  # the later :root wins, as in the browser


def luminance(colour: str) -> float:
    hex_digits = colour.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(c * 2 for c in hex_digits)
    channels = []
    for i in (0, 2, 4):
        c = int(hex_digits[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_formula_gives_wcag_reference_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    # The audit's two findings, reproduced: the old ring and the old small-button edge.
    assert contrast("#ffbf47", "#ffffff") == pytest.approx(1.64, abs=0.01)


WHITE = "#ffffff"
PAGE_BACKGROUNDS = {
    "page": resolve("var(--color-bg)"),
    "panel": resolve("var(--color-bg-alt)"),
    "warning notice": resolve("var(--color-warn-bg)"),
    "info notice": "#ddf4ff",
    "success notice": "#dafbe1",
    "error notice": "#ffebe9",
}


@pytest.mark.parametrize("where", sorted(PAGE_BACKGROUNDS))
def test_the_focus_ring_stands_out_on_every_page_background(where):
    ring = declared(":focus-visible", "outline-color")
    assert contrast(ring, PAGE_BACKGROUNDS[where]) >= 3, where


def test_the_focus_ring_stands_out_in_the_red_header():
    header = declared(".site-header", "background")
    ring = declared(".site-header :focus-visible", "outline-color")
    assert contrast(ring, header) >= 3
    # The header's border (dark red) and its white small button are next to the ring too.
    assert contrast(ring, declared(".site-header", "border-bottom")) >= 3


def test_the_two_tones_of_the_ring_stand_out_from_each_other():
    # Where the ring meets a control of its own colour (a dark or red button), the other tone shows.
    assert contrast(resolve("var(--focus-ring)"), resolve("var(--focus-halo)")) >= 3


@pytest.mark.parametrize("where", ["page", "panel"])
def test_small_buttons_have_a_visible_edge_in_page_bodies(where):
    assert contrast(declared(".button--small", "border-color"), PAGE_BACKGROUNDS[where]) >= 3


def test_small_buttons_in_the_header_stand_out_from_the_red():
    assert contrast(declared(".button--small", "background"), declared(".site-header", "background")) >= 3


@pytest.mark.parametrize(
    ("selector", "prop"),
    [
        (".button", "background"),  # the primary button's fill is its edge
        (".button--secondary", "border-color"),
        (".field input", "border-color"),
    ],
)
@pytest.mark.parametrize("where", ["page", "panel"])
def test_every_control_stands_out_from_its_background(selector, prop, where):
    if selector == ".button--secondary":
        colour = declared(".button", "border-color")  # the secondary button keeps the primary's border
    else:
        colour = declared(selector, prop)
    assert contrast(colour, PAGE_BACKGROUNDS[where]) >= 3, (selector, where)

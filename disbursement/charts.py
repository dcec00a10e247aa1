"""The budget dashboard's bar chart, drawn on the server as SVG: no JavaScript library, no CDN.

A pure function from the dashboard's lines to the geometry the template writes out. Each item is one
horizontal bar of its whole budget (amount + recovered), stacked paid | committed | left, all bars on one
scale (the largest budget fills the plot). Colours come from CSS classes in portal.css; positions are SVG
attributes, never a style attribute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from policies import rules
from policies.templatetags.money import fen_yuan

# The drawing's own units (the viewBox); CSS scales it to the page's width.
WIDTH = 720
LABEL_WIDTH = 64  # the item code at the left of each bar
VALUE_WIDTH = 96  # the share used, at the right
PLOT_WIDTH = WIDTH - LABEL_WIDTH - VALUE_WIDTH
TOP = 8
ROW_HEIGHT = 32
BAR_HEIGHT = 20
AXIS_HEIGHT = 28
TICKS = 4  # gridlines at 0, ¼, ½, ¾ and the whole of the largest budget

# (field, CSS class suffix, label): the stacking order, left to right.
SEGMENTS = (
    ("paid_fen", "paid", gettext_lazy("已拨付")),
    ("committed_fen", "committed", gettext_lazy("已承诺")),
    ("left_fen", "left", gettext_lazy("剩余")),
)


class Line(Protocol):
    code: str
    name: str
    amount_fen: int
    committed_fen: int
    paid_fen: int
    recovered_fen: int
    left_fen: int


@dataclass(frozen=True)
class Segment:
    kind: str
    x: str
    width: str
    title: str


@dataclass(frozen=True)
class Bar:
    code: str
    title: str
    y: str
    label_y: str
    segments: tuple[Segment, ...]
    used: str  # "63.2%": paid and committed, of the budget


@dataclass(frozen=True)
class Tick:
    x: str
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bar_height: int
    plot_x: int
    plot_end: int
    axis_y: str
    label_x: int
    value_x: int
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]


def _coord(value: Decimal) -> str:
    """Two decimals are finer than a pixel; trailing zeros dropped so the markup stays short."""
    text = f"{value.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _wan(fen: int) -> str:
    """A tick's value in 万元, the unit budgets are spoken of in: 250 万元, 12.5 万元."""
    wan = Decimal(fen) / Decimal(1_000_000)
    text = f"{rules.round_fen(wan):,.2f}".rstrip("0").rstrip(".")
    return _("%(amount)s 万元") % {"amount": text}


def bar_title(line: Line) -> str:
    """What a bar says when pointed at (its <title>), every figure to the fen."""
    return _("%(item)s:预算 %(budget)s,已拨付 %(paid)s,已承诺 %(committed)s,剩余 %(left)s") % {
        "item": f"{line.code} {line.name}".strip(),
        "budget": fen_yuan(line.amount_fen + line.recovered_fen),
        "paid": fen_yuan(line.paid_fen),
        "committed": fen_yuan(line.committed_fen),
        "left": fen_yuan(line.left_fen),
    }


def budget_chart(lines: Sequence[Line]) -> Chart | None:
    """The chart of the lines, or None when there is nothing to draw."""
    if not lines:
        return None
    largest = max(line.amount_fen + line.recovered_fen for line in lines)
    scale = Decimal(PLOT_WIDTH) / Decimal(largest) if largest else Decimal(0)
    bars = []
    for index, line in enumerate(lines):
        y = TOP + index * ROW_HEIGHT
        x = Decimal(LABEL_WIDTH)
        segments = []
        for field, kind, label in SEGMENTS:
            value = getattr(line, field)
            if value <= 0:
                continue  # nothing to draw; the bar's title still names the zero
            width = Decimal(value) * scale
            segments.append(
                Segment(kind=kind, x=_coord(x), width=_coord(width), title=f"{label} {fen_yuan(value)}")
            )
            x += width
        whole = line.amount_fen + line.recovered_fen
        used = Decimal(line.paid_fen + line.committed_fen) * 100 / Decimal(whole) if whole else Decimal(0)
        bars.append(
            Bar(
                code=line.code,
                title=bar_title(line),
                y=str(y),
                label_y=str(y + BAR_HEIGHT // 2),
                segments=tuple(segments),
                used=_("已用 %(percent)s%%") % {"percent": f"{used.quantize(Decimal('0.1'))}"},
            )
        )
    axis_y = TOP + len(lines) * ROW_HEIGHT
    ticks = tuple(
        Tick(
            x=_coord(Decimal(LABEL_WIDTH) + Decimal(PLOT_WIDTH) * step / TICKS),
            label=_wan(largest * step // TICKS),
        )
        for step in range(TICKS + 1)
    )
    return Chart(
        width=WIDTH,
        height=axis_y + AXIS_HEIGHT,
        bar_height=BAR_HEIGHT,
        plot_x=LABEL_WIDTH,
        plot_end=LABEL_WIDTH + PLOT_WIDTH,
        axis_y=str(axis_y),
        label_x=LABEL_WIDTH - 8,
        value_x=LABEL_WIDTH + PLOT_WIDTH + 8,
        bars=tuple(bars),
        ticks=ticks,
    )

"""Charts drawn on the server as SVG: readable without JavaScript, no inline styles (the
strict CSP), each an image with a title and a description (its text alternative). The
page shows the same numbers as a table beside or under the chart; these functions draw.

Domain-free, so any floor may use them: callers give labels and numbers, and for the tile
map the grid position of each tile.

- :func:`bar_chart` — horizontal bars, one per label (a funnel, a breakdown).
- :func:`line_chart` — one or more series over the same x labels (a weekly series).
- :func:`tile_map` — a tile-grid map: one square per place, coloured by class, with a legend.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BRAND = "#8a1538"
INK = "#1f1f1f"
MUTED = "#595959"
GRID = "#d0d0d0"
# Light to dark; text on the first three in INK, on the last two in white (contrast >= 4.5).
SEQUENTIAL = ("#f7e8ec", "#ebc3cf", "#d98da4", "#a8405f", "#6e102c")
EMPTY = "#ffffff"
# Series colours of a line chart, told apart by dashes too (not by colour alone).
SERIES = (
    (BRAND, ""),
    ("#1c5d99", "6 3"),
    ("#2f7d32", "2 3"),
    ("#7a4b00", "8 3 2 3"),
    ("#4b4b4b", "1 2"),
)

_counter = itertools.count(1)


def _id(prefix: str) -> str:
    # Unique within a page (a page may show several charts): title/desc ids for aria.
    return f"{prefix}{next(_counter)}"


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _svg(width: int, height: int, title: str, desc: str, body: list[str]) -> SafeString:
    tid, did = _id("chart-t"), _id("chart-d")
    return mark_safe(  # noqa: S308 - every text below is escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{tid} {did}" '
        f'font-family="system-ui, sans-serif" font-size="13">'
        f'<title id="{tid}">{escape(title)}</title><desc id="{did}">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def bar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    title: str,
    description: str,
    value_label: Callable[[float], str] = _num,
    maximum: float | None = None,
    width: int = 420,
) -> SafeString:
    """Horizontal bars: the label above each bar, the value at its end."""
    top = 4
    row = 38
    height = top + row * max(len(bars), 1) + 4
    biggest = maximum if maximum is not None else max((v for _l, v in bars), default=0)
    span = width - 70
    body: list[str] = []
    for i, (label, value) in enumerate(bars):
        y = top + i * row
        w = 0.0 if not biggest else max(0.0, min(1.0, value / biggest)) * span
        body.append(f'<text x="0" y="{y + 12}" fill="{INK}">{escape(label)}</text>')
        body.append(
            f'<rect x="0" y="{y + 17}" width="{_num(w)}" height="14" fill="{BRAND}" rx="2"/>'
        )
        body.append(
            f'<text x="{_num(w + 6)}" y="{y + 29}" fill="{INK}">{escape(value_label(value))}</text>'
        )
    return _svg(width, height, title, description, body)


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    description: str,
    width: int = 420,
    height: int = 240,
) -> SafeString:
    """Lines over shared x labels (the first and the last are written under the axis), with
    a legend above; the y axis from 0 to the largest value, its maximum written."""
    left, right, top, bottom = 44, 10, 8 + 18 * len(series), 24
    plot_w, plot_h = width - left - right, height - top - bottom
    biggest = max((max(v, default=0) for _n, v in series), default=0) or 1
    n = max(len(x_labels), 1)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - plot_h * v / biggest

    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        f'stroke="{MUTED}"/>',
        f'<line x1="{left}" y1="{top}" x2="{width - right}" y2="{top}" stroke="{GRID}"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" fill="{INK}">{_num(biggest)}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" fill="{INK}">0</text>',
    ]
    if x_labels:
        body.append(f'<text x="{left}" y="{height - 6}" fill="{INK}">{escape(x_labels[0])}</text>')
        if len(x_labels) > 1:
            body.append(
                f'<text x="{width - right}" y="{height - 6}" text-anchor="end" fill="{INK}">'
                f"{escape(x_labels[-1])}</text>"
            )
    for k, (name, values) in enumerate(series):
        colour, dash = SERIES[k % len(SERIES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        ly = 4 + 18 * k
        body.append(
            f'<line x1="0" y1="{ly + 8}" x2="24" y2="{ly + 8}" stroke="{colour}" '
            f'stroke-width="3"{dash_attr}/>'
            f'<text x="30" y="{ly + 12}" fill="{INK}">{escape(name)}</text>'
        )
        if values:
            points = " ".join(f"{_num(x(i))},{_num(y(v))}" for i, v in enumerate(values))
            body.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"'
                f"{dash_attr}/>"
            )
    return _svg(width, height, title, description, body)


@dataclass(frozen=True)
class Tile:
    key: str
    row: int
    col: int
    abbr: str  # three letters written on the tile
    name: str  # the full name, in the tile's tooltip (<title>)


def classes(values: Sequence[float], k: int = len(SEQUENTIAL)) -> list[float]:
    """Upper bounds of ``k`` equal-width classes from 0 to the largest value."""
    top = max(values, default=0) or 1
    return [top * (i + 1) / k for i in range(k)]


def tile_map(
    tiles: Sequence[Tile],
    values: dict[str, float | None],
    *,
    title: str,
    description: str,
    value_label: Callable[[float], str] = _num,
    no_data: str = "—",
    no_data_legend: str = "no data",
    size: int = 52,
) -> SafeString:
    """A tile-grid map: each place a square at its grid position, coloured by the class of
    its value (white: no value), its abbreviation and value written on it; a legend of the
    classes under the grid."""
    present = [v for v in values.values() if v is not None]
    bounds = classes(present)
    cols = max((t.col for t in tiles), default=0) + 1
    rows = max((t.row for t in tiles), default=0) + 1
    gap = 3
    width = cols * (size + gap)
    legend_y = rows * (size + gap) + 8
    height = legend_y + 22 * len(SEQUENTIAL) + 26
    body: list[str] = []
    for t in tiles:
        v = values.get(t.key)
        if v is None:
            fill, ink = EMPTY, INK
        else:
            cls = next((i for i, b in enumerate(bounds) if v <= b), len(bounds) - 1)
            fill, ink = SEQUENTIAL[cls], (INK if cls < 3 else "#ffffff")
        x, y = t.col * (size + gap), t.row * (size + gap)
        shown = no_data if v is None else value_label(v)
        body.append(
            f"<g><title>{escape(t.name)}: {escape(shown)}</title>"
            f'<rect x="{x}" y="{y}" width="{size}" height="{size}" rx="4" fill="{fill}" '
            f'stroke="{MUTED}"/>'
            f'<text x="{x + size / 2}" y="{y + 21}" text-anchor="middle" font-weight="600" '
            f'fill="{ink}">{escape(t.abbr)}</text>'
            f'<text x="{x + size / 2}" y="{y + 39}" text-anchor="middle" font-size="12" '
            f'fill="{ink}">{escape(shown)}</text></g>'
        )
    lo = 0.0
    for i, (b, fill) in enumerate(zip(bounds, SEQUENTIAL, strict=True)):
        y = legend_y + 22 * i
        body.append(
            f'<rect x="0" y="{y}" width="18" height="18" fill="{fill}" stroke="{MUTED}"/>'
            f'<text x="26" y="{y + 14}" fill="{INK}">'
            f"{escape(value_label(lo))} – {escape(value_label(b))}</text>"
        )
        lo = b
    y = legend_y + 22 * len(SEQUENTIAL)
    body.append(
        f'<rect x="0" y="{y}" width="18" height="18" fill="{EMPTY}" stroke="{MUTED}"/>'
        f'<text x="26" y="{y + 14}" fill="{INK}">{escape(no_data)} {escape(no_data_legend)}</text>'
    )
    return _svg(width, height, title, description, body)

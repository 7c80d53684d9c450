"""Small server-side SVG charts (line, bar, heatmap) for the insights pages: no script, no CDN,
readable by screen readers (<title>/<desc> and role="img"); every chart also gets a data table
in the page, so nothing is only in a picture.

Pure: str in, Markup out; no Flask app or database needed.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 680, 260
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 56, 16, 34, 52
# Series colours (parley.css brand blue, amber, green, grey); dash patterns tell them apart
# without colour.
COLOURS = ("#2563eb", "#d97706", "#059669", "#6b7280", "#9333ea")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2")


@dataclass(frozen=True)
class Series:
    """One named line of values (None where there is nothing to show)."""

    name: str
    values: Sequence[float | None]


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round axis ticks from 0 to at least `top` (steps of 1, 2 or 5 times a power of ten)."""
    if top <= 0 or math.isnan(top):
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    steps = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(steps + 1)]


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.3g}"


def _open(chart_id: str, title: str, desc: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
        f'<text class="chart-title" x="{MARGIN_LEFT}" y="20" font-size="14" '
        f'font-weight="600">{escape(title)}</text>',
    ]


def _y_axis(ticks: list[float], y_of, width: int, y_label: str) -> list[str]:
    out = []
    for tick in ticks:
        y = y_of(tick)
        out.append(f'<line class="chart-grid" x1="{MARGIN_LEFT}" x2="{width - MARGIN_RIGHT}" '
                   f'y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>')
        out.append(f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" font-size="11" '
                   f'text-anchor="end">{_number(tick)}</text>')
    mid = (y_of(ticks[0]) + y_of(ticks[-1])) / 2
    out.append(f'<text x="12" y="{mid:.1f}" font-size="11" text-anchor="middle" '
               f'transform="rotate(-90 12 {mid:.1f})">{escape(y_label)}</text>')
    return out


def _x_labels(labels: Sequence[str], x_of, height: int, width: int) -> list[str]:
    longest = max((len(label) for label in labels), default=1)
    room = max(1, int((width - MARGIN_LEFT - MARGIN_RIGHT) // (6.5 * longest + 12)))
    every = max(1, math.ceil(len(labels) / room))  # as many labels as fit without overlap
    out = []
    for i, label in enumerate(labels):
        if i % every == 0:
            out.append(f'<text x="{x_of(i):.1f}" y="{height - MARGIN_BOTTOM + 16}" '
                       f'font-size="11" text-anchor="middle">{escape(label)}</text>')
    return out


def _frame(width: int, height: int) -> list[str]:
    bottom = height - MARGIN_BOTTOM
    return [f'<line class="chart-axis" x1="{MARGIN_LEFT}" x2="{width - MARGIN_RIGHT}" '
            f'y1="{bottom}" y2="{bottom}" stroke="#374151"/>',
            f'<line class="chart-axis" x1="{MARGIN_LEFT}" x2="{MARGIN_LEFT}" y1="{MARGIN_TOP}" '
            f'y2="{bottom}" stroke="#374151"/>']


def _scale(values, width: int, height: int, slots: int):
    top = max([v for v in values if v is not None] or [0])
    ticks = nice_ticks(top)
    plot_w = width - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = height - MARGIN_TOP - MARGIN_BOTTOM
    slot = plot_w / max(1, slots)

    def x_of(i: int) -> float:
        return MARGIN_LEFT + (i + 0.5) * slot  # each point in the middle of its slot

    def y_of(v: float) -> float:
        return MARGIN_TOP + plot_h - (v / ticks[-1]) * plot_h

    return ticks, x_of, y_of, slot


def _legend(series: Sequence[Series], width: int, height: int) -> list[str]:
    out, x = [], MARGIN_LEFT
    for i, one in enumerate(series):
        colour, dash = COLOURS[i % len(COLOURS)], DASHES[i % len(DASHES)]
        y = height - 12
        out.append(f'<line x1="{x}" x2="{x + 18}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" '
                   f'stroke-width="2" stroke-dasharray="{dash}"/>')
        out.append(f'<text x="{x + 22}" y="{y}" font-size="11">{escape(one.name)}</text>')
        x += 30 + 7 * len(one.name)
    return out


def _path(values, x_of, y_of) -> str:
    parts, pen_down = [], False
    for i, value in enumerate(values):
        if value is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{x_of(i):.1f},{y_of(value):.1f}")
        pen_down = True
    return " ".join(parts)


def line_chart(chart_id: str, title: str, desc: str, labels: Sequence[str],
               series: Sequence[Series], *, y_label: str = "", width: int = WIDTH,
               height: int = HEIGHT) -> Markup:
    """Lines over labelled points (weeks, days); gaps where a value is None."""
    every = [v for s in series for v in s.values]
    ticks, x_of, y_of, _ = _scale(every, width, height, len(labels))
    out = _open(chart_id, title, desc, width, height) + _y_axis(ticks, y_of, width, y_label)
    out += _frame(width, height) + _x_labels(labels, x_of, height, width)
    for i, one in enumerate(series):
        colour, dash = COLOURS[i % len(COLOURS)], DASHES[i % len(DASHES)]
        out.append(f'<path class="chart-line" d="{_path(one.values, x_of, y_of)}" fill="none" '
                   f'stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>')
        for j, value in enumerate(one.values):
            if value is not None:
                out.append(f'<circle cx="{x_of(j):.1f}" cy="{y_of(value):.1f}" r="2.5" '
                           f'fill="{colour}"><title>{escape(labels[j])}: {escape(one.name)} '
                           f'{_number(value)}</title></circle>')
    out += _legend(series, width, height) + ["</svg>"]
    return Markup("\n".join(out))


def bar_chart(chart_id: str, title: str, desc: str, labels: Sequence[str],
              values: Sequence[float], *, y_label: str = "", width: int = WIDTH,
              height: int = HEIGHT) -> Markup:
    """One bar per label (rules, categories, days)."""
    ticks, x_of, y_of, slot = _scale(values, width, height, len(labels))
    out = _open(chart_id, title, desc, width, height) + _y_axis(ticks, y_of, width, y_label)
    out += _frame(width, height) + _x_labels(labels, x_of, height, width)
    bar = max(1.0, slot * 0.7)
    for i, value in enumerate(values):
        top = y_of(value)
        out.append(f'<rect class="chart-bar" x="{x_of(i) - bar / 2:.1f}" y="{top:.1f}" '
                   f'width="{bar:.1f}" height="{y_of(0) - top:.1f}" fill="{COLOURS[0]}">'
                   f'<title>{escape(labels[i])}: {_number(value)}</title></rect>')
    out.append("</svg>")
    return Markup("\n".join(out))


def _shade(value: float, top: float) -> str:
    """White for nothing to brand blue for the busiest cell."""
    share = 0.0 if top <= 0 else value / top
    start, end = (255, 255, 255), (37, 99, 235)
    r, g, b = (round(s + (e - s) * share) for s, e in zip(start, end, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap(chart_id: str, title: str, desc: str, rows: Sequence[str], columns: Sequence[str],
            values: Sequence[Sequence[float]], *, width: int = WIDTH) -> Markup:
    """A grid of shaded cells (rows x columns), darker for more: e.g. weekdays by hour."""
    left, top_y, cell_h = MARGIN_LEFT, MARGIN_TOP + 4, 22
    cell_w = (width - left - MARGIN_RIGHT) / max(1, len(columns))
    height = top_y + cell_h * len(rows) + 28
    top = max([v for row in values for v in row] or [0])
    out = _open(chart_id, title, desc, width, height)
    for r, name in enumerate(rows):
        y = top_y + r * cell_h
        out.append(f'<text x="{left - 6}" y="{y + 15}" font-size="11" '
                   f'text-anchor="end">{escape(name)}</text>')
        for c, value in enumerate(values[r]):
            out.append(f'<rect class="chart-cell" x="{left + c * cell_w:.1f}" y="{y}" '
                       f'width="{cell_w - 1:.1f}" height="{cell_h - 1}" '
                       f'fill="{_shade(value, top)}" stroke="#e5e7eb"><title>{escape(name)} '
                       f'{escape(columns[c])}: {_number(value)}</title></rect>')
    y = top_y + cell_h * len(rows) + 14
    for c, name in enumerate(columns):
        if c % 3 == 0:
            out.append(f'<text x="{left + (c + 0.5) * cell_w:.1f}" y="{y}" font-size="11" '
                       f'text-anchor="middle">{escape(name)}</text>')
    out.append("</svg>")
    return Markup("\n".join(out))

"""Small charts as inline SVG, in pure Python: vertical and horizontal bars, lines, and a scatter with two
reference lines. The reports used matplotlib, whose wheels (with numpy, pillow, fontTools) pushed
report_build past Lambda's 250 MiB limit; SVG needs no package, and its text is drawn by the viewer's
fonts, so Chinese labels show in any browser (no CJK font has to ship with the function).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FONT = "'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif"
LEFT, RIGHT, TOP, BOTTOM = 64, 20, 16, 48  # plot margins (px) for tick labels and axis titles
GRID, AXIS, TEXT = "#e5e5e5", "#555", "#333"


@dataclass(frozen=True)
class Point:
    label: str
    x: float
    y: float
    colour: str


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (steps of 1, 2 or 5 × 10ⁿ) covering [low, high], zero included when in range."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks, value = [], first
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.1f}"


class _Frame:
    """A plot area with linear scales; every ``x``/``y`` method answers pixel coordinates."""

    def __init__(self, width: int, height: int, x_range: tuple[float, float], y_ticks: list[float],
                 left: int = LEFT, top: int = TOP) -> None:
        self.width, self.height, self.left, self.top = width, height, left, top
        self.x_low, self.x_high = x_range
        self.y_low, self.y_high = y_ticks[0], y_ticks[-1]
        self.y_ticks = y_ticks
        self.parts: list[str] = []

    def x(self, value: float) -> float:
        span = (self.x_high - self.x_low) or 1
        return round(self.left + (value - self.x_low) / span * (self.width - self.left - RIGHT), 1)

    def y(self, value: float) -> float:
        span = (self.y_high - self.y_low) or 1
        return round(self.height - BOTTOM - (value - self.y_low) / span * (self.height - BOTTOM - self.top), 1)

    def text(self, x: float, y: float, label: str, *, anchor: str = "middle", size: int = 11, rotate: int = 0,
             cls: str = "") -> None:
        turn = f' transform="rotate({rotate} {x} {y})"' if rotate else ""
        klass = f' class="{cls}"' if cls else ""
        self.parts.append(f'<text x="{x}" y="{y}" text-anchor="{anchor}" font-size="{size}" fill="{TEXT}"{turn}'
                          f"{klass}>{escape(label)}</text>")

    def y_axis(self, title: str) -> None:
        for tick in self.y_ticks:
            y = self.y(tick)
            self.parts.append(f'<line x1="{self.left}" y1="{y}" x2="{self.width - RIGHT}" y2="{y}" stroke="{GRID}"/>')
            self.text(self.left - 6, y + 4, _number(tick), anchor="end", cls="tick")
        self.parts.append(f'<line x1="{self.left}" y1="{self.top}" x2="{self.left}" y2="{self.height - BOTTOM}" '
                          f'stroke="{AXIS}"/>')
        self.text(14, (self.height - BOTTOM + self.top) / 2, title, rotate=-90, cls="axis-title")

    def x_axis(self, title: str) -> None:
        base = self.height - BOTTOM
        self.parts.append(f'<line x1="{self.left}" y1="{base}" x2="{self.width - RIGHT}" y2="{base}" stroke="{AXIS}"/>')
        self.text((self.left + self.width - RIGHT) / 2, self.height - 6, title, cls="axis-title")

    def svg(self, title: str) -> str:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
                f'width="{self.width}" height="{self.height}" viewBox="0 0 {self.width} {self.height}" '
                f'font-family="{escape(FONT)}"><title>{escape(title)}</title>{"".join(self.parts)}</svg>')


def _label_every(count: int, room_px: float, label_px: float) -> int:
    """Show every n-th category label so that labels do not overlap."""
    return max(1, math.ceil(count * label_px / max(room_px, 1)))


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], *, x_title: str, y_title: str,
              colour: str, width: int = 720, height: int = 260) -> str:
    """Vertical bars, one per label (hours, weekdays), on a zero-based value axis."""
    frame = _Frame(width, height, (0, len(values)), nice_ticks(0, max(values, default=0) or 1))
    frame.y_axis(y_title)
    slot = (frame.x(1) - frame.x(0))
    every = _label_every(len(labels), width - LEFT - RIGHT, 7 * max((len(s) for s in labels), default=1) + 6)
    for n, (label, value) in enumerate(zip(labels, values, strict=True)):
        top = frame.y(value)
        frame.parts.append(f'<rect class="bar" x="{round(frame.x(n) + slot * 0.15, 1)}" y="{top}" '
                           f'width="{round(slot * 0.7, 1)}" height="{round(frame.y(0) - top, 1)}" fill="{colour}">'
                           f"<title>{escape(label)}: {_number(value)}</title></rect>")
        if n % every == 0:
            frame.text(round(frame.x(n) + slot / 2, 1), height - BOTTOM + 14, label, cls="tick")
    frame.x_axis(x_title)
    return frame.svg(title)


def hbar_chart(title: str, labels: Sequence[str], values: Sequence[float], *, x_title: str, colour: str,
               width: int = 720) -> str:
    """Horizontal bars, largest first, with the (long, Chinese) names on the left and each value at its end."""
    row, label_room = 24, min(220, 14 * max((len(s) for s in labels), default=1) + 16)
    height = TOP + BOTTOM + row * len(values)
    ticks = nice_ticks(0, max(values, default=0) or 1)
    frame = _Frame(width, height, (ticks[0], ticks[-1]), [0, 1], left=label_room)
    for tick in ticks:
        x = frame.x(tick)
        frame.parts.append(f'<line x1="{x}" y1="{TOP}" x2="{x}" y2="{height - BOTTOM}" stroke="{GRID}"/>')
        frame.text(x, height - BOTTOM + 14, _number(tick), cls="tick")
    for n, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = TOP + n * row
        end = frame.x(value)
        frame.parts.append(f'<rect class="bar" x="{label_room}" y="{y + 4}" width="{round(end - label_room, 1)}" '
                           f'height="{row - 8}" fill="{colour}"><title>{escape(label)}: {_number(value)}</title></rect>')
        frame.text(label_room - 6, y + row / 2 + 4, label, anchor="end", cls="label")
        frame.text(end + 4, y + row / 2 + 4, _number(value), anchor="start", size=10)
    frame.parts.append(f'<line x1="{label_room}" y1="{TOP}" x2="{label_room}" y2="{height - BOTTOM}" stroke="{AXIS}"/>')
    frame.x_axis(x_title)
    return frame.svg(title)


def line_chart(title: str, labels: Sequence[str], values: Sequence[float], *, x_title: str, y_title: str,
               colour: str, width: int = 720, height: int = 260) -> str:
    """One line with a dot per label (days, hours); long label runs are thinned and slanted."""
    frame = _Frame(width, height, (-0.5, len(values) - 0.5), nice_ticks(0, max(values, default=0) or 1))
    frame.y_axis(y_title)
    points = [(frame.x(n), frame.y(v)) for n, v in enumerate(values)]
    frame.parts.append(f'<polyline class="line" fill="none" stroke="{colour}" stroke-width="2" '
                       f'points="{" ".join(f"{x},{y}" for x, y in points)}"/>')
    for (x, y), label, value in zip(points, labels, values, strict=True):
        frame.parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{colour}"><title>{escape(label)}: '
                           f"{_number(value)}</title></circle>")
    every = _label_every(len(labels), width - LEFT - RIGHT, 9 * max((len(s) for s in labels), default=1))
    for n, ((x, _y), label) in enumerate(zip(points, labels, strict=True)):
        if n % every == 0:
            frame.text(x, height - BOTTOM + 14, label, rotate=-30 if every > 1 else 0, size=10, cls="tick")
    frame.x_axis(x_title)
    return frame.svg(title)


def scatter_chart(title: str, points: Sequence[Point], *, x_line: float, y_line: float, x_title: str, y_title: str,
                  legend: Sequence[tuple[str, str]] = (), width: int = 720, height: int = 420) -> str:
    """Labelled dots with a dashed vertical line at ``x_line`` and a horizontal one at ``y_line`` (the
    quadrant borders of the menu-engineering matrix); ``legend``: (label, colour)."""
    xs = [p.x for p in points] + [x_line]
    ys = [p.y for p in points] + [y_line]
    x_ticks = nice_ticks(min(0, *xs), max(xs))
    frame = _Frame(width, height, (x_ticks[0], x_ticks[-1]), nice_ticks(min(0, *ys), max(ys)),
                   top=TOP + (24 if legend else 0))  # the legend gets a row of its own above the plot
    frame.y_axis(y_title)
    for tick in x_ticks:
        frame.text(frame.x(tick), height - BOTTOM + 14, _number(tick), cls="tick")
    dash = f'stroke="{AXIS}" stroke-dasharray="5 4"'
    frame.parts.append(f'<line class="quadrant" x1="{frame.x(x_line)}" y1="{frame.top}" x2="{frame.x(x_line)}" '
                       f'y2="{height - BOTTOM}" {dash}/>')
    frame.parts.append(f'<line class="quadrant" x1="{frame.left}" y1="{frame.y(y_line)}" x2="{width - RIGHT}" '
                       f'y2="{frame.y(y_line)}" {dash}/>')
    for point in points:
        x, y = frame.x(point.x), frame.y(point.y)
        frame.parts.append(f'<circle class="dot" cx="{x}" cy="{y}" r="5" fill="{point.colour}">'
                           f"<title>{escape(point.label)}</title></circle>")
        frame.text(x + 7, y - 5, point.label, anchor="start", size=10, cls="label")
    for n, (label, colour) in enumerate(legend):
        x = frame.left + 10 + n * 110
        frame.parts.append(f'<circle cx="{x}" cy="{TOP + 8}" r="5" fill="{colour}"/>')
        frame.text(x + 9, TOP + 12, label, anchor="start", size=11)
    frame.x_axis(x_title)
    return frame.svg(title)

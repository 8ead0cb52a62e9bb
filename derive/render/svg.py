"""Figures as SVG, for the Markdown format: small, deterministic, no dependency.

Axes with 1-2-5 ticks (powers of ten on a logarithmic axis), the series clipped to the plot area,
a legend for the labelled series. Coordinates are written with two decimals, so the same figure
gives the same bytes on every run and machine.

Example:
    >>> import sympy as sp
    >>> from derive.figures import Figure, Series
    >>> fig = Figure("demo", "A line.", sp.Symbol("x"), sp.Symbol("y"),
    ...              (Series("y = x", "line", (((0.0, 0.0), (1.0, 1.0)),)),))
    >>> svg(fig).startswith("<svg")
    True
"""
from __future__ import annotations

import math
from html import escape

from ..figures import Figure
from .printer import unicode

WIDTH, HEIGHT = 560, 340
LEFT, RIGHT, TOP, BOTTOM = 78, 20, 16, 52
COLORS = {"line": "#1f5fa8", "dashed": "#c0392b", "points": "#222222", "path": "#c0392b", "contour": "#9a9a9a",
          "marker": "#c0392b"}


def nice_ticks(lo: float, hi: float, count: int = 6) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten) covering [lo, hi].

    >>> nice_ticks(0, 10)
    [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    """
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / max(count - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    out = []
    k = 0
    while first + k * step <= hi + 1e-9 * step:
        out.append(round(first + k * step, 12) + 0.0)
        k += 1
    return out


_SUP = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def tick_text(v: float) -> str:
    """A tick label: plain for moderate sizes, m×10ᵉ beyond.

    >>> tick_text(2.5), tick_text(120000.0), tick_text(0.0001)
    ('2.5', '1.2×10⁵', '1×10⁻⁴')
    """
    if v == 0:
        return "0"
    e = math.floor(math.log10(abs(v)))
    if -3 <= e < 5:
        return f"{v:.6g}"
    return f"{v / 10.0 ** e:.3g}×10{str(e).translate(_SUP)}"


class _Axes:
    def __init__(self, fig: Figure):
        x0, x1, y0, y1 = fig.bounds()
        self.logy = fig.logy and y0 > 0
        if self.logy:
            y0, y1 = math.log10(y0), math.log10(y1)
        self.x0, self.x1 = _span(x0, x1)
        self.y0, self.y1 = _span(y0, y1)
        if self.logy:
            self.y0, self.y1 = math.floor(self.y0), math.ceil(self.y1)
        self.w, self.h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(self, x: float) -> float:
        return LEFT + (x - self.x0) / (self.x1 - self.x0) * self.w

    def py(self, y: float) -> float:
        if self.logy:
            y = math.log10(y) if y > 0 else self.y0 - 1
        return TOP + (self.y1 - y) / (self.y1 - self.y0) * self.h


def _span(lo: float, hi: float) -> tuple[float, float]:
    if hi - lo < 1e-12 * max(1.0, abs(lo), abs(hi)):
        return lo - 1, hi + 1
    return lo, hi


def _pt(v: float) -> str:
    return f"{v:.2f}"


def svg(fig: Figure) -> str:
    """The figure as a standalone SVG document (a string)."""
    ax = _Axes(fig)
    cid = f"clip-{fig.name}"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
           f'font-family="sans-serif" font-size="12">',
           f"<title>{escape(fig.caption)}</title>",
           f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<defs><clipPath id="{cid}"><rect x="{LEFT}" y="{TOP}" width="{ax.w}" height="{ax.h}"/></clipPath></defs>']
    out += _grid(ax)
    out.append(f'<g clip-path="url(#{cid})">')
    for s in fig.series:
        out += _series(ax, s)
    out.append("</g>")
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{ax.w}" height="{ax.h}" fill="none" stroke="#333333"/>')
    out.append(f'<text x="{LEFT + ax.w / 2:.2f}" y="{HEIGHT - 10}" text-anchor="middle">{escape(unicode(fig.xlabel))}</text>')
    out.append(f'<text x="14" y="{TOP + ax.h / 2:.2f}" text-anchor="middle" transform="rotate(-90 14 {TOP + ax.h / 2:.2f})">'
               f"{escape(unicode(fig.ylabel))}</text>")
    out += _legend(fig)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _grid(ax: _Axes) -> list[str]:
    out = []
    for v in nice_ticks(ax.x0, ax.x1):
        x = ax.px(v)
        out.append(f'<line x1="{_pt(x)}" y1="{TOP}" x2="{_pt(x)}" y2="{TOP + ax.h}" stroke="#eeeeee"/>')
        out.append(f'<text x="{_pt(x)}" y="{TOP + ax.h + 16}" text-anchor="middle">{escape(tick_text(v))}</text>')
    if ax.logy:
        ticks = [(10.0 ** e, "10" + str(e).translate(_SUP)) for e in range(int(ax.y0), int(ax.y1) + 1)]
        step = max(1, len(ticks) // 7)
        ticks = ticks[::step]
    else:
        ticks = [(v, tick_text(v)) for v in nice_ticks(ax.y0, ax.y1)]
    for v, text in ticks:
        y = ax.py(v)
        out.append(f'<line x1="{LEFT}" y1="{_pt(y)}" x2="{LEFT + ax.w}" y2="{_pt(y)}" stroke="#eeeeee"/>')
        out.append(f'<text x="{LEFT - 6}" y="{_pt(y + 4)}" text-anchor="end">{escape(text)}</text>')
    return out


def _series(ax: _Axes, s) -> list[str]:
    color = COLORS.get(s.style, "#1f5fa8")
    out = []
    for piece in s.pieces:
        coords = " ".join(f"{_pt(ax.px(x))},{_pt(ax.py(y))}" for x, y in piece)
        if s.style in ("line", "dashed", "path", "contour") and len(piece) > 1:
            width = {"contour": 1, "path": 1.5}.get(s.style, 2)
            dash = ' stroke-dasharray="6 4"' if s.style == "dashed" else ""
            out.append(f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="{width}"{dash}/>')
        if s.style in ("points", "path"):
            r = 3.5 if s.style == "points" else 2.5
            out += [f'<circle cx="{_pt(ax.px(x))}" cy="{_pt(ax.py(y))}" r="{r}" fill="{color}"/>' for x, y in piece]
        if s.style == "marker":
            for x, y in piece:
                cx, cy = ax.px(x), ax.py(y)
                if s.label == "optimum":
                    out.append(f'<path d="M{_pt(cx - 6)},{_pt(cy - 6)}L{_pt(cx + 6)},{_pt(cy + 6)}M{_pt(cx - 6)},'
                               f'{_pt(cy + 6)}L{_pt(cx + 6)},{_pt(cy - 6)}" stroke="#111111" stroke-width="2.5"/>')
                else:
                    out.append(f'<circle cx="{_pt(cx)}" cy="{_pt(cy)}" r="5" fill="{color}"/>')
    return out


def _legend(fig: Figure) -> list[str]:
    shown = [s for s in fig.series if s.style in ("line", "dashed", "points", "path")]
    if len(shown) < 2:
        return []
    out = []
    east, north = fig.legend.endswith("east"), fig.legend.startswith("north")
    x = WIDTH - RIGHT - 170 if east else LEFT + 10
    y = TOP + 14 if north else HEIGHT - BOTTOM - 16 * len(shown) + 6
    for s in shown:
        color = COLORS.get(s.style)
        if s.style == "points":
            out.append(f'<circle cx="{x + 12}" cy="{y - 4}" r="3.5" fill="{color}"/>')
        else:
            dash = ' stroke-dasharray="6 4"' if s.style == "dashed" else ""
            out.append(f'<line x1="{x}" y1="{y - 4}" x2="{x + 24}" y2="{y - 4}" stroke="{color}" stroke-width="2"{dash}/>')
        out.append(f'<text x="{x + 30}" y="{y}">{escape(s.label)}</text>')
        y += 16
    return out

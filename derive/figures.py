"""Figures as data: series of float points that the renderers draw (SVG for Markdown, pgfplots in
LaTeX). Computing a figure is deterministic — fixed grids, no randomness — so two runs give the
same bytes. Floats are fine here: a figure is for the eye; every number a reader is asked to trust
is in the verified steps.

Example:
    >>> segs = contour_lines(lambda X, Y: X**2 + Y**2, (-2, 2), (-2, 2), [1.0], 40)
    >>> len(segs), round(max(abs(x * x + y * y - 1) for x, y in segs[0]), 2)
    (1, 0.0)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import sympy as sp

MAX_POINTS = 400  # per series; longer ones are thinned (first and last point kept)
GRID = 90  # contour grid cells per side


@dataclass(frozen=True)
class Series:
    """One thing drawn: a line, points, a path with markers, or contour lines (several pieces)."""

    label: str
    style: str  # line | dashed | points | path | contour | marker
    pieces: tuple[tuple[tuple[float, float], ...], ...]


@dataclass(frozen=True)
class Figure:
    """A plot: a file ``name`` (``loss``), a caption, axis labels (sympy objects) and its series."""

    name: str
    caption: str
    xlabel: sp.Basic
    ylabel: sp.Basic
    series: tuple[Series, ...]
    logy: bool = False
    equal_axes: bool = False

    @property
    def legend(self) -> str:
        """The corner with the fewest points (north east on a tie): where the legend hides nothing."""
        x0, x1, y0, y1 = self.bounds()
        xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
        counts = {"north east": 0, "north west": 0, "south east": 0, "south west": 0}
        for s in self.series:
            for piece in s.pieces:
                for x, y in piece:
                    counts[("north " if y >= ym else "south ") + ("east" if x >= xm else "west")] += 1
        return min(counts, key=lambda k: (counts[k], k != "north east"))

    def bounds(self) -> tuple[float, float, float, float]:
        pts = [p for s in self.series for piece in s.pieces for p in piece]
        xs = [x for x, _ in pts]
        ys = [y for _, y in pts if (y > 0 or not self.logy)]
        return min(xs), max(xs), min(ys), max(ys)


def thin(points: Sequence[tuple[float, float]], limit: int = MAX_POINTS) -> tuple:
    """At most ``limit`` points: the first few all, then spaced evenly on a log scale of the index."""
    pts = [(float(x), float(y)) for x, y in points if math.isfinite(x) and math.isfinite(y)]
    if len(pts) <= limit:
        return tuple(pts)
    head = limit // 4
    idx = sorted(set(range(head)) | {int(round(v)) for v in np.geomspace(head, len(pts) - 1, limit - head)})
    return tuple(pts[k] for k in idx)


def contour_lines(f: Callable, xr, yr, levels: Sequence[float], cells: int = GRID) -> list[tuple]:
    """Marching squares: the polylines where ``f(X, Y) == level`` on a grid over ``xr`` × ``yr``.

    ``f`` takes numpy arrays. Each polyline is a tuple of (x, y) points; pieces that share a grid
    edge are joined.
    """
    xs = np.linspace(xr[0], xr[1], cells + 1)
    ys = np.linspace(yr[0], yr[1], cells + 1)
    X, Y = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        Z = np.asarray(f(X, Y), dtype=float) * np.ones_like(X)
    out = []
    for level in levels:
        out += _march(xs, ys, Z, level)
    return out


def _march(xs, ys, Z, level) -> list[tuple]:
    above = Z > level

    def point(edge):
        (i0, j0), (i1, j1) = edge
        z0, z1 = Z[j0, i0], Z[j1, i1]
        t = 0.5 if z1 == z0 else (level - z0) / (z1 - z0)
        return (float(xs[i0] + t * (xs[i1] - xs[i0])), float(ys[j0] + t * (ys[j1] - ys[j0])))

    links: dict = {}
    segments = []
    finite = np.isfinite(Z)
    ok = finite[:-1, :-1] & finite[1:, :-1] & finite[:-1, 1:] & finite[1:, 1:]
    a = above.astype(np.int8)
    corners_above = a[:-1, :-1] + a[:-1, 1:] + a[1:, 1:] + a[1:, :-1]
    # NOTE: only the cells whose corners disagree are visited (the grid is vectorised, the crossings are few)
    for j, i in zip(*np.nonzero(ok & (corners_above > 0) & (corners_above < 4))):
        i, j = int(i), int(j)
        corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
        crossing = [tuple(sorted((corners[k], corners[(k + 1) % 4]))) for k in range(4)
                    if above[corners[k][1], corners[k][0]] != above[corners[(k + 1) % 4][1], corners[(k + 1) % 4][0]]]
        pairs = [(crossing[0], crossing[1])] if len(crossing) == 2 else (
            [(crossing[0], crossing[1]), (crossing[2], crossing[3])] if len(crossing) == 4 else [])
        for e0, e1 in pairs:
            segments.append((e0, e1))
            links.setdefault(e0, []).append(len(segments) - 1)
            links.setdefault(e1, []).append(len(segments) - 1)
    used = [False] * len(segments)
    lines = []
    for start in range(len(segments)):
        if used[start]:
            continue
        used[start] = True
        a, b = segments[start]
        chain = [a, b]
        for forward in (True, False):
            while True:
                end = chain[-1] if forward else chain[0]
                nxt = next((k for k in links.get(end, []) if not used[k]), None)
                if nxt is None:
                    break
                used[nxt] = True
                s0, s1 = segments[nxt]
                other = s1 if s0 == end else s0
                if forward:
                    chain.append(other)
                else:
                    chain.insert(0, other)
        lines.append(tuple(point(e) for e in chain))
    return lines


def nice_range(lo: float, hi: float, pad: float = 0.08) -> tuple[float, float]:
    """[lo, hi] widened by ``pad`` of its width (a point gets a unit-wide range around it)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return (-1.0, 1.0)
    if hi - lo < 1e-12 * max(1.0, abs(lo), abs(hi)):
        w = max(1.0, abs(lo)) * 0.5
        return lo - w, hi + w
    w = hi - lo
    return lo - pad * w, hi + pad * w

"""The figures of a gradient-descent derivation: the loss against the iteration, the contours of
the loss with the descent path, the data with the fitted curve, and the loss along one parameter
with the others fixed (seed 001's curve). Floats only: a figure is for the eye.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from ..figures import Figure, Series, contour_lines, nice_range, thin
from ..numeric import NotNumeric, compile_float
from .descent_common import plural

SLICE_POINTS = 161
CURVE_POINTS = 161
CONTOUR_LEVELS = 7


def loss_many(obj, points: np.ndarray) -> np.ndarray:
    """The full-data loss at each row of ``points`` (k × p), in float64."""
    with np.errstate(all="ignore"):
        if obj.kind == "data" and obj.quadratic:
            G, m, yy, (Gf, mf, yyf) = obj._moments(None)
            Gm, mv = np.array(Gf), np.array(mf)
            c = float(obj.factor(None))
            quad = np.einsum("kj,jl,kl->k", points, Gm, points)
            return c * (quad - 2 * points @ mv + yyf)
        if obj.kind == "function":
            f = compile_float(obj.expr, obj.params)
            cols = [points[:, j] for j in range(points.shape[1])]
            return np.broadcast_to(np.asarray(f(cols), dtype=float), (points.shape[0],)).copy()
        return np.array([obj.loss(list(p), exact=False) for p in points])


def descent_figures(d, conv) -> list[Figure]:
    """Every figure that applies to this run; they are added to a "Figures" section."""
    figs = [f for f in (_loss_curve(d, conv), _contours(d, conv), _fit(d, conv), _slice(d)) if f is not None]
    if figs:
        d.B.section("Figures")
        for f in figs:
            d.B.figure(f)
    return figs


def _loss_curve(d, conv) -> Figure | None:
    its = conv.history.iterates
    pts = [(it.k, float(it.loss)) for it in its if math.isfinite(float(it.loss))]
    if len(pts) < 2:
        return None
    positive = [y for _, y in pts if y > 0]
    logy = len(positive) == len(pts) and max(positive) / min(positive) > 100
    k = sp.Symbol("k")
    what = "loss" if d.obj.kind == "data" else "value of f"
    return Figure("loss", f"The {what} at each step of the convergence run" + (" (logarithmic scale)." if logy else "."),
                  k, d.obj.L, (Series("loss", "line", (thin(pts),)),), logy=logy)


def _path(d, conv):
    """The iterates of the table run, as floats (stopping where they leave float64's range)."""
    out = []
    for it in d.history.iterates:
        p = tuple(float(v) for v in it.theta)
        if not all(math.isfinite(v) and abs(v) < 1e12 for v in p):
            break
        out.append(p)
    return out


def _contours(d, conv) -> Figure | None:
    obj = d.obj
    if len(obj.params) != 2:
        return None
    path = _path(d, conv)
    if not path:
        return None
    pts = list(path)
    if conv.optimum is not None:
        pts.append(tuple(float(v) for v in conv.optimum))
    else:
        last = conv.history.last.theta
        if all(math.isfinite(float(v)) for v in last):
            pts.append(tuple(float(v) for v in last))
    xr = nice_range(min(p[0] for p in pts), max(p[0] for p in pts), 0.15)
    yr = nice_range(min(p[1] for p in pts), max(p[1] for p in pts), 0.15)

    def f(X, Y):
        flat = np.column_stack([X.ravel(), Y.ravel()])
        return loss_many(obj, flat).reshape(X.shape)

    values = loss_many(obj, np.array(path))
    finite = sorted({float(v) for v in values if math.isfinite(v)})
    if not finite:
        return None
    lo = float(np.nanmin(f(*np.meshgrid(np.linspace(*xr, 41), np.linspace(*yr, 41)))))
    levels = _levels(lo, finite)
    cells = 90 if obj.kind != "data" or obj.quadratic else 40
    lines = contour_lines(f, xr, yr, levels, cells)
    series = [Series("contours", "contour", tuple(lines))] if lines else []
    series.append(Series("descent path", "path", (tuple(path),)))
    if conv.optimum is not None:
        series.append(Series("optimum", "marker", ((tuple(float(v) for v in conv.optimum),),)))
    a, b = obj.params
    what = "the loss" if obj.kind == "data" else "f"
    return Figure("contours", f"Contours of {what} and the path of the iterations"
                  + (" (the cross marks the optimum)." if conv.optimum is not None else "."), a, b, tuple(series))


def _levels(lo: float, values: list) -> list[float]:
    """Contour levels between the minimum on the box and the largest loss on the path, spaced so that
    the ellipses near the minimum are visible too (geometric in L − min)."""
    hi = max(values)
    if not (hi > lo):
        return [hi]
    gaps = np.geomspace((hi - lo) * 1e-3, hi - lo, CONTOUR_LEVELS)
    return [float(lo + g) for g in gaps]


def _fit(d, conv) -> Figure | None:
    obj = d.obj
    if obj.kind != "data" or len(obj.cols) != 1:
        return None
    (base, name), = obj.cols.items()
    xs = [float(v) for v in obj.data[base]]
    ys = [float(v) for v in obj.data[obj.Y]]
    grid = np.linspace(*nice_range(min(xs), max(xs), 0.05), CURVE_POINTS)
    try:
        model = compile_float(obj.model_i, obj.params, {base: grid})
    except NotNumeric:
        return None
    series = [Series("data", "points", (tuple(zip(xs, ys)),))]

    def curve(theta):
        with np.errstate(all="ignore"):
            vals = np.broadcast_to(np.asarray(model([float(v) for v in theta]), dtype=float), grid.shape)
        return tuple((float(x), float(y)) for x, y in zip(grid, vals) if math.isfinite(y))

    last = d.history.last.theta
    if all(math.isfinite(float(v)) and abs(float(v)) < 1e12 for v in last):
        series.append(Series(f"after {plural(d.history.last.k, 'step')}", "line", (curve(last),)))
    if conv.optimum is not None:
        series.append(Series("least squares", "dashed", (curve(conv.optimum),)))
    x_sym, y_sym = sp.Symbol(base.label.name), sp.Symbol(obj.Y.label.name)
    caption = (f"The data and the fitted curve after {plural(d.history.last.k, 'step')}"
               + (" (dashed: the least-squares optimum)." if conv.optimum is not None else "."))
    return Figure("fit", caption, x_sym, y_sym, tuple(series))


def _slice(d) -> Figure | None:
    """The loss as a function of the first parameter, the others fixed at their starting values."""
    obj = d.obj
    start = [float(v) for v in d.theta0]
    p0 = start[0]
    # the minimiser along this line, for a sensible range: a parabola for a quadratic loss
    probe = np.array([[p0 + t] + start[1:] for t in (-1.0, 0.0, 1.0)])
    l0, l1, l2 = loss_many(obj, probe)
    curv = l0 - 2 * l1 + l2
    centre = p0 - (l2 - l0) / (2 * curv) if curv > 0 and math.isfinite(curv) else p0
    half = max(abs(centre - p0) * 1.6, 1.0)
    xs = np.linspace(centre - half, centre + half, SLICE_POINTS)
    pts = np.array([[x] + start[1:] for x in xs])
    ys = loss_many(obj, pts)
    line = tuple((float(x), float(y)) for x, y in zip(xs, ys) if math.isfinite(y))
    if len(line) < 2:
        return None
    here = float(loss_many(obj, np.array([start]))[0])
    series = (Series("loss", "line", (line,)),)
    if math.isfinite(here):
        series += (Series("start", "marker", (((p0, here),),)),)
    from ..render.printer import unicode

    fixed = ", ".join(f"{unicode(p)} = {v:g}" for p, v in zip(obj.params[1:], start[1:]))
    caption = (f"The {'loss' if obj.kind == 'data' else 'function'} along {unicode(obj.params[0])}"
               + (f" with {fixed} fixed" if fixed else "") + ("; the dot is the starting point." if math.isfinite(here)
                                                              else "."))
    return Figure("slice", caption, obj.params[0], obj.L, series)

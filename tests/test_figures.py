"""Figures (derive/figures.py) and their renderers (SVG for Markdown, pgfplots for LaTeX), and the
width estimate that breaks long LaTeX lines (derive/render/widths.py)."""
import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import sympy as sp

from derive.figures import Figure, Series, contour_lines, nice_range, thin
from derive.render.pgf import figure_block, pgfplot
from derive.render.svg import nice_ticks, svg, tick_text
from derive.render.widths import tex_width


@pytest.mark.parametrize("f, level", [
    (lambda X, Y: X**2 + Y**2, 1.0),
    (lambda X, Y: 3 * (X - 0.5) ** 2 + (Y + 0.25) ** 2 + X * Y, 0.7),
    (lambda X, Y: np.abs(X) + np.abs(Y), 1.2),
])
def test_contour_points_lie_on_the_level(f, level):
    lines = contour_lines(f, (-2, 2), (-2, 2), [level], 80)
    assert lines
    for line in lines:
        pts = np.array(line)
        assert np.allclose(f(pts[:, 0], pts[:, 1]), level, atol=0.02)


def test_a_closed_contour_is_one_closed_line():
    (line,) = contour_lines(lambda X, Y: X**2 + 2 * Y**2, (-3, 3), (-3, 3), [2.0], 60)
    assert math.dist(line[0], line[-1]) < 1e-9 and len(line) > 40


def test_no_contour_outside_the_range():
    assert contour_lines(lambda X, Y: X**2 + Y**2, (-1, 1), (-1, 1), [100.0], 30) == []


def test_thin_keeps_the_ends_and_the_limit():
    pts = [(k, 1.0 / (k + 1)) for k in range(10_000)]
    out = thin(pts, 300)
    assert len(out) <= 300 and out[0] == pts[0] and out[-1] == (pts[-1][0], pts[-1][1])
    assert thin(pts[:50], 300) == tuple(pts[:50])


@pytest.mark.parametrize("lo, hi", [(0, 10), (-3.2, 7.9), (1e-6, 3e-6), (120000, 980000), (5, 5.0000001)])
def test_nice_ticks_cover_the_range_in_round_steps(lo, hi):
    ticks = nice_ticks(lo, hi)
    assert ticks and lo - 1e-9 <= ticks[0] and ticks[-1] <= hi + 1e-9 * max(1, abs(hi))
    if len(ticks) > 1:
        step = ticks[1] - ticks[0]
        mantissa = step / 10 ** math.floor(math.log10(step))
        assert round(mantissa, 6) in (1, 2, 5, 10)


@pytest.mark.parametrize("v, text", [(0.0, "0"), (2.5, "2.5"), (120000.0, "1.2×10⁵"), (-0.00025, "-2.5×10⁻⁴")])
def test_tick_text(v, text):
    assert tick_text(v) == text


def _figure(logy=False):
    return Figure("demo", "A demo & a <test>.", sp.Symbol("k"), sp.Function("L")(sp.Symbol("w")),
                  (Series("loss", "line", (((0.0, 100.0), (1.0, 10.0), (2.0, 1.0)),)),
                   Series("data", "points", (((0.5, 50.0), (1.5, 5.0)),)),
                   Series("optimum", "marker", (((2.0, 1.0),),))), logy=logy)


@pytest.mark.parametrize("logy", [False, True])
def test_svg_is_well_formed_and_deterministic(logy):
    text = svg(_figure(logy))
    root = ET.fromstring(text)
    assert root.tag.endswith("svg")
    assert text == svg(_figure(logy))
    assert "A demo &amp; a &lt;test&gt;." in text
    assert len(root.findall(".//{http://www.w3.org/2000/svg}polyline")) >= 1
    assert ("10²" in text) is logy


def test_pgfplot_has_every_point_and_a_legend():
    tex = pgfplot(_figure(True))
    assert tex.count("\\addplot") == 3 and "ymode=log" in tex
    assert "(0,100) (1,10) (2,1)" in tex
    assert tex.count("\\addlegendentry") == 2  # the line and the points, not the marker
    block = figure_block(_figure())
    assert "minipage" in block and "A demo \\& a \\ensuremath{<}test\\ensuremath{>}." in block


def test_nice_range_pads_and_handles_a_point():
    assert nice_range(0, 10, 0.1) == (-1.0, 11.0)
    lo, hi = nice_range(3, 3)
    assert lo < 3 < hi


@pytest.mark.parametrize("narrow, wide", [
    (r"x", r"x + y"),
    (r"\frac{1}{n}", r"\frac{1}{n} + \frac{2}{n}"),
    (r"\sum_{i=1}^{n} x_{i}", r"\sum_{i=1}^{n} x_{i} + \sum_{i=1}^{n} y_{i}"),
    (r"\begin{bmatrix}1 \\ 2\end{bmatrix}", r"\begin{bmatrix}1 & 2\end{bmatrix}"),
    (r"x^{2}", r"x^{2} y^{2}"),
])
def test_width_estimate_orders_expressions(narrow, wide):
    assert tex_width(narrow) < tex_width(wide)


def test_width_estimate_is_close_to_tex():
    """Calibrated against pdflatex (11 pt): within a factor 1.4 either way for typical rows."""
    rows = {r"\frac{\partial L}{\partial w} = \frac{2}{n} \sum_{i=1}^{n} \left(b + w x_{i} - y_{i}\right) x_{i}": 170,
            r"b = \bar{y} - w \bar{x}": 60}
    for tex, points in rows.items():
        assert 1 / 1.4 < tex_width(tex) * 11 / points < 1.4


def test_long_sums_break_across_lines_in_latex():
    from derive.render.layout import Row
    from derive.render.tex import LINE_EM, _fitted_body

    x = sp.IndexedBase("x")
    long = sp.Add(*[sp.Symbol(f"a_{k}") * x[k] ** 2 for k in range(1, 16)])
    from derive.render.printer import latex

    row = Row("L", "=", latex(long), expr=long, lhs_expr=sp.Symbol("L"))
    body = _fitted_body(row, "=")
    assert r"\begin{aligned}[t]" in body
    lines = re.split(r"\\\\", body)
    assert len(lines) > 1 and all(tex_width(line) <= LINE_EM + 2 for line in lines)

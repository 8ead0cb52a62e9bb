"""Figures as pgfplots code inside the LaTeX output (article and Beamer).

The points are written into the document, so it compiles with pdflatex alone (pgfplots is in
TeX Live's standard pictures collection; no gnuplot, no external files) and the same figure gives
the same bytes on every run. Numbers are written with six significant digits.

Example:
    >>> import sympy as sp
    >>> from derive.figures import Figure, Series
    >>> fig = Figure("demo", "A line.", sp.Symbol("x"), sp.Symbol("y"),
    ...              (Series("y = x", "line", (((0.0, 0.0), (1.0, 1.0)),)),))
    >>> "\\\\addplot" in pgfplot(fig)
    True
"""
from __future__ import annotations

import math

from ..figures import Figure
from .printer import latex
from .text import latex_text

PREAMBLE = "\\usepackage{pgfplots}\n\\pgfplotsset{compat=1.16}"
STYLES = {
    "line": "color=blue!70!black, thick",
    "dashed": "color=red!75!black, thick, dashed",
    "points": "only marks, mark=*, mark size=1.6pt, color=black",
    "path": "color=red!75!black, mark=*, mark size=1.2pt",
    "contour": "color=gray!70, thin, forget plot",
}


def _num(v: float) -> str:
    text = f"{v:.6g}"
    return "0" if text in ("-0", "0") else text


def _coords(piece, logy: bool) -> str:
    pts = [(x, y) for x, y in piece if math.isfinite(x) and math.isfinite(y) and (y > 0 or not logy)]
    return " ".join(f"({_num(x)},{_num(y)})" for x, y in pts)


def pgfplot(fig: Figure, width: str = "0.78\\linewidth", height: str = "0.48\\linewidth") -> str:
    """The figure as a tikzpicture with one pgfplots axis (no surrounding float)."""
    x0, x1, y0, y1 = fig.bounds()
    logy = fig.logy and y0 > 0
    opts = [f"width={width}", f"height={height}", f"xlabel={{${latex(fig.xlabel)}$}}",
            f"ylabel={{${latex(fig.ylabel)}$}}", "legend cell align=left", f"legend pos={fig.legend}",
            "tick label style={font=\\footnotesize}", "label style={font=\\small}",
            "scaled ticks=true", f"xmin={_num(x0)}", f"xmax={_num(x1)}"]
    if logy:
        opts.append("ymode=log")
    else:
        opts += [f"ymin={_num(y0)}", f"ymax={_num(y1)}"]
    lines = ["\\begin{tikzpicture}", "\\begin{axis}[" + ", ".join(opts) + "]"]
    labelled = [s for s in fig.series if s.style in ("line", "dashed", "points", "path")]
    legend = len(labelled) > 1
    for s in fig.series:
        style = STYLES.get(s.style)
        if s.style == "marker":
            style = ("only marks, mark=x, mark size=4pt, very thick, color=black" if s.label == "optimum"
                     else "only marks, mark=*, mark size=2.4pt, color=red!75!black")
        for k, piece in enumerate(s.pieces):
            coords = _coords(piece, logy)
            if not coords:
                continue
            extra = "" if (legend and s in labelled and k == 0) else (", forget plot" if "forget plot" not in style else "")
            lines.append(f"\\addplot[{style}{extra}] coordinates {{{coords}}};")
            if legend and s in labelled and k == 0:
                lines.append(f"\\addlegendentry{{{latex_text(s.label)}}}")
    lines += ["\\end{axis}", "\\end{tikzpicture}"]
    return "\n".join(lines)


def figure_block(fig: Figure) -> str:
    """The plot, centred, with its caption below (no float: it stays where the derivation puts it)."""
    # NOTE: a minipage keeps the plot and its caption on one page
    return ("\\par\\medskip\\noindent\\begin{minipage}{\\linewidth}\\centering\n" + pgfplot(fig)
            + "\n\n\\smallskip{\\small " + latex_text(fig.caption) + "}\n\\end{minipage}\\par\\medskip")

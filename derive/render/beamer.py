"""The Beamer format: slides, one frame per section (continued on more frames when it is long),
each step revealed on its own overlay.

No frame overflows: a section's rows are split into frames of at most :data:`ROWS_PER_FRAME`
rows (a chain's continuation repeats nothing, the next frame says "continued"), tables into
frames of :data:`TABLE_ROWS_PER_FRAME` rows, the details of a step (its substeps) go on a frame of
their own, and every display is set in a box that is scaled down when it is wider than the slide
or taller than the space left for it (``\\derivefit``, defined in the preamble from graphicx, which
Beamer loads).

Example:
    >>> import sympy as sp
    >>> from derive.rules import Rule
    >>> from derive.steps import Builder, Step
    >>> x = sp.Symbol("x")
    >>> B = Builder("demo", "Demo").section("Power rule")
    >>> _ = B.add(Step(Rule.POWER, sp.Derivative(x**3, x), 3*x**2))
    >>> "\\\\uncover<1->" in render_beamer(B.build())
    True
"""
from __future__ import annotations

import re

from ..steps import Derivation
from .layout import Row, layout
from .pgf import PREAMBLE as PGF_PREAMBLE
from .pgf import pgfplot
from .tex import LATEX, STYLE, _rich, _substeps, _table, annotation_text
from .templates import render_template
from .text import latex_text

# NOTE: LaTeX kept out of the template because jinja2 reads "{#" as the start of a comment
FIT_MACRO = r"""% \derivefit{H}{display}: the display, scaled down to the width of the slide and to height H if larger
\newsavebox{\derivebox}
\newcommand{\derivefit}[2]{%
  \sbox{\derivebox}{#2}%
  \ifdim\wd\derivebox>\linewidth\sbox{\derivebox}{\resizebox{\linewidth}{!}{\usebox{\derivebox}}}\fi
  \ifdim\dimexpr\ht\derivebox+\dp\derivebox\relax>#1\sbox{\derivebox}{\resizebox*{!}{#1}{\usebox{\derivebox}}}\fi
  \par{\centering\usebox{\derivebox}\par}}"""
ROWS_PER_FRAME = 6
NOTE_CHARS = 28  # a rule note longer than this wraps beside its row
TABLE_ROWS_PER_FRAME = 12
ITEMS_PER_FRAME = 7


def _cell(k: int, text: str) -> str:
    return rf"\uncover<{k}->{{{text}}}" if text else ""


def beamer_row(row: Row, k: int) -> str:
    """One row of an ``alignedat``, every cell uncovered from overlay ``k`` on; the rule and the
    equation number go in the last column (no ``\\tag`` in ``alignedat``)."""
    rel = {":=": r"\mathrel{:=}", "≈": r"\approx"}.get(row.rel, row.rel)
    mark = r"\iff\quad" if row.iff and not row.start else ""
    right = (f"{rel} {row.rhs}" + (f" {row.value}" if row.value else "")) if rel else ""
    lhs = row.lhs
    note = annotation_text(row)
    tag = f"({row.tag})" if row.tag else ""
    # NOTE: a long note wraps in a narrow box; on one line it widened the display, which \derivefit then
    # shrank until the math was unreadable
    text = (rf"\text{{\scriptsize {latex_text(note)}}}" if len(note) <= NOTE_CHARS else
            rf"\parbox[t]{{0.24\linewidth}}{{\raggedright\scriptsize {latex_text(note)}}}") if note else ""
    side = r"\quad " + text + (rf"\ {tag}" if tag else "")
    return " & ".join([_cell(k, mark), "", _cell(k, lhs), _cell(k, right), "",
                       _cell(k, side) if (note or tag) else ""])


def _frame(title: str, **parts) -> dict:
    """A frame for the template: every part present (empty unless given)."""
    return {"title": title, "intro": "", "rows": [], "outro": "", "reveal": 1, "details": [], "table": None,
            "figure": "", "caption": "", **parts}


def _height(row: Row) -> int:
    """About how many ordinary rows ``row`` is tall: a column of 10 entries counts as 3 (the tallest
    matrix decides; matrices side by side do not add up)."""
    lines = max((m.count(r"\\") + 1 for side in (row.lhs, row.rhs)
                 for m in re.findall(r"\\begin\{[bv]matrix\}(.*?)\\end\{[bv]matrix\}", side)), default=1)
    return max(1, (lines + 2) // 4)


def _by_height(rows: list[Row], budget: int) -> list[list[Row]]:
    """``rows`` in frames of at most ``budget`` ordinary rows' height (a row taller than that alone)."""
    frames, current, used = [], [], 0
    for r in rows:
        h = _height(r)
        if current and used + h > budget:
            frames.append(current)
            current, used = [], 0
        current.append(r)
        used += h
    return frames + [current]


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def _flatten(items: list[dict]) -> list[str]:
    out = []
    for item in items:
        out.append(item["text"])
        out.extend("\\quad " + t for t in _flatten(item["children"]))
    return out


def render_beamer(derivation: Derivation, *, digits: int = 6) -> str:
    """A Beamer deck (pdflatex): a title frame, then the sections as frames with overlays."""
    doc = layout(derivation, STYLE, digits=digits)
    f = LATEX
    frames = []
    for sec in doc.sections:
        title = _rich(sec.title, f) or _rich(doc.title, f)
        intro, outro = _rich(sec.intro, f), _rich(sec.outro, f)
        rows = [r for b in sec.blocks for r in b.rows]
        # NOTE: a section of only a table or a figure gets no empty frame before it
        parts = _by_height(rows, ROWS_PER_FRAME) if rows else ([[]] if intro or outro else [])
        for n, part in enumerate(parts):
            frames.append(_frame(title + (" (continued)" if n else ""), intro=intro if n == 0 else "",
                                 rows=[beamer_row(r, k) for k, r in enumerate(part, 1)],
                                 outro=outro if n == len(parts) - 1 else "", reveal=len(part) + 1))
        detailed = [r for r in rows if r.substeps]
        for r in detailed:
            what = f"The {r.rule} step" + (f" ({r.tag})" if r.tag else "") + " in detail"
            lines = _flatten(_substeps(r.substeps, f, 1, None))
            for n, chunk in enumerate(_chunks(lines, ITEMS_PER_FRAME)):
                frames.append(_frame(latex_text(what) + (" (continued)" if n else ""), details=chunk))
        if sec.table is not None:
            t = _table(sec.table, f)
            for n, chunk in enumerate(_chunks(t["rows"], TABLE_ROWS_PER_FRAME)):
                last = n == len(_chunks(t["rows"], TABLE_ROWS_PER_FRAME)) - 1
                frames.append(_frame(title + (" (table, continued)" if n else " (table)"),
                                     table={"header": t["header"], "rows": chunk,
                                            "totals": t["totals"] if last else None}))
        for fig in sec.figures:
            frames.append(_frame(title, figure=pgfplot(fig, width="0.92\\linewidth", height="0.62\\textheight"),
                                 caption=latex_text(fig.caption)))
    results = [f"{r.name} &= {r.exact}" + (f" {r.value}" if r.value else "") for r in doc.results]
    checks = [{"mark": f.marks[0] if c.passed else f.marks[1], "line": f.strong(f.prose(c.name)) + f.dash
               + f.prose(c.detail)} for c in doc.checks]
    return render_template("beamer.tex.j2", title=_rich(doc.title, f), frames=frames, results=results,
                           results_title=f.prose(doc.results_title),
                           checks=checks, figures=any(s.figures for s in derivation.sections),
                           pgfplots=PGF_PREAMBLE, fit_macro=FIT_MACRO)

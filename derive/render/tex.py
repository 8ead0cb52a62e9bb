"""The Markdown and LaTeX formats: both write the math as LaTeX, in aligned chains.

Markdown uses ``$$\\begin{aligned}…\\end{aligned}$$`` blocks and ``$…$`` inline math, which
GitHub, Jupyter, Pandoc and KaTeX all read: no ``align*``, no ``\\tag`` — equation numbers are
written as ``\\qquad (3)``. LaTeX is a standalone article (amsmath, amssymb, geometry, booktabs)
with ``align*`` environments and ``\\tag{3}``.

Example:
    >>> import sympy as sp
    >>> from derive.rules import Rule
    >>> from derive.steps import Builder, Step
    >>> x = sp.Symbol("x")
    >>> B = Builder("demo", "Demo").section("Power rule")
    >>> _ = B.add(Step(Rule.POWER, sp.Derivative(x**3, x), 3*x**2))
    >>> [l for l in render_markdown(B.build(), digits=6).splitlines() if "power" in l]
    ['& & \\\\frac{d}{d x} x^{3} &= 3 x^{2} & & \\\\qquad \\\\text{power rule}']
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..steps import Derivation
from . import numbers
from .layout import Row, SectionLayout, Style, TableLayout, layout
from .printer import latex
from .templates import render_template
from .text import latex_text, markdown_text, math_text

STYLE = Style(latex, r"\approx", numbers.latex_decimal)
LATEX_LIST_DEPTH = 4
# NOTE: in LaTeX the text beside a row wraps in a narrow column instead of widening the page
ANNOTATION = r"\parbox[t]{0.24\textwidth}{\raggedright\footnotesize %s}"  # LaTeX nests itemize at most four deep; deeper substeps stay at level four


@dataclass(frozen=True)
class Flavour:
    """What differs between the two formats."""

    prose: Callable[[str], str]  # plain text in a paragraph
    text_math: Callable[[str], str]  # math inside a paragraph or heading
    math_prose: Callable[[str], str]  # plain text inside display math
    inline: Callable[[str], str]  # inline math
    emphasis: Callable[[str], str]
    strong: Callable[[str], str]
    dash: str
    marks: tuple[str, str]  # passed, failed
    tags: bool  # \tag{3} (LaTeX) or \qquad (3) (Markdown)


MARKDOWN = Flavour(markdown_text, lambda m: f"${m}$", math_text, lambda m: f"${m}$", lambda t: f"*{t}*", lambda t: f"**{t}**",
                   " — ", ("✓", "✗"), tags=False)
LATEX = Flavour(latex_text, lambda m: rf"\({m}\)", lambda s: ANNOTATION % latex_text(s), lambda m: rf"\(\displaystyle {m}\)",
                lambda t: rf"\textit{{{t}}}", lambda t: rf"\textbf{{{t}}}", " --- ",
                (r"$\checkmark$", r"$\times$"), tags=True)


def annotation_text(row: Row) -> str:
    """The plain text beside a row: rule label, note, cited and restated equations."""
    parts = []
    if row.rule or row.note:
        parts.append(": ".join(p for p in (row.rule, row.note) if p))
    if row.cites:
        parts.append("using " + ", ".join(f"({c})" for c in row.cites))
    if row.restates:
        parts.append(f"from ({row.restates})")
    return "; ".join(parts)


def aligned_row(row: Row, f: Flavour) -> str:
    """One row of a three-column alignat: ``⇔ & & lhs &= rhs & & \\qquad rule \\tag{3}``.

    The first column holds the ⇔ of an equation that follows from the one above (so that the
    marks line up on the left), the second the equation aligned at its relation sign, the third
    the rule beside it.
    """
    rel = r"\mathrel{:=}" if row.rel == ":=" else row.rel
    mark = r"\iff\quad" if row.iff and not row.start else ""
    body = (f"{row.lhs} " if row.lhs else "") + f"&{rel} {row.rhs}" if rel else f"& {row.lhs}"
    if row.value:
        body += f" {row.value}"
    text = annotation_text(row)
    note = f.math_prose(text) if text else ""
    if row.tag and not f.tags:
        note = (note + r" \qquad " if note else "") + f"({row.tag})"
    line = f"{mark} & & {body}".strip()
    if note:
        line += rf" & & \qquad {note}"
    if row.tag and f.tags:
        line += rf" \tag{{{row.tag}}}"
    return line


def _inline(row: Row, f: Flavour) -> str:
    """A substep on one line: inline math, then its rule in italics."""
    rel = r"\iff" if row.rel == "⇔" else row.rel
    math = f"{row.lhs} {rel} {row.rhs}" + (f" {row.value}" if row.value else "")
    if row.tag:
        math += r" \qquad " + f"({row.tag})"
    rule = (row.rule + (f": {row.note}" if row.note else "")) if row.rule else row.note
    return f.inline(math) + (f.dash + f.emphasis(f.prose(rule)) if rule else "")


def _substeps(rows: list[Row], f: Flavour, depth: int = 1, cap: int | None = None) -> list[dict]:
    """Nested items {math, text, children}; beyond ``cap`` levels children become siblings."""
    items: list[dict] = []
    for r in rows:
        item = {"text": _inline(r, f), "children": []}
        items.append(item)
        if cap is not None and depth >= cap:
            items.extend(_substeps(r.substeps, f, depth, cap))
        else:
            item["children"] = _substeps(r.substeps, f, depth + 1, cap)
    return items


def _rich(spans, f: Flavour) -> str:
    """Prose spans: text escaped for the format, math as inline math."""
    return "".join(f.prose(t) if kind == "text" else f.text_math(t) for kind, t in spans)


def _details(block, f: Flavour, cap: int | None) -> list[dict]:
    """One item per step with substeps: which step it is, then its substeps nested below."""
    items = []
    for r in block.detailed:
        what = f"The {r.rule} step" + (f" ({r.tag})" if r.tag else "") + " in detail:"
        items.append({"text": f.emphasis(f.prose(what)), "children": _substeps(r.substeps, f, 2, cap)})
    return items


def _table(t: TableLayout, f: Flavour) -> dict:
    cell = lambda m: f"${m}$" if m else ""  # noqa: E731
    return {"header": [cell("i")] + [cell(h) for h in t.header],
            "rows": [[cell(label)] + [cell(c) for c in cells] for label, cells in t.rows],
            "totals": [cell(r"\Sigma")] + [cell(c) for c in t.totals] if t.totals is not None else None}


def _section(sec: SectionLayout, f: Flavour, cap: int | None) -> dict:
    blocks = [{"rows": [aligned_row(r, f) for r in b.rows], "substeps": _details(b, f, cap)} for b in sec.blocks]
    return {
        "title": _rich(sec.title, f),
        "intro": _rich(sec.intro, f),
        "outro": _rich(sec.outro, f),
        "table": _table(sec.table, f) if sec.table is not None else None,
        "blocks": blocks,
    }


def _context(derivation: Derivation, f: Flavour, digits: int, cap: int | None) -> dict:
    doc = layout(derivation, STYLE, digits=digits)
    results = [f"{r.name} &= {r.exact}" + (f" {r.value}" if r.value else "") for r in doc.results]
    checks = [{"passed": c.passed, "mark": f.marks[0] if c.passed else f.marks[1],
               "line": f.strong(f.prose(c.name)) + f.dash + f.prose(c.detail)} for c in doc.checks]
    return {"title": _rich(doc.title, f), "command": f.prose(doc.command),
            "sections": [_section(s, f, cap) for s in doc.sections], "results": results, "checks": checks}


def render_markdown(derivation: Derivation, *, digits: int = 6) -> str:
    """Markdown with display math that GitHub, Jupyter, Pandoc and KaTeX render."""
    return render_template("markdown.md.j2", **_context(derivation, MARKDOWN, digits, None))


def render_latex(derivation: Derivation, *, digits: int = 6) -> str:
    """A standalone LaTeX article (pdflatex; amsmath, amssymb, geometry, booktabs)."""
    return render_template("latex.tex.j2", **_context(derivation, LATEX, digits, LATEX_LIST_DEPTH))

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
from html import escape as html_escape

import sympy as sp
from typing import Callable

from ..steps import Derivation
from . import numbers
from .layout import Row, SectionLayout, Style, TableLayout, layout
from .pgf import PREAMBLE as PGF_PREAMBLE
from .pgf import figure_block
from .printer import latex
from .templates import render_template
from .text import latex_text, markdown_text, math_text
from .widths import tex_width

STYLE = Style(latex, r"\approx", numbers.latex_decimal)
LATEX_LIST_DEPTH = 4  # LaTeX nests itemize at most four deep; deeper substeps stay at level four
# NOTE: in LaTeX the text beside a row wraps in a narrow column instead of widening the page
ANNOTATION = r"\parbox[t]{0.24\textwidth}{\raggedright\footnotesize %s}"


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
    label_prefix: str | None = None  # \label{prefix:3} beside \tag{3} (LaTeX fragments)


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
    rel = {":=": r"\mathrel{:=}", "≈": r"\approx"}.get(row.rel, row.rel)
    mark = r"\iff\quad" if row.iff and not row.start else ""
    body = (f"{row.lhs} " if row.lhs else "") + f"&{rel} {row.rhs}" if rel else f"& {row.lhs}"
    if row.value:
        body += f" {row.value}"
    text = annotation_text(row)
    note = f.math_prose(text) if text else ""
    if row.tag and not f.tags:
        note = (note + r" \qquad " if note else "") + f"({row.tag})"
    if f.tags:
        return _tagged_row(row, mark, body, text, f)
    line = f"{mark} & & {body}".strip()
    if note:
        line += rf" & & \qquad {note}"
    return line


# NOTE: a row of math wider than this (in em, estimated) is set on several lines; 30 em is about
# 300 pt at 10 pt, which fits the text width of a default article (345 pt) and of our own (483 pt).
LINE_EM = 30
ITEM_EM = 26  # the same for a substep in a (nested) list, which is indented


def _broken_side(expr, width: float) -> str | None:
    """A sum set on several lines of at most ``width`` em (None if ``expr`` is not a sum)."""
    from .printer import DeriveLatexPrinter

    printer = DeriveLatexPrinter()
    if isinstance(expr, sp.MatMul) and len(expr.args) > 1:  # a product of explicit matrices, factor by factor
        pieces = [(" " if k else "") + printer._print(a) for k, a in enumerate(expr.args)]
    elif isinstance(expr, sp.Add):
        pieces = printer.add_terms(expr)
    else:
        return None
    lines, current = [], ""
    for piece in pieces:
        if current and tex_width(current + piece) > width:
            lines.append(current)
            current = piece.lstrip()
        else:
            current += piece
    lines.append(current)
    if len(lines) == 1:
        return None
    return r"\begin{aligned}[t] & " + r" \\ & \quad ".join(lines) + r" \end{aligned}"


def _fitted_body(row: Row, rel: str) -> str:
    """``lhs &rel rhs``, broken across lines when it is too wide: a long sum term by term, otherwise the
    right-hand side on a line of its own."""
    rhs = row.rhs + (f" {row.value}" if row.value else "")
    lhs_w, rhs_w = tex_width(row.lhs), tex_width(rhs)
    if lhs_w + 1.5 + rhs_w <= LINE_EM:
        return (f"{row.lhs} " if row.lhs else "") + f"&{rel} {rhs}"
    if rhs_w > LINE_EM - lhs_w - 1.5 and lhs_w < LINE_EM / 2:
        broken = _broken_side(row.expr, LINE_EM - lhs_w - 3)
        if broken is not None:
            return (f"{row.lhs} " if row.lhs else "") + f"&{rel} {broken}" + (f" {row.value}" if row.value else "")
    if lhs_w > LINE_EM - 3:
        broken = _broken_side(row.lhs_expr, LINE_EM - 3)
        if broken is not None:
            return f"{broken} &{rel} {rhs}" if rhs_w < LINE_EM / 2 else rf"{broken} & \\ & & &{rel} {rhs}"
    if row.lhs:  # the right-hand side on the next line
        return rf"{row.lhs} & \\ & & &{rel} {rhs}"
    return f"&{rel} {rhs}"


def _tagged_row(row: Row, mark: str, body: str, text: str, f: Flavour) -> str:
    """A LaTeX row: the rule beside it as a tag (``\\derivenote``), which amsmath moves to a line of its
    own when the math leaves no room for it; the equation number after the rule, labelled in fragments."""
    note = latex_text(text) if text else ""
    number = f"({row.tag})" if row.tag else ""
    if row.rel:
        rel = {":=": r"\mathrel{:=}", "≈": r"\approx"}.get(row.rel, row.rel)
        body = _fitted_body(row, rel)
    line = f"{mark} & & {body}"
    if note or number:
        line += rf" \tag*{{\derivenote{{{note}}}{{{number}}}}}"
    if row.tag and f.label_prefix:
        line += rf"\derivelabel{{{f.label_prefix}:{row.tag}}}{{{row.tag}}}"
    return line


def _inline(row: Row, f: Flavour) -> str:
    """A substep on one line: inline math, then its rule in italics."""
    rel = {"⇔": r"\iff", "≈": r"\approx"}.get(row.rel, row.rel)
    math = f"{row.lhs} {rel} {row.rhs}" + (f" {row.value}" if row.value else "")
    if row.tag:
        math += r" \qquad " + f"({row.tag})"
    rule = (row.rule + (f": {row.note}" if row.note else "")) if row.rule else row.note
    if f.tags and row.lhs and rel and tex_width(math) > ITEM_EM:
        # NOTE: inline math breaks only between top-level terms; a wide substep gets its right-hand side
        # on a line of its own, a long sum broken term by term
        rhs = row.rhs
        if tex_width(rhs) > ITEM_EM - 2:
            rhs = _broken_side(row.expr, ITEM_EM - 4) or rhs
        rhs += (f" {row.value}" if row.value else "") + (r" \qquad " + f"({row.tag})" if row.tag else "")
        return (f.inline(row.lhs) + r" \\ " + f.inline(f"{{}}{rel} {rhs}")
                + (f.dash + f.emphasis(f.prose(rule)) if rule else ""))
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
    rows = [[cell(label)] + [cell(c) for c in cells] for label, cells in t.rows]
    if t.gap is not None:
        rows.insert(t.gap, [cell(r"\vdots")] * (len(t.header) + 1))
    return {"header": [cell(t.index)] + [cell(h) for h in t.header],
            "rows": rows,
            "totals": [cell(r"\Sigma")] + [cell(c) for c in t.totals] if t.totals is not None else None}


def _widths(rows: list[Row]) -> tuple[float, float]:
    """The estimated widths (em) of the left and the right column of an alignat holding ``rows``."""
    lhs = max((tex_width(r.lhs) for r in rows if r.lhs), default=0.0)
    rhs = max((tex_width(r.rhs + (f" {r.value}" if r.value else "")) for r in rows), default=0.0)
    return lhs, rhs


def _groups(rows: list[Row]) -> list[list[Row]]:
    """``rows`` as one alignat, or — when the widest left side of one row and the widest right side of
    another would together run off the page (an alignat gives every row both column widths) — as
    several, split where a row starts with its own left side, consecutive rows kept together while
    they fit."""
    if sum(_widths(rows)) + 1.5 <= LINE_EM:
        return [rows]
    chains: list[list[Row]] = []
    for r in rows:
        if r.lhs or not chains:
            chains.append([r])
        else:
            chains[-1].append(r)
    groups = [chains[0]]
    for chain in chains[1:]:
        if sum(_widths(groups[-1] + chain)) + 1.5 <= LINE_EM:
            groups[-1] = groups[-1] + chain
        else:
            groups.append(chain)
    return groups


def _blocks(b, f: Flavour, cap: int | None) -> list[dict]:
    """The alignat environments of a block (LaTeX), its substeps after the last one."""
    groups = _groups(b.rows) if f.tags else [b.rows]
    out = [{"rows": [aligned_row(r, f) for r in g], "substeps": []} for g in groups]
    out[-1]["substeps"] = _details(b, f, cap)
    return out


def _section(sec: SectionLayout, f: Flavour, cap: int | None, figure) -> dict:
    blocks = [part for b in sec.blocks for part in _blocks(b, f, cap)]
    return {
        "figures": [figure(fig) for fig in sec.figures],
        "title": _rich(sec.title, f),
        "intro": _rich(sec.intro, f),
        "outro": _rich(sec.outro, f),
        "table": _table(sec.table, f) if sec.table is not None else None,
        "blocks": blocks,
    }


def _context(derivation: Derivation, f: Flavour, digits: int, cap: int | None, figure) -> dict:
    doc = layout(derivation, STYLE, digits=digits)
    results = [f"{r.name} &= {r.exact}" + (f" {r.value}" if r.value else "") for r in doc.results]
    checks = [{"passed": c.passed, "mark": f.marks[0] if c.passed else f.marks[1],
               "line": f.strong(f.prose(c.name)) + f.dash + f.prose(c.detail)} for c in doc.checks]
    return {"title": _rich(doc.title, f), "command": f.prose(doc.command),
            "sections": [_section(s, f, cap, figure) for s in doc.sections], "results": results, "checks": checks,
            "results_title": f.prose(doc.results_title),
            "figures": any(s.figures for s in derivation.sections), "pgfplots": PGF_PREAMBLE}


def markdown_figure(fig, prefix: str | None) -> str:
    """An image and its caption: a link to ``<prefix>-<name>.svg``, or with no prefix the SVG inline as
    a data URI (for standard output and Jupyter, where there is no file to link to)."""
    alt = fig.caption.replace("[", "(").replace("]", ")")
    if prefix is None:
        import base64

        from .svg import svg

        data = base64.b64encode(svg(fig).encode("utf-8")).decode("ascii")
        image = f'<img alt="{html_escape(alt)}" src="data:image/svg+xml;base64,{data}"/>'
    else:
        image = f"![{markdown_text(alt)}]({figure_file(prefix, fig)})"
    return f"{image}\n\n*{markdown_text(fig.caption)}*"


def figure_file(prefix: str, fig) -> str:
    """The file name of a figure next to a Markdown file: ``notes-loss.svg`` for notes.md."""
    return f"{prefix}-{fig.name}.svg"


def render_markdown(derivation: Derivation, *, digits: int = 6, figure_prefix: str | None = None) -> str:
    """Markdown with display math that GitHub, Jupyter, Pandoc and KaTeX render; figures as SVG files
    named after ``figure_prefix`` (see :func:`figure_file`), or inline without one."""
    figure = lambda fig: markdown_figure(fig, figure_prefix)  # noqa: E731
    return render_template("markdown.md.j2", **_context(derivation, MARKDOWN, digits, None, figure))


def render_fragment(derivation: Derivation, *, digits: int = 6, label_prefix: str = "derive") -> str:
    """LaTeX to ``\\input`` into existing notes: no preamble, only amsmath and amssymb, every environment
    closed, each numbered equation labelled ``<label_prefix>:<number>``. Figures appear only where the
    host document loads pgfplots."""
    from dataclasses import replace

    f = replace(LATEX, label_prefix=label_prefix)
    context = _context(derivation, f, digits, LATEX_LIST_DEPTH, fragment_figure)
    return render_template("fragment.tex.j2", **context, label_prefix=label_prefix, heading_macros=HEADING_MACROS,
                           note_macros=NOTE_MACROS)


# NOTE: kept out of the templates because jinja2 reads "{#" as the start of a comment.
# \derivenote{rule}{(3)}: the rule in small type, at most a third of the line wide (wrapped beyond),
# then the equation number; \derivelabel{key}{3}: \label the number itself, even inside \tag*.
NOTE_MACROS = r"""\providecommand{\derivenote}[2]{\setbox0\hbox{\footnotesize #1}%
\ifdim\wd0>0.33\linewidth\parbox[t]{0.33\linewidth}{\raggedleft\footnotesize #1}\else\box0\fi
\ifx\relax#2\relax\else\quad #2\fi}
\makeatletter
\providecommand{\derivelabel}[2]{\begingroup\def\@currentlabel{#2}\ltx@label{#1}\endgroup}
\makeatother"""
HEADING_MACROS = "\\providecommand{\\derivetitle}[1]{\\subsection*{#1}}\n\\providecommand{\\deriveheading}[1]{\\subsubsection*{#1}}"


def fragment_figure(fig) -> str:
    """A figure for a fragment: drawn when the host document has loaded pgfplots, else a note."""
    return ("\\ifdefined\\pgfplotsset\n" + figure_block(fig) + "\n\\else\n\\par{\\small\\itshape "
            + latex_text(f"(Figure: {fig.caption} Load pgfplots in the preamble to draw it.)")
            + "}\\par\n\\fi")


def render_latex(derivation: Derivation, *, digits: int = 6) -> str:
    """A standalone LaTeX article (pdflatex; amsmath, amssymb, geometry, booktabs; pgfplots for figures)."""
    return render_template("latex.tex.j2", **_context(derivation, LATEX, digits, LATEX_LIST_DEPTH, figure_block),
                           note_macros=NOTE_MACROS)

"""The terminal format: Unicode math in aligned chains, step numbers, rule labels, optional colour.

Python lays out every line here (alignment needs display widths); the template only orders the
parts of the document.

Example:
    >>> import sympy as sp
    >>> from derive.rules import Rule
    >>> from derive.steps import Builder, Step
    >>> x = sp.Symbol("x")
    >>> B = Builder("demo", "Demo").section("Power rule")
    >>> _ = B.add(Step(Rule.POWER, sp.Derivative(x**3, x), 3*x**2))
    >>> print(render_terminal(B.build(), digits=6).splitlines()[6])
       1   d/dx x³ = 3 x²   power rule
"""
from __future__ import annotations

from ..steps import Derivation
from . import numbers
from .layout import DocLayout, Row, SectionLayout, Style, TableLayout, layout, plain
from .printer import unicode
from .templates import render_template
from .text import Colour, pad, width, wrap

STYLE = Style(unicode, "≈", numbers.unicode_decimal)
ALIGN_MAX = 40  # a longer left-hand side is not aligned under: its chain is indented instead
ALIGN_SPREAD = 12  # equations are aligned at = only when their left sides differ this little
ANNOTATION_COLUMN = 60  # rule labels start here, or after the math when it is longer
NUMBER_WIDTH = 4


def _annotation(row: Row) -> str:
    parts = []
    if row.rule:
        parts.append(row.rule + (f": {row.note}" if row.note else ""))
    elif row.note:
        parts.append(row.note)
    if row.cites:
        parts.append("using " + ", ".join(f"({c})" for c in row.cites))
    if row.restates:
        parts.append(f"from ({row.restates})")
    return "; ".join(parts)


def _chains(rows: list[Row]) -> list[list[Row]]:
    chains: list[list[Row]] = []
    for row in rows:
        if row.start or not chains:
            chains.append([row])
        else:
            chains[-1].append(row)
    return chains


def _math(chain: list[Row]) -> list[str]:
    """The math of each row of a chain, aligned at its relation sign."""
    if chain[0].equation:
        # equations: one per row, right-aligned at =, the ones that follow marked ⇔
        widths = [width(r.lhs) for r in chain]
        lhs_width = max(widths)
        # NOTE: left sides of very different lengths are not aligned: the padding would swamp the short ones
        align = lhs_width <= ALIGN_MAX and lhs_width - min(widths) <= ALIGN_SPREAD
        out = []
        for r in chain:
            mark = "⇔ " if r.iff and r is not chain[0] else "  "
            left = pad(r.lhs, lhs_width, right=True) if align else r.lhs
            out.append(mark + (f"{left} {r.rel} {r.rhs}" if r.rel else left))
        return out
    lead = chain[0]
    lead_width = width(lead.lhs)
    indent = lead_width if lead_width <= ALIGN_MAX else 4
    out = [f"  {lead.lhs} {lead.rel} {lead.rhs}"]
    out += [f"  {' ' * indent} {r.rel} {r.rhs}" for r in chain[1:]]
    return out


def _finish(math: str, row: Row) -> str:
    if row.value:
        math += f" {row.value}"
    if row.tag:
        math += f"   ({row.tag})"
    return math


def _substep_lines(row: Row, out: list) -> None:
    for s in row.substeps:
        indent = " " * (NUMBER_WIDTH + 2 + 3 * s.depth)
        rel = f" {s.rel} " if s.rel else " "
        out.append((f"{indent}{s.number}  " + _finish(f"{s.lhs}{rel}{s.rhs}", s), _annotation(s), s.number))
        _substep_lines(s, out)


def _section_lines(sec: SectionLayout, c: Colour) -> list[str]:
    rows = [r for b in sec.blocks for r in b.rows]
    entries: list[tuple[str, str, str]] = []  # (left part, annotation, number)
    for chain in _chains(rows):
        for r, math in zip(chain, _math(chain)):
            entries.append((pad(r.number, NUMBER_WIDTH, right=True) + " " + _finish(math, r), _annotation(r), r.number))
            _substep_lines(r, entries)
    column = min(max((width(e[0]) for e in entries), default=0), ANNOTATION_COLUMN)
    lines = []
    for left, note, number in entries:
        if number:
            head = left[: left.index(number) + len(number)]
            left = head.replace(number, c("dim", number), 1) + left[len(head):]
        lines.append((pad(left, column) + "   " + c("cyan", note)) if note else left)
    return [line.rstrip() for line in lines]


def _table_lines(t: TableLayout) -> list[str]:
    body = [[label] + cells for label, cells in t.rows]
    if t.gap is not None:
        body.insert(t.gap, ["⋮"] * (len(t.header) + 1))
    grid = [[t.index] + t.header] + body
    if t.totals is not None:
        grid.append(["Σ"] + t.totals)
    widths = [max(width(row[k]) for row in grid) for k in range(len(grid[0]))]
    fmt = lambda row: "  " + "  ".join(pad(cell, w, right=True) for cell, w in zip(row, widths))  # noqa: E731
    rule = "  " + "─" * (sum(widths) + 2 * (len(widths) - 1))
    lines = [fmt(grid[0]), rule] + [fmt(r) for r in grid[1:len(body) + 1]]
    if t.totals is not None:
        lines += [rule, fmt(grid[-1])]
    return [line.rstrip() for line in lines]


def render_terminal(derivation: Derivation, *, digits: int = 6, color: bool = False) -> str:
    """The derivation as readable Unicode text (ANSI colour only when ``color``)."""
    doc: DocLayout = layout(derivation, STYLE, digits=digits)
    c = Colour(color)
    sections = []
    for sec in doc.sections:
        title, intro, outro = plain(sec.title), plain(sec.intro), plain(sec.outro)
        sections.append({
            "heading": c("heading", title),
            "underline": "─" * width(title),
            "intro": wrap(intro) if intro else [],
            "table": _table_lines(sec.table) if sec.table is not None else [],
            "lines": _section_lines(sec, c),
            "outro": (wrap(outro) if outro else []) + [
                line for fig in sec.figures
                for line in wrap(f"Figure ({fig.name}): {fig.caption} It is drawn in the Markdown and LaTeX output.")],
        })
    results = [c("bold", f"{r.name} = {r.exact}") + (f" {r.value}" if r.value else "") for r in doc.results]
    checks = []
    for chk in doc.checks:
        mark = c("green", "✓") if chk.passed else c("red", "✗")
        wrapped = wrap(f"{chk.name} — {chk.detail}", indent="    ")
        checks.append(f"  {mark} " + wrapped[0].lstrip())
        checks.extend(wrapped[1:])
    return render_template(
        "terminal.txt.j2",
        title=c("bold", plain(doc.title)), title_rule="═" * width(plain(doc.title)), command=doc.command,
        sections=sections, results=results, checks=checks, results_title=doc.results_title,
    )

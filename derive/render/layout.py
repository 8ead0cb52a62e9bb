"""From a :class:`~derive.steps.Derivation` to rows of printed math: the layout every format shares.

Within a section, steps form *chains*: a step whose ``before`` is the previous step's ``after``
continues the chain and shows only ``= after``; any other step starts a new chain with
``before = after``. Equation steps show whole equations, one per row, the new one marked ⇔.
A section's rows form one *block*; the substeps of its rows are laid out (nested) inline in the
terminal, and after the block, one list per detailed step, in Markdown and LaTeX. Top-level steps are numbered 1, 2, 3, … through the
derivation, substeps 3.1, 3.2, 3.2.1, ….

The math is printed by the :class:`Style`'s printer; prose is left as plain text for each format
to escape.

Example:
    >>> from derive.render.printer import unicode
    >>> import sympy as sp
    >>> from derive.rules import Rule
    >>> from derive.steps import Builder, Step
    >>> x = sp.Symbol("x")
    >>> B = Builder("demo", "Demo").section("Power rule")
    >>> _ = B.add(Step(Rule.POWER, sp.Derivative(x**3, x), 3*x**2))
    >>> doc = layout(B.build(), Style(unicode, "≈", str), digits=6)
    >>> row = doc.sections[0].blocks[0].rows[0]
    >>> row.lhs, row.rel, row.rhs, row.rule
    ('d/dx x³', '=', '3 x²', 'power rule')
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import sympy as sp
from sympy.core.relational import Relational

from ..rules import CheckKind, Rule
from ..steps import Derivation, Section, Step, Table, prose_parts
from . import numbers
from .forms import is_written

# NOTE: the catalogue's label "similarly" reads badly on its own beside a step.
RULE_LABELS = {Rule.SIMILARLY: "similarly, as above"}


def rule_label(rule: Rule) -> str:
    return RULE_LABELS.get(rule, rule.label)


@dataclass(frozen=True)
class Style:
    """How a format prints: the math printer, its ≈ sign, and how it writes a decimal string."""

    math: Callable[[sp.Basic], str]
    approx: str
    number: Callable[[str], str]


@dataclass
class Row:
    """One line of math. ``lhs rel rhs``; a continuation has an empty lhs."""

    lhs: str
    rel: str
    rhs: str
    number: str = ""
    start: bool = False  # first row of a chain
    equation: bool = False  # part of a chain of equations (one whole equation per row)
    iff: bool = False  # an equation that follows from the one above
    rule: str = ""
    note: str = ""
    tag: str = ""  # equation number of this row
    cites: tuple[str, ...] = ()  # equation numbers used ("using (3)")
    restates: str = ""  # the equation number this row repeats ("from (2)")
    value: str = ""  # "= 2.625" or "≈ 1.71589" after a number
    substeps: list["Row"] = field(default_factory=list)
    depth: int = 0
    expr: object = None  # the right-hand side as a sympy object (a format may print it in pieces)
    lhs_expr: object = None  # the left-hand side as a sympy object, when there is one


@dataclass
class Block:
    rows: list[Row]

    @property
    def detailed(self) -> list[Row]:
        """The rows whose steps have substeps, in order."""
        return [r for r in self.rows if r.substeps]


@dataclass
class TableLayout:
    header: list[str]  # printed column expressions, after the row-number column
    rows: list[tuple[str, list[str]]]  # (row label, cells)
    totals: list[str] | None
    gap: int | None = None  # rows are elided before rows[gap]: each format marks the gap with a row of dots
    index: str = "i"  # the printed heading of the row-number column


Spans = list  # [("text", str) | ("math", str)]


def spans(p, style: "Style") -> Spans:
    """Prose (see steps.prose_parts) as text and printed-math spans."""
    return [("text", part) if isinstance(part, str) else ("math", style.math(part)) for part in prose_parts(p) if
            not (isinstance(part, str) and part == "")]


def plain(sp_list: Spans) -> str:
    """Spans joined as they read in plain text (math as printed)."""
    return "".join(text for _, text in sp_list)


@dataclass
class SectionLayout:
    title: Spans
    intro: Spans
    outro: Spans
    blocks: list[Block]
    table: TableLayout | None
    figures: list = field(default_factory=list)  # derive.figures.Figure objects


@dataclass
class ResultLayout:
    name: str
    exact: str
    value: str  # "= 2.625", "≈ 1.71589" or ""


@dataclass
class DocLayout:
    command: str
    title: Spans
    sections: list[SectionLayout]
    results: list[ResultLayout]
    checks: list  # the CrossCheck objects themselves (prose only)
    results_title: str = "Result"  # the heading of the results (plain text)


TABLE_DIGITS = 15


def number_text(value: sp.Basic, style: Style, digits: int) -> str:
    """A number in a table cell: its decimal, marked ≈ when rounded."""
    if value is None:
        return ""
    if value.is_Rational:
        # NOTE: a table shows data and exact intermediate values: a terminating decimal is shown in
        # full (up to TABLE_DIGITS significant digits) even when --digits is smaller.
        shown = max(digits, TABLE_DIGITS) if numbers.is_exact(value, TABLE_DIGITS) else digits
        text = style.number(numbers.decimal(value, shown))
        return text if numbers.is_exact(value, shown) else f"{style.approx} {text}"
    if value.is_Float:  # a float64 value has no more digits to show than it carries
        from mpmath.libmp import prec_to_dps

        digits = min(digits, prec_to_dps(value._prec))
    if value.is_number and value.is_real:
        return f"{style.approx} {style.number(numbers.approximate(value, digits))}"
    return style.math(value)


def value_suffix(value: sp.Basic, style: Style, digits: int) -> str:
    """``= 2.625`` or ``≈ 1.71589`` to follow a non-integer number; empty for anything else
    (symbols, integers, decimals, and arithmetic still written out)."""
    if isinstance(value, sp.UnevaluatedExpr) and value.args[0].is_Rational:
        if numbers.written(value.args[0]) is not None:
            return ""  # already written as its exact decimal
        value = value.args[0]
    if not isinstance(value, sp.Basic) or not value.is_number or value.is_Integer or value.is_Float:
        return ""
    if value.is_Rational:
        text = style.number(numbers.decimal(value, digits))
        return f"= {text}" if numbers.is_exact(value, digits) else f"{style.approx} {text}"
    if value.has(sp.UnevaluatedExpr) or is_written(value) or value.is_real is not True:
        return ""
    return f"{style.approx} {style.number(numbers.approximate(value, digits))}"


class _Layout:
    def __init__(self, style: Style, digits: int):
        self.style, self.digits = style, digits
        self.count = 0
        self.labelled: dict = {}  # after -> equation number

    def math(self, e: sp.Basic) -> str:
        return self.style.math(e)

    def statement(self, e: sp.Basic) -> tuple[str, str, str]:
        """An equation split at its = sign (anything else whole, in the lhs)."""
        if isinstance(e, sp.Equality):
            return self.math(e.lhs), "=", self.math(e.rhs)
        return self.math(e), "", ""

    def annotate(self, row: Row, step: Step, number: str, depth: int) -> Row:
        row.number, row.rule, row.note, row.tag, row.depth = number, rule_label(step.rule), step.note, step.label, depth
        row.cites = tuple(p.label for p in step.premises if p.label)
        result = step.after.rhs if isinstance(step.after, sp.Equality) else step.after
        row.expr = result
        if row.lhs:
            row.lhs_expr = step.after.lhs if isinstance(step.after, sp.Equality) else step.before
        if not isinstance(step.after, sp.MatrixBase):
            row.value = value_suffix(result, self.style, self.digits)
        row.substeps = [self.substep(s, f"{number}.{k}", depth + 1) for k, s in enumerate(step.substeps, 1)]
        if step.label:
            self.labelled[step.after] = step.label
        return row

    def substep(self, step: Step, number: str, depth: int) -> Row:
        """A substep on one line: ``before = after`` or ``before ⇔ after``."""
        if isinstance(step.before, Relational) or isinstance(step.after, Relational):
            row = Row(self.math(step.before), "⇔", self.math(step.after), start=True)
        else:
            row = Row(self.math(step.before), _relation(step), self.math(step.after), start=True)
        return self.annotate(row, step, number, depth)

    def chain(self, steps) -> list[Row]:
        rows: list[Row] = []
        previous = None
        for step in steps:
            self.count += 1
            number = str(self.count)
            equation = isinstance(step.before, Relational) or isinstance(step.after, Relational)
            chained = previous is not None and _same(step.before, previous)
            if not equation:
                if chained:
                    row = Row("", _relation(step), self.math(step.after))
                else:
                    rel = ":=" if step.rule is Rule.DEFINE else _relation(step)
                    row = Row(self.math(step.before), rel, self.math(step.after), start=True)
                rows.append(self.annotate(row, step, number, 0))
            else:
                if not chained:
                    lead = Row(*self.statement(step.before), start=True, equation=True)
                    lead.restates = self.labelled.get(step.before, "")
                    rows.append(lead)
                row = Row(*self.statement(step.after), iff=True, equation=True)
                rows.append(self.annotate(row, step, number, 0))
            previous = step.after
        return rows

    def table(self, t: Table) -> TableLayout:
        cell = lambda v: number_text(v, self.style, self.digits)  # noqa: E731
        label = lambda k: str(k - 1 + t.first if k <= t.head or not t.elided else k + t.elided - 1 + t.first)  # noqa: E731
        rows = [(label(k), [cell(v) for v in r]) for k, r in enumerate(t.rows, 1)]
        totals = [cell(v) if v is not None else "" for v in t.totals] if t.totals is not None else None
        return TableLayout([self.math(c) for c in t.columns], rows, totals, t.head if t.elided else None,
                           self.math(t.index))

    def section(self, sec: Section) -> SectionLayout:
        # NOTE: one block per section: a chain is never cut by the details of one of its steps;
        # formats that cannot nest rows inside the display show those details after it.
        rows = self.chain(sec.steps)
        blocks = [Block(rows)] if rows else []
        table = self.table(sec.table) if sec.table is not None else None
        st = self.style
        return SectionLayout(spans(sec.title, st), spans(sec.intro, st), spans(sec.outro, st), blocks, table,
                             list(sec.figures))


def _relation(step: Step) -> str:
    """= for an exact claim, ≈ for a value rounded to the digits shown (each format writes its own sign)."""
    return "≈" if step.rule.check is CheckKind.APPROX else "="


def _same(a: sp.Basic, b: sp.Basic) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def layout(derivation: Derivation, style: Style, *, digits: int) -> DocLayout:
    """Rows of printed math for every section, plus results and checks."""
    lay = _Layout(style, digits)
    sections = [lay.section(s) for s in derivation.sections
                if s.title or s.intro or s.steps or s.table or s.outro or s.figures]
    results = []
    for r in derivation.results:
        results.append(ResultLayout(style.math(r.name), style.math(r.exact), value_suffix(r.exact, style, digits)))
    return DocLayout(derivation.command, spans(derivation.title, style), sections, results, list(derivation.checks),
                     derivation.meta.get("results_title", "Result"))

"""The step tree: a derivation is data.

A :class:`Step` is a claim: ``before`` becomes ``after`` by ``rule``. Algebra functions build steps
(``after`` is always computed by sympy from ``before``); :class:`Builder` verifies each one as it is
added (see verify.py) and a failed check raises, so a :class:`Derivation` never holds an unverified
step. Renderers only read these objects.

Example:
    >>> import sympy as sp
    >>> from derive.rules import Rule
    >>> x = sp.Symbol("x")
    >>> b = Builder("demo", "Demo")
    >>> _ = b.section("Power rule")
    >>> s = b.add(Step(Rule.POWER, sp.Derivative(x**3, x), 3*x**2))
    >>> s.check.passed
    True
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping

import sympy as sp

from .rules import Rule


# NOTE: prose (titles, intros, outros) is a string, or a tuple of strings and sympy objects: the
# objects are printed as inline math by each renderer, so that prose names β₁ or x̄ as the formulas do.
Prose = "str | tuple"


def prose_parts(p) -> tuple:
    """A prose value as a tuple of str and sympy parts."""
    return (p,) if isinstance(p, str) else tuple(p)


@dataclass(frozen=True)
class Check:
    """The verdict on one step: which method was used and what it established."""

    method: str
    detail: str
    passed: bool


@dataclass(frozen=True)
class Step:
    rule: Rule
    before: sp.Basic
    after: sp.Basic
    note: str = ""
    substeps: tuple["Step", ...] = ()
    premises: tuple["Step", ...] = ()  # earlier results this step cites (their `after` is used)
    factor: sp.Expr = sp.S.One  # EQUATION steps: (lhs-rhs) after = factor * (lhs-rhs) before;
    # ROW_OPERATIONS steps: the invertible matrix E with after = E * before
    unknown: sp.Symbol | None = None  # ISOLATE steps: the variable solved for
    label: str = ""  # equation number of `after`, given by the Builder
    check: Check | None = None

    @property
    def verified(self) -> bool:
        return self.check is not None and self.check.passed and all(s.verified for s in self.substeps)

    def walk(self):
        """This step and all its substeps, depth first."""
        yield self
        for s in self.substeps:
            yield from s.walk()


@dataclass(frozen=True)
class Table:
    """A table of exact numbers; ``columns`` are sympy expressions naming what each column holds.

    A long table is shortened: ``rows`` holds its first ``head`` rows and then its last rows, and the
    ``elided`` rows between them are left out (renderers mark the gap); the totals cover every row.
    """

    columns: tuple[sp.Basic, ...]
    rows: tuple[tuple[sp.Basic, ...], ...]
    totals: tuple[sp.Basic | None, ...] | None = None  # Σ row (None for a column with no total)
    elided: int = 0  # rows left out after the first `head` rows of `rows`
    head: int = 0
    index: sp.Basic = sp.Symbol("i")  # the heading of the row-number column
    first: int = 1  # the number of the first row (0 for an iteration table that starts at k = 0)


@dataclass(frozen=True)
class Section:
    title: str
    intro: str = ""
    steps: tuple[Step, ...] = ()
    table: Table | None = None
    outro: str = ""
    figures: tuple = ()  # derive.figures.Figure objects, drawn after the steps


@dataclass(frozen=True)
class Result:
    """A named final value: the exact expression and, for numbers, a float for display."""

    name: sp.Basic
    exact: sp.Basic

    @property
    def value(self) -> float | None:
        try:
            return float(self.exact) if self.exact.is_number and self.exact.is_real else None
        except (TypeError, ValueError):
            return None


@dataclass(frozen=True)
class CrossCheck:
    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Derivation:
    command: str
    title: str
    sections: tuple[Section, ...]
    results: tuple[Result, ...] = ()
    checks: tuple[CrossCheck, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)

    def steps(self):
        """Every step, substeps included, in order."""
        for sec in self.sections:
            for s in sec.steps:
                yield from s.walk()

    def _repr_markdown_(self) -> str:
        """Jupyter displays a derivation as its Markdown rendering (figures inline)."""
        from .render import render

        return render(self, "markdown")

    def _repr_latex_(self) -> str:
        """A notebook converted to LaTeX or PDF (nbconvert) embeds the LaTeX fragment: amsmath only,
        equations labelled with a prefix made from the title, so several derivations can coexist."""
        import zlib

        from .render import render

        prefix = f"{self.command}-{zlib.crc32(repr(self.title).encode('utf-8')) % 100000}"
        return render(self, "fragment", label_prefix=prefix)


class Builder:
    """Collects sections and steps, verifying each step as it is added.

    ``definitions`` maps names (e.g. ``L(w, b)``) to what they stand for; the verifier expands
    them. ``data`` is the exact data binding used by EVALUATE steps: ``{N: 10, x: (..), y: (..)}``.
    """

    def __init__(self, command: str, title: str, *, data: Mapping | None = None, seed: int = 0):
        self.command = command
        self.title = title
        self.definitions: dict[sp.Basic, sp.Basic] = {}
        self.data = data
        self.seed = seed
        self._sections: list[dict] = []
        self._labels = 0
        self._count = 0
        self._instances = None

    # -- sections ------------------------------------------------------------------------------
    def section(self, title: str, intro: str = "") -> "Builder":
        self._sections.append({"title": title, "intro": intro, "steps": [], "table": None, "outro": "", "figures": []})
        return self

    def table(self, table: Table) -> None:
        self._sections[-1]["table"] = table

    def outro(self, text) -> None:
        """Prose after the section's steps; a second call adds to the first (never replaces it)."""
        old = self._sections[-1]["outro"]
        if old:
            text = (old if isinstance(old, tuple) else (old,)) + (" ",) + (text if isinstance(text, tuple) else (text,))
        self._sections[-1]["outro"] = text

    def figure(self, figure) -> None:
        """Add a figure (:class:`derive.figures.Figure`) to the current section."""
        self._sections[-1]["figures"].append(figure)

    # -- steps -----------------------------------------------------------------------------------
    def define(self, name: sp.Basic, value: sp.Basic, note: str = "", *, label: bool = False) -> Step:
        """Introduce ``name := value``; later steps may substitute it."""
        self.definitions[name] = value
        return self.add(Step(Rule.DEFINE, name, value, note=note), label=label)

    def add(self, step: Step, *, label: bool = False) -> Step:
        """Verify ``step`` (raising :class:`~derive.errors.VerificationError` if it fails) and append it."""
        step = self.verify(step)
        if label:
            self._labels += 1
            step = replace(step, label=str(self._labels))
        self._sections[-1]["steps"].append(step)
        return step

    def last(self, back: int = 0) -> Step:
        """The step added ``back`` steps before the latest one (0 is the latest)."""
        return self._sections[-1]["steps"][-1 - back]

    def steps_check(self) -> "CrossCheck":
        """The verdict over every step and substep added so far (the summary a reader sees)."""
        steps = [t for sec in self._sections for s in sec["steps"] for t in s.walk()]
        unverified = sum(1 for t in steps if not (t.check is not None and t.check.passed))
        return CrossCheck("every step verified", unverified == 0,
                          f"{len(steps)} steps and substeps, {unverified} unverified")

    def verify(self, step: Step) -> Step:
        from .verify import Instances, verify_step

        if self._instances is None:  # NOTE: every check of the derivation uses the same random instances
            self._instances = Instances(self.seed)
        self._count += 1
        return verify_step(step, self.definitions, self.data, seed=self.seed + self._count, instances=self._instances)

    def build(self, results=(), checks=(), meta=None) -> Derivation:
        sections = tuple(
            Section(s["title"], s["intro"], tuple(s["steps"]), s["table"], s["outro"], tuple(s["figures"]))
            for s in self._sections
        )
        d = Derivation(self.command, self.title, sections, tuple(results), tuple(checks), dict(meta or {}))
        assert all(s.verified for s in d.steps()), "unverified step in a built derivation"
        return d

"""Solving a linear system by substitution, as on paper: solve one equation for one unknown,
substitute it into the others, repeat, then back-substitute. Every move is a verified step.

Example (seed 004, question 1):
    >>> import sympy as sp
    >>> from derive.steps import Builder
    >>> a, b = sp.symbols("a b")
    >>> B = Builder("demo", "demo"); _ = B.section("Solve")
    >>> from derive.rules import Rule; from derive.steps import Step
    >>> system = [B.add(Step(Rule.EQ_ADD, sp.Eq(e, 0), sp.Eq(e, 0))) for e in (6*a - b + 1, 2*b - a)]
    >>> eliminate(B, system, (a, b))
    ({a: -2/11, b: -1/11}, [])
"""
from __future__ import annotations

import sympy as sp

from ..budget import time_budget
from ..errors import BudgetError
from ..rules import Rule
from ..steps import Step
from . import equations as eqs


def _simplest(expr: sp.Basic) -> sp.Basic:
    """The shortest of the expression, its expansion and sympy's simplification (each only if it is
    cheap to get: a power of a sum above 8 is never expanded, simplify gets a time budget)."""
    candidates = [expr]
    if not any(isinstance(p.base, sp.Add) and p.exp.is_Integer and abs(p.exp) > 8 for p in expr.atoms(sp.Pow)):
        candidates.append(sp.expand(expr))
        try:
            with time_budget(2, "simplifying"):
                candidates.append(sp.simplify(expr))
        except (RecursionError, BudgetError):
            pass
    return min(candidates, key=lambda e: (sp.count_ops(e), len(sp.sstr(e))))


def eliminate(B, system: list[Step], variables) -> tuple[dict | None, list]:
    """Solve the equations (the ``after`` of each step) for ``variables``.

    Returns ``(values, free)``: ``values`` maps each solved unknown to its value (in terms of the
    free ones, if any), ``free`` lists unknowns no equation determines; ``values`` is None when the
    system is inconsistent. The builder ``B`` receives every step; the caller opens the section.
    """
    remaining = []
    for s in system:  # an equation with no unknown left is either always true or never
        f = sp.expand(s.after.lhs - s.after.rhs)
        if f.has(*variables):
            remaining.append(s)
        elif f != 0:
            B.outro((f"Equation ({s.label}) reads " if s.label else "An equation reads ", sp.Eq(f, 0, evaluate=False),
                     ", which is false: there is no solution."))
            return None, []
    solved: list[tuple[sp.Symbol, Step]] = []
    for v in variables:
        pick = next((s for s in remaining if s.after.has(v)), None)
        if pick is None:
            continue
        remaining.remove(pick)
        iso = B.add(eqs.isolate(pick.after, v), label=True)
        solved.append((v, iso))
        updated = []
        for other in remaining:
            if not other.after.has(v):
                updated.append(other)
                continue
            step = B.add(eqs.substitute(other.after, iso))
            for tidy in (eqs.move_to_left, eqs.expand):
                nxt = tidy(step.after)
                step = B.add(nxt) if nxt is not None else step
            lhs = step.after.lhs
            if lhs == 0:
                B.outro("This equation now holds for every value: it adds no condition.")
                continue
            if not lhs.has(*variables):
                B.outro(("This equation reads ", sp.Eq(lhs, 0, evaluate=False),
                         ", which is false: there is no solution."))
                return None, []
            updated.append(step)
        remaining = updated
    free = [v for v in variables if v not in {s[0] for s in solved}]
    final: dict[sp.Symbol, Step] = {}
    for v, iso in reversed(solved):  # back-substitute the values found last
        step = iso
        for w, _ in solved:
            if w in final and step.after.rhs.has(w):
                step = B.add(eqs.substitute(step.after, final[w]))
        value = _simplest(step.after.rhs)
        if value != step.after.rhs:
            step = B.add(Step(Rule.ARITHMETIC, step.after, sp.Eq(v, value, evaluate=False)))
        final[v] = step
    return {v: final[v].after.rhs for v in variables if v in final}, free

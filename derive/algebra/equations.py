"""Equation steps: operations on both sides, substitution of earlier results, isolating an unknown.

Each function takes an equation (a sympy ``Eq``) and returns a :class:`Step` whose ``after`` is
computed from it. The verifier then checks that the new equation has the same solutions as the old
one (see verify.py). Example:

    >>> import sympy as sp
    >>> b, n, s = sp.symbols("b n s")
    >>> isolate(sp.Eq(n*b - s, 0), b).after
    Eq(b, s/n)
"""
from __future__ import annotations

import sympy as sp

from ..rules import Rule
from ..steps import Step


def _eq(lhs, rhs) -> sp.Equality:
    return sp.Eq(lhs, rhs, evaluate=False)


def condition(expr: sp.Basic, value: sp.Basic, name: sp.Basic, note: str = "") -> Step:
    """Impose ``expr = value`` (e.g. a partial derivative is zero at the minimum)."""
    return Step(Rule.FIRST_ORDER_CONDITION, _eq(name, value), _eq(expr, value), note=note)


def multiply(eq: sp.Equality, factor: sp.Basic, note: str = "") -> Step:
    """Multiply both sides by a non-zero factor."""
    return Step(Rule.EQ_MULTIPLY, eq, _eq(factor * eq.lhs, factor * eq.rhs), factor=factor, note=note)


def move_to_left(eq: sp.Equality) -> Step | None:
    """lhs = rhs -> lhs - rhs = 0."""
    if eq.rhs == 0:
        return None
    return Step(Rule.EQ_ADD, eq, _eq(eq.lhs - eq.rhs, 0))


def expand(eq: sp.Equality) -> Step | None:
    after = _eq(sp.expand(eq.lhs), sp.expand(eq.rhs))
    return None if after == eq else Step(Rule.EXPAND, eq, after)


def collect(eq: sp.Equality, var: sp.Symbol) -> Step | None:
    """Group the terms of the left side that contain ``var``: aw + bw + c -> (a + b)w + c."""
    lhs = sp.expand(eq.lhs)
    coeff = lhs.coeff(var)
    rest = sp.expand(lhs - coeff * var)
    after = _eq(sp.Add(sp.Mul(coeff, var), rest), eq.rhs) if coeff.is_Add else _eq(sp.collect(lhs, var), eq.rhs)
    return None if after == eq else Step(Rule.COLLECT, eq, after)


def substitute(eq: sp.Equality, premise: Step, note: str = "") -> Step:
    """Replace ``v`` by ``e`` everywhere in ``eq``, where the premise step established ``v = e``."""
    mapping = {premise.after.lhs: premise.after.rhs}
    after = _eq(eq.lhs.xreplace(mapping), eq.rhs.xreplace(mapping))
    return Step(Rule.EQ_SUBSTITUTE, eq, after, premises=(premise,), note=note)


def isolate(eq: sp.Equality, var: sp.Symbol, note: str = "") -> Step:
    """Solve an equation that is linear in ``var`` for ``var``."""
    f = sp.expand(eq.lhs - eq.rhs)
    coeff = f.coeff(var)
    rest = sp.expand(f - coeff * var)
    if coeff == 0 or coeff.has(var) or rest.has(var):
        raise ValueError(f"{eq} is not linear in {var}")
    value = _tidy_quotient(sp.expand(-rest), sp.expand(coeff))
    return Step(Rule.EQ_ISOLATE, eq, _eq(var, value), unknown=var, note=note)


def _tidy_quotient(num: sp.Basic, den: sp.Basic) -> sp.Basic:
    """num/den with signs normalised so that the denominator reads positively where possible."""
    if den.could_extract_minus_sign():
        num, den = sp.expand(-num), sp.expand(-den)
    if den.is_Number:
        return sp.expand(num / den)
    return sp.Mul(num, sp.Pow(den, -1))

"""Summation algebra: each function rewrites every Σ in an expression (or in both sides of an
equation) by one rule and returns the step, or None when the rule changes nothing.

Example:
    >>> import sympy as sp
    >>> from derive.notation import Sigma, I, column
    >>> x = column("x"); c = sp.Symbol("c")
    >>> split(Sigma(x[I] + c)).after
    Sum(c, (i, 1, n)) + Sum(x[i], (i, 1, n))
"""
from __future__ import annotations

from typing import Callable, Iterable

import sympy as sp

from ..notation import I, N, Mean, indexed_to_base
from ..rules import Rule
from ..steps import Step


def _on_sides(expr: sp.Basic, f: Callable[[sp.Basic], sp.Basic]) -> sp.Basic:
    if isinstance(expr, sp.Equality):
        return sp.Eq(f(expr.lhs), f(expr.rhs), evaluate=False)
    return f(expr)


def _rewrite_sums(expr: sp.Basic, f: Callable[[sp.Sum], sp.Basic]) -> sp.Basic:
    return expr.replace(lambda e: isinstance(e, sp.Sum) and e.limits[0][0] == I, f)


def _step(rule: Rule, before: sp.Basic, f: Callable[[sp.Basic], sp.Basic], note: str = "") -> Step | None:
    after = _on_sides(before, f)
    return None if after == before else Step(rule, before, after, note=note)


def expand_terms(expr: sp.Basic) -> Step | None:
    """Multiply out the term of each Σ: Σ x_i(y_i - w x_i) -> Σ (x_i y_i - w x_i²)."""
    return _step(Rule.EXPAND, expr, lambda side: _rewrite_sums(side, lambda s: sp.Sum(sp.expand(s.function), *s.limits)))


def split(expr: sp.Basic) -> Step | None:
    """Σ(a_i + b_i) -> Σa_i + Σb_i."""

    def f(s: sp.Sum):
        terms = sp.Add.make_args(s.function)
        return s if len(terms) == 1 else sp.Add(*[sp.Sum(t, *s.limits) for t in terms])

    return _step(Rule.SUM_SPLIT, expr, lambda side: _rewrite_sums(side, f))


def factor_out(expr: sp.Basic) -> Step | None:
    """Σ c a_i -> c Σ a_i for every factor c that does not depend on i."""

    def f(s: sp.Sum):
        const, rest = s.function.as_independent(I, as_Add=False)
        if const == 1 or rest == 1:
            return s
        return const * sp.Sum(rest, *s.limits)

    return _step(Rule.SUM_FACTOR_OUT, expr, lambda side: _rewrite_sums(side, f))


def constant_sums(expr: sp.Basic) -> Step | None:
    """Σ_{i=1}^{n} c -> n c for a term c free of i."""

    def f(s: sp.Sum):
        _, lo, hi = s.limits[0]
        return (hi - lo + 1) * s.function if not s.function.has(I) else s

    return _step(Rule.SUM_CONSTANT, expr, lambda side: _rewrite_sums(side, f))


def to_means(expr: sp.Basic, terms: Iterable[sp.Basic] | None = None) -> Step | None:
    """Σ t_i -> n t̄ for the given summands (all sums when ``terms`` is None)."""
    wanted = None if terms is None else set(terms)

    def f(s: sp.Sum):
        if s.limits[0][1:] != (1, N) or (wanted is not None and s.function not in wanted):
            return s
        return N * Mean(indexed_to_base(s.function))

    return _step(Rule.MEAN, expr, lambda side: _rewrite_sums(side, f))


def from_means(expr: sp.Basic, means: Iterable[Mean]) -> Step | None:
    """n t̄ -> Σ t_i, the definition of the mean read backwards (used for display forms)."""
    mapping = {m: m.definition() for m in means}
    return _step(Rule.MEAN, expr, lambda side: sp.expand(side.xreplace(mapping)))


def linearity(expr: sp.Basic) -> list[Step]:
    """Expand, split, pull out constants and sum constants: each a step, when it changes something."""
    steps = []
    for fn in (expand_terms, split, factor_out, constant_sums):
        s = fn(steps[-1].after if steps else expr)
        if s is not None:
            steps.append(s)
    return steps

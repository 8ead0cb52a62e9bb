"""Exact evaluation of Σ-expressions with Python fractions.

The verifier instantiates n, the data and the parameters with rationals and compares both sides
of a claim; the worked examples evaluate formulas on the data. Building sympy trees for that is
slow, so this module walks the expression once and computes with :class:`fractions.Fraction`.
Anything it does not know (exp, sin, …) raises :class:`Unsupported`, and the caller falls back to
sympy.

Example:
    >>> import sympy as sp
    >>> from derive.notation import Sigma, I, N, column
    >>> x = column("x")
    >>> evaluate(Sigma(x[I] ** 2) / N, {N: 3, x: (1, 2, 3)})
    Fraction(14, 3)
"""
from __future__ import annotations

from fractions import Fraction
from typing import Mapping

import sympy as sp

from .notation import Mean


class Unsupported(Exception):
    """The expression has a node this evaluator does not handle."""


def _fraction(num: sp.Basic) -> Fraction:
    if num.is_Integer:
        return Fraction(int(num))
    if num.is_Rational:
        return Fraction(int(num.p), int(num.q))
    raise Unsupported(type(num).__name__)


def _as_fraction(value) -> Fraction:
    """A bound value as a fraction; an irrational one (√2) is Unsupported, so sympy takes over."""
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    if isinstance(value, sp.Basic) and value.is_Rational:
        return _fraction(value)
    raise Unsupported(f"not rational: {value}")


def evaluate(expr: sp.Basic, env: Mapping) -> Fraction:
    """Value of ``expr`` where ``env`` maps symbols to numbers and IndexedBases to sequences
    (1-based in the expression, 0-based in the sequence)."""
    return _Eval(env).run(expr)


class _Eval:
    def __init__(self, env: Mapping):
        self.env = dict(env)
        self.cache: dict = {}

    def run(self, e: sp.Basic) -> Fraction:
        # NOTE: dispatch on the exact type first (fast); fall back to isinstance for subclasses.
        handler = _DISPATCH.get(type(e))
        if handler is None:
            handler = next((h for t, h in _ORDERED if isinstance(e, t)), None)
            if handler is None:
                raise Unsupported(type(e).__name__)
        return handler(self, e)

    def _number(self, e) -> Fraction:
        return _fraction(e)

    def _symbol(self, e) -> Fraction:
        if e not in self.env:
            raise Unsupported(f"unbound symbol {e}")
        return _as_fraction(self.env[e])

    def _add(self, e) -> Fraction:
        return sum((self.run(a) for a in e.args), Fraction(0))

    def _mul(self, e) -> Fraction:
        out = Fraction(1)
        for a in e.args:
            out *= self.run(a)
        return out

    def _pow(self, e) -> Fraction:
        if not e.exp.is_Integer:
            raise Unsupported("non-integer power")
        base = self.run(e.base)
        if base == 0 and e.exp < 0:
            raise ZeroDivisionError("division by zero")
        return base ** int(e.exp)

    def _indexed(self, e) -> Fraction:
        seq = self.env.get(e.base)
        if seq is None:
            raise Unsupported(f"unbound data {e.base}")
        k = self.run(e.indices[0])
        return _as_fraction(seq[int(k) - 1])

    def _mean(self, e) -> Fraction:
        if e not in self.cache:
            self.cache[e] = self.run(e.definition())
        return self.cache[e]

    def _unevaluated(self, e) -> Fraction:
        return self.run(e.args[0])

    def _sum(self, e: sp.Sum) -> Fraction:
        (var, lo, hi), *rest = e.limits
        inner = sp.Sum(e.function, *rest) if rest else e.function
        lo_v, hi_v = self.run(lo), self.run(hi)
        saved = self.env.get(var)
        total = Fraction(0)
        for k in range(int(lo_v), int(hi_v) + 1):
            self.env[var] = k
            total += self.run(inner)
        if saved is None:
            self.env.pop(var, None)
        else:
            self.env[var] = saved
        return total


_ORDERED = [
    (sp.Number, _Eval._number), (sp.Symbol, _Eval._symbol), (sp.Add, _Eval._add), (sp.Mul, _Eval._mul),
    (sp.Pow, _Eval._pow), (sp.Indexed, _Eval._indexed), (sp.Sum, _Eval._sum), (Mean, _Eval._mean),
    (sp.UnevaluatedExpr, _Eval._unevaluated),
]
_DISPATCH: dict = {}
for _cls in (sp.Integer, sp.Rational, sp.core.numbers.One, sp.core.numbers.Zero, sp.core.numbers.NegativeOne,
             sp.core.numbers.Half, sp.Symbol, sp.Dummy, sp.Add, sp.Mul, sp.Pow, sp.Indexed, sp.Sum,
             sp.UnevaluatedExpr):
    _DISPATCH[_cls] = next(h for t, h in _ORDERED if issubclass(_cls, t))

"""High-precision evaluation of Σ-expressions with mpmath, for values that are not rational.

The verifier checks an approximate step (a value shown rounded) against the exact expression
evaluated to 40 digits. :mod:`derive.evaluate` does that exactly when everything is rational; this
module covers the rest (exp, log, sin, √, floats shown as written) by walking the expression once
per row with mpmath numbers — independent of numpy, which the float iterations use — instead of
building a sympy sum of n terms.

Example:
    >>> import sympy as sp
    >>> from derive.notation import Sigma, I, N, column
    >>> x = column("x")
    >>> str(evaluate_mp(Sigma(sp.exp(x[I])), {N: 2, x: (0, 1)}, 20))
    '3.7182818284590452354'
"""
from __future__ import annotations

from fractions import Fraction
from typing import Mapping

import mpmath
import sympy as sp

from .notation import Mean

__all__ = ["evaluate_mp", "evaluate_interval", "float_bounds", "NotEvaluable"]


class NotEvaluable(Exception):
    """A node this evaluator does not handle (the caller falls back to sympy)."""


_UNARY = {sp.exp: mpmath.exp, sp.log: mpmath.log, sp.sin: mpmath.sin, sp.cos: mpmath.cos, sp.tan: mpmath.tan,
          sp.sinh: mpmath.sinh, sp.cosh: mpmath.cosh, sp.tanh: mpmath.tanh, sp.asin: mpmath.asin,
          sp.acos: mpmath.acos, sp.atan: mpmath.atan, sp.Abs: abs, sp.sign: mpmath.sign}


def _mp(value):
    if isinstance(value, Fraction):
        return mpmath.mpf(value.numerator) / value.denominator
    if isinstance(value, int):
        return mpmath.mpf(value)
    if isinstance(value, sp.Basic):
        if value.is_Rational:
            return mpmath.mpf(int(value.p)) / int(value.q)
        if value.is_Float:
            return mpmath.mpf(value._mpf_)
        if value.is_number:
            return mpmath.mpf(sp.N(value, mpmath.mp.dps + 5)._mpf_)
    raise NotEvaluable(f"not a number: {value!r}")


def evaluate_mp(expr: sp.Basic, env: Mapping, dps: int = 40):
    """The value of ``expr`` (an mpmath number) with ``dps`` digits; ``env`` as for derive.evaluate."""
    with mpmath.workdps(dps + 10):
        return _MP(env).run(expr)


def evaluate_interval(expr: sp.Basic, env: Mapping, dps: int = 40) -> tuple[sp.Rational, sp.Rational]:
    """Bounds ``(lo, hi)`` on the value of ``expr`` when each float in it stands for every number that
    rounds to the digits it shows (1.41 stands for [1.405, 1.415]); exact numbers are exact.

    >>> import sympy as sp
    >>> lo, hi = evaluate_interval(sp.Float("1.41", 3) ** 2, {})
    >>> float(lo), float(hi)
    (1.974025, 2.002225)
    """
    old = mpmath.iv.dps
    mpmath.iv.dps = dps + 10
    try:
        value = _IV(env).run(expr)
        if not isinstance(value, type(mpmath.iv.mpf(0))):
            value = mpmath.iv.mpf(value)
        lo, hi = value._mpi_
        return _rational(mpmath.mpf(lo)), _rational(mpmath.mpf(hi))
    finally:
        mpmath.iv.dps = old


def _rational(x) -> sp.Rational:
    if not mpmath.isfinite(x):
        raise NotEvaluable("unbounded interval")
    sign, man, exp, _ = x._mpf_
    return (-1) ** sign * sp.Rational(int(man)) * sp.Rational(2) ** int(exp)


def float_bounds(f: sp.Float) -> tuple[sp.Rational, sp.Rational]:
    """The numbers that round to ``f`` as it is shown (its digits, from its precision): ``(lo, hi)``.

    >>> float_bounds(sp.Float("277846", 6))
    (555691/2, 555693/2)
    """
    from mpmath.libmp import prec_to_dps

    from .render.numbers import approximate

    digits = prec_to_dps(f._prec)
    text = approximate(f, digits)
    value = sp.Rational(text.replace("e+", "e"))
    if value == 0:
        return value, value
    lead = mpmath.floor(mpmath.log10(abs(mpmath.mpf(value.p) / value.q)))
    half = sp.Rational(10) ** (int(lead) - digits + 1) / 2
    return value - half, value + half


class _MP:
    """The evaluator over mpmath's real numbers (``ctx`` mpmath.mp); :class:`_IV` uses intervals."""

    ctx = mpmath.mp
    functions = _UNARY

    def __init__(self, env: Mapping):
        self.env = dict(env)

    def number(self, value):
        return _mp(value)

    def total(self, terms):
        return mpmath.fsum(terms)

    def index(self, value) -> int:
        return int(value)

    def run(self, e: sp.Basic):
        if isinstance(e, sp.UnevaluatedExpr):
            return self.run(e.args[0])
        if e.is_Number:
            return self.number(e)
        if e is sp.pi:
            return +self.ctx.pi
        if e is sp.E:
            return self.ctx.e + 0
        if isinstance(e, sp.Symbol):
            if e not in self.env:
                raise NotEvaluable(f"unbound symbol {e}")
            return self.number(self.env[e])
        if isinstance(e, sp.Add):
            return self.total([self.run(a) for a in e.args])
        if isinstance(e, sp.Mul):
            out = self.ctx.mpf(1)
            for a in e.args:
                out *= self.run(a)
            return out
        if isinstance(e, sp.Pow):
            base = self.run(e.base)
            if e.exp.is_Integer:
                return base ** int(e.exp)
            return self.ctx.power(base, self.run(e.exp))
        if isinstance(e, sp.Indexed):
            seq = self.env.get(e.base)
            if seq is None:
                raise NotEvaluable(f"unbound data {e.base}")
            k = self.index(self.run(e.indices[0]))
            return self.number(seq[k - 1])
        if isinstance(e, sp.Sum):
            (var, lo, hi), *rest = e.limits
            inner = sp.Sum(e.function, *rest) if rest else e.function
            lo_v, hi_v = self.index(self.run(lo)), self.index(self.run(hi))
            saved = self.env.get(var)
            terms = []
            for k in range(lo_v, hi_v + 1):
                self.env[var] = k
                terms.append(self.run(inner))
            if saved is None:
                self.env.pop(var, None)
            else:
                self.env[var] = saved
            return self.total(terms)
        if isinstance(e, Mean):
            return self.run(e.definition())
        if isinstance(e, sp.Determinant) and isinstance(e.arg, sp.MatrixBase) and e.arg.rows <= 6:
            return self.determinant([[self.run(v) for v in row] for row in e.arg.tolist()])
        if isinstance(e, sp.Function) and e.func in self.functions and len(e.args) == 1:
            return self.functions[e.func](self.run(e.args[0]))
        raise NotEvaluable(type(e).__name__)


    def determinant(self, m: list) -> object:
        """By expansion along the first row (small matrices only: every entry is used as given)."""
        if len(m) == 1:
            return m[0][0]
        out = self.ctx.mpf(0)
        for j, a in enumerate(m[0]):
            minor = [row[:j] + row[j + 1:] for row in m[1:]]
            out += (-1) ** j * a * self.determinant(minor)
        return out


class _IV(_MP):
    """Interval arithmetic: a float is the interval of the numbers that round to it as shown."""

    ctx = mpmath.iv
    functions = {sp.exp: mpmath.iv.exp, sp.log: mpmath.iv.log, sp.sin: mpmath.iv.sin, sp.cos: mpmath.iv.cos,
                 sp.tan: mpmath.iv.tan, sp.Abs: abs}

    def number(self, value):
        iv = mpmath.iv
        if isinstance(value, sp.Float):
            lo, hi = float_bounds(value)
            return iv.mpf([iv.mpf(int(lo.p)) / int(lo.q), iv.mpf(int(hi.p)) / int(hi.q)]) if lo != hi else iv.mpf(0)
        if isinstance(value, Fraction):
            return iv.mpf(value.numerator) / value.denominator
        if isinstance(value, int):
            return iv.mpf(value)
        if isinstance(value, sp.Basic) and value.is_Rational:
            return iv.mpf(int(value.p)) / int(value.q)
        if isinstance(value, float):
            return iv.mpf(value)
        raise NotEvaluable(f"not an exact number or a shown float: {value!r}")

    def total(self, terms):
        out = mpmath.iv.mpf(0)
        for t in terms:
            out += t
        return out

    def index(self, value) -> int:
        lo, hi = value._mpi_
        if lo != hi:
            raise NotEvaluable("an index is not exact")
        return int(mpmath.mpf(lo))

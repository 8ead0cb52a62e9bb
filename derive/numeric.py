"""Floating-point evaluation of sympy expressions, compiled to closures (never to source code).

Floats are for display and for the independent cross-checks only. Gradient descent runs in
float64 once exact numbers stop being readable, figures are drawn from floats, and a model with
``exp`` or ``sin`` cannot be iterated exactly at all. :func:`compile_float` walks the expression
once and returns a function of the parameter values; data columns (``x[i]``) become numpy arrays,
so one call evaluates every row at once. Nothing is ever passed to ``eval``, ``exec`` or
``lambdify``.

Example:
    >>> import sympy as sp
    >>> x, w = sp.IndexedBase("x"), sp.Symbol("w")
    >>> from derive.notation import I
    >>> f = compile_float(w * x[I] ** 2, (w,), {x: [1, 2, 3]})
    >>> f([0.5]).tolist()
    [0.5, 2.0, 4.5]
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np
import sympy as sp

from .notation import I, N, Mean

Fn = Callable[[Sequence[float]], "float | np.ndarray"]

_UNARY = {
    sp.exp: np.exp, sp.log: np.log, sp.sin: np.sin, sp.cos: np.cos, sp.tan: np.tan, sp.Abs: np.abs,
    sp.sinh: np.sinh, sp.cosh: np.cosh, sp.tanh: np.tanh, sp.asin: np.arcsin, sp.acos: np.arccos,
    sp.atan: np.arctan,
}


class NotNumeric(Exception):
    """The expression has a node that cannot be evaluated in floating point here."""


def compile_float(expr: sp.Basic, params: Sequence[sp.Symbol], columns: Mapping | None = None) -> Fn:
    """A function ``f(values) -> float or array`` for ``expr``; ``values`` follow ``params``.

    ``columns`` maps each data IndexedBase to its values: ``x[i]`` is then the array of every row,
    ``Σ_{i=1}^{n}`` sums over the rows and ``n`` is their number.
    """
    cols = {base: np.asarray([float(v) for v in vals], dtype=float) for base, vals in (columns or {}).items()}
    n = len(next(iter(cols.values()))) if cols else None
    index = {p: k for k, p in enumerate(params)}
    return _Compiler(index, cols, n).build(expr)


class _Compiler:
    def __init__(self, index: dict, cols: dict, n: int | None):
        self.index, self.cols, self.n = index, cols, n

    def build(self, e: sp.Basic) -> Fn:
        if isinstance(e, sp.UnevaluatedExpr):
            return self.build(e.args[0])
        if e.is_Number or e in (sp.pi, sp.E):
            value = np.float64(float(e))  # numpy scalars: overflow gives inf, never an exception
            return lambda v: value
        if e == N:
            if self.n is None:
                raise NotNumeric("n without data")
            n = float(self.n)
            return lambda v: n
        if isinstance(e, sp.Symbol):
            if e not in self.index:
                raise NotNumeric(f"unbound symbol {e}")
            k = self.index[e]
            return lambda v: np.float64(v[k])
        if isinstance(e, sp.Indexed):
            if e.base not in self.cols or e.indices[0] != I:
                raise NotNumeric(f"unbound data {e}")
            arr = self.cols[e.base]
            return lambda v: arr
        if isinstance(e, sp.Add):
            parts = [self.build(a) for a in e.args]
            return lambda v: _sum(p(v) for p in parts)
        if isinstance(e, sp.Mul):
            parts = [self.build(a) for a in e.args]
            return lambda v: _prod(p(v) for p in parts)
        if isinstance(e, sp.Pow):
            base, exp = self.build(e.base), e.exp
            if exp.is_Integer:
                k = int(exp)
                return lambda v: np.power(base(v), float(k))
            if exp == sp.S.Half:
                return lambda v: np.sqrt(base(v))
            ex = self.build(exp)
            return lambda v: np.power(base(v), ex(v))
        if isinstance(e, sp.Sum):
            (var, lo, hi), = e.limits
            if var != I or lo != 1 or hi != N:
                raise NotNumeric(f"a sum other than over the rows: {e}")
            inner = self.build(e.function)
            n = self.n
            return lambda v: float(np.sum(np.broadcast_to(inner(v), (n,))))
        if isinstance(e, Mean):
            return self.build(e.definition())
        if isinstance(e, sp.Function) and e.func in _UNARY and len(e.args) == 1:
            f, arg = _UNARY[e.func], self.build(e.args[0])
            return lambda v: f(arg(v))
        raise NotNumeric(type(e).__name__)


def _sum(values) -> "float | np.ndarray":
    total = np.float64(0.0)
    for x in values:
        total = total + x
    return total


def _prod(values) -> "float | np.ndarray":
    total = np.float64(1.0)
    for x in values:
        total = total * x
    return total


"""Exact evaluation of Σ-expressions with Python fractions and integers.

The verifier instantiates n, the data and the parameters with rationals and compares both sides
of a claim; the worked examples evaluate formulas on the data. Building sympy trees for that is
slow, so this module walks the expression once and computes with :class:`fractions.Fraction`.
Anything it does not know (exp, sin, …) raises :class:`Unsupported`, and the caller falls back to
sympy.

With ``derivatives=True`` a derivative is evaluated at the point too, by forward-mode automatic
differentiation: each variable of the derivative becomes a truncated Taylor polynomial (a
:class:`Jet`), the expression is computed in that arithmetic with fractions, and the derivative of
order (k_1, …, k_m) is k_1!⋯k_m! times the coefficient of ε_1^k_1⋯ε_m^k_m. The value is exact, and it
is computed by neither the named rules of a derivation nor sympy's ``diff``: the verifier's third,
independent way to a derivative.

A sum over many rows (a data set, not a random instance of n ≤ 5) is computed column-wise: its
term is expanded as a polynomial in the data entries, Σ c·x_i^a·y_i^b = c·Σ x_i^a y_i^b, and each
power sum is one pass of integer arithmetic over the columns (:func:`derive.linalg.power_sum`,
remembered per column); a term that is not such a polynomial is computed column by column with
integers. Either way the value is exact and the work grows linearly with the rows.

Example:
    >>> import sympy as sp
    >>> from derive.notation import Sigma, I, N, column
    >>> x = column("x")
    >>> evaluate(Sigma(x[I] ** 2) / N, {N: 3, x: (1, 2, 3)})
    Fraction(14, 3)
    >>> evaluate(Sigma((x[I] - 1) ** 2), {N: 40, x: range(40)})
    Fraction(19020, 1)
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Mapping

import sympy as sp

from .linalg import MAX_DENOMINATOR_BITS, Column, power_sum
from .notation import I, N, Mean

__all__ = ["Unsupported", "Jet", "evaluate", "evaluate_column", "determinant", "COLUMNWISE_FROM"]

COLUMNWISE_FROM = 32  # sums over at least this many rows are computed column-wise
MAX_TERMS = 64  # monomials in an expanded term; beyond this the term is computed row-wise by columns


class Unsupported(Exception):
    """The expression has a node this evaluator does not handle."""


class _RowWise(Exception):
    """The column-wise method does not apply here; compute row by row instead."""


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


def evaluate(expr: sp.Basic, env: Mapping, *, derivatives: bool = False, memo: dict | None = None) -> Fraction:
    """Value of ``expr`` where ``env`` maps symbols to numbers and IndexedBases to sequences
    (1-based in the expression, 0-based in the sequence). With ``derivatives``, a derivative with
    respect to bound symbols is evaluated exactly at their values (automatic differentiation).

    ``memo`` remembers the values of sums, means and derivatives between calls: pass the same dict only with the
    same ``env`` (the verifier keeps one per random instance, which every check of a derivation shares).

    >>> from derive.notation import Sigma, column
    >>> x, w = column("x"), sp.Symbol("w")
    >>> evaluate(sp.Derivative(Sigma((w * x[I]) ** 2), w, 2), {N: 2, x: (1, 3), w: 5}, derivatives=True)
    Fraction(20, 1)
    """
    ev = _Eval(env)
    ev.derivatives = derivatives
    if memo is not None:
        ev.cache = memo
    return ev.run(expr)


def evaluate_column(expr: sp.Basic, env: Mapping, n: int, var: sp.Symbol = I) -> Column | list[Fraction]:
    """The values of ``expr`` at ``var`` = 1, …, n: a :class:`~derive.linalg.Column` when the term is
    a polynomial in the data, else a list of fractions (computed row by row).

    >>> from derive.notation import column
    >>> x = column("x")
    >>> evaluate_column(x[I] ** 2 + 1, {x: (1, 2, 3)}, 3)
    (2, 5, 10)
    >>> evaluate_column(1 / x[I], {x: (1, 2, 4)}, 3)
    [Fraction(1, 1), Fraction(1, 2), Fraction(1, 4)]
    """
    ev = _Eval(env)
    try:
        value = ev.vector(expr, var, 1, n)
        return value if isinstance(value, Column) else Column.constant(value, n)
    except _RowWise:
        pass
    out = []
    saved = ev.env.get(var)
    ev.looping.append(var)  # var changes between rows: nothing that depends on it may be remembered
    for k in range(1, n + 1):
        ev.env[var] = k
        out.append(ev.run(expr))
    ev.looping.pop()
    if saved is None:
        ev.env.pop(var, None)
    else:
        ev.env[var] = saved
    return out


class Jet:
    """A truncated Taylor polynomial in ε_1, …, ε_m with fraction coefficients: the value of an
    expression at (v_1 + ε_1, …, v_m + ε_m), kept up to the power ε_j^k_j of each variable.

    >>> e = Jet.variable(Fraction(3), 0, (2,))  # w = 3 + ε, kept to ε²
    >>> (e * e * e).terms == {(0,): 27, (1,): 27, (2,): 9}  # (3 + ε)³ = 27 + 27ε + 9ε² + …
    True
    >>> (e ** -1).terms == {(0,): Fraction(1, 3), (1,): Fraction(-1, 9), (2,): Fraction(1, 27)}
    True
    """

    __slots__ = ("terms", "orders")

    def __init__(self, terms: dict, orders: tuple):
        self.terms, self.orders = terms, orders

    @classmethod
    def variable(cls, value: Fraction, j: int, orders: tuple) -> "Jet":
        zero = (0,) * len(orders)
        unit = tuple(int(k == j) for k in range(len(orders)))
        return cls({zero: value, unit: Fraction(1)}, orders)

    def constant(self) -> Fraction:
        return self.terms.get((0,) * len(self.orders), Fraction(0))

    def __add__(self, other):
        terms = dict(self.terms)
        if type(other) is Jet:
            for m, c in other.terms.items():
                terms[m] = terms.get(m, 0) + c
        elif isinstance(other, (int, Fraction)):
            zero = (0,) * len(self.orders)
            terms[zero] = terms.get(zero, 0) + other
        else:
            return NotImplemented
        return Jet(terms, self.orders)

    __radd__ = __add__

    def __neg__(self) -> "Jet":
        return Jet({m: -c for m, c in self.terms.items()}, self.orders)

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __mul__(self, other):
        if isinstance(other, (int, Fraction)):
            return Jet({m: c * other for m, c in self.terms.items()}, self.orders)
        if type(other) is not Jet:
            return NotImplemented
        terms: dict = {}
        orders = self.orders
        for ma, ca in self.terms.items():
            for mb, cb in other.terms.items():
                m = tuple(a + b for a, b in zip(ma, mb))
                if all(e <= k for e, k in zip(m, orders)):  # truncated: higher powers do not matter
                    terms[m] = terms.get(m, 0) + ca * cb
        return Jet(terms, orders)

    __rmul__ = __mul__

    def inverse(self) -> "Jet":
        """1/(c + h) = (1/c)·Σ_j (−h/c)^j, finite because h has no constant term."""
        c = self.constant()
        if c == 0:
            raise ZeroDivisionError("division by zero")
        h = self - c
        out, power = Fraction(1), Fraction(1)
        for _ in range(sum(self.orders)):
            power = power * h * (-1 / c)
            out = power + out
        return out * (1 / c)

    def __pow__(self, k: int):
        if type(k) is not int:
            return NotImplemented
        base = self.inverse() if k < 0 else self
        out, k = Fraction(1), abs(k)
        while k:  # by squaring
            if k & 1:
                out = base * out
            k >>= 1
            if k:
                base = base * base
        return out

    def coefficient(self, powers: tuple) -> Fraction:
        return self.terms.get(powers, Fraction(0))


class _Eval:
    derivatives = False  # evaluate Derivative nodes (see Jet)

    def __init__(self, env: Mapping):
        # NOTE: numbers bound to names are read as fractions once, here, not at every occurrence
        self.env = {k: _fraction(v) if isinstance(v, sp.Rational) else v for k, v in env.items()}
        self.cache: dict = {}  # means, and sums and derivatives outside any loop (values that depend on env alone)
        self.looping: list = []  # the indices of the sums being computed row by row (bound in env meanwhile)
        self.columns: dict = {}
        self.cells: dict = {}  # a data sequence's entries as fractions, converted once (see _indexed)
        self.jets = False  # some symbol is bound to a Jet: no column-wise sums, no nested derivative

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
        value = self.env.get(e, self)
        if type(value) is Fraction or type(value) is Jet:
            return value
        if value is self:
            raise Unsupported(f"unbound symbol {e}")
        return _as_fraction(value)

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
        if type(base) is not Jet and base == 0 and e.exp < 0:
            raise ZeroDivisionError("division by zero")
        return base ** int(e.exp)

    def _indexed(self, e) -> Fraction:
        base = e.base
        cells = self.cells.get(base)
        if cells is None:
            seq = self.env.get(base)
            if seq is None:
                raise Unsupported(f"unbound data {base}")
            cells = self.cells[base] = _Cells(seq)
        if len(e.indices) != 1:
            raise Unsupported(f"{len(e.indices)} indices on {base}")
        (index,) = e.indices
        k = self.env.get(index) if index.is_Symbol else None
        if type(k) is not int:
            k = self.run(index)
            if type(k) is Jet:
                raise Unsupported(f"a derivative with respect to the index of {base}")
            if k != int(k):
                raise Unsupported(f"a row of {base} that is not a whole number")
            k = int(k)
        return cells[k - 1]

    def _mean(self, e) -> Fraction:
        # NOTE: a mean is over its own index, so x̄ is remembered even inside a sum; one of a term that
        # holds an enclosing sum's index (the mean of j·x_i inside Σ_j) changes with it and is not
        if self.looping and any(e.has(v) for v in self.looping):
            return self.run(e.definition())
        value = self.cache.get(e)
        if value is None:
            value = self.cache[e] = self.run(e.definition())
        return value

    def _unevaluated(self, e) -> Fraction:
        return self.run(e.args[0])

    def _determinant(self, e) -> Fraction:
        """det of an explicit square matrix, its entries evaluated, by exact elimination."""
        m = e.arg
        if not isinstance(m, sp.MatrixBase) or not m.is_square:
            raise Unsupported("determinant of a matrix that is not written out")
        rows = [[self.run(v) for v in m.row(r)] for r in range(m.rows)]
        if any(type(v) is Jet for row in rows for v in row):
            raise Unsupported("a derivative of a determinant")
        return determinant(rows)

    def _derivative(self, e: sp.Derivative) -> Fraction:
        """The derivative at the bound values of its variables, by Taylor arithmetic (see Jet);
        remembered as a sum is, outside any row loop."""
        if not self.derivatives or self.jets:
            raise Unsupported("a derivative" if not self.derivatives else "a derivative of a derivative")
        return self._remembered(e, self._derivative_at)

    def _remembered(self, e: sp.Basic, compute) -> Fraction:
        """``compute(e)``, remembered in the cache when no row loop is active (the value then depends
        on env alone)."""
        if self.looping:
            return compute(e)
        value = self.cache.get(e)
        if value is None:
            value = self.cache[e] = compute(e)
        return value

    def _derivative_at(self, e: sp.Derivative) -> Fraction:
        counts: dict = {}
        for v, k in e.variable_count:
            if not isinstance(v, sp.Symbol) or v in (I, N) or not k.is_Integer:
                raise Unsupported(f"a derivative with respect to {v}")
            counts[v] = counts.get(v, 0) + int(k)
        orders = tuple(counts.values())
        inner = _Eval.__new__(_Eval)
        inner.env, inner.columns, inner.cells = dict(self.env), self.columns, self.cells
        inner.cache, inner.looping, inner.jets, inner.derivatives = {}, [], True, True
        for j, v in enumerate(counts):
            value = self._symbol(v)
            inner.env[v] = Jet.variable(value, j, orders)
        value = inner.run(e.expr)
        if type(value) is not Jet:
            return Fraction(0)  # the expression does not depend on the variables
        scale = 1
        for k in orders:
            scale *= math.factorial(k)
        return value.coefficient(orders) * scale

    def _sum(self, e: sp.Sum) -> Fraction:
        return self._remembered(e, self._sum_rows)

    def _sum_rows(self, e: sp.Sum) -> Fraction:
        *rest, (var, lo, hi) = e.limits  # NOTE: sympy lists the limits innermost first: the last is outermost
        if var == N:  # NOTE: n is the number of rows, which a mean depends on: never an index here
            raise Unsupported("a sum over n")
        inner = sp.Sum(e.function, *rest) if rest else e.function
        lo_v, hi_v = self.run(lo), self.run(hi)
        if type(lo_v) is Jet or type(hi_v) is Jet:
            raise Unsupported("a derivative with respect to a bound of a sum")
        if lo_v != int(lo_v) or hi_v != int(hi_v):
            raise Unsupported("a sum whose bounds are not integers")
        lo_v, hi_v = int(lo_v), int(hi_v)
        if hi_v < lo_v - 1:  # NOTE: sympy reads such a sum by Karr's convention (a negative sum), not as empty
            raise Unsupported("a sum whose upper bound is below its lower bound")
        if hi_v - lo_v + 1 >= COLUMNWISE_FROM and not self.jets:
            try:
                return self.sum_columnwise(inner, var, lo_v, hi_v)
            except _RowWise:
                pass
        saved = self.env.get(var)
        total = Fraction(0)
        self.looping.append(var)
        try:
            for k in range(lo_v, hi_v + 1):
                self.env[var] = k
                total += self.run(inner)
        finally:
            self.looping.pop()
            if saved is None:
                self.env.pop(var, None)
            else:
                self.env[var] = saved
        return total

    # -- column-wise ------------------------------------------------------------------------------------
    def sum_columnwise(self, term: sp.Basic, var, lo: int, hi: int) -> Fraction:
        """Σ_{var=lo}^{hi} term, by power sums of the data columns (or column arithmetic)."""
        try:
            poly = self.poly(term, var)
        except _RowWise:
            poly = None
        if poly is not None:
            total = Fraction(0)
            for mono, coeff in poly.items():
                if coeff:
                    total += coeff * self.power_sum(mono, lo, hi)
            return total
        value = self.vector(term, var, lo, hi)
        return value.total() if isinstance(value, Column) else value * (hi - lo + 1)

    def column(self, base, lo: int, hi: int) -> Column:
        """The entries lo..hi (1-based) of a data column, as a Column."""
        col = self.columns.get(base)
        if col is None:
            seq = self.env.get(base)
            if seq is None:
                raise Unsupported(f"unbound data {base}")
            col = Column.find(seq) if isinstance(seq, (list, tuple, Column)) else None
            if col is None:
                try:
                    col = Column.of(seq, max_bits=MAX_DENOMINATOR_BITS)
                except (TypeError, OverflowError):
                    raise _RowWise from None  # the row-wise path reports it as the values are read
            self.columns[base] = col
        if lo < 1 or hi > len(col):
            raise _RowWise  # NOTE: out of range: the row-wise path fails (or not) exactly as before
        return col if (lo, hi) == (1, len(col)) else col[lo - 1:hi]

    def power_sum(self, mono: tuple, lo: int, hi: int) -> Fraction:
        if not mono:
            return Fraction(hi - lo + 1)
        return power_sum([(self.column(base, lo, hi), e) for base, e in mono])

    def poly(self, e: sp.Basic, var) -> dict:
        """``e`` as {monomial: coefficient}, a monomial being ((base, exponent), ...) over the data
        entries base[var]; raises _RowWise when ``e`` is not a polynomial in them."""
        if var not in e.free_symbols:
            return {(): self.run(e)}
        if isinstance(e, sp.Indexed):
            if e.indices != (var,):
                raise _RowWise
            return {((e.base, 1),): Fraction(1)}
        if isinstance(e, sp.UnevaluatedExpr):
            return self.poly(e.args[0], var)
        if isinstance(e, sp.Add):
            out: dict = {}
            for a in e.args:
                for m, c in self.poly(a, var).items():
                    out[m] = out.get(m, 0) + c
            return _capped(out)
        if isinstance(e, sp.Mul):
            out = {(): Fraction(1)}
            for a in e.args:
                out = _product(out, self.poly(a, var))
            return out
        if isinstance(e, sp.Pow) and e.exp.is_Integer and 0 <= e.exp <= 16:
            base, out = self.poly(e.base, var), {(): Fraction(1)}
            for _ in range(int(e.exp)):
                out = _product(out, base)
            return out
        raise _RowWise

    def vector(self, e: sp.Basic, var, lo: int, hi: int):
        """The values of ``e`` at var = lo..hi: a Fraction when it does not depend on var, else a Column."""
        if var not in e.free_symbols:
            return self.run(e)
        if e == var:
            return Column(list(range(lo, hi + 1)))
        if isinstance(e, sp.Indexed):
            if e.indices != (var,):
                raise _RowWise
            return self.column(e.base, lo, hi)
        if isinstance(e, sp.UnevaluatedExpr):
            return self.vector(e.args[0], var, lo, hi)
        if isinstance(e, (sp.Add, sp.Mul)):
            parts = [self.vector(a, var, lo, hi) for a in e.args]
            scalar = sum((p for p in parts if not isinstance(p, Column)), Fraction(0)) if isinstance(e, sp.Add) \
                else _prod(p for p in parts if not isinstance(p, Column))
            cols = [p for p in parts if isinstance(p, Column)]
            out = cols[0]
            for c in cols[1:]:
                out = out.plus(c) if isinstance(e, sp.Add) else out.times(c)
            if isinstance(e, sp.Add):
                return out.add_constant(scalar) if scalar else out
            return out.scaled(scalar) if scalar != 1 else out
        if isinstance(e, sp.Pow) and e.exp.is_Integer and e.exp >= 0:
            base = self.vector(e.base, var, lo, hi)
            return base.power(int(e.exp)).reduced() if isinstance(base, Column) else base ** int(e.exp)
        raise _RowWise


def determinant(rows: list[list[Fraction]]) -> Fraction:
    """The determinant by Gaussian elimination over the rationals (exact).

    >>> determinant([[Fraction(2), Fraction(1)], [Fraction(4), Fraction(3)]])
    Fraction(2, 1)
    >>> determinant([[Fraction(0), Fraction(1)], [Fraction(1), Fraction(0)]])
    Fraction(-1, 1)
    """
    rows = [list(r) for r in rows]
    det = Fraction(1)
    for c in range(len(rows)):
        pivot = next((r for r in range(c, len(rows)) if rows[r][c] != 0), None)
        if pivot is None:
            return Fraction(0)
        if pivot != c:
            rows[c], rows[pivot] = rows[pivot], rows[c]
            det = -det
        det *= rows[c][c]
        for r in range(c + 1, len(rows)):
            f = rows[r][c] / rows[c][c]
            if f:
                rows[r] = [a - f * b for a, b in zip(rows[r], rows[c])]
    return det


class _Cells:
    """A data sequence read as fractions, each entry converted on first use (a sum over a random
    instance reads the same few entries many times)."""

    __slots__ = ("seq", "done")

    def __init__(self, seq):
        # NOTE: a Column holds its entries as plain ints and fractions already
        self.seq, self.done = (seq.cells if isinstance(seq, Column) else seq), {}

    def __getitem__(self, k: int) -> Fraction:
        value = self.done.get(k)
        if value is None:
            if k < 0:  # NOTE: row 0 (or below) does not exist; Python would read from the end
                raise Unsupported(f"row {k + 1} of a data column")
            value = self.done[k] = _as_fraction(self.seq[k])
        return value


def _prod(values) -> Fraction:
    out = Fraction(1)
    for v in values:
        out *= v
    return out


def _capped(poly: dict) -> dict:
    if len(poly) > MAX_TERMS:
        raise _RowWise
    return poly


def _product(a: dict, b: dict) -> dict:
    out: dict = {}
    for ma, ca in a.items():
        for mb, cb in b.items():
            powers = dict(ma)
            for base, e in mb:
                powers[base] = powers.get(base, 0) + e
            m = tuple(sorted(powers.items(), key=lambda t: str(t[0])))
            out[m] = out.get(m, 0) + ca * cb
    return _capped(out)


_ORDERED = [
    (sp.Number, _Eval._number), (sp.Symbol, _Eval._symbol), (sp.Add, _Eval._add), (sp.Mul, _Eval._mul),
    (sp.Pow, _Eval._pow), (sp.Indexed, _Eval._indexed), (sp.Sum, _Eval._sum), (Mean, _Eval._mean),
    (sp.UnevaluatedExpr, _Eval._unevaluated), (sp.Determinant, _Eval._determinant),
    (sp.Derivative, _Eval._derivative),
]
_DISPATCH: dict = {}
for _cls in (sp.Integer, sp.Rational, sp.core.numbers.One, sp.core.numbers.Zero, sp.core.numbers.NegativeOne,
             sp.core.numbers.Half, sp.Symbol, sp.Dummy, sp.Add, sp.Mul, sp.Pow, sp.Indexed, sp.Sum,
             sp.UnevaluatedExpr, sp.Determinant, sp.Derivative):
    _DISPATCH[_cls] = next(h for t, h in _ORDERED if issubclass(_cls, t))

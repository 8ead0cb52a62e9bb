"""Exact linear algebra over the rationals: exact data columns, Gram matrices, elimination, rank.

Floating-point least squares loses digits on ill-conditioned designs (NIST's Filip, the Wampler
sets); exact elimination loses none. A data column is a :class:`Column`: integer numerators over
one common denominator (decimal data read as 12.34 is 1234/100), so that sums over a million rows
are sums of Python integers. The small matrices (p × p) are lists of :class:`fractions.Fraction`,
which is much faster than sympy matrices for this job.

Example:
    >>> from fractions import Fraction as F
    >>> solve([[F(2), F(1)], [F(1), F(3)]], [F(3), F(5)])
    [Fraction(4, 5), Fraction(7, 5)]
    >>> gram([Column([1, 1, 1]), Column([5, 10, 15], 10)])
    [[Fraction(3, 1), Fraction(3, 1)], [Fraction(3, 1), Fraction(7, 2)]]
"""
from __future__ import annotations

import gc
import math
import weakref
from collections.abc import Sequence as _SequenceABC
from contextlib import contextmanager
from fractions import Fraction
from math import gcd, lcm
from itertools import repeat
from operator import is_, mul
from typing import Iterable, Sequence

Vector = list[Fraction]
Matrix = list[list[Fraction]]

__all__ = ["Column", "gram", "moment", "solve", "Singular", "inverse_diagonal", "first_dependent_column",
           "power_sum", "paused_gc", "gauss_jordan"]


@contextmanager
def paused_gc():
    """Pause the cyclic garbage collector while building millions of small objects that cannot
    form cycles (it would otherwise rescan the growing heap again and again)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _fraction_maker():
    """The fastest way to build a Fraction from numerator and denominator already in lowest terms.

    NOTE: Fraction(n, d) spends most of its time checking and reducing its arguments; for values
    that are known to be reduced, Python ≥ 3.12 offers Fraction._from_coprime_ints, and earlier
    versions allow setting the two slots directly. Either is checked here against Fraction itself
    once, and Fraction(n, d) is used if the check fails.
    """
    make = getattr(Fraction, "_from_coprime_ints", None)
    if make is None:
        new = object.__new__

        def make(n: int, d: int) -> Fraction:
            f = new(Fraction)
            f._numerator, f._denominator = n, d
            return f
    try:
        probe, ref = make(-3, 4), Fraction(-3, 4)
        if probe == ref and hash(probe) == hash(ref) and str(probe) == "-3/4" and probe * 4 == -3 and \
                (probe.numerator, probe.denominator) == (-3, 4):
            return make
    except Exception:  # noqa: BLE001 - any surprise means: use the public constructor
        pass
    return Fraction


_reduced_fraction = _fraction_maker()


def _rational():
    """sympy.Rational, imported on first use (this module itself needs only integers and fractions)."""
    global _RATIONAL
    if _RATIONAL is None:
        from sympy import Rational

        _RATIONAL = Rational
    return _RATIONAL


_RATIONAL = None


def _float(num: int, den: int) -> float:
    try:
        return num / den
    except OverflowError:
        return math.inf if num > 0 else -math.inf


def _exact(value) -> tuple[int, int]:
    """(numerator, denominator) of an int, a Fraction or a sympy Rational; TypeError for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value, 1
    if isinstance(value, Fraction):
        return value.numerator, value.denominator
    p, q = getattr(value, "p", None), getattr(value, "q", None)  # a sympy Rational (or Integer)
    if isinstance(p, int) and isinstance(q, int) and getattr(value, "is_Rational", False):
        return p, q
    raise TypeError(f"not an exact rational: {value!r}")


class Column(_SequenceABC):
    """A column of exact rationals: value k is ``nums[k] / den`` (one common denominator ``den`` > 0).

    It reads as a sequence of sympy Rationals (indexing, iteration, equality with a tuple), so code
    written for a tuple of Rationals keeps working; code that handles many rows uses ``nums`` and
    ``den`` (integer arithmetic), :attr:`cells` (the values as plain Python ints and Fractions,
    built once) or :meth:`floats`.

    >>> c = Column([125, -5, 300], 100)
    >>> c
    (5/4, -1/20, 3)
    >>> c == (Fraction(5, 4), Fraction(-1, 20), 3), c.total(), c.cells[0]
    (True, Fraction(21, 5), Fraction(5, 4))
    """

    __slots__ = ("nums", "den", "_cells", "_moments", "__weakref__")

    def __init__(self, nums: Iterable[int], den: int = 1):
        nums = nums if isinstance(nums, list) else list(nums)
        if not isinstance(den, int) or den <= 0:
            raise ValueError(f"a column's denominator must be a positive integer, got {den!r}")
        self.nums, self.den = nums, den
        self._cells: tuple | None = None
        self._moments: dict = {}

    @classmethod
    def of(cls, values, *, max_bits: int | None = None) -> "Column":
        """A Column holding ``values`` (ints, Fractions or sympy Rationals; a Column is returned as is).

        With ``max_bits``, a common denominator longer than that many bits (values such as 1/x_i
        on many rows) raises OverflowError instead of being built.

        >>> Column.of([Fraction(1, 2), 3, Fraction(-1, 3)]).nums, Column.of([Fraction(1, 2)]).den
        ([3, 18, -2], 2)
        """
        if isinstance(values, Column):
            return values
        pairs = [_exact(v) for v in values]
        den = 1
        for q in {q for _, q in pairs}:
            den = lcm(den, q)
            if max_bits is not None and den.bit_length() > max_bits:
                raise OverflowError("the values have no modest common denominator")
        return cls([p * (den // q) for p, q in pairs], den)

    @classmethod
    def constant(cls, value, n: int) -> "Column":
        """``n`` copies of one rational."""
        p, q = _exact(value)
        return cls([p] * n, q)

    # -- the sequence of sympy Rationals --------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.nums)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return Column(self.nums[k], self.den)
        return _rational()(self.nums[k], self.den)

    def __iter__(self):
        rational, den = _rational(), self.den
        return (rational(v, den) for v in self.nums)

    def __eq__(self, other) -> bool:
        if isinstance(other, Column):
            if len(self) != len(other):
                return False
            if self.den == other.den:
                return self.nums == other.nums
            a, b = other.den, self.den
            return all(u * a == v * b for u, v in zip(self.nums, other.nums))
        if isinstance(other, (tuple, list)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # equal to a tuple of the same values, so it cannot hash like an object

    def __repr__(self) -> str:
        if len(self) > 20:
            return f"<Column of {len(self)} exact values over the denominator {self.den}>"
        return repr(tuple(self))

    # -- fast access ----------------------------------------------------------------------------------
    @property
    def cells(self) -> tuple:
        """The values as plain Python numbers (ints when the denominator is 1, else Fractions), built once.

        NOTE: this is what a data binding holds (see :meth:`binding`): the verifier reads it entry by
        entry, and :mod:`derive.evaluate` recognises the entries as this column's (see :meth:`find`).
        """
        if self._cells is None:
            den = self.den
            with paused_gc():
                if den == 1:
                    cells = tuple(self.nums)
                else:
                    make = _reduced_fraction
                    cells = tuple(make(v // g, den // g) for v, g in zip(self.nums, map(gcd, self.nums, repeat(den))))
            self._cells = cells
            if len(cells) >= _REGISTER_FROM:
                _register(self)
        return self._cells

    def binding(self) -> Sequence:
        """What a data binding (steps.Builder's ``data``) holds for this column: the column itself.

        NOTE: the verifier passes a bound column through to derive.evaluate, which reads it by index
        (and sums whole columns with the cached power sums), so no per-row copy is ever made.
        """
        return self

    @classmethod
    def find(cls, seq) -> "Column | None":
        """The column whose :attr:`cells` are, entry by entry, the very objects in ``seq``, if any.

        Identity (not equality) of every entry is checked, so the answer is exact: ``seq`` holds this
        column's values.
        """
        if isinstance(seq, Column):
            return seq
        n = len(seq)
        if n < _REGISTER_FROM:
            return None
        for ref in _REGISTRY.get((n, id(seq[0]), id(seq[-1])), ()):
            col = ref()
            if col is not None and col._cells is not None and (seq is col._cells or all(map(is_, seq, col._cells))):
                return col
        return None

    def floats(self) -> list[float]:
        """Each value correctly rounded to float64 (as ``float(Fraction(...))``; ±inf beyond its range)."""
        den = self.den
        try:
            return [v / den for v in self.nums]
        except OverflowError:
            return [_float(v, den) for v in self.nums]

    def total(self) -> Fraction:
        """The exact sum of the values."""
        return Fraction(sum(self.nums), self.den)

    def fraction(self, k: int) -> Fraction:
        return Fraction(self.nums[k], self.den)

    def scaled(self, value) -> "Column":
        """Every value times the rational ``value``."""
        p, q = _exact(value)
        return Column([v * p for v in self.nums], self.den * q)

    def plus(self, other: "Column") -> "Column":
        """The values of this column plus those of ``other``, row by row."""
        a, b = self._common(other)
        return Column(list(map(int.__add__, a, b)), lcm(self.den, other.den))

    def minus(self, other: "Column") -> "Column":
        a, b = self._common(other)
        return Column(list(map(int.__sub__, a, b)), lcm(self.den, other.den))

    def times(self, other: "Column") -> "Column":
        return Column(list(map(mul, self.nums, other.nums)), self.den * other.den)

    def power(self, e: int) -> "Column":
        if e < 0:
            raise ValueError("negative power of a column")
        if e == 1:
            return self
        if e == 2:
            return Column(list(map(mul, self.nums, self.nums)), self.den ** 2)
        return Column([v ** e for v in self.nums], self.den ** e)

    def add_constant(self, value) -> "Column":
        p, q = _exact(value)
        den = lcm(self.den, q)
        f, c = den // self.den, p * (den // q)
        return Column([v * f + c for v in self.nums] if f != 1 else [v + c for v in self.nums], den)

    def reduced(self) -> "Column":
        """The same values over the smallest common denominator."""
        g = gcd(self.den, *self.nums) if self.nums else self.den
        return self if g == 1 else Column([v // g for v in self.nums], self.den // g)

    def _common(self, other: "Column") -> tuple[list[int], list[int]]:
        if len(self) != len(other):
            raise ValueError("columns of different lengths")
        den = lcm(self.den, other.den)
        fa, fb = den // self.den, den // other.den
        a = self.nums if fa == 1 else [v * fa for v in self.nums]
        b = other.nums if fb == 1 else [v * fb for v in other.nums]
        return a, b


MAX_DENOMINATOR_BITS = 4096  # beyond this, columns are handled value by value as Fractions
_REGISTER_FROM = 32  # columns this long are found again from their cells (see Column.find)
_REGISTRY: dict[tuple, list] = {}


def _register(col: Column) -> None:
    key = (len(col), id(col._cells[0]), id(col._cells[-1]))
    refs = [r for r in _REGISTRY.get(key, ()) if r() is not None]

    def forget(_ref, key=key):
        alive = [r for r in _REGISTRY.get(key, ()) if r() is not None]
        if alive:
            _REGISTRY[key] = alive
        else:
            _REGISTRY.pop(key, None)

    refs.append(weakref.ref(col, forget))
    _REGISTRY[key] = refs


def power_sum(factors: Sequence[tuple[Column, int]]) -> Fraction:
    """Σ_k Π_j c_j[k]^e_j for ``factors`` ((c_j, e_j), ...), exactly; remembered on the columns.

    >>> x = Column([1, 2, 3]); y = Column([5, 5, 10], 10)
    >>> power_sum([(x, 2)]), power_sum([(x, 1), (y, 1)])
    (Fraction(14, 1), Fraction(9, 2))
    """
    factors = sorted(((c, e) for c, e in factors if e), key=lambda f: id(f[0]))
    if not factors:
        raise ValueError("an empty product")
    key = tuple((id(c), e) for c, e in factors)
    home = factors[0][0]
    hit = home._moments.get(key)
    if hit is not None:
        return hit[0]
    n = len(home)
    if any(len(c) != n for c, _ in factors):
        raise ValueError("columns of different lengths")
    den = 1
    for c, e in factors:
        den *= c.den ** e
    terms = [(c.nums, e) for c, e in factors]
    if len(terms) == 1 and terms[0][1] == 1:
        total = sum(terms[0][0])
    elif len(terms) == 1 and terms[0][1] == 2:
        total = sum(map(mul, terms[0][0], terms[0][0]))
    elif len(terms) == 2 and terms[0][1] == terms[1][1] == 1:
        total = sum(map(mul, terms[0][0], terms[1][0]))
    else:
        product = None
        for nums, e in terms:
            for _ in range(e):
                product = nums if product is None else list(map(mul, product, nums))
        total = sum(product)
    value = Fraction(total, den)
    # NOTE: the value is kept with the other columns (keys hold their ids, so they must stay alive).
    home._moments[key] = (value, tuple(c for c, _ in factors))
    return value


def _as_column(col) -> Column | None:
    """A Column for ``col`` when its values share a modest common denominator, else None."""
    if isinstance(col, Column):
        return col
    try:
        found = Column.find(col) if isinstance(col, (list, tuple)) else None
        return found if found is not None else Column.of(col, max_bits=MAX_DENOMINATOR_BITS)
    except (TypeError, OverflowError):
        return None


def _dot(a, b) -> Fraction:
    ca, cb = _as_column(a), _as_column(b)
    if ca is not None and cb is not None:
        if len(ca) != len(cb):
            raise ValueError("columns of different lengths")
        return power_sum([(ca, 2)]) if ca is cb else power_sum([(ca, 1), (cb, 1)])
    return sum((Fraction(u) * Fraction(v) for u, v in zip(a, b)), Fraction(0))


def gram(columns: Sequence[Sequence]) -> Matrix:
    """XᵀX for a design given by its columns (Columns, or sequences of exact numbers)."""
    p = len(columns)
    out = [[Fraction(0)] * p for _ in range(p)]
    for j in range(p):
        for k in range(j, p):
            out[j][k] = out[k][j] = _dot(columns[j], columns[k])
    return out


def moment(columns: Sequence[Sequence], y: Sequence) -> Vector:
    """Xᵀy for a design given by its columns."""
    return [_dot(col, y) for col in columns]


class Singular(Exception):
    """The matrix has no inverse (elimination found no pivot in ``column``)."""

    def __init__(self, column: int):
        self.column = column
        super().__init__(f"no pivot in column {column}: the matrix is singular")


def solve(A: Matrix, b: Vector) -> Vector:
    """The unique x with A x = b (Gauss–Jordan elimination, exact); raises Singular."""
    n = len(A)
    M = [list(map(Fraction, row)) + [Fraction(v)] for row, v in zip(A, b)]
    for col in range(n):
        pivot = next((r for r in range(col, n) if M[r][col] != 0), None)
        if pivot is None:
            raise Singular(col)
        M[col], M[pivot] = M[pivot], M[col]
        inv = 1 / M[col][col]
        M[col] = [v * inv for v in M[col]]
        for r in range(n):
            if r != col and M[r][col] != 0:
                f = M[r][col]
                M[r] = [a - f * c for a, c in zip(M[r], M[col])]
    return [M[r][n] for r in range(n)]


def gauss_jordan(A: Matrix, b: Vector) -> list[tuple[Matrix, Matrix]]:
    """Gauss–Jordan elimination on the augmented matrix [A | b], one pivot column at a time.

    Returns one ``(E, M)`` per column: ``E`` is the invertible matrix of that column's row operations
    (a row swap if the pivot is zero, the pivot row divided by the pivot, multiples of it subtracted
    from the other rows) and ``M = E · M_previous`` (``M_previous`` is [A | b] for the first column).
    The last ``M`` is [I | x] with ``A x = b``; raises :class:`Singular` when A has no inverse.

    >>> from fractions import Fraction as F
    >>> [M for _, M in gauss_jordan([[F(2), F(4)], [F(1), F(3)]], [F(6), F(5)])][-1]
    [[Fraction(1, 1), Fraction(0, 1), Fraction(-1, 1)], [Fraction(0, 1), Fraction(1, 1), Fraction(2, 1)]]
    """
    n = len(A)
    M = [list(map(Fraction, row)) + [Fraction(v)] for row, v in zip(A, b)]
    out = []
    for col in range(n):
        pivot = next((r for r in range(col, n) if M[r][col] != 0), None)
        if pivot is None:
            raise Singular(col)
        order = list(range(n))
        order[col], order[pivot] = pivot, col
        swapped = [M[r] for r in order]  # P · M
        inv = 1 / swapped[col][col]
        factors = [swapped[r][col] for r in range(n)]
        # E = L · P, with L the identity whose column col is (−m_0/piv, …, 1/piv, …, −m_{n−1}/piv)
        E = [[Fraction(0)] * n for _ in range(n)]
        for r in range(n):
            E[r][order[col]] = inv if r == col else -factors[r] * inv
            if r != col:
                E[r][order[r]] += 1
        top = [v * inv for v in swapped[col]]
        M = [top if r == col else [a - factors[r] * c for a, c in zip(swapped[r], top)] for r in range(n)]
        out.append((E, M))
    return out


def inverse_diagonal(A: Matrix) -> Vector:
    """The diagonal of A⁻¹ (for standard errors), by solving A x = e_j for each j."""
    n = len(A)
    return [solve(A, [Fraction(int(i == j)) for i in range(n)])[j] for j in range(n)]


def first_dependent_column(columns: Sequence[Sequence]) -> tuple[int, dict[int, Fraction]] | None:
    """For a design given by its columns: (k, {j: c_j}) with column k = Σ c_j column j (j < k), or None.

    NOTE: one pass over the data for the Gram matrix G = XᵀX, then p × p work: with columns 0..k−1
    independent, c solves their normal equations G_k c = g_k, and column k equals Σ c_j column j
    exactly when its squared residual ‖x_k − X_k c‖² = G[k][k] − g_k·c is zero.

    >>> first_dependent_column([Column([1, 1, 1]), Column([1, 2, 3]), Column([2, 3, 4])])
    (2, {0: Fraction(1, 1), 1: Fraction(1, 1)})
    """
    G = gram(columns)
    for k in range(len(columns)):
        if k == 0:
            if G[0][0] == 0:
                return 0, {}
            continue
        A = [row[:k] for row in G[:k]]
        g = [G[j][k] for j in range(k)]
        try:
            c = solve(A, g)
        except Singular:  # an earlier column is already dependent (it would have been reported first)
            continue
        if G[k][k] - sum((gj * cj for gj, cj in zip(g, c)), Fraction(0)) == 0:
            return k, dict(enumerate(c))
    return None

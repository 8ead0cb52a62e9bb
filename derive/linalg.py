"""Exact linear algebra over the rationals (Python fractions): Gram matrices, elimination, rank.

Floating-point least squares loses digits on ill-conditioned designs (NIST's Filip, the Wampler
sets); exact elimination loses none. Everything here works on lists of
:class:`fractions.Fraction`, which is much faster than sympy matrices for this job.

Example:
    >>> from fractions import Fraction as F
    >>> solve([[F(2), F(1)], [F(1), F(3)]], [F(3), F(5)])
    [Fraction(4, 5), Fraction(7, 5)]
"""
from __future__ import annotations

from fractions import Fraction
from typing import Sequence

Vector = list[Fraction]
Matrix = list[list[Fraction]]


def gram(columns: Sequence[Sequence[Fraction]]) -> Matrix:
    """XᵀX for a design given by its columns."""
    p = len(columns)
    out = [[Fraction(0)] * p for _ in range(p)]
    for j in range(p):
        for k in range(j, p):
            s = sum((a * b for a, b in zip(columns[j], columns[k])), Fraction(0))
            out[j][k] = out[k][j] = s
    return out


def moment(columns: Sequence[Sequence[Fraction]], y: Sequence[Fraction]) -> Vector:
    """Xᵀy for a design given by its columns."""
    return [sum((a * b for a, b in zip(col, y)), Fraction(0)) for col in columns]


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


def inverse_diagonal(A: Matrix) -> Vector:
    """The diagonal of A⁻¹ (for standard errors), by solving A x = e_j for each j."""
    n = len(A)
    return [solve(A, [Fraction(int(i == j)) for i in range(n)])[j] for j in range(n)]


def first_dependent_column(columns: Sequence[Sequence[Fraction]]) -> tuple[int, dict[int, Fraction]] | None:
    """For a design given by its columns: (k, {j: c_j}) with column k = Σ c_j column j (j < k), or None."""
    rows = [list(r) for r in zip(*columns)]
    for k in range(len(columns)):
        combo = _combination(rows, k)
        if combo is not None:
            return k, {j: c for j, c in combo.items() if j != k}
    return None


def _combination(rows: Matrix, k: int) -> dict[int, Fraction] | None:
    """Coefficients c (j < k) with column k = Σ c_j column j, if column k is in that span."""
    if k == 0:
        return {0: Fraction(-1)} if all(r[0] == 0 for r in rows) else None
    # least-squares-free test: solve the normal equations of the first k columns exactly
    cols = [[r[j] for r in rows] for j in range(k)]
    target = [r[k] for r in rows]
    try:
        c = solve(gram(cols), moment(cols, target))
    except Singular:
        return None  # an earlier column is already dependent; it is reported first
    fitted = [sum((cj * r[j] for j, cj in enumerate(c)), Fraction(0)) for r in rows]
    if fitted == target:
        return {**{j: cj for j, cj in enumerate(c)}, k: Fraction(-1)}
    return None

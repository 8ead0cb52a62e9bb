"""Regression statistics of an exact least-squares fit: residual SD, R² and coefficient SDs.

Everything is exact rational arithmetic (:mod:`fractions`) up to the final square roots, which
are taken in :mod:`decimal` at a chosen precision, so the statistics carry as many correct digits
as asked for — NIST's StRD certifies 15.

Example:
    >>> from fractions import Fraction as F
    >>> ones, xs, ys = [F(1)] * 4, [F(0), F(1), F(2), F(3)], [F(1), F(3), F(4), F(8)]
    >>> s = fit_statistics([ones, xs], ys, [F(7, 10), F(11, 5)])
    >>> s.sse, s.r_squared, str(s.residual_sd)[:12]
    (Fraction(9, 5), Fraction(121, 130), '0.9486832980')
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Sequence

from . import linalg

__all__ = ["FitStats", "fit_statistics", "decimal_sqrt"]


@dataclass(frozen=True)
class FitStats:
    """Exact sums of squares and R²; the square roots in decimal."""

    n: int
    p: int
    sse: Fraction  # Σ (y_i − ŷ_i)²
    sst: Fraction  # Σ (y_i − ȳ)² when centred, Σ y_i² otherwise
    r_squared: Fraction  # 1 − SSE/SST
    residual_variance: Fraction | None  # s² = SSE/(n − p); None when n = p
    residual_sd: Decimal | None  # s
    coef_sd: tuple[Decimal, ...] | None  # sqrt(s² · diag((XᵀX)⁻¹))


def decimal_sqrt(value: Fraction, digits: int = 40) -> Decimal:
    """√value to ``digits`` significant digits (value ≥ 0).

    >>> decimal_sqrt(Fraction(2), 20)
    Decimal('1.4142135623730950488')
    """
    if value < 0:
        raise ValueError(f"square root of a negative number {value}")
    with localcontext() as ctx:
        ctx.prec = digits + 10  # NOTE: guard digits for the division; sqrt then rounds to `digits`
        quotient = Decimal(value.numerator) / Decimal(value.denominator)
        ctx.prec = digits
        return quotient.sqrt()


def fit_statistics(columns: Sequence[Sequence[Fraction]], y: Sequence[Fraction], coefficients: Sequence[Fraction],
                   *, centred: bool = True, digits: int = 40) -> FitStats:
    """Statistics of the least-squares fit ``coefficients`` of the design ``columns`` to ``y``.

    ``centred``: R² against the mean (a model with an intercept); otherwise the uncentred
    1 − SSE/Σy², as NIST uses for models through the origin.
    """
    n, p = len(y), len(columns)
    y = [Fraction(v) for v in y]
    fitted = [sum((Fraction(c) * Fraction(col[i]) for c, col in zip(coefficients, columns)), Fraction(0))
              for i in range(n)]
    sse = sum(((a - b) ** 2 for a, b in zip(y, fitted)), Fraction(0))
    mean = sum(y, Fraction(0)) / n if centred else Fraction(0)
    sst = sum(((v - mean) ** 2 for v in y), Fraction(0))
    r2 = 1 - sse / sst if sst else Fraction(1 if sse == 0 else 0)
    if n <= p:
        return FitStats(n, p, sse, sst, r2, None, None, None)
    s2 = sse / (n - p)
    cols = [[Fraction(v) for v in col] for col in columns]
    inv = linalg.inverse_diagonal(linalg.gram(cols))
    return FitStats(n, p, sse, sst, r2, s2, decimal_sqrt(s2, digits),
                    tuple(decimal_sqrt(s2 * d, digits) for d in inv))

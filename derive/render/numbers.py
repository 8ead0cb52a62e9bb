"""Number formatting: the one place that decides how an exact number is written as a decimal.

A rational with a terminating decimal expansion of at most ``digits`` significant digits is
written exactly (``2.51``, ``49957.6``); any other rational is rounded to ``digits`` significant
digits and the renderers mark it with ≈ (``\\approx``). Integers are always written in full.

Example:
    >>> import sympy as sp
    >>> decimal(sp.Rational(251, 100), 6), decimal(sp.Rational(2, 3), 6)
    ('2.51', '0.666667')
    >>> is_exact(sp.Rational(2, 3), 6)
    False
"""
from __future__ import annotations

import decimal as _decimal
from fractions import Fraction

import sympy as sp

# NOTE: "as written" numbers (data entries shown in a substitution) are written exactly when
# their expansion terminates within this many significant digits; beyond that, as a fraction.
WRITTEN_MAX_DIGITS = 20


def _fraction(r) -> Fraction:
    r = sp.Rational(r)
    return Fraction(int(r.p), int(r.q))


def decimal_scale(den: int) -> int | None:
    """The least k with ``den`` dividing 10**k (a fraction over ``den`` is then a terminating decimal with
    k places), or None when ``den`` has a prime factor other than 2 and 5.

    >>> decimal_scale(8), decimal_scale(50), decimal_scale(3)
    (3, 2, None)
    """
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    return max(twos, fives) if den == 1 else None


def terminating(r) -> str | None:
    """The exact decimal expansion of ``r`` if it terminates, else None.

    >>> terminating(sp.Rational(1, 8)), terminating(sp.Rational(1, 3))
    ('0.125', None)
    """
    f = _fraction(r)
    scale = decimal_scale(f.denominator)
    if scale is None:
        return None
    scaled = abs(f.numerator) * 10**scale // f.denominator  # exact: the denominator divides 10**scale
    text = str(scaled).rjust(scale + 1, "0")
    whole, frac = (text[:-scale], text[-scale:]) if scale else (text, "")
    frac = frac.rstrip("0")
    sign = "-" if f < 0 else ""
    return f"{sign}{whole}.{frac}" if frac else f"{sign}{whole}"


def significant_digits(text: str) -> int:
    """Significant digits of a plain decimal string (``'0.0250'`` -> 2, ``'49957.6'`` -> 6)."""
    digits = text.lstrip("-").replace(".", "").lstrip("0")
    if "." not in text:  # trailing zeros of an integer are not significant
        digits = digits.rstrip("0")
    return max(len(digits), 1)


def is_exact(r, digits: int) -> bool:
    """True when :func:`decimal` writes ``r`` exactly (an integer, or a short terminating decimal)."""
    r = sp.Rational(r)
    if r.is_Integer:
        return True
    text = terminating(r)
    return text is not None and significant_digits(text) <= digits


def _rounded(r, digits: int) -> str:
    f = _fraction(r)
    ctx = _decimal.Context(prec=max(digits, 1), rounding=_decimal.ROUND_HALF_EVEN)
    d = ctx.divide(_decimal.Decimal(f.numerator), _decimal.Decimal(f.denominator))
    exponent = d.adjusted()
    if -5 <= exponent < max(digits, 1):
        text = format(d, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    mantissa = format(d.scaleb(-exponent), "f")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{exponent:+d}"


def decimal(r, digits: int) -> str:
    """``r`` as a decimal: exact when it terminates within ``digits`` significant digits, else
    rounded to ``digits`` significant digits (scientific notation for very large or small values).

    >>> decimal(sp.Rational(499576, 10), 6), decimal(sp.Rational(1, 7), 3), decimal(sp.Integer(1234567), 3)
    ('49957.6', '0.143', '1234567')
    """
    r = sp.Rational(r)
    if r.is_Integer:
        return str(int(r))
    if is_exact(r, digits):
        return terminating(r)  # type: ignore[return-value]
    return _rounded(r, digits)


def approximate(value, digits: int) -> str:
    """A real number that is not exact (a float, √2, e), rounded to ``digits`` significant digits;
    scientific notation for very large or small values, as for rounded rationals.

    >>> approximate(sp.Float(283883426630656.0), 6), approximate(sp.sqrt(2), 3)
    ('2.83883e+14', '1.41')
    """
    value = sp.sympify(value)
    if value.is_Float or value.is_Rational:
        return _rounded(sp.Rational(value), digits)
    return _rounded(sp.Rational(precise(value, digits + 10)), digits)


def precise(value: sp.Basic, digits: int) -> sp.Float:
    """``value`` to ``digits`` correct significant digits, with as many working digits as it takes: a − √b
    whose parts agree to 120 digits (eigenvalues of data of size 10⁻⁶⁰) comes out right, not with a
    wrong sign. Zero when it is zero to 6400 working digits."""
    from sympy.core.evalf import PrecisionExhausted

    try:
        return value.evalf(digits, maxn=20000, strict=True)
    except PrecisionExhausted:  # evalf cannot bound the error of every function (|…|, max): widen until stable
        pass
    n = max(2 * digits, 50)
    while n <= 3200:
        a, b = value.evalf(n), value.evalf(2 * n)
        if b != 0 and abs(a - b) <= abs(b) * sp.Float(10) ** (-digits - 2):
            return b
        n *= 2
    return sp.Float(0)


def rounded_float(value, digits: int) -> sp.Float:
    """``value`` rounded to ``digits`` significant digits in decimal, as a sympy Float of that precision
    (it prints as exactly those digits; a binary Float(value, digits) can land one unit off).

    >>> rounded_float(sp.Rational(902064, 100) - sp.Rational(1, 10**9), 6)
    9020.64
    """
    return sp.Float(approximate(value, digits).replace("e+", "e"), digits)


def written(r) -> str | None:
    """A number shown as written in a substitution: its exact decimal, or None (use a fraction)."""
    text = terminating(r)
    if text is None or significant_digits(text) > WRITTEN_MAX_DIGITS:
        return None
    return text


def latex_decimal(text: str) -> str:
    """A decimal string from this module as LaTeX (``1.5e+20`` -> ``1.5 \\times 10^{20}``)."""
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def unicode_decimal(text: str) -> str:
    """A decimal string from this module for the terminal (``1.5e+20`` -> ``1.5×10²⁰``), with U+2212
    minus signs like the Unicode printer's."""
    if "e" in text:
        mantissa, exponent = text.split("e")
        sup = str(int(exponent)).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
        return f"{mantissa}×10{sup}".replace("-", "\u2212")
    return text.replace("-", "\u2212")

"""What the parts of a gradient-descent derivation share: the names of the run's quantities, numbers
moved between the engine (fractions and floats) and sympy, and numbers written in prose.
"""
from __future__ import annotations

import math
from fractions import Fraction

import sympy as sp

from ..optim import readable
from ..render.numbers import decimal_scale, rounded_float
from .regression_numbers import shown

ETA = sp.Symbol("eta", positive=True)
OPTIMIZER_NAMES = {"gd": "gradient descent", "momentum": "gradient descent with momentum", "adagrad": "AdaGrad",
                   "rmsprop": "RMSprop", "adam": "Adam"}
VALUE_DIGITS = 30  # the precision of a value that is not rational (the displayed digits are fewer)


def method_name(s) -> str:
    """What the run does, in words: stochastic or mini-batch gradient descent, or the optimizer's name."""
    if s.optimizer == "gd" and s.batch == 1:
        return "stochastic gradient descent"
    if s.optimizer == "gd" and s.batch is not None:
        return f"mini-batch gradient descent (batches of {s.batch} rows)"
    return OPTIMIZER_NAMES[s.optimizer]


def r(v) -> sp.Basic:
    """A number of the engine as sympy: Fractions exactly, floats as floats (17 digits, every bit)."""
    if isinstance(v, Fraction):
        return sp.Rational(v.numerator, v.denominator)
    if isinstance(v, sp.Basic):
        return v
    return sp.Float(float(v), 17)


def frac(v) -> Fraction:
    """A rational number (Fraction, int, sympy Rational) as a Fraction."""
    if isinstance(v, Fraction):
        return v
    v = sp.Rational(v)
    return Fraction(int(v.p), int(v.q))


def is_readable(v) -> bool:
    """A sympy number a reader can take in exactly (see optim.readable)."""
    return isinstance(v, sp.Rational) and readable(frac(v))


def terminates(v: sp.Rational) -> bool:
    """A rational with a terminating decimal expansion."""
    return decimal_scale(int(v.q)) is not None


def as_shown(v) -> sp.Basic:
    """A readable exact value as the reader sees it: a terminating decimal as written, else the fraction."""
    return shown(v) if terminates(v) else v


def new_name(p: sp.Symbol) -> sp.Symbol:
    """The name of a parameter after the step: wⁿᵉʷ for w."""
    return sp.Symbol(f"{p.name}^new", real=True)


def finite(v) -> bool:
    """A finite real number (Fractions always are; floats and sympy numbers are checked)."""
    if isinstance(v, Fraction):
        return True
    try:
        return math.isfinite(float(v))
    except (TypeError, OverflowError):
        return False


def display(v, digits: int) -> sp.Basic:
    """A number for prose: a short exact decimal as written, anything else rounded (marked by the float)."""
    if is_readable(v):
        return shown(v)
    if isinstance(v, sp.Basic) and v.is_number and v.is_real:
        return rounded_float(v, digits)
    return v


def point_text(names, values, digits: int) -> tuple:
    """Prose naming a point: (s, b) = (3.6, 1.14), numbers as written where they terminate."""
    values = [display(v, digits) for v in values]
    if len(names) == 1:
        return (sp.Eq(names[0], values[0], evaluate=False),)
    return (sp.Eq(sp.Tuple(*names), sp.Tuple(*values), evaluate=False),)


def sci(v: float, digits: int = 3) -> str:
    """A float for prose: 0.0628, 2.82×10⁵, 1×10⁻⁶ (Unicode, which every format can print)."""
    from ..render.numbers import approximate, unicode_decimal

    if v == 0 or not math.isfinite(v):
        return "∞" if v == math.inf else f"{v:g}"
    return unicode_decimal(approximate(sp.Float(v), min(digits, 15)))  # a float64 carries 15 digits


def power_of_ten(v: sp.Rational) -> sp.Basic:
    """1×10⁻⁶ for 1/1000000 (printed as a power of ten), any other number as written."""
    if v > 0:
        k = sp.log(v, 10)
        if k.is_Integer and abs(k) > 2:
            return sp.Float(v, 1)
    return shown(v) if v.is_Rational else v


def listing(names, values) -> tuple:
    """Prose: a = 1, b = 2."""
    parts: list = []
    for k, (n, v) in enumerate(zip(names, values)):
        parts += ([", "] if k else []) + [sp.Eq(n, v, evaluate=False)]
    return tuple(parts)


def plural(count: int, word: str, words: str | None = None) -> str:
    """'1 step', '2 steps'."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"

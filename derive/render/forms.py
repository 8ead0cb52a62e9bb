"""Forms of expressions that both printers treat specially, and their shared printing mode.

*Written arithmetic* is a compound expression of rational numbers only (a substitution built
unevaluated, e.g. ``Mul(Rational('25.1'), Pow(10, -1, evaluate=False), evaluate=False)``); an
*operator* is a factor that acts on everything to its right (Σ, ∂/∂w of an expression).

Example:
    >>> import sympy as sp
    >>> is_written(sp.Mul(sp.Rational(1, 2), sp.Pow(3, -1, evaluate=False), evaluate=False))
    True
"""
from __future__ import annotations

import functools

import sympy as sp
from sympy.core.function import AppliedUndef

from . import numbers

_BIG = (sp.Sum, sp.Integral, sp.Product)


def _arithmetic(expr: sp.Basic) -> str | None:
    """"exact" for a compound expression of rational numbers only, with integer powers; "float" when
    its numbers include floating-point ones; None for anything else (a symbol, a function, an atom)."""
    if isinstance(expr, sp.UnevaluatedExpr):
        inner = expr.args[0]
        return ("exact" if inner.is_Rational else "float" if inner.is_Float else None) or _arithmetic(inner)
    if expr.is_Atom or not isinstance(expr, (sp.Add, sp.Mul, sp.Pow)):
        return None
    floats = False
    for node in sp.preorder_traversal(expr):
        if node.is_Atom:
            if node.is_Float:
                floats = True
            elif not node.is_Rational:
                return None
        elif isinstance(node, sp.Pow):
            if not node.exp.is_Integer:
                return None
        elif not isinstance(node, (sp.Add, sp.Mul, sp.UnevaluatedExpr)):
            return None
    return "float" if floats else "exact"


def is_written(expr: sp.Basic) -> bool:
    """True for a compound expression of rational numbers only, with integer powers: arithmetic
    that was written out unevaluated (an evaluated one would be a single number)."""
    return _arithmetic(expr) == "exact"


def is_float_arithmetic(expr: sp.Basic) -> bool:
    """True for arithmetic written out like :func:`is_written` whose numbers include floating-point
    ones: a computation in floating point shown step by step (``7.97882·10¹⁰ / 1.26912·10¹²``)."""
    return _arithmetic(expr) == "float"


def number_of(expr: sp.Basic) -> sp.Number | None:
    """The rational or floating-point number of a number, or of one shown as written."""
    if isinstance(expr, sp.UnevaluatedExpr):
        expr = expr.args[0]
    return expr if expr.is_Rational or expr.is_Float else None


def rational_of(expr: sp.Basic) -> sp.Rational | None:
    """The number of a rational or of a rational shown as written (``UnevaluatedExpr(2.5)``)."""
    if isinstance(expr, sp.UnevaluatedExpr):
        expr = expr.args[0]
    return expr if expr.is_Rational else None


def is_operator(expr: sp.Basic) -> bool:
    """A factor that acts on everything to its right (Σ, ∫, ∂/∂w of an expression)."""
    if isinstance(expr, _BIG):
        return True
    return isinstance(expr, sp.Derivative) and not compact_derivative(expr)


def compact_derivative(d: sp.Derivative) -> bool:
    """∂L/∂w form: the derivative of a named function of plain symbols (or of a vector β)."""
    e = d.expr
    return isinstance(e, AppliedUndef) and all(a.is_Symbol or isinstance(a, sp.MatrixSymbol) for a in e.args)


def uses_partial(d: sp.Derivative) -> bool:
    """∂ when anything besides the differentiation variable is around, d otherwise."""
    if isinstance(d.expr, AppliedUndef) and len(d.expr.args) > 1:
        return True
    if any(isinstance(v, sp.MatrixSymbol) for v in d.variables):
        return True  # a gradient with respect to a vector
    return len(d.expr.free_symbols | set(d.variables)) > 1


def positive_first(terms: list) -> list:
    """Reorder the terms of a sum so that it starts with a positive term, if it has one."""
    for k, t in enumerate(terms):
        if not t.could_extract_minus_sign():
            return [t] + terms[:k] + terms[k + 1:]
    return terms


def split_denominator(factors) -> tuple[list, list]:
    """Numerator and denominator factors of a product (x/y, x·y⁻², (2/3)x)."""
    num, den = [], []
    for a in factors:
        if isinstance(a, sp.Pow) and a.exp.is_Rational and a.exp.is_negative:
            den.append(a.base if a.exp == -1 else sp.Pow(a.base, -a.exp))
        elif a.is_Rational and not a.is_Integer:
            if a.p != 1:
                num.append(sp.Integer(a.p))
            den.append(sp.Integer(a.q))
        else:
            num.append(a)
    return num, den


def written_parts(expr: sp.Mul) -> tuple[bool, list, list]:
    """Sign, numerator and denominator factors of a written product, in the order written."""
    args = list(expr.args)
    negative = False
    if args and args[0] is sp.S.NegativeOne:
        negative, args = True, args[1:]
    num, den = [], []
    for a in args:
        if isinstance(a, sp.Pow) and a.exp.is_Integer and a.exp.is_negative:
            den.append(a.base if a.exp == -1 else sp.Pow(a.base, -a.exp, evaluate=False))
        else:
            num.append(a)
    return negative, num, den


def negate(term: sp.Basic, written: bool) -> sp.Basic:
    """-term; for written arithmetic without evaluating it (-(-a·b) is a·b, not their product)."""
    if not written:
        return -term
    if isinstance(term, sp.Mul):
        head, *tail = term.args
        if head is sp.S.NegativeOne:
            return tail[0] if len(tail) == 1 else sp.Mul(*tail, evaluate=False)
        if head.is_Number and head.is_negative:
            return sp.Mul(-head, *tail, evaluate=False)
    if isinstance(term, sp.UnevaluatedExpr):
        return sp.UnevaluatedExpr(-term.args[0])
    return -term


@functools.lru_cache(maxsize=4096)
def _term_order(expr: sp.Add, order: str) -> tuple:
    """The positions in ``expr.args`` of sympy's ordered terms."""
    where = {id(a): k for k, a in enumerate(expr.args)}
    positions = tuple(where[id(t)] for t in expr.as_ordered_terms(order=order))
    if sorted(positions) != list(range(len(expr.args))):
        raise KeyError("the ordered terms are not the sum's own")
    return positions


class DeriveMixin:
    """What both printers share: the written-arithmetic mode."""

    _written = 0
    # NOTE: the LaTeX printer also writes float arithmetic out (a quotient as a fraction, never a double
    # superscript such as 1.26912 \cdot 10^{12}^{-1})
    _written_floats = False

    def _print(self, expr, **kwargs):
        if not self._written and isinstance(expr, sp.Basic) and (
                is_written(expr) or (self._written_floats and is_float_arithmetic(expr))):
            self._written += 1
            try:
                return super()._print(expr, **kwargs)
            finally:
                self._written -= 1
        return super()._print(expr, **kwargs)

    def _written_number(self, r: sp.Rational) -> str | None:
        return numbers.written(r) if self._written else None

    def _as_ordered_terms(self, expr, order=None):
        """sympy's order of an Add's terms, remembered per sum (the same sums recur throughout a
        derivation, and sympy computes the order from each term's coefficients every time)."""
        order = order or self.order
        if order in ("old", "none"):
            return super()._as_ordered_terms(expr, order)
        try:
            positions = _term_order(expr, order)
        except (TypeError, KeyError):  # unhashable, or a term that is not one of the args: as sympy does it
            return super()._as_ordered_terms(expr, order)
        # NOTE: the terms of this very sum, in the remembered order (an equal sum may hold floats of
        # another precision, which print differently)
        return [expr.args[k] for k in positions]

    def _print_UnevaluatedExpr(self, expr):
        if not is_written(expr):
            return self._print(expr.args[0])
        self._written += 1
        try:
            return self._print(expr.args[0])
        finally:
            self._written -= 1

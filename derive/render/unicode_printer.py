"""The one-line Unicode printer used by the terminal renderer (a sympy StrPrinter).

Products are juxtaposed (``2 w xᵢ``), numbers next to numbers get a ``·``; powers, indices and Σ
limits use Unicode super- and subscripts where Unicode has them (``xᵢ²``, ``Σᵢ₌₁ⁿ``), and fall
back to ``x[k]``, ``x^k`` and ``Σ_{i=1}^{N}`` otherwise; minus signs are U+2212.

Example:
    >>> import sympy as sp
    >>> w, b = sp.symbols("w b")
    >>> unicode(sp.Derivative(sp.Function("L")(w, b), w, 2))
    '∂²L/∂w²'
"""
from __future__ import annotations

import functools

import importlib
import unicodedata

import sympy as sp
from sympy.core.mul import _keep_coeff
from sympy.core.relational import Relational
from sympy.printing.conventions import split_super_sub
from sympy.printing.str import StrPrinter

from ..notation import Mean
from .forms import (DeriveMixin, compact_derivative, is_operator, negate, positive_first, rational_of,
                    split_denominator, uses_partial, written_parts)

_symbology = importlib.import_module("sympy.printing.pretty.pretty_symbology")

MINUS = "\u2212"
MACRON = "\u0304"  # combining macron: x̄
OVERLINE = "\u0305"  # combining overline, one per character of a compound mean

SUB = {k: v for k, v in _symbology.sub.items() if v and len(k) == 1}
SUP = {k: v for k, v in _symbology.sup.items() if v and len(k) == 1}
SUB[MINUS], SUP[MINUS] = SUB["-"], SUP["-"]
_SCRIPT_CHARS = set(SUB.values()) | set(SUP.values())


def script(text: str, table: dict) -> str | None:
    """``text`` in sub/superscript characters, or None if one of them has no such form."""
    if not text or any(c not in table for c in text):
        return None
    return "".join(table[c] for c in text)


# NOTE: modifier letters, for superscript words such as "new" (sympy's table has only a few letters)
_SUP_LETTERS = dict(zip("abcdefghijklmnoprstuvwxyz", "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"))


@functools.lru_cache(maxsize=1024)
def pretty_name(name: str) -> str:
    """Greek letters, modifiers and subscripts of a symbol name: beta_1 -> β₁, yhat -> ŷ.

    NOTE: remembered per name (a derivation prints the same few names hundreds of times, and sympy's
    symbology translates each afresh)."""
    base, sups, subs = split_super_sub(name)
    if sups == ["*"]:  # eta^* -> η* (no superscript star in Unicode)
        return pretty_name("_".join([base] + subs)) + "*"
    if len(sups) == 1 and len(sups[0]) > 1 and all(c in _SUP_LETTERS for c in sups[0]):
        return pretty_name("_".join([base] + subs)) + "".join(_SUP_LETTERS[c] for c in sups[0])  # wⁿᵉʷ
    previous = _symbology.pretty_use_unicode(True)
    try:
        return _symbology.pretty_symbol(name)
    finally:
        _symbology.pretty_use_unicode(previous)


def _letters(text: str) -> list[str]:
    """Characters with their combining marks attached."""
    out: list[str] = []
    for c in text:
        if out and unicodedata.combining(c):
            out[-1] += c
        else:
            out.append(c)
    return out


def bar(text: str, single: bool) -> str:
    """x -> x̄ for a single letter (sub/superscripts after it allowed), else an overline on each character."""
    letters = _letters(text)
    if single and letters and all(c in _SCRIPT_CHARS for c in letters[1:]):
        return letters[0] + MACRON + "".join(letters[1:])
    return "".join(c + OVERLINE for c in letters if not c.isspace())


def _simple(e: sp.Basic) -> bool:
    """Prints as one unbroken token: needs no parentheses as a factor, base or fraction part."""
    if isinstance(e, sp.Pow):
        return _simple(e.base) and e.exp.is_Integer and e.exp.is_positive
    if e.is_Number:
        return e.is_Integer and not e.is_negative
    return e.is_Symbol or isinstance(e, (sp.Indexed, sp.IndexedBase, sp.Function, sp.MatrixBase))


class UnicodePrinter(DeriveMixin, StrPrinter):
    """One-line Unicode math (see the module docstring)."""

    # NOTE: not "_sympystr": Indexed and others define that hook, which would bypass _print_Indexed.
    printmethod = "_derive_unicode"

    def __init__(self, settings=None):
        super().__init__({"full_prec": False, **(settings or {})})

    # -- notation -----------------------------------------------------------------------------------
    def _print_Symbol(self, expr):
        return pretty_name(expr.name)

    def _print_IndexedBase(self, expr):
        return self._print(expr.label)

    def _print_Indexed(self, expr):
        base = self._print(expr.base)
        index = ",".join(self._print(i) for i in expr.indices)
        sub = script(index, SUB)
        if sub is not None and not any(c in _SCRIPT_CHARS for c in base):
            return base + sub
        return f"{base}[{index}]"

    def _print_Mean(self, expr):
        arg = expr.args[0]
        return bar(self._print(arg), isinstance(arg, (sp.IndexedBase, sp.Symbol)))

    def _print_AppliedUndef(self, expr):
        return pretty_name(expr.func.__name__) + "(%s)" % ", ".join(self._print(a) for a in expr.args)

    def _print_Derivative(self, expr):
        d = "∂" if uses_partial(expr) else "d"
        order = sum(n for _, n in expr.variable_count)
        den = "".join(f"{d}{self._print(v)}" + ("" if n == 1 else self._sup(n)) for v, n in expr.variable_count)
        top = d if order == 1 else d + self._sup(order)
        if compact_derivative(expr):
            return f"{top}{pretty_name(expr.expr.func.__name__)}/{den}"
        inner = self._print(expr.expr)
        if isinstance(expr.expr, (sp.Add, sp.Mul)) or expr.expr.could_extract_minus_sign():
            inner = f"({inner})"
        return f"{top}/{den} {inner}"

    def _sup(self, n) -> str:
        text = self._print(sp.sympify(n))
        s = script(text, SUP)
        return s if s is not None else f"^{text}"

    def _print_Sum(self, expr):
        out = ""
        for var, lo, hi in reversed(expr.limits):
            v, lo_s, hi_s = self._print(var), self._print(lo), self._print(hi)
            sub, sup = script(f"{v}={lo_s}", SUB), script(hi_s, SUP)
            out += f"Σ{sub}{sup} " if sub and sup else f"Σ_{{{v}={lo_s}}}^{{{hi_s}}} "
        f = expr.function
        inner = self._print(f)
        if isinstance(f, (sp.Add, Relational)) or f.could_extract_minus_sign():
            inner = f"({inner})"
        return out + inner

    def _print_Subs(self, expr):
        e, old, new = expr.args
        at = ", ".join(f"{self._print(o)} = {self._print(n)}" for o, n in zip(old, new))
        return f"({self._print(e)}) at {at}"

    def _print_Abs(self, expr):
        return f"|{self._print(expr.args[0])}|"

    def _print_Max(self, expr):
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr):
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Relational(self, expr):
        op = {"==": "=", "!=": "≠", "<=": "≤", ">=": "≥"}.get(expr.rel_op, expr.rel_op)
        return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

    def _print_MatrixBase(self, expr):
        rows = ["  ".join(self._print(e) for e in expr.row(r)) for r in range(expr.rows)]
        return "[" + "; ".join(rows) + "]"

    # -- matrix expressions (the normal equation) ---------------------------------------------
    def _print_MatrixSymbol(self, expr):
        return pretty_name(expr.name)

    def _print_Transpose(self, expr):
        inner = self._print(expr.arg)
        return (inner if isinstance(expr.arg, sp.MatrixSymbol) else f"({inner})") + "ᵀ"

    def _print_Inverse(self, expr):
        inner = self._print(expr.arg)
        return (inner if isinstance(expr.arg, sp.MatrixSymbol) else f"({inner})") + "⁻¹"

    def _print_MatMul(self, expr):
        coeff, mats = expr.as_coeff_mmul()
        parts = [f"({self._print(m)})" if isinstance(m, sp.MatAdd) else self._print(m) for m in mats.args]
        body = " ".join(parts)
        if coeff == 1:
            return body
        if coeff == -1:
            return MINUS + body
        if coeff.could_extract_minus_sign():  # −η Xᵀ(…), not (−η) Xᵀ(…)
            return MINUS + self._print(sp.MatMul(-coeff, *mats.args))
        c = self._print(coeff)
        return f"{c} {body}" if coeff.is_Symbol or coeff.is_Integer else f"({c}) {body}"

    def _print_MatAdd(self, expr):
        out = ""
        for k, term in enumerate(expr.args):
            text = self._print(term)
            if k and text.startswith(MINUS):
                out += f" {MINUS} {text[1:]}"
            else:
                out += (" + " if k else "") + text
        return out

    def _print_ZeroMatrix(self, expr):
        return "0"

    def _print_Identity(self, expr):
        return "I"

    def _print_Determinant(self, expr):
        return "det " + self._print(expr.arg)

    # -- numbers --------------------------------------------------------------------------------------
    def _print_Pi(self, expr):
        return "π"

    def _print_Exp1(self, expr):
        return "e"

    def _print_Infinity(self, expr):
        return "∞"

    def _print_NegativeInfinity(self, expr):
        return MINUS + "∞"

    def _print_Integer(self, expr):
        return str(expr.p).replace("-", MINUS)

    def _print_Rational(self, expr):
        text = self._written_number(expr)
        if text is None:
            text = f"{expr.p}/{expr.q}"
        return text.replace("-", MINUS)

    def _print_Float(self, expr):
        # NOTE: a float shows the digits it was rounded to, in the notation of the decimals (1.2×10⁵)
        from mpmath.libmp import prec_to_dps

        from .numbers import approximate, unicode_decimal

        return unicode_decimal(approximate(expr, max(1, prec_to_dps(expr._prec))))

    # -- sums, products, powers ------------------------------------------------------------------------
    def _print_Add(self, expr, order=None):
        # NOTE: written arithmetic keeps the order it was written in (a substitution mirrors its formula)
        terms = positive_first(list(expr.args) if self._written else self._as_ordered_terms(expr, order=order))
        out = ""
        for k, term in enumerate(terms):
            shown = term
            if term.could_extract_minus_sign():
                shown = negate(term, self._written)
                text, sep = self._print(shown), f" {MINUS} " if k else MINUS
            else:
                text, sep = self._print(term), " + " if k else ""
            # NOTE: what is printed decides the parentheses: 2b − (b/6 − 1/6), whose term is −1·(…)
            if isinstance(shown, sp.Add) or (k and text.startswith(MINUS)):
                text = f"({text})"
            out += sep + text
        return out

    def _factor(self, e, first: bool, last: bool) -> str:
        text = self._print(e)
        if (isinstance(e, (sp.Add, Relational)) or (is_operator(e) and not last)
                or (isinstance(e, sp.Derivative) and not (first and last))
                or (not first and text.startswith(MINUS))
                or ((e.is_Rational or isinstance(e, sp.UnevaluatedExpr)) and "/" in text)):
            return f"({text})"
        return text

    def _product(self, factors) -> str:
        out = ""
        for k, f in enumerate(factors):
            text = self._factor(f, k == 0, k == len(factors) - 1)
            if out:
                out += "·" if out[-1].isdigit() and text[0].isdigit() else " "
            out += text
        return out

    def _numerator(self, factors) -> str:
        """a b/c needs no parentheses (a (b/c) is the same number), but an operator does: (Σ…)/c."""
        if not factors:
            return "1"
        text = self._product(factors)
        return f"({text})" if any(is_operator(f) for f in factors) else text

    def _denominator(self, factors) -> str:
        text = self._product(factors)
        if len(factors) == 1 and (_simple(factors[0]) or isinstance(factors[0], sp.Add)):
            return text  # an Add is already in parentheses
        return f"({text})"

    def _print_Mul(self, expr):
        if self._written:
            negative, num, den = written_parts(expr)
            compound = [f for f in num if isinstance(f, sp.Add)]
            if den and compound and len(compound) < len(num):
                # NOTE: (2/10)·(5·70.49 + …), as the formula (2/n)(…) it substitutes into
                coef = [f for f in num if not isinstance(f, sp.Add)]
                front = self._print(sp.Mul(*coef, *[sp.Pow(d, -1, evaluate=False) for d in den], evaluate=False))
                rest = "·".join(self._written_factor(f, False) for f in compound)
                return (MINUS if negative else "") + f"({front})·{rest}"
            top = "·".join(self._written_factor(f, k == 0) for k, f in enumerate(num)) or "1"
            if den:
                bottom = "·".join(self._written_factor(f, k == 0) for k, f in enumerate(den))
                if len(den) > 1 or isinstance(den[0], (sp.Mul, sp.Pow, sp.Add)) or "/" in bottom:
                    bottom = f"({bottom})"
                top = f"{top}/{bottom}"
            return (MINUS if negative else "") + top
        c, rest = expr.as_coeff_Mul()
        sign = ""
        if c.is_negative:
            sign, expr = MINUS, _keep_coeff(-c, rest)
            if not isinstance(expr, sp.Mul):
                return sign + self._factor(expr, False, True)
        factors = expr.as_ordered_factors()
        ops = [f for f in factors if is_operator(f)]
        num, den = split_denominator([f for f in factors if not is_operator(f)])
        if not den:
            return sign + self._product(num + ops)
        if ops and not any(d.has(sp.Sum, sp.Integral, sp.Product, sp.Derivative) for d in den):
            # NOTE: (2/n) Σ…, not 2 Σ…/n: the coefficient goes in front of the operator.
            return sign + f"({self._numerator(num)}/{self._denominator(den)}) " + self._product(ops)
        return sign + f"{self._numerator(num + ops)}/{self._denominator(den)}"

    def _written_factor(self, f, first: bool) -> str:
        text = self._print(f)
        if isinstance(f, (sp.Add, sp.Mul)) or "/" in text or (not first and text.startswith(MINUS)):
            return f"({text})"
        return text

    def _print_Pow(self, expr):
        b, e = expr.base, expr.exp
        if e.is_Rational and e.is_negative:
            inv = b if e == -1 else sp.Pow(b, -e, evaluate=not self._written)
            text = self._print(inv)
            plain = _simple(inv) or (rational_of(inv) is not None and "/" not in text and MINUS not in text)
            return "1/" + (text if plain else f"({text})")
        if e is sp.S.Half:
            text = self._print(b)
            return "√" + (text if _simple(b) else f"({text})")
        base = self._print(b)
        number = rational_of(b) is not None and "/" not in base and not base.startswith(MINUS)
        if not (_simple(b) or isinstance(b, Mean) or number):
            base = f"({base})"
        exp_text = self._print(e)
        sup = script(exp_text, SUP)
        if sup is not None:
            return base + sup
        return f"{base}^{exp_text}" if _simple(e) else f"{base}^({exp_text})"


def unicode(expr: sp.Basic) -> str:
    """One-line Unicode math for ``expr``.

    >>> from derive.notation import Mean, column
    >>> unicode(column("x")[sp.Symbol("i")] - Mean(column("x")))
    'xᵢ − x̄'
    """
    return UnicodePrinter().doprint(expr)

"""The printers: sympy's LaTeX and str printers, extended for derivations.

Both printers are sympy printers with extra ``_print_<Class>`` methods (never string surgery on
sympy's output). What they add:

* means ``Mean(x)`` as x̄ / ``\\bar{x}``, data entries ``x[i]`` as xᵢ / ``x_{i}``;
* derivatives of a named function as ∂L/∂w, of an expression as ∂/∂w (…);
* Σ with the index range, the summand in parentheses when it is a sum or negative;
* a coefficient with a denominator goes in front of a Σ or ∂ operator: ``\\frac{2}{n} \\sum …``;
* a sum is written starting with a positive term (``x_i - x̄``, not ``-x̄ + x_i``);
* *written arithmetic* — a compound expression of numbers only, built unevaluated (a
  substitution such as 25.1/10) — is printed as written: its rationals as exact decimals when
  they terminate, divisions as fractions, nothing evaluated; so is arithmetic on floating-point
  numbers (``7.97882·10¹⁰ / 1.26912·10¹²`` as a fraction, a power of ``1.5·10⁻⁷`` in parentheses).

The unicode printer lives in :mod:`derive.render.unicode_printer` and is re-exported here.

Example:
    >>> import sympy as sp
    >>> from derive.notation import Mean, column
    >>> x = column("x")
    >>> latex(Mean(x) ** 2), unicode(Mean(x) ** 2)
    ('\\\\bar{x}^{2}', 'x̄²')
"""
from __future__ import annotations

import sympy as sp
from sympy.printing.conventions import split_super_sub
from sympy.printing.latex import LatexPrinter

from .forms import (DeriveMixin, compact_derivative, is_operator, is_written, negate,
                    number_of, positive_first, uses_partial, written_parts)


class DeriveLatexPrinter(DeriveMixin, LatexPrinter):
    """sympy's LaTeX printer with the derivation notation (see the module docstring).

    >>> DeriveLatexPrinter().doprint(sp.IndexedBase("x")[sp.Symbol("i")])
    'x_{i}'
    """

    _written_floats = True  # a float computation shown step by step prints as written arithmetic does

    # -- notation ---------------------------------------------------------------------------------
    def _split_super_sub(self, name: str):
        """As sympy's, but a word in a sub- or superscript is upright: w^{\\mathrm{new}}, \\lambda_{\\mathrm{max}}
        (a Greek name such as beta_eta, or a single letter or digit, is translated as usual)."""
        base, supers, subs = super()._split_super_sub(name)
        if name is None or "{" in name:
            return base, supers, subs
        _, raw_sup, raw_sub = split_super_sub(name)
        fix = lambda raw, tex: rf"\mathrm{{{raw}}}" if raw.isalpha() and len(raw) > 1 and tex == raw else tex  # noqa: E731
        return base, [fix(r, t) for r, t in zip(raw_sup, supers)], [fix(r, t) for r, t in zip(raw_sub, subs)]

    def _print_Mean(self, expr, exp=None):
        arg = expr.args[0]
        if isinstance(arg, (sp.IndexedBase, sp.Symbol)):
            # NOTE: the bar goes on the letter only: beta_1 -> \bar{\beta}_{1}, not \bar{\beta_{1}}.
            name, sups, subs = split_super_sub(arg.name)
            tex = rf"\bar{{{self._deal_with_super_sub(name)}}}"
            if subs:
                tex += "_{%s}" % " ".join(self._deal_with_super_sub(s) for s in subs)
            if sups:
                tex = "{%s^{%s}}" % (tex, " ".join(self._deal_with_super_sub(s) for s in sups))
        else:
            tex = rf"\overline{{{self._print(arg)}}}"
        return f"{tex}^{{{exp}}}" if exp is not None else tex

    def _print_Indexed(self, expr):
        base = self._print(expr.base)
        if "_" in base or "^" in base:
            base = "{%s}" % base
        return "%s_{%s}" % (base, ",".join(self._print(i) for i in expr.indices))

    def _print_AppliedUndef(self, expr, exp=None):
        name = self._deal_with_super_sub(expr.func.__name__)
        args = ", ".join(self._print(a) for a in expr.args)
        simple = all(a.is_Symbol or a.is_Number for a in expr.args)
        tex = f"{name}({args})" if simple else rf"{name}\left({args}\right)"
        return rf"{tex}^{{{exp}}}" if exp is not None else tex

    def _print_Derivative(self, expr):
        d = r"\partial" if uses_partial(expr) else "d"
        order = sum(n for _, n in expr.variable_count)
        # NOTE: variables in the order given: Derivative(L, w, b) is ∂²L/∂w∂b, matching the
        # Hessian entry H[w, b]; the mixed partials of a smooth function are equal anyway.
        den = " ".join(
            f"{d} {self._print(v)}" if n == 1 else f"{d} {self.parenthesize_super(self._print(v))}^{{{n}}}"
            for v, n in expr.variable_count)
        top = d if order == 1 else f"{d}^{{{order}}}"
        if compact_derivative(expr):
            name = self._deal_with_super_sub(expr.expr.func.__name__)
            return rf"\frac{{{top} {name}}}{{{den}}}"
        inner = self._print(expr.expr)
        if isinstance(expr.expr, (sp.Add, sp.Mul)) or expr.expr.could_extract_minus_sign():
            inner = rf"\left({inner}\right)"
        return rf"\frac{{{top}}}{{{den}}} {inner}"

    def _print_Sum(self, expr):
        tex = ""
        for var, lo, hi in reversed(expr.limits):
            tex += r"\sum_{%s=%s}^{%s} " % (self._print(var), self._print(lo), self._print(hi))
        f = expr.function
        inner = self._print(f)
        if isinstance(f, sp.Add) or f.could_extract_minus_sign():
            inner = rf"\left({inner}\right)"
        return tex + inner

    def _print_Determinant(self, expr):
        mat = expr.arg
        if isinstance(mat, sp.MatrixBase):
            return r"\begin{vmatrix}%s\end{vmatrix}" % self._matrix_rows(mat)
        return r"\det\left(%s\right)" % self._print(mat)

    def _print_MatAdd(self, expr):
        # NOTE: the terms in the order written and nothing evaluated: sympy's own printer negates a term
        # to print its sign, and -(-(Xβ)ᵀY) evaluates the transpose into βᵀXᵀY, a different expression
        out = ""
        for k, term in enumerate(expr.args):
            text = self._print(term)
            if k and text.startswith("- "):
                out += " - " + text[2:]
            elif k and text.startswith("-"):
                out += " - " + text[1:]
            else:
                out += (" + " if k else "") + text
        return out

    def _print_MatrixBase(self, expr):
        return r"\begin{bmatrix}%s\end{bmatrix}" % self._matrix_rows(expr)

    def _matrix_rows(self, mat) -> str:
        rows = [[self._print(e) for e in mat.row(r)] for r in range(mat.rows)]
        # NOTE: rows of fractions would touch; a little extra space between them keeps them apart
        sep = r" \\[0.6ex] " if any(r"\frac" in e for row in rows for e in row) else r" \\ "
        return sep.join(" & ".join(row) for row in rows)

    # -- numbers and arithmetic -----------------------------------------------------------------------
    def _print_Float(self, expr):
        # NOTE: a float shows the digits it was rounded to, as the decimals do (1.2 \times 10^{5})
        from mpmath.libmp import prec_to_dps

        from .numbers import approximate, latex_decimal

        return latex_decimal(approximate(expr, max(1, prec_to_dps(expr._prec))))

    def _print_Rational(self, expr):
        text = self._written_number(expr)
        if text is not None:
            return text
        return super()._print_Rational(expr)

    def _print_Add(self, expr, order=None):
        return "".join(self.add_terms(expr, order))

    def add_terms(self, expr: sp.Add, order=None) -> list[str]:
        """The terms of a sum as :meth:`_print_Add` joins them, each with its sign (``" - 2 x"``), so that a
        long sum can be set on several lines."""
        if not isinstance(expr, sp.Add):
            return [self._print(expr)]
        if not self._written and is_written(expr):
            self._written += 1
            try:
                return self.add_terms(expr, order)
            finally:
                self._written -= 1
        # NOTE: written arithmetic keeps the order it was written in (a substitution mirrors its formula)
        terms = positive_first(list(expr.args) if self._written else self._as_ordered_terms(expr, order=order))
        out = []
        for k, term in enumerate(terms):
            sign = ""
            if k and term.could_extract_minus_sign():
                sign = " - "
                term = negate(term, self._written)
            elif k:
                sign = " + "
            t = self._print(term)
            if self._needs_add_brackets(term) or (k and t.startswith("-")):
                t = rf"\left({t}\right)"
            out.append(sign + t)
        return out

    def _print_Mul(self, expr):
        if self._written and isinstance(expr, sp.Mul):
            return self._written_mul(expr)
        if isinstance(expr, sp.Mul) and expr.is_commutative:
            ops = [a for a in expr.as_ordered_factors() if is_operator(a)]
            rest = sp.Mul(*[a for a in expr.as_ordered_factors() if not is_operator(a)])
            den = sp.fraction(rest)[1]
            if ops and den != 1 and not den.has(sp.Sum, sp.Integral, sp.Product, sp.Derivative):
                # NOTE: (2/n) Σ…, not (2 Σ…)/n: the coefficient goes in front of the operator.
                tail = " ".join(rf"\left({self._print(o)}\right)" for o in ops[:-1])
                tail = (tail + " " if tail else "") + self._print(ops[-1])
                if rest == -1:
                    return "- " + tail
                return f"{self._print(rest)} {tail}"
        return super()._print_Mul(expr)

    def _written_factor(self, f, first: bool) -> str:
        t = self._print(f)
        if isinstance(f, sp.Add) or (not first and (t.startswith("-") or isinstance(f, sp.Mul))):
            return rf"\left({t}\right)"
        return t

    def _written_mul(self, expr) -> str:
        negative, num, den = written_parts(expr)
        compound = [f for f in num if isinstance(f, sp.Add)]
        if den and compound and len(compound) < len(num):
            # NOTE: (2/10)·(5·70.49 + 2·25.1 − 1321491.3), as the formula (2/n)(…) it substitutes into
            coef = [f for f in num if not isinstance(f, sp.Add)]
            front = self._written_mul(sp.Mul(*coef, *[sp.Pow(d, -1, evaluate=False) for d in den], evaluate=False))
            rest = r" \cdot ".join(self._written_factor(f, False) for f in compound)
            return ("- " if negative else "") + rf"{front} \cdot {rest}"
        top = r" \cdot ".join(self._written_factor(f, k == 0) for k, f in enumerate(num)) if num else "1"
        if den:
            bottom = r" \cdot ".join(self._written_factor(f, k == 0) for k, f in enumerate(den))
            tex = rf"\frac{{{top}}}{{{bottom}}}"
        else:
            tex = top
        return ("- " if negative else "") + tex

    def _print_Pow(self, expr):
        if self._written and expr.exp.is_Integer:
            if expr.exp.is_negative:
                inv = expr.base if expr.exp == -1 else sp.Pow(expr.base, -expr.exp, evaluate=False)
                return rf"\frac{{1}}{{{self._print(inv)}}}"
            base = self._print(expr.base)
            if number_of(expr.base) is None or any(s in base for s in ("-", "\\frac", "\\cdot", "\\times")):
                base = rf"\left({base}\right)"
            return f"{base}^{{{self._print(expr.exp)}}}"
        if isinstance(expr.base, sp.Derivative) and not expr.exp.is_negative:
            return rf"\left({self._print(expr.base)}\right)^{{{self._print(expr.exp)}}}"
        return super()._print_Pow(expr)


def latex(expr: sp.Basic) -> str:
    """LaTeX for ``expr`` in the derivation notation.

    >>> from derive.notation import Sigma, I, column
    >>> latex(Sigma(column("x")[I]))
    '\\\\sum_{i=1}^{n} x_{i}'
    """
    return DeriveLatexPrinter().doprint(expr)


from .unicode_printer import UnicodePrinter, unicode  # noqa: E402  (re-export)

__all__ = ["DeriveLatexPrinter", "UnicodePrinter", "latex", "unicode", "is_written"]

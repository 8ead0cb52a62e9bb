"""Notation: the one source of truth for the symbols derivations use.

The summation index ``I`` and the sample size ``N`` are shared by every derivation. Data columns
are :class:`sympy.IndexedBase` objects (``x[I]`` prints as x_i) and means are :class:`Mean` objects
(``Mean(x)`` prints as x̄, ``Mean(x*y)`` as the overline of xy). A mean is defined as
``Sum(x[I], (I, 1, N)) / N``; :func:`expand_means` applies that definition, which is what the
verifier does before it checks a step.

Example:
    >>> x = column("x")
    >>> expand_means(Mean(x))
    Sum(x[i], (i, 1, n))/n
"""
from __future__ import annotations

import functools
import re

import sympy as sp

I = sp.Symbol("i", integer=True, positive=True)
N = sp.Symbol("n", integer=True, positive=True)

# NOTE: a plain identifier, optionally with a subscript part after "_" (beta_0, w1, x_2).
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)?\Z")
RESERVED = {"i", "n", "e", "E", "I", "pi", "oo", "S", "N", "O", "Q", "beta", "gamma", "zeta", "lambda"}


def row_indexed(name: str) -> str | None:
    """The fix when a parameter ``name`` would print as if it were indexed by the row (``x_i`` is xᵢ, like
    the data xᵢ; ``w_n`` is wₙ), else None."""
    base, _, sub = name.partition("_")
    return f"'{name}' would print as indexed by the row ({sub}); choose another name, e.g. {base}_1" \
        if sub in ("i", "n") else None


def column(name: str) -> sp.IndexedBase:
    """The data column ``name`` as an indexed base; ``column('x')[I]`` is x_i."""
    return sp.IndexedBase(name, real=True)


def parameter(name: str) -> sp.Symbol:
    """A model parameter; Greek names print as Greek letters (beta_1 -> β₁)."""
    return sp.Symbol(name, real=True)


def Sigma(term: sp.Expr) -> sp.Sum:
    """Σ_{i=1}^{n} term."""
    return sp.Sum(term, (I, 1, N))


class Mean(sp.Function):
    """The sample mean of a column expression: ``Mean(x*y)`` is (1/n) Σ x_i y_i.

    The argument is written with the bases (``x``, ``x**2``, ``x*y``) rather than with ``x[i]``,
    so that a mean is, as it should be, constant with respect to the summation index.
    """

    is_real = True

    @classmethod
    def eval(cls, arg):  # noqa: D401 - sympy hook
        return None

    def definition(self) -> sp.Expr:
        """(1/n) Σ_{i=1}^{n} arg_i."""
        return _mean_definition(self.args[0])

    def _eval_derivative(self, s):
        # The mean of a data expression is constant; a mean that contains s is differentiated inside.
        return Mean(sp.diff(self.args[0], s)) if self.args[0].has(s) else sp.S.Zero


@functools.lru_cache(maxsize=1024)
def _mean_definition(arg: sp.Basic) -> sp.Expr:
    bases = sorted(arg.atoms(sp.IndexedBase), key=str)
    return Sigma(arg.xreplace({b: b[I] for b in bases})) / N


def expand_means(expr: sp.Basic) -> sp.Basic:
    """Replace every :class:`Mean` by its definition."""
    return expr.replace(lambda e: isinstance(e, Mean), lambda e: e.definition())


def indexed_to_base(expr: sp.Basic) -> sp.Basic:
    """x[i] -> x, used to name a mean after the expression it averages."""
    return expr.replace(lambda e: isinstance(e, sp.Indexed), lambda e: e.base)



class Norm(sp.Function):
    """‖v‖, the length of a vector (a heading or a formula in prose, never evaluated).

    >>> from derive.render.printer import latex, unicode
    >>> L = sp.Function("L")(sp.Symbol("w"))
    >>> print(latex(Norm(Grad(L))), unicode(Norm(Grad(L)) ** 2))
    \\lVert \\nabla L \\rVert ‖∇L‖²
    """

    @classmethod
    def eval(cls, arg):  # noqa: D401 - sympy hook
        return None

    def _latex(self, printer, exp=None):
        tex = rf"\lVert {printer._print(self.args[0])} \rVert"
        return f"{tex}^{{{exp}}}" if exp is not None else tex

    def _derive_unicode(self, printer):
        return f"‖{printer._print(self.args[0])}‖"

    def _sympystr(self, printer):
        return f"norm({printer._print(self.args[0])})"


class Grad(sp.Function):
    """∇f for a named function f (the arguments are not printed)."""

    @classmethod
    def eval(cls, arg):  # noqa: D401 - sympy hook
        return None

    def _latex(self, printer, exp=None):
        return rf"\nabla {self.args[0].func.__name__}"

    def _derive_unicode(self, printer):
        return f"∇{self.args[0].func.__name__}"

    def _sympystr(self, printer):
        return f"grad({self.args[0].func.__name__})"

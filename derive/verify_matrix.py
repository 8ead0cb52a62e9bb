"""Matrix claims, checked on random rational matrices of small concrete sizes.

A matrix identity such as (Xβ)ᵀ = βᵀXᵀ, or a matrix-calculus rule such as ∂(βᵀAβ)/∂β = (A + Aᵀ)β,
is checked by giving every dimension (n, p) a small random size and every matrix symbol random
rational entries, then comparing both sides exactly. A derivative with respect to a vector β is
computed independently of the rule being checked: β is replaced by a vector of scalar symbols and
sympy differentiates the resulting scalar entry by entry (a Hessian is the Jacobian of that).

Example:
    >>> import random, sympy as sp
    >>> n, p = sp.symbols("n p", integer=True, positive=True)
    >>> X, b = sp.MatrixSymbol("X", n, p), sp.MatrixSymbol("b", p, 1)
    >>> matrices_equal((X * b).T, b.T * X.T, random.Random(0))
    True
"""
from __future__ import annotations

import random

import sympy as sp

TRIALS = 3


def has_matrix_symbols(*exprs: sp.Basic) -> bool:
    return any(isinstance(e, sp.Basic) and e.has(sp.MatrixSymbol) for e in exprs)


class MatrixInstance:
    """Random sizes for the dimension symbols and random rational entries for every matrix symbol."""

    def __init__(self, rng: random.Random, *exprs: sp.Basic):
        self.rng = rng
        symbols = sorted({m for e in exprs for m in e.atoms(sp.MatrixSymbol)}, key=lambda m: m.name)
        dims = sorted({s for m in symbols for d in m.shape for s in sp.sympify(d).free_symbols}, key=str)
        # NOTE: the first dimension (n, the rows of the data) is the largest, so that a design with
        # p ≤ 3 columns has full column rank with probability 1.
        others = [d for d in dims if d.name != "n"]
        # NOTE: sizes of at least 2, distinct for distinct dimensions: a 1×1 instance would let a
        # false claim such as AB = BA pass.
        sizes = rng.sample(range(2, 5), len(others)) if len(others) <= 3 else [rng.randint(2, 4) for _ in others]
        self.sizes = {d: s for d, s in zip(others, sizes)}
        self.sizes.update({d: rng.randint(5, 7) for d in dims if d.name == "n"})
        self.values = {m: self._random(m) for m in symbols}

    def _rational(self) -> sp.Rational:
        return sp.Rational(self.rng.randint(-999, 999), self.rng.randint(1, 20))

    def _random(self, m: sp.MatrixSymbol) -> sp.ImmutableMatrix:
        rows, cols = (int(sp.sympify(d).xreplace(self.sizes)) for d in m.shape)
        return sp.ImmutableMatrix(rows, cols, lambda i, j: self._rational())

    def value(self, expr: sp.Basic, overrides: dict | None = None) -> sp.Basic:
        """The explicit value of ``expr`` (a sympy Matrix or number)."""
        values = {**self.values, **(overrides or {})}
        expr = expr.replace(lambda t: isinstance(t, sp.Derivative) and t.variables[0].is_Matrix,
                            lambda t: self._derivative(t, values))
        out = expr.xreplace(values).xreplace(self.sizes).doit()
        if isinstance(out, sp.MatrixExpr) or isinstance(out, sp.MatrixBase):
            out = sp.Matrix(out.as_explicit()).applyfunc(sp.expand)
            if out.shape == (1, 1):
                return sp.expand(out[0, 0])
        return sp.expand(out)

    def _derivative(self, d: sp.Derivative, values: dict) -> sp.ImmutableMatrix:
        (var, order), = d.variable_count
        size = int(sp.sympify(var.shape[0]).xreplace(self.sizes))
        syms = sp.Matrix([sp.Dummy(f"{var.name}{k}") for k in range(size)])
        scalar = self.value(d.expr, {**values, var: sp.ImmutableMatrix(syms)})
        if isinstance(scalar, sp.MatrixBase):
            raise ValueError("only derivatives of scalars (1×1) with respect to a vector are supported")
        result = sp.Matrix([sp.diff(scalar, s) for s in syms])
        for _ in range(order - 1):
            result = result.jacobian(list(syms))
        point = values[var]
        return sp.ImmutableMatrix(result.xreplace({s: point[k, 0] for k, s in enumerate(syms)}))


def matrices_equal(a: sp.Basic, b: sp.Basic, rng: random.Random, trials: int = TRIALS) -> bool:
    """``a == b`` at ``trials`` random instances (exact comparison of explicit matrices)."""
    for _ in range(trials):
        inst = MatrixInstance(rng, a, b)
        va, vb = inst.value(a), inst.value(b)
        if isinstance(va, sp.MatrixBase) != isinstance(vb, sp.MatrixBase):
            if isinstance(vb, sp.MatrixBase) and vb.is_zero_matrix and va == 0:
                continue
            if isinstance(va, sp.MatrixBase) and va.is_zero_matrix and vb == 0:
                continue
            return False
        if isinstance(va, sp.MatrixBase):
            if va.shape != vb.shape or (va - vb).applyfunc(sp.expand) != sp.zeros(*va.shape):
                return False
        elif sp.expand(va - vb) != 0:
            return False
    return True


def invertible(factor: sp.Basic, rng: random.Random) -> bool:
    """A non-zero scalar, or a square matrix with non-zero determinant, at a random instance."""
    inst = MatrixInstance(rng, factor)
    value = inst.value(factor)
    if isinstance(value, sp.MatrixBase):
        return value.shape[0] == value.shape[1] and value.det() != 0
    return value != 0

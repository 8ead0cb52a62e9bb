"""The normal equation in matrix form (seed 002), and its worked example on data.

Every matrix step is verified on random rational matrices of small concrete sizes (see
verify_matrix.py); the worked example is computed exactly and each product and inverse is checked.

Example:
    >>> from derive.data import load_dataset
    >>> d = normal_equation(load_dataset("baby"))
    >>> [str(r.exact) for r in d.results]
    ['30', '5']
"""
from __future__ import annotations

from fractions import Fraction

import sympy as sp
from sympy.core.parameters import distribute

from .. import linalg
from ..algebra import equations as eqs
from ..linalg import Column
from ..notation import I, N, Sigma, column
from ..rules import Rule
from ..steps import Builder, Derivation, Result, Step, Table
from .regression_numbers import (ELIDE_ABOVE, _numpy_check_design, _sentence, elision_note, require_spread, rows_shown,
                                 shown)

P = sp.Symbol("p", integer=True, positive=True)


def _mul(*args):
    return sp.MatMul(*args, evaluate=False)


def _add(*args):
    return sp.MatAdd(*args, evaluate=False)


def normal_equation(dataset=None, *, digits: int = 6) -> Derivation:
    """The matrix derivation of β = (XᵀX)⁻¹Xᵀy; with a dataset, its worked example as well."""
    with distribute(False):
        return _Normal(dataset).build()


class _Normal:
    def __init__(self, dataset):
        self.ds = dataset
        self.X = sp.MatrixSymbol("X", N, P)
        self.Y = sp.MatrixSymbol("Y", N, 1)
        self.beta = sp.MatrixSymbol("beta", P, 1)
        self.L = sp.Function("L")(self.beta)
        title = "The normal equation" + (f": {dataset.name}" if dataset is not None else "")
        self.B = Builder("normal-equation", title)

    def build(self) -> Derivation:
        self.symbolic()
        results, checks = (), ()
        if self.ds is not None:
            results, checks = self.worked_example()
        return self.B.build(results, checks, {"dataset": getattr(self.ds, "name", None)})

    def symbolic(self):
        B, X, Y, beta, L = self.B, self.X, self.Y, self.beta, self.L
        r = _add(Y, _mul(-1, X, beta))
        B.section("Matrix form",
                  ("Stack the ", N, " targets in the vector ", Y, ", the ", N, " rows of inputs in the design matrix ",
                   X, " with ", N, " rows and ", P, " columns (its first column all ones, for the intercept) and "
                   "the ", P, " parameters in the vector ", beta, ". Then ", _mul(X, beta),
                   " is the vector of predictions and ", r, " the vector of residuals."))
        B.define(L, _mul(1 / N, sp.Transpose(r), r),
                 "the mean squared error: the dot product of the residuals with themselves, averaged")
        Xb = _mul(X, beta)
        expanded = _mul(1 / N, _add(_mul(Y.T, Y), _mul(-1, Y.T, Xb), _mul(-1, sp.Transpose(Xb), Y),
                                    _mul(sp.Transpose(Xb), Xb)))
        cur = B.add(Step(Rule.SUBSTITUTE_DEFINITION, L, B.definitions[L])).after
        cur = B.add(Step(Rule.EXPAND, cur, expanded)).after
        transposed = cur.replace(lambda t: isinstance(t, sp.Transpose) and isinstance(t.arg, sp.MatMul),
                                 lambda t: _mul(*[sp.Transpose(a) if not isinstance(a, sp.MatrixSymbol) else a.T
                                                  for a in reversed(t.arg.args)]))
        cur = B.add(Step(Rule.TRANSPOSE_PRODUCT, cur, transposed)).after
        combined = _mul(1 / N, _add(_mul(Y.T, Y), _mul(-2, beta.T, X.T, Y), _mul(beta.T, X.T, X, beta)))
        cur = B.add(Step(Rule.SCALAR_TRANSPOSE, cur, combined)).after
        self.loss = cur

        gram = _mul(X.T, X)
        B.section("Gradient", ("Differentiate with respect to the vector ", beta, ", term by term. The matrix ",
                               gram, " of the quadratic form is symmetric: ",
                               sp.Eq(sp.Transpose(gram), gram, evaluate=False), "."))
        grad_terms = [
            Step(Rule.CONSTANT, sp.Derivative(_mul(Y.T, Y), beta), sp.ZeroMatrix(P, 1)),
            Step(Rule.MATRIX_LINEAR, sp.Derivative(_mul(beta.T, X.T, Y), beta), _mul(X.T, Y), note="a linear form"),
            Step(Rule.MATRIX_QUADRATIC, sp.Derivative(_mul(beta.T, X.T, X, beta), beta), _mul(2, X.T, X, beta),
                 note="a quadratic form with a symmetric matrix"),
        ]
        d0 = sp.Derivative(L, beta)
        cur = B.add(Step(Rule.SUBSTITUTE_DEFINITION, d0, sp.Derivative(self.loss, beta))).after
        # NOTE: a derivative of a matrix expression is not itself a matrix expression for sympy, so
        # the term-by-term form is a scalar Add/Mul of the three derivatives.
        term_by_term = sp.Mul(1 / N, sp.Add(grad_terms[0].before, sp.Mul(-2, grad_terms[1].before, evaluate=False),
                                            grad_terms[2].before, evaluate=False), evaluate=False)
        cur = B.add(Step(Rule.SUM, cur, term_by_term)).after
        evaluated = _mul(1 / N, _add(_mul(-2, X.T, Y), _mul(2, X.T, X, beta)))
        cur = B.add(Step(Rule.MATRIX_QUADRATIC, cur, evaluated, substeps=tuple(grad_terms),
                         )).after
        gradient = _mul(2 / N, _add(_mul(X.T, X, beta), _mul(-1, X.T, Y)))
        cur = B.add(Step(Rule.SIMPLIFY, cur, gradient)).after

        inv = sp.Inverse(_mul(X.T, X))
        B.section("The normal equations",
                  ("Set the gradient to zero, multiply both sides by ", N / 2, ", which is not zero, and rearrange; "
                   "then multiply by the inverse ", inv, ", which exists when ", X, " has full column rank."))
        zero = sp.ZeroMatrix(P, 1)
        cond = B.add(eqs.condition(gradient, zero, d0), label=True).after
        eq = B.add(Step(Rule.EQ_MULTIPLY, cond, sp.Eq(gradient.args[1], zero, evaluate=False), factor=N / 2,
                        note="by a non-zero factor")).after
        normal = B.add(Step(Rule.EQ_ADD, eq, sp.Eq(_mul(X.T, X, beta), _mul(X.T, Y), evaluate=False)),
                       label=True).after
        both = B.add(Step(Rule.EQ_MULTIPLY, normal, sp.Eq(_mul(inv, X.T, X, beta), _mul(inv, X.T, Y), evaluate=False),
                          factor=inv, note="by the inverse, which exists when the columns are independent")).after
        B.add(Step(Rule.SIMPLIFY, both, sp.Eq(beta, _mul(inv, X.T, Y), evaluate=False),
                   note="a matrix times its inverse is the identity"), label=True)
        B.outro((X, " has full column rank exactly when none of its columns is a linear combination of the others; "
                 "then ", gram, " is invertible and the solution is unique."))

        B.section("Second-order check", "The Hessian is constant, and the quadratic form it defines is a squared length.")
        B.add(Step(Rule.HESSIAN, sp.Derivative(L, (beta, 2)), _mul(2 / N, X.T, X)))
        v = sp.MatrixSymbol("v", P, 1)
        B.add(Step(Rule.TRANSPOSE_PRODUCT, _mul(v.T, X.T, X, v), _mul(sp.Transpose(_mul(X, v)), _mul(X, v)),
                   note="a squared length, never negative"))
        B.outro(("So the Hessian is positive semidefinite, and positive definite when ", X, " has full column "
                 "rank: then ", _mul(X, v), " is not zero for any ", v, " that is not zero, and the solution of the "
                 "normal equations is the unique minimum."))

    # -- numbers -----------------------------------------------------------------------------------
    def worked_example(self):
        B, ds = self.B, self.ds
        xs, ys = (Column.of(c) for c in ds.xy())
        require_spread(ds, xs)
        n = len(xs)
        x_i = column(ds.x_symbol)[I]
        intro = (f"{_sentence(ds.description)} With one input, row ", I, " of ", self.X, " is ",
                 sp.ImmutableMatrix([[1, x_i]]), ", and ", self.beta, " holds the intercept ", sp.Symbol("beta_0"),
                 " and the slope ", sp.Symbol("beta_1"), ".")
        cols = [Column.constant(1, n), xs]
        XtX = linalg.gram(cols)
        Xty = linalg.moment(cols, ys)
        inv_cols = [linalg.solve(XtX, [Fraction(int(i == j)) for i in range(2)]) for j in range(2)]
        inv = sp.ImmutableMatrix(2, 2, lambda i, j: _r(inv_cols[j][i]))
        beta = linalg.solve(XtX, Xty)
        A = sp.ImmutableMatrix(2, 2, lambda i, j: shown(_r(XtX[i][j])))
        b = sp.ImmutableMatrix(2, 1, lambda i, _: shown(_r(Xty[i])))
        if n <= ELIDE_ABOVE:
            B.section(f"Worked example: {ds.name}", intro)
            Xm = sp.ImmutableMatrix(n, 2, lambda i, j: shown(1 if j == 0 else xs[i]))
            Ym = sp.ImmutableMatrix(n, 1, lambda i, _: shown(ys[i]))
            B.add(Step(Rule.ARITHMETIC, _mul(Xm.T, Xm), A, note="the Gram matrix"))
            B.add(Step(Rule.ARITHMETIC, sp.Inverse(A), inv, note="its inverse"))
            B.add(Step(Rule.ARITHMETIC, _mul(Xm.T, Ym), b, note="the right-hand side"))
        else:
            # NOTE: X (n × 2) is too long to print; the table shows its first and last rows with the
            # sums XᵀX and XᵀY are made of, and those entries are verified on every row of the data.
            x, y = column(ds.x_symbol), column(ds.y_symbol)
            B.section(f"Worked example: {ds.name}",
                      intro + (" So the entries of ", _mul(self.X.T, self.X), " are ", N, ", ", Sigma(x[I]), " and ",
                               Sigma(x[I] ** 2), ", and those of ", _mul(self.X.T, self.Y), " are ", Sigma(y[I]),
                               " and ", Sigma(x[I] * y[I]), ": the totals of the table." + elision_note(n)))
            B.data = {N: sp.Integer(n), x: xs.binding(), y: ys.binding()}
            shown_rows, head, elided = rows_shown(n)
            rows = tuple(tuple(_r(v) for v in (xi, yi, xi * xi, xi * yi))
                         for xi, yi in ((xs.fraction(k), ys.fraction(k)) for k in shown_rows))
            totals = (_r(XtX[0][1]), _r(Xty[0]), _r(XtX[1][1]), _r(Xty[1]))
            B.table(Table((x[I], y[I], x[I] ** 2, x[I] * y[I]), rows, totals, elided=elided, head=head))
            gram_sums = sp.ImmutableMatrix([[N, Sigma(x[I])], [Sigma(x[I]), Sigma(x[I] ** 2)]])
            B.add(Step(Rule.EVALUATE, gram_sums, A, note="the Gram matrix"))
            B.add(Step(Rule.ARITHMETIC, sp.Inverse(A), inv, note="its inverse"))
            B.add(Step(Rule.EVALUATE, sp.ImmutableMatrix([Sigma(y[I]), Sigma(x[I] * y[I])]), b,
                       note="the right-hand side"))
        sol = sp.ImmutableMatrix(2, 1, lambda i, _: _r(beta[i]))
        B.add(Step(Rule.ARITHMETIC, _mul(inv, b), sol, note="the solution of the normal equations"))
        B.add(Step(Rule.ARITHMETIC, _add(_mul(A, sol), _mul(-1, b)), sp.zeros(2, 1),
                   note="check: the solution satisfies the normal equations exactly"))
        names = (sp.Symbol("beta_0"), sp.Symbol("beta_1"))
        values = {names[0]: sol[0], names[1]: sol[1]}
        check = _numpy_check_design(cols, ys, values, names)
        return [Result(names[0], sol[0]), Result(names[1], sol[1])], [check]


def _r(f: Fraction) -> sp.Rational:
    return sp.Rational(f.numerator, f.denominator)

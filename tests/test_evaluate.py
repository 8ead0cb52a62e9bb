"""The exact evaluator agrees with sympy's own evaluation."""
from fractions import Fraction

import pytest
import sympy as sp

from derive.evaluate import Unsupported, evaluate
from derive.notation import I, N, Mean, Sigma, column

x, y = column("x"), column("y")
w, b = sp.symbols("w b")
DATA = {N: 4, x: (Fraction(1, 2), 2, -3, 5), y: (1, Fraction(7, 3), 0, -2), w: Fraction(3, 4), b: -1}


@pytest.mark.parametrize("expr", [
    Sigma(x[I]),
    Sigma(x[I] * y[I]) / N,
    Sigma((w * x[I] + b - y[I]) ** 2) / (2 * N),
    Mean(x) * Mean(y) - Mean(x * y),
    Sigma((x[I] - Mean(x)) ** 2),
    sp.UnevaluatedExpr(sp.Rational(5, 2)) / sp.UnevaluatedExpr(5),
    Sigma(Sigma(x[I]) * y[I]),
])
def test_matches_sympy(expr):
    got = evaluate(expr, DATA)
    n = DATA[N]
    ref = expr.doit().xreplace({N: n})
    ref = ref.replace(lambda e: isinstance(e, Mean), lambda e: e.definition().xreplace({N: n}))
    ref = ref.doit()
    ref = ref.xreplace({x[k + 1]: sp.Rational(v) for k, v in enumerate(DATA[x])})
    ref = ref.xreplace({y[k + 1]: sp.Rational(v) for k, v in enumerate(DATA[y])})
    ref = ref.xreplace({w: sp.Rational(3, 4), b: -1})
    assert sp.Rational(got.numerator, got.denominator) == ref


def test_unsupported_nodes_are_reported():
    with pytest.raises(Unsupported):
        evaluate(sp.exp(w), DATA)
    with pytest.raises(Unsupported):
        evaluate(sp.Symbol("z"), DATA)

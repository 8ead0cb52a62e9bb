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


@pytest.mark.parametrize("seed", range(6))
def test_determinants_of_random_matrices_match_sympy(seed):
    """det of an explicit matrix (the Hessian step) is computed by exact elimination, zero pivots included."""
    import random

    rng = random.Random(seed)
    size = rng.randint(1, 4)
    entries = [[sp.Rational(rng.randint(-3, 3), rng.randint(1, 3)) * (w if rng.random() < 0.3 else 1)
                for _ in range(size)] for _ in range(size)]
    if seed % 2:  # a zero first pivot, so that rows must be swapped
        entries[0][0] = sp.S.Zero
    m = sp.ImmutableMatrix(entries)
    got = evaluate(sp.Determinant(m), {w: Fraction(3, 4)})
    assert sp.Rational(got.numerator, got.denominator) == m.det().xreplace({w: sp.Rational(3, 4)})


def test_a_row_that_does_not_exist_is_not_read_from_the_end():
    """x[0] is no entry of a 1-based column; Python's x[-1] must not stand in for it."""
    with pytest.raises(Unsupported):
        evaluate(x[0], DATA)
    assert evaluate(x[4], DATA) == 5

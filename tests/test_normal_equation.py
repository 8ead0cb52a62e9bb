"""The normal equation: every matrix step verified, the worked example exact, on data nobody wrote
tests around; a wrong matrix step is caught."""
import random

import pytest
import sympy as sp

from derive.errors import VerificationError
from derive.problems.normal_equation import normal_equation
from derive.render import render
from derive.rules import Rule
from derive.steps import Builder, Step
from helpers import make_dataset, pdflatex, assert_verified

n, p = sp.symbols("n p", integer=True, positive=True)
X, Y, beta = sp.MatrixSymbol("X", n, p), sp.MatrixSymbol("Y", n, 1), sp.MatrixSymbol("beta", p, 1)


def test_symbolic_derivation_alone():
    d = normal_equation()
    assert not d.results
    assert_verified(d)
    codes = [s.rule.code for s in d.steps()]
    for rule in ("transpose-product", "scalar-transpose", "matrix-linear", "matrix-quadratic", "hessian"):
        assert rule in codes
    assert all(s.check.method == "random-matrices" for s in d.steps() if s.rule.code in ("transpose-product",
                                                                                        "matrix-quadratic"))
    final = [s for s in d.steps() if s.label == "3"][0].after
    assert final.lhs == beta  # beta = (XᵀX)⁻¹XᵀY


@pytest.mark.parametrize("seed", range(6))
def test_worked_example_on_random_data(seed):
    rng = random.Random(seed)
    size = rng.randint(2, 9)
    xs = [sp.Rational(rng.randint(-99, 99), rng.choice([1, 10])) for _ in range(size)]
    if len(set(xs)) == 1:
        xs[0] += 1
    ys = [sp.Rational(rng.randint(-999, 999), rng.choice([1, 100])) for _ in range(size)]
    d = normal_equation(make_dataset(xs, ys))
    A = sp.Matrix([[1, x] for x in xs])
    expected = list((A.T * A).LUsolve(A.T * sp.Matrix(ys)))
    assert [r.exact for r in d.results] == expected
    assert_verified(d)
    assert all(c.passed for c in d.checks)


@pytest.mark.parametrize("before, wrong", [
    (sp.Transpose(sp.MatMul(X.T, Y)), sp.MatMul(Y.T, X, beta, beta.T)),  # same shape, different value
    (sp.Derivative(sp.MatMul(beta.T, X.T, X, beta), beta), sp.MatMul(X.T, X, beta)),  # the 2 is missing
    (sp.Derivative(sp.MatMul(beta.T, X.T, Y), beta), sp.MatMul(X.T, X, beta)),
])
def test_a_wrong_matrix_step_is_caught(before, wrong):
    B = Builder("t", "t")
    B.section("s")
    with pytest.raises(VerificationError):
        B.add(Step(Rule.SIMPLIFY, before, wrong))


def test_latex_compiles(tmp_path):
    d = normal_equation(make_dataset([0, 2, 4], [30, 40, 50]))
    returncode, log = pdflatex(render(d, "latex"), tmp_path)
    assert returncode == 0, log[-2000:]

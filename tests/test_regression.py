"""Simple linear regression end to end: random data, other parameter names, every loss.

The optimum is compared with an independent exact solution (sympy's LU solve of the 2×2 normal
equations written from scratch here) and every step of every derivation must be verified.
"""
import random

import pytest
import sympy as sp

from derive.algebra import sums
from derive.errors import DataError, OptionError, VerificationError
from derive.problems.regression import LOSSES, linear_regression
from derive.steps import Step
from helpers import make_dataset, assert_verified

PARAMS = [("w", "b"), ("beta_1", "beta_0"), ("s", "b"), ("m", "c"), ("theta1", "theta0")]


def independent_solution(xs, ys):
    A = sp.Matrix([[x, 1] for x in xs])
    Y = sp.Matrix(ys)
    return tuple((A.T * A).LUsolve(A.T * Y))


def random_data(rng):
    n = rng.randint(2, 9)
    while True:
        xs = [sp.Rational(rng.randint(-500, 500), rng.choice([1, 10, 100])) for _ in range(n)]
        if len(set(xs)) > 1:
            break
    ys = [sp.Rational(rng.randint(-10**6, 10**6), rng.choice([1, 10, 1000])) for _ in range(n)]
    return xs, ys


@pytest.mark.parametrize("seed", range(12))
def test_random_data_and_names(seed):
    rng = random.Random(seed)
    xs, ys = random_data(rng)
    params = rng.choice(PARAMS)
    loss = rng.choice(sorted(LOSSES))
    d = linear_regression(make_dataset(xs, ys), loss=loss, params=params)
    w, b = independent_solution(xs, ys)
    assert [r.exact for r in d.results] == [w, b]
    assert [str(r.name) for r in d.results] == list(params)
    assert_verified(d)
    assert all(c.passed for c in d.checks)


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_every_loss_has_the_same_optimum(loss):
    d = linear_regression(make_dataset([0, 2, 4], [30, 40, 50], x_symbol="a", y_symbol="h"), loss=loss,
                          params=("s", "b"))
    assert [r.exact for r in d.results] == [5, 30]  # seed 004: 5 cm per month, 30 cm at birth


def test_derivation_shape():
    d = linear_regression(make_dataset([1, 2, 4], [1, 3, 4]))
    from derive.notation import parameter

    titles = [s.title for s in d.sections]
    w, b = parameter("w"), parameter("b")
    assert titles[:3] == ["Model and loss", ("Partial derivative with respect to ", w),
                          ("Partial derivative with respect to ", b)]  # prose names the parameters as math
    for t in ("Setting the gradient to zero", "The closed form in three forms", "Second-order check", "Cross-check"):
        assert t in titles
    partial = d.sections[1].steps
    rules = [s.rule.code for s in partial]
    assert rules[:4] == ["substitute-definition", "constant-factor", "sum-termwise", "chain"]
    chain = partial[3]
    assert [s.rule.code for s in chain.substeps] == ["define", "power", "sum"]  # u := inner, outer, inner
    assert "similarly" in [s.rule.code for s in d.sections[2].steps[3].substeps]  # d(u²)/du again
    for prev, nxt in zip(partial, partial[1:]):
        assert prev.after == nxt.before  # one chain of rewrites
    labels = [s.label for s in d.steps() if s.label]
    assert labels == [str(k) for k in range(1, len(labels) + 1)]


def test_sum_mean_and_covariance_forms_agree_on_the_data():
    xs, ys = [sp.Rational(1, 2), 3, 5, 6], [2, -1, 7, sp.Rational(3, 10)]
    d = linear_regression(make_dataset(xs, ys))
    w_exact = d.results[0].exact
    forms = [s for s in d.steps() if s.rule.code in ("centred", "mean", "eq-isolate") and isinstance(s.after, sp.Eq)
             and str(s.after.lhs) == "w"]
    assert len(forms) >= 3
    from derive.evaluate import evaluate
    from derive.notation import N, column
    env = {N: len(xs), column("x"): xs, column("y"): ys}
    for f in forms:
        v = evaluate(f.after.rhs, env)
        assert sp.Rational(v.numerator, v.denominator) == w_exact


@pytest.mark.parametrize("xs, ys, words", [
    ([2, 2, 2], [1, 2, 3], "slope is undefined"),
    ([1], [1], "at least 2 rows"),
])
def test_degenerate_data(xs, ys, words):
    with pytest.raises(DataError, match=words):
        linear_regression(make_dataset(xs, ys))


@pytest.mark.parametrize("params, words", [
    (("w",), "two names"),
    (("w", "w"), "must differ"),
    (("x", "b"), "already used"),
    (("n", "b"), "already used"),
    (("1w", "b"), "not a name"),
    (("w.__class__", "b"), "not a name"),
])
def test_bad_params(params, words):
    with pytest.raises(OptionError, match=words):
        linear_regression(make_dataset([1, 2], [3, 4]), params=params)


def test_unknown_loss():
    with pytest.raises(OptionError, match="mse"):
        linear_regression(make_dataset([1, 2], [3, 4]), loss="mae")


def test_a_wrong_algebra_step_is_caught(monkeypatch):
    """Break one rule implementation: the derivation must refuse to come out."""
    real = sums.factor_out

    def wrong(expr):
        step = real(expr)
        if step is None:
            return None
        return Step(step.rule, step.before, step.after * 2)

    monkeypatch.setattr(sums, "factor_out", wrong)
    with pytest.raises(VerificationError):
        linear_regression(make_dataset([1, 2, 4], [1, 3, 4]))


def test_large_numbers_stay_exact_and_the_float_check_is_reported():
    """y near 1e9: exact arithmetic is unaffected; numpy's float64 answer is compared, not trusted."""
    ys = [1000000001, sp.Rational("1000000002.5"), sp.Rational("1000000002.9"), sp.Rational("1000000004.1")]
    d = linear_regression(make_dataset([1, 2, 3, 4], ys))
    assert [r.exact for r in d.results] == list(independent_solution([1, 2, 3, 4], ys))
    numpy_check = [c for c in d.checks if c.name == "numpy.linalg.lstsq"][0]
    assert "relative difference" in numpy_check.detail


def test_data_too_large_for_float64():
    ys = [sp.Integer(10) ** 400, sp.Integer(10) ** 400 + 1, sp.Integer(10) ** 400 + 3]
    d = linear_regression(make_dataset([1, 2, 3], ys))
    assert [r.exact for r in d.results] == list(independent_solution([1, 2, 3], ys))
    numpy_check = [c for c in d.checks if c.name == "numpy.linalg.lstsq"][0]
    assert not numpy_check.passed and "float64" in numpy_check.detail

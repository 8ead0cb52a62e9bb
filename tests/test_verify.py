"""The verifier: correct steps pass, and a deliberately wrong step of every kind is caught."""
import pytest
import sympy as sp

from derive.errors import VerificationError
from derive.notation import I, N, Mean, Sigma, column, parameter
from derive.rules import Rule
from derive.steps import Builder, Step

x, y = column("x"), column("y")
w, b = parameter("w"), parameter("b")
t = sp.Symbol("t")
LOSS = Sigma((w * x[I] + b - y[I]) ** 2) / N
GRAD_W = 2 * Sigma(x[I] * (w * x[I] + b - y[I])) / N

GOOD = [
    Step(Rule.POWER, sp.Derivative(t**5, t), 5 * t**4),
    Step(Rule.CHAIN, sp.Derivative(LOSS, w), GRAD_W),
    Step(Rule.SUM_SPLIT, Sigma(x[I] + y[I]), Sigma(x[I]) + Sigma(y[I])),
    Step(Rule.SUM_CONSTANT, Sigma(b), N * b),
    Step(Rule.MEAN, Sigma(x[I]), N * Mean(x)),
    Step(Rule.CENTRED, Sigma((x[I] - Mean(x)) ** 2), Sigma(x[I] ** 2) - N * Mean(x) ** 2),
    Step(Rule.EQ_MULTIPLY, sp.Eq(GRAD_W, 0), sp.Eq(Sigma(x[I] * (w * x[I] + b - y[I])), 0), factor=N / 2),
    Step(Rule.EQ_ISOLATE, sp.Eq(N * b - Sigma(y[I]), 0), sp.Eq(b, Sigma(y[I]) / N), unknown=b),
    Step(Rule.EXP, sp.Derivative(sp.exp(sp.sin(t)), t), sp.cos(t) * sp.exp(sp.sin(t))),
]

BAD = [
    Step(Rule.POWER, sp.Derivative(t**5, t), 5 * t**5),
    Step(Rule.CHAIN, sp.Derivative(LOSS, w), -GRAD_W),
    Step(Rule.CHAIN, sp.Derivative(LOSS, w), GRAD_W * N),  # wrong only when n != 1
    Step(Rule.SUM_CONSTANT, Sigma(b), b),
    Step(Rule.MEAN, Sigma(x[I] ** 2), N * Mean(x) ** 2),
    Step(Rule.CENTRED, Sigma((x[I] - Mean(x)) ** 2), Sigma(x[I] ** 2) - Mean(x) ** 2),
    Step(Rule.EQ_MULTIPLY, sp.Eq(GRAD_W, 0), sp.Eq(Sigma(x[I] * (w * x[I] + b - y[I])), 0), factor=N),
    Step(Rule.EQ_MULTIPLY, sp.Eq(t, 1), sp.Eq(0 * t, 0), factor=0),  # multiplying by zero is not allowed
    Step(Rule.EQ_ISOLATE, sp.Eq(N * b - Sigma(y[I]), 0), sp.Eq(b, Sigma(y[I])), unknown=b),
    Step(Rule.EQ_ISOLATE, sp.Eq(b**2 - 4, 0), sp.Eq(b, 2), unknown=b),  # not linear in b
    Step(Rule.EXP, sp.Derivative(sp.exp(sp.sin(t)), t), sp.exp(sp.sin(t))),
    Step(Rule.SIN, sp.Derivative(sp.sin(t) ** 2, t), sp.sin(2 * t) + sp.Rational(1, 10**30)),
]


def _add(step, data=None):
    builder = Builder("test", "test", data=data)
    builder.section("s")
    return builder.add(step)


@pytest.mark.parametrize("step", GOOD, ids=lambda s: s.rule.code)
def test_correct_steps_pass(step):
    checked = _add(step)
    assert checked.check.passed and checked.verified


@pytest.mark.parametrize("step", BAD, ids=lambda s: s.rule.code)
def test_wrong_steps_raise(step):
    with pytest.raises(VerificationError):
        _add(step)


def test_substitute_cites_its_premise():
    premise = _add(Step(Rule.EQ_ISOLATE, sp.Eq(N * b - Sigma(y[I]), 0), sp.Eq(b, Sigma(y[I]) / N), unknown=b))
    before = sp.Eq(w * Sigma(x[I]) + b, 0)
    good = Step(Rule.EQ_SUBSTITUTE, before, sp.Eq(w * Sigma(x[I]) + Sigma(y[I]) / N, 0), premises=(premise,))
    assert _add(good).check.passed
    bad = Step(Rule.EQ_SUBSTITUTE, before, sp.Eq(w * Sigma(x[I]) + Sigma(y[I]), 0), premises=(premise,))
    with pytest.raises(VerificationError):
        _add(bad)
    with pytest.raises(VerificationError):  # a substitution that cites nothing proves nothing
        _add(Step(Rule.EQ_SUBSTITUTE, before, before))


def test_data_steps_use_the_actual_data():
    data = {N: 3, x: (sp.Integer(0), sp.Integer(2), sp.Integer(4)), y: (30, 40, 50)}
    assert _add(Step(Rule.EVALUATE, Mean(x), sp.Integer(2)), data).check.method == "data"
    with pytest.raises(VerificationError):
        _add(Step(Rule.EVALUATE, Mean(x), sp.Integer(3)), data)
    with pytest.raises(VerificationError):  # an evaluate step needs data
        _add(Step(Rule.EVALUATE, Mean(x), sp.Integer(2)))


def test_substeps_are_verified_too():
    bad_inner = Step(Rule.POWER, sp.Derivative(t**2, t), 3 * t)
    outer = Step(Rule.CHAIN, sp.Derivative((t + 1) ** 2, t), 2 * t + 2, substeps=(bad_inner,))
    with pytest.raises(VerificationError):
        _add(outer)


def test_checks_are_deterministic():
    a = _add(Step(Rule.CHAIN, sp.Derivative(LOSS, w), GRAD_W))
    c = _add(Step(Rule.CHAIN, sp.Derivative(LOSS, w), GRAD_W))
    assert a.check == c.check


# -- soundness: steps that a lax verifier would pass ---------------------------------------------------
def test_a_factor_that_depends_on_an_unknown_is_refused():
    x = sp.Symbol("x")
    with pytest.raises(VerificationError):  # multiplying x + 1 = 0 by x - 1 adds the root x = 1
        _add(Step(Rule.EQ_MULTIPLY, sp.Eq(x + 1, 0), sp.Eq(sp.expand((x - 1) * (x + 1)), 0), factor=x - 1))


def test_isolating_with_a_coefficient_that_is_an_unknown_is_refused():
    x, y = sp.symbols("x y")
    with pytest.raises(VerificationError):  # x*y - 1 = 0 -> x = 1/y is not valid when y = 0
        _add(Step(Rule.EQ_ISOLATE, sp.Eq(x * y - 1, 0), sp.Eq(x, 1 / y), unknown=x))


def test_a_premise_must_be_a_verified_step():
    fake = Step(Rule.EQ_ISOLATE, sp.Eq(b, 0), sp.Eq(b, 5), unknown=b)  # never verified (and false)
    with pytest.raises(VerificationError):
        _add(Step(Rule.EQ_SUBSTITUTE, sp.Eq(w + b, 0), sp.Eq(w + 5, 0), premises=(fake,)))


def test_the_derivative_of_a_mean_is_not_assumed_zero():
    with pytest.raises(VerificationError):
        _add(Step(Rule.CONSTANT, sp.Derivative(Mean(x * w), w), sp.S.Zero))


@pytest.mark.parametrize("seed", range(10))
def test_matrix_claims_are_not_checked_on_1x1_instances(seed):
    p, q = sp.symbols("p q", integer=True, positive=True)
    A, B = sp.MatrixSymbol("A", p, p), sp.MatrixSymbol("B", p, p)
    builder = Builder("t", "t", seed=seed)
    builder.section("s")
    with pytest.raises(VerificationError):  # AB = BA holds for 1x1 matrices only
        builder.add(Step(Rule.SIMPLIFY, sp.MatMul(A, B), sp.MatMul(B, A)))


# -- approximate steps: a float is checked to the digits it shows ----------------------------------------------
def _approx_step(before, after, data=None):
    B = Builder("t", "t", data=data or {})
    B.section("t")
    return B.add(Step(Rule.APPROXIMATE, before, after))


@pytest.mark.parametrize("before, after", [
    (sp.sqrt(2), sp.Float("1.41421", 6)),
    (sp.Rational(2, 3), sp.Float("0.667", 3)),
    (sp.Rational(-1, 7), sp.Float("-0.142857", 6)),
    (sp.Rational(902064, 100) - sp.Rational(1, 10**9), sp.Float("9020.64", 6)),
])
def test_a_rounded_value_passes_only_with_the_right_last_digit(before, after):
    assert _approx_step(before, after).verified
    digits = 6 if after._prec > 15 else 3
    wrong = after + sp.Float(10) ** (sp.floor(sp.log(abs(after), 10)) - digits + 1)
    with pytest.raises(VerificationError):
        _approx_step(before, sp.Float(wrong, digits))


def test_rounded_numbers_inside_an_expression_are_intervals():
    g = sp.Rational(-2778461, 10)  # the gradient, shown rounded to -277846
    w_new = 0 - sp.Rational(3, 50) * g
    written = sp.Add(0, sp.Mul(sp.Rational(-3, 50), sp.UnevaluatedExpr(sp.Float("-277846", 6)), evaluate=False),
                     evaluate=False)
    assert _approx_step(w_new, written).verified  # the exact value lies in what the rounded g allows
    assert _approx_step(written, sp.Float(sp.N(w_new, 8), 6)).verified  # and the rounded result meets it
    off = sp.Add(0, sp.Mul(sp.Rational(-3, 50), sp.UnevaluatedExpr(sp.Float("-277850", 6)), evaluate=False),
                 evaluate=False)
    with pytest.raises(VerificationError):
        _approx_step(w_new, off)  # -277850 is not -277846.1 rounded
    with pytest.raises(VerificationError):
        _approx_step(written, sp.Float("16671.0", 6))


def test_rounded_matrix_products_are_intervals():
    v = sp.Matrix([[sp.Float("-2.55556", 6), sp.Float("-1.05556", 6)]])
    exact = (sp.Rational(-23, 9)) ** 2 + (sp.Rational(-19, 18)) ** 2
    assert _approx_step(sp.MatMul(v, v.T, evaluate=False), sp.Matrix([[sp.Float(sp.N(exact, 10), 6)]])).verified
    with pytest.raises(VerificationError):
        _approx_step(sp.MatMul(v, v.T, evaluate=False), sp.Matrix([[sp.Float("7.64600", 6)]]))


def test_a_rounded_loss_on_data_is_checked_row_by_row():
    data = {N: 3, x: (1, 2, 3), w: sp.Rational(1, 3)}
    loss = Sigma((w * x[I] - 1) ** 2)
    value = sum((sp.Rational(1, 3) * v - 1) ** 2 for v in (1, 2, 3))
    assert _approx_step(loss, sp.Float(sp.N(value, 10), 6), data).verified
    with pytest.raises(VerificationError):
        _approx_step(loss, sp.Float(sp.N(value * (1 + sp.Rational(1, 10**4)), 10), 6), data)


@pytest.mark.parametrize("seed", range(3))
def test_a_data_sum_of_rounded_parameters_is_an_interval_on_large_data(seed):
    """Σ(ŵ xᵢ − yᵢ)² with ŵ a rounded float is summed as a polynomial in ŵ over the data (exactly), then
    bounded: the check stays right and takes a few operations instead of a pass over every row."""
    import random

    from derive.verify import _sums_evaluated

    rng = random.Random(seed)
    n = 5000
    xs = tuple(sp.Rational(rng.randint(-999, 999), 10) for _ in range(n))
    ys = tuple(sp.Rational(rng.randint(-999, 999), 10) for _ in range(n))
    y = column("y")
    w_true = sp.Rational(rng.randint(1, 10**6), 10**6) + sp.Rational(1, 3 * 10**9)
    w_shown = sp.Float(sp.N(w_true, 20), 6)
    written = Sigma((sp.UnevaluatedExpr(w_shown) * x[I] - y[I]) ** 2)
    exact = sum((w_true * a - b) ** 2 for a, b in zip(xs, ys))
    data = {N: n, x: xs, y: ys}
    f = sp.Dummy("f")
    summed = _sums_evaluated(Sigma((sp.UnevaluatedExpr(f) * x[I] - y[I]) ** 2), data, (f,))
    assert not summed.has(sp.Sum) and sp.expand(summed.subs(f, w_true) - exact) == 0
    assert _approx_step(written, sp.Float(sp.N(exact, 20), 6), data).verified
    with pytest.raises(VerificationError):  # a result 1% off is outside what the rounded ŵ allows
        _approx_step(written, sp.Float(sp.N(exact * sp.Rational(101, 100), 20), 6), data)


def test_the_tests_recheck_catches_a_wrong_step_that_claims_to_be_verified():
    """tests/helpers.assert_verified re-checks steps on its own; a step smuggled past the Builder with a
    forged check must fail it (so the assertion the tests make on every derivation can fail)."""
    from dataclasses import replace

    from derive.steps import Derivation, Section
    from helpers import assert_verified

    a = sp.Symbol("a")
    good = _approx_step(sp.sqrt(2), sp.Float("1.41421", 6))
    B = Builder("t", "t")
    B.section("t")
    right = B.add(Step(Rule.SIMPLIFY, sp.Derivative(a**3, a), 3 * a**2))
    forged = replace(Step(Rule.SIMPLIFY, sp.Derivative(a**3, a), 3 * a**3), check=right.check)
    assert assert_verified(Derivation("t", "t", (Section("s", steps=(good, right)),))) == 1
    with pytest.raises(AssertionError):
        assert_verified(Derivation("t", "t", (Section("s", steps=(good, forged)),)))
    with pytest.raises(AssertionError):  # a step with no check at all
        assert_verified(Derivation("t", "t", (Section("s", steps=(replace(right, check=None),)),)))


@pytest.mark.parametrize("seed", range(20))
def test_a_free_summation_index_is_found_as_sympy_finds_it(seed):
    """The verifier's own test for a free i agrees with sympy's free_symbols on random nested sums."""
    import random

    from derive.verify import _occurs_free

    rng = random.Random(seed)
    x, j, k = column("x"), sp.Symbol("j"), sp.Symbol("k")
    atoms = [I, j, k, N, x[I], x[j], sp.Integer(2)]

    def expr(depth):
        if depth == 0 or rng.random() < 0.3:
            return rng.choice(atoms)
        kind = rng.random()
        if kind < 0.35:
            limits = [(rng.choice([I, j]), 1, rng.choice([N, I, j, k])) for _ in range(rng.randint(1, 2))]
            return sp.Sum(expr(depth - 1), *limits)
        if kind < 0.5:
            return sp.Derivative(expr(depth - 1), k)
        op = sp.Add if kind < 0.75 else sp.Mul
        return op(expr(depth - 1), expr(depth - 1))

    for _ in range(25):
        e = expr(4)
        assert _occurs_free(e, I) == (I in e.free_symbols), e


def test_derivatives_under_a_sum_are_checked_by_automatic_differentiation():
    """A derivative of a Σ over a symbolic n is evaluated at each random instance by exact automatic
    differentiation; a wrong result is caught that way, and the check says how it was made."""
    good = _add(Step(Rule.CHAIN, sp.Derivative(LOSS, w), GRAD_W))
    assert good.check.method == "random-instances" and "automatic differentiation" in good.check.detail
    second = _add(Step(Rule.SIMPLIFY, sp.Derivative(LOSS, w, b), 2 * Sigma(x[I]) / N))
    assert "automatic differentiation" in second.check.detail
    for wrong in (2 * Sigma(x[I]) / N + 1 / N**2, 2 * Sigma(y[I]) / N, Sigma(x[I]) / N):
        with pytest.raises(VerificationError, match="automatic differentiation"):
            _add(Step(Rule.SIMPLIFY, sp.Derivative(LOSS, w, b), wrong))


def test_where_automatic_differentiation_cannot_go_sympys_diff_checks_the_step():
    """exp under a Σ is not rational: the derivative is then sympy's, and a wrong step is still caught."""
    before = sp.Derivative(Sigma(sp.exp(w * x[I])), w)
    checked = _add(Step(Rule.CHAIN, before, Sigma(x[I] * sp.exp(w * x[I]))))
    assert checked.verified and "automatic differentiation" not in checked.check.detail
    with pytest.raises(VerificationError):
        _add(Step(Rule.CHAIN, before, Sigma(sp.exp(w * x[I]))))


def test_isolating_takes_the_coefficient_of_the_unknown_from_the_equation():
    """x = e is accepted only when the equation is affine in x with a coefficient that cannot vanish."""
    good = Step(Rule.EQ_ISOLATE, sp.Eq(w * Sigma(x[I] ** 2) + b * Sigma(x[I]) - Sigma(x[I] * y[I]), 0),
                sp.Eq(w, (Sigma(x[I] * y[I]) - b * Sigma(x[I])) / Sigma(x[I] ** 2)), unknown=w)
    assert _add(good).verified
    with pytest.raises(VerificationError):  # w's coefficient b·Σx_i holds the unknown b, which may be 0
        _add(Step(Rule.EQ_ISOLATE, sp.Eq(w * b * Sigma(x[I]) - Sigma(y[I]), 0),
                  sp.Eq(w, Sigma(y[I]) / (b * Sigma(x[I]))), unknown=w))
    with pytest.raises(VerificationError):  # solved with the wrong sign
        _add(Step(Rule.EQ_ISOLATE, good.before, sp.Eq(w, (b * Sigma(x[I]) - Sigma(x[I] * y[I])) / Sigma(x[I] ** 2)),
                  unknown=w))


def test_a_wrong_step_is_caught_where_its_sides_were_already_evaluated():
    """The checks of a derivation share random instances and remember values there; a wrong step
    whose sides were both evaluated by an earlier, correct step is still caught."""
    B = Builder("test", "test")
    B.section("s")
    assert B.add(Step(Rule.CHAIN, sp.Derivative(LOSS, w), GRAD_W)).verified
    expanded = 2 * Sigma(w * x[I] ** 2 + b * x[I] - x[I] * y[I]) / N
    assert GRAD_W != expanded  # not the same expression: both sides are evaluated
    assert B.add(Step(Rule.EXPAND, GRAD_W, expanded)).check.method == "random-instances"
    with pytest.raises(VerificationError):
        B.add(Step(Rule.CHAIN, sp.Derivative(LOSS, w), -GRAD_W))
    with pytest.raises(VerificationError):
        B.add(Step(Rule.SIMPLIFY, GRAD_W, sp.Derivative(LOSS, b)))


# -- from a review of the verifier's speed-ups: wrong steps that must not pass --------------------------
def test_an_isolated_unknown_whose_coefficient_hides_a_zero_is_refused():
    """(w − 1)·n·x̄ / Σ(w x_i − x̄) − 1 is 0 for every w ≠ 1: the equation does not determine w. Its
    coefficient read off by substitution (w = 1 meets a 0/0 in the sum) is −1, its derivative is 0."""
    lhs = (w - 1) * N * Mean(x) / Sigma(w * x[I] - Mean(x)) - 1
    with pytest.raises(VerificationError):
        _add(Step(Rule.EQ_ISOLATE, sp.Eq(lhs, 0), sp.Eq(w, 5), unknown=w))


def test_a_mean_that_holds_an_enclosing_index_is_not_remembered():
    """x̄ is remembered inside a sum, but the mean of j·x_i inside Σ_j changes with j; a check that
    evaluated it must not hand a value to a later check."""
    j = sp.Symbol("j")
    S = sp.Sum(Mean(x * j), (j, 1, N))
    B = Builder("test", "test")
    B.section("s")
    assert B.add(Step(Rule.SUM_SPLIT, S * (N + 1), S * N + S)).verified
    with pytest.raises(VerificationError):
        B.add(Step(Rule.MEAN, Mean(x * j), Mean(x)))
    with pytest.raises(VerificationError):
        B.add(Step(Rule.MEAN, S, N * Mean(x)))


_j, _m = sp.Symbol("j"), sp.Symbol("m")


@pytest.mark.parametrize("before, after, right", [
    (sp.Sum(I, (I, 1, _j), (_j, 1, N)), sp.Sum(_j * (_j + 1) / 2, (_j, 1, N)), True),
    (sp.Sum(I, (I, 1, _j), (_j, 1, N)), sp.Sum(_j, (I, 1, _j), (_j, 1, N)), False),
    (sp.Sum(x[I], (I, N + 1, N - 1)), sp.S.Zero, False),  # sympy reads it as −x_n (Karr's convention)
    (x[I + sp.Rational(1, 2)], x[I], False),  # no row i + 1/2
    (sp.Sum(Mean(x), (N, 1, 2)), 2 * x[1], False),  # a sum over n itself
])
def test_sums_of_several_limits_and_unusual_bounds(before, after, right):
    """Several limits are read as sympy reads them (innermost first); a sum whose upper bound is
    below its lower, a row that is not a whole number and a sum over n are not evaluated."""
    if right:
        assert _add(Step(Rule.SIMPLIFY, before, after)).verified
    else:
        with pytest.raises(VerificationError):
            _add(Step(Rule.SIMPLIFY, before, after))


@pytest.mark.parametrize("after", [_m * (_m + 1) / 2, sp.Sum(I**2 + 7, (I, 1, _m))])
def test_a_sum_bounded_by_another_free_symbol_is_not_evaluated(after):
    """Every sum derive writes runs over i = 1..n. One bounded by another symbol m would be checked
    only at the few whole numbers drawn for m, which proves little: the check fails, right or wrong."""
    with pytest.raises(VerificationError):
        _add(Step(Rule.SIMPLIFY, sp.Sum(I, (I, 1, _m)), after))


def test_a_defined_function_does_not_capture_the_index_of_its_argument():
    """g(u) := Σ u·x_i applied at y_i: substituting y_i under the sum would capture its i."""
    u, g = sp.Symbol("u"), sp.Function("g")
    B = Builder("test", "test")
    B.section("s")
    B.define(g(u), Sigma(u * x[I]))
    with pytest.raises(VerificationError):  # g(y_i) is y_i·Σx_j, not Σ x_i y_i
        B.add(Step(Rule.SIMPLIFY, g(y[I]) * Sigma(y[I]), Sigma(y[I] * x[I]) * Sigma(y[I])))

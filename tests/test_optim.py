"""The iteration engine (derive/optim.py), checked against independent formulas on random problems."""
import math
import random
from fractions import Fraction as F

import pytest
import sympy as sp

from derive.optim import Batches, Settings, armijo, exact_sqrt, readable, run, update, _State
from derive.problems.objective import Function, NotExact, model_objective, regression_objective

from helpers import make_dataset


@pytest.mark.parametrize("value, expect", [
    (F(114, 100), True), (F(1, 3), True), (F(123456789012, 1000), True), (F(1234567890123, 1000), False),
    (F(1, 3**20), False), (F(-7, 8), True), (F(0), True), (3.5, False),
])
def test_readable(value, expect):
    assert readable(value) is expect


@pytest.mark.parametrize("value, root", [(F(4, 9), F(2, 3)), (F(0), F(0)), (F(16), F(4))])
def test_exact_sqrt(value, root):
    assert exact_sqrt(value) == root


@pytest.mark.parametrize("value", [F(2), F(1, 10), F(-4)])
def test_exact_sqrt_refuses(value):
    with pytest.raises(NotExact):
        exact_sqrt(value)


def _random_line(rng, n):
    xs = [F(rng.randint(-50, 50), rng.choice([1, 2, 5, 10])) for _ in range(n)]
    while len(set(xs)) < 2:
        xs[0] += 1
    ys = [F(rng.randint(-500, 500), rng.choice([1, 4, 10])) for _ in range(n)]
    return xs, ys


def _independent_grad(xs, ys, w, b, loss, rows=None):
    """∂L/∂w, ∂L/∂b of c Σ (w x + b − y)² written out by hand over the chosen rows."""
    idx = range(len(xs)) if rows is None else rows
    n = len(idx)
    c = {"mse": F(1, n), "half-mse": F(1, 2 * n), "sse": F(1), "half-sse": F(1, 2)}[loss]
    r = [w * xs[i] + b - ys[i] for i in idx]
    return [2 * c * sum(ri * xs[i] for ri, i in zip(r, idx)), 2 * c * sum(r)]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("loss", ["mse", "half-mse", "sse", "half-sse"])
def test_gradient_descent_matches_hand_iteration(seed, loss):
    rng = random.Random(seed)
    xs, ys = _random_line(rng, rng.randint(2, 9))
    obj = regression_objective(make_dataset(xs, ys), loss, ("w", "b"))
    lr = F(1, rng.choice([100, 1000, 10000]))
    theta0 = [F(rng.randint(-5, 5)), F(rng.randint(-5, 5))]
    h = run(obj, theta0, Settings(lr=lr, steps=4))
    assert h.iterates[0].exact
    w, b = theta0
    for it in h.iterates:
        g = _independent_grad(xs, ys, w, b, loss)
        if it.exact:  # exact while readable: equal, not close
            assert list(it.theta) == [w, b] and list(it.grad) == g
        else:
            assert [float(v) for v in it.theta] == pytest.approx([float(w), float(b)], rel=1e-12)
            assert [float(v) for v in it.grad] == pytest.approx([float(v) for v in g], rel=1e-9, abs=1e-9)
        w, b = w - lr * g[0], b - lr * g[1]


def test_switch_to_float_when_numbers_stop_being_readable():
    obj = regression_objective(make_dataset([1, 2, 3], [1, 2, 4]), "mse", ("w", "b"))
    h = run(obj, [F(0), F(0)], Settings(lr=F(1, 3), steps=12))
    assert h.switched_at is not None and 0 < h.switched_at <= 12
    assert all(it.exact for it in h.iterates[:h.switched_at])
    assert not any(it.exact for it in h.iterates[h.switched_at:])  # row switched_at is the first in float


def test_divergence_is_detected_and_stops():
    obj = regression_objective(make_dataset([1, 2, 3], [1, 2, 4]), "sse", ("w", "b"))
    h = run(obj, [F(0), F(0)], Settings(lr=F(1), steps=10_000))
    assert h.stop == "diverged"
    assert len(h.iterates) < 10_000


@pytest.mark.parametrize("seed", range(4))
def test_convergence_reaches_the_tolerance_and_the_optimum(seed):
    rng = random.Random(100 + seed)
    xs, ys = _random_line(rng, 6)
    obj = regression_objective(make_dataset(xs, ys), "half-mse", ("w", "b"))
    H = obj.hessian()
    lr = F(1) / (H[0][0] + H[1][1])  # below 2/λ_max since λ_max < trace
    h = run(obj, [F(0), F(0)], Settings(lr=lr, tol=F(1, 10**8)), max_iter=200_000, until_tol=True)
    assert h.stop == "tol"
    opt = obj.optimum()
    lam_min = min(sp.Matrix(H).eigenvals())
    dist = math.dist([float(v) for v in h.last.theta], [float(v) for v in opt])
    assert dist <= h.last.grad_norm / float(lam_min) * (1 + 1e-6) + 1e-12


def _one_step(name, g, lr, **kw):
    s = Settings(lr=lr, optimizer=name, **kw)
    return update([F(0)] * len(g), g, lr, s, _State(len(g)), exact=False)


@pytest.mark.parametrize("seed", range(5))
def test_first_steps_of_the_adaptive_methods(seed):
    """From θ = 0 with gradient g, each method's first step by its textbook formula."""
    rng = random.Random(seed)
    g = [F(rng.randint(-1000, 1000) or 1, rng.randint(1, 9)) for _ in range(3)]
    lr, eps = F(1, 10), F(1, 10**8)
    gf = [float(v) for v in g]
    expect = {
        "gd": [-0.1 * v for v in gf],
        "momentum": [-0.1 * v for v in gf],  # the velocity starts at 0, so v = g
        "adagrad": [-0.1 * v / (abs(v) + 1e-8) for v in gf],
        "rmsprop": [-0.1 * v / (math.sqrt(0.1 * v * v) + 1e-8) for v in gf],
        "adam": [-0.1 * v / (abs(v) + 1e-8) for v in gf],  # bias-corrected m = g, v = g²
    }
    for name, values in expect.items():
        got = _one_step(name, g, lr, epsilon=eps)
        assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(got, values)), name


def test_momentum_accumulates():
    s = Settings(lr=F(1, 10), optimizer="momentum", momentum=F(1, 2))
    state = _State(1)
    a = update([F(0)], [F(2)], s.lr, s, state, exact=True)
    b = update(a, [F(2)], s.lr, s, state, exact=True)
    assert a == [F(-1, 5)] and state.v == [F(3)] and b == [F(-1, 5) - F(3, 10)]


def test_an_irrational_root_leaves_the_state_alone():
    s = Settings(lr=F(1, 10), optimizer="rmsprop")
    state = _State(1)
    with pytest.raises(NotExact):
        update([F(0)], [F(3)], s.lr, s, state, exact=True)
    assert state.v == [F(0)] and state.t == 0


def test_batches_take_the_sample_first_then_the_seed():
    b1 = Batches(10, 2, [5, 0], seed=3)
    b2 = Batches(10, 2, [5, 0], seed=3)
    first = [b1.rows(k) for k in range(5)]
    assert first[0] == (5, 0)
    assert first == [b2.rows(k) for k in range(5)]  # reproducible
    assert all(len(r) == 2 and len(set(r)) == 2 and all(0 <= i < 10 for i in r) for r in first)
    assert Batches(10, None, [], 0).rows(3) is None


def test_minibatch_gradient_is_the_gradient_over_the_batch():
    rng = random.Random(7)
    xs, ys = _random_line(rng, 8)
    obj = regression_objective(make_dataset(xs, ys), "mse", ("w", "b"))
    h = run(obj, [F(1), F(-1)], Settings(lr=F(1, 1000), steps=4, batch=3, seed=11))
    w, b = F(1), F(-1)
    for it in h.iterates[:-1]:
        g = _independent_grad(xs, ys, w, b, "mse", it.rows)
        w, b = w - F(1, 1000) * g[0], b - F(1, 1000) * g[1]
    assert [float(v) for v in h.last.theta] == pytest.approx([float(w), float(b)], rel=1e-12)


def test_armijo_halves_until_sufficient_decrease():
    x = sp.Symbol("x")
    obj = Function(x**2, (x,))
    trials = armijo(obj, [F(1)], [F(2)], None, F(4), exact=True)
    etas = [t[0] for t in trials]
    assert etas == [F(4), F(2), F(1), F(1, 2)]  # η = 1/2 lands on the minimum
    assert [t[3] for t in trials] == [False, False, False, True]


def test_exact_line_search_minimises_a_quadratic_in_one_step():
    x = sp.Symbol("x")
    obj = Function(3 * (x - 2) ** 2, (x,))
    h = run(obj, [F(7)], Settings(lr=F(1), steps=1, line_search="exact"))
    assert h.iterates[1].theta == (F(2),)


def test_function_with_transcendental_values_runs_in_float():
    x = sp.Symbol("x")
    h = run(Function(sp.exp(-x**2) * sp.sin(x), (x,)), [F(1, 2)], Settings(lr=F(1, 2), steps=3))
    assert h.switched_at == 0 and not h.iterates[0].exact
    d = sp.diff(sp.exp(-x**2) * sp.sin(x), x)
    assert float(h.iterates[0].grad[0]) == pytest.approx(float(d.subs(x, sp.Rational(1, 2))), rel=1e-14)


def test_nonlinear_model_gradient():
    from derive.parse import parse

    ds = make_dataset([0, 1, 2], [1, 3, 7])
    obj = model_objective(ds, parse("a*exp(b*x)"), (sp.Symbol("a", real=True), sp.Symbol("b", real=True)), "y", "mse")
    assert not obj.quadratic
    a, b = 1.5, 0.5
    xs, ys = [0, 1, 2], [1, 3, 7]
    r = [a * math.exp(b * x) - y for x, y in zip(xs, ys)]
    expect = [2 / 3 * sum(ri * math.exp(b * x) for ri, x in zip(r, xs)),
              2 / 3 * sum(ri * a * x * math.exp(b * x) for ri, x in zip(r, xs))]
    assert obj.grad([a, b], exact=False) == pytest.approx(expect, rel=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_function_optimum_only_for_a_positive_definite_quadratic(seed):
    rng = random.Random(seed)
    a, b = sp.symbols("a b")
    p, q, r = (F(rng.randint(-6, 6)) for _ in range(3))
    u, v = F(rng.randint(-9, 9)), F(rng.randint(-9, 9))
    f = p * a**2 + q * a * b + r * b**2 + u * a + v * b
    got = Function(f, (a, b)).optimum()
    if p > 0 and 4 * p * r - q * q > 0:  # Sylvester: H = [[2p, q], [q, 2r]]
        # independent: solve ∇f = 0 with sympy
        sol = sp.solve([sp.diff(f, a), sp.diff(f, b)], [a, b], dict=True)[0]
        assert got == [F(str(sol[a])), F(str(sol[b]))]
    else:  # a saddle, a maximum or a flat direction has no minimiser to compare with
        assert got is None


def test_irrational_coefficients_are_not_an_exact_quadratic():
    x = sp.Symbol("x")
    assert Function(sp.pi * x**2, (x,)).optimum() is None
    assert Function(sp.Rational(3, 2) * x**2 - x, (x,)).optimum() == [F(1, 3)]


def test_a_model_irrational_on_the_data_is_evaluated_row_by_row():
    from derive.parse import parse

    ds = make_dataset([1, 2, 3], [1, 2, 2])
    a, b = sp.Symbol("a", real=True), sp.Symbol("b", real=True)
    obj = model_objective(ds, parse("a*sqrt(x) + b"), (a, b), "y", "mse")  # √2, √3 are not rational
    assert not obj.quadratic
    xs, ys = [1, 2, 3], [1, 2, 2]
    r = [1.5 * math.sqrt(x) + 0.5 - y for x, y in zip(xs, ys)]
    expect = [2 / 3 * sum(ri * math.sqrt(x) for ri, x in zip(r, xs)), 2 / 3 * sum(r)]
    assert obj.grad([1.5, 0.5], exact=False) == pytest.approx(expect, rel=1e-12)


def test_a_model_rational_on_the_data_stays_exact():
    from derive.parse import parse

    ds = make_dataset([1, 2, 4], [1, 2, 2])
    a, b = sp.Symbol("a", real=True), sp.Symbol("b", real=True)
    obj = model_objective(ds, parse("a/x + b*x^2"), (a, b), "y", "mse")  # + - * / and integer powers: exact
    assert obj.quadratic
    xs, ys = [F(1), F(2), F(4)], [F(1), F(2), F(2)]
    r = [F(1) / x + x * x - y for x, y in zip(xs, ys)]  # at a = b = 1
    assert obj.grad([F(1), F(1)]) == [F(2, 3) * sum(ri / x for ri, x in zip(r, xs)),
                                      F(2, 3) * sum(ri * x * x for ri, x in zip(r, xs))]

"""Gradient-descent derivations: the seeds' worked steps (recomputed, not copied), random data and
parameter names, every step verified, the analysis sections, figures."""
import json
import random
from fractions import Fraction as F

import pytest
import sympy as sp

from derive.data import load_dataset
from derive.errors import VerificationError
from derive.optim import Settings
from derive.parse import parse, parse_names
from derive.problems.descent import gradient_descent
from derive.problems.objective import Function, model_objective, regression_objective
from derive.render import render, render_files
from derive.rules import Rule

from helpers import make_dataset, assert_verified


def _results(d):
    return {str(r.name): r.exact for r in d.results}


def _steps(d, rule):
    return [s for s in d.steps() if s.rule is rule]


def _values_of(d, name):
    """The values the worked steps ("Step k" sections) computed for ``name``, in order."""
    out = []
    for sec in d.sections:
        title = sec.title if isinstance(sec.title, str) else "".join(p for p in sec.title if isinstance(p, str))
        if not title.startswith("Step "):
            continue
        for k, s in enumerate(sec.steps):
            if s.before == name:
                nxt = sec.steps[k + 1] if k + 1 < len(sec.steps) and sec.steps[k + 1].before == s.after else None
                value = (nxt or s).after
                out.append(value.doit() if isinstance(value, sp.Basic) else value)
    return out


# -- the seeds, recomputed ---------------------------------------------------------------------------------
def test_seed_004_one_step():
    """Seed 004, question 6: s = 1, b = 0, η = 0.01 on the baby data with ½ Σ loss."""
    obj = regression_objective(load_dataset("baby"), "half-sse", ("s", "b"))
    d = gradient_descent(obj, [1, 0], Settings(lr=F(1, 100), steps=1), figures=False)
    assert _results(d) == {"s": sp.Rational(18, 5), "b": sp.Rational(57, 50)}
    s, b = sp.symbols("s b", real=True)
    L = sp.Function("L")(s, b)
    assert _values_of(d, sp.Derivative(L, s))[0] == -260
    assert _values_of(d, sp.Derivative(L, b))[0] == -114
    assert d.meta["history"][0]["loss"] == 2230  # seed 004, question 3: loss(1, 0) = 2230
    assert_verified(d)


def test_seed_002_batch_step_recomputed():
    """Seed 002's full-batch step from β = (2, 5) with α = 0.01. Its XᵀX and XᵀY entries were wrong
    (67.89 for Σx², 493576 for Σy); from the data: Σx² = 70.49, Σy = 499576."""
    obj = regression_objective(load_dataset("salary"), "mse", ("beta_1", "beta_0"))
    d = gradient_descent(obj, [5, 2], Settings(lr=F(1, 100), steps=1), figures=False)
    xs, ys = load_dataset("salary").xy()
    g1 = sp.Rational(2, 10) * sum(x * (5 * x + 2 - y) for x, y in zip(xs, ys))
    g0 = sp.Rational(2, 10) * sum(5 * x + 2 - y for x, y in zip(xs, ys))
    assert _results(d) == {"beta_1": 5 - g1 / 100, "beta_0": 2 - g0 / 100}
    assert _results(d) == {"beta_1": sp.Rational("2647.1773"), "beta_0": sp.Rational("1000.861")}


def test_seed_002_sgd_step():
    """Seed 002's SGD step on the row (3.0, 56643): n = 1."""
    obj = regression_objective(load_dataset("salary"), "mse", ("beta_1", "beta_0"))
    d = gradient_descent(obj, [5, 2], Settings(lr=F(1, 100), steps=1, batch=1, sample=(5,)), figures=False)
    assert _results(d) == {"beta_1": sp.Rational("3402.56"), "beta_0": sp.Rational("1134.52")}
    assert d.meta["history"][0]["batch"] == [6]


def test_seed_003_one_step():
    x = sp.Symbol("x", real=True)
    d = gradient_descent(Function(x**2 - 4 * x + 5, (x,)), [0], Settings(lr=F(1, 10), steps=1), figures=False)
    assert _results(d) == {"x": sp.Rational(2, 5)}
    assert [h["loss"] for h in d.meta["history"]] == [5, 3.56]


# -- random data, other names ----------------------------------------------------------------------------
NAMES = [("w", "b"), ("beta_1", "beta_0"), ("slope", "c"), ("theta_1", "theta_0"), ("m", "q")]


@pytest.mark.parametrize("seed", range(6))
def test_random_data_and_names(seed):
    rng = random.Random(seed)
    n = rng.randint(2, 12)
    xs = [sp.Rational(rng.randint(-99, 99), rng.choice([1, 10, 4])) for _ in range(n)]
    xs[0] = xs[-1] + 1
    ys = [sp.Rational(rng.randint(-999, 999), rng.choice([1, 10])) for _ in range(n)]
    loss = rng.choice(["mse", "half-mse", "sse", "half-sse"])
    names = NAMES[seed % len(NAMES)]
    obj = regression_objective(make_dataset(xs, ys), loss, names)
    lr = F(1, rng.choice([10, 100, 1000])) / max(1, max(abs(x) for x in xs) ** 2)
    d = gradient_descent(obj, [1, -1], Settings(lr=F(lr), steps=3), figures=False)
    assert_verified(d)
    c = {"mse": sp.Rational(1, n), "half-mse": sp.Rational(1, 2 * n), "sse": 1, "half-sse": sp.Rational(1, 2)}[loss]
    w, b = sp.Integer(1), sp.Integer(-1)
    for _ in range(3):  # the same three steps, by the textbook formulas
        r = [w * x + b - y for x, y in zip(xs, ys)]
        gw, gb = 2 * c * sum(ri * x for ri, x in zip(r, xs)), 2 * c * sum(r)
        w, b = w - sp.Rational(lr) * gw, b - sp.Rational(lr) * gb
    got = [r.exact for r in d.results]
    assert [float(v) for v in got] == pytest.approx([float(w), float(b)], rel=1e-12)
    if all(v.is_Rational for v in got):
        assert got == [w, b]


@pytest.mark.parametrize("model, params, exact", [("a*x^2 + b*x + c", "a,b,c", True), ("w1*x1 + w2*x2", "w1,w2", True),
                                                  ("p*sin(x1) + q", "p,q", False)])
def test_models_linear_in_their_parameters(model, params, exact):
    rng = random.Random(len(model))
    rows = [(sp.Rational(rng.randint(1, 40), 4), sp.Rational(rng.randint(1, 40), 4)) for _ in range(7)]
    from derive.data import Dataset

    cols = {"x": tuple(r[0] for r in rows), "x1": tuple(r[0] ** 2 for r in rows),
            "x2": tuple(r[1] for r in rows), "y": tuple(r[0] + 2 * r[1] for r in rows)}
    ds = Dataset("t", cols, "x", "y", "test", "tests")
    obj = model_objective(ds, parse(model), parse_names(params), "y", "mse")
    assert obj.quadratic is exact  # sin(x1) is irrational on the data: the model is iterated in float64
    d = gradient_descent(obj, [0] * len(obj.params), Settings(lr=F(1, 10**4), steps=2), figures=False)
    assert_verified(d)
    assert d.meta["convergence"]["stop"] in ("tol", "steps")


def test_nonlinear_model_runs_in_float_and_says_so():
    ds = make_dataset([0, 1, 2, 3], [2, 3, 4.5, 7])
    obj = model_objective(ds, parse("a*exp(b*x)"), parse_names("a,b"), "y", "mse")
    d = gradient_descent(obj, [1, F(1, 2)], Settings(lr=F(1, 100), steps=3), figures=False)
    assert_verified(d)
    assert _steps(d, Rule.APPROXIMATE)
    assert "float64" in render(d, "terminal")


# -- analysis ---------------------------------------------------------------------------------------------
def test_too_large_a_learning_rate_is_shown_to_diverge():
    obj = regression_objective(load_dataset("salary"), "mse", ("w", "b"))
    d = gradient_descent(obj, [0, 0], Settings(lr=F(1, 2), steps=30), figures=False)
    assert d.meta["learning_rate"]["converges"] is False
    assert d.meta["learning_rate"]["bound"] < 0.5
    text = render(d, "terminal")
    assert "does not converge" in text


def test_learning_rate_bound_is_exact():
    """η < 2/λ_max ⇔ (2/η)I − H positive definite: check both sides of the exact bound."""
    obj = regression_objective(load_dataset("baby"), "half-sse", ("s", "b"))
    H = sp.Matrix([[20, 6], [6, 3]])
    lam_max = max(H.eigenvals())
    bound = 2 / lam_max
    below = sp.Rational(sp.floor(bound * 10**6), 10**6)
    above = below + sp.Rational(2, 10**6)
    assert below < bound < above
    for lr, ok in ((below, True), (above, False)):
        d = gradient_descent(obj, [0, 0], Settings(lr=F(int(lr.p), int(lr.q)), steps=1), figures=False, max_iter=10)
        assert d.meta["learning_rate"]["converges"] is ok


def test_eigenvalues_are_a_verified_step():
    obj = regression_objective(load_dataset("baby"), "half-sse", ("s", "b"))
    d = gradient_descent(obj, [1, 0], Settings(lr=F(1, 100), steps=1), figures=False)
    (eig,) = _steps(d, Rule.EIGENVALUES)
    assert eig.verified
    assert sorted(eig.after.rhs, key=float) == sorted(sp.Matrix([[20, 6], [6, 3]]).eigenvals(), key=float)


def test_a_wrong_eigenvalue_is_caught():
    from derive.steps import Builder, Step

    lam = sp.Symbol("lambda")
    B = Builder("t", "t").section("s")
    with pytest.raises(VerificationError):
        B.add(Step(Rule.EIGENVALUES, sp.Eq(lam**2 - 5 * lam + 4, 0, evaluate=False),
                   sp.Eq(sp.Tuple(sp.Symbol("a"), sp.Symbol("b")), sp.Tuple(1, 5), evaluate=False)))


def test_a_wrong_rounded_value_is_caught():
    from derive.steps import Builder, Step

    B = Builder("t", "t").section("s")
    B.add(Step(Rule.APPROXIMATE, sp.sqrt(2), sp.Float("1.41421", 6)))
    with pytest.raises(VerificationError):
        B.add(Step(Rule.APPROXIMATE, sp.sqrt(2), sp.Float("1.41431", 6)))


def test_convergence_reaches_the_closed_form():
    obj = regression_objective(load_dataset("baby"), "mse", ("w", "b"))
    d = gradient_descent(obj, [0, 0], Settings(lr=F(1, 10), steps=2), figures=False)
    conv = d.meta["convergence"]
    assert conv["stop"] == "tol" and conv["optimum"] == {"w": "5", "b": "30"}
    assert conv["distance"] < 1e-5
    assert all(c.passed for c in d.checks)


def test_compare_optimizers_adds_one_step_each():
    obj = regression_objective(load_dataset("baby"), "half-sse", ("s", "b"))
    d = gradient_descent(obj, [1, 0], Settings(lr=F(1, 100), steps=1), figures=False, compare=True)
    titles = " ".join(str(s.title) for s in d.sections)
    for name in ("momentum", "AdaGrad", "RMSprop", "Adam"):
        assert name in titles
    assert_verified(d)


# -- output ------------------------------------------------------------------------------------------------
def test_figures_in_markdown_and_latex(tmp_path):
    obj = regression_objective(load_dataset("baby"), "half-sse", ("s", "b"))
    d = gradient_descent(obj, [1, 0], Settings(lr=F(1, 100), steps=3))
    names = {f.name for sec in d.sections for f in sec.figures}
    assert names == {"loss", "contours", "fit", "slice"}
    files = render_files(d, "markdown", tmp_path / "gd.md")
    assert sorted(p.name for p in files) == ["gd-contours.svg", "gd-fit.svg", "gd-loss.svg", "gd-slice.svg", "gd.md"]
    md = files[tmp_path / "gd.md"]
    assert "![" in md and "(gd-loss.svg)" in md
    tex = render(d, "latex")
    assert "\\usepackage{pgfplots}" in tex and tex.count("\\begin{tikzpicture}") == 4
    assert "data:image/svg+xml;base64," in render(d, "markdown")  # standard output: inline images
    assert [f["name"] for f in json.loads(render(d, "json"))["figures"]] == ["loss", "contours", "fit", "slice"]


def test_output_is_deterministic():
    obj = regression_objective(load_dataset("baby"), "mse", ("w", "b"))
    a = [render(gradient_descent(obj, [0, 0], Settings(lr=F(1, 10), steps=4, batch=2, seed=5)), f)
         for f in ("markdown", "latex", "json")]
    b = [render(gradient_descent(obj, [0, 0], Settings(lr=F(1, 10), steps=4, batch=2, seed=5)), f)
         for f in ("markdown", "latex", "json")]
    assert a == b


def test_json_contract():
    obj = regression_objective(load_dataset("baby"), "half-sse", ("s", "b"))
    doc = json.loads(render(gradient_descent(obj, [1, 0], Settings(lr=F(1, 100), steps=2), figures=False), "json"))
    assert doc["command"] == "gradient-descent"
    assert set(doc["result"]) == {"s", "b"}
    assert sp.sympify(doc["result"]["s"]["exact"]) == sp.Rational(doc["meta"]["history"][-1]["exact_params"]["s"])
    assert [h["k"] for h in doc["meta"]["history"]] == [0, 1, 2]
    assert all(step["verified"] for sec in doc["sections"] for step in sec["steps"])

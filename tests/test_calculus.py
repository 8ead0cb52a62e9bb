"""derive diff / minimize on the seeds' exercises and on expressions nobody wrote tests around."""
import random

import pytest
import sympy as sp

from helpers import assert_verified
from derive.errors import ExpressionError
from derive.parse import parse, parse_names
from derive.problems.calculus import differentiation, minimization

a, b, x, y, z = sp.symbols("a b x y z", real=True)


def test_seed_004_gradient_and_minimum():
    d = minimization(parse("3*a^2 + b^2 - a*b + a"))
    (cp,) = d.meta["critical_points"]
    assert cp["point"] == {a: sp.Rational(-2, 11), b: sp.Rational(-1, 11)}
    assert cp["classification"] == "minimum"
    assert d.meta["convex"] is True
    assert_verified(d)
    labels = [s.rule.code for s in d.steps()]
    assert "eq-isolate" in labels and "eq-substitute" in labels  # solved by substitution, not by sympy


def test_seed_004_chain_rule_exercise():
    d = differentiation(parse("(x + y + z)^2"), parse_names("y"))
    assert sp.expand(d.results[0].exact - 2 * (x + y + z)) == 0
    chain = [s for s in d.steps() if s.rule.code == "chain"][0]
    assert [s.rule.code for s in chain.substeps] == ["define", "power", "sum"]  # u := inner, outer, inner
    assert [s.rule.code for s in chain.substeps[2].substeps] == ["constant", "variable", "constant"]


def test_seed_003_one_gradient_descent_step():
    d = differentiation(parse("x^2 - 4*x + 5"), parse_names("x"), at={x: 0}, lr=sp.Rational(1, 10))
    assert [r.exact for r in d.results] == [-4, sp.Rational(2, 5)]  # f'(0) = -4; x_new = 0 - 0.1*(-4) = 0.4
    values = [s.after for s in d.steps() if s.rule.code == "at-point" and s.note.startswith("f at")]
    assert values == [5, sp.Rational(89, 25)]  # f decreases from 5 to 3.56


@pytest.mark.parametrize("seed", range(4))
def test_descent_step_on_random_quadratics(seed):
    import random

    rng = random.Random(seed)
    coeffs = [sp.Rational(rng.randint(1, 9), rng.randint(1, 4)) for _ in range(3)]
    f = coeffs[0] * a**2 + coeffs[1] * b**2 + coeffs[2] * a * b / 10 + a - b
    point = {a: sp.Rational(rng.randint(-5, 5)), b: sp.Rational(rng.randint(-5, 5))}
    eta = sp.Rational(1, rng.randint(20, 50))
    d = differentiation(f, (a, b), at=point, lr=eta)
    new = [r.exact for r in d.results[2:]]
    assert new == [point[v] - eta * sp.diff(f, v).xreplace(point) for v in (a, b)]
    assert_verified(d)


def test_directional_derivative_and_steepest_descent():
    d = differentiation(parse("3*a^2 + b^2 - a*b + a"), parse_names("a,b"), at={a: 1, b: 2}, direction=[1, 1])
    grad = [r.exact for r in d.results[:2]]
    assert grad == [5, 3]
    du = d.results[2].exact
    assert sp.simplify(du - 8 / sp.sqrt(2)) == 0


@pytest.mark.parametrize("text, classes", [
    ("x^2 - y^2", ["saddle"]),
    ("-(x^2) - y^2 + 2*x", ["maximum"]),
    ("x^4 + y^2", ["inconclusive"]),
    ("x^3 - 3*x + y^2", ["saddle", "minimum"]),
])
def test_classification(text, classes):
    d = minimization(parse(text))
    assert sorted(cp["classification"] for cp in d.meta["critical_points"]) == sorted(classes)
    for cp in d.meta["critical_points"]:
        point = cp["point"]
        for g in (sp.diff(parse(text), v) for v in point):
            assert g.xreplace(point) == 0


def test_infinitely_many_and_none():
    assert minimization(parse("(x - y)^2")).meta["infinitely_many"] is True
    for text in ("x + y", "x + y^2"):  # a gradient component is a non-zero constant: 1 = 0 is false
        d = minimization(parse(text))
        assert d.meta["critical_points"] == [] and d.meta["infinitely_many"] is False
        assert d.sections[-1].intro == "There is no real critical point."
    assert minimization(parse("exp(x)")).meta["critical_points"] == []


def test_unused_variable_is_a_note_not_an_error():
    d = differentiation(parse("x^2"), parse_names("x,q"))
    assert d.results[1].exact == 0
    intro = d.sections[2].intro
    assert intro[0] == sp.Symbol("q", real=True) and "does not occur" in intro[1]


def _random_poly(rng):
    terms = []
    for _ in range(rng.randint(2, 5)):
        c = sp.Rational(rng.randint(-9, 9), rng.randint(1, 4))
        terms.append(c * a ** rng.randint(0, 3) * b ** rng.randint(0, 2) * sp.exp(rng.choice([0, a, b]) / 3))
    return sp.Add(*terms)


@pytest.mark.parametrize("seed", range(8))
def test_random_expressions_equal_sympy(seed):
    rng = random.Random(100 + seed)
    f = _random_poly(rng)
    d = differentiation(f, (a, b), order=2)
    for r, v in zip(d.results, (a, b)):
        assert sp.simplify(r.exact - sp.diff(f, v)) == 0
    hess = [s for s in d.steps() if s.rule.code == "hessian"][0].after
    assert sp.simplify(hess - sp.hessian(f, (a, b))) == sp.zeros(2, 2)


def test_bad_point():
    with pytest.raises(ExpressionError, match="give a value for b"):
        differentiation(parse("a*b"), parse_names("a"), at={a: 1})
    with pytest.raises(ExpressionError, match="zero vector"):
        differentiation(parse("a*b"), parse_names("a,b"), at={a: 1, b: 1}, direction=[0, 0])


@pytest.mark.parametrize("text, point, words", [
    ("1/x", {x: 0}, "not defined there"),
    ("log(x)", {x: 0}, "not defined there"),
    ("sqrt(x)", {x: -1}, "not a real number"),
])
def test_singular_points_are_refused(text, point, words):
    with pytest.raises(ExpressionError, match=words):
        differentiation(parse(text), None, at=point)


def test_points_outside_the_domain_are_not_critical_points():
    d = minimization(parse("x^2 - 2*log(x)"))  # 2x - 2/x = 0 at x = ±1, but log(-1) is not real
    assert [cp["point"] for cp in d.meta["critical_points"]] == [{x: 1}]


def test_irrational_critical_points():
    d = minimization(parse("x^3 - 6*x"))
    points = sorted(cp["point"][x] for cp in d.meta["critical_points"])
    assert points == [-sp.sqrt(2), sp.sqrt(2)]
    assert_verified(d)


@pytest.mark.parametrize("text", ["sin(sin(sin(x)))", "(x + y + z + w)^60"])
def test_hard_expressions_finish(text):
    d = differentiation(parse(text), None)
    for r, v in zip(d.results, sorted(parse(text).free_symbols, key=str)):
        assert sp.simplify(r.exact - sp.diff(parse(text), v)) == 0


def test_a_function_sympy_cannot_solve_is_a_clear_error():
    with pytest.raises(ExpressionError, match="cannot solve"):
        minimization(parse("abs(x)"))

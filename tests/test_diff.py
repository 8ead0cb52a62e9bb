"""Named-rule differentiation: step shapes (tables), agreement with sympy.diff on random expressions."""
import random

import pytest
import sympy as sp

from derive.algebra.diff import Differentiator, derivative_chain, differentiate
from derive.notation import I, N, Sigma, column, parameter
from derive.steps import Builder

a, b, x, y, z = sp.symbols("a b x y z")


def shape(step):
    """(rule code, [shapes of substeps]) — the structure a reader sees."""
    return (step.rule.code, [shape(s) for s in step.substeps]) if step.substeps else step.rule.code


@pytest.mark.parametrize("expr, var, expected", [
    (sp.Integer(7), x, "constant"),
    (y, x, "constant"),
    (x, x, "variable"),
    (x**3, x, "power"),
    (3 * x**2, x, ("constant-factor", ["power"])),
    (x**2 + x, x, ("sum", ["variable", "power"])),
    ((x + y + z) ** 2, y, ("chain", ["define", "power", ("sum", ["constant", "variable", "constant"])])),
    (sp.exp(x), x, "exp"),
    (sp.log(x), x, "log"),
    (sp.sin(x**2), x, ("chain", ["define", "sin", "power"])),
    (sp.tan(x), x, "tan"),
    (sp.cos(3 * x), x, ("chain", ["define", "cos", ("constant-factor", ["variable"])])),
    (x * sp.sin(x), x, ("product", ["variable", "sin"])),
    (sp.sin(x) / x**2, x, ("quotient", ["sin", "power"])),
    (x**x, x, "sympy-diff"),
])
def test_step_shapes(expr, var, expected):
    assert shape(differentiate(expr, var)) == expected


def test_seed_004_partial_derivatives():
    f = 3 * a**2 + b**2 - a * b + a
    assert differentiate(f, a).after == 6 * a - b + 1
    assert differentiate(f, b).after == 2 * b - a


def test_seed_004_chain_rule_exercise():
    step = differentiate((x + y + z) ** 2, y)
    assert sp.expand(step.after - 2 * (x + y + z)) == 0
    name, outer, inner = step.substeps
    assert name.after == x + y + z  # u := x + y + z, named for the outer derivative
    assert outer.rule.code == "power" and inner.rule.code == "sum"
    assert [s.after for s in inner.substeps] == [0, 1, 0]  # dx/dy = 0, dy/dy = 1, dz/dy = 0


def test_repeated_subderivation_says_similarly():
    d = Differentiator()
    first = d((x + 1) ** 2 + sp.sin((x + 1) ** 2), x)
    codes = [s.rule.code for s in first.walk()]
    assert "similarly" in codes
    assert sp.simplify(first.after - sp.diff((x + 1) ** 2 + sp.sin((x + 1) ** 2), x)) == 0


def _random_expr(rng, vars_, depth):
    if depth == 0 or rng.random() < 0.25:
        return rng.choice(vars_ + [sp.Integer(rng.randint(-5, 5)), sp.Rational(rng.randint(1, 9), rng.randint(2, 7))])
    kind = rng.choice(["add", "mul", "pow", "exp", "log", "sin", "cos", "div"])
    sub = lambda: _random_expr(rng, vars_, depth - 1)  # noqa: E731
    if kind == "add":
        return sub() + sub()
    if kind == "mul":
        return sub() * sub()
    if kind == "pow":
        return sub() ** rng.randint(2, 4)
    if kind == "div":
        return sub() / (sub() ** 2 + 1)
    if kind == "log":
        return sp.log(sub() ** 2 + 1)
    return {"exp": sp.exp, "sin": sp.sin, "cos": sp.cos}[kind](sub())


@pytest.mark.parametrize("seed", range(25))
def test_random_expressions_match_sympy(seed):
    rng = random.Random(seed)
    vars_ = [a, b, x]
    expr = _random_expr(rng, vars_, 3)
    var = rng.choice(vars_)
    step = differentiate(expr, var)
    assert sp.simplify(step.after - sp.diff(expr, var)) == 0
    builder = Builder("t", "t")
    builder.section("s")
    assert builder.add(step).verified  # every node of the tree passes the verifier


def test_chain_of_rewrites_through_a_sum():
    xs, ys = column("x"), column("y")
    w, c = parameter("w"), parameter("c")
    loss = Sigma((w * xs[I] + c - ys[I]) ** 2) / N
    steps = derivative_chain(sp.Derivative(loss, w))
    assert [s.rule.code for s in steps] == ["constant-factor", "sum-termwise", "chain"]
    for prev, nxt in zip(steps, steps[1:]):
        assert prev.after == nxt.before
    assert not steps[-1].after.has(sp.Derivative)

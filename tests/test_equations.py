"""Equation steps: both-sides operations, substitution, isolation — results and verification."""
import pytest
import sympy as sp

from derive.algebra import equations as eqs
from derive.notation import I, N, Sigma, column
from derive.steps import Builder

x, y = column("x"), column("y")
a, b, w = sp.symbols("a b w")


def verified(step):
    builder = Builder("t", "t")
    builder.section("s")
    return builder.add(step).verified


@pytest.mark.parametrize("eq, factor, expected", [
    (sp.Eq(2 * Sigma(x[I]) / N, 0), N / 2, sp.Eq(Sigma(x[I]), 0)),
    (sp.Eq(-3 * a, 6), -sp.Rational(1, 3), sp.Eq(a, -2)),
])
def test_multiply(eq, factor, expected):
    step = eqs.multiply(eq, factor)
    assert step.after == expected and verified(step)


@pytest.mark.parametrize("eq, var, expected", [
    (sp.Eq(N * b + w * Sigma(x[I]) - Sigma(y[I]), 0), b, sp.Eq(b, (Sigma(y[I]) - w * Sigma(x[I])) / N)),
    (sp.Eq(6 * a - b + 1, 0), a, sp.Eq(a, (b - 1) / 6)),
    (sp.Eq(2 * b - a, 0), b, sp.Eq(b, a / 2)),
])
def test_isolate(eq, var, expected):
    step = eqs.isolate(eq, var)
    assert sp.simplify(step.after.rhs - expected.rhs) == 0 and verified(step)


def test_isolate_refuses_nonlinear():
    with pytest.raises(ValueError):
        eqs.isolate(sp.Eq(a**2 - 1, 0), a)


def test_seed_004_question_1_by_substitution():
    """6a − b + 1 = 0 and 2b − a = 0 give a = −2/11, b = −1/11, each step verified."""
    first = eqs.isolate(sp.Eq(2 * b - a, 0), b)
    assert verified(first)
    builder = Builder("t", "t")
    builder.section("s")
    premise = builder.add(first)
    sub = builder.add(eqs.substitute(sp.Eq(6 * a - b + 1, 0), premise))
    sol_a = builder.add(eqs.isolate(sub.after, a))
    assert sol_a.after.rhs == sp.Rational(-2, 11)
    assert premise.after.rhs.subs(a, sol_a.after.rhs) == sp.Rational(-1, 11)


def test_collect_groups_the_unknown():
    step = eqs.collect(sp.Eq(w * Sigma(x[I] ** 2) - N * w + 3, 0), w)
    assert step.after.lhs.coeff(w) == Sigma(x[I] ** 2) - N
    assert verified(step)

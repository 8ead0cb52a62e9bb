"""Summation algebra: each rule as a table of before -> after, every result verified."""
import pytest
import sympy as sp

from derive.algebra import sums
from derive.notation import I, N, Mean, Sigma, column
from derive.steps import Builder

x, y = column("x"), column("y")
c, w = sp.symbols("c w")


@pytest.mark.parametrize("fn, before, after", [
    (sums.split, Sigma(x[I] + y[I]), Sigma(x[I]) + Sigma(y[I])),
    (sums.split, Sigma(x[I]), None),
    (sums.factor_out, Sigma(c * x[I]), c * Sigma(x[I])),
    (sums.factor_out, Sigma(Mean(x) * y[I]), Mean(x) * Sigma(y[I])),
    (sums.factor_out, Sigma(x[I] * y[I]), None),
    (sums.constant_sums, Sigma(c), N * c),
    (sums.constant_sums, Sigma(Mean(x) ** 2), N * Mean(x) ** 2),
    (sums.to_means, Sigma(x[I]), N * Mean(x)),
    (sums.to_means, Sigma(x[I] * y[I]), N * Mean(x * y)),
    (sums.expand_terms, Sigma(x[I] * (y[I] - w)), Sigma(x[I] * y[I] - w * x[I])),
])
def test_rule_table(fn, before, after):
    step = fn(before)
    if after is None:
        assert step is None
        return
    assert step.after == after
    b = Builder("t", "t")
    b.section("s")
    assert b.add(step).verified


def test_rules_apply_to_both_sides_of_an_equation():
    step = sums.split(sp.Eq(Sigma(x[I] + c), Sigma(y[I] + c)))
    assert step.after == sp.Eq(Sigma(x[I]) + Sigma(c), Sigma(y[I]) + Sigma(c))


@pytest.mark.parametrize("u, v, expected", [
    (x, y, Sigma(x[I] * y[I]) - N * Mean(x) * Mean(y)),
    (x, x, Sigma(x[I] ** 2) - N * Mean(x) ** 2),
])
def test_centred_identities_by_linearity(u, v, expected):
    """Σ(u_i − ū)(v_i − v̄) reduces to Σu_i v_i − n ū v̄ by the rules alone."""
    steps = sums.linearity(Sigma((u[I] - Mean(u)) * (v[I] - Mean(v))))
    means = sums.to_means(steps[-1].after, [u[I], v[I]])
    assert sp.expand(means.after - expected) == 0
    b = Builder("t", "t")
    b.section("s")
    for s in steps + [means]:
        assert b.add(s).verified

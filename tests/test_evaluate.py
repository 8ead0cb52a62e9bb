"""The exact evaluator agrees with sympy's own evaluation."""
from fractions import Fraction

import pytest
import sympy as sp

from derive.evaluate import Unsupported, evaluate, evaluate_column
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


# -- derivatives at a point, by automatic differentiation ---------------------------------------------
def _random_expression(rng, depth=0):
    """A random rational expression in w, b, the data, n and Σ, quotients included (by c² + 1, which
    never vanishes, so every point can be evaluated)."""
    leaves = [w, b, x[I], y[I], N, sp.Rational(rng.randint(-5, 5), rng.randint(1, 4)), Mean(x)]
    if depth > 2 or rng.random() < 0.25:
        return rng.choice(leaves)
    kind = rng.choice(["add", "mul", "pow", "sum", "div"])
    a, c = _random_expression(rng, depth + 1), _random_expression(rng, depth + 1)
    if kind == "add":
        return a + c
    if kind == "mul":
        return a * c
    if kind == "pow":
        return a ** rng.randint(2, 3)
    if kind == "div":
        return a / (c ** 2 + 1)
    return Sigma(a) if a.has(I) else a * Sigma(x[I])


def _sympy_value(d, env):
    """sympy's diff of the expression with n and the data written out, at the point."""
    n = env[N]
    e = d.expr.replace(lambda t: isinstance(t, Mean), lambda t: t.definition()).xreplace({N: n}).doit()
    e = e.xreplace({base[k + 1]: sp.Rational(v) for base in (x, y) for k, v in enumerate(env[base])})
    e = sp.diff(e, *d.variable_count)
    return e.xreplace({w: sp.Rational(env[w]), b: sp.Rational(env[b])})


@pytest.mark.parametrize("seed", range(40))
def test_derivatives_by_automatic_differentiation_match_sympys_diff(seed):
    """First, second, third and mixed derivatives of random expressions (products, powers, quotients,
    nested sums, means) at random points: exactly sympy's diff evaluated there."""
    import random

    rng = random.Random(seed)
    expr = _random_expression(rng)
    while not expr.has(I) or not (expr.has(w) or expr.has(b)):
        expr = _random_expression(rng) * Sigma(w * x[I] - b * y[I])
    expr = expr if not _occurs_free(expr, I) else Sigma(expr)
    orders = rng.choice([[(w, 1)], [(b, 1)], [(w, 2)], [(w, 1), (b, 1)], [(b, 2), (w, 1)], [(w, 3)]])
    n = rng.randint(2, 4)
    env = {N: n, x: [Fraction(rng.randint(-9, 9), rng.randint(1, 5)) for _ in range(n)],
           y: [Fraction(rng.randint(-9, 9), rng.randint(1, 5)) for _ in range(n)],
           w: Fraction(rng.randint(-9, 9), rng.randint(1, 5)), b: Fraction(rng.randint(-9, 9), rng.randint(1, 5))}
    d = sp.Derivative(expr, *orders)
    got = evaluate(d, env, derivatives=True)
    assert sp.Rational(got.numerator, got.denominator) == _sympy_value(d, env)


def _occurs_free(e, v):
    from derive.verify import _occurs_free

    return _occurs_free(e, v)


def test_a_derivative_is_evaluated_only_when_asked_and_only_where_it_can_be():
    env = {N: 2, x: (1, 3), w: Fraction(5)}
    d = sp.Derivative(Sigma((w * x[I]) ** 2), w)
    assert evaluate(d, env, derivatives=True) == 2 * 5 * (1 + 9)
    with pytest.raises(Unsupported):  # not asked for
        evaluate(d, env)
    assert evaluate(sp.Derivative(Sigma(x[I]) * w, b), {**env, b: Fraction(1)}, derivatives=True) == 0
    for unsupported in (
        sp.Derivative(sp.Derivative(w**3, w) * w, w),  # a derivative of a derivative: sympy's diff does it
        sp.Derivative(sp.exp(w), w),  # not rational
        sp.Derivative(Sigma(x[I]), N),  # not a variable of the expression's value
        sp.Derivative(w**2, sp.Symbol("z")),  # unbound
    ):
        with pytest.raises(Unsupported):
            evaluate(unsupported, env, derivatives=True)
    with pytest.raises(ZeroDivisionError):
        evaluate(sp.Derivative(1 / (w - 5), w), env, derivatives=True)


def test_remembered_sums_are_only_those_whose_value_cannot_change():
    """Sums are remembered between calls with the same values (memo), but a sum inside a row loop
    depends on that row: row by row, and nested, every value is still sympy's."""
    j = sp.Symbol("j", integer=True)
    inner = sp.Sum(x[j] * y[I], (j, 1, N))  # depends on the row i of the outer sum
    nested = sp.Sum(x[I] * inner, (I, 1, N))
    memo: dict = {}
    env = {N: 4, x: DATA[x], y: DATA[y]}
    sx = sum(Fraction(v) for v in DATA[x])
    expected = sum(Fraction(a) * sx * Fraction(c) for a, c in zip(DATA[x], DATA[y]))
    assert evaluate(nested, env, memo=memo) == expected
    assert evaluate(nested, env, memo=memo) == expected  # remembered
    assert inner not in memo  # the inner sum was never a value on its own
    rows = evaluate_column(inner, env, 4)  # row by row: i changes between rows
    assert list(rows) == [sx * Fraction(c) for c in DATA[y]]


def test_sums_of_several_limits_are_read_innermost_first():
    """sympy lists a sum's limits innermost first: Σ_{j=1}^{n} Σ_{i=1}^{j} i."""
    j = sp.Symbol("j", integer=True)
    nested = sp.Sum(I * x[j], (I, 1, j), (j, 1, N))
    env = {N: 4, x: DATA[x]}
    expected = sum(Fraction(k * (k + 1), 2) * Fraction(DATA[x][k - 1]) for k in range(1, 5))
    assert evaluate(nested, env) == expected == nested.xreplace({N: 4}).doit().xreplace(
        {x[k + 1]: sp.Rational(v) for k, v in enumerate(DATA[x])})
    with pytest.raises(Unsupported):  # a bound that is not a whole number
        evaluate(sp.Sum(I, (I, 1, w)), {w: Fraction(7, 2)})
    with pytest.raises(Unsupported):  # an upper bound below the lower one (sympy's convention differs)
        evaluate(sp.Sum(I, (I, 5, w)), {w: 2})

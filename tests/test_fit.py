"""derive.problems.fit: exact least squares for models linear in their parameters.

The inputs are generated here — random exact rationals, random row counts, random column and
parameter names, random models (several features, polynomials, products and ratios of the
inputs, scaled parameters, with and without an intercept) — and every result is compared with an
independent exact solution, (AᵀA)⁻¹Aᵀy, built from scratch with sympy matrices from the basis
functions the model was generated from (never from derive's own design matrix).
"""
import random
import re
import string
from fractions import Fraction

import pytest

from helpers import assert_verified
from derive.parse import reserved_name
import sympy as sp

from derive.data import Dataset, parse_csv
from derive.errors import DataError, OptionError
from derive.notation import RESERVED
from derive.parse import CONSTANTS, FORBIDDEN_WORDS, FUNCTIONS, parse, parse_names
from derive.problems.fit import fit

# names derive's formulas use or the parser refuses; 'u' is the chain rule's inner expression
AVOID = set(RESERVED) | {"L", "yhat", "fhat", "u", "y_obs"} | set(FUNCTIONS) | set(CONSTANTS) | FORBIDDEN_WORDS


# -- generators ----------------------------------------------------------------------------------------
def random_names(rng: random.Random, k: int, taken: set) -> list[str]:
    """k distinct valid names such as 'q', 'Tz3', 'w_7', 'theta_2', not in ``taken``."""
    out = []
    while len(out) < k:
        kind = rng.random()
        if kind < 0.2:
            name = rng.choice(["alpha", "theta", "omega", "kappa", "mu", "sigma", "phi", "delta"])
            name += rng.choice(["", f"_{rng.randint(0, 9)}"])
        else:
            name = rng.choice(string.ascii_letters) + "".join(
                rng.choice(string.ascii_lowercase + string.digits) for _ in range(rng.randint(0, 3)))
            if rng.random() < 0.3:
                name += f"_{rng.randint(0, 99)}"
        if name not in AVOID and not reserved_name(name) and name not in taken and name not in out:
            out.append(name)
    return out


def random_rational(rng: random.Random) -> Fraction:
    return Fraction(rng.randint(-999, 999), rng.choice([1, 1, 2, 3, 4, 5, 7, 8, 10, 12, 100, 1000]))


def distinct_values(rng: random.Random, n: int) -> list[Fraction]:
    values: list[Fraction] = []
    while len(values) < n:
        v = random_rational(rng)
        if v not in values:
            values.append(v)
    return values


class Basis:
    """One basis function: its text in the model and its value on a row (computed here, in Python)."""

    def __init__(self, text, value):
        self.text, self.value = text, value


def random_basis(rng: random.Random, kind: str, cols: list[str], p: int) -> list[Basis]:
    """p distinct basis functions of the columns for a model of the given kind."""
    if kind == "poly":
        x = cols[0]
        degrees = sorted(rng.sample(range(0, 6), p))
        return [Basis("1" if k == 0 else x if k == 1 else f"{x}^{k}", lambda r, k=k, x=x: r[x] ** k)
                for k in degrees]
    pool = [Basis(c, lambda r, c=c: r[c]) for c in cols]
    if kind == "features":
        pool = pool[:p]
    elif kind == "mixed":
        for a in cols:
            pool.append(Basis(f"{a}^2", lambda r, a=a: r[a] ** 2))
            pool.append(Basis(f"1/({a}^2 + 1)", lambda r, a=a: 1 / (r[a] ** 2 + 1)))
            for b in cols:
                if a < b:
                    pool.append(Basis(f"{a}*{b}", lambda r, a=a, b=b: r[a] * r[b]))
        pool = rng.sample(pool, p)
    return pool


def random_case(seed: int, kind: str, p: int, *, intercept: bool):
    """(dataset, model text, parameter names, {param: basis}, {param: coefficient}, y name)."""
    rng = random.Random(seed)
    n_cols = 1 if kind == "poly" else p - intercept if kind == "features" else rng.randint(1 + (p > 3), 3)
    names = random_names(rng, n_cols + 1 + p, set())
    cols, y, params = names[:n_cols], names[n_cols], names[n_cols + 1:]
    if kind == "poly":
        basis = random_basis(rng, kind, cols, p)
    else:
        basis = random_basis(rng, kind, cols, p - intercept)
        if intercept:
            basis.insert(rng.randint(0, len(basis)), Basis("1", lambda r: Fraction(1)))
    scale = [Fraction(1) if rng.random() < 0.6 else random_rational(rng) or Fraction(3) for _ in params]
    terms = []
    for par, b, c in zip(params, basis, scale):
        factor = "" if c == 1 else f"({c})*"
        terms.append(rng.choice([f"{factor}{par}*({b.text})", f"({b.text})*{factor}{par}"]))
    rng.shuffle(terms)
    model = " + ".join(terms)
    n = rng.choice([p, p + 1, p + rng.randint(2, 9)])
    data = {c: distinct_values(rng, n) for c in cols}
    data[y] = [random_rational(rng) for _ in range(n)]
    # extra columns the model never mentions: a fit keeps every column and ignores them
    for extra in random_names(rng, rng.randint(0, 2), set(names)):
        data[extra] = [random_rational(rng) for _ in range(n)]
    order = list(data)
    rng.shuffle(order)
    columns = {c: tuple(sp.Rational(v.numerator, v.denominator) for v in data[c]) for c in order}
    x = next(c for c in order if c != y)
    ds = Dataset(name=f"random{seed}", columns=columns, x=x, y=y, description="random", source="tests")
    return ds, model, params, dict(zip(params, basis)), dict(zip(params, scale)), y


def design(ds: Dataset, params, basis, scale) -> sp.Matrix:
    """The design matrix A, built here from the basis functions (not from derive)."""
    rows = []
    for i in range(ds.n):
        row = {c: Fraction(int(v.p), int(v.q)) for c, v in ((c, ds.columns[c][i]) for c in ds.columns)}
        rows.append([scale[p] * basis[p].value(row) for p in params])
    return sp.Matrix([[sp.Rational(v.numerator, v.denominator) for v in r] for r in rows])


def independent_solution(A: sp.Matrix, y, ridge=0) -> list:
    Y = sp.Matrix(y)
    return list((A.T * A + ridge * sp.eye(A.shape[1])).LUsolve(A.T * Y))


def full_rank_case(seed, kind, p, intercept):
    """The first generated case (from ``seed`` on) whose design has full column rank."""
    for k in range(20):
        case = random_case(seed * 100 + k, kind, p, intercept=intercept)
        ds, _, params, basis, scale, _ = case
        if design(ds, params, basis, scale).rank() == p:
            return case
    raise AssertionError("no full-rank random design found")  # pragma: no cover


def results(d) -> dict:
    return {str(r.name): r.exact for r in d.results}


# -- exact least squares on random data ------------------------------------------------------------------
# (seed, kind, number of parameters, intercept)
CASES = [
    (1, "features", 1, False), (2, "features", 2, True), (3, "features", 3, True), (4, "features", 3, False),
    (5, "features", 4, True), (6, "features", 5, True), (7, "features", 5, False),
    (8, "poly", 1, False), (9, "poly", 2, False), (10, "poly", 3, False), (11, "poly", 4, False),
    (12, "poly", 5, False), (13, "poly", 3, False),
    (14, "mixed", 1, False), (15, "mixed", 2, True), (16, "mixed", 3, False), (17, "mixed", 3, True),
    (18, "mixed", 4, True), (19, "mixed", 5, False), (20, "mixed", 2, False),
]


@pytest.mark.parametrize("seed, kind, p, intercept", CASES)
def test_random_model_matches_independent_solution(seed, kind, p, intercept):
    ds, model, params, basis, scale, y = full_rank_case(seed, kind, p, intercept)
    d = fit(ds, parse(model), parse_names(",".join(params)), y=y)
    A = design(ds, params, basis, scale)
    expect = independent_solution(A, ds.columns[y])
    assert [str(r.name) for r in d.results] == params
    assert results(d) == dict(zip(params, expect)), model
    assert all(isinstance(v, sp.Rational) for v in results(d).values())
    assert d.meta["linear"] is True and d.meta["n"] == ds.n
    steps = list(d.steps())
    assert steps and all(s.verified for s in steps)
    assert all(c.passed for c in d.checks), [c for c in d.checks if not c.passed]


@pytest.mark.parametrize("seed, kind, p, intercept, ridge", [
    (31, "features", 2, True, Fraction(1, 2)), (32, "poly", 3, False, Fraction(3)),
    (33, "mixed", 4, True, Fraction(7, 100)), (34, "features", 1, False, Fraction(10 ** 6)),
    (35, "poly", 5, False, Fraction(1, 3)), (36, "features", 3, True, Fraction(0)),
])
def test_ridge_matches_independent_solution(seed, kind, p, intercept, ridge):
    ds, model, params, basis, scale, y = full_rank_case(seed, kind, p, intercept)
    lam = sp.Rational(ridge.numerator, ridge.denominator)
    d = fit(ds, parse(model), parse_names(",".join(params)), y=y, ridge=lam)
    expect = independent_solution(design(ds, params, basis, scale), ds.columns[y], lam)
    assert results(d) == dict(zip(params, expect))
    assert_verified(d)
    if ridge == 0:  # no penalty: ordinary least squares
        plain = fit(ds, parse(model), parse_names(",".join(params)), y=y)
        assert results(plain) == results(d)


def test_ridge_makes_a_collinear_design_solvable():
    ds = dataset({"x1": [1, 2, 3, 4, 5], "x2": [3, 5, 7, 9, 11], "y": ["2.5", 3, "-1.25", 8, 0]})
    lam = sp.Rational(1, 4)
    d = fit(ds, parse("w1*x1 + w2*x2 + b"), parse_names("w1,w2,b"), y="y", ridge=lam)
    A = sp.Matrix([[x1, x2, 1] for x1, x2 in zip(ds.columns["x1"], ds.columns["x2"])])
    assert list(results(d).values()) == independent_solution(A, ds.columns["y"], lam)
    assert_verified(d)


def test_exact_interpolation_when_rows_equal_parameters():
    ds = dataset({"t": [0, 1, 2], "v": [1, 0, 5]}, y="v")
    d = fit(ds, parse("a*t^2 + b*t + c"), parse_names("a,b,c"), y="v")
    assert results(d) == {"a": 3, "b": -4, "c": 1}


def test_data_read_from_csv_text_with_many_columns():
    """All columns are kept; y defaults to the column named y; decimals are exact."""
    rng = random.Random(7)
    header = ["id", "x1", "y", "x2", "noise"]
    lines = [",".join(header)] + [",".join(f"{rng.randint(-9999, 9999) / 1000}" for _ in header) for _ in range(9)]
    ds = parse_csv("\n".join(lines).encode(), "wide.csv", all_columns=True)
    assert list(ds.columns) == header and ds.y == "y"
    d = fit(ds, parse("w1*x1 + w2*x2 + b"), parse_names("w1,w2,b"))
    A = sp.Matrix([[a, b, 1] for a, b in zip(ds.columns["x1"], ds.columns["x2"])])
    assert list(results(d).values()) == independent_solution(A, ds.columns["y"])
    assert ds.columns["x1"][0] == sp.Rational(lines[1].split(",")[1])  # exact decimal, not a float


@pytest.mark.parametrize("header, y", [(["a", "b", "c"], "c"), (["y", "x"], "y"), (["x", "y", "z"], "y")])
def test_csv_y_defaults_to_column_y_else_last(header, y):
    text = ",".join(header) + "\n" + "\n".join(",".join(str(i * j + 1) for j in range(len(header)))
                                               for i in range(3))
    assert parse_csv(text.encode(), "t.csv", all_columns=True).y == y


@pytest.mark.parametrize("model, params", [("a*x + 2", "a"), ("a*x + b + x^2/3", "a,b")])
def test_model_with_a_fixed_offset(model, params):
    """ŷ = offset(x) + Σ θ_j φ_j(x): least squares fits y − offset(x)."""
    ds = dataset({"x": [0, 1, 2, 3, 4], "y": [1, "2.5", "5.2", "10.1", 17]})
    d = fit(ds, parse(model), parse_names(params), y="y")
    f, ps, (x,) = parse(model), parse_names(params), parse_names("x")
    offset = f.xreplace({q: 0 for q in ps})
    A = sp.Matrix([[sp.diff(f, q).xreplace({x: v}) for q in ps] for v in ds.columns["x"]])
    target = [yv - offset.xreplace({x: xv}) for xv, yv in zip(ds.columns["x"], ds.columns["y"])]
    assert list(results(d).values()) == independent_solution(A, target)


# -- not linear in the parameters ------------------------------------------------------------------------
@pytest.mark.parametrize("model, params", [
    ("a*exp(b*x)", "a,b"), ("a*b*x", "a,b"), ("a^2*x + c", "a,c"), ("sin(k*x) + m", "k,m"),
    ("A/(1 + exp(-r*(x - x0)))", "A,r,x0"), ("w*x/(s + x)", "w,s"),
])
def test_nonlinear_model_has_no_closed_form(model, params):
    ds = dataset({"x": [0, 1, 2, 3], "y": [1, "2.7", "7.4", 20]})
    d = fit(ds, parse(model), parse_names(params), y="y")
    assert d.results == ()
    assert d.meta["linear"] is False
    titles = [s.title for s in d.sections]
    assert "Not linear in the parameters" in titles
    assert "gradient descent" in d.sections[titles.index("Not linear in the parameters")].intro
    assert_verified(d)


# -- degenerate designs and bad input --------------------------------------------------------------------
def dataset(columns: dict, y: str = "y", name: str = "demo") -> Dataset:
    cols = {c: tuple(sp.Rational(str(v)) for v in vs) for c, vs in columns.items()}
    x = next(c for c in cols if c != y)
    return Dataset(name=name, columns=cols, x=x, y=y, description="test", source="tests")


@pytest.mark.parametrize("columns, model, params, named", [
    # collinear: x2 = 2*x1 + 1
    ({"x1": [1, 2, 3, 4, 5], "x2": [3, 5, 7, 9, 11], "y": [2, 3, 5, 4, 6]}, "w1*x1 + w2*x2 + b", "w1,w2,b",
     ["x1", "x2"]),
    ({"x1": ["0.5", -1, 2, 7], "x2": [2, -1, 5, 15], "y": [1, 2, 3, 5]}, "w2*x2 + w1*x1 + b", "w2,w1,b",
     ["x1", "x2"]),
    # a constant feature beside the intercept
    ({"x": [1, 2, 3, 4], "c": [2, 2, 2, 2], "y": [2, 3, 5, 4]}, "w*x + v*c + b", "w,v,b", ["c"]),
    ({"x": [1, 2, 3, 4], "c": ["0.3"] * 4, "y": [2, 3, 5, 4]}, "b + v*c", "b,v", ["c"]),
    # a column of zeros
    ({"x": [1, 2, 3], "z": [0, 0, 0], "y": [2, 3, 5]}, "w*x + v*z", "w,v", ["z"]),
    # the same column twice, and a polynomial on too few distinct x
    ({"x": [1, 2, 3, 4], "y": [2, 3, 5, 4]}, "a*x + b*(2*x)", "a,b", ["x"]),
    ({"x": [1, 2, 1, 2, 1], "y": [2, 3, 5, 4, 1]}, "a*x^2 + b*x + c", "a,b,c", ["x"]),
])
def test_rank_deficient_design_names_the_columns(columns, model, params, named):
    with pytest.raises(DataError) as err:
        fit(dataset(columns), parse(model), parse_names(params), y="y")
    msg = str(err.value)
    assert "\n" not in msg
    for name in named:
        assert re.search(rf"\b{name}\b", msg), msg
    assert any(re.search(rf"\b{q}\b", msg) for q in params.split(",")), msg


@pytest.mark.parametrize("rows, model, params", [
    (2, "a*x^2 + b*x + c", "a,b,c"), (1, "w*x + b", "w,b"), (3, "p1*x + p2*x^2 + p3*x^3 + p4", "p1,p2,p3,p4"),
])
def test_fewer_rows_than_parameters(rows, model, params):
    ds = dataset({"x": list(range(1, rows + 1)), "y": list(range(5, 5 + rows))})
    with pytest.raises(DataError) as err:
        fit(ds, parse(model), parse_names(params), y="y")
    msg = str(err.value)
    assert f"{rows} row" in msg and f"{len(params.split(','))} parameters" in msg, msg


@pytest.mark.parametrize("model, params, missing", [
    ("w*height + b", "w,b", "height"), ("a*x + b*t", "a,b", "t"), ("k*X", "k", "X"),
])
def test_unknown_column_lists_the_columns(model, params, missing):
    ds = dataset({"x": [1, 2, 3], "x_2": [4, 1, 0], "y": [2, 3, 5]})
    with pytest.raises(DataError) as err:
        fit(ds, parse(model), parse_names(params), y="y")
    msg = str(err.value)
    assert missing in msg
    for col in ("x", "x_2", "y"):
        assert re.search(rf"\b{col}\b", msg), msg


@pytest.mark.parametrize("model, params, absent", [
    ("w*x + b", "w,b,c", "c"), ("w*x", "w,b", "b"), ("3*x", "a", "a"),
])
def test_parameter_not_in_model(model, params, absent):
    ds = dataset({"x": [1, 2, 3], "y": [2, 3, 5]})
    with pytest.raises(OptionError) as err:
        fit(ds, parse(model), parse_names(params), y="y")
    assert re.search(rf"\b{absent}\b", str(err.value))


def test_unknown_y_column():
    with pytest.raises(DataError, match="price"):
        fit(dataset({"x": [1, 2, 3], "y": [2, 3, 5]}), parse("w*x"), parse_names("w"), y="price")


def test_response_used_as_input():
    with pytest.raises(OptionError):
        fit(dataset({"x": [1, 2, 3], "y": [2, 3, 5]}), parse("w*x + v*y"), parse_names("w,v"), y="y")


def test_negative_ridge():
    with pytest.raises(OptionError, match="ridge"):
        fit(dataset({"x": [1, 2, 3], "y": [2, 3, 5]}), parse("w*x"), parse_names("w"), y="y", ridge=-1)

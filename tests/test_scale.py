"""Correctness at scale: exact columns, the fast CSV reader, column-wise sums and shortened tables.

No timing here (benchmarks/scale.py measures speed); these tests show that the fast paths give
exactly what the slow ones give, on data large enough to take them.
"""
from __future__ import annotations

import json
import random
from decimal import Decimal
from fractions import Fraction

import pytest
import sympy as sp

from helpers import assert_verified
from derive import linalg
import derive.data as data_module
from derive.data import Dataset, _fast_column, parse_csv, parse_number
from derive.errors import DataError
from derive.evaluate import COLUMNWISE_FROM, evaluate, evaluate_column
from derive.linalg import Column
from derive.notation import I, N, Mean, Sigma, column
from derive.parse import parse, parse_names
from derive.problems.fit import fit
from derive.problems.normal_equation import normal_equation
from derive.problems.regression import linear_regression
from derive.problems.regression_numbers import ELIDE_ABOVE, SHOWN_ENDS
from derive.render import render

x, y = column("x"), column("y")
w, b = sp.symbols("w b")


def decimals(rng: random.Random, n: int, digits: int = 2, spread: int = 10**5) -> list[str]:
    return [format(Decimal(rng.randint(-spread, spread)).scaleb(-digits), "f") for _ in range(n)]


def csv_text(xs, ys) -> bytes:
    return ("x,y\n" + "".join(f"{a},{c}\n" for a, c in zip(xs, ys))).encode()


def random_data(seed: int, n: int) -> Dataset:
    """Decimal text with two decimals, y roughly linear in x."""
    rng = random.Random(seed)
    xs = [Fraction(rng.randint(0, 99999), 100) for _ in range(n)]
    ys = [3 * v + 5 + Fraction(rng.randint(-1000, 1000), 100) for v in xs]
    return parse_csv(csv_text([f"{float(v):.2f}" for v in xs], [f"{float(v):.2f}" for v in ys]), f"random{seed}.csv")


def fractions(col) -> list[Fraction]:
    return [Fraction(int(v.p), int(v.q)) for v in col]


# -- the fast CSV reader reads exactly what parse_number reads ---------------------------------------------
def test_fast_column_agrees_with_parse_number_on_random_tokens():
    """Every token the fast path accepts has the value parse_number gives it; every token parse_number
    refuses, the fast path refuses too (the csv path then reports it)."""
    rng = random.Random(7)
    accepted = 0
    for _ in range(20000):
        cell = "".join(rng.choice("0123456789.+-" if rng.random() < 0.5 else "0123456789.")
                       for _ in range(rng.randint(0, 6))) + ("\r" if rng.random() < 0.1 else "")
        try:
            want = parse_number(cell)
        except ValueError:
            want = None
        for cells in ([cell, cell], [cell, "1"], [cell, "-2.5"]):
            col = _fast_column(cells)
            if want is None:
                assert col is None, cells
            elif col is not None:
                accepted += 1
                assert list(col) == [want] + [parse_number(c) for c in cells[1:]], cells
    assert accepted > 1000


def plain_cell(rng: random.Random) -> str:
    """A valid plain decimal: sign, digits (up to 13), an optional point and decimals (up to 6)."""
    text = rng.choice(["", "-", "+"]) + str(rng.randint(0, 10 ** rng.randint(0, 12)))
    if rng.random() < 0.7:
        text += "." + (str(rng.randint(0, 10 ** rng.randint(0, 5))).zfill(rng.randint(0, 6)) if rng.random() < 0.8 else "")
    return "." + str(rng.randint(0, 999)) if rng.random() < 0.05 else text


@pytest.mark.parametrize("seed", range(4))
def test_vectorised_reader_agrees_with_the_csv_path(seed, monkeypatch):
    """Random plain files, read in slices of a few bytes: the same exact values as cell-by-cell reading;
    a file with a bad cell is left to the csv path, which reports it."""
    monkeypatch.setattr(data_module, "_CHUNK", 7 + 50 * seed)
    rng = random.Random(seed)
    taken = 0
    for _ in range(60):
        k, n = rng.randint(2, 4), rng.randint(1, 300)
        rows = [[plain_cell(rng) for _ in range(k)] for _ in range(n)]
        if rng.random() < 0.3:
            rows[rng.randrange(n)][rng.randrange(k)] = rng.choice(["", "-", ".", "1.2.3", ".-5", "5-", "1e3", " 4"])
        end = rng.choice(["\n", "\r\n"])
        body = "".join(",".join(r) + end for r in rows)
        try:
            want = [tuple(parse_number(r[j]) for r in rows) for j in range(k)]
        except ValueError:
            want = None
        got = data_module._vectorised_columns(body.rstrip("\r\n").encode(), k)
        if got is not None:
            taken += 1
            assert want is not None and got[1] == n and got[0] == want
        header = ",".join(f"c{j}" for j in range(k)) + end
        if want is None:
            with pytest.raises(DataError, match="row"):
                parse_csv((header + body).encode(), "t.csv", all_columns=True)
        else:
            assert list(parse_csv((header + body).encode(), "t.csv", all_columns=True).columns.values()) == want
    assert taken > 20


@pytest.mark.parametrize("text", [
    "x,y\n1.25,3\n-.5,+4.\n7,0.125\n",          # mixed decimals, signs, bare points
    "x,y\r\n1.5,2.25\r\n3.5,4.75\r\n",          # CRLF line ends
    "x,y\n1,2\n3,4\n\n\n",                       # trailing blank lines
    "x,y\n1e3,2.5E-2\n-0.4E-04,7\n",             # exponents (csv path)
    "x,y\n 1.5 , 2\n3, 4 \n",                    # spaces (csv path)
    '"x","y"\n"1.5",2\n3,4\n',                   # quotes (csv path)
    "x,y\n\n1,2\n\n3,4\n",                       # blank lines between rows (csv path)
])
def test_both_csv_paths_give_the_same_exact_values(text):
    ds = parse_csv(text.encode(), "t.csv")
    lines = [line for line in text.replace("\r", "").split("\n")[1:] if line.strip()]
    cells = [[c.strip().strip('"') for c in line.split(",")] for line in lines]
    assert ds.columns["x"] == tuple(parse_number(r[0]) for r in cells)
    assert ds.columns["y"] == tuple(parse_number(r[1]) for r in cells)


@pytest.mark.parametrize("text, piece", [
    ("x,y\n1,2\n3,.-5\n", "row 2 (line 3), column 'y': '.-5' is not a number"),
    ("x,y\n1,2\n1.2.3,4\n", "row 2 (line 3), column 'x': '1.2.3' is not a number"),
    ("x,y\n1,2\n3,\n", "row 2 (line 3), column 'y': is empty"),
    ("x,y\n1,2\n3,4,5\n", "row 2 (line 3) has 3 cells"),
    ("x,y\n1,2\n3,1_000\n", "'1_000' is not a number"),
])
def test_a_bad_cell_in_a_plain_file_is_reported_by_row_and_column(text, piece):
    with pytest.raises(DataError, match=piece.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        parse_csv(text.encode(), "t.csv")


def test_a_long_file_reads_exactly():
    rng = random.Random(3)
    n = 5000
    xs, ys = decimals(rng, n), decimals(rng, n, digits=3)
    ds = parse_csv(csv_text(xs, ys), "long.csv")
    assert ds.n == n
    assert fractions(ds.columns["x"]) == [Fraction(v) for v in xs]
    assert fractions(ds.columns["y"]) == [Fraction(v) for v in ys]


# -- columns --------------------------------------------------------------------------------------------
def test_column_reads_as_a_tuple_of_rationals():
    col = Column([125, -5, 300], 100)
    assert col == (sp.Rational(5, 4), sp.Rational(-1, 20), 3) and list(col) == [sp.Rational(5, 4), -sp.Rational(1, 20), 3]
    assert col[1:] == Column([-1, 60], 20) and col[-1] == 3
    assert Column.of((sp.Rational(1, 3), 2, Fraction(1, 2))).den == 6
    assert col.floats() == [1.25, -0.05, 3.0] and col.total() == Fraction(21, 5)


def test_cells_are_found_again_by_identity_only():
    col = Column(list(range(-50, 50)), 7)
    cells = col.cells
    assert Column.find(list(cells)) is col and Column.find(cells) is col
    other = list(cells)
    other[40] = Fraction(other[40].numerator, other[40].denominator)  # equal value, another object
    assert Column.find(other) is None


def test_power_sums_and_gram_agree_with_fractions():
    rng = random.Random(5)
    cols = [Column([rng.randint(-999, 999) for _ in range(300)], d) for d in (1, 10, 1000)]
    plain = [[Fraction(v, c.den) for v in c.nums] for c in cols]
    assert linalg.gram(cols) == linalg.gram(plain)
    assert linalg.moment(cols[:2], cols[2]) == linalg.moment(plain[:2], plain[2])
    assert linalg.power_sum([(cols[0], 2), (cols[1], 1)]) == sum(a * a * c for a, c in zip(plain[0], plain[1]))


@pytest.mark.parametrize("den", [1, 7, 10**6, 2**53 + 1, 10**400])
def test_floats_of_a_column_are_correctly_rounded(den):
    """The numpy cross-check sees exactly the floats float(Fraction) gives (±inf beyond float64)."""
    import numpy as np

    from derive.lstsq_check import _decode, _encode, _float_array

    def sent(np, values):  # as the helper process sees a column: encoded, through JSON, decoded
        return _decode(np, json.loads(json.dumps(_encode(values))))

    rng = random.Random(den % 1000)
    nums = [rng.choice([-1, 1]) * rng.randint(0, 2 ** rng.choice([10, 52, 53, 60, 1100])) for _ in range(200)]
    col = Column(nums, den)
    want = []
    for v in nums:
        try:
            want.append(float(Fraction(v, den)))
        except OverflowError:
            want.append(float("inf") if v > 0 else float("-inf"))
    assert col.floats() == want
    assert _float_array(np, col).tolist() == want == sent(np, col).tolist()
    small = Column([v % 2**50 for v in nums], den)
    assert _float_array(np, small).tolist() == [float(Fraction(v, den)) for v in small.nums] == sent(np, small).tolist()


def test_dependent_column_found_with_its_combination():
    ones, t = Column([1] * 50), Column(list(range(50)), 2)
    assert linalg.first_dependent_column([ones, t, t.scaled(3).add_constant(Fraction(1, 3))]) == \
        (2, {0: Fraction(1, 3), 1: Fraction(3)})
    assert linalg.first_dependent_column([ones, t, t.power(2)]) is None


# -- column-wise sums equal row-by-row sums -------------------------------------------------------------------
EXPRESSIONS = [
    Sigma(x[I]),
    Sigma((x[I] - Mean(x)) * (y[I] - Mean(y))),
    Sigma((w * x[I] + b - y[I]) ** 2) / (2 * N),
    Sigma(x[I] ** 3 * y[I] - I * x[I]),
    Sigma(1 / x[I]),  # not a polynomial in the data: computed row by row
    Sigma(Sigma(x[I]) * y[I]),
    Mean(x) * Mean(y) - Mean(x * y),
    2 * Sigma(sp.UnevaluatedExpr(sp.Rational(3, 7)) * x[I] ** 2) / N,
]


@pytest.mark.parametrize("expr", EXPRESSIONS)
@pytest.mark.parametrize("form", ["cells", "fractions", "column"])
def test_columnwise_sums_equal_rowwise(expr, form):
    rng = random.Random(11)
    n = 3 * COLUMNWISE_FROM
    xs = Column([rng.choice([-1, 1]) * rng.randint(1, 10**6) for _ in range(n)], 1000)
    ys = Column([rng.randint(-10**6, 10**6) for _ in range(n)], 7)
    bind = {"cells": lambda c: list(c.cells), "fractions": lambda c: [Fraction(v, c.den) for v in c.nums],
            "column": lambda c: c}[form]
    env = {N: n, x: bind(xs), y: bind(ys), w: Fraction(3, 4), b: -1}
    got = evaluate(expr, env)
    rows = {k: (Fraction(xs.nums[k - 1], xs.den), Fraction(ys.nums[k - 1], ys.den)) for k in range(1, n + 1)}
    xbar, ybar = sum(v for v, _ in rows.values()) / n, sum(v for _, v in rows.values()) / n
    reference = {
        0: sum(v for v, _ in rows.values()),
        1: sum((u - xbar) * (v - ybar) for u, v in rows.values()),
        2: sum((Fraction(3, 4) * u - 1 - v) ** 2 for u, v in rows.values()) / (2 * n),
        3: sum(u ** 3 * v - k * u for k, (u, v) in rows.items()),
        4: sum(1 / u for u, _ in rows.values()),
        5: sum(xbar * n * v for _, v in rows.values()),
        6: xbar * ybar - sum(u * v for u, v in rows.values()) / n,
        7: 2 * Fraction(3, 7) * sum(u * u for u, _ in rows.values()) / n,
    }[EXPRESSIONS.index(expr)]
    assert got == reference


def test_evaluate_column_of_a_model_term():
    xs = Column(list(range(1, 41)), 4)
    got = evaluate_column(x[I] ** 2 - 3 * x[I] + I, {x: xs}, 40)
    assert isinstance(got, Column)
    assert [Fraction(v, got.den) for v in got.nums] == [Fraction(k, 4) ** 2 - 3 * Fraction(k, 4) + k for k in range(1, 41)]


# -- the derivations on thousands of rows -----------------------------------------------------------------
def exact_line(xs: list[Fraction], ys: list[Fraction]) -> tuple[Fraction, Fraction]:
    n = len(xs)
    xbar, ybar = sum(xs) / n, sum(ys) / n
    w_ = sum((u - xbar) * (v - ybar) for u, v in zip(xs, ys)) / sum((u - xbar) ** 2 for u in xs)
    return w_, ybar - w_ * xbar


@pytest.fixture(scope="module")
def big():
    return random_data(1, 3000)


@pytest.fixture(scope="module")
def big_line(big):
    return linear_regression(big)


def test_linear_regression_on_thousands_of_rows_is_exact(big, big_line):
    xs, ys = fractions(big.columns["x"]), fractions(big.columns["y"])
    w_, b_ = exact_line(xs, ys)
    assert [r.exact for r in big_line.results] == [sp.Rational(w_.numerator, w_.denominator),
                                                   sp.Rational(b_.numerator, b_.denominator)]
    assert_verified(big_line)
    assert all(c.passed for c in big_line.checks)


def test_long_table_is_elided_with_exact_totals(big, big_line):
    (table,) = [s.table for s in big_line.sections if s.table is not None]
    n = big.n
    assert (len(table.rows), table.head, table.elided) == (2 * SHOWN_ENDS, SHOWN_ENDS, n - 2 * SHOWN_ENDS)
    xs, ys = fractions(big.columns["x"]), fractions(big.columns["y"])
    xbar, ybar = sum(xs) / n, sum(ys) / n
    totals = [sum(xs), sum(ys), 0, 0, sum((u - xbar) * (v - ybar) for u, v in zip(xs, ys)),
              sum((u - xbar) ** 2 for u in xs)]
    assert [Fraction(int(t.p), int(t.q)) for t in table.totals] == totals
    assert table.rows[-1][0] == big.columns["x"][n - 1] and table.rows[0][1] == big.columns["y"][0]
    intro = "".join(p for p in big_line.sections[[s.table for s in big_line.sections].index(table)].intro
                    if isinstance(p, str))
    assert f"the {n - 2 * SHOWN_ENDS} rows in between are elided" in intro


@pytest.mark.parametrize("fmt, gap", [("terminal", "⋮"), ("markdown", r"$\vdots$"), ("latex", r"$\vdots$")])
def test_elided_rows_are_marked_and_numbered(big_line, big, fmt, gap):
    text = render(big_line, fmt)
    assert gap in text
    assert str(big.n) in text and str(big.n - SHOWN_ENDS + 1) in text


@pytest.mark.parametrize("n, elided", [(3, 0), (ELIDE_ABOVE, 0), (ELIDE_ABOVE + 1, ELIDE_ABOVE + 1 - 2 * SHOWN_ENDS)])
def test_short_tables_are_not_elided(n, elided):
    d = linear_regression(random_data(2, n))
    (table,) = [s.table for s in d.sections if s.table is not None]
    assert (len(table.rows), table.elided) == (n - elided, elided)
    assert ("⋮" in render(d, "terminal")) == bool(elided)


def test_fit_on_thousands_of_rows_is_exact():
    ds = random_data(3, 2000)
    d = fit(ds, parse("a*x^2 + b*x + c"), parse_names("a,b,c"), y="y")
    xs, ys = fractions(ds.columns["x"]), fractions(ds.columns["y"])
    X = sp.Matrix([[sp.Rational(v) ** 2, sp.Rational(v), 1] for v in xs])
    Y = sp.Matrix([sp.Rational(v) for v in ys])
    expect = (X.T * X).LUsolve(X.T * Y)
    assert [r.exact for r in d.results] == list(expect)
    assert all(c.passed for c in d.checks)


def test_fit_with_a_reciprocal_term_falls_back_row_by_row():
    rng = random.Random(4)
    n = 2 * COLUMNWISE_FROM
    xs = [Fraction(rng.randint(1, 999), rng.choice([1, 3, 7, 10])) for _ in range(n)]
    ys = [Fraction(rng.randint(-999, 999), 10) for _ in range(n)]
    ds = Dataset(name="recip", columns={"x": tuple(xs), "y": tuple(ys)}, x="x", y="y", description="", source="")
    d = fit(ds, parse("a/x + c"), parse_names("a,c"), y="y")
    X = sp.Matrix([[1 / sp.Rational(v), 1] for v in xs])
    Y = sp.Matrix([sp.Rational(v) for v in ys])
    assert [r.exact for r in d.results] == list((X.T * X).LUsolve(X.T * Y))


def test_normal_equation_on_hundreds_of_rows_is_exact_and_shortened():
    ds = random_data(5, 400)
    d = normal_equation(ds)
    w_, b_ = exact_line(fractions(ds.columns["x"]), fractions(ds.columns["y"]))
    assert [r.exact for r in d.results] == [sp.Rational(b_.numerator, b_.denominator),
                                            sp.Rational(w_.numerator, w_.denominator)]
    (table,) = [s.table for s in d.sections if s.table is not None]
    assert table.elided == 400 - 2 * SHOWN_ENDS
    # no explicit n × 2 matrix anywhere: every matrix in the worked example is 2 × 2 or 2 × 1
    shapes = {m.shape for s in d.steps() for e in (s.before, s.after) for m in sp.preorder_traversal(e)
              if isinstance(m, sp.MatrixBase)}
    assert shapes <= {(2, 2), (2, 1)}


@pytest.mark.parametrize("build", [linear_regression, lambda ds: fit(ds, parse("w*x + b"), parse_names("w,b"), y="y")])
def test_the_derivation_does_not_grow_with_the_data(build):
    """Memory grows with n only through the data: the derivation has the same number of sympy nodes
    (and the same number of table rows) for 50 rows and for 1000 (for normal_equation, see the test
    above: no matrix in it has n rows)."""
    def size(d):
        nodes = sum(1 for s in d.steps() for e in (s.before, s.after) for _ in sp.preorder_traversal(e))
        rows = sum(len(s.table.rows) for s in d.sections if s.table is not None)
        return nodes, rows
    assert size(build(random_data(8, 50))) == size(build(random_data(9, 1000)))

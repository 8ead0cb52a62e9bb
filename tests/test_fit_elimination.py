"""derive fit with four or more parameters and with long models: Gauss–Jordan elimination as verified
row-operation steps, the prediction ŷ_i kept in the stationarity conditions of a long model, formulas
in prose as math, the response column named in the introduction.

The data, names and models are generated (see test_fit.py); every matrix the elimination starts from
and every value it ends with is compared with one built here from the basis functions with sympy.
"""
import random
import re
from fractions import Fraction

import pytest
import sympy as sp

from derive import linalg
from derive.data import Dataset
from derive.errors import VerificationError
from derive.notation import I, column
from derive.parse import parse, parse_names
from derive.problems.fit import fit
from derive.problems.normal_equation import normal_equation
from derive.render import render
from derive.rules import Rule
from derive.steps import Builder, Step, prose_parts
from helpers import make_dataset, pdflatex
from test_fit import AVOID, design, distinct_values, full_rank_case, random_names, random_rational

YHAT = column("yhat")


def section(d, title):
    return next(s for s in d.sections if s.title == title)


def sides(eq: sp.Equality) -> sp.Matrix:
    """lhs − rhs of an equation between explicit matrices (or a zero matrix), as one explicit matrix."""
    return (sp.Matrix(eq.lhs.doit()) - sp.Matrix(eq.rhs.as_explicit())).applyfunc(sp.expand)


# -- 1. Gauss–Jordan elimination for p ≥ 4 ------------------------------------------------------------------
@pytest.mark.parametrize("seed, kind, p, intercept, ridge", [
    (41, "features", 4, True, None), (42, "mixed", 5, False, None), (43, "poly", 4, False, None),
    (44, "features", 6, True, None), (45, "mixed", 4, True, Fraction(3, 7)), (46, "poly", 5, False, Fraction(2)),
])
def test_four_or_more_parameters_are_solved_by_verified_row_operations(seed, kind, p, intercept, ridge):
    ds, model, params, basis, scale, y = full_rank_case(seed, kind, p, intercept)
    lam = None if ridge is None else sp.Rational(ridge.numerator, ridge.denominator)
    d = fit(ds, parse(model), parse_names(",".join(params)), y=y, ridge=lam)
    X = design(ds, params, basis, scale)
    A = X.T * X + (lam or 0) * sp.eye(p)
    b = X.T * sp.Matrix(ds.columns[y])
    expect = list(A.LUsolve(b))
    theta = sp.Matrix(parse_names(",".join(params)))

    steps = section(d, "Solving by elimination").steps
    assert [s.rule for s in steps] == [Rule.ROW_OPERATIONS] * p  # one step per pivot column
    first = steps[0].before  # [A | b] (θ; −1) = 0, which is A θ = b
    assert sp.Matrix(first.lhs.args[0]) == A.row_join(b)
    assert sp.Matrix(first.lhs.args[1]) == theta.col_join(sp.Matrix([-1])) and sides(first) == A * theta - b
    previous = first
    for k, s in enumerate(steps):
        assert s.verified and s.check.method == "exact-matrices"
        assert s.before == previous  # each step starts where the last one ended
        E = sp.Matrix(s.factor)
        assert E.det() != 0
        assert sp.Matrix(s.after.lhs.args[0]) == E * sp.Matrix(s.before.lhs.args[0])  # after = E · before
        shown = s.substeps[0]  # E is shown as a detail of its step
        assert shown.rule is Rule.DEFINE and sp.Matrix(shown.after) == E
        # Gauss–Jordan: the pivot columns so far are columns of the identity
        assert sp.Matrix(s.after.lhs.args[0])[:, :k + 1] == sp.eye(p)[:, :k + 1]
        previous = s.after
    assert sp.Matrix(previous.lhs.args[0]) == sp.eye(p).row_join(sp.Matrix(expect))  # [I | β]
    assert [r.exact for r in d.results] == expect
    assert all(c.passed for c in d.checks)


def test_up_to_three_parameters_still_solve_by_substitution():
    ds, model, params, *_ , y = full_rank_case(47, "features", 3, True)
    d = fit(ds, parse(model), parse_names(",".join(params)), y=y)
    assert any(s.title == "Solving by substitution" for s in d.sections)
    assert not any(s.rule is Rule.ROW_OPERATIONS for s in d.steps())


def random_system(rng, p):
    A = sp.Matrix(p, p, lambda *_: sp.Rational(rng.randint(-9, 9), rng.randint(1, 4)))
    while A.det() == 0:
        A[rng.randrange(p), rng.randrange(p)] += 1
    return A, sp.Matrix(p, 1, lambda *_: sp.Rational(rng.randint(-20, 20), rng.randint(1, 3)))


@pytest.mark.parametrize("seed", range(8))
def test_a_wrong_row_operation_step_is_caught(seed):
    rng = random.Random(seed)
    p = rng.randint(2, 5)
    A, b = random_system(rng, p)
    theta = sp.ImmutableMatrix(sp.symbols(f"t1:{p + 1}"))
    E = sp.ImmutableMatrix(p, p, lambda *_: sp.Rational(rng.randint(-5, 5), rng.randint(1, 3)))
    while E.det() == 0:
        E = E + sp.eye(p)

    def system(M, v):  # [M | v] (θ; −1) = 0
        augmented = sp.ImmutableMatrix(sp.Matrix(M).row_join(sp.Matrix(v)))
        return sp.Eq(sp.MatMul(augmented, sp.ImmutableMatrix([*theta, -1]), evaluate=False), sp.ZeroMatrix(p, 1),
                     evaluate=False)

    def check(after, factor):
        B = Builder("t", "t")
        B.section("s")
        return B.add(Step(Rule.ROW_OPERATIONS, system(A, b), after, factor=factor))

    assert check(system(E * A, E * b), E).verified
    wrong = sp.Matrix(E * b)
    wrong[rng.randrange(p)] += sp.Rational(1, rng.randint(1, 9))
    singular = sp.Matrix(E)
    singular[rng.randrange(p), :] = sp.zeros(1, p)  # a row operation that cannot be undone
    symbolic = sp.Matrix(E)
    symbolic[0, 0] = theta[0]
    for after, factor in [(system(E * A, wrong), E),  # a wrong number
                          (system(singular * A, singular * b), sp.ImmutableMatrix(singular)),
                          (system(symbolic * A, symbolic * b), sp.ImmutableMatrix(symbolic)),
                          (system(E * A, E * b), sp.ImmutableMatrix(sp.eye(p + 1))),  # wrong size
                          (system(E * A, E * b), sp.S.One)]:  # no matrix at all
        with pytest.raises(VerificationError):
            check(after, factor)


@pytest.mark.parametrize("seed", range(20))
def test_gauss_jordan_on_random_systems_with_zero_pivots(seed):
    rng = random.Random(seed)
    p = rng.randint(1, 6)
    A, b = random_system(rng, p)
    if p > 1 and rng.random() < 0.7:  # a zero pivot that needs a row swap
        A = sp.Matrix([[0, 1] + [0] * (p - 2), [1, 0] + [0] * (p - 2)] + [A.row(k) for k in range(2, p)])
        if A.det() == 0:
            A[2:, 2:] = sp.eye(p - 2)
    F = lambda v: Fraction(int(v.p), int(v.q))  # noqa: E731
    steps = linalg.gauss_jordan([[F(v) for v in A.row(k)] for k in range(p)], [F(v) for v in b])
    M = A.row_join(b)
    for E, after in steps:
        E, after = sp.Matrix(E), sp.Matrix(after)
        assert E.det() != 0 and E * M == after
        M = after
    assert M[:, :p] == sp.eye(p) and M[:, p] == A.LUsolve(b)
    with pytest.raises(linalg.Singular):
        linalg.gauss_jordan([[Fraction(1), Fraction(2)], [Fraction(2), Fraction(4)]], [Fraction(1), Fraction(1)])


# -- 2. a long model keeps ŷ_i --------------------------------------------------------------------------------
def long_names_case(seed, p=4):
    """A p-parameter linear model on columns with long random names (the fit of issue 4's example)."""
    rng = random.Random(seed)
    cols = []
    while len(cols) < p:
        name = "".join(rng.choice("abcdefghklmnoprstuvwz") for _ in range(rng.randint(6, 9)))
        if name not in cols and name not in AVOID:
            cols.append(name)
    features, y = cols[:p - 1], cols[p - 1]
    params = random_names(rng, p, set(cols))
    n = rng.randint(p + 2, p + 8)
    data = {c: distinct_values(rng, n) for c in features}
    data[y] = [random_rational(rng) for _ in range(n)]
    columns = {c: tuple(sp.Rational(v.numerator, v.denominator) for v in vs) for c, vs in data.items()}
    ds = Dataset(name=f"long{seed}", columns=columns, x=features[0], y=y, description="random", source="tests")
    model = " + ".join(f"{q}*{c}" for q, c in zip(params, features)) + f" + {params[-1]}"
    return ds, model, params, y


@pytest.mark.parametrize("seed", range(3))
def test_long_model_conditions_use_the_prediction(seed):
    ds, model, params, y = long_names_case(seed)
    d = fit(ds, parse(model), parse_names(",".join(params)), y=y)
    conditions = [s for s in section(d, "Setting the gradient to zero").steps if s.rule is Rule.FIRST_ORDER_CONDITION]
    assert len(conditions) == len(params)
    features = [column(c) for c in ds.columns if c != y]
    for s in conditions:
        assert s.after.has(YHAT[I])
        assert sum(s.after.has(f) for f in features) <= 1  # at most its own design column, never the model
    assert [r.exact for r in d.results] == list(sp.Matrix([[*[ds.columns[c][i] for c in ds.columns if c != y], 1]
                                                           for i in range(ds.n)]).solve_least_squares(
        sp.Matrix(ds.columns[y])))


def test_short_model_conditions_spell_the_model_out():
    ds = make_dataset([0, 2, 4, 5], [30, 40, 50, 61])
    d = fit(ds, parse("s*x + b"), parse_names("s,b"), y="y")
    conditions = [s for s in d.steps() if s.rule is Rule.FIRST_ORDER_CONDITION]
    assert conditions and not any(s.after.has(YHAT[I]) for s in conditions)


def test_a_wrong_design_column_in_the_prediction_chain_is_caught():
    """The verifier expands ŷ_i by its definition: the chain rule with a wrong ∂ŷ_i/∂a fails."""
    ds, model, params, y = long_names_case(7)
    d = fit(ds, parse(model), parse_names(",".join(params)), y=y)
    chain = next(s for s in d.steps() if s.rule is Rule.CHAIN and s.before.has(YHAT[I]))
    first = column(next(c for c in ds.columns if c != y))[I]
    B = Builder("t", "t")
    B.section("s")
    B.define(YHAT[I], d.sections[0].steps[0].after)
    B.add(Step(Rule.CHAIN, chain.before, chain.after))  # as derived: passes
    with pytest.raises(VerificationError):
        B.add(Step(Rule.CHAIN, chain.before, chain.after.xreplace({first: 2 * first})))


def overfull(log: str, tex: str) -> dict:
    """Section title -> the overfull boxes (pt) TeX reported in it."""
    starts = [(k + 1, m.group(1)) for k, line in enumerate(tex.splitlines())
              for m in [re.match(r"\\section\*\{(.*)\}", line)] if m]
    found: dict = {}
    for pt, line in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\) [^\n]*?lines? (\d+)", log):
        title = [t for start, t in starts if start <= int(line)][-1] if starts and starts[0][0] <= int(line) else ""
        found.setdefault(title, []).append(float(pt))
    return found


@pytest.mark.parametrize("seed", [0, 5])
def test_long_model_stationarity_fits_the_line_in_latex(seed, tmp_path):
    ds, model, params, y = long_names_case(seed)
    d = fit(ds, parse(model), parse_names(",".join(params)), y=y)
    tex = render(d, "latex")
    code, log = pdflatex(tex, tmp_path)
    assert code == 0, log[-2000:]
    boxes = overfull(log, tex)
    for title in ("Setting the gradient to zero", "Solving by elimination", "Cross-check"):
        assert title not in boxes, (title, boxes)


# -- 3. formulas in prose are math ----------------------------------------------------------------------------
SPELLED = re.compile(r"transpos|\btheta\b|\bbeta\b|\blambda\b|\b1/n\b|\bn/2\b|ᵀ|⁻¹|Σ|\bX beta\b|\btimes X\b")


def prose_strings(d):
    for sec in d.sections:
        for part in (sec.title, *prose_parts(sec.intro), *prose_parts(sec.outro)):
            if isinstance(part, str):
                yield part
    for s in d.steps():
        yield s.note


def derivations():
    rng = random.Random(3)
    ds4, model4, params4, y4 = long_names_case(11)
    xs = distinct_values(rng, 40)
    long_data = make_dataset(xs, [random_rational(rng) for _ in xs])
    return [
        fit(make_dataset([0, 2, 4, 5], [30, 40, 50, 61]), parse("s*x + b"), parse_names("s,b"), y="y"),
        fit(make_dataset([0, 1, 2, 4], [1, 3, 2, 7]), parse("a*x^2 + b*x + c"), parse_names("a,b,c"), y="y",
            ridge=sp.Rational(1, 2)),
        fit(ds4, parse(model4), parse_names(",".join(params4)), y=y4),
        fit(ds4, parse(model4), parse_names(",".join(params4)), y=y4, ridge=sp.Rational(5)),
        normal_equation(),
        normal_equation(make_dataset([0, 2, 4], [30, 40, 50])),
        normal_equation(long_data),
    ]


def test_no_formula_is_spelled_out_in_words():
    for d in derivations():
        for text in prose_strings(d):
            assert not SPELLED.search(text), (d.title, text)


def test_the_normal_equations_are_named_as_math():
    ds4, model4, params4, y4 = long_names_case(12)
    for ridge in (None, sp.Rational(1, 3)):
        d = fit(ds4, parse(model4), parse_names(",".join(params4)), y=y4, ridge=ridge)
        math = [p for p in prose_parts(section(d, "The normal equations").intro) if not isinstance(p, str)]
        assert any(isinstance(p, sp.Equality) and p.has(sp.MatrixSymbol) for p in math)
        assert any(isinstance(p, sp.Equality) and p.has(sp.Identity) for p in math) == (ridge is not None)


# -- 4. the response column is named -----------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_intro_names_the_response_column_and_why(seed):
    rng = random.Random(seed)
    x, other, custom = random_names(rng, 3, set(AVOID) | {"y", "w", "b"})
    xs = distinct_values(rng, 6)
    values = lambda: tuple(sp.Rational(v.numerator, v.denominator) for v in distinct_values(rng, 6))  # noqa: E731
    xcol = tuple(sp.Rational(v.numerator, v.denominator) for v in xs)
    model, params = parse(f"w*{x} + b"), parse_names("w,b")
    cases = [  # (columns in file order, dataset y, --y, the column used, the reason given)
        ({x: xcol, "y": values(), other: values()}, "y", None, "y", "(by default: the column named y)"),
        ({x: xcol, other: values(), custom: values()}, custom, None, custom, "(by default: the last column)"),
        ({x: xcol, custom: values(), other: values()}, other, custom, custom, None),
    ]
    for columns, ds_y, asked, used, why in cases:
        ds = Dataset(name="d", columns=columns, x=x, y=ds_y, description="random", source="tests")
        intro = prose_parts(section(fit(ds, model, params, y=asked), "Model and loss").intro)
        text = "".join(p for p in intro if isinstance(p, str))
        assert column(used)[I] in intro
        assert f"the column {used} of d" in text
        assert ("by default" not in text) if why is None else (why in text), text

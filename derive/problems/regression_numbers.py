"""The worked example and the cross-checks of simple linear regression.

Every number here is exact: each data column is a :class:`~derive.linalg.Column` (integers over a
power of ten, from the decimal text), their sums are taken once in integer arithmetic, and the few numbers
that are printed become sympy Rationals. Numbers shown as they are substituted are wrapped in
:func:`shown` so that they print as written; the verifier unwraps them and checks each substitution
against the symbolic formula evaluated on the data.

A table of more than :data:`ELIDE_ABOVE` rows shows its first and last :data:`SHOWN_ENDS` rows;
its totals are always over every row.
"""
from __future__ import annotations

from fractions import Fraction
from itertools import repeat
from operator import mul

import sympy as sp

from .. import background, lstsq_check
from ..errors import DataError, VerificationError
from ..linalg import Column
from ..notation import I, N, Mean
from ..render.printer import unicode
from ..rules import Rule
from ..steps import CrossCheck, Step, Table

ELIDE_ABOVE = 20  # a data table with more rows shows only its first and last SHOWN_ENDS rows
SHOWN_ENDS = 5
NUMPY_CHECK = lstsq_check.NAME
# NOTE: up to this many rows the data goes to the helper process (derive.background); beyond, writing
# it out costs more than importing numpy here
HELPER_ROWS = 20_000


def shown(value) -> sp.UnevaluatedExpr:
    """A number displayed as it stands in a substitution (not merged with its neighbours)."""
    return sp.UnevaluatedExpr(sp.Rational(value))


def require_spread(dataset, xs) -> None:
    """The slope is undefined unless the x values differ; say so in terms of the formula."""
    if len(xs) < 2:
        raise DataError(f"{dataset.name}: {'only one row' if len(xs) == 1 else 'no rows'}; "
                        f"a line needs at least 2 rows of data")
    nums = Column.of(xs).nums
    if min(nums) == max(nums):
        raise DataError(
            f"{dataset.name}: every x value equals {sp.sstr(xs[0])}, so Σ(x_i − x̄)² = 0 and the slope is "
            f"undefined; use data with at least two different x values")


def rows_shown(n: int) -> tuple[list[int], int, int]:
    """(the 0-based rows a table shows, how many come before the gap, how many rows are elided).

    >>> rows_shown(3)
    ([0, 1, 2], 0, 0)
    >>> rows_shown(1000)[1:]
    (5, 990)
    """
    if n <= ELIDE_ABOVE:
        return list(range(n)), 0, 0
    return list(range(SHOWN_ENDS)) + list(range(n - SHOWN_ENDS, n)), SHOWN_ENDS, n - 2 * SHOWN_ENDS


def elision_note(n: int) -> str:
    """The sentence that says which rows a shortened table shows ("" when it shows them all)."""
    _, head, elided = rows_shown(n)
    if not elided:
        return ""
    return (f" The table shows the first {head} and the last {n - head - elided} of the {n} rows; the {elided} "
            "rows in between are elided, and the totals in its last row are over all the rows.")


def power_sum(prob, a: int, c: int) -> Fraction:
    """Σ x_i^a y_i^c on the data of ``prob``, in integer arithmetic, remembered on ``prob``.

    NOTE: the worked example's own arithmetic, independent of the verifier (which evaluates the
    steps with derive.evaluate).
    """
    sums = prob.__dict__.setdefault("power_sums", {})
    if (a, c) not in sums:
        xs, ys = prob.columns[prob.x], prob.columns[prob.y]
        xa = None if not a else xs.nums if a == 1 else list(map(pow, xs.nums, repeat(a)))
        yc = None if not c else ys.nums if c == 1 else list(map(pow, ys.nums, repeat(c)))
        total = sum(map(mul, xa, yc)) if a and c else sum(xa) if a else sum(yc) if c else len(xs)
        sums[a, c] = Fraction(total, xs.den ** a * ys.den ** c)
    return sums[a, c]


def _r(value: Fraction) -> sp.Rational:
    return sp.Rational(value.numerator, value.denominator)


def _sentence(text: str) -> str:
    """A dataset description as a sentence: capital first letter, final full stop."""
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:] + "."


def gradient_check(steps: list[Step]) -> CrossCheck:
    """The first-order conditions at the solution, from the verdicts of the steps that evaluated them."""
    ok = bool(steps) and all(s.verified and s.after == 0 for s in steps)
    return CrossCheck("gradient at the optimum", ok,
                      f"{_all_of(len(steps))} evaluate{'s' if len(steps) == 1 else ''} to exactly 0 at the solution "
                      "(steps above)"
                      if ok else "a partial derivative is not 0 at the solution")


def _all_of(count: int) -> str:
    """The partial derivative, both partial derivatives, all 3 partial derivatives."""
    return {1: "the partial derivative", 2: "both partial derivatives"}.get(count, f"all {count} partial derivatives")


def _evaluate(prob, before: sp.Basic, after: sp.Basic, note: str = "") -> sp.Basic:
    return prob.B.add(Step(Rule.EVALUATE, before, after, note=note)).after


def _compute(prob, before: sp.Basic) -> sp.Basic:
    """Carry out the arithmetic of a substituted expression (or equation)."""
    after = before.doit() if not isinstance(before, sp.Equality) else sp.Eq(before.lhs, before.rhs.doit(), evaluate=False)
    return prob.B.add(Step(Rule.ARITHMETIC, before, after)).after


def worked_example(prob, cov_w: Step, b_eq: Step) -> dict:
    B, x, y, w, b = prob.B, prob.x, prob.y, prob.w, prob.b
    xs, ys = prob.columns[x], prob.columns[y]
    n = len(xs)
    ds = prob.dataset
    B.section(f"Worked example: {ds.name}",
              (f"{_sentence(ds.description)} There are ", sp.Eq(N, n, evaluate=False),
               " rows. All arithmetic below is exact; decimals are shown where they terminate." + elision_note(n)))
    # NOTE: one pass of integer arithmetic per sum; the centred totals follow from them exactly
    # (Σ(x_i − x̄)(y_i − ȳ) = Σx_i y_i − n x̄ ȳ), so no per-row value is built beyond the rows shown.
    sx, sy, sum_xx, sum_xy = (power_sum(prob, a, c) for a, c in ((1, 0), (0, 1), (2, 0), (1, 1)))
    xbar_f, ybar_f = sx / n, sy / n
    xbar, ybar = _r(xbar_f), _r(ybar_f)
    for col, total in ((x, sx), (y, sy)):
        shown_mean = _evaluate(prob, Mean(col), shown(_r(total)) / shown(n))
        _compute(prob, shown_mean)
    cols = (x[I], y[I], x[I] - Mean(x), y[I] - Mean(y), (x[I] - Mean(x)) * (y[I] - Mean(y)), (x[I] - Mean(x)) ** 2)
    shown_rows, head, elided = rows_shown(n)
    rows = []
    for k in shown_rows:
        xi, yi = xs.fraction(k), ys.fraction(k)
        dx, dy = xi - xbar_f, yi - ybar_f
        rows.append(tuple(_r(v) for v in (xi, yi, dx, dy, dx * dy, dx * dx)))
    totals = tuple(_r(v) for v in (sx, sy, sx - n * xbar_f, sy - n * ybar_f, sum_xy - n * xbar_f * ybar_f,
                                   sum_xx - n * xbar_f * xbar_f))
    B.table(Table(cols, tuple(rows), totals, elided=elided, head=head))
    sxy = _evaluate(prob, prob.cxy.before, shown(totals[4]), note="the total of the fifth column")
    sxx = _evaluate(prob, prob.cxx.before, shown(totals[5]), note="the total of the last column")
    w_value = totals[4] / totals[5]
    shown_w = _evaluate(prob, cov_w.after, sp.Eq(w, sxy / sxx, evaluate=False))
    w_exact = _compute(prob, shown_w).rhs
    B.data = {**B.data, w: w_exact}
    shown_b = _evaluate(prob, b_eq.after, sp.Eq(b, shown(ybar) - shown(w_exact) * shown(xbar), evaluate=False))
    b_exact = _compute(prob, shown_b).rhs
    assert w_exact == w_value
    line = sp.Eq(prob.yhat[I], prob.model, evaluate=False)
    B.add(Step(Rule.EQ_SUBSTITUTE, line, sp.Eq(prob.yhat[I], prob.model.xreplace({w: w_exact, b: b_exact}),
                                              evaluate=False),
               premises=(B.last(2), B.last(0)), note="the fitted line"))
    return {w: w_exact, b: b_exact}


def cross_checks(prob, values: dict) -> list[CrossCheck]:
    B, w, b = prob.B, prob.w, prob.b
    B.section("Cross-check",
              "The first-order conditions are checked at the solution with exact arithmetic, and the solution "
              "is compared with an independent floating-point least-squares solver.")
    B.data = {**B.data, w: values[w], b: values[b]}
    at = {w: values[w], b: values[b]}
    zero = [B.add(Step(Rule.EVALUATE, g.xreplace(at), sp.S.Zero, note="the partial derivative at the solution"))
            for g in prob.gradient]
    checks = [gradient_check(zero)]
    xs, ys = prob.columns[prob.x], prob.columns[prob.y]
    checks.append(_numpy_check_design([xs, Column.constant(1, len(xs))], ys, values, (w, b)))
    det = prob.hessian_det
    det_value = _evaluate(prob, det, shown(_on_data(prob, det)), note="the determinant of the Hessian on the data")
    checks.append(CrossCheck("Hessian positive definite", bool(det_value.doit() > 0),
                             f"det H = {unicode(det_value.doit())} > 0 and the diagonal is positive"))
    checks.append(B.steps_check())
    for c in checks:
        # NOTE: the exact checks bind; the float64 comparison is reported as it came out, since float64
        # can legitimately lose every digit on data that is ill-conditioned or too large for it.
        if not c.passed and c.name != NUMPY_CHECK:
            raise VerificationError(None, f"cross-check '{c.name}' failed: {c.detail}")
    return checks


def _on_data(prob, expr: sp.Basic) -> sp.Rational:
    """Evaluate a Σ-expression on the data with plain exact arithmetic (independent of the verifier).

    NOTE: the means are expanded, n is put in, and each Σ (innermost first) has its term expanded by
    sympy into a polynomial in x_i and y_i; Σ c x_i^a y_i^b is then c times a power sum of the
    columns, taken here with Python integers. No per-row expression is ever built.
    """
    from ..notation import expand_means

    x, y = prob.x, prob.y
    n = len(prob.columns[x])

    def total(s: sp.Sum) -> sp.Basic:
        (var, lo, hi), = s.limits
        if (var, lo, hi) != (I, 1, n):
            raise ValueError(f"unexpected limits of {s}")
        poly = sp.Poly(s.function, x[I], y[I])
        return sp.Add(*[coeff * _r(power_sum(prob, a, c)) for (a, c), coeff in poly.terms()])

    e = expand_means(expr).xreplace({N: sp.Integer(n)})
    e = e.replace(lambda t: isinstance(t, sp.Sum), total)
    return sp.nsimplify(e) if not e.is_Rational else e


def _numpy_check_design(columns, ys, values: dict, params) -> CrossCheck:
    """numpy.linalg.lstsq on the design ``columns`` against the exact solution ``values``
    (:mod:`derive.lstsq_check`), in the helper process when the command started one
    (:mod:`derive.background`), else here; the text is the same either way."""
    names = [unicode(p) if isinstance(p, sp.Basic) else str(p) for p in params]
    exact = [float(values[p]) for p in params]
    if background.running() and len(ys) <= HELPER_ROWS:
        data = lstsq_check.payload(columns, ys, exact, names)
        name, passed, detail = background.call("derive.lstsq_check", "check", data)
    else:
        name, passed, detail = lstsq_check.check_columns(columns, ys, exact, names)
    return CrossCheck(name, passed, detail)


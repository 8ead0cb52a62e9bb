"""Simple linear regression: from the loss to the closed form, then the numbers.

``linear_regression(dataset)`` builds the whole derivation of the least-squares line
ŷ_i = w x_i + b: the loss, both partial derivatives with the chain rule shown, the stationarity
equations solved by substitution, the closed form in sum, covariance and mean form, the
second-order check, and the worked example on the data with its cross-checks.

Example:
    >>> from derive.data import load_dataset
    >>> d = linear_regression(load_dataset("baby"), params=("s", "b"))
    >>> [str(r.exact) for r in d.results]
    ['5', '30']
"""
from __future__ import annotations

import sympy as sp
from sympy.core.parameters import distribute

from ..algebra import equations as eqs
from ..algebra import sums
from ..algebra.diff import Differentiator, derivative_chain
from ..errors import OptionError
from ..linalg import Column
from ..notation import I, IDENTIFIER, N, RESERVED, Mean, Sigma, column, parameter, row_indexed
from ..render.printer import unicode
from ..rules import Rule
from ..steps import Builder, Derivation, Result, Step
from . import regression_numbers as numbers

# loss name -> (factor c in L = c Σ e_i², description)
LOSSES = {
    "mse": (1 / N, "mean squared error", "L(w, b) = (1/n) Σ e_i²"),
    "half-mse": (1 / (2 * N), "half mean squared error", "L(w, b) = 1/(2n) Σ e_i²"),
    "sse": (sp.S.One, "sum of squared errors", "L(w, b) = Σ e_i²"),
    "half-sse": (sp.S.Half, "half sum of squared errors", "L(w, b) = ½ Σ e_i²"),
}


def check_params(params, taken=()) -> tuple[str, str]:
    """Validate the two parameter names (slope first); raise OptionError with the fix."""
    if len(params) != 2:
        raise OptionError(f"--params: expected two names, slope first (e.g. w,b), got {len(params)}")
    for p in params:
        if not IDENTIFIER.match(p):
            raise OptionError(f"--params: '{p}' is not a name; use letters, digits and one '_' (e.g. beta_1)")
        if p in RESERVED or p in taken:
            raise OptionError(f"--params: '{p}' is already used in the formulas; choose another name")
        if row_indexed(p):
            raise OptionError(f"--params: {row_indexed(p)}")
    if params[0] == params[1]:
        raise OptionError(f"--params: the two names must differ, got '{params[0]}' twice")
    return params[0], params[1]


def linear_regression(dataset, *, loss: str = "mse", params=("w", "b"), digits: int = 6) -> Derivation:
    """Derive the least-squares line for ``dataset`` (see the module docstring)."""
    if loss not in LOSSES:
        raise OptionError(f"--loss: unknown loss '{loss}'; choose one of {', '.join(LOSSES)}")
    xs_name, ys_name = getattr(dataset, "x_symbol", "x"), getattr(dataset, "y_symbol", "y")
    slope, icept = check_params(tuple(params), taken={xs_name, ys_name, xs_name + "hat", ys_name + "hat", "e", "L"})
    with distribute(False):
        return _Regression(dataset, loss, slope, icept, xs_name, ys_name, digits).build()


class _Regression:
    def __init__(self, dataset, loss, slope, icept, xname, yname, digits):
        self.dataset, self.loss, self.digits = dataset, loss, digits
        self.c, self.loss_text, _ = LOSSES[loss]
        self.w, self.b = parameter(slope), parameter(icept)
        self.x, self.y = column(xname), column(yname)
        self.yhat, self.e = column(yname + "hat"), column("e")
        self.L = sp.Function("L")(self.w, self.b)
        xs, ys = (Column.of(c) for c in dataset.xy())
        numbers.require_spread(dataset, xs)
        self.columns = {self.x: xs, self.y: ys}  # the exact data, for the arithmetic of the worked example
        self.data = {N: sp.Integer(len(xs)), self.x: xs.binding(), self.y: ys.binding()}
        self.B = Builder("linear-regression", f"Least-squares line: {dataset.name}", data=self.data)
        self.diff = Differentiator()

    # -- the derivation ----------------------------------------------------------------------------
    def build(self) -> Derivation:
        self.model_and_loss()
        gw = self.partial(self.w)
        gb = self.partial(self.b)
        self.gradient = (gw, gb)
        cond_w, cond_b = self.conditions(gw, gb)
        b_eq = self.solve_intercept(cond_b)
        w_eq = self.solve_slope(cond_w, b_eq)
        cov_w, mean_w = self.forms(w_eq)
        self.second_order()
        values = numbers.worked_example(self, cov_w, b_eq)
        checks = numbers.cross_checks(self, values)
        results = [Result(self.w, values[self.w]), Result(self.b, values[self.b])]
        meta = {"loss": self.loss, "params": [str(self.w), str(self.b)], "dataset": self.dataset.name,
                "n": len(self.data[self.x])}
        return self.B.build(results, checks, meta)

    def model_and_loss(self):
        B, x, y, w, b = self.B, self.x, self.y, self.w, self.b
        B.section("Model and loss",
                  ("We fit a straight line to ", N, f" data points by minimising the {self.loss_text}. "
                   "The slope is ", w, " and the intercept is ", b, "."))
        self.model = w * x[I] + b
        B.define(self.yhat[I], self.model, "the model's prediction for example i")
        B.define(self.e[I], self.yhat[I] - y[I], "the residual, prediction minus target")
        B.define(self.L, self.c * Sigma(self.e[I] ** 2), f"the loss, the {self.loss_text}")
        self.loss_expr = self.c * Sigma((w * x[I] + b - y[I]) ** 2)
        B.add(Step(Rule.SUBSTITUTE_DEFINITION, self.L, self.loss_expr, note="substitute the residual and the model"))

    def partial(self, var) -> sp.Basic:
        B = self.B
        B.section(("Partial derivative with respect to ", var),
                  "Differentiate the loss; the other parameter is held constant.")
        start = sp.Derivative(self.L, var)
        current = B.add(Step(Rule.SUBSTITUTE_DEFINITION, start, sp.Derivative(self.loss_expr, var))).after
        for step in derivative_chain(current, self.diff):
            current = B.add(step).after
        tidy = sums.factor_out(current)
        if tidy is not None:
            current = B.add(tidy).after
        B.outro(_interpretation(var is self.w, var))
        return current

    def conditions(self, gw, gb):
        B = self.B
        B.section("Setting the gradient to zero",
                  "At the minimum the loss is flat in every direction, so both partial derivatives vanish.")
        cw = B.add(eqs.condition(gw, 0, sp.Derivative(self.L, self.w)), label=True)
        cb = B.add(eqs.condition(gb, 0, sp.Derivative(self.L, self.b)), label=True)
        return cw, cb

    def _run(self, eq, steps):
        """Add the steps that are not None, each starting from the previous result."""
        for make in steps:
            step = make(eq)
            if step is not None:
                eq = self.B.add(step).after
        return eq

    def solve_intercept(self, cond_b) -> Step:
        B, b = self.B, self.b
        B.section(("Solving for the intercept ", b), f"Start from equation ({cond_b.label}).")
        eq = cond_b.after
        factor = 1 / _leading_constant(eq.lhs)
        eq = B.add(eqs.multiply(eq, factor, note="the constant factor is not zero")).after
        eq = self._run(eq, [sums.expand_terms, sums.split, sums.factor_out, sums.constant_sums])
        eq = B.add(eqs.isolate(eq, b)).after
        eq = B.add(sums.to_means(eq, [self.x[I], self.y[I]])).after
        return B.add(eqs.expand(eq), label=True)

    def solve_slope(self, cond_w, b_eq) -> Step:
        B, w, x = self.B, self.w, self.x
        B.section(("Solving for the slope ", w),
                  (f"Start from equation ({cond_w.label}) and eliminate ", self.b, f" with equation ({b_eq.label})."))
        eq = cond_w.after
        eq = B.add(eqs.multiply(eq, 1 / _leading_constant(eq.lhs), note="the constant factor is not zero")).after
        eq = self._run(eq, [sums.expand_terms, sums.split, sums.factor_out])
        eq = B.add(eqs.substitute(eq, b_eq)).after
        eq = self._run(eq, [lambda e: sums.to_means(e, [x[I]]), eqs.expand, lambda e: eqs.collect(e, w)])
        note = f"valid when the coefficient of {unicode(w)} is not zero; see the second-order check"
        return B.add(eqs.isolate(eq, w, note=note), label=True)

    def forms(self, w_eq):
        B, x, y = self.B, self.x, self.y
        B.section("The closed form in three forms",
                  "Two identities about centred sums turn the result into the covariance form; "
                  "dividing by n gives the mean form.")
        self.cxy = self.centred_identity(x, y)
        self.cxx = self.centred_identity(x, x)
        cov = B.add(Step(Rule.CENTRED, w_eq.after,
                         sp.Eq(self.w, self.cxy.before / self.cxx.before, evaluate=False),
                         premises=(self.cxy, self.cxx), note="the covariance form"), label=True)
        num, den = sp.fraction(w_eq.after.rhs)
        mean_form = sp.Mul(_per_n(num), sp.Pow(_per_n(den), -1))
        mean = B.add(Step(Rule.MEAN, w_eq.after, sp.Eq(self.w, mean_form, evaluate=False),
                          note="the mean form, with numerator and denominator divided by n"), label=True)
        return cov, mean

    def centred_identity(self, u, v) -> Step:
        """Σ(u_i − ū)(v_i − v̄) = Σu_i v_i − n ū v̄ as a chain of verified steps; returns the summary."""
        B = self.B
        start = Sigma((u[I] - Mean(u)) * (v[I] - Mean(v)))
        current = start
        for make in (sums.expand_terms, sums.split, sums.factor_out, sums.constant_sums,
                     lambda e: sums.to_means(e, [u[I], v[I]])):
            step = make(current)
            if step is not None:
                current = B.add(step).after
        tidy = sp.expand(current)
        if tidy != current:
            current = B.add(Step(Rule.SIMPLIFY, current, tidy)).after
        summary = Step(Rule.CENTRED, start, current, note="the identity, from the steps above")
        return B.add(summary, label=True)

    def second_order(self):
        B, w, b, L = self.B, self.w, self.b, self.L
        B.section("Second-order check", "The Hessian tells whether the stationary point is a minimum.")
        gw, gb = self.gradient
        entries = [[gw.diff(w), gw.diff(b)], [gb.diff(w), gb.diff(b)]]
        H = sp.Matrix([[_tidy_sum(e) for e in row] for row in entries])
        names = sp.Matrix([[sp.Derivative(L, w, 2), sp.Derivative(L, w, b)],
                           [sp.Derivative(L, b, w), sp.Derivative(L, b, 2)]])
        Hname = sp.MatrixSymbol("H", 2, 2)
        B.define(Hname, names, "the Hessian, the matrix of second partial derivatives")
        B.add(Step(Rule.HESSIAN, Hname, H))
        # NOTE: the 2×2 determinant by its formula; sympy's general det (fraction-free elimination with
        # its simplification pass) took about 10 ms on first use in a derivation, for the same polynomial
        det = B.add(Step(Rule.DETERMINANT, sp.Determinant(Hname), sp.expand(H[0, 0] * H[1, 1] - H[0, 1] * H[1, 0]))).after
        det = B.add(sums.to_means(det, [self.x[I]])).after
        # NOTE: both are a·Σx_i² + c·x̄² with the same ratio; the ratio of the x̄² terms gives it without
        # sympy's cancel (12 ms on first use), and the step below checks it
        xbar2 = Mean(self.x) ** 2
        c = self.cxx.after.coeff(xbar2)
        k = det.coeff(xbar2) / c if c != 0 else sp.cancel(det / self.cxx.after)
        self.hessian_det = B.add(Step(Rule.CENTRED, det, k * self.cxx.before, premises=(self.cxx,))).after
        B.outro(("The diagonal entry for ", b, " is positive and the determinant is positive unless all the inputs are "
                 "equal, so the Hessian is positive definite: the stationary point is the unique minimum."))


def _leading_constant(expr: sp.Basic) -> sp.Basic:
    """The factor in front of the sums of a gradient such as (2/n) Σ(...)."""
    const, _ = expr.as_independent(sp.Sum, as_Add=False)
    return const


def _per_n(expr: sp.Basic) -> sp.Basic:
    """Divide by n, writing every Σ t_i as n t̄."""
    step = sums.to_means(expr)
    return sp.expand((step.after if step else expr) / N)


def _tidy_sum(expr: sp.Basic) -> sp.Basic:
    current = expr
    for make in (sums.expand_terms, sums.split, sums.factor_out, sums.constant_sums):
        s = make(current)
        current = s.after if s is not None else current
    return current


def _interpretation(is_slope: bool, var: sp.Symbol) -> tuple:
    if is_slope:
        return ("Interpretation: each residual is weighted by its input. If the line overshoots where "
                "the input is large, the sum is positive and ", var, " should decrease.")
    return ("Interpretation: this is proportional to the mean residual. If the predictions are too high on "
            "average, it is positive and ", var, " should decrease, shifting every prediction down.")

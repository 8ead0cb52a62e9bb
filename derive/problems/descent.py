"""Gradient descent, derived and worked: the update rule from the gradient, the first steps with
the numbers plugged in, the iteration table, the learning-rate analysis and the convergence run.

``gradient_descent(objective, theta0, settings)`` builds the derivation for a loss on data
(:func:`~derive.problems.objective.regression_objective`, :func:`~.objective.model_objective`) or
for a function (:class:`~.objective.Function`). The numbers come from the iteration engine
(:mod:`derive.optim`); every number shown in a worked step is recomputed there by sympy from the
formula before it and verified, and each worked step must land where the engine's next iterate is.

The other parts live beside this module: descent_optimizers (the vector form, momentum, AdaGrad,
RMSprop, Adam), descent_rate (the learning-rate analysis and line searches) and
descent_convergence (the convergence run, the cross-checks, the figures).

Example (seed 004, question 6):
    >>> from fractions import Fraction as F
    >>> from derive.data import load_dataset
    >>> from derive.optim import Settings
    >>> from derive.problems.objective import regression_objective
    >>> obj = regression_objective(load_dataset("baby"), "half-sse", ("s", "b"))
    >>> d = gradient_descent(obj, [F(1), F(0)], Settings(lr=F(1, 100), steps=1))
    >>> [str(r.exact) for r in d.results]
    ['18/5', '57/50']
"""
from __future__ import annotations

import sympy as sp
from sympy.core.parameters import distribute

from ..algebra import sums
from ..algebra.diff import Differentiator, derivative_chain
from ..algebra.elimination import _simplest
from ..errors import OptionError, VerificationError
from ..notation import I, N, Grad, Norm, Sigma
from ..optim import History, Settings, run
from ..render.numbers import rounded_float
from ..rules import Rule
from ..steps import Builder, Derivation, Result, Step, Table
from . import descent_convergence, descent_optimizers, descent_rate
from .descent_common import (ETA, VALUE_DIGITS, as_shown, finite, frac, is_readable, method_name, new_name,
                             plural, point_text, r)
from .regression_numbers import shown

SHOW_MAX = 5  # worked steps
TERMS_WRITTEN_UP_TO = 6  # rows for which a data sum is written out term by term
TABLE_ROWS = 30  # iterations tabulated in full; a longer table shows its first and last rows
ENGINE_RELATIVE = 1e-9  # a worked step in floating point against the engine's float64 iterate
FLOAT_DIGITS = 15  # the digits a float64 value is shown with at most


def gradient_descent(obj, theta0, settings: Settings, *, show: int = 2, digits: int = 6, max_iter: int = 100_000,
                     compare: bool = False, figures: bool = True, lr_given: bool = True) -> Derivation:
    """Derive and work gradient descent on ``obj`` from ``theta0`` (see the module docstring).

    ``lr_given`` False says that derive chose the learning rate (see descent_rate.default_lr).
    """
    with distribute(False):
        d = _Descent(obj, [frac(v) for v in theta0], settings, show, digits, max_iter, compare, figures)
        d.lr_given = lr_given
        return d.build()


class _Descent:
    def __init__(self, obj, theta0, s: Settings, show, digits, max_iter, compare, figures):
        self.obj, self.theta0, self.s = obj, theta0, s
        self.show, self.digits, self.max_iter = min(show, SHOW_MAX, s.steps), digits, max_iter
        self.compare, self.figures = compare, figures
        self.params = obj.params
        what = getattr(obj, "dataset", None)
        title = ("Gradient descent: ", what.name) if what is not None else ("Gradient descent on ", sp.Eq(obj.L, obj.expr, evaluate=False))
        self.B = Builder("gradient-descent", title, data=dict(obj.data))
        self.diff = Differentiator()
        self.opt_state: dict = {}
        self.extra_checks: list = []
        self.stats_rows = "none"  # the batch whose data sums were last written out
        self._evaluate_rule = Rule.EVALUATE if obj.kind == "data" else Rule.AT_POINT

    # -- the derivation --------------------------------------------------------------------------------
    def build(self) -> Derivation:
        s = self.s
        self.history: History = run(self.obj, self.theta0, s)
        self._refuse_outside_domain()
        self.define()
        self.grads = [self.partial(p) for p in self.params]
        self.update_rule()
        for it in self.history.iterates[: self.show]:
            if it.lr is None:  # the run stopped here (diverged, left the domain, line search failed)
                break
            self.worked(it)
        self.table()
        if self.compare:
            descent_optimizers.compare_optimizers(self)
        rate = descent_rate.learning_rate(self)
        conv = descent_convergence.convergence(self)
        if self.figures:
            descent_convergence.add_figures(self, conv)
        checks = descent_convergence.checks(self, conv) + self.extra_checks
        checks.append(self.B.steps_check())
        last = self.history.last
        results = [Result(p, r(v) if not isinstance(v, float) else sp.Float(v, 15)) for p, v in zip(self.params, last.theta)]
        meta = {"params": [str(p) for p in self.params], "lr": sp.sstr(r(s.lr)), "optimizer": s.optimizer,
                "batch": s.batch, "line_search": s.line_search, "steps": len(self.history.iterates) - 1,
                "stop": self.history.stop, "exact_until": self.history.switched_at,
                "history": [self._history_row(it) for it in self.history.iterates],
                "learning_rate": rate, "convergence": conv.summary,
                # NOTE: the result is the last tabulated iterate, not the optimum of the convergence run above
                "results_title": f"Parameters after {plural(last.k, 'step')}"}
        if self.history.reason:
            meta["stop_reason"] = self.history.reason
        return self.B.build(results, checks, meta)

    def _refuse_outside_domain(self) -> None:
        first = self.history.iterates[0]
        if finite(first.loss) and all(finite(g) for g in first.grad):
            return
        what = "f or its gradient" if self.obj.kind == "function" else "the loss or its gradient"
        start = ", ".join(sp.sstr(r(v)) for v in self.theta0)
        raise OptionError(f"--init {start}: {what} is not defined (or not finite) at the starting point; start "
                          "inside the domain")

    def _history_row(self, it) -> dict:
        row = {"k": it.k, "params": {str(p): float(v) for p, v in zip(self.params, it.theta)},
               "loss": float(it.loss), "grad_norm": it.grad_norm, "exact": it.exact}
        if it.exact:
            row["exact_params"] = {str(p): sp.sstr(r(v)) for p, v in zip(self.params, it.theta)}
        if it.rows is not None:
            row["batch"] = [k + 1 for k in it.rows]
        return row

    # -- model, loss, gradient ------------------------------------------------------------------------------
    def define(self):
        B, obj = self.B, self.obj
        if obj.kind == "function":
            B.section("The function", ("Gradient descent looks for a minimum of f by stepping against its gradient.",))
            B.define(obj.L, obj.expr)
            return
        names: list = []
        for k, p in enumerate(self.params):
            names += ([", "] if k else []) + [p]
        B.section("Model and loss", ("The parameters are ",) + tuple(names) + (f"; the loss is the {obj.loss_text}, "
                                                                              "computed on ", N, " rows of data."))
        yhat = sp.IndexedBase(obj.Y.label.name + "hat", real=True)
        B.define(yhat[I], obj.model_i, "the model's prediction for row i")
        B.define(obj.L, obj.c * Sigma((yhat[I] - obj.Y[I]) ** 2), f"the loss: {obj.loss_text}")
        B.add(Step(Rule.SUBSTITUTE_DEFINITION, obj.L, obj.loss_expr, note="substitute the model"))

    def partial(self, p) -> sp.Basic:
        B, obj = self.B, self.obj
        B.section(("Partial derivative with respect to ", p), "Every other parameter is held constant."
                  if len(self.params) > 1 else "")
        current = B.add(Step(Rule.SUBSTITUTE_DEFINITION, sp.Derivative(obj.L, p), sp.Derivative(obj.loss_expr, p))).after
        for step in derivative_chain(current, self.diff):
            current = B.add(step).after
        if obj.kind == "function":
            simpler = _simplest(current)
            if simpler != current:
                current = B.add(Step(Rule.SIMPLIFY, current, simpler)).after
            return current
        tidy = sums.factor_out(current)
        if tidy is not None:
            current = B.add(tidy).after
        if obj.quadratic:
            for step in sums.linearity(current):
                current = B.add(step).after
            B.outro("The sums depend only on the data: computed once, they give the gradient at any point.")
        return current

    def update_rule(self):
        B, obj = self.B, self.obj
        half = obj.kind == "data" and obj.loss_name.startswith("half")
        B.section("The update rule",
                  ("Step against the gradient, the direction of steepest descent, with the learning rate ", ETA,
                   ". Each parameter moves by ", ETA, " times its partial derivative; all are updated together, "
                   "from the same current values."))
        for p, g in zip(self.params, self.grads):
            rule = B.add(Step(Rule.GD_UPDATE, new_name(p), p - ETA * sp.Derivative(obj.L, p)))
            B.definitions[new_name(p)] = rule.after
            B.add(Step(Rule.SUBSTITUTE_DEFINITION, rule.after, p - ETA * g, note="the partial derivative above"))
        if half:
            B.outro("The factor ½ in the loss cancels the 2 that the power rule brings down, so the gradient has no "
                    "factor 2 (the half-loss convention).")
        if obj.kind == "data" and obj.quadratic:
            descent_optimizers.vector_form(self)
        elif obj.kind == "function" and len(self.params) > 1:
            B.outro("The last line is the same update in vector form: the point moves against the gradient vector.")
            B.add(Step(Rule.GD_UPDATE, sp.Matrix([new_name(p) for p in self.params]),
                       sp.Matrix(self.params) - ETA * sp.Matrix(self.grads)))
        if self.s.optimizer != "gd":
            B.section(method_name(self.s)[:1].upper() + method_name(self.s)[1:],
                      "This run replaces the plain step by this update rule, applied to each parameter θ with its "
                      "partial derivative g.")
            descent_optimizers.show_formulas(self, self.s.optimizer)

    # -- worked steps ------------------------------------------------------------------------------------
    # NOTE: a worked step shows exact numbers while they are readable (optim.readable) and numbers
    # rounded to --digits otherwise. A rounded number is only shown: the value carried to the next
    # line is always the exact one (or, once the run is in floating point, the value to 30 digits),
    # and every rounded number is checked to its last digit (see verify._approx).
    def disp(self, v) -> sp.Basic:
        """A number as shown inside a formula: an exact readable rational as written, else rounded."""
        if is_readable(v):
            return shown(v)
        return sp.UnevaluatedExpr(rounded_float(v, self.digits))

    def settle(self, before, value, rule: Rule, note: str = "") -> sp.Basic:
        """Add ``before = value`` (or ``before ≈ value`` rounded) for the true ``value``; returns ``value``."""
        if not before.has(sp.Float) and is_readable(value):
            self.B.add(Step(rule, before, as_shown(value), note=note))
        else:
            self.B.add(Step(Rule.APPROXIMATE, before, rounded_float(value, self.digits), note=note))
        return value

    def worked(self, it):
        B, obj = self.B, self.obj
        point = tuple(r(v) for v in it.theta)
        B.section((f"Step {it.k + 1}: from ",) + point_text(self.params, point, self.digits), self._batch_intro(it))
        data = obj.batch_data(it.rows)
        B.data = {**data, **dict(zip(self.params, point))}
        g = self._gradient(it, data, point)
        new = self._update(it, g, point)
        self._loss_change(it, point, new)

    def _batch_intro(self, it) -> tuple:
        if it.rows is None:
            return ("The gradient uses every row of the data.",) if self.obj.kind == "data" else ""
        rows = ", ".join(str(k + 1) for k in it.rows)
        kind = (f"a stochastic gradient descent step on one row (row {rows})" if len(it.rows) == 1
                else f"a mini-batch step on {len(it.rows)} rows (rows {rows})")
        return (f"This is {kind}: in the formulas ", sp.Eq(N, len(it.rows), evaluate=False),
                " and the sums run over the batch only.")

    def _statistics(self, data) -> dict:
        """Each Σ of the gradient evaluated on the batch, written out term by term for few rows."""
        B = self.B
        atoms = sorted({a for g in self.grads for a in g.atoms(sp.Sum)}, key=sp.default_sort_key)
        values = {}
        n = int(data[N])
        for a in atoms:
            terms = [_term_value(a.function, data, i) for i in range(1, n + 1)] if n <= TERMS_WRITTEN_UP_TO else None
            total = sum(terms, sp.S.Zero) if terms is not None else value_at(a, data)
            if terms and 1 < n and all(is_readable(t) for t in terms):
                written = sp.Add(*[shown(t) for t in terms], evaluate=False)
                B.add(Step(Rule.EVALUATE, a, written, note="the data, row by row"))
                self.settle(written, total, Rule.ARITHMETIC)
            else:
                self.settle(a, total, Rule.EVALUATE)
            values[a] = total
        return values

    def _gradient(self, it, data, point) -> list:
        """The gradient the step uses, each component a verified step; its true values."""
        B, obj = self.B, self.obj
        stats = {}
        if obj.kind == "data" and obj.quadratic and it.exact:
            if self.stats_rows != it.rows:
                self.stats = self._statistics(data)
                self.stats_rows = it.rows
            stats = self.stats
        out = []
        for p, g, expected in zip(self.params, self.grads, self._step_gradient(it)):
            name = sp.Derivative(obj.L, p)
            true = r(expected) if it.exact else value_at(g, B.data)
            if it.exact and (stats or obj.kind == "function"):
                subs = {**{a: self.disp(v) for a, v in stats.items()}, **{q: self.disp(v) for q, v in zip(self.params, point)}}
                if obj.kind == "data":
                    subs[N] = shown(int(data[N]))
                plugged = in_order(g, subs)
                B.add(Step(Rule.APPROXIMATE if plugged.has(sp.Float) else self._evaluate_rule, name, plugged,
                           note="at the current point"))
                self.settle(plugged, true, Rule.ARITHMETIC)
            else:
                note = "at the current point" + ("" if it.exact else ", whose coordinates are floating-point numbers")
                self.settle(name, true, self._evaluate_rule, note=note)
            out.append(true)
        return out

    def _step_gradient(self, it):
        """The gradient the step uses (the batch gradient for SGD), as the engine computed it."""
        obj = self.obj
        return obj.grad(list(it.theta), it.rows, it.exact) if it.rows is not None else list(it.grad)

    def _update(self, it, g, point) -> tuple:
        B, s = self.B, self.s
        if s.optimizer != "gd":
            return descent_optimizers.optimizer_step(self, it, g, point)
        lr = r(it.lr)
        B.data = {**B.data, ETA: lr}
        new = []
        for p, old, gj in zip(self.params, point, g):
            written = sp.Add(self.disp(old), sp.Mul(-1, self.disp(lr), self.disp(gj), evaluate=False), evaluate=False)
            B.add(Step(Rule.APPROXIMATE if written.has(sp.Float) else self._evaluate_rule, new_name(p), written,
                       note="the update rule at the current point"))
            new.append(self.settle(written, old - lr * gj, Rule.ARITHMETIC))
        self.check_engine(it, new)
        return tuple(new)

    def check_engine(self, it, new) -> None:
        """The worked step lands where the engine's next iterate is: exactly, or in floating point to
        ENGINE_RELATIVE (the engine runs in float64, the worked step to 30 digits)."""
        nxt = self.history.iterates[it.k + 1] if it.k + 1 < len(self.history.iterates) else None
        if nxt is None or not finite(nxt.loss):  # the run stopped there: nothing to compare with
            return
        for a, b in zip(new, nxt.theta):
            same = (a == r(b)) if nxt.exact and it.exact and a.is_Rational else \
                abs(float(a) - float(b)) <= ENGINE_RELATIVE * max(1.0, abs(float(b)))
            if not same:
                raise VerificationError(None, f"the worked step {it.k + 1} gives {sp.sstr(a)} where the iteration "
                                              f"engine has {b}")

    def _loss_change(self, it, point, new):
        """The loss (or f) before and after the step, on all the data, and whether it went down."""
        B, obj = self.B, self.obj
        B.data = dict(obj.data)
        note = "the loss on all the data" if obj.kind == "data" else "the value at the point"
        values = []
        for q in (point, new):
            if q is new and not finite(_float_loss(obj, q)):
                B.outro(f"The {'loss' if obj.kind == 'data' else 'function'} is not defined (or not finite) at the "
                        "new point: the run stops there.")
                return
            name = obj.L.func(*[self.disp(v) for v in q])
            exact = all(isinstance(v, sp.Rational) for v in q)
            true = _exact_loss(obj, q) if exact else value_at(obj.L.func(*q), B.data, B.definitions)
            values.append(self.settle(name, true, self._evaluate_rule, note=note))
        B.outro(_verdict(values[0], values[1], obj.kind, it.rows is not None))

    # -- the iteration table ----------------------------------------------------------------------------------
    def table(self):
        B, h, s = self.B, self.history, self.s
        k = sp.Symbol("k", integer=True, nonnegative=True)
        cols = tuple(self.params) + (self.obj.L, Norm(Grad(self.obj.L)))
        rows, elided, head = [], 0, 0
        its = h.iterates
        if len(its) > TABLE_ROWS:  # the first and the last steps; the figures show the whole run
            head = TABLE_ROWS // 2
            elided = len(its) - TABLE_ROWS
            its = its[:head] + its[len(its) - (TABLE_ROWS - head):]
        for it in its:
            rows.append(tuple(_cell(v) for v in it.theta) + (_cell(it.loss), _norm(it)))
        B.section("Iterations", _table_intro(h, s, self.digits))
        B.table(Table(cols, tuple(rows), elided=elided, head=head, index=k, first=0))
        losses = [float(it.loss) for it in h.iterates]
        if h.stop == "diverged":
            B.outro("The iterates grew without bound: gradient descent diverged with this learning rate "
                    "(see the learning-rate analysis below).")
        elif len(losses) > 3 and losses[-1] > 10 * losses[0] and losses[-1] > losses[-2] > losses[-3]:
            B.outro("The loss grows from step to step: gradient descent is diverging with this learning rate "
                    "(see the learning-rate analysis below).")
        elif h.stop == "undefined":
            B.outro("The loss is not defined (or not finite) at the last point: the run stopped there.")
        elif h.stop == "line search":
            B.outro(f"The run stopped at the last point: {h.reason}.")


def in_order(expr: sp.Basic, subs: dict) -> sp.Basic:
    """``expr`` with ``subs`` substituted, built unevaluated in the order the printers write ``expr``:
    the numbers appear where the symbols stood (b Σa + s Σa² − Σah becomes 0·6 + 1·20 − 280)."""
    from ..render.forms import positive_first

    if expr in subs:
        return subs[expr]
    if isinstance(expr, sp.Add):
        return sp.Add(*[in_order(t, subs) for t in positive_first(list(expr.as_ordered_terms()))], evaluate=False)
    if isinstance(expr, sp.Mul):
        return sp.Mul(*[in_order(f, subs) for f in expr.as_ordered_factors()], evaluate=False)
    if isinstance(expr, sp.Pow):
        return sp.Pow(in_order(expr.base, subs), in_order(expr.exp, subs), evaluate=False)
    return expr.xreplace(subs)


def value_at(expr, data, defs=None) -> sp.Basic:
    """``expr``'s value on ``data``: exact when it is rational, else to VALUE_DIGITS digits."""
    from ..verify import evaluate_on

    value = evaluate_on(expr, data, defs)
    return value if value.is_Rational else sp.Float(sp.N(value, VALUE_DIGITS), VALUE_DIGITS)


def _term_value(term, data, i):
    """One row's value of a summand, exactly."""
    from ..evaluate import evaluate

    f = evaluate(term, {**data, I: i})
    return sp.Rational(f.numerator, f.denominator)


def _exact_loss(obj, point):
    v = obj.loss([frac(x) for x in point])
    return sp.Rational(v.numerator, v.denominator)


def _float_loss(obj, point) -> float:
    try:
        return obj.loss([float(v) for v in point], exact=False)
    except (OverflowError, ValueError, ZeroDivisionError):
        return float("nan")


def _cell(v) -> sp.Basic:
    """A number of the iteration table: exact, or a float64 value with the 15 digits it carries."""
    return r(v) if not isinstance(v, float) else sp.Float(v, FLOAT_DIGITS)


def _norm(it) -> sp.Basic:
    if it.exact:
        return sp.sqrt(sum(r(g) ** 2 for g in it.grad))
    return sp.Float(it.grad_norm, FLOAT_DIGITS)


def _verdict(old, new, kind: str, batch: bool) -> str:
    what = "loss" if kind == "data" else "value of f"
    if new < old:
        return f"The {what} decreased."
    if new == old:
        return f"The {what} did not change."
    if batch:
        return ("The loss on all the data increased: the step followed the gradient of the batch alone, which "
                "need not point downhill for the whole data.")
    return f"The {what} increased: the step overshot."


def _table_intro(h: History, s: Settings, digits: int) -> str:
    text = f"{plural(len(h.iterates) - 1, 'step')} of {method_name(s)}"
    if h.switched_at is None:
        return text + "; every number is exact (decimals are shown where they terminate)."
    if h.switched_at == 0:
        return text + f", in float64 arithmetic (the values are not rational); shown to {digits} significant digits."
    exact = "Row 0 is exact" if h.switched_at == 1 else f"Rows 0 to {h.switched_at - 1} are exact"
    return (text + f". {exact}; from row {h.switched_at} on the numbers stop being short decimals, so the "
            f"iteration continues in float64, shown to {digits} significant digits.")

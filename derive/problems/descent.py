"""Gradient descent, derived and worked: the update rule from the gradient, the first steps with
the numbers plugged in, the iteration table, the learning-rate analysis and the convergence run.

``gradient_descent(objective, theta0, settings)`` builds the derivation for a loss on data
(:func:`~derive.problems.objective.regression_objective`, :func:`~.objective.model_objective`) or
for a function (:class:`~.objective.Function`). The numbers come from the iteration engine
(:mod:`derive.optim`); every number shown in a worked step is recomputed there by sympy from the
formula before it and verified.

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

from fractions import Fraction

import sympy as sp
from sympy.core.parameters import distribute

from ..algebra import sums
from ..algebra.diff import Differentiator, derivative_chain
from ..algebra.elimination import _simplest
from ..notation import I, N, Grad, Norm, Sigma
from ..optim import History, Settings, run
from ..rules import Rule
from ..steps import Builder, Derivation, Result, Step, Table
from . import descent_analysis as analysis
from ..render.numbers import rounded_float
from .regression_numbers import shown

ETA = sp.Symbol("eta", positive=True)
SHOW_MAX = 5  # worked steps
TERMS_WRITTEN_UP_TO = 6  # rows for which a data sum is written out term by term
TABLE_ROWS = 30  # iterations tabulated in full; a longer table shows its first and last rows


def _r(v) -> sp.Basic:
    """A number of the engine as sympy: Fractions exactly, floats as floats."""
    if isinstance(v, Fraction):
        return sp.Rational(v.numerator, v.denominator)
    return sp.Float(float(v), 17)


def new_name(p: sp.Symbol) -> sp.Symbol:
    """The name of a parameter after the step: wⁿᵉʷ for w."""
    return sp.Symbol(f"{p.name}^new", real=True)


def gradient_descent(obj, theta0, settings: Settings, *, show: int = 2, digits: int = 6, max_iter: int = 100_000,
                     compare: bool = False, figures: bool = True, lr_given: bool = True) -> Derivation:
    """Derive and work gradient descent on ``obj`` from ``theta0`` (see the module docstring).

    ``lr_given`` False says that derive chose the learning rate (see descent_analysis.default_lr).
    """
    with distribute(False):
        d = _Descent(obj, [_frac(v) for v in theta0], settings, show, digits, max_iter, compare, figures)
        d.lr_given = lr_given
        return d.build()


def _frac(v):
    if isinstance(v, Fraction):
        return v
    v = sp.Rational(v)
    return Fraction(int(v.p), int(v.q))


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
        self.stats_rows = "none"  # the batch whose data sums were last written out
        self._evaluate_rule = Rule.EVALUATE if obj.kind == "data" else Rule.AT_POINT

    # -- the derivation --------------------------------------------------------------------------------
    def build(self) -> Derivation:
        s = self.s
        self.history: History = run(self.obj, self.theta0, s)
        self.define()
        self.grads = [self.partial(p) for p in self.params]
        self.update_rule()
        for it in self.history.iterates[: self.show]:
            self.worked(it)
        self.table()
        checks = []
        if self.compare:
            analysis.compare_optimizers(self)
        rate = analysis.learning_rate(self)
        conv = analysis.convergence(self)
        if self.figures:
            analysis.add_figures(self, conv)
        checks += analysis.checks(self, conv)
        checks.append(self.B.steps_check())
        last = self.history.last
        results = [Result(p, _r(v) if isinstance(v, Fraction) else sp.Float(float(v), 15))
                   for p, v in zip(self.params, last.theta)]
        meta = {"params": [str(p) for p in self.params], "lr": sp.sstr(_r(s.lr)), "optimizer": s.optimizer,
                "batch": s.batch, "line_search": s.line_search, "steps": len(self.history.iterates) - 1,
                "stop": self.history.stop, "exact_until": self.history.switched_at,
                "history": [self._history_row(it) for it in self.history.iterates],
                "learning_rate": rate, "convergence": conv.summary}
        return self.B.build(results, checks, meta)

    def _history_row(self, it) -> dict:
        row = {"k": it.k, "params": {str(p): float(v) for p, v in zip(self.params, it.theta)},
               "loss": float(it.loss), "grad_norm": it.grad_norm, "exact": it.exact}
        if it.exact:
            row["exact_params"] = {str(p): sp.sstr(_r(v)) for p, v in zip(self.params, it.theta)}
        if it.rows is not None:
            row["batch"] = [r + 1 for r in it.rows]
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
        half_note = ("The factor ½ in the loss cancels the 2 that the power rule brings down, so the gradient has no "
                     "factor 2 (the half-loss convention).")
        if half:
            B.outro(half_note)
        if obj.kind == "data" and obj.quadratic:
            analysis.vector_form(self)
        elif obj.kind == "function" and len(self.params) > 1:
            B.outro("The last line is the same update in vector form: the point moves against the gradient vector.")
            B.add(Step(Rule.GD_UPDATE, sp.Matrix([new_name(p) for p in self.params]),
                       sp.Matrix(self.params) - ETA * sp.Matrix(self.grads)))
        if self.s.optimizer != "gd":
            B.section(analysis.OPTIMIZER_NAMES[self.s.optimizer].capitalize(),
                      "This run replaces the plain step by this update rule, applied to each parameter θ with its "
                      "partial derivative g.")
            analysis.show_formulas(self, self.s.optimizer)

    # -- worked steps ------------------------------------------------------------------------------------
    # NOTE: a worked step shows exact numbers while they are readable (optim.readable) and numbers
    # rounded to --digits otherwise; a step with a rounded number is an APPROXIMATE step, checked to
    # the precision it shows. The engine's iterates are the reference: each worked step must agree.
    def disp(self, v) -> sp.Basic:
        """A number as shown in a formula: an exact readable rational as written, else rounded."""
        from ..optim import readable

        if isinstance(v, sp.Rational) and readable(_frac(v)):
            return shown(v)
        return sp.UnevaluatedExpr(rounded_float(v, self.digits))

    def settle(self, before, value, rule: Rule, note: str = "") -> sp.Basic:
        """Add ``before = value`` with ``value`` computed from ``before``; returns ``value``."""
        from ..optim import readable

        exact = not before.has(sp.Float) and value.is_number and not value.has(sp.Float)
        if exact and value.is_Rational and readable(_frac(value)):
            self.B.add(Step(rule, before, shown(value) if _terminates(value) else value, note=note))
        else:
            self.B.add(Step(Rule.APPROXIMATE, before, rounded_float(value, self.digits), note=note))
        return value

    def worked(self, it):
        B, obj = self.B, self.obj
        point = tuple(_r(v) for v in it.theta)
        B.section((f"Step {it.k + 1}: from ",) + _point(self.params, point), self._batch_intro(it))
        data = obj.batch_data(it.rows)
        B.data = {**data, **dict(zip(self.params, point))}
        g = self._gradient(it, data, point)
        new = self._update(it, g, point)
        self._loss_change(point, new)

    def _batch_intro(self, it) -> tuple:
        if it.rows is None:
            return ("The gradient uses every row of the data.",) if self.obj.kind == "data" else ""
        rows = ", ".join(str(r + 1) for r in it.rows)
        kind = "stochastic gradient descent: one row" if len(it.rows) == 1 else f"mini-batch of {len(it.rows)} rows"
        return (f"This step is {kind} (row{'s' if len(it.rows) > 1 else ''} {rows}); in the formulas ",
                sp.Eq(N, len(it.rows), evaluate=False), " and the sums run over the batch only.")

    def _statistics(self, data) -> dict:
        """Each Σ of the gradient evaluated on the batch, written out term by term for few rows."""
        B = self.B
        atoms = sorted({a for g in self.grads for a in g.atoms(sp.Sum)}, key=sp.default_sort_key)
        values = {}
        n = int(data[N])
        for a in atoms:
            terms = [_term_value(a.function, data, i) for i in range(1, n + 1)]
            total = sum(terms, sp.S.Zero)
            if 1 < n <= TERMS_WRITTEN_UP_TO:
                written = sp.Add(*[self.disp(t) for t in terms], evaluate=False)
                rule = Rule.APPROXIMATE if written.has(sp.Float) else Rule.EVALUATE  # long decimals are rounded
                B.add(Step(rule, a, written, note="the data, row by row"))
                self.settle(written, total if rule is Rule.EVALUATE else sp.N(written.doit(), 30), Rule.ARITHMETIC)
            else:
                self.settle(a, total, Rule.EVALUATE)
            values[a] = total
        return values

    def _gradient(self, it, data, point) -> list:
        """The gradient the step uses, each component a verified step; its exact or float values."""
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
            if it.exact and (stats or obj.kind == "function"):
                subs = {**{a: self.disp(v) for a, v in stats.items()}, **{q: self.disp(v) for q, v in zip(self.params, point)}}
                if obj.kind == "data":
                    subs[N] = shown(int(data[N]))
                plugged = in_order(g, subs)
                rounded = plugged.has(sp.Float)  # a number too long to show exactly is rounded
                B.add(Step(Rule.APPROXIMATE if rounded else self._evaluate_rule, name, plugged,
                           note="at the current point"))
                value = self.settle(plugged, sp.N(plugged.doit(), 30) if rounded else plugged.doit(), Rule.ARITHMETIC)
                if rounded:  # the exact value carries on; the rounded one was only shown
                    value = _r(expected)
                assert value == _r(expected), f"worked gradient {value} != engine {expected}"
            elif it.exact:
                value = self.settle(name, _r(expected), self._evaluate_rule, note="at the current point")
            else:
                value = _approx(g, B.data, digits=30)
                self.settle(name, value, Rule.APPROXIMATE, note="at the current point, in floating point")
            out.append(value)
        return out

    def _step_gradient(self, it):
        """The gradient the step uses (the batch gradient for SGD), as the engine computed it."""
        obj = self.obj
        return obj.grad(list(it.theta), it.rows, it.exact) if it.rows is not None else list(it.grad)

    def _update(self, it, g, point) -> tuple:
        B, s = self.B, self.s
        lr = _r(it.lr)
        if s.optimizer != "gd":
            return analysis.optimizer_step(self, it, g, point)
        B.data = {**B.data, ETA: lr}
        new = []
        for p, old, gj in zip(self.params, point, g):
            written = sp.Add(self.disp(old), sp.Mul(-1, self.disp(lr), self.disp(gj), evaluate=False), evaluate=False)
            exact = not written.has(sp.Float)
            B.add(Step(self._evaluate_rule if exact else Rule.APPROXIMATE, new_name(p), written,
                       note="the update rule at the current point"))
            new.append(self.settle(written, written.doit() if exact else sp.N(written.doit(), 30), Rule.ARITHMETIC))
        self._check_engine(it, new)
        return tuple(new)

    def _check_engine(self, it, new):
        """The worked step lands where the engine's next iterate is (exactly, or to the shown digits)."""
        nxt = self.history.iterates[it.k + 1] if it.k + 1 < len(self.history.iterates) else None
        if nxt is None:
            return
        tol = 10.0 ** (2 - self.digits)
        for a, b in zip(new, nxt.theta):
            if isinstance(b, Fraction) and not a.has(sp.Float):
                assert a == _r(b), f"worked step {a} != engine {b}"
            else:
                assert abs(float(a) - float(b)) <= tol * max(1.0, abs(float(b))), f"worked step {a} != engine {b}"

    def _loss_change(self, point, new):
        B, obj = self.B, self.obj
        values = []
        for p in (point, new):
            name = obj.L.func(*[self.disp(v) for v in p])
            B.data = dict(obj.data)
            note = "the loss on all the data" if obj.kind == "data" else "the value at the point"
            if not name.has(sp.Float) and all(v.is_Rational for v in p):
                values.append(self.settle(name, _exact_value(obj, p), self._evaluate_rule, note=note))
            else:
                values.append(self.settle(name, _approx(name, B.data, digits=30, defs=B.definitions),
                                          Rule.APPROXIMATE, note=note))
        B.outro(_verdict(values[0], values[1], "loss" if obj.kind == "data" else "value of f"))

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
            rows.append(tuple(_r(v) for v in it.theta) + (_r(it.loss), _norm(it)))
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


def shown_any(v):
    """A number displayed as it stands: exact rationals as written, anything else as it is."""
    return shown(v) if isinstance(v, sp.Basic) and v.is_Rational else sp.UnevaluatedExpr(v)


def _term_value(term, data, i):
    """One row's value of a summand, exactly."""
    from ..evaluate import evaluate

    env = {**data, I: i}
    f = evaluate(term, env)
    return sp.Rational(f.numerator, f.denominator)


def _exact_value(obj, point):
    v = obj.loss([_frac(x) for x in point])
    return sp.Rational(v.numerator, v.denominator)


def _terminates(v: sp.Rational) -> bool:
    q = int(v.q)
    for f in (2, 5):
        while q % f == 0:
            q //= f
    return q == 1


def _approx(expr, data, digits: int = 12, defs=None) -> sp.Float:
    """``expr`` evaluated with sympy at 30 digits on ``data``, rounded to ``digits`` significant digits."""
    from ..verify import evaluate_on

    value = evaluate_on(expr, data, defs)
    return rounded_float(value, digits)


def _norm(it) -> sp.Basic:
    if it.exact:
        sq = sum(_r(g) ** 2 for g in it.grad)
        return sp.sqrt(sq)
    return sp.Float(it.grad_norm, 17)


def _point(names, values) -> tuple:
    """Prose naming a point: (s, b) = (3.6, 1.14), numbers as written where they terminate."""
    values = [_display(v) for v in values]
    if len(names) == 1:
        return (sp.Eq(names[0], values[0], evaluate=False),)
    return (sp.Eq(sp.Tuple(*names), sp.Tuple(*values), evaluate=False),)


def _display(v):
    """A number for prose: a short exact decimal as written, a long one rounded (marked by the Float)."""
    from ..optim import readable

    if isinstance(v, sp.Rational) and readable(_frac(v)):
        return shown(v)
    if v.is_number and not v.is_Rational and v.is_real:
        return rounded_float(v, 6)
    if isinstance(v, sp.Rational):
        return rounded_float(v, 6)
    return v


def _verdict(old, new, what: str) -> str:
    try:
        if new < old:
            return f"The {what} decreased."
        if new == old:
            return f"The {what} did not change."
        return f"The {what} increased: the step overshot."
    except TypeError:
        return ""


def _table_intro(h: History, s: Settings, digits: int) -> str:
    total = len(h.iterates) - 1
    text = f"{total} step{'s' if total != 1 else ''} of {analysis.OPTIMIZER_NAMES[s.optimizer]}"
    if h.switched_at is None:
        return text + "; every number is exact (decimals are shown where they terminate)."
    if h.switched_at == 0:
        return text + f", in float64 arithmetic (the values are not rational); shown to {digits} significant digits."
    return (text + f". Rows 0 to {h.switched_at - 1} are exact; from row {h.switched_at} on the numbers stop being "
            f"short decimals, so the iteration continues in float64, shown to {digits} significant digits.")

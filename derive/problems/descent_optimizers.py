"""Update rules beyond the plain step: the vector form of gradient descent, and momentum, AdaGrad,
RMSprop and Adam with their worked steps. Each function takes the ``_Descent`` builder of
problems/descent.py and adds steps or sections to it.
"""
from __future__ import annotations

from dataclasses import replace

import sympy as sp

from ..notation import N
from ..render.numbers import rounded_float
from ..rules import Rule
from ..steps import Step
from .descent_common import (ETA, OPTIMIZER_NAMES, VALUE_DIGITS, as_shown, is_readable, new_name, point_text,
                             power_of_ten, r)

P = sp.Symbol("p", integer=True, positive=True)
_RULES = {"gd": Rule.GD_UPDATE, "momentum": Rule.MOMENTUM, "adagrad": Rule.ADAGRAD, "rmsprop": Rule.RMSPROP,
          "adam": Rule.ADAM}


# -- vector form -----------------------------------------------------------------------------------------
def vector_form(d) -> None:
    """θ_new = θ − η·2c·Xᵀ(Xθ − y): the gradient of the loss in vector form (a rule checked on random
    matrices), and the update as its definition."""
    B, obj = d.B, d.obj
    if obj.offset != 0:
        return
    X = sp.MatrixSymbol("X", N, P)
    y = sp.MatrixSymbol(obj.Y.label.name, N, 1)
    theta = sp.MatrixSymbol("theta", P, 1)
    L = sp.Function("L")(theta)
    res = sp.MatAdd(sp.MatMul(X, theta), sp.MatMul(-1, y))
    row = sp.Matrix([list(obj.phis)])
    B.section("The update rule in vector form",
              ("With the parameters in the vector ", theta, " and the design matrix ", X, " whose row i is ", row,
               ", the loss and its gradient are matrix expressions, and all parameters move at once:"))
    B.define(L, sp.MatMul(obj.c, sp.Transpose(res), res), "the loss in vector form")
    c2 = 2 * obj.c
    factors = ([c2] if c2 != 1 else []) + [X.T, res]
    B.add(Step(Rule.MATRIX_QUADRATIC, sp.Derivative(L, theta), sp.MatMul(*factors),
               note="as in the normal-equation derivation"))
    new = sp.MatrixSymbol("theta^new", P, 1)
    B.add(Step(Rule.GD_UPDATE, new, sp.MatAdd(theta, sp.MatMul(-1, ETA, *factors, evaluate=False), evaluate=False)))


# -- other update rules ---------------------------------------------------------------------------------
def formulas(name: str) -> list[tuple[sp.Symbol, sp.Basic, str]]:
    """The update equations of an optimizer for one parameter θ with gradient g: (name, value, what)."""
    th, g, v, m, t = sp.symbols("theta g v m t")
    eps = sp.Symbol("epsilon", positive=True)
    new = sp.Symbol("theta^new")
    if name == "gd":
        return [(new, th - ETA * g, "the new parameters")]
    if name == "momentum":
        beta = sp.Symbol("beta", positive=True)
        return [(sp.Symbol("v^new"), beta * v + g, "the velocity v"),
                (new, th - ETA * sp.Symbol("v^new"), "the new parameters")]
    if name == "adagrad":
        G = sp.Symbol("G")
        return [(sp.Symbol("G^new"), G + g**2, "the sum G of squared gradients"),
                (new, th - ETA * g / (sp.sqrt(sp.Symbol("G^new")) + eps), "the new parameters")]
    if name == "rmsprop":
        rho = sp.Symbol("rho", positive=True)
        return [(sp.Symbol("v^new"), rho * v + (1 - rho) * g**2, "the average v of squared gradients"),
                (new, th - ETA * g / (sp.sqrt(sp.Symbol("v^new")) + eps), "the new parameters")]
    b1, b2 = sp.Symbol("beta_1", positive=True), sp.Symbol("beta_2", positive=True)
    mn, vn = sp.Symbol("m^new"), sp.Symbol("v^new")
    mh, vh = sp.Symbol("mhat"), sp.Symbol("vhat")
    return [(mn, b1 * m + (1 - b1) * g, "the average m of gradients"),
            (vn, b2 * v + (1 - b2) * g**2, "the average v of squared gradients"),
            (mh, mn / (1 - b1**t), "m corrected for its start at zero"),
            (vh, vn / (1 - b2**t), "v corrected for its start at zero"),
            (new, th - ETA * mh / (sp.sqrt(vh) + eps), "the new parameters")]


def hyper(name: str, s) -> dict:
    """The hyperparameters of an optimizer as {symbol: exact value}."""
    out = {}
    if name == "momentum":
        out[sp.Symbol("beta", positive=True)] = r(s.momentum)
    if name == "rmsprop":
        out[sp.Symbol("rho", positive=True)] = r(s.rho)
    if name == "adam":
        out[sp.Symbol("beta_1", positive=True)] = r(s.beta1)
        out[sp.Symbol("beta_2", positive=True)] = r(s.beta2)
    if name in ("adagrad", "rmsprop", "adam"):
        out[sp.Symbol("epsilon", positive=True)] = r(s.epsilon)
    return out


def state_names(name: str) -> list[str]:
    return {"gd": [], "momentum": ["v"], "adagrad": ["G"], "rmsprop": ["v"], "adam": ["m", "v"]}[name]


def show_formulas(d, name: str) -> None:
    """The update equations, each introduced as the rule of the optimizer, and its hyperparameters."""
    B = d.B
    values = hyper(name, d.s)
    for sym, expr, note in formulas(name):
        B.add(Step(_RULES[name], sym, expr, note=note))
    states = state_names(name)
    parts: list = []
    if states:
        parts += [" and ".join(states) + (" start" if len(states) > 1 else " starts") + " at 0"
                  + ("; t counts the steps from 1" if name == "adam" else "") + ". "]
    if values:
        parts += ["The hyperparameters: "]
        for k, (sym, v) in enumerate(values.items()):
            parts += ([", "] if k else []) + [sp.Eq(sym, power_of_ten(v), evaluate=False)]
        parts += ["."]
    if parts:
        B.outro(tuple(parts))


def optimizer_step(d, it, g, point, name: str | None = None) -> tuple:
    """One worked step of the optimizer ``name`` (default: the run's) from ``point`` with gradient ``g``:
    each update equation evaluated for every parameter at once (a column of values). The values carried
    from equation to equation are the true ones (exact, or to 30 digits), never the rounded ones shown."""
    B, s = d.B, d.s
    name = name or s.optimizer
    state = d.opt_state.setdefault(name, {"t": 0, **{k: [sp.S.Zero] * len(point) for k in state_names(name)}})
    state["t"] += 1
    th, gs, ts = sp.symbols("theta g t")
    lr = r(it.lr if it.lr is not None else s.lr)
    consts = {**hyper(name, s), ETA: lr, ts: sp.Integer(state["t"])}
    current: dict = {}
    for sym, expr, note in formulas(name):
        rows_shown, rows_value = [], []
        for j in range(len(point)):
            subs = {th: point[j], gs: g[j], **consts, **{sp.Symbol(k): state[k][j] for k in state_names(name)},
                    **{done: vals[j] for done, vals in current.items()}}
            rows_shown.append(expr.xreplace({k: d.disp(v) for k, v in subs.items()}))
            rows_value.append(_value(expr.xreplace(subs)))
        before = sp.Matrix(rows_shown)
        if not before.has(sp.Float) and all(is_readable(v) for v in rows_value):
            B.add(Step(Rule.ARITHMETIC, before, sp.Matrix([as_shown(v) for v in rows_value]), note=note))
        else:
            B.add(Step(Rule.APPROXIMATE, before, sp.Matrix([rounded_float(v, d.digits) for v in rows_value]),
                       note=note))
        current[sym] = rows_value
    for key in state_names(name):
        state[key] = current[sp.Symbol(f"{key}^new")]
    new = tuple(current[sp.Symbol("theta^new")])
    B.outro(("So ",) + point_text(tuple(new_name(p) for p in d.params), new, d.digits) + (".",))
    if name == s.optimizer:
        d.check_engine(it, new)
    return new


def _value(e: sp.Basic) -> sp.Basic:
    """The value of an update equation: exact when it is rational, else to VALUE_DIGITS digits."""
    v = e.doit()
    if v.is_Rational:
        return v
    return sp.Float(sp.N(v, VALUE_DIGITS), VALUE_DIGITS)


def compare_optimizers(d) -> None:
    """One worked step of each optimizer from the same start, with the same learning rate."""
    B = d.B
    it = d.history.iterates[0]
    point = tuple(r(v) for v in it.theta)
    g = [r(v) for v in d._step_gradient(it)]
    for name in ("momentum", "adagrad", "rmsprop", "adam"):
        B.section((f"{OPTIMIZER_NAMES[name][:1].upper()}{OPTIMIZER_NAMES[name][1:]}: one step from ",)
                  + point_text(d.params, point, d.digits),
                  "The same gradient and learning rate, a different update rule.")
        show_formulas(d, name)
        d.opt_state.pop(name, None)
        B.data = {**B.data, **dict(zip(d.params, point))}
        new = optimizer_step(d, replace(it, lr=d.s.lr), g, point, name)
        d._loss_change(it, point, new)

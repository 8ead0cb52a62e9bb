"""The end of a gradient-descent derivation: the run to convergence compared with the closed-form
optimum, the independent cross-checks (numpy from the design matrix, or central differences), and
the figures. Each function takes the ``_Descent`` builder of problems/descent.py.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..notation import Grad, Norm
from ..optim import BLOWUP, History, run
from ..steps import CrossCheck, Step
from .descent_common import plural, point_text, power_of_ten, r, sci

CHECKED_ITERATES = 60  # the cross-checks recompute the first and last iterates of the table, this many at most
NUMPY_RELATIVE = 1e-10  # float64 against exact, relative to the size of the terms that cancel
DIFFERENCE_RELATIVE = 1e-5  # central differences against the symbolic gradient


@dataclass
class Convergence:
    history: History
    optimum: list | None
    distance: float | None
    summary: dict = field(default_factory=dict)


def convergence(d) -> Convergence:
    """Run until ‖∇L‖ < tol (or the iteration cap), then compare with the closed-form optimum."""
    B, obj, s = d.B, d.obj, d.s
    h = run(obj, d.theta0, s, max_iter=d.max_iter, until_tol=True)
    last = h.last
    opt = obj.optimum()
    grad = f"‖∇{obj.L.func.__name__}‖"
    B.section("Convergence", ("Run until ", sp.StrictLessThan(Norm(Grad(obj.L)), power_of_ten(r(s.tol))),
                              f", at most {plural(d.max_iter, 'step')}."))
    summary = {"iterations": last.k, "stop": h.stop, "grad_norm": last.grad_norm,
               "params": {str(p): float(v) for p, v in zip(d.params, last.theta)}}
    norm = sci(last.grad_norm, d.digits)
    if h.stop == "tol":
        text = f"Stopped after {plural(last.k, 'step')} with {grad} = {norm}."
    elif h.stop == "diverged":
        text = f"Diverged: a parameter grew beyond 10¹⁵⁰ in size after {plural(last.k, 'step')}."
    elif h.stop == "undefined":
        text = f"Stopped after {plural(last.k, 'step')}: the loss is not defined at the point reached."
    elif h.stop == "line search":
        text = f"Stopped after {plural(last.k, 'step')}: {h.reason}."
    else:
        text = f"Did not reach the tolerance in {plural(last.k, 'step')}: {grad} = {norm}."
    B.outro(text)
    distance = None
    if opt is not None:
        values = [sp.Rational(v.numerator, v.denominator) for v in opt]
        B.data = {**B.data, **dict(obj.data), **dict(zip(d.params, values))}
        if obj.kind == "function":
            how = ("Setting ", sp.Eq(Grad(obj.L), 0), " and solving the linear equations exactly gives the minimiser "
                   "(H is positive definite, so it is the minimum); the gradient there is exactly zero:")
        else:
            how = ("Solving the normal equations exactly gives the minimiser; its gradient is exactly zero:",)
        B.section(("The closed-form optimum ",) + point_text(d.params, tuple(values), d.digits), how)
        B.add(Step(d._evaluate_rule, sp.Matrix(d.grads), sp.zeros(len(values), 1), note="the gradient at the optimum"))
        theta = [float(v) for v in last.theta]
        if all(math.isfinite(v) and abs(v) <= BLOWUP for v in theta):
            distance = math.hypot(*(a - float(b) for a, b in zip(theta, values)))
            B.outro(f"The distance from the last iterate to the optimum is {sci(distance, d.digits)}.")
        summary.update({"optimum": {str(p): sp.sstr(v) for p, v in zip(d.params, values)}, "distance": distance})
    return Convergence(h, opt, distance, summary)


# -- checks ---------------------------------------------------------------------------------------------
def checks(d, conv: Convergence) -> list[CrossCheck]:
    out = [_gradient_check(d)]
    if conv.optimum is not None and conv.history.stop == "tol" and conv.distance is not None:
        H = d.obj.hessian()
        lo = float(min(np.linalg.eigvalsh(np.array([[float(v) for v in row] for row in H])))) if H else None
        g = conv.history.last.grad_norm
        if lo and lo > 0:
            # NOTE: ∇L = H(θ − θ*) for a quadratic, so ‖θ − θ*‖ ≤ ‖∇L‖/λ_min: the run's last iterate must be
            # that close to the exact optimum (a check of the run against the closed form)
            bound = g / lo
            ok = conv.distance <= bound * (1 + 1e-6) + 1e-12 * max(1.0, max(abs(float(v)) for v in conv.optimum))
            name = d.obj.L.func.__name__
            out.append(CrossCheck("last iterate within ‖∇L‖/λₘᵢₙ of the closed form", ok,
                                  f"‖θ − θ*‖ = {sci(conv.distance)} ≤ ‖∇{name}‖/λₘᵢₙ = {sci(bound)}"))
    return out


def _checked(its: list) -> list:
    half = CHECKED_ITERATES // 2
    return its if len(its) <= CHECKED_ITERATES else its[:half] + its[-half:]


def _gradient_check(d) -> CrossCheck:
    """Every checked iterate's loss and gradient recomputed independently: in float64 from the design
    matrix for a model linear in its parameters, by central differences of the float64 loss otherwise."""
    obj = d.obj
    its = [it for it in _checked(d.history.iterates) if it.lr is not None or it is d.history.last]
    its = [it for it in its if math.isfinite(it.grad_norm) and math.isfinite(float(it.loss))]
    if obj.kind == "data" and obj.quadratic:
        worst = max((_numpy_difference(obj, it) for it in its), default=0.0)
        return CrossCheck("loss and gradients recomputed with numpy", worst <= NUMPY_RELATIVE,
                          f"{plural(len(its), 'iterate')}; largest difference {worst:.2g}, relative to the size of "
                          "the terms that cancel")
    worst = max((_difference_quotient(obj, it) for it in its), default=0.0)
    return CrossCheck("gradients against central differences", worst <= DIFFERENCE_RELATIVE,
                      f"{plural(len(its), 'iterate')}; largest difference {worst:.2g}, relative to the gradient")


def _numpy_difference(obj, it) -> float:
    """|numpy − engine| for the loss and the gradient at ``it``, relative to the magnitudes involved."""
    X = np.array([[float(v) for v in row] for row in obj.features])
    t = np.array([float(v) for v in obj.ys])
    c = float(obj.factor(None))
    theta = np.array([float(v) for v in it.theta])
    with np.errstate(all="ignore"):
        res = X @ theta - t
        grad = 2 * c * (X.T @ res)
        loss = c * float(res @ res)
        # NOTE: the terms that cancel in Xᵀ(Xθ − t) are of size |X|ᵀ(|X||θ| + |t|): float64 is accurate
        # relative to them, not to the (possibly tiny) gradient near the optimum
        scale = 2 * abs(c) * float(np.linalg.norm(np.abs(X).T @ (np.abs(X) @ np.abs(theta) + np.abs(t))))
        size = abs(c) * float((np.abs(X) @ np.abs(theta) + np.abs(t)) @ (np.abs(X) @ np.abs(theta) + np.abs(t)))
        got = np.array([float(v) for v in it.grad])
        dg = float(np.linalg.norm(grad - got)) / max(scale, 1e-300)
        dl = abs(loss - float(it.loss)) / max(size, 1e-300)
    return max(dg, dl)


def float_loss(obj, theta) -> float:
    """The full loss at ``theta`` in float64, independently of the engine for data linear in its
    parameters (numpy from the design matrix), else by the compiled float function."""
    theta = np.asarray(theta, dtype=float)
    with np.errstate(all="ignore"):
        if obj.kind == "data" and obj.quadratic:
            X = np.array([[float(v) for v in row] for row in obj.features])
            t = np.array([float(v) for v in obj.ys])
            res = X @ theta - t
            return float(obj.factor(None)) * float(res @ res)
        return float(obj.loss(list(theta), exact=False))


def _difference_quotient(obj, it) -> float:
    """The engine's gradient against central differences of the float64 loss: |Δ| relative to ‖g‖,
    allowing for the rounding of the loss values (about 10⁻¹⁶·|L|/h)."""
    theta = np.array([float(v) for v in it.theta])
    got = np.array([float(v) for v in it.grad])
    f0 = abs(float(obj.loss(list(theta), exact=False)))
    worst = 0.0
    for j in range(len(theta)):
        h = 1e-5 * max(1.0, abs(theta[j]))
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        fd = (float(obj.loss(list(up), exact=False)) - float(obj.loss(list(down), exact=False))) / (2 * h)
        if not math.isfinite(fd):
            continue
        noise = 1e-13 * max(f0, 1.0) / h
        worst = max(worst, max(abs(fd - got[j]) - noise, 0.0) / max(1.0, float(np.linalg.norm(got))))
    return worst


def add_figures(d, conv) -> None:
    from .descent_figures import descent_figures

    descent_figures(d, conv)


"""The learning-rate analysis of a gradient-descent derivation: the Hessian and its eigenvalues, the
bound 2/λ_max, the best fixed step and the condition number (each a verified step), Sylvester's
criterion for the chosen rate, the contraction factor, and the exact and backtracking line searches.
Each function takes the ``_Descent`` builder of problems/descent.py.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import sympy as sp

from ..notation import Norm
from ..optim import ARMIJO_C, LineSearchFailed, NotExact, armijo
from ..render.numbers import precise, rounded_float
from ..rules import Rule
from ..steps import CrossCheck, Step, Table
from .descent_common import (ETA, as_shown, is_readable, listing, method_name, plural, power_of_ten, r, sci)
from .descent_optimizers import P
from .regression_numbers import shown

LAM_MIN, LAM_MAX = sp.Symbol("lambda_min"), sp.Symbol("lambda_max")
EXACT_FORM_CHARS = 40  # an irrational exact value longer than this is shown rounded only


def default_lr(obj, theta0) -> Fraction:
    """1/λ_max of the Hessian (at θ₀ if it is not constant), rounded down to one significant digit:
    below 2/λ_max, so gradient descent on a quadratic converges. 1/10 when there is no such λ_max.

    >>> from derive.data import load_dataset
    >>> from derive.problems.objective import regression_objective
    >>> default_lr(regression_objective(load_dataset("baby"), "half-sse", ("s", "b")), [0, 0])
    Fraction(1, 25)
    """
    H = obj.hessian()
    if H is None and obj.kind == "function":
        H = obj.hessian_at([Fraction(v) for v in theta0])
    if H is None:
        return Fraction(1, 10)
    top = float(max(np.linalg.eigvalsh(np.array([[float(v) for v in row] for row in H]))))
    if not (top > 0 and math.isfinite(top)):
        return Fraction(1, 10)
    v = 1 / top
    exponent = math.floor(math.log10(v))
    lead = int(v / 10.0**exponent)
    while lead == 0:  # a float just below a power of ten
        exponent -= 1
        lead = int(v / 10.0**exponent)
    return Fraction(min(lead, 9)) * Fraction(10) ** exponent


def learning_rate(d) -> dict:
    """The Hessian, its eigenvalues, the convergence bound, the best fixed step, line searches."""
    B, obj, s = d.B, d.obj, d.s
    H = obj.hessian()
    local = False
    if H is None and obj.kind == "function":
        H = obj.hessian_at(d.theta0)
        local = H is not None
    what = "f" if obj.kind == "function" else "the loss"
    caveat = _caveat(s)
    if H is None:
        B.section("Learning rate", (f"The Hessian of {what} is not a matrix of exact numbers here (it changes from "
                                    "point to point, or the model's terms are irrational on the data), so derive "
                                    "gives no fixed bound for the learning rate; a backtracking line search adapts "
                                    "the step to the point instead.",))
        _armijo_section(d)
        return {"quadratic": False}
    p = len(d.params)
    Hm = sp.Matrix(p, p, lambda j, k: r(H[j][k]))
    if local:
        intro = (f"{what} is not quadratic, so its Hessian changes from point to point. At the starting point it gives "
                 "a local guide to the step size; it does not decide convergence from every start.",)
    else:
        intro = (f"For a quadratic {'function' if obj.kind == 'function' else 'loss'} the Hessian H is constant, and "
                 "it decides which learning rates work.",)
    B.section("Learning rate", intro + caveat)
    names = sp.Matrix(p, p, lambda j, k: sp.Derivative(obj.L, d.params[j], d.params[k]) if j != k
                      else sp.Derivative(obj.L, (d.params[j], 2)))
    Hsym = sp.MatrixSymbol("H", p, p)
    B.define(Hsym, names, "the Hessian: second partial derivatives")
    B.data = {**B.data, **dict(obj.data), **dict(zip(d.params, (r(v) for v in d.theta0)))}
    shown_H = Hm.applyfunc(d.disp)
    B.add(Step(Rule.APPROXIMATE if shown_H.has(sp.Float) else d._evaluate_rule, Hsym, shown_H,
               note="on the data" if obj.kind == "data" else ("at the starting point" if local else "")))
    lo, hi = _eigenvalues(d, Hm)
    out = {"quadratic": not local, "hessian": [[sp.sstr(v) for v in Hm.row(j)] for j in range(p)],
           "lambda_min": float(lo), "lambda_max": float(hi)}
    if _sign(hi) <= 0 or _sign(lo) <= 0:
        B.outro(("The Hessian is not positive definite",) + ((" at the starting point",) if local else ()) +
                (f", so {what} has no unique minimum{' near there' if local else ''} and the bound ",
                 sp.StrictLessThan(sp.Symbol("eta"), 2 / LAM_MAX), " says nothing about convergence."))
        _armijo_section(d)
        return out
    B.data = {**B.data, LAM_MIN: lo, LAM_MAX: hi}
    bound = _value_steps(d, 2 / LAM_MAX, 2 / hi, "the largest fixed learning rate that converges" if not local
                         else "the largest step that decreases f near the starting point")
    out["bound"] = float(bound)
    if local:
        B.outro(("Near the starting point, steps with ", sp.StrictLessThan(sp.Symbol("eta"), 2 / LAM_MAX),
                 " decrease f; farther away the curvature differs, and a line search (below) adapts the step."))
        _armijo_section(d)
        return out
    eta_best, kappa = sp.Symbol("eta_best"), sp.Symbol("kappa")
    B.define(eta_best, 2 / (LAM_MIN + LAM_MAX), "the best fixed step: it shrinks the error fastest")
    best = _value_steps(d, eta_best, 2 / sp.expand(lo + hi))  # λ_min + λ_max = tr H: the roots cancel
    B.define(kappa, LAM_MAX / LAM_MIN, "the condition number")
    cond = _value_steps(d, kappa, hi / lo)
    B.outro(("Gradient descent with a fixed learning rate converges from every start exactly when ",
             sp.StrictLessThan(sp.Symbol("eta"), 2 / LAM_MAX), "; the larger ", kappa,
             ", the more elongated the contours and the slower even the best fixed step."))
    verdict = _sylvester(d, Hm, r(s.lr))
    out.update({"bound": float(bound), "best": float(best), "condition_number": float(cond), "converges": verdict})
    if verdict and s.optimizer == "gd" and s.line_search == "none":
        out.update(_contraction(d, lo, hi))
    if obj.quadratic:
        _exact_line_search(d, Hm)
    _armijo_section(d)
    return out


def _caveat(s) -> tuple:
    if s.optimizer == "gd" and s.line_search == "none":
        return ()
    how = (f"{method_name(s)}" if s.optimizer != "gd" else f"the {s.line_search} line search")
    return (f" This analysis is for plain gradient descent with a fixed step; this run uses {how}, whose steps differ.",)


def _value_steps(d, name, value, note: str = ""):
    """``name = exact = rounded``: the exact value where it is short, its rounding where it is not."""
    B = d.B
    if value.is_Rational:
        if is_readable(value):
            B.add(Step(Rule.PLUG_IN, name, as_shown(value), note=note))
        else:
            B.add(Step(Rule.APPROXIMATE, name, rounded_float(value, d.digits), note=note))
        return value
    exact = sp.radsimp(value)
    if not value.has(sp.Float) and len(sp.sstr(exact)) <= EXACT_FORM_CHARS:
        B.add(Step(Rule.PLUG_IN, name, exact, note=note))  # the layout adds its rounding: = (11 − √5)/29 ≈ 0.302
    else:
        B.add(Step(Rule.APPROXIMATE, name, rounded_float(value, d.digits), note=note))
    return value


def _eigenvalues(d, Hm) -> tuple:
    """The smallest and largest eigenvalue: exact for up to two parameters (verified steps), else
    float64 from numpy (stated as such)."""
    B, p = d.B, Hm.shape[0]
    lam = sp.Symbol("lambda")
    if p <= 2:
        # NOTE: decimals as written where they are short; otherwise the exact fractions (never rounded
        # numbers here: the eigenvalues below are exact)
        shown_H = Hm.applyfunc(lambda v: d.disp(v) if v.is_Rational else v)
        poly = sp.Poly(sp.expand((Hm - lam * sp.eye(p)).det()), lam)
        written = sp.Add(*[_term(d, c, lam**k) for (k,), c in poly.terms()], evaluate=False)
        if shown_H.has(sp.Float) or written.has(sp.Float):
            shown_H, written = Hm, poly.as_expr()
        B.add(Step(Rule.DETERMINANT, sp.Determinant(shown_H - lam * sp.eye(p)), written,
                   note="the characteristic polynomial"))
        roots = sorted(sp.roots(poly).items(), key=lambda kv: float(kv[0]))
        values = [sp.radsimp(v) for v, mult in roots for _ in range(mult)]
        names = [LAM_MIN, LAM_MAX] if len(values) == 2 else [sp.Symbol("lambda")]
        lhs, rhs = (sp.Tuple(*names), sp.Tuple(*values)) if len(values) > 1 else (names[0], values[0])
        B.add(Step(Rule.EIGENVALUES, sp.Eq(written, 0, evaluate=False), sp.Eq(lhs, rhs, evaluate=False)))
        if len(values) == 1:
            B.outro(("H has the single eigenvalue ", lam, ", so ", sp.Eq(LAM_MIN, lam, evaluate=False), " and ",
                     sp.Eq(LAM_MAX, lam, evaluate=False), "."))
        elif not all(v.is_Rational for v in values):
            B.outro(("Numerically, ",) + listing(names, [rounded_float(v, d.digits) for v in values]) + (".",))
        return values[0], values[-1]
    vals = np.linalg.eigvalsh(np.array([[float(v) for v in Hm.row(j)] for j in range(p)]))
    B.outro(("The eigenvalues of H, computed in float64 (numpy.linalg.eigvalsh, not exact): ",)
            + listing([sp.Symbol(f"lambda_{j + 1}") for j in range(p)], [rounded_float(v, d.digits) for v in vals])
            + (". The values below are computed from these.",))
    return sp.Float(float(vals[0]), 17), sp.Float(float(vals[-1]), 17)


def _sign(v) -> int:
    """The sign of an exact eigenvalue such as a − √b, decided even when the two nearly cancel (data of
    size 10⁻⁶⁰ gives eigenvalues that agree with their parts to 120 digits): evaluated with as many
    digits as it takes for 30 correct ones (sympy's evalf raises rather than guess)."""
    if isinstance(v, (int, Fraction)) or v.is_Rational or v.is_Float:
        return int(bool(v > 0)) - int(bool(v < 0))
    value = precise(sp.sympify(v), 30)
    return int(bool(value > 0)) - int(bool(value < 0))


def _term(d, c, power):
    """c·λᵏ with the coefficient as written (a decimal where it terminates): −16.098 λ, not λ (−16.098)."""
    if c in (1, -1) or not c.is_Rational:
        return c * power
    mag = d.disp(abs(c))
    term = sp.Mul(mag, power, evaluate=False) if power != 1 else mag
    return sp.Mul(-1, term, evaluate=False) if c < 0 else term


def _sylvester(d, Hm, lr) -> bool:
    """η < 2/λ_max exactly when (2/η)I − H is positive definite: its leading minors, each a step on the
    exact entries (a minor too long to show exactly is shown rounded, checked against the exact one)."""
    B, p = d.B, Hm.shape[0]
    M = (2 / lr) * sp.eye(p) - Hm
    eta = sp.Symbol("eta")
    chosen = () if getattr(d, "lr_given", True) else (
        "derive chose this learning rate: one over ", LAM_MAX, ", rounded down to one significant digit. ")
    B.section(("The learning rate ", sp.Eq(eta, shown(lr) if lr.is_Rational else lr, evaluate=False)),
              chosen + (sp.StrictLessThan(eta, 2 / LAM_MAX), " holds exactly when the matrix ",
                        sp.MatAdd(sp.MatMul(2 / eta, sp.Identity(P)), sp.MatMul(-1, sp.MatrixSymbol("H", P, P))),
                        " is positive definite (every eigenvalue of H is then below ", 2 / eta,
                        "); Sylvester's criterion checks that with its leading minors."))
    minors = []
    for m in range(1, p + 1):
        sub = sp.ImmutableMatrix(M[:m, :m].applyfunc(lambda v: shown(v) if is_readable(v) else v))
        minors.append(d.settle(sp.Determinant(sub), M[:m, :m].det(), Rule.DETERMINANT))
    ok = all(v > 0 for v in minors)
    if ok:
        B.outro(("All leading minors are positive: ", sp.StrictLessThan(eta, 2 / LAM_MAX), ", and plain gradient "
                 "descent with this fixed step converges from every start."))
    else:
        B.outro(("Not every leading minor is positive: ", sp.GreaterThan(eta, 2 / LAM_MAX), ", and plain gradient "
                 "descent with this fixed step does not converge from every start: along the eigenvector of ",
                 LAM_MAX, " each step multiplies the error by ", 1 - eta * LAM_MAX, ", whose size is at least 1."))
    return ok


def _contraction(d, lo, hi) -> dict:
    """ρ = max|1 − ηλ|: each step shrinks the gradient by at least ρ; the steps it takes to reach --tol."""
    B, s = d.B, d.s
    eta, rho_s = sp.Symbol("eta"), sp.Symbol("rho")
    lr = r(s.lr)
    B.data = {**B.data, eta: lr}
    B.define(rho_s, sp.Max(sp.Abs(1 - eta * LAM_MIN), sp.Abs(1 - eta * LAM_MAX)),
             "the factor by which each step at least shrinks the gradient")
    rho = _value_steps(d, rho_s, max(abs(1 - lr * lo), abs(1 - lr * hi)))
    rho_best = (hi - lo) / sp.expand(hi + lo)
    g0 = d.history.iterates[0].grad_norm
    tol = float(s.tol)
    if not g0 > tol:
        return {"contraction": float(rho)}
    k_lr, k_best = _iterations(float(rho), g0, tol), _iterations(float(rho_best), g0, tol)
    slow = k_lr > 10 * max(k_best, 1)
    B.outro((f"So about {plural(k_lr, 'step')} bring the length of the gradient from {sci(g0, d.digits)} below "
             f"{sci(tol)}" + (f"; with the best fixed step it would take about {k_best:,}." if slow else ".")
             + (" This learning rate is small: it works, but slowly." if slow else ""),))
    return {"contraction": float(rho), "iterations_estimate": k_lr, "iterations_best": k_best}


def _iterations(rho: float, g0: float, tol: float) -> int:
    if rho <= 0:
        return 1
    if rho >= 1:
        return 10**18
    return max(1, math.ceil(math.log(tol / g0) / math.log(rho)))


def _exact_line_search(d, Hm) -> None:
    """η* = gᵀg / gᵀHg at the starting point (a quadratic: the exact minimiser along −g)."""
    B = d.B
    it = d.history.iterates[0]
    if not it.exact or all(v == 0 for v in it.grad):
        return
    g = [r(v) for v in it.grad]
    gsym, Hsym = sp.MatrixSymbol("g", P, 1), sp.MatrixSymbol("H", P, P)
    what = "f" if d.obj.kind == "function" else "the loss"
    B.section("Exact line search", (f"On a quadratic, {what} along −g is a parabola in ", sp.Symbol("eta"),
                                   ", whose minimum is at the ratio ", sp.Symbol("eta^*"), " of ",
                                   sp.MatMul(gsym.T, gsym), " to ", sp.MatMul(gsym.T, Hsym, gsym),
                                   ". At the starting point:"))
    gv = sp.ImmutableMatrix(g)

    def show(M):
        return sp.ImmutableMatrix(M.rows, M.cols, lambda i, j: d.disp(M[i, j]))

    gg = _settle_1x1(d, sp.MatMul(show(gv).T, show(gv), evaluate=False), (gv.T * gv)[0],
                     "the squared length of the gradient g at the start")
    gHg = _settle_1x1(d, sp.MatMul(show(gv).T, show(sp.ImmutableMatrix(Hm)), show(gv), evaluate=False),
                      (gv.T * Hm * gv)[0], f"the curvature of {what} along g")
    if gHg <= 0:
        B.outro((sp.LessThan(sp.MatMul(gsym.T, Hsym, gsym), 0), f": {what} does not curve upward along −g, so there "
                 "is no minimum along this line."))
        return
    ratio = sp.Mul(d.disp(gg), sp.Pow(d.disp(gHg), -1, evaluate=False), evaluate=False)
    d.settle(ratio, gg / gHg, Rule.LINE_SEARCH, note="the ratio: the exact step along −g")


def _settle_1x1(d, product, value, note):
    """A product of explicit matrices equal to a 1×1 matrix: exact when readable, else rounded."""
    if is_readable(value) and not product.has(sp.Float):
        d.B.add(Step(Rule.ARITHMETIC, product, sp.Matrix([[as_shown(value)]]), note=note))
    else:
        d.B.add(Step(Rule.APPROXIMATE, product, sp.Matrix([[rounded_float(value, d.digits)]]), note=note))
    return value


def _armijo_section(d) -> None:
    """Backtracking from η = --lr (when the run uses it) or 1 at the starting point, halving until the
    decrease is sufficient; every trial recomputed independently as a cross-check."""
    obj, s = d.obj, d.s
    it = d.history.iterates[0]
    if all(float(v) == 0 for v in it.grad):
        return
    start = s.lr if s.line_search == "armijo" else Fraction(1)
    theta, grad = list(it.theta), list(it.grad)
    try:
        try:
            trials = armijo(obj, theta, grad, None, start, it.exact)
        except NotExact:
            trials = armijo(obj, [float(v) for v in theta], [float(v) for v in grad], None, start, False)
    except LineSearchFailed:
        return
    eta, th, g, sigma = sp.Symbol("eta"), sp.Symbol("theta"), sp.Symbol("g"), sp.Symbol("sigma")
    L = obj.L.func
    B = d.B
    rule = sp.LessThan(L(th - eta * g), L(th) - sigma * eta * Norm(g) ** 2)
    what = "f" if obj.kind == "function" else "the loss"
    B.section("Backtracking line search (Armijo)",
              ("At the starting point, with g the gradient there: start from ", sp.Eq(eta, shown(r(start)), evaluate=False),
               f" and halve ", eta, f" until the step decreases {what} enough, ", rule, ", with ",
               sp.Eq(sigma, power_of_ten(r(ARMIJO_C)), evaluate=False), "."))
    B.table(Table((eta, rule.lhs, rule.rhs), tuple((r(t[0]), r(t[1]), r(t[2])) for t in trials)))
    halvings = len(trials) - 1
    B.outro((f"Accepted after {plural(halvings, 'halving')}: ", sp.Eq(eta, shown(r(trials[-1][0])), evaluate=False),
             "."))
    d.extra_checks.append(_armijo_check(obj, theta, grad, trials))


def _armijo_check(obj, theta, grad, trials) -> CrossCheck:
    """Each trial of the table recomputed in float64 (numpy for data), and the verdicts re-decided."""
    from .descent_convergence import float_loss

    t0 = np.array([float(v) for v in theta])
    g = np.array([float(v) for v in grad])
    f0 = float_loss(obj, t0)
    worst, verdicts = 0.0, True
    for k, (eta, f1, bound, ok) in enumerate(trials):
        ref = float_loss(obj, t0 - float(eta) * g)
        scale = max(1.0, abs(f0))
        worst = max(worst, abs(ref - float(f1)) / scale)
        verdicts &= bool(ok) == (k == len(trials) - 1)
    passed = worst <= 1e-9 and verdicts
    return CrossCheck("Armijo trials recomputed in float64", passed,
                      f"{plural(len(trials), 'trial')}, largest difference {worst:.2g} relative to f(θ); only the "
                      "last trial accepted" if verdicts else "a trial other than the last was accepted")

"""The parts of a gradient-descent derivation beyond the plain steps: the vector form, other update
rules (momentum, AdaGrad, RMSprop, Adam), the learning-rate analysis, the convergence run and the
cross-checks. Each function takes the ``_Descent`` builder of problems/descent.py and adds sections.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np
import sympy as sp

from ..notation import N, Grad, Norm
from ..optim import History, armijo, run
from ..rules import Rule
from ..steps import CrossCheck, Step, Table
from ..render.numbers import rounded_float
from .regression_numbers import shown

OPTIMIZER_NAMES = {"gd": "gradient descent", "momentum": "gradient descent with momentum", "adagrad": "AdaGrad",
                   "rmsprop": "RMSprop", "adam": "Adam"}
P = sp.Symbol("p", integer=True, positive=True)
LAM = sp.Symbol("lambda")


def _r(v):
    from .descent import _r as r

    return r(v)


def _shown(v):
    from .descent import shown_any

    return shown_any(v)


# -- vector form -----------------------------------------------------------------------------------------
def vector_form(d) -> None:
    """θ_new = θ − η·2c·Xᵀ(Xθ − y), every matrix step checked on random matrices."""
    from .descent import ETA

    B, obj = d.B, d.obj
    if obj.offset != 0:
        return
    X = sp.MatrixSymbol("X", N, P)
    y = sp.MatrixSymbol(obj.Y.label.name, N, 1)
    theta = sp.MatrixSymbol("theta", P, 1)
    L = sp.Function("L")(theta)
    r = sp.MatAdd(sp.MatMul(X, theta), sp.MatMul(-1, y))
    row = sp.Matrix([list(obj.phis)])
    B.section("The update rule in vector form",
              ("With the parameters in the vector ", theta, " and the design matrix ", X, " whose row i is ", row,
               ", the loss and its gradient are matrix expressions, and all parameters move at once:"))
    B.define(L, sp.MatMul(obj.c, sp.Transpose(r), r), "the loss in vector form")
    c2 = 2 * obj.c
    factors = ([c2] if c2 != 1 else []) + [X.T, r]
    grad = sp.MatMul(*factors)
    B.add(Step(Rule.MATRIX_QUADRATIC, sp.Derivative(L, theta), grad, note="as in the normal-equation derivation"))
    new = sp.MatrixSymbol("theta^new", P, 1)
    B.add(Step(Rule.GD_UPDATE, new, sp.MatAdd(theta, sp.MatMul(-1, ETA, *factors, evaluate=False), evaluate=False)))


# -- other update rules ---------------------------------------------------------------------------------
def formulas(name: str, s) -> list[tuple[sp.Symbol, sp.Basic, str]]:
    """The update equations of an optimizer for one parameter θ with gradient g: (name, value, what)."""
    from .descent import ETA

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


_RULES = {"gd": Rule.GD_UPDATE, "momentum": Rule.MOMENTUM, "adagrad": Rule.ADAGRAD, "rmsprop": Rule.RMSPROP,
          "adam": Rule.ADAM}


def hyper(name: str, s) -> dict:
    """The hyperparameters of an optimizer as {symbol: exact value}."""
    eps = sp.Symbol("epsilon", positive=True)
    out = {}
    if name == "momentum":
        out[sp.Symbol("beta", positive=True)] = _r(s.momentum)
    if name == "rmsprop":
        out[sp.Symbol("rho", positive=True)] = _r(s.rho)
    if name == "adam":
        out[sp.Symbol("beta_1", positive=True)] = _r(s.beta1)
        out[sp.Symbol("beta_2", positive=True)] = _r(s.beta2)
    if name in ("adagrad", "rmsprop", "adam"):
        out[eps] = _r(s.epsilon)
    return out


def state_names(name: str) -> list[str]:
    return {"gd": [], "momentum": ["v"], "adagrad": ["G"], "rmsprop": ["v"], "adam": ["m", "v"]}[name]


def show_formulas(d, name: str) -> None:
    """The update equations, each introduced as the rule of the optimizer."""
    B = d.B
    values = hyper(name, d.s)
    for sym, expr, note in formulas(name, d.s):
        B.add(Step(_RULES[name], sym, expr, note=note))
    states = state_names(name)
    parts: list = []
    if states:
        parts += [" and ".join(states) + (" start" if len(states) > 1 else " starts") + " at 0"
                  + ("; t counts the steps from 1" if name == "adam" else "") + ". "]
    if values:
        parts += ["The hyperparameters: "]
        for k, (sym, v) in enumerate(values.items()):
            parts += ([", "] if k else []) + [sp.Eq(sym, shown(v), evaluate=False)]
        parts += ["."]
    if parts:
        B.outro(tuple(parts))


def optimizer_step(d, it, g, point, name: str | None = None) -> tuple:
    """One worked step of the optimizer ``name`` (default: the run's) from ``point`` with gradient ``g``:
    each update equation evaluated for every parameter at once (a column of values)."""
    from ..optim import readable
    from .descent import ETA, _frac, _point, _terminates, new_name

    B, s = d.B, d.s
    name = name or s.optimizer
    state = d.opt_state.setdefault(name, {"t": 0, **{k: [sp.S.Zero] * len(point) for k in state_names(name)}})
    state["t"] += 1
    th, gs, ts = sp.symbols("theta g t")
    lr = _r(it.lr if it.lr is not None else s.lr)
    consts = {**hyper(name, s), ETA: lr, ts: sp.Integer(state["t"])}
    current: dict = {}
    for sym, expr, note in formulas(name, s):
        rows_shown, rows_value = [], []
        for j in range(len(point)):
            subs = {th: point[j], gs: g[j], **consts, **{sp.Symbol(k): state[k][j] for k in state_names(name)},
                    **{done: vals[j] for done, vals in current.items()}}
            shown_expr = expr.xreplace({k: d.disp(v) if v.is_number else v for k, v in subs.items()})
            rows_shown.append(shown_expr)
            rows_value.append(_simplify(shown_expr.doit()) if not shown_expr.has(sp.Float) else sp.N(shown_expr.doit(), 30))
        before = sp.Matrix(rows_shown)
        exact = not before.has(sp.Float) and all(v.is_Rational and readable(_frac(v)) for v in rows_value)
        if exact:
            B.add(Step(Rule.ARITHMETIC, before, sp.Matrix([shown(v) if _terminates(v) else v for v in rows_value]),
                       note=note))
        else:
            B.add(Step(Rule.APPROXIMATE, before, sp.Matrix([rounded_float(v, d.digits) for v in rows_value]),
                       note=note))
        current[sym] = rows_value
    for key in state_names(name):
        state[key] = current[sp.Symbol(f"{key}^new")]
    new = tuple(current[sp.Symbol("theta^new")])
    B.outro(("So ",) + _point(tuple(new_name(p) for p in d.params), new) + (".",))
    if name == s.optimizer:
        d._check_engine(it, new)
    return new


def sci(v, digits: int = 3) -> str:
    """A float for prose: 0.0628, 2.82×10⁵, 1×10⁻⁶ (Unicode, which every format can print)."""
    from ..render.numbers import approximate, unicode_decimal

    if v == 0 or not math.isfinite(v):
        return f"{v:g}"
    return unicode_decimal(approximate(sp.Float(v), digits)).replace("×10", "×10")


def power_of_ten(r: sp.Rational) -> sp.Basic:
    """1×10⁻⁶ for 1/1000000, any other number as written."""
    if r > 0:
        k = sp.log(r, 10)
        if k.is_Integer and abs(k) > 2:
            return sp.Float(r, 1)  # printed 1×10⁻⁶
    return shown(r) if r.is_Rational else r


def _simplify(e):
    return sp.radsimp(e) if e.has(sp.Pow) else e


def compare_optimizers(d) -> None:
    """One worked step of each optimizer from the same start, with the same learning rate."""
    from .descent import _point

    B = d.B
    it = d.history.iterates[0]
    point = tuple(_r(v) for v in it.theta)
    g = [_r(v) for v in d._step_gradient(it)]
    for name in ("momentum", "adagrad", "rmsprop", "adam"):
        B.section((f"{OPTIMIZER_NAMES[name][:1].upper()}{OPTIMIZER_NAMES[name][1:]}: one step from ",)
                  + _point(d.params, point),
                  "The same gradient and learning rate, a different update rule.")
        show_formulas(d, name)
        d.opt_state.pop(name, None)
        B.data = {**B.data, **dict(zip(d.params, point))}
        new = optimizer_step(d, replace(it, lr=d.s.lr), g, point, name)
        d._loss_change(point, new)


# -- learning rate ---------------------------------------------------------------------------------------
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
    if H is None:
        what = "f" if obj.kind == "function" else "the loss"
        B.section("Learning rate", f"The Hessian of {what} is not a matrix of exact numbers here (it changes from point "
                                   "to point, or the model's terms are irrational on the data), so derive gives no fixed "
                                   "bound for the learning rate; a backtracking line search adapts the step to the "
                                   "point instead.")
        _armijo_section(d)
        return {"quadratic": False}
    p = len(d.params)
    Hm = sp.Matrix(p, p, lambda j, k: _r(H[j][k]))
    B.section("Learning rate",
              ("For a quadratic loss the Hessian H is constant, and it decides which learning rates work."
               if not local else "The function is not quadratic: the Hessian at the starting point gives a local "
                                 "guide to the learning rate.",))
    names = sp.Matrix(p, p, lambda j, k: sp.Derivative(obj.L, d.params[j], d.params[k]) if j != k
                      else sp.Derivative(obj.L, (d.params[j], 2)))
    Hsym = sp.MatrixSymbol("H", p, p)
    B.define(Hsym, names, "the Hessian: second partial derivatives of the loss")
    B.data = {**B.data, **dict(obj.data), **dict(zip(d.params, (_r(v) for v in d.theta0)))}
    shown_H = Hm.applyfunc(lambda v: d.disp(v) if v.is_Rational else v)
    B.add(Step(Rule.APPROXIMATE if shown_H.has(sp.Float) else Rule.EVALUATE, Hsym, shown_H,
               note="on the data" if obj.kind == "data" else ("at the starting point" if local else "")))
    eig = _eigenvalues(d, Hm)
    out = {"quadratic": not local, "hessian": [[sp.sstr(v) for v in Hm.row(j)] for j in range(p)]}
    lo, hi = eig["min"], eig["max"]
    out.update({"lambda_min": float(lo), "lambda_max": float(hi)})
    if hi <= 0 or lo <= 0:
        B.outro("The Hessian is not positive definite, so the loss has no unique minimum here and the bound "
                "η < 2/λ_max does not guarantee convergence.")
        return out
    bound = 2 / hi
    best = 2 / (lo + hi)
    kappa = hi / lo
    lr = _r(s.lr)
    eta_s, lam_min, lam_max = sp.Symbol("eta"), sp.Symbol("lambda_min"), sp.Symbol("lambda_max")
    parts = eig["prose"] + (
        "Gradient descent with a fixed learning rate converges from every start exactly when ",
        sp.StrictLessThan(eta_s, 2 / lam_max), ", where ", 2 / lam_max) + _exact_or_rounded(d, bound) + (
        ". The best fixed step is ", sp.Eq(sp.Symbol("eta_best"), 2 / (lam_min + lam_max), evaluate=False)) + \
        _exact_or_rounded(d, best) + ("; the condition number is ", sp.Eq(sp.Symbol("kappa"), lam_max / lam_min,
                                                                           evaluate=False)) + \
        _exact_or_rounded(d, kappa) + (".",)
    B.outro(parts)
    verdict = _sylvester_bound(d, Hm, lr)
    out.update({"bound": float(bound), "best": float(best), "condition_number": float(kappa),
                "converges": verdict})
    rho = max(abs(1 - lr * lo), abs(1 - lr * hi))
    rho_best = (kappa - 1) / (kappa + 1)
    g0 = math.sqrt(sum(float(v) ** 2 for v in d.history.iterates[0].grad))
    tol = float(s.tol)
    if verdict and g0 > tol:
        k_lr = _iterations(float(rho), g0, tol)
        k_best = _iterations(float(rho_best), g0, tol)
        out.update({"contraction": float(rho), "iterations_estimate": k_lr, "iterations_best": k_best})
        slow = k_lr > 10 * max(k_best, 1)
        eta_s, lo_s, hi_s = sp.Symbol("eta"), sp.Symbol("lambda_min"), sp.Symbol("lambda_max")
        rho_s = sp.Symbol("rho")
        B.add(Step(Rule.DEFINE, rho_s, sp.Max(sp.Abs(1 - eta_s * lo_s), sp.Abs(1 - eta_s * hi_s)),
                   note="the factor by which each step at least shrinks the gradient"))
        text = (("Here ", sp.Eq(rho_s, d.disp(rho) if rho.is_Rational else rounded_float(rho, d.digits),
                                 evaluate=False),
                 f", so about {k_lr:,} steps bring the length of the gradient from {sci(g0)} below {sci(tol)}"
                 + (f"; with the best fixed step it would take about {k_best:,}." if slow else "."))
                + ((" This learning rate is small: it works, but slowly.",) if slow else ()))
        B.outro(text)
    if obj.quadratic:
        _exact_line_search(d, Hm)
    _armijo_section(d)
    return out


def _approx_text(v, digits, sign=False) -> str:
    """`` ≈ 0.0909091`` after an exact value (or `` = 0.25`` with ``sign`` when it is exactly that)."""
    from ..render.numbers import decimal

    if v.is_Rational:
        text = decimal(v, digits)
        if sp.Rational(text) == v:
            return f" = {text}" if sign else ""
        return f" ≈ {text}"
    return " ≈ " + decimal(sp.Rational(sp.N(v, digits + 5)), digits)


def _exact_or_rounded(d, v) -> tuple:
    """Prose for a value: the exact form with its decimal when the exact form is short, else the
    decimal alone (rounded to --digits, and marked ≈)."""
    exact = v if v.is_Rational else sp.radsimp(v)
    if v.is_Rational:
        from ..optim import readable
        from .descent import _frac

        if readable(_frac(v)):
            return (" = ", d.disp(v), _approx_text(v, d.digits))
    elif len(sp.sstr(exact)) <= 40:
        return (" = ", exact, _approx_text(v, d.digits))
    return (" ≈ ", rounded_float(v, d.digits))


def _iterations(rho: float, g0: float, tol: float) -> int:
    if rho <= 0:
        return 1
    if rho >= 1:
        return 10**18
    return max(1, math.ceil(math.log(tol / g0) / math.log(rho)))


def _eigenvalues(d, Hm) -> dict:
    """Exact eigenvalues for up to two parameters (verified steps); floats beyond. Returns the extremes
    and a sentence giving them as decimals (for the prose that follows)."""
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
        values = [sp.radsimp(r) for r, mult in roots for _ in range(mult)]
        names = [sp.Symbol("lambda_min"), sp.Symbol("lambda_max")] if len(values) == 2 else [sp.Symbol("lambda")]
        lhs, rhs = (sp.Tuple(*names), sp.Tuple(*values)) if len(values) > 1 else (names[0], values[0])
        B.add(Step(Rule.EIGENVALUES, sp.Eq(written, 0, evaluate=False), sp.Eq(lhs, rhs, evaluate=False)))
        prose = () if all(v.is_Rational for v in values) else (
            ("Numerically, ",) + _listing(names, [rounded_float(v, d.digits) for v in values]) + (". ",))
        return {"min": values[0], "max": values[-1], "exact": True, "prose": prose}
    vals = np.linalg.eigvalsh(np.array([[float(v) for v in Hm.row(j)] for j in range(p)]))
    prose = ("The eigenvalues of H, computed in float64 (numpy.linalg.eigvalsh): "
             + ", ".join(f"{v:.{d.digits}g}" for v in vals) + ". ",)
    return {"min": sp.Float(float(vals[0])), "max": sp.Float(float(vals[-1])), "exact": False, "prose": prose}


def _term(d, c, power):
    """c·λᵏ with the coefficient as written (a decimal where it terminates): −16.098 λ, not λ (−16.098)."""
    if c in (1, -1) or not c.is_Rational:
        return c * power
    mag = d.disp(abs(c))
    term = sp.Mul(mag, power, evaluate=False) if power != 1 else mag
    return sp.Mul(-1, term, evaluate=False) if c < 0 else term


def _listing(names, values) -> tuple:
    parts: list = []
    for k, (n, v) in enumerate(zip(names, values)):
        parts += ([", "] if k else []) + [sp.Eq(n, v, evaluate=False)]
    return tuple(parts)


def _sylvester_bound(d, Hm, lr) -> bool:
    """η < 2/λ_max exactly when (2/η)I − H is positive definite: its leading minors, each a step."""
    B, p = d.B, Hm.shape[0]
    M = (2 / lr) * sp.eye(p) - Hm
    eta, lam_max = sp.Symbol("eta"), sp.Symbol("lambda_max")
    chosen = () if getattr(d, "lr_given", True) else (
        "derive chose this learning rate: one over ", lam_max, ", rounded down to one significant digit. ")
    B.section(("The learning rate ", sp.Eq(eta, shown(lr) if lr.is_Rational else lr, evaluate=False)),
              chosen + (sp.StrictLessThan(eta, 2 / lam_max), " holds exactly when the matrix ",
                        sp.MatAdd(sp.MatMul(2 / eta, sp.Identity(P)), sp.MatMul(-1, sp.MatrixSymbol("H", P, P))),
                        " is positive definite (every eigenvalue of H is then below ", 2 / eta,
                        "); Sylvester's criterion checks that with its leading minors."))
    minors = []
    for m in range(1, p + 1):
        sub = M[:m, :m]
        shown_sub = sp.ImmutableMatrix(sub.applyfunc(lambda v: d.disp(v) if v.is_Rational else v))
        minors.append(d.settle(sp.Determinant(shown_sub), sub.det(), Rule.DETERMINANT))
    ok = all(v > 0 for v in minors)
    if ok:
        B.outro("All leading minors are positive: the learning rate is below 2/λ_max and gradient descent converges.")
    else:
        B.outro("Not every leading minor is positive: the learning rate is at least 2/λ_max, so gradient descent "
                "does not converge: along the eigenvector of λ_max every step multiplies the error by 1 − ηλ_max, "
                "whose size is at least 1 (the iteration table shows it).")
    return ok


def _exact_line_search(d, Hm) -> None:
    """η* = gᵀg / gᵀHg at the starting point (a quadratic: the exact minimiser along −g)."""
    B = d.B
    it = d.history.iterates[0]
    g = [_r(v) for v in it.grad]
    if all(v == 0 for v in g):
        return
    B.section("Exact line search", ("On a quadratic, the loss along −g is a parabola in ", sp.Symbol("eta"),
                                   ", whose minimum is at the ratio ", sp.Symbol("eta^*"), " of ",
                                   sp.MatMul(sp.MatrixSymbol("g", P, 1).T, sp.MatrixSymbol("g", P, 1)), " to ",
                                   sp.MatMul(sp.MatrixSymbol("g", P, 1).T, sp.MatrixSymbol("H", P, P),
                                             sp.MatrixSymbol("g", P, 1)), ". At the starting point:"))
    gv = sp.ImmutableMatrix(g)
    show = lambda M: sp.ImmutableMatrix(M.rows, M.cols, lambda i, j: d.disp(M[i, j]))  # noqa: E731
    gg = _settle_1x1(d, sp.MatMul(show(gv).T, show(gv), evaluate=False), (gv.T * gv)[0],
                     "the squared length of the gradient g at the start")
    gHg = _settle_1x1(d, sp.MatMul(show(gv).T, show(sp.ImmutableMatrix(Hm)), show(gv), evaluate=False),
                      (gv.T * Hm * gv)[0], "the curvature of the loss along g")
    ratio = sp.Mul(d.disp(gg), sp.Pow(d.disp(gHg), -1, evaluate=False), evaluate=False)
    d.settle(ratio, gg / gHg if not ratio.has(sp.Float) else sp.N(ratio.doit(), 30), Rule.LINE_SEARCH,
             note="the ratio: the exact step along −g")


def _settle_1x1(d, product, value, note):
    """A product of explicit matrices equal to a 1×1 matrix: exact when readable, else rounded."""
    from ..optim import readable
    from .descent import _frac, _terminates

    if value.is_Rational and readable(_frac(value)) and not product.has(sp.Float):
        d.B.add(Step(Rule.ARITHMETIC, product, sp.Matrix([[shown(value) if _terminates(value) else value]]), note=note))
    else:
        d.B.add(Step(Rule.APPROXIMATE, product, sp.Matrix([[rounded_float(value, d.digits)]]), note=note))
    return value


def _armijo_section(d) -> None:
    """Backtracking from η = 1 at the starting point, halving until the decrease is sufficient."""
    from ..optim import ARMIJO_C, NotExact

    obj = d.obj
    it = d.history.iterates[0]
    if all(float(v) == 0 for v in it.grad):
        return
    try:
        trials = armijo(obj, list(it.theta), list(it.grad), None, Fraction(1), it.exact)
    except NotExact:
        trials = armijo(obj, [float(v) for v in it.theta], [float(v) for v in it.grad], None, Fraction(1), False)
    except Exception:  # noqa: BLE001 - an unbounded function: the section is left out
        return
    from ..notation import Norm

    eta, theta, g = sp.Symbol("eta"), sp.Symbol("theta"), sp.Symbol("g")
    L = d.obj.L.func
    B = d.B
    c = sp.Symbol("c")
    armijo_rule = sp.LessThan(L(theta - eta * g), L(theta) - c * eta * Norm(g) ** 2)
    B.section("Backtracking line search (Armijo)",
              ("At the starting point, with g the gradient there: start from ", sp.Eq(eta, 1, evaluate=False),
               " and halve ", eta, " until the step decreases the loss enough, ", armijo_rule, ", with ",
               sp.Eq(c, power_of_ten(_r(ARMIJO_C)), evaluate=False), "."))
    rows = tuple((_r(t[0]), _r(t[1]), _r(t[2])) for t in trials)
    B.table(Table((eta, armijo_rule.lhs, armijo_rule.rhs), rows))
    B.outro((f"Accepted after {len(trials) - 1} halving{'s' if len(trials) != 2 else ''}: ",
             sp.Eq(eta, shown(_r(trials[-1][0])), evaluate=False), "."))


# -- convergence -----------------------------------------------------------------------------------------
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
    B.section("Convergence", ("Run until ", sp.StrictLessThan(Norm(Grad(obj.L)), power_of_ten(_r(s.tol))),
                              f", at most {d.max_iter:,} steps."))
    theta = [float(v) for v in last.theta]
    summary = {"iterations": last.k, "stop": h.stop, "grad_norm": last.grad_norm,
               "params": {str(p): v for p, v in zip(d.params, theta)}}
    if h.stop == "tol":
        text = f"Stopped after {last.k:,} steps with {grad} = {sci(last.grad_norm)}."
    elif h.stop == "diverged":
        text = f"Diverged: the parameters exceeded 1e150 after {last.k:,} steps."
    elif h.stop == "undefined":
        text = f"Stopped after {last.k:,} steps: the loss is not defined at the point reached."
    else:
        text = f"Did not reach the tolerance in {last.k:,} steps: {grad} = {sci(last.grad_norm)}."
    B.outro(text)
    distance = None
    if opt is not None:
        values = [sp.Rational(v.numerator, v.denominator) for v in opt]
        B.data = {**B.data, **dict(obj.data), **dict(zip(d.params, values))}
        from .descent import _point

        B.section(("The closed-form optimum ",) + _point(d.params, tuple(values)),
                  "Solving the normal equations exactly gives the minimiser; its gradient is exactly zero:")
        B.add(Step(Rule.EVALUATE, sp.Matrix(d.grads), sp.zeros(len(values), 1), note="the gradient at the optimum"))
        if math.isfinite(sum(theta)):
            distance = math.sqrt(sum((a - float(b)) ** 2 for a, b in zip(theta, values)))
            B.outro(f"The distance from the last iterate to the optimum is {sci(distance)}.")
        summary.update({"optimum": {str(p): sp.sstr(v) for p, v in zip(d.params, values)}, "distance": distance})
    return Convergence(h, opt, distance, summary)


# -- checks ---------------------------------------------------------------------------------------------
def checks(d, conv: Convergence) -> list[CrossCheck]:
    out = [_numpy_check(d)]
    if conv.optimum is not None and conv.history.stop == "tol" and conv.distance is not None:
        H = d.obj.hessian()
        lo = float(min(np.linalg.eigvalsh(np.array([[float(v) for v in row] for row in H])))) if H else None
        g = conv.history.last.grad_norm
        if lo and lo > 0:
            bound = g / lo
            ok = conv.distance <= bound * (1 + 1e-6) + 1e-12
            out.append(CrossCheck("converged to the closed form", ok,
                                  f"‖θ − θ*‖ = {sci(conv.distance)} ≤ ‖∇{d.obj.L.func.__name__}‖/λ_min = {sci(bound)}, "
                                  "the bound for a "
                                  f"strongly convex quadratic"))
    return out


def _numpy_check(d) -> CrossCheck:
    """Every tabulated gradient, recomputed independently in float64 from the design matrix."""
    obj = d.obj
    worst = 0.0
    with np.errstate(all="ignore"):
        for it in d.history.iterates:
            theta = np.array([float(v) for v in it.theta])
            ref = _numpy_gradient(obj, theta)
            if ref is None:
                return CrossCheck("gradients recomputed with numpy", True, "not applicable to this objective")
            got = np.array([float(v) for v in it.grad])
            if not (np.all(np.isfinite(ref)) and np.all(np.isfinite(got))):
                continue
            scale = max(1.0, float(np.linalg.norm(ref)))
            worst = max(worst, float(np.linalg.norm(ref - got)) / scale)
    ok = worst <= 1e-9
    return CrossCheck("gradients recomputed with numpy", ok,
                      f"the largest relative difference over {len(d.history.iterates)} iterates is {worst:.2g}")


def _numpy_gradient(obj, theta):
    if obj.kind == "function" or not obj.quadratic:
        return None
    X = np.array([[float(v) for v in row] for row in obj.features])
    t = np.array([float(v) for v in obj.ys])
    c = float(obj.factor(None))
    return 2 * c * (X.T @ (X @ theta - t))


def add_figures(d, conv) -> None:
    from .descent_figures import descent_figures

    descent_figures(d, conv)

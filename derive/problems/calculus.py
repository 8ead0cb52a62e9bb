"""Any expression: partial derivatives, gradient, Hessian, values at a point, critical points.

``differentiation(expr, wrt)`` derives each partial derivative rule by rule; ``minimization(expr)``
sets the gradient to zero, solves the system (by substitution when it is linear, by sympy's solver
otherwise, and says which), and classifies every real critical point with the Hessian.

Example:
    >>> import sympy as sp
    >>> a, b = sp.symbols("a b", real=True)
    >>> d = minimization(3*a**2 + b**2 - a*b + a, (a, b))
    >>> d.meta["critical_points"][0]["classification"]
    'minimum'
"""
from __future__ import annotations

import sympy as sp
from sympy.core.parameters import distribute

from ..algebra import equations as eqs
from ..algebra.diff import Differentiator, derivative_chain
from ..algebra.elimination import _simplest, eliminate
from ..budget import SOLVE_SECONDS, time_budget
from ..errors import ExpressionError
from ..rules import Rule
from ..steps import Builder, Derivation, Result, Step


def _variables(expr: sp.Basic, names) -> tuple[sp.Symbol, ...]:
    if names:
        return tuple(names)
    found = tuple(sorted(expr.free_symbols, key=str))
    if not found:
        raise ExpressionError("the expression has no variables; write one such as x**2 - 4*x + 5")
    return found


class _Calculus:
    def __init__(self, command: str, expr: sp.Basic, variables: tuple[sp.Symbol, ...]):
        self.expr, self.vars = expr, variables
        args = tuple(sorted(set(variables) | expr.free_symbols, key=str))
        self.f = sp.Function("f")(*args)
        self.B = Builder(command, ("Derivatives of ", sp.Eq(self.f, expr, evaluate=False)))
        self.diff = Differentiator()

    def define(self):
        self.B.section("The function")
        self.B.define(self.f, self.expr)

    def partials(self) -> list[sp.Basic]:
        out = []
        for v in self.vars:
            intro = "Every other variable is held constant."
            if not self.expr.has(v):
                intro = (v, " does not occur in f, so the derivative is 0.")
            self.B.section(("Partial derivative with respect to ", v), intro)
            current = self.B.add(Step(Rule.SUBSTITUTE_DEFINITION, sp.Derivative(self.f, v),
                                      sp.Derivative(self.expr, v))).after
            for step in derivative_chain(current, self.diff):
                current = self.B.add(step).after
            simpler = _simplest(current)
            if simpler != current:
                current = self.B.add(Step(Rule.SIMPLIFY, current, simpler)).after
            out.append(current)
        self.grad = out
        return out

    def gradient(self):
        if len(self.vars) < 2:
            return
        self.B.section("Gradient", "The gradient collects the partial derivatives; it points uphill.")
        self.B.add(Step(Rule.GRADIENT, sp.Matrix([sp.Derivative(self.f, v) for v in self.vars]), sp.Matrix(self.grad)))

    def hessian(self) -> sp.Matrix:
        names = sp.Matrix([[sp.Derivative(self.f, vi, vj) if vi != vj else sp.Derivative(self.f, (vi, 2))
                            for vj in self.vars] for vi in self.vars])
        trees, rows = [], []
        for gi in self.grad:
            row = []
            for vj in self.vars:
                t = self.diff(gi, vj)
                trees.append(t)
                row.append(_simplest(t.after))
            rows.append(row)
        H = sp.Matrix(rows)
        self.B.section("Hessian", "Differentiate each partial derivative once more.")
        self.B.add(Step(Rule.HESSIAN, names, H, substeps=tuple(t for t in trees if t.substeps)))
        self.H = H
        return H

    def at_point(self, point: dict, direction=None, lr=None):
        B = self.B
        missing = [v for v in self.f.args if v not in point]
        if missing:
            raise ExpressionError(f"--at: give a value for {', '.join(map(str, missing))} (e.g. "
                                  f"{','.join(f'{v}=1' for v in self.f.args)})")
        B.data = dict(point)
        B.section(("At the point ",) + _point(point))
        values = [_real_value(e, point, "the derivative") for e in self.grad]
        g = B.add(Step(Rule.AT_POINT, sp.Matrix([_plugged(e, point) for e in self.grad]), sp.Matrix(values),
                       note="the gradient at the point")).after
        results = [Result(sp.Subs(sp.Derivative(self.f, v), tuple(point), tuple(point.values())), g[k])
                   for k, v in enumerate(self.vars)]
        norm2 = sum(c**2 for c in g)
        if direction is not None:
            d = sp.Matrix(direction)
            if len(d) != len(self.vars):
                raise ExpressionError(f"--direction: expected {len(self.vars)} component"
                                      f"{'s' if len(self.vars) != 1 else ''}, got {len(d)}")
            if all(c == 0 for c in d):
                raise ExpressionError("--direction: the zero vector has no direction; give e.g. 1,1")
            length = sp.sqrt(sum(c**2 for c in d))
            u_shown = sp.Matrix([sp.UnevaluatedExpr(c) / sp.UnevaluatedExpr(length) for c in d])
            u = B.add(Step(Rule.ARITHMETIC, u_shown, sp.Matrix([sp.radsimp(c / length) for c in d]),
                           note="the unit vector u in the given direction")).after
            shown = sp.Add(*[sp.Mul(sp.UnevaluatedExpr(u[k]), sp.UnevaluatedExpr(g[k]), evaluate=False)
                             for k in range(len(g))], evaluate=False)
            du = B.add(Step(Rule.ARITHMETIC, shown, sp.radsimp(sp.expand((u.T * g)[0])),
                            note="the directional derivative: u dotted with the gradient")).after
            results.append(Result(sp.Symbol("D_u f"), du))
        if norm2 != 0:
            length = sp.sqrt(norm2)
            shown = sp.Matrix([sp.Mul(sp.UnevaluatedExpr(-c), sp.Pow(sp.UnevaluatedExpr(length), -1, evaluate=False),
                                      evaluate=False) for c in g])
            B.add(Step(Rule.ARITHMETIC, shown, sp.Matrix([sp.radsimp(-c / length) for c in g]),
                       note="the steepest-descent direction: minus the gradient, normalised"))
        else:
            B.outro("The gradient is zero here: the point is a critical point and there is no steepest-descent direction.")
        if lr is not None:
            results += self.descent_step(point, g, lr)
        return results

    def descent_step(self, point: dict, g: sp.Matrix, lr) -> list[Result]:
        """One gradient-descent step from ``point`` with learning rate ``lr`` (seed 003's exercise)."""
        B = self.B
        eta = sp.Symbol("eta", positive=True)
        B.section(("One gradient-descent step with ", sp.Eq(eta, lr, evaluate=False)),
                  "Step against the gradient: the new point is the old one minus the learning rate times the gradient.")
        old = sp.Matrix([point[v] for v in self.vars])
        shown = sp.Matrix([sp.UnevaluatedExpr(old[k]) - sp.UnevaluatedExpr(lr) * sp.UnevaluatedExpr(g[k])
                           for k in range(len(g))])
        new = B.add(Step(Rule.ARITHMETIC, shown, old - lr * g, note="new point = old point − η · gradient")).after
        new_point = dict(zip(self.vars, new))
        f_old = B.add(Step(Rule.AT_POINT, _plugged(self.expr, point), _real_value(self.expr, point, "f"),
                           note="f at the old point")).after
        B.data = {**point, **new_point}
        f_new = B.add(Step(Rule.AT_POINT, _plugged(self.expr, {**point, **new_point}),
                           _real_value(self.expr, {**point, **new_point}, "f"), note="f at the new point")).after
        if all(c == 0 for c in g):
            verdict = "The gradient is zero here, so the step does not move: this is a critical point."
        elif f_new < f_old:
            verdict = "The value of f decreased."
        else:
            verdict = "The value of f did not decrease: the learning rate is too large for this step."
        B.outro(verdict)
        return [Result(sp.Symbol(f"{v}_new"), new_point[v]) for v in self.vars]

    # -- minimisation ---------------------------------------------------------------------------
    def conditions(self) -> list[Step]:
        self.B.section("Setting the gradient to zero", "At a minimum, maximum or saddle point every partial derivative is zero.")
        return [self.B.add(eqs.condition(g, 0, sp.Derivative(self.f, v)), label=True) for g, v in zip(self.grad, self.vars)]

    def solve(self, conds: list[Step]):
        """Return (list of solution dicts, free variables or None when there is no solution)."""
        if all(_is_linear(c.after.lhs, self.vars) for c in conds):
            return self._eliminate(conds)
        return self._sympy_solve(conds)

    def _eliminate(self, conds: list[Step]):
        self.B.section("Solving by substitution",
                       "The equations are linear: solve one for a variable, substitute into the others.")
        values, free = eliminate(self.B, conds, self.vars)
        return ([] if values is None else [values]), free

    def _sympy_solve(self, conds: list[Step]):
        B = self.B
        B.section("Solving the system", "The equations are not linear, so sympy's solver finds the solutions; "
                                        "each one is checked by substituting it back.")
        system = [c.after.lhs for c in conds]
        try:
            with time_budget(SOLVE_SECONDS, "solving the stationarity equations"):
                found = sp.solve(system, self.vars, dict=True)
        except NotImplementedError:
            raise ExpressionError(f"sympy's solver cannot solve the stationarity equations of {sp.sstr(self.expr)}; "
                                  f"derive cannot find its critical points") from None
        if self.expr.has(sp.sin, sp.cos, sp.tan):
            B.outro("Trigonometric equations can have infinitely many solutions; sympy's solver returns one "
                    "representative of each family it finds.")
        points, free = [], []
        self.families = []
        for sol in found:
            if any(v not in sol for v in self.vars):
                free = [v for v in self.vars if v not in sol]
                self.families.append(sol)
                continue
            if not all(sp.im(val) == 0 for val in sol.values()):
                continue
            at = self.expr.xreplace(sol)
            if at.has(sp.zoo, sp.nan) or sp.im(at) != 0:
                continue  # outside the domain of f (e.g. log of a negative number)
            B.data = {v: sol[v] for v in self.vars}
            B.add(Step(Rule.SOLVE_SYMPY, sp.Matrix(self.grad), sp.zeros(len(self.grad), 1),
                       note="critical point " + ", ".join(f"{v} = {sp.sstr(sol[v])}" for v in self.vars)))
            points.append({v: sol[v] for v in self.vars})
        return points, (free or [])

    def classify(self, point: dict) -> str:
        B = self.B
        B.section(("Second-order test at ",) + _point(point))
        B.data = dict(point)
        Hp = B.add(Step(Rule.AT_POINT, self.H, self.H.xreplace(point).applyfunc(sp.simplify))).after
        k = Hp.shape[0]
        minors = []
        for m in range(1, k + 1):
            sub = Hp[:m, :m]
            minors.append(B.add(Step(Rule.DETERMINANT, sp.Determinant(sub), sp.simplify(sub.det()))).after)
        verdict, why = _sylvester(minors)
        B.outro(why)
        return verdict


def _sylvester(minors: list[sp.Basic]) -> tuple[str, str]:
    signs = [sp.sign(sp.N(m, 30)) if m.is_number else None for m in minors]
    if any(s is None for s in signs):
        return "inconclusive", "The signs of the leading minors cannot be decided."
    if minors[-1] == 0:
        return "inconclusive", "The Hessian is singular here (its determinant is 0), so the second-order test is inconclusive."
    if all(s > 0 for s in signs):
        return "minimum", "All leading minors are positive: the Hessian is positive definite, so this is a local minimum."
    if all((s < 0) if k % 2 == 0 else (s > 0) for k, s in enumerate(signs)):
        return "maximum", "The leading minors alternate in sign starting negative: the Hessian is negative definite, so this is a local maximum."
    return "saddle", "The Hessian is invertible but neither positive nor negative definite: this is a saddle point."


def _is_linear(expr: sp.Basic, variables) -> bool:
    try:
        return sp.Poly(expr, *variables).total_degree() <= 1
    except sp.PolynomialError:
        return False


def _point(point: dict) -> tuple:
    """Prose parts naming a point: a = 1, b = 2."""
    parts: list = []
    for k, (var, value) in enumerate(point.items()):
        parts += ([", "] if k else []) + [sp.Eq(var, value, evaluate=False)]
    return tuple(parts)


def _plugged(expr: sp.Basic, point: dict) -> sp.Basic:
    """The expression with the coordinates written in (not yet computed)."""
    return expr.xreplace({v: sp.UnevaluatedExpr(c) for v, c in point.items()})


def _real_value(expr: sp.Basic, point: dict, what: str) -> sp.Basic:
    """The exact value at the point; an error when it is undefined or not real there."""
    value = _at(expr, point)
    where = ", ".join(f"{v} = {sp.sstr(c)}" for v, c in point.items())
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ExpressionError(f"--at {where}: {what} is not defined there (a division by zero or a pole); "
                              f"choose another point")
    if value.is_real is False or (value.is_number and sp.im(value) != 0):
        raise ExpressionError(f"--at {where}: {what} is not a real number there; choose a point in the domain")
    return value


def _at(expr: sp.Basic, point: dict) -> sp.Basic:
    return sp.simplify(expr.xreplace(point))


def differentiation(expr: sp.Basic, wrt=None, *, order: int = 1, at: dict | None = None, direction=None,
                    lr=None) -> Derivation:
    """Derive ∂f/∂v for each v in ``wrt`` (the gradient for several), optionally the Hessian and values at a point."""
    with distribute(False):
        c = _Calculus("diff", expr, _variables(expr, wrt))
        c.define()
        grad = c.partials()
        c.gradient()
        results = [Result(sp.Derivative(c.f, v), g) for v, g in zip(c.vars, grad)]
        if order == 2:
            H = c.hessian()
            for j, vj in enumerate(c.vars):
                for k, vk in enumerate(c.vars):
                    if k >= j:  # the Hessian is symmetric: each second derivative once
                        name = sp.Derivative(c.f, (vj, 2)) if j == k else sp.Derivative(c.f, vj, vk)
                        results.append(Result(name, H[j, k]))
        if at is not None:
            results = c.at_point(at, direction, lr)
        return c.B.build(results, meta={"variables": [str(v) for v in c.vars], "order": order})


def minimization(expr: sp.Basic, variables=None) -> Derivation:
    """Find and classify every real critical point of ``expr``."""
    with distribute(False):
        c = _Calculus("minimize", expr, _variables(expr, variables))
        c.B.title = ("Critical points of ", sp.Eq(c.f, expr, evaluate=False))
        c.define()
        c.partials()
        c.gradient()
        conds = c.conditions()
        points, free = c.solve(conds)
        c.hessian()
        classified = []
        linear = all(_is_linear(cond.after.lhs, c.vars) for cond in conds)
        if free and linear:
            c.B.section("Conclusion", ("There are infinitely many critical points: ", sp.Tuple(*free) if len(free) > 1
                                       else free[0], " can take any value."))
        elif free:
            families = tuple(part for k, fam in enumerate(c.families) for part in
                             (([", "] if k else []) + [sp.Eq(v, val, evaluate=False) for v, val in fam.items()]))
            c.B.section("Conclusion", ("There are infinitely many critical points. sympy's solver returned the "
                                       "families ",) + families + (" with the other variables free.",))
        elif not points and linear:
            c.B.section("Conclusion", "There is no real critical point.")
        elif not points:
            c.B.section("Conclusion", "sympy's solver found no real solution of the stationarity equations. "
                                      "That is not a proof that there is none; a numerical method may find one.")
        for p in points if not free else []:
            classified.append({"point": p, "classification": c.classify(p)})
        convex = c.H.is_positive_semidefinite if c.H.free_symbols.isdisjoint(c.vars) else None
        if convex and classified:
            c.B.section("Convexity", "The Hessian is the same at every point and positive semidefinite, so f is convex: "
                                     "every critical point is a global minimum.")
        meta = {"variables": [str(v) for v in c.vars], "critical_points": classified, "convex": bool(convex),
                "infinitely_many": bool(free)}
        results = [Result(v, p[v]) for p in (points if len(points) == 1 and not free else []) for v in c.vars]
        return c.B.build(results, meta=meta)

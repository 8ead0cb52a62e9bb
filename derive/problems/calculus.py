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

import random

import sympy as sp
from sympy.calculus.util import periodicity
from sympy.core.parameters import distribute

from ..algebra import equations as eqs
from ..algebra.diff import Differentiator, derivative_chain
from ..algebra.elimination import _simplest, eliminate
from ..budget import SOLVE_SECONDS, time_budget
from ..errors import ExpressionError
from ..render.printer import latex, unicode
from ..rules import Rule
from ..steps import Builder, Derivation, Result, Step


class Partial(sp.Derivative):
    """A derivative of f named as a result: printed as ∂f/∂a, but its plain text (the JSON key) is
    ASCII and readable: ``df/da``, ``d2f/da^2``, ``d2f/da db``."""

    def _sympystr(self, printer) -> str:
        return derivative_key(self)


class PartialAt(sp.Subs):
    """A derivative of f at a point, named as a result: printed as (∂f/∂a) at a = 1; its plain text
    (the JSON key) is the derivative's, ``df/da`` (the point is in ``meta["at"]``)."""

    def _sympystr(self, printer) -> str:
        return derivative_key(self.expr)


def derivative_key(d: sp.Derivative) -> str:
    """The ASCII name of a derivative of f: ``df/da``, ``d2f/da^2``, ``d2f/da db``."""
    order = sum(int(n) for _, n in d.variable_count)
    den = " ".join(f"d{v}" + (f"^{n}" if n > 1 else "") for v, n in d.variable_count)
    return f"d{order if order > 1 else ''}{d.expr.func}/{den}"


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
        self.families: list[dict] = []  # solutions sympy's solver returned with a variable left free
        self.periods: dict = {}  # variable -> the period of f in it (for a periodic f)
        self.shift: dict = {}  # periodic variable -> the integer that counts its whole periods

    def define(self):
        self.B.section("The function")
        self.B.define(self.f, self.expr)

    def show(self, step: Step) -> sp.Basic:
        """Verify ``step`` and add it when it changes something; return its ``after``.

        NOTE: a step whose two sides print alike in every notation (a constant gradient or Hessian
        "evaluated" at a point, 1/6 = 1/6) says nothing; it is checked, then left out.
        """
        if _changes(step.before, step.after):
            return self.B.add(step).after
        return self.B.verify(step).after

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

    def hessian_at(self, point: dict) -> list[Result]:
        """The Hessian evaluated exactly at the point (a verified step), one result per second derivative."""
        B = self.B
        B.section(("The Hessian at ",) + _point(point),
                  "The Hessian is the same at every point." if self.H.free_symbols.isdisjoint(self.vars) else "")
        B.data = dict(point)
        values = self.H.applyfunc(lambda e: _real_value(e, point, "a second derivative"))
        Hp = self.show(Step(Rule.AT_POINT, self.H.applyfunc(lambda e: _plugged(e, point)), values,
                            note="the Hessian at the point"))
        out = []
        for j, vj in enumerate(self.vars):
            for k, vk in enumerate(self.vars):
                if k >= j:  # symmetric: each second derivative once
                    d = sp.Derivative(self.f, (vj, 2)) if j == k else sp.Derivative(self.f, vj, vk)
                    out.append(Result(PartialAt(d, tuple(point), tuple(point.values())), Hp[j, k]))
        return out

    def at_point(self, point: dict, direction=None, lr=None):
        B = self.B
        missing = [v for v in self.f.args if v not in point]
        if missing:
            raise ExpressionError(f"--at: give a value for {', '.join(map(str, missing))} (e.g. "
                                  f"{','.join(f'{v}=1' for v in self.f.args)})")
        B.data = dict(point)
        B.section(("At the point ",) + _point(point),
                  "The gradient is the same at every point." if all(not e.free_symbols for e in self.grad) else "")
        _real_value(self.expr, point, "f")  # log(x) at x = −1: a derivative there would mean nothing
        _differentiable(self.expr, self.grad, point)
        values = [_real_value(e, point, "the derivative") for e in self.grad]
        g = self.show(Step(Rule.AT_POINT, sp.Matrix([_plugged(e, point) for e in self.grad]), sp.Matrix(values),
                           note="the gradient at the point"))
        results = [Result(PartialAt(sp.Derivative(self.f, v), tuple(point), tuple(point.values())), g[k])
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
            u = self.show(Step(Rule.ARITHMETIC, u_shown, sp.Matrix([sp.radsimp(c / length) for c in d]),
                               note="the unit vector u in the given direction"))
            shown = sp.Add(*[sp.Mul(sp.UnevaluatedExpr(u[k]), sp.UnevaluatedExpr(g[k]), evaluate=False)
                             for k in range(len(g))], evaluate=False)
            du = self.show(Step(Rule.ARITHMETIC, shown, sp.radsimp(sp.expand((u.T * g)[0])),
                                note="the directional derivative, u dotted with the gradient"))
            results.append(Result(sp.Symbol("D_u f"), du))
        if norm2 != 0:
            length = sp.sqrt(norm2)
            shown = sp.Matrix([sp.Mul(sp.UnevaluatedExpr(-c), sp.Pow(sp.UnevaluatedExpr(length), -1, evaluate=False),
                                      evaluate=False) for c in g])
            self.show(Step(Rule.ARITHMETIC, shown, sp.Matrix([sp.radsimp(-c / length) for c in g]),
                           note="the steepest-descent direction, minus the gradient normalised"))
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
        new = self.show(Step(Rule.ARITHMETIC, shown, old - lr * g, note="new point = old point − η · gradient"))
        new_point = dict(zip(self.vars, new))
        f_old = self.show(Step(Rule.AT_POINT, _plugged(self.expr, point), _real_value(self.expr, point, "f"),
                               note="f at the old point"))
        B.data = {**point, **new_point}
        f_new = self.show(Step(Rule.AT_POINT, _plugged(self.expr, {**point, **new_point}),
                               _real_value(self.expr, {**point, **new_point}, "f"), note="f at the new point"))
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
        except (NotImplementedError, RecursionError):  # sympy gives up, or recurses without end (sqrt(x) + 1/x)
            raise ExpressionError(f"sympy's solver cannot solve the stationarity equations of {sp.sstr(self.expr)}; "
                                  f"derive cannot find its critical points") from None
        if self.expr.has(sp.sin, sp.cos, sp.tan):
            B.outro("Trigonometric equations can have infinitely many solutions; sympy's solver returns one "
                    "representative of each family it finds.")
            self.periods = self._periods()
        points = []
        for sol in found:
            if any(v not in sol for v in self.vars):
                self.families.append(sol)
                continue
            if not all(sp.im(val) == 0 for val in sol.values()):
                continue
            at = self.expr.xreplace(sol)
            if at.has(sp.zoo, sp.nan) or sp.im(at) != 0:
                continue  # outside the domain of f (e.g. log of a negative number)
            point = {v: sol[v] for v in self.vars}
            if any(self._same_family(point, q) for q in points):
                continue  # another representative of a family already found (a whole period apart)
            B.data = dict(point)
            named = ", ".join(unicode(sp.Eq(v, val, evaluate=False)) for v, val in point.items())
            B.add(Step(Rule.SOLVE_SYMPY, sp.Matrix([_plugged(g, point) for g in self.grad]),
                       sp.zeros(len(self.grad), 1), note="critical point " + named))
            points.append(point)
        free = [v for v in self.vars if any(v not in fam for fam in self.families)]
        return points, free

    def _periods(self) -> dict:
        """The period of f in each variable in which f is periodic (a positive number, e.g. 2π)."""
        out = {}
        with time_budget(SOLVE_SECONDS, "finding the periods of f"):
            for v in self.vars:
                try:
                    T = periodicity(self.expr, v)
                except (NotImplementedError, ValueError, TypeError):
                    T = None
                if T is not None and T.is_number and T.is_positive:
                    out[v] = self._shortest_period(v, T)
        return out

    def _shortest_period(self, v: sp.Symbol, T: sp.Basic) -> sp.Basic:
        """T/m for the largest m ≤ 12 that is still a period (sympy gives 2π for sin(a)², whose period is π):
        rejected at once when f differs at a random point, accepted when sympy proves it."""
        rng = random.Random(0)
        others = {w: sp.Rational(rng.randint(-99, 99), rng.randint(1, 9)) for w in self.expr.free_symbols - {v}}
        at = [{**others, v: sp.Rational(rng.randint(-99, 99), rng.randint(1, 9))} for _ in range(3)]
        for m in range(12, 1, -1):
            shifted = self.expr.xreplace({v: v + T / m})
            if any(_nonzero_at(shifted - self.expr, p) for p in at):
                continue
            if sp.simplify(shifted - self.expr) == 0:
                return T / m
        return T

    def _same_family(self, p: dict, q: dict) -> bool:
        """Whether two critical points differ by whole periods of f (so they belong to one family)."""
        for v in self.vars:
            if v in self.periods:
                if sp.simplify((p[v] - q[v]) / self.periods[v]).is_integer is not True:
                    return False
            elif sp.simplify(p[v] - q[v]) != 0:
                return False
        return True

    def periodicity(self):
        """Show that f repeats with its periods (verified steps); name the integers that count them."""
        B = self.B
        self.shift = dict(zip(self.periods, _integer_names(len(self.periods), self.expr)))
        B.section("Periodicity", "Adding a whole period to a variable leaves f unchanged.")
        for v, T in self.periods.items():
            with sp.evaluate(False):
                moved = self.f.xreplace({v: v + T})
                shifted = self.expr.xreplace({v: v + T})
            B.add(Step(Rule.SUBSTITUTE_DEFINITION, moved, shifted))
            B.add(Step(Rule.SIMPLIFY, shifted, self.expr,
                       note="sin and cos repeat every 2π, tan every π"))
        ks = list(self.shift.values())
        B.outro(("So a critical point moved by whole periods is again a critical point, with the same Hessian: "
                 "each critical point found stands for a family, with ",) + _listed(ks)
                + (" any integer." if len(ks) == 1 else " any integers.",))

    def family(self, point: dict) -> dict:
        """The critical points that ``point`` stands for: each periodic coordinate plus whole periods."""
        return {v: val + self.shift[v] * self.periods[v] if v in self.shift else val for v, val in point.items()}

    def family_sections(self) -> list[dict]:
        """One section per family sympy's solver returned with a variable left free, each checked by
        substituting the family into the gradient; returns the families (with whole periods added)."""
        B = self.B
        out = []
        for k, fam in enumerate(self.families, 1):
            free = [v for v in self.vars if v not in fam]
            whole = self.family(fam)
            # √(1 − x²) is real only for |x| ≤ 1; 1/b is real wherever it is defined (b ≠ 0)
            nonzero = {v: sp.Symbol(v.name, real=True, nonzero=True) for v in free}
            real = all(val.xreplace(nonzero).is_real for val in fam.values())
            B.section((f"Family {k}: ",) + _point(whole) + (", any ",) + _listed(free)
                      + (() if real else (" where this is defined and real",)),
                      ("Substituting the family into the gradient gives zero whatever the value of ",)
                      + _listed(free) + ((".",) if real else (" for which the family is real.",))
                      + (" Along a curve of critical points the gradient stays zero, so the Hessian maps the "
                         "direction of the curve to zero: it is singular there, and the second-order test is "
                         "inconclusive for the family.",))
            B.data = {}
            with sp.evaluate(False):
                plugged = sp.Matrix(self.grad).xreplace(fam)
            B.add(Step(Rule.AT_POINT, plugged, sp.zeros(len(self.grad), 1), note="the gradient on the family"))
            out.append({str(v): val for v, val in whole.items()})
        return out

    def classify(self, point: dict, number: int = 0) -> str:
        B = self.B
        constant = self.H.free_symbols.isdisjoint(self.vars)
        if self.shift:
            B.section((f"Family {number}: ",) + _point(self.family(point)),
                      ("The second-order test at ",) + _point(point) + ("; f and its Hessian repeat with the "
                                                                        "periods, so the verdict holds for the "
                                                                        "whole family.",))
        else:
            B.section(("Second-order test at ",) + _point(point),
                      "The Hessian is the same at every point." if constant else "")
        B.data = dict(point)
        Hp = self.show(Step(Rule.AT_POINT, self.H, self.H.xreplace(point).applyfunc(sp.simplify)))
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


def _nonzero_at(expr: sp.Basic, point: dict) -> bool:
    """Whether ``expr`` is certainly not zero at ``point`` (to 30 digits); False when it is undefined there."""
    value = sp.N(expr.xreplace(point), 30)
    return bool(value.is_comparable and abs(value) > sp.Float(10) ** -20)


def _changes(before: sp.Basic, after: sp.Basic) -> bool:
    """Whether a step from ``before`` to ``after`` shows a change: not when the two sides are the
    same expression, or print alike both in the terminal and in LaTeX."""
    return before != after and (unicode(before) != unicode(after) or latex(before) != latex(after))


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


def _listed(items) -> tuple:
    """Prose parts listing symbols: b; b and c; b, c and d."""
    parts: list = []
    for k, item in enumerate(items):
        if k:
            parts.append(" and " if k == len(items) - 1 else ", ")
        parts.append(item)
    return tuple(parts)


def _integer_names(count: int, expr: sp.Basic) -> list[sp.Symbol]:
    """Names for the integers that count whole periods: k, or k₁, k₂, … (names the expression does not use)."""
    taken = {s.name for s in expr.free_symbols}
    offset = 0
    while True:
        for base in ("k", "m", "j"):
            names = [base] if count == 1 and not offset else [f"{base}_{offset + j}" for j in range(1, count + 1)]
            if not taken.intersection(names):
                return [sp.Symbol(n, integer=True) for n in names]
        offset += count


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


def _differentiable(expr: sp.Basic, grad, point: dict) -> None:
    """f must be differentiable at the point. Where u = 0, sympy writes the derivative of |u| as sign(u)·u',
    which gives sign(0) = 0 whether or not |u| has a corner there: the gradient is taken with sign(u) = 1
    and with sign(u) = −1 (the two sides), and a point where they differ is refused (|x| at 0; x·|x| and
    |x|³ are differentiable there and pass)."""
    where = ", ".join(f"{v} = {sp.sstr(c)}" for v, c in point.items())
    kinks = {a.args[0] for a in expr.atoms(sp.Abs, sp.sign)} | {a.args[0] for e in grad for a in e.atoms(sp.sign)}
    for u in sorted(kinks, key=sp.default_sort_key):
        if sp.simplify(u.xreplace(point)) != 0:
            continue
        sides = []
        for s in (1, -1):
            side = [e.replace(lambda t: isinstance(t, sp.sign) and t.args[0] == u, lambda t: sp.Integer(s))
                    for e in grad]
            sides.append([sp.simplify(e.xreplace(point)) for e in side])
        if any(sp.simplify(a - b) != 0 for a, b in zip(*sides)):
            raise ExpressionError(f"--at {where}: f is not differentiable there (|{sp.sstr(u)}| has a corner where "
                                  f"{sp.sstr(u)} = 0); choose another point")


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
        results = [Result(Partial(c.f, v), g) for v, g in zip(c.vars, grad)]
        if order == 2:
            H = c.hessian()
            for j, vj in enumerate(c.vars):
                for k, vk in enumerate(c.vars):
                    if k >= j:  # the Hessian is symmetric: each second derivative once
                        name = Partial(c.f, (vj, 2)) if j == k else Partial(c.f, vj, vk)
                        results.append(Result(name, H[j, k]))
        if at is not None:
            results = c.at_point(at, direction, lr)
            if order == 2:
                results += c.hessian_at(at)
        meta = {"variables": [str(v) for v in c.vars], "order": order}
        if at is not None:
            meta["at"] = {str(v): value for v, value in at.items()}
        return c.B.build(results, meta=meta)


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
        linear = all(_is_linear(cond.after.lhs, c.vars) for cond in conds)
        if linear and free:
            points = []  # the solution depends on the free variables: not a point to classify
        else:  # a point on a family is not isolated; the families cover it
            points = [p for p in points if not any(_on_family(p, fam) for fam in c.families)]
        if c.periods and (points or c.families):
            c.periodicity()
        families = c.family_sections() if c.families else []
        if c.shift:
            families += [{str(v): val for v, val in c.family(p).items()} for p in points]
        c.hessian()
        if free and linear:
            c.B.section("Conclusion", ("There are infinitely many critical points: ", sp.Tuple(*free) if len(free) > 1
                                       else free[0], " can take any value."))
        elif free:
            found = ["the family above" if len(c.families) == 1 else f"the {len(c.families)} families above"]
            if points:
                found.append("the isolated point below" if len(points) == 1 else "the isolated points below")
            c.B.section("Conclusion", "There are infinitely many critical points: " + ", and ".join(found) + ".")
        elif not points and linear:
            c.B.section("Conclusion", "There is no real critical point.")
        elif not points:
            c.B.section("Conclusion", "sympy's solver found no real solution of the stationarity equations. "
                                      "That is not a proof that there is none; a numerical method may find one.")
        first = len(c.families) + 1  # periodic families are numbered after the free ones
        classified = [{"point": p, "classification": c.classify(p, k)} for k, p in enumerate(points, first)]
        convex = c.H.is_positive_semidefinite if c.H.free_symbols.isdisjoint(c.vars) else None
        if convex and classified:
            c.B.section("Convexity", "The Hessian is the same at every point and positive semidefinite, so f is convex: "
                                     "every critical point is a global minimum.")
        meta = {"variables": [str(v) for v in c.vars], "critical_points": classified, "convex": bool(convex),
                "infinitely_many": bool(free or c.shift)}
        if families:
            meta["families"] = families
        results = [Result(v, p[v]) for p in (points if len(points) == 1 and not free else []) for v in c.vars]
        return c.B.build(results, meta=meta)


def _on_family(point: dict, family: dict) -> bool:
    """Whether ``point`` lies on a family such as {a: 1/b} (its other variables free)."""
    for v, value in family.items():
        at = value.xreplace(point)
        if at.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or sp.simplify(point[v] - at) != 0:
            return False
    return True

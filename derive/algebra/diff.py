"""Differentiation with named rules.

:func:`differentiate` returns a step tree for ``∂expr/∂var``: the root step's rule is the rule
applied at the head of ``expr`` and its substeps derive the pieces (a chain-rule step holds the
outer and the inner derivative). :func:`derivative_chain` turns an expression that contains
unevaluated derivatives into a chain of whole-expression rewrites, one rule at a time, which is
how a derivation is read on paper. An identical sub-derivation is derived once; later uses are
``similarly`` steps.

Example:
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> s = differentiate((x + y)**2, y)
    >>> s.rule.code, s.after
    ('chain', 2*x + 2*y)
"""
from __future__ import annotations

import sympy as sp

from ..errors import BudgetError
from ..rules import Rule
from ..steps import Step

U = sp.Symbol("u")  # the inner expression of a chain rule, named for the outer derivative
MAX_CHAIN = 200

_ELEMENTARY = {sp.exp: Rule.EXP, sp.log: Rule.LOG, sp.sin: Rule.SIN, sp.cos: Rule.COS, sp.tan: Rule.TAN}


def _d(expr, var):
    return sp.Derivative(expr, var)


class Differentiator:
    """Builds derivative step trees; remembers what it derived so repeats say "similarly"."""

    def __init__(self) -> None:
        self.memo: dict[tuple, sp.Basic] = {}

    def __call__(self, expr: sp.Basic, var: sp.Symbol) -> Step:
        key = (expr, var)
        if key in self.memo:
            return Step(Rule.SIMILARLY, _d(expr, var), self.memo[key])
        step = self._rule(expr, var)
        if step.substeps:  # only non-trivial derivations are worth a "similarly"
            self.memo[key] = step.after
        return step

    # -- one rule per head -----------------------------------------------------------------------
    def _rule(self, expr, var) -> Step:
        before = _d(expr, var)
        if not expr.has(var):
            return Step(Rule.CONSTANT, before, sp.S.Zero, note=_constant_note(expr, var))
        if expr == var:
            return Step(Rule.VARIABLE, before, sp.S.One)
        if isinstance(expr, sp.Add):
            parts = tuple(self(t, var) for t in _ordered_terms(expr))
            return Step(Rule.SUM, before, sp.Add(*[p.after for p in parts]), substeps=parts)
        if isinstance(expr, sp.Mul):
            return self._mul(expr, var, before)
        if isinstance(expr, sp.Pow):
            return self._pow(expr, var, before)
        if isinstance(expr, sp.Sum) and not any(v.has(var) for lim in expr.limits for v in lim):
            inner = self(expr.function, var)
            return Step(Rule.SUM_TERMWISE, before, sp.Sum(inner.after, *expr.limits), substeps=(inner,))
        if isinstance(expr, sp.Function) and expr.func in _ELEMENTARY and len(expr.args) == 1:
            return self._elementary(expr, var, before)
        # NOTE: anything else is differentiated by sympy directly, and the step says so.
        return Step(Rule.SYMPY_DIFF, before, sp.diff(expr, var))

    def _mul(self, expr, var, before) -> Step:
        const, rest = expr.as_independent(var, as_Add=False)
        if const != 1:
            inner = self(rest, var)
            return Step(Rule.CONSTANT_FACTOR, before, const * inner.after, substeps=(inner,))
        num, den = _split_quotient(expr)
        if den.has(var) and num.has(var):
            dn, dd = self(num, var), self(den, var)
            after = (dn.after * den - num * dd.after) / den**2
            return Step(Rule.QUOTIENT, before, after, substeps=(dn, dd))
        factors = expr.args
        first, second = factors[0], sp.Mul(*factors[1:])
        df, dg = self(first, var), self(second, var)
        return Step(Rule.PRODUCT, before, df.after * second + first * dg.after, substeps=(df, dg))

    def _pow(self, expr, var, before) -> Step:
        base, exp = expr.args
        if exp.has(var):
            if base.has(var):
                return Step(Rule.SYMPY_DIFF, before, sp.diff(expr, var))
            if exp == var:
                return Step(Rule.EXP, before, base**var * sp.log(base))
            outer = Step(Rule.EXP, _d(base**U, U), base**U * sp.log(base))
            return self._chain(expr, var, before, outer, exp)
        if base == var:
            return Step(Rule.POWER, before, exp * var ** (exp - 1))
        outer = Step(Rule.POWER, _d(U**exp, U), exp * U ** (exp - 1))
        return self._chain(expr, var, before, outer, base)

    def _elementary(self, expr, var, before) -> Step:
        rule, arg = _ELEMENTARY[expr.func], expr.args[0]
        if arg == var:
            return Step(rule, before, sp.diff(expr, var))
        fu = expr.func(U)
        outer = Step(rule, _d(fu, U), sp.diff(fu, U))
        return self._chain(expr, var, before, outer, arg)

    def _chain(self, expr, var, before, outer: Step, inner_expr) -> Step:
        fresh = _fresh_name(expr)
        if fresh != U:  # the expression already uses u: name the inner expression otherwise
            outer = Step(outer.rule, outer.before.xreplace({U: fresh}), outer.after.xreplace({U: fresh}))
        key = (outer.before,)
        if key in self.memo:
            outer = Step(Rule.SIMILARLY, outer.before, outer.after)
        else:
            self.memo[key] = outer.after
        inner = self(inner_expr, var)
        after = outer.after.xreplace({fresh: inner_expr}) * inner.after
        name = Step(Rule.DEFINE, fresh, inner_expr, note="the inner expression")
        return Step(Rule.CHAIN, before, after, substeps=(name, outer, inner))


def _fresh_name(expr: sp.Basic) -> sp.Symbol:
    """u, unless the expression already has a u (or v, …): the name of a chain rule's inner expression."""
    taken = {s.name for s in expr.free_symbols} | {b.name for b in expr.atoms(sp.IndexedBase)}
    candidates = ["u", "v", "z", "t"] + [f"u_{k}" for k in range(1, len(taken) + 2)]
    return next(sp.Symbol(n) for n in candidates if n not in taken)


def _split_quotient(expr: sp.Mul):
    """Numerator and denominator as written: only powers with a negative number as exponent divide."""
    num, den = [], []
    for f in expr.args:
        if isinstance(f, sp.Pow) and f.exp.is_number and f.exp.is_negative:
            den.append(f.base ** -f.exp)
        else:
            num.append(f)
    return sp.Mul(*num), sp.Mul(*den)


def _ordered_terms(expr: sp.Add):
    return sp.Add.make_args(expr)


def _constant_note(expr, var) -> str:
    return "" if expr.is_number else "held constant"


def differentiate(expr: sp.Basic, var: sp.Symbol, d: Differentiator | None = None) -> Step:
    """The step tree of ``∂expr/∂var`` (see module docstring)."""
    return (d or Differentiator())(expr, var)


def derivative_chain(expr: sp.Basic, d: Differentiator | None = None) -> list[Step]:
    """Rewrite ``expr`` until no unevaluated derivative is left, one rule per step.

    At each step the first unevaluated derivative (reading order) is rewritten: a constant factor
    is pulled out, a derivative of a Σ moves inside it, and anything else is differentiated in one
    step whose substeps show the work.
    """
    d = d or Differentiator()
    steps: list[Step] = []
    current = expr
    for _ in range(MAX_CHAIN):
        node = next((e for e in sp.preorder_traversal(current) if isinstance(e, sp.Derivative)), None)
        if node is None:
            return steps
        arg, var = node.expr, node.variables[0]
        if len(node.variables) != 1:
            raise ValueError("derivative_chain handles first derivatives; nest them for higher orders")
        const, rest = arg.as_independent(var, as_Add=False) if isinstance(arg, sp.Mul) else (1, arg)
        if const != 1 and rest != 1:
            rule, replacement, subs = Rule.CONSTANT_FACTOR, const * _d(rest, var), ()
        elif isinstance(arg, sp.Sum) and not any(v.has(var) for lim in arg.limits for v in lim):
            rule, replacement, subs = Rule.SUM_TERMWISE, sp.Sum(_d(arg.function, var), *arg.limits), ()
        else:
            tree = d(arg, var)
            rule, replacement, subs = tree.rule, tree.after, tree.substeps
            if tree.rule is Rule.SIMILARLY or not subs:
                subs = ()
        new = current.xreplace({node: replacement})
        steps.append(Step(rule, current, new, substeps=subs))
        current = new
    raise BudgetError(f"differentiation took more than {MAX_CHAIN} steps; simplify the expression")

"""The verifier: every step is a claim, and every claim is checked here.

How a claim is checked depends on the rule's :class:`~derive.rules.CheckKind`:

* EQUAL — ``before == after``. Definitions (``L(w,b)``, means) are expanded first. When a Σ over a
  symbolic ``n`` or data ``x_i`` is involved, n, the data and every other symbol are instantiated
  with random rationals (n ∈ {2,…,5}) and both sides are compared exactly, several times
  (Schwartz–Zippel). A derivative there is evaluated exactly by automatic differentiation
  (:class:`derive.evaluate.Jet`). The instances are shared by every check of a derivation, and the
  values of sides and sums computed at an instance are remembered there. A sum's bounds may be
  numbers, n and an enclosing sum's index; one bounded by another free symbol is not evaluated,
  so its check fails. The instances' n are few: a claim that is wrong only
  by a polynomial in n (or in the row i) vanishing at the n drawn would pass. Otherwise the difference
  must expand (or cancel) to zero exactly; only an expression with transcendental functions that
  sympy cannot simplify to zero falls back to evaluation at random points with 60 significant
  digits, and the check says so.
* EQUATION — ``lhs - rhs`` of ``after`` equals ``factor * (lhs - rhs)`` of ``before``, with a
  non-zero factor: the two equations have the same solutions.
* SUBSTITUTE — as EQUATION, after the cited premises ``v = e`` are substituted into ``before``.
* ISOLATE — ``after`` is ``v = e``; ``before`` is affine in v with a non-zero coefficient, and
  ``e`` solves it.
* DATA — ``after`` equals ``before`` evaluated exactly on the actual data.
* APPROX — ``after`` is a float shown to d digits: ``before`` evaluated exactly on the data (or the
  point), or to 40 digits when it is not rational, rounds to exactly those d digits. Floats inside
  an expression are intervals (the numbers that round to them), and the two sides must meet.
* ROOTS — ``before`` is p(λ) = 0 for a polynomial p and ``after`` is (λ₁, …, λ_k) = (r₁, …, r_k):
  the product of the (λ − r_j) expands exactly to p divided by its leading coefficient, so the r_j
  are all the roots, with multiplicity.
* ROW_OPERATIONS — ``before`` and ``after`` are explicit matrices, or equations between explicit
  matrices (products of them, a zero matrix; compared as lhs − rhs); the step's ``factor`` is an explicit square rational matrix E
  with det(E) ≠ 0, and ``after`` equals E · ``before`` exactly, entry by entry: the rows of ``after``
  are combinations of the rows of ``before`` that can be undone, so a system keeps its solutions.
* DEFINITION, CONDITION — nothing to prove: a name is introduced, or a condition imposed. A
  condition is checked where it is used (the gradient at the optimum is checked to be zero).

A failed check raises :class:`~derive.errors.VerificationError`.

Example:
    >>> import sympy as sp
    >>> from derive.rules import Rule
    >>> from derive.steps import Step
    >>> x = sp.Symbol("x")
    >>> verify_step(Step(Rule.POWER, sp.Derivative(x**3, x), 3*x**2), {}).check.method
    'symbolic'
"""
from __future__ import annotations

import functools
import random
from fractions import Fraction
from dataclasses import replace
from typing import Mapping

import mpmath
import sympy as sp

from sympy.core.function import AppliedUndef
from sympy.core.parameters import global_parameters

from .budget import time_budget
from .errors import BudgetError, VerificationError
from .evaluate import Unsupported, evaluate
from .verify_matrix import has_matrix_symbols, invertible, matrices_equal
from .notation import I, N, Mean, expand_means
from .rules import CheckKind
from .steps import Check, Step

TRIALS = 3
SIMPLIFY_SECONDS = 5
_APPROX_DIGITS = 40
_DIGITS = 60
APPROX_RELATIVE = sp.Rational(1, 10**9)


class _Instance:
    """One random instantiation: n, every data entry x[k], every free symbol and the free index i
    get a value, drawn the first time it is needed and kept.

    The values of what has been evaluated here are remembered (``memo``: whole sides, sums and
    means), which is sound because every name keeps its value: a side that the next step starts
    from, or a Σ that recurs through a derivation, is computed once per instance.
    """

    def __init__(self, rng: random.Random, data: Mapping | None = None):
        self.rng = rng
        self.data = data
        self.n = int(data[N]) if data is not None and N in data else rng.randint(2, 5)
        self.values: dict = {}
        self.memo: dict = {}

    def rational(self) -> Fraction:
        # NOTE: a wide range keeps the chance that a wrong identity vanishes at a random point negligible
        # (Schwartz–Zippel: at most degree / number of values).
        return Fraction(self.rng.randint(-10**4, 10**4), self.rng.randint(1, 100))

    def entry(self, base, k):
        if self.data is not None:
            return self.data[base][k - 1]
        value = self.values.get((base, k))
        if value is None:
            value = self.values[base, k] = self.rational()
        return value

    def symbol(self, s):
        """The value of ``s``: a random rational; a row for the index i; a random whole number for a
        symbol declared integer."""
        if self.data is not None and s in self.data:
            return self.data[s]
        value = self.values.get(s)
        if value is None:
            if s == I:  # NOTE: the free index i of a term (a row of a sum): any row will do, the same throughout
                value = self.rng.randint(1, self.n)
            elif s.is_integer:
                value = self.rng.randint(-10**4, 10**4)
            else:
                value = self.rational()
            self.values[s] = value
        return value

    def apply(self, expr: sp.Basic) -> sp.Basic:
        """The value of ``expr`` at this instance (exact; a sympy number)."""
        try:
            (value,) = self.values_of((expr,), _Scan(expr))
            return sp.Rational(value.numerator, value.denominator)
        except Unsupported:
            return self._slow(expr)

    def values_of(self, exprs, scan: "_Scan"):
        """Exact values (fractions) of ``exprs`` with one environment; raises Unsupported."""
        out, env = [], None
        for e in exprs:
            value = self.memo.get(e)
            if value is None:
                env = env if env is not None else self._env(scan)
                value = self.memo[e] = evaluate(e, env, derivatives=True, memo=self.memo)
            out.append(value)
        return out

    def _env(self, scan: "_Scan") -> dict:
        if scan.free_bounds:
            # NOTE: derive bounds its sums by numbers, n and enclosing indices; one bounded by another free
            # symbol (Σ_{j=1}^{m}) would need m drawn from the whole numbers, where a few random values
            # prove little, so it is not evaluated (the check then fails, it never passes)
            raise Unsupported(f"a sum bounded by {', '.join(sorted(map(str, scan.free_bounds)))}")
        env: dict = {N: self.n}
        for b in sorted(scan.bases, key=str):
            # NOTE: a bound data column is passed as it is (the evaluator reads it by index)
            env[b] = self.data[b] if self.data is not None else [self.entry(b, k) for k in range(1, self.n + 1)]
        for s in sorted(scan.symbols, key=str):
            env[s] = self.symbol(s)
        return env

    def _slow(self, expr: sp.Basic) -> sp.Basic:
        expr = expand_means(expr).xreplace({N: sp.Integer(self.n)})
        expr = expr.replace(lambda e: isinstance(e, sp.Sum), self._expand_sum)
        if expr.has(I):  # a free index (a term of a sum)
            expr = expr.xreplace({I: sp.Integer(self.symbol(I))})
        expr = expr.replace(
            lambda e: isinstance(e, sp.Indexed) and e.indices[0].is_Integer,
            lambda e: _sympy_number(self.entry(e.base, int(e.indices[0]))),
        )
        if expr.has(sp.Indexed):
            raise ValueError(f"unbound data entry in {expr}")
        expr = expr.doit()
        free = sorted(expr.free_symbols, key=str)
        return expr.xreplace({s: _sympy_number(self.symbol(s)) for s in free})

    @staticmethod
    def _expand_sum(s: sp.Sum) -> sp.Basic:
        term = s.function
        for var, lo, hi in reversed(s.limits):
            if not (lo.is_Integer and hi.is_Integer):
                raise ValueError(f"sum with symbolic limits after instantiation: {s}")
            if hi < lo - 1:  # NOTE: sympy reads it by Karr's convention (a negative sum), not as empty
                raise ValueError(f"sum with its upper limit below its lower limit: {s}")
            term = sp.Add(*[term.xreplace({var: sp.Integer(k)}) for k in range(int(lo), int(hi) + 1)])
        return term


class Instances:
    """The random instances that every check of one derivation shares (see :class:`_Instance`)."""

    def __init__(self, seed: int):
        self.seed = seed
        self.pool: list[_Instance] = []

    def __getitem__(self, k: int) -> _Instance:
        while len(self.pool) <= k:
            self.pool.append(_Instance(random.Random(self.seed * 1_000_003 + len(self.pool))))
        return self.pool[k]


def _sympy_number(value):
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    return sp.sympify(value)


class _Scan:
    """One pass over expressions: their data columns, free symbols, and whether a Σ over a symbolic
    n (or a mean, which is one) occurs, in which case n and the data must be instantiated; and
    whether a matrix symbol or a derivative occurs."""

    def __init__(self, *exprs: sp.Basic):
        self.bases, self.symbols, bounds, variables = set(), set(), set(), set()
        self.needs = self.matrix = self.derivative = False
        for expr in exprs:
            try:
                one = _scan_one(expr)
            except TypeError:  # unhashable (a mutable matrix): not remembered
                one = _scan_one.__wrapped__(expr)
            self.bases |= one[0]
            self.symbols |= one[1]
            bounds |= one[2]
            variables |= one[3]
            needs, matrix, derivative = one[4:]
            self.needs, self.matrix = self.needs or needs, self.matrix or matrix
            self.derivative = self.derivative or derivative
        self.symbols -= {b.label for b in self.bases} | {N}
        # symbols in the limits of a sum other than n and the sums' own indices (Σ_{j=1}^{m})
        self.free_bounds = bounds - variables - {N}


@functools.lru_cache(maxsize=1024)
def _scan_one(expr: sp.Basic) -> tuple:
    """_Scan of one expression, remembered (a step's after is the next step's before); ``bounds``
    are the symbols in the limits of sums, ``variables`` the sums' indices."""
    bases, symbols, bounds, variables, needs, matrix, derivative = set(), set(), set(), set(), False, False, False
    stack = [expr]  # NOTE: a plain stack; sympy's preorder_traversal is a recursive generator
    while stack:
        node = stack.pop()
        if isinstance(node, sp.IndexedBase):
            bases.add(node)
        elif isinstance(node, sp.Symbol):
            symbols.add(node)
        elif isinstance(node, Mean):
            needs = True
        elif isinstance(node, sp.Sum):
            for var, lo, hi in node.limits:
                needs = needs or not (lo.is_Integer and hi.is_Integer)
                bounds |= lo.free_symbols | hi.free_symbols
                variables.add(var)
        elif isinstance(node, sp.MatrixSymbol):
            matrix = True
        elif isinstance(node, sp.Derivative):
            derivative = True
        if isinstance(node, sp.Basic):
            stack.extend(node.args)
        elif isinstance(node, (list, tuple, sp.MatrixBase)):  # as sympy's traversal reads them
            stack.extend(node)
    return frozenset(bases), frozenset(symbols), frozenset(bounds), frozenset(variables), needs, matrix, derivative


def expand_definitions(e: sp.Basic, defs: Mapping, _depth: int = 0) -> sp.Basic:
    """``e`` with every defined name replaced by its definition (see :meth:`_Equal.expand_defs`)."""
    if not defs:
        return e
    if _depth > 8:
        raise ValueError("definitions do not terminate")
    # NOTE: a defined function is known by its name and the kinds of its arguments, so that the scalar
    # L(w) and the vector form L(θ) of the same loss are two definitions, not one
    functions = {_signature(k): k for k in defs if isinstance(k, AppliedUndef)
                 and all(isinstance(a, (sp.Symbol, sp.MatrixSymbol)) for a in k.args)}

    def apply(t):
        key = functions[_signature(t)]
        # NOTE: expand the definition itself first, so that its own names (ŷ_i in L) see the arguments too
        body = expand_definitions(defs[key], defs, _depth + 1)
        if body.has(sp.Sum) and any(_occurs_free(a, I) for a in t.args):
            raise ValueError(f"{t}: an argument holds the index i, which a sum in the definition would capture")
        return body.xreplace(dict(zip(key.args, t.args)))

    e = e if isinstance(e, sp.Basic) else sp.sympify(e)
    for _ in range(8):
        found = _defined_in(e, defs, functions)
        if not found:
            return e
        e = e.xreplace({t: defs[t] if t in defs else apply(t) for t in found})
    raise ValueError("definitions do not terminate")


def _defined_in(e: sp.Basic, defs: Mapping, functions: Mapping) -> set:
    """The outermost occurrences in ``e`` of a defined name, or of a defined function at any
    arguments: one pass (replacing by a query would walk and rebuild the whole expression)."""
    found, stack = set(), [e]
    while stack:
        t = stack.pop()
        if t in defs or (functions and isinstance(t, AppliedUndef) and _signature(t) in functions):
            found.add(t)  # NOTE: not looked into; what it stands for is expanded in the next round
        else:
            stack.extend(t.args)
    return found


def _signature(f: AppliedUndef) -> tuple:
    return f.func, tuple(isinstance(a, sp.MatrixExpr) for a in f.args)


def evaluate_on(expr: sp.Basic, data: Mapping, defs: Mapping | None = None) -> sp.Basic:
    """The exact value of ``expr`` with n, the data columns and the symbols bound by ``data``.

    >>> from derive.notation import Sigma, column
    >>> x = column("x")
    >>> evaluate_on(Sigma(x[I] ** 2) / N, {N: 2, x: (1, 3)})
    5
    """
    expr = _eval_derivatives(expand_definitions(sp.sympify(expr), defs or {}))
    free = {s for s in expr.free_symbols if isinstance(s, sp.Symbol)} - {N, I}
    free -= {b.label for b in expr.atoms(sp.IndexedBase)}
    missing = [s for s in free if s not in data]
    if missing:
        raise ValueError(f"no value for {', '.join(map(str, missing))}")
    # NOTE: a float bound to a name (a point reached in float64) is the binary rational it stores:
    # evaluated exactly, the value at that point needs no row-by-row high-precision pass
    env = {k: (sp.Rational(v) if isinstance(v, sp.Float) else v) for k, v in data.items()
           if not isinstance(v, sp.MatrixBase)}
    try:  # exactly, with fractions, when everything is rational (a float is the binary rational it stores)
        value = evaluate(expr.xreplace({f: sp.Rational(f) for f in expr.atoms(sp.Float)}), env)
        return sp.Rational(value.numerator, value.denominator)
    except (Unsupported, ZeroDivisionError, TypeError, ValueError):
        pass
    try:  # else to 40 digits with mpmath, row by row (never a sympy sum of n terms)
        from .evaluate_mp import NotEvaluable, evaluate_mp

        value = evaluate_mp(expr, env, _APPROX_DIGITS)
        if isinstance(value, mpmath.mpc):
            return sp.Float(value.real, _APPROX_DIGITS) + sp.I * sp.Float(value.imag, _APPROX_DIGITS)
        return sp.Float(value, _APPROX_DIGITS)
    except (NotEvaluable, ZeroDivisionError, TypeError, ValueError):
        return _Instance(random.Random(0), data)._slow(expr)


def _occurs_free(e: sp.Basic, v: sp.Symbol) -> bool:
    """``v in e.free_symbols``, without sympy's way of computing a Σ's free symbols (it rebuilds the
    whole summand, every x[i] anew, at each call; the verifier asks for every step).

    >>> from derive.notation import Sigma, column
    >>> x = column("x")
    >>> _occurs_free(Sigma(x[I]) + x[I], I), _occurs_free(Sigma(x[I]) * N, I)
    (True, False)
    """
    if e == v:
        return True
    if isinstance(e, sp.Sum):  # as sympy reads the limits, innermost first: bound, then its bounds
        free = _occurs_free(e.function, v)
        for var, *bounds in e.limits:
            free = (free and var != v) or any(_occurs_free(bound, v) for bound in bounds)
        return free
    if isinstance(e, (sp.Subs, sp.Lambda)) or (isinstance(e, sp.concrete.expr_with_limits.ExprWithLimits)):
        return v in e.free_symbols  # other binders: sympy's own rule
    return any(_occurs_free(a, v) for a in e.args)


@functools.lru_cache(maxsize=1024)
def _index_free(e: sp.Basic) -> bool:
    """Whether the summation index i occurs free in ``e`` (remembered: sides recur from step to step)."""
    return _occurs_free(e, I)


def _needs_instances(expr: sp.Basic) -> bool:
    return _Scan(expr).needs


def _eval_derivatives(e: sp.Basic) -> sp.Basic:
    """``e`` with every derivative (and Subs) evaluated by sympy's own diff.

    NOTE: a derivation checks the same derivative in several steps (the after of one step is the
    before of the next), so results are remembered; the result depends on the expression alone,
    and sympy's equality tells apart even floats of different precision.
    """
    if not e.has(sp.Derivative, sp.Subs):
        return e
    # NOTE: sympy's global switches (a derivation may build with distribute off) are part of the key
    switches = (global_parameters.distribute, global_parameters.evaluate)
    try:
        return _derivatives_evaluated(e, switches)
    except TypeError:  # unhashable (a mutable matrix): evaluate without remembering
        return _derivatives_evaluated.__wrapped__(e, switches)


@functools.lru_cache(maxsize=512)
def _derivatives_evaluated(e: sp.Basic, switches: tuple) -> sp.Basic:
    return e.replace(lambda t: isinstance(t, (sp.Derivative, sp.Subs)), lambda t: t.doit(deep=False))


def _mentions_unknowns(e: sp.Basic) -> bool:
    """True when ``e`` has a free symbol other than n, the summation index and data labels, or a vector
    matrix symbol (the unknown β of the normal equations is p×1)."""
    labels = {b.label for b in e.atoms(sp.IndexedBase)}
    scalars = {s for s in e.free_symbols if isinstance(s, sp.Symbol)} - labels - {N, I}
    dims = {d for m in e.atoms(sp.MatrixSymbol) for d in m.shape if isinstance(d, sp.Symbol)}
    vectors = [m for m in e.atoms(sp.MatrixSymbol) if m.shape[1] == 1]
    return bool(scalars - dims) or bool(vectors)


def _high_powers(e: sp.Basic) -> bool:
    """A power of a sum with an exponent above 8: expanding it is out of the question."""
    return any(isinstance(p.base, sp.Add) and p.exp.is_Integer and abs(p.exp) > 8 for p in e.atoms(sp.Pow))


def _components(a: sp.Basic, b: sp.Basic):
    """Pairs of scalar expressions whose equality means a == b (matrices, equations, scalars)."""
    if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
        a, b = _explicit(a), _explicit(b)
        if a.shape != b.shape:
            return None
        return list(zip(a, b))
    if isinstance(a, sp.Equality) and isinstance(b, sp.Equality):
        return [(a.lhs, b.lhs), (a.rhs, b.rhs)]
    if isinstance(a, sp.Equality) or isinstance(b, sp.Equality):
        return None
    return [(a, b)]


def _explicit(m: sp.Basic) -> sp.Matrix:
    """An explicit matrix whose entries are built unevaluated from the pieces of ``m`` (products and sums
    of explicit matrices), so that numbers written in them keep the digits they were shown with."""
    if isinstance(m, sp.MatMul) and all(isinstance(f, sp.MatrixBase) or f.is_number for f in m.args):
        out = None
        for f in m.args:
            if not isinstance(f, sp.MatrixBase):
                out = out.applyfunc(lambda v, f=f: sp.Mul(f, v, evaluate=False)) if out is not None else f
                continue
            f = _explicit(f)
            if out is None or not isinstance(out, sp.MatrixBase):
                out = f if out is None else f.applyfunc(lambda v, c=out: sp.Mul(c, v, evaluate=False))
                continue
            if out.cols != f.rows:
                return sp.Matrix(m)
            out = sp.Matrix(out.rows, f.cols, lambda i, j: sp.Add(
                *[sp.Mul(out[i, k], f[k, j], evaluate=False) for k in range(out.cols)], evaluate=False))
        return out
    if isinstance(m, sp.MatAdd) and all(isinstance(t, sp.MatrixBase) for t in m.args):
        parts = [_explicit(t) for t in m.args]
        if len({p.shape for p in parts}) != 1:
            return sp.Matrix(m)
        return sp.Matrix(*parts[0].shape, lambda i, j: sp.Add(*[p[i, j] for p in parts], evaluate=False))
    return sp.Matrix(m)


def _is_zero_numeric(d: sp.Basic) -> bool | None:
    """Exact when ``d`` is rational; None when it is not a number at all."""
    if d.is_Rational:
        return d == 0
    if d.free_symbols:
        return None
    val = sp.N(d, _DIGITS)
    if val.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    return abs(val) < sp.Float(10) ** (-_DIGITS + 15)


class _Equal:
    """Decides ``a == b`` for scalar expressions; records the method used."""

    def __init__(self, defs: Mapping, data: Mapping | None, seed: int, instances: Instances | None = None):
        self.defs = dict(defs)
        self.data = data
        self.rng = random.Random(seed)
        self.instances = instances if instances is not None else Instances(seed)
        self.method = "symbolic"
        self.autodiff = False  # a derivative was evaluated at instances by automatic differentiation

    def expand_defs(self, e: sp.Basic) -> sp.Basic:
        """Replace defined names by their definitions (means are evaluated by definition later).

        A defined function such as L(w, b) applies at any arguments: L(1, 0) is its definition
        with w = 1 and b = 0.
        """
        return expand_definitions(e, self.defs)

    def equal(self, a: sp.Basic, b: sp.Basic) -> bool:
        a, b = self.expand_defs(sp.sympify(a)), self.expand_defs(sp.sympify(b))
        scan = _Scan(a, b)
        if scan.matrix:
            self.method = "random-matrices"
            return matrices_equal(a, b, self.rng)
        if a == b:  # structurally identical
            return True
        if (self.data is not None or scan.needs) and scan.derivative:
            # NOTE: at an instance, a derivative is computed exactly by automatic differentiation
            # (derive.evaluate.Jet), an algorithm independent of the named rules and of sympy's diff;
            # where the evaluator cannot (exp, a nested derivative), sympy's diff takes over below
            try:
                verdict = self._sides_by_instances(a, b, scan, fallback=False)
            except (Unsupported, ValueError):  # not evaluable there, or no point off the poles
                pass
            else:
                self.method = "data" if self.data is not None else "random-instances"
                self.autodiff = True
                return verdict
        # sympy's own diff (an independent algorithm from the named rules) evaluates derivatives
        a, b = _eval_derivatives(a), _eval_derivatives(b)
        if a == b:  # structurally identical after sympy's own evaluation
            return True
        scan = _Scan(a, b)
        if self.data is not None or scan.needs:
            self.method = "data" if self.data is not None else "random-instances"
            return self._sides_by_instances(a, b, scan)
        d = (a - b).doit()
        if _high_powers(d):
            # NOTE: expanding (x + y + z)**99 would never finish; a rational function is decided just as
            # exactly at random rational points (Schwartz–Zippel), which the evaluator does quickly.
            if d.is_rational_function():
                self.method = "random-points"
                return self._by_instances(d)
        elif sp.expand(d) == 0:
            return True
        elif d.is_rational_function() and sp.cancel(sp.together(d)) == 0:
            return True  # NOTE: otherwise not final: a constant with exp or sin counts as "rational" too
        try:
            with time_budget(SIMPLIFY_SECONDS, "simplifying a difference"):
                if sp.simplify(d) == 0:
                    return True
        except (RecursionError, BudgetError):
            pass  # sympy could not simplify it: decide numerically below
        self.method = "numeric"
        return self._by_instances(d)

    def _sides_by_instances(self, a: sp.Basic, b: sp.Basic, scan: _Scan, fallback: bool = True) -> bool:
        """Compare both sides exactly at random instances, evaluating each side on its own; where
        the evaluator cannot, by sympy (or, without ``fallback``, raise Unsupported)."""
        done = 0
        # NOTE: a summation index that occurs only bound (inside Σ) takes no random value that matters
        unbound = scan.symbols - ({I} if not (_index_free(a) or _index_free(b)) else set())
        for k in range(TRIALS * 6):
            inst = self._instance(k)
            try:
                va, vb = inst.values_of((a, b), scan)
            except ZeroDivisionError:
                continue
            except Unsupported:
                if not fallback:
                    raise
                return self._by_instances(a - b)
            if va != vb:
                return False
            done += 1
            if done == TRIALS or (self.data is not None and unbound <= set(self.data)):
                return True  # with every symbol bound to the data, one exact evaluation decides
        raise ValueError(f"could not evaluate {a - b} at any random point")

    def _by_instances(self, d: sp.Basic) -> bool:
        done = 0
        for k in range(TRIALS * 6):
            inst = self._instance(k)
            try:
                value = inst.apply(d)
            except ZeroDivisionError:
                continue
            value = sp.nsimplify(value) if value.is_Float else value
            verdict = _is_zero_numeric(sp.expand(value))
            if verdict is None:
                continue  # hit a pole or a branch point: try another point
            if not verdict:
                return False
            done += 1
            if self.data is not None or done == TRIALS:
                break
        if done == 0:
            raise ValueError(f"could not evaluate {d} at any random point")
        return True

    def nonzero(self, c: sp.Basic) -> bool:
        """A factor that keeps an equation's solutions: not zero, and free of every unknown.

        NOTE: only n, the data (x_i, means) and data matrices may appear in it; a factor that depends
        on an unknown (x − 1, say) could add or remove solutions, so such a step is refused.
        """
        c = self.expand_defs(sp.sympify(c))
        if _mentions_unknowns(c):
            return False
        if has_matrix_symbols(c):
            return invertible(c, self.rng)
        if c.is_zero is False:
            return True
        if not c.free_symbols and not _needs_instances(c):
            return c != 0
        # a symbolic factor such as -n/2: non-zero at a random instance means not identically zero
        return self.instances[0].apply(c) != 0

    def _instance(self, k: int) -> _Instance:
        """The k-th random instance: shared by the derivation's checks, or bound to the data."""
        return self.instances[k] if self.data is None else _Instance(self.rng, self.data)


def _describe(kind: CheckKind, method: str, autodiff: bool = False) -> str:
    if kind is CheckKind.DEFINITION:
        return "definition: introduces a name, nothing to prove"
    if kind is CheckKind.CONDITION:
        return "condition imposed here; checked at the solution"
    how = {
        "symbolic": "exact symbolic equality",
        "random-instances": f"exact equality at {TRIALS} random rational instances of n, the data and the parameters",
        "data": "exact evaluation on the data",
        "numeric": f"equality at {TRIALS} random points to {_DIGITS} significant digits",
        "random-points": f"exact equality of rational functions at {TRIALS} random rational points",
        "random-matrices": f"exact equality on {TRIALS} sets of random rational matrices of small sizes",
        "approx": "evaluated exactly, then to 40 digits",
        "exact-matrices": "exact matrix product, det(E) ≠ 0",
    }[method]
    what = {
        CheckKind.EQUAL: "before = after",
        CheckKind.EQUATION: "same solutions (non-zero factor)",
        CheckKind.SUBSTITUTE: "follows from the cited results",
        CheckKind.ISOLATE: "linear in the unknown, solved exactly",
        CheckKind.DATA: "value on the data",
        CheckKind.APPROX: "rounds to the digits shown",
        CheckKind.ROOTS: "every root, with multiplicity",
        CheckKind.ROW_OPERATIONS: "after = E · before for an invertible E",
    }[kind]
    if autodiff:
        how += ", derivatives by exact automatic differentiation"
    return f"{what}: {how}"


def _lhs_minus_rhs(eq: sp.Basic) -> sp.Basic:
    if not isinstance(eq, sp.Equality):
        raise TypeError(f"expected an equation, got {eq}")
    return eq.lhs - eq.rhs


def _check(step: Step, eq: _Equal) -> bool:
    kind = step.rule.check
    if kind in (CheckKind.DEFINITION, CheckKind.CONDITION):
        return True
    if kind is CheckKind.APPROX:
        return _approx(step, eq)
    if kind is CheckKind.ROOTS:
        return _roots(step)
    if kind is CheckKind.ROW_OPERATIONS:
        eq.method = "exact-matrices"
        return _row_operations(step)
    if kind in (CheckKind.EQUAL, CheckKind.DATA):
        pairs = _components(step.before, step.after)
        return pairs is not None and all(eq.equal(a, b) for a, b in pairs)
    before, after = _lhs_minus_rhs(step.before), _lhs_minus_rhs(step.after)
    if kind is CheckKind.EQUATION:
        return eq.nonzero(step.factor) and eq.equal(after, step.factor * before)
    if kind is CheckKind.SUBSTITUTE:
        if not step.premises or not all(p.check is not None and p.check.passed for p in step.premises):
            return False  # a substitution proves nothing unless what it cites was itself verified
        subs = {p.after.lhs: p.after.rhs for p in step.premises}
        return bool(subs) and eq.nonzero(step.factor) and eq.equal(after, step.factor * before.xreplace(subs))
    if kind is CheckKind.ISOLATE:
        v = step.unknown
        if v is None or step.after.lhs != v or step.after.rhs.has(v):
            return False
        if not eq.equal(sp.Derivative(before, v, 2), 0):
            return False
        # NOTE: affine, so before = c·v + d with c, d free of v. c is read off as before(1) − before(0),
        # and taken only when it is ∂before/∂v as well: a substitution can meet a 0/0 that sympy does not
        # see (a Σ that vanishes at v = 1), and would then give a wrong coefficient. Else sympy's diff.
        try:
            c = sp.expand(before.xreplace({v: sp.S.One}) - before.xreplace({v: sp.S.Zero}))
        except (ValueError, TypeError):  # a derivative with respect to v inside: no substitution
            c = sp.nan
        if c.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or not eq.equal(sp.Derivative(before, v), c):
            c = sp.Derivative(before, v).doit()
        return eq.nonzero(c) and eq.equal(before.xreplace({v: step.after.rhs}), 0)
    raise AssertionError(kind)


def _approx(step: Step, eq: _Equal) -> bool:
    """A rounded value is checked to the digits it shows.

    When ``after`` is a float and ``before`` holds none, ``before`` (evaluated exactly, or to 40 digits)
    must round to exactly the digits shown: 1.41421 passes for √2, 1.41422 fails. When floats stand
    inside an expression (a gradient written with rounded sums, 0 − 3/50·(−277846)), each float is
    the interval of the numbers that round to it, and the two sides' intervals must meet: the exact
    value lies in what the rounded numbers allow. A side without floats is compared exactly (to
    within APPROX_RELATIVE when it is irrational).
    """
    from mpmath.libmp import prec_to_dps

    from .evaluate_mp import float_bounds
    from .render.numbers import approximate

    eq.method = "approx"
    pairs = _components(step.before, step.after)
    if pairs is None:
        return False
    for a, b in pairs:
        a, b = sp.sympify(a), sp.sympify(b)
        if isinstance(b, sp.Float) and not a.has(sp.Float):
            value = sp.N(evaluate_on(a, eq.data or {}, eq.defs), _APPROX_DIGITS)
            digits = prec_to_dps(b._prec)
            if not value.is_real or approximate(value, digits) != approximate(b, digits):
                return False
            continue
        lo_a, hi_a = _bounds(a, eq)
        lo_b, hi_b = float_bounds(b) if isinstance(b, sp.Float) else _bounds(b, eq)
        slack = APPROX_RELATIVE * max(abs(lo_a), abs(hi_a), abs(lo_b), abs(hi_b), sp.Integer(1))
        if lo_a > hi_b + slack or lo_b > hi_a + slack:
            return False
    return True


def _bounds(e: sp.Basic, eq: _Equal) -> tuple[sp.Basic, sp.Basic]:
    """Bounds on ``e``'s value: exact when it holds no float, else by interval arithmetic."""
    from .evaluate_mp import evaluate_interval

    if not e.has(sp.Float):
        value = evaluate_on(e, eq.data or {}, eq.defs)
        if not value.is_real:
            raise ValueError("not a real number")
        return value, value
    env = {k: v for k, v in (eq.data or {}).items() if not isinstance(v, sp.MatrixBase)}
    expanded = expand_definitions(e, eq.defs or {})
    # NOTE: each float becomes a name bound to it, so that no sympy arithmetic ever merges it with
    # another number (the interval evaluator reads the digits of each float as it was shown)
    names = {f: sp.Dummy("f") for f in expanded.atoms(sp.Float)}
    expanded = expanded.xreplace({**names, **{sp.UnevaluatedExpr(f): d for f, d in names.items()}})
    return evaluate_interval(_sums_evaluated(expanded, env, tuple(names.values())),
                             {**env, **{v: k for k, v in names.items()}}, _APPROX_DIGITS)


def _sums_evaluated(e: sp.Basic, env: Mapping, names: tuple) -> sp.Basic:
    """``e`` with every data sum whose summand is a polynomial in ``names`` (the floats written in it)
    replaced by that polynomial, its coefficients summed exactly over the rows: Σ(f xᵢ − yᵢ)² becomes
    f²·Σxᵢ² − 2f·Σxᵢyᵢ + Σyᵢ² with the sums as numbers, so that the interval arithmetic that follows
    takes a few operations instead of a pass over every row."""
    replaced = {}
    for s in (s for s in e.atoms(sp.Sum) if s.has(*names)) if names else ():
        used = [v for v in names if s.has(v)]
        # the numbers still written as shown (exact rationals: the floats are names by now) may merge
        body = s.function.replace(lambda x: isinstance(x, sp.UnevaluatedExpr), lambda x: x.args[0])
        try:
            poly = sp.Poly(sp.expand(body), *used)
        except sp.PolynomialError:
            continue
        total = sp.S.Zero
        for monomial, coeff in poly.terms():
            try:
                value = evaluate(sp.Sum(coeff, *s.limits), env)
            except (Unsupported, ZeroDivisionError, TypeError, ValueError):
                break
            term = sp.Mul(*[v**k for v, k in zip(poly.gens, monomial)])
            total += sp.Rational(value.numerator, value.denominator) * term
        else:
            replaced[s] = total
    return e.xreplace(replaced) if replaced else e


def _roots(step: Step) -> bool:
    """(λ − r₁)…(λ − r_k) = p(λ)/lc(p) exactly, for ``p(λ) = 0 -> (λ₁…) = (r₁…)``."""
    before, after = step.before, step.after
    if not (isinstance(before, sp.Equality) and before.rhs == 0 and isinstance(after, sp.Equality)):
        return False
    values = tuple(after.rhs) if isinstance(after.rhs, sp.Tuple) else (after.rhs,)
    lhs = before.lhs.doit()  # numbers shown as written are numbers
    (var,) = lhs.free_symbols
    poly = sp.Poly(lhs, var)
    if poly.degree() != len(values):
        return False
    product = sp.expand(sp.Mul(*[var - v for v in values]))
    return sp.simplify(product - sp.expand(lhs / poly.LC())) == 0


def _row_operations(step: Step) -> bool:
    """``after`` = E · ``before`` exactly, for the explicit invertible rational matrix E = ``step.factor``."""
    E = step.factor
    if not isinstance(E, sp.MatrixBase) or not E.is_square or not all(sp.sympify(v).is_Rational for v in E):
        return False
    E = sp.Matrix(E)
    before, after = _explicit_side(step.before), _explicit_side(step.after)
    if before is None or after is None or before.shape != after.shape or E.cols != before.rows:
        return False
    if E.det(method="bareiss") == 0:
        return False
    return all(sp.expand(d) == 0 for d in after - E * before)


def _explicit_side(e: sp.Basic) -> sp.Matrix | None:
    """An explicit matrix, or lhs − rhs of an equation between explicit matrices (None otherwise)."""
    def explicit(m):
        if isinstance(m, sp.MatrixExpr) and not isinstance(m, sp.MatrixBase):
            if m.has(sp.MatrixSymbol) or not all(sp.sympify(d).is_Integer for d in m.shape):
                return None
            m = m.doit()
            m = m.as_explicit() if isinstance(m, sp.MatrixExpr) and not isinstance(m, sp.MatrixBase) else m
        if not isinstance(m, sp.MatrixBase):
            return None
        return sp.Matrix(m).applyfunc(lambda v: v.doit() if isinstance(v, sp.Basic) else v)

    if isinstance(e, sp.Equality):
        lhs, rhs = explicit(e.lhs), explicit(e.rhs)
        return None if lhs is None or rhs is None or lhs.shape != rhs.shape else lhs - rhs
    return explicit(e)


def verify_step(step: Step, definitions: Mapping, data: Mapping | None = None, *, seed: int = 0,
                instances: Instances | None = None) -> Step:
    """Verify ``step`` and its substeps; return it with ``check`` filled in, or raise.

    ``instances`` are the random instances a derivation's checks share (a new set from ``seed``
    when not given)."""
    instances = instances if instances is not None else Instances(seed)
    subs = tuple(verify_step(s, definitions, data, seed=seed * 31 + k + 1, instances=instances)
                 for k, s in enumerate(step.substeps))
    kind = step.rule.check
    eq = _Equal(definitions, data if kind in (CheckKind.DATA, CheckKind.APPROX) else None, seed, instances)
    if kind is CheckKind.DATA and data is None:
        raise VerificationError(step, "an evaluate step needs the data binding")
    try:
        ok = _check(step, eq)
    except VerificationError:
        raise
    except Exception as exc:  # a check that cannot be carried out is a failed check
        raise VerificationError(step, f"{type(exc).__name__}: {exc}") from exc
    detail = _describe(kind, eq.method, eq.autodiff)
    if not ok:
        raise VerificationError(step, f"{sp.sstr(step.before)} -> {sp.sstr(step.after)} ({detail})")
    method = kind.value if kind in (CheckKind.DEFINITION, CheckKind.CONDITION) else eq.method
    return replace(step, substeps=subs, check=Check(method, detail, True))

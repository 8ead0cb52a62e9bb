"""The iteration engine of gradient descent: update rules, batches, line searches, the run.

Pure numbers, no steps: the derivation (problems/descent.py) shows the first iterations as
verified steps and this engine computes all of them. Arithmetic is exact (fractions) while the
numbers stay *readable* — a terminating decimal of at most :data:`READABLE_DIGITS` significant
digits, or a fraction with small numerator and denominator — and float64 from then on; the switch
is recorded so that the document can say where it happened.

Example:
    >>> from fractions import Fraction as F
    >>> from derive.problems.objective import Function
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> h = run(Function(x**2 - 4*x + 5, (x,)), [F(0)], Settings(lr=F(1, 10), steps=1))
    >>> [it.theta for it in h.iterates]
    [(Fraction(0, 1),), (Fraction(2, 5),)]
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Sequence

from .errors import OptionError
from .problems.objective import NotExact
from .render.numbers import decimal_scale

READABLE_DIGITS = 12
READABLE_FRACTION = 10**6
BLOWUP = 1e150  # |θ| beyond this is divergence: stop before float64 overflows
ARMIJO_C = Fraction(1, 10**4)
ARMIJO_HALVINGS = 60
OPTIMIZERS = ("gd", "momentum", "adagrad", "rmsprop", "adam")
LINE_SEARCHES = ("none", "exact", "armijo")


def readable(v) -> bool:
    """A number a reader can take in: a short terminating decimal, or a small fraction.

    >>> readable(Fraction(114, 100)), readable(Fraction(1, 3)), readable(Fraction(1, 3**20))
    (True, True, False)
    """
    if not isinstance(v, Fraction):
        return False
    num, den = abs(v.numerator), v.denominator
    if num.bit_length() > 256 or den.bit_length() > 256:  # far beyond READABLE_DIGITS either way
        return False
    if num < READABLE_FRACTION and den < READABLE_FRACTION:
        return True
    scale = decimal_scale(den)  # v = num * 10**scale / den / 10**scale, an integer over 10**scale
    if scale is None:
        return False
    digits = len(str(num * 10**scale // den).strip("0") or "0")
    return digits <= READABLE_DIGITS


def exact_sqrt(v: Fraction) -> Fraction:
    """√v when it is rational; raises NotExact otherwise."""
    if v < 0:
        raise NotExact
    a, b = math.isqrt(v.numerator), math.isqrt(v.denominator)
    if a * a != v.numerator or b * b != v.denominator:
        raise NotExact
    return Fraction(a, b)


@dataclass(frozen=True)
class Settings:
    """Everything that decides a run (all exact numbers are Fractions)."""

    lr: Fraction
    steps: int = 10
    optimizer: str = "gd"
    batch: int | None = None  # None: full batch
    sample: tuple[int, ...] = ()  # 0-based rows, consumed batch by batch before the seeded draws
    seed: int = 0
    line_search: str = "none"
    momentum: Fraction = Fraction(9, 10)
    rho: Fraction = Fraction(9, 10)
    beta1: Fraction = Fraction(9, 10)
    beta2: Fraction = Fraction(999, 1000)
    epsilon: Fraction = Fraction(1, 10**8)
    tol: Fraction = Fraction(1, 10**6)


@dataclass(frozen=True)
class Iterate:
    """θ_k with the full loss and gradient there, and how the step from θ_k was taken."""

    k: int
    theta: tuple
    loss: object
    grad: tuple
    exact: bool
    rows: tuple[int, ...] | None = None  # the batch used for the step from here (None: all rows)
    lr: object = None  # the step size used from here (a line search chooses it)

    @property
    def grad_norm(self) -> float:
        """‖∇L‖ in float64 (hypot: no overflow on the way; inf when a component is beyond float64)."""
        try:
            return math.hypot(*(float(g) for g in self.grad))
        except OverflowError:
            return math.inf


@dataclass
class History:
    iterates: list[Iterate] = field(default_factory=list)
    stop: str = "steps"  # steps | tol | diverged | undefined | line search
    reason: str = ""  # why a line search failed
    switched_at: int | None = None  # first iterate computed in float64

    @property
    def last(self) -> Iterate:
        return self.iterates[-1]


class Batches:
    """The rows of each step: the full data, or batches taken from --sample, then from a seeded RNG."""

    def __init__(self, n: int | None, size: int | None, sample: Sequence[int], seed: int):
        self.n, self.size = n, size
        self.sample = list(sample)
        self.rng = random.Random(seed)
        self.cache: dict[int, tuple[int, ...]] = {}

    def rows(self, k: int) -> tuple[int, ...] | None:
        """The batch for the step from θ_k (k = 0, 1, …); drawn in order, so repeatable."""
        if self.size is None or self.n is None or self.size >= self.n and not self.sample:
            return None
        while len(self.cache) <= k:
            j = len(self.cache)
            start = j * self.size
            if start + self.size <= len(self.sample):
                batch = tuple(self.sample[start:start + self.size])
            else:
                batch = tuple(self.rng.sample(range(self.n), self.size))
            self.cache[j] = batch
        return self.cache[k]


class LineSearchFailed(Exception):
    """The line search found no acceptable step (the run stops there and says why)."""


class _State:
    """Optimizer state: momentum's velocity, AdaGrad's sum, RMSprop's and Adam's averages."""

    def __init__(self, p: int):
        self.v = [Fraction(0)] * p
        self.m = [Fraction(0)] * p
        self.t = 0


def update(theta, g, lr, s: Settings, state: _State, exact: bool):
    """One step of the chosen optimizer; returns θ_new. The state changes only when the step succeeds
    (an irrational √ raises NotExact first, and the caller retries in float64)."""
    conv = (lambda x: x) if exact else float
    lr = conv(lr)
    t = state.t + 1
    v, m = state.v, state.m
    root = exact_sqrt if exact else math.sqrt
    eps = conv(s.epsilon)
    if s.optimizer == "gd":
        new = [th - lr * gi for th, gi in zip(theta, g)]
    elif s.optimizer == "momentum":
        beta = conv(s.momentum)
        v = [beta * vi + gi for vi, gi in zip(v, g)]
        new = [th - lr * vi for th, vi in zip(theta, v)]
    elif s.optimizer == "adagrad":
        v = [vi + gi * gi for vi, gi in zip(v, g)]
        new = [th - lr * gi / (root(vi) + eps) for th, gi, vi in zip(theta, g, v)]
    elif s.optimizer == "rmsprop":
        rho = conv(s.rho)
        v = [rho * vi + (1 - rho) * gi * gi for vi, gi in zip(v, g)]
        new = [th - lr * gi / (root(vi) + eps) for th, gi, vi in zip(theta, g, v)]
    elif s.optimizer == "adam":
        b1, b2 = conv(s.beta1), conv(s.beta2)
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
        c1, c2 = 1 - b1**t, 1 - b2**t
        new = [th - lr * (mi / c1) / (root(vi / c2) + eps) for th, mi, vi in zip(theta, m, v)]
    else:
        raise OptionError(f"--optimizer: unknown optimizer '{s.optimizer}'; choose one of {', '.join(OPTIMIZERS)}")
    state.t, state.v, state.m = t, v, m
    return new


def step_size(obj, theta, g, rows, s: Settings, exact: bool):
    """The learning rate for this step: fixed, exact line search (quadratics) or Armijo backtracking."""
    if s.line_search == "none":
        return s.lr if exact else float(s.lr)
    if s.line_search == "exact":
        H = obj.hessian(rows)
        if H is None:
            raise OptionError("--line-search exact needs a quadratic loss (a model linear in its parameters or a "
                              "quadratic function); use --line-search armijo")
        p = len(g)
        gg = sum(gi * gi for gi in g)
        gHg = sum(g[j] * H[j][k] * g[k] for j in range(p) for k in range(p))
        if gg == 0:
            return s.lr if exact else float(s.lr)
        if gHg <= 0:  # the function does not curve upward along −g: no minimum along the line
            raise LineSearchFailed("the function does not curve upward along the gradient (gᵀHg ≤ 0), so there is "
                                   "no exact step")
        return gg / gHg if exact else float(gg) / float(gHg)
    eta = armijo(obj, theta, g, rows, s.lr, exact)[-1][0]
    return eta if exact else float(eta)


def armijo(obj, theta, g, rows, start, exact: bool) -> list[tuple]:
    """Backtracking from ``start``: halve η until f(θ − ηg) ≤ f(θ) − σ η ‖g‖²; the trials, last accepted.

    Each trial is ``(η, f(θ − ηg), f(θ) − σ η ‖g‖², accepted)``. Raises NotExact when a value is not
    rational (retry with floats) and LineSearchFailed when no halving is accepted.
    """
    conv = (lambda x: x) if exact else float
    eta, c = Fraction(start), conv(ARMIJO_C)  # η stays exact: a power of 1/2 times the start
    f0 = obj.loss(theta, rows, exact)
    gg = sum(gi * gi for gi in g)
    trials = []
    for _ in range(ARMIJO_HALVINGS):
        trial = [t - conv(eta) * gi for t, gi in zip(theta, g)]
        f1 = obj.loss(trial, rows, exact)
        bound = f0 - c * conv(eta) * gg
        ok = f1 <= bound  # False for nan: a trial outside the domain is rejected
        trials.append((eta, f1, bound, ok))
        if ok:
            return trials
        eta = eta / 2
    raise LineSearchFailed(f"the Armijo line search found no sufficient decrease in {ARMIJO_HALVINGS} halvings (the "
                           "function may be unbounded below or not smooth here)")


def _float(v) -> float:
    """float(v), or ±inf beyond float64."""
    try:
        return float(v)
    except OverflowError:
        return math.copysign(math.inf, v)


def _kept(k: int) -> bool:
    """The iterates a long run keeps: the first 200, then about 400 more spread evenly on a log scale
    of k (enough to draw the loss against k); memory does not grow with --max-iter."""
    return k < 200 or k == int(1.02 ** round(math.log(k) / math.log(1.02)))


def run(obj, theta0: Sequence[Fraction], s: Settings, *, max_iter: int | None = None, until_tol: bool = False) -> History:
    """Iterate from θ₀: ``s.steps`` steps, or with ``until_tol`` until ‖∇L‖ < tol (at most ``max_iter``);
    a run to tolerance keeps only some iterates (see :func:`_kept`) and always the last."""
    limit = max_iter if until_tol else s.steps
    batches = Batches(obj.n, s.batch, s.sample, s.seed)
    state = _State(len(theta0))
    h = History()
    theta = list(theta0)
    exact = all(isinstance(t, Fraction) for t in theta)
    for k in range(limit + 1):
        rows = batches.rows(k)
        try:
            if not exact:
                raise NotExact
            loss, g_full = obj.loss(theta), obj.grad(theta)
        except NotExact:
            if exact:
                exact, h.switched_at = False, k
            theta = [float(t) for t in theta]
            loss, g_full = obj.loss(theta, exact=False), obj.grad(theta, exact=False)
        it = Iterate(k, tuple(theta), loss, tuple(g_full), exact, rows)
        if not exact and not (math.isfinite(float(loss)) and all(math.isfinite(float(v)) for v in g_full)):
            h.iterates.append(it)
            h.stop = "undefined"
            return h
        if until_tol and it.grad_norm < float(s.tol):
            h.iterates.append(it)
            h.stop = "tol"
            return h
        if k == limit:
            h.iterates.append(it)
            return h
        g = g_full if rows is None else (obj.grad(theta, rows, exact) if exact else obj.grad(theta, rows, exact=False))
        try:
            try:
                lr = step_size(obj, theta, g, rows, s, exact)
            except NotExact:  # a trial point of the line search is not rational: this step in float64
                exact, h.switched_at = False, k
                theta, g = [float(t) for t in theta], [float(v) for v in g]
                state.v = [float(v) for v in state.v]
                state.m = [float(v) for v in state.m]
                lr = step_size(obj, theta, g, rows, s, False)
        except LineSearchFailed as failure:
            h.iterates.append(it)
            h.stop, h.reason = "line search", str(failure)
            return h
        was_exact = exact
        try:
            new = update(theta, g, lr, s, state, exact)
        except NotExact:
            exact, h.switched_at = False, k + 1
            state.v = [float(v) for v in state.v]
            state.m = [float(v) for v in state.m]
            new = update([float(t) for t in theta], [float(v) for v in g], float(lr), s, state, False)
        if not until_tol or _kept(k):
            h.iterates.append(Iterate(k, tuple(theta), loss, tuple(g_full), was_exact, rows, lr))
        if exact and not all(readable(t) for t in new):
            exact, h.switched_at = False, k + 1
            state.v = [float(v) for v in state.v]
            state.m = [float(v) for v in state.m]
        theta = [t if exact else float(t) for t in new]
        if any(abs(t) > BLOWUP or not math.isfinite(t) for t in theta) or not math.isfinite(it.grad_norm):
            h.iterates.append(Iterate(k + 1, tuple(_float(t) for t in theta), math.inf, tuple(math.inf for _ in theta),
                                      False))
            h.stop = "diverged"
            return h
    return h

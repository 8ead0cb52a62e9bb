"""What gradient descent minimises: a loss on data, or a function of a few variables.

An objective knows its symbolic form (for the derivation) and how to compute its value, gradient
and, when it is quadratic, its constant Hessian — exactly with :class:`fractions.Fraction` where
the numbers are rational, in float64 otherwise. ``rows`` selects a batch of data rows (0-based);
``None`` means every row.

* :class:`LinearData` — a model linear in its parameters (the regression line, polynomials,
  several features): the loss is the quadratic c(θᵀGθ − 2mᵀθ + Σt²) with G = XᵀX, m = Xᵀt, so every
  step costs O(p²) after one pass over the data.
* :class:`CurveData` — any other model (``a*exp(b*x)``): evaluated row by row.
* :class:`Function` — an expression of a few variables, no data (``x**2 - 4*x + 5``).

Example:
    >>> from fractions import Fraction as F
    >>> from derive.data import load_dataset
    >>> obj = regression_objective(load_dataset("baby"), "half-sse", ("s", "b"))
    >>> obj.grad([F(1), F(0)])
    [Fraction(-260, 1), Fraction(-114, 1)]
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Sequence

import sympy as sp

from ..errors import DataError, OptionError
from ..evaluate import Unsupported, determinant, evaluate
from ..notation import I, N, Sigma, column, parameter
from ..numeric import NotNumeric, compile_float

# loss name -> (factor c in L = c Σ e_i², a function of the batch size, and its description)
LOSSES = {
    "mse": (1 / N, "mean squared error"),
    "half-mse": (1 / (2 * N), "half mean squared error"),
    "sse": (sp.S.One, "sum of squared errors"),
    "half-sse": (sp.S.Half, "half sum of squared errors"),
}


FLOAT_SAFE = 10**150  # data sums beyond this would overflow float64 in the iterations (see LinearData)


class NotExact(Exception):
    """The value is not a rational number (or cannot be computed exactly): use float64."""


class IrrationalTerms(DataError):
    """A term of a model linear in its parameters is not rational on the data (sqrt(x), sin(x))."""


def _frac(v) -> Fraction:
    if isinstance(v, Fraction):
        return v
    if isinstance(v, int):
        return Fraction(v)
    v = sp.Rational(v)
    return Fraction(int(v.p), int(v.q))


def _factor(loss: str, size: int) -> Fraction:
    c = LOSSES[loss][0]
    value = c.xreplace({N: sp.Integer(size)})
    return Fraction(int(value.p), int(value.q))


class _DataObjective:
    """What the two data objectives share: symbols, data binding, batches and the loss factor."""

    kind = "data"

    def __init__(self, dataset, model_i: sp.Basic, params, Y: sp.IndexedBase, cols: dict, loss: str):
        if loss not in LOSSES:
            raise OptionError(f"--loss: unknown loss '{loss}'; choose one of {', '.join(LOSSES)}")
        self.dataset, self.model_i, self.params, self.Y, self.cols, self.loss_name = dataset, model_i, tuple(params), Y, cols, loss
        self.c, self.loss_text = LOSSES[loss]
        self.n = dataset.n
        self.ys = [_frac(v) for v in dataset.columns[Y.label.name]]
        self.L = sp.Function("L")(*self.params)
        self.loss_expr = self.c * Sigma((model_i - Y[I]) ** 2)
        self.data = {N: sp.Integer(self.n), Y: tuple(dataset.columns[Y.label.name])}
        for base, name in cols.items():
            self.data[base] = tuple(dataset.columns[name])

    def batch_data(self, rows: Sequence[int] | None) -> dict:
        """The data binding for a batch: n is its size and the columns hold its rows, in order."""
        if rows is None:
            return dict(self.data)
        out = {N: sp.Integer(len(rows))}
        for base, values in self.data.items():
            if base != N:
                out[base] = tuple(values[r] for r in rows)
        return out

    def factor(self, rows) -> Fraction:
        return _factor(self.loss_name, self.n if rows is None else len(rows))


class LinearData(_DataObjective):
    """A model linear in its parameters: ŷ_i = Σ_j θ_j φ_j(x_i) + o(x_i)."""

    quadratic = True

    def __init__(self, dataset, model_i, params, Y, cols, loss, phis, offset):
        super().__init__(dataset, model_i, params, Y, cols, loss)
        self.phis, self.offset = phis, offset
        env_cols = {base: self.data[base] for base in cols}
        rows = []
        for i in range(1, self.n + 1):
            env = {I: i, **env_cols}
            try:
                rows.append([evaluate(phi, env) for phi in phis])
                o = evaluate(offset, env) if offset != 0 else Fraction(0)
            except Unsupported:
                raise IrrationalTerms("a term of the model cannot be computed exactly on the data (exact descent needs "
                                "terms built from the inputs with + - * / and integer powers)") from None
            except ZeroDivisionError:
                raise DataError(f"a term of the model divides by zero at data row {i}; remove that row or change "
                                "the model") from None
            self.ys[i - 1] -= o
        self.features = rows  # φ(x_i) per row
        self._cache: dict = {}

    def _moments(self, rows):
        key = None if rows is None else tuple(rows)
        if key not in self._cache:
            idx = range(self.n) if rows is None else rows
            p = len(self.params)
            G = [[Fraction(0)] * p for _ in range(p)]
            m = [Fraction(0)] * p
            yy = Fraction(0)
            for r in idx:
                phi, t = self.features[r], self.ys[r]
                for j in range(p):
                    m[j] += phi[j] * t
                    for k in range(j, p):
                        G[j][k] += phi[j] * phi[k]
                yy += t * t
            for j in range(p):
                for k in range(j):
                    G[j][k] = G[k][j]
            # NOTE: the iterations go on in float64 once the numbers grow long; sums beyond 1e150 would
            # overflow there (and in every float cross-check), so such data is refused with the fix
            if any(abs(v) > FLOAT_SAFE for v in (*(x for row in G for x in row), *m, yy)):
                raise DataError(f"{self.dataset.name}: the sums of squares of the data exceed 1e150, beyond what "
                                "gradient descent can carry on in float64; rescale the columns (e.g. divide by a "
                                "power of ten) and run again")
            floats = ([[float(v) for v in row] for row in G], [float(v) for v in m], float(yy))
            self._cache[key] = (G, m, yy, floats)
        return self._cache[key]

    def gram(self, rows=None):
        """G = XᵀX and m = Xᵀt over the rows (exact)."""
        G, m, _, _ = self._moments(rows)
        return G, m

    def loss(self, theta, rows=None, exact=True):
        G, m, yy, (Gf, mf, yyf) = self._moments(rows)
        c = self.factor(rows)
        if exact:
            quad = sum(theta[j] * G[j][k] * theta[k] for j in range(len(theta)) for k in range(len(theta)))
            return c * (quad - 2 * sum(a * b for a, b in zip(m, theta)) + yy)
        t = [float(v) for v in theta]
        centre = self._centre(rows)
        if centre is not None:
            # NOTE: L = c·(θ − θ*)ᵀG(θ − θ*) + L*, never the difference of large numbers (which near the
            # minimum would cancel to a wrong, even negative, loss).
            opt, least = centre
            e = [a - b for a, b in zip(t, opt)]
            quad = sum(e[j] * Gf[j][k] * e[k] for j in range(len(e)) for k in range(len(e)))
            return float(c) * quad + least
        quad = sum(t[j] * Gf[j][k] * t[k] for j in range(len(t)) for k in range(len(t)))
        return max(0.0, float(c) * (quad - 2 * sum(a * b for a, b in zip(mf, t)) + yyf))

    def _centre(self, rows):
        """(θ*, L*) of the batch's loss in float64, from the exact minimiser; None when XᵀX is singular."""
        key = ("centre", None if rows is None else tuple(rows))
        if key not in self._cache:
            from ..linalg import Singular, solve

            G, m, yy, _ = self._moments(rows)
            try:
                opt = solve(G, m)
                least = self.factor(rows) * (yy - sum(a * b for a, b in zip(m, opt)))
                self._cache[key] = ([float(v) for v in opt], float(least))
            except Singular:
                self._cache[key] = None
        return self._cache[key]

    def grad(self, theta, rows=None, exact=True):
        G, m, _, (Gf, mf, _) = self._moments(rows)
        c2 = 2 * self.factor(rows)
        p = len(theta)
        if exact:
            return [c2 * (sum(G[j][k] * theta[k] for k in range(p)) - m[j]) for j in range(p)]
        t = [float(v) for v in theta]
        cf = float(c2)
        return [cf * (sum(Gf[j][k] * t[k] for k in range(p)) - mf[j]) for j in range(p)]

    def hessian(self, rows=None) -> list[list[Fraction]]:
        G, _ = self.gram(rows)
        c2 = 2 * self.factor(rows)
        return [[c2 * v for v in row] for row in G]

    def optimum(self) -> list[Fraction] | None:
        """The exact minimiser over all rows (None when XᵀX is singular)."""
        from ..linalg import Singular, solve

        G, m = self.gram()
        try:
            return solve(G, m)
        except Singular:
            return None


class CurveData(_DataObjective):
    """A model that is not linear in its parameters, evaluated row by row."""

    quadratic = False

    def __init__(self, dataset, model_i, params, Y, cols, loss):
        super().__init__(dataset, model_i, params, Y, cols, loss)
        self.partials = [sp.diff(model_i, p) for p in self.params]
        columns = {base: self.data[base] for base in cols}
        # NOTE: evaluated in float64 row by row; values whose squares pass 1e150 would overflow there, and the
        # run would be reported as starting outside the domain
        big = [abs(v) for v in self.ys] + [abs(_frac(v)) for base in cols for v in self.data[base]]
        if big and max(big) ** 2 > FLOAT_SAFE:
            raise DataError(f"{self.dataset.name}: the data's values reach {float(max(big)):.3g}, whose squares are "
                            "beyond what gradient descent can carry on in float64; rescale the columns (e.g. "
                            "divide by a power of ten) and run again")
        try:
            self._model_f = compile_float(model_i, self.params, columns)
            self._partial_f = [compile_float(d, self.params, columns) for d in self.partials]
        except NotNumeric as e:
            raise OptionError(f"--model: derive cannot evaluate this model numerically ({e})") from None
        import numpy as np

        self._y = np.array([float(v) for v in self.ys])
        self._env = {base: self.data[base] for base in cols}

    def _residuals_exact(self, theta, rows):
        env = {**dict(zip(self.params, theta)), **self._env}
        idx = range(self.n) if rows is None else rows
        out = []
        for r in idx:
            env[I] = r + 1
            try:
                out.append((r, evaluate(self.model_i, env) - self.ys[r]))
            except (Unsupported, ZeroDivisionError):
                raise NotExact from None
        return out

    def loss(self, theta, rows=None, exact=True):
        c = self.factor(rows)
        if exact:
            return c * sum(e * e for _, e in self._residuals_exact(theta, rows))
        import numpy as np

        with np.errstate(all="ignore"):
            r = self._residual_f(theta, rows)
            return float(c) * float(np.sum(r * r))

    def _residual_f(self, theta, rows):
        import numpy as np

        t = [float(v) for v in theta]
        r = np.broadcast_to(self._model_f(t), (self.n,)) - self._y
        return r if rows is None else r[list(rows)]

    def grad(self, theta, rows=None, exact=True):
        c2 = 2 * self.factor(rows)
        if exact:
            res = self._residuals_exact(theta, rows)
            env = {**dict(zip(self.params, theta)), **self._env}
            out = []
            for d in self.partials:
                total = Fraction(0)
                for r, e in res:
                    env[I] = r + 1
                    try:
                        total += e * evaluate(d, env)
                    except (Unsupported, ZeroDivisionError):
                        raise NotExact from None
                out.append(c2 * total)
            return out
        import numpy as np

        t = [float(v) for v in theta]
        with np.errstate(all="ignore"):
            r = self._residual_f(theta, rows)
            out = []
            for f in self._partial_f:
                d = np.broadcast_to(f(t), (self.n,))
                d = d if rows is None else d[list(rows)]
                out.append(float(c2) * float(np.sum(r * d)))
        return out

    def hessian(self, rows=None):
        return None

    def optimum(self):
        return None


class Function:
    """f(v₁, …, v_k): an expression, no data."""

    kind = "function"

    def __init__(self, expr: sp.Basic, variables: Sequence[sp.Symbol]):
        self.expr, self.params = expr, tuple(variables)
        self.n = None
        self.L = sp.Function("f")(*self.params)
        self.loss_expr = expr
        self.data: dict = {}
        self.partials = [sp.diff(expr, v) for v in self.params]
        self.quadratic = _rational_quadratic(expr, self.params)
        try:
            self._f = compile_float(expr, self.params)
            self._g = [compile_float(d, self.params) for d in self.partials]
        except NotNumeric as e:
            raise OptionError(f"--function: derive cannot evaluate this function numerically ({e})") from None

    def batch_data(self, rows):
        return {}

    def _exact(self, e, theta):
        try:
            return evaluate(e, dict(zip(self.params, theta)))
        except (Unsupported, ZeroDivisionError):
            raise NotExact from None

    def loss(self, theta, rows=None, exact=True):
        if exact:
            return self._exact(self.expr, theta)
        return _float(self._f, theta)

    def grad(self, theta, rows=None, exact=True):
        if exact:
            return [self._exact(d, theta) for d in self.partials]
        return [_float(g, theta) for g in self._g]

    def hessian(self, rows=None) -> list[list[Fraction]] | None:
        """The constant Hessian of a quadratic (None otherwise)."""
        if not self.quadratic:
            return None
        H = sp.hessian(self.expr, self.params)
        return [[_frac(H[j, k]) for k in range(len(self.params))] for j in range(len(self.params))]

    def hessian_at(self, theta) -> list[list[Fraction]] | None:
        """The Hessian at a point, exactly (None when it is not rational there)."""
        H = sp.hessian(self.expr, self.params)
        try:
            return [[self._exact(H[j, k], theta) for k in range(len(self.params))] for j in range(len(self.params))]
        except NotExact:
            return None

    def optimum(self) -> list[Fraction] | None:
        """The exact minimiser of a quadratic with positive definite Hessian (None otherwise)."""
        from ..linalg import Singular, solve

        H = self.hessian()
        if H is None or not _positive_definite(H):
            return None
        zero = [Fraction(0)] * len(self.params)
        g0 = self.grad(zero)
        try:
            return solve(H, [-v for v in g0])
        except Singular:
            return None


def _float(f, theta) -> float:
    import numpy as np

    with np.errstate(all="ignore"):
        try:
            return float(f([float(v) for v in theta]))
        except (OverflowError, ValueError, ZeroDivisionError):
            return math.nan


def _rational_quadratic(expr, variables) -> bool:
    """A polynomial of degree at most 2 in ``variables`` with rational coefficients (pi*x**2 is not:
    its Hessian is not a matrix of exact rationals)."""
    try:
        poly = sp.Poly(expr, *variables)
    except sp.PolynomialError:
        return False
    return poly.total_degree() <= 2 and all(c.is_Rational for c in poly.coeffs())


def _positive_definite(H) -> bool:
    """Sylvester's criterion on exact Fractions: every leading minor is positive."""
    return all(determinant([list(row[:m]) for row in H[:m]]) > 0 for m in range(1, len(H) + 1))


# -- constructors --------------------------------------------------------------------------------------
def regression_objective(dataset, loss: str, params) -> LinearData:
    """The line ŷ_i = w x_i + b on ``dataset`` (its own x and y columns and letters)."""
    w, b = (parameter(p) for p in params)
    x, y = column(dataset.x_symbol), column(dataset.y_symbol)
    cols = {x: dataset.x}
    return LinearData(_Renamed(dataset, {dataset.y_symbol: dataset.y}), w * x[I] + b, (w, b), y, cols, loss,
                      [x[I], sp.S.One], sp.S.Zero)


def model_objective(dataset, model: sp.Basic, params, y: str, loss: str):
    """Any model: linear in its parameters (exact, quadratic loss) or not (row by row)."""
    features = sorted(model.free_symbols - set(params), key=str)
    cols = {column(str(f)): str(f) for f in features}
    model_i = model.xreplace({f: column(str(f))[I] for f in features})
    Y = column(y if y not in {str(p) for p in params} else y + "_obs")
    ds = _Renamed(dataset, {Y.label.name: y})
    partials = [sp.diff(model_i, p) for p in params]
    if all(not d.has(*params) for d in partials):
        offset = sp.expand(model_i.xreplace({p: 0 for p in params}))
        try:
            return LinearData(ds, model_i, params, Y, cols, loss, partials, offset)
        except IrrationalTerms:
            pass  # a term such as sqrt(x) or sin(x) is irrational on the data: evaluate row by row instead
    return CurveData(ds, model_i, params, Y, cols, loss)


class _Renamed:
    """A dataset seen with extra column names (the letter a formula uses for a column)."""

    def __init__(self, dataset, aliases: dict):
        self._ds, self.name, self.n = dataset, dataset.name, dataset.n
        self.description = dataset.description
        self.columns = {**dataset.columns, **{a: dataset.columns[c] for a, c in aliases.items()}}
        self.x, self.y = getattr(dataset, "x", None), getattr(dataset, "y", None)
        self.x_symbol, self.y_symbol = getattr(dataset, "x_symbol", "x"), getattr(dataset, "y_symbol", "y")

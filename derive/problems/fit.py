"""Least squares for any model linear in its parameters, derived and solved exactly.

``fit(dataset, model, params, y=...)`` derives the design matrix from the model (column j is
∂ŷ/∂θ_j), the stationarity equations and the normal equations XᵀXθ = Xᵀy, evaluates them exactly
on the data and solves them (by substitution for up to three parameters, otherwise by Gauss–Jordan
elimination, one verified row-operation step per pivot column). A long model keeps its prediction ŷ_i
in the stationarity conditions, so that they fit on a line. A model that is not linear in its
parameters gets its gradient and a plain statement that there is no closed form.

Example:
    >>> from derive.data import load_dataset
    >>> from derive.parse import parse, parse_names
    >>> d = fit(load_dataset("baby"), parse("s*age + b"), parse_names("s,b"), y="height")
    >>> [str(r.exact) for r in d.results]
    ['5', '30']
"""
from __future__ import annotations

from fractions import Fraction

import sympy as sp
from sympy.core.parameters import distribute

from .. import linalg
from ..algebra import equations as eqs
from ..algebra import sums
from ..algebra.diff import Differentiator, _fresh_name, derivative_chain
from ..algebra.elimination import eliminate
from ..errors import DataError, OptionError
from ..evaluate import Unsupported, evaluate, evaluate_column
from ..linalg import Column
from ..notation import I, N, Sigma, column, indexed_to_base
from ..rules import Rule
from ..steps import Builder, CrossCheck, Derivation, Result, Step
from .regression_numbers import shown

SCALAR_STEPS_UP_TO = 3  # parameters for which the scalar derivation and elimination are shown
# NOTE: a model longer than this (in characters, as sympy writes it) is a "long model": its stationarity
# conditions keep the prediction ŷ_i instead of spelling the model out, so that they fit on a line
# (a x1 + b x2 + c x3 + d is long; s age + b and a x² + b x + c are not).
LONG_MODEL = 20


def fit(dataset, model: sp.Basic, params, *, y: str | None = None, ridge=None, digits: int = 6) -> Derivation:
    """Derive and solve the least-squares fit of ``model`` (see the module docstring)."""
    with distribute(False):
        return _Fit(dataset, model, tuple(params), y, ridge).build()


class _Fit:
    def __init__(self, dataset, model, params, y, ridge):
        self.ds, self.params = dataset, params
        self.y_given = y is not None
        y = y or dataset.y
        unread = getattr(dataset, "unread", {})
        if y in unread:
            raise DataError(f"--y: {unread[y]}")
        if y not in dataset.columns:
            raise DataError(f"--y: no column '{y}' in {dataset.name}; columns: {', '.join(dataset.columns)}")
        self.y_name = y
        if not params:
            raise OptionError("--params: name the model's parameters, e.g. --params a,b,c")
        missing = [p for p in params if not model.has(p)]
        if missing:
            raise OptionError(f"--params: {', '.join(map(str, missing))} does not occur in the model {sp.sstr(model)}")
        features = sorted(model.free_symbols - set(params), key=str)
        for f in features:
            if str(f) in unread:
                raise DataError(f"the model uses {f}, but {unread[str(f)]}")
        unknown = [str(f) for f in features if str(f) not in dataset.columns]
        if unknown:
            raise DataError(f"the model uses {', '.join(unknown)}, which is not a column of {dataset.name}; "
                            f"columns: {', '.join(dataset.columns)} (or add it to --params)")
        if str(y) in map(str, features):
            raise OptionError(f"the model uses the response column '{y}' as an input; choose another --y")
        self.features = features
        self.cols = {f: column(str(f)) for f in features}
        self.Y = column(y if str(y) not in {str(p) for p in params} else y + "_obs")
        self.model_i = model.xreplace({f: self.cols[f][I] for f in features})
        self.model = model
        self.ridge = None if ridge is None else sp.Rational(ridge)
        if self.ridge is not None and self.ridge < 0:
            raise OptionError(f"--ridge: the penalty must be ≥ 0, got {ridge}")
        n = dataset.n
        # the exact data (Columns) for the arithmetic; the verifier's binding holds their plain values
        self.exact = {self.Y: Column.of(dataset.columns[y])}
        for f in features:
            self.exact[self.cols[f]] = Column.of(dataset.columns[str(f)])
        self.data = {N: sp.Integer(n), **{base: col.binding() for base, col in self.exact.items()}}
        self.yhat = column("yhat" if self.Y.label.name != "yhat" else "fhat")
        self.L = sp.Function("L")(*params)
        self.long = len(sp.sstr(model)) > LONG_MODEL
        names = {str(q) for q in params} | set(dataset.columns)
        # the vector of the parameters (θ, unless a name of this fit already starts with theta)
        vec = "beta" if any(q.startswith("theta") for q in names) else "theta"
        p = len(params)
        self.X, self.Yv, self.theta = (sp.MatrixSymbol("X", N, p), sp.MatrixSymbol("Y", N, 1),
                                       sp.MatrixSymbol(vec, p, 1))
        self.B = Builder("fit", ("Least squares: ", sp.Eq(column("yhat")[I], self.model_i, evaluate=False),
                                 f" on {dataset.name}"), data=self.data)
        self.diff = Differentiator()

    # -- the derivation --------------------------------------------------------------------------------
    def build(self) -> Derivation:
        B = self.B
        self.define()
        phis = self.design()
        linear = all(not phi.has(*self.params) for phi in phis)
        grads = self.stationarity(phis, scalar=len(self.params) <= SCALAR_STEPS_UP_TO or not linear)
        if not linear:
            B.section("Not linear in the parameters",
                      "At least one column of the design depends on the parameters, so the stationarity "
                      "equations are not linear in them and the normal equations do not apply; derive does not "
                      "solve them in closed form (in general there is none). Minimise the loss numerically "
                      "instead, for example by gradient descent.")
            return B.build(meta={"linear": False, "params": [str(p) for p in self.params]})
        self.phis = phis
        self.check_design()
        A, rhs = self.normal_equations(phis)
        values = self.solve(A, rhs)
        checks = self.cross_checks(grads, values)
        results = [Result(p, values[p]) for p in self.params]
        meta = {"linear": True, "params": [str(p) for p in self.params], "n": self.ds.n, "dataset": self.ds.name}
        return B.build(results, checks, meta)

    def define(self):
        B, Y = self.B, self.Y
        kind = "ridge-penalised mean squared error" if self.ridge is not None else "mean squared error"
        self.lam = sp.Symbol("lambda", nonnegative=True)
        penalty = () if self.ridge is None else (
            " The penalty ", self.lam * sp.Add(*[q**2 for q in self.params]),
            " is added to the sum of the squared residuals (the intercept is penalised too), with ",
            sp.Eq(self.lam, self.ridge, evaluate=False), ".")
        names: list = []
        for k, par in enumerate(self.params):
            names += ([", "] if k else []) + [par]
        B.section("Model and loss", ("The parameters are ",) + tuple(names) + (". ",) + self.response()
                  + (f" The model is linear in the parameters if each one enters only as a factor; the loss is the "
                     f"{kind}.",) + penalty)
        B.define(self.yhat[I], self.model_i, "the model's prediction for row i")
        loss = Sigma((self.yhat[I] - Y[I]) ** 2)
        if self.ridge is not None:
            loss = loss + self.lam * sp.Add(*[p**2 for p in self.params])
            B.data = {**B.data, self.lam: self.ridge}
        self.loss_hat = loss  # n times the loss, written with the prediction ŷ_i
        B.define(self.L, loss / N, "the loss")
        self.loss_expr = (Sigma((self.model_i - Y[I]) ** 2) + (
            self.lam * sp.Add(*[p**2 for p in self.params]) if self.ridge is not None else 0)) / N
        if not self.long:  # a long model stays ŷ_i (see stationarity_with_prediction)
            B.add(Step(Rule.SUBSTITUTE_DEFINITION, self.L, self.loss_expr))

    def response(self) -> tuple:
        """The sentence that says which column is the response y_i, and why."""
        y, cols = self.y_name, list(self.ds.columns)
        why = ("" if self.y_given else
               " (by default: the column named y)" if y == "y" else
               " (by default: the last column)" if cols and y == cols[-1] else
               " (the response of this dataset)")
        return ("The response ", self.Y[I], f" is the column {y} of {self.ds.name}{why}.")

    def design(self) -> list[sp.Basic]:
        B = self.B
        j, theta_j = sp.Symbol("j", integer=True, positive=True), sp.Symbol(f"{self.theta.name}_j")
        B.section("Design matrix", ("Column ", j, " of the design matrix ", self.X, " holds the derivative ",
                                    sp.Derivative(self.yhat[I], theta_j), " of the prediction with respect to the "
                                    "parameter ", theta_j, "; its row ", I, " is evaluated at row ", I, " of the data."))
        phis = []
        for p in self.params:
            tree = self.diff(self.model_i, p)
            step = B.add(Step(tree.rule, sp.Derivative(self.yhat[I], p), tree.after, substeps=tree.substeps))
            phis.append(step.after)
        return phis

    def stationarity(self, phis, scalar: bool) -> list[sp.Basic]:
        B = self.B
        if self.long:
            B.section("Setting the gradient to zero",
                      ("Each partial derivative of the loss vanishes at the minimum. The model is long, so the "
                       "prediction ", self.yhat[I], " stays as it is, and its derivatives are the columns of the "
                       "design matrix found above."))
            grads = [self.gradient_with_prediction(p, phi, full=scalar or k == 0)
                     for k, (p, phi) in enumerate(zip(self.params, phis))]
            self.conditions = [B.add(eqs.condition(g, 0, sp.Derivative(self.L, p)), label=True)
                               for g, p in zip(grads, self.params)]
            return grads
        B.section("Setting the gradient to zero", "Each partial derivative of the loss vanishes at the minimum.")
        grads = []
        for p, phi in zip(self.params, phis):
            start = sp.Derivative(self.L, p)
            current = B.add(Step(Rule.SUBSTITUTE_DEFINITION, start, sp.Derivative(self.loss_expr, p))).after
            if scalar or p is self.params[0]:  # the first is always derived in full
                for step in derivative_chain(current, self.diff):
                    current = B.add(step).after
                tidy = sums.factor_out(current)
                current = B.add(tidy).after if tidy is not None else current
            else:
                target = 2 * Sigma(phi * (self.model_i - self.Y[I])) / N
                if self.ridge is not None:
                    target = target + 2 * self.lam * p / N
                current = B.add(Step(Rule.SIMILARLY, current, target, note="as for the first parameter")).after
            grads.append(current)
        self.conditions = [B.add(eqs.condition(g, 0, sp.Derivative(self.L, p)), label=True)
                           for g, p in zip(grads, self.params)]
        return grads

    def gradient_with_prediction(self, p, phi, full: bool) -> sp.Basic:
        """∂L/∂p with ŷ_i kept: the chain rule takes ∂ŷ_i/∂p from the design matrix (the verifier expands
        ŷ_i by its definition). ``full``: every rule as its own step, else one "similarly" step."""
        B, yh, Yi = self.B, self.yhat[I], self.Y[I]
        start = sp.Derivative(self.L, p)
        current = B.add(Step(Rule.SUBSTITUTE_DEFINITION, start, sp.Derivative(self.loss_hat / N, p))).after
        penalty = self.loss_hat - Sigma((yh - Yi) ** 2)
        if not full:
            target = 2 * Sigma(phi * (yh - Yi)) / N + (2 * self.lam * p / N if self.ridge is not None else 0)
            return B.add(Step(Rule.SIMILARLY, current, target, note="as for the first parameter")).after
        square = Sigma((yh - Yi) ** 2)
        outer = sp.Derivative(square, p)
        if penalty == 0:
            current = B.add(Step(Rule.CONSTANT_FACTOR, current, sp.Mul(1 / N, outer))).after
        else:
            current = B.add(Step(Rule.CONSTANT_FACTOR, current, sp.Mul(1 / N, sp.Derivative(self.loss_hat, p)))).after
            current = B.add(Step(Rule.SUM, current, sp.Mul(1 / N, outer + sp.Derivative(penalty, p)))).after
        term = sp.Derivative((yh - Yi) ** 2, p)
        current = B.add(Step(Rule.SUM_TERMWISE, current, current.xreplace({outer: Sigma(term)}))).after
        u = _fresh_name((yh - Yi) ** 2)
        inner = Step(Rule.SUM, sp.Derivative(yh - Yi, p), phi, substeps=(
            Step(Rule.SIMILARLY, sp.Derivative(yh, p), phi, note="a column of the design matrix"),
            Step(Rule.CONSTANT, sp.Derivative(-Yi, p), sp.S.Zero, note="held constant")))
        chain = Step(Rule.CHAIN, term, 2 * (yh - Yi) * phi, substeps=(
            Step(Rule.DEFINE, u, yh - Yi, note="the inner expression"),
            Step(Rule.POWER, sp.Derivative(u**2, u), 2 * u), inner))
        current = B.add(Step(Rule.CHAIN, current, current.xreplace({term: chain.after}),
                             substeps=chain.substeps)).after
        if penalty != 0:
            tree = self.diff(penalty, p)
            current = B.add(Step(tree.rule, current, current.xreplace({sp.Derivative(penalty, p): tree.after}),
                                 substeps=tree.substeps)).after
        tidy = sums.factor_out(current)
        return B.add(tidy).after if tidy is not None else current

    def check_design(self):
        """Refuse a design whose columns are linearly dependent on this data, naming them."""
        n, p = self.ds.n, len(self.params)
        if n < p and not self.ridge:
            raise DataError(f"{self.ds.name}: {n} rows for {p} parameters; least squares needs at least as many "
                            f"rows as parameters")
        self.columns = [self._column_values(phi) for phi in self.phis]
        if self.ridge:  # a positive penalty makes XᵀX + λI invertible
            return
        dep = linalg.first_dependent_column(self.columns)
        if dep is not None:
            k, combo = dep
            # NOTE: named by the parameters' columns: with a*x + b*x, "equals x" would not say which x
            combination = ""
            for j, c in combo.items():
                if c == 0:
                    continue
                # NOTE: the signs are written here; the names and terms are left as the user wrote them
                size = sp.Rational(abs(c.numerator), c.denominator)
                sign = ("−" if c < 0 else "") if not combination else (" − " if c < 0 else " + ")
                term = f"the column of {self.params[j]} ({sp.sstr(indexed_to_base(self.phis[j]))})"
                combination += sign + (term if size == 1 else f"{sp.sstr(size)} × {term}")
            combination = combination or "zero"
            raise DataError(
                f"the design is rank-deficient on {self.ds.name}: the column of {self.params[k]} "
                f"({sp.sstr(indexed_to_base(self.phis[k]))}) equals {combination} on every row, so the "
                f"parameters are not identifiable; remove {self.params[k]} or a term it depends on, or use data "
                f"that separates them")

    def _column_values(self, phi):
        """The values of a design column on the data (a Column, or a list of Fractions for a term such
        as 1/x whose values share no common denominator)."""
        shown_phi = sp.sstr(indexed_to_base(phi))
        env = {self.cols[f]: self.exact[self.cols[f]] for f in self.features}
        try:
            return evaluate_column(phi, env, self.ds.n)
        except Unsupported:
            raise DataError(f"the model term {shown_phi} cannot be computed exactly (exact least squares needs "
                            f"terms built from the inputs with + - * / and integer powers, like x**2 or 1/x)")
        except ZeroDivisionError:
            pass
        for i in range(1, self.ds.n + 1):  # find the row that divides by zero, to name it
            try:
                evaluate(phi, {I: i, **env})
            except ZeroDivisionError:
                raise DataError(f"the model term {shown_phi} divides by zero at data row {i}; remove that row "
                                f"or change the model")
        raise AssertionError("a division by zero that no row reproduces")

    def normal_equations(self, phis):
        B, p = self.B, len(self.params)
        offset = self.model_i.xreplace({q: 0 for q in self.params})  # the part of the model with no parameter
        target = self.Y[I] - offset
        Y = self.exact[self.Y]
        if offset != 0:
            f0 = self._column_values(offset)
            Y = Y.minus(f0) if isinstance(f0, Column) else [Y.fraction(k) - o for k, o in enumerate(f0)]
        A = linalg.gram(self.columns)
        if self.ridge is not None:
            lam = Fraction(self.ridge.p, self.ridge.q)
            A = [[a + (lam if j == k else 0) for k, a in enumerate(row)] for j, row in enumerate(A)]
        rhs = linalg.moment(self.columns, Y)
        X, Yv, th = self.X, self.Yv, self.theta
        gram = sp.MatMul(X.T, X, evaluate=False)
        if self.ridge is not None:
            gram = sp.MatAdd(gram, sp.MatMul(self.lam, sp.Identity(p), evaluate=False), evaluate=False)
        self.normal_form = sp.Eq(sp.MatMul(gram, th, evaluate=False), sp.MatMul(X.T, Yv, evaluate=False),
                                 evaluate=False)
        B.section("The normal equations",
                  ("Multiplying each condition by ", N / 2,
                   (", substituting the prediction" if self.long else ""),
                   " and splitting the sums gives the normal equations ", self.normal_form,
                   ", where the vector ", th, " holds the parameters and ", Yv, " the responses ", self.Y[I],
                   (", less the part of the model that has no parameter" if offset != 0 else ""),
                   "; then the sums are computed exactly on the data."))
        theta = sp.Matrix(self.params)
        sym_A = sp.Matrix(p, p, lambda j, k: _n_for_sum_of_one(Sigma(phis[j] * phis[k]))
                          + (self.lam if (self.ridge is not None and j == k) else 0))
        sym_b = sp.Matrix(p, 1, lambda j, _: Sigma(phis[j] * target))
        note = ("clear the constant factor, substitute the prediction and split the sums" if self.long
                else "clear the constant factor, then split the sums")
        normal = [B.add(Step(Rule.EQ_MULTIPLY, c.after, sp.Eq((sym_A * theta)[j], sym_b[j], evaluate=False),
                             factor=N / 2, note=note), label=True)
                  for j, c in enumerate(self.conditions)]
        self.sym_A, self.sym_b = sym_A, sym_b
        num_A = sp.Matrix(p, p, lambda j, k: shown(A[j][k]))
        num_b = sp.Matrix(p, 1, lambda j, _: shown(rhs[j]))
        B.add(Step(Rule.EVALUATE, sym_A, num_A, note="the coefficients"))
        B.add(Step(Rule.EVALUATE, sym_b, num_b, note="the right-hand sides"))
        self.system = [B.add(Step(Rule.EVALUATE, eq.after,
                                  sp.Eq(sp.expand((num_A.applyfunc(lambda e: e.doit()) * theta)[j]),
                                        num_b[j].doit(), evaluate=False)), label=True)
                       for j, eq in enumerate(normal)]
        return A, rhs

    def solve(self, A, rhs) -> dict:
        B, p = self.B, len(self.params)
        exact = linalg.solve(A, rhs)
        values = {par: sp.Rational(v.numerator, v.denominator) for par, v in zip(self.params, exact)}
        if p <= SCALAR_STEPS_UP_TO:
            B.section("Solving by substitution")
            found, _ = eliminate(B, self.system, self.params)
            assert found == values, "elimination and exact solve disagree"
        else:
            found = self.gauss_jordan(A, rhs)
            if found != values:  # never expected: two exact eliminations of the same system
                raise AssertionError(f"Gauss–Jordan elimination gave {found}, the exact solve {values}")
        return values

    def gauss_jordan(self, A, rhs) -> dict:
        """Gauss–Jordan elimination on the augmented matrix [A | b], one verified row-operation step per pivot
        column: the step multiplies the matrix by an explicit invertible matrix E_k (shown as a detail).

        NOTE: each step is the system [A | b] (θ; −1) = 0, which is A θ = b; written so, consecutive steps are
        equivalent equations (⇔), while the augmented matrices themselves are not equal, only row-equivalent.
        """
        B, p = self.B, len(self.params)
        gram, moment = self.normal_form.lhs.args[0], self.normal_form.rhs
        v = sp.ImmutableMatrix([*self.params, -1])
        augmented = sp.BlockMatrix([[gram, moment]])
        B.section("Solving by elimination",
                  ("In matrix form the normal equations (", self.system[0].label, ")–(", self.system[-1].label,
                   ") are ", sp.Eq(sp.MatMul(gram, self.theta, evaluate=False), moment, evaluate=False), " with ",
                   gram, " and ", moment, " evaluated on the data. Gauss–Jordan elimination works on the augmented "
                   "matrix ", augmented, ", whose last column is the right-hand side, so that the system reads ",
                   sp.Eq(sp.MatMul(augmented, sp.Transpose(v.T), evaluate=False), sp.ZeroMatrix(p, 1), evaluate=False),
                   ". For each column in turn, divide the pivot row by the pivot and subtract multiples of it from the "
                   "other rows, so that the column becomes a column of the identity matrix. Each step multiplies the "
                   "augmented matrix by an invertible matrix ", sp.Symbol("E_k"), ", so the solutions are unchanged."))

        def system(M):
            augmented = sp.ImmutableMatrix(p, p + 1, lambda j, k: _r(M[j][k]))
            return sp.Eq(sp.MatMul(augmented, v, evaluate=False), sp.ZeroMatrix(p, 1), evaluate=False)

        current = system([list(row) + [b] for row, b in zip(A, rhs)])
        steps = linalg.gauss_jordan(A, rhs)
        for k, (E, M) in enumerate(steps, 1):
            Ek = sp.ImmutableMatrix(p, p, lambda j, c: _r(E[j][c]))
            name = Step(Rule.DEFINE, sp.MatrixSymbol(f"E_{k}", p, p), Ek,
                        note=f"the row operations of pivot column {k}")
            current = B.add(Step(Rule.ROW_OPERATIONS, current, system(M), factor=Ek, substeps=(name,),
                                 note=f"pivot column {k}"), label=k == len(steps)).after
        final = current.lhs.args[0]
        if final[:, :p] != sp.eye(p):  # never expected: Gauss–Jordan ends with the identity matrix
            raise AssertionError(f"Gauss–Jordan elimination did not reach the identity matrix: {final}")
        B.outro(("The left block is now the identity matrix, so the last column is the solution: its row for ",
                 self.params[0], " is the value of ", self.params[0], ", and so on (see the result below)."))
        return dict(zip(self.params, final[:, p]))

    def cross_checks(self, grads, values) -> list[CrossCheck]:
        from .regression_numbers import _numpy_check_design, gradient_check

        B = self.B
        B.data = {**B.data, **values}
        if self.long:
            B.section("Cross-check", ("The gradient is checked at the solution with exact arithmetic; there the "
                                      "prediction ", self.yhat[I], " is the fitted model."))
            B.add(Step(Rule.AT_POINT, self.yhat[I], self.model_i.xreplace(values), note="the prediction at the solution"))
        else:
            B.section("Cross-check", "The gradient is checked at the solution with exact arithmetic.")
        zero = [B.add(Step(Rule.EVALUATE, g.xreplace(values), sp.S.Zero, note="the partial derivative at the solution"))
                for g in grads]
        checks = [gradient_check(zero)]
        if not self.ridge:
            checks.append(_numpy_check_design(self.columns, self.exact[self.Y], values, self.params))
        checks.append(B.steps_check())
        return checks


def _r(f: Fraction) -> sp.Rational:
    return sp.Rational(f.numerator, f.denominator)


def _n_for_sum_of_one(expr: sp.Basic) -> sp.Basic:
    """Σ_{i=1}^{n} 1 is n (the intercept's column of ones)."""
    return N if expr == Sigma(sp.S.One) else expr

"""The rule catalogue: the one place where every rule is named, stated and explained.

Each rule has a stable ``code`` (used in JSON and tests), a short ``name`` printed beside the
step it justifies, a ``sentence`` that renderers print as the explanation, an ``example``, the
``check`` the verifier applies to steps of that rule, and a ``formula``: the rule itself as a sympy
object built from generic functions, so that the catalogue can be printed by the same printers as
the derivations and tested with sympy (see tests/test_rules.py).

Example:
    >>> Rule.CHAIN.label
    'chain rule'
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Callable

import sympy as sp


class CheckKind(enum.Enum):
    """What the verifier proves for a step (see verify.py)."""

    EQUAL = "equal"  # after == before (expressions, or both sides of equations)
    EQUATION = "equation"  # lhs-rhs of after == factor * (lhs-rhs of before), factor != 0
    SUBSTITUTE = "substitute"  # after == before with the cited premises substituted
    ISOLATE = "isolate"  # after is `v = e`, before is affine in v and e solves it
    DATA = "data"  # after == before evaluated exactly on the data
    DEFINITION = "definition"  # introduces a name; nothing to prove
    CONDITION = "condition"  # imposes a condition (e.g. gradient = 0); checked by a later check
    APPROX = "approx"  # after is a float within a stated relative tolerance of before (on the data)
    ROOTS = "roots"  # before is p(x) = 0, after lists every root of p with multiplicity
    ROW_OPERATIONS = "row-operations"  # after == E * before exactly, E = the step's factor, square with det(E) != 0


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    sentence: str
    example: str
    check: CheckKind
    formula: Callable[[], sp.Basic] | None = None


def _fx():
    x, c = sp.symbols("x c")
    f, g = sp.Function("f"), sp.Function("g")
    return x, c, f(x), g(x)


def _d(e, x):
    return sp.Derivative(e, x)


def _f_constant():
    x, c, _, _ = _fx()
    return sp.Eq(_d(c, x), 0)


def _f_variable():
    x, *_ = _fx()
    return sp.Eq(_d(x, x), 1)


def _f_constant_factor():
    x, c, f, _ = _fx()
    return sp.Eq(_d(c * f, x), c * _d(f, x))


def _f_sum():
    x, _, f, g = _fx()
    return sp.Eq(_d(f + g, x), _d(f, x) + _d(g, x))


def _f_power():
    x = sp.Symbol("x")
    k = sp.Symbol("k")
    return sp.Eq(_d(x**k, x), k * x ** (k - 1))


def _f_chain():
    x = sp.Symbol("x")
    f, g = sp.Function("f"), sp.Function("g")
    u = sp.Symbol("u")
    return sp.Eq(_d(f(g(x)), x), sp.Subs(_d(f(u), u), u, g(x)) * _d(g(x), x))


def _f_product():
    x, _, f, g = _fx()
    return sp.Eq(_d(f * g, x), _d(f, x) * g + f * _d(g, x))


def _f_quotient():
    x, _, f, g = _fx()
    return sp.Eq(_d(f / g, x), (_d(f, x) * g - f * _d(g, x)) / g**2)


def _f_exp():
    x = sp.Symbol("x")
    return sp.Eq(_d(sp.exp(x), x), sp.exp(x))


def _f_log():
    x = sp.Symbol("x", positive=True)
    return sp.Eq(_d(sp.log(x), x), 1 / x)


def _f_sin():
    x = sp.Symbol("x")
    return sp.Eq(_d(sp.sin(x), x), sp.cos(x))


def _f_cos():
    x = sp.Symbol("x")
    return sp.Eq(_d(sp.cos(x), x), -sp.sin(x))


def _sum_symbols():
    i = sp.Symbol("i", integer=True, positive=True)
    n = sp.Symbol("n", integer=True, positive=True)
    a, bb = sp.IndexedBase("a"), sp.IndexedBase("b")
    return i, n, a, bb


def _f_tan():
    x = sp.Symbol("x")
    return sp.Eq(_d(sp.tan(x), x), 1 + sp.tan(x) ** 2)


def _f_sum_termwise():
    i, n, a, _ = _sum_symbols()
    w = sp.Symbol("w")
    f = sp.Function("f")
    return sp.Eq(_d(sp.Sum(f(w, a[i]), (i, 1, n)), w), sp.Sum(_d(f(w, a[i]), w), (i, 1, n)))


def _f_sum_split():
    i, n, a, bb = _sum_symbols()
    return sp.Eq(sp.Sum(a[i] + bb[i], (i, 1, n)), sp.Sum(a[i], (i, 1, n)) + sp.Sum(bb[i], (i, 1, n)))


def _f_sum_factor():
    i, n, a, _ = _sum_symbols()
    c = sp.Symbol("c")
    return sp.Eq(sp.Sum(c * a[i], (i, 1, n)), c * sp.Sum(a[i], (i, 1, n)))


def _f_sum_constant():
    i, n, _, _ = _sum_symbols()
    c = sp.Symbol("c")
    return sp.Eq(sp.Sum(c, (i, 1, n)), n * c)


def _f_mean():
    from .notation import Mean, I, N

    a = sp.IndexedBase("a")
    return sp.Eq(sp.Sum(a[I], (I, 1, N)), N * Mean(a))


def _matrices():
    n, p = sp.symbols("n p", integer=True, positive=True)
    return sp.MatrixSymbol("X", n, p), sp.MatrixSymbol("a", p, 1), sp.MatrixSymbol("A", p, p), sp.MatrixSymbol("b", p, 1)


def _f_transpose_product():
    X, _, _, b = _matrices()
    return sp.Eq(sp.Transpose(sp.MatMul(X, b)), sp.MatMul(b.T, X.T), evaluate=False)


def _f_matrix_linear():
    _, a, _, b = _matrices()
    return sp.Eq(sp.Derivative(sp.MatMul(b.T, a), b), a, evaluate=False)


def _f_matrix_quadratic():
    _, _, A, b = _matrices()
    return sp.Eq(sp.Derivative(sp.MatMul(b.T, A, b), b), sp.MatMul(sp.MatAdd(A, A.T), b), evaluate=False)


class Rule(enum.Enum):
    """Every rule a step can cite. ``Rule.X.value`` is its :class:`RuleInfo`."""

    # -- names and premises --------------------------------------------------------------
    DEFINE = RuleInfo("define", "definition", "Define the quantity.", "L(w,b) = ...", CheckKind.DEFINITION)
    SUBSTITUTE_DEFINITION = RuleInfo(
        "substitute-definition", "substitute definition",
        "Replace the name by its definition.", "L(w,b) -> (1/n) sum e_i^2", CheckKind.EQUAL)
    FIRST_ORDER_CONDITION = RuleInfo(
        "first-order-condition", "first-order condition",
        "At a minimum of a differentiable function every partial derivative is zero.",
        "dL/dw = 0", CheckKind.EQUAL)
    # -- differentiation -----------------------------------------------------------------
    CONSTANT = RuleInfo("constant", "constant rule",
                        "The derivative of a constant, or of an expression free of the variable, is zero.",
                        "d(7)/dx = 0; d(y)/dx = 0", CheckKind.EQUAL, _f_constant)
    VARIABLE = RuleInfo("variable", "identity rule", "The derivative of a variable with respect to itself is one.",
                        "dx/dx = 1", CheckKind.EQUAL, _f_variable)
    CONSTANT_FACTOR = RuleInfo("constant-factor", "constant factor rule",
                               "A constant factor moves outside the derivative.",
                               "d(3x^2)/dx = 3 d(x^2)/dx", CheckKind.EQUAL, _f_constant_factor)
    SUM = RuleInfo("sum", "sum rule", "The derivative of a sum is the sum of the derivatives.",
                   "d(x^2 + x)/dx = d(x^2)/dx + dx/dx", CheckKind.EQUAL, _f_sum)
    POWER = RuleInfo("power", "power rule", "Bring the exponent down and lower it by one.",
                     "d(x^3)/dx = 3x^2", CheckKind.EQUAL, _f_power)
    CHAIN = RuleInfo("chain", "chain rule",
                     "Differentiate the outer function at the inner expression, times the derivative of the inner expression.",
                     "d(x+1)^2/dx = 2(x+1) * 1", CheckKind.EQUAL, _f_chain)
    PRODUCT = RuleInfo("product", "product rule", "Derivative of the first times the second, plus the first times the derivative of the second.",
                       "d(x sin x)/dx = sin x + x cos x", CheckKind.EQUAL, _f_product)
    QUOTIENT = RuleInfo("quotient", "quotient rule", "Derivative of a quotient: (f'g - fg')/g^2.",
                        "d(1/x)/dx = -1/x^2", CheckKind.EQUAL, _f_quotient)
    EXP = RuleInfo("exp", "exponential rule",
                   "The exponential function is its own derivative; for another base a, d(a^x)/dx = a^x ln a.",
                   "d(e^x)/dx = e^x", CheckKind.EQUAL, _f_exp)
    LOG = RuleInfo("log", "logarithm rule", "The derivative of log x is 1/x.", "d(log x)/dx = 1/x", CheckKind.EQUAL, _f_log)
    SIN = RuleInfo("sin", "sine rule", "The derivative of sin x is cos x.", "d(sin x)/dx = cos x", CheckKind.EQUAL, _f_sin)
    COS = RuleInfo("cos", "cosine rule", "The derivative of cos x is -sin x.", "d(cos x)/dx = -sin x", CheckKind.EQUAL, _f_cos)
    TAN = RuleInfo("tan", "tangent rule", "The derivative of tan x is 1 + tan² x, that is sec² x.",
                   "d(tan x)/dx = 1 + tan^2 x", CheckKind.EQUAL, _f_tan)
    SUM_TERMWISE = RuleInfo("sum-termwise", "differentiate term by term",
                            "The sum has a fixed number of terms, so the derivative moves inside it.",
                            "d/dw sum f_i = sum df_i/dw", CheckKind.EQUAL, _f_sum_termwise)
    SYMPY_DIFF = RuleInfo("sympy-diff", "differentiate (sympy)",
                          "No named rule covers this form, so sympy differentiates it directly.",
                          "d(x^x)/dx", CheckKind.EQUAL)
    SIMILARLY = RuleInfo("similarly", "similarly", "This derivative was worked out above; the result is reused.",
                         "(see the earlier step)", CheckKind.EQUAL)
    # -- algebra ---------------------------------------------------------------------------
    SIMPLIFY = RuleInfo("simplify", "simplify", "Simplify.", "2(-x) -> -2x", CheckKind.EQUAL)
    EXPAND = RuleInfo("expand", "expand", "Multiply out the products.", "x(y - x) -> xy - x^2", CheckKind.EQUAL)
    COLLECT = RuleInfo("collect", "collect terms", "Group the terms that contain the unknown.", "aw + bw -> (a + b)w",
                       CheckKind.EQUAL)
    # -- summation algebra ---------------------------------------------------------------------
    SUM_SPLIT = RuleInfo("sum-split", "split the sum", "A sum of terms sums term by term.",
                         "sum(a_i + b_i) = sum a_i + sum b_i", CheckKind.EQUAL, _f_sum_split)
    SUM_FACTOR_OUT = RuleInfo("sum-factor-out", "pull out constants",
                              "A factor that does not depend on the index i moves outside the sum.",
                              "sum c a_i = c sum a_i", CheckKind.EQUAL, _f_sum_factor)
    SUM_CONSTANT = RuleInfo("sum-constant", "sum of a constant", "Adding the same constant n times gives n times it.",
                            "sum_{i=1}^n c = n c", CheckKind.EQUAL, _f_sum_constant)
    MEAN = RuleInfo("mean", "introduce the means", "Write each sum as n times the mean.",
                    "sum x_i = n xbar", CheckKind.EQUAL, _f_mean)
    CENTRED = RuleInfo("centred", "centred form", "Use the centred identities proved above.",
                       "sum x_i y_i - n xbar ybar = sum (x_i - xbar)(y_i - ybar)", CheckKind.EQUAL)
    # -- equations ---------------------------------------------------------------------------
    EQ_MULTIPLY = RuleInfo("eq-multiply", "multiply both sides", "Multiply both sides by the same non-zero factor.",
                           "-2/n S = 0 -> S = 0", CheckKind.EQUATION)
    EQ_ADD = RuleInfo("eq-add", "rearrange", "Add the same terms to both sides.",
                      "a - b = 0 -> a = b", CheckKind.EQUATION)
    EQ_SUBSTITUTE = RuleInfo("eq-substitute", "substitute", "Substitute the earlier result.",
                             "b = ybar - w xbar into (1)", CheckKind.SUBSTITUTE)
    EQ_ISOLATE = RuleInfo("eq-isolate", "solve for the unknown",
                          "The equation is linear in the unknown: move the other terms across and divide by its coefficient.",
                          "n b = S - w T -> b = (S - w T)/n", CheckKind.ISOLATE)
    # -- numbers and second-order conditions ------------------------------------------------------
    EVALUATE = RuleInfo("evaluate", "evaluate on the data", "Substitute the data and compute exactly.",
                        "xbar = 25.1/10 = 2.51", CheckKind.DATA)
    ARITHMETIC = RuleInfo("arithmetic", "arithmetic", "Carry out the arithmetic exactly.", "25.1/10 = 2.51",
                          CheckKind.EQUAL)
    TRANSPOSE_PRODUCT = RuleInfo("transpose-product", "transpose of a product",
                                 "The transpose of a product is the product of the transposes in reverse order.",
                                 "(X b)^T = b^T X^T", CheckKind.EQUAL, _f_transpose_product)
    SCALAR_TRANSPOSE = RuleInfo("scalar-transpose", "a 1×1 matrix is its own transpose",
                                "A 1×1 matrix equals its transpose, so the two middle terms are equal.",
                                "Y^T X b = (Y^T X b)^T = b^T X^T Y", CheckKind.EQUAL)
    MATRIX_LINEAR = RuleInfo("matrix-linear", "derivative of a linear form",
                             "The derivative of b^T a with respect to the vector b is a.",
                             "d(b^T a)/db = a", CheckKind.EQUAL, _f_matrix_linear)
    MATRIX_QUADRATIC = RuleInfo("matrix-quadratic", "derivative of a quadratic form",
                                "The derivative of b^T A b is (A + A^T) b, which is 2 A b for a symmetric A.",
                                "d(b^T A b)/db = (A + A^T) b", CheckKind.EQUAL, _f_matrix_quadratic)
    GRADIENT = RuleInfo("gradient", "gradient", "Collect the partial derivatives in a vector.",
                        "grad f = (df/da, df/db)", CheckKind.EQUAL)
    AT_POINT = RuleInfo("at-point", "evaluate at the point", "Substitute the coordinates of the point exactly.",
                        "grad f(1, 2) = (7, 3)", CheckKind.DATA)
    ROW_OPERATIONS = RuleInfo("row-operations", "row operations",
                              "Divide the pivot row by the pivot and subtract multiples of it from the other rows; "
                              "this multiplies the system by an invertible matrix, so its solutions are unchanged.",
                              "[2 4 | 6; 1 3 | 5] -> [1 2 | 3; 0 1 | 2]", CheckKind.ROW_OPERATIONS)
    SOLVE_SYMPY = RuleInfo("solve-sympy", "solve (sympy)",
                           "The system is not linear, so sympy's solver finds the solutions; each one is checked by substitution.",
                           "x^2 - 1 = 0 -> x = -1 or x = 1", CheckKind.DATA)
    HESSIAN = RuleInfo("hessian", "Hessian", "Collect the second partial derivatives in a matrix.",
                       "H = [[L_ww, L_wb], [L_bw, L_bb]]", CheckKind.EQUAL)
    # -- gradient descent --------------------------------------------------------------------------
    GD_UPDATE = RuleInfo("gd-update", "gradient-descent update",
                         "Step against the gradient: the new value is the old one minus the learning rate times the "
                         "partial derivative.", "w_new = w - eta dL/dw", CheckKind.DEFINITION)
    MOMENTUM = RuleInfo("momentum", "momentum update",
                        "Keep a velocity: a decaying sum of past gradients, and step against it.",
                        "v_new = beta v + g; w_new = w - eta v_new", CheckKind.DEFINITION)
    ADAGRAD = RuleInfo("adagrad", "AdaGrad update",
                       "Divide each parameter's step by the root of the sum of its squared gradients so far.",
                       "G_new = G + g^2; w_new = w - eta g/(sqrt(G_new) + eps)", CheckKind.DEFINITION)
    RMSPROP = RuleInfo("rmsprop", "RMSprop update",
                       "Divide each parameter's step by the root of a moving average of its squared gradients.",
                       "v_new = rho v + (1 - rho) g^2; w_new = w - eta g/(sqrt(v_new) + eps)", CheckKind.DEFINITION)
    ADAM = RuleInfo("adam", "Adam update",
                    "Moving averages of the gradient and of its square, corrected for their start at zero, "
                    "give a step per parameter.",
                    "m_hat = m/(1 - beta1^t); w_new = w - eta m_hat/(sqrt(v_hat) + eps)", CheckKind.DEFINITION)
    LINE_SEARCH = RuleInfo("line-search", "exact line search",
                           "On a quadratic, the step size that minimises the loss along -g is g^T g / g^T H g.",
                           "eta* = g^T g / g^T H g", CheckKind.EQUAL)
    EIGENVALUES = RuleInfo("eigenvalues", "eigenvalues",
                           "The eigenvalues are the roots of the characteristic polynomial det(H - lambda I).",
                           "lambda^2 - 5 lambda + 4 = 0 -> (lambda_1, lambda_2) = (1, 4)", CheckKind.ROOTS)
    PLUG_IN = RuleInfo("plug-in", "substitute the values", "Put in the values found above and compute exactly.",
                       "2/lambda_max = 2/4 = 1/2", CheckKind.DATA)
    APPROXIMATE = RuleInfo("approximate", "round",
                           "The value is not a short exact number: it is shown rounded, and every digit shown is "
                           "correct. A rounded number inside a formula stands for the numbers that round to it.",
                           "e^(1/2) ~ 1.64872", CheckKind.APPROX)
    DETERMINANT = RuleInfo("determinant", "determinant",
                           "Expand the determinant by cofactors (for a 2x2 matrix, ad - bc).",
                           "det [[a, b], [c, d]] = ad - bc", CheckKind.EQUAL)

    @property
    def code(self) -> str:
        return self.value.code

    @property
    def label(self) -> str:
        """The short name printed beside a step (``Rule.CHAIN.label == 'chain rule'``)."""
        return self.value.name

    @property
    def sentence(self) -> str:
        return self.value.sentence

    @property
    def check(self) -> CheckKind:
        return self.value.check

    def formula(self) -> sp.Basic | None:
        """The rule as a sympy statement (or None for rules that are procedures, not identities)."""
        return self.value.formula() if self.value.formula else None

    @classmethod
    def by_code(cls, code: str) -> "Rule":
        for r in cls:
            if r.code == code:
                return r
        raise KeyError(code)

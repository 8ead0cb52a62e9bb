"""Tables for the printers (expression -> LaTeX, expression -> Unicode) and for number formatting."""
import unicodedata

import pytest
import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from derive.notation import I, N, Mean, Sigma, column, parameter
from derive.render import numbers
from derive.render import text as text_module
from derive.render.printer import DeriveLatexPrinter, UnicodePrinter, is_written, latex, unicode

x, y = column("x"), column("y")
w, b = parameter("w"), parameter("b")
u, k, j = sp.symbols("u k j")
L = sp.Function("L")(w, b)
f = sp.Function("f")
R = sp.Rational


def written_div(p, q):
    """p/q as written in a substitution (nothing evaluated)."""
    return sp.Mul(R(p), sp.Pow(R(q), -1, evaluate=False), evaluate=False)


def shown(v):
    return sp.UnevaluatedExpr(R(v))


# (expression, LaTeX, Unicode)
CASES = [
    # means and data entries
    (Mean(x), r"\bar{x}", "x\u0304"),
    (Mean(y), r"\bar{y}", "y\u0304"),
    (Mean(x * y), r"\overline{x y}", "x̅y̅"),
    (Mean(x**2), r"\overline{x^{2}}", "x̅²̅"),
    (Mean(x) ** 2, r"\bar{x}^{2}", "x̄²"),
    (Mean(parameter("beta_1")), r"\bar{\beta}_{1}", "β̄₁"),
    (x[I], "x_{i}", "xᵢ"),
    (x[I] ** 2, "x_{i}^{2}", "xᵢ²"),
    (x[2], "x_{2}", "x₂"),
    (x[j], "x_{j}", "x[j]"),
    (column("yhat")[I], r"\hat{y}_{i}", "ŷᵢ"),
    (x[I] - Mean(x), r"x_{i} - \bar{x}", "xᵢ − x̄"),
    # sums
    (Sigma(x[I]), r"\sum_{i=1}^{n} x_{i}", "Σᵢ₌₁ⁿ xᵢ"),
    (Sigma(x[I] - w), r"\sum_{i=1}^{n} \left(x_{i} - w\right)", "Σᵢ₌₁ⁿ (xᵢ − w)"),
    (Sigma(-y[I]), r"\sum_{i=1}^{n} \left(- y_{i}\right)", "Σᵢ₌₁ⁿ (−yᵢ)"),
    (Sigma(x[I] * y[I]), r"\sum_{i=1}^{n} x_{i} y_{i}", "Σᵢ₌₁ⁿ xᵢ yᵢ"),
    (sp.Sum(x[I], (I, 1, 10)), r"\sum_{i=1}^{10} x_{i}", "Σᵢ₌₁¹⁰ xᵢ"),
    (sp.Sum(x[j] + 1, (j, 0, N - 1)), r"\sum_{j=0}^{n - 1} \left(x_{j} + 1\right)", "Σ_{j=0}^{n − 1} (x[j] + 1)"),
    (Sigma(x[I]) ** 2, r"\left(\sum_{i=1}^{n} x_{i}\right)^{2}", "(Σᵢ₌₁ⁿ xᵢ)²"),
    (Sigma(x[I]) * Sigma(y[I]), r"\left(\sum_{i=1}^{n} x_{i}\right) \sum_{i=1}^{n} y_{i}", "(Σᵢ₌₁ⁿ xᵢ) Σᵢ₌₁ⁿ yᵢ"),
    (2 * Sigma(x[I]) / N, r"\frac{2}{n} \sum_{i=1}^{n} x_{i}", "(2/n) Σᵢ₌₁ⁿ xᵢ"),
    (-Sigma(x[I]) / N, r"- \frac{1}{n} \sum_{i=1}^{n} x_{i}", "−(1/n) Σᵢ₌₁ⁿ xᵢ"),
    (Sigma(x[I]) / (2 * N), r"\frac{1}{2 n} \sum_{i=1}^{n} x_{i}", "(1/(2 n)) Σᵢ₌₁ⁿ xᵢ"),
    (Sigma(x[I] * y[I]) / Sigma(x[I] ** 2), r"\frac{\sum_{i=1}^{n} x_{i} y_{i}}{\sum_{i=1}^{n} x_{i}^{2}}",
     "(Σᵢ₌₁ⁿ xᵢ yᵢ)/(Σᵢ₌₁ⁿ xᵢ²)"),
    (w * Sigma(x[I]) + b * N, r"b n + w \sum_{i=1}^{n} x_{i}", "b n + w Σᵢ₌₁ⁿ xᵢ"),
    # derivatives
    (sp.Derivative(L, w), r"\frac{\partial L}{\partial w}", "∂L/∂w"),
    (sp.Derivative(L, w, 2), r"\frac{\partial^{2} L}{\partial w^{2}}", "∂²L/∂w²"),
    (sp.Derivative(L, w, b), r"\frac{\partial^{2} L}{\partial w \partial b}", "∂²L/∂w∂b"),
    (sp.Derivative(w**2 + b, w), r"\frac{\partial}{\partial w} \left(b + w^{2}\right)", "∂/∂w (b + w²)"),
    (sp.Derivative(w * x[I], w), r"\frac{\partial}{\partial w} \left(w x_{i}\right)", "∂/∂w (w xᵢ)"),
    (sp.Derivative((w * x[I] + b - y[I]) ** 2, w),
     r"\frac{\partial}{\partial w} \left(b + w x_{i} - y_{i}\right)^{2}", "∂/∂w (b + w xᵢ − yᵢ)²"),
    (sp.Derivative(u**2, u), r"\frac{d}{d u} u^{2}", "d/du u²"),
    (sp.Derivative(b, w), r"\frac{\partial}{\partial w} b", "∂/∂w b"),
    (sp.Derivative(f(u), u), r"\frac{d f}{d u}", "df/du"),
    (sp.Derivative(Sigma((y[I] - w * x[I]) ** 2) / N, w),
     r"\frac{\partial}{\partial w} \left(\frac{1}{n} \sum_{i=1}^{n} \left(y_{i} - w x_{i}\right)^{2}\right)",
     "∂/∂w ((1/n) Σᵢ₌₁ⁿ (yᵢ − w xᵢ)²)"),
    (sp.Derivative(Sigma(x[I] * w), w) / N, r"\frac{1}{n} \frac{\partial}{\partial w} \sum_{i=1}^{n} w x_{i}",
     "(1/n) ∂/∂w Σᵢ₌₁ⁿ w xᵢ"),
    (2 * sp.Derivative(L, w), r"2 \frac{\partial L}{\partial w}", "2 (∂L/∂w)"),
    (sp.Derivative(L, w) ** 2, r"\left(\frac{\partial L}{\partial w}\right)^{2}", "(∂L/∂w)²"),
    # symbols and functions
    (parameter("beta_1"), r"\beta_{1}", "β₁"),
    (sp.Symbol("yhat"), r"\hat{y}", "ŷ"),
    (L, "L(w, b)", "L(w, b)"),
    (f(w), "f(w)", "f(w)"),
    (f(w**2), r"f\left(w^{2}\right)", "f(w²)"),
    (sp.sin(sp.pi * w), r"\sin{\left(\pi w \right)}", "sin(π w)"),
    (sp.E + sp.oo, r"\infty", "∞"),
    (sp.E * w, r"e w", "e w"),
    # numbers, products, powers
    (R(3, 4), r"\frac{3}{4}", "3/4"),
    (-R(3, 4), r"- \frac{3}{4}", "−3/4"),
    (sp.Integer(-3), "-3", "−3"),
    (R(3, 4) * w, r"\frac{3 w}{4}", "3 w/4"),
    (-3 * w / (4 * b), r"- \frac{3 w}{4 b}", "−3 w/(4 b)"),
    (2 * w * x[I], r"2 w x_{i}", "2 w xᵢ"),
    (w**2, "w^{2}", "w²"),
    (w**3, "w^{3}", "w³"),
    (w**k, "w^{k}", "w^k"),
    (w ** (k - 1), "w^{k - 1}", "w^(k − 1)"),
    ((w + b) ** 2, r"\left(b + w\right)^{2}", "(b + w)²"),
    (1 / w, r"\frac{1}{w}", "1/w"),
    (1 / (w + b), r"\frac{1}{b + w}", "1/(b + w)"),
    (w**-2, r"\frac{1}{w^{2}}", "1/w²"),
    (sp.sqrt(w), r"\sqrt{w}", "√w"),
    (sp.sqrt(w + 1), r"\sqrt{w + 1}", "√(w + 1)"),
    (Mean(y) - w * Mean(x), r"\bar{y} - w \bar{x}", "ȳ − w x̄"),
    ((Mean(x * y) - Mean(x) * Mean(y)) / (Mean(x**2) - Mean(x) ** 2),
     r"\frac{\overline{x y} - \bar{x} \bar{y}}{\overline{x^{2}} - \bar{x}^{2}}", "(x̅y̅ − x̄ ȳ)/(x̅²̅ − x̄²)"),
    # equations and matrices
    (sp.Eq(w, b + 1), "w = b + 1", "w = b + 1"),
    (sp.Eq(sp.Derivative(L, w), 0), r"\frac{\partial L}{\partial w} = 0", "∂L/∂w = 0"),
    (sp.Ne(w, 0), r"w \neq 0", "w ≠ 0"),
    (sp.Matrix([[w, b], [1, 2]]), r"\begin{bmatrix}w & b \\ 1 & 2\end{bmatrix}", "[w  b; 1  2]"),
    (sp.Determinant(sp.Matrix([[w, b], [1, 2]])), r"\begin{vmatrix}w & b \\ 1 & 2\end{vmatrix}", "det [w  b; 1  2]"),
    # written arithmetic: printed as written, never evaluated
    (written_div("41.6", "4.6"), r"\frac{41.6}{4.6}", "41.6/4.6"),
    (written_div("1/3", "4.6"), r"\frac{\frac{1}{3}}{4.6}", "(1/3)/4.6"),
    (shown("25.1") / shown(10), r"\frac{25.1}{10}", "25.1/10"),
    (shown("2.51"), "2.51", "2.51"),
    (shown("1/3"), r"\frac{1}{3}", "1/3"),
    (shown("459/40") / shown("107/16"), r"\frac{11.475}{6.6875}", "11.475/6.6875"),
    (shown("5.05") - shown("918/535") * shown("2.625"), r"5.05 - \frac{918}{535} \cdot 2.625", "5.05 − (918/535)·2.625"),
    (sp.Add(R("2.5"), sp.Mul(-1, R("1.5"), R("0.5"), evaluate=False), evaluate=False), r"2.5 - 1.5 \cdot 0.5", "2.5 − 1.5·0.5"),
    (sp.Pow(R("2.5"), 2, evaluate=False), "2.5^{2}", "2.5²"),
    (sp.Pow(R(-3), 2, evaluate=False), r"\left(-3\right)^{2}", "(−3)²"),
    (shown("2.5") ** 2, "2.5^{2}", "2.5²"),
    (shown("1/3") ** 2, r"\left(\frac{1}{3}\right)^{2}", "(1/3)²"),
    (1 / shown(4), r"\frac{1}{4}", "1/4"),
    (1 / shown("2.5"), r"\frac{1}{2.5}", "1/2.5"),
    (sp.UnevaluatedExpr(2 * w) + 1, "1 + 2 w", "1 + 2 w"),  # not written arithmetic: printed as usual
    (sp.Eq(w, shown("6.5") / shown(3)), r"w = \frac{6.5}{3}", "w = 6.5/3"),
    # an evaluated rational stays a fraction outside written arithmetic
    (sp.Eq(w, R(918, 535)), r"w = \frac{918}{535}", "w = 918/535"),
]


@pytest.mark.parametrize("expr, tex, _", CASES, ids=[sp.sstr(c[0])[:40] for c in CASES])
def test_latex(expr, tex, _):
    assert latex(expr) == tex


@pytest.mark.parametrize("expr, _, text", CASES, ids=[sp.sstr(c[0])[:40] for c in CASES])
def test_unicode(expr, _, text):
    # NOTE: compared in NFC: the printer writes x + U+0304, which for y composes to ȳ (U+0233)
    assert unicodedata.normalize("NFC", unicode(expr)) == unicodedata.normalize("NFC", text)


def test_printers_are_sympy_printers():
    assert isinstance(DeriveLatexPrinter(), LatexPrinter)
    assert isinstance(UnicodePrinter(), StrPrinter)
    assert DeriveLatexPrinter().doprint(Mean(x)) == r"\bar{x}"


def test_written_arithmetic_is_not_evaluated():
    e = written_div("41.6", "4.6")
    assert is_written(e) and not is_written(R(416, 46)) and not is_written(w / 2)
    assert "41.6" in latex(e) and "208" not in latex(e)


def test_unicode_flag_of_sympy_is_left_alone():
    import importlib

    symbology = importlib.import_module("sympy.printing.pretty.pretty_symbology")
    before = symbology.pretty_use_unicode()
    symbology.pretty_use_unicode(False)
    try:
        assert unicode(parameter("beta_1")) == "β₁"
        assert symbology.pretty_use_unicode() is False
    finally:
        symbology.pretty_use_unicode(before)


# -- numbers ---------------------------------------------------------------------------------------
DECIMALS = [
    # (value, digits, text, exact)
    ("2.51", 6, "2.51", True),
    ("49957.6", 6, "49957.6", True),
    ("-13/8", 6, "-1.625", True),
    ("1/2", 1, "0.5", True),
    ("2/3", 6, "0.666667", False),
    ("1/7", 3, "0.143", False),
    ("-1/3", 6, "-0.333333", False),
    ("1234567", 3, "1234567", True),
    ("1234567.5", 6, "1.23457e+6", False),
    ("1/1024", 6, "0.000976562", False),
    ("1/1024", 10, "0.0009765625", True),
    ("0.000001234567", 6, "1.23457e-6", False),
    ("100", 6, "100", True),
    ("0", 6, "0", True),
    ("999999.5", 6, "1e+6", False),
    ("-0.0000001", 6, "-0.0000001", True),
    ("1/30000000", 2, "3.3e-8", False),
]


@pytest.mark.parametrize("value, digits, text, exact", DECIMALS)
def test_decimal(value, digits, text, exact):
    r = R(value)
    assert numbers.decimal(r, digits) == text
    assert numbers.is_exact(r, digits) is exact
    if exact and "e" not in text:
        assert R(text) == r


@pytest.mark.parametrize("value, text", [("1/8", "0.125"), ("1/3", None), ("-5/2", "-2.5"), ("7", "7"),
                                         ("1/3125", "0.00032")])
def test_terminating(value, text):
    assert numbers.terminating(R(value)) == text


@pytest.mark.parametrize("text, tex, uni", [("2.5", "2.5", "2.5"), ("-2.5", "-2.5", "−2.5"),
                                            ("1.5e+20", r"1.5 \times 10^{20}", "1.5×10²⁰"),
                                            ("-1e-7", r"-1 \times 10^{-7}", "−1×10⁻⁷")])
def test_decimal_in_each_format(text, tex, uni):
    assert numbers.latex_decimal(text) == tex
    assert numbers.unicode_decimal(text) == uni


# -- prose in math (derive.render.text): what reaches KaTeX and pdflatex -------------------------------------
@pytest.mark.parametrize("text, math", [
    ("gᵀg", r"\text{g}^{T}\text{g}"),  # ᵀ was \text{ᵀ}, which KaTeX refuses (strict)
    ("(XᵀX)⁻¹", r"\text{(X}^{T}\text{X)}^{-1}"),  # one superscript, not ^{-}^{1} (a double superscript)
    ("xᵢ²", r"\text{x}_{\mathrm{i}}^{2}"),
    ("xᵢ²ⱼ", r"\text{x}_{\mathrm{i}}^{2}{}_{\mathrm{j}}"),  # a second subscript gets an empty base
    ("a\u00a0b", r"\text{a}~\text{b}"),  # no-break space: KaTeX refuses it in \text (strict)
    ("½ Σ", r"\tfrac{1}{2}\text{ }\Sigma"),
    ("∫ f", r"\int\text{ f}"),  # \text{∫} is an error in KaTeX even when not strict
    ("x ∈ ℝ", r"\text{x }\in\text{ }\mathbb{R}"),
    ("a ⊕ b", r"\text{a }⊕\text{ b}"),  # any math symbol goes in math mode
    ("ℒ ™ ‼", r"\text{L TM !!}"),  # compatibility forms as their ASCII
    ("＃1", r"\#\text{1}"),
    ("a … b", r"\text{a }\ldots\text{ b}"),
    ("ǎ", r"\check{a}"),
])
def test_math_text(text, math):
    assert text_module.math_text(text) == math


@pytest.mark.parametrize("text, tex", [
    ("XᵀX", r"X\ensuremath{^{T}}X"),  # was "XTX"
    ("10⁻⁷", r"10\ensuremath{^{-7}}"),  # a minus sign, not a hyphen, and one superscript
    ("½", r"\ensuremath{\tfrac{1}{2}}"),  # was "1?2"
    ("∫", r"\ensuremath{\int}"),  # was "?"
    ("x ∈ ℝ", r"x \ensuremath{\in} \ensuremath{\mathbb{R}}"),
    ("＃", r"\#"),  # a compatibility form is escaped: was a bare #
    ("ǎ", r"\ensuremath{\check{a}}"),
])
def test_latex_text(text, tex):
    assert text_module.latex_text(text) == tex


def test_script_tables_are_unicodes():
    """Every super- and subscript letter, digit and sign of Unicode is known, and means its base."""
    for table, tag in ((text_module._SUPER, "<super>"), (text_module._SUB, "<sub>")):
        for c, base in table.items():
            assert unicodedata.normalize("NFKD", c).replace("\u2212", "-") == base
            assert unicodedata.decomposition(c).startswith(tag)
    assert {"ᵀ", "⁻", "¹", "ⁿ", "ᵃ"} <= set(text_module._SUPER)
    assert {"ᵢ", "ⱼ", "₀", "₋", "ₙ"} <= set(text_module._SUB)
    assert text_module._SUPER["⁻"] == "-" and text_module._SUPER["ᵀ"] == "T"


def test_latex_text_of_every_listed_character_compiles(tmp_path):
    """The LaTeX for every character in the tables compiles with the article's packages."""
    from helpers import pdflatex

    chars = sorted(set(text_module._LATEX_UNICODE) | set(text_module._SUPER) | set(text_module._SUB))
    body = "\n\n".join(f"{k}: a{text_module.latex_text(c)}b" for k, c in enumerate(chars))
    doc = ("\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n\\usepackage{amsmath}\n\\usepackage{amssymb}\n"
           f"\\begin{{document}}\n{body}\n\\end{{document}}\n")
    returncode, log = pdflatex(doc, tmp_path)
    assert returncode == 0, log[-3000:]
    assert "Missing character" not in log


U = sp.UnevaluatedExpr


@pytest.mark.parametrize("expr, tex", [
    # a float computation written out: was 7.97882 \cdot 10^{10} \cdot 1.26912 \cdot 10^{12}^{-1}, which
    # KaTeX refuses (double superscript) and which reads as 7.97882·10¹⁰·1.26912·(10¹²)⁻¹
    (sp.Mul(U(sp.Float("7.97882e10", 6)), sp.Pow(U(sp.Float("1.26912e12", 6)), -1, evaluate=False), evaluate=False),
     r"\frac{7.97882 \times 10^{10}}{1.26912 \times 10^{12}}"),
    (sp.Pow(U(sp.Float("1.26912e12", 6)), 2, evaluate=False), r"\left(1.26912 \times 10^{12}\right)^{2}"),
    (sp.Pow(sp.Float("1.5e-7", 3), 3, evaluate=False), r"\left(1.5 \times 10^{-7}\right)^{3}"),
    (sp.Pow(U(sp.Float("2.5", 3)), 2, evaluate=False), "2.5^{2}"),
    (sp.Pow(U(sp.Float("-2.5", 3)), 2, evaluate=False), r"\left(-2.5\right)^{2}"),
    (sp.Mul(2, U(sp.Float("2.5", 3)), sp.Pow(U(sp.Integer(3)), -1, evaluate=False), evaluate=False),
     r"\frac{2 \cdot 2.5}{3}"),
    (sp.Float("2.5", 3) * u, "2.5 u"),  # not arithmetic: as sympy prints it
])
def test_float_arithmetic_is_written(expr, tex):
    assert latex(expr) == tex


def test_matrix_sums_are_printed_as_built():
    X, Y, beta = sp.MatrixSymbol("X", 3, 2), sp.MatrixSymbol("Y", 3, 1), sp.MatrixSymbol("beta", 2, 1)
    expanded = sp.MatAdd(Y.T * Y, sp.MatMul(-1, sp.Transpose(X * beta), Y, evaluate=False), evaluate=False)
    tex = latex(expanded)
    assert tex == r"Y^{T} Y - \left(X \beta\right)^{T} Y"  # not reordered, not transposed
    assert r"\beta^{T} X^{T}" not in tex


def test_unicode_subtraction_keeps_the_sign_of_each_term():
    b = parameter("b")
    assert unicode(sp.Add(2 * b, -b / 6, sp.Rational(-1, 6), evaluate=False)) == "2 b \u2212 b/6 \u2212 1/6"
    # a subtracted sum keeps its parentheses: 2b − (b + 1), not 2b − b + 1
    assert unicode(sp.Add(2 * b, sp.Mul(-1, b + 1, evaluate=False), evaluate=False)) == "2 b \u2212 (b + 1)"

"""Renderers: every format renders; the layout of chains, equations and substeps; the JSON contract;
balanced Markdown math; LaTeX that compiles; byte-identical output across runs."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import pdflatex
import sympy as sp

from derive.errors import DeriveError, OptionError
from derive.notation import I, N, Mean, Sigma, column, parameter
from derive.render import EXTENSIONS, FORMATS, render
from derive.render import templates as tpl
from derive.render.layout import Style, layout
from derive.render.printer import unicode
from derive.render.text import latex_text, markdown_text, math_text, width
from derive.rules import Rule
from derive.steps import Builder, CrossCheck, Result, Step, Table

ROOT = Path(__file__).resolve().parent.parent
PROSE = r"Plain prose: 50% of {x_i} & $y$ #1 ~ ^ \ Σ(x_i − x̄)² ≈ 0 ✓ <b> *not bold* [link](x) | café"


def deep(k, w):
    """k levels of nested substeps (each a true claim)."""
    subs = (deep(k - 1, w),) if k > 1 else ()
    return Step(Rule.SIMPLIFY, sp.Add(k * w, w, evaluate=False), (k + 1) * w, substeps=subs)


def build_small():
    """A small derivation touching every layout feature."""
    x, y = column("x"), column("y")
    w, b, u = parameter("w"), parameter("b"), sp.Symbol("u")
    L = sp.Function("L")(w, b)
    r = y[I] - w * x[I] - b
    loss = Sigma(r**2) / N
    data = {N: sp.Integer(3), x: (sp.Integer(1), sp.Integer(2), sp.Rational("3.5")),
            y: (sp.Integer(2), sp.Rational("4.5"), sp.Integer(4))}
    B = Builder("demo", "Demo: a small derivation", data=data)

    B.section("Loss", PROSE)
    B.define(L, loss, "the mean squared error")

    B.section("Derivative with respect to w", "Differentiate.")
    d0 = B.add(Step(Rule.SUBSTITUTE_DEFINITION, sp.Derivative(L, w), sp.Derivative(loss, w))).after
    d1 = B.add(Step(Rule.CONSTANT_FACTOR, d0, sp.Derivative(Sigma(r**2), w) / N)).after
    d2 = B.add(Step(Rule.SUM_TERMWISE, d1, Sigma(sp.Derivative(r**2, w)) / N)).after
    inner = Step(Rule.SUM, sp.Derivative(r, w), -x[I], substeps=(
        Step(Rule.CONSTANT, sp.Derivative(y[I], w), sp.S.Zero, note="y_i does not depend on w"),
        Step(Rule.CONSTANT_FACTOR, sp.Derivative(-w * x[I], w), -x[I],
             substeps=(Step(Rule.VARIABLE, sp.Derivative(w, w), sp.S.One),)),
        Step(Rule.CONSTANT, sp.Derivative(-b, w), sp.S.Zero)))
    chain = Step(Rule.CHAIN, d2, Sigma(-2 * x[I] * r) / N,
                 substeps=(Step(Rule.POWER, sp.Derivative(u**2, u), 2 * u), inner))
    d3 = B.add(chain).after
    gw = B.add(Step(Rule.SUM_FACTOR_OUT, d3, -2 * Sigma(x[I] * r) / N)).after
    B.add(Step(Rule.SIMILARLY, sp.Derivative(u**2, u), 2 * u))
    B.outro("The gradient is a weighted sum of residuals.")

    B.section("Setting it to zero")
    cond = B.add(Step(Rule.FIRST_ORDER_CONDITION, sp.Eq(sp.Derivative(L, w), 0), sp.Eq(gw, 0)), label=True)
    eq1 = B.add(Step(Rule.EQ_MULTIPLY, cond.after, sp.Eq(Sigma(x[I] * r), 0), factor=-N / 2,
                     note="the factor is not zero")).after
    B.add(Step(Rule.EXPAND, eq1, sp.Eq(Sigma(x[I] * y[I] - w * x[I] ** 2 - b * x[I]), 0)), label=True)
    B.add(Step(Rule.EQ_MULTIPLY, cond.after, sp.Eq(-gw, 0), factor=-1, premises=(cond,)))

    B.section("Second-order check")
    H = sp.Matrix([[2 * Sigma(x[I] ** 2) / N, 2 * Sigma(x[I]) / N], [2 * Sigma(x[I]) / N, 2]])
    names = sp.Matrix([[sp.Derivative(L, w, 2), sp.Derivative(L, w, b)], [sp.Derivative(L, b, w), sp.Derivative(L, b, 2)]])
    B.add(Step(Rule.HESSIAN, names, H))
    B.add(Step(Rule.DETERMINANT, sp.Determinant(H), sp.expand(H.det())))

    B.section("Worked example", "Three rows; exact arithmetic.")
    xbar = sp.UnevaluatedExpr(sp.Rational("6.5")) / sp.UnevaluatedExpr(3)
    B.add(Step(Rule.EVALUATE, Mean(x), xbar))
    B.add(Step(Rule.ARITHMETIC, xbar, sp.Rational(13, 6)))
    ybar = sp.UnevaluatedExpr(sp.Rational("10.5")) / sp.UnevaluatedExpr(3)
    B.add(Step(Rule.EVALUATE, sp.Eq(b, Mean(y)), sp.Eq(b, ybar, evaluate=False)))
    B.add(Step(Rule.ARITHMETIC, sp.Eq(b, ybar, evaluate=False), sp.Eq(b, sp.Rational(7, 2))))
    written = sp.Mul(sp.Rational("41.6"), sp.Pow(sp.Rational("4.6"), -1, evaluate=False), evaluate=False)
    B.add(Step(Rule.ARITHMETIC, written, sp.Rational(416, 46)))
    B.add(Step(Rule.EVALUATE, Mean(x), sp.UnevaluatedExpr(sp.Rational(13, 6))))
    B.add(Step(Rule.EVALUATE, Mean(y), sp.UnevaluatedExpr(sp.Rational(7, 2))))
    xs, ys = data[x], data[y]
    m = sp.Rational(13, 6)
    B.table(Table((x[I], y[I], x[I] - Mean(x)), tuple((xi, yi, xi - m) for xi, yi in zip(xs, ys)),
                  (sum(xs), sum(ys), None)))

    B.section("Deep substeps")
    B.add(deep(6, parameter("w")))

    results = [Result(w, sp.Rational(13, 6)), Result(b, sp.Rational(7, 2)), Result(N, sp.Integer(3)),
               Result(sp.Symbol("r"), sp.sqrt(2))]
    checks = [CrossCheck("gradient at the optimum", True, "exactly 0 at w = 13/6"),
              CrossCheck("a failed check", False, "shown with a cross; 100% {sure} & $5")]
    return B.build(results, checks, meta={"n": 3, "value": sp.Rational(1, 3)})


@pytest.fixture(scope="module")
def small():
    return build_small()


@pytest.fixture(scope="module")
def outputs(small):
    return {fmt: render(small, fmt) for fmt in FORMATS}


# -- the public API ----------------------------------------------------------------------------------
def test_formats_and_extensions():
    assert FORMATS == ("terminal", "markdown", "latex", "fragment", "beamer", "json")
    assert set(EXTENSIONS.values()) <= set(FORMATS)
    assert EXTENSIONS[".tex"] == "latex" and EXTENSIONS[".md"] == "markdown"


@pytest.mark.parametrize("fmt", ["html", "", "TERMINAL", "pdf"])
def test_unknown_format_is_an_option_error(small, fmt):
    with pytest.raises(OptionError) as err:
        render(small, fmt)
    message = str(err.value)
    assert "\n" not in message and all(f in message for f in FORMATS)
    assert isinstance(err.value, DeriveError)


@pytest.mark.parametrize("digits", [0, -1, 2.5])
def test_bad_digits_is_an_option_error(small, digits):
    with pytest.raises(OptionError):
        render(small, "terminal", digits=digits)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders(outputs, fmt):
    text = outputs[fmt]
    assert text.endswith("\n") and not text.endswith("\n\n\n")
    assert "Demo" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_deterministic_in_process(small, outputs, fmt):
    assert render(build_small(), fmt) == outputs[fmt]


def test_deterministic_across_processes(outputs):
    """Byte-identical output under different hash seeds (no set or dict order leaks out)."""
    code = ("import sys, json; sys.path.insert(0, 'tests'); from test_render import build_small; "
            "from derive.render import render, FORMATS; d = build_small(); "
            "sys.stdout.write(json.dumps({f: render(d, f) for f in FORMATS}))")
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout) == outputs


def build_sparse():
    """Edge cases: no steps, a section with only prose, a table without totals, a symbolic result."""
    B = Builder("sparse", "Sparse & {odd} title_1")
    B.section("Only prose", "Nothing to derive here.")
    B.section("")
    B.section("Only a table")
    B.table(Table((sp.Symbol("t"),), ((sp.Rational(1, 3),), (sp.Integer(2),)), None))
    return B.build([Result(sp.Symbol("s"), sp.Symbol("a") + 1)], [])


@pytest.mark.parametrize("fmt", FORMATS)
def test_sparse_derivations_render(fmt, tmp_path):
    for d in (build_sparse(), Builder("empty", "Empty").build()):
        text = render(d, fmt)
        assert text.endswith("\n") and d.title.split()[0] in text
        if fmt == "json":
            data = json.loads(text)
            assert data["result"] == ({"s": {"exact": "a + 1", "latex": "a + 1", "value": None}}
                                      if d.results else {})
        if fmt == "latex" and d.command == "sparse":
            returncode, log = pdflatex(text, tmp_path)
            assert returncode == 0, log[-3000:]


# -- layout ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def doc(small):
    return layout(small, Style(unicode, "≈", str), digits=6)


def test_chains(doc):
    rows = [r for blk in doc.sections[1].blocks for r in blk.rows]
    assert [r.number for r in rows] == ["2", "3", "4", "5", "6", "7"]
    assert rows[0].start and rows[0].lhs == "∂L/∂w"
    assert [r.lhs for r in rows[1:5]] == ["", "", "", ""]  # continuations: "= after" only
    assert rows[5].start and rows[5].rule == "similarly, as above"  # a new chain, read naturally
    # one block per section: the chain is not cut; the chain-rule row's substeps are nested and numbered
    assert len(doc.sections[1].blocks) == 1
    (detailed,) = doc.sections[1].blocks[0].detailed
    assert detailed.rule == "chain rule"
    subs = detailed.substeps
    assert [s.number for s in subs] == ["5.1", "5.2"]
    assert [s.number for s in subs[1].substeps] == ["5.2.1", "5.2.2", "5.2.3"]
    assert subs[1].substeps[1].substeps[0].number == "5.2.2.1"
    assert subs[1].substeps[0].note == "y_i does not depend on w"


def test_equation_rows(doc):
    rows = [r for blk in doc.sections[2].blocks for r in blk.rows]
    lead, first, second, third, restated, fourth = rows
    assert lead.start and lead.equation and not lead.number and (lead.lhs, lead.rel, lead.rhs) == ("∂L/∂w", "=", "0")
    assert first.iff and first.tag == "1" and first.rule == "first-order condition"
    assert second.iff and second.note == "the factor is not zero" and second.lhs.startswith("Σ")
    assert third.tag == "2"
    assert restated.restates == "1"  # a new chain that starts from equation (1)
    assert fourth.cites == ("1",)


def test_numbers_after_arithmetic(doc):
    rows = [r for blk in doc.sections[4].blocks for r in blk.rows]
    assert rows[0].rhs == "6.5/3" and rows[1].rhs == "13/6" and rows[1].value == "≈ 2.16667"
    assert (rows[2].lhs, rows[2].rhs, rows[2].number) == ("b", "y\u0304", "")  # the equation the chain starts from
    assert rows[3].rhs == "10.5/3" and rows[4].rhs == "7/2" and rows[4].value == "= 3.5"
    assert rows[5].lhs == "41.6/4.6" and rows[5].rhs == "208/23" and rows[5].value == "≈ 9.04348"
    assert (rows[6].rhs, rows[6].value) == ("13/6", "≈ 2.16667")  # shown as a fraction: say its value
    assert (rows[7].rhs, rows[7].value) == ("3.5", "")  # shown as its exact decimal already
    table = doc.sections[4].table
    assert table.header == ["xᵢ", "yᵢ", "xᵢ − x̄"]
    assert table.rows == [("1", ["1", "2", "≈ -1.16667"]), ("2", ["2", "4.5", "≈ -0.166667"]),
                          ("3", ["3.5", "4", "≈ 1.33333"])]
    assert table.totals == ["6.5", "10.5", ""]


def test_results(doc):
    assert [(r.name, r.exact, r.value) for r in doc.results] == [
        ("w", "13/6", "≈ 2.16667"), ("b", "7/2", "= 3.5"), ("n", "3", ""), ("r", "√2", "≈ 1.41421")]


@pytest.mark.parametrize("digits, value", [(3, "≈ 2.17"), (6, "≈ 2.16667"), (12, "≈ 2.16666666667")])
def test_digits(small, digits, value):
    assert layout(small, Style(unicode, "≈", str), digits=digits).results[0].value == value


# -- terminal --------------------------------------------------------------------------------------------
def test_terminal(outputs):
    text = outputs["terminal"]
    assert "\x1b[" not in text
    lines = text.splitlines()
    assert any(re.match(r"\s+5\s+= \(1/n\) Σᵢ₌₁ⁿ \(−2 \(yᵢ − b − w xᵢ\) xᵢ\)\s+chain rule$", l) for l in lines), text
    assert any(re.match(r"\s+5\.2\.2\.1\s+d/dw w = 1\s+identity rule$", l) for l in lines)
    assert any("⇔" in l and "(1)" in l and "first-order condition" in l for l in lines)
    assert any("using (1)" in l for l in lines) and any("from (1)" in l for l in lines)
    assert "similarly, as above" in text
    assert "  w = 13/6 ≈ 2.16667" in lines and "  b = 7/2 = 3.5" in lines
    assert any(l.startswith("  ✓ gradient at the optimum — ") for l in lines)
    assert any(l.startswith("  ✗ a failed check — ") for l in lines)
    assert any(l.lstrip().startswith("Σ") and "6.5" in l and "10.5" in l for l in lines)
    assert all(l == l.rstrip() for l in lines)
    assert re.search(r"\n {21}\d+\.1\.1\.1\.1\.1  w \+ w = 2 w", text)  # six levels, indented by level


def test_terminal_chain_is_aligned(outputs):
    lines = outputs["terminal"].splitlines()
    start = next(k for k, l in enumerate(lines) if "∂L/∂w = ∂/∂w" in l)
    eq_col = width(lines[start][:lines[start].index(" = ")])
    assert width(lines[start + 1][:lines[start + 1].index(" = ")]) == eq_col


def test_terminal_colour(small):
    text = render(small, "terminal", color=True)
    assert "\x1b[" in text and "\x1b[0m" in text
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert plain == render(small, "terminal")


# -- markdown --------------------------------------------------------------------------------------------
def test_markdown_math_is_balanced(outputs):
    text = outputs["markdown"]
    lines = text.split("\n")
    fences = [k for k, l in enumerate(lines) if l == "$$"]
    assert fences and len(fences) % 2 == 0
    for opening, closing in zip(fences[::2], fences[1::2]):
        assert lines[opening - 1] == "" and lines[closing + 1] == ""  # blank lines around display math
        body = "\n".join(lines[opening + 1:closing])
        assert "$" not in body.replace(r"\$", "")
        assert body.count(r"\left") == body.count(r"\right")
        for env in set(re.findall(r"\\begin\{(\w+\*?)\}", body)):
            assert body.count(rf"\begin{{{env}}}") == body.count(rf"\end{{{env}}}")
        assert body.count("{") - body.count(r"\{") == body.count("}") - body.count(r"\}")
    outside = "\n".join(l for k, l in enumerate(lines) if not any(a <= k <= c for a, c in zip(fences[::2], fences[1::2])))
    for line in outside.split("\n"):
        assert line.replace(r"\$", "").count("$") % 2 == 0, line


def test_markdown_is_katex_friendly(outputs):
    text = outputs["markdown"]
    assert "align*" not in text and r"\tag" not in text and r"\parbox" not in text
    assert r"\qquad (1)" in text and r"\text{chain rule}" in text
    assert "\n- *The chain rule step in detail:*" in text  # the details follow the unbroken chain
    assert "\n    - $" in text and "\n        - $" in text  # nested substeps
    assert "| $\\Sigma$ | $6.5$ | $10.5$ |  |" in text
    assert r"w &= \frac{13}{6} \approx 2.16667" in text
    assert "- ✓ **gradient at the optimum** — exactly 0 at w = 13/6" in text


def test_markdown_escapes_prose(outputs):
    assert markdown_text(PROSE) in outputs["markdown"]
    assert r"\$y\$" in outputs["markdown"] and r"\*not bold\*" in outputs["markdown"]


# -- LaTeX -----------------------------------------------------------------------------------------------
def test_latex_document(outputs):
    text = outputs["latex"]
    assert text.startswith(r"\documentclass") and text.rstrip().endswith(r"\end{document}")
    packages = set(re.findall(r"\\usepackage(?:\[[^]]*\])?\{([^}]*)\}", text))
    assert packages <= {"inputenc", "amsmath", "amssymb", "geometry", "booktabs"}
    assert r"\section*{Derivative with respect to w}" in text
    assert r"\tag*{\derivenote{" in text and r"}{(1)}}" in text  # the rule beside the step, then its number
    assert latex_text(PROSE) in text
    assert r"\item[$\checkmark$]" in text and r"\item[$\times$]" in text
    assert text.count(r"\begin{itemize}") == text.count(r"\end{itemize}")
    depth = max_depth = 0
    for token in re.findall(r"\\(begin|end)\{itemize\}", text):
        depth += 1 if token == "begin" else -1
        max_depth = max(max_depth, depth)
    assert max_depth == 4  # the six-deep substeps are capped at LaTeX's four list levels


def test_latex_compiles(outputs, tmp_path):
    returncode, log = pdflatex(outputs["latex"], tmp_path)
    assert returncode == 0, log[-3000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 0
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert "Missing character" not in log
    # NOTE: no glyph that needs a bitmap font (TS1 symbols under the default OT1 encoding)
    assert not re.search(r"\.\d+pk\b", log) and "mktexpk" not in log


# -- JSON ------------------------------------------------------------------------------------------------
STEP_KEYS = {"rule", "explanation", "latex", "verified", "substeps"}


def _steps(steps):
    for s in steps:
        yield s
        yield from _steps(s["substeps"])


def test_json_contract(small, outputs):
    text = outputs["json"]
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=False, ensure_ascii=False) + "\n"
    data = json.loads(text)
    assert list(data)[:5] == ["command", "title", "sections", "result", "checks"]
    assert data["command"] == "demo" and data["title"] == small.title
    assert [s["title"] for s in data["sections"]] == [s.title for s in small.sections]
    for sec in data["sections"]:
        for step in _steps(sec["steps"]):
            assert STEP_KEYS <= set(step)
            assert step["verified"] is True and isinstance(step["latex"], str) and step["latex"]
            Rule.by_code(step["rule"])
    chain = data["sections"][1]["steps"][3]
    assert chain["rule"] == "chain" and [s["rule"] for s in chain["substeps"]] == ["power", "sum"]
    assert chain["explanation"] == Rule.CHAIN.sentence
    assert data["sections"][0]["steps"][0]["explanation"] == "Define the quantity. The mean squared error."
    assert data["sections"][2]["steps"][1]["latex"] == r"\sum_{i=1}^{n} \left(y_{i} - b - w x_{i}\right) x_{i} = 0"
    assert data["checks"] == [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in small.checks]
    assert data["meta"] == {"n": 3, "value": "1/3"}


def test_json_results_round_trip(small, outputs):
    result = json.loads(outputs["json"])["result"]
    assert list(result) == [str(r.name) for r in small.results]
    for r in small.results:
        entry = result[str(r.name)]
        assert set(entry) == {"exact", "latex", "value"}
        assert sp.sympify(entry["exact"]) == r.exact
        assert entry["value"] == pytest.approx(float(r.exact))
    assert result["w"] == {"exact": "13/6", "latex": r"\frac{13}{6}", "value": pytest.approx(13 / 6)}


# -- prose and templates ------------------------------------------------------------------------------
@pytest.mark.parametrize("text, tex", [
    ("a_b", r"a\_b"), ("50%", r"50\%"), ("{x}", r"\{x\}"), ("$", r"\ensuremath{\$}"), ("ȳ", r"\ensuremath{\bar{y}}"), ("a & b", r"a \& b"), ("#", r"\#"),
    ("~", r"\textasciitilde{}"), ("^", r"\textasciicircum{}"), ("\\", r"\textbackslash{}"),
    ("Σ", r"\ensuremath{\Sigma}"), ("β", r"\ensuremath{\beta}"), ("λ", r"\ensuremath{\lambda}"),
    ("τ", r"\ensuremath{\tau}"), ("ω", r"\ensuremath{\omega}"), ("≈", r"\ensuremath{\approx}"),
    ("x̄", r"\ensuremath{\bar{x}}"), ("²", r"\ensuremath{^{2}}"), ("λₘᵢₙ", r"\ensuremath{\lambda}\ensuremath{_{\mathrm{min}}}"), ("a > b", r"a \ensuremath{>} b"), ("café", "café"), ("—", "---"),
])
def test_latex_text(text, tex):
    assert latex_text(text) == tex


@pytest.mark.parametrize("text, md", [("a_b", r"a\_b"), ("*x*", r"\*x\*"), ("$5", r"\$5"), ("[a](b)", r"\[a\](b)"),
                                      ("a|b", r"a\|b"), ("plain", "plain")])
def test_markdown_text(text, md):
    assert markdown_text(text) == md


@pytest.mark.parametrize("text, math", [("chain rule", r"\text{chain rule}"), ("a ≠ b", r"\text{a }\neq\text{ b}"),
                                        ("ȳ and é", r"\bar{y}\text{ and é}"), ("x²", r"\text{x}^{2}"),
                                        ("beta_1 is 5%", r"\text{beta}\_\text{1 is 5}\%"),
                                        ("{a}", r"\{\text{a}\}")])
def test_math_text(text, math):
    assert math_text(text) == math


def test_templates_are_found():
    root = tpl.template_root()
    for name in ("terminal.txt.j2", "markdown.md.j2", "latex.tex.j2"):
        assert (root / name).is_file()
    assert tpl.environment().undefined.__name__ == "StrictUndefined"


def test_templates_fall_back_to_the_source_checkout(monkeypatch):
    import importlib.resources

    def missing(_):
        raise ModuleNotFoundError("derive")

    monkeypatch.setattr(importlib.resources, "files", missing)
    assert Path(tpl.template_root()) == ROOT / "templates"


def test_installed_templates_are_read_from_beside_the_package(monkeypatch, tmp_path):
    """An installed copy has derive/templates/ next to its modules, which is used as it is."""
    (tmp_path / "derive" / "templates").mkdir(parents=True)
    (tmp_path / "derive" / "templates" / "terminal.txt.j2").write_text("x")
    monkeypatch.setattr(tpl.derive, "__file__", str(tmp_path / "derive" / "__init__.py"))
    assert Path(tpl.template_root()) == tmp_path / "derive" / "templates"


MATH_IN_TEMPLATES = re.compile(r"\\(frac|sum|partial|bar|overline|hat|sqrt|cdot|approx|iff|Sigma|checkmark|times)\b"
                               r"|\s[=+]\s*\d|\^\{|_\{")


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "templates").glob("*.j2")))
def test_templates_spell_no_math(name):
    text = (ROOT / "templates" / name).read_text(encoding="utf-8")
    assert not MATH_IN_TEMPLATES.search(text), MATH_IN_TEMPLATES.search(text)


def test_a_second_outro_adds_to_the_first():
    from derive.steps import Builder

    x = sp.Symbol("x")
    B = Builder("demo", "demo").section("s")
    B.outro("First sentence.")
    B.outro(("Then ", sp.Eq(x, 1), " holds."))
    (section,) = B.build().sections
    assert section.outro == ("First sentence.", " ", "Then ", sp.Eq(x, 1), " holds.")
    text = render(B.build(), "terminal")
    assert "First sentence." in text and "Then x = 1 holds." in text

"""Every formula in derive's Markdown output parses in KaTeX, strictly.

GitHub, Jupyter, Quarto and Pandoc-to-HTML read the Markdown's ``$$…$$`` blocks and ``$…$`` spans
with KaTeX or MathJax; KaTeX is in practice the stricter of the two, and with ``throwOnError: true``
and ``strict: "error"`` it also refuses what it would otherwise render with a warning (a character
it has no glyph for, a symbol inside ``\text``). The formulas are rendered by the
pinned katex in ``tests/katex`` (``npm ci`` there; ``.ci/run`` does it) through
``tests/katex/check.js``, all formulas of all documents in one node process.

Covered: every Markdown file of the gallery (``output/*.md``), the golden Markdown files, and the
Markdown of a broad set of commands rendered in-process. Without node or katex the tests skip with
the reason, except when the ``CI`` environment variable is set: then they fail.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from derive.cli import main
from derive.render import text

ROOT = Path(__file__).resolve().parent.parent
KATEX_DIR = Path(__file__).resolve().parent / "katex"
CHECK = KATEX_DIR / "check.js"
INSTALL = "cd tests/katex && npm ci"


# -- the extractor ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Formula:
    tex: str
    display: bool
    line: int  # 1-based line of the opening delimiter
    strict: str = "error"  # "ignore": only check that it renders, as KaTeX's lenient default does


class MarkdownMathError(ValueError):
    """The Markdown's math delimiters are not what GitHub/Pandoc-style renderers read as math."""


_FENCE = re.compile(r"^\s*(```|~~~)")


def extract_formulas(markdown: str) -> list[Formula]:
    """The display (``$$`` on a line of its own, up to the next such line) and inline (``$…$``)
    formulas of derive's Markdown, in document order.

    Outside math a backslash escapes the next character (``\\$`` is a dollar sign, not math);
    inside math ``\\$`` and ``\\\\`` are TeX and stay in the formula. Code spans and fenced code
    blocks hold no math. Raises :class:`MarkdownMathError` for what a renderer would not read as
    the formula derive meant: an unclosed ``$`` or ``$$``, ``$$`` inside a line, an inline
    formula that starts or ends with a space or is followed by a digit (Pandoc's rule), or a
    ``|`` inside a table cell's formula (it would split the cell).
    """
    formulas: list[Formula] = []
    lines = markdown.split("\n")
    k = 0
    in_fence = False
    while k < len(lines):
        line = lines[k]
        if _FENCE.match(line):
            in_fence = not in_fence
            k += 1
            continue
        if in_fence:
            k += 1
            continue
        if line.strip() == "$$":
            start = k
            k += 1
            body: list[str] = []
            while k < len(lines) and lines[k].strip() != "$$":
                body.append(lines[k])
                k += 1
            if k == len(lines):
                raise MarkdownMathError(f"line {start + 1}: $$ is never closed")
            formulas.append(Formula("\n".join(body), True, start + 1))
            k += 1
            continue
        formulas.extend(_inline_formulas(line, k + 1))
        k += 1
    if in_fence:
        raise MarkdownMathError("a fenced code block is never closed")
    return formulas


def _inline_formulas(line: str, number: int) -> list[Formula]:
    out: list[Formula] = []
    table = line.lstrip().startswith("|")
    j = 0
    while j < len(line):
        c = line[j]
        if c == "\\":
            j += 2
        elif c == "`":
            ticks = len(line[j:]) - len(line[j:].lstrip("`"))
            end = line.find("`" * ticks, j + ticks)
            if end < 0:
                raise MarkdownMathError(f"line {number}: unclosed code span")
            j = end + ticks
        elif c == "$":
            if line.startswith("$$", j):
                raise MarkdownMathError(f"line {number}: $$ inside a line (display math goes on lines of its own)")
            end = j + 1
            while end < len(line) and line[end] != "$":
                end += 2 if line[end] == "\\" else 1
            if end >= len(line):
                raise MarkdownMathError(f"line {number}: unclosed $ at column {j + 1}: {line!r}")
            tex = line[j + 1:end]
            if not tex or tex != tex.strip():
                raise MarkdownMathError(f"line {number}: inline math ${tex}$ is empty or starts or ends with a space")
            if end + 1 < len(line) and line[end + 1].isdigit():
                raise MarkdownMathError(f"line {number}: inline math ${tex}$ is followed by a digit")
            if table and "|" in tex:
                raise MarkdownMathError(f"line {number}: '|' in the table cell ${tex}$ splits the cell")
            out.append(Formula(tex, False, number))
            j = end + 1
        else:
            j += 1
    return out


# -- the harness ------------------------------------------------------------------------------------------
def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI is set: the Markdown math must be checked (see .ci/run)")
    pytest.skip(f"{reason} (run `{INSTALL}` to run this test; with CI set it fails instead)")


def _node() -> str:
    """The node executable, once katex is installed in tests/katex (else skip, or fail under CI)."""
    node = shutil.which("node")
    if node is None:
        _unavailable("node is not installed")
    if not (KATEX_DIR / "node_modules" / "katex" / "package.json").exists():
        _unavailable("katex is not installed in tests/katex/node_modules")
    return node


def katex_errors(formulas: list[Formula]) -> list[dict]:
    """KaTeX's errors for ``formulas`` (one node process for all): dicts with the failing formula's
    ``index``, ``tex`` and KaTeX's ``message``; empty when every formula renders."""
    node = _node()
    payload = json.dumps([{"tex": f.tex, "display": f.display} | ({} if f.strict == "error" else {"strict": f.strict})
                          for f in formulas])
    proc = subprocess.run([node, str(CHECK)], input=payload, capture_output=True, text=True, encoding="utf-8",
                          timeout=300)
    assert proc.returncode == 0, f"check.js failed ({proc.returncode}): {proc.stderr}"
    report = json.loads(proc.stdout)
    assert report["checked"] == len(formulas), report
    return report["errors"]


def _describe(errors: list[dict], formulas: list[Formula], where: str) -> str:
    lines = [f"{len(errors)} of {len(formulas)} formulas in {where} fail in KaTeX:"]
    for e in errors[:20]:
        f = formulas[e["index"]]
        lines.append(f"  line {f.line} ({'display' if f.display else 'inline'}): {e['message']}")
    return "\n".join(lines)


# -- the extractor and the harness can fail ------------------------------------------------------------------
KNOWN = r"""# Fit with $n$ points and a \$5 budget

Prose with an escaped \$ sign, a code span `$not math$` and $\frac{a}{b}$ and $x_{i}$.

| $i$ | $x_{i}$ | $y_{i}$ |
|---:|---:|---:|
| $1$ | $2.5$ | $3$ |

$$
\begin{aligned}
a &= \text{costs \$3} \\
b &= 2
\end{aligned}
$$

- $u = x^{2}$ — *power rule*

```
$$ in a fence $ is not math
```
"""


def test_extractor_finds_every_formula_in_a_known_document():
    formulas = extract_formulas(KNOWN)
    assert [f.tex for f in formulas] == [
        "n", r"\frac{a}{b}", "x_{i}", "i", "x_{i}", "y_{i}", "1", "2.5", "3",
        "\\begin{aligned}\na &= \\text{costs \\$3} \\\\\nb &= 2\n\\end{aligned}", "u = x^{2}"]
    assert [f.display for f in formulas] == [False] * 9 + [True, False]
    assert [f.line for f in formulas] == [1, 3, 3, 5, 5, 5, 7, 7, 7, 9, 16]


@pytest.mark.parametrize("markdown, problem", [
    ("a $x + y", "unclosed $"),
    ("$$\nx\n", "never closed"),
    ("a $$x$$ b", "$$ inside a line"),
    ("a $ x$ b", "starts or ends with a space"),
    ("the $x$2 case", "followed by a digit"),
    ("| $|x|$ | 1 |", "splits the cell"),
])
def test_extractor_refuses_what_renderers_would_misread(markdown, problem):
    with pytest.raises(MarkdownMathError, match=re.escape(problem)):
        extract_formulas(markdown)


def test_harness_catches_bad_formulas():
    """The check can fail: a broken formula, an unknown macro, a math symbol in \\text and a strict-mode
    violation are reported, each at its index, while the good formulas around them pass."""
    formulas = [Formula(r"\frac{a}{b}", False, 1), Formula(r"\frac{1}{", True, 2),
                Formula(r"\undefinedmacro x", False, 3), Formula(r"x^{2}", True, 4),
                Formula(r"\text{a ≠ b}", False, 5),  # a math symbol inside \text: an error even when lenient
                Formula("x ≤ y", False, 6),  # Unicode in math: fine, KaTeX knows it
                Formula(r"\begin{alignedat}{3} & & a &= b \end{alignedat}", True, 7),
                Formula(r"\begin{alignedat}{1} a & b & c & d \end{alignedat}", True, 8),  # too many columns
                Formula(r"\text{gᵀg}", True, 9),  # unknownSymbol: an error only because strict is "error"
                Formula(r"\text{gᵀg}", True, 10, strict="ignore")]  # ... and rendered when lenient
    errors = katex_errors(formulas)
    assert [e["index"] for e in errors] == [1, 2, 4, 7, 8], errors
    assert "expected '}'" in errors[0]["message"]
    assert r"\undefinedmacro" in errors[1]["message"]
    assert "strict mode" in errors[4]["message"] and "unknownSymbol" in errors[4]["message"]


def test_check_script_refuses_input_that_is_not_a_list():
    proc = subprocess.run([_node(), str(CHECK)], input='{"tex": "x"}', capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "expected a JSON list" in proc.stderr


def test_katex_is_the_pinned_version():
    """tests/katex/package.json pins katex exactly, the lock file agrees, and every package it records
    comes from the npm registry (npm writes no address at all with omit-lockfile-registry-resolved)."""
    package = json.loads((KATEX_DIR / "package.json").read_text())
    lock = json.loads((KATEX_DIR / "package-lock.json").read_text())
    pinned = package["dependencies"]["katex"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), f"katex must be pinned exactly, not {pinned!r}"
    assert lock["packages"][""]["dependencies"]["katex"] == pinned
    assert lock["packages"]["node_modules/katex"]["version"] == pinned
    for name, entry in lock["packages"].items():
        assert entry.get("resolved", "https://registry.npmjs.org/").startswith("https://registry.npmjs.org/"), name
        assert name == "" or entry.get("integrity", "").startswith("sha512-"), name
    installed = KATEX_DIR / "node_modules" / "katex" / "package.json"
    if installed.exists():
        assert json.loads(installed.read_text())["version"] == pinned, f"stale install: run `{INSTALL}`"


# -- derive's Markdown -------------------------------------------------------------------------------------------
CSV = {
    "points.csv": "x,y\n0,1\n1,2.5\n2,5.2\n3,10.1\n4,17\n",
    "houses.csv": "size,x1,x2,price,zip\n1,1,2,10.5,7\n2,2,1,11,7\n3,3,5,20.25,8\n4,4,4,21,9\n5,5,7,30,9\n",
    "ages.csv": "age,height\n0.5,52.1\n1.25,60.4\n2,71.75\n3,79.5\n",
    "negative.csv": "x,y\n-2,-3.5\n-1,0.25\n0,1\n1,-0.5\n2,4\n",
}

LINEAR_REGRESSION = [
    ["linear-regression"],
    ["linear-regression", "--dataset", "baby"],
    ["linear-regression", "--dataset", "salary", "--params", "beta_1,beta_0"],
    ["linear-regression", "--dataset", "baby", "--params", "s,b"],
    ["linear-regression", "--dataset", "baby", "--params", "theta_1,theta_0", "--loss", "half-sse"],
    ["linear-regression", "--data", "ages.csv", "--params", "alpha,Beta"],
    ["linear-regression", "--data", "negative.csv", "--digits", "3"],
] + [["linear-regression", "--dataset", d, "--loss", loss]
     for d in ("salary", "baby") for loss in ("mse", "half-mse", "sse", "half-sse")]

NORMAL_EQUATION = [
    ["normal-equation"],
    ["normal-equation", "--dataset", "salary"],
    ["normal-equation", "--dataset", "baby"],
    ["normal-equation", "--data", "negative.csv"],
]

FIT = [
    ["fit", "--model", "s*age + b", "--params", "s,b", "--dataset", "baby", "--y", "height"],
    ["fit", "--model", "w*x", "--params", "w", "--data", "points.csv"],
    ["fit", "--model", "a*x^2 + b*x + c", "--params", "a,b,c", "--data", "points.csv"],
    ["fit", "--model", "a*x^2 + b*x + c", "--params", "a,b,c", "--data", "points.csv", "--ridge", "0.5"],
    ["fit", "--model", "w1*x1 + w2*x2 + b", "--params", "w1,w2,b", "--data", "houses.csv", "--y", "price"],
    ["fit", "--model", "w1*x1 + w2*x2 + b", "--params", "w1,w2,b", "--data", "houses.csv", "--y", "price",
     "--ridge", "1/2"],
    ["fit", "--model", "p0 + p1*x1 + p2*x2 + p3*zip", "--params", "p0,p1,p2,p3", "--data", "houses.csv",
     "--y", "price"],
    ["fit", "--model", "beta_0 + beta_1*x + beta_2*x^2", "--params", "beta_0,beta_1,beta_2", "--data",
     "negative.csv"],
    ["fit", "--model", "a*x^3 + b/(x + 1) + c", "--params", "a,b,c", "--data", "points.csv"],
    ["fit", "--model", "a*exp(b*x)", "--params", "a,b", "--data", "points.csv"],
    ["fit", "--model", "a*age^b", "--params", "a,b", "--data", "ages.csv", "--y", "height"],
]

DIFF = [
    ["diff", "3*a^2 + b^2 - a*b + a", "--wrt", "a,b"],
    ["diff", "(x + y + z)^2", "--wrt", "y"],
    ["diff", "x^2 - 4*x + 5", "--at", "x=0", "--lr", "0.1"],
    ["diff", "3*a^2 + b^2 - a*b + a", "--at", "a=1,b=2", "--direction", "1,1"],
    ["diff", "3*a^2 + b^2 - a*b + a", "--at", "a=1/2,b=-3", "--lr", "1/4"],
    ["diff", "exp(-x^2)*sin(x)", "--order", "2"],
    ["diff", "x^3*y - 2*x*y^2", "--order", "2", "--at", "x=1,y=-1"],
    ["diff", "sin(x)*cos(y) + tan(x*y)", "--wrt", "x,y"],
    ["diff", "exp(a*t) + log(t) + ln(1 + t^2)", "--wrt", "t"],
    ["diff", "sqrt(x^2 + y^2)", "--order", "2"],
    ["diff", "abs(x - 3) + abs(y)", "--wrt", "x,y", "--at", "x=5,y=2"],
    ["diff", "sinh(u) + cosh(u)*tanh(u)", "--wrt", "u"],
    ["diff", "asin(x) + acos(x) + atan(x)", "--at", "x=1/2"],
    ["diff", "alpha^2*beta_1 + sigma*exp(-mu*theta) + phi/omega", "--wrt", "alpha,theta,omega"],
    ["diff", "w_1*x_1 + w_2*x_2 - y_hat", "--order", "2"],
    ["diff", "x/(1 + x^2) - 1/x", "--at", "x=2"],
    ["diff", "x^y", "--wrt", "x,y"],
    ["diff", "2^x*3^(-x)", "--order", "2"],
    ["diff", "Delta*Omega + Gamma^2", "--wrt", "Gamma,Omega"],
]

MINIMIZE = [
    ["minimize", "3*a^2 + b^2 - a*b + a"],
    ["minimize", "x^3 - 3*x + y^2"],
    ["minimize", "--", "-x^2 - y^2 + 4*x"],
    ["minimize", "x^2 + y^2 + z^2 - x*y - y*z + 2*x - z"],
    ["minimize", "(x - y)^2"],
    ["minimize", "x*y"],
    ["minimize", "x^4 + y^4 - 4*x*y"],
    ["minimize", "exp(x) - x + (y - 1)^2"],
    ["minimize", "x*log(x) + y^2"],
    ["minimize", "sin(x) + y^2", "--vars", "x,y"],
    ["minimize", "alpha^2 + theta_2^2 - alpha*theta_2 - 3*alpha"],
    ["minimize", "x^2 + x + 1/2"],
]

NAMES = [  # names that sympy's printer treats specially (modifiers, Greek, indices)
    ["diff", "x_hat^2*y_bar + x_dot/xvec + Xcal*theta_hat", "--wrt", "x_hat,theta_hat"],
    ["diff", "x_1_2*sigma_x + Delta_1^2 + xi*nu + omega_2/mu", "--order", "2"],
    ["minimize", "w_1^2 + w_2^2 - w_1*w_2 + w_1"],
]

# NOTE: gradient-descent is newer than the rest; covered when this checkout has it
DESCENT = [
    ["gradient-descent", "--dataset", "baby", "--params", "s,b", "--loss", "half-sse", "--lr", "0.01", "--init", "1,0",
     "--steps", "1"],
    ["gradient-descent", "--function", "x^2 - 4*x + 5", "--init", "0", "--lr", "0.1", "--steps", "1"],
    ["gradient-descent", "--function", "3*a^2 + b^2 - a*b + a", "--init", "0,0", "--line-search", "exact"],
    ["gradient-descent", "--dataset", "baby", "--compare-optimizers", "--steps", "3"],
    # its exact line search divided two floats: 1.26912 \cdot 10^{12}^{-1} (a double superscript)
    ["gradient-descent", "--dataset", "salary", "--params", "beta_1,beta_0", "--init", "5,2", "--lr", "0.01",
     "--steps", "5", "--show", "1"],
] if importlib.util.find_spec("derive.cli_descent") else []

COMMANDS = LINEAR_REGRESSION + NORMAL_EQUATION + FIT + DIFF + MINIMIZE + NAMES + DESCENT


def _id(argv: list[str]) -> str:
    return " ".join(argv)


@dataclass
class Document:
    name: str
    markdown: str
    formulas: list[Formula]
    problem: str = ""  # why the document could not be made or read


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, Document]:
    """The gallery, the golden Markdown files, and each command's Markdown, with their formulas."""
    work = tmp_path_factory.mktemp("katex")
    for name, content in CSV.items():
        (work / name).write_text(content)
    docs: dict[str, Document] = {}
    for path in sorted((ROOT / "output").glob("*.md")) + sorted((ROOT / "tests" / "golden").glob("*.md")):
        name = str(path.relative_to(ROOT))
        docs[name] = _document(name, path.read_text(encoding="utf-8"))
    for k, argv in enumerate(COMMANDS):
        out = work / f"doc{k}.md"
        args = [str(work / a) if a in CSV else a for a in argv[1:]]
        try:
            rc = main([argv[0], "--format", "markdown", "-o", str(out), *args])
        except Exception as exc:  # noqa: BLE001  (reported by this command's test, not by all of them)
            docs[_id(argv)] = Document(_id(argv), "", [], f"derive {_id(argv)} raised {exc!r}")
            continue
        if rc != 0:
            docs[_id(argv)] = Document(_id(argv), "", [], f"derive {_id(argv)} exited {rc}")
            continue
        docs[_id(argv)] = _document(_id(argv), out.read_text(encoding="utf-8"))
    return docs


def _document(name: str, markdown: str) -> Document:
    try:
        return Document(name, markdown, extract_formulas(markdown))
    except MarkdownMathError as e:
        return Document(name, markdown, [], f"{name}: {e}")


@pytest.fixture(scope="module")
def errors(documents) -> dict[str, list[dict]]:
    """KaTeX's errors per document; every formula of every document in one node process."""
    everything: list[Formula] = []
    owner: list[str] = []
    for name, doc in documents.items():
        everything.extend(doc.formulas)
        owner.extend([name] * len(doc.formulas))
    found: dict[str, list[dict]] = {name: [] for name in documents}
    offsets: dict[str, int] = {}
    for k, name in enumerate(owner):
        offsets.setdefault(name, k)
    for e in katex_errors(everything):
        name = owner[e["index"]]
        found[name].append({**e, "index": e["index"] - offsets[name]})
    return found


GALLERY = sorted(p.name for p in (ROOT / "output").glob("*.md"))
GOLDEN = sorted(p.name for p in (ROOT / "tests" / "golden").glob("*.md"))


def _check(name, documents, errors):
    doc = documents[name]
    assert not doc.problem, doc.problem
    assert not errors[name], _describe(errors[name], doc.formulas, name)


@pytest.mark.parametrize("name", GALLERY)
def test_gallery_markdown_renders_in_katex(name, documents, errors):
    _check(f"output/{name}", documents, errors)
    if name != "README.md":
        n = len(documents[f"output/{name}"].formulas)
        assert n > 5, f"output/{name}: only {n} formulas found"


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_markdown_renders_in_katex(name, documents, errors):
    _check(f"tests/golden/{name}", documents, errors)
    assert documents[f"tests/golden/{name}"].formulas, f"tests/golden/{name}: no formulas found"


@pytest.mark.parametrize("argv", COMMANDS, ids=_id)
def test_command_markdown_renders_in_katex(argv, documents, errors):
    _check(_id(argv), documents, errors)
    assert any(f.display for f in documents[_id(argv)].formulas), f"derive {_id(argv)}: no display math found"


def test_every_kind_of_math_is_covered(documents):
    """The documents exercise what the printer writes: tables, matrices, sums, fractions, roots,
    functions, Greek letters, prose inside math, substeps."""
    tex = "\n".join(f.tex for doc in documents.values() for f in doc.formulas)
    for needle in (r"\begin{alignedat}", r"\begin{aligned}", r"\begin{bmatrix}", r"\sum_{", r"\frac{",
                   r"\sqrt{", r"\sin", r"\cos", r"\tan", r"\log", r"e^{", r"\left|", r"\beta", r"\alpha",
                   r"\lambda", r"\text{", r"\approx", r"\iff", r"\mathrel{:=}", r"\bar{"):
        assert needle in tex, f"no formula contains {needle}"
    total = sum(len(d.formulas) for d in documents.values())
    assert total > 2000, total


# -- prose inside display math (the rule beside each row) -----------------------------------------------------
def _derive_vocabulary() -> str:
    """Every non-ASCII character in derive's source, but for the terminal renderer's (box drawing):
    what its prose can contain."""
    chars = {c for p in (ROOT / "derive").rglob("*.py") if p.name != "terminal.py"
             for c in p.read_text(encoding="utf-8") if ord(c) > 127}
    return "".join(sorted(chars))


def test_derive_prose_renders_in_display_math_strictly():
    """math_text (prose beside a row of display math) of every character derive writes, of every
    character in its Unicode tables, and of the runs that once broke: all render strictly."""
    chars = set(_derive_vocabulary()) | set(text._LATEX_UNICODE) | set(text._SUPER) | set(text._SUB)
    chars |= {chr(c) for c in range(0x20, 0x7F)} | {"\u00a0"}
    chars -= {c for c in chars if unicodedata.combining(c)}
    samples = [f"a {c} b" for c in sorted(chars)] + [
        "arithmetic: gᵀg with g the gradient at the start",  # ᵀ was \text{ᵀ}: unknownSymbol
        "(XᵀX)⁻¹Xᵀy", "xᵢ²ⱼ", "x̄ and ȳ, ŷᵢ", "L = ½ Σ e_i² over ‖∇L‖ ≤ 10⁻⁶",
        "50% of $5 & #1 {a} ^ ~ \\ _",
        "θ_new = θ − η·2c·Xᵀ(Xθ − y)", "café ≠ naïve", "line\u00a0break",
    ]
    formulas = [Formula(text.math_text(s), True, k) for k, s in enumerate(samples)]
    errors = katex_errors(formulas)
    assert not errors, "\n".join(f"{samples[e['index']]!r} -> {e['tex']}: {e['message']}" for e in errors)


def test_any_prose_renders_in_display_math():
    """math_text of any symbol, punctuation or letter of the Basic Multilingual Plane up to CJK
    renders in KaTeX's lenient default: no symbol reaches \\text{} that KaTeX refuses there (∫, ∏).
    Symbols outside derive's vocabulary may still fall back to \\text{c}, which KaTeX renders with
    a warning (strict mode names them unknownSymbol) and MathJax renders as it is."""
    chars = [chr(c) for c in range(0xA0, 0x3000) if unicodedata.category(chr(c))[0] in "SPZNL"
             and not unicodedata.combining(chr(c))]
    formulas = [Formula(text.math_text(f"a {c} b"), True, k, strict="ignore") for k, c in enumerate(chars)]
    errors = katex_errors(formulas)
    assert not errors, "\n".join(f"{chars[e['index']]!r} -> {e['tex']}: {e['message']}" for e in errors[:20])

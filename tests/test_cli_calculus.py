"""derive diff / derive minimize on the command line: in-process via main([...]) and as a subprocess."""
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from derive import cli
from derive.cli import build_parser, main, parse_direction, parse_params
from derive.errors import DeriveError
from derive.problems.regression import check_params

ROOT = Path(__file__).resolve().parents[1]
OLD = "old contents\n"
SEED_004 = "3*a^2 + b^2 - a*b + a"


def run(argv, capsys):
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def run_subprocess(argv, cwd):
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    p = subprocess.run([sys.executable, "-m", "derive", *argv], cwd=cwd, env=env, capture_output=True,
                       text=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def run_json(argv, capsys) -> dict:
    rc, out, err = run([*argv, "--format", "json"], capsys)
    assert (rc, err) == (0, ""), err
    return json.loads(out)


def same(exact: str, expected: str) -> bool:
    """The JSON "exact" string equals ``expected`` (both read by sympy: test-side, trusted text)."""
    return sp.simplify(sp.sympify(exact) - sp.sympify(expected)) == 0


# -- help -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["diff"], ["minimize"], []], ids=lambda c: " ".join(c) or "derive")
def test_help_has_examples_that_parse(command, capsys):
    rc, out, err = run([*command, "--help"], capsys)
    assert rc == 0 and err == "" and "\nexamples:\n" in out
    examples = [line.strip() for line in out.split("\nexamples:\n", 1)[1].splitlines()
                if line.startswith("  derive ")]
    assert examples
    if command:
        assert all(line.split()[1] == command[0] for line in examples)
    for line in examples:
        tokens = shlex.split(line, comments=True)
        build_parser().parse_args(tokens[1:])  # a usage error would raise SystemExit


# -- results -----------------------------------------------------------------------------------------------
def test_seed_004_minimum_json(capsys):
    doc = run_json(["minimize", SEED_004], capsys)
    assert {"command", "title", "sections", "result", "checks"} <= set(doc)
    assert doc["command"] == "minimize"
    result = doc["result"]
    assert result["infinitely_many"] is False and result["convex"] is True
    (point,) = result["critical_points"]
    assert list(point) == ["a", "b", "classification"]
    assert point["classification"] == "minimum"
    assert sp.sympify(point["a"]["exact"]) == sp.Rational(-2, 11)
    assert sp.sympify(point["b"]["exact"]) == sp.Rational(-1, 11)
    assert point["a"]["latex"] == r"- \frac{2}{11}"
    assert point["b"]["value"] == pytest.approx(-1 / 11)
    assert all(step["verified"] for sec in doc["sections"] for step in sec["steps"])


# (argv, the components of "result" in order, as sympy text)
DIFF = [
    (["diff", "(x + y + z)^2", "--wrt", "y"], ["2*(x + y + z)"]),
    (["diff", "e^x + E*y + pi*x", "--wrt", "x"], ["exp(x) + pi"]),  # e and E are Euler's number, as written
    (["diff", "x*abs(x)", "--at", "x=0"], ["0"]),  # both one-sided derivatives are 0: differentiable
    (["diff", "abs(x)^3", "--at", "x=0"], ["0"]),
    (["diff", "x^2 - 4*x + 5", "--at", "x=0"], ["-4"]),
    (["diff", SEED_004], ["6*a - b + 1", "2*b - a"]),  # default: every variable, sorted
    (["diff", SEED_004, "--wrt", "b,a"], ["2*b - a", "6*a - b + 1"]),
    (["diff", SEED_004, "--at", "a=1,b=2", "--direction", "1,1"], ["5", "3", "4*sqrt(2)"]),
    (["diff", SEED_004, "--at", "a=0.5,b=-1", "--direction", "3,-4"], ["5", "-5/2", "5"]),
    (["diff", "x^2", "--wrt", "x,q"], ["2*x", "0"]),  # q does not occur: a note, not an error
    (["diff", "exp(-x^2)*sin(x)", "--order", "2"],  # the first derivative, then the second
     ["exp(-x**2)*(cos(x) - 2*x*sin(x))", "exp(-x**2)*((4*x**2 - 3)*sin(x) - 4*x*cos(x))"]),
    (["diff", "x*y^3", "--order", "2", "--at", "x=2,y=1"], ["1", "6", "0", "3", "12"]),  # with the Hessian there
]


@pytest.mark.parametrize("argv, expected", DIFF, ids=lambda v: " ".join(v) if v and v[0] == "diff" else None)
def test_diff_results(argv, expected, capsys):
    doc = run_json(argv, capsys)
    assert doc["command"] == "diff"
    values = list(doc["result"].values())
    assert len(values) == len(expected)
    for got, want in zip(values, expected):
        assert same(got["exact"], want), (got, want)
        assert got["latex"]
        num = sp.sympify(got["exact"])
        if num.is_number:
            assert got["value"] == pytest.approx(float(num))


def test_diff_result_names_are_the_derivatives(capsys):
    doc = run_json(["diff", "(x + y + z)^2", "--wrt", "y"], capsys)
    assert list(doc["result"]) == ["df/dy"]
    doc = run_json(["diff", SEED_004, "--order", "2", "--at", "a=1,b=2"], capsys)
    assert list(doc["result"]) == ["df/da", "df/db", "d2f/da^2", "d2f/da db", "d2f/db^2"]
    assert doc["meta"]["at"] == {"a": "1", "b": "2"}


# (expression, classifications sorted, infinitely many)
MINIMIZE = [
    ("x^2 - 4*x + 5", ["minimum"], False),
    ("x^2 - y^2", ["saddle"], False),
    ("x^3 - 3*x + y^2", ["minimum", "saddle"], False),
    ("(x - y)^2", [], True),
    # a gradient component that is a non-zero constant: 1 = 0 is false, so there is no critical point
    ("x + y", [], False),
    ("x + y^2", [], False),
]


@pytest.mark.parametrize("expr, classes, infinite", MINIMIZE)
def test_minimize_classifications(expr, classes, infinite, capsys):
    doc = run_json(["minimize", expr], capsys)
    result = doc["result"]
    assert sorted(cp["classification"] for cp in result["critical_points"]) == classes
    assert result["infinitely_many"] is infinite
    f = sp.sympify(expr.replace("^", "**"))
    for cp in result["critical_points"]:
        point = {sp.Symbol(k): sp.sympify(v["exact"]) for k, v in cp.items() if k != "classification"}
        assert all(sp.diff(f, v).subs(point) == 0 for v in point)


# -- every format ------------------------------------------------------------------------------------------
RUNS = [["diff", SEED_004, "--at", "a=1,b=2", "--direction", "1,1", "--order", "2"],
        ["minimize", "x^3 - 3*x + y^2"]]


@pytest.mark.parametrize("fmt", ["terminal", "markdown", "latex", "json"])
@pytest.mark.parametrize("argv", RUNS, ids=lambda v: v[0])
def test_every_format(argv, fmt, capsys, tmp_path):
    rc, out, err = run([*argv, "--format", fmt, "--no-color"], capsys)
    assert (rc, err) == (0, "") and out.strip() and "\x1b[" not in out
    if fmt == "json":
        json.loads(out)
    ext = {"terminal": ".txt", "markdown": ".md", "latex": ".tex", "json": ".json"}[fmt]
    target = tmp_path / f"out{ext}"
    assert run([*argv, "-o", str(target)], capsys) == (0, "", "")
    assert target.read_text() == out
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_subprocess_run(tmp_path):
    rc, out, err = run_subprocess(["minimize", SEED_004, "--format", "json"], tmp_path)
    assert (rc, err) == (0, "")
    (point,) = json.loads(out)["result"]["critical_points"]
    assert point["classification"] == "minimum" and point["a"]["exact"] == "-2/11"


# -- bad input: exit 2, one line on stderr, nothing written ----------------------------------------------
BIG = "x+" * 500_000 + "x"  # 1 MB
# (argv, pieces of the stderr line); "{t}" is the test's directory. Each case also gets
# "--format markdown -o {t}/out.md".
BAD = [
    (["diff", "abs(x)", "--at", "x=0"], ["--at x = 0", "not differentiable", "|x|"]),  # not sign(0) = 0
    (["diff", "abs(x - y)", "--at", "x=1,y=1"], ["not differentiable", "x - y = 0"]),
    (["diff", "log(x)", "--at", "x=-1"], ["--at x = -1", "f is not a real number"]),  # though 1/x is
    (["minimize", "sqrt(x) + 1/x"], ["sympy's solver cannot solve"]),  # sympy recursed without end
    (["diff", "x^2 +* 3"], ["position 6"]),
    (["diff", "3*x^2 + 2x"], ["position 10", "missing operator"]),
    (["minimize", "(x + 1"], ["expected ')'"]),
    (["diff", "foo(x) + x"], ["unknown function 'foo'"]),
    (["diff", "__import__('os')"], ["position 1"]),
    (["minimize", "__import__('os').system('touch {t}/pwned')"], ["position 1"]),
    (["diff", "x.__class__"], ["attribute access is not allowed"]),
    (["diff", "lambda(x)"], ["'lambda' is not allowed"]),
    (["diff", "9**9**9**9"], ["exponent", "limit"]),
    (["diff", "(x+1)**100000"], ["exponent 100000", "limit"]),
    (["diff", BIG], ["1000001 characters", "limit"]),
    (["minimize", "(" * 1_000_000], ["characters", "limit"]),
    (["diff", ""], ["empty"]),
    (["minimize", "3"], ["no variables"]),
    (["diff", "x*y", "--at", "x=1"], ["--at", "give a value for y"]),
    (["diff", "x^2", "--at", "x=1,q=2"], ["--at", "q is not a variable"]),
    (["diff", "x^2", "--at", "x=1,x=2"], ["more than once"]),
    (["diff", "x^2", "--at", "x=y"], ["value for x is not a real number"]),
    (["diff", "x^2", "--at", "x"], ["--at", "name=value"]),
    (["diff", "x^2", "--direction", "1"], ["--direction needs a point", "--at"]),
    (["diff", "x^2", "--at", "x=1", "--direction", "a"], ["--direction", "not a real number"]),
    (["diff", "x^2", "--at", "x=1", "--direction", "1,"], ["--direction", "component 2 is empty"]),
    (["diff", "x^2", "--at", "x=1", "--direction", "0"], ["--direction", "zero vector"]),
    (["diff", "x*y", "--at", "x=1,y=1", "--direction", "1"], ["--direction", "expected 2"]),
    (["diff", "x^2", "--wrt", "1a"], ["--wrt", "'1a' is not a variable name"]),
    (["diff", "x^2", "--wrt", "x,x"], ["--wrt", "repeated"]),
    (["diff", "x^2", "--order", "3"], ["--order", "invalid choice: 3"]),
    (["minimize", "x^2", "--vars", "x,,y"], ["--vars", "'' is not a variable name"]),
    (["diff", "x^2", "--digits", "0"], ["--digits"]),
    (["diff"], ["required", "EXPR"]),
]


def _argv(argv, t):
    return [a.replace("{t}", str(t)) for a in argv] + ["--format", "markdown", "-o", f"{t}/out.md"]


def _check_failure(rc, out, err, pieces, tmp_path, existing):
    assert rc == 2, (out, err)
    assert out == ""
    assert "Traceback" not in err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("derive") and ": error: " in err, err
    for piece in pieces:
        assert piece in err, err
    out_md = tmp_path / "out.md"
    assert out_md.read_text() == OLD if existing else not out_md.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == (["out.md"] if existing else [])  # nor pwned, nor *.tmp


def _id(v):
    if isinstance(v, list) and v and v[0] in ("diff", "minimize"):
        return " ".join(a if len(a) < 40 else a[:20] + f"...({len(a)} chars)" for a in v)
    return None


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
@pytest.mark.parametrize("argv, pieces", BAD, ids=_id)
def test_bad_input(argv, pieces, existing, tmp_path, capsys):
    if existing:
        (tmp_path / "out.md").write_text(OLD)
    rc, out, err = run(_argv(argv, tmp_path), capsys)
    _check_failure(rc, out, err, pieces, tmp_path, existing)


# NOTE: not the 1 MB cases: Linux refuses a single argument longer than 128 KiB (E2BIG).
@pytest.mark.parametrize("argv, pieces", [BAD[0], BAD[5], BAD[8], BAD[19]], ids=_id)
def test_bad_input_subprocess(argv, pieces, tmp_path):
    rc, out, err = run_subprocess(_argv(argv, tmp_path), tmp_path)
    _check_failure(rc, out, err, pieces, tmp_path, existing=False)


# -- option helpers -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expect", [
    ("1,1", [1, 1]), (" 3 , -4 ", [3, -4]), ("0.5,1/3", [sp.Rational(1, 2), sp.Rational(1, 3)]),
    ("sqrt(2),pi", [sp.sqrt(2), sp.pi]),
])
def test_parse_direction(text, expect):
    assert parse_direction(text) == expect


@pytest.mark.parametrize("text", ["w", "w,b,c", "w,", "1w,b", "n,b", "w,w"])
def test_parse_params_delegates_to_check_params(text):
    """One source of truth: the CLI reports exactly what the problem's own check says."""
    with pytest.raises(DeriveError) as from_cli:
        parse_params(text)
    with pytest.raises(DeriveError) as from_problem:
        check_params(tuple(p.strip() for p in text.split(",")))
    assert str(from_cli.value) == str(from_problem.value)


def test_commands_are_listed_when_none_is_given(capsys):
    rc, out, err = run([], capsys)
    assert rc == 2 and "diff" in err and "minimize" in err
    assert cli.FORMATS == ("terminal", "markdown", "latex", "fragment", "beamer", "json")

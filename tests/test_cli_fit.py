"""derive fit on the command line: in-process via main([...]) and as a subprocess."""
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from derive.cli import build_parser, main, parse_ridge
from derive.errors import OptionError

ROOT = Path(__file__).resolve().parents[1]
OLD = "old contents\n"

# The files the --help examples name, so that every example can really be run.
FILES = {
    "houses.csv": "size,x1,x2,price,zip\n1,1,2,10.5,7\n2,2,1,11,7\n3,3,5,20.25,8\n4,4,4,21,9\n5,5,7,30,9\n",
    "points.csv": "x,y\n0,1\n1,2.5\n2,5.2\n3,10.1\n4,17\n",
}


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


@pytest.fixture
def files(tmp_path, monkeypatch):
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_json(argv, capsys) -> dict:
    rc, out, err = run([*argv, "--format", "json"], capsys)
    assert (rc, err) == (0, ""), err
    return json.loads(out)


def exact(doc) -> dict:
    return {name: sp.Rational(entry["exact"]) for name, entry in doc["result"].items()}


# -- help ---------------------------------------------------------------------------------------------------
def help_examples(capsys, command=("fit",)) -> list[list[str]]:
    rc, out, err = run([*command, "--help"], capsys)
    assert rc == 0 and err == "" and "\nexamples:\n" in out
    lines = [line.strip() for line in out.split("\nexamples:\n", 1)[1].splitlines() if line.startswith("  derive ")]
    return [shlex.split(line, comments=True) for line in lines]


def test_help_examples_parse(capsys):
    examples = help_examples(capsys)
    assert len(examples) >= 5
    for tokens in examples:
        assert tokens[:2] == ["derive", "fit"]
        build_parser().parse_args(tokens[1:])  # a usage error would raise SystemExit


def test_help_examples_run(files, capsys):
    """Every example in 'derive fit --help' runs (on the files above) and exits 0."""
    for tokens in help_examples(capsys):
        rc, out, err = run(tokens[1:] + (["--format", "json"] if "-o" not in tokens else []), capsys)
        assert (rc, err) == (0, ""), (tokens, err)
        if "-o" in tokens:
            assert (files / tokens[tokens.index("-o") + 1]).read_text().startswith("\\documentclass")


def test_main_help_mentions_fit(capsys):
    rc, out, _ = run(["--help"], capsys)
    assert rc == 0 and "fit" in out
    assert any(t[:2] == ["derive", "fit"] for t in help_examples(capsys, ()))


def test_help_documents_the_y_default(capsys):
    _, out, _ = run(["fit", "--help"], capsys)
    flat = " ".join(out.split())
    assert "the column named y, else the last column" in flat


# -- results ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("argv, expect", [
    (["--model", "w1*x1 + w2*x2 + b", "--params", "w1,w2,b", "--data", "houses.csv", "--y", "price"],
     {"w1": "724/295", "w2": "111/59", "b": "953/236"}),
    (["--model", "a*x^2 + b*x + c", "--params", "a,b,c", "--data", "points.csv"],
     {"a": "13/14", "b": "43/175", "c": "192/175"}),
    (["--model", "w*x", "--params", "w", "--data", "points.csv"], {"w": "278/75"}),
    (["--model", "s*age + b", "--params", "s,b", "--dataset", "baby", "--y", "height"], {"s": 5, "b": 30}),
    (["--model", "s*age + b", "--params", "s,b", "--dataset", "baby"], {"s": 5, "b": 30}),  # the dataset's y
    (["--model", "a*x^2 + b*x + c", "--params", "a,b,c", "--data", "points.csv", "--ridge", "0.5"],
     {"a": "56322/62695", "b": "26848/62695", "c": "52062/62695"}),
    (["--model", "a*x^2 + b*x + c", "--params", "a,b,c", "--data", "points.csv", "--ridge", "1/2"],
     {"a": "56322/62695", "b": "26848/62695", "c": "52062/62695"}),
    (["--model", "w*x + b", "--params", "w,b", "--data", "points.csv", "--ridge", "0"], {"w": "99/25", "b": "-19/25"}),
])
def test_fit_results(argv, expect, files, capsys):
    doc = run_json(["fit", *argv], capsys)
    assert doc["command"] == "fit"
    assert list(doc["result"]) == list(expect)
    assert exact(doc) == {k: sp.Rational(v) for k, v in expect.items()}
    assert all(step["verified"] for sec in doc["sections"] for step in sec["steps"])
    assert all(c["passed"] for c in doc["checks"])


def test_results_equal_an_independent_solution(files, capsys):
    """The hand-checked numbers above, recomputed: (XᵀX)⁻¹Xᵀy and (XᵀX + λI)⁻¹Xᵀy."""
    xs = [sp.Rational(v) for v in ("0", "1", "2", "3", "4")]
    ys = sp.Matrix([sp.Rational(v) for v in ("1", "2.5", "5.2", "10.1", "17")])
    X = sp.Matrix([[x**2, x, 1] for x in xs])
    for ridge in ("0", "0.5", "3"):
        doc = run_json(["fit", "--model", "a*x^2 + b*x + c", "--params", "a,b,c", "--data", "points.csv",
                        "--ridge", ridge], capsys)
        lam = sp.Rational(ridge)
        assert list(exact(doc).values()) == list((X.T * X + lam * sp.eye(3)).LUsolve(X.T * ys))


def test_many_columns_need_no_x_and_y_defaults_to_last(files, capsys):
    (files / "wide.csv").write_text("a,b,c,d,target\n1,0,2,5,3\n2,1,0,5,4\n3,1,1,6,8\n4,0,5,1,9\n5,2,2,2,7\n")
    doc = run_json(["fit", "--model", "p*a + q*c + r", "--params", "p,q,r", "--data", "wide.csv"], capsys)
    X = sp.Matrix([[1, 2, 1], [2, 0, 1], [3, 1, 1], [4, 5, 1], [5, 2, 1]])
    y = sp.Matrix([3, 4, 8, 9, 7])
    assert list(exact(doc).values()) == list((X.T * X).LUsolve(X.T * y))


def test_y_defaults_to_the_column_named_y(files, capsys):
    (files / "yfirst.csv").write_text("y,x,z\n1,0,3\n3,1,1\n5,2,4\n8,3,1\n")
    doc = run_json(["fit", "--model", "w*x + b", "--params", "w,b", "--data", "yfirst.csv"], capsys)
    X = sp.Matrix([[0, 1], [1, 1], [2, 1], [3, 1]])
    assert list(exact(doc).values()) == list((X.T * X).LUsolve(X.T * sp.Matrix([1, 3, 5, 8])))


@pytest.mark.parametrize("fmt", ["terminal", "markdown", "latex"])
def test_nonlinear_model_says_no_closed_form(fmt, files, capsys):
    rc, out, err = run(["fit", "--model", "a*exp(b*x)", "--params", "a,b", "--data", "points.csv",
                        "--format", fmt, "--no-color"], capsys)
    assert (rc, err) == (0, "")
    assert "Not linear in the parameters" in out and "gradient descent" in out


def test_nonlinear_model_json(files, capsys):
    doc = run_json(["fit", "--model", "a*exp(b*x)", "--params", "a,b", "--data", "points.csv"], capsys)
    assert doc["result"] == {} and doc["meta"]["linear"] is False
    assert "Not linear in the parameters" in [s["title"] for s in doc["sections"]]


@pytest.mark.parametrize("ext, start", [(".md", "# "), (".tex", "\\documentclass"), (".json", "{")])
def test_output_file_by_extension(ext, start, files, capsys):
    rc, out, err = run(["fit", "--model", "w*x + b", "--params", "w,b", "--data", "points.csv",
                        "-o", f"fit{ext}"], capsys)
    assert (rc, out, err) == (0, "", "")
    assert (files / f"fit{ext}").read_text().startswith(start)


def test_subprocess(files):
    rc, out, err = run_subprocess(["fit", "--model", "w1*x1 + w2*x2 + b", "--params", "w1,w2,b",
                                   "--data", "houses.csv", "--y", "price", "--format", "json"], files)
    assert (rc, err) == (0, "")
    assert sp.Rational(json.loads(out)["result"]["w1"]["exact"]) == sp.Rational(724, 295)


# -- errors: one line on stderr, exit 2, nothing written --------------------------------------------------
BAD = [
    (["--model", "w*t + b", "--params", "w,b", "--data", "points.csv"], ["t", "not a column", "x, y"]),
    (["--model", "w*x + b", "--params", "w,b,c", "--data", "points.csv"], ["--params", "c does not occur"]),
    (["--model", "w*x + b", "--params", "w,b", "--data", "points.csv", "--y", "z"], ["no column 'z'"]),
    (["--model", "w*x + b", "--params", "w,b", "--dataset", "baby"], ["x", "not a column", "age, height"]),
    (["--model", "w*x + b", "--params", "w,b", "--dataset", "nope"], ["unknown dataset 'nope'"]),
    (["--model", "w*x + b", "--params", "w,b", "--data", "missing.csv"], ["missing.csv: no such file"]),
    (["--model", "w*x + b", "--params", "w,b"], ["one of the arguments --data --dataset is required"]),
    (["--model", "w*x + b", "--params", "w,b", "--data", "points.csv", "--dataset", "baby"], ["not allowed with"]),
    (["--params", "w,b", "--data", "points.csv"], ["--model"]),
    (["--model", "w*x + b", "--data", "points.csv"], ["--params"]),
    (["--model", "w*x +", "--params", "w,b", "--data", "points.csv"], ["--model 'w*x +'", "ends too early"]),
    (["--model", "__import__('os')", "--params", "w", "--data", "points.csv"], ["--model", "not allowed"]),
    (["--model", "w*x + b", "--params", "w,,b", "--data", "points.csv"], ["--params", "not a variable name"]),
    (["--model", "w*x + b", "--params", "w,w", "--data", "points.csv"], ["--params", "repeated"]),
    (["--model", "w*x + b", "--params", "w,b", "--data", "points.csv", "--ridge", "-1"], ["--ridge '-1'", "≥ 0"]),
    (["--model", "w*x + b", "--params", "w,b", "--data", "points.csv", "--ridge", "pi"], ["--ridge 'pi'", "exact"]),
    (["--model", "w*x + b", "--params", "w,b", "--data", "points.csv", "--ridge", "x"], ["--ridge 'x'"]),
    (["--model", "w*x + b", "--params", "w,b", "--data", "points.csv", "--ridge", "1/"], ["--ridge '1/'"]),
    (["--model", "n*x + b", "--params", "n,b", "--data", "points.csv"], ["--params", "'n'", "already used"]),
    (["--model", "i*x + b", "--params", "i,b", "--data", "points.csv"], ["'i'", "already used"]),
    (["--model", "x*t + b", "--params", "x,b", "--data", "points.csv"], ["'x' is also a column"]),
    (["--model", "w1*x1 + w2*x2 + b", "--params", "w1,w2,b", "--data", "collinear.csv"],
     ["rank-deficient", "x1", "x2"]),
    (["--model", "w*x + v*c + b", "--params", "w,v,b", "--data", "constant.csv"], ["rank-deficient", "c"]),
    # the combination's signs are written as signs; the model's own terms keep their text (x - 1)
    (["--model", "a*x + d*(x-1) + c", "--params", "a,d,c", "--data", "points.csv"],
     ["the column of c (1) equals the column of a (x) − the column of d (x - 1) on every row"]),
    (["--model", "a*x^2 + b*x + c", "--params", "a,b,c", "--data", "two.csv"], ["2 rows for 3 parameters"]),
    (["--model", "a*sin(x) + b", "--params", "a,b", "--data", "points.csv"], ["sin", "cannot be computed exactly"]),
    (["--model", "w*n + b", "--params", "w,b", "--data", "reserved.csv"], ["column name 'n'", "rename"]),
    (["--model", "w*yhat + b", "--params", "w,b", "--data", "reserved.csv"], ["column name 'yhat'"]),
    (["--model", "w*x + b", "--params", "w,b", "--data", "points.csv", "--digits", "0"], ["--digits"]),
    (["--model", "w*x + b", "--params", "w,b", "--data", "points.csv", "-o", "out.docx"], ["'.docx'"]),
]
MORE_FILES = {
    "collinear.csv": "x1,x2,y\n1,3,2\n2,5,3\n3,7,5\n4,9,4\n",
    "constant.csv": "x,c,y\n1,2,2\n2,2,3\n3,2,5\n",
    "two.csv": "x,y\n1,2\n2,3\n",
    "reserved.csv": "n,yhat,y\n1,2,3\n2,1,4\n3,5,4\n",
}


@pytest.mark.parametrize("argv, pieces", BAD,
                         ids=lambda v: " ".join(v) if isinstance(v, list) and "--" in v[0] else None)
def test_bad_input(argv, pieces, files, capsys):
    for name, text in MORE_FILES.items():
        (files / name).write_text(text)
    (files / "out.md").write_text(OLD)
    out_args = [] if "-o" in argv else ["-o", "out.md"]
    rc, out, err = run(["fit", *argv, *out_args], capsys)
    assert rc == 2, (out, err)
    assert out == "" and "Traceback" not in err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("derive") and ": error: " in err
    for piece in pieces:
        assert piece in err, err
    assert (files / "out.md").read_text() == OLD
    assert not [p.name for p in files.iterdir() if p.name.endswith(".tmp")]


def test_bad_input_subprocess(files):
    rc, out, err = run_subprocess(["fit", "--model", "w*x + b", "--params", "w,b,c", "--data", "points.csv"], files)
    assert rc == 2 and out == "" and err.count("\n") == 1 and "c does not occur" in err


@pytest.mark.parametrize("text, expect", [("0.5", sp.Rational(1, 2)), ("1/4", sp.Rational(1, 4)), ("0", 0),
                                          ("2e3", 2000), (" 3 ", 3), ("(1+1)/3", sp.Rational(2, 3))])
def test_parse_ridge(text, expect):
    assert parse_ridge(text) == expect


@pytest.mark.parametrize("text", ["-0.5", "sqrt(2)", "pi", "E", "a", "exp(1)", "-1/3"])
def test_parse_ridge_refuses(text):
    with pytest.raises(OptionError, match="--ridge"):
        parse_ridge(text)

"""derive gradient-descent on the command line: results, formats, files, and bad input."""
import json
import shlex

import pytest
import sympy as sp

from derive.cli import build_parser, main

from test_cli_calculus import OLD, _check_failure, run, run_subprocess

GD = "gradient-descent"


def run_json(argv, capsys) -> dict:
    rc, out, err = run([GD, *argv, "--format", "json", "--no-figures"], capsys)
    assert (rc, err) == (0, ""), err
    return json.loads(out)


@pytest.fixture
def points(tmp_path):
    p = tmp_path / "points.csv"
    p.write_text("x,x2,y\n0,1,1\n1,0.5,3\n2,2,4.5\n3,1.5,7\n4,3,8.5\n")
    return p


def test_help_examples_parse(capsys):
    rc, out, err = run([GD, "--help"], capsys)
    assert rc == 0 and "\nexamples:\n" in out
    examples = [line.strip() for line in out.split("\nexamples:\n", 1)[1].splitlines() if line.startswith("  derive ")]
    assert len(examples) >= 6
    for line in examples:
        build_parser().parse_args(shlex.split(line, comments=True)[1:])


@pytest.mark.parametrize("argv, expect", [
    (["--dataset", "baby", "--params", "s,b", "--loss", "half-sse", "--lr", "0.01", "--init", "1,0", "--steps", "1"],
     {"s": "18/5", "b": "57/50"}),  # seed 004
    (["--dataset", "salary", "--params", "beta_1,beta_0", "--init", "5,2", "--lr", "0.01", "--steps", "1"],
     {"beta_1": "26471773/10000", "beta_0": "1000861/1000"}),  # seed 002, recomputed
    (["--dataset", "salary", "--params", "beta_1,beta_0", "--init", "5,2", "--lr", "0.01", "--sample", "6",
      "--steps", "1"], {"beta_1": "85064/25", "beta_0": "28363/25"}),  # seed 002's SGD row (3.0, 56643)
    (["--function", "x^2 - 4*x + 5", "--init", "0", "--lr", "0.1", "--steps", "1"], {"x": "2/5"}),  # seed 003
    (["--function", "3*a^2 + b^2 - a*b + a", "--init", "0,0", "--line-search", "exact", "--steps", "1"],
     {"a": "-1/6", "b": "0"}),
])
def test_results(argv, expect, capsys):
    doc = run_json(argv, capsys)
    got = {k: v["exact"] for k, v in doc["result"].items()}
    assert {k: sp.Rational(v) for k, v in got.items()} == {k: sp.Rational(v) for k, v in expect.items()}


def test_model_on_a_file(points, capsys):
    doc = run_json(["--data", str(points), "--model", "a*x + c*x2 + d", "--params", "a,c,d", "--steps", "3"], capsys)
    assert set(doc["result"]) == {"a", "c", "d"}
    assert doc["meta"]["convergence"]["stop"] == "tol"


def test_default_learning_rate_converges(capsys):
    doc = run_json(["--dataset", "salary"], capsys)
    assert doc["meta"]["learning_rate"]["converges"] is True
    assert sp.Rational(doc["meta"]["lr"]) < 2 / sp.Float(doc["meta"]["learning_rate"]["lambda_max"])


def test_minibatch_is_reproducible(capsys):
    argv = ["--dataset", "salary", "--batch", "3", "--seed", "7", "--steps", "4"]
    a, b = run_json(argv, capsys), run_json(argv, capsys)
    assert a == b
    assert [len(h["batch"]) for h in a["meta"]["history"][:-1]] == [3, 3, 3, 3]


@pytest.mark.parametrize("ext", [".md", ".tex", ".json", ".txt"])
def test_writes_files(ext, tmp_path, capsys):
    out = tmp_path / f"gd{ext}"
    rc, stdout, err = run([GD, "--dataset", "baby", "--steps", "2", "-o", str(out)], capsys)
    assert (rc, stdout, err) == (0, "", "")
    names = sorted(p.name for p in tmp_path.iterdir())
    if ext == ".md":  # the figures sit beside the Markdown file
        assert names == ["gd-contours.svg", "gd-fit.svg", "gd-loss.svg", "gd-slice.svg", "gd.md"]
        assert "](gd-fit.svg)" in out.read_text()
    else:
        assert names == [f"gd{ext}"]


def test_subprocess(tmp_path):
    rc, out, err = run_subprocess([GD, "--function", "x^2 - 4*x + 5", "--init", "0", "--lr", "0.1", "--steps", "1"],
                                  tmp_path)
    assert rc == 0 and err == "" and "0.4" in out


BAD = [
    (["--dataset", "baby", "--init", "1"], ["--init", "1 value for 2 parameters"]),
    (["--dataset", "baby", "--init", "1,2,3"], ["--init", "3 values"]),
    (["--dataset", "baby", "--init", "1,"], ["--init", "empty value"]),
    (["--dataset", "baby", "--lr", "0"], ["--lr", "must be > 0"]),
    (["--dataset", "baby", "--lr", "-0.1"], ["--lr", "must be > 0"]),
    (["--dataset", "baby", "--lr", "abc"], ["--lr", "exact number"]),
    (["--dataset", "baby", "--lr", "sqrt(2)"], ["--lr", "exact number"]),
    (["--dataset", "baby", "--steps", "10001"], ["--steps", "0 to 10000"]),
    (["--dataset", "baby", "--show", "6"], ["--show", "0 to 5"]),
    (["--dataset", "baby", "--max-iter", "0"], ["--max-iter", "1 to 1000000"]),
    (["--dataset", "salary", "--sample", "11"], ["--sample", "row 11 is out of range", "1 to 10"]),
    (["--dataset", "salary", "--sample", "0"], ["--sample", "row 0 is out of range"]),
    (["--dataset", "salary", "--sample", "one"], ["--sample", "not a row number"]),
    (["--dataset", "salary", "--batch", "11"], ["--batch 11", "1 to 10"]),
    (["--dataset", "salary", "--batch", "some"], ["--batch", "'full' or a whole number"]),
    (["--dataset", "salary", "--batch", "2", "--sample", "1,2,3"], ["--sample", "multiple of 2"]),
    (["--dataset", "salary", "--batch", "full", "--sample", "1"], ["--sample", "--batch full"]),
    (["--function", "x^2", "--batch", "1"], ["--batch", "no rows"]),
    (["--function", "x^2", "--params", "x"], ["--params", "--vars"]),
    (["--function", "x^2 + y^2", "--vars", "x"], ["--vars", "also uses y"]),
    (["--function", "3"], ["--function", "no variables"]),
    (["--function", "x^^2"], ["--function", "position"]),
    (["--function", "x^4 - x", "--line-search", "exact"], ["--line-search exact", "quadratic"]),
    (["--dataset", "baby", "--vars", "x"], ["--vars goes with --function"]),
    (["--dataset", "baby", "--model", "a*age + b"], ["--model needs --params"]),
    (["--dataset", "baby", "--model", "a*weight + b", "--params", "a,b"], ["weight", "columns: age, height"]),
    (["--dataset", "baby", "--x", "age"], ["--x and --y", "--data"]),
    (["--dataset", "baby", "--optimizer", "momentum", "--momentum", "1"], ["--momentum", "below 1"]),
    (["--dataset", "baby", "--optimizer", "adam", "--betas", "0.9"], ["--betas", "two numbers"]),
    (["--dataset", "baby", "--optimizer", "adam", "--epsilon", "0"], ["--epsilon", "> 0"]),
    (["--dataset", "baby", "--momentum", "0.5"], ["--momentum", "--optimizer momentum", "uses --optimizer gd"]),
    (["--dataset", "baby", "--tol", "-1"], ["--tol", "> 0"]),
    (["--dataset", "baby", "--optimizer", "sgd"], ["--optimizer", "invalid choice"]),
    (["--dataset", "nope"], ["unknown dataset 'nope'"]),
    (["--data", "{t}/missing.csv"], ["missing.csv", "no such file"]),
    (["--dataset", "baby", "--params", "b,b"], ["--params", "must differ"]),
    (["--function", "log(x)", "--init=-1"], ["--init -1", "not defined", "inside the domain"]),
    (["--function", "x^2", "--init", "1e200"], ["--init 1e200", "beyond the bound of 1e150"]),
    (["--dataset", "baby", "--params", "w_i,b"], ["--params", "indexed by the row"]),
    (["--data", "{d}/ecol.csv", "--model", "a*e + b", "--params", "a,b"], ["'e' is read as Euler's number", "rename"]),
    (["--data", "{d}/huge.csv"], ["sums of squares of the data exceed 1e150", "rescale"]),
    (["--data", "{d}/huge.csv", "--model", "a*sqrt(x) + b", "--params", "a,b"], ["values reach 3e+155", "rescale"]),
    (["--function", "kappa^2", "--vars", "kappa"], ["--vars", "'kappa'", "rename it"]),
    (["--dataset", "baby", "--params", "eta,b"], ["--params", "'eta'", "rename it"]),
    (["--dataset", "baby", "--params", "m,b", "--optimizer", "adam"], ["--params", "'m'", "rename it"]),
    (["--function", "x^2", "--line-search", "exact", "--optimizer", "adam"], ["--line-search exact", "adam"]),
    (["--function", "x^2", "--line-search", "armijo", "--optimizer", "momentum"], ["--line-search armijo", "momentum"]),
]


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
@pytest.mark.parametrize("argv, pieces", BAD, ids=lambda v: " ".join(v) if isinstance(v, list) and v and
                         v[0].startswith("--") else None)
def test_bad_input(argv, pieces, existing, tmp_path, tmp_path_factory, capsys):
    data = tmp_path_factory.mktemp("data")  # input files live apart: tmp_path must stay empty
    (data / "huge.csv").write_text("x,y\n1e155,2\n2e155,3\n3e155,5\n")
    (data / "ecol.csv").write_text("e,y\n1,2\n2,3\n3,5\n")
    argv = [a.replace("{d}", str(data)) for a in argv]
    if existing:
        (tmp_path / "out.md").write_text(OLD)
    argv = [a.replace("{t}", str(tmp_path)) for a in argv]
    rc, out, err = run([GD, *argv, "--format", "markdown", "-o", f"{tmp_path}/out.md"], capsys)
    _check_failure(rc, out, err, pieces, tmp_path, existing)


def test_divergence_is_output_not_an_error(capsys):
    rc, out, err = run([GD, "--dataset", "salary", "--lr", "1", "--steps", "50", "--no-figures"], capsys)
    assert rc == 0 and err == ""
    assert "is diverging" in out and "does not converge" in out


def test_an_optimizer_state_name_is_free_when_that_optimizer_is_not_used(capsys):
    doc = run_json(["--dataset", "baby", "--params", "m,b", "--steps", "1"], capsys)  # m is Adam's state only
    assert set(doc["result"]) == {"m", "b"}


@pytest.mark.parametrize("argv, stop", [
    (["--function", "x^2", "--init", "1", "--lr", "5.5", "--steps", "2000"], "diverged"),
    (["--function", "x^2", "--init", "1", "--lr", "1e40"], "diverged"),
    (["--function", "pi*x^2", "--init", "1"], "tol"),
    (["--function", "exp(1)*x^2 + x", "--init", "1"], "tol"),
    (["--function", "1/x + x", "--init", "2", "--lr", "0.1"], "tol"),
    (["--function", "x^4 - 3*x^2", "--init", "1", "--line-search", "armijo"], "tol"),
    (["--function", "x^2 + y^2", "--vars", "x,y", "--init", "1,1", "--digits", "20"], "tol"),
])
def test_runs_that_once_crashed_end_with_a_stated_stop(argv, stop, capsys):
    """Regressions: each of these ended in a traceback (irrational constants, huge learning rates, many digits)."""
    doc = run_json(argv, capsys)
    assert doc["meta"]["convergence"]["stop"] == stop
    for entry in doc["result"].values():
        assert entry["exact"] and (entry["value"] is None or isinstance(entry["value"], float))


def test_exact_line_search_stops_where_the_function_does_not_curve_up(capsys):
    # f = xy: the first step has gᵀHg = 4 > 0 (η = 5/4); at the next point gᵀHg < 0 and no exact step exists
    doc = run_json(["--function", "x*y", "--vars", "x,y", "--init", "1,2", "--line-search", "exact"], capsys)
    assert {k: sp.Rational(v["exact"]) for k, v in doc["result"].items()} == {"x": sp.Rational(-3, 2),
                                                                                "y": sp.Rational(3, 4)}
    assert doc["meta"]["convergence"]["stop"] == "line search"
    assert "gᵀHg" in doc["meta"]["stop_reason"] or "curve" in doc["meta"]["stop_reason"]


@pytest.mark.parametrize("exponent", [-60, 60])
def test_data_far_from_one_runs(exponent, tmp_path, capsys):
    """x of size 10⁻⁶⁰ or 10⁶⁰: eigenvalues that cancel to 120 digits keep their sign, nothing overflows."""
    p = tmp_path / "far.csv"
    p.write_text(f"x,y\n1e{exponent},2\n2e{exponent},3\n3e{exponent},5\n")
    rc, out, err = run([GD, "--data", str(p), "--lr", "0.1", "--format", "json", "--no-figures"], capsys)
    assert (rc, err) == (0, ""), err
    rate = json.loads(out)["meta"]["learning_rate"]
    assert 0 < rate["lambda_min"] <= rate["lambda_max"]

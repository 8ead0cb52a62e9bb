"""derive.cli (and derive.io, derive.gallery, packaging): in-process via main([...]) and as a subprocess.

Tests marked "needs math+render" below exercise a real run and pass only once
derive.problems.regression and derive.render are in place.
"""
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from derive import cli
from derive.cli import build_parser, main, output_format, parse_params
from derive.errors import DataError, OptionError
from derive.io import write_atomic, write_atomic_bytes

ROOT = Path(__file__).resolve().parents[1]
OLD = "old contents\n"


def run_inprocess(argv, capsys):
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def run_subprocess(argv, cwd, env_extra=None):
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.update(env_extra or {})
    p = subprocess.run([sys.executable, "-m", "derive", *argv], cwd=cwd, env=env, capture_output=True,
                       text=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def run_shell(command: str, cwd):
    """A bash command line (pipes, closed streams) with this checkout importable."""
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


# -- help, version, datasets ---------------------------------------------------------------------------
COMMANDS = [[], ["linear-regression"], ["gallery"], ["datasets"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "derive")
def test_help_has_examples_that_parse(command, capsys):
    rc, out, err = run_inprocess([*command, "--help"], capsys)
    assert rc == 0 and err == ""
    assert "usage: derive" in out and "\nexamples:\n" in out
    examples = [line.strip() for line in out.split("\nexamples:\n", 1)[1].splitlines()
                if line.startswith("  derive ")]
    assert examples, out
    for line in examples:
        tokens = shlex.split(line, comments=True)
        if ">" in tokens:
            tokens = tokens[: tokens.index(">")]
        assert tokens[0] == "derive"
        build_parser().parse_args(tokens[1:])  # a usage error would raise SystemExit


def test_help_subprocess(tmp_path):
    rc, out, err = run_subprocess(["linear-regression", "--help"], tmp_path)
    assert rc == 0 and "examples:" in out and "--params SLOPE,INTERCEPT" in out and err == ""


def test_version(capsys):
    rc, out, err = run_inprocess(["--version"], capsys)
    assert rc == 0 and out.startswith("derive ") and err == ""


def test_version_in_a_process(tmp_path):
    """--version looks the version up only when asked (the action is lazy); it still answers."""
    rc, out, err = run_subprocess(["--version"], tmp_path)
    assert rc == 0 and out.startswith("derive ") and out.endswith("\n") and err == ""


def test_fast_exit_keeps_the_whole_output(tmp_path, capsys):
    """The console script ends with os._exit after flushing: a process prints exactly what main()
    prints in-process (every line, the last one included), and its exit status is main()'s."""
    argv = ["linear-regression", "--data", "d.csv", "--params", "m,c", "--format", "markdown"]
    (tmp_path / "d.csv").write_text("x,y\n1,2\n2,3.5\n4,4\n7,9\n")
    code, out, err = run_subprocess(argv, tmp_path)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        rc, expected, _ = run_inprocess(argv, capsys)
    finally:
        os.chdir(cwd)
    assert (code, err, rc) == (0, "", 0)
    assert out == expected and len(out) > 2000
    code, out, err = run_subprocess(["linear-regression", "--data", "missing.csv"], tmp_path)
    assert code == 2 and out == "" and err.count("\n") == 1 and "missing.csv" in err
    code, out, err = run_subprocess(["linear-regression", "--dataset", "baby", "-o", "baby.tex"], tmp_path)
    assert (code, out, err) == (0, "", "") and (tmp_path / "baby.tex").read_text().rstrip().endswith(r"\end{document}")


def test_reader_that_stops_early_gets_no_traceback(tmp_path):
    """``derive … | head -1``: the pipe closes before the output is flushed; the command stops quietly."""
    for argv in ("linear-regression --dataset salary --format latex", "--version"):
        # NOTE: derive's own exit status (not head's): 0 when its output fitted in the pipe before head
        # left, 1 when it found the reader gone
        p = run_shell(f"'{sys.executable}' -m derive {argv} | head -c 5; exit ${{PIPESTATUS[0]}}", tmp_path)
        assert p.returncode in (0, 1) and len(p.stdout) == 5
        assert "Traceback" not in p.stderr and "Error" not in p.stderr, p.stderr


def test_closed_streams_get_no_traceback(tmp_path):
    """Started with stdout or stderr closed (>&-), a command that needs neither still succeeds."""
    for redirect in (">&-", "2>&- >/dev/null"):
        p = run_shell(f"'{sys.executable}' -m derive diff 'x^2' -o d.md {redirect}", tmp_path)
        assert (p.returncode, p.stderr) == (0, ""), (redirect, p.stderr)
        assert (tmp_path / "d.md").read_text().count("$$") >= 2


def test_datasets(capsys):
    rc, out, err = run_inprocess(["datasets"], capsys)
    assert rc == 0 and err == ""
    assert [line.split()[0] for line in out.splitlines()] == ["salary", "baby"]
    assert "years of experience" in out


# -- bad input: exit 2, one line on stderr, nothing written ----------------------------------------------
def _files(tmp_path):
    (tmp_path / "three.csv").write_text("a,b,c\n1,2,3\n4,5,6\n")
    (tmp_path / "bad.csv").write_text("x,y\n1,2\n3,abc\n")
    (tmp_path / "d.md").mkdir()


# (argv, pieces of the stderr line); "{t}" is the test's directory. Each case also gets
# "--format markdown -o {t}/out.md" unless it has its own -o, so "nothing written" is checked.
BAD = [
    (["linear-regression", "--data", "{t}/missing.csv"], ["missing.csv: no such file"]),
    (["linear-regression", "--data", "{t}"], ["is a directory"]),
    (["linear-regression", "--data", "{t}/three.csv", "--x", "nope", "--y", "a"],
     ["no column 'nope'", "the columns are 'a', 'b', 'c'"]),
    (["linear-regression", "--data", "{t}/three.csv"], ["has 3 columns ('a', 'b', 'c')", "--x COLUMN --y COLUMN"]),
    (["linear-regression", "--data", "{t}/bad.csv"], ["bad.csv: row 2 (line 3), column 'y': 'abc' is not a number"]),
    (["linear-regression", "--dataset", "nope"], ["unknown dataset 'nope'", "'salary', 'baby'"]),
    (["linear-regression", "--dataset", "salary", "--x", "a"], ["--x and --y choose columns of a CSV file"]),
    (["linear-regression", "--dataset", "salary", "--data", "{t}/bad.csv"], ["not allowed with argument"]),
    (["linear-regression", "--loss", "mae"], ["argument --loss: invalid choice: 'mae'", "--help"]),
    (["linear-regression", "--params", "w"], ["--params: expected two names", "got 1"]),
    (["linear-regression", "--params", "w,b,c"], ["--params: expected two names, slope first", "got 3"]),
    (["linear-regression", "--params", "w,"], ["--params: '' is not a name"]),
    (["linear-regression", "--params", "1w,b"], ["'1w' is not a name"]),
    (["linear-regression", "--params", "w-1,b"], ["'w-1' is not a name"]),
    (["linear-regression", "--params", "n,b"], ["'n' is already used in the formulas"]),
    (["linear-regression", "--params", "w,pi"], ["'pi' is already used in the formulas"]),
    (["linear-regression", "--params", "x_i,b"], ["'x_i' would print as indexed by the row", "x_1"]),
    (["fit", "--dataset", "baby", "--y", "height", "--model", "w_n*age + b", "--params", "w_n,b"],
     ["--params", "'w_n' would print as indexed by the row"]),
    (["linear-regression", "--params", "w,w"], ["the two names must differ"]),
    (["linear-regression", "--params", "x,b"], ["'x' already names the data column 'YearsExperience'"]),
    (["linear-regression", "--dataset", "baby", "--params", "w,h"], ["'h' already names the data column 'height'"]),
    (["linear-regression", "--digits", "0"], ["argument --digits: must be a whole number from 1 to 30, got '0'"]),
    (["linear-regression", "--digits", "31"], ["from 1 to 30, got '31'"]),
    (["linear-regression", "--digits", "six"], ["got 'six'"]),
    (["linear-regression", "--format", "pdf"], ["argument --format: invalid choice: 'pdf'"]),
    (["linear-regression", "--format", "markdown", "-o", "{t}/nodir/out.md"],
     ["cannot write", "nodir/out.md", "does not exist"]),
    (["linear-regression", "--format", "markdown", "-o", "{t}/d.md"], ["d.md: it is a directory"]),
    (["linear-regression", "--bogus"], ["unrecognized arguments: --bogus"]),
    (["frobnicate"], ["invalid choice: 'frobnicate'"]),
    ([], ["choose a command"]),
    (["gallery", "--out", "{t}/bad.csv"], ["--out", "bad.csv: it is a file"]),
]
# These need derive.render.EXTENSIONS (the format is taken from the -o extension).
BAD_NEEDS_RENDER = [
    (["linear-regression", "-o", "{t}/out.docx"], ["-o", "out.docx", "extension '.docx' does not name a format"]),
    (["linear-regression", "-o", "{t}/out"], ["no extension does not name a format"]),
]


def _argv(argv, t):
    argv = [a.replace("{t}", str(t)) for a in argv]
    if argv[:1] == ["linear-regression"] and "-o" not in argv and "--output" not in argv:
        argv += ["-o", f"{t}/out.md"] + ([] if "--format" in argv else ["--format", "markdown"])
    return argv


def _check_failure(rc, out, err, pieces, tmp_path, existing):
    assert rc == 2, (out, err)
    assert out == ""
    assert "Traceback" not in err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("derive") and ": error: " in err, err
    for piece in pieces:
        assert piece in err, err
    out_md = tmp_path / "out.md"
    if existing:
        assert out_md.read_text() == OLD
    else:
        assert not out_md.exists()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
@pytest.mark.parametrize("argv, pieces", BAD + BAD_NEEDS_RENDER, ids=lambda v: " ".join(v) if isinstance(v, list) and v and v[0] in ("linear-regression", "gallery", "frobnicate") else None)
def test_bad_input_inprocess(argv, pieces, existing, tmp_path, capsys):
    _files(tmp_path)
    if existing:
        (tmp_path / "out.md").write_text(OLD)
    rc, out, err = run_inprocess(_argv(argv, tmp_path), capsys)
    _check_failure(rc, out, err, pieces, tmp_path, existing)


@pytest.mark.parametrize("argv, pieces", BAD[::3] + BAD_NEEDS_RENDER[:1])
def test_bad_input_subprocess(argv, pieces, tmp_path):
    _files(tmp_path)
    (tmp_path / "out.md").write_text(OLD)
    rc, out, err = run_subprocess(_argv(argv, tmp_path), tmp_path)
    _check_failure(rc, out, err, pieces, tmp_path, existing=True)


# -- error handling policy ---------------------------------------------------------------------------------
def _raise(exc):
    def command(args):
        raise exc
    return command


def test_derive_error_is_one_line(monkeypatch, capsys):
    monkeypatch.setattr(cli, "_datasets", _raise(DataError("first line\n   second line")))
    rc, out, err = run_inprocess(["datasets"], capsys)
    assert (rc, out, err) == (2, "", "derive: error: first line second line\n")


def test_keyboard_interrupt_is_quiet(monkeypatch, capsys):
    monkeypatch.setattr(cli, "_datasets", _raise(KeyboardInterrupt()))
    assert run_inprocess(["datasets"], capsys) == (130, "", "")


def test_bugs_are_not_hidden(monkeypatch):
    monkeypatch.setattr(cli, "_datasets", _raise(ZeroDivisionError("a bug")))
    with pytest.raises(ZeroDivisionError):
        main(["datasets"])


# -- option helpers ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expect",
    [("w,b", ("w", "b")), (" beta_1 , beta_0 ", ("beta_1", "beta_0")), ("s,b", ("s", "b")), ("w1,b2", ("w1", "b2"))],
)
def test_parse_params(text, expect):
    assert parse_params(text) == expect


@pytest.mark.parametrize("fmt, output, expect", [
    ("latex", None, "latex"), (None, None, "terminal"), (None, "-", "terminal"), ("json", "x.md", "json"),
])
def test_output_format_without_extension_lookup(fmt, output, expect):
    assert output_format(fmt, output) == expect


@pytest.mark.parametrize("output, expect", [  # needs render
    ("a.md", "markdown"), ("a.tex", "latex"), ("a.json", "json"), ("a.txt", "terminal"), ("dir/A.MD", "markdown"),
])
def test_output_format_from_extension(output, expect):
    assert output_format(None, output) == expect


class _Args:
    def __init__(self, no_color=False, output=None):
        self.no_color, self.output = no_color, output


@pytest.mark.parametrize(
    "tty, env, no_color, output, expect",
    [
        (True, {}, False, None, True),
        (False, {}, False, None, False),
        (True, {"NO_COLOR": "1"}, False, None, False),
        (True, {"NO_COLOR": ""}, False, None, False),  # any value, even empty
        (True, {}, True, None, False),
        (True, {}, False, "out.txt", False),
        (True, {}, False, "-", True),
    ],
)
def test_use_color(tty, env, no_color, output, expect, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: tty, raising=False)
    assert cli._use_color(_Args(no_color, output)) is expect


def test_cli_contract_matches_render_and_problem():  # needs math+render
    from derive.problems.regression import LOSSES
    from derive.render import EXTENSIONS

    assert set(LOSSES) == set(cli.LOSSES)
    assert set(EXTENSIONS.values()) <= set(cli.FORMATS)
    assert {".md", ".tex", ".json", ".txt"} <= set(EXTENSIONS)


# -- successful runs (need math+render) -------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        ["linear-regression", "--format", "json"],
        ["linear-regression", "--dataset", "baby", "--format", "json", "--params", "s,b"],
        ["linear-regression", "--dataset", "salary", "--format", "json", "--loss", "half-sse", "--digits", "10"],
        ["linear-regression", "--data", "{t}/three.csv", "--x", "c", "--y", "a", "--format", "json"],
    ],
)
def test_run_json_to_stdout(argv, tmp_path, capsys):
    _files(tmp_path)
    rc, out, err = run_inprocess([a.replace("{t}", str(tmp_path)) for a in argv], capsys)
    assert (rc, err) == (0, "")
    json.loads(out)


@pytest.mark.parametrize("fmt", ["terminal", "markdown", "latex"])
def test_run_formats_to_stdout(fmt, capsys, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    rc, out, err = run_inprocess(["linear-regression", "--dataset", "baby", "--format", fmt], capsys)
    assert (rc, err) == (0, "") and out.strip()
    assert "\x1b[" not in out


@pytest.mark.parametrize("name, fmt", [("out.md", "markdown"), ("out.tex", "latex"), ("out.json", "json"),
                                       ("out.txt", "terminal")])
def test_run_to_file_by_extension(name, fmt, tmp_path, capsys):
    target = tmp_path / name
    target.write_text(OLD)
    rc, out, err = run_inprocess(["linear-regression", "--dataset", "baby", "-o", str(target)], capsys)
    assert (rc, out, err) == (0, "", "")
    text = target.read_text()
    assert text != OLD and "\x1b[" not in text
    rc, expected, _ = run_inprocess(["linear-regression", "--dataset", "baby", "--format", fmt, "--no-color"], capsys)
    assert text == expected
    if fmt == "json":
        json.loads(text)
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temp files left


def test_format_option_beats_extension(tmp_path, capsys):
    target = tmp_path / "out.txt"
    rc, _, _ = run_inprocess(["linear-regression", "--dataset", "baby", "--format", "json", "-o", str(target)], capsys)
    assert rc == 0
    json.loads(target.read_text())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc, where no file can be created")
def test_unwritable_output_after_derivation(capsys):
    rc, out, err = run_inprocess(["linear-regression", "--dataset", "baby", "--format", "markdown",
                                  "-o", "/proc/derive-test.md"], capsys)
    assert rc == 2 and out == "" and err.count("\n") == 1 and "cannot write /proc/derive-test.md" in err
    assert not Path("/proc/derive-test.md").exists()


def test_subprocess_run(tmp_path):
    rc, out, err = run_subprocess(["linear-regression", "--dataset", "baby", "--format", "json"], tmp_path)
    assert (rc, err) == (0, "")
    json.loads(out)


def test_gallery(tmp_path, capsys):
    out_dir = tmp_path / "gallery" / "nested"
    rc, out, err = run_inprocess(["gallery", "--out", str(out_dir)], capsys)
    assert (rc, err) == (0, "")
    names = sorted(p.name for p in out_dir.iterdir())
    assert "README.md" in names and "salary.tex" in names and "gradient-descent-salary-loss.svg" in names
    assert sorted(line.split("/")[-1] for line in out.splitlines()) == names
    assert all(line.startswith("wrote ") for line in out.splitlines())
    rc, md, _ = run_inprocess(["linear-regression", "--dataset", "salary", "--format", "markdown"], capsys)
    assert (out_dir / "salary.md").read_text() == md


# -- derive.io ------------------------------------------------------------------------------------------------
def test_write_atomic_new_and_replace(tmp_path):
    p = tmp_path / "a.txt"
    write_atomic(p, "one\n")
    assert p.read_text() == "one\n"
    p.chmod(0o640)
    write_atomic(str(p), "two ∑\n")
    assert p.read_text(encoding="utf-8") == "two ∑\n"
    assert p.stat().st_mode & 0o777 == 0o640
    write_atomic_bytes(p, b"\x00\x01")
    assert p.read_bytes() == b"\x00\x01"
    assert [q.name for q in tmp_path.iterdir()] == ["a.txt"]


def test_write_atomic_new_file_mode_follows_umask(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "m.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "m.txt").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("target, piece", [
    ("nodir/a.txt", "the directory"),
    ("", "it is a directory"),
])
def test_write_atomic_bad_path(tmp_path, target, piece):
    path = tmp_path / target if target else tmp_path
    with pytest.raises(OptionError) as e:
        write_atomic(path, "x")
    assert str(path) in str(e.value) and piece in str(e.value)


@pytest.mark.parametrize("exc, raised", [(OSError(28, "No space left on device"), OptionError),
                                         (KeyboardInterrupt(), KeyboardInterrupt)])
def test_write_atomic_failure_keeps_old_file(tmp_path, monkeypatch, exc, raised):
    p = tmp_path / "a.md"
    p.write_text(OLD)

    def boom(*args):
        raise exc

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(raised) as e:
        write_atomic(p, "new")
    if raised is OptionError:
        assert "No space left on device" in str(e.value) and str(p) in str(e.value)
    assert p.read_text() == OLD
    assert [q.name for q in tmp_path.iterdir()] == ["a.md"]


def test_a_failed_rename_leaves_no_temporary_file(tmp_path, monkeypatch):
    from derive.io import write_atomic_many

    files = {tmp_path / "a.md": b"doc", tmp_path / "a-loss.svg": b"<svg/>"}
    real = os.replace

    def fail_second(src, dst):
        if str(dst).endswith(".svg"):
            raise OSError(13, "Permission denied")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", fail_second)
    with pytest.raises(OptionError, match="Permission denied"):
        write_atomic_many(files)
    assert not [q.name for q in tmp_path.iterdir() if q.name.startswith(".derive-")]


def test_markdown_through_a_link_puts_its_figures_beside_the_real_file(tmp_path, capsys):
    (tmp_path / "notes").mkdir()
    (tmp_path / "site").mkdir()
    real = tmp_path / "notes" / "week3.md"
    real.write_text(OLD)
    link = tmp_path / "site" / "gd.md"
    link.symlink_to(real)
    rc, out, err = run_inprocess(["gradient-descent", "--dataset", "baby", "-o", str(link)], capsys)
    assert (rc, err) == (0, "")
    assert link.is_symlink() and real.read_text() != OLD
    svgs = sorted(q.name for q in (tmp_path / "notes").iterdir() if q.suffix == ".svg")
    assert svgs and all(name.startswith("week3-") for name in svgs)
    assert not list((tmp_path / "site").glob("*.svg"))
    for name in svgs:  # the document links the figures by the names they were written under
        assert f"]({name})" in real.read_text()


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="this system has no /dev/null")
@pytest.mark.parametrize("argv", [["--format", "markdown"], []], ids=["markdown", "no-extension"])
def test_a_device_takes_the_document_with_figures_inline(argv, capsys, monkeypatch):
    written = []
    monkeypatch.setattr(cli, "_emit", lambda text, output: written.append((text, output)))
    rc, out, err = run_inprocess(["gradient-descent", "--dataset", "baby", *argv, "-o", "/dev/null"], capsys)
    assert (rc, err) == (0, "")
    ((text, output),) = written
    assert output == "/dev/null"
    if argv:  # Markdown: the figures are inline SVG, since a device has no directory to put files beside
        assert "data:image/svg+xml;base64," in text and ".svg)" not in text
    else:  # no extension on a device: the terminal format
        assert "Iterations" in text and "$$" not in text


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
def test_write_atomic_unwritable_directory():
    with pytest.raises(OptionError, match="cannot write /proc/derive-test.txt"):
        write_atomic("/proc/derive-test.txt", "x")


# -- packaging --------------------------------------------------------------------------------------------------
def test_pyproject_lists_every_package():
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    setuptools = config["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "derive").rglob("__init__.py")}
    assert found - {"derive.templates"} <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    assert setuptools["package-dir"] == {"derive.templates": "templates"}
    assert (ROOT / "templates" / "__init__.py").is_file(), "editable installs need templates/__init__.py"
    assert config["project"]["scripts"] == {"derive": "derive.cli:run"}


@pytest.mark.skipif(not os.path.exists("/dev/stdout"), reason="this system has no /dev/stdout")
def test_o_dev_stdout_into_a_pipe(tmp_path):
    """/dev/stdout is a link to a pipe here: written through as named, in the terminal format (no extension)."""
    code, out, err = run_subprocess(["diff", "x^2", "-o", "/dev/stdout"], tmp_path)
    assert (code, err) == (0, "") and "df/dx = 2 x" in out
    code, out, err = run_subprocess(["diff", "x^2", "--format", "markdown", "-o", "/dev/stdout"], tmp_path)
    assert (code, err) == (0, "") and "$$" in out

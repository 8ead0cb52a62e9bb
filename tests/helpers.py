"""Shared test helpers (not fixtures, so that tests can call them with arguments)."""
import sympy as sp

from derive.data import Dataset


def make_dataset(xs, ys, *, name="test", x_symbol="x", y_symbol="y"):
    xs = tuple(sp.Rational(v) for v in xs)
    ys = tuple(sp.Rational(v) for v in ys)
    return Dataset(name=name, columns={"x": xs, "y": ys}, x="x", y="y", description="Test data.",
                   source="tests", x_symbol=x_symbol, y_symbol=y_symbol)


def pdflatex(tex: str, tmp_path, name: str = "doc"):
    """Compile ``tex`` with pdflatex in ``tmp_path``; return (returncode, log text).

    Skips (with the reason) when pdflatex is missing, except when the CI environment variable is
    set: then the LaTeX output must be compiled, and a missing pdflatex fails the test.
    """
    import os
    import shutil
    import subprocess

    import pytest

    exe = shutil.which("pdflatex")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("pdflatex is not installed, and CI is set: install TeX Live (see .ci/run)")
        pytest.skip("pdflatex is not installed (install TeX Live to run this test; with CI set it fails instead)")
    (tmp_path / f"{name}.tex").write_text(tex, encoding="utf-8")
    proc = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", f"{name}.tex"],
                          cwd=tmp_path, capture_output=True, timeout=300, stdin=subprocess.DEVNULL)
    log_path = tmp_path / f"{name}.log"
    log = log_path.read_text(encoding="latin-1") if log_path.exists() else proc.stdout.decode("latin-1")
    return proc.returncode, log

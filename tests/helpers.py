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


def assert_verified(derivation, *, seed: int = 0) -> int:
    """Every step of ``derivation`` carries a passed check, and every EQUAL step whose two sides are
    explicit formulas (no Σ over data, no undefined function, no matrix symbol, no rounded float) is
    re-checked here, independently of derive's verifier: both sides in float at random points.

    Returns how many steps were re-checked, so that a test can insist that some were.
    """
    import random

    from sympy.core.function import AppliedUndef

    from derive.rules import CheckKind

    rng = random.Random(seed)
    steps = list(derivation.steps())
    assert steps, "the derivation has no steps"
    rechecked = 0
    for step in steps:
        assert step.check is not None and step.check.passed and step.check.method, f"unchecked step: {step}"
        if step.rule.check is not CheckKind.EQUAL:
            continue
        pairs = ([(step.before.lhs, step.after.lhs), (step.before.rhs, step.after.rhs)]
                 if isinstance(step.before, sp.Equality) and isinstance(step.after, sp.Equality)
                 else [(step.before, step.after)])
        sides = [e for pair in pairs for e in pair]
        if not all(isinstance(e, sp.Expr) and not e.is_Matrix for e in sides) or any(
                e.has(sp.Indexed, sp.IndexedBase, sp.Sum, sp.MatrixSymbol, sp.Float, sp.UnevaluatedExpr) or e.atoms(AppliedUndef)
                for e in sides):
            continue
        free = sorted(set().union(*(e.free_symbols for e in sides)), key=str)
        for _ in range(3):
            point = {s: sp.Rational(rng.randint(1, 97), rng.randint(1, 13)) for s in free}
            for before, after in pairs:
                b, a = (sp.N(e.doit().subs(point), 30) for e in (before, after))
                if not (b.is_number and a.is_number) or b.has(sp.zoo, sp.nan) or a.has(sp.zoo, sp.nan):
                    break  # off the domain at this point (a pole): try another point
                b, a = complex(b), complex(a)
                assert abs(a - b) <= 1e-9 * (1 + abs(b)), f"step {step.rule.name}: {before} -> {after} at {point}"
        rechecked += 1
    return rechecked


# -- work for derive.background's helper process (tests/test_background.py) ---------------------------
def pid_and(payload):
    """The process that ran this, and the payload back."""
    import os

    return [os.getpid(), payload]


def one_over(payload):
    return 1 / payload


def die_unless_in(pid):
    """Dies in any process but ``pid`` (so the helper dies, and the parent's own run answers)."""
    import os

    if os.getpid() != pid:
        os._exit(3)
    return "answered here"


def sleep(seconds):
    import time

    time.sleep(seconds)

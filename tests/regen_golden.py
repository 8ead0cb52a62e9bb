"""Golden files: whole rendered documents under tests/golden/, compared byte for byte.

:data:`CASES` is the one list of golden documents; ``tests/test_golden.py`` imports it. After an
intended change to the output, regenerate every file with::

    python tests/regen_golden.py

and review the diff (``git diff tests/golden``) before committing it. Files in tests/golden/ that
no case produces any more are deleted.
"""
from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout that is not installed
    sys.path.insert(0, str(ROOT))

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
REGEN_COMMAND = "python tests/regen_golden.py"
EXTENSIONS = {"terminal": ".txt", "markdown": ".md", "latex": ".tex", "json": ".json"}
ALL_FORMATS = tuple(EXTENSIONS)
DIGITS = 6


# -- how each case's derivation is built ------------------------------------------------------------
def _regression(dataset: str, loss: str = "mse", params: tuple[str, str] = ("w", "b")):
    def build():
        from derive.data import load_dataset
        from derive.problems.regression import linear_regression

        return linear_regression(load_dataset(dataset), loss=loss, params=params, digits=DIGITS)

    return build


def _normal_equation(dataset: str):
    def build():
        from derive.data import load_dataset
        from derive.problems.normal_equation import normal_equation

        return normal_equation(load_dataset(dataset), digits=DIGITS)

    return build


def _fit(dataset: str, model: str, params: str, y: str):
    def build():
        from derive.data import load_dataset
        from derive.parse import parse, parse_names
        from derive.problems.fit import fit

        return fit(load_dataset(dataset), parse(model), parse_names(params), y=y, digits=DIGITS)

    return build


def _diff(expr: str, wrt: str | None = None):
    def build():
        from derive.parse import parse, parse_names
        from derive.problems.calculus import differentiation

        return differentiation(parse(expr), parse_names(wrt, "--wrt") if wrt else None)

    return build


def _minimize(expr: str, variables: str | None = None):
    def build():
        from derive.parse import parse, parse_names
        from derive.problems.calculus import minimization

        return minimization(parse(expr), parse_names(variables) if variables else None)

    return build


@dataclass(frozen=True)
class Case:
    """One derivation, rendered in ``formats``, each to ``tests/golden/<name><ext>``."""

    name: str
    command: str  # the equivalent command line, for people reading a failure
    build: Callable[[], object]  # returns the Derivation
    formats: tuple[str, ...] = ALL_FORMATS

    def path(self, fmt: str) -> Path:
        return GOLDEN_DIR / f"{self.name}{EXTENSIONS[fmt]}"


# NOTE: the one list of golden documents; add a row to add one.
CASES: tuple[Case, ...] = (
    Case("lr-salary", "derive linear-regression --dataset salary", _regression("salary")),
    Case("lr-baby", "derive linear-regression --dataset baby", _regression("baby")),
    Case("lr-baby-half-sse-s-b", "derive linear-regression --dataset baby --loss half-sse --params s,b",
         _regression("baby", "half-sse", ("s", "b")), ("markdown",)),
    Case("lr-salary-beta", "derive linear-regression --dataset salary --params beta_1,beta_0",
         _regression("salary", params=("beta_1", "beta_0")), ("markdown",)),
    Case("diff-xyz-squared-wrt-y", 'derive diff "(x + y + z)^2" --wrt y',
         _diff("(x + y + z)^2", "y"), ("markdown", "json")),
    Case("minimize-quadratic-ab", 'derive minimize "3*a^2 + b^2 - a*b + a"',
         _minimize("3*a^2 + b^2 - a*b + a"), ("markdown", "json")),
    Case("normal-equation-salary", "derive normal-equation --dataset salary", _normal_equation("salary"),
         ("markdown", "latex", "json")),
    Case("fit-baby", "derive fit --model \"s*age + b\" --params s,b --dataset baby --y height",
         _fit("baby", "s*age + b", "s,b", "height"), ("markdown", "json")),
)


@functools.lru_cache(maxsize=None)
def derivation(name: str):
    """The derivation of the case called ``name`` (built once per process)."""
    return next(c for c in CASES if c.name == name).build()


def render_case(case: Case, fmt: str) -> str:
    """The document ``case`` in format ``fmt``, as the golden file should hold it (colour off)."""
    from derive.render import render

    return render(derivation(case.name), fmt, digits=DIGITS, color=False)


def expected_files() -> dict[Path, tuple[Case, str]]:
    return {case.path(fmt): (case, fmt) for case in CASES for fmt in case.formats}


def main() -> int:
    GOLDEN_DIR.mkdir(exist_ok=True)
    from derive.io import write_atomic

    expected = expected_files()
    for path, (case, fmt) in expected.items():
        text = render_case(case, fmt)
        old = path.read_bytes() if path.exists() else None
        new = text.encode("utf-8")
        status = "unchanged" if old == new else ("created" if old is None else "updated")
        if old != new:
            write_atomic(path, text)
        print(f"{status:9}  {path.relative_to(ROOT)}")
    for path in sorted(GOLDEN_DIR.iterdir()):
        if path.is_file() and path not in expected:
            path.unlink()
            print(f"{'deleted':9}  {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Whole documents against the golden files in tests/golden/, byte for byte; and determinism.

The cases live in one table, ``CASES`` in tests/regen_golden.py. After an intended change to the
output, run ``python tests/regen_golden.py`` and review ``git diff tests/golden``.
"""
import os
import shlex
import subprocess
import sys

import pytest

from regen_golden import CASES, GOLDEN_DIR, REGEN_COMMAND, ROOT, derivation, expected_files, render_case

from derive.cli import main
from derive.render import render

GOLDEN = [(case, fmt) for case in CASES for fmt in case.formats]


def first_difference(expected: str, actual: str) -> str:
    """Where two texts first differ, as a short readable report (line number, both lines)."""
    old, new = expected.splitlines(keepends=True), actual.splitlines(keepends=True)
    for k, (a, b) in enumerate(zip(old, new), 1):
        if a != b:
            return f"first difference at line {k}:\n  golden: {a!r}\n  now:    {b!r}"
    k = min(len(old), len(new)) + 1
    if len(old) > len(new):
        return f"the output ends early: golden line {k} is {old[k - 1]!r}"
    return f"the output has extra lines from line {k}: {new[k - 1]!r}"


@pytest.mark.parametrize("case, fmt", GOLDEN, ids=[f"{c.name}-{f}" for c, f in GOLDEN])
def test_golden(case, fmt):
    path = case.path(fmt)
    rel = path.relative_to(ROOT)
    assert path.exists(), f"{rel} is missing; run `{REGEN_COMMAND}` to create it"
    golden = path.read_bytes().decode("utf-8")
    actual = render_case(case, fmt)
    assert actual == golden, (
        f"{rel} ({case.command}, {fmt}) is out of date: {first_difference(golden, actual)}\n"
        f"If the change is intended, run `{REGEN_COMMAND}` and review `git diff tests/golden`."
    )


def test_no_stray_golden_files():
    stray = sorted(p.name for p in GOLDEN_DIR.iterdir() if p not in expected_files())
    assert not stray, f"tests/golden/ holds files no case produces: {stray}; run `{REGEN_COMMAND}` to delete them"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_command_matches(case, capsys):
    """Each case's documented command line prints the golden document."""
    fmt = case.formats[0]
    rc = main(shlex.split(case.command)[1:] + ["--format", fmt, "--no-color"])
    out, err = capsys.readouterr()
    assert (rc, err) == (0, "")
    assert out == render_case(case, fmt), f"`{case.command} --format {fmt}` differs from the golden case"


# -- determinism -------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["terminal", "markdown", "latex", "json"])
def test_render_twice_identical(fmt):
    d = derivation("lr-baby")
    assert render(d, fmt) == render(d, fmt)


def test_build_twice_identical():
    """A second, independent build of the same problem renders the same bytes."""
    case = next(c for c in CASES if c.name == "minimize-quadratic-ab")
    assert render(case.build(), "markdown") == render(derivation(case.name), "markdown")


@pytest.mark.parametrize("argv", [
    ["linear-regression", "--dataset", "baby", "--format", "markdown"],
    ["minimize", "3*a^2 + b^2 - a*b + a", "--format", "markdown"],
], ids=["linear-regression", "minimize"])
def test_identical_across_hash_seeds(argv):
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "NO_COLOR": "1"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        proc = subprocess.run([sys.executable, "-m", "derive", *argv], capture_output=True, env=env, cwd=ROOT,
                              timeout=120)
        assert proc.returncode == 0, proc.stderr.decode()
        outputs.append(proc.stdout)
    assert outputs[0] == outputs[1], (
        f"`derive {shlex.join(argv)}` differs between PYTHONHASHSEED=1 and =2: "
        + first_difference(outputs[0].decode(), outputs[1].decode())
    )

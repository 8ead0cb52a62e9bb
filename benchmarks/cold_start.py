"""Cold-start time of `derive linear-regression --dataset salary`, next to `import sympy`.

Both commands run as fresh processes in the same session, interleaved, several times; the table
shows the medians and the fastest runs, and their ratios (target: at most 1.5). Run it on an
installed copy (``pip install .``): an editable install under PYTHONDONTWRITEBYTECODE compiles
derive's modules afresh in every run. A second table splits one in-process run
into import, derivation (with the share spent verifying steps) and rendering, so that a slow
verifier would show up.

    python benchmarks/cold_start.py [--repeat 15]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHECKOUT = str(Path(__file__).resolve().parent.parent)
ENV = dict(os.environ)
try:  # NOTE: the installed copy when there is one (its modules are compiled), else the checkout
    import derive  # noqa: F401
except ImportError:
    sys.path.insert(0, CHECKOUT)
    ENV["PYTHONPATH"] = os.pathsep.join(p for p in (CHECKOUT, ENV.get("PYTHONPATH", "")) if p)
# NOTE: the console script `derive` of this interpreter's environment, as a user types it (pip writes
# it beside the interpreter); `python -m derive` when there is none (a checkout)
_SCRIPT = Path(sys.executable).with_name("derive")
DERIVE = ([str(_SCRIPT)] if _SCRIPT.is_file() and "PYTHONPATH" not in ENV else [sys.executable, "-m", "derive"]) + [
    "linear-regression", "--dataset", "salary"]
LABEL = ("derive" if DERIVE[0] == str(_SCRIPT) else "python -m derive") + " linear-regression --dataset salary"
BASELINE = [sys.executable, "-c", "import sympy"]
EMPTY = tempfile.mkdtemp(prefix="derive-cold-start-")
# NOTE: derive ends with os._exit once its output is flushed (see derive.cli.run); this second
# baseline skips the interpreter's teardown the same way, so the table shows what that is worth
BASELINE_FAST_EXIT = [sys.executable, "-c", "import os, sympy; os._exit(0)"]


def wall(cmd: list[str]) -> float:
    # NOTE: from an empty directory, so that the installed copy is found, not a checkout
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=EMPTY, env=ENV)
    return time.perf_counter() - start


def split() -> dict[str, float]:
    """One in-process run, timed by phase, as the command runs it (numpy's check in the helper
    process, forked before sympy is imported)."""
    import derive.background as background

    background.ENABLED = True
    background.start(preload=("numpy",))
    t0 = time.perf_counter()
    import sympy

    t1 = time.perf_counter()
    import derive.verify as verify
    from derive.data import load_dataset
    from derive.problems.regression import linear_regression
    from derive.render import render
    from derive.render import terminal  # noqa: F401 - jinja2 and the printers, as the command imports them

    t2 = time.perf_counter()
    sympy.Symbol("x") + 1  # sympy imports its tensor module at the first sum
    t3 = time.perf_counter()
    spent = [0.0]
    depth = [0]
    real = verify.verify_step

    def timed(*args, **kwargs):
        # NOTE: verify_step calls itself for the substeps; only the outermost call is counted
        depth[0] += 1
        start = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            depth[0] -= 1
            if not depth[0]:
                spent[0] += time.perf_counter() - start

    verify.verify_step = timed
    d = linear_regression(load_dataset("salary"))
    t4 = time.perf_counter()
    render(d, "terminal")
    t5 = time.perf_counter()
    verify.verify_step = real
    return {"import sympy": t1 - t0, "import derive and jinja2": t2 - t1, "sympy's first sum": t3 - t2,
            "derive": t4 - t3, "verify": spent[0], "render": t5 - t4}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    commands = {"derive": DERIVE, "baseline": BASELINE, "fast-exit": BASELINE_FAST_EXIT}
    for cmd in commands.values():
        wall(cmd)  # warm the file cache
    runs = {k: [] for k in commands}
    for _ in range(args.repeat):
        for k, cmd in commands.items():
            runs[k].append(wall(cmd))
    med = {k: statistics.median(v) for k, v in runs.items()}
    best = {k: min(v) for k, v in runs.items()}
    print(f"cold start, {args.repeat} runs of each, interleaved, same session")
    print()
    print("| command | median (s) | fastest (s) |")
    print("|---|---:|---:|")
    print(f"| `python -c \"import sympy\"` (baseline) | {med['baseline']:.3f} | {best['baseline']:.3f} |")
    print(f"| `{LABEL}` | {med['derive']:.3f} | {best['derive']:.3f} |")
    print(f"| ratio (target ≤ 1.5) | **{med['derive'] / med['baseline']:.2f}×** | "
          f"{best['derive'] / best['baseline']:.2f}× |")
    print(f"| `python -c \"import os, sympy; os._exit(0)\"` (no teardown, as derive) | {med['fast-exit']:.3f} | "
          f"{best['fast-exit']:.3f} |")
    print(f"| ratio to that | {med['derive'] / med['fast-exit']:.2f}× | {best['derive'] / best['fast-exit']:.2f}× |")
    print()
    phases = split()
    print("one in-process run, by phase")
    print()
    print("| phase | time (s) |")
    print("|---|---:|")
    for k in ("import sympy", "import derive and jinja2", "sympy's first sum", "derive", "render"):
        print(f"| {k} | {phases[k]:.3f} |")
    print(f"| of which verifying steps | {phases['verify']:.3f} ({phases['verify'] / phases['derive']:.0%} of derive) |")


if __name__ == "__main__":
    main()

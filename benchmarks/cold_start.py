"""Cold-start time of `derive linear-regression --dataset salary`, next to `import sympy`.

Both commands run as fresh processes in the same session, interleaved, several times; the table
shows the medians and their ratio (target: at most 1.5). A second table splits one in-process run
into import, derivation (with the share spent verifying steps) and rendering, so that a slow
verifier would show up.

    python benchmarks/cold_start.py [--repeat 7]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout too
DERIVE = [sys.executable, "-m", "derive", "linear-regression", "--dataset", "salary"]
BASELINE = [sys.executable, "-c", "import sympy"]


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def split() -> dict[str, float]:
    """One in-process run, timed by phase (the interpreter start-up is not included)."""
    t0 = time.perf_counter()
    import derive.verify as verify
    from derive.data import load_dataset
    from derive.problems.regression import linear_regression
    from derive.render import render

    t1 = time.perf_counter()
    spent = [0.0]
    real = verify.verify_step

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    verify.verify_step = timed
    d = linear_regression(load_dataset("salary"))
    t2 = time.perf_counter()
    render(d, "terminal")
    t3 = time.perf_counter()
    verify.verify_step = real
    return {"import": t1 - t0, "derive": t2 - t1, "verify": spent[0], "render": t3 - t2}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    wall(DERIVE), wall(BASELINE)  # warm the file cache
    runs = {"derive": [], "baseline": []}
    for _ in range(args.repeat):
        runs["derive"].append(wall(DERIVE))
        runs["baseline"].append(wall(BASELINE))
    d, b = statistics.median(runs["derive"]), statistics.median(runs["baseline"])
    print(f"cold start, median of {args.repeat} runs each, same session")
    print()
    print("| command | wall time (s) |")
    print("|---|---:|")
    print(f"| `python -c \"import sympy\"` (baseline) | {b:.3f} |")
    print(f"| `derive linear-regression --dataset salary` | {d:.3f} |")
    print(f"| ratio (target ≤ 1.5) | {d / b:.2f}× |")
    print()
    phases = split()
    print("one in-process run, by phase")
    print()
    print("| phase | time (s) |")
    print("|---|---:|")
    for k in ("import", "derive", "render"):
        print(f"| {k} | {phases[k]:.3f} |")
    print(f"| of which verifying steps | {phases['verify']:.3f} ({phases['verify'] / phases['derive']:.0%} of derive) |")


if __name__ == "__main__":
    main()

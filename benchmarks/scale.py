"""Scale: the time to derive the closed forms, and the exact worked example on large data.

Two tables, every figure measured in this run, each in a fresh child process (so no run warms the
caches of the next):

(a) Deriving the solution. `derive fit` for p = 1, 2, 3 parameters (models w*x, w*x + b,
    a*x^2 + b*x + c: the scalar form, solved by substitution) and `derive normal-equation` (the
    matrix form), on a 10-row CSV. "derive" is the in-process time of the derivation (every step
    built and verified, nothing rendered); "command" is the wall time of the whole command with
    `--format json`. The baseline is the wall time of `python -c "import sympy"`. Target: p = 3
    derived in at most 2 s.

(b) The exact worked example on generated CSVs (x and y with two decimals, y ≈ 3x + 5) of 10³,
    10⁵ and 10⁶ rows, next to numpy reading and solving the same file (np.loadtxt, then
    np.linalg.lstsq on the design [x, 1]). "exact" is read_csv (every cell an exact rational) plus
    the two sections of `derive linear-regression` that use the data, the worked example and the
    cross-checks, with all their steps verified on every row, plus building the data binding the
    verifier reads (Column.binding); "rest" is the rest of the derivation (the algebra, the same for
    every n); "command" is the wall time of
    `derive linear-regression --data FILE --format json`. The ratio compares exact with numpy; the
    target is at most 3× at 10⁶ rows. Memory is the peak resident size of the child minus its size
    after the imports, less the same for a 10-row file, per row of data.

    python benchmarks/scale.py [--sizes 1000,100000,1000000] [--repeat 3] [--quick]
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout too

MODELS = [  # (p, model, params)
    (1, "w*x", "w"),
    (2, "w*x + b", "w,b"),
    (3, "a*x^2 + b*x + c", "a,b,c"),
]


def write_csv(path: Path, n: int, seed: int = 0) -> None:
    """n rows of decimal text with two decimals, deterministic for (n, seed), written in pieces."""
    rng = random.Random(seed * 1_000_003 + n)
    with path.open("w") as f:
        f.write("x,y\n")
        for start in range(0, n, 10_000):
            lines = []
            for _ in range(min(10_000, n - start)):
                x = rng.randint(0, 99_999)  # hundredths
                y = 3 * x + 500 + rng.randint(-1000, 1000)
                lines.append(f"{x // 100}.{x % 100:02d},{y // 100}.{y % 100:02d}\n")
            f.write("".join(lines))


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def child(args: list[str]) -> dict:
    """Run one measurement in a fresh interpreter; it prints a JSON object."""
    out = subprocess.run([sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _maxrss_bytes() -> int:
    """The peak resident size of this process so far.

    NOTE: on Linux, ru_maxrss of a child starts at its parent's size when it forked; VmHWM in
    /proc/self/status belongs to the child's own address space, so it is read when available.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)


# -- the measurements, inside the child ---------------------------------------------------------------------
def _measure(kind: str, *rest: str) -> dict:
    if kind == "fit":
        path, model, params = rest
        from derive.data import read_csv
        from derive.parse import parse, parse_names
        from derive.problems.fit import fit

        ds = read_csv(path, all_columns=True)
        start = time.perf_counter()
        fit(ds, parse(model), parse_names(params), y="y")
        return {"derive": time.perf_counter() - start}
    if kind == "normal":
        from derive.problems.normal_equation import normal_equation

        start = time.perf_counter()
        normal_equation(None)
        return {"derive": time.perf_counter() - start}
    if kind == "exact":
        (path,) = rest
        import derive.problems.regression_numbers as numbers
        from derive.data import read_csv
        from derive.linalg import Column
        from derive.problems.regression import linear_regression

        spent, binding = [0.0], [0.0]
        cells = Column.cells.fget

        def timed_cells(col):
            t = time.perf_counter()
            try:
                return cells(col)
            finally:
                binding[0] += time.perf_counter() - t

        Column.cells = property(timed_cells)  # the data as the verifier's binding holds it (see Column.binding)

        def timed(f):
            def run(*a, **k):
                t = time.perf_counter()
                try:
                    return f(*a, **k)
                finally:
                    spent[0] += time.perf_counter() - t
            return run

        numbers.worked_example = timed(numbers.worked_example)
        numbers.cross_checks = timed(numbers.cross_checks)
        base = _maxrss_bytes()
        t0 = time.perf_counter()
        ds = read_csv(path)
        t1 = time.perf_counter()
        d = linear_regression(ds)
        t2 = time.perf_counter()
        assert all(c.passed for c in d.checks if c.name != numbers.NUMPY_CHECK)
        return {"read": t1 - t0, "example": spent[0] + binding[0], "rest": t2 - t1 - spent[0] - binding[0],
                "memory": _maxrss_bytes() - base, "n": ds.n}
    if kind == "numpy":
        (path,) = rest
        import numpy as np

        base = _maxrss_bytes()
        t0 = time.perf_counter()
        data = np.loadtxt(path, delimiter=",", skiprows=1)
        t1 = time.perf_counter()
        A = np.column_stack([data[:, 0], np.ones(len(data))])
        np.linalg.lstsq(A, data[:, 1], rcond=None)
        t2 = time.perf_counter()
        return {"read": t1 - t0, "solve": t2 - t1, "memory": _maxrss_bytes() - base}
    raise SystemExit(f"unknown measurement {kind}")


# -- the tables ----------------------------------------------------------------------------------------------
def derivation_table(tmp: Path, repeat: int) -> None:
    path = tmp / "ten.csv"
    write_csv(path, 10, seed=1)
    baseline = statistics.median(wall([sys.executable, "-c", "import sympy"]) for _ in range(repeat))
    print(f"(a) deriving the solution: median of {repeat} runs, each in a fresh process")
    print()
    print("| derivation | derive (s) | command (s) | command / baseline |")
    print("|---|---:|---:|---:|")
    print(f"| baseline: `python -c \"import sympy\"` | | {baseline:.2f} | 1.00× |")
    rows = []
    for p, model, params in MODELS:
        cmd = [sys.executable, "-m", "derive", "fit", "--model", model, "--params", params, "--data", str(path),
               "--format", "json"]
        rows.append((f"scalar form, p = {p}: `derive fit --model \"{model}\"`",
                     [child(["fit", str(path), model, params])["derive"] for _ in range(repeat)],
                     [wall(cmd) for _ in range(repeat)]))
    cmd = [sys.executable, "-m", "derive", "normal-equation", "--format", "json"]
    rows.append(("matrix form: `derive normal-equation`", [child(["normal"])["derive"] for _ in range(repeat)],
                 [wall(cmd) for _ in range(repeat)]))
    for name, derive_times, command_times in rows:
        d, c = statistics.median(derive_times), statistics.median(command_times)
        print(f"| {name} | {d:.2f} | {c:.2f} | {c / baseline:.2f}× |")
    print()
    print("target: p = 3 derived in at most 2 s (the \"derive\" column)")
    print()


def data_table(tmp: Path, sizes: list[int], repeat: int) -> None:
    print("(b) the exact worked example next to numpy, on the same generated CSV "
          f"(median of {repeat} runs below 10⁶ rows, one run at 10⁶ and above)")
    print()
    print("| rows | numpy: read + solve (s) | exact: read (s) | exact: worked example (s) | exact / numpy "
          "| rest of the derivation (s) | command (s) | exact: memory (MB) | bytes per row "
          "| numpy: memory (MB) | bytes per row |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    small = tmp / "rows10.csv"
    write_csv(small, 10)
    # NOTE: the memory of the same run on 10 rows (the derivation itself, sympy's caches) is subtracted,
    # so that what is left is what the data costs.
    base_exact = statistics.median(child(["exact", str(small)])["memory"] for _ in range(repeat))
    base_numpy = statistics.median(child(["numpy", str(small)])["memory"] for _ in range(repeat))
    for n in sizes:
        path = tmp / f"rows{n}.csv"
        write_csv(path, n)
        runs = repeat if n < 10**6 else 1
        exact = [child(["exact", str(path)]) for _ in range(runs)]
        numpy = [child(["numpy", str(path)]) for _ in range(runs)]
        med = lambda runs_, key: statistics.median(r[key] for r in runs_)  # noqa: E731
        np_total = med(numpy, "read") + med(numpy, "solve")
        ex_read, ex_example = med(exact, "read"), med(exact, "example")
        command = wall([sys.executable, "-m", "derive", "linear-regression", "--data", str(path), "--format", "json"])
        memory = max(0.0, med(exact, "memory") - base_exact)
        np_memory = max(0.0, med(numpy, "memory") - base_numpy)
        print(f"| {n:,} | {np_total:.3f} | {ex_read:.3f} | {ex_example:.3f} | {(ex_read + ex_example) / np_total:.1f}× "
              f"| {med(exact, 'rest'):.2f} | {command:.1f} | {memory / 1e6:.1f} | {memory / n:.0f} "
              f"| {np_memory / 1e6:.1f} | {np_memory / n:.0f} |")
    print()
    print("exact = read_csv + the worked example and cross-check sections (every step verified on every row) + "
          "building the verifier's view of the data; "
          "target: exact / numpy ≤ 3× at 10⁶ rows. memory = the child's peak RSS minus its RSS after the imports, "
          "less the same for a 10-row file (the derivation's own memory); the CSV text is about 14 bytes per row.")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(_measure(*sys.argv[2:])))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,100000,1000000", help="rows of the generated CSVs, comma-separated")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="sizes 1000 and 100000 only, one run each")
    args = ap.parse_args()
    sizes = [1000, 100000] if args.quick else [int(float(s)) for s in args.sizes.split(",")]
    repeat = 1 if args.quick else args.repeat
    with tempfile.TemporaryDirectory() as d:
        derivation_table(Path(d), repeat)
        data_table(Path(d), sizes, repeat)


if __name__ == "__main__":
    main()

"""Accuracy on the NIST StRD linear least-squares suite: derive (exact) next to numpy.linalg.lstsq.

For each of the 11 datasets in ../shared/strd (the ``shared`` folder beside the checkout, or
--strd DIR) both are run on the same data in the same process:

- derive: ``derive.problems.fit.fit`` — the whole verified derivation — on the CSV read exactly;
- numpy: ``numpy.linalg.lstsq`` in float64 on the same CSV parsed with ``float()``, the design
  built with float powers.

The table gives the minimum LRE (log relative error, the number of correct significant digits)
over the coefficients, LRE = -log10(|est - cert| / |cert|) (-log10|est| when cert is 0), clipped
to [0, 15]; an estimate that rounds to the certified 15-digit value counts as 15 (all certified
digits). Times are medians of --repeat runs, in seconds; derive's includes deriving and verifying
every step, and the "exact solve" column is the rational Gram-matrix solve alone.

    python benchmarks/strd_lre.py [--repeat 3] [--strd DIR]
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout too

import numpy as np  # noqa: E402

from derive import linalg  # noqa: E402
from derive.data import read_csv  # noqa: E402
from derive.parse import parse, parse_names  # noqa: E402
from derive.problems.fit import fit  # noqa: E402

STRD = ROOT.parent / "shared" / "strd"
CAP = 15


def round_sig(value: Fraction, digits: int = CAP) -> Fraction:
    """``value`` rounded to ``digits`` significant digits, half to even, exactly."""
    if value == 0:
        return value
    e = math.floor(math.log10(abs(float(value))))
    while abs(value) >= Fraction(10) ** (e + 1):
        e += 1
    while abs(value) < Fraction(10) ** e:
        e -= 1
    scale = Fraction(10) ** (digits - 1 - e)
    return Fraction(round(value * scale)) / scale


def lre(estimate, certified: str) -> float:
    """Correct significant digits of ``estimate`` (a Fraction or float), clipped to [0, 15]."""
    if isinstance(estimate, float) and not math.isfinite(estimate):
        return 0.0
    est, cert = Fraction(estimate), Fraction(Decimal(certified))
    if round_sig(est) == cert:
        return float(CAP)
    err = abs(est - cert) / abs(cert) if cert != 0 else abs(est)
    return min(float(CAP), max(0.0, -math.log10(err))) if err else float(CAP)


def terms_model(terms: list[str]) -> tuple[str, str]:
    params = [f"b{k}" for k in range(len(terms))]
    return " + ".join(p if t == "1" else f"{p}*{t}" for p, t in zip(params, terms)), ",".join(params)


def float_design(rows: list[dict[str, float]], terms: list[str]) -> np.ndarray:
    def value(row, t):
        if t == "1":
            return 1.0
        if "^" in t:
            name, k = t.split("^")
            return row[name] ** int(k)
        return row[t]
    return np.array([[value(r, t) for t in terms] for r in rows])


def exact_design(dataset, terms: list[str]) -> list[list[Fraction]]:
    out = []
    for t in terms:
        if t == "1":
            out.append([Fraction(1)] * dataset.n)
            continue
        name, k = (t.split("^") + ["1"])[:2]
        out.append([Fraction(int(v.p), int(v.q)) ** int(k) for v in dataset.columns[name]])
    return out


def timed(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)


def run(strd: Path, repeat: int) -> list[dict]:
    certified = json.loads((strd / "certified.json").read_text())
    out = []
    for name, spec in certified.items():
        terms, cert = spec["terms"], spec["coefficients"]
        path = strd / f"{name}.csv"
        dataset = read_csv(path, y="y", all_columns=True)
        model, params = terms_model(terms)
        d, t_derive = timed(lambda: fit(dataset, parse(model), parse_names(params), y="y"), repeat)
        exact = [Fraction(int(r.exact.p), int(r.exact.q)) for r in d.results]

        cols = exact_design(dataset, terms)
        ys = [Fraction(int(v.p), int(v.q)) for v in dataset.columns["y"]]
        solved, t_solve = timed(lambda: linalg.solve(linalg.gram(cols), linalg.moment(cols, ys)), repeat)
        assert solved == exact, name

        lines = path.read_text().split()
        header = lines[0].split(",")
        rows = [dict(zip(header, map(float, line.split(",")))) for line in lines[1:]]
        X, y = float_design(rows, terms), np.array([r["y"] for r in rows])
        beta, t_numpy = timed(lambda: np.linalg.lstsq(X, y, rcond=None)[0], repeat)

        out.append({
            "dataset": name, "difficulty": spec["difficulty"], "p": len(terms), "n": dataset.n,
            "derive": min(lre(v, c) for v, c in zip(exact, cert)),
            "numpy": min(lre(float(v), c) for v, c in zip(beta, cert)),
            "t_derive": t_derive, "t_solve": t_solve, "t_numpy": t_numpy,
        })
    return out


def table(rows: list[dict]) -> str:
    head = ("| dataset | difficulty | n | p | derive min LRE | numpy.linalg.lstsq min LRE "
            "| derive derivation (s) | derive exact solve (s) | numpy lstsq (s) |")
    lines = [head, "|---|---|--:|--:|--:|--:|--:|--:|--:|"]
    for r in rows:
        lines.append(f"| {r['dataset']} | {r['difficulty']} | {r['n']} | {r['p']} | {r['derive']:.1f} | "
                     f"{r['numpy']:.1f} | {r['t_derive']:.3f} | {r['t_solve']:.5f} | {r['t_numpy']:.5f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per timing; the median is shown (default: 3)")
    ap.add_argument("--strd", type=Path, default=STRD, help=f"the StRD folder (default: {STRD})")
    args = ap.parse_args(argv)
    if not (args.strd / "certified.json").is_file():
        sys.stderr.write(f"strd_lre: no certified.json in {args.strd}; give --strd DIR\n")
        return 2
    rows = run(args.strd, args.repeat)
    print(table(rows))
    print()
    print(f"LRE: correct significant digits of the worst coefficient, clipped to [0, {CAP}] "
          f"({CAP} = every certified digit). numpy {np.__version__}, float64; Python {sys.version.split()[0]}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

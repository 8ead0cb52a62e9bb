"""The NIST StRD linear least-squares suite: all 11 datasets, every certified digit.

The data and certified values live in the ``shared`` folder beside the checkout
(``../shared/strd``, see its README). Without it the tests are skipped — except under CI (the
environment variable ``CI`` is set), where a missing suite is a failure.

Coefficients: the exact solution, rounded to 15 significant digits (half-even), must equal the
certified value exactly. Residual SD, R² and coefficient SDs (derive.stats, 40 digits) must
agree to at least 14 significant digits (LRE ≥ 14); a certified residual SD of 0 must be exactly 0.
"""
import json
import math
import os
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import sympy as sp

from helpers import assert_verified
from derive.data import read_csv
from derive.parse import parse, parse_names
from derive.problems.fit import fit
from derive.stats import fit_statistics

STRD = Path(__file__).resolve().parents[2] / "shared" / "strd"
NAMES = ["Norris", "Pontius", "NoInt1", "NoInt2", "Filip", "Longley",
         "Wampler1", "Wampler2", "Wampler3", "Wampler4", "Wampler5"]
DIGITS = 15  # NIST certifies 15 significant digits
MIN_LRE = 14


@pytest.fixture(scope="module")
def certified() -> dict:
    if not (STRD / "certified.json").is_file():
        reason = f"the NIST StRD suite is not at {STRD} (the 'shared' folder beside the checkout)"
        if os.environ.get("CI") is not None:
            pytest.fail(f"{reason}; under CI it must be present")
        pytest.skip(reason)
    return json.loads((STRD / "certified.json").read_text())


def model_text(terms: list[str]) -> tuple[str, str]:
    """certified.json terms -> (model, params): "1" is the intercept b0, "x^k" a power, "x3" a column."""
    params = [f"b{k}" for k in range(len(terms))]
    model = " + ".join(p if t == "1" else f"{p}*{t}" for p, t in zip(params, terms))
    return model, ",".join(params)


def design_columns(dataset, terms: list[str]) -> list[list[Fraction]]:
    """The design matrix built here from the data, independently of derive.problems.fit."""
    def values(name):
        return [Fraction(int(v.p), int(v.q)) for v in dataset.columns[name]]

    out = []
    for t in terms:
        if t == "1":
            out.append([Fraction(1)] * dataset.n)
        elif "^" in t:
            name, k = t.split("^")
            out.append([v ** int(k) for v in values(name)])
        else:
            out.append(values(t))
    return out


def round_sig(value: Fraction, digits: int = DIGITS) -> Fraction:
    """``value`` rounded to ``digits`` significant digits, half to even, exactly."""
    if value == 0:
        return value
    e = math.floor(math.log10(abs(float(value))))
    while abs(value) >= Fraction(10) ** (e + 1):  # NOTE: correct a float log10 that is off by one
        e += 1
    while abs(value) < Fraction(10) ** e:
        e -= 1
    scale = Fraction(10) ** (digits - 1 - e)
    return Fraction(round(value * scale)) / scale  # round() on a Fraction is exact and half-even


def lre(estimate: Decimal | Fraction, certified: str) -> float:
    """Log relative error: the number of agreeing significant digits (inf when equal)."""
    est, cert = Fraction(estimate), Fraction(Decimal(certified))
    err = abs(est - cert) / abs(cert) if cert != 0 else abs(est)
    return math.inf if err == 0 else -math.log10(err)


@pytest.fixture(scope="module")
def fits(certified):
    """Each dataset fitted once: (dataset, derivation, exact coefficients)."""
    cache = {}

    def get(name):
        if name not in cache:
            spec = certified[name]
            dataset = read_csv(STRD / f"{name}.csv", y="y", all_columns=True)
            model, params = model_text(spec["terms"])
            d = fit(dataset, parse(model), parse_names(params), y="y")
            cache[name] = dataset, d, [Fraction(int(r.exact.p), int(r.exact.q)) for r in d.results]
        return cache[name]
    return get


def test_the_suite_is_complete(certified):
    assert sorted(certified) == sorted(NAMES)
    for name in NAMES:
        assert (STRD / f"{name}.csv").is_file(), name
        assert len(certified[name]["coefficients"]) == len(certified[name]["terms"])


@pytest.mark.parametrize("name", NAMES)
def test_coefficients_all_15_digits(name, certified, fits):
    spec = certified[name]
    dataset, d, coefs = fits(name)
    assert dataset.n == spec["n_obs"]
    assert [str(r.name) for r in d.results] == [f"b{k}" for k in range(len(spec["terms"]))]
    assert all(isinstance(r.exact, sp.Rational) for r in d.results)
    assert d.meta["linear"] is True
    assert_verified(d)
    got = [round_sig(c) for c in coefs]
    want = [Fraction(Decimal(c)) for c in spec["coefficients"]]
    assert got == want, [(str(Decimal(g.numerator) / Decimal(g.denominator)), c)
                         for g, w, c in zip(got, want, spec["coefficients"]) if g != w]


@pytest.mark.parametrize("name", NAMES)
def test_statistics_at_least_14_digits(name, certified, fits):
    spec = certified[name]
    dataset, d, coefs = fits(name)
    y = [Fraction(int(v.p), int(v.q)) for v in dataset.columns["y"]]
    stats = fit_statistics(design_columns(dataset, spec["terms"]), y, coefs, centred=spec["intercept"])
    if Decimal(spec["residual_sd"]) == 0:  # Wampler1, Wampler2: an exact polynomial
        assert stats.sse == 0 and stats.residual_sd == 0
        assert stats.r_squared == 1
    else:
        assert lre(stats.residual_sd, spec["residual_sd"]) >= MIN_LRE
        assert lre(stats.r_squared, spec["r_squared"]) >= MIN_LRE
    lres = [lre(got, cert) for got, cert in zip(stats.coef_sd, spec["coef_sd"])]
    if Decimal(spec["residual_sd"]) == 0:
        assert all(sd == 0 for sd in stats.coef_sd) and all(Decimal(c) == 0 for c in spec["coef_sd"])
    else:
        assert min(lres) >= MIN_LRE, list(zip(spec["coef_sd"], map(str, stats.coef_sd), lres))


# -- the helpers themselves -----------------------------------------------------------------------------
@pytest.mark.parametrize("value, expect", [
    (Fraction(1, 3), "0.333333333333333"),
    (Fraction(2, 3), "0.666666666666667"),
    (Fraction(-2, 3) / 10 ** 5, "-0.666666666666667E-05"),
    (Fraction("1.000000000000005"), "1.00000000000000"),  # exactly half: to the even digit 0
    (Fraction("1.000000000000015"), "1.00000000000002"),  # exactly half: to the even digit 2
    (Fraction("1.000000000000025"), "1.00000000000002"),
    (Fraction("1.0000000000000050001"), "1.00000000000001"),  # above half
    (Fraction("0.99999999999999951"), "1.00000000000000"),  # carries into a new digit
    (Fraction("-1234567890123456.7"), "-1234567890123460"),
    (Fraction(0), "0"),
])
def test_round_sig(value, expect):
    assert round_sig(value) == Fraction(Decimal(expect))


@pytest.mark.parametrize("terms, model, params", [
    (["1", "x"], "b0 + b1*x", "b0,b1"),
    (["x"], "b0*x", "b0"),
    (["1", "x1", "x2"], "b0 + b1*x1 + b2*x2", "b0,b1,b2"),
    (["1", "x", "x^2"], "b0 + b1*x + b2*x^2", "b0,b1,b2"),
])
def test_model_text(terms, model, params):
    assert model_text(terms) == (model, params)

"""The floating-point cross-check: numpy.linalg.lstsq on the same data, against the exact solution.

It is split in two so that it can run in the helper process of :mod:`derive.background`, which is
forked before sympy is imported and imports numpy alone: :func:`payload` (in the deriving process,
without numpy) writes the design, the response and the exact solution as plain data, and
:func:`check` (numpy, without sympy) compares. In this process, :func:`check_columns` gives numpy
the same floats without the payload. Either way :func:`compare` decides, with the same text.

Each column reaches numpy as the float64 values correctly rounded from the exact ones: a column of
exact rationals ``nums[k] / den`` whose integers are below 2^53 goes as the integers themselves
(both convert to float64 exactly, and IEEE division rounds their quotient correctly, the same
floats as ``float(Fraction(...))``); any other goes as its correctly rounded floats.

    >>> from fractions import Fraction
    >>> p = payload([[1, 2, 3], [1, 1, 1]], [2, 4, 6], [2.0, 0.0], ["w", "b"])
    >>> check(p)[:2]
    ['numpy.linalg.lstsq', True]
"""
from __future__ import annotations

import base64
import math
from array import array

NAME = "numpy.linalg.lstsq"
_EXACT_BELOW = 2**53


def payload(columns, ys, exact: list[float], names: list[str]) -> dict:
    """Plain data (JSON) for :func:`check`: the columns of the design, the response, the exact
    solution correctly rounded to float64, and the parameters' names as they are printed."""
    return {"columns": [_encode(c) for c in columns], "y": _encode(ys), "exact": list(exact), "names": list(names)}


def _exact_in_float64(values) -> bool:
    """A column ``nums[k] / den`` whose integers all convert to float64 exactly."""
    nums, den = getattr(values, "nums", None), getattr(values, "den", None)
    return nums is not None and den < _EXACT_BELOW and bool(nums) and -_EXACT_BELOW < min(nums) and max(nums) < _EXACT_BELOW


def _floats(values) -> list[float]:
    return values.floats() if getattr(values, "nums", None) is not None else [float(v) for v in values]


def _encode(values) -> dict:
    if _exact_in_float64(values):
        return {"int64": base64.b64encode(array("q", values.nums).tobytes()).decode("ascii"), "den": values.den}
    return {"float64": base64.b64encode(array("d", _floats(values)).tobytes()).decode("ascii")}


def _decode(np, encoded: dict):
    if "int64" in encoded:
        ints = np.frombuffer(base64.b64decode(encoded["int64"]), dtype=np.int64)
        return ints.astype(np.float64) / encoded["den"]
    return np.frombuffer(base64.b64decode(encoded["float64"]), dtype=np.float64).copy()


def check(data: dict) -> list:
    """``[name, passed, detail]`` for a :func:`payload` (see :func:`compare`)."""
    import numpy as np

    A = np.column_stack([_decode(np, c) for c in data["columns"]])
    return compare(np, A, _decode(np, data["y"]), data["exact"], data["names"])


def check_columns(columns, ys, exact: list[float], names: list[str]) -> list:
    """:func:`check` of the columns themselves, in this process: no payload to write and read back
    (at 10⁶ rows that costs more than the comparison). The same floats reach numpy either way."""
    import numpy as np

    return compare(np, np.column_stack([_float_array(np, c) for c in columns]), _float_array(np, ys), exact, names)


def _float_array(np, values):
    if _exact_in_float64(values):
        return np.array(values.nums, dtype=np.float64) / values.den
    return np.array(_floats(values), dtype=np.float64)


def compare(np, A, y, exact: list[float], names: list[str]) -> list:
    """``[name, passed, detail]``: numpy's solution of min ‖A β − y‖ against the exact one.

    It passes when the normwise relative difference ‖β_float − β‖/‖β‖ is within the float64 error
    bound of least squares, 100·ε·(κ + κ²·‖r‖/(‖X‖‖β‖)) with κ = cond(X) and r the exact residual.
    """
    with np.errstate(all="ignore"):
        exact = np.array(exact, dtype=np.float64)
        finite = bool(np.all(np.isfinite(A)) and np.all(np.isfinite(y)) and np.all(np.isfinite(exact)))
        if not finite:
            return [NAME, False, "the data or the solution does not fit in float64, so numpy cannot be compared; "
                                 "the exact checks above stand"]
        solution, *_ = np.linalg.lstsq(A, y, rcond=None)
        cond = float(np.linalg.cond(A))
        residual = float(np.linalg.norm(y - A @ exact))
        scale = float(np.linalg.norm(A, 2) * np.linalg.norm(exact))
        eps = float(np.finfo(float).eps)
        tol = 100 * eps * (cond + cond * cond * residual / scale) if scale > 0 else math.inf
        tol = max(1e-12, tol) if math.isfinite(tol) else math.inf
        norm = float(np.linalg.norm(exact))
        diff = float(np.linalg.norm(solution - exact)) / norm if norm > 0 else float(np.linalg.norm(solution))
    if not (tol < 1e-2):
        # NOTE: the bound promises nothing here; numpy is still compared, at two significant digits.
        ok = bool(math.isfinite(diff) and diff <= 1e-2)
        return [NAME, ok, f"ill-conditioned: the float64 error bound for cond(X) = {cond:.3g} is {tol:.2g}, so float64 "
                          f"may lose every digit; numpy's relative difference is {diff:.2g}"
                          + ("" if ok else ", no correct digit") + "; the exact checks above stand"]
    ok = bool(math.isfinite(diff) and diff <= tol)
    digits = min(16.0, max(0.0, -math.log10(diff))) if diff > 0 else 16.0
    shown = ", ".join(f"{p} = {float(v):.15g}" for p, v in zip(names, solution))
    verdict = "within" if ok else "outside"
    return [NAME, ok, f"{shown}; relative difference {diff:.2g} (about {digits:.0f} correct digits), {verdict} the "
                      f"float64 error bound {tol:.2g} for cond(X) = {cond:.3g}"]

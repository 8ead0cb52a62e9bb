"""Shared test helpers (not fixtures, so that tests can call them with arguments)."""
import sympy as sp

from derive.data import Dataset


def make_dataset(xs, ys, *, name="test", x_symbol="x", y_symbol="y"):
    xs = tuple(sp.Rational(v) for v in xs)
    ys = tuple(sp.Rational(v) for v in ys)
    return Dataset(name=name, columns={"x": xs, "y": ys}, x="x", y="y", description="Test data.",
                   source="tests", x_symbol=x_symbol, y_symbol=y_symbol)

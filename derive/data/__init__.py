"""Data enters derive here, once: built-in datasets and CSV files, read **exactly**.

Every cell's decimal text becomes a :class:`sympy.Rational` (``"0.1"`` is exactly 1/10, never the
float 0.1000000000000000055...). Nothing is ever ``eval``-ed. Anything wrong with a file is a
:class:`~derive.errors.DataError` whose message names the file, the row, the line and the column.

Example:
    >>> ds = load_dataset("baby")
    >>> ds.n, ds.x, ds.y, ds.x_symbol, ds.y_symbol
    (3, 'age', 'height', 'a', 'h')
    >>> ds.xy()
    ((0, 2, 4), (30, 40, 50))
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from fractions import Fraction
from importlib import resources
from pathlib import Path

import sympy as sp

from ..errors import DataError
from ..notation import IDENTIFIER, RESERVED

__all__ = ["Dataset", "read_csv", "parse_csv", "load_dataset", "DATASETS", "parse_number"]

# NOTE: plain ASCII decimals only: optional sign, digits with an optional point (".5", "5.", "5.0"),
# optional exponent. Fractions ("1/3"), underscores ("1_000"), hex and non-ASCII digits are refused
# even though fractions.Fraction would take some of them: a data file should mean the same thing
# to every tool that reads it.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?\Z")
_NOT_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)\Z", re.IGNORECASE)
MAX_EXPONENT = 1000  # NOTE: "1e999999999" would be a billion-digit integer; refuse it instead.
_HINT = "use plain decimals like 1.5 or -2e3"


@dataclass(frozen=True)
class Dataset:
    """A table of exact numbers and the two columns a fit uses.

    ``columns`` maps each column name (in file order) to its values as sympy Rationals;
    ``x_symbol``/``y_symbol`` are the letters formulas use for the chosen columns.
    """

    name: str
    columns: dict[str, tuple[sp.Rational, ...]] = field(hash=False)
    x: str
    y: str
    description: str
    source: str
    x_symbol: str = "x"
    y_symbol: str = "y"

    def __post_init__(self) -> None:
        for role, col in (("x", self.x), ("y", self.y)):
            if col not in self.columns:
                raise DataError(f"{self.name}: no column {col!r} for {role}; the columns are {_names(self.columns)}")
        for role, sym in (("x_symbol", self.x_symbol), ("y_symbol", self.y_symbol)):
            if not IDENTIFIER.match(sym) or sym in RESERVED:
                raise DataError(f"{self.name}: {role} {sym!r} cannot name a data column; use a letter such as x or y")
        if self.x_symbol == self.y_symbol:
            raise DataError(f"{self.name}: x and y both use the letter {self.x_symbol!r}; give them different letters")
        lengths = {len(v) for v in self.columns.values()}
        if len(lengths) != 1:
            raise DataError(f"{self.name}: columns have different lengths {sorted(lengths)}")

    @property
    def n(self) -> int:
        """The number of rows."""
        return len(self.columns[self.x])

    def xy(self) -> tuple[tuple[sp.Rational, ...], tuple[sp.Rational, ...]]:
        """The x column and the y column, in row order."""
        return self.columns[self.x], self.columns[self.y]


def _names(columns) -> str:
    return ", ".join(repr(c) for c in columns)


def parse_number(text: str) -> sp.Rational:
    """Exact value of one decimal token; raises ValueError with the reason.

    >>> parse_number(" -0.402962525080404E-04 ")
    -100740631270101/2500000000000000000
    >>> parse_number(".1") + parse_number("0.2") == parse_number("0.3")
    True
    """
    token = text.strip()
    if not token:
        raise ValueError("is empty; every cell needs a number")
    if _NOT_FINITE.match(token):
        raise ValueError(f"{token!r} is not a finite number; remove the row or fill in a value")
    m = _NUMBER.match(token)
    if not m:
        raise ValueError(f"{token!r} is not a number; {_HINT}")
    if m.group(1) is not None and abs(int(m.group(1))) > MAX_EXPONENT:
        raise ValueError(f"{token!r} has an exponent beyond ±{MAX_EXPONENT}; rescale the column")
    f = Fraction(token)
    return sp.Rational(f.numerator, f.denominator)


def _choose(label: str, header: list[str], x: str | None, y: str | None) -> tuple[str, str]:
    """Pick the x and y columns: explicit names, or the only two columns there are."""
    for role, col in (("x", x), ("y", y)):
        if col is not None and col not in header:
            raise DataError(f"{label}: no column {col!r} (asked for as {role}); the columns are {_names(header)}")
    if x is None or y is None:
        if len(header) != 2:
            raise DataError(
                f"{label} has {len(header)} columns ({_names(header)}); "
                "choose x and y with --x COLUMN --y COLUMN"
            )
        if x is None and y is None:
            x, y = header
        elif x is None:
            x = header[0] if header[1] == y else header[1]
        else:
            y = header[0] if header[1] == x else header[1]
    if x == y:
        raise DataError(f"{label}: x and y are the same column {x!r}; choose two different columns")
    return x, y


def _choose_y(label: str, header: list[str], y: str | None) -> tuple[str, str]:
    """All columns are kept and used by name (``derive fit``): y is the column asked for, else the
    column named ``y``, else the last column; x (unused by a fit) is the first other column."""
    if y is not None and y not in header:
        raise DataError(f"{label}: no column {y!r} (asked for as y); the columns are {_names(header)}")
    if y is None:
        y = "y" if "y" in header else header[-1]
    return next(h for h in header if h != y), y


def parse_csv(data: bytes, label: str, *, x: str | None = None, y: str | None = None, name: str | None = None,
              description: str | None = None, source: str | None = None,
              x_symbol: str = "x", y_symbol: str = "y", all_columns: bool = False) -> Dataset:
    """Parse CSV bytes (UTF-8, optional BOM, header row first); ``label`` names the input in errors.

    With ``all_columns`` (``derive fit``: a model names its columns) a file of any width is fine and
    only y is chosen: ``y``, else the column named ``y``, else the last column.

    >>> parse_csv(b"t,v\\n0.1,1\\n0.2,3\\n", "demo.csv").xy()
    ((1/10, 1/5), (1, 3))
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(
            f"{label}: not UTF-8 text: byte 0x{data[e.start]:02x} at offset {e.start} cannot be decoded; "
            "save the file as UTF-8"
        ) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise DataError(f"{label} is empty; it needs a header row and at least 2 data rows")
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []  # (line number, cells)
    try:
        for cells in reader:
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # NOTE: blank lines (often a trailing one) carry no data
            if header is None:
                header = [c.strip() for c in cells]
                header_line = reader.line_num
            else:
                rows.append((reader.line_num, cells))
    except csv.Error as e:
        raise DataError(f"{label}: line {reader.line_num}: malformed CSV ({e})") from None
    assert header is not None
    for k, h in enumerate(header, 1):
        if not h:
            raise DataError(f"{label}: line {header_line}: header cell {k} is empty; give every column a name")
    seen: set[str] = set()
    for h in header:
        if h in seen:
            raise DataError(f"{label}: the column name {h!r} appears twice in the header; rename one")
        seen.add(h)
    if len(header) < 2:
        raise DataError(
            f"{label} has only 1 column ({_names(header)}); a fit needs an x and a y column "
            "separated by a comma"
        )
    x, y = _choose_y(label, header, y) if all_columns and x is None else _choose(label, header, x, y)
    if not rows:
        raise DataError(f"{label} has a header but no data rows; add at least 2 rows")
    values: list[list[sp.Rational]] = [[] for _ in header]
    for r, (line, cells) in enumerate(rows, 1):
        if len(cells) != len(header):
            raise DataError(
                f"{label}: row {r} (line {line}) has {len(cells)} cells, the header has {len(header)}; "
                "every row needs one value per column"
            )
        for col, cell, out in zip(header, cells, values):
            try:
                out.append(parse_number(cell))
            except ValueError as e:
                raise DataError(f"{label}: row {r} (line {line}), column {col!r}: {e}") from None
    if len(rows) < 2:
        raise DataError(f"{label} has only 1 data row; a fit needs at least 2")
    stem = name or Path(label).stem
    return Dataset(
        name=stem,
        columns={h: tuple(v) for h, v in zip(header, values)},
        x=x,
        y=y,
        description=description or (f"{len(header)} columns, {len(rows)} rows from {label}" if all_columns
                                     else f"{y} against {x}, {len(rows)} rows from {label}"),
        source=source or label,
        x_symbol=x_symbol,
        y_symbol=y_symbol,
    )


def read_csv(path, x: str | None = None, y: str | None = None, name: str | None = None, *,
             x_symbol: str = "x", y_symbol: str = "y", all_columns: bool = False) -> Dataset:
    """Read a CSV file exactly. With exactly two columns, x is the first and y the second.
    ``all_columns``: see :func:`parse_csv` (any number of columns; y defaults to 'y', else the last).

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "pts.csv")
    ...     _ = open(p, "w").write("u,v\\n1,2\\n3,5\\n")
    ...     read_csv(p).columns
    {'u': (1, 3), 'v': (2, 5)}
    """
    label = str(path)
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{label}: no such file; check the path given to --data") from None
    except IsADirectoryError:
        raise DataError(f"{label} is a directory, not a CSV file") from None
    except PermissionError:
        raise DataError(f"{label}: permission denied; cannot read the file") from None
    except OSError as e:
        raise DataError(f"{label}: cannot read the file ({e.strerror or e})") from None
    return parse_csv(data, label, x=x, y=y, name=name, x_symbol=x_symbol, y_symbol=y_symbol,
                     all_columns=all_columns)


@dataclass(frozen=True)
class _Builtin:
    file: str
    x: str
    y: str
    description: str
    source: str
    x_symbol: str = "x"
    y_symbol: str = "y"


# NOTE: one table for the built-in datasets; the CSV files live next to this module.
_BUILTIN = {
    "salary": _Builtin(
        "salary.csv", "YearsExperience", "Salary",
        "salary against years of experience, 10 employees",
        "Kaggle 'Salary dataset' (CC0 public domain), first 10 rows",
    ),
    "baby": _Builtin(
        "baby.csv", "age", "height",
        "a baby's height (cm) against age (months), 3 measurements",
        "lecture exercise",
        x_symbol="a", y_symbol="h",
    ),
}

DATASETS: dict[str, str] = {name: b.description for name, b in _BUILTIN.items()}


def load_dataset(name: str) -> Dataset:
    """A built-in dataset by name (see :data:`DATASETS`).

    >>> load_dataset("salary").n
    10
    """
    spec = _BUILTIN.get(name)
    if spec is None:
        raise DataError(f"unknown dataset {name!r}; the built-in datasets are {_names(_BUILTIN)}")
    data = resources.files(__name__).joinpath(spec.file).read_bytes()
    return parse_csv(data, spec.file, x=spec.x, y=spec.y, name=name, description=spec.description,
                     source=spec.source, x_symbol=spec.x_symbol, y_symbol=spec.y_symbol)

"""Data enters derive here, once: built-in datasets and CSV files, read **exactly**.

Every cell's decimal text becomes an exact rational (``"0.1"`` is exactly 1/10, never the float
0.1000000000000000055...). A column is a :class:`~derive.linalg.Column`: integer numerators over
one common power of ten (``12.34`` is 1234/100), which reads as a tuple of sympy Rationals and lets
a million rows be summed as integers. Nothing is ever ``eval``-ed. Anything wrong with a file is a
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
from itertools import repeat
from pathlib import Path

import sympy as sp

from ..errors import DataError
from ..linalg import Column, paused_gc
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

    ``columns`` maps each column name (in file order) to its values, a :class:`~derive.linalg.Column`
    (given as any sequence of exact rationals, it is converted); ``x_symbol``/``y_symbol`` are the
    letters formulas use for the chosen columns. ``unread`` maps each column of the file that was left
    out because it holds no numbers at all (names, labels) to the one-line reason, for a command that
    asks for it after all.
    """

    name: str
    columns: dict[str, Column] = field(hash=False)
    x: str
    y: str
    description: str
    source: str
    x_symbol: str = "x"
    y_symbol: str = "y"
    unread: dict[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        columns = {}
        for name, values in self.columns.items():
            try:
                columns[name] = Column.of(values)
            except TypeError as e:
                raise DataError(f"{self.name}: column {name!r} holds a value that is not an exact rational ({e})") from None
        object.__setattr__(self, "columns", columns)
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

    def xy(self) -> tuple[Column, Column]:
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
    m, e = _scaled(text)
    return sp.Integer(m * 10**e) if e >= 0 else sp.Rational(m, 10**-e)


def _scaled(text: str) -> tuple[int, int]:
    """(m, e) with the token's exact value m·10^e; raises ValueError with the reason.

    >>> _scaled("-12.50"), _scaled("3e2"), _scaled(".5E-1")
    ((-1250, -2), (3, 2), (5, -2))
    """
    token = text.strip()
    if not token:
        raise ValueError("is empty; every cell needs a number")
    if _NOT_FINITE.match(token):
        raise ValueError(f"{token!r} is not a finite number; remove the row or fill in a value")
    m = _NUMBER.match(token)
    if not m:
        raise ValueError(f"{token!r} is not a number; {_HINT}")
    exponent = 0
    if m.group(1) is not None:
        exponent = int(m.group(1))
        if abs(exponent) > MAX_EXPONENT:
            raise ValueError(f"{token!r} has an exponent beyond ±{MAX_EXPONENT}; rescale the column")
        token = token[:m.start(1) - 1]
    whole, _, decimals = token.partition(".")
    return int(whole + decimals), exponent - len(decimals)


def _column(pairs: list[tuple[int, int]]) -> Column:
    """A Column from (m, e) pairs: every value m·10^e over the one power of ten they need."""
    low = min(0, min(e for _, e in pairs))
    p10 = {e: 10 ** (e - low) for e in {e for _, e in pairs}}
    return Column([m * p10[e] for m, e in pairs], 10**-low)


# NOTE: the fast paths read a plain file (no quotes; in the data rows only digits, signs, points, commas
# and line ends; every row complete) column by column: large files with vectorised int64 arithmetic
# (exact: a cell of more than 18 digits is left to the next path), others with C-speed string
# operations. Anything else — and any cell a fast path cannot read — goes through the csv module
# cell by cell, which finds and reports the first problem. Every path gives the same exact values.
_FAST_ALPHABET = re.compile(r"[^0-9.+\-\n\r]")
_FAST_MISPLACED = re.compile(r"\.[0-9]*[.+\-]")  # two points in a cell, or a sign after the point
_FAST_DECIMALS = re.compile(r"\.([0-9]*)")
VECTORISED_FROM = 1 << 16  # bytes of data rows from which the vectorised reader is used
_CHUNK = 1 << 18  # bytes per slice of the vectorised reader (bounds its temporary arrays)


def _fast_read(text: str, label: str, select) -> tuple[list[str], dict[int, Column], dict[int, str], int] | None:
    """(header cells, the columns ``select(header)`` asks for, the columns left out as text, number of
    rows) of a plain CSV text, or None. ``select`` returns the indices to read and those that may be
    left out (see :func:`_read_cells`); it raises a DataError for a header that cannot be used."""
    if '"' in text or "\x00" in text or text.count("\r") != text.count("\r\n"):
        return None
    end = text.find("\n")
    if end < 0 or not text[:end].strip():
        return None
    header = [c.strip() for c in text[:end].split(",")]
    k = len(header)
    body = text[end + 1:].rstrip("\r\n")
    if k < 2 or not body:
        return None
    wanted, lenient = select(header)
    if len(body) >= VECTORISED_FROM and body.isascii():
        found = _vectorised_columns(body.encode("ascii"), k, wanted)
        if found is not None:
            return header, dict(zip(wanted, found[0])), {}, found[1]
    lines = body.split("\n")
    if set(map(str.count, lines, repeat(","))) != {k - 1}:
        return None  # a blank line, a short or a long row: the csv path reports it
    n_rows = len(lines)
    flat = ",".join(lines).split(",")
    del lines
    cells = {j: flat[j::k] for j in wanted}
    del flat
    # NOTE: every line is a row here (no blank lines, no quoted line breaks): row r is on line r + 1
    columns, unread = _read_cells(cells, header, label, lenient, lambda r: r + 1)
    return header, columns, unread, n_rows


def _vectorised_columns(body: bytes, k: int, wanted=None) -> tuple[list[Column], int] | None:
    """The k columns of plain data rows (see _fast_read), or those of them whose indices are in
    ``wanted``, read slice by slice with numpy int64 arithmetic, and the number of rows; None when any
    cell is not plain or has more than 18 digits."""
    import numpy as np

    parts: list[list[tuple]] = [[] for _ in range(k)]
    start, n_rows = 0, 0
    while start < len(body):
        stop = min(start + _CHUNK, len(body))
        if stop < len(body):  # end the slice at a line end
            nl = body.rfind(b"\n", start, stop)
            nl = nl if nl >= 0 else body.find(b"\n", stop)
            stop = nl + 1 if nl >= 0 else len(body)
        found = _vectorised_slice(np, body[start:stop], k)
        if found is None:
            return None
        for j in range(k):
            parts[j].append(found[j])
        n_rows += len(found[0][0])
        start = stop
    columns = []
    for j in range(k) if wanted is None else wanted:
        mant, dec, ndig = (np.concatenate([p[t] for p in parts[j]]) for t in range(3))
        scale = int(dec.max())
        shift = scale - dec
        if (ndig + shift > 18).any():
            return None  # the scaled value might not fit in int64: the string path reads it exactly
        if shift.any():
            mant = mant * _tables(np)[1][shift]
        columns.append(Column(mant.tolist(), 10**scale))
    return columns, n_rows


_TABLES: dict = {}


def _tables(np):
    """The bytes a plain data row may hold, and 10⁰…10¹⁸ as int64 (built on first use)."""
    if not _TABLES:
        allowed = np.zeros(256, dtype=bool)
        allowed[list(b"0123456789.+-,\n")] = True
        _TABLES.update(allowed=allowed, pow10=np.array([10**e for e in range(19)], dtype=np.int64))
    return _TABLES["allowed"], _TABLES["pow10"]


def _vectorised_slice(np, chunk: bytes, k: int):
    """(mantissas, decimals, digit counts) of each column of whole data rows, or None.

    A cell is plain when it is one optional leading sign, digits and at most one point, with at least
    one digit; its value is mantissa / 10^decimals, the mantissa summed digit by digit as d·10^e with
    e the number of digits after it in the cell (at most 18 digits, so int64 is exact).
    """
    allowed, pow10 = _tables(np)
    buf = np.frombuffer(chunk, dtype=np.uint8)
    if len(buf) and buf[-1] == 10:
        buf = buf[:-1]
    if (buf == 13).any():
        buf = buf[buf != 13]  # NOTE: every \r is followed by \n (checked on the whole text)
    if not len(buf) or not allowed[buf].all():
        return None
    sep = (buf == 44) | (buf == 10)
    sep_pos = np.flatnonzero(sep)
    n_cells = len(sep_pos) + 1
    if n_cells % k or not np.array_equal(buf[sep_pos] == 10, np.arange(1, n_cells) % k == 0):
        return None  # a row with too few or too many cells
    starts = np.empty(n_cells, dtype=np.int64)
    starts[0], starts[1:] = 0, sep_pos + 1
    ends = np.empty(n_cells, dtype=np.int64)
    ends[:-1], ends[-1] = sep_pos, len(buf)
    if (ends <= starts).any():
        return None  # an empty cell
    is_digit = (buf >= 48) & (buf <= 57)
    is_dot = buf == 46
    first = np.zeros(len(buf), dtype=bool)
    first[starts] = True
    if (((buf == 43) | (buf == 45)) & ~first).any():
        return None  # a sign that does not begin its cell
    ndig = np.add.reduceat(is_digit, starts, dtype=np.int64)
    if (ndig == 0).any() or (ndig > 18).any() or (np.add.reduceat(is_dot, starts, dtype=np.int64) > 1).any():
        return None
    dcum = np.cumsum(is_digit, dtype=np.int64)  # digits up to and including each byte
    last = dcum[ends - 1]  # digits up to the end of each cell
    cell = np.cumsum(sep, dtype=np.int64)  # the cell of each byte that is not a separator
    digits = np.flatnonzero(is_digit)
    contribution = np.zeros(len(buf), dtype=np.int64)
    contribution[digits] = (buf[digits].astype(np.int64) - 48) * pow10[last[cell[digits]] - dcum[digits]]
    mant = np.add.reduceat(contribution, starts)
    dec = np.zeros(n_cells, dtype=np.int64)
    dots = np.flatnonzero(is_dot)
    dec[cell[dots]] = last[cell[dots]] - dcum[dots]
    mant[cell[np.flatnonzero(buf == 45)]] *= -1
    return [(mant[j::k], dec[j::k], ndig[j::k]) for j in range(k)]


def _fast_column(cells: list[str]) -> Column | None:
    """The exact values of one column of plain decimals (see _fast_read), or None."""
    joined = "\n".join(cells)
    if not joined.isascii() or _FAST_ALPHABET.search(joined) or _FAST_MISPLACED.search(joined):
        return None
    decimals = _FAST_DECIMALS.findall(joined)
    try:
        if not decimals:
            return Column(list(map(int, cells)))
        lengths = set(map(len, decimals))
        if len(decimals) == len(cells) and len(lengths) == 1:  # every cell has the same number of decimals
            return Column(list(map(int, joined.replace(".", "").split("\n"))), 10 ** lengths.pop())
        scale = max(lengths)
        p10 = [10**k for k in range(scale + 1)]
        nums = []
        for cell in cells:
            cell = cell.rstrip("\r")
            point = cell.find(".")
            if point < 0:
                nums.append(int(cell) * p10[scale])
            else:
                nums.append(int(cell[:point] + cell[point + 1:]) * p10[scale - (len(cell) - point - 1)])
        return Column(nums, 10**scale)
    except ValueError:
        return None  # e.g. an empty cell or a lone sign: the csv path names it


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


def _csv_rows(text: str, label: str) -> tuple[list[str], int, list[tuple[int, list[str]]]]:
    """Header cells (stripped), the header's line number and the data rows (line number, cells),
    read with the csv module; blank lines are skipped."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    header_line = 0
    rows: list[tuple[int, list[str]]] = []  # (line number, cells)
    last = 0  # the line the previous record ended on
    try:
        for cells in reader:
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                last = reader.line_num
                continue  # NOTE: blank lines (often a trailing one) carry no data
            if header is None:
                header = [c.strip() for c in cells]
                header_line = reader.line_num
            else:
                rows.append((reader.line_num, cells))
            last = reader.line_num
    except csv.Error as e:
        if "unexpected end of data" in str(e):
            raise DataError(f"{label}: line {last + 1}: a quote (\") opened on this line is never closed; close it "
                            "or remove it") from None
        raise DataError(f"{label}: line {last + 1}: malformed CSV ({e}); check the quotes on that line") from None
    assert header is not None
    return header, header_line, rows


def _read_cells(cells: dict[int, list[str]], header: list[str], label: str, lenient: set[int],
                line) -> tuple[dict[int, Column], dict[int, str]]:
    """The exact values of the columns ``cells`` holds (index -> the column's cells, row by row).

    A column in ``lenient`` that holds no number at all (names, labels) is left out, with the reason;
    any other cell that is not a number is an error, and the first one (row by row, left to right) is
    reported with its row and its line (``line(r)`` is the line of row r).
    """
    columns: dict[int, Column] = {}
    unread: dict[int, str] = {}
    errors = []
    for j, col in cells.items():
        if not any("\n" in c for c in col):  # NOTE: _fast_column joins the cells with line ends
            fast = _fast_column(col)
            if fast is not None:
                columns[j] = fast
                continue
        values, bad, numbers = [], None, False
        for r, cell in enumerate(col, 1):
            try:
                values.append(_scaled(cell))
                numbers = True
            except ValueError as e:
                bad = bad or (r, str(e))
                if j not in lenient:
                    break
            if bad and numbers:
                break  # a column of numbers with a bad cell
        if bad is None:
            columns[j] = _column(values)
        elif j in lenient and not numbers:
            r, why = bad
            unread[j] = (f"{label}: column {header[j]!r} holds no numbers (row {r} (line {line(r)}): {why}); "
                         "only columns of numbers can be used")
        else:
            errors.append((bad[0], j, bad[1]))
    if errors:
        r, j, why = min(errors)
        raise DataError(f"{label}: row {r} (line {line(r)}), column {header[j]!r}: {why}")
    return columns, unread


def _slow_columns(rows: list[tuple[int, list[str]]], header: list[str], label: str, wanted: list[int],
                  lenient: set[int]) -> tuple[dict[int, Column], dict[int, str]]:
    """The columns asked for, every cell read on its own (see :func:`_read_cells`); the first problem,
    a cell or a row of the wrong length, is reported with its row and line."""
    if not rows:
        raise DataError(f"{label} has a header but no data rows; add at least 2 rows")
    short = next((r for r, (_, cells) in enumerate(rows, 1) if len(cells) != len(header)), None)
    complete = rows if short is None else rows[:short - 1]
    columns, unread = _read_cells({j: [cells[j] for _, cells in complete] for j in wanted}, header, label,
                                  lenient, lambda r: rows[r - 1][0])
    if short is not None:
        line, cells = rows[short - 1]
        raise DataError(
            f"{label}: row {short} (line {line}) has {len(cells)} cell{'s' if len(cells) != 1 else ''}, the header has {len(header)}; "
            "every row needs one value per column"
        )
    return columns, unread


def parse_csv(data: bytes, label: str, *, x: str | None = None, y: str | None = None, name: str | None = None,
              description: str | None = None, source: str | None = None,
              x_symbol: str = "x", y_symbol: str = "y", all_columns: bool = False) -> Dataset:
    """Parse CSV bytes (UTF-8, optional BOM, header row first); ``label`` names the input in errors.

    Only the x and y columns are read (the other columns may hold anything). With ``all_columns``
    (``derive fit``: a model names its columns) a file of any width is fine, only y is chosen — ``y``,
    else the column named ``y``, else the last column — and every column of numbers is read; a column
    that holds no number at all (names, labels) is left out, in ``unread`` with the reason.

    >>> parse_csv(b"t,v\\n0.1,1\\n0.2,3\\n", "demo.csv").xy()
    ((1/10, 1/5), (1, 3))
    >>> ds = parse_csv(b"name,t,v\\nAnn,0.1,1\\nBo,0.2,3\\n", "demo.csv", x="t", y="v")
    >>> list(ds.columns), ds.description
    (['t', 'v'], '2 rows of demo.csv: v against t')
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise DataError(
            f"{label}: not UTF-8 text: line {line}, byte 0x{data[e.start]:02x} at offset {e.start} cannot be decoded; "
            "save the file as UTF-8"
        ) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise DataError(f"{label} is empty; it needs a header row and at least 2 data rows")
    chosen: dict[str, str | None] = {}
    every = all_columns and x is None

    def select(header: list[str], header_line: int = 1) -> tuple[list[int], set[int]]:
        """Check the header; choose y (and x); the indices of the columns to read, and those that may
        be left out because they hold no numbers."""
        for k, h in enumerate(header, 1):
            if not h:
                raise DataError(f"{label}: line {header_line}: header cell {k} is empty; give every column a name")
        if all(_NUMERIC_HEADER.fullmatch(h) for h in header):  # 1,2 on the first line: data, not names
            raise DataError(f"{label}: line {header_line} holds only numbers ({', '.join(header)}); the first line "
                            "must name the columns, e.g. x,y")
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
        if every:
            chosen["y"] = _choose_y(label, header, y)[1]
            return list(range(len(header))), {k for k, h in enumerate(header) if h != chosen["y"]}
        chosen["x"], chosen["y"] = _choose(label, header, x, y)
        return sorted(header.index(c) for c in (chosen["x"], chosen["y"])), set()

    fast = _fast_read(text, label, select)
    if fast is not None:
        header, columns, unread, n_rows = fast
        del fast
    else:
        header, header_line, rows = _csv_rows(text, label)
        header = list(header)
        wanted, lenient = select(header, header_line)
        columns, unread = _slow_columns(rows, header, label, wanted, lenient)
        n_rows = len(rows)
    if n_rows < 2:
        raise DataError(f"{label} has only 1 data row; a fit needs at least 2")
    named = {header[j]: columns[j] for j in sorted(columns)}
    y = chosen["y"]
    # NOTE: a fit names its inputs in the model; x is only a placeholder there (the first other column)
    x = chosen["x"] if not every else next((h for h in named if h != y), y)
    stem = name or Path(label).stem
    # NOTE: a description is printed as a sentence (capital first letter): it never starts with a
    # column name, which keeps the capitals it is written with
    if every:
        left_out = f" ({_names(header[j] for j in sorted(unread))} left out: no numbers)" if unread else ""
        default = f"{n_rows} rows of {label}, {len(named)} columns{left_out}"
    else:
        default = f"{n_rows} rows of {label}: {y} against {x}"
    return Dataset(
        name=stem,
        columns=named,
        x=x,
        y=y,
        description=description or default,
        source=source or label,
        x_symbol=x_symbol,
        y_symbol=y_symbol,
        unread={header[j]: why for j, why in sorted(unread.items())},
    )


MAX_FILE_BYTES = 2**30  # NOTE: the data is held in memory, exactly; a gigabyte is about 5·10⁷ rows


_NUMERIC_HEADER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


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
        if p.exists() and not p.is_dir() and not p.is_file():
            raise DataError(f"{label} is not a regular file (a device or a pipe); give a CSV file")
        if p.is_file() and p.stat().st_size > MAX_FILE_BYTES:
            raise DataError(f"{label} is larger than {MAX_FILE_BYTES // 2**30} GiB, the limit for a data file; "
                            "use fewer rows")
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


def _resource(file: str) -> bytes:
    from importlib import resources

    return resources.files(__name__).joinpath(file).read_bytes()


def load_dataset(name: str) -> Dataset:
    """A built-in dataset by name (see :data:`DATASETS`).

    >>> load_dataset("salary").n
    10
    """
    spec = _BUILTIN.get(name)
    if spec is None:
        raise DataError(f"unknown dataset {name!r}; the built-in datasets are {_names(_BUILTIN)}")
    # NOTE: the file beside this module when the package is installed as files (importlib.resources
    # and the zipfile module it imports cost a few milliseconds of every run), else through resources
    beside = Path(__file__).with_name(spec.file)
    data = beside.read_bytes() if beside.is_file() else _resource(spec.file)
    return parse_csv(data, spec.file, x=spec.x, y=spec.y, name=name, description=spec.description,
                     source=spec.source, x_symbol=spec.x_symbol, y_symbol=spec.y_symbol)

"""Only the columns a command needs are read: a text column (names, labels) beside the data breaks
nothing that does not use it, on every path of the CSV reader; a column of numbers with a bad cell
is still an error with its row and line; descriptions keep the column names as they are written.

Files are generated: random column names, random positions and contents of the text columns, random
exact decimals.
"""
import random
import string

import pytest
import sympy as sp

from derive.cli import main
from derive.data import parse_csv, read_csv
from derive.errors import DataError
from derive.parse import parse, parse_names
from derive.problems.fit import fit
from derive.problems.normal_equation import normal_equation
from derive.problems.regression import linear_regression
from derive.render import render

RESERVED_LIKE = {"i", "n", "e", "E", "I", "pi", "oo", "S", "N", "O", "Q", "beta", "gamma", "zeta", "lambda", "L",
                 "yhat", "u", "w", "b", "x", "y"}


def names(rng, k, *, lower_first=True):
    out = []
    while len(out) < k:
        first = rng.choice(string.ascii_lowercase if lower_first else string.ascii_letters)
        name = first + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(rng.randint(2, 7)))
        if name not in out and name not in RESERVED_LIKE:
            out.append(name)
    return out


def decimal(rng):
    return f"{rng.randint(-99999, 99999) / 10 ** rng.randint(0, 3):.{rng.randint(0, 3)}f}"


def word(rng):
    return rng.choice(["Ann", "Bo", "Chen", "Dana", "Émile", "x", "n/a", "A17", "-", "ok"]) + rng.choice(["", "s", " 2"])


def text_csv(rng, n, *, quoted=False, texts=None):
    """(text, x name, y name, {column: exact values}) with 1–3 text columns at random positions."""
    x, y, *texts_names = names(rng, 2 + (texts or rng.randint(1, 3)))
    columns = {x: [decimal(rng) for _ in range(n)], y: [decimal(rng) for _ in range(n)]}
    for t in texts_names:
        columns[t] = [word(rng) for _ in range(n)]
    order = list(columns)
    rng.shuffle(order)
    cell = (lambda c: f'"{c}, {c}"') if quoted else (lambda c: c)
    rows = [",".join(order)] + [",".join(cell(columns[c][i]) if c in texts_names else columns[c][i] for c in order)
                                for i in range(n)]
    exact = {c: tuple(sp.Rational(v) for v in columns[c]) for c in (x, y)}
    return "\n".join(rows) + "\n", x, y, exact, texts_names


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("size, quoted", [(5, False), (7, True), (4000, False)])
def test_text_columns_do_not_break_x_and_y(seed, size, quoted):
    """Small plain files (fast reader), quoted text with commas (csv module), large files (> 64 KiB)."""
    rng = random.Random(seed * 7 + size)
    text, x, y, exact, _ = text_csv(rng, size, quoted=quoted)
    ds = parse_csv(text.encode(), "people.csv", x=x, y=y)
    assert (ds.x, ds.y) == (x, y)
    assert ds.columns == exact and list(ds.columns) == [c for c in text.split("\n")[0].split(",") if c in exact]


def test_large_numeric_file_reads_only_x_and_y():
    rng = random.Random(11)
    cols = names(rng, 5)
    n = 3000
    values = {c: [decimal(rng) for _ in range(n)] for c in cols}
    text = ",".join(cols) + "\n" + "\n".join(",".join(values[c][i] for c in cols) for i in range(n)) + "\n"
    assert len(text) > 1 << 16  # the vectorised reader
    x, y = cols[3], cols[1]
    ds = parse_csv(text.encode(), "big.csv", x=x, y=y)
    assert list(ds.columns) == [y, x]  # file order
    assert ds.columns[x] == tuple(sp.Rational(v) for v in values[x])
    assert ds.columns[y] == tuple(sp.Rational(v) for v in values[y])


@pytest.mark.parametrize("seed", range(3))
def test_commands_with_x_and_y_run_beside_a_text_column(seed, tmp_path, capsys):
    rng = random.Random(100 + seed)
    text, x, y, exact, _ = text_csv(rng, 6)
    path = tmp_path / "people.csv"
    path.write_text(text)
    for command in (["linear-regression"], ["normal-equation"], ["gradient-descent", "--steps", "1"]):
        assert main([*command, "--data", str(path), "--x", x, "--y", y, "--no-color"]) == 0, capsys.readouterr().err
        out, err = capsys.readouterr()
        assert err == "" and out


@pytest.mark.parametrize("seed", range(4))
def test_a_bad_cell_in_a_column_that_is_read_is_still_an_error(seed):
    rng = random.Random(200 + seed)
    n = rng.randint(3, 12)
    text, x, y, _, _ = text_csv(rng, n)
    lines = text.split("\n")
    header = lines[0].split(",")
    row = rng.randint(1, n)
    bad = rng.choice([x, y])
    cells = lines[row].split(",")
    cells[header.index(bad)] = rng.choice(["abc", "1.2.3", "nan", ""])
    lines[row] = ",".join(cells)
    with pytest.raises(DataError) as e:
        parse_csv("\n".join(lines).encode(), "people.csv", x=x, y=y)
    assert f"people.csv: row {row} (line {row + 1}), column '{bad}'" in str(e.value)


def test_first_bad_cell_row_by_row_is_reported():
    text = "a,b,c\n1,2,3\n4,5,zz\n7,qq,9\nx1,8,9\n"
    with pytest.raises(DataError, match=r"row 2 \(line 3\), column 'c': 'zz'"):
        parse_csv(text.encode(), "t.csv", x="a", y="c")
    with pytest.raises(DataError, match=r"row 3 \(line 4\), column 'b': 'qq'"):
        parse_csv(text.encode(), "t.csv", x="b", y="a")
    # every column of a fit's file that holds numbers is read: c's bad cell comes first
    with pytest.raises(DataError, match=r"row 2 \(line 3\), column 'c': 'zz'"):
        parse_csv(text.encode(), "t.csv", all_columns=True, y="a")
    # a row of the wrong length after the bad cell: the cell is reported; before it: the row
    with pytest.raises(DataError, match=r"row 2 \(line 3\), column 'c'"):
        parse_csv(b"a,b,c\n1,2,3\n4,5,zz\n7,8\n", "t.csv", x="a", y="c")
    with pytest.raises(DataError, match=r"row 2 \(line 3\) has 2 cells"):
        parse_csv(b"a,b,c\n1,2,3\n4,5\n7,8,zz\n", "t.csv", x="a", y="b")


@pytest.mark.parametrize("seed", range(3))
def test_fit_keeps_every_column_of_numbers_and_leaves_text_out(seed):
    rng = random.Random(300 + seed)
    text, x, y, exact, texts = text_csv(rng, 8)
    ds = parse_csv(text.encode(), "people.csv", all_columns=True, y=y)
    assert ds.columns == exact and set(ds.unread) == set(texts)
    d = fit(ds, parse(f"w*{x} + b"), parse_names("w,b"), y=y)
    A = sp.Matrix([[v, 1] for v in exact[x]])
    assert [r.exact for r in d.results] == list((A.T * A).LUsolve(A.T * sp.Matrix(exact[y])))
    t = texts[0]
    with pytest.raises(DataError) as e:
        fit(ds, parse(f"w*{x} + v*{t} + b"), parse_names("w,v,b"), y=y)
    assert f"column '{t}' holds no numbers" in str(e.value) and "people.csv" in str(e.value)
    with pytest.raises(DataError, match=f"column '{t}' holds no numbers"):
        fit(ds, parse(f"w*{x} + b"), parse_names("w,b"), y=t)
    with pytest.raises(DataError, match=f"column '{t}'"):  # a text column cannot be the response
        parse_csv(text.encode(), "people.csv", all_columns=True, y=t)


def test_fit_command_runs_beside_a_text_column(tmp_path, capsys):
    (tmp_path / "class.csv").write_text("student,age,height\nAnn,0,30\nBob,2,41\nCy,4,50\nDee,5,58\n")
    assert main(["fit", "--model", "s*age + b", "--params", "s,b", "--data", str(tmp_path / "class.csv"),
                 "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and '"s"' in out
    assert main(["fit", "--model", "s*student + b", "--params", "s,b", "--data", str(tmp_path / "class.csv")]) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "column 'student' holds no numbers" in err and "Traceback" not in err


@pytest.mark.parametrize("seed", range(4))
def test_descriptions_keep_the_column_names_as_written(seed, tmp_path):
    rng = random.Random(400 + seed)
    x, y = names(rng, 2)  # names that start with a small letter
    rows = "\n".join(f"{i + rng.randint(0, 3)},{decimal(rng)}" for i in range(0, 12, 2))
    path = tmp_path / "points.csv"
    path.write_text(f"{x},{y}\n{rows}\n")
    ds = read_csv(path)
    assert f"{y} against {x}" in ds.description
    for derivation in (linear_regression(ds), normal_equation(ds)):
        text = render(derivation, "markdown")
        assert f"{y} against {x}" in text
        assert f"{y[0].upper()}{y[1:]} against" not in text

"""derive.data: exact CSV parsing, every DataError, the built-in datasets."""

import pytest
import sympy as sp

from derive.data import DATASETS, Dataset, load_dataset, parse_csv, parse_number, read_csv
from derive.errors import DataError

R = sp.Rational


# -- exact numbers -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "token, value",
    [
        ("0", R(0)),
        ("7", R(7)),
        ("-3", R(-3)),
        ("+3", R(3)),
        ("0.1", R(1, 10)),
        (".11019", R(11019, 100000)),
        ("760.", R(760)),
        ("1.00000", R(1)),
        ("-0.402962525080404E-04", R(-402962525080404, 10**19)),
        ("1e3", R(1000)),
        ("1E+3", R(1000)),
        ("2.5e-3", R(1, 400)),
        ("  1.5  ", R(3, 2)),
        ("\t42\t", R(42)),
        ("39344", R(39344)),
        ("1e1000", R(10) ** 1000),
        ("123456789012345678901234567890.5", R(246913578024691357802469135781, 2)),
    ],
)
def test_parse_number_is_exact(token, value):
    got = parse_number(token)
    assert isinstance(got, sp.Rational)
    assert got == value


def test_decimal_sums_are_exact():
    assert parse_number("0.1") + parse_number("0.2") == parse_number("0.3")


@pytest.mark.parametrize(
    "token, reason",
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("abc", "'abc' is not a number; use plain decimals like 1.5 or -2e3"),
        ("nan", "'nan' is not a finite number"),
        ("NaN", "'NaN' is not a finite number"),
        ("-inf", "'-inf' is not a finite number"),
        ("Infinity", "'Infinity' is not a finite number"),
        ("1/3", "'1/3' is not a number"),
        ("1_000", "'1_000' is not a number"),
        ("0x10", "'0x10' is not a number"),
        ("1,5", "'1,5' is not a number"),
        ("1e", "'1e' is not a number"),
        (".", "'.' is not a number"),
        ("--1", "'--1' is not a number"),
        ("١٢", "'١٢' is not a number"),  # non-ASCII digits
        ("1 2", "'1 2' is not a number"),
        ("1e1001", "exponent beyond ±1000"),
        ("__import__('os')", "is not a number"),
    ],
)
def test_parse_number_rejects(token, reason):
    with pytest.raises(ValueError, match=None) as e:
        parse_number(token)
    assert reason in str(e.value)


# -- whole files ---------------------------------------------------------------------------------------
def write(tmp_path, content, name="data.csv"):
    p = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    p.write_bytes(content)
    return p


@pytest.mark.parametrize(
    "content, columns",
    [
        ("x,y\n1,2\n3,4\n", {"x": (1, 3), "y": (2, 4)}),
        ("x,y\r\n0.1,2\r\n3,4\r\n", {"x": (R(1, 10), 3), "y": (2, 4)}),  # CRLF
        ("x,y\n1,2\n3,4", {"x": (1, 3), "y": (2, 4)}),  # no final newline
        ("x,y\n1,2\n\n3,4\n\n", {"x": (1, 3), "y": (2, 4)}),  # blank lines skipped
        (" a , b \n 1 , 2 \n3,4\n", {"a": (1, 3), "b": (2, 4)}),  # whitespace around cells and names
        ('"x","y"\n"1.5","2"\n3,4\n', {"x": (R(3, 2), 3), "y": (2, 4)}),  # quoted cells
        ("\ufeffx,y\n1,2\n3,4\n", {"x": (1, 3), "y": (2, 4)}),  # UTF-8 BOM
        ("t,u,v\n1,2,3\n4,5,6\n", {"t": (1, 4), "u": (2, 5)}),  # only x and y are read
    ],
)
def test_read_csv_values(tmp_path, content, columns):
    ds = read_csv(write(tmp_path, content), x=list(columns)[0], y=list(columns)[1])
    assert ds.columns == {k: tuple(R(v) for v in vs) for k, vs in columns.items()}
    assert list(ds.columns) == list(columns)  # file order
    assert all(isinstance(v, sp.Rational) for col in ds.columns.values() for v in col)


def test_read_csv_bom_is_not_part_of_first_column_name(tmp_path):
    ds = read_csv(write(tmp_path, b"\xef\xbb\xbfage,height\n0,30\n2,40\n"))
    assert list(ds.columns) == ["age", "height"]


def test_two_columns_default_to_x_then_y(tmp_path):
    ds = read_csv(write(tmp_path, "u,v\n1,2\n3,5\n7,11\n", name="pts.csv"))
    assert (ds.x, ds.y, ds.name, ds.n) == ("u", "v", "pts", 3)
    assert ds.xy() == ((1, 3, 7), (2, 5, 11))
    assert (ds.x_symbol, ds.y_symbol) == ("x", "y")
    assert ds.source == str(tmp_path / "pts.csv")


@pytest.mark.parametrize(
    "x, y, expect",
    [
        ("v", None, ("v", "u")),
        (None, "u", ("v", "u")),
        ("u", None, ("u", "v")),
        (None, "v", ("u", "v")),
        ("v", "u", ("v", "u")),
    ],
)
def test_choose_columns_of_two_column_file(tmp_path, x, y, expect):
    ds = read_csv(write(tmp_path, "u,v\n1,2\n3,5\n"), x=x, y=y)
    assert (ds.x, ds.y) == expect


def test_choose_columns_by_name(tmp_path):
    ds = read_csv(write(tmp_path, "a,b,c\n1,2,3\n4,5,6\n"), x="c", y="a", name="abc")
    assert (ds.x, ds.y, ds.name) == ("c", "a", "abc")
    assert ds.xy() == ((3, 6), (1, 4))


# Each row: file content (str or bytes), read_csv keywords, pieces the one-line message must contain.
ERRORS = [
    ("x,y\n1,2\nabc,4\n", {}, ["data.csv: row 2 (line 3), column 'x': 'abc' is not a number",
                               "use plain decimals like 1.5 or -2e3"]),
    ("x,y\n1,2\n3,4\n5,zz\n", {}, ["row 3 (line 4), column 'y': 'zz' is not a number"]),
    ("x,y\n1,2\n\n3,nan\n", {}, ["row 2 (line 4), column 'y': 'nan' is not a finite number"]),
    ("x,y\n1,inf\n3,4\n", {}, ["row 1 (line 2), column 'y': 'inf' is not a finite number"]),
    ("x,y\n1,2\n,4\n", {}, ["row 2 (line 3), column 'x': is empty"]),
    ("x,y\n1,2\n3,  \n", {}, ["row 2 (line 3), column 'y': is empty"]),
    ("x,y\n1,2\n3,4,5\n", {}, ["row 2 (line 3) has 3 cells, the header has 2"]),
    ("x,y\n1,2\n3\n", {}, ["row 2 (line 3) has 1 cell, the header has 2"]),
    ("1,2\n2,3\n3,4\n", {}, ["line 1 holds only numbers (1, 2)", "must name the columns"]),  # no header row
    ("-1.5,2e3\n2,3\n3,4\n", {}, ["line 1 holds only numbers"]),
    ("", {}, ["data.csv is empty"]),
    ("\n\n  \n", {}, ["data.csv is empty"]),
    ("\ufeff", {}, ["data.csv is empty"]),
    ("x,y\n", {}, ["data.csv has a header but no data rows"]),
    ("x,y\n\n\n", {}, ["has a header but no data rows"]),
    ("x,y\n1,2\n", {}, ["data.csv has only 1 data row; a fit needs at least 2"]),
    ("x,x\n1,2\n3,4\n", {}, ["the column name 'x' appears twice"]),
    ("x,,y\n1,2,3\n4,5,6\n", {"x": "x", "y": "y"}, ["header cell 2 is empty"]),
    ("x;y\n1;2\n3;4\n", {}, ["has only 1 column ('x;y')", "separated by a comma"]),
    ("a,b,c\n1,2,3\n4,5,6\n", {}, ["data.csv has 3 columns ('a', 'b', 'c')", "--x COLUMN --y COLUMN"]),
    ("a,b,c\n1,2,3\n4,5,6\n", {"x": "a"}, ["has 3 columns ('a', 'b', 'c')"]),
    ("a,b,c\n1,2,3\n4,5,6\n", {"x": "a", "y": "d"}, ["no column 'd' (asked for as y); the columns are 'a', 'b', 'c'"]),
    ("a,b\n1,2\n4,5\n", {"x": "zz"}, ["no column 'zz' (asked for as x); the columns are 'a', 'b'"]),
    ("a,b\n1,2\n4,5\n", {"x": "a", "y": "a"}, ["x and y are the same column 'a'"]),
    (b"x,y\n1,2\n3,\xff4\n", {}, ["not UTF-8 text: line 3, byte 0xff at offset 10", "save the file as UTF-8"]),
    (b"\xff\xfex\x00,\x00y\x00\n\x00", {}, ["not UTF-8 text: line 1, byte 0xff at offset 0"]),  # UTF-16
    ('x,y\n1,2\n"3,4\n5,6\n', {}, ["line 3", "quote", "never closed"]),  # named where it opens
]


@pytest.mark.parametrize("content, kwargs, pieces", ERRORS)
def test_read_csv_errors(tmp_path, content, kwargs, pieces):
    path = write(tmp_path, content)
    with pytest.raises(DataError) as e:
        read_csv(path, **kwargs)
    message = str(e.value)
    assert "\n" not in message
    assert message.startswith(str(path)) or str(path) in message
    for piece in pieces:
        assert piece in message, message


def test_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(DataError, match="nope.csv: no such file"):
        read_csv(path)


def test_directory(tmp_path):
    with pytest.raises(DataError, match="is a directory"):
        read_csv(tmp_path)


def test_unreadable_file(tmp_path, monkeypatch):
    path = write(tmp_path, "x,y\n1,2\n3,4\n")

    def denied(self):  # NOTE: simulated, so that the test also runs as root (CI), who can read any file
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(type(path), "read_bytes", denied)
    with pytest.raises(DataError, match="permission denied"):
        read_csv(path)


def test_error_names_the_path_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "x,y\n1,2\n3,abc\n", name="salary.csv")
    with pytest.raises(DataError) as e:
        read_csv("salary.csv")
    assert str(e.value).startswith("salary.csv: row 2 (line 3), column 'y': 'abc' is not a number")


def test_never_evaluates_cells(tmp_path):
    marker = tmp_path / "pwned"
    cell = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    path = write(tmp_path, f'x,y\n1,2\n"{cell}",4\n')
    with pytest.raises(DataError):
        read_csv(path)
    assert not marker.exists()


def test_parse_csv_label_in_messages():
    with pytest.raises(DataError, match=r"^upload: row 1 \(line 2\), column 'b'"):
        parse_csv(b"a,b\n1,x\n2,3\n", "upload")


# -- Dataset ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, piece",
    [
        ({"x": "q"}, "no column 'q' for x"),
        ({"x_symbol": "n"}, "x_symbol 'n' cannot name a data column"),
        ({"y_symbol": "2y"}, "y_symbol '2y' cannot name a data column"),
        ({"x_symbol": "y"}, "x and y both use the letter 'y'"),
        ({"columns": {"x": (R(1), R(2)), "y": (R(1),)}}, "columns have different lengths"),
    ],
)
def test_dataset_validates(kwargs, piece):
    base = dict(name="d", columns={"x": (R(1), R(2)), "y": (R(3), R(4))}, x="x", y="y", description="", source="")
    with pytest.raises(DataError, match=piece):
        Dataset(**{**base, **kwargs})


def test_dataset_is_frozen_and_hashable():
    ds = load_dataset("baby")
    with pytest.raises(AttributeError):
        ds.x = "height"
    hash(ds)


# -- built-in datasets ----------------------------------------------------------------------------------
SALARY_X = ["1.2", "1.4", "1.6", "2.1", "2.3", "3.0", "3.1", "3.3", "3.3", "3.8"]
SALARY_Y = [39344, 46206, 37732, 43526, 39892, 56643, 60151, 54446, 64446, 57190]


@pytest.mark.parametrize(
    "name, x, y, xs, ys, symbols",
    [
        ("salary", "YearsExperience", "Salary", [R(v) for v in SALARY_X], [R(v) for v in SALARY_Y], ("x", "y")),
        ("baby", "age", "height", [R(0), R(2), R(4)], [R(30), R(40), R(50)], ("a", "h")),
    ],
)
def test_builtin_datasets(name, x, y, xs, ys, symbols):
    ds = load_dataset(name)
    assert (ds.name, ds.x, ds.y) == (name, x, y)
    assert list(ds.columns) == [x, y]
    assert ds.xy() == (tuple(xs), tuple(ys))
    assert ds.n == len(xs)
    assert (ds.x_symbol, ds.y_symbol) == symbols
    assert ds.description == DATASETS[name]
    assert ds.source


def test_salary_decimals_are_exact():
    xs, _ = load_dataset("salary").xy()
    assert xs[0] == R(6, 5)
    assert sum(xs) == R(251, 10)


def test_datasets_table():
    assert list(DATASETS) == ["salary", "baby"]
    assert all(isinstance(d, str) and d and "\n" not in d for d in DATASETS.values())


@pytest.mark.parametrize("name", ["nope", "Salary", "", "salary.csv", "../salary"])
def test_unknown_dataset(name):
    with pytest.raises(DataError) as e:
        load_dataset(name)
    assert str(e.value) == f"unknown dataset {name!r}; the built-in datasets are 'salary', 'baby'"


def test_a_built_in_dataset_reads_the_same_through_importlib_resources():
    """The datasets are read from beside the module; the fallback for a zipped install gives the same bytes."""
    from pathlib import Path

    import derive.data as data_module

    for spec in data_module._BUILTIN.values():
        assert data_module._resource(spec.file) == (Path(data_module.__file__).parent / spec.file).read_bytes()

"""The command line: parse options, load data, build a derivation, render it, write it.

Errors a user can cause (:class:`~derive.errors.DeriveError`, and argparse usage errors) are
printed as one line on stderr with exit status 2; nothing is written. Any other exception is a bug
in derive and is allowed to show its traceback.

Example:
    >>> main(["datasets"])  # doctest: +ELLIPSIS
    salary ...
    0
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import DeriveError, OptionError
from .notation import IDENTIFIER, RESERVED

__all__ = ["main", "build_parser", "parse_params", "output_format", "FORMATS", "LOSSES"]

# NOTE: the CLI's own contract; tests check these agree with derive.render and the problem.
FORMATS = ("terminal", "markdown", "latex", "json")
LOSSES = ("mse", "half-mse", "sse", "half-sse")
DEFAULT_PARAMS = "w,b"
DEFAULT_DIGITS = 6
MAX_DIGITS = 30


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr that says where to find help."""

    def error(self, message: str):  # noqa: D401 - argparse hook
        message = " ".join(message.split())
        self.exit(2, f"{self.prog}: error: {message}; try '{self.prog} --help'\n")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("derive")
    except PackageNotFoundError:  # running from a source checkout that was never installed
        return "(not installed)"


def _digits(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not 1 <= value <= MAX_DIGITS:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_DIGITS}, got {text!r}")
    return value


_MAIN_EPILOG = """\
examples:
  derive linear-regression                          # the salary dataset, in the terminal
  derive linear-regression --dataset baby --params s,b
  derive linear-regression --data points.csv --x age --y height -o fit.md
  derive gallery --out output/
  derive datasets
"""

_LR_EPILOG = f"""\
examples:
  derive linear-regression --dataset salary
  derive linear-regression --dataset baby --loss half-sse --params beta_1,beta_0
  derive linear-regression --data points.csv --x age --y height --format latex -o fit.tex
  derive linear-regression --format json --digits 10 > salary.json

The output format follows the -o file's extension (.md markdown, .tex latex, .json json,
.txt terminal) unless --format is given. Colour is used only on a terminal, and never with
--no-color or when the NO_COLOR environment variable is set. CSV files are read exactly:
"0.1" is the rational 1/10. A file with two columns needs no --x/--y.
"""

_GALLERY_EPILOG = """\
examples:
  derive gallery                  # writes output/salary.md, output/salary.tex, output/baby.md, ...
  derive gallery --out /tmp/gallery
"""

_DATASETS_EPILOG = """\
examples:
  derive datasets
  derive linear-regression --dataset baby
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``derive`` and its subcommands."""
    fmt = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog="derive",
        description="Derive the mathematics of fitting a model step by step; every step is verified.",
        epilog=_MAIN_EPILOG,
        formatter_class=fmt,
    )
    parser.add_argument("--version", action="version", version=f"derive {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    lr = sub.add_parser(
        "linear-regression",
        help="derive the least-squares line y = slope*x + intercept",
        description="Derive the least-squares fit of a line to data, step by step, and evaluate it exactly.",
        epilog=_LR_EPILOG,
        formatter_class=fmt,
    )
    src = lr.add_mutually_exclusive_group()
    src.add_argument("--dataset", metavar="NAME", help="a built-in dataset (see 'derive datasets'; default: salary)")
    src.add_argument("--data", metavar="FILE", help="a CSV file with a header row")
    lr.add_argument("--x", metavar="COL", help="the CSV column to use as x (needed when FILE has more than 2 columns)")
    lr.add_argument("--y", metavar="COL", help="the CSV column to use as y")
    lr.add_argument("--loss", choices=LOSSES, default="mse", help="the loss to minimise (default: %(default)s)")
    lr.add_argument("--params", metavar="SLOPE,INTERCEPT", default=DEFAULT_PARAMS,
                    help="names of the slope and the intercept, e.g. w,b or beta_1,beta_0 (default: %(default)s)")
    lr.add_argument("--format", choices=FORMATS, help="output format (default: terminal, or from the -o extension)")
    lr.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    lr.add_argument("--digits", type=_digits, default=DEFAULT_DIGITS, metavar="N",
                    help=f"significant digits for decimal approximations, 1..{MAX_DIGITS} (default: %(default)s)")
    lr.add_argument("--no-color", action="store_true", help="never use colour")
    lr.set_defaults(func=_linear_regression)

    gal = sub.add_parser(
        "gallery",
        help="write the worked examples as Markdown and LaTeX files",
        description="Render every gallery example (salary, baby) as .md and .tex files.",
        epilog=_GALLERY_EPILOG,
        formatter_class=fmt,
    )
    gal.add_argument("--out", metavar="DIR", default="output", help="directory to write to (default: %(default)s/)")
    gal.set_defaults(func=_gallery)

    ds = sub.add_parser(
        "datasets",
        help="list the built-in datasets",
        description="List the built-in datasets and what they hold.",
        epilog=_DATASETS_EPILOG,
        formatter_class=fmt,
    )
    ds.set_defaults(func=_datasets)
    return parser


# -- option checks ---------------------------------------------------------------------------------
def parse_params(text: str) -> tuple[str, str]:
    """``"w,b"`` -> ``("w", "b")``: two distinct, valid, unreserved names, slope first.

    >>> parse_params(" beta_1 , beta_0 ")
    ('beta_1', 'beta_0')
    """
    names = [p.strip() for p in text.split(",")]
    if len(names) != 2:
        raise OptionError(f"--params {text!r}: give two names separated by a comma, slope first, e.g. --params w,b")
    for name in names:
        if not IDENTIFIER.match(name):
            raise OptionError(
                f"--params {text!r}: {name!r} is not a valid name; use a letter followed by letters or digits "
                "and an optional _subscript, e.g. w, b1 or beta_0"
            )
        if name in RESERVED:
            raise OptionError(
                f"--params {text!r}: {name!r} is reserved ({', '.join(sorted(RESERVED))}); choose another name"
            )
    if names[0] == names[1]:
        raise OptionError(f"--params {text!r}: the slope and the intercept need different names")
    return names[0], names[1]


def output_format(fmt: str | None, output: str | None) -> str:
    """The format to render: --format if given, else the -o file's extension, else terminal."""
    if fmt is not None:
        return fmt
    if output is None or output == "-":
        return "terminal"
    from .render import EXTENSIONS

    ext = Path(output).suffix.lower()
    if ext not in EXTENSIONS:
        known = ", ".join(f"{e} ({f})" for e, f in EXTENSIONS.items())
        shown = f"extension {ext!r}" if ext else "no extension"
        raise OptionError(f"-o {output}: {shown} does not name a format; use one of {known}, or give --format")
    return EXTENSIONS[ext]


def _check_output(output: str) -> None:
    """Fail before the (slow) derivation if -o cannot possibly be written."""
    p = Path(output)
    if p.is_dir():
        raise OptionError(f"cannot write {output}: it is a directory; give a file name")
    if not p.parent.is_dir():
        raise OptionError(f"cannot write {output}: the directory {str(p.parent)!r} does not exist")


def _use_color(args) -> bool:
    # NOTE: NO_COLOR set to any value (even empty) turns colour off, as the brief asks.
    if args.no_color or "NO_COLOR" in os.environ or args.output not in (None, "-"):
        return False
    isatty = getattr(sys.stdout, "isatty", None)
    return bool(isatty and isatty())


def _emit(text: str, output: str | None) -> None:
    if output is None or output == "-":
        try:
            sys.stdout.write(text)
        except UnicodeEncodeError:  # a terminal that cannot show Σ: send UTF-8 bytes anyway
            sys.stdout.flush()
            sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()
    else:
        from .io import write_atomic

        write_atomic(output, text)


# -- commands --------------------------------------------------------------------------------------
def _linear_regression(args) -> int:
    from .data import load_dataset, read_csv

    fmt = output_format(args.format, args.output)
    if args.output not in (None, "-"):
        _check_output(args.output)
    slope, intercept = parse_params(args.params)
    if args.data is not None:
        dataset = read_csv(args.data, x=args.x, y=args.y)
    else:
        if args.x is not None or args.y is not None:
            raise OptionError("--x and --y choose columns of a CSV file; use them with --data FILE")
        dataset = load_dataset(args.dataset or "salary")
    for name in (slope, intercept):
        if name in (dataset.x_symbol, dataset.y_symbol):
            col = dataset.x if name == dataset.x_symbol else dataset.y
            raise OptionError(
                f"--params {args.params!r}: {name!r} already names the data column {col!r} "
                f"of {dataset.name}; choose another name"
            )

    # NOTE: lazy imports keep 'derive --help' and 'derive datasets' working on their own.
    from .problems.regression import linear_regression
    from .render import render

    derivation = linear_regression(dataset, loss=args.loss, params=(slope, intercept), digits=args.digits)
    text = render(derivation, fmt, digits=args.digits, color=_use_color(args))
    _emit(text, args.output)
    return 0


def _gallery(args) -> int:
    from .gallery import write_gallery

    for path in write_gallery(args.out):
        print(f"wrote {path}")
    return 0


def _datasets(args) -> int:
    from .data import DATASETS

    width = max(map(len, DATASETS))
    for name, description in DATASETS.items():
        print(f"{name:<{width}}  {description}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run ``derive`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version and usage errors
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    if args.command is None:
        sys.stderr.write("derive: error: choose a command: linear-regression, gallery or datasets; "
                         "try 'derive --help'\n")
        return 2
    try:
        return args.func(args)
    except DeriveError as e:
        sys.stderr.write(f"derive: error: {e}\n")
        return e.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # NOTE: 'derive ... | head' closed our stdout; stop quietly (Python docs' recipe).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1

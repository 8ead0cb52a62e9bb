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
import re
import sys
from pathlib import Path

from .errors import DeriveError, OptionError

__all__ = ["main", "build_parser", "build_derivation", "parse_params", "parse_direction", "parse_ridge",
           "output_format", "FORMATS", "LOSSES"]

# NOTE: the CLI's own contract; tests check these agree with derive.render and the problem.
FORMATS = ("terminal", "markdown", "latex", "fragment", "beamer", "json")
LOSSES = ("mse", "half-mse", "sse", "half-sse")
DEFAULT_PARAMS = "w,b"
DEFAULT_DIGITS = 6
MAX_DIGITS = 30


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr that says where to find help."""

    def _parse_optional(self, arg_string):
        # NOTE: a value that starts with a minus sign (--init -3,1, --function "-x^2", diff "-x^2") is a value,
        # not an unknown option: anything with a character an option name never has (, ^ * / ( . space).
        if (arg_string.startswith("-") and "=" not in arg_string and arg_string not in self._option_string_actions
                and re.search(r"[,^*/()+. ]", arg_string)):
            return None
        return super()._parse_optional(arg_string)

    def error(self, message: str):  # noqa: D401 - argparse hook
        message = " ".join(message.split())
        self.exit(2, f"{self.prog}: error: {message}; try '{self.prog} --help'\n")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("derive")
    except PackageNotFoundError:  # running from a source checkout that was never installed
        return "(not installed)"


class _VersionAction(argparse.Action):
    """``--version``, looking the version up only when it is asked for (importlib.metadata is slow
    to import, and every other run would pay for it)."""

    def __call__(self, parser, namespace, values, option_string=None):
        # NOTE: argparse's own printing, which ignores a reader that has gone away (derive --version | true)
        parser._print_message(f"derive {_version()}\n", sys.stdout)
        parser.exit(0)


def _label_prefix(text: str) -> str:
    import re

    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9:._-]{0,40}", text):
        raise argparse.ArgumentTypeError(f"use letters, digits and : . _ - (starting with a letter), got {text!r}")
    return text


def _digits(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not 1 <= value <= MAX_DIGITS:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_DIGITS}, got {text!r}")
    return value


_NE_EPILOG = """\
examples:
  derive normal-equation                         # the matrix derivation alone
  derive normal-equation --dataset salary        # ... and seed 002's worked example, exactly
  derive normal-equation --data points.csv --x age --y height -o normal.tex

Every matrix step is checked on random rational matrices of small concrete sizes. With data, the
worked example uses the design matrix with the columns 1 and x, so beta = (intercept, slope).
"""

_MAIN_EPILOG = """\
examples:
  derive linear-regression                          # the salary dataset, in the terminal
  derive linear-regression --dataset baby --params s,b
  derive linear-regression --data points.csv --x age --y height -o fit.md
  derive fit --model "w1*x1 + w2*x2 + b" --params w1,w2,b --data houses.csv --y price
  derive normal-equation --dataset salary           # the matrix form, and its worked example
  derive gradient-descent --dataset baby --params s,b --loss half-sse --lr 0.01 --init 1,0 --steps 1
  derive diff "(x + y + z)^2" --wrt y               # each rule named, step by step
  derive minimize "3*a^2 + b^2 - a*b + a"           # critical points, classified
  derive gallery --out output/
  derive datasets
"""

_LR_EPILOG = """\
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

_EXPR_NOTE = """\
EXPR is read by derive's own parser, never by Python: numbers (0.1 is exactly 1/10), names
(beta_1 prints as β₁), + - * / and ** or ^, parentheses, and the functions exp, log, ln, sqrt,
sin, cos, tan, abs, sinh, cosh, tanh, asin, acos, atan; pi and E are constants. Quote EXPR in the
shell. The output format follows the -o file's extension unless --format is given.
"""

_FIT_EPILOG = """\
examples:
  derive fit --model "w1*x1 + w2*x2 + b" --params w1,w2,b --data houses.csv --y price
  derive fit --model "a*x^2 + b*x + c" --params a,b,c --data points.csv
  derive fit --model "w*x" --params w --data points.csv              # no intercept
  derive fit --model "s*age + b" --params s,b --dataset baby --y height
  derive fit --model "a*x^2 + b*x + c" --params a,b,c --data points.csv --ridge 0.5
  derive fit --model "a*exp(b*x)" --params a,b --data points.csv     # not linear: no closed form
  derive fit --model "b0 + b1*x + b2*x^2" --params b0,b1,b2 --data points.csv -o fit.tex

Every name in the model that is not a parameter is a column of the data, used by its header
name; the file may have any number of columns. y is --y, else the column named y, else the last
column (for --dataset: the dataset's own y). The fit is exact: CSV decimals are rationals and the
normal equations XᵀXθ = Xᵀy are solved in rational arithmetic, so each design column
(the derivative of the model by a parameter: x, x^2, x1*x2, 1/x, ...) must be rational at the
data; columns such as sin(x) are refused. A model that is not linear in its parameters gets its
gradient and the plain statement that there is no closed form. Columns that are linearly
dependent (x2 = 2*x1 + 1, a constant column beside an intercept, fewer rows than parameters) are
an error that names them. --ridge LAMBDA (an exact number ≥ 0) adds LAMBDA times the sum of the
squared parameters to the loss and solves (XᵀX + λI)θ = Xᵀy with λ = LAMBDA.

""" + _EXPR_NOTE

_DIFF_EPILOG = """\
examples:
  derive diff "3*a^2 + b^2 - a*b + a" --wrt a,b     # the gradient
  derive diff "(x + y + z)^2" --wrt y               # the chain rule, every rule named
  derive diff "x^2 - 4*x + 5" --at x=0 --lr 0.1                  # seed 003: one gradient-descent step
  derive diff "3*a^2 + b^2 - a*b + a" --at a=1,b=2 --direction 1,1
  derive diff "exp(-x^2)*sin(x)" --order 2          # the Hessian (here the second derivative)

Without --wrt, f is differentiated with respect to each of its variables, in alphabetical order.
A --wrt variable that does not occur in EXPR is allowed: its derivative is 0. --at evaluates the
derivatives exactly at a point and gives the steepest-descent direction there; --direction adds
the directional derivative along that vector (normalised first).

""" + _EXPR_NOTE

_MINIMIZE_EPILOG = """\
examples:
  derive minimize "3*a^2 + b^2 - a*b + a"
  derive minimize "x^3 - 3*x + y^2" --format markdown -o crit.md
  derive minimize "x^2 + x*y + y^2 - 3*y" --vars x,y

Sets the gradient to zero, solves the system (by substitution when it is linear, by sympy's
solver otherwise, and says which), and classifies every real critical point with the Hessian:
minimum, maximum, saddle or inconclusive. Without --vars, every variable of EXPR is used.

""" + _EXPR_NOTE

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
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="show the version and exit")
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
    _output_options(lr)
    lr.set_defaults(func=_run, build=_linear_regression)

    fit = sub.add_parser(
        "fit",
        help="derive and solve the least-squares fit of any model linear in its parameters",
        description="Derive the least-squares fit of a model to data step by step, and solve it exactly.",
        epilog=_FIT_EPILOG,
        formatter_class=fmt,
    )
    fit.add_argument("--model", metavar="EXPR", required=True,
                     help='the model, e.g. "w1*x1 + w2*x2 + b"; its other names are data columns')
    fit.add_argument("--params", metavar="NAMES", required=True,
                     help="the model's parameters, comma-separated, e.g. w1,w2,b")
    src = fit.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", metavar="FILE", help="a CSV file with a header row (all its columns are kept)")
    src.add_argument("--dataset", metavar="NAME", help="a built-in dataset (see 'derive datasets')")
    fit.add_argument("--y", metavar="COL", help="the column to predict (default: the column named y, else the "
                                                "last column; for --dataset, the dataset's y)")
    fit.add_argument("--ridge", metavar="LAMBDA", help="add the L2 penalty LAMBDA*(sum of squared parameters), "
                                                       "LAMBDA an exact number >= 0, e.g. 0.5 or 1/4")
    _output_options(fit)
    fit.set_defaults(func=_run, build=_fit)

    ne = sub.add_parser(
        "normal-equation",
        help="derive the normal equation beta = (X^T X)^-1 X^T y in matrix form",
        description="Derive the normal equation of least squares in matrix form, every matrix step verified; "
                    "with data, work the example with X, X^T X, its inverse, X^T y and beta, exactly.",
        epilog=_NE_EPILOG,
        formatter_class=fmt,
    )
    src = ne.add_mutually_exclusive_group()
    src.add_argument("--dataset", metavar="NAME", help="a built-in dataset for the worked example (see 'derive datasets')")
    src.add_argument("--data", metavar="FILE", help="a CSV file with a header row for the worked example")
    ne.add_argument("--x", metavar="COL", help="the CSV column to use as x (needed when FILE has more than 2 columns)")
    ne.add_argument("--y", metavar="COL", help="the CSV column to use as y")
    _output_options(ne)
    ne.set_defaults(func=_run, build=_normal_equation)

    diff = sub.add_parser(
        "diff",
        help="differentiate an expression: partial derivatives, gradient, Hessian",
        description="Differentiate EXPR step by step, naming every rule; every step is verified.",
        epilog=_DIFF_EPILOG,
        formatter_class=fmt,
    )
    diff.add_argument("expr", metavar="EXPR", help='the function, e.g. "3*a^2 + b^2 - a*b + a"')
    diff.add_argument("--wrt", metavar="VARS", help="variables to differentiate with respect to, comma-separated "
                                                    "(default: every variable of EXPR)")
    diff.add_argument("--order", type=int, choices=(1, 2), default=1,
                      help="1: derivatives and gradient; 2: also the Hessian (default: %(default)s)")
    diff.add_argument("--at", metavar="POINT", help="evaluate at a point, e.g. a=1,b=2 (values are exact)")
    diff.add_argument("--lr", metavar="ETA",
                      help="with --at: take one gradient-descent step with learning rate ETA (an exact number > 0)")
    diff.add_argument("--direction", metavar="VECTOR",
                      help="with --at: the directional derivative along VECTOR, e.g. 1,1 (one number per variable)")
    _output_options(diff)
    diff.set_defaults(func=_run, build=_diff)

    mini = sub.add_parser(
        "minimize",
        help="find and classify the critical points of an expression",
        description="Find every real critical point of EXPR step by step, and classify it.",
        epilog=_MINIMIZE_EPILOG,
        formatter_class=fmt,
    )
    mini.add_argument("expr", metavar="EXPR", help='the function, e.g. "3*a^2 + b^2 - a*b + a"')
    mini.add_argument("--vars", metavar="VARS", help="the variables, comma-separated (default: every variable of EXPR)")
    _output_options(mini)
    mini.set_defaults(func=_run, build=_minimize)

    from . import cli_descent

    cli_descent.add_parser(sub, _output_options, fmt)

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


def _output_options(p: argparse.ArgumentParser) -> None:
    """--format, -o, --digits and --no-color: the same for every command that renders a derivation."""
    p.add_argument("--format", choices=FORMATS, help="output format (default: terminal, or from the -o extension)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.add_argument("--digits", type=_digits, default=DEFAULT_DIGITS, metavar="N",
                   help=f"significant digits for decimal approximations, 1..{MAX_DIGITS} (default: %(default)s)")
    p.add_argument("--no-color", action="store_true", help="never use colour")
    p.add_argument("--label-prefix", metavar="PREFIX", type=_label_prefix,
                   help="with --format fragment: label equation N as PREFIX:N (default: the -o file's name, "
                        "else 'derive')")


# -- option checks ---------------------------------------------------------------------------------
def parse_params(text: str) -> tuple[str, str]:
    """``"w,b"`` -> ``("w", "b")``: two distinct, valid, unreserved names, slope first.

    >>> parse_params(" beta_1 , beta_0 ")
    ('beta_1', 'beta_0')
    """
    # NOTE: only splitting happens here; the rules for the names live in one place, the problem.
    from .problems.regression import check_params

    return check_params(tuple(p.strip() for p in text.split(",")))


def parse_direction(text: str) -> list:
    """``"1,-1/2"`` -> ``[1, -1/2]``: exact real numbers, each read by the safe parser.

    >>> parse_direction("1, 0.5")
    [1, 1/2]
    """
    from .parse import parse

    out = []
    for k, part in enumerate(text.split(","), 1):
        if not part.strip():
            raise OptionError(f"--direction '{text}': component {k} is empty; give numbers such as 1,1")
        value = parse(part, f"--direction component {k}")
        if not (value.is_number and value.is_real):
            raise OptionError(f"--direction '{text}': component {k} ('{part.strip()}') is not a real number; "
                              "give numbers such as 1,1")
        out.append(value)
    return out


def parse_ridge(text: str):
    """``"0.5"`` -> ``1/2``: the ridge penalty, an exact rational number ≥ 0 read by the safe parser.

    >>> parse_ridge("1/4"), parse_ridge("0")
    (1/4, 0)
    """
    from .errors import ExpressionError
    from .parse import parse

    try:
        value = parse(text, "--ridge")
    except ExpressionError:
        value = None
    if value is None or not value.is_Rational:
        raise OptionError(f"--ridge '{text}': the penalty must be an exact number such as 0.5 or 1/4 "
                          "(the fit is solved in rational arithmetic)")
    if value < 0:
        raise OptionError(f"--ridge '{text}': the penalty must be ≥ 0; 0 is ordinary least squares")
    return value


# NOTE: names the fit's own formulas print (n rows, row index i, the loss L, the prediction ŷ, ...):
# a parameter or a column with one of them would make the derivation ambiguous.
FIT_TAKEN = frozenset({"L", "yhat"})


def _check_fit_names(model, params, dataset) -> None:
    """Parameters must not name a data column, and no name may be one the formulas already use."""
    from .notation import RESERVED, row_indexed

    taken = RESERVED | FIT_TAKEN
    for p in params:
        if str(p) in taken:
            raise OptionError(f"--params: '{p}' is already used in the formulas; choose another name")
        if row_indexed(str(p)):
            raise OptionError(f"--params: {row_indexed(str(p))}")
        if str(p) in dataset.columns:
            raise OptionError(f"--params: '{p}' is also a column of {dataset.name}; choose another name "
                              f"for the parameter")
    for s in sorted(model.free_symbols - set(params), key=str):
        if str(s) in taken and str(s) in dataset.columns:
            raise OptionError(f"--model: the column name '{s}' is already used in the formulas; rename the "
                              f"column (and use the new name in the model)")


def _check_point(text: str, point: dict, allowed) -> None:
    """--at values must be real numbers, each name given once and a variable of f."""
    if len(point) != len(text.split(",")):
        raise OptionError(f"--at '{text}': a variable is given more than once")
    for name, value in point.items():
        if name not in allowed:
            known = ", ".join(sorted(map(str, allowed)))
            raise OptionError(f"--at '{text}': {name} is not a variable of the function (its variables: {known})")
        if not (value.is_number and value.is_real):
            raise OptionError(f"--at '{text}': the value for {name} is not a real number; give numbers such as a=1,b=2")


def output_format(fmt: str | None, output: str | None) -> str:
    """The format to render: --format if given, else the -o file's extension, else terminal."""
    if fmt is not None:
        return fmt
    if output is None or output == "-":
        return "terminal"
    from .render import EXTENSIONS

    ext = Path(output).suffix.lower()
    if not ext and _device(output):  # -o /dev/stdout, a pipe: what the terminal would show
        return "terminal"
    if ext not in EXTENSIONS:
        known = ", ".join(f"{e} ({f})" for e, f in EXTENSIONS.items())
        shown = f"extension {ext!r}" if ext else "no extension"
        raise OptionError(f"-o {output}: {shown} does not name a format; use one of {known}, or give --format")
    return EXTENSIONS[ext]


def _device(output: str) -> bool:
    """Whether ``output`` is a device or a pipe (``/dev/null``, a FIFO): written through, never replaced."""
    try:
        return Path(output).exists() and not Path(output).is_file()
    except OSError:
        return False


def _check_output(output: str) -> None:
    """Fail before the (slow) derivation if -o cannot possibly be written."""
    from .io import _probe

    _probe(Path(output), output)


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
def _linear_regression(args):
    from .data import load_dataset, read_csv

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

    return linear_regression(dataset, loss=args.loss, params=(slope, intercept), digits=args.digits)


def _safe_label(text: str) -> bool:
    try:
        _label_prefix(text)
        return True
    except argparse.ArgumentTypeError:
        return False


def _run(args) -> int:
    """A command that renders a derivation: check -o, build the derivation, render and write it."""
    fmt = _start(args)
    return _finish(args.build(args), fmt, args)


def build_derivation(argv: list[str]):
    """The derivation a command line describes, without rendering it (the gallery uses this).

    >>> build_derivation(["diff", "x^2"]).command
    'diff'
    """
    args = build_parser().parse_args(argv)
    return args.build(args)


def _start(args) -> str:
    """The output format, after checking that -o can be written (before any slow work)."""
    fmt = output_format(args.format, args.output)
    if args.output not in (None, "-"):
        _check_output(args.output)
    return fmt


def _finish(derivation, fmt: str, args) -> int:
    from .render import render, render_files

    stem = Path(args.output).stem if args.output not in (None, "-") else ""
    prefix = args.label_prefix or (stem if _safe_label(stem) else "derive")
    # NOTE: Markdown links its figures as SVG files beside the document; a device or a pipe has no
    # "beside", so there the figures are inline (as on stdout)
    if args.output in (None, "-") or _device(args.output) or not Path(args.output).parent.is_dir() or not (
            fmt == "markdown" and any(sec.figures for sec in derivation.sections)):
        _emit(render(derivation, fmt, digits=args.digits, color=_use_color(args), label_prefix=prefix), args.output)
        return 0
    from .io import write_atomic_many

    # NOTE: a link is followed, and the figures go beside the file it points to, where its links resolve
    target = Path(args.output)
    target = target.resolve() if target.is_symlink() else target
    # NOTE: everything is rendered first; then the document and its figures are written all or nothing
    files = render_files(derivation, fmt, target, digits=args.digits)
    write_atomic_many({path: text.encode("utf-8") for path, text in files.items()})
    return 0


def _fit(args):
    from .data import load_dataset, read_csv
    from .parse import constant_columns, parse, parse_names

    model = parse(args.model, "--model")
    params = parse_names(args.params, "--params")
    ridge = parse_ridge(args.ridge) if args.ridge is not None else None
    # NOTE: a model names its columns, so the whole file is kept (no --x); y defaults to 'y', else the last column.
    dataset = read_csv(args.data, y=args.y, all_columns=True) if args.data is not None else load_dataset(args.dataset)
    constant_columns(args.model, dataset.columns)
    _check_fit_names(model, params, dataset)

    from .problems.fit import fit

    return fit(dataset, model, params, y=args.y, ridge=ridge, digits=args.digits)


def _normal_equation(args):
    from .data import load_dataset, read_csv

    dataset = None
    if args.data is not None:
        dataset = read_csv(args.data, x=args.x, y=args.y)
    elif args.x is not None or args.y is not None:
        raise OptionError("--x and --y choose columns of a CSV file; use them with --data FILE")
    elif args.dataset is not None:
        dataset = load_dataset(args.dataset)
    from .problems.normal_equation import normal_equation

    return normal_equation(dataset, digits=args.digits)


def _diff(args):
    if args.lr is not None and args.at is None:
        raise OptionError("--lr needs a starting point: give --at too, e.g. --at x=0 --lr 0.1")
    if args.direction is not None and args.at is None:
        raise OptionError("--direction needs a point: give --at too, e.g. --at a=1,b=2 --direction 1,1")
    from .parse import parse, parse_names, parse_point

    expr = parse(args.expr)
    wrt = parse_names(args.wrt, "--wrt") if args.wrt is not None else None
    at = direction = None
    if args.at is not None:
        at = parse_point(args.at, "--at")
        _check_point(args.at, at, expr.free_symbols | set(wrt or ()))
    if args.direction is not None:
        direction = parse_direction(args.direction)

    from .problems.calculus import differentiation

    lr = None
    if args.lr is not None:
        from .errors import ExpressionError

        try:
            lr = parse(args.lr, "--lr")
        except ExpressionError:
            lr = None
        if lr is None or not (lr.is_Rational and lr > 0):
            raise OptionError(f"--lr '{args.lr}': the learning rate must be an exact number > 0, e.g. 0.1")
    return differentiation(expr, wrt, order=args.order, at=at, direction=direction, lr=lr)


def _minimize(args):
    from .parse import parse, parse_names

    expr = parse(args.expr)
    variables = parse_names(args.vars, "--vars") if args.vars is not None else None

    from .problems.calculus import minimization

    return minimization(expr, variables)


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


NUMPY_COMMANDS = ("linear-regression", "fit", "normal-equation")  # they end with numpy's lstsq cross-check


def run() -> None:
    """The console script (``derive`` and ``python -m derive``): :func:`main`, then a fast exit.

    NOTE: the output is complete at this point (files are written, closed and fsync-ed by
    :mod:`derive.io`; only stdout and stderr may hold buffered text, which is flushed here). Tearing
    down the interpreter would then free sympy's caches object by object, about 0.1 s of the run
    for nothing, so the process ends with os._exit. Nothing registers atexit handlers.
    """
    from . import background

    background.ENABLED = True  # a command may do slow, independent work in a second process
    if sys.argv[1:2] and sys.argv[1] in NUMPY_COMMANDS:
        # NOTE: forked now, before sympy is imported, so that it shares next to nothing with this process
        background.start(preload=("numpy",))
    try:
        code = main()
    finally:
        background.stop()  # never asked (an error, a ridge fit, Ctrl-C): it is not waited for
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started with the stream closed (derive ... >&-)
            continue
        try:
            stream.flush()
        except (OSError, ValueError):  # the reader went away, or the stream is closed: as in main(), quietly
            if stream is sys.stdout:
                code = code or 1
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run ``derive`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version and usage errors
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    if args.command is None:
        sys.stderr.write("derive: error: choose a command: linear-regression, fit, normal-equation, gradient-descent, diff, "
                         "minimize, gallery or datasets; try 'derive --help'\n")
        return 2
    try:
        from .budget import COMMAND_SECONDS, time_budget

        with time_budget(COMMAND_SECONDS, f"derive {args.command}"):
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

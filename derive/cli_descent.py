"""``derive gradient-descent``: its options, their checks, and the run.

Kept apart from cli.py, which holds the other commands and the shared machinery (output options,
errors, writing). Every check here raises :class:`~derive.errors.OptionError` with the option's
name and the fix, before any slow work.

Example:
    >>> from derive.cli import main
    >>> main(["gradient-descent", "--function", "x^2 - 4*x + 5", "--lr", "0.1", "--init", "0",
    ...       "--steps", "1", "--format", "json", "--no-figures"])  # doctest: +ELLIPSIS
    {...
    0
"""
from __future__ import annotations

import argparse
from fractions import Fraction

from .errors import OptionError

MAX_STEPS = 10_000  # --steps: rows of the iteration table
MAX_ITER = 1_000_000  # --max-iter: the convergence run

EPILOG = """\
examples:
  derive gradient-descent --dataset baby --params s,b --loss half-sse --lr 0.01 --init 1,0 --steps 1
  derive gradient-descent --dataset salary --params beta_1,beta_0 --init 5,2 --lr 0.01       # seed 002
  derive gradient-descent --dataset salary --params beta_1,beta_0 --init 5,2 --lr 0.01 --sample 6 --steps 1
  derive gradient-descent --function "x^2 - 4*x + 5" --init 0 --lr 0.1 --steps 1              # seed 003
  derive gradient-descent --function "3*a^2 + b^2 - a*b + a" --init 0,0 --line-search exact
  derive gradient-descent --data points.csv --model "a*x^2 + b*x + c" --params a,b,c --batch 4 --seed 1
  derive gradient-descent --dataset baby --optimizer adam --lr 0.5 --steps 20
  derive gradient-descent --dataset baby --compare-optimizers --steps 3 -o descent.tex

The loss is minimised from --init (default: all zeros) with the learning rate --lr (default: one
over the largest eigenvalue of the Hessian, rounded down to one significant digit, which always
converges for a quadratic loss). The first --show steps (default 2) are worked with the numbers
plugged in; --steps K (default 10, at most 10000) fill the iteration table, exact while the
numbers stay short decimals and float64 after that. Then the learning rate is analysed (Hessian,
eigenvalues, the bound 2/lambda_max, the best fixed step, exact and backtracking line searches)
and a convergence run (until the gradient norm is below --tol, at most --max-iter steps) is
compared with the closed-form optimum.

--batch N takes N rows per step (SGD for N = 1, mini-batch otherwise): the rows listed in
--sample (1-based, N per step, in order), then rows drawn with --seed. --sample alone means N = 1.
"""

MAX_SHOW = 5


def add_parser(sub, output_options, fmt) -> None:
    p = sub.add_parser(
        "gradient-descent",
        help="work gradient descent, SGD and mini-batch steps, with the learning-rate analysis",
        description="Derive the gradient-descent update from the gradient, work the first steps with the numbers "
                    "plugged in, tabulate the iterations, analyse the learning rate and run to convergence.",
        epilog=EPILOG,
        formatter_class=fmt,
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--dataset", metavar="NAME", help="a built-in dataset (see 'derive datasets'; default: salary)")
    src.add_argument("--data", metavar="FILE", help="a CSV file with a header row")
    src.add_argument("--function", metavar="EXPR", help='minimise a function instead, e.g. "x^2 - 4*x + 5"')
    p.add_argument("--x", metavar="COL", help="the CSV column to use as x (the line model)")
    p.add_argument("--y", metavar="COL", help="the column to predict")
    p.add_argument("--model", metavar="EXPR", help='a model with named columns, e.g. "a*x^2 + b*x + c" (needs --params)')
    p.add_argument("--params", metavar="NAMES", help="the parameters, comma-separated (line model: slope,intercept; "
                                                     "default w,b)")
    p.add_argument("--vars", metavar="NAMES", help="with --function: the variables, in order (default: all, sorted)")
    p.add_argument("--loss", choices=("mse", "half-mse", "sse", "half-sse"), default="mse",
                   help="the loss on data (default: %(default)s)")
    p.add_argument("--lr", metavar="ETA", help="the learning rate, an exact number > 0 (default: 1/lambda_max, rounded "
                                               "down to one significant digit)")
    p.add_argument("--init", metavar="VALUES", help="the starting point, one number per parameter (default: zeros)")
    p.add_argument("--steps", metavar="K", type=_count("--steps", MAX_STEPS), default=10,
                   help="steps in the iteration table, 0..10000 (default: %(default)s)")
    p.add_argument("--show", metavar="K", type=_count("--show", MAX_SHOW), default=2,
                   help=f"steps worked with the numbers plugged in, 0..{MAX_SHOW} (default: %(default)s)")
    p.add_argument("--batch", metavar="full|N", default=None, help="rows per step: full (default) or N")
    p.add_argument("--sample", metavar="ROWS", help="the rows of the first batches, 1-based, e.g. 6 or 1,4")
    p.add_argument("--seed", metavar="S", type=_count("--seed", 2**32 - 1), default=0,
                   help="seed for the batches after --sample (default: %(default)s)")
    p.add_argument("--optimizer", choices=("gd", "momentum", "adagrad", "rmsprop", "adam"), default="gd",
                   help="the update rule (default: %(default)s)")
    p.add_argument("--momentum", metavar="BETA", help="momentum's beta, 0 <= BETA < 1 (default: 0.9)")
    p.add_argument("--rho", metavar="RHO", help="RMSprop's decay, 0 <= RHO < 1 (default: 0.9)")
    p.add_argument("--betas", metavar="B1,B2", help="Adam's decays (default: 0.9,0.999)")
    p.add_argument("--epsilon", metavar="EPS", help="AdaGrad/RMSprop/Adam's epsilon > 0 (default: 1e-8)")
    p.add_argument("--line-search", choices=("none", "exact", "armijo"), default="none",
                   help="choose each step size: fixed --lr (none, default), exact (quadratics), armijo (backtracking "
                        "from --lr)")
    p.add_argument("--tol", metavar="TOL", help="the convergence run stops when the gradient norm is below TOL "
                                                "(default: 1e-6)")
    p.add_argument("--max-iter", metavar="M", type=_count("--max-iter", MAX_ITER, low=1), default=100_000,
                   help="steps of the convergence run at most, 1..1000000 (default: %(default)s)")
    p.add_argument("--compare-optimizers", action="store_true",
                   help="add one worked step of momentum, AdaGrad, RMSprop and Adam from the same start")
    p.add_argument("--no-figures", action="store_true", help="leave out the figures")
    output_options(p)
    from .cli import _run

    p.set_defaults(func=_run, build=build)


def _count(name: str, high: int, low: int = 0):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number from {low} to {high}, got {text!r}")
        return value
    return parse


def _number(text: str, what: str, *, positive=False, below_one=False) -> Fraction:
    """An exact rational read by the safe parser (0.1 is 1/10, 1e-8 and 1/3 are fine)."""
    from .errors import ExpressionError
    from .parse import parse

    try:
        value = parse(text, what)
    except ExpressionError:  # nan, inf, a name, a typo: not a number either way
        value = None
    if value is None or not value.is_Rational:
        raise OptionError(f"{what} '{text}': give an exact number such as 0.1 or 1/3")
    f = Fraction(int(value.p), int(value.q))
    if positive and f <= 0:
        raise OptionError(f"{what} '{text}': must be > 0")
    if below_one and not 0 <= f < 1:
        raise OptionError(f"{what} '{text}': must be at least 0 and below 1")
    return f


def _numbers(text: str, what: str) -> list[Fraction]:
    parts = [t for t in text.split(",")]
    if any(not t.strip() for t in parts):
        raise OptionError(f"{what} '{text}': an empty value; give numbers separated by commas, e.g. 1,0")
    return [_number(t, what) for t in parts]


def objective(args):
    """The objective the options describe: a function, a model on data, or the regression line."""
    from .data import load_dataset, read_csv
    from .parse import constant_columns, parse, parse_names
    from .problems import objective as obj

    if args.function is not None:
        for opt in ("x", "y", "model", "params"):
            if getattr(args, opt) is not None:
                raise OptionError(f"--{opt} belongs to data; with --function use --vars to order the variables")
        expr = parse(args.function, "--function")
        names = parse_names(args.vars, "--vars") if args.vars is not None else tuple(sorted(expr.free_symbols, key=str))
        if not names:
            raise OptionError("--function: the expression has no variables; write one such as x^2 - 4*x + 5")
        extra = sorted(map(str, expr.free_symbols - set(names)))
        if extra:
            raise OptionError(f"--vars: the function also uses {', '.join(extra)}; list every variable")
        return obj.Function(expr, names)
    if args.vars is not None:
        raise OptionError("--vars goes with --function; on data name the parameters with --params")
    if args.model is not None:
        if args.params is None:
            raise OptionError("--model needs --params to say which names are parameters, e.g. --params a,b,c")
        if args.x is not None:
            raise OptionError("--x is for the line model; a --model names its columns itself")
        model = parse(args.model, "--model")
        params = parse_names(args.params, "--params")
        dataset = read_csv(args.data, y=args.y, all_columns=True) if args.data is not None else \
            load_dataset(args.dataset or "salary")
        constant_columns(args.model, dataset.columns)
        y = args.y or dataset.y
        if y not in dataset.columns:
            raise OptionError(f"--y: no column '{y}' in {dataset.name}; columns: {', '.join(dataset.columns)}")
        missing = [str(p) for p in params if not model.has(p)]
        if missing:
            raise OptionError(f"--params: {', '.join(missing)} does not occur in the model")
        unknown = sorted(str(f) for f in model.free_symbols - set(params) if str(f) not in dataset.columns)
        if unknown:
            raise OptionError(f"--model uses {', '.join(unknown)}, which is neither a parameter nor a column of "
                              f"{dataset.name} (columns: {', '.join(dataset.columns)})")
        if y in {str(f) for f in model.free_symbols}:
            raise OptionError(f"the model uses the response column '{y}' as an input; choose another --y")
        for p in params:
            if str(p) in dataset.columns:
                raise OptionError(f"--params: '{p}' is also a column of {dataset.name}; choose another name")
        return obj.model_objective(dataset, model, params, y, args.loss)
    from .problems.regression import check_params

    if args.data is not None:
        dataset = read_csv(args.data, x=args.x, y=args.y)
    else:
        if args.x is not None or args.y is not None:
            raise OptionError("--x and --y choose columns of a CSV file; use them with --data FILE")
        dataset = load_dataset(args.dataset or "salary")
    params = check_params(tuple(p.strip() for p in (args.params or "w,b").split(",")),
                          taken={dataset.x_symbol, dataset.y_symbol, dataset.y_symbol + "hat", "L"})
    return obj.regression_objective(dataset, args.loss, params)


def settings(args, obj):
    """The run's Settings, every option checked against the objective."""
    from .optim import Settings

    p = len(obj.params)
    kw: dict = {"steps": args.steps, "optimizer": args.optimizer, "line_search": args.line_search, "seed": args.seed}
    if args.lr is not None:
        kw["lr"] = _number(args.lr, "--lr", positive=True)
    if args.batch is not None or args.sample is not None:
        if obj.kind != "data":
            raise OptionError("--batch and --sample choose rows of data; a --function has no rows")
        n = obj.n
        size = 1
        if args.batch is not None and args.batch != "full":
            try:
                size = int(args.batch)
            except ValueError:
                raise OptionError(f"--batch '{args.batch}': give 'full' or a whole number of rows, e.g. 1") from None
            if not 1 <= size <= n:
                raise OptionError(f"--batch {size}: the data has {n} rows; give a batch size from 1 to {n}")
        elif args.batch == "full":
            if args.sample is not None:
                raise OptionError("--sample chooses the rows of mini-batches; it cannot go with --batch full")
            size = None
        kw["batch"] = size
        if args.sample is not None:
            rows = []
            for part in args.sample.split(","):
                try:
                    r = int(part)
                except ValueError:
                    raise OptionError(f"--sample '{args.sample}': '{part.strip()}' is not a row number; give rows "
                                      f"1 to {n}, e.g. 6 or 1,4") from None
                if not 1 <= r <= n:
                    raise OptionError(f"--sample '{args.sample}': row {r} is out of range; the data has rows 1 to {n}")
                rows.append(r - 1)
            if len(rows) % size:
                raise OptionError(f"--sample lists {len(rows)} rows for batches of {size}; give a multiple of {size}")
            kw["sample"] = tuple(rows)
    for opt, owners in (("momentum", ("momentum",)), ("rho", ("rmsprop",)), ("betas", ("adam",)),
                        ("epsilon", ("adagrad", "rmsprop", "adam"))):
        if getattr(args, opt) is not None and args.optimizer not in owners and not args.compare_optimizers:
            raise OptionError(f"--{opt} sets a hyperparameter of --optimizer {' or '.join(owners)}; this run uses "
                              f"--optimizer {args.optimizer}")
    for opt, key in (("momentum", "momentum"), ("rho", "rho")):
        if getattr(args, opt) is not None:
            kw[key] = _number(getattr(args, opt), f"--{opt}", below_one=True)
    if args.betas is not None:
        values = _numbers(args.betas, "--betas")
        if len(values) != 2 or not all(0 <= v < 1 for v in values):
            raise OptionError(f"--betas '{args.betas}': give two numbers at least 0 and below 1, e.g. 0.9,0.999")
        kw["beta1"], kw["beta2"] = values
    if args.epsilon is not None:
        kw["epsilon"] = _number(args.epsilon, "--epsilon", positive=True)
    if args.tol is not None:
        kw["tol"] = _number(args.tol, "--tol", positive=True)
    if args.line_search != "none" and args.optimizer != "gd":
        raise OptionError(f"--line-search {args.line_search} chooses the step of plain gradient descent; it cannot go "
                          f"with --optimizer {args.optimizer} (drop one of the two)")
    _check_names(obj, args)
    if args.line_search == "exact" and not obj.quadratic:
        raise OptionError("--line-search exact needs a quadratic loss (a model linear in its parameters, or a "
                          "quadratic function); use --line-search armijo")
    init = _numbers(args.init, "--init") if args.init is not None else [Fraction(0)] * p
    if len(init) != p:
        names = ", ".join(map(str, obj.params))
        raise OptionError(f"--init '{args.init}': {len(init)} value{'s' if len(init) != 1 else ''} for {p} "
                          f"parameter{'s' if p != 1 else ''} ({names}); give one number each")
    from .optim import BLOWUP

    far = [v for v in init if abs(v) > BLOWUP]
    if far:
        raise OptionError(f"--init {args.init}: {float(far[0]):.3g} is beyond the bound of 1e150 on the parameters "
                          "(a run that reaches it counts as diverged); start closer to 0")
    if "lr" not in kw and args.line_search == "armijo":
        kw["lr"] = Fraction(1)  # backtracking starts from η = 1 unless --lr says otherwise
    if "lr" not in kw:
        from .problems.descent_rate import default_lr

        kw["lr"] = default_lr(obj, init)
    return Settings(**kw), init


# the names a gradient-descent derivation uses for its own quantities, and the optimizers that use them
_OWN_NAMES = {"eta": None, "eta_best": None, "g": None, "theta": None, "sigma": None, "kappa": None, "rho": None,
              "lambda": None, "lambda_min": None, "lambda_max": None, "H": None, "p": None, "X": None, "k": None,
              "v": ("momentum", "rmsprop", "adam"), "beta": ("momentum",), "G": ("adagrad",),
              "epsilon": ("adagrad", "rmsprop", "adam"), "m": ("adam",), "t": ("adam",), "beta_1": ("adam",),
              "beta_2": ("adam",), "mhat": ("adam",), "vhat": ("adam",)}


def own_name(name: str, kind: str, optimizers) -> bool:
    """Whether the derivation of a ``kind`` objective ("function" or "data") run with ``optimizers`` gives
    ``name`` to one of its own quantities (η, g, θ, H, optimizer state, …), so a parameter may not take it."""
    owners = _OWN_NAMES.get(name, ())
    own = {"f"} if kind == "function" else {"L", "n", "i"}
    return name in own or owners is None or bool(set(optimizers) & set(owners))


def _check_names(obj, args) -> None:
    """Parameter names must not be names the derivation gives its own quantities (η, g, θ, H, …)."""
    used = {"gd", args.optimizer} | ({"momentum", "adagrad", "rmsprop", "adam"} if args.compare_optimizers else set())
    what = ("--vars" if args.vars is not None else "--function") if obj.kind == "function" else "--params"
    from .notation import row_indexed

    for p in obj.params:
        if obj.kind != "function" and row_indexed(str(p)):
            raise OptionError(f"{what}: {row_indexed(str(p))}")
        if own_name(str(p), "function" if obj.kind == "function" else "data", used):
            raise OptionError(f"{what}: '{p}' is a name the derivation uses for its own quantities (the learning "
                              f"rate, gradient, Hessian, step count or optimizer state); rename it, e.g. 'a' or 'w1'")


def build(args):
    """The derivation of ``derive gradient-descent`` for parsed options."""
    from .problems.descent import gradient_descent

    obj = objective(args)
    s, init = settings(args, obj)
    return gradient_descent(obj, init, s, show=args.show, digits=args.digits, max_iter=args.max_iter,
                            compare=args.compare_optimizers, figures=not args.no_figures,
                            lr_given=args.lr is not None)

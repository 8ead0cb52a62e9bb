"""The safe parser: what it accepts (exactly), and a catalogue of hostile input it refuses."""
import pytest
import sympy as sp

from derive.errors import ExpressionError
from derive.parse import MAX_DEPTH, parse, parse_names, parse_point

a, b, x, y, z = sp.symbols("a b x y z", real=True)
beta_0, beta_1 = sp.symbols("beta_0 beta_1", real=True)


@pytest.mark.parametrize("text, expected", [
    ("3*a^2 + b**2 - a*b + a", 3 * a**2 + b**2 - a * b + a),
    ("(x + y + z)^2", (x + y + z) ** 2),
    ("-x**2", -(x**2)),
    ("2**-1", sp.Rational(1, 2)),
    ("0.1*x", x / 10),
    ("1e3", sp.Integer(1000)),
    (".5 + 760.", sp.Rational(1521, 2)),
    ("beta_0 + beta_1*x", beta_0 + beta_1 * x),
    ("exp(-x**2)*sin(x)/x", sp.exp(-x**2) * sp.sin(x) / x),
    ("ln(x) + sqrt(x) + abs(x)", sp.log(x) + sp.sqrt(x) + sp.Abs(x)),
    ("x - -y", x + y),
    ("2*pi", 2 * sp.pi),
    ("a/b/2", a / b / 2),
])
def test_accepts(text, expected):
    assert parse(text) == expected


def test_decimals_are_exact():
    assert parse("0.1 + 0.2") == sp.Rational(3, 10)


HOSTILE = [
    ("__import__('os').system('echo pwned')", "position 1"),
    ("x.__class__", "attribute access"),
    ("().__class__.__bases__", "position"),
    ("(lambda: 1)()", "position"),
    ("'abc'", "strings"),
    ('"abc"', "strings"),
    ("eval(x)", "'eval' is not allowed"),
    ("exec(x)", "'exec' is not allowed"),
    ("open(x)", "'open' is not allowed"),
    ("foo(x)", "unknown function 'foo'"),
    ("system(x)", "unknown function 'system'"),
    ("x[0]", "'[' is not allowed"),
    ("{x}", "'{' is not allowed"),
    ("x = 1", "'='"),
    ("x; y", "';'"),
    ("x @ y", "'@'"),
    ("9**9**9**9", "exponent"),
    ("(x+1)**100000", "exponent"),
    ("10**10**10", "exponent"),
    ("1e999999", "exponent beyond"),
    ("9" * 500, "digits"),
    ("(" * (MAX_DEPTH + 5) + "x" + ")" * (MAX_DEPTH + 5), "nesting"),
    ("-" * 200 + "x", "nesting"),
    ("(" * 400_000 + ")" * 400_000, "characters"),
    ("x" * 1_048_576, "characters"),
    ("а + 1", "U+0430"),  # Cyrillic a
    ("x ＋ 1", "U+FF0B"),  # full-width plus
    ("2x", "missing operator"),
    ("x +", "ends too early"),
    ("", "empty"),
    ("   ", "empty"),
    ("exp", "is a function"),
    ("sin(x, y)", "one argument"),
    ("1/0", "division by zero"),
    ("0**-1", "division by zero"),
    ("(x", "expected ')'"),
    ("x)", "unexpected ')'"),
]


@pytest.mark.parametrize("text, words", HOSTILE, ids=[t[:20] for t, _ in HOSTILE])
def test_rejects_hostile_input(text, words, monkeypatch):
    import builtins

    def no_eval(*args, **kwargs):  # the parser must never get here
        raise AssertionError("eval/exec called")

    monkeypatch.setattr(builtins, "eval", no_eval)
    monkeypatch.setattr(builtins, "exec", no_eval)
    with pytest.raises(ExpressionError) as info:
        parse(text)
    message = str(info.value)
    assert words in message
    assert "\n" not in message and len(message) < 400


def test_names_and_points():
    assert parse_names("a, b") == (a, b)
    assert parse_point("a=1,b=2.5") == {a: 1, b: sp.Rational(5, 2)}
    for bad in ("a,a", "a b", "1a", "__x", "sin"):
        with pytest.raises(ExpressionError):
            parse_names(bad)
    with pytest.raises(ExpressionError):
        parse_point("a:1")

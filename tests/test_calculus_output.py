"""What derive diff / minimize print: families of critical points kept apart, no step that changes
nothing, prose without ASCII math, readable JSON keys, counts in words.

Each test runs on several functions and variable names, and checks the mathematics of what it finds
(a family's points are critical points, a family's verdict holds at its other points) as well as
the form.
"""
import json
import random
import re

import pytest
import sympy as sp

from helpers import assert_verified
from derive.cli import main
from derive.data import load_dataset
from derive.parse import parse, parse_names
from derive.problems.calculus import differentiation, minimization
from derive.problems.regression import linear_regression
from derive.problems.regression_numbers import gradient_check
from derive.render.printer import latex, unicode
from derive.rules import Rule
from derive.steps import Builder, Step, prose_parts


def names(text: str) -> dict:
    """The parser's symbols of an expression, by name."""
    return {str(s): s for s in parse(text).free_symbols}


def titles(d) -> list[str]:
    return ["".join(p if isinstance(p, str) else unicode(p) for p in prose_parts(s.title)) for s in d.sections]


def family_points(family: dict, variables, rng) -> dict:
    """One point of a family from meta["families"]: random integers for k, random rationals for a free variable."""
    exprs = {v: sp.sympify(family[str(v)], locals={str(s): s for s in variables}) for v in variables
             if str(v) in family}
    point = {v: sp.Rational(rng.randint(-9, 9), rng.randint(1, 4)) for v in variables if str(v) not in family}
    integers = set().union(*(e.free_symbols for e in exprs.values())) - set(variables)
    ks = {k: sp.Integer(rng.randint(-3, 3)) for k in integers}
    for v, e in exprs.items():
        point[v] = e.xreplace(ks).xreplace(point)
    return point


def gradient_at(expr, variables, point):
    return [sp.simplify(sp.diff(expr, v).xreplace(point)) for v in variables]


# -- 1. families of critical points, each under its own heading ---------------------------------------------------
@pytest.mark.parametrize("text, count", [
    ("sin(a) + cos(b)", 4),
    ("sin(2*p) + cos(3*q)", 4),
    ("exp(sin(u)) + v^2", 2),
    ("sin(t)^2 + s^2", 2),  # period π, not the 2π sympy reports: t = πk and t = πk + π/2
])
def test_periodic_critical_points_are_separate_families(text, count):
    expr = parse(text)
    d = minimization(expr)
    variables = sorted(expr.free_symbols, key=str)
    family_titles = [t for t in titles(d) if t.startswith("Family ")]
    assert family_titles == [f"Family {k}:" + t.split(":", 1)[1] for k, t in enumerate(family_titles, 1)]
    assert len(family_titles) == count == len(d.meta["families"]) == len(d.meta["critical_points"])
    assert d.meta["infinitely_many"] is True
    # each critical point has a check of its own: no two solve steps show the same thing
    solved = [(unicode(s.before), s.note) for s in d.steps() if s.rule is Rule.SOLVE_SYMPY]
    assert len(solved) == count and len(set(solved)) == count
    assert all(not re.search(r"\bpi\b|\*", note) for _, note in solved)
    # the periodicity is a verified step, not a claim in prose
    assert "Periodicity" in titles(d)
    periodic = d.sections[titles(d).index("Periodicity")]
    assert periodic.steps and all(s.verified for s in periodic.steps)
    # every point of every family is a critical point with the verdict of its representative
    rng = random.Random(7)
    for family, cp in zip(d.meta["families"], d.meta["critical_points"]):
        hess_rep = sp.hessian(expr, variables).xreplace(cp["point"])
        for _ in range(3):
            point = family_points(family, variables, rng)
            assert gradient_at(expr, variables, point) == [0] * len(variables)
            assert sp.simplify(sp.hessian(expr, variables).xreplace(point) - hess_rep) == sp.zeros(len(variables))
    # and the families are different (no representative a whole period from another)
    assert len({json.dumps(f, sort_keys=True) for f in map(lambda f: {k: str(v) for k, v in f.items()},
                                                              d.meta["families"])}) == count


@pytest.mark.parametrize("text, families, isolated", [
    ("a^2*b^2", [{"a": "0"}, {"b": "0"}], []),
    ("u^2*w^2*(u - 1)^2", [{"u": "0"}, {"u": "1"}, {"w": "0"}], []),
    ("(p*q - 1)^2", [{"p": "1/q"}], ["saddle"]),
])
def test_free_families_each_have_their_own_section(text, families, isolated):
    expr = parse(text)
    variables = sorted(expr.free_symbols, key=str)
    d = minimization(expr)
    assert d.meta["infinitely_many"] is True
    got = [{k: str(v) for k, v in fam.items()} for fam in d.meta["families"]]
    assert got == families
    assert sorted(cp["classification"] for cp in d.meta["critical_points"]) == isolated
    family_sections = [s for s, t in zip(d.sections, titles(d)) if t.startswith("Family ")]
    assert len(family_sections) == len(got)
    for k, (sec, fam) in enumerate(zip(family_sections, d.meta["families"]), 1):
        title = titles(d)[d.sections.index(sec)]
        assert title.startswith(f"Family {k}: ") and ", any " in title
        (step,) = sec.steps  # one verified check per family: the gradient vanishes on it
        assert step.verified and step.after == sp.zeros(len(variables), 1)
        rng = random.Random(k)
        for _ in range(3):
            point = family_points(fam, variables, rng)
            if any(v.has(sp.zoo, sp.nan) for v in point.values()):
                continue
            assert gradient_at(expr, variables, point) == [0] * len(variables)
    conclusion = d.sections[titles(d).index("Conclusion")].intro
    assert ("the family above" if len(got) == 1 else f"the {len(got)} families above") in conclusion


def test_families_in_the_json(capsys):
    assert main(["minimize", "sin(x) + cos(y)", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["result"]["infinitely_many"] is True
    assert [sec["title"] for sec in doc["sections"] if sec["title"].startswith("Family")] == [
        "Family 1: x = 2 π k₁ + π/2, y = 2 π k₂", "Family 2: x = 2 π k₁ + π/2, y = 2 π k₂ + π",
        "Family 3: x = 2 π k₁ + 3 π/2, y = 2 π k₂", "Family 4: x = 2 π k₁ + 3 π/2, y = 2 π k₂ + π"]
    assert [cp["classification"] for cp in doc["result"]["critical_points"]] == ["maximum", "saddle", "saddle",
                                                                                 "minimum"]


# -- 2. a step must change something -------------------------------------------------------------------------------
def shown_alike(step: Step) -> bool:
    return unicode(step.before) == unicode(step.after) and latex(step.before) == latex(step.after)


DERIVATIONS = [
    lambda: differentiation(parse("x/6"), at={names("x/6")["x"]: 1}, lr=sp.Rational(1, 2)),
    lambda: differentiation(parse("u/7 + 3*v"), at={names("u + v")["u"]: 2, names("u + v")["v"]: -1},
                            direction=[1, 2]),
    lambda: differentiation(parse("x^2 - 4*x + 5"), at={names("x")["x"]: 0}, lr=sp.Rational(1, 10)),
    lambda: minimization(parse("3*a^2 + b^2 - a*b + a")),
    lambda: minimization(parse("(m - 1)^2 + (n - 2)^2 + m*n")),
    lambda: minimization(parse("3*z^2 - z")),
    lambda: minimization(parse("x^3 - 3*x + y^2")),
    lambda: minimization(parse("sin(a) + cos(b)")),
]


@pytest.mark.parametrize("make", DERIVATIONS)
def test_no_step_prints_its_two_sides_alike(make):
    d = make()
    assert [s for s in d.steps() if shown_alike(s)] == []
    assert_verified(d)


def test_a_constant_gradient_or_hessian_is_not_evaluated_at_the_point():
    x = names("x")["x"]
    d = differentiation(parse("x/6"), at={x: 1})
    assert [s.note for s in d.steps() if s.rule is Rule.AT_POINT] == []
    assert d.results[0].exact == sp.Rational(1, 6)  # the value is still the result
    assert "The gradient is the same at every point." in [s.intro for s in d.sections]
    for text in ("3*a^2 + b^2 - a*b + a", "(m - 1)^2 + (n - 2)^2 + m*n"):
        d = minimization(parse(text))
        assert [s for s in d.steps() if s.rule is Rule.AT_POINT] == []
        (test,) = [s for s, t in zip(d.sections, titles(d)) if t.startswith("Second-order test")]
        assert [s.rule.code for s in test.steps] == ["determinant", "determinant"]
    # a Hessian that depends on the point is still evaluated there
    d = minimization(parse("x^3 - 3*x + y^2"))
    assert len([s for s in d.steps() if s.rule is Rule.AT_POINT]) == 2


# -- 3. prose and notes: math as sympy objects or Unicode, never ASCII ---------------------------------------------
ASCII_MATH = re.compile(r"\bpi\b|\*|sqrt\(|\^|\bbeta|\b[a-z]+_\d|\boo\b|\bexp\(")


def texts(d):
    """Every plain-text piece a reader sees: the str parts of prose, and step notes."""
    for sec in d.sections:
        for p in (sec.title, sec.intro, sec.outro):
            yield from (part for part in prose_parts(p) if isinstance(part, str))
    for s in d.steps():
        yield s.note
    for c in d.checks:
        yield c.detail


@pytest.mark.parametrize("make", [
    lambda: minimization(parse("sin(a) + cos(b)")),
    lambda: minimization(parse("sin(theta)^2 + exp(-phi^2)")),
    lambda: minimization(parse("sqrt(2)*r^2 - r")),
    lambda: minimization(parse("x + y")),
    lambda: minimization(parse("(c - d)^2 + 1")),
    lambda: differentiation(parse("sin(beta_1)*w"), at={names("sin(beta_1)*w")["beta_1"]: sp.pi / 2,
                                                        names("w")["w"]: sp.sqrt(2)}, direction=[1, 1]),
    lambda: linear_regression(load_dataset("salary"), params=("beta_1", "beta_0")),
])
def test_prose_has_no_ascii_math(make):
    d = make()
    bad = [t for t in texts(d) if ASCII_MATH.search(t)]
    assert bad == []


def test_a_false_equation_is_named_as_math():
    d = minimization(parse("p + q^0"))  # ∂f/∂p = 1: the condition reads 1 = 0
    (outro,) = [s.outro for s in d.sections if s.outro]
    parts = prose_parts(outro)
    assert sp.Eq(1, 0, evaluate=False) in parts and not any("=" in p for p in parts if isinstance(p, str))


# -- 4. JSON keys: readable names -----------------------------------------------------------------------------------
@pytest.mark.parametrize("argv, keys", [
    (["diff", "(x + y + z)^2", "--wrt", "y"], ["df/dy"]),
    (["diff", "3*a^2 + b^2 - a*b + a"], ["df/da", "df/db"]),
    (["diff", "x*y^3", "--order", "2"], ["df/dx", "df/dy", "d2f/dx^2", "d2f/dx dy", "d2f/dy^2"]),
    (["diff", "beta_1^2*w", "--wrt", "w,beta_1"], ["df/dw", "df/dbeta_1"]),
    (["diff", "s^2*t", "--at", "s=1,t=2", "--direction", "1,1"], ["df/ds", "df/dt", "D_u f"]),
    (["diff", "q^2 - 4*q", "--at", "q=0", "--lr", "0.1"], ["df/dq", "q_new"]),
    (["diff", "x*y^3", "--order", "2", "--at", "x=2,y=-1"],
     ["df/dx", "df/dy", "d2f/dx^2", "d2f/dx dy", "d2f/dy^2"]),
])
def test_diff_json_keys_are_readable(argv, keys, capsys):
    assert main([*argv, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert list(doc["result"]) == keys
    for key, entry in doc["result"].items():
        assert "(" not in key and "Derivative" not in key and "Subs" not in key
        sp.sympify(entry["exact"])  # the value stays exact text
    if "--at" in argv:
        point = argv[argv.index("--at") + 1]
        assert doc["meta"]["at"] == dict(pair.split("=") for pair in point.split(","))


def test_result_names_still_print_as_derivatives():
    a, b = sp.symbols("a b", real=True)
    d = differentiation(parse("a^2*b"), parse_names("a,b"), order=2)
    assert [unicode(r.name) for r in d.results] == ["∂f/∂a", "∂f/∂b", "∂²f/∂a²", "∂²f/∂a∂b",
                                                    "∂²f/∂b²"]
    assert all(isinstance(r.name, sp.Derivative) for r in d.results)
    d = differentiation(parse("a^2*b"), parse_names("a,b"), at={a: 1, b: 2})
    assert unicode(d.results[0].name) == "(∂f/∂a) at a = 1, b = 2"


# -- 5. counts in words, notes that read after the rule's name ------------------------------------------------------
@pytest.mark.parametrize("count, words", [(1, "the partial derivative evaluates"),
                                          (2, "both partial derivatives evaluate"),
                                          (3, "all 3 partial derivatives evaluate")])
def test_gradient_check_counts_in_words(count, words):
    x = sp.Symbol("x")
    B = Builder("demo", "demo").section("s")
    steps = [B.add(Step(Rule.SIMPLIFY, x * (k + 1) - x * (k + 1), sp.S.Zero)) for k in range(count)]
    check = gradient_check(steps)
    assert check.passed and check.detail.startswith(words)


@pytest.mark.parametrize("dataset, params", [("baby", ("s", "b")), ("salary", ("beta_1", "beta_0"))])
def test_regression_notes_read_after_the_rule_name(dataset, params):
    """A note is printed as "rule: note": it is a phrase, without a colon of its own or a leading "and"."""
    d = linear_regression(load_dataset(dataset), params=params)
    notes = [s.note for s in d.steps() if s.note]
    assert notes
    assert [n for n in notes if ":" in n or n.split()[0] in ("and", "or")] == []


def test_calculus_notes_read_after_the_rule_name():
    a, b = sp.symbols("a b", real=True)
    for d in (differentiation(parse("3*a^2 + b^2 - a*b + a"), at={a: 1, b: 2}, direction=[1, 1], lr=sp.Rational(1, 10)),
              minimization(parse("sin(a) + cos(b)"))):
        notes = [s.note for s in d.steps() if s.note]
        assert notes and [n for n in notes if ":" in n or n.split()[0] in ("and", "or")] == []


def test_too_few_rows_is_said_in_words():
    from types import SimpleNamespace

    from derive.errors import DataError
    from derive.problems.regression_numbers import require_spread

    with pytest.raises(DataError, match=r"tiny: only one row; a line needs at least 2 rows") as err:
        require_spread(SimpleNamespace(name="tiny"), [sp.Integer(3)])
    assert "(s)" not in str(err.value)


@pytest.mark.parametrize("seed", range(4))
def test_the_hessian_at_a_point_is_the_second_derivatives_there(seed, capsys):
    import random

    rng = random.Random(seed)
    a, b = sp.symbols("a b", real=True)
    f = rng.randint(1, 5) * a**3 * b + rng.randint(-4, 4) * a * b**2 + rng.randint(-3, 3) * b**3
    pa, pb = sp.Rational(rng.randint(-9, 9), rng.randint(1, 4)), sp.Rational(rng.randint(-9, 9), rng.randint(1, 4))
    assert main(["diff", sp.sstr(f), "--order", "2", "--at", f"a={pa},b={pb}", "--format", "json"]) == 0
    got = {k: sp.sympify(v["exact"]) for k, v in json.loads(capsys.readouterr().out)["result"].items()}
    at = {a: pa, b: pb}
    assert got["d2f/da^2"] == sp.diff(f, a, 2).subs(at)
    assert got["d2f/da db"] == sp.diff(f, a, b).subs(at)
    assert got["d2f/db^2"] == sp.diff(f, b, 2).subs(at)


def test_a_constant_hessian_at_a_point_says_so(capsys):
    assert main(["diff", "x^2 + y^2", "--order", "2", "--at", "x=1,y=2"]) == 0
    out = capsys.readouterr().out
    section = out.split("The Hessian at x = 1, y = 2", 1)[1].split("Result", 1)[0]
    assert "The Hessian is the same at every point." in section

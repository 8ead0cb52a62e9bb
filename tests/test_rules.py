"""The rule catalogue: stable codes, prose for every rule, and every stated formula is true."""
import pytest
import sympy as sp

from derive.rules import CheckKind, Rule
from derive.steps import Step
from derive.verify import verify_step


def test_codes_are_unique_and_stable():
    codes = [r.code for r in Rule]
    assert len(codes) == len(set(codes))
    assert Rule.by_code("chain") is Rule.CHAIN
    with pytest.raises(KeyError):
        Rule.by_code("no-such-rule")


@pytest.mark.parametrize("rule", list(Rule), ids=lambda r: r.code)
def test_every_rule_has_prose(rule):
    assert rule.label and rule.sentence.endswith(".") and rule.value.example
    assert isinstance(rule.check, CheckKind)


FORMULA_RULES = [r for r in Rule if r.value.formula is not None]


@pytest.mark.parametrize("rule", FORMULA_RULES, ids=lambda r: r.code)
def test_formula_is_an_identity(rule):
    """Each catalogue formula is a true statement: the verifier accepts lhs -> rhs."""
    f = rule.formula()
    assert isinstance(f, sp.Equality)
    checked = verify_step(Step(Rule.SIMPLIFY, f.lhs, f.rhs), {})
    assert checked.check.passed


def test_a_false_formula_would_be_caught():
    x = sp.Symbol("x")
    with pytest.raises(Exception):
        verify_step(Step(Rule.POWER, sp.Derivative(x**3, x), 3 * x**3), {})


def test_differentiation_rules_cover_the_cheat_sheet():
    for code in ("constant", "constant-factor", "sum", "power", "chain", "product", "quotient", "exp", "log",
                 "sum-termwise", "similarly"):
        assert Rule.by_code(code)

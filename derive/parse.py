"""The one safe expression parser.

User text never reaches Python's ``eval`` (nor sympy's ``sympify``, which uses it). A small
tokenizer and a recursive-descent parser accept a whitelist — numbers, names, ``+ - * / ** ^``,
parentheses and known functions — and build sympy objects directly. Decimals are exact
(``0.1`` is 1/10). Length, nesting depth and exponents are bounded so that no input can hang the
process or exhaust memory. Every rejection is an :class:`~derive.errors.ExpressionError` whose
one-line message gives the position and the reason.

Example:
    >>> parse("3*a^2 + b**2 - a*b + 0.5")
    3*a**2 - a*b + b**2 + 1/2
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from .errors import ExpressionError
from .notation import parameter

MAX_LENGTH = 2000
MAX_DEPTH = 60
MAX_EXPONENT = 100  # |k| in x**k for an integer k
MAX_DIGITS = 400  # digits of any number, written or computed

FUNCTIONS = {
    "exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt, "sin": sp.sin, "cos": sp.cos,
    "tan": sp.tan, "abs": sp.Abs, "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
    "asin": sp.asin, "acos": sp.acos, "atan": sp.atan,
}
CONSTANTS = {"pi": sp.pi, "E": sp.E, "e": sp.E}  # e^x is exp(x), as a student writes it
FORBIDDEN_WORDS = {"lambda", "import", "exec", "eval", "open", "class", "def", "for", "while", "if", "else",
                   "and", "or", "not", "in", "is", "None", "True", "False", "print", "getattr", "globals"}

_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z][A-Za-z0-9_]*)|(?P<op>\*\*|[-+*/^(),]))")


@dataclass(frozen=True)
class Token:
    kind: str  # num | name | op | end
    text: str
    pos: int  # 1-based column


class _Parser:
    def __init__(self, text: str, what: str):
        self.text, self.what = text, what
        self.tokens = self._tokenize()
        self.i = 0
        self.depth = 0

    # -- errors ------------------------------------------------------------------------------------
    def fail(self, pos: int, reason: str) -> ExpressionError:
        shown = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        return ExpressionError(f"{self.what} '{shown}', position {pos}: {reason}")

    # -- tokens -------------------------------------------------------------------------------------
    def _tokenize(self) -> list[Token]:
        text, pos, out = self.text, 0, []
        word = re.search(r"\b(" + "|".join(sorted(FORBIDDEN_WORDS)) + r")\b", text)
        if word:  # NOTE: named before any character it brings along (lambda x: x fails on 'lambda', not ':')
            raise self.fail(word.start() + 1, f"'{word.group(1)}' is not allowed")
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                start = pos + (len(text[pos:]) - len(text[pos:].lstrip()))
                raise self.fail(start + 1, _describe_char(text, start))
            kind = m.lastgroup
            start = m.start(kind)
            out.append(Token(kind, m.group(kind), start + 1))
            pos = m.end()
        out.append(Token("end", "", len(text) + 1))
        return out

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self, text: str | None = None) -> Token:
        tok = self.tokens[self.i]
        if text is not None and tok.text != text:
            found = "the end" if tok.kind == "end" else f"'{tok.text}'"
            raise self.fail(tok.pos, f"expected '{text}' but found {found}")
        self.i += 1
        return tok

    # -- grammar: expr := term (+|- term)* ; term := unary (*|/ unary)* ; unary := -unary | power ;
    #    power := atom ((**|^) unary)? ; atom := number | name | name(args) | (expr)
    def parse(self) -> sp.Basic:
        e = self.expr()
        tok = self.peek()
        if tok.kind != "end":
            hint = "a missing operator (write 2*x, not 2x)" if tok.kind in ("num", "name") or tok.text == "(" \
                else f"unexpected '{tok.text}'"
            raise self.fail(tok.pos, hint)
        return e

    def nest(self, tok: Token):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(tok.pos, f"nesting deeper than {MAX_DEPTH} levels")

    def expr(self) -> sp.Basic:
        left = self.term()
        while self.peek().text in ("+", "-"):
            op = self.take().text
            right = self.term()
            left = left + right if op == "+" else left - right
        return left

    def term(self) -> sp.Basic:
        left = self.unary()
        while self.peek().text in ("*", "/"):
            tok = self.take()
            right = self.unary()
            if tok.text == "/":
                if right == 0:
                    raise self.fail(tok.pos, "division by zero")
                left = left / right
            else:
                left = left * right
            self.bound(left, tok)
        return left

    def unary(self) -> sp.Basic:
        tok = self.peek()
        if tok.text in ("-", "+"):
            self.take()
            self.nest(tok)
            value = self.unary()
            self.depth -= 1
            return -value if tok.text == "-" else value
        return self.power()

    def power(self) -> sp.Basic:
        base = self.atom()
        tok = self.peek()
        if tok.text in ("**", "^"):
            self.take()
            self.nest(tok)
            exp = self.unary()
            self.depth -= 1
            return self.pow(base, exp, tok)
        return base

    def pow(self, base: sp.Basic, exp: sp.Basic, tok: Token) -> sp.Basic:
        if exp.is_Integer and abs(int(exp)) > MAX_EXPONENT:
            raise self.fail(tok.pos, f"exponent {exp} is larger than the limit {MAX_EXPONENT}")
        if exp.is_Rational and abs(exp) > MAX_EXPONENT:
            raise self.fail(tok.pos, f"exponent {exp} is larger than the limit {MAX_EXPONENT}")
        if base.is_number and exp.is_number and not exp.is_Rational:
            raise self.fail(tok.pos, "a number raised to a non-rational power is not supported")
        if base == 0 and exp.is_number and exp.is_negative:
            raise self.fail(tok.pos, "division by zero (0 to a negative power)")
        result = sp.Pow(base, exp)
        return self.bound(result, tok)

    def bound(self, value: sp.Basic, tok: Token) -> sp.Basic:
        if value.is_Rational and (len(str(abs(value.p))) > MAX_DIGITS or len(str(value.q)) > MAX_DIGITS):
            raise self.fail(tok.pos, f"a number with more than {MAX_DIGITS} digits")
        return value

    def atom(self) -> sp.Basic:
        tok = self.take()
        if tok.kind == "num":
            if len(tok.text) > MAX_DIGITS:
                raise self.fail(tok.pos, f"a number with more than {MAX_DIGITS} digits")
            mantissa = re.split(r"[eE]", tok.text)
            if len(mantissa) == 2 and abs(int(mantissa[1])) > MAX_DIGITS:
                raise self.fail(tok.pos, f"an exponent beyond {MAX_DIGITS} digits")
            f = Fraction(tok.text)
            return self.bound(sp.Rational(f.numerator, f.denominator), tok)
        if tok.kind == "name":
            return self.name(tok)
        if tok.text == "(":
            self.nest(tok)
            inner = self.expr()
            self.take(")")
            self.depth -= 1
            return inner
        if tok.kind == "end":
            raise self.fail(tok.pos, "the expression ends too early")
        raise self.fail(tok.pos, f"unexpected '{tok.text}'")

    def name(self, tok: Token) -> sp.Basic:
        word = tok.text
        if "__" in word or word in FORBIDDEN_WORDS:
            raise self.fail(tok.pos, f"'{word}' is not allowed")
        if self.peek().text == "(":
            if word not in FUNCTIONS:
                raise self.fail(tok.pos, f"unknown function '{word}'; known: {', '.join(sorted(FUNCTIONS))}")
            open_tok = self.take("(")
            self.nest(open_tok)
            args = [self.expr()]
            while self.peek().text == ",":
                self.take()
                args.append(self.expr())
            self.take(")")
            self.depth -= 1
            if len(args) != 1:
                raise self.fail(tok.pos, f"{word} takes one argument, got {len(args)}")
            return FUNCTIONS[word](args[0])
        if word in FUNCTIONS:
            raise self.fail(tok.pos, f"'{word}' is a function: write {word}(...)")
        if word in CONSTANTS:
            return CONSTANTS[word]
        if reserved_name(word):
            raise self.fail(tok.pos, f"'{word}' is a reserved name (sympy reads it as something else); "
                                     f"choose another name, e.g. {word}_1")
        return parameter(word)


def reserved_name(word: str) -> bool:
    """Names such as I, N, S, gamma or zeta mean something else to sympy: a result written with them
    would not read back (the JSON contract promises that every exact value does)."""
    return hasattr(sp, word) and word not in CONSTANTS and word not in FUNCTIONS


# NOTE: look-alikes of operators are refused like any other character, but the message says what to type
_ASCII_FOR = {"\u2212": "-", "\u2013": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u00f7": "/",
              "\u2215": "/", "\uff0b": "+", "\uff0d": "-", "\uff0a": "*", "\uff08": "(", "\uff09": ")",
              "\u221a": "sqrt(...)", "\u00bd": "1/2", "\u03c0": "pi"}


def _describe_char(text: str, pos: int) -> str:
    ch = text[pos]
    word = re.match(r"[A-Za-z0-9_]+", text[pos:])
    if ch == "_" and word:
        return f"'{word.group(0)}' is not allowed (names start with a letter)"
    if ch in "\"'":
        return "strings are not allowed"
    if ch == ".":
        return "attribute access is not allowed" if pos > 0 and (text[pos - 1].isalnum() or text[pos - 1] in ")_") \
            else "a malformed number"
    if ch in "[]{}":
        return f"'{ch}' is not allowed; use ( )"
    if ch == "=":
        return "'=' is not allowed in an expression"
    if not ch.isascii():
        name = unicodedata.name(ch, "unknown character")
        digit = unicodedata.digit(ch, None)
        ascii_for = _ASCII_FOR.get(ch) or (f"^{digit}" if digit is not None and "SUPERSCRIPT" in name else None)
        category = unicodedata.category(ch)
        if ascii_for:
            hint = f"write {ascii_for!r} instead"
        elif category.startswith(("Z", "C")):
            hint = "an invisible or unusual space character; delete it"
        elif category.startswith("L"):
            hint = "use ASCII letters such as beta_1 for Greek names"
        else:
            hint = "write expressions in ASCII: + - * / ^ and names such as x or beta_1"
        return f"unexpected character '{ch}' (U+{ord(ch):04X} {name}); {hint}"
    return f"unexpected character '{ch}'"


def parse(text: str, what: str = "expression") -> sp.Basic:
    """Parse ``text`` into a sympy expression, safely (see module docstring)."""
    if not isinstance(text, str):
        raise ExpressionError(f"{what}: expected text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"{what}: {len(text)} characters is more than the limit of {MAX_LENGTH}")
    if not text.strip():
        raise ExpressionError(f"{what}: empty; write an expression such as x**2 - 4*x + 5")
    result = _Parser(text, what).parse()
    if result.has(sp.I):
        raise ExpressionError(f"{what} '{text[:60]}': it has an imaginary part (such as sqrt(-1)); derive works "
                              f"with real numbers")
    if result.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ExpressionError(f"{what} '{text[:60]}': a part of it is undefined (such as log(0) or 1/0); "
                              f"remove it")
    return result


def constant_columns(text: str, columns) -> None:
    """A model that writes a column named like a constant (e, E, pi) would read Euler's number or π
    instead of the column: refused, with the fix."""
    for name in sorted(set(CONSTANTS) & set(columns)):
        if re.search(rf"(?<![A-Za-z0-9_]){name}(?![A-Za-z0-9_(])", text):
            what = "Euler's number e" if CONSTANTS[name] == sp.E else "the constant π"
            raise ExpressionError(f"--model: '{name}' is read as {what}, but it is "
                                  f"also a column of the data; rename the column (and use the new name in the model)")


def parse_names(text: str, what: str = "--vars") -> tuple[sp.Symbol, ...]:
    """'a,b' -> (a, b); each must be a plain name."""
    names = [t.strip() for t in text.split(",")]
    out = []
    for name in names:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) or "__" in name or name in FUNCTIONS:
            raise ExpressionError(f"{what}: '{name}' is not a variable name; use names like a, b or beta_1")
        if reserved_name(name) or name in CONSTANTS:
            raise ExpressionError(f"{what}: '{name}' is a reserved name (sympy reads it as something else); "
                                  f"choose another, e.g. {name}_1")
        out.append(parameter(name))
    if len(set(out)) != len(out):
        raise ExpressionError(f"{what}: a name is repeated in '{text}'")
    return tuple(out)


def parse_point(text: str, what: str = "--at") -> dict[sp.Symbol, sp.Basic]:
    """'a=1,b=2.5' -> {a: 1, b: 5/2}; values are parsed exactly."""
    point = {}
    for part in text.split(","):
        if "=" not in part:
            raise ExpressionError(f"{what}: '{part.strip()}' is not of the form name=value (e.g. a=1,b=2)")
        name, value = part.split("=", 1)
        (sym,) = parse_names(name, what)
        point[sym] = parse(value, f"{what} value for {sym}")
    return point

"""Prose for each format: escaping for LaTeX and Markdown, wrapping and colour for the terminal.

Prose (titles, intros, notes, check details) is plain text that may contain plain-text math such
as ``Σ(x_i − x̄)² = 0``; it is never LaTeX. Each format escapes it here.

Example:
    >>> latex_text("50% of x_i")
    '50\\\\% of x\\\\_i'
    >>> markdown_text("a*b_c")
    'a\\\\*b\\\\_c'
"""
from __future__ import annotations

import re
import textwrap
import unicodedata

# -- LaTeX ------------------------------------------------------------------------------------------
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\ensuremath{\$}", "&": r"\&", "%": r"\%", "#": r"\#",
    "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}", "<": r"\textless{}", ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_GREEK = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau "
          "upsilon phi chi psi omega").split()
_CAPITALS = {"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"}


def _greek(name: str, capital: bool) -> str:
    uname = "LAMDA" if name == "lambda" else name.upper()
    return unicodedata.lookup(f"GREEK {'CAPITAL' if capital else 'SMALL'} LETTER {uname}")


_LATEX_UNICODE = {_greek(n, False): rf"\ensuremath{{\{n}}}" for n in _GREEK}
_LATEX_UNICODE.update({_greek(n, True): rf"\ensuremath{{\{n.capitalize()}}}" for n in _GREEK
                       if n.capitalize() in _CAPITALS})
_LATEX_UNICODE.update({
    "\u2212": r"\ensuremath{-}", "\u2248": r"\ensuremath{\approx}",
    "\u2264": r"\ensuremath{\leq}", "\u2265": r"\ensuremath{\geq}", "\u2260": r"\ensuremath{\neq}",
    "\u00d7": r"\ensuremath{\times}", "\u00b7": r"\ensuremath{\cdot}", "\u2202": r"\ensuremath{\partial}",
    "\u2211": r"\ensuremath{\Sigma}", "\u221a": r"\ensuremath{\surd}", "\u221e": r"\ensuremath{\infty}",
    "\u2192": r"\ensuremath{\to}", "\u21d2": r"\ensuremath{\Rightarrow}", "\u21d4": r"\ensuremath{\Leftrightarrow}",
    "\u2208": r"\ensuremath{\in}", "\u2713": r"\ensuremath{\checkmark}", "\u2717": r"\ensuremath{\times}",
    "\u2026": r"\ldots{}", "\u2014": "---", "\u2013": "--", "\u2018": "`", "\u2019": "'", "\u201c": "``",
    "\u201d": "''", "\u00a0": "~", "\u2032": r"\ensuremath{'}", "\u00f7": r"\ensuremath{\div}",
    "\u00b1": r"\ensuremath{\pm}", "\u00b0": r"\ensuremath{^{\circ}}", "\u00b5": r"\ensuremath{\mu}",
    "\u2200": r"\ensuremath{\forall}", "\u2203": r"\ensuremath{\exists}", "\u2207": r"\ensuremath{\nabla}",
})
_SUPER = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ", "0123456789+-=()ni"))
_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ", "0123456789+-=()aeoxhklmnpstijruv"))
_ACCENT = {"\u0304": r"\bar", "\u0305": r"\overline", "\u0302": r"\hat", "\u0303": r"\tilde", "\u0307": r"\dot"}


def _latex_char(c: str) -> str:
    if c in _LATEX_SPECIAL:
        return _LATEX_SPECIAL[c]
    if ord(c) < 128 or (0xC0 <= ord(c) <= 0x17F and c.isalpha()):  # ASCII and Latin letters inputenc knows
        return c
    if c in _LATEX_UNICODE:
        return _LATEX_UNICODE[c]
    if c in _SUPER:
        return rf"\textsuperscript{{{_SUPER[c]}}}"
    if c in _SUB:
        return rf"\ensuremath{{_{{\mathrm{{{_SUB[c]}}}}}}}"
    base, *marks = unicodedata.normalize("NFD", c)
    if base.isascii() and marks and all(m in _ACCENT for m in marks):  # ȳ -> \bar{y}
        tex = base
        for m in marks:
            tex = f"{_ACCENT[m]}{{{tex}}}"
        return rf"\ensuremath{{{tex}}}"
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", c) if not unicodedata.combining(ch))
    return "".join(ch if ord(ch) < 128 else "?" for ch in plain) or "?"


def latex_text(text: str) -> str:
    """Plain prose as LaTeX text: special characters escaped, Unicode math symbols as commands."""
    out: list[str] = []
    for c in text:
        if unicodedata.combining(c):
            if c in _ACCENT and out:
                out[-1] = rf"\ensuremath{{{_ACCENT[c]}{{{_math_of(out[-1])}}}}}"
            continue
        out.append(_latex_char(c))
    return "".join(out)


def _math_of(tex: str) -> str:
    """The math-mode form of an escaped character (for an accent over it)."""
    m = re.fullmatch(r"\\ensuremath\{(.*)\}", tex)
    return m.group(1) if m else tex


# -- Markdown -----------------------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|$~&])")


def markdown_text(text: str) -> str:
    """Plain prose as Markdown text: every character with a Markdown meaning escaped (and $, which
    would start math on GitHub, Jupyter and Pandoc)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


_MATH_TEXT_SPECIAL = {"\\": r"\backslash", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "%": r"\%",
                      "#": r"\#", "_": r"\_", "^": r"\hat{}", "~": r"\sim"}


def _math_symbol(cluster: str) -> str:
    """One character (with its combining marks) of prose as math: Σ -> \\Sigma, x̄ -> \\bar{x}."""
    c, marks = cluster[0], cluster[1:]
    if c in _SUPER:
        tex = f"^{{{_SUPER[c]}}}"
    elif c in _SUB:
        tex = f"_{{\\mathrm{{{_SUB[c]}}}}}"
    elif c in _LATEX_UNICODE and _LATEX_UNICODE[c].startswith("\\ensuremath{"):
        tex = _math_of(_LATEX_UNICODE[c])
    elif len(unicodedata.normalize("NFD", c)) > 1:  # ȳ -> \bar{y}
        return _math_symbol(unicodedata.normalize("NFD", c))
    elif c.isascii() and c.isalnum():
        tex = c
    else:
        tex = rf"\text{{{c}}}"
    for m in marks:
        if m in _ACCENT:
            tex = rf"{_ACCENT[m]}{{{tex}}}"
    return tex


def math_text(text: str) -> str:
    """Prose inside display math for KaTeX and MathJax: ``\\text{…}`` runs of plain characters; TeX
    specials and Unicode math symbols in math mode (MathJax reads no escapes inside ``\\text``, and
    KaTeX refuses symbols such as ≠ there)."""
    out: list[str] = []
    run = ""
    for cluster in _clusters(text):
        c = cluster[0]
        plain = len(cluster) == 1 and c not in _MATH_TEXT_SPECIAL and (
            (c.isascii() and c.isprintable()) or (0xC0 <= ord(c) <= 0x17F and c.isalpha()))
        if plain:
            run += c
            continue
        if run:
            out.append(rf"\text{{{run}}}")
            run = ""
        out.append(_MATH_TEXT_SPECIAL.get(c) if len(cluster) == 1 and c in _MATH_TEXT_SPECIAL else _math_symbol(cluster))
    if run:
        out.append(rf"\text{{{run}}}")
    return "".join(out)


def _clusters(text: str) -> list[str]:
    """Characters with their combining marks attached."""
    out: list[str] = []
    for c in text:
        if out and unicodedata.combining(c):
            out[-1] += c
        else:
            out.append(c)
    return out


# -- terminal ---------------------------------------------------------------------------------------------
WIDTH = 88  # NOTE: fixed, not the terminal's width, so that output is the same everywhere

_ANSI = {"bold": "1", "dim": "2", "red": "31", "green": "32", "cyan": "36", "heading": "1;36"}


def width(text: str) -> int:
    """Display width: combining marks take no column, ANSI colour codes none."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, n: int, right: bool = False) -> str:
    gap = " " * max(n - width(text), 0)
    return gap + text if right else text + gap


def wrap(text: str, indent: str = "") -> list[str]:
    """Prose wrapped to :data:`WIDTH` columns, paragraph breaks kept."""
    lines: list[str] = []
    for para in text.split("\n"):
        lines.extend(textwrap.wrap(para, WIDTH, initial_indent=indent, subsequent_indent=indent) or [""])
    return lines


class Colour:
    """ANSI colours, or nothing at all when disabled (no escape codes in the output)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __call__(self, style: str, text: str) -> str:
        if not self.enabled or not text:
            return text
        return f"\x1b[{_ANSI[style]}m{text}\x1b[0m"

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
    "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}", "<": r"\ensuremath{<}", ">": r"\ensuremath{>}",
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
    "\u2016": r"\ensuremath{\|}", "\u2200": r"\ensuremath{\forall}", "\u2203": r"\ensuremath{\exists}", "\u2207": r"\ensuremath{\nabla}",
})
# NOTE: math symbols that KaTeX refuses inside \text (∫, ∏) or does not know there (∩, ←, ″, §): in
# Markdown they go in math mode; in LaTeX each was a "?" before it was listed here.
_LATEX_UNICODE.update({
    "\u222b": r"\ensuremath{\int}", "\u220f": r"\ensuremath{\prod}", "\u2229": r"\ensuremath{\cap}",
    "\u222a": r"\ensuremath{\cup}", "\u2282": r"\ensuremath{\subset}", "\u2286": r"\ensuremath{\subseteq}",
    "\u2283": r"\ensuremath{\supset}", "\u2287": r"\ensuremath{\supseteq}", "\u2209": r"\ensuremath{\notin}",
    "\u2190": r"\ensuremath{\leftarrow}", "\u2194": r"\ensuremath{\leftrightarrow}",
    "\u21d0": r"\ensuremath{\Leftarrow}",
    "\u21a6": r"\ensuremath{\mapsto}", "\u2022": r"\ensuremath{\bullet}", "\u2218": r"\ensuremath{\circ}",
    "\u2261": r"\ensuremath{\equiv}", "\u221d": r"\ensuremath{\propto}", "\u223c": r"\ensuremath{\sim}",
    "\u226a": r"\ensuremath{\ll}", "\u226b": r"\ensuremath{\gg}", "\u2213": r"\ensuremath{\mp}",
    "\u2227": r"\ensuremath{\wedge}", "\u2228": r"\ensuremath{\vee}", "\u00ac": r"\ensuremath{\neg}",
    "\u2205": r"\ensuremath{\emptyset}", "\u2225": r"\ensuremath{\parallel}", "\u22a5": r"\ensuremath{\perp}",
    "\u27e8": r"\ensuremath{\langle}", "\u27e9": r"\ensuremath{\rangle}", "\u22ef": r"\ensuremath{\cdots}",
    "\u2033": r"\ensuremath{''}", "\u00a7": r"\ensuremath{\S}", "\u00b6": r"\ensuremath{\P}",
    "\u2206": r"\ensuremath{\Delta}", "\u22c5": r"\ensuremath{\cdot}", "\u211d": r"\ensuremath{\mathbb{R}}",
    "\u2115": r"\ensuremath{\mathbb{N}}", "\u2124": r"\ensuremath{\mathbb{Z}}", "\u211a": r"\ensuremath{\mathbb{Q}}",
    "\u2102": r"\ensuremath{\mathbb{C}}",
})


def _compatibility(tag: str) -> dict[str, str]:
    """The characters whose Unicode compatibility decomposition is ``tag`` (``<super>``, ``<sub>``) of
    one ASCII letter, digit, sign or parenthesis, and that character: ᵀ -> T, ₁ -> 1, ⁻ -> -."""
    table = {}
    for code in range(0xA0, 0xAC00):  # NOTE: none lies beyond (Hangul syllables and up)
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and parts[0] == tag:
            base = chr(int(parts[1], 16)).replace("\u2212", "-")
            if base.isascii() and (base.isalnum() or base in "+-=()"):
                table[chr(code)] = base
    return table


def _vulgar_fractions() -> dict[str, str]:
    """½ -> \\ensuremath{\\tfrac{1}{2}}, for every Unicode vulgar fraction of two whole numbers."""
    table = {}
    for code in range(0xA0, 0x2190):
        parts = unicodedata.decomposition(chr(code)).split()
        if parts[:1] == ["<fraction>"]:
            num, _, den = "".join(chr(int(p, 16)) for p in parts[1:]).partition("\u2044")
            if num.isdigit() and den.isdigit():
                table[chr(code)] = rf"\ensuremath{{\tfrac{{{num}}}{{{den}}}}}"
    return table


class _OnFirstUse(dict):
    """A table built the first time it is read (scanning Unicode costs ~15 ms, at every start otherwise)."""

    def __init__(self, build, base=None):
        super().__init__(base or {})
        self._build = build

    def _ready(self):
        if self._build is not None:
            build, self._build = self._build, None
            for k, v in build().items():
                self.setdefault(k, v)

    def __contains__(self, key):
        self._ready()
        return super().__contains__(key)

    def __getitem__(self, key):
        self._ready()
        return super().__getitem__(key)


_LATEX_UNICODE = _OnFirstUse(_vulgar_fractions, _LATEX_UNICODE)
_SUPER = _OnFirstUse(lambda: _compatibility("<super>"))  # ⁰¹²…ⁿⁱ, ᵀ, ᵃᵇ…
_SUB = _OnFirstUse(lambda: _compatibility("<sub>"))  # ₀₁₂…, ᵢⱼ, ₐₑ…
_ACCENT = {"\u0304": r"\bar", "\u0305": r"\overline", "\u0302": r"\hat", "\u0303": r"\tilde", "\u0307": r"\dot",
           "\u0308": r"\ddot", "\u0301": r"\acute", "\u0300": r"\grave", "\u030c": r"\check", "\u0306": r"\breve",
           "\u20d7": r"\vec"}


def _latex_char(c: str) -> str:
    if c in _LATEX_SPECIAL:
        return _LATEX_SPECIAL[c]
    if ord(c) < 128 or (0xC0 <= ord(c) <= 0x17F and c.isalpha()):  # ASCII and Latin letters inputenc knows
        return c
    if c in _LATEX_UNICODE:
        return _LATEX_UNICODE[c]
    if c in _SUPER:  # math, so that ⁻ is a minus sign, not a hyphen; a run is merged in latex_text
        return rf"\ensuremath{{^{{{_SUPER[c]}}}}}"
    if c in _SUB:
        return rf"\ensuremath{{_{{\mathrm{{{_SUB[c]}}}}}}}"
    base, *marks = unicodedata.normalize("NFD", c)
    if base.isascii() and marks and all(m in _ACCENT for m in marks):  # ȳ -> \bar{y}
        tex = base
        for m in marks:
            tex = f"{_ACCENT[m]}{{{tex}}}"
        return rf"\ensuremath{{{tex}}}"
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", c) if not unicodedata.combining(ch))
    # NOTE: the ASCII of a compatibility form is escaped too: fullwidth ＃ is \#, not a bare #
    return "".join(_LATEX_SPECIAL.get(ch, ch) if ord(ch) < 128 else "?" for ch in plain) or "?"


def latex_text(text: str) -> str:
    """Plain prose as LaTeX text: special characters escaped, Unicode math symbols as commands."""
    out: list[str] = []
    for c in text:
        if unicodedata.combining(c):
            if c in _ACCENT and out:
                out[-1] = rf"\ensuremath{{{_ACCENT[c]}{{{_math_of(out[-1])}}}}}"
            continue
        tex = _latex_char(c)
        if c in _SUPER and out and out[-1].startswith(r"\ensuremath{^{") and out[-1].endswith("}}"):
            out[-1] = out[-1][:-2] + _SUPER[c] + "}}"  # 10⁻⁷ -> 10\ensuremath{^{-7}}
            continue
        if c in _SUB and out and out[-1].startswith(r"\ensuremath{_{\mathrm{") and out[-1].endswith("}}}"):
            out[-1] = out[-1][:-3] + _SUB[c] + "}}}"  # λₘᵢₙ -> \ensuremath{\lambda}\ensuremath{_{\mathrm{min}}}
            continue
        out.append(tex)
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
                      "#": r"\#", "_": r"\_", "^": r"\hat{}", "~": r"\sim", "\u00a0": "~", "\u2026": r"\ldots"}


# Unicode blocks of math symbols: arrows, operators, technical, math A and B, supplemental arrows and operators
_MATH_BLOCKS = ((0x2190, 0x23FF), (0x27C0, 0x27FF), (0x2900, 0x2AFF))


def _plain(c: str) -> bool:
    """A character that goes into a ``\\text{…}`` run as it is."""
    if c in _MATH_TEXT_SPECIAL:
        return False
    return (c.isascii() and c.isprintable()) or (0xC0 <= ord(c) <= 0x17F and c.isalpha())


def _math_symbol(cluster: str) -> str:
    """One character (with its combining marks) of prose as math: Σ -> \\Sigma, x̄ -> \\bar{x}."""
    c, marks = cluster[0], cluster[1:]
    compat = unicodedata.normalize("NFKD", c)
    if c in _MATH_TEXT_SPECIAL:
        tex = _MATH_TEXT_SPECIAL[c]
    elif c in _SUPER:
        tex = f"^{{{_SUPER[c]}}}"
    elif c in _SUB:
        tex = f"_{{\\mathrm{{{_SUB[c]}}}}}"
    elif c in _LATEX_UNICODE and _LATEX_UNICODE[c].startswith("\\ensuremath{"):
        tex = _math_of(_LATEX_UNICODE[c])
    elif len(unicodedata.normalize("NFD", c)) > 1:  # ȳ -> \bar{y}
        return _math_symbol(unicodedata.normalize("NFD", c) + marks)
    elif c.isascii() and c.isalnum():
        tex = c
    elif compat != c and compat.isascii() and compat.isprintable():
        tex = math_text(compat)  # ‼ -> !!, ™ -> TM, ℋ -> H, fullwidth ＃ -> \#
    elif unicodedata.category(c) in ("Zs", "Zl", "Zp"):
        tex = r"\text{ }"
    elif unicodedata.category(c) == "Sm" or any(lo <= ord(c) <= hi for lo, hi in _MATH_BLOCKS):
        tex = c  # NOTE: a math symbol (⊕, ⟦): KaTeX and MathJax know it in math mode, KaTeX not in \text
    else:
        tex = rf"\text{{{c}}}"
    for m in marks:
        if m in _ACCENT:
            tex = rf"{_ACCENT[m]}{{{tex}}}"
    return tex


def _piece(cluster: str) -> tuple[str, str]:
    """What one character of prose becomes in math: ("text", c) for a character of a ``\\text`` run,
    ("^", T) or ("_", i) for a super- or subscript, ("math", tex) for anything else."""
    c = cluster[0]
    if len(cluster) == 1:
        if _plain(c):
            return "text", c
        if c in _SUPER:
            return "^", _SUPER[c]
        if c in _SUB:
            return "_", _SUB[c]
        compat = unicodedata.normalize("NFKD", c)
        if c not in _LATEX_UNICODE and c not in _MATH_TEXT_SPECIAL and compat != c and all(map(_plain, compat)):
            return "text", compat  # ℒ -> L, ™ -> TM, in the text run
    return "math", _math_symbol(cluster)


def math_text(text: str) -> str:
    """Prose inside display math for KaTeX and MathJax: ``\\text{…}`` runs of plain characters; TeX
    specials and Unicode math symbols in math mode (MathJax reads no escapes inside ``\\text``, and
    KaTeX refuses symbols such as ≠ there); a run of super- or subscripts as one script
    (``(XᵀX)⁻¹`` -> ``\\text{(X}^{T}\\text{X)}^{-1}``, never a double superscript)."""
    pieces: list[list[str]] = []
    for cluster in _clusters(text):
        kind, tex = _piece(cluster)
        if pieces and kind != "math" and pieces[-1][0] == kind:
            pieces[-1][1] += tex
        else:
            pieces.append([kind, tex])
    out: list[str] = []
    scripts: set[str] = set()  # the scripts that the current base already has
    for kind, tex in pieces:
        if kind in ("^", "_"):
            if kind in scripts:  # xᵢ²ⱼ: a second subscript on the same base needs an empty base
                out.append("{}")
                scripts = set()
            out.append(f"^{{{tex}}}" if kind == "^" else f"_{{\\mathrm{{{tex}}}}}")
            scripts.add(kind)
        else:
            out.append(rf"\text{{{tex}}}" if kind == "text" else tex)
            scripts = set()
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
    text = re.sub(r"\x1b\[[0-9;]*m", "", text) if "\x1b" in text else text
    if text.isascii():  # every ASCII character but the escape (removed above) takes one column
        return len(text)
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

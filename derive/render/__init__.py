"""Renderers: a :class:`~derive.steps.Derivation` as terminal text, Markdown, LaTeX or JSON.

Layers: :mod:`.printer` prints expressions (LaTeX and Unicode), :mod:`.numbers` writes decimals,
:mod:`.layout` turns a derivation into rows of printed math (chains, numbering, substeps),
:mod:`.terminal`, :mod:`.tex` and :mod:`.json_format` finish each format, and the jinja2
templates in ``templates/`` lay the document out.

Example:
    >>> import sympy as sp
    >>> from derive.rules import Rule
    >>> from derive.steps import Builder, Step
    >>> x = sp.Symbol("x")
    >>> B = Builder("demo", "Demo").section("Power rule")
    >>> _ = B.add(Step(Rule.POWER, sp.Derivative(x**3, x), 3*x**2))
    >>> "d/dx x³ = 3 x²" in render(B.build(), "terminal")
    True
"""
from __future__ import annotations

from ..errors import OptionError
from ..steps import Derivation

FORMATS = ("terminal", "markdown", "latex", "fragment", "beamer", "json")
EXTENSIONS = {".md": "markdown", ".tex": "latex", ".json": "json", ".txt": "terminal"}


def render(derivation: Derivation, fmt: str, *, digits: int = 6, color: bool = False,
           figure_prefix: str | None = None, label_prefix: str = "derive") -> str:
    """``derivation`` in format ``fmt`` (one of :data:`FORMATS`); ``digits`` significant digits for
    rounded decimals; ANSI ``color`` for the terminal format only."""
    if fmt not in FORMATS:
        raise OptionError(f"--format: unknown format '{fmt}'; choose one of {', '.join(FORMATS)}")
    if not isinstance(digits, int) or isinstance(digits, bool) or digits < 1:
        raise OptionError(f"--digits: expected a positive whole number of significant digits, got {digits!r}")
    if fmt == "terminal":
        from .terminal import render_terminal

        return render_terminal(derivation, digits=digits, color=color)
    if fmt == "markdown":
        from .tex import render_markdown

        return render_markdown(derivation, digits=digits, figure_prefix=figure_prefix)
    if fmt == "latex":
        from .tex import render_latex

        return render_latex(derivation, digits=digits)
    if fmt == "fragment":
        from .tex import render_fragment

        return render_fragment(derivation, digits=digits, label_prefix=label_prefix)
    if fmt == "beamer":
        from .beamer import render_beamer

        return render_beamer(derivation, digits=digits)
    from .json_format import render_json

    return render_json(derivation)


def render_files(derivation: Derivation, fmt: str, path, *, digits: int = 6) -> dict:
    """Every file a document written to ``path`` consists of: ``{path: text}``, the document last.

    Markdown links its figures as SVG files beside it (``notes.md`` and ``notes-loss.svg``, ...);
    the other formats are one file (LaTeX draws its figures with pgfplots inside the document).
    """
    from pathlib import Path

    path = Path(path)
    files: dict = {}
    if fmt == "markdown":
        from .svg import svg
        from .tex import figure_file

        prefix = path.stem
        for sec in derivation.sections:
            for fig in sec.figures:
                files[path.with_name(figure_file(prefix, fig))] = svg(fig)
        files[path] = render(derivation, fmt, digits=digits, figure_prefix=prefix)
        return files
    files[path] = render(derivation, fmt, digits=digits)
    return files


__all__ = ["FORMATS", "EXTENSIONS", "render", "render_files"]

"""derive: derive the mathematics of fitting models step by step, and prove every step.

The command line is ``derive COMMAND ...`` (see ``derive --help``). From Python, or in a Jupyter
notebook, :func:`derivation` takes the same command line and returns the derivation, which a
notebook displays as Markdown:

    >>> from derive import derivation
    >>> d = derivation("linear-regression --dataset baby --params s,b")
    >>> [str(r.exact) for r in d.results]
    ['5', '30']

Importing the package is cheap: everything else is imported when a derivation is built.
"""
from __future__ import annotations

__all__ = ["derivation"]


def derivation(command: str):
    """The :class:`~derive.steps.Derivation` a ``derive`` command line describes (``derive`` itself
    may be left out); every step verified. Bad input raises :class:`~derive.errors.DeriveError`."""
    import shlex

    from .cli import build_derivation
    from .errors import OptionError

    words = shlex.split(command)
    if words[:1] == ["derive"]:
        words = words[1:]
    try:
        return build_derivation(words)
    except SystemExit as e:  # argparse has printed the usage error
        raise OptionError(f"derive {command}: not a valid command line; see derive --help") from e

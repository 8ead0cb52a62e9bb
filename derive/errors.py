"""Errors a user can cause. The CLI prints ``str(error)`` on one line and exits with status 2.

Every message names the input at fault and says how to fix it. Anything that is not a
:class:`DeriveError` reaching the CLI is a bug in derive.
"""
from __future__ import annotations


class DeriveError(Exception):
    """Base class: bad input, with a one-line message that names the input and the fix."""

    exit_code = 2

    def __str__(self) -> str:  # always one line
        return " ".join(super().__str__().split())


class DataError(DeriveError):
    """A data file or dataset cannot be used (missing, malformed, degenerate)."""


class OptionError(DeriveError):
    """A command-line option has a value that cannot be used."""


class ExpressionError(DeriveError):
    """An expression or model cannot be parsed or is not allowed."""


class BudgetError(DeriveError):
    """A derivation exceeded a documented resource bound (time, steps, size)."""


class VerificationError(Exception):
    """A step failed verification. This is never the user's fault: it is a bug in derive."""

    def __init__(self, step, detail: str):
        self.step = step
        self.detail = detail
        what = f"step '{step.rule.code}'" if step is not None else "a cross-check"
        super().__init__(f"{what} failed verification: {detail}")

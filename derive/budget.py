"""Resource bounds. A derivation that would exceed one fails with a message naming the budget.

Example:
    >>> with time_budget(5, "solving the system"):
    ...     pass
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

from .errors import BudgetError

SOLVE_SECONDS = 10  # sympy's solver on a nonlinear system


@contextmanager
def time_budget(seconds: float, what: str):
    """Raise :class:`BudgetError` if the block runs longer than ``seconds`` (main thread, POSIX)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(signum, frame):
        raise BudgetError(f"{what} took longer than the time budget of {seconds:g} s; "
                          f"try a simpler expression or fewer variables")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

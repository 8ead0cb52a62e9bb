"""Resource bounds. A derivation that would exceed one fails with a message naming the budget.

Budgets nest: an inner budget never extends an outer one, and the outer one keeps running.

Example:
    >>> with time_budget(5, "solving the system"):
    ...     pass
"""
from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager

from .errors import BudgetError

SOLVE_SECONDS = 10  # sympy's solver on a nonlinear system
COMMAND_SECONDS = 120  # any one command, from start to output


@contextmanager
def time_budget(seconds: float, what: str):
    """Raise :class:`BudgetError` if the block runs longer than ``seconds`` (main thread, POSIX)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return
    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
    if outer_left and outer_left < seconds:  # the outer budget ends first: it stays in charge
        yield
        return

    def expired(signum, frame):
        raise BudgetError(f"{what} took longer than its time budget of {seconds:g} s; "
                          f"try a simpler expression, fewer variables or less data")

    start = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left:
            signal.setitimer(signal.ITIMER_REAL, max(outer_left - (time.monotonic() - start), 1e-3))

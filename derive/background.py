"""Work that can start early in a second process, so that it overlaps with the derivation.

The one user is the floating-point cross-check: importing numpy takes about as long as a third of a
derivation, and its answer is needed only at the end. When the ``derive`` command runs (and the
system has ``fork``), :class:`Job` forks a child as soon as the data is known. The child does the
slow preparation (``import numpy``) at once, then waits for what only the end of the derivation
knows (the exact solution), computes its answer with the very function the parent would have
called, and sends it back as JSON. Anything the child cannot do, the parent does itself: the
answer is the same either way, only the time differs.

Library use (tests, notebooks, :func:`derive.derivation`) never forks: :data:`ENABLED` is set by
the console script alone.

    >>> job = Job(lambda receive: receive() * 2)   # not enabled here: runs in-process at finish()
    >>> job.finish(21)
    42
"""
from __future__ import annotations

import json
import os
import signal
from typing import Any, Callable

__all__ = ["ENABLED", "Job"]

ENABLED = False  # set by derive.cli.run (the console script); a library call stays in one process
_HELD = {s for s in (getattr(signal, n, None) for n in ("SIGINT", "SIGTERM", "SIGHUP", "SIGALRM")) if s}
_OPEN: set = set()  # the parent's ends of the pipes of running jobs (a new child closes its copies)


def forking() -> bool:
    """True when a job would run in a forked child (the command runs, and the system can fork)."""
    return ENABLED and hasattr(os, "fork")


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class Job:
    """``fn(receive)`` run in a forked child, where ``receive()`` returns what :meth:`finish` sends.

    ``fn`` and what it returns must be plain JSON values in and out; it runs in-process (at
    :meth:`finish`) when forking is off or unavailable, or when the child fails for any reason.
    """

    def __init__(self, fn: Callable[[Callable[[], Any]], Any]):
        self.fn = fn
        self.pid = None
        if not forking():
            return
        to_child, from_child = os.pipe(), os.pipe()
        # NOTE: a signal (Ctrl-C, the time budget's alarm) must not reach the child before it is inside
        # its own try block, where it would run the parent's code: they are held across the fork
        hold = hasattr(signal, "pthread_sigmask")
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD) if hold else None
        try:
            pid = os.fork()
        except OSError:  # no memory for a second process, a process limit: do it in-process
            if hold:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
            for fd in (*to_child, *from_child):
                os.close(fd)
            return
        if pid == 0:  # the child: never returns
            code = 1
            try:
                if hold:
                    signal.pthread_sigmask(signal.SIG_SETMASK, held)
                for fd in _OPEN:  # another job's pipes: holding them open would keep its child waiting
                    os.close(fd)
                os.close(to_child[1])
                os.close(from_child[0])
                answer = fn(lambda: json.loads(_read_all(to_child[0])))
                _write_all(from_child[1], json.dumps({"answer": answer}).encode())
                code = 0
            except BaseException:  # noqa: BLE001 - the parent does the work itself
                pass
            finally:
                os._exit(code)
        if hold:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        os.close(to_child[0])
        os.close(from_child[1])
        self.pid, self._send, self._answer, self._answered = pid, to_child[1], from_child[0], False
        _OPEN.update((self._send, self._answer))

    def finish(self, payload: Any) -> Any:
        """Send ``payload`` to the child and return its answer (or compute it here)."""
        if self.pid is not None:
            try:
                _write_all(self._send, json.dumps(payload).encode())
                _OPEN.discard(self._send)
                os.close(self._send)
                self._send = None
                reply = _read_all(self._answer)
                self._answered = True
                if reply:
                    return json.loads(reply)["answer"]
            except (OSError, ValueError, KeyError):
                pass
            finally:
                self.close()
        # NOTE: through JSON both ways, as the child's are: the two paths give the same values
        payload = json.loads(json.dumps(payload))
        return json.loads(json.dumps(self.fn(lambda: payload)))

    def close(self) -> None:
        """Let the child go (it stops on end of input) and reap it; safe to call twice.

        A child whose answer was not read to the end (the derivation stopped early, or the time budget
        ran out while it worked) is killed, so that closing never waits on it.
        """
        if self.pid is None:
            return
        if not self._answered:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
        for fd in (self._send, self._answer):
            if fd is not None:
                _OPEN.discard(fd)
                try:
                    os.close(fd)
                except OSError:
                    pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        self.pid = None

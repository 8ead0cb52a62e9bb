"""A helper process for slow, independent work, forked before sympy is imported.

The one use is the floating-point cross-check (:mod:`derive.lstsq_check`): importing numpy takes
about as long as a third of a derivation, and its answer is needed only at the end. The ``derive``
command (:func:`derive.cli.run`) calls :func:`start` first thing, before sympy is imported: the
child shares next to nothing with the deriving process, so neither pays for copy-on-write
afterwards. The child imports numpy at once, then waits for one request. :func:`call` sends it the
function to run and its payload (plain JSON), and returns the answer. Whatever the helper cannot
do (it is not running, it died, the function failed there), :func:`call` does here: the answer is
the same either way, only the time differs.

Library use (tests, notebooks, :func:`derive.derivation`) never forks: :data:`ENABLED` is set by
the console script alone.

    >>> call("json", "dumps", [1, 2])   # no helper here: the function runs in this process
    '[1, 2]'
"""
from __future__ import annotations

import importlib
import json
import os
import signal
from typing import Any

__all__ = ["ENABLED", "start", "running", "call", "stop"]

ENABLED = False  # set by derive.cli.run (the console script); a library call stays in one process
_HELD = {s for s in (getattr(signal, n, None) for n in ("SIGINT", "SIGTERM", "SIGHUP", "SIGALRM")) if s}
_helper: dict | None = None  # the running helper: its pid and the parent's ends of its two pipes


def forking() -> bool:
    """True when :func:`start` would fork (the command runs, and the system can fork)."""
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


def start(preload: tuple[str, ...] = ()) -> None:
    """Fork the helper, which imports the modules ``preload`` at once and then serves one
    :func:`call`. Nothing happens unless :func:`forking`; a second start replaces the first."""
    global _helper
    stop()
    if not forking():
        return
    to_child, from_child = os.pipe(), os.pipe()
    # NOTE: a signal (Ctrl-C, the time budget's alarm) must not reach the child before it is inside
    # its own try block, where it would run the parent's code: they are held across the fork
    hold = hasattr(signal, "pthread_sigmask")
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD) if hold else None
    try:
        pid = os.fork()
    except OSError:  # no memory for a second process, a process limit: the work is done here
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
            os.close(to_child[1])
            os.close(from_child[0])
            for name in preload:
                importlib.import_module(name)
            request = _read_all(to_child[0])
            if request:  # end of input without a request: the parent needed nothing
                module, function, payload = json.loads(request)
                answer = getattr(importlib.import_module(module), function)(payload)
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
    _helper = {"pid": pid, "send": to_child[1], "answer": from_child[0], "answered": False}


def running() -> bool:
    """Whether a helper is waiting for its call."""
    return _helper is not None


def call(module: str, function: str, payload: Any) -> Any:
    """``function(payload)`` from ``module``, in the helper when one is running (it serves one
    call), else here; the payload and the answer go through JSON either way."""
    helper = _helper
    if helper is not None:
        try:
            _write_all(helper["send"], json.dumps([module, function, payload]).encode())
            os.close(helper["send"])
            helper["send"] = None
            reply = _read_all(helper["answer"])
            helper["answered"] = True
            if reply:
                return json.loads(reply)["answer"]
        except (OSError, ValueError, KeyError):
            pass
        finally:
            stop()
    # NOTE: through JSON both ways, as the helper's are: the two paths give the same values
    payload = json.loads(json.dumps(payload))
    return json.loads(json.dumps(getattr(importlib.import_module(module), function)(payload)))


def stop() -> None:
    """End the helper and reap it; safe to call when there is none.

    A helper whose answer was not read to the end (never asked, or the time budget ran out while it
    worked) is killed, so that stopping never waits on it.
    """
    global _helper
    helper, _helper = _helper, None
    if helper is None:
        return
    if not helper["answered"]:
        try:
            os.kill(helper["pid"], signal.SIGKILL)
        except OSError:
            pass
    for fd in (helper["send"], helper["answer"]):
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass
    try:
        os.waitpid(helper["pid"], 0)
    except ChildProcessError:
        pass

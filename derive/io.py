"""Atomic file writes: a reader sees the old file or the new one, never half of one.

The text goes to a temporary file in the target's own directory (so the final rename stays on one
file system), is flushed and fsync-ed, and is moved into place with :func:`os.replace`. On any
failure the temporary file is removed and an existing target is left untouched.

Example:
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "out.md")
    ...     write_atomic(p, "# hello\\n")
    ...     open(p).read()
    '# hello\\n'
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import OptionError

__all__ = ["write_atomic", "write_atomic_bytes", "write_atomic_many"]


@dataclass
class _Pending:
    """A file ready to be moved into place: its temporary file, or for a device the bytes to write through."""

    target: Path
    label: str
    tmp: str | None = None
    data: bytes | None = None


def _probe(target: Path, label: str) -> Path:
    """The file to write for ``target`` (a link is followed); an unusable path raises OptionError."""
    try:
        if target.exists() and not target.is_file() and not target.is_dir():
            return target  # a device or a pipe (/dev/stdout is a link to one): written through, as named
        if target.is_symlink():  # write the file the link points to, and keep the link
            target = target.resolve()
        if target.is_dir():
            raise OptionError(f"cannot write {label}: it is a directory; give a file name")
        directory = target.parent
        if not directory.is_dir():
            raise OptionError(f"cannot write {label}: the directory {str(directory)!r} does not exist")
        target.exists()
    except OSError as e:  # a name too long, a loop of links, ...
        raise OptionError(f"cannot write {label}: {e.strerror or e}") from None
    return target


def _prepare(path, data: bytes) -> _Pending:
    target = Path(path)
    label = str(path)
    target = _probe(target, label)
    if target.exists() and not target.is_file():
        # NOTE: a device or a pipe (/dev/null, a FIFO) cannot be replaced by renaming; it is written through.
        return _Pending(target, label, data=data)
    try:
        # NOTE: a short temporary name, so that any name the file system allows can be written
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".derive-", suffix=".tmp")
    except OSError as e:
        raise OptionError(f"cannot write {label}: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        # NOTE: mkstemp creates the file 0600; give it the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
        if target.exists():
            mode = target.stat().st_mode & 0o7777
        os.chmod(tmp, mode)
    except BaseException as e:
        _discard(tmp)
        if isinstance(e, OSError):
            raise OptionError(f"cannot write {label}: {e.strerror or e}") from None
        raise
    return _Pending(target, label, tmp=tmp)


def _discard(tmp: str | None) -> None:
    if tmp is not None:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass


def _commit(p: _Pending) -> None:
    try:
        if p.tmp is None:
            with open(p.target, "wb") as f:
                f.write(p.data)
            return
        os.replace(p.tmp, p.target)
    except OSError as e:
        raise OptionError(f"cannot write {p.label}: {e.strerror or e}") from None
    _fsync_dir(p.target.parent)


def write_atomic_many(files) -> None:
    """Write several files (``{path: bytes}``) all or nothing: every one is written to a temporary file
    first, and only when all of them are complete are they moved into place.

    A document and the figures it links to go together: a failure leaves neither behind, and never
    a half-written or replaced file.
    """
    pending: list[_Pending] = []
    try:
        for path, data in files.items():
            pending.append(_prepare(path, data))
    except BaseException:
        for p in pending:
            _discard(p.tmp)
        raise
    # NOTE: devices first (written through, so the likeliest to fail, e.g. /dev/full), then the renames
    ordered = [p for p in pending if p.tmp is None] + [p for p in pending if p.tmp is not None]
    for k, p in enumerate(ordered):
        try:
            _commit(p)
        except BaseException:
            for rest in ordered[k:]:  # the one that failed too: no temporary file is left behind
                _discard(rest.tmp)
            raise


def write_atomic_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; an unusable path raises :class:`OptionError`."""
    write_atomic_many({path: data})


def write_atomic(path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (UTF-8, newlines as given)."""
    write_atomic_bytes(path, text.encode(encoding))


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable where the platform allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

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
from pathlib import Path

from .errors import OptionError

__all__ = ["write_atomic", "write_atomic_bytes"]


def write_atomic_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; an unusable path raises :class:`OptionError`."""
    target = Path(path)
    label = str(path)
    if target.is_symlink():  # write the file the link points to, and keep the link
        target = target.resolve()
    if target.is_dir():
        raise OptionError(f"cannot write {label}: it is a directory; give a file name")
    if target.exists() and not target.is_file():
        # NOTE: a device or a pipe (/dev/null, a FIFO) cannot be replaced by renaming; write through it.
        try:
            with open(target, "wb") as f:
                f.write(data)
        except OSError as e:
            raise OptionError(f"cannot write {label}: {e.strerror or e}") from None
        return
    directory = target.parent
    if not directory.is_dir():
        raise OptionError(f"cannot write {label}: the directory {str(directory)!r} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
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
        os.replace(tmp, target)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(e, OSError):
            raise OptionError(f"cannot write {label}: {e.strerror or e}") from None
        raise
    _fsync_dir(directory)


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

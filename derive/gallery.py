"""The gallery: worked examples rendered to files, one row of :data:`EXAMPLES` each.

``derive gallery --out DIR`` renders every example in every format of :data:`FORMATS` in memory
first, then writes the files atomically, so a failure leaves no half-written gallery.

Example:
    >>> [e.stem for e in EXAMPLES]
    ['salary', 'baby']
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import OptionError
from .io import write_atomic

__all__ = ["Example", "EXAMPLES", "FORMATS", "render_gallery", "write_gallery"]


@dataclass(frozen=True)
class Example:
    """One gallery entry: files ``<stem>.<ext>`` showing a derivation on a built-in dataset."""

    stem: str
    dataset: str
    loss: str = "mse"
    params: tuple[str, str] = ("w", "b")
    digits: int = 6


# NOTE: add a row here to add an example; every example is written in every format below.
EXAMPLES: tuple[Example, ...] = (
    Example("salary", "salary"),
    Example("baby", "baby"),
)
FORMATS: tuple[str, ...] = ("markdown", "latex")


def _extension(fmt: str) -> str:
    from .render import EXTENSIONS

    return next(ext for ext, f in EXTENSIONS.items() if f == fmt)


def render_gallery(out_dir) -> dict[Path, str]:
    """Every gallery file's path and text, computed in memory (nothing is written)."""
    from .data import load_dataset
    from .problems.regression import linear_regression
    from .render import render

    out = Path(out_dir)
    files: dict[Path, str] = {}
    for ex in EXAMPLES:
        derivation = linear_regression(load_dataset(ex.dataset), loss=ex.loss, params=ex.params, digits=ex.digits)
        for fmt in FORMATS:
            files[out / f"{ex.stem}{_extension(fmt)}"] = render(derivation, fmt, digits=ex.digits, color=False)
    return files


def write_gallery(out_dir) -> list[Path]:
    """Render the gallery and write it under ``out_dir`` (created if missing); returns the paths."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OptionError(f"--out {out_dir}: it is a file, not a directory; give a directory")
    files = render_gallery(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OptionError(f"--out {out_dir}: cannot create the directory ({e.strerror or e})") from None
    for path, text in files.items():
        write_atomic(path, text)
    return list(files)

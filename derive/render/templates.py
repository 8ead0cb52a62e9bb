"""The jinja2 environment for the templates in the top-level ``templates/`` folder.

Installed, the templates live in the package as ``derive/templates`` (the build copies them
there); in a source checkout they are read from ``templates/`` next to the package. Templates lay
out strings that Python prepared — they never compute or spell out mathematics.

Example:
    >>> environment().get_template("terminal.txt.j2").name
    'terminal.txt.j2'
"""
from __future__ import annotations

import functools
from pathlib import Path

import jinja2

import derive


def template_root():
    """``derive/templates`` when installed, else ``templates/`` of the source checkout."""
    beside = Path(derive.__file__).resolve().parent / "templates"
    if (beside / "terminal.txt.j2").is_file():  # NOTE: installed as files: no importlib.resources (nor zipfile)
        return beside
    import importlib.resources

    for anchor, sub in (("derive", "templates"), ("derive.templates", "")):
        # NOTE: an editable install maps templates/ to the package derive.templates without a
        # derive/templates directory, hence the second anchor.
        try:
            root = importlib.resources.files(anchor)
            root = root / sub if sub else root
            if (root / "terminal.txt.j2").is_file():
                return root
        except (ModuleNotFoundError, TypeError, OSError):
            continue
    return Path(derive.__file__).resolve().parent.parent / "templates"


@functools.lru_cache(maxsize=None)
def environment() -> jinja2.Environment:
    root = template_root()

    def load(name: str):
        try:
            return (root / name).read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):
            return None

    return jinja2.Environment(
        loader=jinja2.FunctionLoader(load),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def render_template(name: str, **context) -> str:
    return environment().get_template(name).render(**context)

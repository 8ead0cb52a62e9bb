"""derive.gallery and output/: the committed gallery is fresh, complete, and its LaTeX compiles cleanly.

Refresh output/ with ``derive gallery`` (or ``python -m derive gallery``) from the repository root.
"""
import re
import shlex
from pathlib import Path

import pytest
from helpers import pdflatex

from derive.cli import main
from derive.gallery import EXAMPLES, INDEX, render_gallery, render_index, write_gallery

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "output"
REFRESH = "derive gallery"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    """The gallery written anew into a temporary directory."""
    out = tmp_path_factory.mktemp("gallery")
    write_gallery(out)
    return out


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_gallery_writes_every_example_in_both_formats(fresh):
    names = _names(fresh)
    assert INDEX in names
    for ex in EXAMPLES:
        assert f"{ex.stem}.md" in names and f"{ex.stem}.tex" in names
    svgs = [n for n in names if n.endswith(".svg")]
    assert {"gradient-descent-salary-loss.svg", "gradient-descent-baby-contours.svg"} <= set(svgs)
    for svg in svgs:  # each figure is linked from its Markdown file
        stem = next(ex.stem for ex in sorted(EXAMPLES, key=lambda e: -len(e.stem)) if svg.startswith(ex.stem + "-"))
        assert f"]({svg})" in (fresh / f"{stem}.md").read_text(encoding="utf-8")


def test_output_is_fresh(fresh):
    stale = [name for name in _names(fresh)
             if not (OUTPUT / name).exists() or (OUTPUT / name).read_bytes() != (fresh / name).read_bytes()]
    assert not stale, (f"output/ is stale: {', '.join(stale)} missing or different from what derive renders now; "
                       f"run `{REFRESH}` from the repository root to refresh it")


def test_output_has_no_extra_files(fresh):
    extra = sorted(set(_names(OUTPUT)) - set(_names(fresh)))
    assert not extra, f"output/ holds files the gallery does not produce: {extra}; delete them, or add an example " \
                      "to derive/gallery.py"


def test_gallery_is_byte_identical_from_run_to_run(fresh, tmp_path):
    again = render_gallery(tmp_path)
    assert {p.name: text for p, text in again.items()} == {n: (fresh / n).read_text(encoding="utf-8")
                                                           for n in _names(fresh)}


def test_index_lists_every_example():
    index = render_index()
    for ex in EXAMPLES:
        assert f"[{ex.stem}.md]({ex.stem}.md)" in index and f"[{ex.stem}.tex]({ex.stem}.tex)" in index
        assert ex.description in index and f"`{ex.command}`" in index


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_example_command_prints_the_gallery_file(example, capsys, fresh, tmp_path):
    """The command the index shows really writes the gallery's files."""
    target = tmp_path / f"{example.stem}.md"
    rc = main(shlex.split(example.command)[1:] + ["-o", str(target)])
    out, err = capsys.readouterr()
    assert (rc, out, err) == (0, "", "")
    for path in tmp_path.iterdir():
        assert path.read_bytes() == (fresh / path.name).read_bytes(), path.name


# -- LaTeX compiles, with no error and no overfull line ------------------------------------------------
TEX_FILES = sorted(OUTPUT.glob("*.tex"))


def test_there_is_latex_to_compile():
    assert TEX_FILES, f"output/ holds no .tex file; run `{REFRESH}`"


@pytest.mark.parametrize("tex", TEX_FILES, ids=[p.name for p in TEX_FILES])
def test_latex_compiles_cleanly(tex, tmp_path):
    returncode, log = pdflatex(tex.read_text(encoding="utf-8"), tmp_path, tex.stem)
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert returncode == 0 and not errors, f"pdflatex failed on output/{tex.name}: {errors or log[-2000:]}"
    assert (tmp_path / tex.with_suffix(".pdf").name).exists(), f"pdflatex wrote no PDF for output/{tex.name}"
    overfull = [m.group(0) for m in re.finditer(r"Overfull \\hbox[^\n]*\n(?:[^\n]+\n)?", log)]
    assert not overfull, f"output/{tex.name}: {len(overfull)} overfull line(s):\n" + "".join(overfull[:5])

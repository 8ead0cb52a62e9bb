"""Publishing formats: LaTeX fragments that drop into existing notes, Beamer decks, Jupyter display.

Every LaTeX output is compiled with pdflatex (the tests skip without it, except under CI) and must
produce no error and no overfull box.
"""
import re

import pytest

from derive import derivation
from derive.render import render

from helpers import pdflatex

COMMANDS = {
    "lr": "linear-regression --dataset baby --params s,b --loss half-sse",
    "gd": "gradient-descent --dataset baby --params s,b --loss half-sse --init 1,0 --lr 0.01 --steps 3",
    "ne": "normal-equation --dataset salary",
    "min": "minimize \"3*a^2 + b^2 - a*b + a\"",
    "chain": "diff \"(x + y + z)^2\" --wrt y",
}


@pytest.fixture(scope="module")
def derivations():
    return {k: derivation(c) for k, c in COMMANDS.items()}


def _environments_balanced(tex: str) -> bool:
    stack = []
    for kind, name in re.findall(r"\\(begin|end)\{([^}]*)\}", tex):
        if kind == "begin":
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack


def _problems(log: str) -> list[str]:
    errors = [line for line in log.splitlines() if line.startswith("!")]
    overfull = re.findall(r"Overfull \\[hv]box[^\n]*", log)
    labels = re.findall(r"LaTeX Warning: (?:Label .* multiply defined|There were multiply-defined labels"
                        r"|Reference .* undefined)[^\n]*", log)
    return errors + overfull + labels


# -- fragments --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", COMMANDS)
def test_fragment_is_plain_and_balanced(key, derivations):
    tex = render(derivations[key], "fragment", label_prefix=key)
    assert "\\documentclass" not in tex and "\\usepackage" not in tex and "\\begin{document}" not in tex
    assert _environments_balanced(tex)
    assert tex.isascii(), "a fragment must not need inputenc"
    tags = re.findall(r"\\tag\*\{\\derivenote\{[^}]*\}\{\((\d+)\)\}\}\\derivelabel\{([^}]*)\}\{(\d+)\}", tex)
    assert len(tags) == tex.count("\\derivelabel{")  # every label is in a tag of the expected shape
    assert all(label == f"{key}:{n}" and n == m for n, label, m in tags)
    if key == "lr":  # the regression derivation numbers its key equations
        assert tags


def test_fragments_drop_into_a_plain_article(derivations, tmp_path):
    """Two fragments (and a reference into one) in an article that loads only amsmath and amssymb."""
    for key in ("lr", "gd"):
        (tmp_path / f"{key}.tex").write_text(render(derivations[key], "fragment", label_prefix=key), encoding="utf-8")
    wrapper = ("\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage{amssymb}\n\\begin{document}\n"
               "The intercept is solved in \\eqref{lr:3}.\n\\input{lr}\n\\input{gd}\n\\end{document}\n")
    code, log = pdflatex(wrapper, tmp_path, "notes")
    code, log = pdflatex(wrapper, tmp_path, "notes")  # a second run resolves the references
    assert code == 0 and not _problems(log), _problems(log)[:5]
    aux = (tmp_path / "notes.aux").read_text(encoding="latin-1")
    assert "\\newlabel{lr:3}{{3}" in aux  # \eqref{lr:3} prints (3), the number the fragment shows


def test_fragment_figures_appear_where_pgfplots_is_loaded(derivations, tmp_path):
    (tmp_path / "gd.tex").write_text(render(derivation(COMMANDS["gd"]), "fragment", label_prefix="gd"),
                                     encoding="utf-8")
    wrapper = ("\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage{amssymb}\n\\usepackage{pgfplots}\n"
               "\\pgfplotsset{compat=1.16}\n\\begin{document}\n\\input{gd}\n\\end{document}\n")
    code, log = pdflatex(wrapper, tmp_path, "withplots")
    assert code == 0 and not _problems(log), _problems(log)[:5]
    assert "pgfplots" in log


# -- Beamer -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", COMMANDS)
def test_beamer_deck_compiles_without_overflow(key, derivations, tmp_path):
    tex = render(derivations[key], "beamer")
    assert tex.startswith("\\documentclass") and "beamer" in tex.splitlines()[0]
    assert _environments_balanced(tex)
    frames = tex.count("\\begin{frame}")
    assert frames > len([s for s in derivations[key].sections if s.steps])
    assert "\\uncover<2->" in tex  # steps are revealed one at a time
    for body in re.findall(r"\\begin\{frame\}\{[^\n]*\}\n(.*?)\\end\{frame\}", tex, re.S):
        assert body.strip(), "a frame with a title and nothing else"
    code, log = pdflatex(tex, tmp_path, f"deck-{key}")
    assert code == 0 and not _problems(log), _problems(log)[:5]


# -- Jupyter ------------------------------------------------------------------------------------------------
def test_jupyter_display(derivations):
    d = derivations["lr"]
    assert d._repr_markdown_() == render(d, "markdown")
    latex = d._repr_latex_()
    assert latex == render(d, "fragment", label_prefix=latex.split("labelled ", 1)[1].split(":", 1)[0])
    assert "\\documentclass" not in latex


def test_outputs_are_deterministic(derivations):
    for key, command in COMMANDS.items():
        again = derivation(command)
        for fmt in ("markdown", "latex", "fragment", "beamer", "json", "terminal"):
            assert render(again, fmt) == render(derivations[key], fmt), (key, fmt)


# -- wide rows ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [
    # the long conditions' left sides and the long derivative's right side once shared one alignat: 82 pt too wide
    'fit --model "w1*x1 + w2*x2 + b" --params w1,w2,b --data {t}/houses.csv --y price --ridge 0.5',
    # a wide substep in the Hessian's list of details: 38 pt too wide on one line of inline math
    'diff "exp(-x^2)*sin(x)" --order 2',
])
def test_wide_rows_stay_on_the_page(command, tmp_path):
    (tmp_path / "houses.csv").write_text("x1,x2,price\n1,2,10\n2,1,12\n3,4,20\n4,3,22\n5,5,28\n")
    tex = render(derivation(command.replace("{t}", str(tmp_path))), "latex")
    code, log = pdflatex(tex, tmp_path, "wide")
    assert code == 0 and not _problems(log), _problems(log)[:5]


def test_beamer_frames_are_filled_by_height_not_by_count():
    """A row holding a 10-row matrix counts as three ordinary rows, so a frame is not shrunk to fit six of them;
    and a long rule note wraps beside its row instead of widening the display."""
    from derive.render.beamer import ROWS_PER_FRAME, _by_height, _height, beamer_row
    from derive.render.layout import Row

    column = r"\begin{bmatrix}" + r" \\ ".join(str(k) for k in range(10)) + r"\end{bmatrix}"
    tall, short = Row("X", "=", column), Row("a", "=", "1")
    assert _height(short) == 1 and _height(tall) == 3
    frames = _by_height([tall, short, tall, tall, short, short, short], ROWS_PER_FRAME)
    assert [sum(_height(r) for r in fr) for fr in frames] == [4, 6, 3]  # never more than the budget of 6
    assert [r for fr in frames for r in fr] == [tall, short, tall, tall, short, short, short]  # order kept
    side_by_side = Row("X^T X", "=", column.replace("bmatrix}", "bmatrix}", 1) + " " + column)
    assert _height(side_by_side) == 3  # the tallest matrix decides
    long_note = Row("a", "=", "1", rule="substitute the values", note="the largest fixed learning rate that converges")
    assert r"\parbox" in beamer_row(long_note, 1) and r"\parbox" not in beamer_row(Row("a", "=", "1", rule="expand"), 1)

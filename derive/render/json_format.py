"""The JSON format: the one machine-readable contract.

::

    {"command", "title",
     "sections": [{"title", "intro", "outro", "table"?,
                   "steps": [{"rule", "label", "explanation", "note", "latex", "before", "after",
                              "verified", "check_method", "substeps": [...]}]}],
     "result": {NAME: {"exact", "latex", "value"}},
     "checks": [{"name", "passed", "detail"}],
     "meta": {...}}

For a derivation that finds critical points (``meta["critical_points"]``, e.g. ``derive minimize``)
``"result"`` is instead::

    {"critical_points": [{VAR: {"exact", "latex", "value"}, ..., "classification": "minimum"}],
     "infinitely_many": false, "convex": true}

``exact`` is ``sympy.sstr`` of the exact value, so ``sympy.sympify`` reads it back; ``value`` is a
float, or null for a value that is not a real number. ``latex`` of a step is ``before = after``,
or for an equation step the new equation. Output is ``json.dumps(indent=2, ensure_ascii=False)``.

Example:
    >>> import sympy as sp
    >>> from derive.steps import Builder, Result
    >>> d = Builder("demo", "Demo").section("s").build(results=[Result(sp.Symbol("w"), sp.Rational(5, 2))])
    >>> import json; json.loads(render_json(d))["result"]
    {'w': {'exact': '5/2', 'latex': '\\\\frac{5}{2}', 'value': 2.5}}
"""
from __future__ import annotations

import json
import math

import sympy as sp
from sympy.core.relational import Relational

from ..steps import Derivation, Result, Section, Step, Table, prose_parts
from .layout import rule_label
from .printer import latex


def _explanation(step: Step) -> str:
    if not step.note:
        return step.rule.sentence
    note = step.note[0].upper() + step.note[1:]
    return f"{step.rule.sentence} {note}" + ("" if note.endswith((".", "!", "?")) else ".")


def step_latex(step: Step) -> str:
    """``before = after``, or the new equation for an equation step."""
    if isinstance(step.after, Relational):
        return latex(step.after)
    if isinstance(step.before, Relational):
        return rf"{latex(step.before)} \iff {latex(step.after)}"
    rel = r"\mathrel{:=}" if step.rule.code == "define" else (r"\approx" if step.rule.check.value == "approx" else "=")
    return f"{latex(step.before)} {rel} {latex(step.after)}"


def step_json(step: Step) -> dict:
    return {
        "rule": step.rule.code,
        "rule_label": rule_label(step.rule),
        "label": step.label,
        "explanation": _explanation(step),
        "note": step.note,
        "latex": step_latex(step),
        "before": latex(step.before),
        "after": latex(step.after),
        "verified": step.verified,
        "check_method": step.check.method if step.check is not None else None,
        "premises": [p.label for p in step.premises if p.label],
        "substeps": [step_json(s) for s in step.substeps],
    }


def _table_json(t: Table) -> dict:
    """A table's exact cells; a shortened one says how many rows it leaves out after its first ``head``."""
    return {
        "index": latex(t.index),
        "first": t.first,
        "columns": [latex(c) for c in t.columns],
        "rows": [[sp.sstr(v) for v in row] for row in t.rows],
        "totals": [sp.sstr(v) if v is not None else None for v in t.totals] if t.totals is not None else None,
        "elided": t.elided,
        "head": t.head,
    }


def _text(p) -> str:
    """Prose as plain Unicode text (math parts printed as in the terminal)."""
    from .printer import unicode

    return "".join(part if isinstance(part, str) else unicode(part) for part in prose_parts(p))


def _section_json(sec: Section) -> dict:
    out = {"title": _text(sec.title), "intro": _text(sec.intro), "outro": _text(sec.outro),
           "steps": [step_json(s) for s in sec.steps]}
    if sec.table is not None:
        out["table"] = _table_json(sec.table)
    return out


def _value(v: float | None) -> float | None:
    return v if v is not None and math.isfinite(v) else None


def _plain(obj):
    """Metadata as JSON values (sympy objects and other unknowns as strings)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    return sp.sstr(obj) if isinstance(obj, sp.Basic) else str(obj)


def _number(exact: sp.Basic) -> dict:
    """One value of the contract: ``{"exact", "latex", "value"}``."""
    return {"exact": sp.sstr(exact), "latex": latex(exact), "value": _value(Result(exact, exact).value)}


def _result(derivation: Derivation) -> dict:
    meta = derivation.meta
    if "critical_points" not in meta:
        return {str(r.name): _number(r.exact) for r in derivation.results}
    # NOTE: each point's variables first, then its classification; a variable is named by str(symbol).
    points = [{**{str(v): _number(sp.sympify(x, strict=True)) for v, x in cp["point"].items()},
               "classification": cp["classification"]} for cp in meta["critical_points"]]
    return {"critical_points": points, "infinitely_many": bool(meta.get("infinitely_many", False)),
            "convex": bool(meta.get("convex", False))}


def to_dict(derivation: Derivation) -> dict:
    """The derivation as plain JSON values (see the module docstring for the contract)."""
    return {
        "command": derivation.command,
        "title": _text(derivation.title),
        "sections": [_section_json(s) for s in derivation.sections],
        "result": _result(derivation),
        "checks": [{"name": c.name, "passed": bool(c.passed), "detail": c.detail} for c in derivation.checks],
        "meta": _plain(dict(derivation.meta)),
        **({"figures": figures} if (figures := [_figure_json(f) for sec in derivation.sections for f in sec.figures])
           else {}),
    }


def _figure_json(fig) -> dict:
    """A figure's data: what a reader would need to redraw it with another tool."""
    return {"name": fig.name, "caption": fig.caption, "x": latex(fig.xlabel), "y": latex(fig.ylabel),
            "log_y": fig.logy,
            "series": [{"label": s.label, "style": s.style, "points": [[list(p) for p in piece] for piece in s.pieces]}
                       for s in fig.series]}


def render_json(derivation: Derivation) -> str:
    return json.dumps(to_dict(derivation), indent=2, sort_keys=False, ensure_ascii=False) + "\n"

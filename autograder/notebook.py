"""A submitted notebook as data: parsed leniently, never trusted.

One place that reads nbgrader's cell metadata (``cell_meta``), a cell's source
(``cell_source``), and turns a submitted file into a version-4 notebook (``parse``: nbformat 3
is converted as nbgrader does). ``clean`` clears every output and execution count, as
nbgrader's ``ClearOutput`` does before grading, so nothing a student wrote into an output (a
forged ``text/html`` with a script) reaches formgrader or the feedback.
"""
from __future__ import annotations

import json


class NotANotebook(ValueError):
    """The bytes are not a gradable Jupyter notebook; the message says why."""


def parse(data: bytes) -> dict:
    """The notebook in ``data`` as an nbformat-4 dict (cells a list)."""
    try:
        nb = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise NotANotebook(f"the notebook is not valid JSON ({str(exc)[:120]})") from None
    if isinstance(nb, dict) and nb.get("nbformat") == 3 and isinstance(nb.get("worksheets"), list):
        nb = _upgrade_v3(nb)
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotANotebook("the file is not a Jupyter notebook (no list of cells)")
    return nb


def _upgrade_v3(nb: dict) -> dict:
    """nbformat 3 -> 4 with nbformat's own converter (what nbgrader uses)."""
    import nbformat

    try:
        return json.loads(nbformat.writes(nbformat.convert(nbformat.from_dict(nb), 4),
                                          version=4))
    except Exception as exc:  # noqa: BLE001 - a damaged v3 notebook
        raise NotANotebook(f"the notebook is in the old format 3 and could not be converted "
                           f"({type(exc).__name__})") from None


def cell_meta(cell) -> dict:
    """The cell's nbgrader metadata, ``{}`` when absent or malformed (any level not a dict)."""
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbg if isinstance(nbg, dict) else {}


def cell_source(cell) -> str:
    source = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(source, list):
        source = "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def grade_id(cell) -> str:
    gid = cell_meta(cell).get("grade_id")
    return gid if isinstance(gid, str) else ""


def clean(nb: dict) -> dict:
    """The notebook with every output and execution count cleared and malformed cells and
    metadata made well-formed (a copy)."""
    out = dict(nb)
    cells = []
    for cell in nb.get("cells", []):
        if not isinstance(cell, dict):
            continue
        cell = dict(cell)
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = {}
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            if cell.get("cell_type") != "markdown":  # only markdown cells carry attachments
                cell.pop("attachments", None)
        cells.append(cell)
    out["cells"] = cells
    return out

"""A submitted notebook as data: parsed leniently, never trusted.

One place that reads nbgrader's cell metadata (``cell_meta``), a cell's source
(``cell_source``), and turns a submitted file into a version-4 notebook (``parse``: nbformat 3
is converted as nbgrader does). ``clean`` clears every output and execution count, as
nbgrader's ``ClearOutput`` does before grading, so nothing a student wrote into an output (a
forged ``text/html`` with a script) reaches formgrader or the feedback; ``safe_outputs``
keeps, of what the sandbox says a cell showed when it ran, only text and PNG images.
"""
from __future__ import annotations

import base64
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
    except Exception as exc:  # a damaged v3 notebook
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
        if not isinstance(cell, dict):  # kept as an empty cell: cell numbers stay the same
            cells.append({"cell_type": "raw", "metadata": {}, "source": ""})
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


MAX_STREAM_CHARS = 20_000   # of one stream output, shown in feedback
MAX_STREAM_LINES = 1_000
MAX_IMAGES = 10             # per cell
MAX_IMAGE_BYTES = 2_000_000  # base64 characters of one PNG
MAX_TRACEBACK = 100         # lines


def _text(value, limit: int = MAX_STREAM_CHARS) -> str:
    value = "".join(v for v in value if isinstance(v, str)) if isinstance(value, list) else value
    if not isinstance(value, str):
        return ""
    lines = value.splitlines(keepends=True)
    if len(lines) > MAX_STREAM_LINES:
        value = "".join(lines[:MAX_STREAM_LINES]) + "[... more lines not shown ...]\n"
    return value if len(value) <= limit else value[:limit] + "\n[... output truncated ...]\n"


def _png(value) -> str | None:
    if not isinstance(value, str) or len(value) > MAX_IMAGE_BYTES:
        return None
    try:
        raw = base64.b64decode(value.replace("\n", ""), validate=True)
    except ValueError:
        return None
    return value if raw.startswith(b"\x89PNG\r\n\x1a\n") else None


def safe_outputs(outputs, execution_count=None) -> list[dict]:
    """Outputs of a cell as the sandbox reported them, reduced to what is safe to show: stream
    text, errors (name, message, traceback as text), and results and displays as
    ``text/plain`` and valid ``image/png`` only (no HTML, JavaScript or SVG, which formgrader
    and the feedback would render). The shape stays nbformat's, so nbgrader grades it."""
    safe, images = [], 0
    for out in outputs if isinstance(outputs, list) else []:
        if not isinstance(out, dict):
            continue
        kind = out.get("output_type")
        if kind == "stream" and out.get("name") in ("stdout", "stderr"):
            safe.append({"output_type": "stream", "name": out["name"], "text": _text(out.get("text"))})
        elif kind == "error":
            tb = out["traceback"] if isinstance(out.get("traceback"), list) else []
            safe.append({"output_type": "error", "ename": _text(out.get("ename"), 100) or "Error",
                         "evalue": _text(out.get("evalue"), 2000),
                         "traceback": [_text(t, 2000) for t in tb[-MAX_TRACEBACK:]]})
        elif kind in ("execute_result", "display_data"):
            data = out["data"] if isinstance(out.get("data"), dict) else {}
            bundle = {}
            if "text/plain" in data:
                bundle["text/plain"] = _text(data["text/plain"])
            png = _png(data.get("image/png"))
            if png and images < MAX_IMAGES:
                bundle["image/png"] = png
                images += 1
            if kind == "execute_result":
                if not bundle.get("text/plain"):  # a kernel always sends a repr: forged
                    continue
                safe.append({"output_type": kind, "data": bundle, "metadata": {},
                             "execution_count": execution_count})
            elif bundle:
                safe.append({"output_type": kind, "data": bundle, "metadata": {}})
    return safe

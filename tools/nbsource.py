"""Authoring helpers for solution notebooks in nbgrader's source format (a developer tool).

The committed ``solutions/<chapter-id>/<chapter-id>.ipynb`` is the single source of truth;
this module only makes cells with the right nbgrader metadata so that writing one is less
error-prone, and ``lint`` checks a notebook follows the course conventions:

* ``markdown(text)``                       explanation, objectives, hints (``<details>`` blocks)
* ``code(src)``                            ordinary setup / demo code (not graded)
* ``solution(function, src)``              answer cell, grade_id = function name; the body between
                                           ``### BEGIN SOLUTION`` / ``### END SOLUTION`` is replaced
                                           by a stub in the student version
* ``visible_checks(function, src)``        read-only cell of plain asserts, runs anywhere
* ``hidden_tests(chapter, function, pts)`` graded cell ``test_<function>``: one call to
                                           ``grade(...)``, removed from the student version
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def _meta(grade_id, *, grade=False, solution=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked,
            "schema_version": 3, "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def markdown(text: str, grade_id: str | None = None):
    cell = new_markdown_cell(text.strip("\n"))
    if grade_id:  # a read-only markdown cell (restored by nbgrader if edited)
        cell.metadata.update(_meta(grade_id, locked=True))
    return cell


def code(src: str, grade_id: str | None = None):
    cell = new_code_cell(src.strip("\n"))
    if grade_id:
        cell.metadata.update(_meta(grade_id, locked=True))
    return cell


def solution(function: str, src: str):
    return new_code_cell(src.strip("\n"), metadata=_meta(function, solution=True))


def visible_checks(function: str, src: str):
    return new_code_cell(src.strip("\n"), metadata=_meta(f"checks_{function}", locked=True))


def hidden_tests(chapter: str, function: str, points: float):
    src = (f"# Hidden tests for `{function}` run here when your notebook is graded.\n"
           "### BEGIN HIDDEN TESTS\n"
           "from autograder import grade\n"
           f"grade({chapter!r}, {function!r}, globals())\n"
           "### END HIDDEN TESTS")
    return new_code_cell(src, metadata=_meta(f"test_{function}", grade=True, locked=True,
                                             points=points))


def notebook(cells) -> nbformat.NotebookNode:
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (nnbio)", "language": "python",
                                 "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def write(nb, path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.validate(nb)
    nbformat.write(nb, str(path))


def lint(path: str | Path) -> list[str]:
    """Problems with a solution notebook's conventions (empty list when fine)."""
    nb = nbformat.read(str(path), as_version=4)
    problems, ids = [], []
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader")
        if cell.cell_type == "code" and cell.get("outputs"):
            problems.append(f"cell {i} has outputs: clear them before committing")
        if not meta:
            if "BEGIN SOLUTION" in cell.source or "BEGIN HIDDEN TESTS" in cell.source:
                problems.append(f"cell {i} has nbgrader markers but no nbgrader metadata")
            continue
        ids.append(meta["grade_id"])
        if meta.get("solution") and "### BEGIN SOLUTION" not in cell.source:
            problems.append(f"solution cell {meta['grade_id']} lacks ### BEGIN SOLUTION")
        if meta.get("grade") and "### BEGIN HIDDEN TESTS" not in cell.source:
            problems.append(f"grade cell {meta['grade_id']} lacks ### BEGIN HIDDEN TESTS")
    dupes = {g for g in ids if ids.count(g) > 1}
    if dupes:
        problems.append(f"duplicate grade_ids: {sorted(dupes)}")
    return problems


if __name__ == "__main__":
    bad = {p: lint(p) for p in sys.argv[1:]}
    for p, probs in bad.items():
        for prob in probs:
            print(f"{p}: {prob}")
    sys.exit(1 if any(bad.values()) else 0)

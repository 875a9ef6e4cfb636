"""Authoring helpers for solution notebooks in nbgrader's source format (a developer tool).

The committed ``solutions/<chapter-id>/<chapter-id>.ipynb`` is the single source of truth;
this module only makes cells with the right nbgrader metadata so that writing one is less
error-prone, and ``lint`` checks a notebook follows the course conventions:

* ``markdown(text)``                       explanation, objectives, hints (``<details>`` blocks)
* ``code(src)``                            ordinary setup / demo code (not graded)
* ``setup(src)``                           the first code cell (imports): ``code`` plus the line
                                           ``CHECKS_INIT`` that creates ``_checks_passed``
* ``solution(function, src)``              answer cell, grade_id = function name; the body between
                                           ``### BEGIN SOLUTION`` / ``### END SOLUTION`` is replaced
                                           by a stub in the student version
* ``visible_checks(function, src)``        read-only cell of plain asserts, runs anywhere; its last
                                           line records ``_checks_passed[function] = function``
                                           (reached only when every assert passed)
* ``hidden_tests(chapter, function, pts)`` graded cell ``test_<function>``, see below
* ``written_answer(name, pts, model, rubric)`` a short written answer graded by hand in
                                           formgrader (grade_id ``written_<name>``): a Markdown
                                           cell whose model answer and rubric sit between
                                           ``### BEGIN SOLUTION`` / ``### END SOLUTION`` (the
                                           student version says "YOUR ANSWER HERE"); declared
                                           in the chapter's suite (``Suite.written``)

Why a graded cell has visible code: ``nbgrader validate`` (and JupyterLab's Validate button)
looks only at graded cells, and a graded cell whose hidden tests were removed passes. So the
student version of ``test_<function>`` keeps one visible assert, "``function`` passed its
checks": the current ``function`` object is the one the checks cell recorded. The source
version is::

    # Hidden tests for `f` run here when your notebook is graded;
    # Validate checks that `f` passed its checks above.
    ### BEGIN HIDDEN TESTS
    from autograder import grade
    if type(globals().get("_checks_passed")) is not dict:  # deleted or replaced
        _checks_passed = {}
    _checks_passed["f"] = globals().get("f")  # graded by the hidden tests below instead
    ### END HIDDEN TESTS
    assert "f" in _checks_passed and _checks_passed["f"] is globals().get("f"), \\
        "`f` has not passed its checks yet:\\nrun the cell of checks above and fix what it reports"
    ### BEGIN HIDDEN TESTS
    grade('<chapter>', 'f', globals())
    ### END HIDDEN TESTS

nbgrader removes both hidden regions from the student version (``released``). When
autograding, the first region makes the visible assert pass whatever the checks did, even when
``f`` is not defined (the hidden tests alone decide, as before), and ``grade(...)`` stays the
cell's last expression: nbgrader reads the points it returns as (partial) credit. The visible
code names neither the autograder nor a hidden test, and the course's sandboxed engine does not
run graded cells at all.
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


# The first code cell of every exercise ends with this line; each checks cell adds to it.
CHECKS_INIT = ("_checks_passed = {}  "
               "# which functions passed their checks (read by the graded cells)")


def setup(src: str):
    """The notebook's first code cell (imports, settings), ending with ``CHECKS_INIT``."""
    src = src.strip("\n")
    return code(src if CHECKS_INIT in src.splitlines() else f"{src}\n\n{CHECKS_INIT}")


def solution(function: str, src: str):
    return new_code_cell(src.strip("\n"), metadata=_meta(function, solution=True))


def checks_record(function: str) -> str:
    """The last line of the checks cell of ``function``."""
    return f'_checks_passed["{function}"] = {function}  # reached only if every check above passed'


def visible_checks(function: str, src: str):
    src = src.strip("\n")
    if src.splitlines()[-1:] != [checks_record(function)]:
        src = f"{src}\n{checks_record(function)}"
    return new_code_cell(src, metadata=_meta(f"checks_{function}", locked=True))


def checks_verdict(function: str) -> str:
    """The visible assert of the graded cell of ``function`` (what Validate reports)."""
    test = (f'"{function}" in _checks_passed and _checks_passed["{function}"] is '
            f'globals().get("{function}")')
    if len(test) > 80:  # long names: one condition a line
        test = test.replace(" and ", " \\\n    and ")
    return (f"assert {test}, \\\n"
            f'    "`{function}` has not passed its checks yet:\\n'
            'run the cell of checks above and fix what it reports"')


def hidden_tests_source(chapter: str, function: str) -> str:
    return (f"# Hidden tests for `{function}` run here when your notebook is graded;\n"
            f"# Validate checks that `{function}` passed its checks above.\n"
            "### BEGIN HIDDEN TESTS\n"
            "from autograder import grade\n"
            'if type(globals().get("_checks_passed")) is not dict:  # deleted or replaced\n'
            "    _checks_passed = {}\n"
            f'_checks_passed["{function}"] = globals().get("{function}")  '
            "# graded by the hidden tests below instead\n"
            "### END HIDDEN TESTS\n"
            f"{checks_verdict(function)}\n"
            "### BEGIN HIDDEN TESTS\n"
            f"grade({chapter!r}, {function!r}, globals())\n"
            "### END HIDDEN TESTS")


def hidden_tests(chapter: str, function: str, points: float):
    return new_code_cell(hidden_tests_source(chapter, function),
                         metadata=_meta(f"test_{function}", grade=True, locked=True,
                                        points=points))


RUBRIC_HEADING = "**Rubric"  # the solution region of a written answer holds one


def written_answer(name: str, points: float, model: str, rubric: list[str]):
    """A manually graded written answer ``written_<name>`` worth ``points``: the model answer
    and the rubric (one line per criterion, "1 point: ...") for whoever grades it, both
    removed from the student version by nbgrader."""
    lines = "\n".join(f"- {item}" for item in rubric)
    source = ("### BEGIN SOLUTION\n"
              f"**Model answer.** {model.strip()}\n\n"
              f"{RUBRIC_HEADING} ({points:g} points; for the grader, never shown to students).**\n"
              f"{lines}\n"
              "### END SOLUTION")
    return new_markdown_cell(source, metadata=_meta(f"written_{name}", grade=True,
                                                    solution=True, points=points))


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


def released(source: str) -> str:
    """The student version of a cell's source: its hidden-test regions removed, as nbgrader's
    ``ClearHiddenTests`` does."""
    return "\n".join(_split_hidden(source)[0])


def _split_hidden(source: str) -> tuple[list[str], list[list[str]]]:
    """(visible lines, [lines of each hidden-test region]) of a cell's source."""
    visible, regions, inside = [], [], False
    for line in source.split("\n"):
        if "BEGIN HIDDEN TESTS" in line:
            inside = True
            regions.append([])
        elif "END HIDDEN TESTS" in line:
            inside = False
        elif inside:
            regions[-1].append(line)
        else:
            visible.append(line)
    return visible, regions


def _code_lines(lines):
    return [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def _grade_cell_problems(chapter: str, function: str, source: str) -> list[str]:
    """What a graded cell ``test_<function>`` lacks of the structure ``hidden_tests`` makes."""
    gid, problems = f"test_{function}", []
    visible, regions = _split_hidden(source)
    call = f"grade({chapter!r}, {function!r}, globals())"
    if not regions or call not in regions[-1]:
        problems.append(f"grade cell {gid}: its last hidden region lacks `{call}`")
    elif _code_lines(source.split("\n"))[-1] != call:
        problems.append(f"grade cell {gid}: `{call}` must be its last statement "
                        "(nbgrader reads the points it returns as partial credit)")
    verdict = checks_verdict(function)
    if verdict not in "\n".join(visible):
        problems.append(f"grade cell {gid} lacks the visible assert that `{function}` passed "
                        f"its checks (tools.nbsource.checks_verdict)")
    else:
        before = source[:source.index(verdict)]
        record = f'_checks_passed["{function}"] = globals().get("{function}")'
        if not any(record in line for region in _split_hidden(before)[1] for line in region):
            problems.append(f"grade cell {gid}: no hidden `{record}` before the visible "
                            "assert (autograding must not depend on the checks)")
    return problems


def lint(path: str | Path) -> list[str]:
    """Problems with a solution notebook's conventions (empty list when fine)."""
    path = Path(path)
    chapter = path.stem
    nb = nbformat.read(str(path), as_version=4)
    problems, ids = [], []
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    if code_cells and CHECKS_INIT not in code_cells[0].source.splitlines():
        problems.append(f"the first code cell lacks the line {CHECKS_INIT!r} "
                        "(tools.nbsource.setup)")
    checks_at = {}
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader")
        if cell.cell_type == "code" and cell.get("outputs"):
            problems.append(f"cell {i} has outputs: clear them before committing")
        if not meta:
            if "BEGIN SOLUTION" in cell.source or "BEGIN HIDDEN TESTS" in cell.source:
                problems.append(f"cell {i} has nbgrader markers but no nbgrader metadata")
            continue
        gid = meta["grade_id"]
        ids.append(gid)
        if meta.get("solution") and "### BEGIN SOLUTION" not in cell.source:
            problems.append(f"solution cell {gid} lacks ### BEGIN SOLUTION")
        if meta.get("grade") and meta.get("solution") and cell.cell_type == "markdown":
            if not gid.startswith("written_"):
                problems.append(f"written answer {gid}: its grade_id must start with written_")
            if RUBRIC_HEADING not in cell.source:
                problems.append(f"written answer {gid} has no rubric ({RUBRIC_HEADING} ...) in "
                                "its solution region (tools.nbsource.written_answer)")
            continue
        if meta.get("grade") and "### BEGIN HIDDEN TESTS" not in cell.source:
            problems.append(f"grade cell {gid} lacks ### BEGIN HIDDEN TESTS")
        if cell.cell_type != "code":
            continue
        if gid.startswith("checks_"):
            function = gid[len("checks_"):]
            checks_at[function] = i
            if cell.source.rstrip("\n").split("\n")[-1] != checks_record(function):
                problems.append(f"checks cell {gid}: the last line must be "
                                f"{checks_record(function)!r} (tools.nbsource.visible_checks)")
        if meta.get("grade") and gid.startswith("test_"):
            function = gid[len("test_"):]
            if function not in checks_at:
                problems.append(f"grade cell {gid} has no cell checks_{function} before it")
            problems += _grade_cell_problems(chapter, function, cell.source)
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

"""`nbgrader validate` (JupyterLab's Validate button) tells students the truth.

nbgrader's Validator runs the student notebook and looks only at the graded cells, whose
hidden tests are removed from the student version. So each graded cell keeps one visible
assert: the current version of the function passed the visible checks above it (the checks
cell records it in ``_checks_passed``; see tools/nbsource.py). Here, with the real
``python -m nbgrader validate`` on a copy of the released notebook, as a student would run it
(no course configuration, no gradebook):

* the untouched notebook fails, naming the functions;
* the solution code pasted into the answer cells passes;
* a plausible bug from the chapter's bank (tests/<chapter>/bank.py) that the visible checks
  catch fails, naming that function;
* nothing in what validate prints is hidden-test or reference code.

The first test (no notebook is run) checks every chapter's released cells have that structure.
"""
from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograder.engine import registry
from autograder.engine.bank import load_bank
from tools import nbsource

REPO = Path(__file__).resolve().parents[1]
# NNBIO_CHAPTERS="02-activations" restricts the run to some chapters (as in test_notebooks.py).
CHAPTERS = [c for c in ("01-neuron", "02-activations")
            if not os.environ.get("NNBIO_CHAPTERS") or c in os.environ["NNBIO_CHAPTERS"].split(",")]
# (function, the bank's description of a mutant that the visible checks catch)
BUGS = {
    "01-neuron": ("step", "strict inequality: returns 0 at z = 0"),
    "02-activations": ("sigmoid", "sign error: computes sigma(-z)"),
}
SUCCESS = "Success! Your notebook passes all the tests."
HIDDEN_TEXT = ("from autograder", "grade(", "BEGIN HIDDEN", "END HIDDEN", "BEGIN SOLUTION",
               "END SOLUTION")


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _grade_id(cell: dict) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def _solutions(chapter: str) -> dict[str, str]:
    """grade_id -> the solution cell's code without the ### BEGIN/END SOLUTION lines."""
    out = {}
    for cell in _cells(REPO / "solutions" / chapter / f"{chapter}.ipynb"):
        if cell["cell_type"] == "code" and cell["metadata"].get("nbgrader", {}).get("solution"):
            lines = "".join(cell["source"]).split("\n")
            out[_grade_id(cell)] = "\n".join(
                ln for ln in lines if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
    return out


def _written(chapter: str) -> dict[str, str]:
    """grade_id -> a student's answer, for each written answer of the chapter (graded by hand;
    validate says when one is left empty)."""
    return {gid: "The run shows it: my reasons, in two sentences."
            for gid in registry.suite(chapter).written_answers}


def _mutant_source(chapter: str) -> tuple[str, str]:
    """(function, the bank's buggy implementation as a cell defining `function`)."""
    function, why = BUGS[chapter]
    entry = next(e for e in load_bank(chapter).mutants if (e.function, e.why) == (function, why))
    src = textwrap.dedent(inspect.getsource(entry.implementation))
    node = ast.parse(src).body[0]  # the def without its (possibly multi-line) decorators
    src = "\n".join(src.split("\n")[node.lineno - 1:])
    src = re.sub(rf"^def {entry.implementation.__name__}\(", f"def {function}(", src, count=1)
    assert src.startswith(f"def {function}("), src
    return function, src.strip("\n")


def _validate(tmp_path: Path, chapter: str, answers: dict[str, str]) -> str:
    """What `nbgrader validate` prints for the released notebook with ``answers`` (grade_id ->
    source) in its answer cells, run in a directory without course configuration."""
    nb = json.loads((REPO / "exercises" / chapter / f"{chapter}.ipynb").read_text())
    for cell in nb["cells"]:
        if _grade_id(cell) in answers:
            assert cell["metadata"]["nbgrader"].get("solution"), _grade_id(cell)
            cell["source"] = answers[_grade_id(cell)]
    path = tmp_path / f"{chapter}.ipynb"
    path.write_text(json.dumps(nb, indent=1))
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "validate", path.name],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout + proc.stderr
    _assert_reveals_nothing(out)
    return proc.stdout


def _leak_checker():
    spec = importlib.util.spec_from_file_location("nnbio_test_no_leaks_for_validate",
                                                  REPO / "tests" / "test_no_leaks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _assert_reveals_nothing(out: str) -> None:
    for marker in HIDDEN_TEXT:
        assert marker not in out, f"validate printed {marker!r}"
    leaks = _leak_checker()
    assert leaks._leaks(out, leaks.secrets()) == [], "validate printed hidden or reference code"


def _failed_functions(out: str) -> set[str]:
    return set(re.findall(r"`(\w+)` has not passed its checks yet", out))


@pytest.mark.parametrize("chapter", registry.chapters())
def test_released_graded_cells_keep_only_the_visible_verdict(chapter):
    cells = _cells(REPO / "exercises" / chapter / f"{chapter}.ipynb")
    code = [c for c in cells if c["cell_type"] == "code"]
    assert nbsource.CHECKS_INIT in "".join(code[0]["source"]).split("\n")
    graded = [_grade_id(c)[len("test_"):] for c in code if _grade_id(c).startswith("test_")]
    assert sorted(graded) == sorted(registry.suite(chapter).functions())
    sources = {_grade_id(c): "".join(c["source"]) for c in code}
    for function in graded:
        assert sources[f"checks_{function}"].split("\n")[-1] == nbsource.checks_record(function)
        # nbgrader removed both hidden regions and nothing else
        assert sources[f"test_{function}"] == nbsource.released(
            nbsource.hidden_tests_source(chapter, function))
        assert nbsource.checks_verdict(function) in sources[f"test_{function}"]


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_validate_fails_on_the_untouched_notebook(tmp_path, chapter):
    out = _validate(tmp_path, chapter, {})
    assert SUCCESS not in out
    assert "VALIDATION FAILED" in out
    assert _failed_functions(out) == set(_solutions(chapter)), out[-3000:]
    if _written(chapter):  # the written answers are still to write: validate says so
        assert "You did not provide a response" in out, out[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_validate_passes_the_solution(tmp_path, chapter):
    out = _validate(tmp_path, chapter, {**_solutions(chapter), **_written(chapter)})
    assert out.strip() == SUCCESS, out[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_validate_fails_on_a_bug_the_visible_checks_catch(tmp_path, chapter):
    function, buggy = _mutant_source(chapter)
    out = _validate(tmp_path, chapter, {**_solutions(chapter), **_written(chapter), function: buggy})
    assert SUCCESS not in out
    assert "VALIDATION FAILED" in out
    assert function in _failed_functions(out), out[-3000:]
    # the checks cell's own message reaches the student only in the notebook, not here: what
    # validate prints is the graded cell (named after the function) and its assert
    assert f"Hidden tests for `{function}`" in out

"""The exercise notebooks, end to end through nbgrader.

* every solution notebook follows the conventions (tools/nbsource.lint) and its grade cells
  carry the points of the hidden-test suite;
* exercises/ equals what nbgrader generates from solutions/ now (not stale);
* autograding the solution notebook gives full marks and the untouched student notebook 0,
  with nbgrader's own `autograde` and gradebook, as an instructor would run it;
* the instructor CLI writes the grade table and feedback without hidden test code.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.engine import registry
from tools.nbsource import lint

REPO = Path(__file__).resolve().parents[1]
# NNBIO_CHAPTERS="02-activations" restricts the (slow) end-to-end run to some chapters.
CHAPTERS = [c for c in registry.chapters()
            if not os.environ.get("NNBIO_CHAPTERS") or c in os.environ["NNBIO_CHAPTERS"].split(",")]


def _nb(path: Path):
    return nbformat.read(str(path), as_version=4)


def _grade_cells(nb):
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade")}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_notebook_follows_conventions(chapter):
    path = REPO / "solutions" / chapter / f"{chapter}.ipynb"
    assert path.exists(), f"missing {path}"
    assert lint(path) == []


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_graded_function_has_a_cell_with_the_suites_points(chapter):
    nb = _nb(REPO / "solutions" / chapter / f"{chapter}.ipynb")
    cells = _grade_cells(nb)
    suite = registry.suite(chapter)
    assert set(cells) == {f"test_{f}" for f in suite.functions()} | set(suite.written_answers)
    for gid, points in suite.written_answers.items():  # graded by hand against the rubric
        assert cells[gid].cell_type == "markdown" and cells[gid].metadata["nbgrader"]["solution"]
        assert cells[gid].metadata["nbgrader"]["points"] == points, gid
    for fn in suite.functions():
        meta = cells[f"test_{fn}"].metadata["nbgrader"]
        assert meta["points"] == suite.max_points(fn), fn
        assert f"grade({chapter!r}, {fn!r}, globals())" in cells[f"test_{fn}"].source
        solution_ids = {c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                        if c.metadata.get("nbgrader", {}).get("solution")}
        assert fn in solution_ids, f"no solution cell with grade_id {fn!r}"


def _run(cmd, cwd, timeout=900):
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module", params=["nbgrader", "sandbox"])
def course(request, tmp_path_factory):
    """A fresh course directory: release every chapter, submit the solution as student
    `solution` and the untouched student notebook as `blank`, autograde with plain nbgrader
    or with the sandboxed engine, report."""
    root = tmp_path_factory.mktemp(f"course-{request.param}")
    shutil.copy(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "solutions", root / "solutions")
    cli = [sys.executable, "-m", "autograder.engine.cli", "--root", str(root)]
    _run(cli + ["release", *CHAPTERS], root)
    for ch in CHAPTERS:
        for student, src in (("solution", root / "solutions"), ("blank", root / "exercises")):
            dest = root / "submitted" / student / ch
            dest.mkdir(parents=True)
            shutil.copy(src / ch / f"{ch}.ipynb", dest)
    _run(cli + ["autograde", "--engine", request.param, "--no-progress", *CHAPTERS]
         if request.param == "sandbox" else cli + ["autograde", "--engine", "nbgrader", *CHAPTERS],
         root, timeout=1800)
    _run(cli + ["report", *CHAPTERS], root)
    return root


def _canonical(nb):
    return json.dumps({"cells": [{"type": c.cell_type, "source": c.source,
                                  "metadata": c.metadata} for c in nb.cells],
                       "metadata": nb.metadata}, sort_keys=True, indent=1)


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_exercises_are_generated_from_current_solutions(course, chapter):
    fresh = _nb(course / "exercises" / chapter / f"{chapter}.ipynb")
    committed_path = REPO / "exercises" / chapter / f"{chapter}.ipynb"
    assert committed_path.exists(), "run `make exercises` and commit exercises/"
    assert _canonical(_nb(committed_path)) == _canonical(fresh), (
        f"exercises/{chapter} is stale: run `make exercises` and commit the result")


def _summary(course):
    with (course / "reports" / "summary.csv").open() as fh:
        return {(r["student"], r["chapter"]): r for r in csv.DictReader(fh)}


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_scores_full_marks_through_nbgrader(course, chapter):
    """Full marks for everything graded automatically; its written answers wait for the
    instructor (nbgrader counts a grade without a score as 0 until then)."""
    row = _summary(course)[("solution", chapter)]
    assert row["status"] == "graded"
    by_hand = sum(registry.suite(chapter).written_answers.values())
    assert float(row["score"]) == float(row["max_score"]) - by_hand > 0, row
    from autograder.engine import gradebook

    pending = next(r["pending"] for r in gradebook.scores(gradebook.default_db_url(course),
                                                          [chapter]) if r["student"] == "solution")
    assert set(pending) == set(registry.suite(chapter).written_answers)


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_untouched_student_notebook_scores_zero_through_nbgrader(course, chapter):
    row = _summary(course)[("blank", chapter)]
    assert row["status"] == "graded"
    assert float(row["score"]) == 0.0 < float(row["max_score"]), row


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_feedback_explains_without_hidden_test_code(course, chapter):
    text = (course / "reports" / "feedback" / "blank" / f"{chapter}.html").read_text()
    assert "not implemented yet" in text
    for marker in ("BEGIN HIDDEN TESTS", "from autograder", "grade(", "def "):
        assert marker not in text


@pytest.mark.slow
def test_grade_table_has_a_row_per_graded_function(course):
    with (course / "reports" / "grades.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    expected = sum(len(registry.suite(ch).functions()) + len(registry.suite(ch).written_answers)
                   for ch in CHAPTERS) * 2
    assert len(rows) == expected


@pytest.mark.slow
def test_both_engines_give_the_same_scores(tmp_path_factory):
    """On honest submissions the sandboxed engine's scores equal plain nbgrader's, per cell."""
    roots = sorted(tmp_path_factory.getbasetemp().glob("course-*"))
    tables = []
    for root in roots:
        with (root / "reports" / "grades.csv").open() as fh:
            tables.append(sorted((r["student"], r["chapter"], r["test"], float(r["points"]))
                                 for r in csv.DictReader(fh)))
    if len(tables) < 2:
        pytest.skip("runs after both engines graded (whole module)")
    assert tables[0] == tables[1]

"""Short written answers graded by hand (``Suite.written``, ``tools.nbsource.written_answer``):
the engine records them as ``nbgrader autograde`` does, and the instructor sees the rubric.

* an untouched answer cell (its checksum is still the release's) scores 0 and needs no grade;
  a written one has no automatic score and waits for the instructor in formgrader; a deleted one
  scores 0; a grade the instructor already gave is kept (and flagged for review, as nbgrader
  flags it);
* the student version has neither the model answer nor the rubric; the dashboard shows the
  rubric and how many answers wait.
"""
from __future__ import annotations

import html
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.engine import cli, dashboard, gradebook, hidden_tests, registry
from autograder.engine.result import SubmissionResult
from tools import nbsource

REPO = Path(__file__).resolve().parents[1]
CH = "01-neuron"
GID = "written_why"
MODEL = "A single neuron draws one straight line, and XOR needs two."
RUBRIC = ["1 point: one neuron's decision boundary is a line (a hyperplane)",
          "1 point: no line separates XOR's classes, so a hidden layer is needed"]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course whose 01-neuron ends with a written answer, released by nbgrader."""
    root = tmp_path_factory.mktemp("written")
    shutil.copy(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "solutions" / CH, root / "solutions" / CH)
    path = root / "solutions" / CH / f"{CH}.ipynb"
    nb = json.loads(path.read_text())
    prompt = nbsource.markdown("In two sentences: why can one neuron not compute XOR?")
    answer = nbsource.written_answer("why", 2, MODEL, RUBRIC)
    nb["cells"] += [json.loads(json.dumps(prompt)), json.loads(json.dumps(answer))]
    path.write_text(json.dumps(nb))
    proc = subprocess.run([sys.executable, "-m", "autograder.engine.cli", "--root", str(root),
                           "release", CH], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return root


@pytest.fixture
def declared(monkeypatch):
    monkeypatch.setitem(registry.suite(CH).written_answers, GID, 2.0)


def _released(course) -> dict:
    return json.loads((course / "exercises" / CH / f"{CH}.ipynb").read_text())


def _answer_cell(nb: dict) -> dict:
    return next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == GID)


def test_the_student_version_has_neither_the_model_answer_nor_the_rubric(course):
    text = json.dumps(_released(course))
    assert MODEL not in text and "Rubric" not in text
    assert not any(line in text for line in RUBRIC)
    assert "YOUR ANSWER HERE" in "".join(_answer_cell(_released(course))["source"])


def test_untouched_written_and_deleted_answers_are_told_apart(course, declared):
    nb = _released(course)
    assert hidden_tests.written_answers(nb, CH)[GID] is False
    _answer_cell(nb)["source"] = "One neuron draws one line; XOR's classes need two."
    assert hidden_tests.written_answers(nb, CH)[GID] is True
    nb["cells"].remove(_answer_cell(nb))
    assert hidden_tests.written_answers(nb, CH)[GID] is False


def _record(course, student: str, answered: bool) -> dict:
    db_url = gradebook.default_db_url(course)
    gradebook.record(db_url, SubmissionResult(student, CH, "key", written={GID: answered}), course)
    return next(r for r in gradebook.scores(db_url, [CH]) if r["student"] == student)


def test_a_written_answer_waits_for_the_instructor_and_an_untouched_one_scores_0(course):
    waiting = _record(course, "wrote", True)
    assert waiting["grades"][GID] == (0.0, 2.0) and GID in waiting["pending"]  # 0 until graded
    untouched = _record(course, "left_it", False)
    assert untouched["grades"][GID] == (0.0, 2.0) and GID not in untouched["pending"]


def test_a_grade_the_instructor_gave_survives_grading_again(course):
    from nbgrader.api import Gradebook

    _record(course, "graded_by_hand", True)
    with Gradebook(gradebook.default_db_url(course)) as gb:
        grade = gb.find_grade(GID, CH, CH, "graded_by_hand")
        grade.manual_score = 1.5
        grade.needs_manual_grade = False
        gb.db.commit()
    again = _record(course, "graded_by_hand", True)
    assert again["grades"][GID] == (1.5, 2.0)


def test_the_dashboard_shows_the_rubric_and_the_answers_waiting(course, tmp_path):
    _record(course, "wrote", True)
    _record(course, "left_it", False)
    rubrics = cli._rubrics(course, [CH])
    assert MODEL in rubrics[CH][GID] and RUBRIC[0] in rubrics[CH][GID]
    assert "BEGIN SOLUTION" not in rubrics[CH][GID]
    rows = [dashboard.submission_row(r["student"], CH, "graded", "", r, None)
            for r in gradebook.scores(gradebook.default_db_url(course), [CH])]
    table = dashboard.written_table(rows, rubrics[CH])
    wrote = next(w for w in table if w["cell"] == GID)
    assert wrote["waiting"] >= 1 and wrote["graded"] >= 1  # "left_it" has its 0
    assert GID not in {f["cell"] for f in dashboard.function_table(rows)}
    page = dashboard.write(tmp_path, [CH], rows, rubrics)[1].read_text()
    assert "Written answers" in page and html.escape(RUBRIC[1]) in page

"""Any nbgrader assignment, graded by the engine exactly as stock ``nbgrader autograde`` grades
it, with the sandbox's guarantees (issue 13, part 4).

Two assignments in plain nbgrader style (``tests/nbgrader_style.py``) sit in a course directory
with the course's own ``nbgrader_config.py``; students submit honest, blank, wrong and
tampered work (an edited test cell, an edited locked cell, a deleted test cell), a late one, a
missing notebook, and work that hangs or crashes. The engine and stock nbgrader grade copies
of the same course; their gradebooks must agree cell by cell.
"""
from __future__ import annotations

import datetime
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tools import nbgrader_style as S

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
ON_TIME = "2026-12-01 10:00:00.000000 UTC"
LATE = "2026-12-03 11:02:40.000000 UTC"   # 3760 s after the due date
DUE = datetime.datetime(2026, 12, 3, 10, 0, 0)
STOCK_SKIPS = ("hangs", "crashes", "memory_bomb")  # stock nbgrader would wait out its 300 s cell timeout


def _cli(root: Path, *args, timeout=900):
    return subprocess.run([sys.executable, "-m", "autograder.engine.cli", "--root", str(root), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=REPO)


def _submissions(root: Path) -> None:
    hw1 = lambda: S.released(root, "hw1", "hw1")  # noqa: E731
    right, wrong = S.HW1_RIGHT, S.HW1_WRONG
    S.submit(root, "honest", "hw1", {"hw1": S.answer(hw1(), **right)}, ON_TIME)
    S.submit(root, "blank", "hw1", {"hw1": hw1()}, ON_TIME)
    S.submit(root, "wrong", "hw1", {"hw1": S.answer(hw1(), **wrong)}, ON_TIME)
    S.submit(root, "edits_test", "hw1", {"hw1": S.set_cell(S.answer(hw1(), **wrong),
                                                            "test_squares", "pass")}, ON_TIME)
    S.submit(root, "edits_locked", "hw1", {"hw1": S.set_cell(
        S.answer(hw1(), **right), "setup", "import numpy as np\nTHRESHOLD = 100.0")}, ON_TIME)
    S.submit(root, "deletes_test", "hw1", {"hw1": S.delete_cell(S.answer(hw1(), **wrong),
                                                                 "test_squares")}, ON_TIME)
    S.submit(root, "late", "hw1", {"hw1": S.answer(hw1(), **right)}, LATE)
    S.submit(root, "hangs", "hw1", {"hw1": S.answer(hw1(), **dict(
        right, squares="def squares(n):\n    while True:\n        pass"))}, ON_TIME)
    S.submit(root, "crashes", "hw1", {"hw1": S.answer(hw1(), **dict(
        right, fold_change="import os\ndef fold_change(a, b):\n    os._exit(1)"))}, ON_TIME)
    S.submit(root, "memory_bomb", "hw1", {"hw1": S.answer(hw1(), **dict(
        right, fold_change="def fold_change(a, b):\n"
                           "    hog = [bytearray(1 << 30) for _ in range(80)]\n    return b / a"))},
             ON_TIME)
    part = lambda name: S.released(root, "hw2", name)  # noqa: E731
    S.submit(root, "honest", "hw2", {n: S.answer(part(n), **S.HW2_RIGHT[n])
                                     for n in ("part1", "part2")}, ON_TIME)
    S.submit(root, "half", "hw2", {"part1": S.answer(part("part1"), **S.HW2_RIGHT["part1"])},
             ON_TIME)


def _set_due_date(root: Path) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="nnbio") as gb:
        gb.update_or_create_assignment("hw1", duedate=DUE)


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    """(engine course, stock course), both graded."""
    engine = S.build_course(tmp_path_factory.mktemp("engine"))
    with open(engine / "nbgrader_config.py", "a") as fh:  # a late penalty, as an instructor sets
        fh.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    proc = _cli(engine, "release", "hw1", "hw2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    _set_due_date(engine)
    _submissions(engine)
    stock = tmp_path_factory.mktemp("stock")
    for name in ("nbgrader_config.py", "gradebook.db"):
        shutil.copy(engine / name, stock / name)
    for name in ("solutions", "exercises", "submitted"):
        shutil.copytree(engine / name, stock / name)
    for student in STOCK_SKIPS:
        shutil.rmtree(stock / "submitted" / student)
    proc = _cli(engine, "autograde", "hw1", "hw2", "--no-progress",
                "--limit", "cell_seconds=5", "--limit", "call_seconds=5")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = _cli(stock, "autograde", "hw1", "hw2", "--engine", "nbgrader")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return engine, stock


def _gradebook(root: Path) -> dict:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for a in ("hw1", "hw2"):
            for sub in gb.assignment_submissions(a):
                out[(sub.student.id, a, "timestamp")] = str(sub.timestamp)
                for nb in sub.notebooks:
                    out[(sub.student.id, a, nb.name, "late penalty")] = nb.late_submission_penalty
                    for g in nb.grades:
                        out[(sub.student.id, a, nb.name, g.name)] = (g.auto_score,
                                                                      g.needs_manual_grade)
    return out


def _scores(root: Path, student: str, assignment: str = "hw1") -> dict:
    return {k[3]: v[0] for k, v in _gradebook(root).items()
            if k[0] == student and k[1] == assignment and len(k) == 4 and isinstance(v, tuple)}


def test_scores_equal_stock_nbgrader_cell_by_cell(courses):
    engine, stock = courses
    mine, theirs = _gradebook(engine), _gradebook(stock)
    assert len(theirs) > 60
    assert {k: mine.get(k) for k in theirs} == theirs


def test_honest_work_scores_full_marks_and_answers_wait_for_a_manual_grade(courses):
    engine, _ = courses
    assert _scores(engine, "honest") == {"test_squares": 2.0, "test_mean_expression": 3.0,
                                         "test_partial": 4.0, "test_fold_change": 2.0,
                                         "why_log": None, "plot_task": None}
    assert _scores(engine, "blank") == {"test_squares": 0.0, "test_mean_expression": 0.0,
                                        "test_partial": 0.0, "test_fold_change": 0.0,
                                        "why_log": 0.0, "plot_task": None}


def test_edited_and_deleted_grade_cells_are_restored_from_the_gradebook(courses):
    engine, _ = courses
    wrong = _scores(engine, "wrong")
    assert wrong["test_squares"] == 0.0 and wrong["test_partial"] == 0.0
    assert _scores(engine, "edits_test")["test_squares"] == 0.0   # `pass` did not help
    assert _scores(engine, "deletes_test")["test_squares"] == 0.0  # added back, and failed
    assert _scores(engine, "edits_locked")["test_mean_expression"] == 3.0  # THRESHOLD restored


def test_a_hang_or_a_crash_costs_only_the_cells_it_broke(courses):
    engine, _ = courses
    hangs, crashes = _scores(engine, "hangs"), _scores(engine, "crashes")
    assert hangs["test_squares"] == hangs["test_partial"] == 0.0
    assert hangs["test_mean_expression"] == 3.0 and hangs["test_fold_change"] == 2.0
    assert crashes["test_fold_change"] == 0.0
    assert crashes["test_squares"] == 2.0 and crashes["test_partial"] == 4.0
    bomb = _scores(engine, "memory_bomb")
    assert bomb["test_fold_change"] == 0.0 and bomb["test_squares"] == 2.0
    assert bomb["test_mean_expression"] == 3.0 and bomb["test_partial"] == 4.0
    state = json.loads((engine / "autograded" / "hangs" / "hw1" / "grading.json").read_text())
    assert any("time limit" in n for n in state["notes"]), state["notes"]


def test_late_work_is_penalised_by_the_configured_plugin_and_timestamps_reach_the_gradebook(courses):
    engine, stock = courses
    mine = _gradebook(engine)
    assert mine[("late", "hw1", "timestamp")] == "2026-12-03 11:02:40"
    assert mine[("late", "hw1", "hw1", "late penalty")] == 11.0  # "zero": all 11 points
    assert mine[("honest", "hw1", "hw1", "late penalty")] in (None, 0.0)


def test_a_missing_notebook_scores_zero_and_the_other_is_graded(courses):
    engine, _ = courses
    assert _scores(engine, "half", "hw2") == {"test_gc": 3.0, "test_revcomp": 0.0}
    assert _scores(engine, "honest", "hw2") == {"test_gc": 3.0, "test_revcomp": 3.0}


def test_autograded_notebook_shows_what_ran_and_feedback_shows_it_too(courses):
    engine, _ = courses
    folder = engine / "autograded" / "honest" / "hw1"
    assert (folder / "timestamp.txt").read_text().strip() == ON_TIME
    nb = nbformat.read(str(folder / "hw1.ipynb"), as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any(o.output_type == "stream" and "means:" in o.text for o in outputs)
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert not any(set(o.get("data", {})) - {"text/plain", "image/png"} for o in outputs)
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "generate_feedback", "hw1",
                           "--student", "honest", "--force"], cwd=engine, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    html = (engine / "feedback" / "honest" / "hw1" / "hw1.html").read_text()
    assert "means:" in html and "data:image/png;base64" in html


def test_a_manual_grade_survives_grading_again(courses):
    from nbgrader.api import Gradebook

    engine, _ = courses
    db = f"sqlite:///{engine / 'gradebook.db'}"
    proc = _cli(engine, "report", "hw1")
    assert proc.returncode == 0, proc.stderr
    page = (engine / "reports" / "feedback" / "honest" / "hw1.html").read_text()
    assert "why_log: not graded yet" in page and "grades this by hand" in page
    with Gradebook(db) as gb:
        grade = gb.find_grade("why_log", "hw1", "hw1", "honest")
        grade.manual_score = 1.5
        grade = gb.find_grade("test_squares", "hw1", "hw1", "wrong")  # an override
        grade.manual_score = 1.0
        gb.find_comment("squares", "hw1", "hw1", "wrong").manual_comment = "close: off by one"
        gb.db.commit()
    proc = _cli(engine, "autograde", "hw1", "--force", "--no-progress",
                "--limit", "cell_seconds=5", "--limit", "call_seconds=5")
    assert proc.returncode == 0, proc.stderr
    with Gradebook(db) as gb:
        grade = gb.find_grade("why_log", "hw1", "hw1", "honest")
        assert grade.manual_score == 1.5 and grade.score == 1.5
        assert gb.find_grade("test_squares", "hw1", "hw1", "honest").score == 2.0
        assert gb.find_grade("test_squares", "hw1", "hw1", "wrong").score == 1.0
    proc = _cli(engine, "report", "hw1")
    assert proc.returncode == 0, proc.stderr
    page = (engine / "reports" / "feedback" / "wrong" / "hw1.html").read_text()
    # the heading, the body and the instructor's change and comment agree
    assert "squares: 1 / 2</h2>" in page
    assert "Your instructor set this score to 1 / 2; the autograder's result, below, " \
           "was 0 / 2" in page
    assert "Comment from your instructor: close: off by one" in page
    assert "AssertionError" in page  # the autograder's result: what the test cell showed
    assert "why_log: 1.5 / 2" in (engine / "reports" / "feedback" / "honest" / "hw1.html").read_text()
    summary = (engine / "reports" / "summary.csv").read_text()
    assert "honest,hw1,12.5," in summary  # 11 autograded points + the manual 1.5


def test_the_command_line_names_what_it_does_not_know(courses):
    engine, _ = courses
    proc = _cli(engine, "autograde", "hw9")
    assert proc.returncode == 2
    assert "unknown assignment" in proc.stderr and "hw1" in proc.stderr


def test_a_dask_cluster_grades_plain_nbgrader_assignments_too(tmp_path, dask_cluster):
    from autograder.engine.scheduler import grade_class

    root = S.build_course(tmp_path)
    proc = _cli(root, "release", "hw2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    part = lambda name: S.released(root, "hw2", name)  # noqa: E731
    S.submit(root, "honest", "hw2", {n: S.answer(part(n), **S.HW2_RIGHT[n])
                                     for n in ("part1", "part2")}, ON_TIME)
    S.submit(root, "half", "hw2", {"part1": S.answer(part("part1"), **S.HW2_RIGHT["part1"])},
             ON_TIME)
    summary = grade_class(root, ["hw2"], scheduler=dask_cluster.scheduler_address, progress=False)
    assert summary["graded_now"] == 2 and summary["ungradable"] == 0
    assert _scores(root, "honest", "hw2") == {"test_gc": 3.0, "test_revcomp": 3.0}
    assert _scores(root, "half", "hw2") == {"test_gc": 3.0, "test_revcomp": 0.0}

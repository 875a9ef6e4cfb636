"""One result type for a graded submission (autograder/engine/result.py): what the engine returns,
the state file and the gradebook store, and the reports read."""
from __future__ import annotations

import json
import pickle

from autograder.engine.result import GRADED, UNGRADABLE, SubmissionResult


def _graded() -> SubmissionResult:
    return SubmissionResult(
        "alice", "02-activations", "k1", notes=["cell 3 was skipped: it hung"],
        functions=[{"function": "sigmoid", "points": 3.0, "max_points": 4.0, "report": "r1"},
                   {"function": "softmax", "points": 0.0, "max_points": 5.0, "report": "r2"}],
        isolation="full", restarts=1, uid=61000, timestamp="2026-12-01 10:00:00 UTC",
        seconds=1.5)


def test_a_result_survives_the_state_file_and_a_process_boundary():
    result = _graded()
    assert SubmissionResult.from_json(json.loads(json.dumps(result.to_json()))) == result
    assert pickle.loads(pickle.dumps(result)) == result  # pool workers and Dask send it back


def test_scores_and_feedback_by_test_cell():
    result = _graded()
    assert result.graded and result.status == GRADED
    assert (result.points, result.max_points) == (3.0, 9.0)
    assert result.points_by_grade_id() == {"test_sigmoid": 3.0, "test_softmax": 0.0}
    assert result.reports_by_grade_id() == {"test_sigmoid": "r1", "test_softmax": "r2"}
    cells = SubmissionResult("bob", "hw1", None, kind="notebooks", functions=[
        {"function": "cell-7", "grade_id": "cell-7", "points": 1.0, "max_points": 2.0,
         "report": "shown"}])
    assert cells.points_by_grade_id() == {"cell-7": 1.0}


def test_an_older_or_foreign_state_file_is_read_without_failing():
    old = {"student": "alice", "chapter": "01-neuron", "status": "graded", "functions": [],
           "notes": [], "seconds": 2.0, "something_new": {"x": 1}}  # no key, no kind
    result = SubmissionResult.from_json(old)
    assert result.key is None and result.kind == "chapter" and result.graded


def test_an_ungradable_result_has_a_short_reason_and_no_grades():
    result = SubmissionResult.ungradable("eve", "05-cnn", "k", "not a notebook " * 200,
                                         seconds=0.1234, infrastructure=True)
    assert result.status == UNGRADABLE and not result.graded
    assert result.functions == [] and result.points == 0.0
    assert len(result.reason) <= 600 and result.seconds == 0.123 and result.infrastructure

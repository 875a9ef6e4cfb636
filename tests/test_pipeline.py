"""The grading pipeline, stage by stage (autograder/engine/pipeline.py): each stage is a small
unit tested on its own, then the worker's stages together on one real submission."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from autograder.engine import hidden_tests, jobs, pipeline
from autograder.engine.assignments import NOTEBOOKS
from autograder.engine.result import SubmissionResult

REPO = Path(__file__).resolve().parents[1]
CH = "02-activations"


def _code(source, **nbgrader):
    meta = {"nbgrader": nbgrader} if nbgrader else {}
    return {"cell_type": "code", "metadata": meta, "source": source, "outputs": [],
            "execution_count": None}


def _course(tmp_path: Path, notebook: dict | bytes | None, name: str = f"{CH}.ipynb") -> Path:
    root = tmp_path / "course"
    (root / "solutions").mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "solutions" / CH, root / "solutions" / CH)
    folder = root / "submitted" / "ana" / CH
    folder.mkdir(parents=True)
    if notebook is not None:
        data = notebook if isinstance(notebook, bytes) else json.dumps(notebook).encode()
        (folder / name).write_bytes(data)
    return root


def _job(root: Path) -> jobs.Job:
    [job] = jobs.find_jobs(root, [CH])
    return job


def _solution() -> dict:
    return json.loads((REPO / "solutions" / CH / f"{CH}.ipynb").read_text())


# ------------------------------------------------------------------ the stages, listed

def test_the_stages_are_listed_in_order_and_every_kind_implements_its_own():
    assert pipeline.STAGES == ("discover", "read", "run", "test", "feedback", "record")
    for kind in (hidden_tests.CHAPTER, NOTEBOOKS):
        for stage in pipeline.STAGES[1:]:
            assert callable(getattr(kind, stage)), (kind, stage)
    assert pipeline.kind_of("chapter") is hidden_tests.CHAPTER
    assert pipeline.kind_of("notebooks") is NOTEBOOKS


def test_the_stage_clock_adds_up_each_stage():
    clock = pipeline.StageClock()
    with clock("read"):
        pass
    with clock("test"):
        pass
    assert set(clock.seconds) == {"read", "test"} and clock.total() >= sum(clock.seconds.values())
    with pytest.raises(AssertionError):
        with clock("no such stage"):
            pass


# ------------------------------------------------------------------ discover

def test_discover_keys_a_submission_by_its_content_and_regrades_only_changes(tmp_path):
    root = _course(tmp_path, _solution())
    job = _job(root)
    assert job.key and job.kind == "chapter" and not job.unreadable
    assert jobs.needs_grading(root, job)
    jobs.write_state(root, SubmissionResult("ana", CH, job.key))
    assert not jobs.needs_grading(root, job)
    nb = _solution()
    nb["cells"].append(_code("x = 1"))
    (root / "submitted" / "ana" / CH / f"{CH}.ipynb").write_text(json.dumps(nb))
    assert _job(root).key != job.key and jobs.needs_grading(root, _job(root))


def test_the_grader_version_covers_every_engine_module_and_the_chapter():
    version = jobs.grader_version(CH)
    assert version.startswith(jobs.ENGINE_VERSION + "-")
    assert jobs.grader_version("01-neuron") != version  # another chapter's tests


# ------------------------------------------------------------------ read

def test_read_lists_code_cells_and_marks_where_each_hidden_test_sits():
    nb = {"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "# title"},
        _code("import numpy as np"),
        _code("   \n"),
        _code("def relu(z):\n    return z", solution=True, grade=False, grade_id="relu"),
        _code('grade("02-activations", "relu", globals())', grade=True, grade_id="test_relu",
              points=4),
        "not a cell",
    ]}
    cells, seen = hidden_tests.cells_to_run(nb)
    assert cells == [(1, "import numpy as np"), (3, "def relu(z):\n    return z"),
                     (4, None, "relu")]
    assert seen == {"relu": "code", "test_relu": "code"}


def test_read_notes_answer_cells_that_were_deleted_or_retyped():
    source = {"cells": [_code("", solution=True, grade=False, grade_id="relu"),
                        _code("", solution=True, grade=False, grade_id="sigmoid")]}
    notes = hidden_tests.missing_answer_cells(source, {"sigmoid": "markdown"})
    assert notes == ["the answer cell for `relu` is missing (deleted?)",
                     "the answer cell for `sigmoid` was changed to a markdown cell"]


@pytest.mark.parametrize("content, reason", [
    (None, "missing notebook"),
    (b"{not json", "not valid JSON"),
])
def test_read_says_why_a_submission_cannot_be_graded(tmp_path, content, reason):
    root = _course(tmp_path, content)
    (tmp_path / "staging").mkdir()
    with pytest.raises(pipeline.Ungradable, match=reason):
        hidden_tests.CHAPTER.read(_job(root), tmp_path / "staging")


def test_read_grades_a_renamed_notebook_and_says_so(tmp_path):
    root = _course(tmp_path, _solution(), name="my copy.ipynb")
    staging = tmp_path / "staging"
    staging.mkdir()
    submission = hidden_tests.CHAPTER.read(_job(root), staging)
    assert any("renamed" in note for note in submission.notes)
    assert submission.functions[0] == "sigmoid" and submission.cells
    assert (staging / "my copy.ipynb").exists()  # the staged copy the sandbox gets


def test_an_ungradable_read_ends_the_pipeline_with_the_reason(tmp_path):
    root = _course(tmp_path, None)
    result = pipeline.grade_submission(_job(root))
    assert not result.graded and "missing notebook" in result.reason
    assert set(result.stages) == {"read"}


# ------------------------------------------------------------------ record

def test_record_stores_a_result_the_gradebook_refuses_as_ungradable_without_a_key(tmp_path):
    root = _course(tmp_path, _solution())
    job = _job(root)
    result = SubmissionResult("ana", CH, job.key, functions=[{"function": "relu", "points": 1.0,
                                                              "max_points": 4.0, "report": ""}])
    stored = pipeline.record(root, job, result, "sqlite:////nonexistent/dir/gradebook.db")
    assert not stored.graded and stored.infrastructure and stored.key is None
    assert "could not be stored" in stored.reason
    assert jobs.load_state(root, "ana", CH).reason == stored.reason  # and the next run regrades
    assert jobs.needs_grading(root, job)


# ------------------------------------------------------------------ the worker's stages together

@pytest.mark.slow
def test_one_submission_through_every_worker_stage(tmp_path):
    from autograder.engine import gradebook
    from autograder.engine.layout import CourseLayout

    root = _course(tmp_path, _solution(), name="renamed.ipynb")
    job = _job(root)
    result = pipeline.grade_submission(job)
    assert result.graded and result.points == result.max_points > 0
    assert set(result.stages) == {"read", "run", "test", "feedback"}
    assert result.seconds >= sum(result.stages.values()) - 0.01
    # the feedback stage wrote the autograded notebook, a renamed one included
    autograded = CourseLayout.of(root).autograded_notebook("ana", CH, CH)
    shown = json.loads(autograded.read_text())
    reports = [c["outputs"][0]["text"] for c in shown["cells"]
               if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "test_sigmoid"]
    assert reports and reports[0].startswith("sigmoid: 5 / 5 points")
    db = gradebook.default_db_url(root)
    gradebook.ensure_assignments(root, [CH], db)
    stored = pipeline.record(root, job, result, db)
    assert stored.graded and "record" in stored.stages
    assert jobs.load_state(root, "ana", CH).stages == stored.stages


# ------------------------------------------------------------------ what the instructor sees

def test_the_report_lists_broken_tests_and_each_stages_seconds(tmp_path, capsys):
    import csv

    from autograder.engine import cli, gradebook

    root = _course(tmp_path, _solution())
    gradebook.ensure_assignments(root, [CH], gradebook.default_db_url(root))
    broken = {"name": "values", "points": 1.0, "max_points": 1.0, "message": "",
              "grader_error": {"type": "NameError", "message": "name 'x' is not defined",
                               "line": "tests.py:12: x + 1"}}
    jobs.write_state(root, SubmissionResult(
        "ana", CH, "k", functions=[{"function": "relu", "points": 1.0, "max_points": 1.0,
                                    "report": "", "tests": [broken]}],
        stages={"read": 0.1, "run": 1.5, "test": 0.7, "feedback": 0.05, "record": 0.02}))
    assert cli.report(root, [CH], root / "reports") == 0
    assert "1 hidden test runs raised an error in the test code" in capsys.readouterr().out
    with open(root / "reports" / "grader_errors.csv") as fh:
        [row] = list(csv.DictReader(fh))
    assert row["function"] == "relu" and row["type"] == "NameError" and "tests.py:12" in row["line"]
    with open(root / "reports" / "timings.csv") as fh:
        [timing] = list(csv.DictReader(fh))
    assert timing["run"] == "1.5" and timing["record"] == "0.02"

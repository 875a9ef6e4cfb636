"""nbgrader's gradebook as the store of record: scores land per test cell, so
``nbgrader export``, formgrader and ``nbgrader generate_feedback`` keep working.

SQLite (``gradebook.db`` in the course root) by default; any SQLAlchemy URL nbgrader accepts
(e.g. ``postgresql+psycopg2://user:pw@host/db``) for several graders at once. Each submission
is written in one transaction.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from autograder.engine.layout import DEFAULT_COURSE_ID, CourseLayout
from autograder.engine.result import SubmissionResult

COURSE_ID = DEFAULT_COURSE_ID


def default_db_url(root: Path) -> str:
    return f"sqlite:///{Path(root).resolve() / 'gradebook.db'}"


def _gradebook(db_url: str):
    from nbgrader.api import Gradebook

    # nbgrader runs the `alembic` script of its own environment: put that environment first.
    bindir = str(Path(sys.executable).parent)
    if not os.environ.get("PATH", "").startswith(bindir):
        os.environ["PATH"] = os.pathsep.join([bindir, os.environ.get("PATH", "")])
    return Gradebook(db_url, course_id=COURSE_ID)


def ensure_assignments(root: Path, chapters: list[str], db_url: str) -> None:
    """Make sure each chapter is in the gradebook with its grade cells (nbgrader's
    generate_assignment records them); releases the chapter with nbgrader if not."""
    from nbgrader.api import MissingEntry

    missing = []
    with _gradebook(db_url) as gb:
        for ch in chapters:
            try:
                nb = gb.find_notebook(ch, ch)
                if not nb.grade_cells:
                    missing.append(ch)
            except MissingEntry:
                missing.append(ch)
    for ch in missing:
        _release(root, ch, db_url)


def _release(root: Path, assignment: str, db_url: str) -> None:
    """``nbgrader generate_assignment``: the assignment and its grade cells into the gradebook."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", assignment,
                           "--force", f"--db={db_url}", "--log-level=WARN"],
                          cwd=root, capture_output=True, text=True, env=env, timeout=1800)
    if proc.returncode:
        raise RuntimeError(f"could not release {assignment} into the gradebook:\n"
                           f"{proc.stderr[-2000:]}")


def ensure_nbgrader_assignments(root: Path, assignments: list[str], db_url: str) -> dict:
    """Make sure each assignment (in plain nbgrader style) is in the gradebook, releasing it
    with ``nbgrader generate_assignment`` if not; returns its notebooks' names."""
    from nbgrader.api import MissingEntry

    def names():
        found = {}
        with _gradebook(db_url) as gb:
            for a in assignments:
                try:
                    found[a] = [nb.name for nb in gb.find_assignment(a).notebooks]
                except MissingEntry:
                    pass
        return found

    found = names()
    missing = [a for a in assignments if not found.get(a)]
    for a in missing:
        _release(root, a, db_url)
    return names() if missing else found


def record(db_url: str, result: SubmissionResult, root: Path | None = None) -> None:
    """Scores of one submission, one test cell (``test_<function>``) at a time, with the
    submission's timestamp (nbgrader's ``timestamp.txt``) and the late penalty that the
    course's configured late-submission plugin gives, as ``nbgrader autograde`` does."""
    import warnings

    from nbgrader.api import MissingEntry

    student, chapter = result.student, result.chapter
    student.encode("utf-8")  # a folder name that is not UTF-8 cannot be a student id
    points = result.points_by_grade_id()
    timestamp = _timestamp(result.timestamp)
    with _gradebook(db_url) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy autoflush notes inside nbgrader
        try:
            gb.find_student(student)
        except MissingEntry:
            gb.add_student(student)
        sub = gb.update_or_create_submission(chapter, student,
                                             **({"timestamp": timestamp} if timestamp else {}))
        nb = gb.find_submission_notebook(chapter, chapter, student)
        for grade in nb.grades:
            if result.written.get(grade.name):  # a written answer: graded by hand
                grade.auto_score = None
            else:
                grade.auto_score = points.get(grade.name, 0.0)
            # as nbgrader's SaveAutoGrades: a grade an instructor changed is for review, and
            # an answer without an automatic score waits for a manual one
            grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        nb.flagged = not result.graded
        gb.db.commit()
        nb.late_submission_penalty = None
        if sub.total_seconds_late > 0:
            penalty = _late_plugin(root).late_submission_penalty(student, nb.score,
                                                                 sub.total_seconds_late)
            if penalty is not None:
                nb.late_submission_penalty = min(max(float(penalty), 0.0), nb.score)
        gb.db.commit()


def _timestamp(text: str | None):
    """nbgrader's reading of ``timestamp.txt`` (``parse_utc``); None when absent or invalid."""
    if not text:
        return None
    from nbgrader.utils import parse_utc

    try:
        return parse_utc(text)
    except (ValueError, TypeError, OverflowError):
        return None


def _late_plugin(root: Path | None):
    """The late-submission plugin the course's ``nbgrader_config.py`` configures
    (``AssignLatePenalties.plugin_class``, ``LateSubmissionPlugin.penalty_method``)."""
    from nbgrader.preprocessors import AssignLatePenalties
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    if root is not None and (Path(root) / "nbgrader_config.py").exists():
        try:
            config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
        except Exception:  # a broken config: nbgrader's defaults
            config = Config()
    assigner = AssignLatePenalties(config=config)
    return assigner.plugin_class(parent=assigner)


def scores(db_url: str, chapters: list[str]) -> list[dict]:
    """Every submission in the gradebook: (student, chapter, score, max_score), each grade
    cell's (score, max) in ``grades`` (the instructor's manual score where one was entered in
    formgrader), the autograder's own score where an instructor changed it (``overrides``:
    name -> autograder's score), grades still waiting for a manual grade (``pending``) and the
    comments entered in formgrader (``comments``: cell name -> text).

    ``score`` is the raw score; as nbgrader's own CSV export, the final score is
    ``final_score = max(0, score - late_submission_penalty)`` (the penalty that the course's
    late-submission plugin gave, for a submission ``seconds_late`` after its due date, the
    student's extension included). ``flagged``: a notebook of the submission is flagged (the
    engine flags the ungradable ones). The student's ``first_name``, ``last_name``, ``email``
    and ``lms_user_id`` are as in nbgrader's student table (None when not set)."""
    rows = []
    with _gradebook(db_url) as gb:
        for ch in chapters:
            try:
                subs = gb.assignment_submissions(ch)
            except Exception:  # chapter not in this gradebook
                continue
            for sub in subs:
                grades = [g for nb in sub.notebooks for g in nb.grades]
                penalty = float(sub.late_submission_penalty or 0.0)
                student = sub.student
                rows.append({"student": student.id, "chapter": ch, "score": sub.score,
                             "max_score": sub.max_score,
                             "late_submission_penalty": penalty,
                             "final_score": max(0.0, float(sub.score) - penalty),
                             "seconds_late": float(sub.total_seconds_late or 0.0),
                             "timestamp": sub.timestamp.isoformat() if sub.timestamp else None,
                             "flagged": any(nb.flagged for nb in sub.notebooks),
                             "first_name": student.first_name, "last_name": student.last_name,
                             "email": student.email, "lms_user_id": student.lms_user_id,
                             "grades": {g.name: (g.score, g.max_score) for g in grades},
                             "overrides": {g.name: g.auto_score for g in grades
                                           if g.manual_score is not None
                                           and g.manual_score != g.auto_score},
                             "pending": sorted(g.name for g in grades if g.needs_manual_grade
                                               and g.manual_score is None),
                             "comments": {c.name: c.manual_comment for nb in sub.notebooks
                                          for c in nb.comments if c.manual_comment}})
    return rows


def executed_outputs(nb: dict, ran: dict | None, skipped: dict | None) -> None:
    """Put into ``nb`` (in place) what each code cell showed when the sandbox ran it
    (``ran``: index -> (outputs, execution count), reduced by
    :func:`autograder.engine.notebook.safe_outputs`), and for a cell that was skipped because it hung
    or crashed (``skipped``: index -> why), an error output saying so."""
    from autograder.engine import notebook

    cells = nb["cells"]
    for index, (outputs, count) in (ran or {}).items():
        if isinstance(index, int) and 0 <= index < len(cells) and \
                cells[index].get("cell_type") == "code":
            cells[index]["outputs"] = notebook.safe_outputs(outputs, count)
            cells[index]["execution_count"] = count
    for index, why in (skipped or {}).items():
        if isinstance(index, int) and 0 <= index < len(cells) and \
                cells[index].get("cell_type") == "code":
            cells[index]["outputs"] = [skipped_output(why)]


def skipped_output(why: str) -> dict:
    """The error output of a cell the sandbox could not finish (it hung, crashed, ran out of
    memory or was not reached): nbgrader grades a test cell with it as failed."""
    from autograder.engine import text

    why = text.shorten(str(why), 600)
    return {"output_type": "error", "ename": "CellNotFinished", "evalue": why,
            "traceback": [f"CellNotFinished: {why}"]}


def write_autograded_notebook(root: Path, result: SubmissionResult, nb: dict,
                              nbgrader_files: dict[str, bytes] | None = None,
                              ran: dict | None = None, skipped: dict | None = None) -> None:
    """autograded/<student>/<chapter>/<chapter>.ipynb: the submission, cleaned (outputs
    cleared, see :func:`autograder.engine.notebook.clean`), then with what each cell showed when
    the sandbox ran it (:func:`executed_outputs`) and the feedback of each function in its test
    cell's output (what formgrader and generate_feedback show); beside it ``nbgrader_files``
    (the submission's timestamp.txt and submission_secret.txt, which ``nbgrader
    generate_feedback`` and ``release_feedback`` read from there)."""
    from autograder.engine import notebook

    student, chapter = result.student, result.chapter
    executed_outputs(nb, ran, skipped)
    reports = result.reports_by_grade_id()
    for cell in nb["cells"]:
        if cell.get("cell_type") == "code" and notebook.grade_id(cell) in reports:
            cell["outputs"] = [{"output_type": "stream", "name": "stdout",
                                "text": reports[notebook.grade_id(cell)] + "\n"}]
    write_assignment_files(root, student, chapter, {f"{chapter}.ipynb": nb}, nbgrader_files)


def write_assignment_files(root: Path, student: str, assignment: str, notebooks: dict,
                           nbgrader_files: dict[str, bytes] | None = None) -> None:
    """autograded/<student>/<assignment>/: the autograded notebooks (name -> notebook dict)
    and nbgrader's timestamp.txt and submission_secret.txt (removed when absent)."""
    from autograder.engine.files import NBGRADER_FILES

    folder = CourseLayout.of(root).autograded_folder(student, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    for name in NBGRADER_FILES:  # fixed names: nothing from the submission names a path
        _replace(folder / name, (nbgrader_files or {}).get(name))
    for name, nb in notebooks.items():
        _replace(folder / name, json.dumps(nb, indent=1).encode())


def _replace(path: Path, data: bytes | None) -> None:
    """Write ``path`` atomically, or remove it when ``data`` is None."""
    if data is None:
        path.unlink(missing_ok=True)
        return
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)

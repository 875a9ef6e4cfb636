"""Any nbgrader assignment, graded by its own test cells inside the submission's sandbox.

The course's chapters keep their hidden tests on the trusted side
(``autograder/<chapter>/tests.py``). Every other assignment of the course directory (an
instructor's own homework in plain nbgrader style: ``assert`` test cells, ``### BEGIN HIDDEN
TESTS``, ``### AUTOTEST``, manually graded answers and tasks, locked cells, data files) is
graded the way ``nbgrader autograde`` grades it, with nbgrader's own preprocessors, except that
the notebook runs in the submission's sandbox instead of a Jupyter kernel::

    worker (trusted)                                          sandbox (one per notebook)
    read the submission safely (files.scan); copy the
      assignment's other files from the source folder over it
    nbgrader's sanitizing: ClearOutput, DeduplicateIds,
      OverwriteKernelspec, OverwriteCells (grade and locked
      cells restored from the gradebook, deleted grade cells
      added back), CheckCellMetadata
    every code cell, test cells too  ───────────────────────►  runs them in order (IPython),
                                     ◄───────────────────────  each cell's outputs, as data
    outputs reduced to text and PNG (notebook.safe_outputs); a cell that hung or crashed
      gets an error output; nbgrader's IgnorePattern, ClearMetadataPreprocessor, LimitOutput
    autograded/<student>/<assignment>/<notebook>.ipynb
    grading process: nbgrader's SaveAutoGrades and AssignLatePenalties (the gradebook)

Scores therefore follow nbgrader's rules exactly (``nbgrader.utils.determine_grade``: an error
or ``stderr`` output fails a test cell, a number as the cell's result is partial credit, an
unchanged answer cell scores 0, a changed one waits for a manual grade), and equal stock
``nbgrader autograde`` on the same submissions; what differs is that a hang, crash or memory
bomb costs only the cells it broke, and that the notebook runs isolated.

The trust model is weaker than the chapters' (see ARCHITECTURE.md, "Assignments in plain
nbgrader style"): the tests run in the student's process, so code that tampers with them
(redefining ``assert``'s helpers, patching numpy, forging its outputs) can pass them, as in
stock nbgrader and Otter-Grader. The course directory, gradebook, other submissions and the
network stay out of reach all the same.
"""
from __future__ import annotations

import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

from autograder.engine import files, text
from autograder.engine.layout import CourseLayout
from autograder.engine.result import SubmissionResult

# Files of the source folder that are not the assignment's data (nbgrader's default ignore).
IGNORE = (".ipynb_checkpoints", "__pycache__", "feedback", ".git")
MAX_SOURCE_FILES = 2000
MAX_SOURCE_BYTES = 200_000_000


# ------------------------------------------------------------------ the course directory

def course_config(root: Path):
    """The traitlets configuration of the course's ``nbgrader_config.py`` (nbgrader's
    defaults when it is absent or broken)."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    if root is not None and (Path(root) / "nbgrader_config.py").exists():
        try:
            return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
        except Exception:  # a broken config: nbgrader's defaults
            pass
    return Config()


def source_folder(root: Path) -> Path:
    """The course's source directory (``CourseDirectory.source_directory``)."""
    return CourseLayout.of(root).source_folder()


def source_assignments(root: Path) -> list[str]:
    """Every assignment of the source directory that is not one of the course's chapters:
    a folder holding at least one notebook."""
    from autograder.engine import registry

    folder = source_folder(root)
    chapters = set(registry.chapters())
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return []
    return [p.name for p in entries if p.is_dir() and not p.is_symlink()
            and p.name not in chapters and not p.name.startswith(".")
            and any(p.glob("*.ipynb"))]


def source_files(root: Path, assignment: str) -> list[Path]:
    """The assignment's files other than notebooks (data, helper modules), relative to its
    source folder, as ``nbgrader autograde`` copies them over each submission."""
    base = source_folder(root) / assignment
    found: list[Path] = []
    total = 0
    for dirpath, dirnames, filenames in os.walk(base):  # does not follow links
        dirnames[:] = sorted(d for d in dirnames if d not in IGNORE)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if name.endswith(".ipynb") or path.is_symlink() or not path.is_file():
                continue
            total += path.stat().st_size
            if len(found) >= MAX_SOURCE_FILES or total > MAX_SOURCE_BYTES:
                return found
            found.append(path.relative_to(base))
    return found


def source_digest_files(root: Path, assignment: str) -> list[Path]:
    """What the assignment's grading depends on: its source notebooks and files."""
    base = source_folder(root) / assignment
    return sorted(base.glob("*.ipynb")) + [base / p for p in source_files(root, assignment)]


# ------------------------------------------------------------------ one submission (worker)

def _preprocess(steps, nb, resources, config):
    for step in steps:
        nb, resources = step(config=config)(nb, resources)
    return nb, resources


def _sanitize(nb, resources, config):
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        OverwriteCells,
        OverwriteKernelspec,
    )

    return _preprocess([ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells,
                        CheckCellMetadata], nb, resources, config)


def _finish(nb, resources, config):
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import IgnorePattern, LimitOutput

    return _preprocess([IgnorePattern, ClearMetadataPreprocessor, LimitOutput], nb,
                       resources, config)


def _stage_source_files(root: Path, assignment: str, staging: Path, exclude: list[str]) -> None:
    """Copy the assignment's own files over the submission's (the instructor's data wins,
    as in ``nbgrader autograde``; ``Autograde.exclude_overwriting`` keeps the student's)."""
    base = source_folder(root) / assignment
    for rel in source_files(root, assignment):
        if str(rel) in exclude:
            continue
        dest = staging / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists() or dest.is_symlink():
            dest.unlink()
        shutil.copyfile(base / rel, dest)


def run_notebook(nb, staging: Path, limits, policy, env: dict):
    """Run every code cell of ``nb`` (a sanitized NotebookNode) in a fresh sandbox and put
    what each cell showed into it. Returns (notes, isolation, restarts, uid)."""
    from autograder.engine import gradebook
    from autograder.engine.remote import Sandbox, StudentError

    cells = [(i, c.source) for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and c.source.strip()]
    # a test cell must run as written, or fail: never the definitions-only fallback
    limits = replace(limits, max_bad_cells=len(cells) + 1)
    sandbox = Sandbox(cells, str(staging), limits=limits, policy=policy, env=env)
    reason = ""
    try:
        try:
            sandbox.start()
        except StudentError as exc:
            reason = exc.feedback
    finally:
        sandbox.close()
    executed = {"cells": [dict(c) for c in nb.cells]}
    gradebook.executed_outputs(executed, sandbox.cell_outputs, sandbox.bad_cells)
    for index, _source in cells:
        if index not in sandbox.cell_outputs and index not in sandbox.bad_cells:
            executed["cells"][index]["outputs"] = [gradebook.skipped_output(
                f"not run: {reason or 'the notebook stopped before this cell'}")]
    import nbformat

    for index, _source in cells:
        nb.cells[index].outputs = [nbformat.from_dict(o) for o in executed["cells"][index]["outputs"]]
        nb.cells[index].execution_count = executed["cells"][index].get("execution_count")
    notes = [f"cell {i} was stopped: {text.shorten(why, 300)}" for i, why in
             sorted(sandbox.bad_cells.items())]
    if reason:
        notes.append(text.shorten(reason, 300))
    return notes, sandbox.isolation, max(sandbox.restarts, 0), sandbox.uid


def _grade_cells(nb, notebook_name: str) -> list[dict]:
    """Each autograded test cell's score (nbgrader's determine_grade) and what it showed,
    in the shape of a chapter's graded functions (for reports)."""
    from nbgrader import utils

    out = []
    for cell in nb.cells:
        if not utils.is_grade(cell):
            continue
        score, max_score = utils.determine_grade(cell)
        if score is None:  # an answer waiting for a manual grade
            continue
        gid = cell.metadata.nbgrader["grade_id"]
        shown = []
        for o in cell.get("outputs", []):
            if o.output_type == "stream":
                shown.append(o.text)
            elif o.output_type == "error":
                shown.append(f"{o.ename}: {o.evalue}")
            elif o.output_type == "execute_result":
                shown.append(str(o.data.get("text/plain", "")))
        report = text.shorten(f"{gid}: {score:g} / {max_score:g} points\n" + "".join(
            s if s.endswith("\n") else s + "\n" for s in shown).rstrip(), text.MAX_REPORT)
        out.append({"function": gid, "grade_id": gid, "notebook": notebook_name,
                    "points": float(score), "max_points": float(max_score), "error": "",
                    "report": report, "seconds": 0.0,
                    "tests": [{"name": gid, "points": float(score),
                               "max_points": float(max_score),
                               "message": "" if score == max_score else text.shorten(
                                   "".join(shown)[-600:], 600)}]})
    return out


def grade_submission(job, limits=None) -> SubmissionResult:
    """Grade one submission of a plain nbgrader assignment; never raises
    for anything the submission does. Writes autograded/<student>/<assignment>/."""
    import tempfile

    import nbformat

    from autograder.engine import gradebook
    from autograder.engine.remote import Limits
    from autograder.engine.scheduler import _ungradable

    start = time.perf_counter()
    root = Path(job.course_root)
    config = course_config(root)
    staging = Path(tempfile.mkdtemp(prefix="nnbio-submission-"))
    try:
        if job.unreadable:
            return _ungradable(job, job.unreadable, kind="notebooks")
        try:
            snap = files.scan(root, job.student, job.chapter, copy_to=staging,
                              notebooks=[f"{n}.ipynb" for n in job.notebooks])
        except files.Unreadable as exc:
            return _ungradable(job, str(exc), kind="notebooks")
        exclude = list(config.get("Autograde", {}).get("exclude_overwriting", {})
                       .get(job.chapter, []))
        _stage_source_files(root, job.chapter, staging, exclude)
        limits = limits or Limits(**(job.limits or {}))
        notes, functions, graded, zero = snap.notes(), [], [], []
        isolation, restarts, uid = "", 0, None
        written = {}
        for name in job.notebooks:
            data = snap.notebooks.get(f"{name}.ipynb")
            if data is None:
                notes.append(f"no submitted notebook {name}.ipynb: its cells score 0")
                zero.append(name)
                continue
            resources = {"nbgrader": {"db_url": job.db_url, "assignment": job.chapter,
                                      "notebook": name, "student": job.student}}
            try:
                nb = nbformat.reads(data.decode("utf-8"), as_version=4)
                nb, resources = _sanitize(nb, resources, config)
                # as written to autograded/ and read back between nbgrader's two passes
                # (cells nbgrader added back are plain dicts inside)
                nb = nbformat.reads(nbformat.writes(nb), as_version=4)
            except Exception as exc:  # not a notebook, or metadata nbgrader refuses
                notes.append(f"{name}.ipynb could not be graded ({type(exc).__name__}: "
                             f"{text.shorten(str(exc), 300)}): its cells score 0")
                zero.append(name)
                continue
            ran_notes, isolation, starts, uid = run_notebook(
                nb, staging, limits, job.policy, {"NBGRADER_EXECUTION": "autograde"})
            restarts += starts
            notes += [f"{name}.ipynb: {n}" for n in ran_notes]
            nb, resources = _finish(nb, resources, config)
            functions += _grade_cells(nb, name)
            written[f"{name}.ipynb"] = nbformat.from_dict(nb)
            graded.append(name)
        gradebook.write_assignment_files(root, job.student, job.chapter,
                                         {k: _as_dict(v) for k, v in written.items()},
                                         snap.nbgrader_files)
        return SubmissionResult(
            job.student, job.chapter, job.key, kind="notebooks", functions=functions,
            notebooks=graded, zero_notebooks=zero, notes=text.cap_list(notes, 8_000),
            isolation=isolation, restarts=restarts, uid=uid, timestamp=snap.timestamp,
            seconds=round(time.perf_counter() - start, 3))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _as_dict(nb) -> dict:
    import json

    import nbformat

    return json.loads(nbformat.writes(nb))


# ------------------------------------------------------------------ the gradebook (grader)

def record(db_url: str, result: SubmissionResult, root: Path) -> None:
    """Write one graded submission of a plain nbgrader assignment into the gradebook with
    nbgrader's own SaveAutoGrades and AssignLatePenalties, run on the autograded notebooks as
    ``nbgrader autograde`` runs them; notebooks that were missing or could not be graded
    score 0, as in nbgrader."""
    import warnings

    import nbformat
    from nbgrader.api import MissingEntry
    from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades

    from autograder.engine import gradebook

    student, assignment = result.student, result.chapter
    student.encode("utf-8")
    timestamp = gradebook._timestamp(result.timestamp)
    config = course_config(root)
    with gradebook._gradebook(db_url) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            gb.find_student(student)
        except MissingEntry:
            gb.add_student(student)
        gb.update_or_create_submission(assignment, student,
                                       **({"timestamp": timestamp} if timestamp else {}))
        ungradable = not result.graded
        names = [nb.name for nb in gb.find_assignment(assignment).notebooks]
        for name in names:
            if ungradable or name in result.zero_notebooks:
                sub_nb = gb.find_submission_notebook(name, assignment, student)
                for grade in sub_nb.grades:
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = False
            gb.find_submission_notebook(name, assignment, student).flagged = ungradable
        gb.db.commit()
    if ungradable:
        return
    folder = CourseLayout.of(root).autograded_folder(student, assignment)
    for name in result.notebooks:
        nb = nbformat.read(str(folder / f"{name}.ipynb"), as_version=4)
        resources = {"nbgrader": {"db_url": db_url, "assignment": assignment, "notebook": name,
                                  "student": student}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _preprocess([SaveAutoGrades, AssignLatePenalties], nb, resources, config)

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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from autograder.engine import files, text
from autograder.engine.layout import CourseLayout, course_config
from autograder.engine.result import SubmissionResult, Ungradable

# Files of the source folder that are not the assignment's data (nbgrader's default ignore).
IGNORE = (".ipynb_checkpoints", "__pycache__", "feedback", ".git")
MAX_SOURCE_FILES = 2000
MAX_SOURCE_BYTES = 200_000_000


# ------------------------------------------------------------------ the course directory

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


@dataclass
class Prepared:
    """What the read stage makes of a submission: each notebook sanitized by nbgrader's
    preprocessors, ready to run, and the notebooks that score 0 (missing, not a notebook)."""

    job: Any
    staging: Path
    config: Any
    snapshot: Any
    notes: list[str]
    notebooks: list[tuple] = field(default_factory=list)  # (name, NotebookNode, resources)
    zero: list[str] = field(default_factory=list)
    finished: dict = field(default_factory=dict)           # name.ipynb -> autograded notebook


@dataclass
class NotebooksRun:
    """The run stage's result: each notebook ran in its own sandbox, which is already closed."""

    isolation: str = ""
    restarts: int = 0
    uid: int | None = None
    notes: list[str] = field(default_factory=list)

    def __enter__(self) -> NotebooksRun:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class NbgraderTests:
    """The ``notebooks`` kind of assignment (see :mod:`autograder.engine.pipeline`): any
    nbgrader assignment, graded by its own test cells with nbgrader's own preprocessors."""

    def read(self, job, staging: Path) -> Prepared:
        """Read the submission safely, copy the assignment's files over it, sanitize each
        notebook as ``nbgrader autograde`` does."""
        import nbformat

        root = Path(job.course_root)
        config = course_config(root)
        if job.unreadable:
            raise Ungradable(job.unreadable)
        try:
            snap = files.scan(root, job.student, job.chapter, copy_to=staging,
                              notebooks=[f"{n}.ipynb" for n in job.notebooks])
        except files.Unreadable as exc:
            raise Ungradable(str(exc)) from None
        exclude = list(config.get("Autograde", {}).get("exclude_overwriting", {})
                       .get(job.chapter, []))
        _stage_source_files(root, job.chapter, staging, exclude)
        prepared = Prepared(job, staging, config, snap, snap.notes())
        for name in job.notebooks:
            data = snap.notebooks.get(f"{name}.ipynb")
            if data is None:
                prepared.notes.append(f"no submitted notebook {name}.ipynb: its cells score 0")
                prepared.zero.append(name)
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
                prepared.notes.append(f"{name}.ipynb could not be graded ({type(exc).__name__}: "
                                      f"{text.shorten(str(exc), 300)}): its cells score 0")
                prepared.zero.append(name)
                continue
            prepared.notebooks.append((name, nb, resources))
        return prepared

    def run(self, prepared: Prepared, limits) -> NotebooksRun:
        """Every notebook in a fresh sandbox, each code cell in order, test cells too."""
        ran = NotebooksRun()
        for name, nb, _resources in prepared.notebooks:
            notes, ran.isolation, starts, ran.uid = run_notebook(
                nb, prepared.staging, limits, prepared.job.policy,
                {"NBGRADER_EXECUTION": "autograde"})
            ran.restarts += starts
            ran.notes += [f"{name}.ipynb: {n}" for n in notes]
        return ran

    def test(self, prepared: Prepared, ran: NotebooksRun) -> SubmissionResult:
        """nbgrader's scores of each test cell, from what it showed."""
        import nbformat

        job, functions = prepared.job, []
        for name, nb, resources in prepared.notebooks:
            nb, resources = _finish(nb, resources, prepared.config)
            functions += _grade_cells(nb, name)
            prepared.finished[f"{name}.ipynb"] = nbformat.from_dict(nb)
        return SubmissionResult(
            job.student, job.chapter, job.key, kind="notebooks", functions=functions,
            notebooks=[name for name, _nb, _r in prepared.notebooks], zero_notebooks=prepared.zero,
            notes=text.cap_list(prepared.notes + ran.notes, 8_000), isolation=ran.isolation,
            restarts=ran.restarts, uid=ran.uid, timestamp=prepared.snapshot.timestamp)

    def feedback(self, prepared: Prepared, ran: NotebooksRun, result: SubmissionResult) -> None:
        from autograder.engine import gradebook

        job = prepared.job
        gradebook.write_assignment_files(Path(job.course_root), job.student, job.chapter,
                                         {k: _as_dict(v) for k, v in prepared.finished.items()},
                                         prepared.snapshot.nbgrader_files)

    def record(self, db_url: str, result: SubmissionResult, root: Path) -> None:
        record(db_url, result, root)


NOTEBOOKS = NbgraderTests()


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

"""The stages of an assignment graded by hidden tests on the trusted side (``autograder/<id>/
tests.py``, found by :mod:`autograder.engine.registry`): the course's chapters.

    read      the notebook's code cells, in order; each hidden-test cell marks where plain
              nbgrader would test its function (the test sees that version of it)
    run       the code cells in a sandbox (:class:`autograder.engine.remote.Sandbox`)
    test      each graded function's hidden tests, calling the student's function through the
              wire (:class:`~autograder.engine.remote.RemoteFunction`); one bug, one penalty
    feedback  the autograded notebook: outputs of what ran, each test cell's report
    record    the gradebook, one ``test_<function>`` cell at a time
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.engine import files, notebook, text
from autograder.engine.jobs import Job
from autograder.engine.layout import CourseLayout
from autograder.engine.result import SubmissionResult, Ungradable

MAX_NOTES_CHARS = 8_000         # notes shown to one student, in all


@dataclass
class Submission:
    """What the read stage makes of a submission folder."""

    job: Job
    staging: Path
    cells: list                     # (index, source), or (index, None, function): a test cell
    notes: list[str]
    snapshot: Any                   # files.Snapshot
    notebook: dict                  # the submitted notebook, outputs cleared
    functions: list[str] = field(default_factory=list)  # the chapter's graded functions


@dataclass
class SandboxRun:
    """The run stage's result: the started sandbox (or why it could not start)."""

    sandbox: Any                    # remote.Sandbox
    reason: str = ""                # the notebook could not be run at all: why

    def __enter__(self) -> SandboxRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sandbox.close()


class HiddenTests:
    """The ``chapter`` kind of assignment (see :mod:`autograder.engine.pipeline`)."""

    def read(self, job: Job, staging: Path) -> Submission:
        from autograder.engine import registry

        cells, notes, snap, clean = read_submission(job, Path(job.course_root), staging)
        return Submission(job, staging, cells, notes, snap, clean,
                          registry.suite(job.chapter).functions())

    def run(self, submission: Submission, limits: Any) -> SandboxRun:
        from autograder.engine.remote import Sandbox, StudentError

        sandbox = Sandbox(submission.cells, str(submission.staging), limits=limits,
                          policy=submission.job.policy)
        try:
            sandbox.start()
        except StudentError as exc:
            return SandboxRun(sandbox, exc.feedback)
        except BaseException:  # e.g. IsolationRefused: end the sandbox, the scheduler reports it
            sandbox.close()
            raise
        return SandboxRun(sandbox)

    def test(self, submission: Submission, run: SandboxRun) -> SubmissionResult:
        job, sandbox = submission.job, run.sandbox
        results = grade_functions(job.chapter, submission.functions, sandbox, run.reason)
        name_causes(results, sandbox.own_callees)
        return SubmissionResult(
            job.student, job.chapter, job.key, kind=job.kind, reason=run.reason,
            functions=[res.to_json() for res in results],
            notes=text.cap_list(submission.notes + run_notes(sandbox), MAX_NOTES_CHARS),
            isolation=sandbox.isolation, restarts=max(sandbox.restarts, 0), uid=sandbox.uid,
            timestamp=submission.snapshot.timestamp,
            written=written_answers(submission.notebook, job.chapter))

    def feedback(self, submission: Submission, run: SandboxRun, result: SubmissionResult) -> None:
        from autograder.engine import gradebook

        sandbox = run.sandbox
        gradebook.write_autograded_notebook(
            Path(submission.job.course_root), result, submission.notebook,
            submission.snapshot.nbgrader_files, ran=sandbox.cell_outputs,
            skipped={**sandbox.bad_cells_before, **sandbox.bad_cells})

    def record(self, db_url: str, result: SubmissionResult, root: Path) -> None:
        from autograder.engine import gradebook

        gradebook.record(db_url, result, root)


CHAPTER = HiddenTests()


# ------------------------------------------------------------------ read

def _source_notebook(root: Path, chapter: str) -> dict:
    return json.loads(CourseLayout.of(root).source_notebook(chapter).read_text())


def read_submission(job: Job, root: Path, staging: Path | None = None):
    """(cells to run, notes, snapshot, cleaned notebook) or raises :class:`Ungradable` with the
    reason the submission cannot be graded. With ``staging``, the submission's regular files
    are copied there (bounded) for the sandbox."""
    if job.unreadable:
        raise Ungradable(job.unreadable)
    try:
        snap = files.scan(root, job.student, job.chapter, copy_to=staging)
    except files.Unreadable as exc:
        raise Ungradable(str(exc)) from None
    if snap.problem:
        raise Ungradable(snap.problem)
    if snap.notebook is None or snap.notebook_name is None:
        raise Ungradable("the submission has no notebook")
    notes = snap.notes()
    if snap.notebook_name != f"{job.chapter}.ipynb":
        notes.append(f"the notebook was renamed to {files.display_name(snap.notebook_name)}; "
                     "graded anyway")
    try:
        nb = notebook.parse(snap.notebook)
    except notebook.NotANotebook as exc:
        raise Ungradable(str(exc)) from None
    cells, seen = cells_to_run(nb)
    notes += missing_answer_cells(_source_notebook(root, job.chapter), seen)
    return cells, notes, snap, notebook.clean(nb)


def cells_to_run(nb: dict) -> tuple[list[tuple], dict[str, str]]:
    """The code cells to run, as (index, source), with (index, None, function) where a
    hidden-test cell sits: it is the grader's and is not run, but it marks the point at which
    plain nbgrader would test the function. Also each grade id seen, with its cell type."""
    cells: list[tuple] = []
    seen: dict[str, str] = {}
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict):
            continue
        meta = notebook.cell_meta(cell)
        gid = notebook.grade_id(cell)
        if gid:
            seen[gid] = str(cell.get("cell_type"))
        if cell.get("cell_type") == "code" and meta.get("grade"):
            if gid.startswith("test_"):
                cells.append((i, None, gid[len("test_"):]))
            continue
        if cell.get("cell_type") != "code":
            continue
        source = notebook.cell_source(cell)
        if source.strip():
            cells.append((i, source))
    return cells, seen


def missing_answer_cells(source_nb: dict, seen: dict[str, str]) -> list[str]:
    """Notes on the source notebook's answer cells that the submission deleted or retyped."""
    notes = []
    for cell in source_nb["cells"]:
        meta = notebook.cell_meta(cell)
        if meta.get("solution"):
            gid = meta["grade_id"]
            if gid not in seen:
                notes.append(f"the answer cell for `{gid}` is missing (deleted?)")
            elif seen[gid] != cell["cell_type"]:
                notes.append(f"the answer cell for `{gid}` was changed to a "
                             f"{text.shorten(str(seen[gid]), 40)} cell")
    return notes


# ------------------------------------------------------------------ test

def written_answers(nb: dict, chapter: str) -> dict[str, bool]:
    """Each written answer of the chapter (``Suite.written``) -> whether the student wrote one,
    decided as nbgrader decides it: an answer cell whose checksum is still the one the release
    recorded was left untouched (it scores 0); any other waits for the instructor's grade in
    formgrader. A deleted answer cell is an untouched one (the notes say it is missing)."""
    import nbformat
    from nbgrader import utils

    from autograder.engine import registry

    declared = registry.suite(chapter).written_answers
    out = dict.fromkeys(declared, False)
    for cell in nb.get("cells", []):
        gid = notebook.grade_id(cell) if isinstance(cell, dict) else ""
        if gid not in declared:
            continue
        try:
            node = nbformat.from_dict({**cell, "source": notebook.cell_source(cell)})
            out[gid] = notebook.cell_meta(cell).get("checksum") != utils.compute_checksum(node)
        except Exception:  # a malformed answer cell: the instructor decides
            out[gid] = True
    return out


def grade_functions(chapter: str, functions: list[str], sandbox, reason: str) -> list:
    """Every graded function's hidden tests, through the sandbox. One that cannot be called
    (the notebook could not run, or does not define it) scores 0 with the reason."""
    from autograder.engine import diagnosis
    from autograder.engine.grading import grade_function
    from autograder.engine.remote import RemoteFunction

    results = []
    for fn in functions:
        if reason:
            res = grade_function(chapter, fn, None)
            res.error = f"not graded: {reason}"
        elif sandbox.process is not None and fn not in sandbox.defined and sandbox.defined:
            res = grade_function(chapter, fn, None)
            res.error = (f"`{fn}` is not defined in your notebook (renamed, deleted, or "
                         "its cell raised an error?)")
        else:
            res = grade_function(chapter, fn, RemoteFunction(sandbox, fn), provide="never")
        results.append(res)
    if reason:
        return results
    results = regrade_with_correct_callees(chapter, results, sandbox)
    for res in results:
        diagnosis.annotate(res)  # on the trusted side: the bank's bugs run here, not there
    return results


def regrade_with_correct_callees(chapter: str, results: list, sandbox) -> list:
    """One bug, one penalty, paid for only where needed: a function that lost points while a
    graded function it may call lost points too is graded again with the grader's correct
    versions of its callees (through the wire), and the better result counts. Honest work, and
    work whose bugs are not in a callee, never pays for the round trips."""
    from autograder.engine.grading import correct_callees, grade_function
    from autograder.engine.remote import RemoteFunction

    lost = {r.function for r in results if r.points < r.max_points}
    out = []
    for res in results:
        callees = set(correct_callees(chapter, res.function))
        if res.function in lost and callees & lost and not res.error:
            fixed = grade_function(chapter, res.function, RemoteFunction(sandbox, res.function),
                                   provide="always")
            res = fixed if fixed.points > res.points else res  # the better of the two counts
        out.append(res)
    return out


def name_causes(results: list, own_callees: dict) -> None:
    """One bug, one penalty: a function is tested with the grader's correct versions of the
    graded functions it calls. Where the student's own version had to run instead (its
    arguments were not data, e.g. a torch module), and it lost points too, the feedback says
    that the failures may come from there."""
    lost = {r.function for r in results if r.points < r.max_points}
    for res in results:
        causes = sorted(own_callees.get(res.function, set()) & lost - {res.function})
        if res.function in lost and causes:
            names = ", ".join(f"`{c}`" for c in causes)
            res.cause = (f"`{res.function}` was tested with your own {names} (the grader "
                         f"could not stand in for it with a correct version here), which "
                         f"also lost points: fix {names} first, then look at these results")


def run_notes(sandbox) -> list[str]:
    """What the student should know about how their notebook ran: skipped cells, the
    definitions-only fallback, cells that raised."""
    notes = [f"cell {i} was skipped: {why}"
             for i, why in {**sandbox.bad_cells_before, **sandbox.bad_cells}.items()]
    if sandbox.definitions_only:
        notes.append(
            f"more than {sandbox.limits.max_bad_cells} top-level cells hung or crashed, so your "
            "notebook was run again with only its imports, definitions and constants; the "
            "functions were graded from that run")
    notes += [f"cell {i} raised {text.shorten(str(e.get('type')), 60)}: "
              f"{text.shorten(str(e.get('message', '')), 200)}"
              for i, e in sorted(sandbox.cell_errors.items())]
    return notes

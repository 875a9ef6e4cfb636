"""Grading one submission, as a pipeline of named stages (in the spirit of nbgrader's
preprocessors: each stage is one small function of one kind of assignment, with its own tests).

    stage      runs in         does                                                  module
    discover   main process    one Job per submitted/<student>/<assignment>/, keyed   jobs
    read       worker          the submission's files, read safely and staged; the    <kind>.read
                               notebook parsed into the cells to run (or Ungradable)
    run        worker+sandbox  the notebook's code in a fresh sandboxed process       <kind>.run
    test       worker          the tests, scored: a SubmissionResult                  <kind>.test
    feedback   worker          the autograded notebook, feedback in each test cell    <kind>.feedback
    record     main process    the gradebook (one transaction), then grading.json     <kind>.record

Two kinds of assignment implement the stages: ``chapter`` (:mod:`autograder.engine.hidden_tests`:
hidden tests on the trusted side call the student's functions in the sandbox) and
``notebooks`` (:mod:`autograder.engine.assignments`: any nbgrader assignment, its own test
cells run in the sandbox and nbgrader's rules score them). :func:`grade_submission` runs the
worker stages and never raises; :func:`record` is the last stage, in the process that owns the
gradebook. Each stage's wall time is kept in the result (``SubmissionResult.stages``).
"""
from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from autograder.engine import jobs
from autograder.engine.jobs import Job
from autograder.engine.result import SubmissionResult, Ungradable

STAGES = ("discover", "read", "run", "test", "feedback", "record")
__all__ = ["STAGES", "Kind", "Run", "StageClock", "Ungradable", "grade_submission", "kind_of", "record",
           "staging_folder"]


class Run(Protocol):
    """What the run stage leaves for the test stage: a context that ends the sandbox."""

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc: object) -> Any: ...


class Kind(Protocol):
    """The stages one kind of assignment implements (``discover`` is shared: :mod:`jobs`)."""

    def read(self, job: Job, staging: Path) -> Any: ...

    def run(self, submission: Any, limits: Any) -> Run: ...

    def test(self, submission: Any, run: Any) -> SubmissionResult: ...

    def feedback(self, submission: Any, run: Any, result: SubmissionResult) -> None: ...

    def record(self, db_url: str, result: SubmissionResult, root: Path) -> None: ...


def kind_of(name: str) -> Kind:
    if name == "notebooks":
        from autograder.engine import assignments

        return assignments.NOTEBOOKS
    from autograder.engine import hidden_tests

    return hidden_tests.CHAPTER


class StageClock:
    """Wall time per stage: ``with clock("run"): ...``."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._start = time.perf_counter()

    @contextlib.contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        assert stage in STAGES, stage
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = round(self.seconds.get(stage, 0.0) + time.perf_counter() - start, 3)

    def total(self) -> float:
        return round(time.perf_counter() - self._start, 3)


@contextlib.contextmanager
def staging_folder() -> Iterator[Path]:
    """A private folder for the submission's staged copy, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="nnbio-submission-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def grade_submission(job: Job, limits: Any = None) -> SubmissionResult:
    """The worker's stages for one submission: read, run, test, feedback. A stage that finds
    the submission ungradable ends it with the reason; anything else a stage raises is the
    grader's problem, reported by the scheduler as an infrastructure failure."""
    from autograder.engine.remote import Limits

    kind = kind_of(job.kind)
    clock = StageClock()
    limits = limits or Limits(**(job.limits or {}))
    with staging_folder() as staging:
        try:
            with clock("read"):
                submission = kind.read(job, staging)
        except Ungradable as exc:
            ungradable = job.ungradable(str(exc), clock.total())
            ungradable.stages = dict(clock.seconds)
            return ungradable
        with clock("run"):
            run = kind.run(submission, limits)
        with run, clock("test"):
            result = kind.test(submission, run)
        with clock("feedback"):
            kind.feedback(submission, run, result)
    result.seconds, result.stages = clock.total(), dict(clock.seconds)
    return result


def record(root: Path, job: Job, result: SubmissionResult, db_url: str) -> SubmissionResult:
    """The last stage, in the process that owns the gradebook: the gradebook first (one
    transaction), then the state file. Whatever goes wrong here is this submission's alone: it
    is stored as ungradable with the reason (and no key, so the next run grades it again);
    returns what was stored."""
    start = time.perf_counter()
    try:
        kind_of(result.kind).record(db_url, result, root)
        result.stages = {**result.stages, "record": round(time.perf_counter() - start, 3)}
        jobs.write_state(root, result)
        return result
    except Exception as exc:  # e.g. a student id the database refuses
        failed = job.ungradable(f"the result could not be stored: {type(exc).__name__}: {exc}",
                                infrastructure=True)
        failed.key = None
        try:
            jobs.write_state(root, failed)
        except Exception:  # not even the state file: reports say "not graded"
            pass
        return failed

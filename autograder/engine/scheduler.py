"""Grade a class: the pipeline of :mod:`autograder.engine.pipeline` for every new or changed
submission, on any ``concurrent.futures.Executor``:

    grade_class(root, chapters, workers=2)            a local pool of warm worker processes
    grade_class(..., scheduler="tcp://host:8786")     a Dask distributed cluster

The main process discovers the jobs (:func:`jobs.find_jobs`), submits the worker stages of
each (read, run, test, feedback) to the executor, and records each result as it comes back
(the gradebook, then ``grading.json``). Every submission ends "graded" or "ungradable" with a
reason; a worker that dies costs only the submission it was grading (one failure path for
every executor), and an interrupted run keeps what it finished.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from autograder.engine import pipeline
from autograder.engine.jobs import Job, find_jobs, needs_grading
from autograder.engine.layout import CourseLayout
from autograder.engine.remote import IsolationRefused
from autograder.engine.result import SubmissionResult


def _safe_grade(job: Job) -> SubmissionResult:
    """The worker's task: the pipeline's worker stages; never raises."""
    try:
        return pipeline.grade_submission(job)
    except IsolationRefused as exc:  # not a verdict on the submission: no key, graded again
        refused = job.ungradable(str(exc), infrastructure=True, isolation_refused=True)
        refused.key = None
        return refused
    except Exception as exc:  # an infrastructure problem, reported per submission
        return job.ungradable(f"grader error: {type(exc).__name__}: {exc}", infrastructure=True)


def _warm() -> None:
    """Worker start-up: import the heavy libraries and start the sandbox template once."""
    import importlib
    import multiprocessing
    import signal

    for heavy in ("numpy", "torch"):  # imported once per worker, not once per submission
        importlib.import_module(heavy)
    from autograder.engine.lifetime import die_with_parent
    from autograder.engine.remote import _context

    # if the grading command is killed (SIGKILL, out of memory), its idle pool workers would
    # otherwise live on
    parent = multiprocessing.parent_process()
    die_with_parent(signal.SIGTERM, parent.pid if parent is not None else None)

    _context()


DASK_DAEMON_HELP = ("the Dask workers are daemonic processes, which cannot start the "
                    "sandbox's process: start them with the setting distributed.worker.daemon "
                    "= False (e.g. DASK_DISTRIBUTED__WORKER__DAEMON=False dask worker ...)")


def _is_daemon() -> bool:
    import multiprocessing

    return multiprocessing.current_process().daemon


def _check_dask_workers(client) -> None:
    """Refuse a cluster whose workers could not start sandboxes, before grading anything."""
    daemonic = [w for w, daemon in client.run(_is_daemon).items() if daemon]
    if daemonic:
        raise RuntimeError(f"{DASK_DAEMON_HELP} ({len(daemonic)} of the workers are)")


# ------------------------------------------------------------------ the class

def _job_seconds(job: Job) -> float:
    """How long a worker may take for one job before it is considered lost: the submission's
    own limit plus time to start sandboxes and run the tests' reference code."""
    from autograder.engine.remote import Limits

    return Limits(**(job.limits or {})).submission_seconds * 1.5 + 120


def grade_class(root: Path, chapters: list[str], workers: int = 2, scheduler: str | None = None,
                force: bool = False, progress: bool = True, db_url: str | None = None,
                limits: dict | None = None, allow_weak_isolation: bool = False,
                require: tuple[str, ...] | None = None) -> dict:
    """Grade every new or changed submission; returns a summary. Raises only when the
    grading infrastructure itself fails (e.g. the gradebook cannot be opened, or the sandbox
    cannot reach the minimum isolation and ``allow_weak_isolation`` is not given)."""
    from autograder.engine import gradebook, registry
    from autograder.engine.remote import IsolationPolicy

    root = Path(root).resolve()
    db_url = db_url or gradebook.default_db_url(root)
    known = set(registry.chapters())
    gradebook.ensure_assignments(root, [c for c in chapters if c in known], db_url)
    notebooks = gradebook.ensure_nbgrader_assignments(
        root, [c for c in chapters if c not in known], db_url)
    policy = IsolationPolicy(allow_weak=allow_weak_isolation,
                             **({"required": tuple(require)} if require else {})).to_json()
    jobs = find_jobs(root, chapters, limits, policy, notebooks, db_url)
    todo = [j for j in jobs if force or needs_grading(root, j)]
    summary = {"submissions": len(jobs), "graded_now": 0, "reused": len(jobs) - len(todo),
               "ungradable": 0, "seconds": 0.0, "weak_isolation": allow_weak_isolation}
    start = time.perf_counter()
    bar = _progress(len(todo), progress)
    outcomes = {"infrastructure": 0, "refused": ""}

    def finish(job: Job, result) -> None:
        if isinstance(result, BaseException):  # the worker died or the task itself failed
            result = job.ungradable(f"grader worker failed: {result}", infrastructure=True)
        if result.infrastructure:  # not a verdict on the submission: grade it again
            result.key = None
        result = pipeline.record(root, job, result, db_url)
        summary["graded_now"] += 1
        summary["ungradable"] += not result.graded
        outcomes["infrastructure"] += result.infrastructure
        if result.isolation_refused:
            outcomes["refused"] = result.reason
        bar.update(1)

    _remove_stale_run_dirs()
    run_dir = _make_run_dir()
    old_tmp = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(run_dir)  # workers, their forkservers and staging folders
    try:
        with contextlib.ExitStack() as stack:
            futures = {}
            if todo:
                executor, task = _executor(stack, scheduler, workers, limits)
                futures = {executor.submit(task, job): job for job in todo}
            for future in concurrent.futures.as_completed(futures):
                try:
                    result = future.result()
                except Exception as exc:  # a worker died: the one failure path
                    result = exc
                finish(futures[future], result)
    finally:
        bar.close()
        if old_tmp is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = old_tmp
        shutil.rmtree(run_dir, ignore_errors=True)
    summary["seconds"] = round(time.perf_counter() - start, 2)
    if outcomes["refused"]:
        raise RuntimeError(outcomes["refused"])
    if todo and outcomes["infrastructure"] == len(todo):
        raise RuntimeError("every submission failed inside the grader: see reports/ungradable")
    return summary


RUN_PREFIX = "nnbio-"  # then the pid: nnbio-<pid>-XXXXXXXX


def _executor(stack: contextlib.ExitStack, scheduler: str | None, workers: int,
              limits: dict | None):
    """The executor that grades the class, and the task it runs per job: a Dask cluster's
    (``Client.get_executor``) or a local :class:`autograder.engine.pool.GraderPool` of warm workers.
    Any ``concurrent.futures.Executor`` would do; a future that fails (its worker died, the
    cluster lost it) is stored as an infrastructure failure and graded again next run."""
    from autograder.engine.remote import Limits

    if scheduler:
        from distributed import Client

        client = stack.enter_context(Client(scheduler))
        _check_dask_workers(client)
        return client.get_executor(pure=False), _safe_grade
    from autograder.engine import pool

    executor = pool.GraderPool(max(1, workers), lambda fn, args: _job_seconds(args[0]),
                               initializer=_warm,
                               memory_mb=Limits(**(limits or {})).grader_memory_mb)
    stack.callback(executor.terminate)
    return executor, _safe_grade


def _make_run_dir() -> Path:
    """This run's temporary folder. multiprocessing puts its forkserver's socket two levels
    below it, and a Unix socket's path has at most 107 bytes: under a long TMPDIR, use /tmp."""
    base = tempfile.gettempdir()
    if len(os.fsencode(base)) > 48 and os.access("/tmp", os.W_OK):
        base = "/tmp"
    return Path(tempfile.mkdtemp(prefix=f"{RUN_PREFIX}{os.getpid()}-", dir=base))


def _remove_stale_run_dirs() -> None:
    """Remove the temporary folders of earlier runs that were killed before they could clean
    up (``nnbio-<pid>-*`` whose process is gone)."""
    import re

    for path in {*Path(tempfile.gettempdir()).glob(RUN_PREFIX + "*"),
                 *Path("/tmp").glob(RUN_PREFIX + "*")}:
        m = re.fullmatch(r"nnbio-(\d+)-\w{8}", path.name)
        if not m or not path.is_dir() or path.is_symlink():
            continue
        try:
            os.kill(int(m.group(1)), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except (PermissionError, OverflowError):
            pass


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _progress(total: int, enabled: bool):
    if not enabled or total == 0:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="submission", desc="grading", file=sys.stderr)


def clear(root: Path) -> None:
    layout = CourseLayout.of(root)
    shutil.rmtree(layout.root / layout.autograded, ignore_errors=True)

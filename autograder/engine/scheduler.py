"""Grade a class: every submission's code runs in its own sandboxed process
(:mod:`autograder.engine.remote`), the hidden tests run here, on the trusted side, and the scores go
to nbgrader's gradebook, one test cell at a time.

    grade_class(root, chapters, workers=2)            local pool of warm worker processes
    grade_class(..., scheduler="tcp://host:8786")     a Dask distributed cluster

Every submission ends "graded" or "ungradable" with a reason; a crash of one submission's
process costs only the tests it broke. Results are kept per submission in
``autograded/<student>/<chapter>/grading.json`` with a key made of the submission's content
and the grader's version, so a re-run grades only new or changed submissions (or everything
after the grader changed), and an interrupted run keeps what it finished.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.engine import files, notebook, text
from autograder.engine.layout import CourseLayout
from autograder.engine.remote import IsolationRefused
from autograder.engine.result import SubmissionResult

ENGINE_VERSION = "2"
MAX_STATE_BYTES = 20_000_000    # a grading.json larger than this is not ours: grade again
MAX_NOTES_CHARS = 8_000         # notes shown to one student, in all


@dataclass
class Job:
    student: str
    chapter: str
    directory: str          # submitted/<student>/<chapter>
    key: str | None         # content + grader version; None: could not be read, grade again
    course_root: str
    limits: dict | None = None  # overrides of autograder.engine.remote.Limits
    policy: dict | None = None  # isolation policy (autograder.engine.remote.IsolationPolicy fields)
    unreadable: str = ""        # why the submission's folder could not be read
    kind: str = "chapter"       # "chapter": hidden tests here; "notebooks": any nbgrader
                                # assignment, its test cells run in the sandbox
    notebooks: list = field(default_factory=list)  # the assignment's notebooks (gradebook)
    db_url: str | None = None


# ------------------------------------------------------------------ keys and discovery

def _sha(paths) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def grader_version(chapter: str, root: Path | None = None) -> str:
    """The engine's code and what grading the assignment depends on: a chapter's hidden
    tests and reference, or (any other assignment) its source notebooks and files."""
    from autograder.engine import assignments, registry

    here = Path(__file__).parent
    files = sorted(here.glob("*.py"))
    if chapter in registry.chapters():
        files += sorted((registry.ROOT / chapter).glob("*.py"))
    elif root is not None:
        files += assignments.source_digest_files(root, chapter)
    return f"{ENGINE_VERSION}-{_sha(files)[:16]}"


def submission_key(root: Path, student: str, chapter: str, limits: dict | None = None) -> str:
    """Content of the submission's files (read safely, see :mod:`autograder.engine.files`), the
    grader's version and any non-default limits. Raises :class:`files.Unreadable`."""
    key = f"{files.scan(root, student, chapter).digest[:24]}-{grader_version(chapter, root)}"
    if limits:  # other limits can change a score: such a run grades again
        key += "-" + hashlib.sha256(json.dumps(limits, sort_keys=True).encode()).hexdigest()[:8]
    return key


def find_jobs(root: Path, chapters: list[str], limits: dict | None = None,
              policy: dict | None = None, notebooks: dict | None = None,
              db_url: str | None = None) -> list[Job]:
    """One job per submission folder. A folder that cannot be read still becomes a job (with
    no key, so it is graded again every run) and ends ungradable with the reason.
    ``notebooks`` names the notebooks of each assignment that is not a chapter."""
    notebooks = notebooks or {}
    layout = CourseLayout.of(root)
    jobs = []
    for student in files.student_folders(root):
        for ch in chapters:
            if not files.has_folder(root, student, ch):
                continue
            try:
                key = submission_key(root, student, ch, limits)
            except (files.Unreadable, OSError) as exc:
                key = None
                why = str(exc) if isinstance(exc, files.Unreadable) else f"unreadable ({exc})"
            else:
                why = ""
            jobs.append(Job(student, ch, str(layout.submission(student, ch)), key, str(root),
                            limits, policy, why,
                            kind="notebooks" if ch in notebooks else "chapter",
                            notebooks=list(notebooks.get(ch, [])), db_url=db_url))
    return jobs


def state_path(root: Path, student: str, chapter: str) -> Path:
    return CourseLayout.of(root).state_file(student, chapter)


def load_state(root: Path, student: str, chapter: str) -> SubmissionResult | None:
    """The stored result of a submission (None when there is none, or it is not readable)."""
    try:
        with open(state_path(root, student, chapter), "rb") as fh:
            data = json.loads(fh.read(MAX_STATE_BYTES))
        return SubmissionResult.from_json(data)
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def _stored_key(root: Path, job: Job) -> str | None:
    state = load_state(root, job.student, job.chapter)
    return state.key if state else None


# ------------------------------------------------------------------ one submission

def _ungradable(job: Job, reason: str, seconds: float = 0.0, **extra) -> SubmissionResult:
    extra.setdefault("kind", job.kind)
    return SubmissionResult.ungradable(job.student, job.chapter, job.key, reason,
                                       seconds=seconds, **extra)


def _source_notebook(root: Path, chapter: str) -> dict:
    return json.loads(CourseLayout.of(root).source_notebook(chapter).read_text())


def read_submission(job: Job, root: Path, staging: Path | None = None):
    """(cells to run, notes, snapshot, cleaned notebook) or raises ValueError with the reason
    the submission cannot be graded. With ``staging``, the submission's regular files are
    copied there (bounded) for the sandbox."""
    if job.unreadable:
        raise ValueError(job.unreadable)
    try:
        snap = files.scan(root, job.student, job.chapter, copy_to=staging)
    except files.Unreadable as exc:
        raise ValueError(str(exc)) from None
    if snap.problem:
        raise ValueError(snap.problem)
    if snap.notebook is None or snap.notebook_name is None:
        raise ValueError("the submission has no notebook")
    notes = snap.notes()
    if snap.notebook_name != f"{job.chapter}.ipynb":
        notes.append(f"the notebook was renamed to {files.display_name(snap.notebook_name)}; "
                     "graded anyway")
    try:
        nb = notebook.parse(snap.notebook)
    except notebook.NotANotebook as exc:
        raise ValueError(str(exc)) from None
    cells: list[tuple] = []  # (index, source), or (index, None, function) for a test cell
    seen: dict[str, str] = {}
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict):
            continue
        meta = notebook.cell_meta(cell)
        gid = notebook.grade_id(cell)
        if gid:
            seen[gid] = str(cell.get("cell_type"))
        if cell.get("cell_type") == "code" and meta.get("grade"):
            # a hidden-test cell is the grader's: not run, but it marks the point at which
            # plain nbgrader would test the function, so the test sees that version of it
            if gid.startswith("test_"):
                cells.append((i, None, gid[len("test_"):]))
            continue
        if cell.get("cell_type") != "code":
            continue
        source = notebook.cell_source(cell)
        if source.strip():
            cells.append((i, source))
    for cell in _source_notebook(root, job.chapter)["cells"]:
        meta = notebook.cell_meta(cell)
        if meta.get("solution"):
            gid = meta["grade_id"]
            if gid not in seen:
                notes.append(f"the answer cell for `{gid}` is missing (deleted?)")
            elif seen[gid] != cell["cell_type"]:
                notes.append(f"the answer cell for `{gid}` was changed to a "
                             f"{text.shorten(str(seen[gid]), 40)} cell")
    return cells, notes, snap, notebook.clean(nb)


def grade_submission(job: Job, slot: int | None = None, limits=None) -> SubmissionResult:
    """Grade one submission in a sandbox; never raises. Writes the
    autograded notebook (outputs cleared, feedback in the test cells)."""
    from autograder.engine import gradebook, registry
    from autograder.engine.grading import grade_function
    from autograder.engine.remote import Limits, RemoteFunction, Sandbox, StudentError

    start = time.perf_counter()
    root = Path(job.course_root)
    staging = Path(tempfile.mkdtemp(prefix="nnbio-submission-"))
    try:
        try:
            cells, notes, snap, clean_nb = read_submission(job, root, staging)
        except ValueError as exc:
            return _ungradable(job, str(exc), time.perf_counter() - start)
        limits = limits or Limits(**(job.limits or {}))
        sandbox = Sandbox(cells, str(staging), limits=limits, policy=job.policy)
        functions, reason = [], ""
        try:
            try:
                sandbox.start()
            except StudentError as exc:
                reason = exc.feedback
            for fn in registry.suite(job.chapter).functions():
                if reason:
                    res = grade_function(job.chapter, fn, None)
                    res.error = f"not graded: {reason}"
                elif sandbox.process is not None and fn not in sandbox.defined and sandbox.defined:
                    res = grade_function(job.chapter, fn, None)
                    res.error = (f"`{fn}` is not defined in your notebook (renamed, deleted, or "
                                 "its cell raised an error?)")
                else:
                    res = grade_function(job.chapter, fn, RemoteFunction(sandbox, fn),
                                         provide="never")
                functions.append(res)
            if not reason:
                functions = _regrade_with_correct_callees(job.chapter, functions, sandbox)
        finally:
            sandbox.close()
        _name_causes(functions, sandbox.own_callees)
        cell_notes = [f"cell {i} was skipped: {why}"
                      for i, why in {**sandbox.bad_cells_before, **sandbox.bad_cells}.items()]
        if sandbox.definitions_only:
            cell_notes.append(
                f"more than {limits.max_bad_cells} top-level cells hung or crashed, so your "
                "notebook was run again with only its imports, definitions and constants; the "
                "functions were graded from that run")
        errors = [f"cell {i} raised {text.shorten(str(e.get('type')), 60)}: "
                  f"{text.shorten(str(e.get('message', '')), 200)}"
                  for i, e in sorted(sandbox.cell_errors.items())]
        result = SubmissionResult(
            job.student, job.chapter, job.key, kind=job.kind, reason=reason,
            functions=[res.to_json() for res in functions],
            notes=text.cap_list(notes + cell_notes + errors, MAX_NOTES_CHARS),
            isolation=sandbox.isolation, restarts=max(sandbox.restarts, 0), uid=sandbox.uid,
            timestamp=snap.timestamp, seconds=round(time.perf_counter() - start, 3))
        gradebook.write_autograded_notebook(
            root, result, clean_nb, snap.nbgrader_files, ran=sandbox.cell_outputs,
            skipped={**sandbox.bad_cells_before, **sandbox.bad_cells})
        return result
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _regrade_with_correct_callees(chapter: str, results: list, sandbox) -> list:
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


def _name_causes(results: list, own_callees: dict) -> None:
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


def _safe_grade(job: Job) -> SubmissionResult:
    from autograder.engine import assignments

    try:
        if job.kind == "notebooks":
            return assignments.grade_submission(job)
        return grade_submission(job)
    except IsolationRefused as exc:  # not a verdict on the submission: no key, graded again
        refused = _ungradable(job, str(exc), infrastructure=True, isolation_refused=True)
        refused.key = None
        return refused
    except Exception as exc:  # an infrastructure problem, reported per submission
        return _ungradable(job, f"grader error: {type(exc).__name__}: {exc}", infrastructure=True)


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


def _dask_task(job: Job) -> SubmissionResult:
    import multiprocessing

    # Dask workers are daemonic by default; sandboxes are forked from a forkserver template
    # and reaped by this process, so allow this worker to start them.
    multiprocessing.current_process()._config["daemon"] = False  # type: ignore[attr-defined]
    return _safe_grade(job)


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
    todo = [j for j in jobs if force or j.key is None
            or _stored_key(root, j) != j.key]
    summary = {"submissions": len(jobs), "graded_now": 0, "reused": len(jobs) - len(todo),
               "ungradable": 0, "seconds": 0.0, "weak_isolation": allow_weak_isolation}
    start = time.perf_counter()
    bar = _progress(len(todo), progress)
    outcomes = {"infrastructure": 0, "refused": ""}

    def finish(job: Job, result) -> None:
        if isinstance(result, BaseException):  # the worker died or the task itself failed
            result = _ungradable(job, f"grader worker failed: {result}", infrastructure=True)
        if result.infrastructure:  # not a verdict on the submission: grade it again
            result.key = None
        result = _store(root, job, result, db_url)
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
        return client.get_executor(pure=False), _dask_task
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


def _store(root: Path, job: Job, result: SubmissionResult, db_url: str) -> SubmissionResult:
    """Write the result, gradebook first (one transaction), then the state file. Whatever
    goes wrong here is this submission's alone: it is stored as ungradable with the reason
    (and no key, so the next run grades it again); returns what was stored."""
    from autograder.engine import assignments, gradebook

    try:
        if result.kind == "notebooks":
            assignments.record(db_url, result, root)
        else:
            gradebook.record(db_url, result, root)
        _write_state(root, result)
        return result
    except Exception as exc:  # e.g. a student id the database refuses
        failed = _ungradable(job, f"the result could not be stored: {type(exc).__name__}: "
                                  f"{exc}", infrastructure=True)
        failed.key = None
        try:
            _write_state(root, failed)
        except Exception:  # not even the state file: reports say "not graded"
            pass
        return failed


def _write_state(root: Path, result: SubmissionResult) -> None:
    out = state_path(root, result.student, result.chapter)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result.to_json(), indent=1))
    os.replace(tmp, out)


def clear(root: Path) -> None:
    layout = CourseLayout.of(root)
    shutil.rmtree(layout.root / layout.autograded, ignore_errors=True)

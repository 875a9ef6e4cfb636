"""Grade a class: every submission's code runs in its own sandboxed process
(:mod:`autograder.remote`), the hidden tests run here, on the trusted side, and the scores go
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

import hashlib
import json
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

ENGINE_VERSION = "1"
ENGINE_FILES = ("engine.py", "grading.py", "testing.py", "remote.py", "sandbox.py", "wire.py")
STATE_FILE = "grading.json"


@dataclass
class Job:
    student: str
    chapter: str
    directory: str          # submitted/<student>/<chapter>
    key: str                # content + grader version
    course_root: str
    limits: dict | None = None  # overrides of autograder.remote.Limits


# ------------------------------------------------------------------ keys and discovery

def _sha(paths) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def grader_version(chapter: str) -> str:
    from autograder import registry

    here = Path(__file__).parent
    files = [here / f for f in ENGINE_FILES] + sorted((registry.ROOT / chapter).glob("*.py"))
    return f"{ENGINE_VERSION}-{_sha(files)[:16]}"


def submission_key(directory: Path, chapter: str) -> str:
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.name != "timestamp.txt")
    return f"{_sha(files)[:24]}-{grader_version(chapter)}"


def find_jobs(root: Path, chapters: list[str], limits: dict | None = None) -> list[Job]:
    jobs = []
    for student_dir in sorted((root / "submitted").glob("*")):
        for ch in chapters:
            d = student_dir / ch
            if d.is_dir():
                key = submission_key(d, ch)
                if limits:  # other limits can change a score: such a run grades again
                    key += "-" + hashlib.sha256(json.dumps(limits, sort_keys=True).encode()
                                                ).hexdigest()[:8]
                jobs.append(Job(student_dir.name, ch, str(d), key, str(root), limits))
    return jobs


def state_path(root: Path, student: str, chapter: str) -> Path:
    return root / "autograded" / student / chapter / STATE_FILE


def load_state(root: Path, student: str, chapter: str) -> dict | None:
    try:
        return json.loads(state_path(root, student, chapter).read_text())
    except (OSError, ValueError):
        return None


# ------------------------------------------------------------------ one submission

def _ungradable(job: Job, reason: str, seconds: float = 0.0, **extra) -> dict:
    return {"student": job.student, "chapter": job.chapter, "key": job.key,
            "status": "ungradable", "reason": reason, "functions": [], "notes": [],
            "seconds": round(seconds, 3), **extra}


def _source_notebook(root: Path, chapter: str) -> dict:
    return json.loads((root / "solutions" / chapter / f"{chapter}.ipynb").read_text())


def _nbgrader_meta(cell) -> dict:
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbg if isinstance(nbg, dict) else {}


def read_submission(job: Job, root: Path):
    """(cells to run, notes) or raises ValueError with the reason it cannot be graded."""
    directory = Path(job.directory)
    nb_path = directory / f"{job.chapter}.ipynb"
    notes = []
    if not nb_path.exists():
        found = sorted(directory.glob("*.ipynb"))
        if len(found) != 1:
            raise ValueError(f"missing notebook {job.chapter}.ipynb"
                             + (f" (found {', '.join(p.name for p in found)})" if found else ""))
        nb_path = found[0]
        notes.append(f"the notebook was renamed to {nb_path.name}; graded anyway")
    if nb_path.stat().st_size > 50e6:
        raise ValueError("the notebook is larger than 50 MB")
    try:
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"the notebook is not valid JSON ({str(exc)[:120]})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError("the file is not a Jupyter notebook (no list of cells)")
    cells, seen = [], {}
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict):
            continue
        meta = _nbgrader_meta(cell)
        if meta.get("grade_id"):
            seen[str(meta["grade_id"])] = cell.get("cell_type")
        if cell.get("cell_type") == "code" and meta.get("grade"):
            # a hidden-test cell is the grader's: not run, but it marks the point at which
            # plain nbgrader would test the function, so the test sees that version of it
            gid = str(meta.get("grade_id", ""))
            if gid.startswith("test_"):
                cells.append((i, None, gid[len("test_"):]))
            continue
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if isinstance(source, str) and source.strip():
            cells.append((i, source))
    source_nb = _source_notebook(root, job.chapter)
    for cell in source_nb["cells"]:
        meta = _nbgrader_meta(cell)
        if meta.get("solution"):
            gid = meta["grade_id"]
            if gid not in seen:
                notes.append(f"the answer cell for `{gid}` is missing (deleted?)")
            elif seen[gid] != cell["cell_type"]:
                notes.append(f"the answer cell for `{gid}` was changed to a {seen[gid]} cell")
    return cells, notes


def grade_submission(job: Job, slot: int | None = None, limits=None) -> dict:
    """Grade one submission in a sandbox; returns plain data; never raises."""
    from autograder import registry
    from autograder.grading import grade_function
    from autograder.remote import Limits, RemoteFunction, Sandbox, StudentError

    start = time.perf_counter()
    root = Path(job.course_root)
    try:
        cells, notes = read_submission(job, root)
    except ValueError as exc:
        return _ungradable(job, str(exc), time.perf_counter() - start)
    limits = limits or Limits(**(job.limits or {}))
    sandbox = Sandbox(cells, job.directory, slot=os.getpid() % 20000 if slot is None else slot,
                      limits=limits)
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
                res.error = (f"`{fn}` is not defined in your notebook (renamed, deleted, or its "
                             "cell raised an error?)")
            else:
                res = grade_function(job.chapter, fn, RemoteFunction(sandbox, fn))
            functions.append({"function": fn, "points": res.points, "max_points": res.max_points,
                              "error": res.error, "report": res.report(),
                              "tests": [asdict(t) for t in res.results],
                              "seconds": round(res.seconds, 3)})
    finally:
        sandbox.close()
    cell_notes = [f"cell {i} was skipped: {why}"
                  for i, why in {**sandbox.bad_cells_before, **sandbox.bad_cells}.items()]
    if sandbox.definitions_only:
        cell_notes.append(
            f"more than {limits.max_bad_cells} top-level cells hung or crashed, so your notebook "
            "was run again with only its imports, definitions and constants; the functions "
            "were graded from that run")
    errors = [f"cell {i} raised {e.get('type')}: {e.get('message', '')[:200]}"
              for i, e in sorted(sandbox.cell_errors.items())]
    return {"student": job.student, "chapter": job.chapter, "key": job.key,
            "status": "graded", "reason": reason, "functions": functions,
            "notes": notes + cell_notes + errors, "isolation": sandbox.isolation,
            "restarts": max(sandbox.restarts, 0), "seconds": round(time.perf_counter() - start, 3)}


def _safe_grade(job: Job) -> dict:
    try:
        return grade_submission(job)
    except Exception as exc:  # noqa: BLE001 - an infrastructure problem, reported per submission
        return _ungradable(job, f"grader error: {type(exc).__name__}: {exc}", infrastructure=True)


def _warm() -> None:
    """Worker start-up: import the heavy libraries and start the sandbox template once."""
    import multiprocessing
    import signal

    import numpy  # noqa: F401
    import torch  # noqa: F401

    from autograder.remote import _context
    from autograder.sandbox import die_with_parent

    # if the grading command is killed (SIGKILL, out of memory), its idle pool workers would
    # otherwise live on
    parent = multiprocessing.parent_process()
    die_with_parent(signal.SIGTERM, parent.pid if parent is not None else None)

    _context()


def _dask_task(job: Job) -> dict:
    import multiprocessing

    # Dask workers are daemonic by default; sandboxes are forked from a forkserver template
    # and reaped by this process, so allow this worker to start them.
    multiprocessing.current_process()._config["daemon"] = False
    return _safe_grade(job)


# ------------------------------------------------------------------ the class

def grade_class(root: Path, chapters: list[str], workers: int = 2, scheduler: str | None = None,
                force: bool = False, progress: bool = True, db_url: str | None = None,
                limits: dict | None = None) -> dict:
    """Grade every new or changed submission; returns a summary. Raises only when the
    grading infrastructure itself fails (e.g. the gradebook cannot be opened)."""
    from autograder import gradebook

    root = Path(root).resolve()
    db_url = db_url or gradebook.default_db_url(root)
    gradebook.ensure_assignments(root, chapters, db_url)
    jobs = find_jobs(root, chapters, limits)
    todo = [j for j in jobs if force or (load_state(root, j.student, j.chapter) or {}).get("key") != j.key]
    summary = {"submissions": len(jobs), "graded_now": 0, "reused": len(jobs) - len(todo),
               "ungradable": 0, "seconds": 0.0}
    start = time.perf_counter()
    bar = _progress(len(todo), progress)

    def finish(result: dict) -> None:
        _store(root, result, db_url)
        summary["graded_now"] += 1
        summary["ungradable"] += result["status"] != "graded"
        bar.update(1)

    if scheduler:
        from distributed import Client, as_completed as dask_completed

        with Client(scheduler) as client:
            futures = client.map(_dask_task, todo, pure=False)
            for fut in dask_completed(futures):
                finish(fut.result())
    elif workers <= 1:
        for job in todo:
            finish(_safe_grade(job))
    elif todo:
        import multiprocessing

        with ProcessPoolExecutor(max_workers=workers, initializer=_warm,
                                 mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(_safe_grade, job): job for job in todo}
            for fut in as_completed(futures):
                try:
                    result = fut.result()
                except Exception as exc:  # noqa: BLE001 - a worker process died
                    result = _ungradable(futures[fut], f"grader worker failed: {exc}",
                                         infrastructure=True)
                finish(result)
    bar.close()
    summary["seconds"] = round(time.perf_counter() - start, 2)
    infra = [j for j in todo if (load_state(root, j.student, j.chapter) or {}).get("infrastructure")]
    if todo and len(infra) == len(todo):
        raise RuntimeError("every submission failed inside the grader: see reports/ungradable")
    return summary


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


def _store(root: Path, result: dict, db_url: str) -> None:
    """Write the result: gradebook first (one transaction), then the state file, then the
    autograded notebook with feedback in its test cells (for formgrader and feedback)."""
    from autograder import gradebook

    gradebook.record(db_url, result)
    out = state_path(root, result["student"], result["chapter"])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=1))
    os.replace(tmp, out)
    gradebook.write_autograded_notebook(root, result)


def clear(root: Path) -> None:
    shutil.rmtree(Path(root) / "autograded", ignore_errors=True)

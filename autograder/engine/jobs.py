"""The *discover* stage: one :class:`Job` per submission folder, and what was graded before.

A job is keyed by what grading it depends on:

    key = sha256(the submission's files)[:24] - grader_version(assignment) [- sha256(limits)[:8]]
    grader_version = ENGINE_VERSION - sha256(every engine module, and the assignment's hidden
                     tests and reference, or its nbgrader source files)[:16]

so a re-run grades only new or changed submissions, and everything again after the grader
changed (no hand-kept list of files: every ``autograder/engine/*.py`` counts). A submission
whose stored ``grading.json`` has the job's key is not graded again.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from autograder.engine import files
from autograder.engine.layout import CourseLayout
from autograder.engine.result import SubmissionResult

ENGINE_VERSION = "2"
MAX_STATE_BYTES = 20_000_000    # a grading.json larger than this is not ours: grade again


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

    def ungradable(self, reason: str, seconds: float = 0.0, **extra) -> SubmissionResult:
        """This job's result when nothing of it could be graded."""
        extra.setdefault("kind", self.kind)
        return SubmissionResult.ungradable(self.student, self.chapter, self.key, reason,
                                           seconds=seconds, **extra)


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

    engine = Path(__file__).parent
    paths = sorted(engine.glob("*.py"))
    if chapter in registry.chapters():
        paths += sorted((registry.ROOT / chapter).glob("*.py"))
    elif root is not None:
        paths += assignments.source_digest_files(root, chapter)
    return f"{ENGINE_VERSION}-{_sha(paths)[:16]}"


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


# ------------------------------------------------------------------ what was graded before

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


def needs_grading(root: Path, job: Job) -> bool:
    """True unless the stored result was graded from exactly this job's key."""
    if job.key is None:
        return True
    state = load_state(root, job.student, job.chapter)
    return state is None or state.key != job.key


def write_state(root: Path, result: SubmissionResult) -> None:
    """``grading.json``, replaced atomically."""
    out = state_path(root, result.student, result.chapter)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result.to_json(), indent=1))
    os.replace(tmp, out)

"""The result of grading one submission: one type that the engine returns, the gradebook and
the state file store, and the reports read (in the spirit of otter-grader's
``GradingResults``).

A submission is either *graded* (``status == "graded"``: ``functions`` holds one entry per
graded function or test cell, and ``reason`` may still say why part of it could not run), or
*ungradable* (nothing could be run: ``reason`` says why, and every grade is 0). An
*infrastructure* failure (a worker died, the gradebook refused the row, the sandbox could not
reach the required isolation) is not a verdict on the submission: it is stored without a key,
so the next run grades the submission again.

``to_json`` / ``from_json`` are the state file's format (``autograded/<student>/<chapter>/
.nnbio-state.json``); ``from_json`` reads what an older engine wrote and ignores keys it does
not know, so a state file never stops a report.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

GRADED = "graded"
UNGRADABLE = "ungradable"


@dataclass(frozen=True)
class Diagnosis:
    """The misconception a failing function's behaviour matches (a bug of the chapter's bank):
    one sentence for the student and the heading of the book page that explains it."""
    text: str
    section: str = ""

    def says(self, chapter: str) -> str:
        """``you ...; see 02-activations › Softmax: probabilities for several classes``"""
        return f"{self.text}; see {chapter} \u203a {self.section}" if self.section else self.text

    def to_json(self) -> dict[str, str]:
        return {"text": self.text, "section": self.section}


class Ungradable(Exception):
    """Raised by a stage of the pipeline when the submission cannot be graded at all; the
    message is the reason the student and the instructor see."""


@dataclass
class SubmissionResult:
    student: str
    chapter: str                     # the chapter id or the nbgrader assignment's name
    key: str | None                  # what was graded (content hash); None: grade it again
    kind: str = "chapter"            # "chapter" (our hidden tests) or "notebooks" (nbgrader's)
    status: str = GRADED             # GRADED or UNGRADABLE
    reason: str = ""                 # why (part of) the submission could not be graded
    functions: list[dict] = field(default_factory=list)  # FunctionResult.to_json() per function
    notes: list[str] = field(default_factory=list)       # what the student should know
    seconds: float = 0.0
    isolation: str = ""              # how the sandbox was isolated ("full", or what was weaker)
    restarts: int = 0                # sandbox restarts after a hung or crashed cell
    uid: int | None = None           # the sandbox's user id
    timestamp: str | None = None     # nbgrader's timestamp.txt of the submission
    notebooks: list[str] = field(default_factory=list)        # kind "notebooks": graded ones
    zero_notebooks: list[str] = field(default_factory=list)   # ... and those that scored 0
    infrastructure: bool = False     # the grader failed, not the submission
    isolation_refused: bool = False  # the sandbox could not reach the required isolation
    stages: dict[str, float] = field(default_factory=dict)  # wall seconds per pipeline stage
    written: dict[str, bool] = field(default_factory=dict)  # written answer -> did they answer

    @property
    def graded(self) -> bool:
        return self.status == GRADED

    @property
    def points(self) -> float:
        return float(sum(f.get("points", 0.0) for f in self.functions))

    @property
    def max_points(self) -> float:
        return float(sum(f.get("max_points", 0.0) for f in self.functions))

    def points_by_grade_id(self) -> dict[str, float]:
        """Each test cell's (``test_<function>``) points, as the gradebook stores them."""
        return {grade_id(f): float(f["points"]) for f in self.functions}

    def reports_by_grade_id(self) -> dict[str, str]:
        """Each test cell's feedback text."""
        return {grade_id(f): f["report"] for f in self.functions}

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SubmissionResult:
        known = {f.name for f in fields(cls)}
        kept = {k: v for k, v in data.items() if k in known}
        return cls(**{"key": None, **kept})

    @classmethod
    def ungradable(cls, student: str, chapter: str, key: str | None, reason: str, *,
                   kind: str = "chapter", seconds: float = 0.0, **extra) -> SubmissionResult:
        from autograder.engine import text

        return cls(student, chapter, key, kind=kind, status=UNGRADABLE,
                   reason=text.shorten(reason, 600), seconds=round(seconds, 3), **extra)


def grade_id(function: dict) -> str:
    """The nbgrader grade id of a function's test cell."""
    return function.get("grade_id") or f"test_{function['function']}"

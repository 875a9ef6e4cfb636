"""Feedback that names the mistake: which bug of the chapter's bank a failing function behaves like.

Every plausible bug of a chapter (``tests/<chapter-id>/bank.py``, :mod:`autograder.engine.bank`)
carries a one-sentence diagnosis for the student and the book section that explains it. When a
student's function loses points, the trusted side grades each of the bank's bugs of that function
in this process, on the same hidden inputs (same seed, same tests, the grader's correct callees),
and compares what happened:

    failures(f)  = the set of tests f failed
    calls(f, t)  = what each call of f gave back in test t (:func:`watch.behaviour`)

A bug *b* matches the student's function *s* when ``failures(s) == failures(b)`` and, in every
failed test *t*, ``calls(s, t) ≈ calls(b, t)`` (same structure and shapes, numbers within
``RTOL``/``ATOL``) and the two failure messages agree once their numbers are rounded to
``DIGITS`` significant digits (what is left to compare when a call gives back an object, e.g. a
class's instance).

Some bugs draw from a generator nobody seeded (numpy's or torch's global one, dropout left on
at evaluation): their numbers change from run to run, and differ between this process and the
sandbox. So each bug is graded twice, the second time with the global generators re-seeded
before every call (``watch.before_each_call``); a test whose calls or message differ between
the two runs is *random* for that bug, and there only the structure and shapes of the calls
and the messages with their numbers masked are compared. A bug whose failures themselves
change is not recognised at all.

Of several matches, the most specific is said: an exact match (no random test) beats a loose
one; then a bug that also agrees on every passed test beats one that agrees on the failed ones
only; then the bank's order. No match: nothing is said. A function that passes, raises
NotImplementedError (the stub) or is missing is never diagnosed, so no correct implementation
can be.

The bugs' code runs here, on the trusted side, never in a sandbox, and only its diagnosis text
reaches the feedback. Each bug is graded (twice) once per process and seed
(:func:`bug_behaviour`).
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.engine import watch
from autograder.engine.result import Diagnosis

RTOL, ATOL = 1e-4, 1e-6   # two numbers are the same value when np.isclose says so
DIGITS = 2                # significant digits of the numbers in failure messages compared
SHAKE_SEED = 7_771_000    # the global generators' seeds in the second run of a bug (+ call no.)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_WHERE = re.compile(r" \(line \d+:[^\n]*")   # where a raised error came from: differs by file


@dataclass(frozen=True)
class Behaviour:
    """What one graded function did on the hidden tests: the tests it failed, each test's
    calls (:func:`watch.behaviour`), each failed test's message, normalised, and (for a bug of
    the bank) the tests whose values change with the global random generators."""
    failed: frozenset[str]
    calls: dict[str, list]
    messages: dict[str, str]
    random: frozenset[str] = frozenset()

    @classmethod
    def of(cls, result) -> Behaviour:
        failed = frozenset(r.name for r in result.results
                           if not r.passed and r.grader_error is None)
        return cls(failed, dict(result.behaviour),
                   {r.name: _normalise(r.message) for r in result.results if r.name in failed})


def _normalise(message: str) -> str:
    """A failure message with the place of a raised error removed and its numbers rounded:
    what stays the same between a student's notebook and the bank's file for the same bug."""
    def rounded(m: re.Match) -> str:
        try:
            return f"{float(m.group()):.{DIGITS}g}"
        except ValueError:
            return m.group()
    return _NUMBER.sub(rounded, _WHERE.sub("", message))


def _masked(message: str) -> str:
    return _NUMBER.sub("#", message)


def same_value(a: Any, b: Any, numbers: bool = True) -> bool:
    """Two recorded results (:func:`watch.behaviour`) agree: same structure, shapes and
    (within tolerance, unless ``numbers`` is false) numbers; nan equals nan; other objects
    agree with other objects."""
    if isinstance(a, tuple) and isinstance(b, tuple) and a and b and a[0] == b[0]:
        kind = a[0]
        if kind == "array":
            if a[1] != b[1] or len(a) != len(b):
                return False
            return len(a) == 2 or not numbers or bool(
                np.allclose(a[2], b[2], rtol=RTOL, atol=ATOL, equal_nan=True))
        if kind in ("list", "tuple"):
            return len(a[1]) == len(b[1]) and all(
                same_value(x, y, numbers) for x, y in zip(a[1], b[1], strict=True))
        if kind == "dict":
            return a[1].keys() == b[1].keys() and all(
                same_value(a[1][k], b[1][k], numbers) for k in a[1])
        return a == b  # ("object",), ("raised",)
    if isinstance(a, tuple) or isinstance(b, tuple):
        return False
    return type(a) is type(b) and a == b  # None, str


def _same_calls(a: list, b: list, numbers: bool = True) -> bool:
    return len(a) == len(b) and all(same_value(x, y, numbers) for x, y in zip(a, b, strict=True))


def agrees_on(mine: Behaviour, bug: Behaviour, tests) -> bool:
    """The two agree on ``tests``: the same calls, and where both failed, the same message;
    on the bug's random tests, up to the numbers."""
    for t in tests:
        exact = t not in bug.random
        ours, theirs = mine.messages.get(t), bug.messages.get(t)
        if not exact and ours is not None and theirs is not None:
            ours, theirs = _masked(ours), _masked(theirs)
        if ours != theirs or not _same_calls(mine.calls.get(t, []), bug.calls.get(t, []), exact):
            return False
    return True


def matches(mine: Behaviour, bug: Behaviour) -> int:
    """How closely ``mine`` matches ``bug``: 0 not at all (different failures, or a failed
    test on which they disagree); else 1 + 2 if no random test of the bug had to be compared
    loosely + 1 if they also agree on every passed test (so 1 to 4, the higher the closer)."""
    if not mine.failed or mine.failed != bug.failed or not agrees_on(mine, bug, mine.failed):
        return 0
    every = set(mine.calls) | set(bug.calls)
    exact = not (bug.random & mine.failed)
    return 1 + 2 * exact + agrees_on(mine, bug, every)


_BUGS: dict[tuple, Behaviour | None] = {}


def bug_behaviour(chapter: str, entry, seed: int) -> Behaviour | None:
    """How the bank's bug ``entry`` behaves on the hidden tests (graded once per process and
    seed, with the grader's correct callees as the sandbox's second pass has them), twice:
    the second time with the global generators re-seeded before every call, to find the tests
    whose values are random. None when it loses no points (nothing to recognise) or when
    which tests it fails is itself random."""
    key = (chapter, entry.function, entry.why, seed)
    if key not in _BUGS:
        first = _graded_bug(chapter, entry, seed)
        calls = iter(range(1_000_000))
        with watch.before_each_call(lambda: _reseed(SHAKE_SEED + next(calls))):
            second = _graded_bug(chapter, entry, seed)
        if first is None or second is None or first.failed != second.failed:
            _BUGS[key] = None
        else:
            random = frozenset(
                t for t in set(first.calls) | set(second.calls)
                if first.messages.get(t) != second.messages.get(t)
                or not _same_calls(first.calls.get(t, []), second.calls.get(t, [])))
            _BUGS[key] = Behaviour(first.failed, first.calls, first.messages, random)
    return _BUGS[key]


def _graded_bug(chapter: str, entry, seed: int) -> Behaviour | None:
    from autograder.engine.grading import _fresh, grade_function

    result = grade_function(chapter, entry.function, _fresh(entry.implementation), seed,
                            provide="always")
    return Behaviour.of(result) if result.points < result.max_points else None


def _reseed(seed: int) -> None:
    """Re-seed the global generators a bug might draw from: Python's, numpy's and torch's."""
    import random

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


def _diagnosable(result) -> bool:
    if result.error or result.points >= result.max_points or not result.behaviour:
        return False
    return not any("not implemented yet" in r.message for r in result.results)


def recognise(result, seed: int | None = None):
    """(the bank entry whose bug ``result`` behaves like, how closely, as :func:`matches`
    says), or None."""
    from autograder.engine.bank import load_bank
    from autograder.engine.grading import BASE_SEED

    if not _diagnosable(result):
        return None
    bank = load_bank(result.chapter)
    if bank is None:
        return None
    mine, best, best_level = Behaviour.of(result), None, 0
    for entry in bank.mutants:
        if entry.function != result.function or not entry.diagnosis:
            continue
        bug = bug_behaviour(result.chapter, entry, BASE_SEED if seed is None else seed)
        level = matches(mine, bug) if bug is not None else 0
        if level > best_level:  # of equally close bugs, the first in the bank
            best, best_level = entry, level
    return (best, best_level) if best is not None else None


def diagnose(result, seed: int | None = None) -> Diagnosis | None:
    """The diagnosis of the bank's bug that ``result`` (a graded function's
    :class:`~autograder.engine.grading.FunctionResult`) behaves like, or None."""
    found = recognise(result, seed)
    return Diagnosis(found[0].diagnosis, found[0].section) if found else None


def annotate(result, seed: int | None = None) -> None:
    """Set ``result.diagnosis``; never raises (a diagnosis is an extra, not a grade)."""
    try:
        result.diagnosis = diagnose(result, seed)
    except Exception:  # a bug of the bank or of this module must not cost a grade
        result.diagnosis = None

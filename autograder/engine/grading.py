"""Run the hidden tests of one graded function and turn them into points and feedback."""
from __future__ import annotations

import contextlib
import io
import time
import traceback
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder.engine import registry, text, watch
from autograder.engine.result import Diagnosis
from autograder.engine.testing import OWN_VERSIONS, Failure

BASE_SEED = 20240601


GRADER_ERROR_FEEDBACK = ("this check could not run because of an error in the grader; it does "
                         "not count against you")


@dataclass
class GraderError:
    """A hidden test that is itself broken: it raised with the student's function and again
    with the reference in its place. For the instructor (``grading.json``), never shown to
    the student: the exception's type and message and the line of test code that raised."""
    type: str
    message: str
    line: str = ""

    def to_json(self) -> dict:
        return {"type": self.type, "message": text.shorten(self.message), "line": self.line}


@dataclass
class TestResult:
    name: str
    points: float
    max_points: float
    message: str = ""  # empty when passed
    grader_error: GraderError | None = None  # the test is broken; the student keeps the points

    @property
    def passed(self) -> bool:
        return self.points == self.max_points

    def to_json(self) -> dict:
        out: dict = {"name": self.name, "points": self.points, "max_points": self.max_points,
                     "message": text.shorten(self.message)}
        if self.grader_error is not None:
            out["grader_error"] = self.grader_error.to_json()
        return out


@dataclass
class FunctionResult:
    chapter: str
    function: str
    results: list[TestResult] = field(default_factory=list)
    error: str = ""  # set when the function could not be tested at all
    seconds: float = 0.0
    cause: str = ""  # another failing function that may explain this one's failures
    # what each test's calls gave back (watch.behaviour), trusted side only, never serialised
    behaviour: dict[str, list] = field(default_factory=dict, repr=False)
    diagnosis: Diagnosis | None = None  # the bank's bug it behaves like (diagnosis.diagnose)

    @property
    def points(self) -> float:
        return float(sum(r.points for r in self.results))

    @property
    def max_points(self) -> float:
        return float(sum(r.max_points for r in self.results))

    def report(self) -> str:
        """Feedback for the student: what passed, what failed and why. Never test code.
        Every message is short and escaped (:func:`autograder.engine.text.shorten`), and the whole
        report is at most ``text.MAX_REPORT`` characters."""
        lines = [f"{self.function}: {self.points:g} / {self.max_points:g} points"]
        if self.error:
            lines.append(f"  {text.shorten(self.error)}")
        if self.cause:
            lines.append(f"  note: {text.shorten(self.cause)}")
        if self.diagnosis is not None:
            lines.append(f"  this looks like: {self.diagnosis.says(self.chapter)}")
        for r in self.results:
            mark = "SKIP" if r.grader_error else "PASS" if r.passed else "FAIL"
            lines.append(f"  [{mark}] {r.name}")
            if r.message:
                lines.extend("         " + ln for ln in text.shorten(r.message).splitlines())
        report = "\n".join(lines)
        return text.shorten(report, text.MAX_REPORT) if len(report) > text.MAX_REPORT else report

    def to_json(self) -> dict:
        """``grading.json``'s entry for the function; ``grader_errors`` (the names of its
        broken tests) only when there are some."""
        out = {"function": self.function, "points": self.points, "max_points": self.max_points,
               "error": text.shorten(self.error), "report": self.report(),
               "tests": [r.to_json() for r in self.results],
               "seconds": round(self.seconds, 3)}
        broken = [r.name for r in self.results if r.grader_error is not None]
        if broken:
            out["grader_errors"] = broken
        if self.diagnosis is not None:
            out["diagnosis"] = self.diagnosis.to_json()
        return out


def _student_error(exc: BaseException) -> str:
    feedback = getattr(exc, "feedback", None)  # raised in the sandboxed student process
    if isinstance(feedback, str):
        if feedback.startswith("raised NotImplementedError"):
            return "not implemented yet (the function still raises NotImplementedError)"
        return feedback
    if isinstance(exc, NotImplementedError):
        return "not implemented yet (the function still raises NotImplementedError)"
    found = text.innermost_line(exc, skip=lambda name: name.startswith(str(registry.ROOT)))
    where = f" (line {found[0]}: {found[1]})" if found else ""
    return f"raised {type(exc).__name__}: {exc}{where}"


def correct_callees(chapter: str, function: str) -> dict:
    """The chapter's other graded functions, as the reference implements them (classes
    excluded): what ``function`` is tested with when it calls them, so that one bug costs
    points in one function only (a bug in ``step`` is not also a bug in
    ``perceptron_update``, which calls it)."""
    import inspect

    ref = registry.reference(chapter)
    return {name: getattr(ref, name) for name in registry.suite(chapter).functions()
            if name != function and inspect.isfunction(getattr(ref, name, None))}


@contextlib.contextmanager
def _providing(student_fn, callees: dict):
    """While ``student_fn`` is tested, the graded functions it calls are the correct ones: a
    sandboxed function gets them through the wire (``RemoteFunction.provide``); a function
    of this process (plain nbgrader, the bank of bugs) finds them in its own globals."""
    if hasattr(student_fn, "provide"):
        student_fn.provide = callees
        yield
        return
    namespace = _globals_of(student_fn)
    saved = {}
    if isinstance(namespace, dict):
        for name, fn in callees.items():
            if callable(namespace.get(name)) and not isinstance(namespace.get(name), type):
                saved[name] = namespace[name]
                namespace[name] = fn
    if saved:
        OWN_VERSIONS[id(namespace)] = saved
    try:
        yield
    finally:
        OWN_VERSIONS.pop(id(namespace), None)
        if isinstance(namespace, dict):
            for name, fn in saved.items():
                if namespace.get(name) is callees[name]:
                    namespace[name] = fn


def _globals_of(student_fn):
    """The namespace the student's code looks its names up in: a function's globals, or for a
    class, its methods' (what the sandbox replaces during a call, for a class too)."""
    namespace = getattr(student_fn, "__globals__", None)
    if namespace is None and isinstance(student_fn, type):
        for member in vars(student_fn).values():
            namespace = getattr(member, "__globals__", None)
            if namespace is not None:
                break
    return namespace


def _fresh(fn):
    """The same function as a new object: hidden tests cache expensive runs per function
    object (a training run, a TWAS), and a run with other callees must not reuse them."""
    import types

    if not isinstance(fn, types.FunctionType):
        return fn
    copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                              fn.__closure__)
    copy.__kwdefaults__, copy.__doc__ = fn.__kwdefaults__, fn.__doc__
    copy.__dict__.update(fn.__dict__)
    return copy


def grade_function(chapter: str, function: str, student_fn, seed: int = BASE_SEED,
                   provide: str = "if needed") -> FunctionResult:
    """Run every hidden test of ``function`` against ``student_fn``; never raises.

    One bug, one penalty: with ``provide="if needed"`` (one process), a function is tested
    with the chapter's other graded functions it calls in their correct versions
    (:func:`correct_callees`); when it loses points it is tested again with the student's
    own, and the better of the two results counts (a correct function is never
    worse off for its design, e.g. an extra keyword of its own callee). ``"never"``: the
    student's own callees only; ``"always"``: the correct ones only (the engine, which
    decides itself when to ask for them)."""
    if provide == "if needed":
        fixed = grade_function(chapter, function, student_fn, seed, "always")
        if fixed.points < fixed.max_points and correct_callees(chapter, function):
            own = grade_function(chapter, function, _fresh(student_fn), seed, "never")
            return own if own.points > fixed.points else fixed
        return fixed
    suite = registry.suite(chapter)
    ref = registry.reference(chapter)
    tests = suite.tests_for(function)
    result = FunctionResult(chapter, function)
    if not tests:
        raise KeyError(f"{chapter} has no graded function {function!r}")
    if not callable(student_fn):
        result.error = f"`{function}` is not defined as a function in your notebook"
        result.results = [TestResult(t.name, 0.0, t.points, "not run") for t in tests]
        return result
    start = time.perf_counter()
    with _providing(student_fn, correct_callees(chapter, function) if provide == "always" else {}):
        _run_tests(result, tests, function, student_fn, ref, seed,
                   suite.in_place.get(function, frozenset()))
    result.seconds = time.perf_counter() - start
    return result


def test_rng(seed: int, function: str, test: str) -> np.random.Generator:
    """The random generator of one hidden test: seeded by the test's own name, so adding,
    removing or reordering tests never changes the inputs (and grades) of the others."""
    return np.random.default_rng([seed, zlib.crc32(function.encode()), zlib.crc32(test.encode())])


def _run_tests(result: FunctionResult, tests, function: str, student_fn, ref, seed: int,
               in_place: frozenset[str] = frozenset()) -> None:
    """Run ``tests`` on ``student_fn``, checked at every call for in-place changes of its
    array arguments (:mod:`autograder.engine.watch`) but those named in ``in_place``; a change
    costs one test, however many saw it."""
    watched = watch.watched(student_fn, function, getattr(ref, function, None), in_place)
    first_seen: tuple[int, str] | None = None
    for test in tests:
        watched.calls = []
        # one bug, one penalty: a change is charged in the function's "does not modify" test,
        # or, when it has none, in the first test that saw it; the other tests only note it
        watched.strict, watched.observed = test.checks_inputs, ""
        result.results.append(_run_test(test, function, watched, ref, seed, in_place))
        result.behaviour[test.name] = watched.calls
        if watched.observed and first_seen is None:
            first_seen = (len(result.results) - 1, watched.observed)
    if first_seen is not None and not any(t.checks_inputs for t in tests):
        index, message = first_seen
        seen = result.results[index]
        if seen.passed and seen.grader_error is None:
            result.results[index] = TestResult(seen.name, 0.0, seen.max_points, message)


def _run_test(test, function: str, student_fn, ref, seed: int,
              in_place: frozenset[str]) -> TestResult:
    """One test's result. A :class:`Failure` is the student's; any other exception is too,
    unless the same test raises or fails with the reference in the student's place: then
    the test itself is broken, and the student keeps its points (:func:`_reference_passes`)."""
    try:
        _run_quietly(test, student_fn, ref, test_rng(seed, function, test.name))
    except Failure as exc:
        msg = text.shorten(str(exc)) + (f"\nhint: {test.hint}" if test.hint else "")
        return TestResult(test.name, 0.0, test.points, msg)
    except Exception as exc:  # anything the student's code raises, or a bug in the test
        if not _not_implemented(exc) and not _reference_passes(test, function, ref, seed,
                                                               in_place):
            return TestResult(test.name, test.points, test.points, GRADER_ERROR_FEEDBACK,
                              _grader_error(exc, test))
        msg = f"{function} {text.shorten(_student_error(exc))}"
        return TestResult(test.name, 0.0, test.points, msg)
    return TestResult(test.name, test.points, test.points)


def _run_quietly(test, student_fn, ref, rng: np.random.Generator) -> None:
    """Run one test; what it prints and the warnings it raises are not the feedback."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
            warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        test.run(student_fn, ref, rng)


def _not_implemented(exc: BaseException) -> bool:
    """The student's function still raises NotImplementedError (the untouched stub): the
    student's, certainly, so no reference run is needed to decide."""
    return _student_error(exc).startswith("not implemented yet")


def _reference_passes(test, function: str, ref, seed: int, in_place: frozenset[str]) -> bool:
    """Does ``test`` pass with the reference in the student's place (same seed)? The
    answer never changes, so it is computed once per test and seed."""
    key = (test.run, function, id(ref), seed)
    if key not in _REFERENCE_PASSES:
        reference_fn = getattr(ref, function, None)
        passes = False  # no reference to run: the test cannot be shown to work
        if reference_fn is not None:
            try:
                _run_quietly(test, watch.watched(reference_fn, function, reference_fn, in_place),
                             ref, test_rng(seed, function, test.name))
                passes = True
            except Exception:  # the test is broken: it cannot pass even with the reference
                pass
        _REFERENCE_PASSES[key] = passes
    return _REFERENCE_PASSES[key]


_REFERENCE_PASSES: dict[tuple, bool] = {}


def _grader_error(exc: BaseException, test) -> GraderError:
    """What the instructor needs to fix a broken test: the exception and the line of test
    code (the innermost frame in the test's own file, else in any course file) that raised."""
    frames = traceback.extract_tb(exc.__traceback__)
    code = getattr(test.run, "__code__", None)
    own = [f for f in frames if code is not None and f.filename == code.co_filename]
    ours = own or [f for f in frames if f.filename.startswith(str(registry.ROOT))]
    line = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}: {(ours[-1].line or '').strip()}" \
        if ours else ""
    return GraderError(type(exc).__name__, str(exc), line)


def grade(chapter: str, function: str, namespace) -> float:
    """Entry point of a notebook's hidden-test cell.

    Looks ``function`` up in ``namespace`` (the notebook's ``globals()``), prints the feedback
    and returns the points earned as a plain float, which nbgrader reads as partial credit.
    """
    from autograder.engine import diagnosis

    fn = namespace.get(function) if isinstance(namespace, dict) else namespace
    result = grade_function(chapter, function, fn)
    diagnosis.annotate(result)
    print(result.report())
    return round(float(result.points), 6)

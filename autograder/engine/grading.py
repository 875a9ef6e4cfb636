"""Run the hidden tests of one graded function and turn them into points and feedback."""
from __future__ import annotations

import contextlib
import io
import time
import warnings
import zlib
from dataclasses import dataclass, field

import numpy as np

from autograder.engine import registry, text
from autograder.engine.testing import OWN_VERSIONS, Failure

BASE_SEED = 20240601


@dataclass
class TestResult:
    name: str
    points: float
    max_points: float
    message: str = ""  # empty when passed

    @property
    def passed(self) -> bool:
        return self.points == self.max_points


@dataclass
class FunctionResult:
    chapter: str
    function: str
    results: list[TestResult] = field(default_factory=list)
    error: str = ""  # set when the function could not be tested at all
    seconds: float = 0.0
    cause: str = ""  # another failing function that may explain this one's failures

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
        for r in self.results:
            mark = "PASS" if r.passed else "FAIL"
            lines.append(f"  [{mark}] {r.name}")
            if r.message:
                lines.extend("         " + ln for ln in text.shorten(r.message).splitlines())
        report = "\n".join(lines)
        return text.shorten(report, text.MAX_REPORT) if len(report) > text.MAX_REPORT else report

    def to_json(self) -> dict:
        return {"function": self.function, "points": self.points, "max_points": self.max_points,
                "error": text.shorten(self.error), "report": self.report(),
                "tests": [{"name": r.name, "points": r.points, "max_points": r.max_points,
                           "message": text.shorten(r.message)} for r in self.results],
                "seconds": round(self.seconds, 3)}


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
    namespace = getattr(student_fn, "__globals__", None)
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
        _run_tests(result, tests, function, student_fn, ref, seed)
    result.seconds = time.perf_counter() - start
    return result


def test_rng(seed: int, function: str, test: str) -> np.random.Generator:
    """The random generator of one hidden test: seeded by the test's own name, so adding,
    removing or reordering tests never changes the inputs (and grades) of the others."""
    return np.random.default_rng([seed, zlib.crc32(function.encode()), zlib.crc32(test.encode())])


def _run_tests(result: FunctionResult, tests, function: str, student_fn, ref, seed: int) -> None:
    for test in tests:
        rng = test_rng(seed, function, test.name)
        sink = io.StringIO()
        try:
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
                    warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                test.run(student_fn, ref, rng)
        except Failure as exc:
            msg = text.shorten(str(exc)) + (f"\nhint: {test.hint}" if test.hint else "")
            result.results.append(TestResult(test.name, 0.0, test.points, msg))
        except Exception as exc:  # anything the student's code raises
            msg = f"{function} {text.shorten(_student_error(exc))}"
            result.results.append(TestResult(test.name, 0.0, test.points, msg))
        else:
            result.results.append(TestResult(test.name, test.points, test.points))


def grade(chapter: str, function: str, namespace) -> float:
    """Entry point of a notebook's hidden-test cell.

    Looks ``function`` up in ``namespace`` (the notebook's ``globals()``), prints the feedback
    and returns the points earned as a plain float, which nbgrader reads as partial credit.
    """
    fn = namespace.get(function) if isinstance(namespace, dict) else namespace
    result = grade_function(chapter, function, fn)
    print(result.report())
    return round(float(result.points), 6)

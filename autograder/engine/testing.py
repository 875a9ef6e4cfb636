"""Building blocks of hidden tests: a test registry and comparisons that explain failures.

A chapter's ``tests.py`` creates ``SUITE = Suite("02-activations")`` and registers tests::

    @SUITE.test("softmax", points=1, hint="subtract the row maximum before exp")
    def large_inputs(student, ref, rng):
        z = rng.uniform(-1e4, 1e4, size=(3, 5))
        expect_close(student(z.copy()), ref.softmax(z), "softmax", f"z {describe(z)}")

``student`` is the student's function, ``ref`` the reference module and ``rng`` a seeded
``numpy.random.Generator`` (the same seed for every run, so grading is reproducible).
A test passes when it returns; it fails by raising :class:`Failure` with a message that names
the function, the input, expected vs actual and a hint. Student output is always converted to a
plain float ndarray before any comparison, so objects with a rigged ``__eq__`` or ndarray
subclasses cannot fake a pass.

Kinds of test that every chapter reuses (:mod:`autograder.engine.kinds`) are part of this
API: ``matches_reference``, ``same_as_reference``, ``numerically_stable`` (with
``extreme_inputs``) and ``gradient_check``. That a graded function does not modify its inputs
is checked for every call automatically (:mod:`autograder.engine.watch`); a function whose
job is to change an argument is declared with ``Suite.allow_in_place``.
"""
from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograder.engine import text
from autograder.engine.kinds import describe_call as describe_call
from autograder.engine.kinds import extreme_inputs as extreme_inputs
from autograder.engine.kinds import fresh_copies as fresh_copies
from autograder.engine.kinds import gradient_check as gradient_check
from autograder.engine.kinds import matches_reference as matches_reference
from autograder.engine.kinds import numerically_stable as numerically_stable
from autograder.engine.kinds import same_as_reference as same_as_reference


class Failure(AssertionError):
    """A hidden test failed; the message is shown to the student."""


@dataclass
class Test:
    function: str
    name: str
    points: float
    run: Callable
    hint: str = ""

    @property
    def checks_inputs(self) -> bool:
        """Is this the function's "does not modify its inputs" test (its name says so)? An
        in-place change of an input is charged there, once, and not in every test that sees
        it (one bug, one penalty; see :mod:`autograder.engine.watch`)."""
        return "modif" in self.name


@dataclass
class Suite:
    """The hidden tests of one chapter, grouped by graded function."""

    chapter: str
    tests: list[Test] = field(default_factory=list)
    in_place: dict[str, frozenset[str]] = field(default_factory=dict)

    def allow_in_place(self, function: str, *arguments: str) -> None:
        """Declare that ``function``'s job is to change these arguments in place (every
        argument when none is named), e.g. an in-place optimiser step: the automatic check
        that a graded function does not modify its inputs (``autograder.engine.watch``)
        skips them. Every other argument is still checked."""
        self.in_place[function] = frozenset(arguments or ("*",))

    def test(self, function: str, points: float = 1.0, hint: str = ""):
        def register(run):
            name = run.__name__.replace("_", " ")
            self.tests.append(Test(function, name, float(points), run, hint))
            return run

        return register

    def functions(self) -> list[str]:
        return list(dict.fromkeys(t.function for t in self.tests))

    def tests_for(self, function: str) -> list[Test]:
        return [t for t in self.tests if t.function == function]

    def max_points(self, function: str) -> float:
        return sum(t.points for t in self.tests_for(function))


# ---------------------------------------------------------------- conversions

MAX_ELEMENTS = 10_000_000  # no graded function returns more: a larger value is not converted


def to_array(value: Any, what: str, shape: tuple | None = None) -> np.ndarray:
    """Convert a student's return value to a plain float64 ndarray, or fail with a reason.

    Accepts numpy arrays (any float/int/bool dtype), torch tensors, Python numbers and
    (nested) lists of numbers. Anything else, e.g. an object with a custom ``__eq__``, fails.
    With ``shape`` (what the test expects), an array of another shape fails before it is
    converted, and nothing larger than ``MAX_ELEMENTS`` is ever converted: a wrong answer
    cannot make the grader copy a huge array. The feedback never quotes the value (it may be
    a hidden input the student's code turned into a string).
    """
    if value is None:
        raise Failure(f"{what} returned None: did you forget `return`?")
    remote_type = getattr(value, "_remote_type", None)  # an object kept in the sandbox
    if remote_type is not None:
        raise Failure(f"{what} returned a {text.shorten(remote_type, 60)} object; expected a "
                      "numpy array or a number")
    if type(value).__module__.startswith("torch"):
        try:
            value = value.detach().cpu()
            _check_size(tuple(value.shape), what, shape)
            value = value.double().numpy()
        except Failure:
            raise
        except Exception as exc:  # any odd torch object
            raise Failure(f"{what} returned a torch object that is not a tensor "
                          f"({type(exc).__name__})") from None
    if isinstance(value, (bool, int, float, np.number, np.bool_)):
        try:
            return np.array(float(value))
        except (TypeError, ValueError, OverflowError):
            raise Failure(f"{what} returned a number that cannot be read as a float") from None
    if isinstance(value, np.ndarray):
        _check_size(value.shape, what, shape)
        if value.dtype.kind not in "biuf":
            raise Failure(f"{what} returned an array of dtype {value.dtype}; expected numbers")
    elif isinstance(value, (list, tuple)):
        if sum(1 for _ in _leaves(value, MAX_ELEMENTS + 1)) > MAX_ELEMENTS:
            raise Failure(f"{what} returned a list of more than {MAX_ELEMENTS:,} values")
    else:
        raise Failure(f"{what} returned {text.shorten(type(value).__name__, 60)}; expected a "
                      "numpy array or a number")
    try:
        arr = np.array(value, dtype=np.float64, copy=True, subok=False)
    except (TypeError, ValueError, OverflowError):
        kinds = sorted({type(v).__name__ for v in _leaves(value, 50)})
        raise Failure(f"{what} returned something that is not a numeric array (it holds "
                      f"{', '.join(kinds[:4]) or 'nothing usable'})") from None
    return np.asarray(arr).view(np.ndarray)


def _check_size(actual: tuple, what: str, shape: tuple | None) -> None:
    size = int(np.prod(actual)) if actual else 1
    if shape is not None and tuple(actual) != tuple(shape) and size > max(1, int(np.prod(shape))):
        raise Failure(f"{what}: expected shape {tuple(shape)}, got shape {tuple(actual)}")
    if size > MAX_ELEMENTS:
        raise Failure(f"{what} returned an array of {size:,} values, far more than expected")


def _leaves(value, limit: int):
    """The leaves of a nested list/tuple (its numbers, strings...), at most ``limit`` of them,
    one at a time (nothing is copied)."""
    todo, n = [value], 0
    while todo and n < limit:
        v = todo.pop()
        if isinstance(v, (list, tuple)):
            todo.extend(v)
        else:
            n += 1
            yield v


def to_float(value: Any, what: str) -> float:
    arr = to_array(value, what)
    if arr.size != 1:
        raise Failure(f"{what} should return a single number, got an array of shape {arr.shape}")
    return float(arr.reshape(()))


def describe(x: Any) -> str:
    """A short description of an input for feedback: shape, dtype and range, never the values
    of an array or list (a number or a short string, like ``p=0.3``, is shown)."""
    if isinstance(x, (list, tuple)):
        return f"(a {type(x).__name__} of {len(x)} items)"
    if isinstance(x, dict):
        return f"(a dict with keys {text.shorten(', '.join(map(str, list(x)[:8])), 120)})"
    if isinstance(x, str) and len(x) > 40:
        return f"(a string of {len(x)} characters)"
    if isinstance(x, np.ndarray):
        if x.size == 0:
            return f"with shape {x.shape} ({x.dtype}, empty)"
        finite = x[np.isfinite(x)] if np.issubdtype(x.dtype, np.floating) else x
        rng = f", values in [{finite.min():.3g}, {finite.max():.3g}]" if finite.size else ""
        return f"with shape {x.shape} ({x.dtype}{rng})"
    return f"= {x!r}"


# ---------------------------------------------------------------- expectations

def expect_shape(actual: Any, shape: tuple, what: str, given: str = "") -> np.ndarray:
    arr = to_array(actual, what, tuple(shape))
    if arr.shape != tuple(shape):
        raise Failure(_msg(what, given, f"expected shape {tuple(shape)}, got shape {arr.shape}"))
    return arr


def expect_close(actual: Any, expected: Any, what: str, given: str = "",
                 rtol: float = 1e-4, atol: float = 1e-6) -> np.ndarray:
    """Compare as float64 arrays: same shape, finite where expected is, |a - e| <= atol + rtol |e|.

    The default tolerances accept float32 implementations and reject real mistakes.
    """
    exp = np.asarray(expected, dtype=np.float64)
    arr = to_array(actual, what, exp.shape)
    if arr.shape != exp.shape:
        raise Failure(_msg(what, given, f"expected shape {exp.shape}, got shape {arr.shape}"))
    bad_nan = np.isnan(arr) & ~np.isnan(exp)
    if bad_nan.any():
        idx = tuple(int(i) for i in np.argwhere(bad_nan)[0])
        raise Failure(_msg(what, given, f"got NaN at index {idx} where {exp[idx]:.6g} was expected "
                                        f"({int(bad_nan.sum())} NaN entries in all)"))
    bad_inf = np.isinf(arr) & ~np.isinf(exp)
    if bad_inf.any():
        idx = tuple(int(i) for i in np.argwhere(bad_inf)[0])
        raise Failure(_msg(what, given, f"got {arr[idx]} at index {idx} where {exp[idx]:.6g} "
                                        "was expected (overflow?)"))
    with np.errstate(all="ignore"):
        err = np.abs(arr - exp)
        err = np.where(np.isnan(exp) & np.isnan(arr), 0.0, err)
        err = np.where(np.isinf(exp) & (arr == exp), 0.0, err)
        allowed = atol + rtol * np.abs(np.nan_to_num(exp, posinf=0, neginf=0))
    over = err > allowed
    if over.any():
        flat = int(np.argmax(np.where(over, err - allowed, -np.inf)))
        idx = tuple(int(i) for i in np.unravel_index(flat, exp.shape)) if exp.ndim else ()
        raise Failure(_msg(
            what, given,
            f"values differ in {int(over.sum())} of {exp.size} entries; largest error "
            f"{err[idx]:.3g} at index {idx}: expected {exp[idx]:.6g}, got {arr[idx]:.6g}"))
    return arr


def expect_equal(actual: Any, expected: Any, what: str, given: str = "") -> np.ndarray:
    return expect_close(actual, expected, what, given, rtol=0.0, atol=0.0)


def expect(condition: bool, what: str, problem: str, given: str = "") -> None:
    if not bool(condition):
        raise Failure(_msg(what, given, problem))


def expect_unchanged(before: np.ndarray, after: np.ndarray, what: str, name: str) -> None:
    """Fail when the student's function modified its input array in place."""
    if before.shape != after.shape or not np.array_equal(before, after, equal_nan=True):
        raise Failure(f"{what} modified its input `{name}` in place; work on a copy "
                      "(e.g. `x = x.copy()` or build a new array)")


def call_without_warnings(fn: Callable, *args, what: str, given: str = "", **kwargs):
    """Call fn; fail if it emits a numpy RuntimeWarning (overflow, divide by zero, invalid)."""
    from autograder.engine.capture import runtime_warnings

    with runtime_warnings() as runtime:
        out = fn(*args, **kwargs)
    if runtime:
        raise Failure(_msg(what, given, f"emitted a warning: {runtime[0].message}"))
    return out


def once_per_student(compute: Callable) -> Callable:
    """A fixture shared by the tests of one student's function: ``compute(student, *key)``
    (a training run, a TWAS: anything expensive) runs once per student function object and
    ``key``, and every later call gets the same result. ``compute`` returns what the tests
    need, an exception it caught included, so that each test can report it in its own words.

    The cache holds the function weakly: each submission's function (and the fresh copy the
    grader makes to test it again with other callees) gets its own run, and nothing outlives
    the submission. A function that cannot be weakly referenced is simply not cached."""
    runs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @functools.wraps(compute)
    def shared(student, *key):
        function = getattr(student, "__wrapped__", student)  # the function, not its watcher
        try:
            mine = runs.setdefault(function, {})
        except TypeError:
            return compute(student, *key)
        if key not in mine:
            mine[key] = compute(student, *key)
        return mine[key]

    return shared


def _msg(what: str, given: str, problem: str) -> str:
    return f"{what}{' with ' + given if given else ''}: {problem}"


# ---------------------------------------------------------------- objects (torch modules, classes)
#
# Hidden tests drive student-defined objects only through these helpers (and by calling the
# object or its methods), so the same test works when the student's code runs in this process
# (plain nbgrader) and when it runs in a sandboxed process (autograder.engine.scheduler), where the
# object stays in the sandbox and the test holds a proxy.

def _is_remote(obj) -> bool:
    return hasattr(obj, "_sandbox")


def make(student, source: str):
    """Create an object where the student's code runs, from trusted Python source.

    ``source`` is an expression, or statements that assign ``result``; names available: np,
    torch, math. Example: ``model = make(student, "torch.nn.Linear(4, 2)")`` then
    ``student(model)``.
    """
    if _is_remote(student):
        return student._sandbox.make(source)
    from autograder.engine.wire import evaluate_source

    return evaluate_source(source)


def parameters(obj) -> list:
    """The object's ``parameters()`` as float64 numpy arrays, in order."""
    if _is_remote(obj):
        return obj._sandbox.parameters(obj)
    return [p.detach().cpu().double().numpy().copy() for p in obj.parameters()]


def n_trainable(obj) -> int:
    """Number of trainable parameters (``requires_grad``) of a torch module."""
    if _is_remote(obj):
        return obj._sandbox.n_trainable(obj)
    return int(sum(p.numel() for p in obj.parameters() if p.requires_grad))


def set_parameters(obj, arrays) -> bool:
    """Copy ``arrays`` into the object's parameters in ``parameters()`` order.

    Returns False (changing nothing) when the number or shapes do not match."""
    if _is_remote(obj):
        return obj._sandbox.set_parameters(obj, [np.asarray(a, dtype=np.float64) for a in arrays])
    import torch

    params = list(obj.parameters())
    if len(params) != len(arrays) or any(tuple(p.shape) != np.shape(a) for p, a in zip(params, arrays)):
        return False
    with torch.no_grad():
        for p, a in zip(params, arrays):
            p.copy_(torch.as_tensor(np.asarray(a), dtype=p.dtype))
    return True


def make_local(source: str):
    """The object ``source`` describes (as for :func:`make`), built here, in the grader's
    process: the trusted twin of an object made where the student's code runs."""
    from autograder.engine.wire import evaluate_source

    return evaluate_source(source)


def type_name(value) -> str:
    """The type name of a value a student's function returned, wherever it lives (an object
    kept in the sandbox is known by its name only)."""
    return getattr(value, "_remote_type", None) or type(value).__name__


def reference(chapter: str):
    """The reference module of a chapter (for helpers that are not given ``ref``)."""
    from autograder.engine import registry

    return registry.reference(chapter)


def in_sandbox(source: str):
    """A callable argument given as source (e.g. ``"lambda x: (x ** 2).sum()"``), so that it
    can be passed to the student's function wherever the student's code runs."""
    from autograder.engine.wire import Source

    return Source(source)


def companion(student, name: str):
    """The student's other function ``name`` (e.g. their ``mlp_forward`` when testing their
    ``mlp_backward``), wherever their code runs; None when they have none."""
    if _is_remote(student):
        from autograder.engine.remote import RemoteFunction

        sandbox = student._sandbox
        return RemoteFunction(sandbox, name) if name in sandbox.defined else None
    namespace = getattr(student, "__globals__", None)
    if isinstance(namespace, dict) and name in OWN_VERSIONS.get(id(namespace), {}):
        return OWN_VERSIONS[id(namespace)][name]  # stood in for by the correct one meanwhile
    found = namespace.get(name) if isinstance(namespace, dict) else None
    return found if callable(found) else None


# The student's own versions of the graded functions that the grader replaced with correct
# ones in a namespace while testing another function (autograder.engine.grading._providing), by
# id(namespace): a companion is always the student's own.
OWN_VERSIONS: dict[int, dict] = {}

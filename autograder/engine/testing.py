"""The public test API of hidden tests: a test registry (`Suite`), per-student fixtures, the
comparisons of :mod:`autograder.engine.compare`, the test kinds of :mod:`autograder.engine.kinds`
and the helpers that drive student objects wherever they live.

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

import numpy as np

from autograder.engine.compare import MAX_ELEMENTS as MAX_ELEMENTS
from autograder.engine.compare import Failure as Failure
from autograder.engine.compare import call_without_warnings as call_without_warnings
from autograder.engine.compare import describe as describe
from autograder.engine.compare import expect as expect
from autograder.engine.compare import expect_close as expect_close
from autograder.engine.compare import expect_equal as expect_equal
from autograder.engine.compare import expect_shape as expect_shape
from autograder.engine.compare import expect_unchanged as expect_unchanged
from autograder.engine.compare import to_array as to_array
from autograder.engine.compare import to_float as to_float
from autograder.engine.kinds import describe_call as describe_call
from autograder.engine.kinds import extreme_inputs as extreme_inputs
from autograder.engine.kinds import fresh_copies as fresh_copies
from autograder.engine.kinds import gradient_check as gradient_check
from autograder.engine.kinds import matches_reference as matches_reference
from autograder.engine.kinds import numerically_stable as numerically_stable
from autograder.engine.kinds import same_as_reference as same_as_reference


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
    written_answers: dict[str, float] = field(default_factory=dict)  # grade_id -> points

    def written(self, grade_id: str, points: float) -> None:
        """Declare a short written answer of the exercise, graded by hand in formgrader
        against the rubric in the solution notebook (``tools.nbsource.written_answer``): the
        engine records it as nbgrader does, 0 when the student left it untouched, else
        waiting for the instructor's grade."""
        if not grade_id.startswith("written_"):
            raise ValueError(f"a written answer's grade_id starts with written_: {grade_id!r}")
        self.written_answers[grade_id] = float(points)

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

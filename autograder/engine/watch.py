"""Does not modify its inputs: checked for every call of every graded function, in every test.

A graded function that writes into an array it was given (``z -= z.max()``, ``np.exp(z,
out=z)``) changes the caller's data: the classic bug of numpy code. Rather than a hand-written
"does not modify" test per function, :func:`grading.grade_function` hands each test the
student's function wrapped in :class:`Watched`: before each call, every numeric numpy array
among the arguments (at any depth of lists, tuples and dicts) is copied; after the call each
is compared with its copy. One bug, one penalty: a change costs one test, the function's "does
not modify its inputs" test (:attr:`testing.Test.checks_inputs`), where it fails with
"modified its input `name` in place; work on a copy", or, for a function without one, the
first test that saw it; the other tests only note it and check their values as usual.

The same happens wherever the student's code runs: in one process the arrays are the
student's own arguments; through the sandbox, ``remote.RemoteFunction`` copies in-place
changes of array arguments back (``wire.write_back``) before it returns, so the copies are
compared with what the student's code left. Objects that are not arrays (torch modules and
tensors, proxies of objects kept in the sandbox, data frames, callables) are neither copied
nor compared. A function whose job is to change an argument is declared in the chapter's
suite (``Suite.allow_in_place``) and that argument is not checked.

The same wrapper records what each call gave back (``Watched.calls``, :func:`behaviour`):
the values a test saw, which :mod:`autograder.engine.diagnosis` compares with those of the
bank's bugs.
"""
from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from autograder.engine.compare import Failure, expect_unchanged

MAX_DEPTH = 4         # lists of dicts of arrays, and no deeper
MAX_ARRAYS = 1_000    # arrays snapshotted per call; beyond that, the rest is not checked
MAX_CALLS = 200       # calls whose results are recorded per test
MAX_RECORDED = 1_000_000  # numbers kept of one result; a larger array is kept as its shape only
RAISED = ("raised",)
BEFORE_CALL: list[Callable[[], None]] = []  # run before every call while set (before_each_call)


def argument_names(reference_fn: Any) -> list[str]:
    """The names of the reference function's positional parameters (trusted, the same in
    one process and through the sandbox), used to name an argument in feedback."""
    try:
        params = inspect.signature(reference_fn).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in params
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def named_arguments(args: tuple, kwargs: dict, names: list[str]) -> Iterator[tuple[str, Any]]:
    """(name, value) for every argument of a call: positional ones by the reference's
    parameter names (``argument 3`` beyond them), keyword ones by their keyword."""
    for i, value in enumerate(args):
        yield (names[i] if i < len(names) else f"argument {i + 1}"), value
    yield from kwargs.items()


def arrays_in(value: Any, label: str, depth: int = 0) -> Iterator[tuple[str, np.ndarray]]:
    """Every numeric numpy array in ``value``, with a label that says where it is
    (``params['W1']``, ``grads[0]``), looking into lists, tuples and dicts only."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biufc":
            yield label, value
    elif depth >= MAX_DEPTH:
        return
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from arrays_in(item, f"{label}[{i}]", depth + 1)
    elif isinstance(value, dict):
        for key, item in list(value.items()):
            yield from arrays_in(item, f"{label}[{key!r}]", depth + 1)


def root_name(label: str) -> str:
    """The argument a label belongs to: ``params`` for ``params['W1']``."""
    return label.split("[", 1)[0]


class Watched:
    """The student's callable, checked for in-place changes of its array arguments at every
    call. Everything else (attributes such as a sandbox proxy's, the function's globals for
    ``testing.companion``) is the wrapped callable's; ``__wrapped__`` is the callable itself
    (per-student fixtures are keyed by it)."""

    def __init__(self, fn: Callable, what: str, names: list[str], allowed: frozenset[str]):
        self.__wrapped__, self._what, self._names, self._allowed = fn, what, names, allowed
        self.strict = True   # a change fails the call; else it is only noted in `observed`
        self.observed = ""   # the first change seen while not strict
        self.calls: list = []  # behaviour(result) of each call, in order (RAISED if it raised)

    def __call__(self, *args, **kwargs):
        snapshots = self._snapshot(args, kwargs)
        if BEFORE_CALL:
            BEFORE_CALL[-1]()
        try:
            out = self.__wrapped__(*args, **kwargs)
        except BaseException:
            self._record(RAISED)
            raise
        self._record(behaviour(out))
        for label, array, before in snapshots:
            try:
                expect_unchanged(before, array, self._what, label)
            except Failure as exc:
                if self.strict:
                    raise
                self.observed = self.observed or str(exc)
        return out

    def _snapshot(self, args: tuple, kwargs: dict) -> list[tuple[str, np.ndarray, np.ndarray]]:
        out: list[tuple[str, np.ndarray, np.ndarray]] = []
        for name, value in named_arguments(args, kwargs, self._names):
            if "*" in self._allowed or name in self._allowed:
                continue
            for label, array in arrays_in(value, name):
                if len(out) >= MAX_ARRAYS:
                    return out
                out.append((label, array, array.copy()))
        return out

    def _record(self, value) -> None:
        if len(self.calls) < MAX_CALLS:
            self.calls.append(value)

    def __getattr__(self, name: str):
        if name in ("__wrapped__", "_what", "_names", "_allowed", "strict", "observed", "calls"):
            raise AttributeError(name)
        return getattr(self.__wrapped__, name)

    def __repr__(self) -> str:
        return repr(self.__wrapped__)


@contextlib.contextmanager
def before_each_call(hook: Callable[[], None]) -> Iterator[None]:
    """Run ``hook`` before every call of a watched function, in this process, meanwhile
    (:func:`autograder.engine.diagnosis.bug_behaviour` re-seeds the global generators so)."""
    BEFORE_CALL.append(hook)
    try:
        yield
    finally:
        BEFORE_CALL.remove(hook)


def watched(fn: Callable, what: str, reference_fn: Any, allowed: frozenset[str]) -> Watched:
    """``fn`` checked for in-place changes of its inputs (all but the ``allowed`` argument
    names; ``"*"`` allows every one), its arguments named as ``reference_fn`` names them."""
    return Watched(fn, what, argument_names(reference_fn), allowed)


def unwrapped(fn: Any) -> Any:
    """The callable a :class:`Watched` wraps (``fn`` itself otherwise)."""
    return fn.__wrapped__ if isinstance(fn, Watched) else fn


def behaviour(value: Any, depth: int = 0) -> Any:
    """What a call gave back, as plain comparable data that is the same whether the student's
    code ran in this process or in the sandbox: numbers and arrays (torch tensors included, as
    the wire returns them) as float64 arrays, lists, tuples and dicts item by item, ``None`` as
    itself, and any other object (a torch module here, a proxy of an object kept in the sandbox
    there) as ``("object",)``: its type is not compared, since it differs between the two."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float, complex, np.generic, np.ndarray)) or _is_tensor(value):
        try:
            arr = value.detach().cpu().numpy() if _is_tensor(value) else np.asarray(value)
        except Exception:  # a tensor that cannot be read (e.g. a meta tensor): not compared
            return ("object",)
        if arr.dtype.kind not in "biufc":
            return ("object",)
        if arr.size > MAX_RECORDED:
            return ("array", arr.shape)
        return ("array", arr.shape, arr.astype(np.complex128 if arr.dtype.kind == "c"
                                                else np.float64))
    if depth >= MAX_DEPTH:
        return ("object",)
    if type(value) in (list, tuple):
        return (type(value).__name__, [behaviour(v, depth + 1) for v in value])
    if type(value) is dict:
        return ("dict", {str(k): behaviour(v, depth + 1) for k, v in value.items()})
    return ("object",)


def _is_tensor(value: Any) -> bool:
    """A torch tensor, told without touching the object (a sandbox proxy answers any
    attribute by asking the sandbox)."""
    kind = type(value)
    return kind.__module__.startswith("torch") and kind.__name__ in ("Tensor", "Parameter")

"""Comparisons that explain a failure: the student's value is converted to a plain float array
first (bounded: no more than :data:`MAX_ELEMENTS` values, so an object with a rigged ``__eq__``
or an ndarray subclass cannot fake a pass, and a huge value is never converted), then compared
with the expected one; a failure raises :class:`Failure` with a message that names the
function, describes the input (never a hidden input's values) and says expected vs actual.

Part of the public test API: chapters import these from :mod:`autograder.engine.testing`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.engine import text


class Failure(AssertionError):
    """A hidden test failed; the message is shown to the student."""


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


def _msg(what: str, given: str, problem: str) -> str:
    return f"{what}{' with ' + given if given else ''}: {problem}"

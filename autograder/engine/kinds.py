"""Kinds of hidden test that every chapter reuses, each a function a test body calls.

A chapter registers the test (its name, points and hint) and the body says which kind it is::

    @SUITE.test("softmax", points=1, hint="subtract the row maximum before exp")
    def stable_for_large_inputs(student, ref, rng):
        numerically_stable(student, ref.softmax, (extreme_inputs(rng),), what="softmax")

* :func:`matches_reference`: the student's output equals the reference's on inputs drawn
  at random, several times;
* :func:`same_as_reference`: the same on one given input;
* :func:`numerically_stable`: extreme inputs give finite outputs without numpy warnings,
  equal to the reference's;
* :func:`gradient_check`: an analytic gradient agrees with central finite differences.

"Does not modify its inputs" is not a kind a test calls: it is checked for every call of
every graded function (:mod:`autograder.engine.watch`). Inputs are described in feedback
(shape, dtype, range; see ``testing.describe``), never printed in full, and arguments are
named as the reference's signature names them.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

Inputs = Callable[[np.random.Generator], tuple[tuple, dict]]


# ---------------------------------------------------------------- describing and copying inputs

def describe_call(reference_fn: Any, args: tuple = (), kwargs: dict | None = None) -> str:
    """``z with shape (4, 5) (float64, values in [-3.1, 2.7]), axis=1``: each argument named
    as in the reference's signature; arrays and lists described, numbers and short strings
    shown."""
    from autograder.engine.compare import describe

    names = _parameter_names(reference_fn)
    parts = []
    for i, value in enumerate(args):
        name = names[i] if i < len(names) else f"argument {i + 1}"
        parts.append(_described(name, value, describe))
    parts.extend(_described(name, value, describe) for name, value in (kwargs or {}).items())
    return ", ".join(parts)


def _described(name: str, value: Any, describe: Callable[[Any], str]) -> str:
    """``alpha=0.1`` for a number or a short string, ``z with shape ...`` for the rest."""
    shown = isinstance(value, (bool, int, float, type(None))) or \
        (isinstance(value, str) and len(value) <= 40)
    return f"{name}={value!r}" if shown else f"{name} {describe(value)}"


def _parameter_names(fn: Any) -> list[str]:
    try:
        return list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return []


def fresh_copies(value: Any) -> Any:
    """``value`` with every numpy array copied (inside lists, tuples and dicts too), so that
    the student's call and the reference's never share an array. Other objects (torch
    modules, proxies of objects in the sandbox, callables) are passed as they are."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(fresh_copies(v) for v in value)
    if isinstance(value, dict):
        return {k: fresh_copies(v) for k, v in value.items()}
    return value


# ---------------------------------------------------------------- the kinds

def same_as_reference(student: Callable, reference_fn: Callable, args: tuple = (),
                      kwargs: dict | None = None, *, what: str, given: str | None = None,
                      rtol: float = 1e-4, atol: float = 1e-6,
                      warning_free: bool = False) -> np.ndarray:
    """The student's output on ``args, kwargs`` equals the reference's, entry by entry,
    ``|s - r| <= atol + rtol |r|`` (``testing.expect_close``), each side given its own
    copies of the inputs. With ``warning_free`` the student's call must also raise no numpy
    RuntimeWarning (overflow, division by zero, invalid value). Returns the student's
    output as a float array."""
    from autograder.engine.compare import call_without_warnings, expect_close

    kwargs = kwargs or {}
    given = describe_call(reference_fn, args, kwargs) if given is None else given
    mine, theirs = fresh_copies((args, kwargs)), fresh_copies((args, kwargs))
    if warning_free:
        out = call_without_warnings(student, *mine[0], what=what, given=given, **mine[1])
    else:
        out = student(*mine[0], **mine[1])
    return expect_close(out, reference_fn(*theirs[0], **theirs[1]), what, given, rtol, atol)


def matches_reference(student: Callable, reference_fn: Callable, inputs: Inputs,
                      rng: np.random.Generator, *, what: str, draws: int = 3,
                      rtol: float = 1e-4, atol: float = 1e-6) -> list[np.ndarray]:
    """Matches the reference on random inputs: ``draws`` times, ``inputs(rng)`` draws
    ``(args, kwargs)`` and the student's output must equal the reference's on them
    (:func:`same_as_reference`). A test's ``rng`` is seeded by its name, so every student
    gets the same draws. Returns the student's outputs."""
    outs = []
    for _ in range(draws):
        args, kwargs = inputs(rng)
        outs.append(same_as_reference(student, reference_fn, args, kwargs, what=what,
                                      rtol=rtol, atol=atol))
    return outs


def extreme_inputs(rng: np.random.Generator, size: int = 20, scale: float = 1e4) -> np.ndarray:
    """Values that break naive formulas: ``size`` uniform draws in [-scale, scale] and the
    landmarks -scale, -800, -50, 0, 50, 800, scale (``exp`` overflows float64 above ~709)."""
    return np.concatenate([rng.uniform(-scale, scale, size=size),
                           [-scale, -800.0, -50.0, 0.0, 50.0, 800.0, scale]])


def numerically_stable(student: Callable, reference_fn: Callable, args: tuple = (),
                       kwargs: dict | None = None, *, what: str, given: str | None = None,
                       rtol: float = 1e-4, atol: float = 1e-6) -> np.ndarray:
    """Numerically stable: on extreme inputs (e.g. :func:`extreme_inputs`, |z| up to 1e4)
    the student's function raises no numpy warning, returns only finite values and equals
    the reference. ``1 / (1 + exp(-z))`` fails it (``exp(1e4)`` overflows, with a
    warning, even where the final value would be right); the stable forms only ever
    exponentiate non-positive numbers."""
    from autograder.engine.compare import expect

    given = describe_call(reference_fn, args, kwargs) if given is None else given
    out = same_as_reference(student, reference_fn, args, kwargs, what=what, given=given,
                            rtol=rtol, atol=atol, warning_free=True)
    expect(bool(np.all(np.isfinite(out))), what, "returned inf or NaN", given)
    return out


def central_differences(forward: Callable[[np.ndarray], float], x: np.ndarray,
                        indices: list[tuple], h: float) -> np.ndarray:
    """``(f(x + h e_i) - f(x - h e_i)) / 2h`` at each index ``i``, on copies of ``x``."""
    out = []
    for i in indices:
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        out.append((float(forward(up)) - float(forward(down))) / (2.0 * h))
    return np.array(out)


def gradient_check(gradient: Any, forward: Callable[[np.ndarray], float], x: np.ndarray,
                   rng: np.random.Generator, *, what: str, given: str = "",
                   coordinates: int = 6, h: float = 1e-5, tolerance: float = 1e-4) -> np.ndarray:
    """The analytic gradient ``gradient`` (what the student's backward/grad function
    returned for the point ``x``) agrees with central finite differences of the scalar
    function ``forward`` (trusted code, e.g. the reference's loss) on ``coordinates``
    coordinates drawn at random:

        n_i = (f(x + h e_i) - f(x - h e_i)) / 2h,
        pass when |g_i - n_i| <= tolerance (|g_i| + |n_i|) + 1e-8 (1 + |f(x)|).

    The choice of ``h``: the error of central differences is the truncation
    ``h^2 |f'''| / 6`` plus the rounding ``eps |f| / h`` (eps = 2.2e-16 in float64); their sum
    is smallest near ``h = eps^(1/3) ~ 6e-6``, so ``h = 1e-5`` makes both about 1e-11 relative
    to f. The tolerance: a relative error of 1e-4 is seven orders of magnitude above that
    noise, and above what a float32 backward (about 1e-7) gets wrong, yet far below the
    error of a real bug (a missing factor, a transposed matrix, a wrong sign: order 1); the
    absolute term lets an exactly-zero gradient be matched by finite differences that are
    zero up to rounding. Returns the student's gradient as a float array."""
    from autograder.engine.compare import Failure, expect_shape

    x = np.asarray(x, dtype=np.float64)
    g = expect_shape(gradient, x.shape, what, given)
    flat = rng.choice(x.size, size=min(coordinates, x.size), replace=False)
    indices = [tuple(int(j) for j in np.unravel_index(int(k), x.shape)) for k in flat]
    numeric = central_differences(forward, x, indices, h)
    analytic = np.array([g[i] for i in indices])
    allowed = tolerance * (np.abs(analytic) + np.abs(numeric)) + 1e-8 * (1 + abs(float(forward(x))))
    bad = ~(np.abs(analytic - numeric) <= allowed)  # NaN fails too
    if bad.any():
        k = int(np.argmax(bad))
        raise Failure(f"{what}{' with ' + given if given else ''}: the gradient disagrees with "
                      f"finite differences in {int(bad.sum())} of {len(indices)} coordinates "
                      f"checked; at index {indices[k]}: yours {analytic[k]:.6g}, finite "
                      f"differences {numeric[k]:.6g}")
    return g

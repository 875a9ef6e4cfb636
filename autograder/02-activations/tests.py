"""Hidden tests for chapter 02-activations.

Each test gets (student, ref, rng): the student's function, the reference module and a seeded
generator. Every test checks returned values, so no test gives points to a function that
returns nonsense. The tests are kinds of the test library (``same_as_reference``,
``numerically_stable``): each call gets its own copies of the inputs, and every call of a graded
function is checked for in-place changes of its inputs, so the "does not modify" tests are calls
on fresh inputs whose values must match too.

``stuck_units`` (apply and decide) gets the pre-activations of a layer, shape (examples,
units), and must name the units that pass almost no learning signal back: dead ReLUs and
saturated sigmoid or tanh units (slope below 5 % of the activation's largest on every
example). Its inputs are built column by column, each column on a known side of the rule and
far from its threshold (none within 10 % of it in |z|), plus the breast-cancer biopsies through
random layers with seeds the notebook does not use. The written answer ``written_stuck_units``
is graded by hand against the rubric in the solution notebook.

Points per function (one per behaviour): sigmoid 5, sigmoid_grad 5, tanh_grad 5, relu 4,
relu_grad 4, leaky_relu 6, softmax 5, log_softmax 6, stuck_units 6; written answer 2 (by hand).
"""
from functools import lru_cache

import numpy as np

from autograder.engine.testing import (Failure, Suite, describe, expect, expect_close,
                                       extreme_inputs, numerically_stable, same_as_reference,
                                       to_array)

SUITE = Suite("02-activations")
SUITE.written("written_stuck_units", 2)

# inputs of several shapes, including a 0-d array (a single number stored as an array)
_SHAPES = ((), (7,), (2, 3, 4))


def _check_shapes(student, expected_fn, name, rng):
    for shape in _SHAPES:
        z = np.asarray(rng.normal(0, 2, size=shape))
        same_as_reference(student, expected_fn, (z,), what=name)


def _integer_inputs(rng):
    """Integer arrays (int64): a vector with zero and ties, and a matrix with repeated values."""
    return (np.arange(-6, 7), rng.integers(-8, 9, size=(3, 5)), np.array([[2, 2, -1], [0, 0, 0]]))


_INTEGER_HINT = ("an integer array z must give the values of the same numbers as floats: "
                 "convert first (np.asarray(z, dtype=float)); an output made with "
                 "np.zeros_like(z) or np.empty_like(z) is an integer array that truncates "
                 "the results")


def _check_integers(student, expected_fn, name, rng, **kwargs):
    for z in _integer_inputs(rng):
        given = (f"an integer array z {describe(z)}"
                 + "".join(f", {k}={v!r}" for k, v in kwargs.items()))
        same_as_reference(student, expected_fn, (z,), kwargs, what=name, given=given,
                          warning_free=True)


# ------------------------------------------------------------------ sigmoid
@SUITE.test("sigmoid", points=1, hint="sigma(z) = 1 / (1 + exp(-z)), applied elementwise")
def values_on_random_inputs(student, ref, rng):
    same_as_reference(student, ref.sigmoid, (rng.normal(0, 3, size=(4, 5)),), what="sigmoid")


@SUITE.test("sigmoid", points=1, hint="np.exp works on whole arrays of any shape")
def keeps_any_shape(student, ref, rng):
    for z in (np.array(0.5), rng.normal(size=7), rng.normal(size=(2, 3, 4))):
        same_as_reference(student, ref.sigmoid, (z,), what="sigmoid")


@SUITE.test("sigmoid", points=1,
            hint="for z < 0 use exp(z) / (1 + exp(z)), so exp never sees a large positive number")
def finite_and_warning_free_for_large_inputs(student, ref, rng):
    z = np.concatenate([rng.uniform(-1e4, 1e4, size=20), [-1e4, -800.0, 0.0, 800.0, 1e4]])
    numerically_stable(student, ref.sigmoid, (z,), what="sigmoid")


@SUITE.test("sigmoid", points=1, hint="build a new array instead of writing into z")
def does_not_modify_its_input(student, ref, rng):
    same_as_reference(student, ref.sigmoid, (rng.normal(size=(3, 3)),), what="sigmoid")


@SUITE.test("sigmoid", points=1, hint=_INTEGER_HINT)
def integer_inputs(student, ref, rng):
    _check_integers(student, ref.sigmoid, "sigmoid", rng)


# ------------------------------------------------------------------ sigmoid_grad
@SUITE.test("sigmoid_grad", points=1,
            hint="sigma'(z) = sigma(z) * (1 - sigma(z)); it equals 1/4 at z = 0 and is never larger")
def values_on_random_inputs(student, ref, rng):
    same_as_reference(student, ref.sigmoid_grad, (rng.normal(0, 3, size=(4, 5)),),
                      what="sigmoid_grad")


@SUITE.test("sigmoid_grad", points=1,
            hint="use only elementwise numpy operations, so a 0-d array stays 0-d and a 3-d "
                 "array stays 3-d")
def keeps_any_shape(student, ref, rng):
    _check_shapes(student, ref.sigmoid_grad, "sigmoid_grad", rng)


@SUITE.test("sigmoid_grad", points=1,
            hint="write the derivative in terms of a stable sigmoid; exp(-z) / (1 + exp(-z))**2 "
                 "overflows for large negative z")
def finite_and_warning_free_for_large_inputs(student, ref, rng):
    numerically_stable(student, ref.sigmoid_grad, (extreme_inputs(rng),), what="sigmoid_grad")


@SUITE.test("sigmoid_grad", points=1, hint="build a new array instead of writing into z")
def does_not_modify_its_input(student, ref, rng):
    same_as_reference(student, ref.sigmoid_grad, (rng.normal(size=(3, 3)),), what="sigmoid_grad")


@SUITE.test("sigmoid_grad", points=1, hint=_INTEGER_HINT)
def integer_inputs(student, ref, rng):
    _check_integers(student, ref.sigmoid_grad, "sigmoid_grad", rng)


# ------------------------------------------------------------------ tanh_grad
@SUITE.test("tanh_grad", points=1,
            hint="tanh'(z) = 1 - tanh(z)**2 (note the square); it equals 1 at z = 0")
def values_on_random_inputs(student, ref, rng):
    same_as_reference(student, ref.tanh_grad, (rng.normal(0, 2, size=(4, 5)),), what="tanh_grad")


@SUITE.test("tanh_grad", points=1, hint="np.tanh works elementwise on arrays of any shape")
def keeps_any_shape(student, ref, rng):
    _check_shapes(student, ref.tanh_grad, "tanh_grad", rng)


@SUITE.test("tanh_grad", points=1,
            hint="np.tanh saturates safely at +-1; 1 / np.cosh(z)**2 overflows for |z| > ~710")
def finite_and_warning_free_for_large_inputs(student, ref, rng):
    numerically_stable(student, ref.tanh_grad, (extreme_inputs(rng),), what="tanh_grad")


@SUITE.test("tanh_grad", points=1, hint="build a new array instead of writing into z")
def does_not_modify_its_input(student, ref, rng):
    same_as_reference(student, ref.tanh_grad, (rng.normal(size=(3, 3)),), what="tanh_grad")


@SUITE.test("tanh_grad", points=1, hint=_INTEGER_HINT)
def integer_inputs(student, ref, rng):
    _check_integers(student, ref.tanh_grad, "tanh_grad", rng)


# ------------------------------------------------------------------ relu
@SUITE.test("relu", points=1,
            hint="relu(z) = max(0, z) elementwise: negative entries become 0, positive ones "
                 "are kept unchanged (np.maximum, not np.max)")
def values_on_random_inputs(student, ref, rng):
    same_as_reference(student, ref.relu, (rng.normal(0, 3, size=(4, 5)),), what="relu")


@SUITE.test("relu", points=1, hint="np.maximum(z, 0) keeps the shape of z, even for a 0-d array")
def keeps_any_shape(student, ref, rng):
    _check_shapes(student, ref.relu, "relu", rng)


@SUITE.test("relu", points=1,
            hint="zeros stay 0 and large values pass through unchanged (no clipping)")
def exact_at_zero_and_large_inputs(student, ref, rng):
    z = np.concatenate([extreme_inputs(rng), [0.0, -0.0, 1e-8, -1e-8]])
    out = numerically_stable(student, ref.relu, (z,), what="relu")
    expect(np.all(out[z <= 0] == 0.0), "relu", "entries where z <= 0 are not exactly 0",
           f"z {describe(z)}")


@SUITE.test("relu", points=1,
            hint="np.maximum(z, 0) returns a new array; z[z < 0] = 0 writes into the caller's data")
def does_not_modify_its_input(student, ref, rng):
    same_as_reference(student, ref.relu, (rng.normal(size=(3, 3)),), what="relu")


# ------------------------------------------------------------------ relu_grad
@SUITE.test("relu_grad", points=1,
            hint="the slope of max(0, z) is 1 where z > 0 and 0 where z < 0; return floats")
def values_on_random_inputs(student, ref, rng):
    same_as_reference(student, ref.relu_grad, (rng.normal(0, 3, size=(4, 5)),), what="relu_grad")


@SUITE.test("relu_grad", points=1,
            hint="a comparison like z > 0 keeps the shape; convert the booleans with .astype(float)")
def keeps_any_shape(student, ref, rng):
    _check_shapes(student, ref.relu_grad, "relu_grad", rng)


@SUITE.test("relu_grad", points=1,
            hint="by this course's convention the derivative at exactly z == 0 is 0: use z > 0, "
                 "not z >= 0")
def exactly_zero_at_zero(student, ref, rng):
    z = np.concatenate([np.zeros(3), [-0.0, 1e-8, -1e-8, -1e4, 1e4], rng.normal(size=5)])
    same_as_reference(student, ref.relu_grad, (z,), what="relu_grad", rtol=0.0, atol=0.0,
                      given=f"z {describe(z)} (including exact zeros)", warning_free=True)


@SUITE.test("relu_grad", points=1, hint="build a new array instead of writing into z")
def does_not_modify_its_input(student, ref, rng):
    same_as_reference(student, ref.relu_grad, (rng.normal(size=(3, 3)),), what="relu_grad")


# ------------------------------------------------------------------ leaky_relu
@SUITE.test("leaky_relu", points=1,
            hint="leaky_relu(z) = z where z > 0 and alpha * z elsewhere; only negative "
                 "entries are scaled")
def values_with_the_default_alpha(student, ref, rng):
    same_as_reference(student, ref.leaky_relu, (rng.normal(0, 3, size=(4, 5)),), what="leaky_relu")


@SUITE.test("leaky_relu", points=1,
            hint="use the `alpha` argument in your formula, not the number 0.01")
def respects_the_alpha_argument(student, ref, rng):
    z = rng.normal(0, 3, size=(3, 4))
    for alpha in (0.0, 0.1, 0.3):
        same_as_reference(student, ref.leaky_relu, (z,), {"alpha": alpha}, what="leaky_relu")


@SUITE.test("leaky_relu", points=1, hint="np.where(z > 0, z, alpha * z) keeps any shape")
def keeps_any_shape(student, ref, rng):
    _check_shapes(student, ref.leaky_relu, "leaky_relu", rng)


@SUITE.test("leaky_relu", points=1,
            hint="large values pass through unchanged; large negative ones are only scaled")
def finite_and_warning_free_for_large_inputs(student, ref, rng):
    numerically_stable(student, ref.leaky_relu, (extreme_inputs(rng),), what="leaky_relu")
    numerically_stable(student, ref.leaky_relu, (extreme_inputs(rng),), {"alpha": 0.2},
                       what="leaky_relu")


@SUITE.test("leaky_relu", points=1, hint="build a new array instead of writing into z")
def does_not_modify_its_input(student, ref, rng):
    same_as_reference(student, ref.leaky_relu, (rng.normal(size=(3, 3)),), {"alpha": 0.1},
                      what="leaky_relu")


@SUITE.test("leaky_relu", points=1, hint=_INTEGER_HINT)
def integer_inputs(student, ref, rng):
    _check_integers(student, ref.leaky_relu, "leaky_relu", rng)


# ------------------------------------------------------------------ softmax
@SUITE.test("softmax", points=1, hint="exponentiate, then divide by the sum along `axis`")
def values_on_random_rows(student, ref, rng):
    same_as_reference(student, ref.softmax, (rng.normal(0, 2, size=(5, 6)),), what="softmax")
    v = rng.normal(0, 2, size=4)  # a single vector of class scores
    same_as_reference(student, ref.softmax, (v,), what="softmax")


@SUITE.test("softmax", points=1,
            hint="use keepdims=True when summing so the division broadcasts along `axis`")
def respects_the_axis_argument(student, ref, rng):
    z = rng.normal(size=(3, 4, 5))
    for axis in (0, 1, -1):
        same_as_reference(student, ref.softmax, (z,), {"axis": axis}, what="softmax")


@SUITE.test("softmax", points=1,
            hint="softmax(z) = softmax(z - max(z)): subtract the maximum before exp")
def stable_for_large_inputs(student, ref, rng):
    z = rng.uniform(-1e4, 1e4, size=(4, 8))
    out = numerically_stable(student, ref.softmax, (z,), what="softmax")
    expect(np.allclose(out.sum(-1), 1.0), "softmax", "rows do not sum to one", f"z {describe(z)}")


@SUITE.test("softmax", points=1, hint="build a new array instead of writing into z")
def does_not_modify_its_input(student, ref, rng):
    same_as_reference(student, ref.softmax, (rng.normal(size=(2, 5)),), what="softmax")


@SUITE.test("softmax", points=1, hint=_INTEGER_HINT)
def integer_inputs(student, ref, rng):
    _check_integers(student, ref.softmax, "softmax", rng)


# ------------------------------------------------------------------ log_softmax
@SUITE.test("log_softmax", points=1,
            hint="log softmax(z)_i = z_i - log(sum_j exp(z_j)), the sum taken along `axis`")
def values_on_random_rows(student, ref, rng):
    same_as_reference(student, ref.log_softmax, (rng.normal(0, 2, size=(5, 6)),),
                      what="log_softmax")
    same_as_reference(student, ref.log_softmax, (rng.normal(0, 2, size=4),), what="log_softmax")


@SUITE.test("log_softmax", points=1,
            hint="take the max and the sum along `axis` with keepdims=True so they broadcast back")
def respects_the_axis_argument(student, ref, rng):
    z = rng.normal(size=(3, 4, 5))
    for axis in (0, 1, -1):
        same_as_reference(student, ref.log_softmax, (z,), {"axis": axis}, what="log_softmax")


@SUITE.test("log_softmax", points=1,
            hint="np.log(softmax(z)) gives log(0) = -inf when one score is far below the "
                 "maximum: use z - m - log(sum(exp(z - m))) with m the maximum (log-sum-exp trick)")
def finite_and_warning_free_for_large_inputs(student, ref, rng):
    z = rng.uniform(-1e4, 1e4, size=(4, 8))
    numerically_stable(student, ref.log_softmax, (z,), what="log_softmax")
    spread = np.array([[0.0, 1000.0, -1000.0], [1e4, 1e4, -1e4]])  # hand-checkable extremes
    numerically_stable(student, ref.log_softmax, (spread,), what="log_softmax")


@SUITE.test("log_softmax", points=1,
            hint="build a new array instead of writing into z (z - m creates a new array; "
                 "z -= m does not)")
def does_not_modify_its_input(student, ref, rng):
    same_as_reference(student, ref.log_softmax, (rng.normal(size=(2, 5)),), what="log_softmax")


@SUITE.test("log_softmax", points=1,
            hint="log_softmax(z + c) = log_softmax(z) for any constant c added along `axis`")
def shift_invariant_and_normalised(student, ref, rng):
    z = rng.normal(0, 2, size=(4, 6))
    shifted = z + rng.uniform(-3e3, 3e3, size=(4, 1))
    given = f"z {describe(shifted)} (rows shifted by large constants)"
    out = same_as_reference(student, ref.log_softmax, (shifted,), what="log_softmax", given=given,
                            rtol=1e-4, atol=1e-3, warning_free=True)
    expect_close(out, ref.log_softmax(z), "log_softmax", given + ", compared with the unshifted rows",
                 rtol=1e-4, atol=1e-3)
    expect(np.allclose(np.exp(out).sum(-1), 1.0, atol=1e-3),
           "log_softmax", "exp(log_softmax) does not sum to one along the axis", given)


@SUITE.test("log_softmax", points=1,
            hint=_INTEGER_HINT + "; `out -= ...` into an integer array fails")
def integer_inputs(student, ref, rng):
    _check_integers(student, ref.log_softmax, "log_softmax", rng)


# ================================================================== stuck_units
# Apply and decide: which units of a layer can no longer learn. A unit (a column of Z) is stuck
# when its slope is below 5 % of the activation's largest slope on every example: |z| > 4.357
# for the sigmoid, |z| > 2.178 for tanh, z <= 0 for the ReLU. Each constructed column lies on a
# known side of that rule, with every |z| at least 10 % away from the threshold, and the columns
# that are not stuck are built to look stuck to one plausible wrong rule (the mean, a majority
# of examples, an absolute slope of 0.05, the output instead of the slope).
_EDGE = {"sigmoid": 4.357, "tanh": 2.178}


def _column(rng, n, lo, hi, signs="mixed"):
    """n pre-activations with |z| in [lo, hi]: of both signs, all positive or all negative."""
    size = rng.uniform(lo, hi, size=n)
    if signs == "mixed":
        sign = rng.permutation(np.resize([1.0, -1.0], n))
    else:
        sign = np.full(n, 1.0 if signs == "positive" else -1.0)
    return sign * size


def _with_few(rng, column, lo, hi):
    """column with 1 or 2 examples (at most 5 % of them) moved to |z| in [lo, hi]."""
    column = column.copy()
    rows = rng.choice(column.size, size=int(rng.integers(1, 3)), replace=False)
    column[rows] = np.sign(column[rows]) * rng.uniform(lo, hi, size=rows.size)
    return column


def _layer(rng, columns):
    """Stack (stuck?, column) pairs in a random order: Z and the indices of its stuck columns."""
    order = rng.permutation(len(columns))
    Z = np.column_stack([columns[j][1] for j in order])
    return Z, [i for i, j in enumerate(order) if columns[j][0]]


def _saturating_columns(rng, activation, n):
    edge = _EDGE[activation]
    far = (1.3 * edge, 3.0 * edge)
    cols = [(True, _column(rng, n, *far)),                  # high on some examples, low on others
            (True, _column(rng, n, *far, signs="positive")),
            (True, _column(rng, n, *far, signs="negative")),
            (True, _column(rng, n, 1.1 * edge, 1.25 * edge)),           # just past the edge
            (False, _with_few(rng, _column(rng, n, *far), 0.0, 0.5 * edge)),  # 1-2 examples live
            (False, _column(rng, n, 0.0, 0.8 * edge)),                  # mostly in the middle
            (False, _column(rng, n, 0.0, 3.0, signs="positive"))]
    if activation == "sigmoid":
        # slope above 5 % of 1/4 but below 0.05, output below 0.05 or above 0.95
        cols += [(False, _column(rng, n, 3.2, 0.9 * edge)),
                 (False, _column(rng, n, 3.2, 0.9 * edge, signs="negative"))]
    else:
        # slope below 5 % of 1 but above 5 % of 1/4 (the sigmoid's largest slope)
        cols += [(True, _column(rng, n, 1.1 * edge, 2.7)),
                 (True, _column(rng, n, 1.1 * edge, 2.7, signs="positive")),
                 # |tanh| above 0.95 on every example, but the slope still above 5 %
                 (False, _column(rng, n, 1.9, 0.9 * edge))]
    return cols


def _relu_columns(rng, n):
    negative = lambda: -rng.uniform(0.05, 4.0, size=n)
    with_zeros = negative()
    with_zeros[rng.choice(n, size=n // 4, replace=False)] = 0.0
    one_positive = negative()
    one_positive[rng.integers(n)] = rng.uniform(0.01, 0.5)
    few_positive = -rng.uniform(2.0, 5.0, size=n)
    few_positive[rng.choice(n, size=2, replace=False)] = rng.uniform(1.0, 3.0, size=2)
    return [(True, negative()), (True, np.zeros(n)), (True, with_zeros),
            (False, one_positive),                          # live on one example only
            (False, few_positive),                          # negative on average
            (False, rng.normal(0.0, 1.0, size=n)),
            (False, rng.uniform(0.1, 3.0, size=n))]


def _indices(got, given, n_units):
    """The student's answer as a sorted list of distinct ints, or a Failure that says why."""
    if np.asarray(got).dtype == bool and np.asarray(got).size:
        raise Failure(f"stuck_units with {given}: returned a True/False mask; expected the "
                      "indices of the stuck units (column numbers)")
    arr = to_array(got, "stuck_units").ravel()
    expect(np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)), "stuck_units",
           "returned values that are not whole numbers; expected column indices", given)
    expect(np.all((arr >= 0) & (arr < n_units)), "stuck_units",
           f"returned indices outside 0 .. {n_units - 1} (the units are the columns, counted "
           "from 0)", given)
    return sorted({int(v) for v in arr})


def _judge(student, ref, Z, activation, situation):
    given = (f"Z {describe(Z)}, activation={activation!r}"
             + (f" ({situation})" if situation else ""))
    got = _indices(student(Z.copy(), activation), given, Z.shape[1])
    expected = [int(j) for j in ref.stuck_units(Z, activation)]
    expect(got == expected, "stuck_units",
           f"named {len(got)} stuck units, expected {len(expected)}"
           + ("" if len(got) != len(expected) else " (not the same ones)"), given)
    return got


@SUITE.test("stuck_units", points=1,
            hint="a ReLU unit is dead when it outputs 0 on EVERY example: z <= 0 for every row "
                 "of its column (the slope at exactly 0 is 0); one positive example keeps it "
                 "alive")
def relu_units_that_never_fire_are_dead(student, ref, rng):
    for n in (40, 25):
        Z, _ = _layer(rng, _relu_columns(rng, n))
        _judge(student, ref, Z, "relu", "ReLU units, some never positive")


@SUITE.test("stuck_units", points=1,
            hint="compare each slope with 5 % of the sigmoid's largest slope, 1/4, not with 0.05; "
                 "judge the slope on every example, not the output or the mean input")
def sigmoid_units_saturated_on_every_example(student, ref, rng):
    for n in (40, 60):
        Z, _ = _layer(rng, _saturating_columns(rng, "sigmoid", n))
        _judge(student, ref, Z, "sigmoid", "sigmoid units, some saturated on both sides")


@SUITE.test("stuck_units", points=1,
            hint="tanh's largest slope is 1 (at z = 0), four times the sigmoid's; use tanh's own "
                 "derivative, and judge the slope, not how close tanh(z) is to -1 or 1")
def tanh_units_saturated_on_every_example(student, ref, rng):
    for n in (40, 60):
        Z, _ = _layer(rng, _saturating_columns(rng, "tanh", n))
        _judge(student, ref, Z, "tanh", "tanh units, some saturated on both sides")


@SUITE.test("stuck_units", points=1,
            hint="the rows of Z are the examples and the columns the units: a unit is stuck "
                 "when its whole column is, and the answer is the column numbers counted from "
                 "0, in increasing order (an empty array when no unit is stuck)")
def returns_the_stuck_columns_in_order(student, ref, rng):
    cases = [("relu", _layer(rng, _relu_columns(rng, 6))[0], "6 examples of 7 units"),
             ("tanh", _layer(rng, _saturating_columns(rng, "tanh", 8))[0],
              "8 examples of 10 units"),
             ("sigmoid", rng.normal(0.0, 1.0, size=(30, 12)), "no unit stuck"),
             ("relu", -rng.uniform(0.1, 2.0, size=(20, 9)), "every unit dead")]
    for activation, Z, situation in cases:
        given = f"Z {describe(Z)}, activation={activation!r} ({situation})"
        got = student(Z.copy(), activation)
        arr = to_array(got, "stuck_units").ravel() if np.asarray(got).dtype != bool else None
        _judge(student, ref, Z, activation, situation)
        expect(arr is not None and np.all(np.diff(arr) > 0), "stuck_units",
               "the indices are not in increasing order without repeats", given)


def _biopsy_layer(standardise, width, seed, shift):
    """Pre-activations (569 biopsies, width units) of a random layer on the breast-cancer
    measurements, raw or standardised, with weights ~ N(0, 1/30) and biases shifted by shift."""
    from sklearn.datasets import load_breast_cancer

    X = load_breast_cancer().data
    if standardise:
        X = (X - X.mean(0)) / X.std(0)
    gen = np.random.default_rng(seed)
    W = gen.normal(0.0, 1.0, size=(30, width)) / np.sqrt(30)
    return X @ W + gen.normal(shift, 0.1, size=width)


@lru_cache(maxsize=None)
def _biopsy_cases():
    """(activation, Z, situation) on the biopsies, each unit at least 1 % away from the rule's
    threshold in slope (a unit closer to it is left out), so that float32 cannot flip it."""
    cases = []
    for activation, standardise, shift, seed in (("sigmoid", False, 0.0, 2021),
                                                 ("tanh", False, 0.0, 2022),
                                                 ("sigmoid", True, -3.5, 2023),
                                                 ("relu", True, -3.0, 2024),
                                                 ("relu", False, 0.0, 2025)):
        Z = _biopsy_layer(standardise, 120, seed, shift)
        if activation == "relu":
            keep = np.abs(Z).min(axis=0) > 1e-3
        else:
            keep = np.abs(np.abs(Z).min(axis=0) - _EDGE[activation]) > 0.01
        cases.append((activation, Z[:, keep], ("standardised" if standardise else "raw")
                      + f" biopsy measurements, biases shifted by {shift:g}"))
    return cases


@SUITE.test("stuck_units", points=1,
            hint="on real pre-activations every part of the rule matters: the activation's own "
                 "slope, 5 % of its largest slope, and every example of a unit's column")
def breast_cancer_biopsies_through_random_layers(student, ref, rng):
    for activation, Z, situation in _biopsy_cases():
        _judge(student, ref, Z, activation, situation)


@SUITE.test("stuck_units", points=1,
            hint="only read Z: compute the slopes as a new array instead of changing the "
                 "caller's array")
def does_not_modify_its_input(student, ref, rng):
    for activation, columns in (("sigmoid", _saturating_columns(rng, "sigmoid", 20)),
                                ("relu", _relu_columns(rng, 20))):
        Z, _ = _layer(rng, columns)
        _judge(student, ref, Z, activation, "")

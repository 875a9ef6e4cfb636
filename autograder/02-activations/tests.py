"""Hidden tests for chapter 02-activations.

Each test gets (student, ref, rng): the student's function, the reference module and a seeded
generator. Every test checks returned values, so no test gives points to a function that
returns nonsense. The tests are kinds of the test library (``same_as_reference``,
``numerically_stable``): each call gets its own copies of the inputs, and every call of a graded
function is checked for in-place changes of its inputs, so the "does not modify" tests are calls
on fresh inputs whose values must match too.

Points per function (one per behaviour): sigmoid 5, sigmoid_grad 5, tanh_grad 5, relu 4,
relu_grad 4, leaky_relu 6, softmax 5, log_softmax 6.
"""
import numpy as np

from autograder.engine.testing import (Suite, describe, expect, expect_close, extreme_inputs,
                                       numerically_stable, same_as_reference)

SUITE = Suite("02-activations")

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

"""Hidden tests for chapter 01-neuron.

Each test gets (student, ref, rng): the student's function, the reference module and a seeded
generator. Every test checks returned values against the reference (or, for xor_network, against
the XOR truth table), so no test gives points to a function that returns nonsense. Inputs are
passed as copies, except in the dedicated "does not modify" tests.

``separability_verdict`` (apply and decide) gets perceptron runs, mostly real runs of the
reference ``train_perceptron`` on seeded data (separable clouds, overlapping clouds, XOR, the
chapter's biopsies with feature pairs and run lengths the notebook does not use), with margins
chosen so that each rule of the verdict (an error-free epoch, the bound (R / gamma)^2 with the
constant input in R, its exact value still allowed) decides a known answer. The written answer
``written_separability_verdict`` is graded by hand against the rubric in the solution notebook.

Points (one per behaviour): step 5, neuron 5, perceptron_update 6, train_perceptron 8,
xor_network 3, separability_verdict 6; written answer 2 (by hand).
"""
from functools import lru_cache

import numpy as np

from autograder.engine.testing import (Failure, Suite, describe, expect, expect_close, expect_equal,
                                expect_shape, expect_unchanged, in_sandbox, to_array, to_float)

SUITE = Suite("01-neuron")
SUITE.written("written_separability_verdict", 2)

BINARY_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_TARGETS = np.array([0.0, 1.0, 1.0, 0.0])
AND_TARGETS = np.array([0.0, 0.0, 0.0, 1.0])


# Activations handed to the student's `neuron`, as source so that they also cross into the
# sandboxed student process (autograder.engine.scheduler); in-process they are plain callables.
TANH = in_sandbox("lambda z: np.tanh(z)")
IDENTITY = in_sandbox("lambda z: z")
STEP = in_sandbox("lambda z: np.where(np.asarray(z, dtype=float) >= 0, 1.0, 0.0)")


def _threshold(z):
    """The step activation used to feed `neuron` and to evaluate networks (z >= 0 fires)."""
    return np.where(np.asarray(z, dtype=float) >= 0, 1.0, 0.0)


def _pair(out, what):
    """Unpack a (first, second) return value, or fail with an explanation."""
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        kind = type(out).__name__
        raise Failure(f"{what} should return a tuple (w_new, b_new); got {kind}"
                      + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""))
    return out


def _triple(out, what):
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        kind = type(out).__name__
        raise Failure(f"{what} should return a tuple (w, b, errors); got {kind}"
                      + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""))
    return out


def _separable(rng, n, d, margin=0.3):
    """n points in d dimensions, labelled by a random hyperplane, none closer than `margin`."""
    w_true = rng.normal(size=d)
    w_true /= np.linalg.norm(w_true)
    b_true = -np.median(rng.normal(size=(200, d)) @ w_true) + rng.normal(0, 0.2)
    X = np.empty((0, d))
    while len(X) < n:
        cand = rng.normal(size=(4 * n, d))
        keep = np.abs(cand @ w_true + b_true) > margin
        X = np.vstack([X, cand[keep]])
    X = X[:n]
    t = (X @ w_true + b_true >= 0).astype(float)
    return X, t


def _compare_training(out, expected, given, what="train_perceptron"):
    w, b, errors = _triple(out, what)
    w_ref, b_ref, errors_ref = expected
    err = to_array(errors, f"{what} (errors)")
    expect(err.ndim == 1, what, f"errors should be a 1-D list with one count per epoch, got "
                                f"shape {err.shape}", given)
    expect(len(err) == len(errors_ref), what,
           f"ran {len(err)} epochs (len(errors)), expected {len(errors_ref)}; errors start "
           f"{err[:4].astype(int).tolist()}, expected {list(errors_ref[:4])}", given)
    expect_equal(err, np.asarray(errors_ref, dtype=float), f"{what} (errors per epoch)", given)
    expect_close(w, w_ref, f"{what} (w)", given)
    expect_close(to_float(b, f"{what} (b)"), b_ref, f"{what} (b)", given)


# ------------------------------------------------------------------ step
@SUITE.test("step", points=1, hint="1.0 where z >= 0, 0.0 elsewhere, elementwise (np.where)")
def values_on_random_inputs(student, ref, rng):
    z = rng.normal(0, 2, size=(6, 5))
    expect_close(student(z.copy()), ref.step(z), "step", f"z {describe(z)}")


@SUITE.test("step", points=1,
            hint="at z = 0 exactly the neuron fires: use >= 0, not > 0 (and -0.0 counts as 0)")
def fires_at_exactly_zero(student, ref, rng):
    z = np.array([-1e-12, -0.0, 0.0, 1e-12, -3.0, 2.0])
    expect_close(student(z.copy()), ref.step(z), "step", f"z containing exact zeros {describe(z)}")


@SUITE.test("step", points=1, hint="work elementwise so any shape (a number, a vector, a 3-D "
                                   "array) comes back with the same shape")
def keeps_any_shape(student, ref, rng):
    for z in (np.array(0.7), np.array(-0.2), rng.normal(size=7), rng.normal(size=(2, 3, 4))):
        expect_close(student(z.copy()), ref.step(z), "step", f"z {describe(z)}")


@SUITE.test("step", points=1, hint="return floats 0.0/1.0 (e.g. np.where(z >= 0, 1.0, 0.0)), "
                                   "not booleans or ints, even when z holds integers")
def returns_floats_and_does_not_modify_z(student, ref, rng):
    for z in (np.array([-2, -1, 0, 1, 2]), rng.normal(size=(3, 4))):
        before = z.copy()
        out = student(z)
        expect_unchanged(before, z, "step", "z")
        dtype = getattr(out, "dtype", None) if not isinstance(out, float) else np.dtype(float)
        kind = getattr(dtype, "is_floating_point", None)
        floating = kind if isinstance(kind, bool) else (
            dtype is not None and np.dtype(dtype).kind == "f")
        expect(floating, "step", f"returned values of dtype {dtype}; expected a float array",
               f"z {describe(before)}")
        expect_close(out, ref.step(before), "step", f"z {describe(before)}")


@SUITE.test("step", points=1,
            hint="a plain Python number or a list has no .astype or .copy: convert z first "
                 "with np.asarray(z, dtype=float)")
def accepts_a_plain_number_and_a_list(student, ref, rng):
    for z in (0.0, -2.5, 3, [-1.0, 0.0, 2.0], [[0, -3], [4, -1]]):
        expect_close(student(z), ref.step(z), "step",
                     f"z = a plain Python {type(z).__name__}"
                     + (f" of {np.size(z)} numbers" if isinstance(z, list) else f" ({z!r})"))


# ------------------------------------------------------------------ neuron
@SUITE.test("neuron", points=1, hint="compute z = x @ w + b (a number), then return activation(z)")
def single_input_with_tanh(student, ref, rng):
    x, w, b = rng.normal(size=5), rng.normal(size=5), float(rng.normal())
    given = f"x {describe(x)}, w {describe(w)}, b (a float), activation=np.tanh"
    expect_close(student(x.copy(), w.copy(), b, TANH), ref.neuron(x, w, b, TANH),
                 "neuron", given)


@SUITE.test("neuron", points=1, hint="for a batch X (n, d), X @ w gives one pre-activation per "
                                     "row: the output has shape (n,)")
def batch_of_inputs(student, ref, rng):
    X, w, b = rng.normal(size=(8, 3)), rng.normal(size=3), float(rng.normal())
    given = f"x {describe(X)}, w {describe(w)}, b (a float), activation=np.tanh"
    out = student(X.copy(), w.copy(), b, TANH)
    expect_shape(out, (8,), "neuron", given)
    expect_close(out, ref.neuron(X, w, b, TANH), "neuron", given)


@SUITE.test("neuron", points=1, hint="add the bias before applying the activation: f(x @ w + b), "
                                     "not f(x @ w) + b")
def threshold_and_identity_activations(student, ref, rng):
    X, w = rng.normal(size=(10, 4)), rng.normal(size=4)
    b = 1.5
    for name, f in (("identity (lambda z: z)", IDENTITY), ("a step function", STEP)):
        given = f"x {describe(X)}, w {describe(w)}, b = 1.5, activation = {name}"
        expect_close(student(X.copy(), w.copy(), b, f), ref.neuron(X, w, b, f), "neuron", given)


@SUITE.test("neuron", points=1, hint="compute a new array; do not write into x or w")
def does_not_modify_its_inputs(student, ref, rng):
    X, w = rng.normal(size=(6, 3)), rng.normal(size=3)
    X_before, w_before = X.copy(), w.copy()
    out = student(X, w, -0.3, TANH)
    expect_unchanged(X_before, X, "neuron", "x")
    expect_unchanged(w_before, w, "neuron", "w")
    expect_close(out, ref.neuron(X_before, w_before, -0.3, TANH), "neuron",
                 f"x {describe(X_before)}, w {describe(w_before)}, b = -0.3, activation=np.tanh")


@SUITE.test("neuron", points=1,
            hint="a batch of one sample, x of shape (1, d), is still a batch: return shape (1,), "
                 "not a single number (do not squeeze; only x of shape (d,) gives a number)")
def a_batch_of_one_sample_keeps_its_batch_axis(student, ref, rng):
    X, w, b = rng.normal(size=(1, 4)), rng.normal(size=4), float(rng.normal())
    given = f"x {describe(X)} (a batch of one), w {describe(w)}, b (a float), activation=np.tanh"
    out = expect_shape(student(X.copy(), w.copy(), b, TANH), (1,), "neuron", given)
    expect_close(out, ref.neuron(X, w, b, TANH), "neuron", given)
    x = X[0]
    given = f"x {describe(x)} (one sample), w {describe(w)}, b (a float), activation=np.tanh"
    expect_close(student(x.copy(), w.copy(), b, TANH), ref.neuron(x, w, b, TANH), "neuron", given)


# ------------------------------------------------------------------ perceptron_update
@SUITE.test("perceptron_update", points=1,
            hint="a missed positive (t = 1, output 0) moves w towards x: w + lr * (t - o) * x")
def missed_positive_moves_towards_x(student, ref, rng):
    w, b = np.array([0.5, -1.0, 0.25]), -2.0
    x = np.array([1.0, 0.5, 2.0])  # z = 0.5 - 0.5 + 0.5 - 2 = -1.5 < 0: output 0
    given = f"w = {w.tolist()}, b = -2.0, x = {x.tolist()}, t = 1, lr = 0.5"
    w_new, b_new = _pair(student(w.copy(), b, x.copy(), 1, 0.5), "perceptron_update")
    w_ref, b_ref = ref.perceptron_update(w, b, x, 1, 0.5)
    expect_close(w_new, w_ref, "perceptron_update (w_new)", given)
    expect_close(to_float(b_new, "perceptron_update (b_new)"), b_ref,
                 "perceptron_update (b_new)", given)


@SUITE.test("perceptron_update", points=1,
            hint="a false positive (t = 0, output 1) moves w away from x: t - o = -1")
def false_positive_moves_away_from_x(student, ref, rng):
    w, b = np.array([1.0, 2.0]), 0.5
    x = np.array([0.5, 1.0])  # z = 0.5 + 2 + 0.5 = 3 >= 0: output 1
    given = f"w = {w.tolist()}, b = 0.5, x = {x.tolist()}, t = 0, lr = 0.25"
    w_new, b_new = _pair(student(w.copy(), b, x.copy(), 0, 0.25), "perceptron_update")
    w_ref, b_ref = ref.perceptron_update(w, b, x, 0, 0.25)
    expect_close(w_new, w_ref, "perceptron_update (w_new)", given)
    expect_close(to_float(b_new, "perceptron_update (b_new)"), b_ref,
                 "perceptron_update (b_new)", given)


@SUITE.test("perceptron_update", points=1,
            hint="a correctly classified sample changes nothing; at z = 0 the output is 1 "
                 "(step fires at z >= 0)")
def correct_samples_leave_weights_unchanged(student, ref, rng):
    cases = [  # (w, b, x, t): z < 0 with t = 0, z > 0 with t = 1, z == 0 exactly with t = 1
        (np.array([1.0, -1.0]), 0.0, np.array([0.0, 2.0]), 0),
        (np.array([1.0, -1.0]), 0.5, np.array([2.0, 0.0]), 1),
        (np.array([1.0, -1.0]), -1.0, np.array([2.0, 1.0]), 1),
    ]
    for w, b, x, t in cases:
        given = f"w = {w.tolist()}, b = {b}, x = {x.tolist()}, t = {t}, lr = 0.1"
        w_new, b_new = _pair(student(w.copy(), b, x.copy(), t, 0.1), "perceptron_update")
        w_ref, b_ref = ref.perceptron_update(w, b, x, t, 0.1)
        expect_close(w_new, w_ref, "perceptron_update (w_new)", given)
        expect_close(to_float(b_new, "perceptron_update (b_new)"), b_ref,
                     "perceptron_update (b_new)", given)


@SUITE.test("perceptron_update", points=1,
            hint="o = step(x @ w + b); the bias learns like a weight whose input is always 1: "
                 "b + lr * (t - o)")
def values_on_random_samples(student, ref, rng):
    for _ in range(20):
        d = int(rng.integers(1, 6))
        w, x = rng.normal(size=d), rng.normal(size=d)
        b, t, lr = float(rng.normal()), int(rng.integers(0, 2)), float(rng.uniform(0.01, 1))
        given = f"w {describe(w)}, b (a float), x {describe(x)}, t = {t}, lr = {lr:.3g}"
        w_new, b_new = _pair(student(w.copy(), b, x.copy(), t, lr), "perceptron_update")
        w_ref, b_ref = ref.perceptron_update(w, b, x, t, lr)
        expect_close(w_new, w_ref, "perceptron_update (w_new)", given)
        expect_close(to_float(b_new, "perceptron_update (b_new)"), b_ref,
                     "perceptron_update (b_new)", given)


@SUITE.test("perceptron_update", points=1,
            hint="`w += ...` changes the caller's array; write w_new = w + ... instead")
def does_not_modify_its_inputs(student, ref, rng):
    w, x = np.array([0.2, -0.4, 0.1]), np.array([-1.0, 1.0, 0.5])  # z = -0.45: output 0
    w_before, x_before = w.copy(), x.copy()
    out = student(w, 0.0, x, 1, 0.5)
    expect_unchanged(w_before, w, "perceptron_update", "w")
    expect_unchanged(x_before, x, "perceptron_update", "x")
    w_new, b_new = _pair(out, "perceptron_update")
    w_ref, b_ref = ref.perceptron_update(w_before, 0.0, x_before, 1, 0.5)
    given = f"w = {w_before.tolist()}, b = 0.0, x = {x_before.tolist()}, t = 1, lr = 0.5"
    expect_close(w_new, w_ref, "perceptron_update (w_new)", given)
    expect_close(to_float(b_new, "perceptron_update (b_new)"), b_ref,
                 "perceptron_update (b_new)", given)


@SUITE.test("perceptron_update", points=1,
            hint="w, x, b and t may be integers while lr is a fraction: build w_new from "
                 "w + lr * (t - o) * x (a new float array) rather than copying the integer w "
                 "and adding into the copy")
def integer_weights_and_inputs(student, ref, rng):
    for _ in range(6):
        d = int(rng.integers(2, 6))
        w, x = rng.integers(-3, 4, size=d), rng.integers(-2, 3, size=d)
        b, t, lr = int(rng.integers(-2, 3)), int(rng.integers(0, 2)), 0.25
        w_ref, b_ref = ref.perceptron_update(w, b, x, t, lr)
        if np.array_equal(w_ref, w):  # make sure the case needs an update
            t = 1 - t
            w_ref, b_ref = ref.perceptron_update(w, b, x, t, lr)
        given = (f"integer arrays w {describe(w)} and x {describe(x)}, integer b, t = {t}, "
                 f"lr = {lr}")
        w_new, b_new = _pair(student(w.copy(), b, x.copy(), t, lr), "perceptron_update")
        expect_close(w_new, w_ref, "perceptron_update (w_new)", given)
        expect_close(to_float(b_new, "perceptron_update (b_new)"), b_ref,
                     "perceptron_update (b_new)", given)


# ------------------------------------------------------------------ train_perceptron
@SUITE.test("train_perceptron", points=1,
            hint="start from w = zeros(d), b = 0; visit the samples in order; count an error "
                 "each time a visited sample is misclassified (that is, each update)")
def learns_the_and_gate(student, ref, rng):
    given = "X = the four binary inputs (4, 2), t = AND targets [0, 0, 0, 1], lr = 0.5"
    out = student(BINARY_INPUTS.copy(), AND_TARGETS.copy(), lr=0.5, epochs=50)
    _compare_training(out, ref.train_perceptron(BINARY_INPUTS, AND_TARGETS, lr=0.5, epochs=50),
                      given + ", epochs = 50")


@SUITE.test("train_perceptron", points=1,
            hint="errors[e] counts the mistakes made *while* visiting the samples of epoch e, "
                 "before later updates of the same epoch")
def matches_reference_on_separable_data(student, ref, rng):
    X, t = _separable(rng, 60, 3, margin=0.1)
    given = f"X {describe(X)}, t (60,) linearly separable 0/1 targets, lr = 0.1, epochs = 100"
    out = student(X.copy(), t.copy(), lr=0.1, epochs=100)
    _compare_training(out, ref.train_perceptron(X, t, lr=0.1, epochs=100), given)


@SUITE.test("train_perceptron", points=1,
            hint="stop right after the first epoch with 0 errors: that epoch's 0 is the last "
                 "entry of errors, and no epoch before it has 0 errors")
def stops_after_the_first_epoch_without_errors(student, ref, rng):
    X, t = _separable(rng, 25, 2, margin=0.5)
    given = f"X {describe(X)}, t (25,) linearly separable 0/1 targets, lr = 0.2, epochs = 100"
    w, b, errors = _triple(student(X.copy(), t.copy(), lr=0.2, epochs=100), "train_perceptron")
    err = to_array(errors, "train_perceptron (errors)").ravel()
    _, _, errors_ref = ref.train_perceptron(X, t, lr=0.2, epochs=100)
    expect(err.size > 0 and err[-1] == 0, "train_perceptron",
           "the last epoch should have 0 errors on separable data", given)
    expect(np.all(err[:-1] > 0), "train_perceptron",
           f"training went on after an epoch with 0 errors ({len(err)} epochs; errors start "
           f"{err[:6].astype(int).tolist()})",
           given)
    expect_equal(err, np.asarray(errors_ref, dtype=float), "train_perceptron (errors per epoch)",
                 given)
    pred = _threshold(X @ to_array(w, "train_perceptron (w)") + to_float(b, "train_perceptron (b)"))
    expect_equal(pred, t, "train_perceptron (predictions of the trained w, b on X)", given)


@SUITE.test("train_perceptron", points=1,
            hint="on data that no line separates (XOR) training never reaches 0 errors: run "
                 "exactly `epochs` epochs, one errors entry each")
def runs_all_epochs_on_xor(student, ref, rng):
    given = "X = the four binary inputs (4, 2), t = XOR targets [0, 1, 1, 0], lr = 0.5, epochs = 7"
    out = student(BINARY_INPUTS.copy(), XOR_TARGETS.copy(), lr=0.5, epochs=7)
    _compare_training(out, ref.train_perceptron(BINARY_INPUTS, XOR_TARGETS, lr=0.5, epochs=7),
                      given)


@SUITE.test("train_perceptron", points=1, hint="the defaults are lr=0.1 and epochs=100")
def uses_the_default_arguments(student, ref, rng):
    X, t = _separable(rng, 30, 2, margin=0.05)
    given = f"X {describe(X)}, t (30,) 0/1 targets, default lr and epochs"
    _compare_training(student(X.copy(), t.copy()), ref.train_perceptron(X, t), given)


@SUITE.test("train_perceptron", points=1,
            hint="do not write into X or t (no in-place centring or relabelling); make copies")
def does_not_modify_its_inputs(student, ref, rng):
    X, t = _separable(rng, 20, 4)
    X_before, t_before = X.copy(), t.copy()
    out = student(X, t, lr=0.1, epochs=100)
    expect_unchanged(X_before, X, "train_perceptron", "X")
    expect_unchanged(t_before, t, "train_perceptron", "t")
    given = f"X {describe(X_before)}, t (20,) 0/1 targets, lr = 0.1, epochs = 100"
    _compare_training(out, ref.train_perceptron(X_before, t_before, lr=0.1, epochs=100), given)


def _is_number(value) -> bool:
    """A plain number (Python or numpy scalar), not an array, a tensor or a bool."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))


@SUITE.test("train_perceptron", points=1,
            hint="return errors as a Python list with one int per epoch (errors.append(count) "
                 "with an integer count), and b as a single number, not an array")
def returns_a_list_of_int_counts_and_a_number_b(student, ref, rng):
    X, t = _separable(rng, 30, 3, margin=0.2)
    given = f"X {describe(X)}, t (30,) linearly separable 0/1 targets, lr = 0.1, epochs = 100"
    out = _triple(student(X.copy(), t.copy(), lr=0.1, epochs=100), "train_perceptron")
    w, b, errors = out
    expect(isinstance(errors, list), "train_perceptron",
           f"errors should be a list (one int per epoch), got {type(errors).__name__}", given)
    bad = [type(e).__name__ for e in errors
           if not isinstance(e, (int, np.integer)) or isinstance(e, (bool, np.bool_))]
    expect(not bad, "train_perceptron",
           f"errors should hold ints (counts of mistakes), found entries of type {bad[0]}"
           if bad else "", given)
    expect(_is_number(b), "train_perceptron",
           f"b should be a single number, got {type(b).__name__}"
           + (f" of shape {np.shape(b)}" if hasattr(b, "shape") else ""), given)
    _compare_training(out, ref.train_perceptron(X, t, lr=0.1, epochs=100), given)


@SUITE.test("train_perceptron", points=1,
            hint="X and t may hold integers (0/1 inputs and labels): start from float zeros, "
                 "np.zeros(d), not np.zeros_like(X[0]), which is an integer array that cannot "
                 "take the fractional updates lr * (t - o) * x")
def integer_inputs_and_targets(student, ref, rng):
    Xi = BINARY_INPUTS.astype(int)
    for targets, name in ((AND_TARGETS, "AND"), (np.array([0.0, 1.0, 1.0, 1.0]), "OR")):
        ti = targets.astype(int)
        given = (f"X = the four binary inputs as an integer array (4, 2), t = {name} targets "
                 f"as integers, lr = 0.3, epochs = 50")
        out = student(Xi.copy(), ti.copy(), lr=0.3, epochs=50)
        _compare_training(out, ref.train_perceptron(Xi, ti, lr=0.3, epochs=50), given)


# ------------------------------------------------------------------ xor_network
def _unpack_network(out):
    if not isinstance(out, (tuple, list)) or len(out) != 4:
        raise Failure("xor_network should return a tuple (W1, b1, W2, b2); got "
                      f"{type(out).__name__}"
                      + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""))
    W1 = to_array(out[0], "xor_network (W1)")
    b1 = to_array(out[1], "xor_network (b1)")
    W2 = to_array(out[2], "xor_network (W2)")
    b2 = to_array(out[3], "xor_network (b2)")
    return W1, b1, W2, b2


@SUITE.test("xor_network", points=1,
            hint="W1 has shape (2, h) (two inputs, h hidden units), b1 (h,), W2 (h,) and b2 "
                 "is a single number (not an array of shape (1,)); with exactly these shapes "
                 "step(step(X @ W1 + b1) @ W2 + b2) must be XOR")
def returns_weights_with_the_stated_shapes(student, ref, rng):
    W1, b1, W2, b2 = _unpack_network(student())
    expect(W1.ndim == 2 and W1.shape[0] == 2 and W1.shape[1] >= 1, "xor_network",
           f"W1 should have shape (2, h), got {W1.shape}")
    h = W1.shape[1]
    expect(b1.shape == (h,), "xor_network", f"b1 should have shape ({h},) to match W1 "
                                            f"{W1.shape}, got {b1.shape}")
    expect(W2.shape == (h,), "xor_network", f"W2 should have shape ({h},), got {W2.shape}")
    expect(b2.ndim == 0, "xor_network", f"b2 should be a single number, got shape {b2.shape}")
    expect(np.all(np.isfinite(W1)) and np.all(np.isfinite(b1)) and np.all(np.isfinite(W2))
           and np.all(np.isfinite(b2)), "xor_network", "weights should be finite numbers")
    # shapes alone earn nothing: with exactly these shapes the network must compute XOR
    out = _threshold(_threshold(BINARY_INPUTS @ W1 + b1) @ W2 + b2)
    expect_shape(out, (4,), "xor_network", "the four binary inputs (4, 2)")
    expect_equal(out, XOR_TARGETS, "xor_network (step(step(X @ W1 + b1) @ W2 + b2))",
                 "X = [[0, 0], [0, 1], [1, 0], [1, 1]], expected XOR = [0, 1, 1, 0]")


@SUITE.test("xor_network", points=2,
            hint="one hidden unit can compute OR, another AND; the output fires for "
                 "'OR and not AND' (step(z) fires at z >= 0)")
def computes_xor_on_the_four_inputs(student, ref, rng):
    W1, b1, W2, b2 = _unpack_network(student())
    try:
        hidden = _threshold(BINARY_INPUTS @ W1 + b1)
        out = _threshold(hidden @ W2.reshape(hidden.shape[1], -1) + b2.ravel())
    except ValueError as exc:
        raise Failure(f"xor_network: the weights do not fit together: {exc}") from None
    expect_equal(out.ravel(), XOR_TARGETS, "xor_network (step(step(X @ W1 + b1) @ W2 + b2))",
                 "X = [[0, 0], [0, 1], [1, 0], [1, 1]], expected XOR = [0, 1, 1, 0]")


# ------------------------------------------------------------------ separability_verdict
# Apply and decide: from a perceptron's run (its mistakes per epoch) and the inputs X, is the
# data set linearly separable? Each test's margins are chosen from the run's own total of
# mistakes, so that the answer is known and far from any rounding (except in the test of the
# exact bound, where all the numbers are exact in floating point).
VERDICTS = ("separable", "not separable", "undecided")


def _overlapping(rng, n, d, shift):
    """Two Gaussian clouds of n // 2 points each, centres `shift` apart: they overlap."""
    X = rng.normal(size=(n, d))
    t = (np.arange(n) % 2).astype(float)
    X[t == 1, 0] += shift
    order = rng.permutation(n)
    return X[order], t[order]


def _R2(X):
    return float(np.max(np.sum(np.asarray(X, dtype=float) ** 2, axis=1))) + 1.0


def _verdict(student, ref, X, errors, margin, situation):
    errors = [int(e) for e in errors]
    given = f"X {describe(X)}, errors of a {len(errors)}-epoch run ({situation})"
    got = student(X.copy(), list(errors), float(margin))
    expected = ref.separability_verdict(X, errors, margin)
    expect(isinstance(got, str), "separability_verdict",
           f"returned {type(got).__name__}; expected one of the strings "
           + ", ".join(repr(v) for v in VERDICTS), given)
    expect(got == expected, "separability_verdict",
           f"returned {got!r}, expected {expected!r}", given)


@SUITE.test("separability_verdict", points=1,
            hint="an epoch without a single mistake is a proof: its weights classify every "
                 "sample correctly, so answer 'separable' whatever the margin and the bound say "
                 "(check for it first)")
def separable_when_an_epoch_has_no_mistakes(student, ref, rng):
    cases = [(BINARY_INPUTS, AND_TARGETS, 1.0, "the AND gate, lr = 1")]
    for n, d in ((40, 2), (80, 3), (60, 5)):
        X, t = _separable(rng, n, d, margin=float(rng.uniform(0.02, 0.2)))
        cases.append((X, t, float(rng.uniform(0.05, 1.0)), "linearly separable data"))
    for X, t, lr, situation in cases:
        _, _, errors = ref.train_perceptron(X, t, lr=lr, epochs=1000)
        assert errors[-1] == 0
        total = sum(errors)
        # a margin so large that the run made more mistakes than its bound allows: the data
        # are separable, only with a smaller margin, and the error-free epoch proves it
        too_large = np.sqrt(_R2(X) / (total - 0.5)) if total > 1 else 2.0 * np.sqrt(_R2(X))
        for margin in (float(rng.uniform(1e-3, 1e-2)), too_large):
            _verdict(student, ref, X, errors, margin, situation)


@SUITE.test("separability_verdict", points=1,
            hint="without an error-free epoch, answer 'not separable' only when the run made "
                 "MORE mistakes in all (the sum over the epochs, not the number of epochs) than "
                 "the theorem allows, (R / gamma)^2")
def not_separable_when_the_mistakes_exceed_the_bound(student, ref, rng):
    runs = [(BINARY_INPUTS, XOR_TARGETS, 0.5, 40, "XOR")]
    for n, d in ((60, 2), (100, 3)):
        X, t = _overlapping(rng, n, d, shift=float(rng.uniform(0.5, 1.5)))
        runs.append((X, t, 0.1, int(rng.integers(30, 60)), "two overlapping clouds"))
    for X, t, lr, epochs, situation in runs:
        _, _, errors = ref.train_perceptron(X, t, lr=lr, epochs=epochs)
        assert min(errors) > 0
        total, R2 = sum(errors), _R2(X)
        # a bound between the number of epochs and the number of mistakes (about 3/4 of it)
        bound = max(len(errors) + 1.5, 0.75 * total)
        assert bound < total
        _verdict(student, ref, X, errors, np.sqrt(R2 / bound), situation)


@SUITE.test("separability_verdict", points=1,
            hint="a run without an error-free epoch proves nothing by itself: if it made at most "
                 "(R / gamma)^2 mistakes (R / gamma squared, a large number for a small margin), "
                 "it may simply be too short; answer 'undecided'")
def undecided_when_the_run_is_too_short(student, ref, rng):
    for n, d, epochs in ((60, 2, 5), (120, 4, 12), (40, 3, 25)):
        X, t = _overlapping(rng, n, d, shift=float(rng.uniform(0.5, 1.5)))
        _, _, errors = ref.train_perceptron(X, t, lr=0.1, epochs=epochs)
        total, R2 = sum(errors), _R2(X)
        # (R / gamma)^2 about twice the mistakes made, while R / gamma is far below them
        margin = np.sqrt(R2 / (2.0 * total))
        assert np.sqrt(R2) / margin < total < R2 / margin ** 2
        _verdict(student, ref, X, errors, margin, "two overlapping clouds, a short run")


@SUITE.test("separability_verdict", points=1,
            hint="R is measured on the augmented inputs x' = (x, 1): R^2 is the LARGEST "
                 "squared length ||x||^2 over the samples, plus 1 for the constant input of the "
                 "bias")
def measures_R_on_the_augmented_inputs(student, ref, rng):
    for n, d, scale in ((50, 2, 1.0), (80, 3, 0.4), (60, 2, 0.25)):
        X, t = _overlapping(rng, n, d, shift=1.0)
        X = scale * X
        _, _, errors = ref.train_perceptron(X, t, lr=0.1, epochs=int(rng.integers(20, 40)))
        total = sum(errors)
        largest = _R2(X) - 1.0
        # (largest + 1) / gamma^2 lies above the mistakes made, largest / gamma^2 below them
        margin = np.sqrt((largest + 0.5) / total)
        _verdict(student, ref, X, errors, margin, "two overlapping clouds")


@SUITE.test("separability_verdict", points=1,
            hint="the theorem allows AT MOST (R / gamma)^2 mistakes: exactly that many is still "
                 "possible on separable data (use >, not >=)")
def exactly_the_bound_is_still_allowed(student, ref, rng):
    # the largest input has ||x||^2 = 3, so R^2 = 4, and gamma = 0.5: the bound is exactly 16
    X = np.vstack([rng.uniform(-0.5, 0.5, size=(int(rng.integers(6, 12)), 3)),
                   [[1.0, -1.0, 1.0]]])[::-1]
    for errors in ([5, 4, 4, 3], [6, 5, 5, 1], [2] * 8, [3, 3, 3, 3, 3, 2]):
        _verdict(student, ref, X, errors, 0.5, "a run of exactly or one more than "
                                               "(R / gamma)^2 mistakes")


@lru_cache(maxsize=None)
def _biopsies(features):
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    cols = [list(data.feature_names).index(f) for f in features]
    X = data.data[:, cols]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, (data.target == 0).astype(float)


@lru_cache(maxsize=None)
def _biopsy_run(ref, features, epochs):
    X, t = _biopsies(features)
    return tuple(ref.train_perceptron(X, t, lr=0.1, epochs=epochs)[2])


@SUITE.test("separability_verdict", points=1,
            hint="on the biopsies, the same three rules: no error-free epoch, so compare the "
                 "total of all mistakes with (R / gamma)^2, R^2 = largest ||x||^2 + 1")
def reads_runs_on_the_biopsies(student, ref, rng):
    pairs = (("mean radius", "mean texture"), ("worst perimeter", "worst smoothness"),
             ("mean concave points", "worst texture"))
    for features in pairs:
        X, t = _biopsies(features)
        for epochs, margin in ((8, 0.05), (60, 0.1), (120, 0.2)):
            errors = list(_biopsy_run(ref, features, epochs))
            _verdict(student, ref, X, errors, margin,
                     f"the biopsies, features {features[0]!r} and {features[1]!r}")

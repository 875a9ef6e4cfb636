"""Hidden tests for chapter 03-backprop.

Each test gets (student, ref, rng): the student's function, the reference module and a seeded
generator. Every test checks returned values (numbers, arrays, dicts of arrays), so no test gives
points to a function that returns nonsense; inputs are passed as copies, and the "does not
modify" tests check the values as well as the inputs.

Two functions need more than their own arguments:

* ``mlp_backward`` consumes the ``cache`` of the student's *own* ``mlp_forward`` (its format is
  the student's choice). The cache is obtained by calling the student's ``mlp_forward`` (found
  next to ``mlp_backward``, see :func:`_student_forward`); the gradients are compared with the
  reference's full forward + backward pass.
* ``train_mlp`` is graded by the held-out accuracy of the parameters it returns, evaluated with
  the *reference* forward pass on digits it never saw, and by its wall time; and by its
  arguments: the same seed gives the same network and another seed another one, and with
  fewer samples than ``batch_size`` (one batch per epoch, so the shuffling does not matter) the
  result is exactly ``epochs`` full-batch gradient steps of size ``lr`` from the weights the
  student's own code returns with ``lr=0`` (whatever its initialisation).

Functions specified to return a float (``mse_loss``, ``cross_entropy``) must return a plain
number: a torch tensor, which arrives from the sandbox as a numpy array, or an array of shape
(1,) fails the same way in both modes.
"""
import copy
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from autograder.engine.testing import (Failure, Suite, call_without_warnings, describe, expect,
                                expect_close, expect_unchanged, in_sandbox, to_array, to_float,
                                companion, once_per_student)

SUITE = Suite("03-backprop")
KEYS = ("W1", "b1", "W2", "b2")


def _labels(rng, n, c):
    """Integer labels in 0..c-1 that use every class at least once when n >= c."""
    labels = rng.integers(0, c, size=n)
    labels[: min(n, c)] = np.arange(min(n, c))
    return rng.permutation(labels)


def _params(rng, d_in=5, hidden=7, d_out=4, bias_shift=0.0):
    return {"W1": rng.normal(0, 0.8, size=(d_in, hidden)),
            "b1": rng.normal(bias_shift, 0.5, size=hidden),
            "W2": rng.normal(0, 0.8, size=(hidden, d_out)),
            "b2": rng.normal(0, 0.5, size=d_out)}


def _describe_params(params):
    return "params {" + ", ".join(f"{k}: shape {np.shape(v)}" for k, v in params.items()) + "}"


def _expect_unchanged_params(before, after, what):
    if not isinstance(after, dict) or set(after) != set(before):
        raise Failure(f"{what} changed the keys of its input dict `params`; build a new dict")
    for k in before:
        expect_unchanged(before[k], np.asarray(after[k]), what, f"params['{k}']")


def _expect_param_dict(out, shapes, what, given):
    """A dict with exactly the keys of ``shapes``, each a numeric array of that shape."""
    if not isinstance(out, dict):
        raise Failure(f"{what} with {given}: expected a dict with keys {', '.join(shapes)}, "
                      f"got {type(out).__name__}")
    if set(out) != set(shapes):
        raise Failure(f"{what} with {given}: expected the keys {sorted(shapes)}, "
                      f"got {sorted(map(str, out))}")
    arrays = {}
    for k, shape in shapes.items():
        arr = to_array(out[k], f"{what}['{k}']")
        if arr.shape != tuple(shape):
            raise Failure(f"{what} with {given}: ['{k}'] should have shape {tuple(shape)} "
                          f"(the shape of params['{k}']), got {arr.shape}")
        arrays[k] = arr
    return arrays


def _expect_number(value, what, given):
    """The spec says "returns a float": a Python or numpy scalar, not an array or a tensor
    (a torch tensor arrives from the sandbox as a numpy array, so both are rejected alike)."""
    plain = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))
    if not plain:
        kind = type(value).__name__
        shape = getattr(value, "shape", None)
        raise Failure(f"{what} with {given}: should return a single float (e.g. float(loss)), "
                      f"got {kind}" + (f" of shape {tuple(shape)}" if shape is not None else ""))
    return float(value)


# ------------------------------------------------------------------ mse_loss
@SUITE.test("mse_loss", points=1, hint="square the differences, then take their mean")
def values_on_random_vectors(student, ref, rng):
    y_pred, y = rng.normal(size=10), rng.normal(size=10)
    got = to_float(student(y_pred.copy(), y.copy()), "mse_loss")
    expect_close(got, ref.mse_loss(y_pred, y), "mse_loss", f"y_pred {describe(y_pred)}")


@SUITE.test("mse_loss", points=1,
            hint="the mean is over *all* elements: divide by y.size, not by the number of rows")
def mean_over_all_elements_of_a_matrix(student, ref, rng):
    y_pred, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 3))
    got = to_float(student(y_pred.copy(), y.copy()), "mse_loss")
    expect_close(got, ref.mse_loss(y_pred, y), "mse_loss", f"y_pred {describe(y_pred)}")


@SUITE.test("mse_loss", points=1, hint="compute (y_pred - y) ** 2 into a new array")
def does_not_modify_its_inputs(student, ref, rng):
    y_pred, y = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    bp, by = y_pred.copy(), y.copy()
    got = to_float(student(y_pred, y), "mse_loss")
    expect_unchanged(bp, y_pred, "mse_loss", "y_pred")
    expect_unchanged(by, y, "mse_loss", "y")
    expect_close(got, ref.mse_loss(bp, by), "mse_loss", f"y_pred {describe(bp)}")


@SUITE.test("mse_loss", points=1,
            hint="return a plain float (float(np.mean(...))), not an array of shape (1,) or "
                 "(1, 1) (no keepdims) and not a torch tensor (use .item())")
def returns_a_python_float(student, ref, rng):
    for shape in ((12,), (6, 3)):
        y_pred, y = rng.normal(size=shape), rng.normal(size=shape)
        given = f"y_pred {describe(y_pred)}"
        got = _expect_number(student(y_pred.copy(), y.copy()), "mse_loss", given)
        expect_close(got, ref.mse_loss(y_pred, y), "mse_loss", given)


# ------------------------------------------------------------------ cross_entropy
@SUITE.test("cross_entropy", points=1,
            hint="loss_i = -log softmax(z_i)[y_i]; pick each row's entry with z[np.arange(n), labels]")
def values_on_random_logits(student, ref, rng):
    z, labels = rng.normal(0, 2, size=(6, 4)), _labels(rng, 6, 4)
    got = to_float(student(z.copy(), labels.copy()), "cross_entropy")
    expect_close(got, ref.cross_entropy(z, labels), "cross_entropy", f"logits {describe(z)}")


@SUITE.test("cross_entropy", points=1,
            hint="return the *mean* over the batch, not the sum: the loss must not grow with n")
def mean_over_a_large_batch(student, ref, rng):
    z, labels = rng.normal(0, 3, size=(200, 10)), _labels(rng, 200, 10)
    got = to_float(student(z.copy(), labels.copy()), "cross_entropy")
    expect_close(got, ref.cross_entropy(z, labels), "cross_entropy",
                 f"logits {describe(z)} (a batch of 200)")


@SUITE.test("cross_entropy", points=1,
            hint="use log-softmax = z - max - log(sum(exp(z - max))) instead of log(softmax(z))")
def stable_for_large_logits(student, ref, rng):
    z = rng.uniform(-1e4, 1e4, size=(5, 6))
    labels = _labels(rng, 5, 6)
    labels[0] = int(np.argmin(z[0]))  # a very confident mistake: loss ~ 1e4, softmax ~ 0
    given = f"logits {describe(z)}"
    out = call_without_warnings(student, z.copy(), labels.copy(), what="cross_entropy", given=given)
    got = to_float(out, "cross_entropy")
    expect(np.isfinite(got), "cross_entropy", f"returned {got}, expected a finite loss", given)
    expect_close(got, ref.cross_entropy(z, labels), "cross_entropy", given)


@SUITE.test("cross_entropy", points=1, hint="build new arrays instead of writing into logits")
def does_not_modify_its_inputs(student, ref, rng):
    z, labels = rng.normal(size=(5, 3)), _labels(rng, 5, 3)
    bz, bl = z.copy(), labels.copy()
    got = to_float(student(z, labels), "cross_entropy")
    expect_unchanged(bz, z, "cross_entropy", "logits")
    expect_unchanged(bl, labels, "cross_entropy", "labels")
    expect_close(got, ref.cross_entropy(bz, bl), "cross_entropy", f"logits {describe(bz)}")


@SUITE.test("cross_entropy", points=1,
            hint="return a plain float (float(...) of the mean), not an array of shape (1,) "
                 "and not a torch tensor (use .item())")
def returns_a_python_float(student, ref, rng):
    for n, c in ((7, 3), (1, 5)):
        z, labels = rng.normal(0, 2, size=(n, c)), _labels(rng, n, c)
        given = f"logits {describe(z)}"
        got = _expect_number(student(z.copy(), labels.copy()), "cross_entropy", given)
        expect_close(got, ref.cross_entropy(z, labels), "cross_entropy", given)


# ------------------------------------------------------------------ cross_entropy_grad
@SUITE.test("cross_entropy_grad", points=1,
            hint="dL/dz = (softmax(z) - one_hot(labels)) / n")
def values_on_random_logits(student, ref, rng):
    z, labels = rng.normal(0, 2, size=(6, 4)), _labels(rng, 6, 4)
    expect_close(student(z.copy(), labels.copy()), ref.cross_entropy_grad(z, labels),
                 "cross_entropy_grad", f"logits {describe(z)}")


@SUITE.test("cross_entropy_grad", points=1,
            hint="the loss is a mean over the batch, so every row of the gradient is divided by n")
def divides_by_the_batch_size(student, ref, rng):
    z, labels = rng.normal(0, 2, size=(64, 10)), _labels(rng, 64, 10)
    expect_close(student(z.copy(), labels.copy()), ref.cross_entropy_grad(z, labels),
                 "cross_entropy_grad", f"logits {describe(z)} (a batch of 64)")


@SUITE.test("cross_entropy_grad", points=1,
            hint="compute softmax after subtracting each row's maximum")
def stable_for_large_logits(student, ref, rng):
    z, labels = rng.uniform(-1e4, 1e4, size=(5, 6)), _labels(rng, 5, 6)
    given = f"logits {describe(z)}"
    out = call_without_warnings(student, z.copy(), labels.copy(), what="cross_entropy_grad",
                                given=given)
    expect_close(out, ref.cross_entropy_grad(z, labels), "cross_entropy_grad", given)


@SUITE.test("cross_entropy_grad", points=1,
            hint="copy before subtracting the one-hot: p = softmax(z) is a new array, z is not")
def does_not_modify_its_inputs(student, ref, rng):
    z, labels = rng.normal(size=(4, 3)), _labels(rng, 4, 3)
    bz, bl = z.copy(), labels.copy()
    out = student(z, labels)
    expect_unchanged(bz, z, "cross_entropy_grad", "logits")
    expect_unchanged(bl, labels, "cross_entropy_grad", "labels")
    expect_close(out, ref.cross_entropy_grad(bz, bl), "cross_entropy_grad", f"logits {describe(bz)}")


# ------------------------------------------------------------------ numerical_gradient
def _literal(a):
    """Source text of an array: exact, because repr of a Python float round-trips."""
    return f"np.array({np.asarray(a, dtype=float).tolist()!r})"


def _quadratic(rng, d):
    """f(x) = x.A.x / 2 + c.x as a callable that can run wherever the student's code runs,
    and its exact gradient (A + A^T) x / 2 + c."""
    A, c = rng.normal(size=(d, d)), rng.normal(size=d)
    f = in_sandbox(f"(lambda A, c: lambda x: 0.5 * float(x @ A @ x) + float(c @ x))"
                   f"({_literal(A)}, {_literal(c)})")
    return f, (lambda x: 0.5 * (A + A.T) @ x + c)


@SUITE.test("numerical_gradient", points=1,
            hint="g[k] = (f(x + eps e_k) - f(x - eps e_k)) / (2 eps), one entry k at a time")
def gradient_of_a_quadratic_form(student, ref, rng):
    f, grad = _quadratic(rng, 6)
    x = rng.normal(size=6)
    expect_close(student(f, x.copy()), grad(x), "numerical_gradient",
                 f"f(x) = x.A.x/2 + c.x and x {describe(x)}", atol=1e-5)


@SUITE.test("numerical_gradient", points=1,
            hint="loop over every entry of x whatever its shape (np.ndindex(x.shape), or x.flat)")
def works_for_a_matrix_argument(student, ref, rng):
    C = rng.normal(size=(3, 4))
    W = rng.normal(size=(3, 4))
    f = in_sandbox(f"(lambda C: lambda M: float(np.sum(np.sin(M) * C)))({_literal(C)})")
    expect_close(student(f, W.copy()), np.cos(W) * C, "numerical_gradient",
                 f"f(W) = sum(sin(W) * C) and W {describe(W)}", atol=1e-5)


@SUITE.test("numerical_gradient", points=1,
            hint="use *central* differences f(x + eps) - f(x - eps) over 2 eps, and the eps "
                 "you are given: forward differences have an error proportional to eps")
def central_differences_with_the_given_eps(student, ref, rng):
    f = in_sandbox("lambda x: float(np.sum(x ** 3))")
    x = rng.uniform(0.5, 2.0, size=5)
    # central differences of x^3 give exactly 3 x^2 + eps^2
    expect_close(student(f, x.copy(), eps=1e-2), 3 * x ** 2 + 1e-4,
                 "numerical_gradient", f"f(x) = sum(x**3), eps=1e-2 and x {describe(x)}",
                 rtol=1e-6, atol=1e-6)


@SUITE.test("numerical_gradient", points=1,
            hint="put every perturbed entry back (x[k] = old) or perturb a copy of x")
def leaves_x_unchanged(student, ref, rng):
    f, grad = _quadratic(rng, 5)
    x = rng.normal(size=5)
    before = x.copy()
    out = student(f, x)
    expect_unchanged(before, x, "numerical_gradient", "x")
    expect_close(out, grad(before), "numerical_gradient",
                 f"f(x) = x.A.x/2 + c.x and x {describe(before)}", atol=1e-5)


@SUITE.test("numerical_gradient", points=1,
            hint="x may hold integers: perturb and store in float arrays (np.array(x, "
                 "dtype=float), np.zeros(x.shape)); x + 1e-6 written into an integer copy of x, "
                 "or a gradient kept in np.zeros_like(x), is truncated")
def works_for_an_integer_x(student, ref, rng):
    f, grad = _quadratic(rng, 5)
    x = rng.integers(-3, 4, size=5)
    before = x.copy()
    given = f"f(x) = x.A.x/2 + c.x and an integer array x {describe(x)}"
    out = student(f, x)
    expect_unchanged(before, x, "numerical_gradient", "x")
    expect_close(out, grad(before.astype(float)), "numerical_gradient", given, atol=1e-5)


# ------------------------------------------------------------------ linear_forward
@SUITE.test("linear_forward", points=1, hint="x @ W + b; W has shape (d_in, d_out)")
def values_on_a_random_batch(student, ref, rng):
    x, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    expect_close(student(x.copy(), W.copy(), b.copy()), ref.linear_forward(x, W, b),
                 "linear_forward", f"x {describe(x)}, W {describe(W)}")


@SUITE.test("linear_forward", points=1, hint="b is broadcast to every row; do not forget it")
def adds_the_bias_to_every_row(student, ref, rng):
    x, W = rng.normal(size=(6, 2)), rng.normal(size=(2, 5))
    b = rng.normal(3.0, 1.0, size=5)
    expect_close(student(x.copy(), W.copy(), b.copy()), ref.linear_forward(x, W, b),
                 "linear_forward", f"x {describe(x)}, b {describe(b)}")


@SUITE.test("linear_forward", points=1, hint="return a new array; do not write into x")
def does_not_modify_its_inputs(student, ref, rng):
    x, W, b = rng.normal(size=(3, 3)), rng.normal(size=(3, 3)), rng.normal(size=3)
    copies = x.copy(), W.copy(), b.copy()
    out = student(x, W, b)
    for name, before, after in zip(("x", "W", "b"), copies, (x, W, b)):
        expect_unchanged(before, after, "linear_forward", name)
    expect_close(out, ref.linear_forward(*copies), "linear_forward", f"x {describe(copies[0])}")


# ------------------------------------------------------------------ linear_backward
def _linear_case(rng, n=5, d_in=3, d_out=4):
    return rng.normal(size=(n, d_out)), rng.normal(size=(n, d_in)), rng.normal(size=(d_in, d_out))


def _three(out, what):
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        raise Failure(f"{what} should return a tuple (dx, dW, db), got {type(out).__name__}"
                      + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""))
    return out


@SUITE.test("linear_backward", points=1, hint="dx = dout @ W.T, shape (n, d_in)")
def dx_values(student, ref, rng):
    dout, x, W = _linear_case(rng)
    dx = _three(student(dout.copy(), x.copy(), W.copy()), "linear_backward")[0]
    expect_close(dx, ref.linear_backward(dout, x, W)[0], "linear_backward: dx",
                 f"dout {describe(dout)}, x {describe(x)}, W {describe(W)}")


@SUITE.test("linear_backward", points=1,
            hint="dW = x.T @ dout has the shape of W, (d_in, d_out); check the transposes")
def dW_values(student, ref, rng):
    dout, x, W = _linear_case(rng)
    dW = _three(student(dout.copy(), x.copy(), W.copy()), "linear_backward")[1]
    expect_close(dW, ref.linear_backward(dout, x, W)[1], "linear_backward: dW",
                 f"dout {describe(dout)}, x {describe(x)}, W {describe(W)}")


@SUITE.test("linear_backward", points=1,
            hint="b is added to every row, so db = dout.sum(axis=0), shape (d_out,)")
def db_sums_over_the_batch(student, ref, rng):
    dout, x, W = _linear_case(rng, n=7, d_in=2, d_out=3)
    db = _three(student(dout.copy(), x.copy(), W.copy()), "linear_backward")[2]
    expect_close(db, ref.linear_backward(dout, x, W)[2], "linear_backward: db",
                 f"dout {describe(dout)}")


@SUITE.test("linear_backward", points=1,
            hint="compare with numerical_gradient of L = sum(linear_forward(x, W, b) * dout)")
def agrees_with_a_gradient_check_on_a_single_sample(student, ref, rng):
    dout, x, W = _linear_case(rng, n=1, d_in=4, d_out=2)
    b = rng.normal(size=2)
    given = f"a batch of one: dout {describe(dout)}, x {describe(x)}"
    dx, dW, db = _three(student(dout.copy(), x.copy(), W.copy()), "linear_backward")
    loss = lambda x_, W_, b_: float(np.sum((x_ @ W_ + b_) * dout))  # noqa: E731
    expect_close(dx, ref.numerical_gradient(lambda v: loss(v, W, b), x), "linear_backward: dx",
                 given, atol=1e-5)
    expect_close(dW, ref.numerical_gradient(lambda v: loss(x, v, b), W), "linear_backward: dW",
                 given, atol=1e-5)
    expect_close(db, ref.numerical_gradient(lambda v: loss(x, W, v), b), "linear_backward: db",
                 given, atol=1e-5)


@SUITE.test("linear_backward", points=1, hint="use new arrays; do not write into dout, x or W")
def does_not_modify_its_inputs(student, ref, rng):
    dout, x, W = _linear_case(rng)
    copies = dout.copy(), x.copy(), W.copy()
    out = _three(student(dout, x, W), "linear_backward")
    for name, before, after in zip(("dout", "x", "W"), copies, (dout, x, W)):
        expect_unchanged(before, after, "linear_backward", name)
    for name, got, exp in zip(("dx", "dW", "db"), out, ref.linear_backward(*copies)):
        expect_close(got, exp, f"linear_backward: {name}", f"dout {describe(copies[0])}")


# ------------------------------------------------------------------ mlp_forward
def _two(out, what, second="cache"):
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Failure(f"{what} should return a tuple (logits, {second}), got {type(out).__name__}")
    return out


@SUITE.test("mlp_forward", points=1,
            hint="logits = relu(X @ W1 + b1) @ W2 + b2; return (logits, cache)")
def logits_on_a_random_batch(student, ref, rng):
    params, X = _params(rng), rng.normal(size=(6, 5))
    logits = _two(student(copy.deepcopy(params), X.copy()), "mlp_forward")[0]
    expect_close(logits, ref.mlp_forward(params, X)[0], "mlp_forward: logits",
                 f"X {describe(X)}, {_describe_params(params)}")


@SUITE.test("mlp_forward", points=1,
            hint="the hidden layer is ReLU(X @ W1 + b1): negative pre-activations become 0")
def applies_relu_in_the_hidden_layer(student, ref, rng):
    params, X = _params(rng, d_in=8, hidden=20, d_out=3, bias_shift=-1.0), rng.normal(size=(10, 8))
    logits = _two(student(copy.deepcopy(params), X.copy()), "mlp_forward")[0]
    expect_close(logits, ref.mlp_forward(params, X)[0], "mlp_forward: logits",
                 f"X {describe(X)}, many negative hidden pre-activations")


@SUITE.test("mlp_forward", points=1, hint="read params, never assign into it or its arrays")
def does_not_modify_params_or_X(student, ref, rng):
    params, X = _params(rng), rng.normal(size=(4, 5))
    p_before, x_before = copy.deepcopy(params), X.copy()
    logits = _two(student(params, X), "mlp_forward")[0]
    _expect_unchanged_params(p_before, params, "mlp_forward")
    expect_unchanged(x_before, X, "mlp_forward", "X")
    expect_close(logits, ref.mlp_forward(p_before, x_before)[0], "mlp_forward: logits",
                 f"X {describe(x_before)}")


# ------------------------------------------------------------------ mlp_backward
def _student_forward(student, ref):
    """The student's mlp_forward: the one defined next to their mlp_backward, in the sandboxed
    student process (engine) or in the notebook's globals (plain nbgrader). Falls back to the
    reference only when there is none (e.g. a bare stub in the tests of the tests)."""
    return companion(student, "mlp_forward") or ref.mlp_forward


def _student_cache(student, ref, params, X):
    """The cache that the student's mlp_forward returns for (params, X)."""
    forward = _student_forward(student, ref)
    try:
        out = forward(copy.deepcopy(params), X.copy())
    except Exception as forward_error:  # noqa: BLE001 - the student's forward failed
        if isinstance(forward_error, NotImplementedError):
            problem = "is not implemented yet: implement mlp_forward first"
        else:
            problem = f"raised {type(forward_error).__name__}: {forward_error}"
        raise Failure("mlp_backward is tested on the cache returned by your mlp_forward, which "
                      + problem) from None
    return _two(out, "mlp_forward (needed to test mlp_backward)")[1]


def _backward_case(student, ref, params, X, dlogits):
    """(student's grads, reference grads): the student's backward on their forward's cache."""
    cache = _student_cache(student, ref, params, X)
    got = student(copy.deepcopy(params), cache, dlogits.copy())
    _, ref_cache = ref.mlp_forward(params, X)
    return got, ref.mlp_backward(params, ref_cache, dlogits)


def _shapes(params):
    return {k: np.shape(v) for k, v in params.items()}


@SUITE.test("mlp_backward", points=1,
            hint="return a dict with keys W1, b1, W2, b2; each gradient has its parameter's shape")
def returns_a_gradient_for_every_parameter(student, ref, rng):
    params, X = _params(rng), rng.normal(size=(6, 5))
    dlogits = rng.normal(size=(6, 4))
    got, exp = _backward_case(student, ref, params, X, dlogits)
    given = f"X {describe(X)}, {_describe_params(params)}"
    arrays = _expect_param_dict(got, _shapes(params), "mlp_backward", given)
    expect_close(arrays["b2"], exp["b2"], "mlp_backward: grads['b2']", given)


@SUITE.test("mlp_backward", points=1,
            hint="the output layer is linear_backward(dlogits, H, W2) with H = relu(Z1)")
def output_layer_gradients(student, ref, rng):
    params, X = _params(rng), rng.normal(size=(6, 5))
    dlogits = rng.normal(size=(6, 4))
    got, exp = _backward_case(student, ref, params, X, dlogits)
    given = f"X {describe(X)}, dlogits {describe(dlogits)}"
    arrays = _expect_param_dict(got, _shapes(params), "mlp_backward", given)
    for k in ("W2", "b2"):
        expect_close(arrays[k], exp[k], f"mlp_backward: grads['{k}']", given)


@SUITE.test("mlp_backward", points=1,
            hint="dZ1 = (dlogits @ W2.T) * (Z1 > 0): the ReLU blocks the gradient where Z1 <= 0")
def hidden_layer_gradients_through_the_relu(student, ref, rng):
    params = _params(rng, d_in=6, hidden=12, d_out=3, bias_shift=-0.5)
    X, dlogits = rng.normal(size=(8, 6)), rng.normal(size=(8, 3))
    got, exp = _backward_case(student, ref, params, X, dlogits)
    given = f"X {describe(X)}, dlogits {describe(dlogits)}"
    arrays = _expect_param_dict(got, _shapes(params), "mlp_backward", given)
    for k in ("W1", "b1"):
        expect_close(arrays[k], exp[k], f"mlp_backward: grads['{k}']", given)


@SUITE.test("mlp_backward", points=1,
            hint="check every gradient against numerical_gradient of the mean cross-entropy")
def gradients_of_the_cross_entropy_on_digit_sized_inputs(student, ref, rng):
    params = {"W1": rng.normal(0, 0.2, size=(64, 16)), "b1": rng.normal(0, 0.1, size=16),
              "W2": rng.normal(0, 0.3, size=(16, 10)), "b2": np.zeros(10)}
    X = rng.uniform(0, 1, size=(12, 64))
    labels = _labels(rng, 12, 10)
    dlogits = ref.cross_entropy_grad(ref.mlp_forward(params, X)[0], labels)
    got, exp = _backward_case(student, ref, params, X, dlogits)
    given = f"X {describe(X)}, dlogits = cross_entropy_grad of 10 classes"
    arrays = _expect_param_dict(got, _shapes(params), "mlp_backward", given)
    for k in KEYS:
        expect_close(arrays[k], exp[k], f"mlp_backward: grads['{k}']", given)


@SUITE.test("mlp_backward", points=1, hint="build new arrays; do not write into params or dlogits")
def does_not_modify_params_or_dlogits(student, ref, rng):
    params, X = _params(rng), rng.normal(size=(5, 5))
    dlogits = rng.normal(size=(5, 4))
    cache = _student_cache(student, ref, params, X)
    p_before, d_before = copy.deepcopy(params), dlogits.copy()
    got = student(params, cache, dlogits)
    _expect_unchanged_params(p_before, params, "mlp_backward")
    expect_unchanged(d_before, dlogits, "mlp_backward", "dlogits")
    exp = ref.mlp_backward(p_before, ref.mlp_forward(p_before, X)[1], d_before)
    arrays = _expect_param_dict(got, _shapes(p_before), "mlp_backward", f"X {describe(X)}")
    for k in KEYS:
        expect_close(arrays[k], exp[k], f"mlp_backward: grads['{k}']", f"X {describe(X)}")


@SUITE.test("mlp_backward", points=1,
            hint="where a hidden pre-activation is exactly 0 the ReLU passes no gradient "
                 "(its derivative is taken as 0 there, as in relu_grad and torch): mask with "
                 "Z1 > 0, not Z1 >= 0")
def relu_blocks_the_gradient_where_z1_is_exactly_zero(student, ref, rng):
    params = _params(rng, d_in=5, hidden=8, d_out=3)
    params["b1"][::2] = 0.0       # units whose pre-activation is exactly 0 on a zero input
    X = rng.normal(size=(7, 5))
    X[[1, 4]] = 0.0               # two all-zero samples (blank pixels, silent genes)
    dlogits = rng.normal(size=(7, 3))
    got, exp = _backward_case(student, ref, params, X, dlogits)
    given = (f"X {describe(X)} with all-zero rows and b1 zero in some units, so that some "
             "pre-activations Z1 are exactly 0")
    arrays = _expect_param_dict(got, _shapes(params), "mlp_backward", given)
    for k in KEYS:
        expect_close(arrays[k], exp[k], f"mlp_backward: grads['{k}']", given)


# ------------------------------------------------------------------ sgd_step
def _grads(rng, params):
    return {k: rng.normal(size=np.shape(v)) for k, v in params.items()}


@SUITE.test("sgd_step", points=1, hint="new[k] = params[k] - lr * grads[k]: step *against* the gradient")
def values_of_one_step(student, ref, rng):
    params = _params(rng)
    grads = _grads(rng, params)
    got = student(copy.deepcopy(params), copy.deepcopy(grads), 0.1)
    given = f"lr=0.1, {_describe_params(params)}"
    arrays = _expect_param_dict(got, _shapes(params), "sgd_step", given)
    exp = ref.sgd_step(params, grads, 0.1)
    for k in KEYS:
        expect_close(arrays[k], exp[k], f"sgd_step: ['{k}']", given)


@SUITE.test("sgd_step", points=1, hint="update every key of params, whatever its name")
def any_keys_and_learning_rate(student, ref, rng):
    params = {"w": rng.normal(size=(3, 2)), "bias": rng.normal(size=2), "gain": rng.normal(size=())}
    grads = _grads(rng, params)
    for lr in (0.5, 1e-3):
        got = student(copy.deepcopy(params), copy.deepcopy(grads), lr)
        given = f"lr={lr}, params with keys {sorted(params)}"
        arrays = _expect_param_dict(got, _shapes(params), "sgd_step", given)
        exp = ref.sgd_step(params, grads, lr)
        for k in params:
            expect_close(arrays[k], exp[k], f"sgd_step: ['{k}']", given)


@SUITE.test("sgd_step", points=1,
            hint="return a new dict of new arrays: params[k] - lr * grads[k] (not -=, which "
                 "writes into the caller's arrays)")
def does_not_modify_params_or_grads(student, ref, rng):
    params = _params(rng)
    grads = _grads(rng, params)
    p_before, g_before = copy.deepcopy(params), copy.deepcopy(grads)
    got = student(params, grads, 0.05)
    _expect_unchanged_params(p_before, params, "sgd_step")
    for k in KEYS:
        expect_unchanged(g_before[k], grads[k], "sgd_step", f"grads['{k}']")
    arrays = _expect_param_dict(got, _shapes(p_before), "sgd_step", "lr=0.05")
    exp = ref.sgd_step(p_before, g_before, 0.05)
    for k in KEYS:
        expect_close(arrays[k], exp[k], f"sgd_step: ['{k}']", "lr=0.05")


# ------------------------------------------------------------------ train_mlp
TIME_LIMIT = 60.0  # seconds for one call with the default arguments
N_TRAIN = 1344     # 42 full mini-batches of 32
_SPLIT_SEED = 3    # the grader's split; the exercise notebook uses another one
_DATA = {}


def _digits():
    """Stratified, seeded split of scikit-learn's digits, pixels scaled to [0, 1]."""
    if not _DATA:
        bunch = load_digits()
        X, y = bunch.data.astype(np.float64) / 16.0, bunch.target.astype(np.int64)
        _DATA["split"] = train_test_split(X, y, train_size=N_TRAIN, stratify=y,
                                          random_state=_SPLIT_SEED)
    X_train, X_test, y_train, y_test = _DATA["split"]
    return X_train.copy(), y_train.copy(), X_test, y_test


@once_per_student
def _trained(student):
    """(params, seconds, exception, (X, y) as passed) of student(X_train, y_train) with default
    arguments. Computed once per student function, shared by the accuracy tests and the
    "does not modify" test (which compares the arrays passed with fresh copies)."""
    X_train, y_train, _, _ = _digits()
    clock_start = time.perf_counter()
    try:
        result = (student(X_train, y_train), time.perf_counter() - clock_start, None,
                  (X_train, y_train))
    except Exception as train_error:  # noqa: BLE001 - re-raised by each test that needs it
        result = (None, time.perf_counter() - clock_start, train_error, (X_train, y_train))
    return result


def _held_out_accuracy(student, ref, run=None):
    params, seconds, exc, _ = run or _trained(student)
    if exc is not None:
        raise exc
    X_train, _, X_test, y_test = _digits()
    given = f"X_train {describe(X_train)} (digits), default arguments"
    shapes = {"W1": (64, 64), "b1": (64,), "W2": (64, 10), "b2": (10,)}
    arrays = _expect_param_dict(params, shapes, "train_mlp", given)
    expect(seconds <= TIME_LIMIT, "train_mlp",
           f"training took {seconds:.0f} s, more than the {TIME_LIMIT:.0f} s allowed", given)
    logits = ref.mlp_forward(arrays, X_test)[0]
    expect(np.all(np.isfinite(logits)), "train_mlp",
           "the returned parameters give non-finite logits (did the training diverge?)", given)
    return float(np.mean(np.argmax(logits, axis=1) == y_test)), given


@SUITE.test("train_mlp", points=1,
            hint="W1 is (n_features, hidden), b1 (hidden,), W2 (hidden, n_classes), b2 (n_classes,)"
                 " with n_classes = y.max() + 1; use the `hidden` argument")
def returns_parameters_of_the_right_shapes(student, ref, rng):
    X_train, y_train, _, _ = _digits()
    X, y = X_train[:320], y_train[:320]
    given = f"X {describe(X)}, hidden=16, epochs=2"
    params = student(X.copy(), y.copy(), hidden=16, epochs=2)
    arrays = _expect_param_dict(params, {"W1": (64, 16), "b1": (16,), "W2": (16, 10), "b2": (10,)},
                                "train_mlp", given)
    for k in KEYS:
        expect(np.all(np.isfinite(arrays[k])), "train_mlp", f"['{k}'] has non-finite values", given)
    expect(np.any(arrays["W1"] != 0) and np.any(arrays["W2"] != 0), "train_mlp",
           "the weights are all zero: initialise them with small random numbers", given)
    # the number of classes is y.max() + 1, even when some class is absent from y
    keep = y != 4
    given = f"X {describe(X[keep])} and labels 0..9 without any 4, hidden=16, epochs=1"
    params = student(X[keep].copy(), y[keep].copy(), hidden=16, epochs=1)
    _expect_param_dict(params, {"W1": (64, 16), "b1": (16,), "W2": (16, 10), "b2": (10,)},
                       "train_mlp", given)


@SUITE.test("train_mlp", points=1,
            hint="draw the initial weights and the shuffling from np.random.default_rng(seed)")
def same_seed_gives_the_same_network(student, ref, rng):
    X_train, y_train, _, _ = _digits()
    X, y = X_train[:320], y_train[:320]
    given = f"X {describe(X)}, hidden=8, epochs=2, seed=5 twice"
    shapes = {"W1": (64, 8), "b1": (8,), "W2": (8, 10), "b2": (10,)}
    a = _expect_param_dict(student(X.copy(), y.copy(), hidden=8, epochs=2, seed=5), shapes,
                           "train_mlp", given)
    b = _expect_param_dict(student(X.copy(), y.copy(), hidden=8, epochs=2, seed=5), shapes,
                           "train_mlp", given)
    for k in KEYS:
        expect_close(b[k], a[k], f"train_mlp: ['{k}'] of the second run", given, rtol=1e-6)


@SUITE.test("train_mlp", points=1,
            hint="use the `seed` argument: np.random.default_rng(seed), not a fixed seed, so "
                 "that different seeds give different initial weights")
def different_seeds_give_different_networks(student, ref, rng):
    X_train, y_train, _, _ = _digits()
    X, y = X_train[:320], y_train[:320]
    given = f"X {describe(X)}, hidden=8, epochs=1, seed=5 and then seed=6"
    shapes = {"W1": (64, 8), "b1": (8,), "W2": (8, 10), "b2": (10,)}
    a = _expect_param_dict(student(X.copy(), y.copy(), hidden=8, epochs=1, seed=5), shapes,
                           "train_mlp", given)
    b = _expect_param_dict(student(X.copy(), y.copy(), hidden=8, epochs=1, seed=6), shapes,
                           "train_mlp", given)
    expect(not np.allclose(a["W1"], b["W1"]), "train_mlp",
           "seed=5 and seed=6 gave the same network: the seed is not used", given)


@SUITE.test("train_mlp", points=1,
            hint="use lr, batch_size and epochs; the last mini-batch may be smaller than "
                 "batch_size (here all samples fit in one batch: do not skip it); each batch "
                 "is one step of size lr on its mean loss")
def uses_lr_batch_size_and_epochs(student, ref, rng):
    X_train, y_train, _, _ = _digits()
    X, y = X_train[:100], y_train[:100]
    shapes = {"W1": (64, 8), "b1": (8,), "W2": (8, 10), "b2": (10,)}
    given = f"X {describe(X)}, hidden=8, batch_size=128 > n, seed=7"
    start = _expect_param_dict(student(X.copy(), y.copy(), hidden=8, lr=0.0, epochs=1,
                                       batch_size=128, seed=7),
                               shapes, "train_mlp", given + ", lr=0 (the initial weights)")
    got = _expect_param_dict(student(X.copy(), y.copy(), hidden=8, lr=0.5, epochs=3,
                                     batch_size=128, seed=7),
                             shapes, "train_mlp", given + ", lr=0.5, epochs=3")
    # one batch holding every sample: three steps of full-batch gradient descent from `start`
    expected = dict(start)
    for _ in range(3):
        logits, cache = ref.mlp_forward(expected, X)
        grads = ref.mlp_backward(expected, cache, ref.cross_entropy_grad(logits, y))
        expected = ref.sgd_step(expected, grads, 0.5)
    for k in KEYS:
        expect_close(got[k], expected[k], f"train_mlp: ['{k}']",
                     given + ", lr=0.5, epochs=3 (vs 3 full-batch steps from the lr=0 weights)",
                     rtol=1e-4, atol=1e-5)


@SUITE.test("train_mlp", points=2,
            hint="if the accuracy is low: plot the training loss per epoch; it should fall "
                 "steadily (check the sign of the update, lr and that every epoch visits all data)")
def held_out_accuracy_at_least_90_percent(student, ref, rng):
    acc, given = _held_out_accuracy(student, ref)
    expect(acc >= 0.90, "train_mlp",
           f"held-out accuracy {acc:.3f}, expected at least 0.90", given)


@SUITE.test("train_mlp", points=2,
            hint="the defaults (hidden=64, lr=0.1, 30 epochs of shuffled mini-batches of 32, "
                 "He-style random init) reach about 0.97")
def held_out_accuracy_at_least_95_percent(student, ref, rng):
    acc, given = _held_out_accuracy(student, ref)
    expect(acc >= 0.95, "train_mlp",
           f"held-out accuracy {acc:.3f}, expected at least 0.95", given)


@SUITE.test("train_mlp", points=1,
            hint="shuffle an index array (order = rng.permutation(n)) and take X[idx], y[idx]; "
                 "do not shuffle, rescale or reorder the caller's X and y in place")
def does_not_modify_X_or_y(student, ref, rng):
    run = _trained(student)  # the run with the default arguments
    acc, given = _held_out_accuracy(student, ref, run)
    X_passed, y_passed = run[3]
    X_train, y_train, _, _ = _digits()
    expect_unchanged(X_train, X_passed, "train_mlp", "X")
    expect_unchanged(y_train, y_passed, "train_mlp", "y")
    expect(acc >= 0.90, "train_mlp",
           f"held-out accuracy {acc:.3f}: the network must also be trained (at least 0.90)", given)


# ------------------------------------------------------------------ choose_learning_rate
# The evidence is one validation-loss curve per trial run: column 0 before training (the same
# starting point for every rate, as with one seed), then after each of EPOCHS epochs. The
# simulated runs follow the shapes of real ones: a settling run approaches its final loss
# exponentially (too slow: still falling steeply at the end), a blowing-up run dips and then
# climbs far above where it started, a collapsed run sticks near the loss of a uniform guess,
# an overshooting run falls fastest and then climbs back, an overflowing run reaches inf and
# then nan (as in float32). Final losses of runs that should count as equally good sit within
# 7 % of the best and those that should not at least 15 % above it, so that float32 code and
# any order of the comparisons give the same decision.
EPOCHS = 30
LR_GRID = [0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0]   # the exercise notebook's grid
CHECKPOINTS = [0, 1, 2, 3, 5, 10, 20, 30]           # epochs after which the loss is measured


def _rates(rng, k):
    """k learning rates spaced by factors of about 3, in increasing order."""
    first = rng.uniform(1e-3, 3e-3)
    return [float(f"{first * 10 ** (i / 2):.3g}") for i in range(k)]


def _jitter(rng, curve, scale=0.01):
    """Multiplicative noise on the epochs between the first and the last value."""
    curve = np.array(curve, dtype=float)
    curve[1:-1] *= np.exp(rng.normal(0.0, scale, size=curve.size - 2))
    return curve


def _settling(rng, start, final, speed):
    """From start to final in EPOCHS epochs, exponentially with rate `speed` per epoch."""
    decay = np.exp(-speed * np.arange(EPOCHS + 1))
    return _jitter(rng, final + (start - final) * (decay - decay[-1]) / (1 - decay[-1]))


def _blowing_up(rng, start):
    """Dips in the first epochs, then climbs to several times its starting loss (finite)."""
    low, high = start * rng.uniform(0.4, 0.8), start * rng.uniform(3.0, 20.0)
    t = np.arange(EPOCHS + 1)
    curve = np.where(t < 2, start + (low - start) * t / 2,
                     low * (high / low) ** ((t - 2) / (EPOCHS - 2)))
    return _jitter(rng, curve, 0.1)


def _collapsed(rng, start):
    """Falls a little, then sticks near the loss of a uniform guess (dead units)."""
    curve = np.full(EPOCHS + 1, start * rng.uniform(0.93, 0.97))
    curve[0] = start
    return _jitter(rng, curve, 0.01)


def _overflowing(rng, start, end_with_nan=True):
    """Climbs for a few epochs, overflows to inf, and stays inf or turns nan."""
    blow = int(rng.integers(3, 12))
    curve = start * np.exp(3.0 * np.arange(EPOCHS + 1))
    curve[blow:] = np.inf
    if end_with_nan:
        curve[blow + 1:] = np.nan
    return curve


def _overshooting(rng, start, lowest, final):
    """Falls fastest, to `lowest` by epoch 5, then climbs back to `final`."""
    t = np.arange(EPOCHS + 1)
    fall = lowest + (start - lowest) * np.exp(-1.0 * t)
    climb = lowest + (final - lowest) * (t - 5) / (EPOCHS - 5)
    return _jitter(rng, np.where(t <= 5, fall, climb), 0.02)


def _too_slow(rng, start, best, factor):
    return _settling(rng, start, best * factor, rng.uniform(0.01, 0.05))


def _diverging(rng, start):
    return _blowing_up(rng, start) if rng.random() < 0.5 else _collapsed(rng, start)


def _decide(student, ref, rates, curves, given, **kwargs):
    """The student's decision on copies of the evidence, compared with the reference's."""
    got = to_float(student(list(rates), np.array(curves), **kwargs), "choose_learning_rate")
    expected = ref.choose_learning_rate(rates, curves, **kwargs)
    expect_close(got, expected, "choose_learning_rate", given)


def _given(rates, curves, what):
    return (f"learning_rates (a list of {len(rates)} rates) and val_losses "
            f"{describe(np.asarray(curves))}: {what}")


@SUITE.test("choose_learning_rate", points=1,
            hint="judge every run by its validation loss at the end of the budget (the last "
                 "column); the rates too small end high, so do the rates too large")
def picks_the_good_rate_between_too_slow_and_diverging(student, ref, rng):
    good = int(rng.integers(1, 4))
    rates, start, best = _rates(rng, 5), rng.uniform(2.2, 2.5), rng.uniform(0.08, 0.2)
    curves = [_too_slow(rng, start, best, 1.5 + (good - i) * rng.uniform(1.0, 3.0))
              if i < good else _settling(rng, start, best, rng.uniform(0.2, 0.4))
              if i == good else _diverging(rng, start) for i in range(5)]
    _decide(student, ref, rates, curves,
            _given(rates, curves, "runs too slow, one good run and runs that diverged"))


@SUITE.test("choose_learning_rate", points=1,
            hint="a run whose loss became nan or inf diverged: leave it out before taking the "
                 "best loss (np.min of an array with a nan is nan, and nan compares False with "
                 "everything); keep runs with a mask rather than by writing into val_losses")
def leaves_out_runs_that_became_nan_or_inf_without_modifying_val_losses(student, ref, rng):
    rates, start, best = _rates(rng, 5), rng.uniform(2.2, 2.5), rng.uniform(0.08, 0.2)
    curves = np.array([_too_slow(rng, start, best, rng.uniform(5.0, 8.0)),
                       _too_slow(rng, start, best, rng.uniform(3.0, 4.0)),
                       _settling(rng, start, best, rng.uniform(0.2, 0.4)),
                       _overflowing(rng, start, end_with_nan=True),
                       _overflowing(rng, start, end_with_nan=False)])
    before = curves.copy()
    got = to_float(student(list(rates), curves), "choose_learning_rate")
    expect_unchanged(before, curves, "choose_learning_rate", "val_losses")
    expect_close(got, ref.choose_learning_rate(rates, before), "choose_learning_rate",
                 _given(rates, before, "the two largest rates overflowed to inf or nan"))


@SUITE.test("choose_learning_rate", points=1,
            hint="compare the runs by their *last* loss, the one the network ends with: not by "
                 "the lowest point of a curve nor by its average")
def judges_each_run_by_its_last_validation_loss(student, ref, rng):
    start, best = rng.uniform(2.2, 2.5), rng.uniform(0.08, 0.2)
    # a run that falls fastest but levels off higher (a larger rate bounces at a higher floor)
    rates = _rates(rng, 4)
    curves = [_too_slow(rng, start, best, rng.uniform(3.0, 5.0)),
              _settling(rng, start, best, rng.uniform(0.1, 0.15)),
              _settling(rng, start, best * rng.uniform(1.3, 1.6), 1.0),
              _diverging(rng, start)]
    _decide(student, ref, rates, curves,
            _given(rates, curves, "one run fell fastest and levelled off higher"))
    # a run that falls lowest early on, then climbs back above the steady run
    rates = _rates(rng, 4)
    curves = [_too_slow(rng, start, best, rng.uniform(3.0, 5.0)),
              _settling(rng, start, best, rng.uniform(0.15, 0.25)),
              _overshooting(rng, start, best * rng.uniform(0.5, 0.7), best * rng.uniform(1.5, 2.5)),
              _diverging(rng, start)]
    _decide(student, ref, rates, curves,
            _given(rates, curves, "one run fell lowest early on and climbed back"))


@SUITE.test("choose_learning_rate", points=1,
            hint="runs within the tolerance of the best final loss count as equally good; of "
                 "those take the smallest learning rate (the smallest value, whatever the order "
                 "of the list)")
def prefers_the_smallest_rate_within_the_tolerance(student, ref, rng):
    rates, start, best = _rates(rng, 6), rng.uniform(2.9, 3.1), rng.uniform(0.8, 1.2)
    speed = rng.uniform(0.2, 0.4)  # the near-best runs differ in their final loss only
    curves = [_too_slow(rng, start, best, rng.uniform(1.5, 2.0)),
              _too_slow(rng, start, best, rng.uniform(1.2, 1.4)),
              _settling(rng, start, best * rng.uniform(1.03, 1.07), speed),
              _settling(rng, start, best, speed),
              _settling(rng, start, best * rng.uniform(1.02, 1.06), speed),
              _diverging(rng, start)]
    for order, how in ((rng.permutation(6), "in a random order"),
                       (np.arange(6)[::-1], "in decreasing order")):
        shown_rates = [rates[i] for i in order]
        shown_curves = [curves[i] for i in order]
        _decide(student, ref, shown_rates, shown_curves,
                _given(shown_rates, shown_curves, f"three final losses within 7 % of the best, "
                                                  f"the rates {how}"))


@SUITE.test("choose_learning_rate", points=1,
            hint="use the `tolerance` argument, relative to the best final loss: a run is good "
                 "enough when its last loss is at most (1 + tolerance) times the best")
def uses_the_tolerance_argument(student, ref, rng):
    start, best = rng.uniform(2.2, 2.5), rng.uniform(0.08, 0.12)
    rates = _rates(rng, 4)
    curves = [_too_slow(rng, start, best, rng.uniform(4.0, 6.0)),
              _settling(rng, start, best * rng.uniform(1.03, 1.07), rng.uniform(0.1, 0.2)),
              _settling(rng, start, best, rng.uniform(0.2, 0.4)),
              _diverging(rng, start)]
    _decide(student, ref, rates, curves,
            _given(rates, curves, "tolerance=0, a run within 7 % of the best"), tolerance=0.0)
    rates = _rates(rng, 4)
    curves = [_too_slow(rng, start, best, rng.uniform(6.0, 8.0)),
              _settling(rng, start, best + rng.uniform(0.15, 0.25), rng.uniform(0.05, 0.1)),
              _settling(rng, start, best, rng.uniform(0.2, 0.4)),
              _diverging(rng, start)]
    _decide(student, ref, rates, curves,
            _given(rates, curves, "tolerance=0.3, final losses near 0.1"), tolerance=0.3)


def _measure_digit_learning_curves(ref):
    """Validation losses of the reference train_mlp on the grader's split of the digits (held-out
    digits as the validation set), one row per rate of LR_GRID, after each of CHECKPOINTS epochs
    (one seed: the same run stopped at each checkpoint). Takes seconds, so the test uses the
    values it gave, DIGIT_CURVES; rerun it if the split or the reference training changes."""
    X_train, y_train, X_test, y_test = _digits()
    return np.array([[ref.cross_entropy(ref.mlp_forward(
        ref.train_mlp(X_train, y_train, lr=lr, epochs=e), X_test)[0], y_test)
        for e in CHECKPOINTS] for lr in LR_GRID])


DIGIT_CURVES = np.array([  # _measure_digit_learning_curves(reference), to 4 significant digits
    [2.457, 2.339, 2.254, 2.186, 2.08, 1.877, 1.537, 1.237],
    [2.457, 2.165, 2.007, 1.878, 1.647, 1.15, 0.6049, 0.4061],
    [2.457, 1.88, 1.542, 1.243, 0.8148, 0.413, 0.2292, 0.1774],
    [2.457, 1.173, 0.6242, 0.4382, 0.2791, 0.1771, 0.1247, 0.116],
    [2.457, 0.5295, 0.2822, 0.2007, 0.1458, 0.1208, 0.1113, 0.1064],
    [2.457, 0.6373, 0.2034, 0.1495, 0.1392, 0.1035, 0.1032, 0.1007],
    [2.457, 2.33, 2.311, 2.337, 2.317, 2.33, 2.317, 2.338],])


@SUITE.test("choose_learning_rate", points=1,
            hint="on real curves the runs of the larger good rates end within a few per cent "
                 "of each other: apply every step of the rule (finite runs, best final loss, "
                 "smallest rate within the tolerance)")
def decides_on_learning_curves_of_the_digits_network(student, ref, rng):
    rates, curves = np.array(LR_GRID), DIGIT_CURVES.copy()
    got = to_float(student(rates.copy(), curves.copy()), "choose_learning_rate")
    expect_close(got, ref.choose_learning_rate(rates, curves), "choose_learning_rate",
                 f"learning_rates {describe(rates)} and val_losses {describe(curves)}: learning "
                 "curves of the digits network on other digits than the notebook's")


# ------------------------------------------------------------------ written answer (by hand)
# Section 11 ends with a short judgement of the learning curves, graded in formgrader against
# the rubric in the solution notebook: is the smallest rate wrong or unfinished, and is the
# chosen run's validation loss a fair estimate?
SUITE.written("written_learning_rate", 2)

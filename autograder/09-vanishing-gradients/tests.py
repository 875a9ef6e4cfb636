"""Hidden tests for chapter 09-vanishing-gradients.

Each test gets (student, ref, rng): the student's function (or class), the reference module and a
seeded generator. Tests only call the student's code and compare returned values (as plain
arrays) with the reference or with the statistics the chapter teaches. Random generators and
torch models handed to the student's functions are built where the student's code runs
(``make``) and given the weights of a seeded local copy (``set_parameters``), so the same tests
work in one process and with the sandboxed grading engine. The student's ``ResidualBlock`` is
only constructed, called and read through ``parameters``/``set_parameters``/``n_trainable``.

Initialisers are tested statistically on large draws (bounds, variance, shape of the
distribution by a Kolmogorov-Smirnov test) and for reproducibility with the generator given.

Points: xavier_uniform 7, he_normal 6, clip_grad_norm 7, layer_grad_norms 10, ResidualBlock 6,
adam_step 8, diagnose_gradients 6 (the apply-and-decide part: per-layer gradient norms from seeded
generators whose diagnosis the reference knows, and norms measured on networks for the Wisconsin
biopsies that the student never sees), 50 in all; plus a written answer graded by hand,
written_gradient_judgement (2).
"""
from functools import lru_cache

import numpy as np
import scipy.stats
import torch

from autograder.engine.testing import (Failure, Suite, describe, expect, expect_close, expect_equal,
                                expect_shape, expect_unchanged, make, make_local, n_trainable,
                                parameters, set_parameters, to_array, to_float)

SUITE = Suite("09-vanishing-gradients")

torch.set_num_threads(1)  # small models: one thread is faster and steadier on a shared CPU


# ------------------------------------------------------------------ helpers
def _generator(student, seed):
    """np.random.default_rng(seed), created where the student's code runs."""
    return make(student, f"np.random.default_rng({int(seed)})")


def _draw(student, name, fan_in, fan_out, seed, **kwargs):
    out = student(fan_in, fan_out, _generator(student, seed), **kwargs)
    extra = "".join(f", {k}={v:.4g}" for k, v in kwargs.items())
    return expect_shape(out, (fan_in, fan_out), name,
                        f"fan_in={fan_in}, fan_out={fan_out}{extra} (a weight matrix is "
                        "(fan_in, fan_out))")


def _is_number(value):
    """A plain real number (Python or numpy scalar); a torch tensor (in one process) or the
    array it becomes across the sandbox boundary is not one."""
    return isinstance(value, (int, float, np.integer, np.floating)) and \
        not isinstance(value, (bool, np.bool_))


def _successive_draws(student, name, seed):
    """Two calls with one generator: the second must continue the generator's stream."""
    gen = _generator(student, seed)
    given = "fan_in=5, fan_out=4, the same generator passed to two calls in a row"
    first = expect_shape(student(5, 4, gen), (5, 4), name, given)
    second = expect_shape(student(5, 4, gen), (5, 4), name, given)
    expect(np.any(first != second), name,
           "two calls in a row with one generator returned the same weights: two layers "
           "initialised one after the other would start identical (each call must draw new "
           "numbers from the generator it is given, advancing it)", given)


def _check_variance(w, expected_var, name, given, tol=0.04):
    mean, var = float(w.mean()), float(w.var())
    se_mean = np.sqrt(expected_var / w.size)
    expect(abs(mean) < 6 * se_mean, name,
           f"the weights have mean {mean:.3g}; expected about 0 (weights centred on zero)", given)
    expect(abs(var / expected_var - 1) < tol, name,
           f"the weights have variance {var:.4g}; expected {expected_var:.4g} "
           f"(ratio {var / expected_var:.3f})", given)


# ------------------------------------------------------------------ xavier_uniform
def _xavier_bound(fan_in, fan_out, gain=1.0):
    return gain * np.sqrt(6.0 / (fan_in + fan_out))


@SUITE.test("xavier_uniform", points=1,
            hint="return an array of shape (fan_in, fan_out): rows are inputs, columns outputs, "
                 "as in x @ W; check with fan_in != fan_out")
def shape_is_fan_in_by_fan_out(student, ref, rng):
    for fan_in, fan_out in ((3, 7), (64, 10), (1, 1)):
        w = _draw(student, "xavier_uniform", fan_in, fan_out, int(rng.integers(1 << 30)))
        a = _xavier_bound(fan_in, fan_out)
        expect(np.all(np.isfinite(w)) and np.all(np.abs(w) <= a * (1 + 1e-6)), "xavier_uniform",
               f"values outside [-a, a] with a = {a:.4g}", f"fan_in={fan_in}, fan_out={fan_out}")


@SUITE.test("xavier_uniform", points=1,
            hint="draw from U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)): every weight "
                 "inside [-a, a], and with many weights some come close to both ends")
def values_fill_the_interval_minus_a_to_a(student, ref, rng):
    fan_in, fan_out = 300, 200
    w = _draw(student, "xavier_uniform", fan_in, fan_out, 11)
    a = _xavier_bound(fan_in, fan_out)
    given = f"fan_in={fan_in}, fan_out={fan_out} (a = {a:.4g})"
    expect(np.all(np.abs(w) <= a * (1 + 1e-6)), "xavier_uniform",
           f"weights range over [{w.min():.4g}, {w.max():.4g}], outside [-a, a]", given)
    expect(w.max() > 0.99 * a and w.min() < -0.99 * a, "xavier_uniform",
           f"weights range over [{w.min():.4g}, {w.max():.4g}]; a uniform draw of {w.size} "
           f"values should reach close to both -a and a", given)


@SUITE.test("xavier_uniform", points=1,
            hint="the variance of U(-a, a) is a^2 / 3 = 2 / (fan_in + fan_out): use both fans, "
                 "6 (not 2 or 3) under the square root")
def variance_is_two_over_fan_in_plus_fan_out(student, ref, rng):
    for fan_in, fan_out in ((400, 100), (50, 950)):
        w = _draw(student, "xavier_uniform", fan_in, fan_out, int(rng.integers(1 << 30)))
        _check_variance(w, 2.0 / (fan_in + fan_out), "xavier_uniform",
                        f"fan_in={fan_in}, fan_out={fan_out}")


@SUITE.test("xavier_uniform", points=1,
            hint="a *uniform* distribution (rng.uniform), not a normal one with the same variance")
def distribution_is_uniform(student, ref, rng):
    fan_in, fan_out = 120, 180
    w = _draw(student, "xavier_uniform", fan_in, fan_out, 12)
    a = _xavier_bound(fan_in, fan_out)
    p = scipy.stats.kstest(w.ravel(), "uniform", args=(-a, 2 * a)).pvalue
    expect(p > 1e-4, "xavier_uniform",
           f"a Kolmogorov-Smirnov test rejects U(-a, a) with a = {a:.4g} (p = {p:.2g}); the "
           f"weights do not look uniform on that interval",
           f"fan_in={fan_in}, fan_out={fan_out}")


@SUITE.test("xavier_uniform", points=1,
            hint="gain multiplies the bound (a = gain * sqrt(6 / (fan_in + fan_out))), so the "
                 "variance is gain^2 * 2 / (fan_in + fan_out)")
def gain_scales_the_bound(student, ref, rng):
    for gain in (5.0 / 3.0, 0.5):
        fan_in, fan_out = 200, 300
        w = _draw(student, "xavier_uniform", fan_in, fan_out, int(rng.integers(1 << 30)),
                  gain=gain)
        a = _xavier_bound(fan_in, fan_out, gain)
        given = f"fan_in={fan_in}, fan_out={fan_out}, gain={gain:.4g} (a = {a:.4g})"
        expect(np.all(np.abs(w) <= a * (1 + 1e-6)) and w.max() > 0.99 * a, "xavier_uniform",
               f"weights range over [{w.min():.4g}, {w.max():.4g}]; expected to fill [-a, a]",
               given)
        _check_variance(w, gain ** 2 * 2.0 / (fan_in + fan_out), "xavier_uniform", given)


@SUITE.test("xavier_uniform", points=1,
            hint="draw every number from the `rng` argument (rng.uniform(...)), not from "
                 "np.random, so the same seed always gives the same weights")
def reproducible_with_the_given_rng(student, ref, rng):
    make(student, "np.random.seed(1)\nresult = 0")
    a = _draw(student, "xavier_uniform", 6, 4, 21)
    make(student, "np.random.seed(2)\nresult = 0")
    b = _draw(student, "xavier_uniform", 6, 4, 21)
    c = _draw(student, "xavier_uniform", 6, 4, 22)
    expect_equal(b, a, "xavier_uniform", "fan_in=6, fan_out=4 and two generators seeded with 21")
    expect(np.any(a != c), "xavier_uniform",
           "generators seeded with 21 and 22 gave the same weights", "fan_in=6, fan_out=4")


@SUITE.test("xavier_uniform", points=1,
            hint="draw from the generator you are given itself (rng.uniform(...)), not from a "
                 "copy of it or a new generator with a fixed seed: the next call must get new "
                 "numbers")
def successive_calls_advance_the_generator(student, ref, rng):
    _successive_draws(student, "xavier_uniform", 23)


# ------------------------------------------------------------------ he_normal
@SUITE.test("he_normal", points=1,
            hint="return an array of shape (fan_in, fan_out), drawn from a normal distribution "
                 "centred on 0")
def shape_is_fan_in_by_fan_out(student, ref, rng):
    for fan_in, fan_out in ((3, 7), (64, 10), (1, 1)):
        w = _draw(student, "he_normal", fan_in, fan_out, int(rng.integers(1 << 30)))
        expect(np.all(np.isfinite(w)) and np.any(w != 0), "he_normal",
               "returned zeros or non-finite values", f"fan_in={fan_in}, fan_out={fan_out}")


@SUITE.test("he_normal", points=1,
            hint="the variance is 2 / fan_in, so the standard deviation passed to rng.normal is "
                 "sqrt(2 / fan_in) (rng.normal takes the standard deviation, not the variance)")
def variance_is_two_over_fan_in(student, ref, rng):
    fan_in, fan_out = 50, 2000
    w = _draw(student, "he_normal", fan_in, fan_out, 31)
    _check_variance(w, 2.0 / fan_in, "he_normal", f"fan_in={fan_in}, fan_out={fan_out}")


@SUITE.test("he_normal", points=1,
            hint="He initialisation keeps the forward signal: its variance depends on the number "
                 "of inputs (fan_in) only, not on fan_out")
def variance_depends_on_fan_in_only(student, ref, rng):
    for fan_in, fan_out in ((1000, 100), (10, 10000)):
        w = _draw(student, "he_normal", fan_in, fan_out, int(rng.integers(1 << 30)))
        _check_variance(w, 2.0 / fan_in, "he_normal", f"fan_in={fan_in}, fan_out={fan_out}")


@SUITE.test("he_normal", points=1,
            hint="a Gaussian (rng.normal), not a uniform or a truncated distribution with the "
                 "same variance")
def distribution_is_normal(student, ref, rng):
    fan_in, fan_out = 100, 400
    w = _draw(student, "he_normal", fan_in, fan_out, 32)
    sd = np.sqrt(2.0 / fan_in)
    p = scipy.stats.kstest(w.ravel(), "norm", args=(0.0, sd)).pvalue
    expect(p > 1e-4, "he_normal",
           f"a Kolmogorov-Smirnov test rejects N(0, 2/fan_in) (p = {p:.2g}); the weights do "
           f"not look Gaussian with standard deviation {sd:.4g}",
           f"fan_in={fan_in}, fan_out={fan_out}")


@SUITE.test("he_normal", points=1,
            hint="draw every number from the `rng` argument (rng.normal(...)), not from "
                 "np.random or torch, so the same seed always gives the same weights")
def reproducible_with_the_given_rng(student, ref, rng):
    make(student, "np.random.seed(1)\ntorch.manual_seed(1)\nresult = 0")
    a = _draw(student, "he_normal", 6, 4, 41)
    make(student, "np.random.seed(2)\ntorch.manual_seed(2)\nresult = 0")
    b = _draw(student, "he_normal", 6, 4, 41)
    c = _draw(student, "he_normal", 6, 4, 42)
    expect_equal(b, a, "he_normal", "fan_in=6, fan_out=4 and two generators seeded with 41")
    expect(np.any(a != c), "he_normal",
           "generators seeded with 41 and 42 gave the same weights", "fan_in=6, fan_out=4")


@SUITE.test("he_normal", points=1,
            hint="draw from the generator you are given itself (rng.normal(...)), not from a "
                 "copy of it or a new generator with a fixed seed: the next call must get new "
                 "numbers")
def successive_calls_advance_the_generator(student, ref, rng):
    _successive_draws(student, "he_normal", 43)


# ------------------------------------------------------------------ clip_grad_norm
def _grads(rng, scale, shapes=((4, 3), (3,), (2, 3, 2))):
    return [rng.normal(0, scale, size=s) for s in shapes]


def _describe_list(grads):
    return "[" + ", ".join(f"array of shape {g.shape}" for g in grads) + "]"


def _clip(student, ref, grads, max_norm, given=None):
    given = given or f"grads {_describe_list(grads)}, max_norm={max_norm}"
    out = student([g.copy() for g in grads], max_norm)
    expect(isinstance(out, (tuple, list)) and len(out) == 2, "clip_grad_norm",
           "should return a pair (clipped, total_norm)", given)
    clipped, total = out
    exp_clipped, exp_total = ref.clip_grad_norm(grads, max_norm)
    expect(isinstance(clipped, (list, tuple)) and len(clipped) == len(grads), "clip_grad_norm",
           f"`clipped` should be a list of {len(grads)} arrays, one per gradient", given)
    expect_close(total, exp_total, "clip_grad_norm (total_norm)", given, rtol=1e-6, atol=1e-9)
    for k, (c, e) in enumerate(zip(clipped, exp_clipped)):
        expect_close(c, e, f"clip_grad_norm (clipped[{k}])", given, rtol=1e-5, atol=1e-9)
    return clipped, total


@SUITE.test("clip_grad_norm", points=1,
            hint="total = sqrt of the sum of squares of *all* entries of *all* arrays; above "
                 "max_norm every array is multiplied by max_norm / (total + 1e-6)")
def clips_a_large_gradient(student, ref, rng):
    _clip(student, ref, _grads(rng, 3.0), 1.0)


@SUITE.test("clip_grad_norm", points=1,
            hint="when total <= max_norm the gradients are returned unchanged (scale = "
                 "min(1, max_norm / (total + 1e-6))); clipping never scales gradients up")
def leaves_a_small_gradient_unchanged(student, ref, rng):
    grads = _grads(rng, 0.05)
    clipped, _ = _clip(student, ref, grads, 5.0)
    for k, (c, g) in enumerate(zip(clipped, grads)):
        expect_close(c, g, f"clip_grad_norm (clipped[{k}])",
                     f"grads {_describe_list(grads)} with a total norm below max_norm=5.0",
                     rtol=1e-6, atol=1e-12)


@SUITE.test("clip_grad_norm", points=1,
            hint="clip by the *global* norm: one factor for all arrays, which keeps the direction "
                 "of the whole gradient; do not clip each array by its own norm")
def one_factor_for_all_arrays(student, ref, rng):
    grads = [rng.normal(0, 10.0, size=(5, 5)), rng.normal(0, 0.01, size=(5,)),
             rng.normal(0, 1.0, size=(3, 2))]
    _clip(student, ref, grads, 2.0, "one large and two small gradient arrays, max_norm=2.0")


@SUITE.test("clip_grad_norm", points=1,
            hint="return the norm *before* clipping (as torch does); after clipping the combined "
                 "norm of the clipped arrays is max_norm")
def clipped_norm_equals_max_norm(student, ref, rng):
    for max_norm in (0.5, 3.0):
        grads = _grads(rng, 4.0, shapes=((6,), (2, 2)))
        clipped, total = _clip(student, ref, grads, max_norm)
        norm = np.sqrt(sum(float(np.sum(to_array(c, "clip_grad_norm") ** 2)) for c in clipped))
        expect(abs(norm - max_norm) < 1e-4 * max_norm, "clip_grad_norm",
               f"the clipped gradients have norm {norm:.6g}; expected max_norm = {max_norm}",
               f"grads {_describe_list(grads)}")


@SUITE.test("clip_grad_norm", points=1,
            hint="all-zero gradients have norm 0 and must come back as zeros, not NaN: keep the "
                 "+ 1e-6 in the denominator (or only divide when total > max_norm)")
def zero_gradients_give_zero_and_no_nan(student, ref, rng):
    grads = [np.zeros((3, 3)), np.zeros(4)]
    _clip(student, ref, grads, 1.0, "all-zero grads [(3, 3), (4,)], max_norm=1.0")


@SUITE.test("clip_grad_norm", points=1,
            hint="build new arrays (g * scale), never `g *= scale`: the caller's gradients must "
                 "stay as they were")
def does_not_modify_the_gradients(student, ref, rng):
    grads = _grads(rng, 3.0)
    before = [g.copy() for g in grads]
    out = student(grads, 1.0)
    for k, (b, g) in enumerate(zip(before, grads)):
        expect_unchanged(b, g, "clip_grad_norm", f"grads[{k}]")
    expect(isinstance(out, (tuple, list)) and len(out) == 2, "clip_grad_norm",
           "should return a pair (clipped, total_norm)")
    exp_clipped, exp_total = ref.clip_grad_norm(before, 1.0)
    expect_close(out[1], exp_total, "clip_grad_norm (total_norm)",
                 f"grads {_describe_list(before)}, max_norm=1.0", rtol=1e-6, atol=1e-9)
    for k, (c, e) in enumerate(zip(out[0], exp_clipped)):
        expect_close(c, e, f"clip_grad_norm (clipped[{k}])", f"grads {_describe_list(before)}",
                     rtol=1e-5, atol=1e-9)


@SUITE.test("clip_grad_norm", points=1,
            hint="return total_norm as a plain Python float (float(...) or .item()), not a "
                 "torch tensor or a one-element array")
def total_norm_is_a_plain_number(student, ref, rng):
    grads = _grads(rng, 2.0)
    given = f"grads {_describe_list(grads)}, max_norm=1.0"
    _, total = _clip(student, ref, grads, 1.0, given)
    expect(_is_number(total), "clip_grad_norm (total_norm)",
           f"returned a {type(total).__name__}; expected a float", given)


# ------------------------------------------------------------------ layer_grad_norms
_L = "torch.nn.Linear"


def _mlp_source(sizes, act="torch.nn.Tanh()", extra=""):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(f"{_L}({a}, {b})")
        if i < len(sizes) - 2:
            layers.append(act)
            if extra:
                layers.append(extra.format(b))
    return "torch.nn.Sequential(" + ", ".join(layers) + ")"


def _models(student, source, seed, stale=False):
    """(model where the student's code runs, local copy with the same weights)."""
    torch.manual_seed(seed)
    local = make_local(source)
    if stale:  # leave old gradients on the student's copy, as after a training step (seeded
        # in the source: the same old gradients wherever the student's code runs)
        source = (f"torch.manual_seed({seed})\n"
                  "model = " + source + "\n"
                  "out = model(torch.randn(5, model[0].in_features))\n"
                  "(out ** 2).sum().backward()\n"
                  "result = model")
    model = make(student, source)
    if not set_parameters(model, parameters(local)):
        raise Failure("internal: could not copy weights into the test model")
    return model, local


def _classification_data(rng, n, d, k):
    X = torch.as_tensor(rng.normal(size=(n, d)), dtype=torch.float32)
    y = torch.as_tensor(rng.integers(0, k, size=n), dtype=torch.long)
    return X, y


def _check_norms(student, ref, model, local, X, y, loss_src, given, rtol=1e-4, atol=1e-7):
    expected = ref.layer_grad_norms(local, X, y, make_local(loss_src))
    got = student(model, X.clone(), y.clone(), make(student, loss_src))
    return expect_close(got, expected, "layer_grad_norms", given, rtol=rtol, atol=atol)


@SUITE.test("layer_grad_norms", points=1,
            hint="zero the gradients, loss = loss_fn(model(X), y), loss.backward(), then "
                 "layer.weight.grad.norm() for every nn.Linear, first layer first")
def values_for_a_small_classifier(student, ref, rng):
    model, local = _models(student, _mlp_source((8, 16, 16, 3)), 0)
    X, y = _classification_data(rng, 32, 8, 3)
    _check_norms(student, ref, model, local, X, y, "torch.nn.CrossEntropyLoss()",
                 f"an MLP Linear(8,16)-Tanh-Linear(16,16)-Tanh-Linear(16,3), X of shape (32, 8), "
                 "labels in 0..2, loss_fn=nn.CrossEntropyLoss()")


@SUITE.test("layer_grad_norms", points=1,
            hint="one number per nn.Linear *weight* (not the biases, not other layers' "
                 "parameters such as LayerNorm's), in the order of model.modules()")
def one_norm_per_linear_weight_in_order(student, ref, rng):
    source = _mlp_source((10, 12, 6, 20, 4), act="torch.nn.ReLU()",
                         extra="torch.nn.LayerNorm({})")
    model, local = _models(student, source, 1)
    X, y = _classification_data(rng, 24, 10, 4)
    _check_norms(student, ref, model, local, X, y, "torch.nn.CrossEntropyLoss()",
                 "an MLP of 4 Linear layers (10->12->6->20->4) with ReLU and LayerNorm between "
                 "them, X of shape (24, 10), loss_fn=nn.CrossEntropyLoss()")


@SUITE.test("layer_grad_norms", points=1,
            hint="use the loss_fn you are given (it may be MSELoss, or a sum instead of a mean), "
                 "do not hard-code a loss")
def uses_the_loss_function_given(student, ref, rng):
    model, local = _models(student, _mlp_source((5, 9, 1)), 2)
    X = torch.as_tensor(rng.normal(size=(20, 5)), dtype=torch.float32)
    y = torch.as_tensor(rng.normal(size=(20, 1)), dtype=torch.float32)
    _check_norms(student, ref, model, local, X, y, "torch.nn.MSELoss()",
                 "a regression MLP Linear(5,9)-Tanh-Linear(9,1), X of shape (20, 5), y of shape "
                 "(20, 1), loss_fn=nn.MSELoss()")
    model, local = _models(student, _mlp_source((6, 8, 3)), 3)
    X, y = _classification_data(rng, 16, 6, 3)
    _check_norms(student, ref, model, local, X, y, "torch.nn.CrossEntropyLoss(reduction='sum')",
                 "an MLP Linear(6,8)-Tanh-Linear(8,3), loss_fn=nn.CrossEntropyLoss(reduction='sum')")


@SUITE.test("layer_grad_norms", points=1,
            hint="PyTorch *adds* new gradients to .grad: call model.zero_grad() before "
                 "backward(), otherwise old gradients (from training, or from your previous "
                 "call) are counted again")
def ignores_old_gradients_and_gives_the_same_numbers_twice(student, ref, rng):
    model, local = _models(student, _mlp_source((7, 10, 10, 2)), 4, stale=True)
    X, y = _classification_data(rng, 30, 7, 2)
    given = ("an MLP 7->10->10->2 whose .grad already holds gradients of an earlier loss, "
             "loss_fn=nn.CrossEntropyLoss()")
    first = _check_norms(student, ref, model, local, X, y, "torch.nn.CrossEntropyLoss()", given)
    second = _check_norms(student, ref, model, local, X, y, "torch.nn.CrossEntropyLoss()",
                          given + ", second call")
    expect_close(second, first, "layer_grad_norms", "the same model and data, called twice")


@SUITE.test("layer_grad_norms", points=1,
            hint="only measure: no optimizer step, no change to the weights (the gradient is "
                 "read from layer.weight.grad, not subtracted from layer.weight)")
def leaves_the_parameters_unchanged(student, ref, rng):
    model, local = _models(student, _mlp_source((6, 8, 8, 3)), 5)
    before = parameters(model)
    X, y = _classification_data(rng, 20, 6, 3)
    _check_norms(student, ref, model, local, X, y, "torch.nn.CrossEntropyLoss()",
                 "an MLP 6->8->8->3, loss_fn=nn.CrossEntropyLoss()")
    after = parameters(model)
    for k, (b, a) in enumerate(zip(before, after)):
        expect_unchanged(b, a, "layer_grad_norms", f"model parameter {k}")


@SUITE.test("layer_grad_norms", points=1,
            hint="the L2 (Frobenius) norm sqrt(sum(grad ** 2)), not its square or the mean "
                 "absolute value; tiny norms in the first layers of a deep sigmoid network are "
                 "the point of the chapter")
def deep_sigmoid_network_shows_vanishing_gradients(student, ref, rng):
    sizes = (16,) + (16,) * 9 + (4,)
    model, local = _models(student, _mlp_source(sizes, act="torch.nn.Sigmoid()"), 6)
    X, y = _classification_data(rng, 40, 16, 4)
    got = _check_norms(student, ref, model, local, X, y, "torch.nn.CrossEntropyLoss()",
                       "a 10-layer sigmoid MLP (16 units per layer), X of shape (40, 16)",
                       rtol=1e-3, atol=1e-12)
    expect(got[0] < 1e-2 * got[-1], "layer_grad_norms",
           "the first layer's gradient should be far smaller than the last layer's here")


_NESTED_SOURCE = """
class NestedNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Linear(6, 10)
        self.body = torch.nn.Sequential(
            torch.nn.Tanh(),
            torch.nn.Sequential(torch.nn.Linear(10, 10, bias=False), torch.nn.Tanh()),
            torch.nn.Linear(10, 8), torch.nn.ReLU())
        self.gate = torch.nn.Parameter(torch.linspace(0.5, 1.5, 8).reshape(1, 8))
        self.head = torch.nn.Linear(8, 3)

    def forward(self, x):
        return self.head(self.body(self.stem(x)) * self.gate)


result = NestedNet()
"""


@SUITE.test("layer_grad_norms", points=1,
            hint="look through every sub-module with model.modules() (it recurses into blocks "
                 "and nested nn.Sequential), not model.children() or `for layer in model`; keep "
                 "only the nn.Linear layers (isinstance), whatever other parameters there are")
def finds_linear_layers_nested_in_submodules(student, ref, rng):
    model, local = _models(student, _NESTED_SOURCE, 7)
    X, y = _classification_data(rng, 24, 6, 3)
    _check_norms(student, ref, model, local, X, y, "torch.nn.CrossEntropyLoss()",
                 "a custom nn.Module with 4 nn.Linear layers, two of them inside a nested "
                 "nn.Sequential (one without bias), and an extra 2-D parameter that is not a "
                 "Linear weight, X of shape (24, 6), loss_fn=nn.CrossEntropyLoss()")


@SUITE.test("layer_grad_norms", points=1,
            hint="use X and y as they are given: do not cast them to float32 (.float()), the "
                 "model may be in double precision")
def works_with_a_double_precision_model(student, ref, rng):
    source = _mlp_source((5, 7, 7, 1)) + ".double()"
    model, local = _models(student, source, 8)
    X = torch.as_tensor(rng.normal(size=(18, 5)), dtype=torch.float64)
    y = torch.as_tensor(rng.normal(size=(18, 1)), dtype=torch.float64)
    _check_norms(student, ref, model, local, X, y, "torch.nn.MSELoss()",
                 "an MLP 5->7->7->1 in float64 (model.double()), X and y float64 tensors, "
                 "loss_fn=nn.MSELoss()", rtol=1e-6, atol=1e-10)


@SUITE.test("layer_grad_norms", points=1,
            hint="return plain numbers: a list of Python floats (layer.weight.grad.norm().item()) "
                 "or a 1-D numpy array, not a list of torch tensors")
def returns_plain_numbers(student, ref, rng):
    model, local = _models(student, _mlp_source((4, 6, 6, 2)), 9)
    X, y = _classification_data(rng, 15, 4, 2)
    given = "an MLP 4->6->6->2, X of shape (15, 4), loss_fn=nn.CrossEntropyLoss()"
    got = student(model, X.clone(), y.clone(), make(student, "torch.nn.CrossEntropyLoss()"))
    if isinstance(got, (list, tuple)):
        expect(all(_is_number(v) for v in got), "layer_grad_norms",
               f"returned a {type(got).__name__} of tensors (or arrays), not of numbers; "
               "expected Python floats (use .item() or float(...))", given)
    expect_close(got, ref.layer_grad_norms(local, X, y, torch.nn.CrossEntropyLoss()),
                 "layer_grad_norms", given)


@SUITE.test("layer_grad_norms", points=1,
            hint="measure the model as it is given: do not switch it to eval mode (model.eval() "
                 "changes what BatchNorm and Dropout do, and the caller's model would stay in "
                 "eval mode)")
def measures_the_model_in_the_mode_it_is_in(student, ref, rng):
    source = _mlp_source((8, 12, 12, 3), act="torch.nn.ReLU()", extra="torch.nn.BatchNorm1d({})")
    model, local = _models(student, source, 10)
    X, y = _classification_data(rng, 32, 8, 3)
    given = ("an MLP 8->12->12->3 with BatchNorm1d layers, in training mode, X of shape (32, 8), "
             "loss_fn=nn.CrossEntropyLoss()")
    _check_norms(student, ref, model, local, X, y, "torch.nn.CrossEntropyLoss()", given)
    expect(bool(getattr(model, "training")), "layer_grad_norms",
           "the model was left in eval mode (model.training is False)", given)


# ------------------------------------------------------------------ ResidualBlock
def _t(a):
    return torch.as_tensor(np.asarray(a), dtype=torch.float32)


def _block(student, dim):
    torch.manual_seed(0)
    return student(dim)


def _copy_into(student_block, tensors, dim):
    arrays = [np.asarray(a, dtype=np.float64) for a in tensors]
    if not set_parameters(student_block, arrays):
        got = [tuple(np.shape(a)) for a in parameters(student_block)]
        raise Failure(
            f"ResidualBlock({dim}): parameters() gives shapes {got}, expected "
            f"[({dim}, {dim}), ({dim},), ({dim}, {dim}), ({dim},)] (two nn.Linear(dim, dim) "
            "with bias, the first applied first), so the outputs cannot be compared")


@SUITE.test("ResidualBlock", points=1,
            hint="forward maps a (N, dim) batch to (N, dim): both Linear layers are (dim -> dim)")
def output_shape(student, ref, rng):
    for dim, n in ((5, 7), (1, 3)):
        block = _block(student, dim)
        x = _t(rng.normal(size=(n, dim)))
        out = expect_shape(block(x), (n, dim), f"ResidualBlock({dim})", f"x of shape {(n, dim)}")
        expect(np.all(np.isfinite(out)), f"ResidualBlock({dim})", "returned NaN or inf")


@SUITE.test("ResidualBlock", points=1,
            hint="two nn.Linear(dim, dim) layers with bias: 2 * (dim * dim + dim) parameters")
def parameter_count(student, ref, rng):
    for dim in (4, 32):
        expect_equal(n_trainable(_block(student, dim)), 2 * (dim * dim + dim),
                     f"ResidualBlock({dim})", "the number of trainable parameters")


@SUITE.test("ResidualBlock", points=1,
            hint="the skip connection: forward returns x + F(x); with every weight and bias set "
                 "to zero F(x) = 0 and the block must return x unchanged")
def identity_when_all_weights_are_zero(student, ref, rng):
    dim = 6
    block = _block(student, dim)
    zeros = [np.zeros_like(p) for p in parameters(block)]
    expect(len(zeros) > 0, "ResidualBlock(6)", "has no parameters (expected two nn.Linear)")
    set_parameters(block, zeros)
    x = _t(rng.normal(size=(5, dim)))
    expect_close(block(x.clone()), x.numpy(), "ResidualBlock(6)",
                 "every parameter set to 0, x of shape (5, 6) (expected output = x)")


@SUITE.test("ResidualBlock", points=1,
            hint="out = x + linear2(relu(linear1(x))): ReLU between the two Linear layers, "
                 "nothing after the addition, linear1 created before linear2")
def matches_the_reference_with_the_same_weights(student, ref, rng):
    dim = 8
    block = _block(student, dim)
    torch.manual_seed(1)
    reference = ref.ResidualBlock(dim)
    _copy_into(block, parameters(reference), dim)
    x = _t(rng.normal(0, 2, size=(10, dim)))
    with torch.no_grad():
        expected = reference(x)
    expect_close(block(x.clone()), expected, f"ResidualBlock({dim})",
                 "x of shape (10, 8) and the reference's weights copied in")


@SUITE.test("ResidualBlock", points=1,
            hint="with both weight matrices equal to the identity and zero biases the block "
                 "computes x + relu(x): negative inputs pass through the skip path only")
def identity_weights_give_x_plus_relu_x(student, ref, rng):
    dim = 4
    block = _block(student, dim)
    eye, zero = np.eye(dim), np.zeros(dim)
    _copy_into(block, [eye, zero, eye, zero], dim)
    x = rng.normal(0, 2, size=(6, dim))
    expect_close(block(_t(x)), x + np.maximum(x, 0), "ResidualBlock(4)",
                 "identity weight matrices, zero biases, x of shape (6, 4) with both signs")


@SUITE.test("ResidualBlock", points=1,
            hint="compute a new tensor, e.g. return x + self.linear2(...); `x += ...` (or "
                 "out = x; out += ...) writes into the caller's input")
def does_not_modify_its_input(student, ref, rng):
    dim = 5
    block = _block(student, dim)
    torch.manual_seed(2)
    reference = ref.ResidualBlock(dim)
    _copy_into(block, parameters(reference), dim)
    x = _t(rng.normal(size=(6, dim)))
    before = x.detach().numpy().copy()
    out = block(x)
    expect_unchanged(before, x.detach().numpy(), f"ResidualBlock({dim})", "x")
    with torch.no_grad():
        expected = reference(_t(before))
    expect_close(out, expected, f"ResidualBlock({dim})", "x of shape (6, 5)")


# ------------------------------------------------------------------ adam_step
def _adam_given(param, **kwargs):
    return f"param {describe(param)}" + "".join(f", {k}={v!r}" for k, v in kwargs.items())


def _adam(student, ref, param, grad, m, v, t, given, **kwargs):
    out = student(param.copy(), grad.copy(), m.copy(), v.copy(), t, **kwargs)
    expect(isinstance(out, (tuple, list)) and len(out) == 3, "adam_step",
           "should return a triple (param, m, v)", given)
    exp = ref.adam_step(param, grad, m, v, t, **kwargs)
    for name, o, e in zip(("param", "m", "v"), out, exp):
        expect_close(o, e, f"adam_step (new {name})", given, rtol=1e-5, atol=1e-12)
    return [to_array(o, "adam_step") for o in out]


@SUITE.test("adam_step", points=1,
            hint="m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g**2; then divide by "
                 "(1 - beta**t) and step by lr * m_hat / (sqrt(v_hat) + eps)")
def first_step_from_zero_moments(student, ref, rng):
    param, grad = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    _adam(student, ref, param, grad, np.zeros_like(param), np.zeros_like(param), 1,
          _adam_given(param, t=1) + ", m = v = 0")


@SUITE.test("adam_step", points=1,
            hint="bias correction: at t = 1, m_hat = g and v_hat = g**2, so every weight moves "
                 "by almost exactly lr against the sign of its gradient")
def first_step_moves_every_weight_by_lr(student, ref, rng):
    param = rng.normal(size=20)
    grad = rng.normal(size=20) * 10.0 ** rng.uniform(-3, 3, size=20)
    out = student(param.copy(), grad.copy(), np.zeros(20), np.zeros(20), 1, lr=0.01)
    expect(isinstance(out, (tuple, list)) and len(out) == 3, "adam_step",
           "should return a triple (param, m, v)")
    step = to_array(out[0], "adam_step") - param
    expect_close(step, -0.01 * np.sign(grad), "adam_step (param change)",
                 "gradients from 1e-3 to 1e3 in size, m = v = 0, t=1, lr=0.01", rtol=1e-4,
                 atol=1e-7)


@SUITE.test("adam_step", points=1,
            hint="return the *uncorrected* m and v (the running averages) as the new state; the "
                 "bias-corrected m_hat, v_hat are only used for the step")
def ten_steps_feeding_the_state_back(student, ref, rng):
    shape = (5, 2)
    p_s, m_s, v_s = rng.normal(size=shape), np.zeros(shape), np.zeros(shape)
    p_r, m_r, v_r = p_s.copy(), m_s.copy(), v_s.copy()
    for t in range(1, 11):
        grad = rng.normal(size=shape) + 0.5
        out = student(p_s.copy(), grad.copy(), m_s.copy(), v_s.copy(), t, lr=0.05)
        expect(isinstance(out, (tuple, list)) and len(out) == 3, "adam_step",
               "should return a triple (param, m, v)")
        p_s, m_s, v_s = (to_array(o, "adam_step") for o in out)
        p_r, m_r, v_r = ref.adam_step(p_r, grad, m_r, v_r, t, lr=0.05)
        for name, o, e in (("param", p_s, p_r), ("m", m_s, m_r), ("v", v_s, v_r)):
            expect_close(o, e, f"adam_step (new {name})",
                         f"step t={t} of 10, each step fed the previous (param, m, v), lr=0.05",
                         rtol=1e-5, atol=1e-6)  # float32 arithmetic is a correct answer


@SUITE.test("adam_step", points=1,
            hint="use the keyword arguments lr, beta1, beta2 and eps you are given (beta1 for m, "
                 "beta2 for v), and t for the bias correction")
def keyword_arguments_and_later_steps(student, ref, rng):
    param, grad = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    m, v = rng.normal(0, 0.1, size=(3, 4)), rng.uniform(0, 0.05, size=(3, 4))
    for t, kw in ((5, dict(lr=0.02, beta1=0.8, beta2=0.99, eps=1e-6)),
                  (1000, dict(lr=1e-3, beta1=0.5, beta2=0.9, eps=1e-8)),
                  (3, dict(lr=0.1))):
        _adam(student, ref, param, grad, m, v, t, _adam_given(param, t=t, **kw), **kw)


@SUITE.test("adam_step", points=1,
            hint="eps is added to sqrt(v_hat), outside the square root, as in torch.optim.Adam; "
                 "this matters when gradients are tiny")
def tiny_gradients_and_eps(student, ref, rng):
    param, grad = rng.normal(size=8), rng.normal(0, 1e-7, size=8)
    m, v = grad * 0.3, grad ** 2 * 0.5
    _adam(student, ref, param, grad, m, v, 4, _adam_given(param, t=4) + ", gradients ~1e-7")


@SUITE.test("adam_step", points=1,
            hint="the optimiser state decays geometrically: m keeps a fraction beta1 of its old "
                 "value; with a zero gradient m and v only shrink and the step continues in the "
                 "old direction")
def zero_gradient_with_momentum(student, ref, rng):
    param = rng.normal(size=6)
    m, v = rng.normal(0, 0.5, size=6), rng.uniform(0.1, 0.5, size=6)
    _adam(student, ref, param, np.zeros(6), m, v, 7, _adam_given(param, t=7) + ", grad = 0")


@SUITE.test("adam_step", points=1,
            hint="compute new arrays (m_new = beta1 * m + ...), never m *= beta1 or param -= ...: "
                 "the caller's arrays must stay as they were")
def does_not_modify_its_inputs(student, ref, rng):
    arrays = dict(param=rng.normal(size=(3, 3)), grad=rng.normal(size=(3, 3)),
                  m=rng.normal(0, 0.1, size=(3, 3)), v=rng.uniform(0, 0.1, size=(3, 3)))
    before = {k: a.copy() for k, a in arrays.items()}
    out = student(arrays["param"], arrays["grad"], arrays["m"], arrays["v"], 2)
    for k in arrays:
        expect_unchanged(before[k], arrays[k], "adam_step", k)
    expect(isinstance(out, (tuple, list)) and len(out) == 3, "adam_step",
           "should return a triple (param, m, v)")
    exp = ref.adam_step(before["param"], before["grad"], before["m"], before["v"], 2)
    for name, o, e in zip(("param", "m", "v"), out, exp):
        expect_close(o, e, f"adam_step (new {name})", "t=2", rtol=1e-5, atol=1e-12)


@SUITE.test("adam_step", points=1,
            hint="a weight whose gradient is exactly 0 at t = 1 has m_hat = v_hat = 0 and must "
                 "not move: keep eps in the denominator, lr * m_hat / (sqrt(v_hat) + eps) "
                 "(mind the brackets)")
def exactly_zero_gradients_at_the_first_step(student, ref, rng):
    param, grad = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    grad[rng.random((4, 5)) < 0.4] = 0.0
    grad[0, 0] = grad[3, 4] = 0.0  # e.g. the weights of a dead ReLU unit
    given = _adam_given(param, t=1) + ", m = v = 0, some gradient entries exactly 0"
    new, _, _ = _adam(student, ref, param, grad, np.zeros_like(param), np.zeros_like(param), 1,
                      given)
    zero = grad == 0
    expect_close(new[zero], param[zero], "adam_step (new param)",
                 given + " (the weights with a zero gradient must not move)", rtol=1e-6,
                 atol=1e-12)


# ------------------------------------------------------------------ diagnose_gradients
SUITE.written("written_gradient_judgement", 2)  # would you conclude the deep network fails?
_WORDS = ("vanishing", "exploding", "healthy")


def _level(rng, n, centre, spread=0.3):
    """n norms scattered around `centre`, each within a factor 10**spread: a level profile."""
    return centre * 10.0 ** rng.uniform(-spread, spread, size=n)


def _rising(rng, n, first, last):
    """n norms growing geometrically from `first` (input side) to `last` (output side)."""
    logs = np.linspace(np.log10(first), np.log10(last), n) + rng.normal(0.0, 0.1, size=n)
    logs[0], logs[-1] = np.log10(first), np.log10(last)
    return 10.0 ** logs


def _diagnosis(student, ref, norms, given, as_list=True, **band):
    """Ask the student about a copy of `norms` (a list of floats or an array) and compare."""
    norms = np.asarray(norms, dtype=np.float64)
    want = ref.diagnose_gradients(norms, **band)
    given = given + "".join(f", {k}={v:g}" for k, v in band.items())
    got = student([float(v) for v in norms] if as_list else norms.copy(), **band)
    expect(isinstance(got, str), "diagnose_gradients",
           f"returned a {type(got).__name__}; expected one of the words 'vanishing', "
           "'exploding', 'healthy' (a str)", given)
    expect(got == want, "diagnose_gradients", f"said {got!r}; expected {want!r}", given)
    return got


@SUITE.test("diagnose_gradients", points=1,
            hint="'healthy' when every layer's norm lies in the band, low <= norm <= high: "
                 "gradients of order 0.1 to 1 in every layer, or rising gently towards the "
                 "output, are what a trainable network shows")
def healthy_when_every_layer_is_inside_the_band(student, ref, rng):
    _diagnosis(student, ref, _level(rng, 12, rng.uniform(0.2, 2.0)),
               "12 per-layer norms of order 0.1 to 1, level across the layers")
    _diagnosis(student, ref, _rising(rng, 12, rng.uniform(0.05, 0.1), rng.uniform(1.0, 3.0)),
               "12 per-layer norms rising from about 0.1 (first layer) to about 2 (last layer)",
               as_list=False)
    _diagnosis(student, ref, _level(rng, 6, 0.05, spread=0.2),
               "6 per-layer norms of a few hundredths, inside the band")
    _diagnosis(student, ref, _level(rng, 8, 20.0, spread=0.2).astype(np.float32),
               "8 per-layer norms of a few tens, inside the band (a float32 array)",
               as_list=False)
    _diagnosis(student, ref, [rng.uniform(0.3, 3.0)], "the norm of a network with one layer")


@SUITE.test("diagnose_gradients", points=1,
            hint="'vanishing' when any layer's norm is below low, an exact 0 (float32 "
                 "underflow) included; a level profile of tiny norms vanishes too (the size "
                 "counts, not only the ratio of the first layer to the last), and so does one "
                 "starved layer in the middle")
def vanishing_when_any_layer_gets_almost_nothing(student, ref, rng):
    _diagnosis(student, ref, _rising(rng, 12, 10.0 ** rng.uniform(-10, -6), rng.uniform(0.5, 1.5)),
               "12 per-layer norms rising from far below 1e-2 (first layer) to about 1 (last "
               "layer), as in a sigmoid network")
    norms = _rising(rng, 20, 1e-30, rng.uniform(0.5, 1.5))
    norms[:4] = 0.0
    _diagnosis(student, ref, norms, "20 per-layer norms whose first 4 are exactly 0 (float32 "
               "underflow) and whose last is about 1", as_list=False)
    _diagnosis(student, ref, _level(rng, 12, 10.0 ** rng.uniform(-14, -10)),
               "12 per-layer norms, level across the layers but all far below 1e-2 (weights "
               "drawn from N(0, 0.01))")
    norms = _level(rng, 10, rng.uniform(0.3, 1.0))
    norms[int(rng.integers(3, 7))] = 10.0 ** rng.uniform(-6, -3)
    _diagnosis(student, ref, norms, "10 per-layer norms of order 0.1 to 1 except one layer in "
               "the middle far below 1e-2 (a layer of dead ReLUs)")


@SUITE.test("diagnose_gradients", points=1,
            hint="'exploding' when any layer's norm is above high, even when the first layer "
                 "looks fine or another layer is below low: look for an exploding layer first, "
                 "it wrecks the model in one step")
def exploding_when_any_layer_exceeds_high(student, ref, rng):
    _diagnosis(student, ref, _rising(rng, 12, rng.uniform(5.0, 30.0), 10.0 ** rng.uniform(3, 4)),
               "12 per-layer norms rising from a few tens (first layer, inside the band) to "
               "thousands (last layer), as in a ReLU network with weights too large")
    _diagnosis(student, ref, _level(rng, 10, 10.0 ** rng.uniform(3, 5)),
               "10 per-layer norms, level across the layers but all far above 1e2",
               as_list=False)
    _diagnosis(student, ref, _rising(rng, 12, 10.0 ** rng.uniform(-8, -5), 10.0 ** rng.uniform(3, 4)),
               "12 per-layer norms rising from far below 1e-2 (first layer) to far above 1e2 "
               "(last layer)")


@SUITE.test("diagnose_gradients", points=1,
            hint="a norm that is nan or inf means the numbers have already overflowed: "
                 "'exploding'. Every comparison with nan is False, so a nan slips through tests "
                 "such as norm > high unless you look for it (np.isfinite)")
def nan_or_inf_norms_mean_exploding(student, ref, rng):
    for bad, as_list in ((np.nan, True), (np.inf, False)):
        norms = _level(rng, 12, rng.uniform(0.2, 2.0))
        norms[int(rng.integers(0, 12))] = bad
        _diagnosis(student, ref, norms, f"12 per-layer norms of order 0.1 to 1 except one that "
                   f"is {bad}", as_list=as_list)
    norms = _rising(rng, 12, 10.0 ** rng.uniform(-10, -6), rng.uniform(0.5, 1.5))
    norms[-1] = np.nan
    _diagnosis(student, ref, norms, "12 per-layer norms rising from far below 1e-2 (first "
               "layer), with nan in the last layer")


@SUITE.test("diagnose_gradients", points=1,
            hint="use the low and high you are given (keyword arguments) instead of fixed "
                 "numbers, and never write into the norms: sorting or clipping the caller's "
                 "array in place changes their measurements")
def uses_the_band_it_is_given_and_does_not_modify_norms(student, ref, rng):
    norms = _level(rng, 12, 3e-3, spread=0.2)  # vanishing in the default band
    before = norms.copy()
    _diagnosis(student, ref, norms, "12 per-layer norms of a few thousandths (a float64 "
               "array)", as_list=False, low=1e-4, high=1e2)
    got = student(norms, low=1e-4, high=1e2)
    expect_unchanged(before, norms, "diagnose_gradients", "norms")
    expect(got == ref.diagnose_gradients(before, low=1e-4, high=1e2), "diagnose_gradients",
           f"said {got!r} the second time", "the same norms, low=0.0001, high=100")
    strict = dict(low=0.1, high=10.0)
    _diagnosis(student, ref, _level(rng, 8, 0.03, spread=0.2),
               "8 per-layer norms of a few hundredths", **strict)
    _diagnosis(student, ref, _level(rng, 8, 30.0, spread=0.2),
               "8 per-layer norms of a few tens", **strict)
    _diagnosis(student, ref, _rising(rng, 8, 0.3, 3.0),
               "8 per-layer norms rising from 0.3 to 3", **strict)


# The chapter's real data: networks of 12 Linear layers for the Wisconsin biopsies (30
# standardised nucleus features, benign or malignant), measured on biopsies drawn by the test.
_BIOPSY_NETWORKS = ("sigmoid, PyTorch's default initialisation",
                    "tanh, weights drawn from N(0, 0.01)",
                    "ReLU, PyTorch's default initialisation",
                    "ReLU, weights twice He's",
                    "tanh, Xavier with gain 5/3",
                    "ReLU, He initialisation",
                    "ReLU, residual blocks with PyTorch's default initialisation")


@lru_cache(maxsize=None)
def _biopsy_features():
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    X = (data.data - data.data.mean(axis=0)) / data.data.std(axis=0)
    return X.astype(np.float32), data.target.astype(np.int64)


class _ResidualUnit(torch.nn.Module):
    """x + Linear(ReLU(Linear(x))), PyTorch's default initialisation."""

    def __init__(self, width):
        super().__init__()
        self.inner = torch.nn.Linear(width, width)
        self.outer = torch.nn.Linear(width, width)

    def forward(self, x):
        return x + self.outer(torch.relu(self.inner(x)))


def _biopsy_network(kind, seed, depth=12, width=32):
    """One of _BIOPSY_NETWORKS: 30 inputs, `depth` Linear layers, 2 outputs."""
    torch.manual_seed(seed)
    if kind.startswith("ReLU, residual"):
        blocks = [_ResidualUnit(width) for _ in range((depth - 2) // 2)]
        return torch.nn.Sequential(torch.nn.Linear(30, width), torch.nn.ReLU(), *blocks,
                                   torch.nn.Linear(width, 2))
    act = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "ReLU": torch.nn.ReLU}[
        kind.split(",")[0]]
    draw = np.random.default_rng(seed)
    modules, fan_in = [], 30
    for _ in range(depth - 1):
        layer = torch.nn.Linear(fan_in, width)
        if "default" not in kind:  # torch's (out, in) layout
            if "N(0, 0.01)" in kind:
                w = draw.normal(0.0, 0.01, size=(width, fan_in))
            elif "Xavier" in kind:
                bound = 5.0 / 3.0 * np.sqrt(6.0 / (fan_in + width))
                w = draw.uniform(-bound, bound, size=(width, fan_in))
            else:  # He, or twice He's standard deviation
                scale = 2.0 if "twice" in kind else 1.0
                w = draw.normal(0.0, scale * np.sqrt(2.0 / fan_in), size=(width, fan_in))
            with torch.no_grad():
                layer.weight.copy_(torch.as_tensor(w, dtype=torch.float32))
                layer.bias.zero_()
        modules += [layer, act()]
        fan_in = width
    return torch.nn.Sequential(*modules, torch.nn.Linear(width, 2))


@lru_cache(maxsize=None)
def _biopsy_profiles(seed):
    """{network: its per-layer gradient norms} on 300 biopsies drawn with `seed`."""
    X, y = _biopsy_features()
    rows = np.random.default_rng(seed).choice(len(y), size=300, replace=False)
    Xt, yt = torch.as_tensor(X[rows]), torch.as_tensor(y[rows])
    profiles = {}
    for k, kind in enumerate(_BIOPSY_NETWORKS):
        net = _biopsy_network(kind, seed + k)
        loss = torch.nn.functional.cross_entropy(net(Xt), yt)
        weights = [m.weight for m in net.modules() if isinstance(m, torch.nn.Linear)]
        profiles[kind] = tuple(float(g.norm()) for g in torch.autograd.grad(loss, weights))
    return profiles


@SUITE.test("diagnose_gradients", points=1,
            hint="on real networks: a sigmoid network with PyTorch's default weights starves "
                 "its first layers, weights far too small or too large give a level profile of "
                 "the wrong size, and He, Xavier or residual networks keep every layer in the "
                 "band")
def networks_measured_on_the_biopsies(student, ref, rng):
    profiles = _biopsy_profiles(int(rng.integers(1 << 20)))
    for kind, norms in profiles.items():
        _diagnosis(student, ref, norms, f"the 12 per-layer gradient norms of a 12-layer network "
                   f"({kind}) for the Wisconsin biopsies, cross-entropy averaged over 300 "
                   "biopsies you do not see")

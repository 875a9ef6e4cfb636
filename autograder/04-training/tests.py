"""Hidden tests for chapter 04-training.

Each test gets (student, ref, rng): the student's function (or, for ``EarlyStopping``, the
student's class), the reference module and a seeded generator. Tests only call the student's
code and compare returned values (converted to plain float arrays) with the reference.

* ``dropout`` draws its mask from the student's use of the generator it is given, so masks can
  legitimately differ between implementations (``rng.random`` vs ``rng.binomial``): it is
  tested by behaviour (identity in eval mode or p == 0, kept fraction close to 1 - p on large
  arrays, kept entries scaled by exactly 1 / (1 - p), expectation preserved, one coin per
  entry, reproducible given the generator, a fresh mask from each call, p == 1 gives zeros,
  input unchanged). The statistical tolerances are 6 standard deviations or wider, so a
  correct implementation fails with probability far below 1e-6.
* ``batchnorm_forward`` is compared with the reference (which matches torch BatchNorm1d).
* ``EarlyStopping`` is constructed and driven with sequences of validation losses; the
  returned booleans and the attributes best_loss, best_epoch and counter are compared after
  every call.
* ``choose_n_epochs`` (apply and decide) gets validation curves of k cross-validation folds
  and is compared with the reference's one-standard-error rule: constructed curves whose
  column means and standard deviations are known (folds that agree, folds that disagree about
  their best epoch, a long flat valley, the standard error's formula and epoch) and the
  biopsy network's own cross-validation curves on hidden folds.
* The written answer ``written_choose_n_epochs`` is graded by hand against the rubric in the
  solution notebook.

Side-property tests (identity cases, reproducibility, one coin per entry, input unchanged,
p == 1) also require a sensible training output, so a degenerate dropout (all zeros, x
unchanged, the mask itself) earns nothing from them.

Points (one per behaviour): dropout 10, batchnorm_forward 9, EarlyStopping 10,
choose_n_epochs 6; written answer 2 (by hand).
"""
from functools import lru_cache

import numpy as np

from autograder.engine.testing import (Failure, Suite, call_without_warnings, describe, expect,
                                expect_close, expect_shape, expect_unchanged, make, to_array,
                                to_float)

SUITE = Suite("04-training")
SUITE.written("written_choose_n_epochs", 2)


# ================================================================== dropout
def _nonzero(rng, shape):
    """Values bounded away from 0, so a kept entry can never look dropped."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.5, 2.0, size=shape)


def _generator(student, seed):
    """np.random.default_rng(seed), created where the student's code runs (the sandbox only
    exchanges data, so the generator must live on the student's side)."""
    return make(student, f"np.random.default_rng({int(seed)})")


def _dropout(student, x, p, training=True, seed=0, generator=None):
    given = f"x {describe(x)}, p={p}, training={training}"
    gen = _generator(student, seed) if generator is None else generator
    out = student(x.copy(), p, training, gen)
    return expect_shape(out, x.shape, "dropout", given), given


def _expect_a_dropout_mask(out, x, p, given, fraction=True):
    """Side-property tests also require a sensible training output, so that a degenerate
    answer (all zeros, x unchanged, the mask itself, noise) earns nothing from them: the
    kept entries are x times one common positive factor (any factor: the scaling has its own
    test) and, with ``fraction``, the kept fraction is within 6 sd of 1 - p. ``x`` must have
    no zeros."""
    out = np.asarray(out, dtype=float)
    kept = out != 0
    if fraction:
        frac, sd = float(kept.mean()), np.sqrt(p * (1 - p) / x.size)
        expect(abs(frac - (1 - p)) < 6 * sd, "dropout",
               f"kept a fraction {frac:.3f} of the entries; expected about 1 - p = {1 - p:.3f}",
               given)
    if kept.any():
        ratio = out[kept] / x[kept]
        expect(ratio[0] > 0 and np.allclose(ratio, ratio[0], rtol=1e-5, atol=0), "dropout",
               "the kept entries are not x times one common positive factor (every entry "
               "should be 0 or x / (1 - p))", given)


@SUITE.test("dropout", points=1,
            hint="at evaluation time (training=False) dropout does nothing: return x unchanged, "
                 "with no scaling; inverted dropout does all its scaling during training")
def identity_when_not_training(student, ref, rng):
    x = rng.normal(size=(6, 7))
    for p in (0.3, 0.9):
        out, given = _dropout(student, x, p, training=False)
        expect_close(out, x, "dropout", given, rtol=1e-6, atol=0)
    # the same function must drop in training mode: returning x always earns nothing here
    z = _nonzero(rng, (40, 25))
    out, given = _dropout(student, z, 0.5, training=True, seed=int(rng.integers(1 << 30)))
    _expect_a_dropout_mask(out, z, 0.5, given)


@SUITE.test("dropout", points=1, hint="with p = 0 nothing is dropped and 1 / (1 - p) = 1")
def identity_when_p_is_zero(student, ref, rng):
    x = rng.normal(size=(5, 4))
    out, given = _dropout(student, x, 0.0, training=True)
    expect_close(out, x, "dropout", given, rtol=1e-6, atol=0)
    z = _nonzero(rng, (40, 25))
    out, given = _dropout(student, z, 0.4, training=True, seed=int(rng.integers(1 << 30)))
    _expect_a_dropout_mask(out, z, 0.4, given)


@SUITE.test("dropout", points=1,
            hint="p is the probability of DROPPING an entry: keep an entry when a uniform "
                 "random number is >= p (or < 1 - p), so about a fraction 1 - p survives")
def kept_fraction_is_one_minus_p(student, ref, rng):
    n = 200_000
    x = _nonzero(rng, n)
    for p in (0.2, 0.7):
        out, given = _dropout(student, x, p, seed=int(rng.integers(1 << 30)))
        kept = float(np.mean(out != 0))
        sd = np.sqrt(p * (1 - p) / n)
        expect(abs(kept - (1 - p)) < 6 * sd, "dropout",
               f"kept a fraction {kept:.4f} of the entries; expected about 1 - p = {1 - p:.4f}",
               given)
        _expect_a_dropout_mask(out, x, p, given, fraction=False)


@SUITE.test("dropout", points=1,
            hint="inverted dropout divides every kept entry by the keep probability 1 - p "
                 "(not by p, and not nothing), and sets dropped entries to exactly 0")
def kept_entries_scaled_by_one_over_one_minus_p(student, ref, rng):
    x = _nonzero(rng, (300, 40))
    for p in (0.25, 0.6):
        out, given = _dropout(student, x, p, seed=int(rng.integers(1 << 30)))
        kept = out != 0
        expect(kept.any() and (~kept).any(), "dropout",
               "expected some entries kept and some dropped", given)
        ratio = out[kept] / x[kept]
        worst = float(np.max(np.abs(ratio - 1 / (1 - p))))
        expect(worst < 1e-5 / (1 - p), "dropout",
               f"kept entries should equal x / (1 - p) = x * {1 / (1 - p):.4g}; found kept "
               f"entries equal to x times {ratio[np.argmax(np.abs(ratio - 1 / (1 - p)))]:.4g}",
               given)


@SUITE.test("dropout", points=1,
            hint="averaged over the random mask, the output should equal the input "
                 "(E[out] = x): that is why kept entries are scaled up by 1 / (1 - p)")
def expectation_is_preserved(student, ref, rng):
    n_rows = 4000
    row = rng.uniform(0.5, 3.0, size=25)
    x = np.tile(row, (n_rows, 1))
    p = 0.5
    out, given = _dropout(student, x, p, seed=int(rng.integers(1 << 30)))
    _expect_a_dropout_mask(out, x, p, given)  # returning x would preserve the mean trivially
    col_means = out.mean(axis=0)
    sd = row * np.sqrt(p / (1 - p) / n_rows)
    worst = int(np.argmax(np.abs(col_means - row) / sd))
    expect(np.all(np.abs(col_means - row) < 6 * sd), "dropout",
           f"the average output of a feature is {col_means[worst]:.4g} but its input value is "
           f"{row[worst]:.4g} (averaged over {n_rows} rows)", given)
    expect(abs(out.mean() / row.mean() - 1) < 0.03, "dropout",
           f"the overall mean changed from {row.mean():.4g} to {out.mean():.4g}", given)


@SUITE.test("dropout", points=1,
            hint="draw the random numbers from the `rng` argument (rng.random(x.shape)); "
                 "np.random.* or a new generator makes results irreproducible")
def draws_from_the_given_generator(student, ref, rng):
    x = _nonzero(rng, (50, 20))
    seed = int(rng.integers(1 << 30))
    a, given = _dropout(student, x, 0.5, seed=seed)
    _expect_a_dropout_mask(a, x, 0.5, given)  # noise is reproducible too, but is no dropout
    b, _ = _dropout(student, x, 0.5, seed=seed)
    expect(np.array_equal(a, b), "dropout",
           "two calls with generators created from the same seed gave different masks", given)
    c, _ = _dropout(student, x, 0.5, seed=seed + 1)
    expect(not np.array_equal(a, c), "dropout",
           "generators created from different seeds gave the same mask", given)


@SUITE.test("dropout", points=1,
            hint="draw the mask from `rng` itself, so that every call advances it: a copy of "
                 "the generator (copy.deepcopy(rng)) or a generator re-created from a seed "
                 "gives every batch of a training loop the same mask")
def successive_calls_draw_fresh_masks(student, ref, rng):
    x = _nonzero(rng, (50, 20))
    gen = _generator(student, int(rng.integers(1 << 30)))
    a, given = _dropout(student, x, 0.5, generator=gen)
    b, _ = _dropout(student, x, 0.5, generator=gen)
    given += ", called twice with the same generator"
    _expect_a_dropout_mask(a, x, 0.5, given)
    _expect_a_dropout_mask(b, x, 0.5, given)
    expect(not np.array_equal(a != 0, b != 0), "dropout",
           "two calls with the same generator gave the same mask", given)


@SUITE.test("dropout", points=1,
            hint="flip one independent coin per ENTRY: the mask must have the full shape of "
                 "x (x.shape), not one value per row or per column, and keep x's shape")
def one_coin_per_entry_and_any_shape(student, ref, rng):
    x = np.ones((400, 300))
    out, given = _dropout(student, x, 0.5, seed=int(rng.integers(1 << 30)))
    _expect_a_dropout_mask(out, x, 0.5, given, fraction=False)
    kept = out != 0
    for axis, what in ((0, "column"), (1, "row")):
        frac = kept.mean(axis=axis)
        expect(np.all((frac > 0.3) & (frac < 0.7)), "dropout",
               f"some {what}s are kept or dropped as a whole (kept fractions from "
               f"{frac.min():.2f} to {frac.max():.2f}; about 0.5 expected in every {what})", given)
    for shape in ((7,), (3, 4, 5)):
        z = _nonzero(rng, shape)
        out, given = _dropout(student, z, 0.3, seed=1)
        _expect_a_dropout_mask(out, z, 0.3, given, fraction=False)


@SUITE.test("dropout", points=1,
            hint="with p = 1 every entry is dropped: return zeros without dividing by "
                 "1 - p = 0 (handle p == 1 as a special case)")
def p_equal_one_gives_zeros(student, ref, rng):
    x = rng.normal(size=(8, 5))
    given = f"x {describe(x)}, p=1.0, training=True"
    out = call_without_warnings(student, x.copy(), 1.0, True, _generator(student, 0),
                                what="dropout", given=given)
    expect_close(out, np.zeros_like(x), "dropout", given)
    # at evaluation time even p = 1 drops nothing: returning zeros always earns nothing here
    out, given = _dropout(student, x, 1.0, training=False)
    expect_close(out, x, "dropout", given, rtol=1e-6, atol=0)


@SUITE.test("dropout", points=1,
            hint="build a new array (e.g. np.where(mask, x / (1 - p), 0)); x *= mask writes "
                 "into the caller's array")
def does_not_modify_its_input(student, ref, rng):
    x = _nonzero(rng, (40, 25))
    before = x.copy()
    out = student(x, 0.5, True, _generator(student, 3))
    expect_unchanged(before, x, "dropout", "x")
    given = f"x {describe(before)}, p=0.5, training=True"
    out = expect_shape(out, x.shape, "dropout", given)
    # all zeros would leave x unchanged too: the output must be a real dropout of x
    _expect_a_dropout_mask(out, before, 0.5, given)
    kept = out != 0
    expect(np.allclose(out[kept], 2 * before[kept]), "dropout",
           "kept entries should be x / (1 - p)", given)


# ================================================================== batchnorm_forward
def _bn_inputs(rng, n=16, d=5):
    x = rng.normal(size=(n, d)) * rng.uniform(0.5, 4.0, size=d) + rng.uniform(-5, 5, size=d)
    gamma = rng.uniform(0.5, 2.0, size=d)
    beta = rng.normal(size=d)
    rm = rng.normal(size=d)
    rv = rng.uniform(0.5, 2.0, size=d)
    return x, gamma, beta, rm, rv


def _bn(student, ref, args, training, what_given="", **kwargs):
    x, gamma, beta, rm, rv = args
    given = (f"x {describe(x)}, training={training}"
             + "".join(f", {k}={v}" for k, v in kwargs.items()) + what_given)
    res = student(x.copy(), gamma.copy(), beta.copy(), rm.copy(), rv.copy(), training, **kwargs)
    if not isinstance(res, (tuple, list)) or len(res) != 3:
        raise Failure(f"batchnorm_forward with {given}: should return a tuple "
                      "(out, new_running_mean, new_running_var)")
    exp = ref.batchnorm_forward(x, gamma, beta, rm, rv, training, **kwargs)
    return res, exp, given


@SUITE.test("batchnorm_forward", points=1,
            hint="in training mode normalise each feature (column, axis=0) with the batch mean "
                 "and the BIASED batch variance (divide by N): gamma * (x - mu) / "
                 "sqrt(var + eps) + beta")
def training_output_values(student, ref, rng):
    for n, d in ((16, 5), (7, 3)):
        res, exp, given = _bn(student, ref, _bn_inputs(rng, n, d), True)
        expect_close(res[0], exp[0], "batchnorm_forward (out)", given)


@SUITE.test("batchnorm_forward", points=1,
            hint="new_running_mean = (1 - momentum) * running_mean + momentum * batch_mean "
                 "(torch's convention: momentum is the weight of the NEW batch)")
def running_mean_update(student, ref, rng):
    res, exp, given = _bn(student, ref, _bn_inputs(rng, 12, 4), True)
    expect_close(res[1], exp[1], "batchnorm_forward (new_running_mean)", given)


@SUITE.test("batchnorm_forward", points=1,
            hint="torch updates the running variance with the UNBIASED batch variance "
                 "(divide by N - 1, np.var(x, axis=0, ddof=1)), although it normalises the "
                 "batch with the biased one")
def running_variance_uses_the_unbiased_variance(student, ref, rng):
    res, exp, given = _bn(student, ref, _bn_inputs(rng, 4, 6), True)
    expect_close(res[2], exp[2], "batchnorm_forward (new_running_var)", given)


@SUITE.test("batchnorm_forward", points=1,
            hint="in eval mode use running_mean and running_var instead of the batch "
                 "statistics, still apply gamma and beta, and return the running statistics "
                 "unchanged")
def eval_mode_uses_the_running_statistics(student, ref, rng):
    for n in (10, 1):
        res, exp, given = _bn(student, ref, _bn_inputs(rng, n, 4), False)
        expect_close(res[0], exp[0], "batchnorm_forward (out)", given)
        expect_close(res[1], exp[1], "batchnorm_forward (new_running_mean)", given)
        expect_close(res[2], exp[2], "batchnorm_forward (new_running_var)", given)


@SUITE.test("batchnorm_forward", points=1,
            hint="use the `momentum` argument rather than the number 0.1: momentum = 0 keeps "
                 "the old running statistics, momentum = 1 replaces them by the batch ones")
def respects_the_momentum_argument(student, ref, rng):
    args = _bn_inputs(rng, 9, 3)
    for momentum in (0.0, 0.5, 1.0):
        res, exp, given = _bn(student, ref, args, True, momentum=momentum)
        for k, part in enumerate(("out", "new_running_mean", "new_running_var")):
            expect_close(res[k], exp[k], f"batchnorm_forward ({part})", given)


@SUITE.test("batchnorm_forward", points=1,
            hint="eps goes INSIDE the square root, sqrt(var + eps); it matters for features "
                 "that barely vary, and a constant feature must give beta, not NaN")
def eps_and_nearly_constant_features(student, ref, rng):
    x, gamma, beta, rm, rv = _bn_inputs(rng, 20, 4)
    x[:, 1] = 3.0 + 1e-3 * rng.normal(size=20)   # a feature that barely varies
    x[:, 2] = 7.0                                 # a constant feature
    for kwargs in ({}, {"eps": 1e-3}):
        given = f"x {describe(x)} (one column nearly constant, one constant), training=True" \
            + "".join(f", {k}={v}" for k, v in kwargs.items())
        res = call_without_warnings(student, x.copy(), gamma.copy(), beta.copy(), rm.copy(),
                                    rv.copy(), True, what="batchnorm_forward", given=given,
                                    **kwargs)
        if not isinstance(res, (tuple, list)) or len(res) != 3:
            raise Failure(f"batchnorm_forward with {given}: should return a tuple "
                          "(out, new_running_mean, new_running_var)")
        exp = ref.batchnorm_forward(x, gamma, beta, rm, rv, True, **kwargs)
        expect_close(res[0], exp[0], "batchnorm_forward (out)", given)
    rm_eval = rng.normal(size=4)
    rv_eval = np.array([1.0, 1e-6, 1e-5, 2.0])
    res, exp, given = _bn(student, ref, (x, gamma, beta, rm_eval, rv_eval), False, eps=1e-4)
    expect_close(res[0], exp[0], "batchnorm_forward (out)", given + " (tiny running_var)")


@SUITE.test("batchnorm_forward", points=1,
            hint="eps only stabilises the division, sqrt(var + eps): the running variance is "
                 "updated with the unbiased batch variance itself, without eps (compute var "
                 "first and add eps only inside the square root)")
def eps_stays_out_of_the_running_variance(student, ref, rng):
    args = _bn_inputs(rng, 10, 4)
    for momentum in (1.0, 0.5):
        res, exp, given = _bn(student, ref, args, True, momentum=momentum, eps=0.1)
        for k, part in enumerate(("out", "new_running_mean", "new_running_var")):
            expect_close(res[k], exp[k], f"batchnorm_forward ({part})", given)


@SUITE.test("batchnorm_forward", points=1,
            hint="return (out, new_running_mean, new_running_var) with shapes (N, D), (D,), "
                 "(D,); reduce over the batch axis 0 only")
def shapes_and_the_smallest_batch(student, ref, rng):
    for n, d in ((2, 1), (2, 5), (64, 3)):
        res, exp, given = _bn(student, ref, _bn_inputs(rng, n, d), True)
        for k, (part, shape) in enumerate((("out", (n, d)), ("new_running_mean", (d,)),
                                           ("new_running_var", (d,)))):
            arr = expect_shape(res[k], shape, f"batchnorm_forward ({part})", given)
            expect_close(arr, exp[k], f"batchnorm_forward ({part})", given)


@SUITE.test("batchnorm_forward", points=1,
            hint="compute new running statistics as new arrays; `running_mean *= 1 - momentum` "
                 "(torch's in-place buffer update) changes the caller's arrays")
def does_not_modify_its_inputs(student, ref, rng):
    args = _bn_inputs(rng, 8, 3)
    before = [a.copy() for a in args]
    names = ("x", "gamma", "beta", "running_mean", "running_var")
    for training in (True, False):
        res = student(*args, training)
        for name, b, a in zip(names, before, args):
            expect_unchanged(b, a, "batchnorm_forward", name)
        if not isinstance(res, (tuple, list)) or len(res) != 3:
            raise Failure("batchnorm_forward should return a tuple "
                          "(out, new_running_mean, new_running_var)")
        exp = ref.batchnorm_forward(*before, training)
        for k, part in enumerate(("out", "new_running_mean", "new_running_var")):
            expect_close(res[k], exp[k], f"batchnorm_forward ({part})",
                         f"x {describe(before[0])}, training={training}")


# ================================================================== EarlyStopping
def _fmt(seq):
    return "[" + ", ".join("nan" if np.isnan(v) else f"{v:g}" for v in seq) + "]"


def _check_state(obj, ref_obj, what, attrs=("best_loss", "best_epoch", "counter")):
    for attr in attrs:
        exp = getattr(ref_obj, attr)
        if not hasattr(obj, attr):
            raise Failure(f"{what}: the object has no attribute `{attr}` "
                          "(set it in __init__ and update it in step)")
        got = getattr(obj, attr)
        if exp is None:
            continue
        if got is None:
            raise Failure(f"{what}: `{attr}` is None, expected {exp:g}")
        if attr == "best_loss":
            expect_close(got, exp, f"{what}: attribute `best_loss`", rtol=1e-6)
        else:
            val = to_float(got, f"{what}: attribute `{attr}`")
            expect(val == exp, f"{what}: attribute `{attr}`", f"expected {exp}, got {val:g}")


def _drive(student, ref, losses, patience, min_delta=None, show=True, until_stop=True,
           attrs=("best_loss", "best_epoch", "counter")):
    kwargs = {} if min_delta is None else {"min_delta": min_delta}
    obj = student(patience, **kwargs)
    ref_obj = ref.EarlyStopping(patience, **kwargs)
    seq = _fmt(losses) if show else f"of {len(losses)} noisy validation losses"
    args = f"patience={patience}" + ("" if min_delta is None else f", min_delta={min_delta}")
    for k, loss in enumerate(losses):
        what = (f"EarlyStopping({args}) driven with the losses {seq}, at step({loss:g}) "
                f"(call index {k})" if show else
                f"EarlyStopping({args}) driven with a sequence {seq}, at call index {k}")
        exp = ref_obj.step(loss)
        got = obj.step(loss)
        got_arr = to_array(got, f"{what}: step")
        if got_arr.size != 1:
            raise Failure(f"{what}: step should return a single bool")
        expect(bool(got_arr.reshape(())) == exp, what,
               f"step returned {bool(got_arr.reshape(()))}, expected {exp}")
        _check_state(obj, ref_obj, what, attrs)
        if exp and until_stop:
            return


@SUITE.test("EarlyStopping", points=1,
            hint="every strictly lower loss is an improvement: record best_loss and best_epoch "
                 "(the 0-based number of the step call), reset counter to 0, return False")
def keeps_going_while_the_loss_improves(student, ref, rng):
    _drive(student, ref, [2.0, 1.5, 1.2, 1.0, 0.9, 0.85, 0.8, 0.78], patience=2)


@SUITE.test("EarlyStopping", points=1,
            hint="count the calls without improvement; return True as soon as counter >= "
                 "patience (after exactly `patience` bad epochs, not patience + 1)")
def stops_after_patience_bad_epochs(student, ref, rng):
    _drive(student, ref, [1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], patience=3)


@SUITE.test("EarlyStopping", points=1,
            hint="an improvement resets counter to 0; a non-improvement adds 1 to it")
def counter_resets_on_improvement(student, ref, rng):
    _drive(student, ref, [1.0, 0.9, 0.95, 0.97, 0.85, 0.86, 0.87, 0.88, 0.8, 0.81, 0.82,
                          0.83, 0.84], patience=4)


@SUITE.test("EarlyStopping", points=1,
            hint="best_loss is the lowest loss seen so far and best_epoch the index (0, 1, "
                 "2, ...) of the call that produced it; only an improvement changes them")
def tracks_best_loss_and_best_epoch_on_noisy_curves(student, ref, rng):
    for _ in range(4):
        epochs = np.arange(60)
        curve = 0.3 + np.exp(-epochs / 8) + 0.004 * np.maximum(epochs - 20, 0) \
            + rng.normal(0, 0.03, size=60)
        _drive(student, ref, [float(v) for v in curve], patience=int(rng.integers(3, 8)),
               show=False)


@SUITE.test("EarlyStopping", points=1,
            hint="with min_delta an improvement must beat the best loss by MORE than "
                 "min_delta: val_loss < best_loss - min_delta; smaller gains count as bad "
                 "epochs and do not change best_loss")
def respects_min_delta(student, ref, rng):
    _drive(student, ref, [1.0, 0.97, 0.96, 0.94, 0.90, 0.895, 0.88, 0.87, 0.86, 0.85],
           patience=3,
           min_delta=0.05)
    _drive(student, ref, [1.0, 0.9, 0.8, 0.79, 0.7, 0.69, 0.675, 0.685, 0.66], patience=2,
           min_delta=0.02)


@SUITE.test("EarlyStopping", points=1,
            hint="an equal loss is not an improvement: use a strict < comparison")
def equal_loss_is_not_an_improvement(student, ref, rng):
    _drive(student, ref, [0.5, 0.5, 0.5, 0.5], patience=3)


@SUITE.test("EarlyStopping", points=1,
            hint="use self.patience, the value given to the constructor, not a fixed number")
def respects_the_patience_argument(student, ref, rng):
    losses = [1.0, 0.8, 0.81, 0.82, 0.83, 0.84, 0.85, 0.86, 0.87, 0.88]
    for patience in (1, 6):
        _drive(student, ref, losses, patience=patience)


@SUITE.test("EarlyStopping", points=1,
            hint="keep the state on the instance (self.counter = 0 in __init__), not in class "
                 "attributes or global variables shared by every EarlyStopping")
def instances_are_independent(student, ref, rng):
    a, b = student(3), student(3)
    ra, rb = ref.EarlyStopping(3), ref.EarlyStopping(3)
    seq_a = [1.0, 0.9, 0.8, 0.85, 0.86]
    seq_b = [2.0, 2.1, 1.5, 1.4, 1.3]
    for k, (la, lb) in enumerate(zip(seq_a, seq_b)):
        for obj, ref_obj, loss, name, seq in ((a, ra, la, "first", seq_a),
                                              (b, rb, lb, "second", seq_b)):
            what = (f"two EarlyStopping(patience=3) objects used in turn, the {name} driven "
                    f"with {_fmt(seq)}, at call index {k}")
            exp = ref_obj.step(loss)
            got = to_array(obj.step(loss), f"{what}: step")
            expect(got.size == 1 and bool(got.reshape(-1)[0]) == exp, what,
                   f"step returned {got}, expected {exp}")
            _check_state(obj, ref_obj, what)


@SUITE.test("EarlyStopping", points=1,
            hint="before the first call best_loss is float('inf') (not None, not a large "
                 "number) and counter is 0, so that any finite first loss, however large, is "
                 "an improvement")
def starts_from_an_infinite_best_loss(student, ref, rng):
    obj = student(2)
    what = "EarlyStopping(patience=2) before any call of step"
    for attr in ("best_loss", "counter"):
        if not hasattr(obj, attr):
            raise Failure(f"{what}: the object has no attribute `{attr}` "
                          "(set it in __init__)")
    best = obj.best_loss
    if best is None:
        raise Failure(f"{what}: `best_loss` is None, expected inf")
    got = to_float(best, f"{what}: attribute `best_loss`")
    expect(got == float("inf"), f"{what}: attribute `best_loss`", f"expected inf, got {got:g}")
    counter = to_float(obj.counter, f"{what}: attribute `counter`")
    expect(counter == 0, f"{what}: attribute `counter`", f"expected 0, got {counter:g}")
    # and it must then work: a huge first loss (a diverged first epoch) is an improvement
    _drive(student, ref, [1e12, 3.0, 2.5, 2.6, 2.7, 2.4], patience=2)


@SUITE.test("EarlyStopping", points=1,
            hint="a NaN loss (a diverged model) must never become the best loss: with "
                 "`if val_loss < best_loss - min_delta:` the comparison is False for NaN, "
                 "whereas `if not val_loss >= ...` treats NaN as an improvement")
def nan_loss_is_not_an_improvement(student, ref, rng):
    _drive(student, ref, [1.0, 0.8, float("nan"), float("nan"), 0.9, 0.7], patience=3)


# ================================================================== choose_n_epochs
# Apply and decide: the number of epochs for a final model, from the validation curves of k
# cross-validation folds, by the one-standard-error rule. The constructed curves have known
# column means and sample standard deviations (``_with_spread``), so each test controls the
# mean curve, its lowest point and the standard error there, with margins far above float32
# rounding; the last input is the chapter's own case, the biopsy network's cross-validation
# curves, on folds and seeds the notebook does not use.
def _with_spread(rng, mean, sd, k):
    """k curves (k, T) whose column t has exactly the mean mean[t] and the sample standard
    deviation (ddof=1) sd[t]."""
    mean = np.asarray(mean, dtype=float)
    z = rng.normal(size=(k, mean.size))
    z -= z.mean(axis=0)
    z /= z.std(axis=0, ddof=1)
    return mean + np.asarray(sd, dtype=float) * z


def _epochs_returned(got, given):
    if isinstance(got, (bool, np.bool_)):
        raise Failure(f"choose_n_epochs with {given}: returned a bool; expected a number of "
                      "epochs (an int)")
    n = to_float(got, "choose_n_epochs")
    expect(np.isfinite(n) and n == round(n), "choose_n_epochs",
           f"returned {n:.4g}, which is not a whole number of epochs", given)
    return int(round(n))


def _choose(student, ref, curves, situation=""):
    given = f"val_curves {describe(curves)}" + (f" ({situation})" if situation else "")
    n = _epochs_returned(student(curves.copy()), given)
    expected = ref.choose_n_epochs(curves)
    expect(n == expected, "choose_n_epochs", f"returned n = {n}, expected n = {expected} epochs",
           given)


@SUITE.test("choose_n_epochs", points=1,
            hint="average the k folds epoch by epoch (over axis 0, the rows are the folds) and "
                 "find the lowest point of that mean curve; answer with a NUMBER of epochs, "
                 "counted from 1 (column t holds the losses after t + 1 epochs)")
def lowest_mean_loss_when_the_folds_agree(student, ref, rng):
    for k, n_epochs in ((5, 60), (3, 25), (8, 100)):
        t = np.arange(n_epochs)
        best = int(rng.integers(n_epochs // 5, 3 * n_epochs // 5))
        mean = rng.uniform(0.08, 0.3) + np.where(t < best, rng.uniform(0.01, 0.03) * (best - t),
                                                 rng.uniform(0.002, 0.01) * (t - best))
        curves = _with_spread(rng, mean, 1e-5, k)  # the folds agree: standard error ~ 0
        _choose(student, ref, curves, "folds that agree, standard error close to 0")


@SUITE.test("choose_n_epochs", points=1,
            hint="decide on the MEAN curve of the folds: the average (or median) of each fold's "
                 "own best epoch is a different rule")
def averages_the_folds_before_choosing(student, ref, rng):
    # The folds' curves cross at the best epoch of their mean (so the standard error there is
    # about 0 and the answer is that epoch), but each fold alone is best elsewhere: fold i is
    # an asymmetric parabola tilted by a_i (t - t*), the tilts summing to 0.
    for k, n_epochs, shifts in ((4, 70, (-3, -5, 12, 20)), (6, 70, (-2, -4, -6, 8, 16, 24))):
        t = np.arange(n_epochs)
        best = int(rng.integers(25, 36))
        left = rng.uniform(3e-4, 5e-4)
        right = left / 4               # the mean rises 4 times more slowly after its minimum
        bowl = rng.uniform(0.15, 0.25) + np.where(t < best, left, right) * (t - best) ** 2
        tilts = [2 * (left if s < 0 else right) * -s for s in shifts]  # fold best: best + s
        curves = np.array([bowl + a * (t - best) for a in tilts])
        curves += rng.normal(0, 1e-6, curves.shape)
        _choose(student, ref, curves[rng.permutation(k)],
                "folds whose own best epochs differ widely")


@SUITE.test("choose_n_epochs", points=1,
            hint="the answer is the SMALLEST number of epochs whose mean loss is within one "
                 "standard error of the lowest mean loss: scan from epoch 1, neither stop at "
                 "the minimum itself nor take the last epoch inside the band")
def earliest_epoch_within_one_standard_error(student, ref, rng):
    # A steep fall into a long, nearly flat valley: any band between one standard error
    # (ddof 0 or 1) and one standard deviation starts at the same epoch, so this test is about
    # where in the band the answer lies, not about the band's width.
    for k, n_epochs in ((5, 80), (10, 120)):
        t = np.arange(n_epochs)
        sd = rng.uniform(0.03, 0.05)
        se = sd / np.sqrt(k)
        enter, leave = int(rng.integers(8, 14)), int(rng.integers(50, n_epochs - 20))
        valley = 0.15 + 0.3 * se * (1 + np.sin(2 * np.pi * (t - enter) / (leave - enter)
                                                + rng.uniform(0.5, 2.5))) / 2
        low = float(valley[enter:leave].min())
        # out of every band one epoch before the valley, then a straight rise to epoch 1
        fall = 4.5 * se + (0.5 - 4.5 * se) * (enter - 1 - t) / (enter - 1)
        mean = np.where(t < enter, low + fall, valley)
        mean = np.where(t >= leave, valley[leave - 1] + 0.004 * (t - leave + 1) + 1.5 * se,
                        mean)
        _choose(student, ref, _with_spread(rng, mean, sd, k),
                "a steep fall into a long, nearly flat valley")


@SUITE.test("choose_n_epochs", points=1,
            hint="the band is one standard error of the mean at the best epoch only: the "
                 "sample standard deviation (ddof=1) of the k fold losses at that epoch, "
                 "divided by sqrt(k), not the standard deviation itself, not ddof=0, and not "
                 "each epoch's own spread")
def standard_error_of_the_mean_at_the_best_epoch(student, ref, rng):
    for k, sd_early in ((5, 1.0), (4, 1.0), (5, 6.0)):
        n_epochs, best = 60, int(rng.integers(30, 36))
        sd_best = rng.uniform(0.02, 0.04)
        step = sd_best / np.sqrt(k) / 8.4  # the band spans 8.4 steps of the falling curve
        t = np.arange(n_epochs)
        mean = rng.uniform(0.5, 0.6) + np.where(t < best, step * (best - t),
                                                1.5 * step * (t - best))
        # a spread that shrinks from sd_early * sd_best at epoch 1 to sd_best at the best epoch
        sd = sd_best * np.where(t < best, 1 + (sd_early - 1) * (best - t) / best, 1.0)
        situation = ("a much wider spread in early epochs than at the best one"
                     if sd_early > 1 else "a steadily falling mean curve")
        _choose(student, ref, _with_spread(rng, mean, sd, k), situation)


def _biopsy_fold_curve(X, y, rows_fit, rows_val, seed, weight_decay, epochs=100):
    """Validation loss after each epoch of the chapter's biopsy network (30-128-128-2,
    full-batch AdamW, lr 1e-3) trained on the rows rows_fit."""
    import torch

    X_fit, y_fit = torch.tensor(X[rows_fit], dtype=torch.float32), torch.tensor(y[rows_fit])
    X_val, y_val = torch.tensor(X[rows_val], dtype=torch.float32), torch.tensor(y[rows_val])
    loss_fn = torch.nn.CrossEntropyLoss()
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(30, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 128), torch.nn.ReLU(), torch.nn.Linear(128, 2))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=weight_decay)
    curve = []
    for _ in range(epochs):
        opt.zero_grad()
        fit_loss = loss_fn(model(X_fit), y_fit)
        fit_loss.backward()
        opt.step()
        with torch.no_grad():
            curve.append(loss_fn(model(X_val), y_val).item())
    return curve


@lru_cache(maxsize=None)
def _biopsy_cv_curves(weight_decay):
    """Validation curves (4 folds x 100 epochs) of the biopsy network on the chapter's 240
    non-test biopsies, cut into folds and seeded differently from the notebook. Computed once
    per grading process (about 2 s), without touching the grader's torch generator."""
    import torch
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    X = (data.data - data.data.mean(0)) / data.data.std(0)
    y = data.target
    non_test = np.random.default_rng(0).permutation(len(y))[:240]
    folds = np.array_split(np.random.default_rng(4404).permutation(non_test), 4)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small model: one thread is faster and steadier on a shared CPU
    try:
        with torch.random.fork_rng():
            return np.array([_biopsy_fold_curve(X, y, np.concatenate(folds[:k] + folds[k + 1:]),
                                                folds[k], 44 + k, weight_decay)
                             for k in range(len(folds))])
    finally:
        torch.set_num_threads(threads)


@SUITE.test("choose_n_epochs", points=1,
            hint="on real curves every step of the rule matters: the mean over the folds, its "
                 "lowest point, the standard error of the k losses there, then the first epoch "
                 "whose mean loss is inside the band, counted from 1")
def biopsy_network_cross_validation_curves(student, ref, rng):
    for weight_decay in (0.0, 10.0):
        _choose(student, ref, _biopsy_cv_curves(weight_decay),
                f"4-fold cross-validation of the biopsy network, weight decay {weight_decay:g}")


@SUITE.test("choose_n_epochs", points=1,
            hint="only read val_curves: compute the mean curve and the standard error as new "
                 "arrays instead of changing the caller's array")
def does_not_modify_its_input(student, ref, rng):
    t = np.arange(50)
    mean = 0.2 + np.where(t < 20, 0.02 * (20 - t), 0.005 * (t - 20))
    curves = _with_spread(rng, mean, 1e-4, 5)
    before = curves.copy()
    got = student(curves)
    expect_unchanged(before, curves, "choose_n_epochs", "val_curves")
    given = f"val_curves {describe(before)}"
    n = _epochs_returned(got, given)
    expected = ref.choose_n_epochs(before)
    expect(n == expected, "choose_n_epochs", f"returned n = {n}, expected n = {expected} epochs",
           given)

"""The reference implementation of 04-training checked against independent oracles.

* dropout: torch.nn.functional.dropout (same set of output values {0, x / (1 - p)}, kept
  fraction, identity in eval mode, zeros for p = 1, ValueError outside [0, 1]).
* batchnorm_forward: torch.nn.BatchNorm1d in float64 to 1e-6, over several training steps
  (running statistics carried from step to step) followed by evaluation, for several momentum
  and eps values; torch's ValueError for a single-sample training batch.
* EarlyStopping: a vectorised oracle from the whole loss curve (np.minimum.accumulate and
  np.argmin), plus hand-worked sequences with min_delta.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder.engine import registry

ref = registry.reference("04-training")
TOL = dict(rtol=1e-6, atol=1e-6)


# ------------------------------------------------------------------ dropout
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_matches_torch_in_distribution(p):
    x = np.random.default_rng(0).uniform(0.5, 2.0, size=(500, 200))
    out = ref.dropout(x, p, True, np.random.default_rng(1))
    torch.manual_seed(0)
    tout = F.dropout(torch.tensor(x), p=p, training=True).numpy()
    for o in (out, tout):
        kept = o != 0
        np.testing.assert_allclose(o[kept], x[kept] / (1 - p), **TOL)
        assert abs(kept.mean() - (1 - p)) < 6 * np.sqrt(p * (1 - p) / x.size)
    assert abs(out.mean() - tout.mean()) < 0.02 * x.mean()


def test_dropout_eval_p0_p1_like_torch():
    x = np.random.default_rng(2).normal(size=(4, 5))
    t = torch.tensor(x)
    np.testing.assert_array_equal(ref.dropout(x, 0.5, False, np.random.default_rng(0)),
                                  F.dropout(t, 0.5, training=False).numpy())
    np.testing.assert_array_equal(ref.dropout(x, 0.0, True, np.random.default_rng(0)),
                                  F.dropout(t, 0.0, training=True).numpy())
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(ref.dropout(x, 1.0, True, np.random.default_rng(0)),
                                      F.dropout(t, 1.0, training=True).numpy())


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_rejects_invalid_p_like_torch(p):
    with pytest.raises(ValueError):
        F.dropout(torch.zeros(3), p=p)
    with pytest.raises(ValueError):
        ref.dropout(np.zeros(3), p, True, np.random.default_rng(0))


def test_dropout_is_reproducible_given_the_generator_and_leaves_x_alone():
    x = np.random.default_rng(3).normal(size=(6, 7))
    before = x.copy()
    a = ref.dropout(x, 0.4, True, np.random.default_rng(5))
    b = ref.dropout(x, 0.4, True, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(x, before)
    assert ref.dropout(x, 0.4, False, np.random.default_rng(5)) is not x


# ------------------------------------------------------------------ batchnorm_forward
@pytest.mark.parametrize("momentum,eps", [(0.1, 1e-5), (0.3, 1e-3), (1.0, 1e-5), (0.0, 1e-2)])
@pytest.mark.parametrize("n", [2, 5, 32])
def test_batchnorm_matches_torch_over_several_steps(momentum, eps, n):
    rng = np.random.default_rng(n)
    d = 4
    bn = torch.nn.BatchNorm1d(d, momentum=momentum, eps=eps).double()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(rng.uniform(0.5, 2, size=d)))
        bn.bias.copy_(torch.tensor(rng.normal(size=d)))
    gamma, beta = bn.weight.detach().numpy().copy(), bn.bias.detach().numpy().copy()
    rm, rv = np.zeros(d), np.ones(d)  # torch's initial running statistics
    bn.train()
    for _ in range(4):
        x = rng.normal(size=(n, d)) * rng.uniform(0.5, 3, size=d) + rng.uniform(-4, 4, size=d)
        out, rm, rv = ref.batchnorm_forward(x, gamma, beta, rm, rv, True, momentum=momentum,
                                            eps=eps)
        tout = bn(torch.tensor(x)).detach().numpy()
        np.testing.assert_allclose(out, tout, **TOL)
        np.testing.assert_allclose(rm, bn.running_mean.numpy(), **TOL)
        np.testing.assert_allclose(rv, bn.running_var.numpy(), **TOL)
    bn.eval()
    x = rng.normal(size=(7, d))
    out, rm2, rv2 = ref.batchnorm_forward(x, gamma, beta, rm, rv, False, momentum=momentum,
                                          eps=eps)
    np.testing.assert_allclose(out, bn(torch.tensor(x)).detach().numpy(), **TOL)
    np.testing.assert_array_equal(rm2, rm)
    np.testing.assert_array_equal(rv2, rv)


def test_batchnorm_defaults_are_torchs():
    bn = torch.nn.BatchNorm1d(3).double()
    assert bn.momentum == 0.1 and bn.eps == 1e-5
    x = np.random.default_rng(7).normal(size=(6, 3))
    out, rm, rv = ref.batchnorm_forward(x, np.ones(3), np.zeros(3), np.zeros(3), np.ones(3), True)
    np.testing.assert_allclose(out, bn(torch.tensor(x)).detach().numpy(), **TOL)
    np.testing.assert_allclose(rv, bn.running_var.numpy(), **TOL)


def test_batchnorm_single_sample_training_raises_like_torch():
    bn = torch.nn.BatchNorm1d(3).double()
    with pytest.raises(ValueError):
        bn(torch.zeros(1, 3, dtype=torch.float64))
    with pytest.raises(ValueError):
        ref.batchnorm_forward(np.zeros((1, 3)), np.ones(3), np.zeros(3), np.zeros(3),
                              np.ones(3), True)


def test_batchnorm_constant_feature_gives_beta_and_inputs_are_untouched():
    x = np.column_stack([np.full(5, 3.0), np.arange(5.0)])
    args = [x, np.array([2.0, 1.0]), np.array([0.7, 0.0]), np.zeros(2), np.ones(2)]
    before = [a.copy() for a in args]
    with np.errstate(all="raise"):
        out, rm, rv = ref.batchnorm_forward(*args, True)
    np.testing.assert_allclose(out[:, 0], 0.7, **TOL)
    np.testing.assert_allclose(rv, 0.9 + 0.1 * np.array([0.0, 2.5]), **TOL)  # unbiased var 2.5
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ EarlyStopping
def _oracle(losses, patience):
    """min_delta = 0: after call k, best_epoch = first argmin of losses[:k+1] (strict <),
    counter = k - best_epoch, stop = counter >= patience."""
    losses = np.asarray(losses)
    best_epoch = np.array([int(np.argmin(losses[:k + 1])) for k in range(len(losses))])
    best_loss = np.minimum.accumulate(losses)
    counter = np.arange(len(losses)) - best_epoch
    return best_loss, best_epoch, counter, counter >= patience


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("patience", [1, 3, 10])
def test_early_stopping_matches_a_vectorised_oracle(seed, patience):
    rng = np.random.default_rng(seed)
    losses = np.round(np.exp(-np.arange(40) / 10) + rng.normal(0, 0.05, 40), 2)  # ties happen
    best_loss, best_epoch, counter, stop = _oracle(losses, patience)
    es = ref.EarlyStopping(patience)
    for k, loss in enumerate(losses):
        assert es.step(loss) == stop[k]
        assert (es.best_loss, es.best_epoch, es.counter) == (best_loss[k], best_epoch[k],
                                                            counter[k])


def test_early_stopping_min_delta_by_hand():
    es = ref.EarlyStopping(patience=2, min_delta=0.1)
    # 1.0 best; 0.95 is not 0.1 better (counter 1); 0.85 is (best 0.85); 0.8, 0.76 are not
    expected = [(False, 1.0, 0, 0), (False, 1.0, 0, 1), (False, 0.85, 2, 0),
                (False, 0.85, 2, 1), (True, 0.85, 2, 2)]
    for loss, (stop, best, epoch, counter) in zip([1.0, 0.95, 0.85, 0.8, 0.76], expected):
        assert es.step(loss) is stop
        assert (es.best_loss, es.best_epoch, es.counter) == (best, epoch, counter)


def test_early_stopping_initial_state_and_nan():
    es = ref.EarlyStopping(patience=2)
    assert es.best_loss == np.inf and es.best_epoch is None and es.counter == 0
    assert es.step(0.5) is False
    assert es.step(float("nan")) is False and es.counter == 1 and es.best_loss == 0.5
    assert es.step(float("nan")) is True and es.best_epoch == 0


# ------------------------------------------------------------------ behaviours the hidden tests add
def test_dropout_p1_in_eval_mode_and_successive_calls_like_torch():
    x = np.random.default_rng(8).uniform(0.5, 2.0, size=(40, 25))
    np.testing.assert_array_equal(ref.dropout(x, 1.0, False, np.random.default_rng(0)),
                                  F.dropout(torch.tensor(x), 1.0, training=False).numpy())
    gen = np.random.default_rng(9)  # one generator, as in a training loop: fresh masks
    a, b = ref.dropout(x, 0.5, True, gen), ref.dropout(x, 0.5, True, gen)
    assert not np.array_equal(a != 0, b != 0)


def test_batchnorm_running_variance_has_no_eps_like_torch():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(10, 4)) * 3 + 1
    for momentum in (1.0, 0.5):
        bn = torch.nn.BatchNorm1d(4, momentum=momentum, eps=0.1).double()
        out, rm, rv = ref.batchnorm_forward(x, np.ones(4), np.zeros(4), np.zeros(4), np.ones(4),
                                            True, momentum=momentum, eps=0.1)
        np.testing.assert_allclose(out, bn(torch.tensor(x)).detach().numpy(), **TOL)
        np.testing.assert_allclose(rv, bn.running_var.numpy(), **TOL)
    np.testing.assert_allclose(rv, 0.5 + 0.5 * x.var(axis=0, ddof=1), **TOL)


def test_early_stopping_takes_any_finite_first_loss():
    es = ref.EarlyStopping(patience=2)
    assert es.step(1e12) is False and es.best_loss == 1e12 and es.best_epoch == 0


def test_degenerate_dropouts_earn_no_points():
    # the side-property tests (identity cases, generator, one coin, input unchanged) also
    # require a sensible training output, so placeholders earn nothing at all
    from autograder.engine.grading import grade_function

    for placeholder in (lambda x, p, training, rng: np.zeros_like(x),
                        lambda x, p, training, rng: np.array(x, dtype=float)):
        res = grade_function("04-training", "dropout", placeholder)
        assert res.points == 0, res.report()


# ------------------------------------------------------------------ choose_n_epochs (apply and decide)
def test_choose_n_epochs_hand_examples():
    three = [[0.70, 0.40, 0.28, 0.22, 0.25, 0.30],
             [0.70, 0.45, 0.33, 0.30, 0.32, 0.36],
             [0.70, 0.50, 0.38, 0.38, 0.39, 0.42]]
    # mean curve 0.70 0.45 0.33 0.30 0.32 0.36, lowest after 4 epochs; SE = 0.08 / sqrt(3) = 0.046
    # (sample sd of 0.22, 0.30, 0.38): band up to 0.346, first inside it: 0.33, after 3 epochs
    n = ref.choose_n_epochs(three)
    assert type(n) is int and n == 3
    # two folds: SE = |0.34 - 0.26| / 2 = 0.04, band 0.30 + 0.04 = 0.34 holds 0.33: 2 epochs
    assert ref.choose_n_epochs([[0.60, 0.31, 0.26, 0.33], [0.60, 0.35, 0.34, 0.37]]) == 2
    # identical folds: SE = 0, the answer is the lowest point of the mean curve, counted from 1
    assert ref.choose_n_epochs(np.tile(three[1], (4, 1))) == 4
    # a single epoch, and a curve that only falls (lowest at the end, band too narrow to move)
    assert ref.choose_n_epochs([[0.5], [0.7]]) == 1
    assert ref.choose_n_epochs([[0.9, 0.6, 0.4], [0.9, 0.6, 0.4]]) == 3


def test_choose_n_epochs_tied_minimum_takes_the_first_and_its_own_standard_error():
    # the mean curve is lowest (0.3) after 3 and after 5 epochs; the first of them, column 2,
    # has SE 0 (both folds 0.3), so the band is 0.3 and the answer 3. The SE of column 4
    # (|0.1 - 0.5| / 2 = 0.2) would reach 0.5 and give 2.
    curves = np.array([[0.6, 0.45, 0.3, 0.35, 0.1],
                       [0.6, 0.45, 0.3, 0.35, 0.5]])
    mean = curves.mean(axis=0)
    assert mean[2] == mean[4]
    assert ref.choose_n_epochs(curves) == 3


@pytest.mark.parametrize("seed", range(6))
def test_choose_n_epochs_matches_scipy_sem_and_a_loop(seed):
    import scipy.stats

    rng = np.random.default_rng(200 + seed)
    k, T = int(rng.integers(2, 11)), int(rng.integers(1, 60))
    t = np.arange(1, T + 1)
    curves = (0.3 + 0.8 * np.exp(-t / rng.uniform(2, 10)) + rng.uniform(0, 2e-3) * t
              + rng.normal(0, 0.03, size=(k, T)))
    before = curves.copy()
    mean = [sum(curves[i, col] for i in range(k)) / k for col in range(T)]
    best = min(range(T), key=lambda col: mean[col])  # min() keeps the first of equal ones
    band = mean[best] + scipy.stats.sem(curves[:, best])  # sem divides by k - 1 by default
    want = next(col for col in range(T) if mean[col] <= band) + 1
    assert ref.choose_n_epochs(curves) == want
    assert ref.choose_n_epochs(curves.tolist()) == want
    np.testing.assert_array_equal(curves, before)

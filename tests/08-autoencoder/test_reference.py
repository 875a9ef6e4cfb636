"""The 08-autoencoder reference checked against independent oracles: scikit-learn PCA, plain
torch layers, torch's own MSE and the theory of linear autoencoders."""
import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.decomposition import PCA
from torch import nn

from autograder.engine import registry

ref = registry.reference("08-autoencoder")


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@pytest.mark.parametrize("shape,k", [((50, 8), 1), ((50, 8), 3), ((10, 30), 4), ((40, 6), 6)])
def test_pca_mse_matches_sklearn(shape, k):
    rng = np.random.default_rng(k)
    X = rng.normal(size=shape) @ rng.normal(size=(shape[1], shape[1])) + rng.normal(0, 3, shape[1])
    pca = PCA(n_components=k, svd_solver="full").fit(X)
    expected = np.mean((X - pca.inverse_transform(pca.transform(X))) ** 2)
    assert ref.pca_reconstruction_mse(X, k) == pytest.approx(expected, rel=1e-6, abs=1e-10)


def test_pca_mse_is_the_sum_of_discarded_variances():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 7)) * np.arange(1, 8)
    n, d = X.shape
    ev = PCA().fit(X).explained_variance_ * (n - 1) / n  # biased variances, largest first
    for k in range(0, d + 1):
        assert ref.pca_reconstruction_mse(X, k) == pytest.approx(ev[k:].sum() / d, rel=1e-6,
                                                                 abs=1e-12)


def test_autoencoder_matches_explicit_torch_layers_in_float64():
    torch.manual_seed(0)
    model = ref.Autoencoder(9, 5, 2).double()
    W = [p.detach() for p in model.parameters()]
    assert [tuple(w.shape) for w in W] == [(5, 9), (5,), (2, 5), (2,), (5, 2), (5,), (9, 5), (9,)]
    x = torch.randn(4, 9, dtype=torch.float64)
    z = F.linear(F.relu(F.linear(x, W[0], W[1])), W[2], W[3])
    out = F.linear(F.relu(F.linear(z, W[4], W[5])), W[6], W[7])
    with torch.no_grad():
        torch.testing.assert_close(model.encode(x), z, rtol=1e-6, atol=1e-6)
        torch.testing.assert_close(model(x), out, rtol=1e-6, atol=1e-6)
    n = sum(p.numel() for p in model.parameters())
    assert n == 2 * 9 * 5 + 2 * 5 * 2 + 2 * 5 + 2 + 9


def test_reconstruction_mse_matches_torch_mse_loss():
    torch.manual_seed(1)
    model = ref.Autoencoder(6, 4, 2)
    X = np.random.default_rng(1).normal(size=(11, 6)).astype(np.float32)
    with torch.no_grad():
        expected = F.mse_loss(model(torch.from_numpy(X)), torch.from_numpy(X)).item()
    assert ref.reconstruction_mse(model, X) == pytest.approx(expected, rel=1e-6)


def test_reconstruction_mse_uses_eval_mode_and_restores_it():
    torch.manual_seed(2)
    model = nn.Sequential(nn.Linear(5, 16), nn.Dropout(0.5), nn.Linear(16, 5))
    X = np.random.default_rng(2).normal(size=(20, 5)).astype(np.float32)
    model.eval()
    with torch.no_grad():
        expected = F.mse_loss(model(torch.from_numpy(X)), torch.from_numpy(X)).item()
    model.train()
    assert ref.reconstruction_mse(model, X) == pytest.approx(expected, rel=1e-6)
    assert model.training


def test_training_is_seeded_and_losses_are_weighted_batch_means():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 6)).astype(np.float32)
    torch.manual_seed(3)
    start = ref.Autoencoder(6, 4, 2)
    a = ref.train_autoencoder(copy.deepcopy(start), X, epochs=3, lr=1e-2, batch_size=16, seed=5)
    b = ref.train_autoencoder(copy.deepcopy(start), X, epochs=3, lr=1e-2, batch_size=16, seed=5)
    assert a == b and len(a) == 3
    # replay epoch 1 by hand with torch.optim.Adam and nn.MSELoss
    model = copy.deepcopy(start)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    order = torch.randperm(50, generator=torch.Generator().manual_seed(5))
    data = torch.from_numpy(X)
    total = 0.0
    for i in range(0, 50, 16):
        xb = data[order[i:i + 16]]
        loss = nn.MSELoss()(model(xb), xb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(xb)
    assert a[0] == pytest.approx(total / 50, rel=1e-6)


def test_a_trained_linear_autoencoder_spans_the_principal_subspace():
    """Baldi & Hornik (1989): the optimum of a linear autoencoder is the top-k PCA subspace."""
    from scipy.linalg import subspace_angles

    rng = np.random.default_rng(4)
    Z = rng.normal(size=(300, 3)) * np.array([3.0, 2.0, 1.5])
    X = (Z @ rng.normal(size=(3, 20)) + rng.normal(0, 0.5, size=(300, 20))).astype(np.float32)
    torch.manual_seed(4)
    model = nn.Sequential(nn.Linear(20, 3), nn.Linear(3, 20))
    ref.train_autoencoder(model, X, epochs=80, lr=1e-2, batch_size=32, seed=0)
    assert ref.reconstruction_mse(model, X) <= 1.02 * ref.pca_reconstruction_mse(X, 3)
    decoder_columns = model[1].weight.detach().numpy()  # (20, 3): spans the decoded subspace
    pcs = PCA(3).fit(X).components_.T
    assert np.degrees(subspace_angles(decoder_columns, pcs)).max() < 5.0


@pytest.mark.parametrize("p", [0.0, 0.25, 0.8, 1.0])
def test_masking_noise_zeroes_a_fraction_p_without_rescaling(p):
    rng = np.random.default_rng(5)
    X = rng.uniform(1, 2, size=(300, 40))
    before = X.copy()
    out = ref.masking_noise(X, p, np.random.default_rng(6))
    assert np.array_equal(X, before)
    assert abs(np.mean(out == 0) - p) < 0.02
    kept = out != 0
    assert np.array_equal(out[kept], X[kept])
    # the same mask as a Bernoulli(p) draw from the same generator
    mask = np.random.default_rng(6).random(X.shape) < p
    assert np.array_equal(out == 0, mask)


def test_full_batch_training_replays_torch_adam_step_by_step():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(48, 12)).astype(np.float32)
    torch.manual_seed(7)
    start = ref.Autoencoder(12, 8, 3)
    losses = ref.train_autoencoder(copy.deepcopy(start), X, epochs=8, lr=0.02, batch_size=48)
    model = copy.deepcopy(start)
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    data = torch.from_numpy(X)
    replay = []
    for _ in range(8):
        loss = nn.MSELoss()(model(data), data)
        opt.zero_grad()
        loss.backward()
        opt.step()
        replay.append(loss.item())
    np.testing.assert_allclose(losses, replay, rtol=1e-6)
    assert type(losses) is list and all(type(v) is float for v in losses)


def test_a_tiny_learning_rate_reports_the_initial_mse_every_epoch():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(120, 10))  # float64: converted to float32 inside
    X[rng.permutation(120)[:30]] *= 3.0
    torch.manual_seed(8)
    model = ref.Autoencoder(10, 8, 2)
    initial = ref.reconstruction_mse(model, X)
    losses = ref.train_autoencoder(model, X, epochs=3, lr=1e-9, batch_size=20, seed=0)
    np.testing.assert_allclose(losses, initial, rtol=1e-5)


def test_every_epoch_visits_every_cell_once_in_a_new_order():
    class Recorder(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Linear(3, 3)
            self.seen = []

        def forward(self, x):
            self.seen.append(x[:, 0].detach().numpy().round().astype(int))
            return self.net(x)

    X = np.random.default_rng(9).normal(size=(60, 3)).astype(np.float32)
    X[:, 0] = np.arange(60)
    model = Recorder()
    ref.train_autoencoder(model, X, epochs=3, lr=1e-3, batch_size=16, seed=2)
    assert [len(b) for b in model.seen] == [16, 16, 16, 12] * 3
    orders = np.concatenate(model.seen).reshape(3, 60)
    for order in orders:
        np.testing.assert_array_equal(np.sort(order), np.arange(60))
    assert not np.array_equal(orders[0], orders[1]) and not np.array_equal(orders[0], orders[2])


def test_float_results_and_masks_that_advance_the_generator():
    torch.manual_seed(10)
    model = ref.Autoencoder(6, 4, 2)
    X = np.random.default_rng(10).normal(size=(9, 6))
    assert type(ref.reconstruction_mse(model, X)) is float
    assert type(ref.pca_reconstruction_mse(X, 2)) is float
    gen = np.random.default_rng(11)
    a = ref.masking_noise(np.ones((30, 20)), 0.5, gen)
    b = ref.masking_noise(np.ones((30, 20)), 0.5, gen)
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(a == 0, np.random.default_rng(11).random((30, 20)) < 0.5)


# ------------------------------------------------------------------ choose_bottleneck (apply and decide)
def test_choose_bottleneck_hand_examples():
    sizes, errors = [1, 2, 4, 8], [1.0, 0.5, 0.3, 0.29]
    # E* = 0.29, bar 1.05 * 0.29 = 0.3045: 4 passes (0.3), 2 does not (0.5)
    got = ref.choose_bottleneck(sizes, errors, 0.05)
    assert type(got) is int and got == 4
    assert ref.choose_bottleneck(sizes, errors, 0.0) == 8
    assert ref.choose_bottleneck(sizes, errors, 1.0) == 2  # bar 0.58
    # an error curve that rises again: E* = 0.40 at 8, bar 0.42 holds 4 (0.41) but not 16 (0.43)
    assert ref.choose_bottleneck([2, 4, 8, 16, 32], [0.9, 0.41, 0.40, 0.43, 0.55], 0.05) == 4
    # an exact tie with tolerance 0: the smaller of the two sizes
    assert ref.choose_bottleneck([16, 4, 8], [0.3, 0.3, 0.5], 0.0) == 4


def test_choose_bottleneck_diverged_runs_are_never_chosen():
    nan, inf = float("nan"), float("inf")
    # the best finite error is 0.31 (size 8): nan at 4 is neither chosen nor the best
    assert ref.choose_bottleneck([1, 2, 4, 8], [1.0, 0.5, nan, 0.31], 0.05) == 8
    # -inf looks smaller than everything, but it is not finite: E* = 0.2, bar 0.22
    assert ref.choose_bottleneck([1, 2, 4, 8], [-inf, 0.5, 0.21, 0.2], 0.1) == 4
    assert ref.choose_bottleneck([1, 2, 4, 8], [inf, nan, 0.9, 0.2], 10.0) == 4


@pytest.mark.parametrize("seed", range(6))
def test_choose_bottleneck_matches_a_loop_oracle_in_any_units_and_order(seed):
    rng = np.random.default_rng(400 + seed)
    k = int(rng.integers(2, 10))
    sizes = rng.choice(np.arange(1, 129), size=k, replace=False)
    errors = 0.2 + np.exp(-sizes / rng.uniform(2, 30)) + rng.normal(0, 0.01, size=k)
    errors[rng.random(k) < 0.2] = rng.choice([np.nan, np.inf])
    errors[0] = abs(errors[0]) if np.isfinite(errors[0]) else 0.7  # one run stays finite
    before = sizes.copy(), errors.copy()
    for tolerance in (0.0, 0.02, 0.05, 0.5):
        usable = [(int(s), float(e)) for s, e in zip(sizes, errors) if np.isfinite(e)]
        best = min(e for _, e in usable)
        want = min(s for s, e in usable if e <= (1 + tolerance) * best)
        assert ref.choose_bottleneck(sizes, errors, tolerance) == want
        assert ref.choose_bottleneck(list(sizes), list(errors), tolerance) == want
        order = rng.permutation(k)
        assert ref.choose_bottleneck(sizes[order], errors[order], tolerance) == want
        for units in (1e3, 1e-3):  # the tolerance is relative
            assert ref.choose_bottleneck(sizes, errors * units, tolerance) == want
    np.testing.assert_array_equal(sizes, before[0])
    np.testing.assert_array_equal(errors, before[1])

"""The 03-backprop reference against independent oracles: torch autograd and
torch.nn.functional in float64 (agreement to 1e-6), and the held-out accuracy of train_mlp."""
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder.engine import registry

ref = registry.reference("03-backprop")
TOL = dict(rtol=1e-6, atol=1e-6)


def _t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=grad)


@pytest.fixture
def rng():
    return np.random.default_rng(3)


def test_mse_loss_matches_torch(rng):
    for shape in [(7,), (5, 3), (2, 3, 4)]:
        a, b = rng.normal(size=shape), rng.normal(size=shape)
        assert np.isclose(ref.mse_loss(a, b), F.mse_loss(_t(a), _t(b)).item(), **TOL)
    assert isinstance(ref.mse_loss(a, b), float)


@pytest.mark.parametrize("scale", [1.0, 30.0, 1e4])
def test_cross_entropy_and_its_gradient_match_torch(rng, scale):
    z, labels = rng.normal(0, scale, size=(9, 5)), rng.integers(0, 5, size=9)
    zt = _t(z, grad=True)
    loss = F.cross_entropy(zt, torch.as_tensor(labels))
    loss.backward()
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        ours, grad = ref.cross_entropy(z, labels), ref.cross_entropy_grad(z, labels)
    assert np.isclose(ours, loss.item(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(grad, zt.grad.numpy(), **TOL)
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-12)


def test_numerical_gradient_matches_autograd_on_a_smooth_function(rng):
    A = rng.normal(size=(4, 3))
    x = rng.normal(size=(4, 3))
    before = x.copy()

    def f_np(v):
        return float(np.sum(np.tanh(v * A)) + np.sum(v ** 2) * np.exp(-np.sum(v ** 2) / 10))

    xt = _t(x, grad=True)
    (torch.sum(torch.tanh(xt * _t(A))) + torch.sum(xt ** 2) * torch.exp(-torch.sum(xt ** 2) / 10)
     ).backward()
    np.testing.assert_allclose(ref.numerical_gradient(f_np, x), xt.grad.numpy(), rtol=1e-6,
                               atol=1e-7)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_is_central(rng):
    x = rng.uniform(0.5, 2, size=5)
    # central differences of x^3 are exactly 3 x^2 + eps^2
    np.testing.assert_allclose(ref.numerical_gradient(lambda v: np.sum(v ** 3), x, eps=1e-2),
                               3 * x ** 2 + 1e-4, rtol=1e-9)


def test_linear_layer_matches_torch_autograd(rng):
    x, W, b, dout = (rng.normal(size=s) for s in [(6, 4), (4, 3), (3,), (6, 3)])
    xt, Wt, bt = _t(x, True), _t(W, True), _t(b, True)
    out = xt @ Wt + bt
    out.backward(_t(dout))
    np.testing.assert_allclose(ref.linear_forward(x, W, b), out.detach().numpy(), **TOL)
    for ours, theirs in zip(ref.linear_backward(dout, x, W), (xt.grad, Wt.grad, bt.grad)):
        np.testing.assert_allclose(ours, theirs.numpy(), **TOL)


def test_mlp_gradients_match_torch_autograd(rng):
    params = {"W1": rng.normal(size=(8, 16)), "b1": rng.normal(-0.2, 0.5, size=16),
              "W2": rng.normal(size=(16, 5)), "b2": rng.normal(size=5)}
    X, labels = rng.normal(size=(10, 8)), rng.integers(0, 5, size=10)
    pt = {k: _t(v, True) for k, v in params.items()}
    logits_t = F.relu(_t(X) @ pt["W1"] + pt["b1"]) @ pt["W2"] + pt["b2"]
    F.cross_entropy(logits_t, torch.as_tensor(labels)).backward()
    logits, cache = ref.mlp_forward(params, X)
    np.testing.assert_allclose(logits, logits_t.detach().numpy(), **TOL)
    grads = ref.mlp_backward(params, cache, ref.cross_entropy_grad(logits, labels))
    assert set(grads) == {"W1", "b1", "W2", "b2"}
    for k in grads:
        np.testing.assert_allclose(grads[k], pt[k].grad.numpy(), **TOL)


def test_sgd_step_matches_torch_sgd_and_copies(rng):
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
    before = {k: v.copy() for k, v in params.items()}
    new = ref.sgd_step(params, grads, 0.3)
    tensors = [_t(params[k], True) for k in ("W", "b")]
    for t, k in zip(tensors, ("W", "b")):
        t.grad = _t(grads[k])
    torch.optim.SGD(tensors, lr=0.3).step()
    for t, k in zip(tensors, ("W", "b")):
        np.testing.assert_allclose(new[k], t.detach().numpy(), **TOL)
        np.testing.assert_array_equal(params[k], before[k])


def test_train_mlp_reaches_95_percent_on_held_out_digits_fast():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X, y = digits.data / 16.0, digits.target
    for seed in (0, 3):
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, train_size=1344, stratify=y,
                                                  random_state=seed)
        start = time.perf_counter()
        params = ref.train_mlp(X_tr, y_tr)
        assert time.perf_counter() - start < 10
        acc = np.mean(ref.mlp_forward(params, X_te)[0].argmax(1) == y_te)
        assert acc >= 0.95, (seed, acc)


# ------------------------------------------------------------------ inputs the hidden tests add
def test_losses_are_plain_python_floats(rng):
    for shape in [(12,), (6, 3)]:
        assert type(ref.mse_loss(rng.normal(size=shape), rng.normal(size=shape))) is float
    for n in (7, 1):
        z, labels = rng.normal(size=(n, 5)), rng.integers(0, 5, size=n)
        out = ref.cross_entropy(z, labels)
        assert type(out) is float
        assert np.isclose(out, F.cross_entropy(_t(z), torch.as_tensor(labels)).item(), **TOL)


def test_numerical_gradient_of_an_integer_x_matches_autograd(rng):
    A, c = rng.normal(size=(5, 5)), rng.normal(size=5)
    x = rng.integers(-3, 4, size=5)
    before = x.copy()
    xt = _t(x, grad=True)
    (0.5 * xt @ _t(A) @ xt + _t(c) @ xt).backward()
    out = ref.numerical_gradient(lambda v: 0.5 * float(v @ A @ v) + float(c @ v), x)
    assert out.dtype.kind == "f"
    np.testing.assert_allclose(out, xt.grad.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(x, before)


def test_mlp_backward_where_z1_is_exactly_zero_matches_torch(rng):
    # torch's ReLU passes no gradient at exactly 0, as the reference's mask Z1 > 0
    params = {"W1": rng.normal(size=(5, 8)), "b1": rng.normal(size=8),
              "W2": rng.normal(size=(8, 3)), "b2": rng.normal(size=3)}
    params["b1"][::2] = 0.0
    X = rng.normal(size=(7, 5))
    X[[1, 4]] = 0.0
    dlogits = rng.normal(size=(7, 3))
    logits, cache = ref.mlp_forward(params, X)
    assert np.sum(cache[1] == 0) >= 8  # exact zeros in Z1
    pt = {k: _t(v, True) for k, v in params.items()}
    (F.relu(_t(X) @ pt["W1"] + pt["b1"]) @ pt["W2"] + pt["b2"]).backward(_t(dlogits))
    grads = ref.mlp_backward(params, cache, dlogits)
    for k in grads:
        np.testing.assert_allclose(grads[k], pt[k].grad.numpy(), **TOL)


def test_train_mlp_with_one_batch_is_full_batch_gradient_descent_like_torch():
    # fewer samples than batch_size: one batch per epoch, so the shuffling does not matter and
    # the result is plain gradient descent from the initial weights (those returned with lr=0)
    from sklearn.datasets import load_digits

    digits = load_digits()
    X, y = digits.data[:100] / 16.0, digits.target[:100]
    X0, y0 = X.copy(), y.copy()
    start = ref.train_mlp(X, y, hidden=8, lr=0.0, epochs=1, batch_size=128, seed=7)
    got = ref.train_mlp(X, y, hidden=8, lr=0.5, epochs=3, batch_size=128, seed=7)
    np.testing.assert_array_equal(X, X0)  # inputs untouched
    np.testing.assert_array_equal(y, y0)
    pt = {k: _t(v, True) for k, v in start.items()}
    opt = torch.optim.SGD(list(pt.values()), lr=0.5)
    for _ in range(3):
        opt.zero_grad()
        logits = F.relu(_t(X) @ pt["W1"] + pt["b1"]) @ pt["W2"] + pt["b2"]
        F.cross_entropy(logits, torch.as_tensor(y)).backward()
        opt.step()
    for k in got:
        np.testing.assert_allclose(got[k], pt[k].detach().numpy(), **TOL)
    # the seed is used: another seed gives other weights; the same seed the same ones
    other = ref.train_mlp(X, y, hidden=8, lr=0.0, epochs=1, batch_size=128, seed=8)
    again = ref.train_mlp(X, y, hidden=8, lr=0.0, epochs=1, batch_size=128, seed=7)
    assert not np.allclose(other["W1"], start["W1"])
    np.testing.assert_array_equal(again["W1"], start["W1"])
    # classes = y.max() + 1 even with a class missing from y
    keep = y != 4
    assert ref.train_mlp(X[keep], y[keep], hidden=8, epochs=1)["W2"].shape == (8, 10)


# ------------------------------------------------------------------ choose_learning_rate (apply and decide)
def _lr_oracle(rates, curves, tolerance):
    """The rule of the docstring, one run at a time with plain Python floats."""
    runs = [(float(r), [float(v) for v in row]) for r, row in zip(rates, curves)]
    kept = [(r, row[-1]) for r, row in runs if all(np.isfinite(v) for v in row)]
    best = min(final for _, final in kept)
    return min(r for r, final in kept if final <= (1 + tolerance) * best)


def test_choose_learning_rate_hand_examples():
    close = [[2.3, 1.0, 0.6, 0.50], [2.3, 0.6, 0.3, 0.21], [2.3, 0.4, 0.25, 0.20]]
    # best final loss 0.20, bar 1.1 * 0.20 = 0.22: the runs of 0.3 and 1.0 pass, 0.3 is smaller
    got = ref.choose_learning_rate([0.1, 0.3, 1.0], close)
    assert type(got) is float and got == 0.3
    assert ref.choose_learning_rate([0.1, 0.3, 1.0], close, tolerance=0.0) == 1.0
    # an exact tie of final losses, even with tolerance 0: the smaller rate
    assert ref.choose_learning_rate([1.0, 0.3], [[2.3, 0.25], [2.3, 0.25]], tolerance=0.0) == 0.3
    # bar 1.5 * 0.20 = 0.30 keeps only 0.3 and 1.0 too; 2.6 * 0.20 = 0.52 keeps all three
    assert ref.choose_learning_rate([0.1, 0.3, 1.0], close, tolerance=0.5) == 0.3
    assert ref.choose_learning_rate([0.1, 0.3, 1.0], close, tolerance=1.6) == 0.1
    # the run of 1.0 reaches nan at epoch 2: L* becomes 0.21, and 0.3 is still the answer
    broken = [row[:] for row in close]
    broken[2][2] = float("nan")
    assert ref.choose_learning_rate([0.1, 0.3, 1.0], broken, tolerance=0.0) == 0.3
    # too slow (1.8), good (0.4), climbing above its start (9.0): 0.1
    assert ref.choose_learning_rate([0.01, 0.1, 1.0], [[2.3, 2.1, 1.9, 1.8], [2.3, 0.9, 0.5, 0.4],
                                                       [2.3, 3.0, 6.0, 9.0]]) == 0.1


def test_choose_learning_rate_diverged_runs_are_out_wherever_they_overflow():
    rates = [0.01, 0.1, 1.0, 3.0]
    curves = np.array([[2.3, 2.0, 1.7, 1.5],
                       [2.3, 0.9, 0.5, 0.40],
                       [2.3, np.inf, 0.3, 0.10],      # overflowed mid-run, then a finite end
                       [2.3, 0.5, 0.2, -np.inf]])     # -inf is not finite either
    assert ref.choose_learning_rate(rates, curves, tolerance=0.0) == 0.1
    assert ref.choose_learning_rate(rates[::-1], curves[::-1], tolerance=0.0) == 0.1
    # the only run that stayed finite is chosen, whatever its loss
    assert ref.choose_learning_rate([0.5, 5.0], [[2.3, 2.2], [2.3, np.nan]]) == 0.5


@pytest.mark.parametrize("seed", range(6))
def test_choose_learning_rate_matches_a_loop_oracle_in_any_order(seed):
    rng = np.random.default_rng(100 + seed)
    k, T = int(rng.integers(2, 9)), int(rng.integers(2, 10))
    rates = rng.choice([0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0], size=k,
                       replace=False)
    curves = 2.3 * np.exp(-np.cumsum(rng.uniform(0, 0.6, size=(k, T)), axis=1))
    bad = rng.random((k, T)) < 0.08
    bad[0] = False  # at least one run stays finite
    curves[bad] = rng.choice([np.nan, np.inf, -np.inf], size=bad.sum())
    curves_list = curves.tolist()
    before_rates, before_curves = rates.copy(), curves.copy()
    for tolerance in (0.0, 0.05, 0.1, 0.5):
        want = _lr_oracle(rates, curves, tolerance)
        assert ref.choose_learning_rate(rates, curves, tolerance) == want
        assert ref.choose_learning_rate(list(rates), curves_list, tolerance) == want
        order = rng.permutation(k)
        assert ref.choose_learning_rate(rates[order], curves[order], tolerance) == want
    np.testing.assert_array_equal(rates, before_rates)
    np.testing.assert_array_equal(curves, before_curves)  # nan compares equal here
    np.testing.assert_array_equal(np.array(curves_list), before_curves)

"""The reference of 09-vanishing-gradients checked against independent oracles: torch.nn.init,
torch.nn.utils.clip_grad_norm_, torch.autograd (float64), a hand-written numpy backward pass,
torch.optim.Adam and scipy's distribution tests."""
import numpy as np
import pytest
import scipy.stats
import torch
from torch import nn

from autograder.engine import registry

ref = registry.reference("09-vanishing-gradients")


# ------------------------------------------------------------------ initialisers
@pytest.mark.parametrize("fan_in,fan_out,gain", [(300, 200, 1.0), (64, 640, 5 / 3), (500, 50, 0.5)])
def test_xavier_uniform_matches_torch_init_statistics(fan_in, fan_out, gain):
    w = ref.xavier_uniform(fan_in, fan_out, np.random.default_rng(0), gain=gain)
    assert w.shape == (fan_in, fan_out) and w.dtype == np.float64
    t = torch.empty(fan_out, fan_in, dtype=torch.float64)  # torch's (out, in) layout
    torch.manual_seed(0)
    nn.init.xavier_uniform_(t, gain=gain)
    bound = gain * np.sqrt(6 / (fan_in + fan_out))
    # torch's own bound: both fill [-bound, bound]
    assert t.abs().max().item() <= bound and t.abs().max().item() > 0.99 * bound
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    np.testing.assert_allclose(w.var(), t.var().item(), rtol=0.05)
    np.testing.assert_allclose(w.var(), gain ** 2 * 2 / (fan_in + fan_out), rtol=0.05)
    assert scipy.stats.kstest(w.ravel(), "uniform", args=(-bound, 2 * bound)).pvalue > 1e-3
    # the two samples come from the same distribution
    assert scipy.stats.ks_2samp(w.ravel(), t.numpy().ravel()).pvalue > 1e-3


@pytest.mark.parametrize("fan_in,fan_out", [(50, 2000), (1000, 100), (10, 10000)])
def test_he_normal_matches_torch_kaiming_normal(fan_in, fan_out):
    w = ref.he_normal(fan_in, fan_out, np.random.default_rng(1))
    assert w.shape == (fan_in, fan_out)
    t = torch.empty(fan_out, fan_in, dtype=torch.float64)
    torch.manual_seed(1)
    nn.init.kaiming_normal_(t, mode="fan_in", nonlinearity="relu")
    np.testing.assert_allclose(w.std(), t.std().item(), rtol=0.05)
    np.testing.assert_allclose(w.var(), 2 / fan_in, rtol=0.05)
    assert scipy.stats.kstest(w.ravel(), "norm", args=(0, np.sqrt(2 / fan_in))).pvalue > 1e-3
    assert scipy.stats.ks_2samp(w.ravel(), t.numpy().ravel()).pvalue > 1e-3


def test_initialisers_are_reproducible_with_the_generator():
    for fn in (ref.xavier_uniform, ref.he_normal):
        a = fn(5, 3, np.random.default_rng(7))
        b = fn(5, 3, np.random.default_rng(7))
        c = fn(5, 3, np.random.default_rng(8))
        np.testing.assert_array_equal(a, b)
        assert np.any(a != c)


def test_he_keeps_the_signal_variance_through_deep_relu_layers():
    """The property the chapter relies on: with He init, ReLU activations keep their scale."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2000, 256))
    h = x
    for _ in range(20):
        h = np.maximum(h @ ref.he_normal(256, 256, rng), 0)
    ratio = np.mean(h ** 2) / np.mean(x ** 2)
    assert 0.3 < ratio < 3, ratio


# ------------------------------------------------------------------ clip_grad_norm
@pytest.mark.parametrize("scale,max_norm", [(3.0, 1.0), (0.01, 1.0), (1.0, 2.5), (0.0, 1.0)])
def test_clip_grad_norm_matches_torch(scale, max_norm):
    rng = np.random.default_rng(3)
    grads = [rng.normal(0, scale, size=s) for s in ((4, 3), (3,), (2, 3, 2), ())]
    before = [g.copy() for g in grads]
    clipped, total = ref.clip_grad_norm(grads, max_norm)
    params = []
    for g in grads:
        p = torch.zeros(g.shape, dtype=torch.float64, requires_grad=True)
        p.grad = torch.tensor(g)
        params.append(p)
    t_total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    np.testing.assert_allclose(total, t_total.item(), rtol=1e-12, atol=1e-15)
    for c, p in zip(clipped, params):
        assert c.shape == tuple(p.shape)
        np.testing.assert_allclose(c, p.grad.numpy(), rtol=1e-12, atol=1e-15)
    for b, g in zip(before, grads):
        np.testing.assert_array_equal(b, g)


# ------------------------------------------------------------------ layer_grad_norms
def test_layer_grad_norms_matches_autograd_in_float64():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 9), nn.Sigmoid(), nn.Linear(9, 9), nn.Sigmoid(),
                          nn.Linear(9, 4)).double()
    rng = np.random.default_rng(4)
    X = torch.tensor(rng.normal(size=(25, 6)))
    y = torch.tensor(rng.integers(0, 4, size=25))
    weights = [model[0].weight, model[2].weight, model[4].weight]
    grads = torch.autograd.grad(nn.functional.cross_entropy(model(X), y), weights)
    expected = [g.norm().item() for g in grads]
    before = [p.detach().clone() for p in model.parameters()]
    got = ref.layer_grad_norms(model, X, y, nn.CrossEntropyLoss())
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    np.testing.assert_allclose(ref.layer_grad_norms(model, X, y, nn.CrossEntropyLoss()), got,
                               rtol=1e-12)
    for b, p in zip(before, model.parameters()):
        assert torch.equal(b, p.detach())
        assert p.grad is None


def test_layer_grad_norms_matches_a_hand_written_numpy_backward_pass():
    """Two-layer tanh network with MSE loss, backpropagated by hand (chapter 3's algebra)."""
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 2)).double()
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(30, 5)), rng.normal(size=(30, 2))
    W1, b1 = model[0].weight.detach().numpy().T, model[0].bias.detach().numpy()
    W2, b2 = model[2].weight.detach().numpy().T, model[2].bias.detach().numpy()
    H = np.tanh(X @ W1 + b1)
    out = H @ W2 + b2
    d_out = 2 * (out - Y) / out.size
    dW2 = H.T @ d_out
    dH = d_out @ W2.T * (1 - H ** 2)
    dW1 = X.T @ dH
    expected = [np.linalg.norm(dW1), np.linalg.norm(dW2)]
    got = ref.layer_grad_norms(model, X, Y, nn.MSELoss())  # numpy inputs are accepted too
    np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_layer_grad_norms_ignores_stale_gradients():
    torch.manual_seed(2)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    X, y = torch.randn(10, 3), torch.randint(0, 2, (10,))
    clean = ref.layer_grad_norms(model, X, y, nn.CrossEntropyLoss())
    (model(X) ** 2).sum().backward()  # leave gradients behind
    np.testing.assert_allclose(ref.layer_grad_norms(model, X, y, nn.CrossEntropyLoss()), clean,
                               rtol=1e-6)


# ------------------------------------------------------------------ ResidualBlock
def test_residual_block_matches_the_formula_in_numpy():
    torch.manual_seed(3)
    block = ref.ResidualBlock(6).double()
    assert sum(p.numel() for p in block.parameters()) == 2 * (36 + 6)
    assert [tuple(p.shape) for p in block.parameters()] == [(6, 6), (6,), (6, 6), (6,)]
    W1, b1, W2, b2 = (p.detach().numpy() for p in block.parameters())
    x = np.random.default_rng(6).normal(size=(8, 6))
    expected = x + np.maximum(x @ W1.T + b1, 0) @ W2.T + b2
    with torch.no_grad():
        got = block(torch.tensor(x)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_residual_block_jacobian_is_identity_plus_branch():
    """d out / d x = I + dF/dx: with the branch zeroed the Jacobian is exactly the identity."""
    block = ref.ResidualBlock(4).double()
    with torch.no_grad():
        for p in block.parameters():
            p.zero_()
    x = torch.randn(4, dtype=torch.float64)
    J = torch.autograd.functional.jacobian(block, x)
    np.testing.assert_allclose(J.numpy(), np.eye(4), atol=1e-15)


# ------------------------------------------------------------------ adam_step
@pytest.mark.parametrize("kw", [{}, dict(lr=0.05), dict(lr=0.01, beta1=0.8, beta2=0.99, eps=1e-6),
                                dict(lr=0.1, beta1=0.5, beta2=0.9, eps=1e-3)])
def test_adam_step_matches_torch_optim_adam_over_many_steps(kw):
    rng = np.random.default_rng(7)
    shape = (4, 3)
    param = rng.normal(size=shape)
    p = torch.tensor(param.copy(), requires_grad=True)
    opt = torch.optim.Adam([p], lr=kw.get("lr", 1e-3), betas=(kw.get("beta1", 0.9),
                           kw.get("beta2", 0.999)), eps=kw.get("eps", 1e-8))
    m, v = np.zeros(shape), np.zeros(shape)
    for t in range(1, 31):
        grad = rng.normal(size=shape) * (1 + t % 3) + 0.3
        inputs = (param, grad, m, v)
        before = [a.copy() for a in inputs]
        param, m, v = ref.adam_step(param, grad, m, v, t, **kw)
        for b, a in zip(before, inputs):  # inputs unchanged
            np.testing.assert_array_equal(b, a)
        p.grad = torch.tensor(grad)
        opt.step()
        state = opt.state[p]
        np.testing.assert_allclose(param, p.detach().numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(m, state["exp_avg"].numpy(), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(v, state["exp_avg_sq"].numpy(), rtol=1e-10, atol=1e-14)


def test_adam_first_step_is_lr_times_sign():
    rng = np.random.default_rng(8)
    param, grad = rng.normal(size=10), rng.normal(size=10) * 100
    new, _, _ = ref.adam_step(param, grad, np.zeros(10), np.zeros(10), 1, lr=0.01)
    np.testing.assert_allclose(new - param, -0.01 * np.sign(grad), rtol=1e-8)


# ------------------------------------------------------------------ behaviours the hidden tests added
def test_initialisers_advance_the_generator_they_are_given():
    for fn in (ref.xavier_uniform, ref.he_normal):
        rng = np.random.default_rng(9)
        first, second = fn(5, 4, rng), fn(5, 4, rng)
        assert np.any(first != second)
        again = np.random.default_rng(9)
        np.testing.assert_array_equal(fn(5, 4, again), first)
        np.testing.assert_array_equal(fn(5, 4, again), second)


def test_clip_grad_norm_returns_a_python_float():
    _, total = ref.clip_grad_norm([np.ones((2, 2)), np.ones(3)], 1.0)
    assert type(total) is float and abs(total - np.sqrt(7)) < 1e-12


def test_layer_grad_norms_finds_nested_linears_like_autograd():
    """Linear layers inside sub-modules (and one without bias) are found, in modules() order;
    a 2-D parameter that is not a Linear weight is not reported."""
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Linear(6, 10)
            self.body = nn.Sequential(nn.Tanh(), nn.Sequential(nn.Linear(10, 10, bias=False),
                                                               nn.Tanh()), nn.Linear(10, 8))
            self.gate = nn.Parameter(torch.ones(1, 8))
            self.head = nn.Linear(8, 3)

        def forward(self, x):
            return self.head(self.body(self.stem(x)) * self.gate)

    torch.manual_seed(10)
    model = Net().double()
    X = torch.randn(20, 6, dtype=torch.float64)
    y = torch.randint(0, 3, (20,))
    weights = [model.stem.weight, model.body[1][0].weight, model.body[2].weight, model.head.weight]
    grads = torch.autograd.grad(nn.functional.cross_entropy(model(X), y), weights)
    got = ref.layer_grad_norms(model, X, y, nn.CrossEntropyLoss())
    np.testing.assert_allclose(got, [g.norm().item() for g in grads], rtol=1e-10)


def test_residual_block_leaves_its_input_unchanged():
    block = ref.ResidualBlock(4)
    x = torch.randn(3, 4)
    before = x.clone()
    block(x)
    assert torch.equal(x, before)


def test_adam_first_step_with_exactly_zero_gradients_matches_torch():
    rng = np.random.default_rng(11)
    param, grad = rng.normal(size=12), rng.normal(size=12)
    grad[[0, 3, 7]] = 0.0
    new, m, v = ref.adam_step(param, grad, np.zeros(12), np.zeros(12), 1, lr=0.01)
    p = torch.tensor(param.copy(), requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.01)
    p.grad = torch.tensor(grad)
    opt.step()
    np.testing.assert_allclose(new, p.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(new[[0, 3, 7]], param[[0, 3, 7]])


def test_layer_grad_norms_measures_batchnorm_models_in_training_mode():
    torch.manual_seed(12)
    model = nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2)).double()
    X, y = torch.randn(16, 5, dtype=torch.float64), torch.randint(0, 2, (16,))
    weights = [model[0].weight, model[3].weight]
    grads = torch.autograd.grad(nn.functional.cross_entropy(model(X), y), weights)
    got = ref.layer_grad_norms(model, X, y, nn.CrossEntropyLoss())
    np.testing.assert_allclose(got, [g.norm().item() for g in grads], rtol=1e-10)
    assert model.training


# ------------------------------------------------------------------ diagnose_gradients (apply and decide)
NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("norms,band,want", [
    ([0.2, 0.5, 1.1], {}, "healthy"),
    ([1e-9, 1e-6, 0.02, 0.9], {}, "vanishing"),     # decaying towards the input
    ([0.0, 0.0, 1e-5, 0.8], {}, "vanishing"),       # underflowed to an exact 0
    ([2e-13, 5e-13, 3e-13], {}, "vanishing"),       # level, but every layer far below the band
    ([0.5, 0.4, 1e-3, 0.6], {}, "vanishing"),       # one starved layer in the middle
    ([30.0, 800.0, 4000.0], {}, "exploding"),
    ([0.3, NAN, 0.8], {}, "exploding"),
    ([0.3, INF, 0.8], {}, "exploding"),
    ([0.3, -INF, 0.8], {}, "exploding"),            # not finite either
    ([1e-6, 1.0, 500.0], {}, "exploding"),          # exploding is checked first
    ([NAN, 1e-9], {}, "exploding"),
    ([0.01, 100.0], {}, "healthy"),                 # the band includes its ends
    ([0.005, 1.0], {}, "vanishing"),
    ([0.005, 1.0], {"low": 1e-3}, "healthy"),
    ([0.5, 20.0], {"high": 10.0}, "exploding"),
    ([1e-3, 10.0], {"low": 1e-3, "high": 10.0}, "healthy"),
])
def test_diagnose_gradients_hand_examples(norms, band, want):
    got = ref.diagnose_gradients(norms, **band)
    assert type(got) is str and got == want


def _diagnosis_loop(norms, low, high):
    """The rule of the docstring, one layer at a time."""
    values = [float(v) for v in norms]
    if any(not np.isfinite(v) or v > high for v in values):
        return "exploding"
    if any(v < low for v in values):
        return "vanishing"
    return "healthy"


@pytest.mark.parametrize("seed", range(5))
def test_diagnose_gradients_matches_a_loop_in_any_layer_order(seed):
    rng = np.random.default_rng(500 + seed)
    seen = set()
    for _ in range(60):
        n_layers = int(rng.integers(1, 13))
        norms = 10.0 ** rng.uniform(-4, 4, size=n_layers) * (rng.random() < 0.5) \
            + 10.0 ** rng.uniform(-1.5, 1.5, size=n_layers) * (rng.random() < 0.5)
        if rng.random() < 0.15:
            norms[rng.integers(n_layers)] = rng.choice([NAN, INF, 0.0])
        low, high = 10.0 ** rng.uniform(-3, -1), 10.0 ** rng.uniform(1, 3)
        want = _diagnosis_loop(norms, low, high)
        seen.add(want)
        before = norms.copy()
        assert ref.diagnose_gradients(norms, low=low, high=high) == want
        assert ref.diagnose_gradients(list(norms), low, high) == want
        assert ref.diagnose_gradients(norms[rng.permutation(n_layers)], low, high) == want
        assert ref.diagnose_gradients(norms[::-1].copy(), low, high) == want
        np.testing.assert_array_equal(norms, before)
    assert seen == {"healthy", "vanishing", "exploding"}

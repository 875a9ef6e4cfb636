"""The 01-neuron reference implementation checked against independent oracles:
torch (heaviside, linear layers), scikit-learn's Perceptron, hand-computed updates and the
perceptron convergence theorem."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Perceptron

from autograder.engine import registry

ref = registry.reference("01-neuron")
BINARY = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def _separable(seed, n=60, d=3, margin=0.2):
    rng = np.random.default_rng(seed)
    w_true, X = rng.normal(size=d), rng.normal(size=(5 * n, d))
    b_true = -np.median(X @ w_true) + rng.normal(0, 0.2)  # both classes present
    X = X[np.abs(X @ w_true + b_true) > margin * np.linalg.norm(w_true)][:n]
    return X, (X @ w_true + b_true >= 0).astype(float)


# ------------------------------------------------------------------ step
def test_step_matches_torch_heaviside():
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal(size=100), [0.0, -0.0, 1e-300, -1e-300]])
    expected = torch.heaviside(torch.as_tensor(z), torch.tensor(1.0, dtype=torch.float64)).numpy()
    out = ref.step(z)
    assert out.dtype == np.float64 and out.shape == z.shape
    np.testing.assert_array_equal(out, expected)


def test_step_keeps_shape_and_input():
    z = np.arange(-3, 3).reshape(2, 3)
    before = z.copy()
    out = ref.step(z)
    assert out.shape == (2, 3) and out.dtype.kind == "f"
    np.testing.assert_array_equal(out, [[0, 0, 0], [1, 1, 1]])
    np.testing.assert_array_equal(z, before)
    assert ref.step(0.0) == 1.0 and ref.step(-1e-9) == 0.0


# ------------------------------------------------------------------ neuron
@pytest.mark.parametrize("name,np_act,torch_act", [
    ("tanh", np.tanh, torch.tanh),
    ("identity", lambda z: z, lambda z: z),
    ("sigmoid", lambda z: 1 / (1 + np.exp(-z)), torch.sigmoid),
])
def test_neuron_matches_torch_linear(name, np_act, torch_act):
    rng = np.random.default_rng(1)
    X, w, b = rng.normal(size=(20, 6)), rng.normal(size=6), float(rng.normal())
    expected = torch_act(F.linear(torch.as_tensor(X), torch.as_tensor(w)[None, :],
                                  torch.tensor([b], dtype=torch.float64)))[:, 0].numpy()
    np.testing.assert_allclose(ref.neuron(X, w, b, np_act), expected, rtol=1e-12, atol=1e-12)
    single = ref.neuron(X[3], w, b, np_act)
    assert np.ndim(single) == 0
    np.testing.assert_allclose(single, expected[3], rtol=1e-12)


def test_neuron_as_a_logic_gate():
    # McCulloch-Pitts: weights 1, 1 and threshold 2 (bias -2) compute AND; threshold 1, OR
    np.testing.assert_array_equal(ref.neuron(BINARY, np.ones(2), -2, ref.step), [0, 0, 0, 1])
    np.testing.assert_array_equal(ref.neuron(BINARY, np.ones(2), -1, ref.step), [0, 1, 1, 1])
    # an inhibitory synapse: x1 AND NOT x2
    np.testing.assert_array_equal(ref.neuron(BINARY, np.array([1.0, -1.0]), -1, ref.step),
                                  [0, 0, 1, 0])


# ------------------------------------------------------------------ perceptron_update
def test_perceptron_update_by_hand():
    w, x = np.array([0.5, -1.0]), np.array([2.0, 1.0])
    # z = 1 - 1 + 0 = 0 -> output 1; t = 0: w - lr x, b - lr
    w_new, b_new = ref.perceptron_update(w, 0.0, x, 0, 0.5)
    np.testing.assert_array_equal(w_new, [-0.5, -1.5])
    assert b_new == -0.5
    # same point, t = 1: already correct, nothing changes
    w_new, b_new = ref.perceptron_update(w, 0.0, x, 1, 0.5)
    np.testing.assert_array_equal(w_new, w)
    assert b_new == 0.0
    # z = -2 -> output 0; t = 1: w + lr x, b + lr
    w_new, b_new = ref.perceptron_update(w, -2.0, x, 1, 0.25)
    np.testing.assert_array_equal(w_new, [1.0, -0.75])
    assert b_new == -1.75
    np.testing.assert_array_equal(w, [0.5, -1.0])  # input untouched


# ------------------------------------------------------------------ train_perceptron
def test_train_perceptron_on_and_by_hand():
    # Traced by hand, lr = 1: epoch 1 errs on (0,0) and (1,1), epoch 2 on (0,0), (0,1), (1,1),
    # epoch 3 on (0,1), (1,0), (1,1), epoch 4 on (1,0), (1,1), epoch 5 on (0,1), epoch 6 none.
    w, b, errors = ref.train_perceptron(BINARY, np.array([0, 0, 0, 1]), lr=1.0, epochs=100)
    assert list(errors) == [2, 3, 3, 2, 1, 0]
    np.testing.assert_array_equal(w, [2.0, 1.0])
    assert b == -3.0
    assert all(isinstance(e, int) for e in errors)


def test_learning_rate_only_scales_weights_from_zero_init():
    X, t = _separable(3)
    w1, b1, e1 = ref.train_perceptron(X, t, lr=1.0)
    w2, b2, e2 = ref.train_perceptron(X, t, lr=0.1)
    assert e1 == e2
    np.testing.assert_allclose(w2, 0.1 * w1, rtol=1e-9)
    np.testing.assert_allclose(b2, 0.1 * b1, rtol=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_train_perceptron_matches_sklearn_perceptron(seed):
    # sklearn's Perceptron (labels +-1, update on y * z <= 0, no shuffling, constant eta0) makes
    # the same updates as ours except for the tie z = 0; ties only happen at w = 0 on the first
    # sample, where both rules update if that sample is negative.
    X, t = _separable(seed)
    first_negative = np.argmax(t == 0)
    order = np.r_[first_negative, np.delete(np.arange(len(t)), first_negative)]
    X, t = X[order], t[order]
    w, b, errors = ref.train_perceptron(X, t, lr=0.1, epochs=100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = Perceptron(eta0=0.1, shuffle=False, max_iter=len(errors), tol=None,
                         fit_intercept=True).fit(X, t)
    np.testing.assert_allclose(clf.coef_[0], w, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(clf.intercept_[0], b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_perceptron_converges_and_separates(seed):
    X, t = _separable(seed, n=80, d=4)
    X0, t0 = X.copy(), t.copy()
    w, b, errors = ref.train_perceptron(X, t, lr=0.1, epochs=1000)
    assert errors[-1] == 0 and all(e > 0 for e in errors[:-1])
    np.testing.assert_array_equal(ref.step(X @ w + b), t)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(t, t0)


def test_perceptron_never_solves_xor():
    w, b, errors = ref.train_perceptron(BINARY, np.array([0, 1, 1, 0]), lr=0.1, epochs=50)
    assert len(errors) == 50 and min(errors) > 0


# ------------------------------------------------------------------ xor_network
def test_xor_network_with_torch():
    W1, b1, W2, b2 = ref.xor_network()
    assert W1.shape[0] == 2 and b1.shape == (W1.shape[1],) and W2.shape == (W1.shape[1],)
    one = torch.tensor(1.0, dtype=torch.float64)
    hidden = torch.heaviside(F.linear(torch.as_tensor(BINARY), torch.as_tensor(W1).T,
                                      torch.as_tensor(b1)), one)
    out = torch.heaviside(hidden @ torch.as_tensor(W2) + b2, one)
    np.testing.assert_array_equal(out.numpy(), [0, 1, 1, 0])


# ------------------------------------------------------------------ inputs the hidden tests add
def test_step_accepts_plain_numbers_and_lists_like_torch():
    one = torch.tensor(1.0, dtype=torch.float64)
    for z in (0.0, -2.5, 3, [-1.0, 0.0, 2.0], [[0, -3], [4, -1]]):
        expected = torch.heaviside(torch.as_tensor(z, dtype=torch.float64), one).numpy()
        out = ref.step(z)
        assert out.shape == expected.shape and out.dtype.kind == "f"
        np.testing.assert_array_equal(out, expected)


def test_neuron_keeps_the_batch_axis_of_a_batch_of_one():
    rng = np.random.default_rng(4)
    X, w = rng.normal(size=(1, 4)), rng.normal(size=4)
    expected = torch.tanh(F.linear(torch.as_tensor(X), torch.as_tensor(w)[None, :],
                                   torch.tensor([0.3], dtype=torch.float64)))[:, 0].numpy()
    out = ref.neuron(X, w, 0.3, np.tanh)
    assert out.shape == (1,)
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_integer_inputs_give_the_float_results():
    rng = np.random.default_rng(5)
    for _ in range(20):
        w, x = rng.integers(-3, 4, size=4), rng.integers(-2, 3, size=4)
        b, t = int(rng.integers(-2, 3)), int(rng.integers(0, 2))
        w_i, b_i = ref.perceptron_update(w, b, x, t, 0.25)
        w_f, b_f = ref.perceptron_update(w.astype(float), float(b), x.astype(float), t, 0.25)
        np.testing.assert_array_equal(w_i, w_f)
        assert b_i == b_f and isinstance(b_i, float)
    for targets in ([0, 0, 0, 1], [0, 1, 1, 1]):
        w_i, b_i, e_i = ref.train_perceptron(BINARY.astype(int), np.array(targets), lr=0.3)
        w_f, b_f, e_f = ref.train_perceptron(BINARY, np.array(targets, dtype=float), lr=0.3)
        np.testing.assert_array_equal(w_i, w_f)
        assert b_i == b_f and e_i == e_f
        assert isinstance(e_i, list) and all(type(e) is int for e in e_i)
        assert isinstance(b_i, float)


# ------------------------------------------------------------------ separability_verdict (apply and decide)
def test_separability_verdict_hand_examples():
    # XOR: R^2 = 2 + 1 = 3, gamma = 0.5: at most 3 / 0.25 = 12 mistakes on separable data
    assert ref.separability_verdict(BINARY, [2] * 5, 0.5) == "undecided"
    assert ref.separability_verdict(BINARY, [2] * 6, 0.5) == "undecided"     # exactly 12
    assert ref.separability_verdict(BINARY, [2] * 6 + [1], 0.5) == "not separable"
    # an error-free epoch wins over the bound: separable, with a smaller margin than assumed
    assert ref.separability_verdict(BINARY, [2, 3, 3, 2, 1, 0], 0.9) == "separable"
    # one sample of length 5: R^2 = 26 counts the constant input of the bias
    X = np.array([[3.0, 4.0]])
    assert ref.separability_verdict(X, [13, 12], 1.0) == "undecided"
    assert ref.separability_verdict(X, [13, 14], 1.0) == "not separable"
    before = X.copy()
    ref.separability_verdict(X, np.array([13, 14]), 1.0)
    np.testing.assert_array_equal(X, before)


def _widest_margin(X, t):
    """The largest margin gamma of a unit augmented vector u' (as in the chapter), by SLSQP."""
    from scipy.optimize import minimize

    Xa, signs = np.hstack([X, np.ones((len(X), 1))]), 2 * t - 1
    widest = minimize(lambda v: v @ v, x0=np.zeros(Xa.shape[1]), jac=lambda v: 2 * v,
                      method="SLSQP",
                      constraints={"type": "ineq", "fun": lambda v: signs * (Xa @ v) - 1,
                                   "jac": lambda v: signs[:, None] * Xa})
    assert widest.success
    return 1 / np.linalg.norm(widest.x)


@pytest.mark.parametrize("seed", range(4))
def test_separability_verdict_never_rules_out_a_true_margin(seed):
    # Novikoff's theorem as an oracle: on data separable with the widest margin gamma*, no
    # prefix of a perceptron run (any lr, any order) exceeds (R / gamma)^2 for gamma <= gamma*,
    # so the verdict is never "not separable"; the complete run ends "separable".
    rng = np.random.default_rng(300 + seed)
    X, t = _separable(300 + seed, n=40, d=2, margin=0.05)
    gamma_star = _widest_margin(X, t)
    order = rng.permutation(len(X))
    _, _, errors = ref.train_perceptron(X[order], t[order], lr=float(rng.uniform(0.01, 2)),
                                        epochs=5000)
    assert errors[-1] == 0
    R2 = np.max(np.sum(X ** 2, axis=1)) + 1
    assert sum(errors) <= R2 / gamma_star ** 2
    for gamma in (gamma_star, 0.5 * gamma_star):
        for k in range(1, len(errors)):
            assert ref.separability_verdict(X, errors[:k], gamma) == "undecided"
        assert ref.separability_verdict(X, errors, gamma) == "separable"
    # XOR has no separating line: long enough runs are "not separable" for any margin
    _, _, xor_errors = ref.train_perceptron(BINARY, np.array([0, 1, 1, 0]), lr=0.1, epochs=200)
    assert ref.separability_verdict(BINARY, xor_errors, 0.1) == "not separable"

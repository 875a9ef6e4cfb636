"""The 06-rnn reference implementation checked against independent oracles:
torch.nn.RNN / RNNCell (forward), torch autograd in float64 (BPTT), torch.nn.LSTMCell and
torch.nn.GRUCell (float64, 1e-6), plus hand-checked one-hot encodings and the held-out
accuracy of the motif classifier against the Bayes-optimal (likelihood-ratio) classifier."""
import sys
import time

import numpy as np
import pytest
import torch
from torch import nn

from autograder.engine import registry

ref = registry.reference("06-rnn")
TOL = dict(rtol=1e-6, atol=1e-6)
SIZES = [(1, 1, 1, 1), (5, 3, 4, 6), (12, 2, 7, 3)]


def _rnn_data(seed, T, N, D, H, scale=0.6):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(T, N, D)), rng.normal(0, 0.5, size=(N, H)),
            rng.normal(0, scale, size=(D, H)), rng.normal(0, scale, size=(H, H)),
            rng.normal(0, 0.3, size=H))


def _torch_rnn(D, H, W_xh, W_hh, b_h):
    rnn = nn.RNN(D, H, nonlinearity="tanh").double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(W_xh.T))
        rnn.weight_hh_l0.copy_(torch.tensor(W_hh.T))
        rnn.bias_ih_l0.copy_(torch.tensor(b_h))
        rnn.bias_hh_l0.zero_()
    return rnn


@pytest.mark.parametrize("T,N,D,H", SIZES)
def test_rnn_step_and_forward_match_torch_rnn(T, N, D, H):
    x, h0, W_xh, W_hh, b_h = _rnn_data(0, T, N, D, H)
    rnn = _torch_rnn(D, H, W_xh, W_hh, b_h)
    with torch.no_grad():
        out, h_last = rnn(torch.tensor(x), torch.tensor(h0)[None])
    hs = ref.rnn_forward(x, h0, W_xh, W_hh, b_h)
    assert hs.shape == (T, N, H)
    np.testing.assert_allclose(hs, out.numpy(), **TOL)
    np.testing.assert_allclose(hs[-1], h_last[0].numpy(), **TOL)
    cell = nn.RNNCell(D, H).double()
    with torch.no_grad():
        for p, v in zip(cell.parameters(), (W_xh.T, W_hh.T, b_h, np.zeros(H))):
            p.copy_(torch.tensor(v))
        expected = cell(torch.tensor(x[0]), torch.tensor(h0)).numpy()
    np.testing.assert_allclose(ref.rnn_step(x[0], h0, W_xh, W_hh, b_h), expected, **TOL)


@pytest.mark.parametrize("T,N,D,H", SIZES)
@pytest.mark.parametrize("last_only", [False, True])
def test_rnn_backward_matches_torch_autograd(T, N, D, H, last_only):
    x, h0, W_xh, W_hh, b_h = _rnn_data(1, T, N, D, H)
    hs = ref.rnn_forward(x, h0, W_xh, W_hh, b_h)
    dhs = np.random.default_rng(2).normal(size=hs.shape)
    if last_only:
        dhs[:-1] = 0.0
    leaves = [torch.tensor(a, requires_grad=True) for a in (x, h0, W_xh, W_hh, b_h)]
    xt, h, Wx, Wh, b = leaves
    outs = []
    for t in range(T):
        h = torch.tanh(xt[t] @ Wx + h @ Wh + b)
        outs.append(h)
    torch.autograd.backward(torch.stack(outs), torch.tensor(dhs))
    expected = [leaf.grad.numpy() for leaf in leaves]
    got = ref.rnn_backward(dhs, x, hs, h0, W_xh, W_hh)
    assert len(got) == 5
    for g, e in zip(got, expected):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, **TOL)


def test_rnn_backward_matches_finite_differences_of_a_scalar_loss():
    x, h0, W_xh, W_hh, b_h = _rnn_data(3, 4, 2, 3, 5)
    v = np.random.default_rng(4).normal(size=(4, 2, 5))

    def loss(W):
        return float(np.sum(v * ref.rnn_forward(x, h0, W_xh, W, b_h)))

    dW = ref.rnn_backward(v, x, ref.rnn_forward(x, h0, W_xh, W_hh, b_h), h0, W_xh, W_hh)[3]
    eps, num = 1e-6, np.zeros_like(W_hh)
    for idx in np.ndindex(W_hh.shape):
        e = np.zeros_like(W_hh)
        e[idx] = eps
        num[idx] = (loss(W_hh + e) - loss(W_hh - e)) / (2 * eps)
    np.testing.assert_allclose(dW, num, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("N,D,H", [(1, 1, 1), (3, 5, 4), (2, 2, 7)])
@pytest.mark.parametrize("scale", [0.5, 20.0])
def test_lstm_step_matches_torch_lstmcell(N, D, H, scale):
    rng = np.random.default_rng(5)
    cell = nn.LSTMCell(D, H).double()
    params = [rng.normal(0, scale, size=tuple(p.shape)) for p in cell.parameters()]
    with torch.no_grad():
        for p, v in zip(cell.parameters(), params):
            p.copy_(torch.tensor(v))
    x, h, c = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    with torch.no_grad():
        h_t, c_t = cell(torch.tensor(x), (torch.tensor(h), torch.tensor(c)))
    before = [a.copy() for a in (x, h, c, *params)]
    h_r, c_r = ref.lstm_step(x, h, c, *params)
    np.testing.assert_allclose(h_r, h_t.numpy(), **TOL)
    np.testing.assert_allclose(c_r, c_t.numpy(), **TOL)
    for a, b in zip((x, h, c, *params), before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("N,D,H", [(1, 1, 1), (3, 5, 4), (2, 2, 7)])
@pytest.mark.parametrize("scale", [0.5, 20.0])
def test_gru_step_matches_torch_grucell(N, D, H, scale):
    rng = np.random.default_rng(6)
    cell = nn.GRUCell(D, H).double()
    params = [rng.normal(0, scale, size=tuple(p.shape)) for p in cell.parameters()]
    with torch.no_grad():
        for p, v in zip(cell.parameters(), params):
            p.copy_(torch.tensor(v))
    x, h = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    with torch.no_grad():
        expected = cell(torch.tensor(x), torch.tensor(h)).numpy()
    np.testing.assert_allclose(ref.gru_step(x, h, *params), expected, **TOL)


def test_lstm_step_unrolled_matches_torch_lstm_layer():
    rng = np.random.default_rng(7)
    T, N, D, H = 6, 2, 3, 4
    lstm = nn.LSTM(D, H).double()
    params = [p.detach().numpy().copy() for p in lstm.parameters()]
    x = rng.normal(size=(T, N, D))
    with torch.no_grad():
        out, _ = lstm(torch.tensor(x))
    h, c = np.zeros((N, H)), np.zeros((N, H))
    for t in range(T):
        h, c = ref.lstm_step(x[t], h, c, *params)
        np.testing.assert_allclose(h, out[t].numpy(), **TOL)


def test_one_hot_dna_by_hand():
    np.testing.assert_array_equal(ref.one_hot_dna("ACGT"), np.eye(4))
    out = ref.one_hot_dna("aCgTNn-RYU*é")
    assert out.dtype == np.float32 and out.shape == (12, 4)
    np.testing.assert_array_equal(out[:4], np.eye(4))
    np.testing.assert_array_equal(out[4:], 0)
    assert ref.one_hot_dna("").shape == (0, 4)
    assert ref.one_hot_dna("").dtype == np.float32


def test_one_hot_dna_matches_sklearn_onehotencoder():
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.default_rng(8)
    seq = "".join(rng.choice(list("ACGTacgtN"), size=300))
    enc = OneHotEncoder(categories=[list("ACGT")], handle_unknown="ignore", sparse_output=False)
    expected = enc.fit_transform(np.array(list(seq.upper())).reshape(-1, 1))
    np.testing.assert_array_equal(ref.one_hot_dna(seq), expected)


def _bayes_accuracy(tests, seqs, labels):
    """Accuracy of the likelihood-ratio classifier that knows the true PWM and background."""
    pwm = np.array([[0.25] * 4 if ch == "N" else
                    [tests._STRENGTH if b == ch else (1 - tests._STRENGTH) / 3 for b in "ACGT"]
                    for ch in tests._SITE])
    log_odds = np.log(pwm / tests._BACKGROUND)
    codes = np.array([["ACGT".index(ch) for ch in s] for s in seqs])
    w = len(tests._SITE)
    scores = np.stack([log_odds[np.arange(w), codes[:, p:p + w]].sum(axis=1)
                       for p in range(codes.shape[1] - w + 1)], axis=1)
    ratio = np.exp(scores).mean(axis=1)  # P(seq | motif) / P(seq | background)
    return float(np.mean((ratio > 1) == labels))


def test_motif_classifier_is_fast_and_near_the_bayes_optimum():
    registry.suite("06-rnn")  # loads the hidden tests' module, which holds the grader's data
    tests = sys.modules["autograder._chapters.ch06_tests"]
    (train, y_train), (test, y_test) = tests._motif_data()
    start = time.perf_counter()
    model = ref.train_motif_classifier(train, y_train, seed=0)
    seconds = time.perf_counter() - start
    acc = float(np.mean(model.predict(test) == y_test))
    bayes = _bayes_accuracy(tests, test, y_test)
    assert seconds < 30
    assert 0.9 <= acc <= bayes + 0.01, (acc, bayes)
    assert bayes - acc < 0.03, (acc, bayes)
    same = ref.train_motif_classifier(train, y_train, seed=0)
    np.testing.assert_array_equal(same.predict(test[:200]), model.predict(test[:200]))


def test_motif_classifier_ignores_the_global_random_state_and_reads_N():
    import random

    registry.suite("06-rnn")
    tests = sys.modules["autograder._chapters.ch06_tests"]
    (train, y_train), (test, y_test) = tests._motif_data()
    runs = []
    for global_seed in (1234, 98765):
        random.seed(global_seed)
        np.random.seed(global_seed)
        torch.manual_seed(global_seed)
        runs.append(ref.train_motif_classifier(train[:300], y_train[:300], seed=7).predict(test))
    np.testing.assert_array_equal(runs[0], runs[1])
    # N (unknown base) is an all-zero row, so a few Ns barely change the predictions
    model = ref.train_motif_classifier(train, y_train, seed=0)
    noisy = tests._with_unknown_bases(np.random.default_rng(0), test[:400])
    assert sum(s.upper().count("N") for s in noisy) > 400
    assert np.mean(model.predict(noisy) == y_test[:400]) >= 0.9


# ------------------------------------------------------------------ choose_context_length (apply and decide)
def test_choose_context_length_hand_examples():
    lengths = [5, 10, 20, 40]
    scores = [[0.60, 0.64], [0.80, 0.84], [0.91, 0.92], [0.91, 0.93]]
    # means 0.62, 0.82, 0.915, 0.92; bar 0.92 - 0.01 = 0.91: the shortest length above it is 20
    got = ref.choose_context_length(lengths, scores)
    assert type(got) is int and got == 20
    assert ref.choose_context_length(lengths, scores, tolerance=0.0) == 40
    assert ref.choose_context_length(lengths, scores, tolerance=0.2) == 10  # bar 0.72
    # the tolerance is in the units of the score: bar 0.50 - 0.01 = 0.49 (not 0.99 * 0.50 = 0.495)
    assert ref.choose_context_length([8, 4], [0.50, 0.493]) == 4
    # flat, then a rise once the context reaches the signal: the best mean (0.90) sets the bar,
    # not the gain from one length to the next
    assert ref.choose_context_length([3, 6, 12, 24], [0.70, 0.70, 0.71, 0.90]) == 24
    # the longest context overfits: the bar is 0.90 - 0.01 (the best), not 0.80 - 0.01 (the last)
    assert ref.choose_context_length([3, 6, 12, 24], [0.60, 0.85, 0.90, 0.80]) == 12
    # one lucky run is no evidence: means 0.823, 0.933, 0.94, so 20 and not 10
    assert ref.choose_context_length([10, 20, 40], [[0.95, 0.75, 0.77], [0.925, 0.935, 0.94],
                                                    [0.94, 0.93, 0.95]]) == 20


@pytest.mark.parametrize("seed", range(6))
def test_choose_context_length_matches_pandas_groupby(seed):
    import pandas as pd

    rng = np.random.default_rng(300 + seed)
    k, r = int(rng.integers(2, 9)), int(rng.integers(1, 6))
    lengths = rng.choice(np.arange(2, 65), size=k, replace=False)  # distinct, in any order
    ceiling = 0.5 + 0.45 * (1 - np.exp(-lengths / rng.uniform(3, 20)))
    scores = ceiling[:, None] + rng.normal(0, 0.02, size=(k, r))
    runs = pd.DataFrame({"length": np.repeat(lengths, r), "score": scores.ravel()})
    means = runs.groupby("length")["score"].mean()
    before = lengths.copy(), scores.copy()
    for tolerance in (0.0, 0.005, 0.01, 0.05):
        want = int(means[means >= means.max() - tolerance].index.min())
        assert ref.choose_context_length(lengths, scores, tolerance) == want
        assert ref.choose_context_length(list(lengths), scores.tolist(), tolerance) == want
    np.testing.assert_array_equal(lengths, before[0])
    np.testing.assert_array_equal(scores, before[1])


def test_choose_context_length_one_run_per_length_in_any_shape_and_order():
    lengths = np.array([24, 3, 12, 6])
    one_run = np.array([0.95, 0.70, 0.945, 0.90])
    # bar 0.95 - 0.01 = 0.94: 12 (0.945) is the shortest that reaches it
    assert ref.choose_context_length(lengths, one_run) == 12
    assert ref.choose_context_length(lengths, one_run[:, None]) == 12  # (k, 1): the same
    # bar 0.65: every length reaches it; the answer is the length 3 itself, not its position 1
    assert ref.choose_context_length(lengths, one_run, tolerance=0.3) == 3

"""Reference implementations for chapter 06-rnn (instructor only).

Shapes: T time steps, N sequences in a batch, D input features, H hidden units. Weight
matrices of the plain RNN are stored "inputs on the left" (``x @ W_xh`` with W_xh (D, H));
the LSTM and GRU cells use torch's layout (``x @ W_ih.T`` with W_ih (G*H, D)). No function
modifies its inputs.

The decision function ``choose_context_length`` (apply and decide) picks the shortest context
(here: the width of a motif detector's filters) whose mean held-out score over several runs is
within a tolerance of the best.
"""
import numpy as np
import torch
from torch import nn


def _sigmoid(z):
    """1 / (1 + e^{-z}) without overflow."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def rnn_step(x_t, h_prev, W_xh, W_hh, b_h):
    """One step of an Elman (tanh) RNN: h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h).

    x_t (N, D), h_prev (N, H), W_xh (D, H), W_hh (H, H), b_h (H,) -> h_t (N, H).
    """
    pre = np.asarray(x_t, float) @ np.asarray(W_xh, float) \
        + np.asarray(h_prev, float) @ np.asarray(W_hh, float) + np.asarray(b_h, float)
    return np.tanh(pre)


def rnn_forward(x, h0, W_xh, W_hh, b_h):
    """Unroll the RNN over time: h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h) for t = 1..T.

    x (T, N, D), h0 (N, H) -> hs (T, N, H) with hs[t] the state after reading x[t]
    (h0 itself is not included). The same weights are used at every step.
    """
    x = np.asarray(x, float)
    h = np.asarray(h0, float)
    hs = np.empty((x.shape[0],) + h.shape)
    for t in range(x.shape[0]):
        h = rnn_step(x[t], h, W_xh, W_hh, b_h)
        hs[t] = h
    return hs


def rnn_backward(dhs, x, hs, h0, W_xh, W_hh):
    """Backpropagation through time for :func:`rnn_forward`.

    dhs (T, N, H) holds dL/dh_t coming from the loss *directly* (e.g. from an output layer at
    every step; zeros except the last step for a many-to-one model). Walking backwards, the
    total gradient on h_t adds what flows back from step t+1:

        g_t  = dhs[t] + (a_{t+1} gradient) W_hh^T             (g_T = dhs[T])
        da_t = g_t * (1 - h_t^2)                               (tanh' written with h_t)
        dx_t = da_t W_xh^T,  dW_xh = sum_t x_t^T da_t,  dW_hh = sum_t h_{t-1}^T da_t,
        db_h = sum_t sum_n da_t,  dh0 = da_1 W_hh^T.

    Returns ``(dx (T, N, D), dh0 (N, H), dW_xh (D, H), dW_hh (H, H), db_h (H,))``.
    """
    dhs, x, hs = (np.asarray(a, float) for a in (dhs, x, hs))
    h0, W_xh, W_hh = (np.asarray(a, float) for a in (h0, W_xh, W_hh))
    T = x.shape[0]
    dx = np.zeros_like(x)
    dW_xh, dW_hh = np.zeros_like(W_xh), np.zeros_like(W_hh)
    db_h = np.zeros(W_hh.shape[0])
    carry = np.zeros_like(h0)
    for t in reversed(range(T)):
        da = (dhs[t] + carry) * (1.0 - hs[t] ** 2)
        prev = hs[t - 1] if t > 0 else h0
        dx[t] = da @ W_xh.T
        dW_xh += x[t].T @ da
        dW_hh += prev.T @ da
        db_h += da.sum(axis=0)
        carry = da @ W_hh.T
    return dx, carry, dW_xh, dW_hh, db_h


def lstm_step(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    """One LSTM step in torch's layout (gate order i, f, g, o), like ``torch.nn.LSTMCell``.

    a = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh, split in four blocks of H columns:
        i = sigma(a_i), f = sigma(a_f), g = tanh(a_g), o = sigma(a_o)
        c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t).
    x_t (N, D), h_prev and c_prev (N, H), W_ih (4H, D), W_hh (4H, H), b_ih and b_hh (4H,).
    Returns ``(h_t, c_t)``, both (N, H).
    """
    a = np.asarray(x_t, float) @ np.asarray(W_ih, float).T + np.asarray(b_ih, float) \
        + np.asarray(h_prev, float) @ np.asarray(W_hh, float).T + np.asarray(b_hh, float)
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=-1)
    c = _sigmoid(a_f) * np.asarray(c_prev, float) + _sigmoid(a_i) * np.tanh(a_g)
    return _sigmoid(a_o) * np.tanh(c), c


def gru_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    """One GRU step in torch's layout (gate order r, z, n), like ``torch.nn.GRUCell``.

    With gi = x_t W_ih^T + b_ih and gh = h_{t-1} W_hh^T + b_hh split in three blocks:
        r = sigma(gi_r + gh_r),  z = sigma(gi_z + gh_z),  n = tanh(gi_n + r * gh_n)
        h_t = (1 - z) * n + z * h_{t-1}.
    (The reset gate multiplies W_hn h + b_hn, bias included, as in torch.)
    x_t (N, D), h_prev (N, H), W_ih (3H, D), W_hh (3H, H), b_ih and b_hh (3H,) -> h_t (N, H).
    """
    h_prev = np.asarray(h_prev, float)
    gi = np.asarray(x_t, float) @ np.asarray(W_ih, float).T + np.asarray(b_ih, float)
    gh = h_prev @ np.asarray(W_hh, float).T + np.asarray(b_hh, float)
    i_r, i_z, i_n = np.split(gi, 3, axis=-1)
    h_r, h_z, h_n = np.split(gh, 3, axis=-1)
    r, z = _sigmoid(i_r + h_r), _sigmoid(i_z + h_z)
    n = np.tanh(i_n + r * h_n)
    return (1.0 - z) * n + z * h_prev


_CODE = np.full(256, -1, dtype=np.int64)
for _k, _base in enumerate("ACGT"):
    _CODE[ord(_base)] = _CODE[ord(_base.lower())] = _k


def one_hot_dna(seq):
    """One-hot encode a DNA string: (L, 4) float32, columns A, C, G, T.

    Upper and lower case are the same base; any other character (N, gaps, IUPAC codes, U, ...)
    gives an all-zero row. The empty string gives shape (0, 4).
    """
    raw = np.frombuffer(str(seq).encode("latin-1", errors="replace"), dtype=np.uint8)
    codes = _CODE[raw]
    out = np.zeros((raw.size, 4), dtype=np.float32)
    known = codes >= 0
    out[np.flatnonzero(known), codes[known]] = 1.0
    return out


class MotifCNN:
    """A trained motif detector: Conv1d(4 -> 16, width 15) -> ReLU -> max over positions ->
    Linear(16 -> 1). ``predict`` returns 1 where the logit is positive."""

    def __init__(self, net):
        self.net = net

    @staticmethod
    def encode(sequences):
        mats = [one_hot_dna(s) for s in sequences]
        width = max(15, max((m.shape[0] for m in mats), default=0))
        batch = np.zeros((len(mats), width, 4), dtype=np.float32)
        for k, m in enumerate(mats):
            batch[k, :m.shape[0]] = m  # shorter sequences are padded with all-zero rows
        return torch.from_numpy(batch).permute(0, 2, 1).contiguous()

    def decision_function(self, sequences):
        logits = self.net(self.encode(sequences)).reshape(-1)
        return logits.detach().numpy().astype(float)

    def predict(self, sequences):
        return (self.decision_function(sequences) > 0).astype(np.int64)


def train_motif_classifier(sequences, labels, seed=0):
    """Train a small CNN that says whether a DNA sequence carries a binding motif.

    A width-15 filter bank scans the one-hot sequence (a learned PWM: Conv1d scores every
    window), ReLU keeps good matches, the maximum over positions asks "is there a match
    anywhere?", and a linear layer turns the 16 filter maxima into a logit. Trained with Adam
    (lr 0.01, batches of 64, 8 epochs) on the binary cross-entropy; seeded, so the same data
    and seed give the same model. Returns an object with ``predict(sequences) -> 0/1``.
    """
    X = MotifCNN.encode(list(sequences))
    y = torch.as_tensor(np.asarray(labels, dtype=np.float32).reshape(-1))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small batches: one thread is faster than several
    try:
        net = _fit_cnn(X, y, seed)
    finally:
        torch.set_num_threads(threads)
    net.eval()
    return MotifCNN(net)


def _fit_cnn(X, y, seed):
    with torch.random.fork_rng(devices=[]):
        torch.random.manual_seed(int(seed))
        net = nn.Sequential(nn.Conv1d(4, 16, kernel_size=15), nn.ReLU(),
                            nn.AdaptiveMaxPool1d(1), nn.Flatten(), nn.Linear(16, 1))
        opt = torch.optim.Adam(net.parameters(), lr=0.01)
        shuffler = torch.Generator().manual_seed(int(seed))
        for _epoch in range(8):
            perm = torch.randperm(len(y), generator=shuffler)
            for start in range(0, len(y), 64):
                idx = perm[start:start + 64]
                loss = nn.functional.binary_cross_entropy_with_logits(
                    net(X[idx]).reshape(-1), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
    return net


def choose_context_length(lengths, scores, tolerance=0.01):
    """Apply and decide: the shortest sequence context that does as well as the best, within
    ``tolerance``.

    ``lengths`` (k,) are the context lengths tried (bases a model reads together, time steps
    it looks back; distinct, in any order). ``scores`` (k, r): row i holds the held-out scores
    (higher is better: accuracy, AUC, R^2) of r runs with ``lengths[i]`` (different seeds);
    a (k,) array is one run per length. With

        m_i  = (1/r) sum_j scores_ij        the mean over the runs (one lucky seed is no evidence),
        best = max_i m_i                    over every length tried (not the longest length's
                                            score, not the gain from one length to the next),

    the answer is  min { lengths_i : m_i >= best - tolerance },  the tolerance in the units of
    the score (0.01 = one percentage point of accuracy). ``tolerance = 0`` gives the length of
    the best mean. Returns a Python int; the inputs are not modified.
    """
    L = np.asarray(lengths).reshape(-1)
    mean = np.asarray(scores, dtype=np.float64).reshape(L.size, -1).mean(axis=1)
    good = mean >= mean.max() - float(tolerance)
    return int(L[good].min())

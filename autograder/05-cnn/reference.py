"""Reference implementation of the graded functions of chapter 05-cnn.

Convolutions and pooling follow PyTorch's conventions exactly: a "convolution" is a
cross-correlation (the kernel is not flipped), padding adds zeros on both sides, and output
sizes are rounded down (``ceil_mode=False``). Arrays are numpy; the two networks are torch.
The decision function ``compare_predictions`` (apply and decide) compares the held-out Pearson
r of a CNN and of ridge regression with a paired bootstrap. No function modifies its inputs.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn


def _pair(v):
    """An int or a pair of ints -> a pair of ints (height, width)."""
    if isinstance(v, (tuple, list)):
        return int(v[0]), int(v[1])
    return int(v), int(v)


def conv_output_size(n, kernel_size, padding=0, stride=1, dilation=1):
    """Length of a convolution's (or pooling's) output along one axis.

    A kernel of size K with dilation d spans d (K - 1) + 1 input positions. After adding
    ``padding`` zeros at both ends the input has n + 2p positions, and windows start every
    ``stride`` positions, so

        n_out = floor((n + 2 p - d (K - 1) - 1) / s) + 1.

    Returns a Python int.
    """
    span = dilation * (kernel_size - 1) + 1
    return int((n + 2 * padding - span) // stride + 1)


def conv1d(x, w, b=None, stride=1, padding=0):
    """1-D convolution (cross-correlation) like ``torch.nn.functional.conv1d``.

    x: (N, C_in, L), w: (C_out, C_in, K), b: (C_out,) or None. With x zero-padded by ``padding``
    on both sides,

        out[n, o, t] = b[o] + sum_c sum_k w[o, c, k] * x_pad[n, c, t * stride + k],

    for t = 0 .. L_out - 1, L_out = floor((L + 2 p - K) / s) + 1. Returns (N, C_out, L_out).
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    K = w.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, K, axis=2)[:, :, ::stride, :]
    out = np.einsum("nctk,ock->not", windows, w)
    if b is not None:
        out = out + np.asarray(b, dtype=np.float64)[None, :, None]
    return out


def conv2d(x, w, b=None, stride=1, padding=0):
    """2-D convolution (cross-correlation) like ``torch.nn.functional.conv2d``.

    x: (N, C_in, H, W), w: (C_out, C_in, kH, kW), b: (C_out,) or None; stride and padding are an
    int or a pair (rows, columns). With x zero-padded on all four sides,

        out[n, o, i, j] = b[o] + sum_c sum_u sum_v w[o, c, u, v] x_pad[n, c, i s_h + u, j s_w + v].

    Returns (N, C_out, H_out, W_out).
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    kh, kw = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw]  # (N, C_in, H_out, W_out, kh, kw)
    out = np.einsum("ncijuv,ocuv->noij", windows, w)
    if b is not None:
        out = out + np.asarray(b, dtype=np.float64)[None, :, None, None]
    return out


def max_pool1d(x, kernel_size, stride=None):
    """Max pooling along the last axis, like ``torch.nn.functional.max_pool1d``.

    x: (N, C, L). out[n, c, t] = max_k x[n, c, t * s + k] for k < K, with s = K when stride is
    None and L_out = floor((L - K) / s) + 1 (incomplete windows at the end are dropped).
    """
    x = np.asarray(x, dtype=np.float64)
    s = kernel_size if stride is None else stride
    windows = np.lib.stride_tricks.sliding_window_view(x, kernel_size, axis=-1)
    return windows[..., ::s, :].max(axis=-1)


def max_pool2d(x, kernel_size, stride=None):
    """Max pooling over the last two axes, like ``torch.nn.functional.max_pool2d``.

    x: (N, C, H, W); kernel_size and stride are an int or a pair; stride None means
    stride = kernel_size. out[n, c, i, j] = max over the kH x kW window starting at
    (i s_h, j s_w). Returns (N, C, H_out, W_out), sizes rounded down.
    """
    x = np.asarray(x, dtype=np.float64)
    kh, kw = _pair(kernel_size)
    sh, sw = (kh, kw) if stride is None else _pair(stride)
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(-2, -1))
    return windows[..., ::sh, ::sw, :, :].max(axis=(-2, -1))


def receptive_field(layers):
    """Receptive field (in input positions) of one unit of the last layer.

    layers: a list of (kernel_size, stride), first layer first. With the "jump"
    j_l = s_1 s_2 ... s_l (the input distance between neighbouring units of layer l, j_0 = 1),

        r_0 = 1,   r_l = r_{l-1} + (K_l - 1) j_{l-1}.

    An empty list gives 1 (a unit of the input sees itself). Returns a Python int.
    """
    field, jump = 1, 1
    for kernel_size, stride in layers:
        field += (int(kernel_size) - 1) * jump
        jump *= int(stride)
    return int(field)


def one_hot_genotypes(G):
    """One-hot encode a genotype matrix into 4 channels, as in DLGWAS (Liu et al. 2019).

    G: (n, m) with 0 (AA), 1 (Aa), 2 (aa) and NaN for a missing call. Returns a float32 array
    of shape (n, 4, m) with out[i, c, j] = 1 when SNP j of individual i has code c, where code
    3 stands for missing; every (i, :, j) column holds exactly one 1.
    """
    G = np.asarray(G, dtype=np.float64)
    codes = np.where(np.isnan(G), 3, G).astype(np.int64)  # (n, m) in {0, 1, 2, 3}
    out = np.zeros((G.shape[0], 4, G.shape[1]), dtype=np.float32)
    rows, cols = np.indices(G.shape)
    out[rows, codes, cols] = 1.0
    return out


def count_parameters(model):
    """Number of trainable parameters (entries of tensors with requires_grad) of a torch module.

    ``model.parameters()`` lists each tensor once, even if it is shared by several layers;
    buffers (such as BatchNorm's running statistics) are not parameters.
    """
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))


class DeepGS(nn.Module):
    """DeepGS (Ma et al. 2018), the "8-32-1" CNN for genomic prediction.

    Input (N, n_markers) marker values, treated as one channel. Layers:
    Conv1d(1 -> 8, kernel 18, stride 1) -> ReLU -> MaxPool1d(4, stride 4) -> Dropout(0.2) ->
    Flatten -> Linear(8 * P -> 32) -> sigmoid -> Dropout(0.1) -> Linear(32 -> 1),
    where P = floor((n_markers - 17 - 4) / 4) + 1 positions survive the pooling.
    Output (N, 1).
    """

    def __init__(self, n_markers):
        super().__init__()
        self.conv = nn.Conv1d(1, 8, kernel_size=18, stride=1)
        self.pool = nn.MaxPool1d(kernel_size=4, stride=4)
        self.drop_conv = nn.Dropout(0.2)
        pooled = ((n_markers - 17) - 4) // 4 + 1
        self.hidden = nn.Linear(8 * pooled, 32)
        self.drop_hidden = nn.Dropout(0.1)
        self.out = nn.Linear(32, 1)

    def forward(self, x):
        h = torch.relu(self.conv(x.unsqueeze(1)))
        h = self.drop_conv(self.pool(h)).flatten(start_dim=1)
        h = self.drop_hidden(torch.sigmoid(self.hidden(h)))
        return self.out(h)


class DualStreamCNN(nn.Module):
    """The dual-stream residual CNN of DLGWAS (Liu et al. 2019).

    Input (N, 4, n_markers), one-hot genotypes. All convolutions have 10 filters, 'same'
    padding and, as in the published code, no activation function:
      stream A: Conv1d(4 -> 10, k 4) -> Conv1d(10 -> 10, k 20) -> Dropout
      stream B: Conv1d(4 -> 10, k 4) on the input (the shortcut)
      A + B -> Conv1d(10 -> 10, k 4) -> Dropout -> Flatten -> Dropout -> Linear(10 n_markers -> 1).
    Layers are created in this order (A1, A2, B, merge, output), which fixes parameters().
    ``dropout`` is the drop probability of the three Dropout layers (0.75 in the paper's code).
    Output (N, 1).
    """

    def __init__(self, n_markers, dropout=0.75):
        super().__init__()
        self.a1 = nn.Conv1d(4, 10, kernel_size=4, padding="same")
        self.a2 = nn.Conv1d(10, 10, kernel_size=20, padding="same")
        self.shortcut = nn.Conv1d(4, 10, kernel_size=4, padding="same")
        self.merge = nn.Conv1d(10, 10, kernel_size=4, padding="same")
        self.out = nn.Linear(10 * n_markers, 1)
        self.drop_a = nn.Dropout(dropout)
        self.drop_merge = nn.Dropout(dropout)
        self.drop_flat = nn.Dropout(dropout)

    def forward(self, x):
        a = self.drop_a(self.a2(self.a1(x)))
        h = self.drop_merge(self.merge(a + self.shortcut(x)))
        return self.out(self.drop_flat(h.flatten(start_dim=1)))


CHOICES = ("cnn", "ridge", "no difference")


def _pearson_rows(a, b):
    """Pearson correlation of a[i] with b[i] for every row i (2-D arrays of equal shape)."""
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    return (a * b).sum(axis=1) / np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))


def compare_predictions(y, pred_cnn, pred_ridge, n_boot=2000, seed=0):
    """Which of two genomic predictors to trust, from their predictions of the same test set.

    y, pred_cnn and pred_ridge are 1-D arrays of length n: the observed phenotypes of n test
    individuals and the two models' predictions for them (any units: the accuracy of genomic
    prediction is Pearson's r, which ignores the scale and offset of the predictions).

    1. difference = r(pred_cnn, y) - r(pred_ridge, y), on the whole test set;
    2. a **paired** bootstrap: ``rng = np.random.default_rng(seed)``; ``n_boot`` times draw n
       indices with replacement and recompute the difference on those individuals, the *same*
       individuals for both models (the two models were tested on the same plants, so their
       errors are correlated; resampling them separately would ignore that);
    3. the 95 % percentile interval: low, high = the 2.5th and 97.5th percentiles of the
       ``n_boot`` differences (``np.percentile``, linear interpolation);
    4. choice = "cnn" if low > 0, "ridge" if high < 0, else "no difference" (the interval
       contains zero: the test set cannot tell the two models apart).

    Returns {"difference": float, "low": float, "high": float, "choice": str}. The inputs are
    not modified. (A bootstrap sample that repeats one individual n times has no correlation;
    with n >= 30 that never happens in practice.)
    """
    y = np.asarray(y, dtype=np.float64).ravel()
    a = np.asarray(pred_cnn, dtype=np.float64).ravel()
    b = np.asarray(pred_ridge, dtype=np.float64).ravel()
    n = len(y)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(int(n_boot), n))
    diffs = _pearson_rows(a[idx], y[idx]) - _pearson_rows(b[idx], y[idx])
    difference = float(_pearson_rows(a[None], y[None])[0] - _pearson_rows(b[None], y[None])[0])
    low, high = (float(v) for v in np.percentile(diffs, [2.5, 97.5]))
    choice = "cnn" if low > 0 else "ridge" if high < 0 else "no difference"
    return {"difference": difference, "low": low, "high": high, "choice": choice}

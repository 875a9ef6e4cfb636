"""Reference implementations for chapter 02-activations (instructor only).

Every function is elementwise (or along ``axis``), keeps the input's shape, does not modify its
input and stays finite and warning-free for |z| up to 1e4.
"""
import numpy as np


def sigmoid(z):
    """sigma(z) = 1 / (1 + e^{-z}), computed without overflow.

    For z >= 0 use 1 / (1 + e^{-z}); for z < 0 use e^{z} / (1 + e^{z}); both only ever
    exponentiate a non-positive number.
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(z):
    """d sigma / dz = sigma(z) (1 - sigma(z)), at most 1/4 (at z = 0)."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh_grad(z):
    """d tanh / dz = 1 - tanh(z)^2."""
    return 1.0 - np.tanh(np.asarray(z, dtype=float)) ** 2


def relu(z):
    """max(0, z)."""
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def relu_grad(z):
    """1 where z > 0, else 0 (the subgradient 0 is used at z = 0)."""
    return (np.asarray(z, dtype=float) > 0).astype(float)


def leaky_relu(z, alpha=0.01):
    """z where z > 0, else alpha z."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * z)


def softmax(z, axis=-1):
    """softmax(z)_i = e^{z_i - m} / sum_j e^{z_j - m} with m = max_j z_j (shift invariance)."""
    z = np.asarray(z, dtype=float)
    shifted = z - z.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(z, axis=-1):
    """log softmax(z)_i = (z_i - m) - log sum_j e^{z_j - m}: the log-sum-exp trick."""
    z = np.asarray(z, dtype=float)
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


# The largest slope of each activation the decision below knows, at z = 0 (the ReLU's slope
# is 1 for every z > 0).
_SLOPES = {"sigmoid": (sigmoid_grad, 0.25), "tanh": (tanh_grad, 1.0), "relu": (relu_grad, 1.0)}


def stuck_units(Z, activation):
    """The units of a layer that can no longer learn: dead ReLUs and saturated sigmoid or
    tanh units (apply and decide).

    ``Z`` has shape (n, m): the pre-activations z_ij of m units (the columns) on n examples
    (the rows); ``activation`` is "sigmoid", "tanh" or "relu". With f' the activation's
    derivative and f'_max its largest slope (1/4 for the sigmoid, 1 for tanh and ReLU), unit j
    is stuck when its slope is below 5 % of that largest slope on every example,

        stuck(j)  <=>  for all i:  f'(z_ij) < 0.05 f'_max,

    so it passes almost no learning signal back, whatever the example. For the ReLU, whose
    slope is 0 or 1 (0 at z = 0), this is a dead unit, z_ij <= 0 for every i; for the sigmoid
    it is |z_ij| > 4.36 for every i and for tanh |z_ij| > 2.18 (on either side: a unit may
    saturate high on some examples and low on others). Returns the stuck columns' indices,
    counted from 0, in increasing order, as an int array (empty when none is stuck); the input
    is not modified.
    """
    if activation not in _SLOPES:
        raise ValueError(f"activation must be one of {sorted(_SLOPES)}, got {activation!r}")
    Z = np.asarray(Z, dtype=float)
    if Z.ndim != 2:
        raise ValueError(f"Z must have shape (examples, units), got shape {Z.shape}")
    slope, largest = _SLOPES[activation]
    return np.flatnonzero(np.all(slope(Z) < 0.05 * largest, axis=0))

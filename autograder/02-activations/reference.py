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

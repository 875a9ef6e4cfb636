"""Data loaders for the course. Everything is offline: real data sets shipped inside PyPI
packages, or seeded simulations whose generative model is stated in the docstring."""
from __future__ import annotations

import numpy as np


def load_digits_split(n_train: int = 1347, seed: int = 0):
    """scikit-learn's handwritten digits (1,797 8x8 images, 10 classes), scaled to [0, 1].

    The images are shuffled with ``seed`` and split into the first ``n_train`` (training) and the
    rest (held out). Returns ``X_train (n_train, 64), y_train, X_test, y_test`` with int labels.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = digits.data.astype(np.float64) / 16.0
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    train, test = order[:n_train], order[n_train:]
    return X[train], y[train], X[test], y[test]


def load_breast_cancer_scaled():
    """Wisconsin breast-cancer biopsies (569 samples, 30 nucleus features; 1 = benign),
    each feature standardised to zero mean and unit variance. Returns ``X, y, feature_names``."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    X = (data.data - data.data.mean(0)) / data.data.std(0)
    return X, data.target.astype(np.int64), list(data.feature_names)

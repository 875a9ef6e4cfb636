"""Seeded simulations for chapter 11 (attention, GANs). The generative models are stated in the
docstrings; nothing is downloaded."""
from __future__ import annotations

import numpy as np

BASES = "ACGT"


def two_cell_populations(n: int = 1000, seed: int = 0):
    """Two cell populations in the 2-D log-expression space of two marker genes.

    Generative model: each cell belongs to population A with probability 0.6, else B. Its
    log-expression of (gene 1, gene 2) is bivariate normal: A has mean (2.5, 0.6), standard
    deviations (0.35, 0.30) and correlation 0.4 (a "gene 1 high" population); B has mean
    (0.8, 2.2), standard deviations (0.30, 0.45) and correlation -0.3 ("gene 2 high").
    Returns ``X`` (n, 2) float64 and ``population`` (n,) int (0 = A, 1 = B).
    """
    rng = np.random.default_rng(seed)
    pop = (rng.random(n) >= 0.6).astype(np.int64)
    means = np.array([[2.5, 0.6], [0.8, 2.2]])
    sds = np.array([[0.35, 0.30], [0.30, 0.45]])
    rhos = np.array([0.4, -0.3])
    X = np.empty((n, 2))
    for k in (0, 1):
        idx = np.flatnonzero(pop == k)
        s = sds[k]
        cov = np.array([[s[0] ** 2, rhos[k] * s[0] * s[1]], [rhos[k] * s[0] * s[1], s[1] ** 2]])
        X[idx] = rng.multivariate_normal(means[k], cov, size=idx.size)
    return X, pop


def motif_sequences(n: int = 2000, length: int = 40, motif: str = "CACGTG", seed: int = 0):
    """Random DNA sequences, half of which carry a binding motif at a random position.

    Generative model: every base is drawn uniformly from A, C, G, T; for sequences with label 1
    (each with probability 0.5) ``motif`` is written at a position drawn uniformly from
    0..length-len(motif). A label-0 sequence may still contain the motif by chance
    (probability about (length - 5) / 4**6 = 0.9 % for a 6-mer in 40 bases).
    Returns ``onehot`` (n, length, 4) float32 in A, C, G, T order, ``labels`` (n,) int,
    ``start`` (n,) int (the planted motif's first position, -1 when none) and the sequences as
    strings.
    """
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, 4, size=(n, length))
    labels = (rng.random(n) < 0.5).astype(np.int64)
    start = np.full(n, -1, dtype=np.int64)
    code = np.array([BASES.index(b) for b in motif])
    for i in np.flatnonzero(labels):
        s = int(rng.integers(0, length - len(motif) + 1))
        idx[i, s:s + len(motif)] = code
        start[i] = s
    onehot = np.eye(4, dtype=np.float32)[idx]
    seqs = ["".join(BASES[j] for j in row) for row in idx]
    return onehot, labels, start, seqs

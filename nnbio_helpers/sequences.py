"""Seeded simulated sequences for the recurrent-network chapter (06-rnn).

Two generators, both offline and reproducible from a seed:

* :func:`simulate_motif_dataset`: DNA sequences, half of which carry one planted binding site.
  The generative model is

  - background: every base is drawn independently (i.i.d.) from the background frequencies
    ``background`` (order A, C, G, T; default an AT-rich genome, 0.3 / 0.2 / 0.2 / 0.3);
  - motif: a position weight matrix (PWM) of width ``w`` made from a consensus word: column
    ``j`` gives probability ``strength`` to the consensus base and ``(1 - strength) / 3`` to
    each of the other three, N columns being uniform (:func:`consensus_pwm`; default a
    GRE-like palindrome ``AGAACAnnnTGTTCT`` with strength 0.95);
  - a positive sequence (label 1) is a background sequence in which one motif instance, sampled
    column by column from the PWM, overwrites the bases at a uniformly random start position
    ``0 .. length - w``; a negative sequence (label 0) is background only.

  Labels are balanced (exactly ``n // 2`` positives, shuffled). The planted start positions are
  returned (-1 for negatives), so one can check *where* a model looks.

* :func:`noisy_sine`: the series ``sin(2 pi t / period) + noise * N(0, 1)`` for t = 0, 1, ...,
  a stand-in for any rhythmic measurement (circadian expression, a population cycle).

Nothing here solves an exercise: turning a sequence into numbers (one-hot encoding) and the
classifiers are the exercise's job.
"""
from __future__ import annotations

import numpy as np

BASES = "ACGT"
GRE_LIKE = "AGAACANNNTGTTCT"
AT_RICH = (0.3, 0.2, 0.2, 0.3)


def consensus_pwm(consensus: str = GRE_LIKE, strength: float = 0.95) -> np.ndarray:
    """A (w, 4) position weight matrix (probabilities, columns A, C, G, T) from a consensus.

    Row j puts ``strength`` on the consensus base ``consensus[j]`` and shares the rest equally
    among the three other bases, so every row sums to 1; an ``N`` gives a uniform row (0.25).
    """
    if not 0.25 <= strength <= 1.0:
        raise ValueError("strength must lie in [0.25, 1]")
    letters = consensus.upper()
    if not letters or any(ch not in BASES + "N" for ch in letters):
        raise ValueError("the consensus must be a non-empty word over A, C, G, T and N")
    pwm = np.full((len(letters), 4), 0.25)
    for j, ch in enumerate(letters):
        if ch != "N":
            pwm[j] = (1.0 - strength) / 3.0
            pwm[j, BASES.index(ch)] = strength
    return pwm


def _draw_indices(rng: np.random.Generator, probs: np.ndarray, size) -> np.ndarray:
    """Integer base codes 0..3 drawn with the given probabilities (inverse-CDF sampling)."""
    cdf = np.cumsum(probs, axis=-1)
    cdf[..., -1] = 1.0
    u = rng.random(size)
    if cdf.ndim == 1:
        return np.searchsorted(cdf, u, side="right")
    return (u[..., None] >= cdf).sum(axis=-1)


def simulate_motif_dataset(n: int = 2000, length: int = 80, pwm: np.ndarray | None = None,
                           background=AT_RICH, seed: int = 0):
    """Simulate ``n`` DNA sequences, half with one planted motif instance (model above).

    Returns ``(sequences, labels, starts)``: a list of ``n`` uppercase strings of length
    ``length``, an int array of 0/1 labels, and the int array of motif start positions
    (-1 where no motif was planted).
    """
    pwm = consensus_pwm() if pwm is None else np.asarray(pwm, dtype=float)
    width = pwm.shape[0]
    if length < width:
        raise ValueError(f"sequences of length {length} cannot hold a motif of width {width}")
    background = np.asarray(background, dtype=float)
    background = background / background.sum()
    rng = np.random.default_rng(seed)
    codes = _draw_indices(rng, background, (n, length))
    labels = np.zeros(n, dtype=np.int64)
    labels[: n // 2] = 1
    labels = rng.permutation(labels)
    starts = np.full(n, -1, dtype=np.int64)
    positives = np.flatnonzero(labels == 1)
    starts[positives] = rng.integers(0, length - width + 1, size=positives.size)
    site = _draw_indices(rng, np.broadcast_to(pwm, (positives.size, width, 4)),
                         (positives.size, width))
    for row, start, word in zip(positives, starts[positives], site):
        codes[row, start:start + width] = word
    alphabet = np.array(list(BASES))
    sequences = ["".join(letters) for letters in alphabet[codes]]
    return sequences, labels, starts


def pwm_log_odds(pwm: np.ndarray, background=AT_RICH) -> np.ndarray:
    """log2(PWM / background), the usual scoring matrix of a motif (bits per base)."""
    bg = np.asarray(background, dtype=float)
    return np.log2(np.asarray(pwm, dtype=float) / (bg / bg.sum()))


def noisy_sine(n: int = 400, period: float = 25.0, noise: float = 0.1, seed: int = 0) -> np.ndarray:
    """``sin(2 pi t / period) + noise * eps_t`` for t = 0..n-1 with eps_t i.i.d. N(0, 1)."""
    t = np.arange(n, dtype=float)
    eps = np.random.default_rng(seed).standard_normal(n)
    return np.sin(2.0 * np.pi * t / period) + noise * eps


def sliding_windows(series: np.ndarray, window: int):
    """Inputs ``(n - window, window)`` of consecutive values and the value that follows each."""
    series = np.asarray(series, dtype=float)
    if not 0 < window < series.size:
        raise ValueError("need 0 < window < len(series)")
    idx = np.arange(window)[None, :] + np.arange(series.size - window)[:, None]
    return series[idx], series[window:]

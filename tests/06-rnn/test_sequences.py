"""nnbio_helpers.sequences: seeded, documented simulators for chapter 06-rnn."""
import numpy as np
import pytest

from nnbio_helpers import sequences as sq


def test_consensus_pwm_rows_are_distributions():
    pwm = sq.consensus_pwm("ACGTN", strength=0.7)
    assert pwm.shape == (5, 4)
    np.testing.assert_allclose(pwm.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.diag(pwm[:4]), 0.7)
    np.testing.assert_allclose(pwm[4], 0.25)
    assert sq.consensus_pwm().shape == (len(sq.GRE_LIKE), 4)
    with pytest.raises(ValueError):
        sq.consensus_pwm("ACXT")
    with pytest.raises(ValueError):
        sq.consensus_pwm("ACGT", strength=0.1)


def test_motif_dataset_is_seeded_balanced_and_well_formed():
    a = sq.simulate_motif_dataset(n=200, length=50, seed=3)
    b = sq.simulate_motif_dataset(n=200, length=50, seed=3)
    c = sq.simulate_motif_dataset(n=200, length=50, seed=4)
    seqs, labels, starts = a
    assert seqs == b[0] and np.array_equal(labels, b[1]) and np.array_equal(starts, b[2])
    assert seqs != c[0]
    assert len(seqs) == 200 and all(len(s) == 50 and set(s) <= set("ACGT") for s in seqs)
    assert labels.sum() == 100
    assert np.all(starts[labels == 0] == -1)
    w = len(sq.GRE_LIKE)
    assert np.all((starts[labels == 1] >= 0) & (starts[labels == 1] <= 50 - w))


def test_planted_sites_follow_the_pwm_and_background_the_frequencies():
    seqs, labels, starts = sq.simulate_motif_dataset(n=4000, length=40, seed=0)
    pwm = sq.consensus_pwm()
    w = pwm.shape[0]
    sites = [s[p:p + w] for s, p in zip(seqs, starts) if p >= 0]
    counts = np.array([[sum(site[j] == b for site in sites) for b in "ACGT"] for j in range(w)])
    np.testing.assert_allclose(counts / len(sites), pwm, atol=0.03)
    background = "".join(s for s, y in zip(seqs, labels) if y == 0)
    freq = np.array([background.count(b) for b in "ACGT"]) / len(background)
    np.testing.assert_allclose(freq, sq.AT_RICH, atol=0.01)


def test_too_short_sequences_are_rejected():
    with pytest.raises(ValueError):
        sq.simulate_motif_dataset(n=4, length=5)


def test_log_odds_is_positive_on_the_consensus():
    lo = sq.pwm_log_odds(sq.consensus_pwm("ACGT", 0.9))
    assert np.all(np.diag(lo) > 0) and np.all(lo[~np.eye(4, dtype=bool)] < 0)


def test_noisy_sine_and_windows():
    s = sq.noisy_sine(n=100, period=20, noise=0.0)
    np.testing.assert_allclose(s, np.sin(2 * np.pi * np.arange(100) / 20), atol=1e-12)
    n1, n2 = sq.noisy_sine(seed=1), sq.noisy_sine(seed=1)
    np.testing.assert_array_equal(n1, n2)
    assert np.std(sq.noisy_sine(n=2000, noise=0.2, seed=2) - np.sin(
        2 * np.pi * np.arange(2000) / 25)) == pytest.approx(0.2, rel=0.1)
    X, y = sq.sliding_windows(np.arange(10.0), 3)
    assert X.shape == (7, 3) and y.shape == (7,)
    np.testing.assert_array_equal(X[0], [0, 1, 2])
    assert y[0] == 3 and y[-1] == 9
    with pytest.raises(ValueError):
        sq.sliding_windows(np.arange(3.0), 3)

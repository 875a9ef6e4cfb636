"""The chapter's simulations are seeded and follow their stated generative models."""
import numpy as np

from nnbio_helpers.frontiers import motif_sequences, two_cell_populations


def test_two_cell_populations_is_seeded_and_matches_its_model():
    X, pop = two_cell_populations(4000, seed=0)
    X2, pop2 = two_cell_populations(4000, seed=0)
    assert X.shape == (4000, 2) and pop.shape == (4000,)
    assert np.array_equal(X, X2) and np.array_equal(pop, pop2)
    assert not np.array_equal(X, two_cell_populations(4000, seed=1)[0])
    assert abs(np.mean(pop == 0) - 0.6) < 0.03
    np.testing.assert_allclose(X[pop == 0].mean(0), [2.5, 0.6], atol=0.03)
    np.testing.assert_allclose(X[pop == 1].mean(0), [0.8, 2.2], atol=0.04)
    assert abs(np.corrcoef(X[pop == 0].T)[0, 1] - 0.4) < 0.06
    assert abs(np.corrcoef(X[pop == 1].T)[0, 1] + 0.3) < 0.06


def test_motif_sequences_plant_the_motif_where_they_say():
    onehot, labels, start, seqs = motif_sequences(300, length=30, motif="CACGTG", seed=2)
    assert onehot.shape == (300, 30, 4) and onehot.dtype == np.float32
    assert np.all(onehot.sum(-1) == 1)
    assert np.array_equal(labels == 1, start >= 0)
    for s, st, lab, oh in zip(seqs, start, labels, onehot):
        assert len(s) == 30 and "".join("ACGT"[j] for j in oh.argmax(-1)) == s
        if lab:
            assert s[st:st + 6] == "CACGTG"
    again = motif_sequences(300, length=30, motif="CACGTG", seed=2)
    assert again[3] == seqs

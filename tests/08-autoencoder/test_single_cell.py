"""nnbio_helpers.single_cell: the bundled pbmc68k_reduced data, loaded offline and split reproducibly."""
import numpy as np
import pytest

from nnbio_helpers import single_cell


def test_log_layer_shapes_types_and_values():
    X, labels, genes = single_cell.load_pbmc68k()
    assert X.shape == (700, 765) and X.dtype == np.float32
    assert labels.shape == (700,) and len(genes) == 765
    assert len(set(labels)) == 10 and "CD14+ Monocyte" in set(labels)
    assert X.min() == 0.0 and 3.0 < X.max() < 10.0  # log-normalised counts
    assert 0.5 < np.mean(X == 0) < 0.8  # sparse, as droplet data are
    for marker in ("LYZ", "CD79A", "NKG7", "CD3E"):
        assert marker in genes


def test_marker_genes_mark_their_cell_types():
    X, labels, genes = single_cell.load_pbmc68k()
    lyz = X[:, genes.index("LYZ")]
    assert lyz[labels == "CD14+ Monocyte"].mean() > 3 * lyz[labels == "CD19+ B"].mean()
    cd79a = X[:, genes.index("CD79A")]
    assert cd79a[labels == "CD19+ B"].mean() > 3 * cd79a[labels == "CD14+ Monocyte"].mean()


def test_scaled_layer_is_centred_per_gene():
    X, labels, genes = single_cell.load_pbmc68k("scaled")
    assert X.shape == (700, 765) and X.dtype == np.float32
    assert np.abs(X.mean(0)).max() < 0.2
    with pytest.raises(ValueError):
        single_cell.load_pbmc68k("counts")


def test_returns_fresh_arrays():
    X, _, _ = single_cell.load_pbmc68k()
    X[:] = -1
    assert single_cell.load_pbmc68k()[0].min() == 0.0


def test_split_is_seeded_stratified_and_disjoint():
    a = single_cell.load_pbmc68k_split(seed=0)
    b = single_cell.load_pbmc68k_split(seed=0)
    c = single_cell.load_pbmc68k_split(seed=1)
    X_tr, X_te, y_tr, y_te, types, genes = a
    assert len(X_tr) + len(X_te) == 700 and 160 <= len(X_te) <= 190
    assert types == single_cell.cell_types() and len(types) == 10
    assert all(np.array_equal(u, v) for u, v in zip(a[:4], b[:4]))
    assert not np.array_equal(a[1], c[1])
    # every cell type appears on both sides, in about the same proportion
    assert set(y_tr) == set(y_te) == set(range(10))
    frac_tr = np.bincount(y_tr, minlength=10) / len(y_tr)
    frac_te = np.bincount(y_te, minlength=10) / len(y_te)
    assert np.abs(frac_tr - frac_te).max() < 0.03
    # the split is a partition of the cells: no cell (row) on both sides
    X_all, _, _ = single_cell.load_pbmc68k()
    assert len({r.tobytes() for r in X_tr} & {r.tobytes() for r in X_te}) == 0
    assert len({r.tobytes() for r in X_tr} | {r.tobytes() for r in X_te}) == \
        len({r.tobytes() for r in X_all})

"""Real single-cell RNA-seq data, offline: scanpy's bundled ``pbmc68k_reduced``.

The data set is a 700-cell subsample of the 68,000 peripheral blood mononuclear cells (PBMCs)
sequenced with 10x Genomics droplets by Zheng et al. (2017, Nat Commun 8:14049), reduced by the
scanpy authors to 765 highly variable genes. It ships inside the scanpy package
(``scanpy/datasets/10x_pbmc68k_reduced.h5ad``), so nothing is downloaded. Each cell carries one of
10 labels (``obs['bulk_labels']``) from the bulk-sorted reference populations of that study.

Two versions of the expression matrix are available:

* ``"log"`` (default): ``raw.X``, library-size normalised and log-transformed counts,
  log(1 + 10^4 * count / total) style values, >= 0, about two thirds exact zeros;
* ``"scaled"``: ``X``, the same genes z-scored per gene (and clipped by scanpy), mean 0.

Nothing here trains a model or implements an exercise.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

N_CELLS, N_GENES, N_TYPES = 700, 765, 10


@lru_cache(maxsize=None)
def _adata():
    import scanpy as sc

    return sc.datasets.pbmc68k_reduced()


def load_pbmc68k(layer: str = "log"):
    """All 700 cells: ``X`` (700, 765) float32, ``labels`` (700,) str, ``genes`` list of str.

    ``layer`` is ``"log"`` (log-normalised counts, the default) or ``"scaled"`` (z-scored genes).
    A new array is returned on every call, so callers may modify it freely.
    """
    adata = _adata()
    if layer == "log":
        X = adata.raw.X
        X = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
        genes = list(adata.raw.var_names)
    elif layer == "scaled":
        X = np.asarray(adata.X)
        genes = list(adata.var_names)
    else:
        raise ValueError(f"layer must be 'log' or 'scaled', not {layer!r}")
    labels = np.asarray(adata.obs["bulk_labels"].astype(str))
    return np.array(X, dtype=np.float32), labels, genes


def cell_types() -> list[str]:
    """The 10 cell-type names, sorted alphabetically (the order of the integer codes below)."""
    return sorted(set(load_pbmc68k()[1]))


def load_pbmc68k_split(layer: str = "log", test_fraction: float = 0.25, seed: int = 0):
    """A seeded, stratified train/test split of the 700 cells.

    Returns ``X_train, X_test, y_train, y_test, types, genes``: ``y`` are integer codes into
    ``types`` (the sorted cell-type names), every cell type is split in the same proportion, and
    the same ``seed`` always gives the same split.
    """
    X, labels, genes = load_pbmc68k(layer)
    types = sorted(set(labels))
    y = np.searchsorted(types, labels).astype(np.int64)
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), dtype=bool)
    for code in range(len(types)):
        members = rng.permutation(np.flatnonzero(y == code))
        test[members[:int(round(test_fraction * len(members)))]] = True
    train_idx, test_idx = np.flatnonzero(~test), np.flatnonzero(test)
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx], types, genes

"""The graph loaders of nnbio_helpers.graphs: real data as documented, seeded simulations."""
from __future__ import annotations

import networkx as nx
import numpy as np
from rdkit import Chem
from rdkit.Chem import Descriptors

from nnbio_helpers import graphs


def test_karate_club_is_zacharys_graph_with_the_real_split():
    A, club, G = graphs.load_karate_club()
    assert A.shape == (34, 34) and A.dtype == np.float64
    assert set(np.unique(A)) == {0.0, 1.0}
    np.testing.assert_array_equal(A, A.T)
    assert np.all(np.diag(A) == 0) and A.sum() == 2 * 78
    assert club[0] == 0 and club[33] == 1
    assert np.bincount(club).tolist() == [17, 17]
    assert all((club[i] == 0) == (G.nodes[i]["club"] == "Mr. Hi") for i in range(34))
    assert isinstance(G, nx.Graph) and G.number_of_edges() == 78


def test_nci_tpsa_subset_is_seeded_and_parseable():
    s1, t1 = graphs.load_nci_tpsa(n=50, seed=0)
    s2, t2 = graphs.load_nci_tpsa(n=50, seed=0)
    s3, _ = graphs.load_nci_tpsa(n=50, seed=1)
    assert s1 == s2 and np.array_equal(t1, t2) and s1 != s3
    assert len(s1) == 50 and t1.shape == (50,) and t1.dtype == np.float64
    assert np.all(t1 >= 0)
    assert all(Chem.MolFromSmiles(s) is not None for s in s1)


def test_nci_tpsa_all_molecules():
    smiles, tpsa = graphs.load_nci_tpsa(n=None)
    assert 4900 < len(smiles) <= 5000 and len(tpsa) == len(smiles)
    mols = [Chem.MolFromSmiles(s) for s in smiles[:200]]
    rdkit_tpsa = np.array([Descriptors.TPSA(m) for m in mols])
    # the file's TPSA (Daylight tools) agrees with RDKit's implementation of Ertl's method
    assert np.mean(np.abs(rdkit_tpsa - tpsa[:200]) < 0.01) > 0.9


def test_simulated_ppi_network_has_modules():
    A, module, X = graphs.simulate_ppi_network(seed=3)
    A2, module2, X2 = graphs.simulate_ppi_network(seed=3)
    assert np.array_equal(A, A2) and np.array_equal(X, X2)
    assert A.shape == (120, 120) and X.shape == (120, 20)
    np.testing.assert_array_equal(A, A.T)
    assert np.all(np.diag(A) == 0)
    same = module[:, None] == module[None, :]
    off = ~np.eye(120, dtype=bool)
    assert A[same & off].mean() > 5 * A[~same].mean()  # denser within modules
    assert np.bincount(module).tolist() == [30, 30, 30, 30]
    A3, _, _ = graphs.simulate_ppi_network(seed=4)
    assert not np.array_equal(A, A3)

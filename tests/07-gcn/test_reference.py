"""The reference implementation of 07-gcn checked against independent oracles.

* normalize_adjacency: networkx's normalised Laplacian of the graph with self-loops,
  A_hat = I - L_sym(A + I), and a torch float64 computation, to 1e-10;
* gcn_layer: torch float64 matrix products;
* GCN: Kipf & Welling's formula Z = A_hat ReLU(A_hat X W0) W1 written functionally in torch
  float64 with the module's own weights, and its autograd gradients;
* graph_readout: pandas groupby sum / mean and torch index_reduce;
* smiles_to_graph: RDKit's own Chem.GetAdjacencyMatrix, atom symbols and bond count, plus
  hand-checked molecules;
* karate_club_predictions: accuracy against the real split over several seeds, agreement with
  the spectral (Fiedler vector) bisection of the club.
"""
from __future__ import annotations

import os

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import torch
from rdkit import Chem, RDConfig, rdBase

from autograder.engine import registry

ref = registry.reference("07-gcn")


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tiny graphs: one thread is faster than two on a shared CPU."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _graph(seed, n=12, p=0.3, weighted=False, isolated=()):
    rng = np.random.default_rng(seed)
    upper = np.triu(rng.random((n, n)) < p, k=1).astype(float)
    if weighted:
        upper *= rng.uniform(0.1, 5.0, size=(n, n))
    A = upper + upper.T
    for i in isolated:
        A[i, :] = A[:, i] = 0.0
    return A


@pytest.mark.parametrize("seed,weighted,isolated", [(0, False, ()), (1, True, ()),
                                                    (2, False, (0, 5)), (3, True, (11,))])
def test_normalize_adjacency_matches_networkx_normalized_laplacian(seed, weighted, isolated):
    A = _graph(seed, weighted=weighted, isolated=isolated)
    G = nx.from_numpy_array(A)
    G.add_edges_from((i, i, {"weight": 1.0}) for i in G.nodes)  # the self-loops of A + I
    L = nx.normalized_laplacian_matrix(G, nodelist=range(len(A)), weight="weight").toarray()
    np.testing.assert_allclose(ref.normalize_adjacency(A), np.eye(len(A)) - L, atol=1e-10)


def test_normalize_adjacency_matches_torch_and_properties():
    A = _graph(4, n=15, weighted=True)
    At = torch.tensor(A, dtype=torch.float64) + torch.eye(15, dtype=torch.float64)
    d = At.sum(1).rsqrt()
    expected = (d[:, None] * At * d[None, :]).numpy()
    before = A.copy()
    out = ref.normalize_adjacency(A)
    np.testing.assert_allclose(out, expected, atol=1e-12)
    np.testing.assert_array_equal(A, before)
    np.testing.assert_allclose(out, out.T, atol=1e-14)
    eig = np.linalg.eigvalsh(out)
    assert eig.max() == pytest.approx(1.0) and eig.min() > -1.0  # the renormalisation trick
    # the largest eigenvector is sqrt(d~), as for any D^-1/2 M D^-1/2 with M of row sums d~
    v = np.sqrt(A.sum(1) + 1.0)
    np.testing.assert_allclose(out @ v, v, atol=1e-10)


def test_gcn_layer_matches_torch():
    rng = np.random.default_rng(5)
    A_hat = ref.normalize_adjacency(_graph(5, n=9))
    H, W = rng.normal(size=(9, 4)), rng.normal(size=(4, 6))
    t = [torch.tensor(M, dtype=torch.float64) for M in (A_hat, H, W)]
    np.testing.assert_allclose(ref.gcn_layer(A_hat, H, W), (t[0] @ t[1] @ t[2]).numpy(),
                               rtol=1e-10, atol=1e-12)


def test_gcn_module_matches_the_formula_of_kipf_and_welling():
    torch.manual_seed(0)
    model = ref.GCN(5, 7, 3).double()
    assert sum(p.numel() for p in model.parameters()) == 5 * 7 + 7 * 3
    W0, W1 = (p.detach().T.clone().requires_grad_(True) for p in model.parameters())
    A_hat = torch.tensor(ref.normalize_adjacency(_graph(6, n=10)))
    X = torch.tensor(np.random.default_rng(6).normal(size=(10, 5)))
    model.eval()
    out = model(X, A_hat)
    expected = A_hat @ torch.relu(A_hat @ X @ W0) @ W1
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), atol=1e-12)
    # gradients through the module equal autograd of the formula
    G = torch.tensor(np.random.default_rng(7).normal(size=(10, 3)))
    (out * G).sum().backward()
    (expected * G).sum().backward()
    for p, w in zip(model.parameters(), (W0, W1)):
        np.testing.assert_allclose(p.grad.numpy(), w.grad.T.numpy(), atol=1e-10)
    # the same as two gcn_layer calls of the numpy reference
    H1 = np.maximum(ref.gcn_layer(A_hat.numpy(), X.numpy(), W0.detach().numpy()), 0)
    np.testing.assert_allclose(ref.gcn_layer(A_hat.numpy(), H1, W1.detach().numpy()),
                               expected.detach().numpy(), atol=1e-10)


def test_gcn_dropout_is_active_only_in_training():
    torch.manual_seed(1)
    model = ref.GCN(4, 8, 2, dropout=0.5)
    X, A_hat = torch.randn(6, 4), torch.eye(6)
    model.train()
    assert not torch.allclose(model(X, A_hat), model(X, A_hat))
    model.eval()
    assert torch.equal(model(X, A_hat), model(X, A_hat))


@pytest.mark.parametrize("reduce", ["mean", "sum"])
def test_graph_readout_matches_pandas_and_torch(reduce):
    rng = np.random.default_rng(8)
    idx = rng.permutation(np.repeat([0, 1, 2, 4, 5], [3, 1, 6, 2, 4]))  # graphs 3 and 6 empty
    H = rng.normal(size=(len(idx), 5))
    out = ref.graph_readout(H, idx, 7, reduce=reduce)
    frame = pd.DataFrame(H).groupby(idx)
    expected = (frame.mean() if reduce == "mean" else frame.sum()).reindex(range(7), fill_value=0.0)
    np.testing.assert_allclose(out, expected.to_numpy(), atol=1e-12)
    index = torch.tensor(idx)[:, None].expand(-1, 5)
    t = torch.zeros(7, 5, dtype=torch.float64).scatter_reduce(
        0, index, torch.tensor(H), reduce=reduce, include_self=False)
    np.testing.assert_allclose(out, t.numpy(), atol=1e-12)


def test_graph_readout_rejects_unknown_reductions():
    with pytest.raises(ValueError):
        ref.graph_readout(np.ones((2, 2)), np.array([0, 0]), 1, reduce="max")


def test_smiles_to_graph_by_hand():
    X, A = ref.smiles_to_graph("CCO")  # ethanol: C-C-O
    np.testing.assert_array_equal(X.argmax(1), [0, 0, 2])
    np.testing.assert_array_equal(A, [[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    X, A = ref.smiles_to_graph("c1ccccc1")  # benzene: a 6-cycle
    np.testing.assert_array_equal(A, nx.to_numpy_array(nx.cycle_graph(6)))
    X, A = ref.smiles_to_graph("CC(=O)[O-].[Na+]")  # sodium acetate: Na is "other"
    np.testing.assert_array_equal(X.argmax(1), [0, 0, 2, 2, 9])
    assert A[4].sum() == 0 and A.sum() == 6
    X, _ = ref.smiles_to_graph("FC(Cl)(Br)I.SP")
    np.testing.assert_array_equal(X.argmax(1), [4, 0, 5, 6, 7, 3, 8])
    with pytest.raises(ValueError):
        ref.smiles_to_graph("C1CC")  # unclosed ring


def test_smiles_to_graph_matches_rdkit_on_nci_molecules():
    path = os.path.join(RDConfig.RDDataDir, "NCI", "first_5k.tpsa.csv")
    with open(path) as fh:
        smiles = [ln.rsplit(",", 1)[0] for ln in fh if not ln.startswith("#")][:300]
    block = rdBase.BlockLogs()
    mols = [(s, Chem.MolFromSmiles(s)) for s in smiles]
    del block
    checked = 0
    for s, mol in mols:
        if mol is None:
            continue
        X, A = ref.smiles_to_graph(s)
        np.testing.assert_array_equal(A, Chem.GetAdjacencyMatrix(mol))
        assert A.sum() == 2 * mol.GetNumBonds()
        np.testing.assert_array_equal(X.sum(1), 1.0)
        symbols = [a.GetSymbol() for a in mol.GetAtoms()]
        names = list(ref.ELEMENTS) + ["other"]
        got = [names[k] for k in X.argmax(1)]
        assert got == [sym if sym in ref.ELEMENTS else "other" for sym in symbols]
        checked += 1
    assert checked > 290


def _club_labels():
    G = nx.karate_club_graph()
    return np.array([int(G.nodes[i]["club"] == "Officer") for i in range(34)])


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_karate_club_predictions_are_accurate_and_reproducible(seed):
    y = _club_labels()
    before = torch.random.get_rng_state()
    pred = ref.karate_club_predictions(seed)
    assert torch.equal(before, torch.random.get_rng_state())  # the global RNG is untouched
    assert pred.shape == (34,) and set(np.unique(pred)) <= {0, 1}
    assert pred[0] == 0 and pred[33] == 1
    assert np.mean(pred == y) >= 0.9
    np.testing.assert_array_equal(pred, ref.karate_club_predictions(seed))


def test_karate_club_predictions_agree_with_the_spectral_split():
    G = nx.karate_club_graph()
    fiedler = nx.fiedler_vector(G, weight=None, method="tracemin_lu", seed=0)
    spectral = (fiedler > 0).astype(int)
    if spectral[0] == 1:
        spectral = 1 - spectral
    assert np.mean(spectral == _club_labels()) >= 0.9  # the oracle itself is good
    assert np.mean(ref.karate_club_predictions(0) == spectral) >= 0.85


@pytest.mark.parametrize("weighted", [False, True])
def test_normalize_adjacency_adds_I_to_existing_self_loops(weighted):
    A = _graph(4, n=9, weighted=weighted)
    A[np.diag_indices(9)] = np.random.default_rng(4).uniform(0.5, 2.0, size=9) if weighted else 1.0
    G = nx.from_numpy_array(A)  # keeps A's self-loops as edges (i, i)
    for i in G.nodes:
        G[i][i]["weight"] = A[i, i] + 1.0  # the self-loops of A + I
    L = nx.normalized_laplacian_matrix(G, nodelist=range(len(A)), weight="weight").toarray()
    np.testing.assert_allclose(ref.normalize_adjacency(A), np.eye(len(A)) - L, atol=1e-10)
    At = A + np.eye(9)
    d = At.sum(1)
    np.testing.assert_allclose(ref.normalize_adjacency(A), At / np.sqrt(np.outer(d, d)),
                               atol=1e-12)


def test_graph_readout_of_integer_features_empty_batches_and_one_graph():
    rng = np.random.default_rng(9)
    idx = rng.permutation(np.repeat(np.arange(4), [3, 2, 5, 4]))
    H = rng.integers(0, 5, size=(len(idx), 3))
    frame = pd.DataFrame(H.astype(float)).groupby(idx)
    np.testing.assert_allclose(ref.graph_readout(H, idx, 4), frame.mean().to_numpy(), atol=1e-12)
    np.testing.assert_allclose(ref.graph_readout(H, idx, 4, reduce="sum"),
                               frame.sum().to_numpy(), atol=1e-12)
    for reduce in ("mean", "sum"):
        out = ref.graph_readout(np.zeros((0, 4)), np.zeros(0, dtype=np.int64), 3, reduce=reduce)
        np.testing.assert_array_equal(out, np.zeros((3, 4)))
    H1 = rng.normal(size=(6, 5))
    np.testing.assert_allclose(ref.graph_readout(H1, np.zeros(6, dtype=int), 1),
                               H1.mean(0, keepdims=True), atol=1e-12)


def test_karate_club_predictions_ignore_the_global_random_state():
    import random

    runs = []
    for global_seed in (101, 202, 303, 404):
        random.seed(global_seed)
        np.random.seed(global_seed)
        torch.manual_seed(global_seed)
        runs.append(ref.karate_club_predictions(0))
    for run in runs[1:]:
        np.testing.assert_array_equal(run, runs[0])


# ------------------------------------------------------------------ graph_helps
def test_graph_helps_hand_computed_cases():
    gcn, mlp = np.array([0.80, 0.72, 0.85, 0.77]), np.array([0.76, 0.66, 0.80, 0.72])
    assert ref.graph_helps(gcn, mlp) is True  # gains 0.04 0.06 0.05 0.05: mean 0.05, se 0.0041
    assert ref.graph_helps(gcn, mlp, margin=0.1) is False
    assert ref.graph_helps(mlp, gcn) is False
    assert ref.graph_helps([0.80, 0.70, 0.90], [0.70, 0.75, 0.80]) is False  # mean 0.05, se 0.05
    assert ref.graph_helps([0.71, 0.72, 0.70], [0.70, 0.71, 0.69]) is False  # 0.01 < margin


@pytest.mark.parametrize("seed", range(5))
def test_graph_helps_matches_scipy_paired_t_statistic(seed):
    """gain >= 2 se  <=>  the paired t statistic (scipy.stats.ttest_rel) >= 2, for a positive gain."""
    from scipy import stats

    rng = np.random.default_rng(seed)
    for _ in range(200):
        r = int(rng.integers(3, 10))
        mlp = rng.uniform(0.5, 0.8, size=r)
        gcn = mlp + rng.normal(rng.uniform(-0.02, 0.08), rng.uniform(0.005, 0.06), size=r)
        margin = float(rng.choice([0.01, 0.02, 0.05]))
        t = stats.ttest_rel(gcn, mlp).statistic
        gain = float(np.mean(gcn - mlp))
        if abs(t - 2) < 1e-9 or abs(gain - margin) < 1e-12:
            continue
        assert ref.graph_helps(gcn, mlp, margin) == bool(gain >= margin and t >= 2)


def test_graph_helps_is_paired_and_leaves_its_inputs():
    rng = np.random.default_rng(3)
    shared = rng.normal(0.0, 0.1, size=6)  # split difficulty shared by both models
    mlp = 0.65 + shared
    gcn = mlp + 0.05 + rng.normal(0.0, 0.005, size=6)
    assert stats_unpaired_t(gcn, mlp) < 2  # unpaired, the gain would drown in the spread
    before = gcn.copy(), mlp.copy()
    assert ref.graph_helps(gcn, mlp) is True
    assert np.array_equal(gcn, before[0]) and np.array_equal(mlp, before[1])


def stats_unpaired_t(a, b):
    from scipy import stats

    return stats.ttest_ind(a, b).statistic

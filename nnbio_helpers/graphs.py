"""Graph data sets for the chapter on graph convolutional networks, all offline.

* :func:`load_karate_club`: Zachary's karate club (real data, shipped with networkx).
* :func:`load_nci_tpsa`: drug-like molecules from the NCI set with their topological polar
  surface area (TPSA), shipped with RDKit. TPSA is *computed* from the structure (Ertl's
  fragment contributions), not measured.
* :func:`simulate_ppi_network`: a *simulated* protein-interaction-like network (a stochastic
  block model). No real protein-protein interaction data ships with the course's packages.

These loaders only load or simulate data: turning a molecule into a graph and normalising an
adjacency matrix are exercises.
"""
from __future__ import annotations

import csv
import os

import numpy as np

KARATE_CLUBS = ("Mr. Hi", "Officer")


def load_karate_club():
    """Zachary's karate club: 34 members, 78 friendships observed outside the club (1970-72).

    The club split in two after a conflict between the instructor ("Mr. Hi", member 0) and the
    administrator ("Officer", member 33); networkx records which club each member joined.
    Returns ``(A, club, G)``: the unweighted symmetric adjacency matrix ``A`` (34, 34) of 0.0/1.0
    (no self-loops), ``club`` (34,) int with 0 = Mr. Hi and 1 = Officer, and the networkx graph
    ``G`` (its edge attribute ``weight`` counts the contexts in which two members met).
    """
    import networkx as nx

    karate = nx.karate_club_graph()
    members = sorted(karate.nodes)
    A = nx.to_numpy_array(karate, nodelist=members, weight=None, dtype=float)
    club = np.array([KARATE_CLUBS.index(karate.nodes[m]["club"]) for m in members], dtype=np.int64)
    return A, club, karate


def nci_tpsa_path() -> str:
    """Where RDKit keeps ``first_5k.tpsa.csv`` (SMILES, TPSA of the first 5,000 NCI molecules)."""
    from rdkit import RDConfig

    return os.path.join(RDConfig.RDDataDir, "NCI", "first_5k.tpsa.csv")


def load_nci_tpsa(n: int | None = 1000, seed: int = 0):
    """A seeded random subset of RDKit's bundled NCI molecules with their TPSA.

    The file holds 5,000 molecules of the US National Cancer Institute's open compound set, as
    SMILES, each with its topological polar surface area in square angstroms, computed with
    Ertl's method (a sum of tabulated contributions of N, O, S and P atoms and their attached
    hydrogens). The few SMILES RDKit cannot parse are dropped, then ``n`` molecules are drawn
    without replacement with ``numpy.random.default_rng(seed)`` (``n=None``: all of them, in file
    order). Returns ``(smiles, tpsa)``: a list of str and a float array.
    """
    from rdkit import Chem, rdBase

    with open(nci_tpsa_path(), newline="") as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].startswith("#")]
    quiet = rdBase.BlockLogs()  # RDKit complains about the invalid valences of a few rows
    keep = [(s, float(t)) for s, t in rows if Chem.MolFromSmiles(s) is not None]
    del quiet
    if n is not None:
        chosen = np.random.default_rng(seed).choice(len(keep), size=min(n, len(keep)),
                                                    replace=False)
        keep = [keep[k] for k in chosen]
    return [s for s, _ in keep], np.array([t for _, t in keep])


def simulate_ppi_network(sizes=(30, 30, 30, 30), p_in: float = 0.15, p_out: float = 0.012,
                         n_features: int = 20, signal: float = 0.6, seed: int = 0):
    """A SIMULATED protein-interaction-like network with functional modules (not real data).

    Generative model: a stochastic block model with one block per functional module (e.g. a
    complex or a pathway); two proteins of the same module interact with probability ``p_in``,
    of different modules with probability ``p_out``. Each protein gets ``n_features`` noisy
    features (think expression or sequence descriptors): x_i = signal * mu_{module(i)} + e_i with
    mu_k ~ N(0, I) one random centre per module and e_i ~ N(0, I), so features alone only weakly
    reveal the module when ``signal`` is small. Everything is drawn from ``seed``.

    Returns ``(A, module, X)``: adjacency (N, N) of 0.0/1.0 without self-loops, module labels
    (N,) int, features (N, n_features).
    """
    import networkx as nx

    rng = np.random.default_rng(seed)
    k = len(sizes)
    probs = np.full((k, k), p_out)
    np.fill_diagonal(probs, p_in)
    sbm = nx.stochastic_block_model(list(sizes), probs.tolist(), seed=int(rng.integers(2**31)))
    A = nx.to_numpy_array(sbm, nodelist=range(sum(sizes)), weight=None, dtype=float)
    module = np.repeat(np.arange(k), sizes)
    centres = rng.normal(size=(k, n_features))
    X = signal * centres[module] + rng.normal(size=(len(module), n_features))
    return A, module, X

"""Reference implementations for chapter 07-gcn (instructor only).

Graph convolutional networks after Kipf & Welling (ICLR 2017): the propagation rule

    H' = sigma(D~^{-1/2} (A + I) D~^{-1/2} H W),   D~_ii = sum_j (A + I)_ij,

a two-layer GCN for node classification, a graph-level readout for molecules, a SMILES to graph
conversion with RDKit, and the semi-supervised karate-club experiment. No function modifies its
inputs.

The decision function ``graph_helps`` (apply and decide) says whether a GCN beats a model on the
node features alone (an MLP, i.e. the same network with A_hat = I) by at least a margin, and
clearly more than the seed-to-seed noise, from paired held-out accuracies over several seeds.
"""
import networkx as nx
import numpy as np
import torch
import torch.nn.functional as F
from rdkit import Chem
from torch import nn

# Node features of smiles_to_graph: one-hot over these element symbols, then "other".
ELEMENTS = ("C", "N", "O", "S", "F", "Cl", "Br", "I", "P")
N_ATOM_FEATURES = len(ELEMENTS) + 1  # 10 columns, the last one is "any other element"


def normalize_adjacency(A):
    """The renormalised adjacency of Kipf & Welling, A_hat = D~^{-1/2} (A + I) D~^{-1/2}.

    A: (n, n) dense symmetric adjacency, binary or weighted (non-negative weights).
    A~ = A + I adds a self-loop to every node, so that a node keeps its own features and an
    isolated node has degree 1 instead of 0. D~ is the diagonal matrix of the row sums of A~
    (weighted degrees plus one). Entry-wise:

        A_hat_ij = A~_ij / sqrt(d~_i d~_j).

    Returns a new float (n, n) array, symmetric with eigenvalues in (-1, 1].
    """
    adj = np.array(A, dtype=float)  # a copy: the caller's A is never touched
    adj[np.diag_indices_from(adj)] += 1.0
    scale = adj.sum(axis=1) ** -0.5
    return scale[:, None] * adj * scale[None, :]


def gcn_layer(A_hat, H, W):
    """One graph convolution without its nonlinearity: A_hat @ H @ W.

    A_hat (n, n) mixes the features of each node with those of its neighbours (message
    passing), W (F_in, F_out) maps every node's mixed features to F_out new ones, exactly like a
    dense layer shared by all nodes. H is (n, F_in); returns (n, F_out).
    Computing A_hat @ (H @ W) or (A_hat @ H) @ W gives the same result (associativity).
    """
    A_hat, H, W = (np.asarray(M, dtype=float) for M in (A_hat, H, W))
    return A_hat @ (H @ W)


class GCN(nn.Module):
    """The two-layer GCN of Kipf & Welling (2017), equation 9, returning logits:

        Z = A_hat ReLU(A_hat X W0) W1,

    with W0 (in_dim, hidden_dim) and W1 (hidden_dim, out_dim) and no bias terms (as in the
    paper's formula and the default of its code, tkipf/gcn), so the model has
    in_dim * hidden_dim + hidden_dim * out_dim parameters. Dropout with probability
    ``dropout`` is applied to the input of each layer during training only (``model.train()``)
    and is the identity in ``model.eval()``. The softmax is left to the loss
    (``F.cross_entropy`` takes logits).

    forward(X, A_hat): X (n, in_dim) float tensor, A_hat (n, n) normalised adjacency tensor;
    returns (n, out_dim) logits.
    """

    def __init__(self, in_dim, hidden_dim, out_dim, dropout=0.5):
        super().__init__()
        self.dropout = dropout
        # nn.Linear stores the transpose of W, (out, in); x @ W is linear(x)
        self.lin0 = nn.Linear(in_dim, hidden_dim, bias=False)
        self.lin1 = nn.Linear(hidden_dim, out_dim, bias=False)

    def forward(self, X, A_hat):
        hidden = F.dropout(X, p=self.dropout, training=self.training)
        hidden = F.relu(A_hat @ self.lin0(hidden))
        hidden = F.dropout(hidden, p=self.dropout, training=self.training)
        return A_hat @ self.lin1(hidden)


def graph_readout(H, graph_index, n_graphs, reduce="mean"):
    """Pool node features into one vector per graph (a batch of graphs stored as one big graph).

    H: (N, F) features of the N nodes of all graphs; graph_index: (N,) ints in [0, n_graphs),
    the graph each node belongs to (any order); n_graphs: number of graphs.
    reduce="sum": out_g = sum_{i: graph_index[i] = g} H_i;
    reduce="mean": out_g = (1 / n_g) sum_{i: graph_index[i] = g} H_i with n_g the node count.
    A graph without nodes gets a row of zeros for both reductions. Any other ``reduce`` raises
    ValueError. Returns a new float (n_graphs, F) array.
    """
    if reduce not in ("mean", "sum"):
        raise ValueError(f"reduce must be 'mean' or 'sum', got {reduce!r}")
    feats = np.asarray(H, dtype=float)
    owner = np.asarray(graph_index).astype(np.int64)
    totals = np.zeros((n_graphs, feats.shape[1]))
    np.add.at(totals, owner, feats)  # unbuffered: repeated indices accumulate
    if reduce == "sum":
        return totals
    sizes = np.bincount(owner, minlength=n_graphs).astype(float)
    return totals / np.maximum(sizes, 1.0)[:, None]


def smiles_to_graph(smiles):
    """A molecule as a graph of its heavy atoms: (X, A) from a SMILES string, using RDKit.

    Atoms are the nodes, in RDKit's atom order (the order they appear in the SMILES); hydrogens
    stay implicit, as ``Chem.MolFromSmiles`` leaves them. Node features X (n_atoms, 10) are a
    one-hot encoding of the element over

        C, N, O, S, F, Cl, Br, I, P, other

    (column 9, "other", for every other element, e.g. Na, B, Si, Se). A (n_atoms, n_atoms) has
    A_ij = A_ji = 1 when atoms i and j share a bond of any order (single, double, triple or
    aromatic) and 0 otherwise, with zeros on the diagonal. Charges do not change the element.
    Raises ValueError when RDKit cannot parse the SMILES. Both arrays are float.
    """
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise ValueError(f"RDKit could not parse the SMILES {smiles!r}")
    n_atoms = mol.GetNumAtoms()
    X = np.zeros((n_atoms, N_ATOM_FEATURES))
    for atom in mol.GetAtoms():
        symbol = atom.GetSymbol()
        col = ELEMENTS.index(symbol) if symbol in ELEMENTS else len(ELEMENTS)
        X[atom.GetIdx(), col] = 1.0
    A = np.zeros((n_atoms, n_atoms))
    for bond in mol.GetBonds():
        i, j = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        A[i, j] = A[j, i] = 1.0
    return X, A


def karate_club_predictions(seed=0):
    """Semi-supervised node classification on Zachary's karate club (34 members, 78 ties).

    Trains the two-layer GCN above (hidden 16, dropout 0.5 and Adam with weight decay 5e-4 as in
    Kipf & Welling, but lr 0.05 for 100 full-batch epochs instead of 0.01 for 200, to be
    twice as fast) on the unweighted friendship
    graph with one-hot node identities as features (X = I), using the cross-entropy on two
    labelled members only: member 0 (the instructor, "Mr. Hi", class 0) and member 33 (the
    administrator, "Officer", class 1). ``seed`` fixes the initial weights and dropout masks
    (the global torch RNG is restored afterwards). Returns the predicted club (0 = Mr. Hi,
    1 = Officer) of all 34 members as an int array (34,).
    """
    club = nx.karate_club_graph()
    n = club.number_of_nodes()
    adjacency = nx.to_numpy_array(club, nodelist=range(n), weight=None)
    A_hat = torch.tensor(normalize_adjacency(adjacency), dtype=torch.float32)
    X = torch.eye(n)
    labelled = torch.tensor([0, n - 1])
    wanted = torch.tensor([0, 1])
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = GCN(n, 16, 2, dropout=0.5)
        adam = torch.optim.Adam(model.parameters(), lr=0.05, weight_decay=5e-4)
        model.train()
        for _ in range(100):
            adam.zero_grad()
            loss = F.cross_entropy(model(X, A_hat)[labelled], wanted)
            loss.backward()
            adam.step()
    model.eval()
    with torch.no_grad():
        logits = model(X, A_hat)
    return logits.argmax(dim=1).numpy().astype(np.int64)


def graph_helps(acc_gcn, acc_mlp, margin=0.02):
    """Apply and decide: does the graph earn its place over the node features alone?

    ``acc_gcn`` and ``acc_mlp`` (r,), r >= 2: held-out accuracies of r paired runs, run j of both
    models with the same seed (the same labelled nodes, the same held-out nodes). With the
    paired gains d_j = acc_gcn_j - acc_mlp_j,

        gain = (1/r) sum_j d_j,         se = sd(d) / sqrt(r)   (sd with ddof = 1),

    the graph helps when  gain >= margin  AND  gain >= 2 se:  the mean gain is large enough to
    matter (``margin`` in accuracy units, 0.02 = two percentage points) and large compared with
    its own noise over the seeds (paired: the difficulty of a split, shared by both models,
    cancels in d_j). Returns a Python bool; the inputs are not modified.
    """
    d = np.asarray(acc_gcn, dtype=np.float64).reshape(-1) - np.asarray(acc_mlp, dtype=np.float64).reshape(-1)
    gain = d.mean()
    se = d.std(ddof=1) / np.sqrt(d.size)
    return bool(gain >= margin and gain >= 2.0 * se)

"""Mutants and alternative implementations for 07-gcn (see autograder/engine/bank.py)."""
import networkx as nx
import numpy as np
import scipy.sparse
import torch
import torch.nn.functional as F
from rdkit import Chem
from torch import nn

from autograder.engine.bank import Bank

BANK = Bank("07-gcn")
SYMBOLS = ["C", "N", "O", "S", "F", "Cl", "Br", "I", "P"]


# ------------------------------------------------------------------ normalize_adjacency
@BANK.mutant("normalize_adjacency", "forgets the self-loops: D^-1/2 A D^-1/2 (1/0 for isolated nodes)",
             diagnosis="you normalise by the degrees but forget to add the self-loops first, so "
                       "each node loses its own features and an isolated node (degree 0) is "
                       "divided by zero",
             section="Message passing: averaging over neighbours")
def normalize_no_self_loops(A):
    A = np.asarray(A, dtype=float)
    d = A.sum(1)
    return A / np.sqrt(np.outer(d, d))


@BANK.mutant("normalize_adjacency", "degrees of A instead of A + I",
             diagnosis="you add the self-loops to the matrix but take the degrees from the graph "
                       "without them, so each degree misses the node's own self-loop",
             section="Message passing: averaging over neighbours")
def normalize_degree_without_loop(A):
    A = np.asarray(A, dtype=float)
    d = np.maximum(A.sum(1), 1.0)
    return (A + np.eye(len(A))) / np.sqrt(np.outer(d, d))


@BANK.mutant("normalize_adjacency", "row normalisation D^-1 (A + I), as in pygcn",
             diagnosis="you divide each row by its node's degree (a plain neighbourhood mean); the "
                       "symmetric version divides each edge by the square root of the degrees of "
                       "both its ends",
             section="Message passing: averaging over neighbours")
def normalize_rows(A):
    At = np.asarray(A, dtype=float) + np.eye(len(A))
    return At / At.sum(1, keepdims=True)


@BANK.mutant("normalize_adjacency", "adds the identity in place: modifies the caller's matrix",
             diagnosis="you add the self-loops into the very matrix you were given, so the "
                       "caller's adjacency matrix is changed after your function returns",
             section="Exercise")
def normalize_in_place(A):
    if A.dtype.kind == "f":
        A += np.eye(len(A))
        At = A
    else:
        At = A + np.eye(len(A))
    d = At.sum(1)
    return At / np.sqrt(np.outer(d, d))


@BANK.mutant("normalize_adjacency", "degree = number of neighbours + 1, ignoring edge weights",
             diagnosis="you count the neighbours to get a degree, but with weighted edges the "
                       "degree is the sum of the edge weights in the row (plus 1 for the "
                       "self-loop)",
             section="Message passing: averaging over neighbours")
def normalize_binary_degree(A):
    A = np.asarray(A, dtype=float)
    d = (A != 0).sum(1) + 1.0
    return (A + np.eye(len(A))) / np.sqrt(np.outer(d, d))


@BANK.mutant("normalize_adjacency", "sets the diagonal to 1 (np.fill_diagonal) instead of adding I: "
                                    "wrong for graphs that already have self-loops",
             diagnosis="you set every diagonal entry to 1 instead of adding 1 to it, which is "
                       "wrong for a graph that already has self-loops (a non-zero diagonal)",
             section="Message passing: averaging over neighbours")
def normalize_fill_diagonal(A):
    At = np.array(A, dtype=float)
    np.fill_diagonal(At, 1.0)
    d = At.sum(1)
    return At / np.sqrt(np.outer(d, d))


@BANK.mutant("normalize_adjacency", "adds only the missing self-loops, max(A, I), as PyG's "
                                    "add_remaining_self_loops does",
             diagnosis="you give a self-loop only to nodes that lack one, but adding the identity "
                       "adds 1 to every diagonal entry, also for nodes that already have a "
                       "self-loop",
             section="Message passing: averaging over neighbours")
def normalize_remaining_self_loops(A):
    At = np.maximum(np.asarray(A, dtype=float), np.eye(len(A)))
    d = At.sum(1)
    return At / np.sqrt(np.outer(d, d))


@BANK.alternative("normalize_adjacency", "explicit loops over entries")
def normalize_loops(A):
    n = len(A)
    At = [[float(A[i][j]) + (1.0 if i == j else 0.0) for j in range(n)] for i in range(n)]
    d = [sum(row) for row in At]
    return np.array([[At[i][j] / (d[i] * d[j]) ** 0.5 for j in range(n)] for i in range(n)])


@BANK.alternative("normalize_adjacency", "torch float32 with diagonal matrices")
def normalize_torch(A):
    At = torch.as_tensor(np.asarray(A), dtype=torch.float32) + torch.eye(len(A))
    D = torch.diag(At.sum(1).pow(-0.5))
    return (D @ At @ D).numpy()


@BANK.alternative("normalize_adjacency", "scipy.sparse")
def normalize_sparse(A):
    At = scipy.sparse.csr_array(np.asarray(A, dtype=float)) + scipy.sparse.eye_array(len(A))
    Dm = scipy.sparse.diags_array(1 / np.sqrt(np.asarray(At.sum(axis=1)).ravel()))
    return (Dm @ At @ Dm).toarray()


# ------------------------------------------------------------------ gcn_layer
@BANK.mutant("gcn_layer", "no aggregation over neighbours: H @ W, a plain dense layer",
             diagnosis="you apply the weights to every node but never multiply by the propagation "
                       "matrix, so no node receives anything from its neighbours: a plain dense "
                       "layer",
             section="The graph convolutional layer")
def layer_no_aggregation(A_hat, H, W):
    return H @ W


@BANK.mutant("gcn_layer", "applies a ReLU inside the layer",
             diagnosis="you apply the ReLU inside the layer, but this function returns only its "
                       "linear part; the model applies the nonlinearity, so negative values must "
                       "stay",
             section="Exercise")
def layer_relu(A_hat, H, W):
    return np.maximum(A_hat @ H @ W, 0)


@BANK.mutant("gcn_layer", "transposed propagation A_hat.T @ H @ W",
             diagnosis="you use the transpose of the propagation matrix; row i of the matrix says "
                       "how node i weighs the messages it receives, and the transpose differs when "
                       "it is not symmetric",
             section="Message passing: averaging over neighbours")
def layer_transposed(A_hat, H, W):
    return A_hat.T @ H @ W


@BANK.alternative("gcn_layer", "torch inside, (A_hat @ H) @ W in float32")
def layer_torch(A_hat, H, W):
    t = [torch.as_tensor(np.asarray(M), dtype=torch.float32) for M in (A_hat, H, W)]
    return ((t[0] @ t[1]) @ t[2]).numpy()


@BANK.alternative("gcn_layer", "einsum")
def layer_einsum(A_hat, H, W):
    return np.einsum("ij,jk,kl->il", A_hat, H, W)


# ------------------------------------------------------------------ GCN
class _Base(nn.Module):
    def __init__(self, in_dim, hidden_dim, out_dim, dropout=0.5, bias=False):
        super().__init__()
        self.p = dropout
        self.l1 = nn.Linear(in_dim, hidden_dim, bias=bias)
        self.l2 = nn.Linear(hidden_dim, out_dim, bias=bias)


@BANK.mutant("GCN", "nn.Linear with biases (the default): extra parameters",
             diagnosis="your linear layers keep their bias terms (the default), but the GCN of "
                       "Kipf & Welling has only weight matrices, so your model has extra "
                       "parameters",
             section="The graph convolutional layer")
class GCNWithBias(_Base):
    def __init__(self, in_dim, hidden_dim, out_dim, dropout=0.5):
        super().__init__(in_dim, hidden_dim, out_dim, dropout, bias=True)

    def forward(self, X, A_hat):
        h = F.relu(A_hat @ self.l1(F.dropout(X, self.p, self.training)))
        return A_hat @ self.l2(F.dropout(h, self.p, self.training))


@BANK.mutant("GCN", "ReLU on the output logits too",
             diagnosis="you apply a ReLU to the output too, but the outputs are logits that must "
                       "be free to be negative: the ReLU belongs only between the two layers",
             section="The graph convolutional layer")
class GCNReluOut(_Base):
    def forward(self, X, A_hat):
        h = F.relu(A_hat @ self.l1(F.dropout(X, self.p, self.training)))
        return F.relu(A_hat @ self.l2(F.dropout(h, self.p, self.training)))


@BANK.mutant("GCN", "returns log-probabilities instead of logits",
             diagnosis="you turn the outputs into log-probabilities, but the model should return "
                       "the raw logits and leave the softmax to the cross-entropy loss",
             section="The graph convolutional layer")
class GCNLogSoftmax(_Base):
    def forward(self, X, A_hat):
        h = F.relu(A_hat @ self.l1(F.dropout(X, self.p, self.training)))
        return F.log_softmax(A_hat @ self.l2(F.dropout(h, self.p, self.training)), dim=1)


@BANK.mutant("GCN", "second layer does not propagate: a GCN layer then a dense layer",
             diagnosis="your second layer does not multiply by the propagation matrix, so it is a "
                       "plain dense layer and each node sees only its direct neighbours instead of "
                       "two hops",
             section="The graph convolutional layer")
class GCNOnePropagation(_Base):
    def forward(self, X, A_hat):
        h = F.relu(A_hat @ self.l1(F.dropout(X, self.p, self.training)))
        return self.l2(F.dropout(h, self.p, self.training))


@BANK.mutant("GCN", "F.dropout without training=self.training: dropout also in eval mode",
             diagnosis="your dropout does not follow the model's training or evaluation mode, so "
                       "it keeps dropping features in evaluation mode and repeated predictions "
                       "differ",
             section="Exercise")
class GCNDropoutAlways(_Base):
    def forward(self, X, A_hat):
        h = F.relu(A_hat @ self.l1(F.dropout(X, self.p)))
        return A_hat @ self.l2(F.dropout(h, self.p))


@BANK.mutant("GCN", "forgets dropout altogether",
             diagnosis="you leave out dropout, but the model should randomly drop the input of "
                       "each layer with the given probability while training, as Kipf & Welling do",
             section="The graph convolutional layer")
class GCNNoDropout(_Base):
    def forward(self, X, A_hat):
        return A_hat @ self.l2(F.relu(A_hat @ self.l1(X)))


@BANK.mutant("GCN", "in-place dropout on the input tensor during training",
             diagnosis="you apply dropout in place to the input features, so during training the "
                       "caller's feature tensor is overwritten with zeros and rescaled values",
             section="Exercise")
class GCNInplaceDropout(_Base):
    def forward(self, X, A_hat):
        X = F.dropout(X, self.p, self.training, inplace=True)
        h = F.relu(A_hat @ self.l1(X))
        return A_hat @ self.l2(F.dropout(h, self.p, self.training))


@BANK.mutant("GCN", "goes through numpy in forward: the gradient is cut",
             diagnosis="you pass the hidden features through numpy in the forward pass, which cuts "
                       "the chain of gradients, so the first layer never learns",
             section="Exercise")
class GCNNumpy(_Base):
    def forward(self, X, A_hat):
        h = F.relu(A_hat @ self.l1(F.dropout(X, self.p, self.training)))
        h = torch.tensor(h.detach().numpy())
        return A_hat @ self.l2(F.dropout(h, self.p, self.training))


@BANK.alternative("GCN", "nn.Parameter weights stored (in, out), Glorot init, dropout on the "
                         "hidden layer only, nn.Dropout module")
class GCNParams(nn.Module):
    def __init__(self, in_dim, hidden_dim, out_dim, dropout=0.5):
        super().__init__()
        self.W0 = nn.Parameter(nn.init.xavier_uniform_(torch.empty(in_dim, hidden_dim)))
        self.W1 = nn.Parameter(nn.init.xavier_uniform_(torch.empty(hidden_dim, out_dim)))
        self.drop = nn.Dropout(dropout)

    def forward(self, X, A_hat):
        h = torch.relu((A_hat @ X) @ self.W0)
        return (A_hat @ self.drop(h)) @ self.W1


@BANK.alternative("GCN", "nn.Sequential of Linear layers and torch.mm")
class GCNSequential(nn.Module):
    def __init__(self, in_dim, hidden_dim, out_dim, dropout=0.5):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(in_dim, hidden_dim, bias=False),
                                     nn.Linear(hidden_dim, out_dim, bias=False)])
        self.dropout = nn.Dropout(p=dropout)

    def forward(self, X, A_hat):
        h = X
        for k, layer in enumerate(self.layers):
            h = torch.mm(A_hat, layer(self.dropout(h)))
            if k == 0:
                h = torch.relu(h)
        return h


# ------------------------------------------------------------------ graph_readout
@BANK.mutant("graph_readout", "out[idx] += H: buffered, each graph gets only one of its nodes",
             diagnosis="you add the node rows with fancy indexing and +=, which does not "
                       "accumulate repeated indices, so each graph receives only one of its nodes",
             section="A batch of molecules is one big graph")
def readout_buffered(H, graph_index, n_graphs, reduce="mean"):
    out = np.zeros((n_graphs, H.shape[1]))
    out[graph_index] += H
    if reduce == "sum":
        return out
    counts = np.bincount(graph_index, minlength=n_graphs)
    return out / np.maximum(counts, 1)[:, None]


@BANK.mutant("graph_readout", "assumes the nodes of each graph are contiguous and sorted",
             diagnosis="you assume the nodes of each graph come one after the other in graph "
                       "order, but a batch can list its nodes in any order, so rows are pooled "
                       "into the wrong graphs",
             section="A batch of molecules is one big graph")
def readout_contiguous(H, graph_index, n_graphs, reduce="mean"):
    counts = np.bincount(graph_index, minlength=n_graphs)
    parts = np.split(H, np.cumsum(counts)[:-1])
    agg = np.sum if reduce == "sum" else np.mean
    return np.array([agg(p, axis=0) if len(p) else np.zeros(H.shape[1]) for p in parts])


@BANK.mutant("graph_readout", "mean of an empty graph is 0/0 = NaN",
             diagnosis="you divide by the number of nodes without a guard for graphs that have "
                       "none, so an empty graph's mean is 0/0 = NaN instead of a row of zeros",
             section="Exercise")
def readout_nan(H, graph_index, n_graphs, reduce="mean"):
    out = np.zeros((n_graphs, H.shape[1]))
    np.add.at(out, graph_index, H)
    if reduce == "sum":
        return out
    return out / np.bincount(graph_index, minlength=n_graphs)[:, None]


@BANK.mutant("graph_readout", "number of graphs taken as graph_index.max() + 1",
             diagnosis="you work out the number of graphs from the largest graph index instead of "
                       "using the number you were given, so empty graphs at the end are missing "
                       "from the output",
             section="Exercise")
def readout_max_plus_one(H, graph_index, n_graphs, reduce="mean"):
    n = int(graph_index.max()) + 1
    out = np.zeros((n, H.shape[1]))
    np.add.at(out, graph_index, H)
    if reduce == "sum":
        return out
    return out / np.maximum(np.bincount(graph_index, minlength=n), 1)[:, None]


@BANK.mutant("graph_readout", "ignores `reduce`: always the mean",
             diagnosis="you always take the mean and ignore the reduction asked for, so the sum "
                       "readout, which keeps the size of each graph, is never returned",
             section="A batch of molecules is one big graph")
def readout_always_mean(H, graph_index, n_graphs, reduce="mean"):
    out = np.zeros((n_graphs, H.shape[1]))
    np.add.at(out, graph_index, H)
    return out / np.maximum(np.bincount(graph_index, minlength=n_graphs), 1)[:, None]


@BANK.mutant("graph_readout", "output array created with H's dtype: integer features give "
                              "truncated means",
             diagnosis="you make the output array with the same type as the features, so with "
                       "integer features the means are cut down to whole numbers; the output "
                       "should be float",
             section="Exercise")
def readout_keeps_dtype(H, graph_index, n_graphs, reduce="mean"):
    H = np.asarray(H)
    out = np.zeros((n_graphs, H.shape[1]), dtype=H.dtype)
    for g in range(n_graphs):
        rows = H[graph_index == g]
        if len(rows):
            out[g] = rows.sum(0) if reduce == "sum" else rows.mean(0)
    return out


@BANK.mutant("graph_readout", "checks the indices with graph_index.max(): fails for a batch "
                              "without nodes",
             diagnosis="you check the graph indices through their maximum, which raises an error "
                       "when the batch has no nodes at all; an empty batch should give rows of "
                       "zeros",
             section="Exercise")
def readout_checks_max(H, graph_index, n_graphs, reduce="mean"):
    if graph_index.max() >= n_graphs:
        raise ValueError("graph_index out of range")
    out = np.zeros((n_graphs, H.shape[1]))
    np.add.at(out, graph_index, H)
    if reduce == "sum":
        return out
    return out / np.maximum(np.bincount(graph_index, minlength=n_graphs), 1)[:, None]


@BANK.alternative("graph_readout", "loop with a boolean mask per graph")
def readout_loop(H, graph_index, n_graphs, reduce="mean"):
    H = np.asarray(H, dtype=float)
    out = np.zeros((n_graphs, H.shape[1]))
    for g in range(n_graphs):
        rows = H[np.asarray(graph_index) == g]
        if len(rows):
            out[g] = rows.sum(0) if reduce == "sum" else rows.mean(0)
    return out


@BANK.alternative("graph_readout", "one-hot assignment matrix product")
def readout_matrix(H, graph_index, n_graphs, reduce="mean"):
    M = (np.arange(n_graphs)[:, None] == np.asarray(graph_index)[None, :]).astype(float)
    if reduce == "mean":
        M = M / np.maximum(M.sum(1, keepdims=True), 1)
    return M @ np.asarray(H, dtype=float)


@BANK.alternative("graph_readout", "torch index_add_ in float32")
def readout_torch(H, graph_index, n_graphs, reduce="mean"):
    h = torch.as_tensor(np.asarray(H), dtype=torch.float32)
    idx = torch.as_tensor(np.asarray(graph_index), dtype=torch.long)
    out = torch.zeros(n_graphs, h.shape[1]).index_add_(0, idx, h)
    if reduce == "mean":
        out = out / torch.bincount(idx, minlength=n_graphs).clamp(min=1)[:, None]
    return out.numpy()


# ------------------------------------------------------------------ smiles_to_graph
def _onehot(mol, symbols):
    X = np.zeros((mol.GetNumAtoms(), len(symbols) + 1))
    for a in mol.GetAtoms():
        s = a.GetSymbol()
        X[a.GetIdx(), symbols.index(s) if s in symbols else len(symbols)] = 1
    return X


@BANK.mutant("smiles_to_graph", "bond orders as weights (2 for double, 1.5 aromatic)",
             diagnosis="you use the bond order as the edge weight, but the adjacency matrix should "
                       "have 1 for every bond, whether single, double, triple or aromatic",
             section="Molecules as graphs")
def smiles_bond_order(smiles):
    mol = Chem.MolFromSmiles(smiles)
    A = np.zeros((mol.GetNumAtoms(),) * 2)
    for b in mol.GetBonds():
        i, j = b.GetBeginAtomIdx(), b.GetEndAtomIdx()
        A[i, j] = A[j, i] = b.GetBondTypeAsDouble()
    return _onehot(mol, SYMBOLS), A


@BANK.mutant("smiles_to_graph", "adds self-loops to the adjacency",
             diagnosis="you put self-loops into the molecule's adjacency matrix, but its diagonal "
                       "should be 0: the self-loops are added later, by the normalisation",
             section="Message passing: averaging over neighbours")
def smiles_self_loops(smiles):
    mol = Chem.MolFromSmiles(smiles)
    return _onehot(mol, SYMBOLS), Chem.GetAdjacencyMatrix(mol) + np.eye(mol.GetNumAtoms())


@BANK.mutant("smiles_to_graph", "no 'other' column: unknown elements get an all-zero row",
             diagnosis="you one-hot encode only the nine listed elements and leave out the 'other' "
                       "column, so an atom such as sodium gets an all-zero row",
             section="The data: polar surface area of NCI molecules")
def smiles_no_other(smiles):
    mol = Chem.MolFromSmiles(smiles)
    return _onehot(mol, SYMBOLS)[:, :9], Chem.GetAdjacencyMatrix(mol).astype(float)


@BANK.mutant("smiles_to_graph", "elements in alphabetical order instead of the stated order",
             diagnosis="you put the element columns in alphabetical order, but the columns must "
                       "follow the order given: C, N, O, S, F, Cl, Br, I, P, then other",
             section="The data: polar surface area of NCI molecules")
def smiles_alphabetical(smiles):
    mol = Chem.MolFromSmiles(smiles)
    return _onehot(mol, sorted(SYMBOLS)), Chem.GetAdjacencyMatrix(mol).astype(float)


@BANK.mutant("smiles_to_graph", "explicit hydrogens added as nodes (Chem.AddHs)",
             diagnosis="you add the hydrogens as atoms of their own, but the graph has only the "
                       "heavy atoms as nodes: hydrogens stay implicit",
             section="Molecules as graphs")
def smiles_with_hydrogens(smiles):
    mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
    return _onehot(mol, SYMBOLS), Chem.GetAdjacencyMatrix(mol).astype(float)


@BANK.alternative("smiles_to_graph", "atomic numbers and Chem.GetAdjacencyMatrix")
def smiles_atomic_numbers(smiles):
    numbers = [6, 7, 8, 16, 9, 17, 35, 53, 15]
    mol = Chem.MolFromSmiles(smiles)
    z = [a.GetAtomicNum() for a in mol.GetAtoms()]
    cols = [numbers.index(v) if v in numbers else 9 for v in z]
    return np.eye(10)[cols].reshape(len(z), 10), Chem.GetAdjacencyMatrix(mol).astype(np.float32)


@BANK.alternative("smiles_to_graph", "networkx graph of the molecule, then to_numpy_array")
def smiles_networkx(smiles):
    mol = Chem.MolFromSmiles(smiles)
    g = nx.Graph()
    g.add_nodes_from(range(mol.GetNumAtoms()))
    g.add_edges_from((b.GetBeginAtomIdx(), b.GetEndAtomIdx()) for b in mol.GetBonds())
    return _onehot(mol, SYMBOLS), nx.to_numpy_array(g, nodelist=range(mol.GetNumAtoms()))


# ------------------------------------------------------------------ karate_club_predictions
def _karate_gcn(seed, epochs=100, lr=0.05, seeded=True):
    g = nx.karate_club_graph()
    A = nx.to_numpy_array(g, nodelist=range(34), weight=None) + np.eye(34)
    d = A.sum(1)
    A_hat = torch.tensor(A / np.sqrt(np.outer(d, d)), dtype=torch.float32)
    if seeded:
        torch.manual_seed(seed)
    model = GCNSequential(34, 16, 2)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=5e-4)
    X = torch.eye(34)
    for _ in range(epochs):
        opt.zero_grad()
        F.cross_entropy(model(X, A_hat)[[0, 33]], torch.tensor([0, 1])).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        return model(X, A_hat)


@BANK.mutant("karate_club_predictions", "labels swapped: member 0 trained as class 1",
             diagnosis="you swap the two classes, so Mr. Hi's side comes out as 1 and the "
                       "Officer's as 0; member 0 is class 0 and member 33 class 1",
             section="Zachary's karate club from two labels")
def karate_swapped(seed=0):
    return 1 - _karate_gcn(seed).argmax(1).numpy()


@BANK.mutant("karate_club_predictions", "untrained network (forgot the optimiser step)",
             diagnosis="your network is never actually trained (the optimiser never updates the "
                       "weights), so the predictions come from the random initial weights",
             section="Zachary's karate club from two labels")
def karate_untrained(seed=0):
    return _karate_gcn(seed, epochs=0).argmax(1).numpy()


@BANK.mutant("karate_club_predictions", "returns the softmax probabilities instead of labels",
             diagnosis="you return the class probabilities of each member, but the function should "
                       "return one predicted club (0 or 1) per member, the more likely class",
             section="Zachary's karate club from two labels")
def karate_probabilities(seed=0):
    return torch.softmax(_karate_gcn(seed), dim=1).numpy()


@BANK.mutant("karate_club_predictions", "argmax over the wrong axis (nodes instead of classes)",
             diagnosis="you take the largest value over the members instead of over the two "
                       "classes, so you get one number per class instead of one predicted club per "
                       "member",
             section="Zachary's karate club from two labels")
def karate_wrong_axis(seed=0):
    return _karate_gcn(seed).argmax(0).numpy()


@BANK.mutant("karate_club_predictions", "never calls torch.manual_seed(seed): the predictions "
                                        "depend on the global random state",
             diagnosis="you never seed torch's random number generator with the given seed, so the "
                       "initial weights and dropout, and so the predictions, change from run to "
                       "run",
             section="Exercise")
def karate_unseeded(seed=0):
    return _karate_gcn(seed, seeded=False).argmax(1).numpy()


@BANK.alternative("karate_club_predictions", "a GCN written differently, 200 epochs at lr 0.01")
def karate_gcn_slow(seed=0):
    return _karate_gcn(seed, epochs=200, lr=0.01).argmax(1).numpy()


@BANK.alternative("karate_club_predictions", "label propagation with A_hat (no learning)")
def karate_label_propagation(seed=0):
    g = nx.karate_club_graph()
    A = nx.to_numpy_array(g, nodelist=range(34), weight=None) + np.eye(34)
    d = A.sum(1)
    A_hat = A / np.sqrt(np.outer(d, d))
    f = np.zeros(34)
    f[0], f[33] = -1.0, 1.0
    for _ in range(10):
        f = A_hat @ f
        f[0], f[33] = -1.0, 1.0
    return (f > 0).astype(int)


# ------------------------------------------------------------------ graph_helps
_PPI = "Protein–protein interaction networks (simulated)"


def _gains(acc_gcn, acc_mlp):
    d = np.asarray(acc_gcn, dtype=float).reshape(-1) - np.asarray(acc_mlp, dtype=float).reshape(-1)
    return d.mean(), d.std(ddof=1) / np.sqrt(d.size)


@BANK.mutant("graph_helps", "ignores the margin: any gain above 2 standard errors",
             diagnosis="you call any gain that beats the noise a help, but the rule also asks the "
                       "gain to reach the margin: a real but tiny gain does not pay for a graph "
                       "you must build and trust",
             section=_PPI)
def helps_no_margin(acc_gcn, acc_mlp, margin=0.02):
    gain, se = _gains(acc_gcn, acc_mlp)
    return bool(gain > 0 and gain >= 2 * se)


@BANK.mutant("graph_helps", "ignores the seed-to-seed noise: mean gain >= margin only",
             diagnosis="you compare the mean gain with the margin only, but a gain that swings "
                       "from seed to seed may vanish with the next seeds: it must also reach "
                       "twice its standard error",
             section=_PPI)
def helps_no_noise(acc_gcn, acc_mlp, margin=0.02):
    gain, _ = _gains(acc_gcn, acc_mlp)
    return bool(gain >= margin)


@BANK.mutant("graph_helps", "one standard error instead of two",
             diagnosis="you accept a gain of one standard error, but the rule asks for two: a "
                       "gain of one standard error often arises from noise alone",
             section="Exercise")
def helps_one_se(acc_gcn, acc_mlp, margin=0.02):
    gain, se = _gains(acc_gcn, acc_mlp)
    return bool(gain >= margin and gain >= se)


@BANK.mutant("graph_helps", "unpaired standard error sqrt(var(gcn)/r + var(mlp)/r)",
             diagnosis="you treat the two models' runs as independent, but run j of both shares "
                       "its seed and its labelled nodes: the noise is the spread of the paired "
                       "differences, in which the difficulty of a split cancels",
             section=_PPI)
def helps_unpaired(acc_gcn, acc_mlp, margin=0.02):
    a, b = np.asarray(acc_gcn, dtype=float), np.asarray(acc_mlp, dtype=float)
    gain = a.mean() - b.mean()
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    return bool(gain >= margin and gain >= 2 * se)


@BANK.mutant("graph_helps", "compares the best run of each model",
             diagnosis="you compare the best run of each model, but one lucky seed is not "
                       "evidence: compare the mean of the paired gains over all the runs",
             section=_PPI)
def helps_best_run(acc_gcn, acc_mlp, margin=0.02):
    return bool(np.max(acc_gcn) - np.max(acc_mlp) >= margin)


@BANK.mutant("graph_helps", "majority vote: the GCN wins by the margin in more than half the runs",
             diagnosis="you count the runs the GCN wins, but the rule judges the mean gain and "
                       "its standard error: a gain can be carried by some splits and still be "
                       "clear",
             section="Exercise")
def helps_vote(acc_gcn, acc_mlp, margin=0.02):
    d = np.asarray(acc_gcn, dtype=float) - np.asarray(acc_mlp, dtype=float)
    return bool(np.sum(d >= margin) > d.size / 2)


@BANK.mutant("graph_helps", "relative margin: mean(gcn) / mean(mlp) - 1 >= margin",
             diagnosis="you read the margin as a fraction of the MLP's accuracy, but it is in "
                       "accuracy units: 0.02 means two percentage points",
             section="Exercise")
def helps_relative(acc_gcn, acc_mlp, margin=0.02):
    gain, se = _gains(acc_gcn, acc_mlp)
    return bool(np.mean(acc_gcn) / np.mean(acc_mlp) - 1 >= margin and gain >= 2 * se)


@BANK.mutant("graph_helps", "hard-coded margin 0.02",
             diagnosis="you always use a margin of 0.02 and ignore the margin you were given",
             section="Exercise")
def helps_fixed_margin(acc_gcn, acc_mlp, margin=0.02):
    gain, se = _gains(acc_gcn, acc_mlp)
    return bool(gain >= 0.02 and gain >= 2 * se)


@BANK.alternative("graph_helps", "variance of the difference from the covariance, "
                                 "var(a) + var(b) - 2 cov(a, b)")
def helps_covariance(acc_gcn, acc_mlp, margin=0.02):
    c = np.cov(np.asarray(acc_gcn, dtype=float), np.asarray(acc_mlp, dtype=float))
    r = len(acc_gcn)
    gain = float(np.mean(acc_gcn) - np.mean(acc_mlp))
    se = np.sqrt(max(c[0, 0] + c[1, 1] - 2 * c[0, 1], 0.0) / r)
    return np.bool_(gain >= margin and gain >= 2 * se)


@BANK.alternative("graph_helps", "plain Python with the statistics module, float32 inputs")
def helps_statistics(acc_gcn, acc_mlp, margin=0.02):
    import statistics

    d = [float(a) - float(b) for a, b in zip(np.asarray(acc_gcn, dtype=np.float32),
                                             np.asarray(acc_mlp, dtype=np.float32))]
    gain = statistics.fmean(d)
    return gain >= margin and gain >= 2 * statistics.stdev(d) / len(d) ** 0.5

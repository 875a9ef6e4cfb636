"""Hidden tests for chapter 07-gcn.

Each test gets (student, ref, rng): the student's function (or class), the reference module and a
seeded generator. Every test checks returned values, and inputs are passed as copies.

* ``GCN`` is a torch class: the tests construct it, count its parameters, check output shapes and
  compare its outputs (and gradients) with the reference model's after copying the reference
  weights into the student's model in ``parameters()`` order (``set_parameters``). A weight
  stored as (in, out) instead of nn.Linear's (out, in) is copied transposed; extra 1-D
  parameters (biases) are set to zero, so a model with biases loses only the parameter-count
  point. The model is only driven through calls and the helpers of autograder.engine.testing, so the
  tests work in one process and in the sandboxed engine alike.
* ``karate_club_predictions`` is graded by its accuracy against the real split of Zachary's club
  (networkx node attribute ``club``) and its wall time; each (function, seed) is trained once,
  except for the reproducibility test, which calls it again with the same seed after setting the
  global random states (torch, numpy, random) where the student's code runs to other values.

Points: normalize_adjacency 6, gcn_layer 4, GCN 7, graph_readout 7, smiles_to_graph 5,
karate_club_predictions 6, graph_helps 6 (41 graded automatically), and the written answer
written_graph_choice 2, graded by hand against the rubric in the solution notebook (43 in all).

The decision of section 7 (graph_helps) is graded on paired accuracies built here with an exact
mean gain and standard error (see _paired), and on the accuracies of the reference GCN and of
the same network without the graph on a simulated protein network the notebook does not use
(_PPI_WEAK, _PPI_STRONG).
"""
import os
import time

import networkx as nx
import numpy as np
import torch
from rdkit import Chem, RDConfig, rdBase

from autograder.engine.testing import (Failure, Suite, describe, expect, expect_close, expect_shape,
                                expect_unchanged, make, n_trainable, parameters, set_parameters,
                                same_as_reference, to_array, once_per_student, type_name)

SUITE = Suite("07-gcn")


def _random_graph(rng, n, p=0.3, weighted=False, isolated=()):
    """A random symmetric adjacency without self-loops; ``isolated`` nodes have no edges."""
    upper = np.triu(rng.random((n, n)) < p, k=1).astype(float)
    if weighted:
        upper *= rng.uniform(0.2, 3.0, size=(n, n))
    adj = upper + upper.T
    for i in isolated:
        adj[i, :] = adj[:, i] = 0.0
    return adj


def _pair(value, what):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise Failure(f"{what} should return a tuple (X, A), got {type(value).__name__}")
    return value


# ------------------------------------------------------------------ normalize_adjacency
@SUITE.test("normalize_adjacency", points=1,
            hint="add the identity first, A~ = A + I; take the degrees d~ as the row sums of A~; "
                 "then A_hat_ij = A~_ij / sqrt(d~_i * d~_j)")
def values_on_a_random_graph(student, ref, rng):
    A = _random_graph(rng, 9)
    expect_close(student(A.copy()), ref.normalize_adjacency(A), "normalize_adjacency",
                 f"a random 0/1 symmetric A {describe(A)}")


@SUITE.test("normalize_adjacency", points=1,
            hint="with weighted edges the degree is the sum of the weights in a row (plus 1 for "
                 "the self-loop), not the number of neighbours")
def weighted_edges(student, ref, rng):
    A = _random_graph(rng, 8, p=0.5, weighted=True)
    expect_close(student(A.copy()), ref.normalize_adjacency(A), "normalize_adjacency",
                 f"a weighted symmetric A {describe(A)}")


@SUITE.test("normalize_adjacency", points=1,
            hint="an isolated node has d~ = 1 thanks to the self-loop, so A_hat has a 1 on its "
                 "diagonal; compute the degrees of A + I, never of A alone, to avoid 1/0")
def isolated_nodes(student, ref, rng):
    A = _random_graph(rng, 7, p=0.5, isolated=(0, 4))
    given = f"A {describe(A)} where nodes 0 and 4 have no edges"
    out = expect_close(student(A.copy()), ref.normalize_adjacency(A), "normalize_adjacency", given)
    expect(np.all(np.isfinite(out)), "normalize_adjacency", "returned inf or NaN", given)


@SUITE.test("normalize_adjacency", points=1,
            hint="convert with np.asarray(A, dtype=float) so that integer matrices and lists work, "
                 "and use A.shape[0] for the size of the identity")
def integer_input_and_tiny_graphs(student, ref, rng):
    A = _random_graph(rng, 6, p=0.5).astype(np.int64)
    expect_close(student(A.copy()), ref.normalize_adjacency(A), "normalize_adjacency",
                 f"an integer A {describe(A)}")
    one = np.zeros((1, 1))
    expect_close(student(one.copy()), ref.normalize_adjacency(one), "normalize_adjacency",
                 "a single node without edges, A = [[0]]")
    two = np.array([[0.0, 1.0], [1.0, 0.0]])
    expect_close(student(two.copy()), ref.normalize_adjacency(two), "normalize_adjacency",
                 "two nodes joined by an edge, A = [[0, 1], [1, 0]]")


@SUITE.test("normalize_adjacency", points=1,
            hint="A + I adds 1 to the diagonal even where A already has a self-loop (A_ii > 0): "
                 "the diagonal of A~ is A_ii + 1 and the degree includes it; do not overwrite "
                 "the diagonal with 1 (np.fill_diagonal) or take max(A, I)")
def graphs_that_already_have_self_loops(student, ref, rng):
    A = _random_graph(rng, 8, p=0.4)
    A[[0, 3, 5], [0, 3, 5]] = 1.0
    expect_close(student(A.copy()), ref.normalize_adjacency(A), "normalize_adjacency",
                 f"a 0/1 symmetric A {describe(A)} where nodes 0, 3 and 5 have a self-loop")
    W = _random_graph(rng, 7, p=0.5, weighted=True)
    W[np.diag_indices(7)] = rng.uniform(0.5, 2.0, size=7)
    expect_close(student(W.copy()), ref.normalize_adjacency(W), "normalize_adjacency",
                 f"a weighted symmetric A {describe(W)} with a weighted self-loop on every node")


@SUITE.test("normalize_adjacency", points=1,
            hint="`A + np.eye(n)` builds a new array; `A += np.eye(n)` changes the caller's matrix")
def does_not_modify_its_input(student, ref, rng):
    A = _random_graph(rng, 8, p=0.4, weighted=True)  # every call is checked for in-place changes
    same_as_reference(student, ref.normalize_adjacency, (A,), what="normalize_adjacency")


# ------------------------------------------------------------------ gcn_layer
def _layer_inputs(rng, n=7, f_in=5, f_out=3, symmetric=True):
    A = _random_graph(rng, n, p=0.4)
    A_hat = np.asarray(A + np.eye(n))
    if symmetric:
        d = A_hat.sum(1)
        A_hat = A_hat / np.sqrt(np.outer(d, d))
    else:  # row-normalised D^-1 (A + I): a valid propagation matrix that is not symmetric
        A_hat = A_hat / A_hat.sum(1, keepdims=True)
    return A_hat, rng.normal(size=(n, f_in)), rng.normal(size=(f_in, f_out))


def _layer_given(A_hat, H, W):
    return f"A_hat {describe(A_hat)}, H {describe(H)}, W {describe(W)}"


@SUITE.test("gcn_layer", points=1,
            hint="the layer is a matrix product A_hat @ H @ W: (n, n) @ (n, F_in) @ (F_in, F_out) "
                 "gives (n, F_out); no activation inside")
def values_on_random_inputs(student, ref, rng):
    same_as_reference(student, ref.gcn_layer, _layer_inputs(rng), what="gcn_layer")


@SUITE.test("gcn_layer", points=1,
            hint="the order matters: A_hat multiplies from the left (it mixes rows, i.e. nodes) "
                 "and W from the right (it mixes columns, i.e. features); do not transpose A_hat")
def non_symmetric_propagation_matrix(student, ref, rng):
    A_hat, H, W = _layer_inputs(rng, n=6, f_in=4, f_out=2, symmetric=False)
    same_as_reference(student, ref.gcn_layer, (A_hat, H, W), what="gcn_layer",
                      given=_layer_given(A_hat, H, W) + " (A_hat not symmetric)")


@SUITE.test("gcn_layer", points=1,
            hint="use the shapes of the inputs only through the matrix products, so one feature "
                 "out, one node or many nodes all work")
def various_shapes(student, ref, rng):
    for n, f_in, f_out in ((1, 3, 2), (10, 1, 4), (5, 6, 1)):
        same_as_reference(student, ref.gcn_layer, _layer_inputs(rng, n, f_in, f_out),
                          what="gcn_layer")


@SUITE.test("gcn_layer", points=1, hint="return a new array; do not write into A_hat, H or W")
def does_not_modify_its_inputs(student, ref, rng):
    # every call is checked for in-place changes of its inputs
    same_as_reference(student, ref.gcn_layer, _layer_inputs(rng, n=6, f_in=6, f_out=6),
                      what="gcn_layer")


# ------------------------------------------------------------------ GCN (torch)
# The student's model is only constructed, called (forward, train, eval) and read or written
# through parameters / n_trainable / set_parameters; the two helpers below run trusted code
# where the student's code runs (``make``), so in-place changes and gradients are observed there.
_FORWARD_AND_INPUTS = """
def result(model, X, A_hat, training):
    model.train(training)
    out = model(X, A_hat)
    return out.detach(), X, A_hat
"""

_GRADIENTS = """
def result(model, X, A_hat, upstream):
    model.eval()
    model.zero_grad()
    (model(X, A_hat) * upstream).sum().backward()
    return [None if p.grad is None else p.grad.detach() for p in model.parameters()]
"""


def _torch_graph(ref, rng, n, in_dim, isolated=()):
    A_hat = ref.normalize_adjacency(_random_graph(rng, n, p=0.35, isolated=isolated))
    X = rng.normal(size=(n, in_dim))
    return (torch.tensor(X, dtype=torch.float32), torch.tensor(A_hat, dtype=torch.float32))


def _reference_model(ref, rng, dims, dropout=0.5):
    with torch.random.fork_rng():
        torch.manual_seed(int(rng.integers(2**31)))
        model = ref.GCN(*dims, dropout=dropout)
    return model


def _load_reference_weights(model, reference, dims):
    """Copy the reference weights into the student's model in parameters() order.

    A 2-D parameter may be stored as nn.Linear does, (out, in), or as in the formula, (in, out);
    1-D parameters (biases, which the reference does not have) are set to zero. Returns, per
    reference weight, whether the student stores it transposed; fails when the structure differs.
    """
    shapes = [tuple(np.shape(a)) for a in parameters(model)]
    if not shapes:
        raise Failure(f"GCN{dims} has no registered parameters: create the weights with "
                      "nn.Linear or nn.Parameter inside __init__")
    weights = [w.detach().double().numpy() for w in reference.parameters()]
    wanted = [w.T.shape for w in weights]
    if sum(len(s) == 2 for s in shapes) != len(weights) or any(len(s) > 2 for s in shapes):
        raise Failure(f"GCN{dims}: expected two weight matrices, W0 {wanted[0]} for layer 1 and "
                      f"W1 {wanted[1]} for layer 2, in this order; your model's parameters have "
                      f"shapes {shapes}")
    arrays, transposed, k = [], [], 0
    for shape in shapes:
        if len(shape) < 2:
            arrays.append(np.zeros(shape))
            continue
        w = weights[k]
        k += 1
        if shape == w.shape:
            arrays.append(w)
            transposed.append(False)
        elif shape == w.T.shape:
            arrays.append(w.T)
            transposed.append(True)
        else:
            raise Failure(f"GCN{dims}: your parameters have shapes {shapes}; expected the weights "
                          f"of layer 1 then layer 2, of shapes {wanted} (or transposed, as "
                          "nn.Linear stores them)")
    if not set_parameters(model, arrays):
        raise Failure(f"GCN{dims}: could not load weights into parameters of shapes {shapes}")
    return transposed


def _build(student, dims, **kwargs):
    return student(*dims, **kwargs)


def _loaded(student, ref, rng, dims, dropout=0.5):
    reference = _reference_model(ref, rng, dims, dropout=dropout)
    model = _build(student, dims, dropout=dropout)
    transposed = _load_reference_weights(model, reference, dims)
    return model, reference, transposed


def _forward(model, X, A_hat, training=False):
    model.train(training)
    return model(X.clone(), A_hat.clone())


def _expected(reference, X, A_hat):
    reference.eval()
    with torch.no_grad():
        return reference(X, A_hat)


def _gcn_given(dims, X, A_hat, mode="eval"):
    return (f"GCN{dims} in {mode} mode, X {describe(X.numpy())}, "
            f"A_hat {describe(A_hat.numpy())}, the reference weights copied in")


@SUITE.test("GCN", points=1,
            hint="forward(X, A_hat) returns one row of out_dim logits per node: (n, out_dim)")
def output_shape(student, ref, rng):
    for dims, n in (((6, 5, 3), 8), ((4, 16, 2), 11)):
        X, A_hat = _torch_graph(ref, rng, n, dims[0])
        model = _build(student, dims)
        expect_shape(_forward(model, X, A_hat), (n, dims[2]), "GCN.forward",
                     f"GCN{dims} in eval mode, X of shape {tuple(X.shape)}")


@SUITE.test("GCN", points=1,
            hint="the GCN of Kipf & Welling has two weight matrices and no bias: "
                 "in_dim * hidden_dim + hidden_dim * out_dim parameters (nn.Linear(..., bias=False))")
def parameter_count(student, ref, rng):
    for dims in ((6, 5, 3), (34, 16, 2)):
        count = n_trainable(_build(student, dims))
        expected = sum(p.numel() for p in ref.GCN(*dims).parameters())
        expect(count == expected, "GCN", f"expected {expected} trainable parameters, got {count}",
               f"GCN{dims}")


@SUITE.test("GCN", points=1,
            hint="Z = A_hat @ ReLU(A_hat @ X @ W0) @ W1: propagate with A_hat in both layers, ReLU "
                 "between them only, and return logits (no softmax)")
def outputs_match_the_reference_in_eval_mode(student, ref, rng):
    dims = (6, 5, 3)
    X, A_hat = _torch_graph(ref, rng, 9, dims[0])
    model, reference, _ = _loaded(student, ref, rng, dims)
    expect_close(_forward(model, X, A_hat), _expected(reference, X, A_hat), "GCN.forward",
                 _gcn_given(dims, X, A_hat), rtol=1e-4, atol=1e-5)


@SUITE.test("GCN", points=1,
            hint="accept the `dropout` keyword and use the sizes you are given; every node, even "
                 "an isolated one, gets logits")
def other_sizes_dropout_keyword_and_isolated_nodes(student, ref, rng):
    dims = (3, 7, 4)
    X, A_hat = _torch_graph(ref, rng, 12, dims[0], isolated=(2, 11))
    model, reference, _ = _loaded(student, ref, rng, dims, dropout=0.2)
    expect_close(_forward(model, X, A_hat), _expected(reference, X, A_hat), "GCN.forward",
                 _gcn_given(dims, X, A_hat) + ", dropout=0.2, nodes 2 and 11 isolated",
                 rtol=1e-4, atol=1e-5)


@SUITE.test("GCN", points=1,
            hint="use F.dropout(h, p=self.dropout, training=self.training) or nn.Dropout: dropout "
                 "must be random in model.train() and switched off in model.eval()")
def dropout_only_in_training_mode(student, ref, rng):
    dims = (6, 8, 3)
    X, A_hat = _torch_graph(ref, rng, 10, dims[0])
    model, reference, _ = _loaded(student, ref, rng, dims, dropout=0.5)
    expected = _expected(reference, X, A_hat)
    given = _gcn_given(dims, X, A_hat, "train")
    with torch.random.fork_rng():
        torch.manual_seed(int(rng.integers(2**31)))
        first = expect_shape(_forward(model, X, A_hat, True), tuple(expected.shape),
                             "GCN.forward", given)
        second = expect_shape(_forward(model, X, A_hat, True), tuple(expected.shape),
                              "GCN.forward", given)
    expect(not np.allclose(first, second), "GCN.forward",
           "two forward passes in train mode with dropout=0.5 gave the same output: dropout is "
           "not active during training", given)
    expect_close(_forward(model, X, A_hat), expected, "GCN.forward",
                 _gcn_given(dims, X, A_hat) + " (after a pass in train mode)",
                 rtol=1e-4, atol=1e-5)
    no_drop, reference0, _ = _loaded(student, ref, rng, dims, dropout=0.0)
    expect_close(_forward(no_drop, X, A_hat, True), _expected(reference0, X, A_hat),
                 "GCN.forward", _gcn_given(dims, X, A_hat, "train") + ", dropout=0.0",
                 rtol=1e-4, atol=1e-5)


@SUITE.test("GCN", points=1,
            hint="stay in torch inside forward (no .numpy(), no .detach(), no torch.tensor(...) "
                 "of intermediate results) so that loss.backward() reaches both weight matrices")
def gradients_reach_both_weight_matrices(student, ref, rng):
    dims = (5, 6, 3)
    X, A_hat = _torch_graph(ref, rng, 9, dims[0])
    upstream = torch.tensor(rng.normal(size=(9, dims[2])), dtype=torch.float32)
    model, reference, transposed = _loaded(student, ref, rng, dims)
    reference.eval()
    (reference(X, A_hat) * upstream).sum().backward()
    expected = [w.grad.numpy() for w in reference.parameters()]
    grads = make(student, _GRADIENTS)(model, X.clone(), A_hat.clone(), upstream.clone())
    matrices = [g for g, a in zip(grads, parameters(model)) if np.ndim(a) == 2]
    given = _gcn_given(dims, X, A_hat) + ", loss = sum(logits * G) with a random G"
    for k, (g, t, e) in enumerate(zip(matrices, transposed, expected)):
        if g is None:
            raise Failure(f"GCN: after loss.backward() the weight of layer {k + 1} has no "
                          "gradient; the computation was cut from the graph")
        expect_close(g, e.T if t else e, f"GCN, gradient of the layer-{k + 1} weight,", given,
                     rtol=1e-4, atol=1e-5)


@SUITE.test("GCN", points=1,
            hint="do not change X or A_hat in place (no `A_hat += ...`, no inplace=True dropout or "
                 "ReLU on the input); build new tensors")
def does_not_modify_its_inputs(student, ref, rng):
    dims = (6, 5, 2)
    X, A_hat = _torch_graph(ref, rng, 8, dims[0])
    model, reference, _ = _loaded(student, ref, rng, dims)
    call = make(student, _FORWARD_AND_INPUTS)
    for training in (True, False):
        out, X_after, A_after = call(model, X.clone(), A_hat.clone(), training)
        expect_unchanged(X.numpy(), to_array(X_after, "GCN.forward"), "GCN.forward", "X")
        expect_unchanged(A_hat.numpy(), to_array(A_after, "GCN.forward"), "GCN.forward", "A_hat")
    expect_close(out, _expected(reference, X, A_hat), "GCN.forward", _gcn_given(dims, X, A_hat),
                 rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------ graph_readout
def _readout_given(H, idx, n_graphs, reduce=None):
    extra = f", reduce={reduce!r}" if reduce else " (default reduce)"
    return f"H {describe(H)}, graph_index {describe(idx)}, n_graphs={n_graphs}{extra}"


@SUITE.test("graph_readout", points=1,
            hint="the default is reduce='mean': the average of the rows of H that belong to each "
                 "graph, one output row per graph")
def mean_of_sorted_graphs(student, ref, rng):
    idx = np.repeat(np.arange(4), [3, 5, 1, 4])
    H = rng.normal(size=(len(idx), 6))
    expect_close(student(H.copy(), idx.copy(), 4), ref.graph_readout(H, idx, 4), "graph_readout",
                 _readout_given(H, idx, 4))


@SUITE.test("graph_readout", points=1,
            hint="reduce='sum' adds the node vectors of each graph without dividing by its size")
def sum_reduction(student, ref, rng):
    idx = np.repeat(np.arange(5), [2, 6, 3, 1, 4])
    H = rng.normal(size=(len(idx), 3))
    expect_close(student(H.copy(), idx.copy(), 5, reduce="sum"),
                 ref.graph_readout(H, idx, 5, reduce="sum"), "graph_readout",
                 _readout_given(H, idx, 5, "sum"))


@SUITE.test("graph_readout", points=1,
            hint="graph_index may come in any order; use it as an index (np.add.at, or a boolean "
                 "mask per graph), never assume the nodes of a graph are contiguous. Beware: "
                 "out[idx] += H adds only once per repeated index")
def unsorted_graph_index(student, ref, rng):
    idx = rng.permutation(np.repeat(np.arange(6), [4, 2, 7, 3, 5, 1]))
    H = rng.normal(size=(len(idx), 4))
    for reduce in ("mean", "sum"):
        expect_close(student(H.copy(), idx.copy(), 6, reduce=reduce),
                     ref.graph_readout(H, idx, 6, reduce=reduce), "graph_readout",
                     _readout_given(H, idx, 6, reduce) + " in shuffled order")


@SUITE.test("graph_readout", points=1,
            hint="return n_graphs rows even when the last graphs have no nodes, and give a graph "
                 "without nodes a row of zeros (avoid 0 / 0 in the mean)")
def graphs_without_nodes(student, ref, rng):
    idx = rng.permutation(np.repeat([0, 1, 3], [3, 2, 4]))
    H = rng.normal(size=(len(idx), 3))
    given = _readout_given(H, idx, 5) + "; graphs 2 and 4 have no nodes"
    for reduce in ("mean", "sum"):
        out = expect_close(student(H.copy(), idx.copy(), 5, reduce=reduce),
                           ref.graph_readout(H, idx, 5, reduce=reduce), "graph_readout",
                           given + f", reduce={reduce!r}")
        expect(np.all(np.isfinite(out)), "graph_readout", "returned NaN or inf", given)


@SUITE.test("graph_readout", points=1,
            hint="integer node features (counts, one-hot codes) still have fractional means: "
                 "build the output as a float array (np.zeros((n_graphs, F))), not with H's dtype")
def integer_node_features(student, ref, rng):
    idx = rng.permutation(np.repeat(np.arange(4), [3, 2, 5, 4]))
    H = rng.integers(0, 5, size=(len(idx), 3))
    for reduce in ("mean", "sum"):
        expect_close(student(H.copy(), idx.copy(), 4, reduce=reduce),
                     ref.graph_readout(H, idx, 4, reduce=reduce), "graph_readout",
                     _readout_given(H, idx, 4, reduce) + ", integer features")


@SUITE.test("graph_readout", points=1,
            hint="a batch without any node (H of shape (0, F)) gives n_graphs rows of zeros, and "
                 "a single graph gives one row; avoid graph_index.max() and code that needs at "
                 "least one node")
def no_nodes_at_all_and_a_single_graph(student, ref, rng):
    H = np.zeros((0, 4))
    idx = np.zeros(0, dtype=np.int64)
    for reduce in ("mean", "sum"):
        out = expect_close(student(H.copy(), idx.copy(), 3, reduce=reduce), np.zeros((3, 4)),
                           "graph_readout", _readout_given(H, idx, 3, reduce) + " (no nodes)")
        expect(np.all(np.isfinite(out)), "graph_readout", "returned NaN or inf", "no nodes")
    H1 = rng.normal(size=(6, 5))
    idx1 = np.zeros(6, dtype=np.int64)
    for reduce in ("mean", "sum"):
        expect_close(student(H1.copy(), idx1.copy(), 1, reduce=reduce),
                     ref.graph_readout(H1, idx1, 1, reduce=reduce), "graph_readout",
                     _readout_given(H1, idx1, 1, reduce) + " (one graph)")


@SUITE.test("graph_readout", points=1, hint="build a new output array; do not write into H")
def does_not_modify_its_inputs(student, ref, rng):
    idx = rng.permutation(np.repeat(np.arange(3), [4, 3, 5]))
    H = rng.normal(size=(len(idx), 5))  # every call is checked for in-place changes
    same_as_reference(student, ref.graph_readout, (H, idx, 3), {"reduce": "mean"},
                      what="graph_readout")


# ------------------------------------------------------------------ smiles_to_graph
def _check_molecule(student, ref, smiles, name):
    X_exp, A_exp = ref.smiles_to_graph(smiles)
    X, A = _pair(student(smiles), "smiles_to_graph")
    given = f"smiles={smiles!r} ({name}, {len(X_exp)} heavy atoms)"
    expect_close(X, X_exp, "smiles_to_graph, node features X,", given, rtol=0, atol=1e-9)
    expect_close(A, A_exp, "smiles_to_graph, adjacency A,", given, rtol=0, atol=1e-9)


@SUITE.test("smiles_to_graph", points=1,
            hint="one node per heavy atom in RDKit order (hydrogens stay implicit); X has 10 "
                 "columns C, N, O, S, F, Cl, Br, I, P, other; A[i, j] = A[j, i] = 1 for each bond")
def small_molecules(student, ref, rng):
    for smiles, name in (("CCO", "ethanol"), ("C", "methane"), ("OCC(N)C(=O)O", "serine")):
        _check_molecule(student, ref, smiles, name)


@SUITE.test("smiles_to_graph", points=1,
            hint="aromatic atoms (lower-case c, n in SMILES) are still C and N, and an aromatic "
                 "bond is still a bond: put 1, not 1.5")
def aromatic_rings(student, ref, rng):
    for smiles, name in (("c1ccccc1", "benzene"), ("C1=CC=CC=C1", "benzene, Kekule form"),
                         ("c1ccncc1", "pyridine"), ("Cc1ccc(O)cc1", "p-cresol")):
        _check_molecule(student, ref, smiles, name)


@SUITE.test("smiles_to_graph", points=1,
            hint="the adjacency records whether two atoms are bonded, not the bond order (double "
                 "= 1, not 2); a formal charge does not change the element")
def double_bonds_and_charges(student, ref, rng):
    for smiles, name in (("CC(=O)O", "acetic acid"),
                         ("[O-][N+](=O)c1ccccc1", "nitrobenzene, charged N and O"),
                         ("C[N+](C)(C)CCO", "choline, a quaternary ammonium"),
                         ("N#CC(=O)[O-]", "cyanoformate, a triple bond")):
        _check_molecule(student, ref, smiles, name)


@SUITE.test("smiles_to_graph", points=1,
            hint="compare atom.GetSymbol() with the list; two-letter symbols are 'Cl' and 'Br'; "
                 "anything not in the list (Na, B, Si, Se...) goes to the last column, 'other'")
def halogens_and_elements_outside_the_list(student, ref, rng):
    for smiles, name in (("FC(F)(Cl)Br", "halothane-like, F Cl Br"),
                         ("CC(=O)[O-].[Na+]", "sodium acetate, two fragments and Na"),
                         ("OB(O)O", "boric acid, B"), ("C[Si](C)(C)C", "tetramethylsilane, Si"),
                         ("CSc1ccc(I)cc1P", "S, I and P")):
        _check_molecule(student, ref, smiles, name)


_NCI = {}


def _nci_smiles():
    if "smiles" not in _NCI:
        path = os.path.join(RDConfig.RDDataDir, "NCI", "first_5k.tpsa.csv")
        with open(path) as fh:
            rows = [ln.rsplit(",", 1)[0] for ln in fh if ln.strip() and not ln.startswith("#")]
        blocker = rdBase.BlockLogs()  # silence RDKit's messages about the few invalid rows
        _NCI["smiles"] = [s for s in rows[-600:] if Chem.MolFromSmiles(s) is not None]
        del blocker
    return _NCI["smiles"]


@SUITE.test("smiles_to_graph", points=1,
            hint="check on a few drug-like molecules: X rows are one-hot (sum to 1), A is "
                 "symmetric with a zero diagonal and A.sum() / 2 equals mol.GetNumBonds()")
def nci_molecules(student, ref, rng):
    pool = _nci_smiles()
    for k in rng.choice(len(pool), size=8, replace=False):
        _check_molecule(student, ref, pool[k], "an NCI molecule")


# ------------------------------------------------------------------ karate_club_predictions
TIME_LIMIT = 60.0  # seconds for one call
_GLOBAL_SEEDS = ("import random\nrandom.seed({0})\nnp.random.seed({0})\n"
                 "torch.manual_seed({0})\nresult = 0")
_TRUTH = {}


def _club_truth():
    if "y" not in _TRUTH:
        graph = nx.karate_club_graph()
        _TRUTH["y"] = np.array([int(graph.nodes[i]["club"] != "Mr. Hi") for i in range(34)])
    return _TRUTH["y"]


def _one_thread_call(student, seed):
    """student(seed=seed) on one torch thread (a 34-node graph: faster, and fair on shared CPUs)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a 34-node graph: one thread is enough
    try:
        return student(seed=seed)
    finally:
        torch.set_num_threads(threads)


@once_per_student
def _run(student, seed):
    """(predictions, seconds, exception) of student(seed=seed), computed once per student."""
    began = time.perf_counter()
    try:
        return (_one_thread_call(student, seed), time.perf_counter() - began, None)
    except Exception as exc:  # noqa: BLE001 - re-raised by each test that needs it
        return (None, time.perf_counter() - began, exc)


def _predictions(student, seed):
    value, seconds, error = _run(student, seed)
    if error is not None:
        raise error
    given = f"seed={seed}"
    pred = expect_shape(value, (34,), "karate_club_predictions", given)
    expect(np.all(np.isin(pred, (0.0, 1.0))), "karate_club_predictions",
           "every prediction must be a club label, 0 (Mr. Hi) or 1 (Officer); take the argmax "
           "of the logits, not probabilities", given)
    return pred, seconds, given


def _accuracy(student, seed):
    pred, seconds, given = _predictions(student, seed)
    return float(np.mean(pred == _club_truth())), given


@SUITE.test("karate_club_predictions", points=1,
            hint="return one label per member, an int array of shape (34,), 0 = Mr. Hi (member 0's "
                 "club), 1 = Officer (member 33's club)")
def returns_34_binary_labels(student, ref, rng):
    pred, _, given = _predictions(student, 0)
    expect(pred[0] == 0 and pred[33] == 1, "karate_club_predictions",
           f"member 0 is labelled 0 and member 33 is labelled 1 in training, but you predicted "
           f"{pred[0]:g} and {pred[33]:g} for them", given)


@SUITE.test("karate_club_predictions", points=1,
            hint="train the two-layer GCN with cross-entropy on the two labelled members only "
                 "(logits[[0, 33]] against [0, 1]) for enough epochs (about 100 with Adam, lr 0.05)")
def accuracy_at_least_70_percent(student, ref, rng):
    acc, given = _accuracy(student, 0)
    expect(acc >= 0.7, "karate_club_predictions",
           f"accuracy against the real split is {acc:.2f}, below 0.70", given)


@SUITE.test("karate_club_predictions", points=1,
            hint="use the normalised adjacency with self-loops of the unweighted graph "
                 "(nx.to_numpy_array(G, weight=None)) and one-hot identities X = I as features; "
                 "predict with the model in eval mode")
def accuracy_at_least_85_percent(student, ref, rng):
    acc, given = _accuracy(student, 0)
    expect(acc >= 0.85, "karate_club_predictions",
           f"accuracy against the real split is {acc:.2f}, below the 0.85 target", given)


@SUITE.test("karate_club_predictions", points=1,
            hint="the method should work for any seed, not only seed 0: use enough epochs and "
                 "a hidden layer of about 16 units")
def accurate_with_another_seed(student, ref, rng):
    acc, given = _accuracy(student, 1)
    expect(acc >= 0.85, "karate_club_predictions",
           f"accuracy against the real split is {acc:.2f}, below the 0.85 target", given)


@SUITE.test("karate_club_predictions", points=1,
            hint="call torch.manual_seed(seed) before building the model, so the same seed gives "
                 "the same weights, dropout masks and predictions")
def same_seed_gives_the_same_predictions(student, ref, rng):
    first, _, given = _predictions(student, 0)
    # the global random state where the student's code runs must not matter
    for global_seed in (101, 202, 303, 404):
        make(student, _GLOBAL_SEEDS.format(global_seed))
        value = _one_thread_call(student, 0)
        again = expect_shape(value, (34,), "karate_club_predictions", given + ", another call")
        expect(np.array_equal(first, again), "karate_club_predictions",
               f"calls with the same seed disagree on {int(np.sum(first != again))} members "
               "(the global random state was set differently before each call)", given)


@SUITE.test("karate_club_predictions", points=1,
            hint="34 nodes train in well under a second per 100 epochs; avoid thousands of epochs "
                 "or rebuilding the graph inside the training loop")
def fast_and_accurate(student, ref, rng):
    acc, given = _accuracy(student, 0)
    _, seconds, _ = _run(student, 0)
    expect(seconds <= TIME_LIMIT, "karate_club_predictions",
           f"training took {seconds:.0f} s, more than the {TIME_LIMIT:.0f} s allowed", given)
    expect(acc >= 0.85, "karate_club_predictions",
           f"accuracy against the real split is {acc:.2f}, below the 0.85 target", given)


# ------------------------------------------------------------------ graph_helps
# Evidence: paired held-out accuracies of a GCN and of the same network without the graph
# (an MLP on the node features, A_hat = I), r runs each, run j of both with the same seed. The
# synthetic cases are built with an exact mean gain and an exact standard error of the paired
# gains, so every case lies clearly on one side of both bars (margin and 2 se) and of the bar a
# plausible wrong rule would use instead.
DECIDE = "graph_helps"
SUITE.written("written_graph_choice", 2)
MARGIN = 0.02  # the default margin: two percentage points of accuracy


def _paired(rng, gain, se, r=6, level=None, split_sd=0.0, mlp_sd=0.0):
    """(acc_gcn, acc_mlp) of r paired runs with mean(acc_gcn - acc_mlp) = gain exactly and
    sd(differences, ddof=1) / sqrt(r) = se exactly. ``split_sd``: a difficulty shared by both
    models in a run (it cancels in the differences); ``mlp_sd``: the MLP's own spread."""
    level = rng.uniform(0.6, 0.7) if level is None else level
    z = rng.normal(size=r)
    z = (z - z.mean()) / z.std(ddof=1)
    diff = gain + se * np.sqrt(r) * z
    shared = (np.clip(rng.normal(0.0, split_sd, size=r), -2.5 * split_sd, 2.5 * split_sd)
              if split_sd else np.zeros(r))
    mlp = level + shared + (rng.normal(0.0, mlp_sd, size=r) if mlp_sd else 0.0)
    return mlp + diff, mlp


def _helps_given(acc_gcn, what):
    return f"{np.size(acc_gcn)} paired runs, {what}"


def _is_boolean(value):
    return isinstance(value, (bool, np.bool_)) or (np.ndim(value) == 0 and
                                                   np.asarray(value).dtype == bool)


def _decide_helps(student, ref, acc_gcn, acc_mlp, given, **kw):
    """Call the student's function on copies and compare its answer with the reference's."""
    out = student(acc_gcn.copy(), acc_mlp.copy(), **kw)
    if not _is_boolean(out):
        raise Failure(f"{DECIDE} should return True or False, got {type_name(out)} "
                      f"({given})")
    want = ref.graph_helps(acc_gcn, acc_mlp, **kw)
    expect(bool(out) == want, DECIDE,
           f"answered {bool(out)}, expected {want}", given)
    return out


@SUITE.test(DECIDE, points=1,
            hint="compute the paired gains acc_gcn - acc_mlp, their mean and its standard error "
                 "sd / sqrt(r); answer True only when the mean gain reaches the margin and twice "
                 "its standard error, False when the GCN is no better or worse")
def clear_gains_and_clear_losses(student, ref, rng):
    for gain, truth in ((rng.uniform(0.10, 0.2), "a large steady gain"),
                        (rng.uniform(-0.004, 0.004), "no gain"),
                        (-rng.uniform(0.05, 0.2), "the GCN worse than the MLP")):
        acc_gcn, acc_mlp = _paired(rng, gain, rng.uniform(0.003, 0.006))
        _decide_helps(student, ref, acc_gcn, acc_mlp, _helps_given(acc_gcn, truth))


@SUITE.test(DECIDE, points=1,
            hint="a gain can be real and still too small to matter: compare the mean gain with the "
                 "margin you are given, in accuracy units (0.02 = two percentage points, not 2 % "
                 "of the MLP's accuracy)")
def a_steady_gain_below_the_margin_is_not_enough(student, ref, rng):
    acc_gcn, acc_mlp = _paired(rng, MARGIN * rng.uniform(0.3, 0.7), 0.001)
    _decide_helps(student, ref, acc_gcn, acc_mlp,
                  _helps_given(acc_gcn, "a small gain, the same in every run"))
    acc_gcn, acc_mlp = _paired(rng, rng.uniform(0.06, 0.08), 0.004)
    _decide_helps(student, ref, acc_gcn, acc_mlp, _helps_given(acc_gcn, "margin=0.1"),
                  margin=0.1)
    acc_gcn, acc_mlp = _paired(rng, rng.uniform(0.035, 0.045), 0.003, level=rng.uniform(0.5, 0.55))
    _decide_helps(student, ref, acc_gcn, acc_mlp, _helps_given(acc_gcn, "margin=0.05"),
                  margin=0.05)
    acc_gcn, acc_mlp = _paired(rng, rng.uniform(0.012, 0.015), 0.002)
    _decide_helps(student, ref, acc_gcn, acc_mlp, _helps_given(acc_gcn, "margin=0.01"),
                  margin=0.01)


@SUITE.test(DECIDE, points=1,
            hint="a mean gain above the margin is not evidence when the gains swing from run to "
                 "run: it must also be at least 2 standard errors, 2 * sd(gains, ddof=1) / "
                 "sqrt(r), or the next seeds could erase it")
def a_noisy_gain_within_the_seed_to_seed_spread(student, ref, rng):
    for r in (5, 8):
        gain = rng.uniform(0.03, 0.05)
        se = gain / rng.uniform(1.3, 1.7)  # gain between 1.3 and 1.7 standard errors
        acc_gcn, acc_mlp = _paired(rng, gain, se, r=r, level=rng.uniform(0.55, 0.62))
        _decide_helps(student, ref, acc_gcn, acc_mlp,
                      _helps_given(acc_gcn, "a mean gain above the margin, very different runs"))
    gain = rng.uniform(0.04, 0.06)
    acc_gcn, acc_mlp = _paired(rng, gain, gain / rng.uniform(2.3, 2.8), r=6, level=0.65)
    _decide_helps(student, ref, acc_gcn, acc_mlp,
                  _helps_given(acc_gcn, "a mean gain above the margin and 2 standard errors"))


@SUITE.test(DECIDE, points=1,
            hint="run j of both models shares its seed and its labelled nodes, so compare them run "
                 "by run: the noise that matters is the spread of the differences, not of each "
                 "model's accuracies (a hard split is hard for both)")
def paired_runs_share_the_difficulty_of_their_split(student, ref, rng):
    for _ in range(2):
        acc_gcn, acc_mlp = _paired(rng, rng.uniform(0.04, 0.06), rng.uniform(0.004, 0.008),
                                   r=6, level=rng.uniform(0.6, 0.65), split_sd=0.08)
        _decide_helps(student, ref, acc_gcn, acc_mlp,
                      _helps_given(acc_gcn, "a steady gain on splits of very different "
                                            "difficulty"))


@SUITE.test(DECIDE, points=1,
            hint="judge the mean gain over all runs: neither the best run of each model nor the "
                 "number of runs the GCN wins is the evidence the rule asks for")
def the_mean_gain_not_the_best_run_nor_a_vote(student, ref, rng):
    r = 6
    mlp = rng.uniform(0.6, 0.7) + rng.normal(0.0, 0.005, size=r)
    diff = np.array([0.01, 0.01, 0.01, 0.06, 0.07, 0.07]) + rng.uniform(-0.002, 0.002, r)
    diff = rng.permutation(diff)  # mean about 0.038 above 2 se (about 0.026); 3 wins of 6 by 0.02
    _decide_helps(student, ref, mlp + diff, mlp,
                  _helps_given(mlp, "a gain carried by a third of the runs"))
    mlp = rng.uniform(0.6, 0.7) + rng.normal(0.0, 0.01, size=r)
    gcn = mlp + rng.uniform(-0.01, 0.0, size=r)
    gcn[rng.integers(r)] = mlp.max() + rng.uniform(0.05, 0.08)  # one lucky seed
    _decide_helps(student, ref, gcn, mlp, _helps_given(gcn, "one lucky GCN run"))


# Held-out accuracy on the 108 unannotated proteins of a simulated PPI network (the chapter's
# stochastic block model: 4 modules of 30 proteins, 20 features, network seed 7, which the
# notebook does not use), 3 annotated proteins per module chosen with seeds 0..7; the reference
# GCN(20, 16, 4) (dropout 0.5, Adam lr 0.01, weight decay 5e-4, 200 epochs) with the graph's
# A_hat, and the same network with A_hat = I (an MLP on the features), same seed per run.
# Chapter parameters (p_in 0.15, p_out 0.012, signal 0.6): gain 0.282, se 0.016 -> True.
# Strong features (signal 1.5): gain -0.014, se 0.002 -> False.
_PPI_WEAK = (np.array([0.9722, 0.9815, 0.9537, 0.9815, 0.9722, 0.9907, 0.9352, 0.9630]),
             np.array([0.7500, 0.7407, 0.6296, 0.7593, 0.6759, 0.6852, 0.6111, 0.6389]))
_PPI_STRONG = (np.array([0.9907, 0.9815, 0.9815, 0.9722, 0.9907, 0.9907, 0.9907, 0.9907]),
               np.ones(8))
PPI_GIVEN = ("the held-out accuracies of a GCN and of an MLP on the features, 8 seeds, on a "
             "simulated protein network you have not seen")


@SUITE.test(DECIDE, points=1,
            hint="the whole rule on the chapter's kind of data: paired gains, their mean and "
                 "standard error, both bars; return one plain True or False, not an array or "
                 "a string")
def the_chapter_protein_networks(student, ref, rng):
    _decide_helps(student, ref, *_PPI_WEAK, PPI_GIVEN + " (weak features)")
    _decide_helps(student, ref, *_PPI_STRONG, PPI_GIVEN + " (strong features)")

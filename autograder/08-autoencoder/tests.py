"""Hidden tests for chapter 08-autoencoder.

Each test gets (student, ref, rng): the student's function (or class), the reference module and a
seeded generator. Tests only call the student's code and compare returned values (as plain
arrays) with the reference or with a behaviour the chapter teaches. Models handed to the
student's functions are built where the student's code runs (``make``) and given weights from a
seeded reference model (``set_parameters``), so the same tests work in one process and with the
sandboxed grading engine; the student's ``Autoencoder`` is only constructed, called and read
through ``parameters``/``set_parameters``. Training tests run on a seeded simulation or
on cells of scanpy's bundled pbmc68k_reduced in a split the student never sees, with a
wall-time limit.

Points: Autoencoder 6, train_autoencoder 12, reconstruction_mse 5, pca_reconstruction_mse 6,
masking_noise 7, choose_bottleneck 6 (the apply-and-decide part: error curves from seeded
generators whose right choice the reference knows, and PCA's held-out errors on the hidden PBMC
split); plus a written answer graded by hand, written_bottleneck_judgement (2).

Return types are checked so that they mean the same in one process and across the sandbox
boundary: a torch tensor the student returns is a ``torch.Tensor`` here and arrives as a numpy
array from the sandbox, and both are rejected where the contract says "a float" (a Python or
numpy number is accepted). Which cells each training step sees is observed with a model built
by trusted source where the student's code runs, that notes the cell numbers (column 0 of X)
of every batch it is called on with gradients enabled.
"""
import copy
import time
from functools import lru_cache

import numpy as np
import torch
from torch import nn

from autograder.engine.testing import (Failure, Suite, describe, expect, expect_close, expect_equal,
                                expect_shape, expect_unchanged, make, n_trainable, parameters,
                                reference, set_parameters, to_array, to_float)

SUITE = Suite("08-autoencoder")
TIME_LIMIT = 30.0  # seconds for one training run that takes the reference about 1 s

torch.set_num_threads(1)  # small models: one thread is faster and steadier on a shared CPU


# ------------------------------------------------------------------ helpers
@lru_cache(maxsize=None)
def _pbmc():
    """log-normalised pbmc68k_reduced (700 cells x 765 genes), a hidden seeded split."""
    import scanpy as sc

    adata = sc.datasets.pbmc68k_reduced()
    X = np.asarray(adata.raw.X.toarray(), dtype=np.float32)
    y = adata.obs["bulk_labels"].cat.codes.to_numpy().astype(int)
    order = np.random.default_rng(808).permutation(len(y))
    train, test = order[:525], order[525:]
    return X[train], y[train], X[test], y[test]


def _knn_accuracy(Z_train, y_train, Z_test, y_test, k=15):
    from sklearn.neighbors import KNeighborsClassifier

    clf = KNeighborsClassifier(n_neighbors=k).fit(Z_train, y_train)
    return float(np.mean(clf.predict(Z_test) == y_test))


def _low_rank_data(rng, n=300, d=20, rank=3, noise=0.5):
    """Cells from a rank-3 'programme' model: X = Z W + gene means + Gaussian noise."""
    Z = rng.normal(size=(n, rank)) * np.array([3.0, 2.0, 1.5])[:rank]
    W = rng.normal(size=(rank, d))
    X = Z @ W + rng.normal(0, 2.0, size=d) + rng.normal(0, noise, size=(n, d))
    return X.astype(np.float32)


def _seed(value):
    """Seed torch's global generator in this (the grader's) process."""
    torch.manual_seed(int(value))


def _sequential_source(dims):
    """Source of an nn.Sequential computing the same function, with the same parameters() order,
    as the reference Autoencoder(*dims)."""
    d, h, m = dims
    L = "torch.nn.Linear"
    return (f"torch.nn.Sequential({L}({d}, {h}), torch.nn.ReLU(), {L}({h}, {m}), "
            f"{L}({m}, {h}), torch.nn.ReLU(), {L}({h}, {d}))")


def _autoencoder_for(student, dims, seed=0):
    """(model where the student's code runs, local reference copy with the same weights)."""
    _seed(seed)
    local = ref_autoencoder(dims)
    model = make(student, _sequential_source(dims))
    set_parameters(model, parameters(local))
    return model, local


def _linear_for(student, d, k, seed=0):
    _seed(seed)
    local = nn.Sequential(nn.Linear(d, k), nn.Linear(k, d))
    model = make(student, f"torch.nn.Sequential(torch.nn.Linear({d}, {k}), "
                          f"torch.nn.Linear({k}, {d}))")
    set_parameters(model, parameters(local))
    return model, local


def _sync(local, model):
    """Copy the (trained) weights of the model the student's code holds into the local copy."""
    set_parameters(local, parameters(model))
    return local


def ref_autoencoder(dims):
    return reference("08-autoencoder").Autoencoder(*dims)


def _is_number(value) -> bool:
    """A Python or numpy number: not a tensor (torch.Tensor here, ndarray from the sandbox), not
    an array, not a bool."""
    return (isinstance(value, (int, float, np.integer, np.floating))
            and not isinstance(value, (bool, np.bool_)))


def _expect_number(value, what, given):
    expect(_is_number(value), what,
           f"returned a {type(value).__name__}; expected a Python float (float(...) or "
           ".item() of a 0-d tensor)", given)
    return float(value)


def _build(student, dims):
    _seed(0)
    return student(*dims)


def _copy_reference_weights(reference, model, dims):
    """Copy the reference's weights into the student's model in parameters() order."""
    if not set_parameters(model, parameters(reference)):
        got = [tuple(np.shape(a)) for a in parameters(model)]
        want = [tuple(p.shape) for p in reference.parameters()]
        raise Failure(
            f"Autoencoder{dims}: parameters() gives shapes {got}, expected {want} "
            "(Linear(in, hidden) -> ReLU -> Linear(hidden, latent) for the encoder, then the "
            "mirror image for the decoder), so the outputs cannot be compared")


def _pair(student, ref, dims=(12, 7, 3)):
    model = _build(student, dims)
    _seed(1)
    reference = ref.Autoencoder(*dims)
    _copy_reference_weights(reference, model, dims)
    return model, reference


@lru_cache(maxsize=None)
def _trained_reference_weights():
    """Reference Autoencoder(765, 32, 8) trained on the hidden PBMC training cells."""
    ref = reference("08-autoencoder")
    X_tr = _pbmc()[0]
    _seed(0)
    model = ref.Autoencoder(X_tr.shape[1], 32, 8)
    ref.train_autoencoder(model, X_tr, epochs=20, lr=5e-3, batch_size=64, seed=0)
    return model, tuple(parameters(model))


# ------------------------------------------------------------------ Autoencoder
def _t(a):
    return torch.as_tensor(np.asarray(a), dtype=torch.float32)


@SUITE.test("Autoencoder", points=1,
            hint="encode maps (N, in_dim) to (N, latent_dim); decode maps (N, latent_dim) back "
                 "to (N, in_dim); forward returns decode(encode(x))")
def output_shapes(student, ref, rng):
    for dims, n in (((12, 7, 3), 5), ((30, 16, 2), 1)):
        model = _build(student, dims)
        x = rng.normal(size=(n, dims[0]))
        z = rng.normal(size=(n, dims[2]))
        expect_shape(model.encode(_t(x)), (n, dims[2]), f"Autoencoder{dims}.encode",
                     f"x of shape {x.shape}")
        expect_shape(model.decode(_t(z)), (n, dims[0]), f"Autoencoder{dims}.decode",
                     f"z of shape {z.shape}")
        expect_shape(model(_t(x)), (n, dims[0]), f"Autoencoder{dims}.forward",
                     f"x of shape {x.shape}")


@SUITE.test("Autoencoder", points=1,
            hint="four nn.Linear layers, each with a bias: in->hidden, hidden->latent, "
                 "latent->hidden, hidden->in (ReLU has no parameters)")
def parameter_count(student, ref, rng):
    for dims in ((12, 7, 3), (765, 64, 2)):
        model = _build(student, dims)
        expected = sum(p.numel() for p in ref.Autoencoder(*dims).parameters())
        expect_equal(n_trainable(model), expected, f"Autoencoder{dims}",
                     "the number of trainable parameters")


@SUITE.test("Autoencoder", points=1,
            hint="the encoder is Linear -> ReLU -> Linear, with no activation on the latent "
                 "code (it may be negative)")
def encode_matches_the_reference_with_the_same_weights(student, ref, rng):
    model, reference = _pair(student, ref)
    x = _t(rng.normal(size=(6, 12)))
    with torch.no_grad():
        expected = reference.encode(x)
    expect_close(model.encode(x.clone()), expected, "Autoencoder(12, 7, 3).encode",
                 "a batch of 6 cells and the reference's weights copied in")


@SUITE.test("Autoencoder", points=1,
            hint="the decoder mirrors the encoder: Linear(latent, hidden) -> ReLU -> "
                 "Linear(hidden, in), with no activation on the output")
def decode_matches_the_reference_with_the_same_weights(student, ref, rng):
    model, reference = _pair(student, ref)
    z = _t(rng.normal(0, 2, size=(6, 3)))
    with torch.no_grad():
        expected = reference.decode(z)
    expect_close(model.decode(z.clone()), expected, "Autoencoder(12, 7, 3).decode",
                 "6 latent codes and the reference's weights copied in")


@SUITE.test("Autoencoder", points=1, hint="forward(x) should be decode(encode(x))")
def forward_matches_the_reference_with_the_same_weights(student, ref, rng):
    model, reference = _pair(student, ref)
    x = _t(rng.normal(size=(8, 12)))
    with torch.no_grad():
        expected = reference(x)
    expect_close(model(x.clone()), expected, "Autoencoder(12, 7, 3).forward",
                 "a batch of 8 cells and the reference's weights copied in")


@SUITE.test("Autoencoder", points=1,
            hint="with the weights of a trained network copied in, encode should return the "
                 "bottleneck codes, in which held-out PBMCs of the same type lie close together")
def latent_codes_separate_cell_types(student, ref, rng):
    X_tr, y_tr, X_te, y_te = _pbmc()
    dims = (X_tr.shape[1], 32, 8)
    model = _build(student, dims)
    _copy_reference_weights(_trained_reference_weights()[0], model, dims)
    given = "525 training PBMCs x 765 genes and the weights of a trained network copied in"
    Z_tr = expect_shape(model.encode(_t(X_tr)), (len(X_tr), 8), "Autoencoder(765, 32, 8).encode",
                        given)
    Z_te = expect_shape(model.encode(_t(X_te)), (len(X_te), 8), "Autoencoder(765, 32, 8).encode",
                        given)
    chance = np.bincount(y_te).max() / len(y_te)
    acc = _knn_accuracy(Z_tr, y_tr, Z_te, y_te)
    expect(acc >= 0.55, "Autoencoder(765, 32, 8)",
           f"15-NN accuracy of held-out cell types in the latent space is {acc:.2f}; expected "
           f">= 0.55 (chance, the largest class, is {chance:.2f})", given)


# ------------------------------------------------------------------ train_autoencoder
def _train(student, model, X, what="train_autoencoder", **kwargs):
    t0 = time.perf_counter()
    losses = student(model, X, **kwargs)
    seconds = time.perf_counter() - t0
    arr = to_array(losses, what).ravel()
    expect(arr.size == kwargs["epochs"], what,
           f"expected a list of {kwargs['epochs']} per-epoch losses, got {arr.size} values",
           f"X {describe(X)}, " + ", ".join(f"{k}={v}" for k, v in kwargs.items()))
    expect(np.all(np.isfinite(arr)), what, "returned a loss that is NaN or inf")
    return arr, seconds


@SUITE.test("train_autoencoder", points=1,
            hint="append one number per epoch (use loss.item(), not the tensor) and return the "
                 "list after the last epoch")
def returns_one_finite_loss_per_epoch(student, ref, rng):
    X = _low_rank_data(rng, n=64, d=10)
    for epochs in (1, 4):
        model, _ = _autoencoder_for(student, (10, 8, 2))
        arr, _ = _train(student, model, X.copy(), epochs=epochs, lr=1e-2, batch_size=16, seed=0)
        expect(np.all(arr > 0), "train_autoencoder", "losses should be positive mean squared errors")


@SUITE.test("train_autoencoder", points=1,
            hint="each step: zero the gradients, compute the MSE of model(batch) vs batch, "
                 "backward, optimizer.step(); train the model you were given, not a copy")
def loss_decreases_and_the_model_is_trained_in_place(student, ref, rng):
    X = _low_rank_data(rng, n=200, d=20)
    model, local = _autoencoder_for(student, (20, 16, 3))
    before = ref.reconstruction_mse(local, X)
    arr, _ = _train(student, model, X.copy(), epochs=30, lr=1e-2, batch_size=32, seed=0)
    after = ref.reconstruction_mse(_sync(local, model), X)
    given = f"X {describe(X)}, Autoencoder(20, 16, 3), epochs=30, lr=0.01, batch_size=32"
    expect(arr[-1] < 0.3 * arr[0], "train_autoencoder",
           f"the loss went from {arr[0]:.4g} (epoch 1) to {arr[-1]:.4g} (epoch 30); expected it "
           "to fall below 30% of the first epoch's", given)
    expect(after < 0.3 * before, "train_autoencoder",
           f"the model's reconstruction MSE went from {before:.4g} to {after:.4g}: the model passed "
           "in should be trained (updated in place)", given)


@SUITE.test("train_autoencoder", points=1,
            hint="an epoch's loss is the mean MSE over its batches (weighted by batch size), not "
                 "their sum; use the mean over all entries (reduction='mean')")
def losses_are_per_epoch_means(student, ref, rng):
    X = _low_rank_data(rng, n=200, d=20)
    model, local = _autoencoder_for(student, (20, 16, 3))
    arr, _ = _train(student, model, X.copy(), epochs=40, lr=1e-2, batch_size=25, seed=0)
    final = ref.reconstruction_mse(_sync(local, model), X)
    ratio = arr[-1] / final
    expect(0.75 <= ratio <= 1.35, "train_autoencoder",
           f"the last epoch's loss is {arr[-1]:.4g} but the trained model's MSE on the same "
           f"data is {final:.4g} (ratio {ratio:.3g}); they should nearly agree",
           f"X {describe(X)}, epochs=40, batch_size=25")


@SUITE.test("train_autoencoder", points=1,
            hint="shuffle each epoch with a generator seeded by `seed` (e.g. "
                 "torch.Generator().manual_seed(seed) with torch.randperm, or "
                 "np.random.default_rng(seed).permutation)")
def same_seed_same_losses_other_seed_other_order(student, ref, rng):
    X = _low_rank_data(rng, n=96, d=12)
    runs = {}
    for key, seed, global_seed in (("a", 3, 111), ("b", 3, 222), ("c", 4, 333)):
        model, _ = _autoencoder_for(student, (12, 8, 2))
        # the global random state where the student's code runs must not matter
        make(student, f"torch.manual_seed({global_seed})\nnp.random.seed({global_seed})\n"
                      "result = 0")
        runs[key], _ = _train(student, model, X.copy(), epochs=3, lr=1e-2, batch_size=16, seed=seed)
    expect_close(runs["b"], runs["a"], "train_autoencoder",
                 "the same model, data and seed=3 twice (losses should be identical)",
                 rtol=1e-6, atol=1e-9)
    expect(np.max(np.abs(runs["c"] - runs["a"])) > 1e-7, "train_autoencoder",
           "seed=3 and seed=4 gave identical losses: the mini-batches should be shuffled in a "
           "seed-dependent order every epoch")


@SUITE.test("train_autoencoder", points=1,
            hint="a linear autoencoder with k latent units, trained well, reaches the PCA error "
                 "for k components; check the optimiser is Adam with the given lr and that "
                 "every mini-batch is used")
def a_linear_autoencoder_approaches_the_pca_error(student, ref, rng):
    X = _low_rank_data(rng, n=300, d=20, rank=3)
    X -= X.mean(axis=0)  # centred, as PCA centres it: learning large gene means is slow
    model, local = _linear_for(student, 20, 3)
    _train(student, model, X.copy(), epochs=60, lr=1e-2, batch_size=32, seed=0)
    ae = ref.reconstruction_mse(_sync(local, model), X)
    pca = ref.pca_reconstruction_mse(X, 3)
    expect(ae <= 1.10 * pca + 1e-4, "train_autoencoder",
           f"a linear autoencoder (20 -> 3 -> 20) reached MSE {ae:.4g}; PCA with k=3 gives "
           f"{pca:.4g}, and the autoencoder should get within 10% of it",
           f"X {describe(X)}, epochs=60, lr=0.01, batch_size=32")


@SUITE.test("train_autoencoder", points=1,
            hint="use mini-batches of batch_size rows and Adam; the whole run should take "
                 "seconds, not minutes")
def held_out_pbmc_quality_and_time(student, ref, rng):
    X_tr, y_tr, X_te, y_te = _pbmc()
    model, local = _autoencoder_for(student, (X_tr.shape[1], 32, 8))
    _, seconds = _train(student, model, X_tr.copy(), epochs=20, lr=5e-3, batch_size=64, seed=0)
    given = "525 training PBMCs x 765 genes, Autoencoder(765, 32, 8), epochs=20, lr=0.005"
    expect(seconds <= TIME_LIMIT, "train_autoencoder",
           f"took {seconds:.1f} s; the limit is {TIME_LIMIT:.0f} s", given)
    _sync(local, model).eval()
    baseline = float(np.mean((X_te - X_tr.mean(0)) ** 2))
    mse = ref.reconstruction_mse(local, X_te)
    expect(mse < 0.85 * baseline, "train_autoencoder",
           f"held-out reconstruction MSE {mse:.3f} is not clearly better than predicting the mean "
           f"cell ({baseline:.3f})", given)
    with torch.no_grad():
        Z_tr = local.encode(_t(X_tr)).numpy()
        Z_te = local.encode(_t(X_te)).numpy()
    acc = _knn_accuracy(Z_tr, y_tr, Z_te, y_te)
    expect(acc >= 0.55, "train_autoencoder",
           f"15-NN accuracy of held-out cell types in the latent space is {acc:.2f}; expected "
           ">= 0.55 (chance is about 0.35)", given)


def _heterogeneous_cells(rng, n, d):
    """Low-rank cells in which a quarter are scaled up, so that batches differ in their error."""
    X = _low_rank_data(rng, n=n, d=d)
    X[rng.permutation(n)[:n // 4]] *= 3.0
    return X


@SUITE.test("train_autoencoder", points=1,
            hint="each epoch's loss is the mean over *all* of the epoch's batches (weighted by "
                 "their sizes), not the loss of the last batch: accumulate loss.item() * "
                 "len(batch) over the epoch and divide by n")
def each_loss_averages_all_batches_of_its_epoch(student, ref, rng):
    X = _heterogeneous_cells(rng, 120, 10)
    model, local = _autoencoder_for(student, (10, 8, 2), seed=6)
    expected = ref.reconstruction_mse(local, X)  # the learning rate is too small to change it
    arr, _ = _train(student, model, X.copy(), epochs=3, lr=1e-9, batch_size=20, seed=0)
    given = (f"X {describe(X)}, epochs=3, lr=1e-9 (the model barely changes, so every epoch's "
             "mean loss equals the MSE of the initial model on all of X), batch_size=20")
    expect_close(arr, np.full(3, expected), "train_autoencoder", given, rtol=1e-4, atol=1e-7)


_RECORDER = """
class Recorder(torch.nn.Module):
    def __init__(self, d, k):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(d, k), torch.nn.Linear(k, d))
        self.seen = []

    def forward(self, x):
        if torch.is_grad_enabled():
            self.seen.append(np.rint(x[:, 0].detach().double().cpu().numpy()).astype(np.int64))
        return self.net(x)


result = Recorder({d}, {k})
"""


@SUITE.test("train_autoencoder", points=1,
            hint="every epoch must visit all n cells once, in mini-batches of batch_size rows "
                 "(keep the last, smaller batch), in a new order: create the seeded generator "
                 "once, before the epoch loop, and draw a new permutation from it every epoch")
def every_epoch_visits_every_cell_once_in_a_new_order(student, ref, rng):
    n, d, epochs, batch_size = 60, 6, 3, 16
    X = rng.normal(size=(n, d)).astype(np.float32)
    X[:, 0] = np.arange(n)  # column 0 holds each cell's number
    model = make(student, _RECORDER.format(d=d, k=3))
    given = f"X {describe(X)}, epochs={epochs}, batch_size={batch_size}"
    _train(student, model, X.copy(), epochs=epochs, lr=1e-3, batch_size=batch_size, seed=2)
    seen = model.seen
    batches = [np.asarray(b).reshape(-1) for b in (seen if isinstance(seen, list) else [])]
    batches = [b for b in batches if 0 < b.size <= batch_size]  # not full passes over X
    batches = [b for k, b in enumerate(batches)  # one batch sent twice through the model
               if k == 0 or not np.array_equal(b, batches[k - 1])]
    ids = np.concatenate(batches) if batches else np.zeros(0, dtype=np.int64)
    expect(ids.size == epochs * n, "train_autoencoder",
           f"the model was trained on {ids.size} cells in mini-batches of at most {batch_size} "
           f"rows over {epochs} epochs; expected {epochs} x {n} = {epochs * n}", given)
    orders = ids.reshape(epochs, n)
    for e, order in enumerate(orders):
        expect(np.array_equal(np.sort(order), np.arange(n)), "train_autoencoder",
               f"epoch {e + 1} did not visit every cell exactly once", given)
    expect(not np.array_equal(orders[0], np.arange(n)), "train_autoencoder",
           "the cells of the first epoch were visited in their original order: shuffle them",
           given)
    for e in range(1, epochs):
        expect(not np.array_equal(orders[e], orders[0]), "train_autoencoder",
               f"epoch {e + 1} visited the cells in the same order as epoch 1: every epoch "
               "needs a new random order", given)


@SUITE.test("train_autoencoder", points=1,
            hint="with one batch per epoch (batch_size = n) every correct implementation takes "
                 "the same Adam steps: one torch.optim.Adam(model.parameters(), lr=lr) created "
                 "once before the loop (no SGD, no weight decay), the mean squared error, "
                 "zero_grad, backward, step; record the loss computed before the step")
def full_batch_training_follows_adam(student, ref, rng):
    X = _low_rank_data(rng, n=48, d=12)
    model, local = _autoencoder_for(student, (12, 8, 3), seed=7)
    expected = ref.train_autoencoder(local, X.copy(), epochs=8, lr=0.02, batch_size=48, seed=0)
    arr, _ = _train(student, model, X.copy(), epochs=8, lr=0.02, batch_size=48, seed=0)
    expect_close(arr, expected, "train_autoencoder",
                 f"X {describe(X)}, Autoencoder(12, 8, 3), epochs=8, lr=0.02, batch_size=48 "
                 "(one batch per epoch)", rtol=1e-3, atol=1e-6)


@SUITE.test("train_autoencoder", points=1,
            hint="X may be float64 (numpy's default): convert it with "
                 "torch.as_tensor(X, dtype=torch.float32), since a float32 model cannot take a "
                 "float64 tensor (torch.from_numpy keeps float64)")
def float64_input(student, ref, rng):
    X = _low_rank_data(rng, n=64, d=10).astype(np.float64)
    model, local = _autoencoder_for(student, (10, 8, 2))
    before = ref.reconstruction_mse(local, X)
    arr, _ = _train(student, model, X.copy(), epochs=5, lr=1e-2, batch_size=16, seed=0)
    after = ref.reconstruction_mse(_sync(local, model), X)
    given = f"X {describe(X)}, epochs=5, lr=0.01, batch_size=16"
    expect(arr[-1] < arr[0] and after < before, "train_autoencoder",
           "training on float64 data did not reduce the loss", given)


@SUITE.test("train_autoencoder", points=1,
            hint="return a Python list of floats: append loss.item() (or float(loss)), not the "
                 "loss tensor, and do not turn the list into an array or a tensor")
def returns_a_list_of_floats(student, ref, rng):
    X = _low_rank_data(rng, n=48, d=10)
    model, _ = _autoencoder_for(student, (10, 8, 2))
    losses = student(model, X.copy(), epochs=3, lr=1e-2, batch_size=16, seed=0)
    given = f"X {describe(X)}, epochs=3"
    expect(isinstance(losses, (list, tuple)), "train_autoencoder",
           f"returned a {type(losses).__name__}; expected a list of {3} floats", given)
    expect(len(losses) == 3, "train_autoencoder",
           f"returned {len(losses)} losses for 3 epochs", given)
    odd = [type(v).__name__ for v in losses if not _is_number(v)]
    expect(not odd, "train_autoencoder",
           f"the list holds a {odd[0] if odd else ''}, expected Python floats (loss.item())",
           given)


@SUITE.test("train_autoencoder", points=1,
            hint="convert X to a tensor (torch.as_tensor(X, dtype=torch.float32) copies or shares "
                 "memory, but never write into it)")
def does_not_modify_x(student, ref, rng):
    X = _low_rank_data(rng, n=64, d=10)
    before = X.copy()
    model, _ = _autoencoder_for(student, (10, 8, 2))
    arr, _ = _train(student, model, X, epochs=3, lr=1e-2, batch_size=16, seed=1)
    expect_unchanged(before, X, "train_autoencoder", "X")
    expect(arr[-1] < arr[0], "train_autoencoder", "the loss did not decrease over 3 epochs")


# ------------------------------------------------------------------ reconstruction_mse
@SUITE.test("reconstruction_mse", points=1,
            hint="mean over all n * d entries of (model(X) - X)**2, returned as a Python float")
def values_for_an_autoencoder(student, ref, rng):
    model, local = _autoencoder_for(student, (12, 7, 3), seed=2)
    X = rng.normal(1.0, 2.0, size=(9, 12)).astype(np.float32)
    got = to_float(student(model, X.copy()), "reconstruction_mse")
    expect_close(got, ref.reconstruction_mse(local, X), "reconstruction_mse",
                 f"Autoencoder(12, 7, 3), X {describe(X)}")


@SUITE.test("reconstruction_mse", points=1,
            hint="convert X with torch.as_tensor(X, dtype=torch.float32) so float64 arrays work, "
                 "and call the model itself (any nn.Module that reconstructs its input)")
def float64_input_and_any_model(student, ref, rng):
    model, local = _linear_for(student, 15, 4, seed=3)
    X = rng.normal(0.0, 1.0, size=(20, 15))
    got = to_float(student(model, X.copy()), "reconstruction_mse")
    expect_close(got, ref.reconstruction_mse(local, X), "reconstruction_mse",
                 f"a linear autoencoder nn.Sequential(Linear(15, 4), Linear(4, 15)), X {describe(X)}")


@SUITE.test("reconstruction_mse", points=1,
            hint="call model.eval() (dropout off) and use torch.no_grad() before evaluating; "
                 "the same model and data must always give the same number")
def evaluation_mode_is_deterministic(student, ref, rng):
    _seed(4)
    local = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 10))
    model = make(student, "torch.nn.Sequential(torch.nn.Linear(10, 32), torch.nn.ReLU(), "
                          "torch.nn.Dropout(0.5), torch.nn.Linear(32, 10))")  # training mode
    set_parameters(model, parameters(local))
    X = rng.normal(size=(30, 10)).astype(np.float32)
    expected = ref.reconstruction_mse(local, X)
    given = f"a model with Dropout(0.5) left in training mode, X {describe(X)}"
    for _ in range(2):
        got = to_float(student(model, X.copy()), "reconstruction_mse")
        expect_close(got, expected, "reconstruction_mse", given)


@SUITE.test("reconstruction_mse", points=1,
            hint="return a Python float: float(err) or err.item(), not the 0-d tensor")
def returns_a_float(student, ref, rng):
    model, local = _autoencoder_for(student, (12, 7, 3), seed=8)
    X = rng.normal(size=(10, 12)).astype(np.float32)
    given = f"Autoencoder(12, 7, 3), X {describe(X)}"
    got = _expect_number(student(model, X.copy()), "reconstruction_mse", given)
    expect_close(got, ref.reconstruction_mse(local, X), "reconstruction_mse", given)


@SUITE.test("reconstruction_mse", points=1, hint="do not write into X; build new tensors")
def does_not_modify_x(student, ref, rng):
    model, local = _autoencoder_for(student, (12, 7, 3), seed=5)
    X = rng.normal(size=(7, 12)).astype(np.float32)
    before = X.copy()
    got = to_float(student(model, X), "reconstruction_mse")
    expect_unchanged(before, X, "reconstruction_mse", "X")
    expect_close(got, ref.reconstruction_mse(local, before), "reconstruction_mse",
                 f"X {describe(before)}")


# ------------------------------------------------------------------ pca_reconstruction_mse
def _check_pca(student, ref, X, k, given=None):
    given = given or f"X {describe(X)}, k={k}"
    got = to_float(student(X.copy(), k), "pca_reconstruction_mse")
    expect_close(got, ref.pca_reconstruction_mse(X, k), "pca_reconstruction_mse", given,
                 rtol=1e-4, atol=1e-9)


@SUITE.test("pca_reconstruction_mse", points=1,
            hint="centre each gene (column), project on the top-k principal axes, reconstruct, "
                 "add the mean back and average the squared error over all entries")
def values_on_random_data(student, ref, rng):
    X = rng.normal(size=(50, 8)) @ rng.normal(size=(8, 8)) + rng.normal(0, 3, size=8)
    _check_pca(student, ref, X, 3)


@SUITE.test("pca_reconstruction_mse", points=1,
            hint="subtract the column means before the SVD: PCA is about variation around the "
                 "mean cell; data of rank k around a mean are then reconstructed exactly")
def exact_for_low_rank_data_with_an_offset(student, ref, rng):
    X = rng.normal(size=(40, 2)) @ rng.normal(size=(2, 9)) + rng.normal(5, 3, size=9)
    got = to_float(student(X.copy(), 2), "pca_reconstruction_mse")
    expect(abs(got) < 1e-8, "pca_reconstruction_mse",
           f"expected 0 (the centred data have rank 2), got {got:.4g}",
           f"X {describe(X)} of rank 2 plus a gene-wise offset, k=2")


@SUITE.test("pca_reconstruction_mse", points=1,
            hint="keep the k axes with the largest variance (np.linalg.eigh sorts eigenvalues "
                 "in ascending order; np.linalg.svd sorts singular values in descending order)")
def every_k_from_one_to_d(student, ref, rng):
    X = rng.normal(size=(30, 6)) * np.array([5.0, 3.0, 2.0, 1.0, 0.5, 0.2])
    for k in range(1, 7):
        _check_pca(student, ref, X, k)


@SUITE.test("pca_reconstruction_mse", points=1,
            hint="rows are cells, columns genes; the principal axes live in gene space (the "
                 "right singular vectors, Vt[:k]), also when there are fewer cells than genes")
def fewer_cells_than_genes(student, ref, rng):
    X = rng.normal(size=(10, 30)) + rng.normal(0, 2, size=30)
    for k in (1, 4):
        _check_pca(student, ref, X, k)


@SUITE.test("pca_reconstruction_mse", points=1,
            hint="return a Python float (float(...)); a torch computation returns a 0-d tensor")
def returns_a_float(student, ref, rng):
    X = rng.normal(size=(30, 6)) @ rng.normal(size=(6, 6))
    given = f"X {describe(X)}, k=2"
    got = _expect_number(student(X.copy(), 2), "pca_reconstruction_mse", given)
    expect_close(got, ref.pca_reconstruction_mse(X, 2), "pca_reconstruction_mse", given,
                 rtol=1e-4, atol=1e-9)


@SUITE.test("pca_reconstruction_mse", points=1, hint="work on a centred copy, e.g. X - X.mean(0)")
def does_not_modify_x(student, ref, rng):
    X = rng.normal(2.0, 1.0, size=(25, 7))
    before = X.copy()
    got = to_float(student(X, 2), "pca_reconstruction_mse")
    expect_unchanged(before, X, "pca_reconstruction_mse", "X")
    expect_close(got, ref.pca_reconstruction_mse(before, 2), "pca_reconstruction_mse",
                 f"X {describe(before)}, k=2", atol=1e-9)


# ------------------------------------------------------------------ masking_noise
def _positive(rng, shape=(200, 50)):
    return rng.uniform(0.5, 3.0, size=shape)


def _generator(student, seed):
    """np.random.default_rng(seed), created where the student's code runs."""
    return make(student, f"np.random.default_rng({int(seed)})")


def _mask(student, X, p, seed):
    out = expect_shape(student(X.copy(), p, _generator(student, seed)), X.shape,
                       "masking_noise", f"X {describe(X)}, p={p}")
    return out


@SUITE.test("masking_noise", points=1,
            hint="zero an entry when a uniform random number is below p, so about a fraction p "
                 "of the entries becomes 0")
def fraction_zeroed_is_about_p(student, ref, rng):
    X = _positive(rng)
    for p in (0.1, 0.3, 0.7):
        out = _mask(student, X, p, int(rng.integers(1 << 30)))
        frac = float(np.mean(out == 0))
        sd = np.sqrt(p * (1 - p) / X.size)
        expect(abs(frac - p) < 5 * sd, "masking_noise",
               f"{frac:.3f} of the entries were zeroed; expected about p = {p}",
               f"X {describe(X)} (all entries > 0), p={p}")


@SUITE.test("masking_noise", points=1,
            hint="entries that are not masked keep their exact value: no division by (1 - p), "
                 "that rescaling belongs to inverted dropout, not to masking noise")
def kept_entries_are_unchanged(student, ref, rng):
    X = _positive(rng)
    out = _mask(student, X, 0.4, 11)
    kept = out != 0
    expect(kept.any(), "masking_noise", "every entry was zeroed with p=0.4")
    expect_close(out[kept], X[kept], "masking_noise (entries not masked)",
                 f"X {describe(X)}, p=0.4", rtol=1e-6, atol=0)


@SUITE.test("masking_noise", points=1,
            hint="draw one random number per entry (an array of X's shape), not one per cell "
                 "or one per gene")
def every_entry_is_masked_independently(student, ref, rng):
    X = _positive(rng)
    p = 0.3
    out = _mask(student, X, p, 12)
    zero = out == 0
    rows, cols = zero.mean(axis=1), zero.mean(axis=0)
    given = f"X {describe(X)}, p={p}"
    expect(np.all(np.abs(rows - p) < 0.3), "masking_noise",
           f"the fraction of zeroed genes per cell ranges from {rows.min():.2f} to "
           f"{rows.max():.2f}; each cell should lose about {p} of its genes", given)
    expect(np.all(np.abs(cols - p) < 0.2), "masking_noise",
           f"the fraction of zeroed cells per gene ranges from {cols.min():.2f} to "
           f"{cols.max():.2f}; each gene should be zeroed in about {p} of the cells", given)


@SUITE.test("masking_noise", points=1,
            hint="p = 0 keeps everything and p = 1 zeroes everything (compare uniform numbers in "
                 "[0, 1) with p using <)")
def p_zero_and_p_one(student, ref, rng):
    X = _positive(rng, shape=(20, 15))
    expect_close(_mask(student, X, 0.0, 1), X, "masking_noise", f"X {describe(X)}, p=0",
                 rtol=1e-6, atol=0)
    expect_equal(_mask(student, X, 1.0, 1), np.zeros_like(X), "masking_noise",
                 f"X {describe(X)}, p=1")


@SUITE.test("masking_noise", points=1,
            hint="draw the random numbers from the `rng` argument (rng.random(X.shape)), not "
                 "from np.random, so a seeded generator gives a reproducible corruption")
def reproducible_with_the_given_rng(student, ref, rng):
    X = _positive(rng, shape=(40, 30))
    make(student, "np.random.seed(1)\nresult = 0")
    a = _mask(student, X, 0.5, 21)
    make(student, "np.random.seed(2)\nresult = 0")
    b = _mask(student, X, 0.5, 21)
    c = _mask(student, X, 0.5, 22)
    expect_equal(b, a, "masking_noise", "two generators with the same seed (21), p=0.5")
    expect(np.any(a != c), "masking_noise",
           "generators with different seeds gave the same mask", f"X {describe(X)}, p=0.5")


@SUITE.test("masking_noise", points=1,
            hint="draw from `rng` itself, so that it advances: a denoising autoencoder calls "
                 "masking_noise once per batch with one generator and needs a new mask each "
                 "time; do not copy the generator or build a new one from it")
def successive_calls_with_one_generator_give_new_masks(student, ref, rng):
    X = _positive(rng, shape=(30, 20))
    gen = _generator(student, 31)
    given = f"X {describe(X)}, p=0.5, the same generator passed to two calls"
    a = expect_shape(student(X.copy(), 0.5, gen), X.shape, "masking_noise", given)
    b = expect_shape(student(X.copy(), 0.5, gen), X.shape, "masking_noise", given)
    expect(np.any((a == 0) != (b == 0)), "masking_noise",
           "two calls with one generator zeroed exactly the same entries", given)


@SUITE.test("masking_noise", points=1,
            hint="return a new array (e.g. with np.where or X * keep); never assign into X")
def does_not_modify_x(student, ref, rng):
    X = _positive(rng, shape=(30, 20))
    before = X.copy()
    out = to_array(student(X, 0.5, _generator(student, 3)), "masking_noise")
    expect_unchanged(before, X, "masking_noise", "X")
    expect(out.shape == X.shape and 0.3 < np.mean(out == 0) < 0.7, "masking_noise",
           "expected about half of the entries zeroed with p=0.5", f"X {describe(before)}")


# ------------------------------------------------------------------ choose_bottleneck
SIZES = [1, 2, 3, 5, 8, 10, 15, 20, 30, 50]
SUITE.written("written_bottleneck_judgement", 2)  # PCA or autoencoder, and how many dimensions


def _levelling_curve(rng, sizes=SIZES):
    """Held-out errors that fall fast, then level off: floor + amplitude * exp(-size / scale)."""
    k = np.asarray(sizes, dtype=float)
    floor, amplitude, scale = rng.uniform(0.3, 0.5), rng.uniform(0.15, 0.3), rng.uniform(3, 8)
    return floor + amplitude * np.exp(-k / scale) + rng.normal(0, 0.001, size=k.size)


def _rising_curve(rng, sizes=SIZES):
    """Held-out errors that fall, then rise again: a wide code that fits its training cells."""
    k = np.asarray(sizes, dtype=float)
    return _levelling_curve(rng, sizes) + rng.uniform(1.5e-3, 3e-3) * k


def _plateau_curve(rng, sizes=SIZES):
    """A plateau between two drops: a second gene programme needs a wider code to show."""
    k = np.asarray(sizes, dtype=float)
    step = sizes[int(rng.integers(5, 8))]
    floor, first, second = rng.uniform(0.3, 0.5), rng.uniform(0.2, 0.3), rng.uniform(0.08, 0.12)
    return (floor + first * np.exp(-k / 1.5) + second * (k < step)
            + rng.normal(0, 0.001, size=k.size))


def _choice(student, sizes, errors, tolerance):
    """The student's choice as a number (copies of the inputs, of the type they came in)."""
    def fresh(x):
        return x.copy() if isinstance(x, np.ndarray) else list(x)
    return to_float(student(fresh(sizes), fresh(errors), tolerance), "choose_bottleneck")


def _check_choice(student, ref, sizes, errors, tolerance, given):
    want = ref.choose_bottleneck(sizes, errors, tolerance)
    got = _choice(student, sizes, errors, tolerance)
    expect(got == want, "choose_bottleneck", f"chose {got:g}; expected {want}",
           f"{given}, tolerance={tolerance}")


def _in_order(sizes):
    return f"sizes {min(sizes)} to {max(sizes)} in increasing order"


@SUITE.test("choose_bottleneck", points=1,
            hint="compare every size's error with the best (smallest) error of all, not with "
                 "the next size's, and return the smallest size whose error is at most "
                 "(1 + tolerance) times the best")
def smallest_size_within_the_tolerance_of_the_best(student, ref, rng):
    for curve, what, tolerance in ((_levelling_curve, "falls and then levels off", 0.05),
                                   (_rising_curve, "falls and then rises again", 0.02),
                                   (_plateau_curve, "has a plateau between two drops", 0.05),
                                   (_levelling_curve, "falls and then levels off", 0.1)):
        errors = [float(e) for e in curve(rng)]
        _check_choice(student, ref, list(SIZES), errors, tolerance,
                      f"10 held-out errors of a curve that {what}, {_in_order(SIZES)}")


@SUITE.test("choose_bottleneck", points=1,
            hint="the tolerance is a fraction of the best error, not an amount added to it: "
                 "errors in other units (all multiplied by 1000) give the same choice, and "
                 "tolerance = 0 gives the size of the smallest error")
def tolerance_is_a_fraction_of_the_best_error(student, ref, rng):
    curve = _levelling_curve(rng)
    for scale in (1e-3, 1e3):
        errors = [float(e) for e in scale * curve]
        _check_choice(student, ref, list(SIZES), errors, 0.05,
                      f"held-out errors of about {scale * curve.min():.2g} (a curve that levels "
                      f"off, in other units), {_in_order(SIZES)}")
    errors = [float(e) for e in _rising_curve(rng)]
    _check_choice(student, ref, list(SIZES), errors, 0.0,
                  f"held-out errors of a curve that falls and then rises again, {_in_order(SIZES)}")


@SUITE.test("choose_bottleneck", points=1,
            hint="sizes may come in any order: keep each size with its own error (sort the "
                 "pairs together, or select from both with one mask) and return the smallest "
                 "size that qualifies, not the first one in the list")
def sizes_in_any_order(student, ref, rng):
    sizes = [2, 4, 8, 16, 32, 64]
    for curve, what in ((_rising_curve, "falls and then rises again"),
                        (_levelling_curve, "falls and then levels off")):
        errors = curve(rng, sizes)
        order = rng.permutation(len(sizes))
        while order[0] == 0 or order[-1] == len(sizes) - 1:  # really shuffled at both ends
            order = rng.permutation(len(sizes))
        _check_choice(student, ref, [sizes[i] for i in order], [float(errors[i]) for i in order],
                      0.05, f"6 held-out errors of a curve that {what}, sizes 2 to 64 shuffled")


@SUITE.test("choose_bottleneck", points=1,
            hint="a training run that diverged reports nan or inf: leave those sizes out before "
                 "you look for the best error (the minimum of an array that holds a nan is nan, "
                 "and every comparison with nan is False)")
def diverged_runs_are_never_chosen(student, ref, rng):
    errors = _levelling_curve(rng)
    errors[0], errors[-1] = np.nan, np.inf
    _check_choice(student, ref, list(SIZES), [float(e) for e in errors], 0.05,
                  f"held-out errors with nan at the smallest size and inf at the largest, "
                  f"{_in_order(SIZES)}")
    errors = _rising_curve(rng)
    errors[SIZES.index(ref.choose_bottleneck(SIZES, errors, 0.05))] = np.nan
    _check_choice(student, ref, list(SIZES), [float(e) for e in errors], 0.05,
                  f"held-out errors with nan at one size (a run that diverged), "
                  f"{_in_order(SIZES)}")


@lru_cache(maxsize=None)
def _pbmc_pca_errors():
    """PCA's errors on the hidden PBMC split for SIZES: fitted on the training cells, measured
    on the held-out cells (and on the training cells themselves)."""
    X_tr, _, X_te, _ = _pbmc()
    mu = X_tr.astype(np.float64).mean(axis=0)
    _, _, vt = np.linalg.svd(X_tr - mu, full_matrices=False)
    held_out, training = [], []
    for k in SIZES:
        axes = vt[:k]
        for X, out in ((X_te, held_out), (X_tr, training)):
            centred = X - mu
            out.append(float(np.mean((centred - centred @ axes.T @ axes) ** 2)))
    return held_out, training


@SUITE.test("choose_bottleneck", points=1,
            hint="on real held-out errors, which keep falling a little with every component, "
                 "the tolerance decides: the largest size is not the answer when a smaller one "
                 "comes within the tolerance of the best")
def real_pbmc_held_out_errors(student, ref, rng):
    held_out, training = _pbmc_pca_errors()
    for tolerance in (0.05, 0.1):
        _check_choice(student, ref, list(SIZES), list(held_out), tolerance,
                      "PCA's held-out errors on 175 PBMCs you do not see (fitted on 525 others), "
                      + _in_order(SIZES))
    _check_choice(student, ref, list(SIZES), list(training), 0.05,
                  "PCA's errors on the 525 PBMCs it was fitted to, " + _in_order(SIZES))


@SUITE.test("choose_bottleneck", points=1,
            hint="return one of the given sizes as a Python int (not its position in the list, "
                 "not an array), and never write into the arrays you were given: np.asarray "
                 "returns the caller's own array when it already is one")
def returns_one_of_the_sizes_as_an_int_and_does_not_modify_inputs(student, ref, rng):
    wide = [10, 15, 20, 30, 50, 100]  # no size is also a position in the list
    order = rng.permutation(len(wide))
    sizes = np.array(wide, dtype=np.int64)[order]
    errors = _rising_curve(rng, wide)[order]
    given = ("sizes as a shuffled int64 array of 6 sizes from 10 to 100, held-out errors as a "
             "float64 array, tolerance=0.05")
    before = (sizes.copy(), errors.copy())
    got = student(sizes, errors, 0.05)
    expect_unchanged(before[0], sizes, "choose_bottleneck", "sizes")
    expect_unchanged(before[1], errors, "choose_bottleneck", "errors")
    expect(isinstance(got, (int, np.integer)) and not isinstance(got, (bool, np.bool_)),
           "choose_bottleneck", f"returned a {type(got).__name__}; expected an int, one of the "
           "sizes", given)
    expect(int(got) in wide, "choose_bottleneck",
           f"returned {int(got)}, which is not one of the sizes tried", given)

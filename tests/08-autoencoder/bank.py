"""Mutants and alternative implementations for 08-autoencoder (see autograder/engine/bank.py)."""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from autograder.engine.bank import Bank

BANK = Bank("08-autoencoder")


# ------------------------------------------------------------------ Autoencoder
class _Base(nn.Module):
    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x))


@BANK.mutant("Autoencoder", "no ReLU: a purely linear autoencoder",
             diagnosis="you leave out the ReLUs after the hidden layers, so the whole network is "
                       "linear and can do no better than PCA",
             section="Encoder, bottleneck, decoder")
class AutoencoderLinear(_Base):
    def __init__(self, in_dim, hidden_dim, latent_dim):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(in_dim, hidden_dim), nn.Linear(hidden_dim, latent_dim))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.Linear(hidden_dim, in_dim))


@BANK.mutant("Autoencoder", "layers without bias",
             diagnosis="you create the linear layers without their bias terms, but every layer of "
                       "the autoencoder keeps its bias, so your model has too few parameters",
             section="Encoder, bottleneck, decoder")
class AutoencoderNoBias(_Base):
    def __init__(self, in_dim, hidden_dim, latent_dim):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(in_dim, hidden_dim, bias=False), nn.ReLU(),
                                     nn.Linear(hidden_dim, latent_dim, bias=False))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim, bias=False), nn.ReLU(),
                                     nn.Linear(hidden_dim, in_dim, bias=False))


@BANK.mutant("Autoencoder", "ReLU after the bottleneck: latent codes cannot be negative",
             diagnosis="you put a ReLU after the bottleneck, so the latent codes can never be "
                       "negative; the code layer has no activation",
             section="Encoder, bottleneck, decoder")
class AutoencoderReluLatent(_Base):
    def __init__(self, in_dim, hidden_dim, latent_dim):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(in_dim, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, latent_dim), nn.ReLU())
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, in_dim))


@BANK.mutant("Autoencoder", "sigmoid on the reconstruction (data are not in [0, 1])",
             diagnosis="you squash the reconstruction with a sigmoid, so it stays between 0 and 1, "
                       "but log-normalised expression values can be larger: the output layer has "
                       "no activation",
             section="Encoder, bottleneck, decoder")
class AutoencoderSigmoidOut(_Base):
    def __init__(self, in_dim, hidden_dim, latent_dim):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(in_dim, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, latent_dim))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, in_dim), nn.Sigmoid())


@BANK.mutant("Autoencoder", "decoder registered before the encoder (parameters() order)",
             diagnosis="you create the decoder before the encoder, so the parameters are listed in "
                       "another order and weights copied into your model in that order land in the "
                       "wrong layers",
             section="Exercise")
class AutoencoderDecoderFirst(_Base):
    def __init__(self, in_dim, hidden_dim, latent_dim):
        super().__init__()
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, in_dim))
        self.encoder = nn.Sequential(nn.Linear(in_dim, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, latent_dim))


@BANK.mutant("Autoencoder", "forward returns the latent code instead of the reconstruction",
             diagnosis="your forward pass stops at the latent code, but it should return the "
                       "reconstruction: the code passed through the decoder",
             section="Encoder, bottleneck, decoder")
class AutoencoderForwardEncodes(_Base):
    def __init__(self, in_dim, hidden_dim, latent_dim):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(in_dim, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, latent_dim))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, in_dim))

    def forward(self, x):
        return self.encode(x)


@BANK.alternative("Autoencoder", "four named Linear attributes and F.relu in the methods")
class AutoencoderAttributes(nn.Module):
    def __init__(self, in_dim, hidden_dim, latent_dim):
        super().__init__()
        self.e1 = nn.Linear(in_dim, hidden_dim)
        self.e2 = nn.Linear(hidden_dim, latent_dim)
        self.d1 = nn.Linear(latent_dim, hidden_dim)
        self.d2 = nn.Linear(hidden_dim, in_dim)

    def encode(self, x):
        return self.e2(F.relu(self.e1(x)))

    def decode(self, z):
        return self.d2(F.relu(self.d1(z)))

    def forward(self, x):
        return self.decode(self.encode(x))


@BANK.alternative("Autoencoder", "raw nn.Parameter weights with the Linear layout, addmm")
class AutoencoderParams(nn.Module):
    def __init__(self, in_dim, hidden_dim, latent_dim):
        super().__init__()
        sizes = [(in_dim, hidden_dim), (hidden_dim, latent_dim),
                 (latent_dim, hidden_dim), (hidden_dim, in_dim)]
        self.weights = nn.ParameterList()
        for fan_in, fan_out in sizes:
            bound = 1.0 / np.sqrt(fan_in)
            self.weights.append(nn.Parameter(torch.empty(fan_out, fan_in).uniform_(-bound, bound)))
            self.weights.append(nn.Parameter(torch.empty(fan_out).uniform_(-bound, bound)))

    def _layer(self, i, x):
        return torch.addmm(self.weights[2 * i + 1], x, self.weights[2 * i].T)

    def encode(self, x):
        return self._layer(1, torch.clamp(self._layer(0, x), min=0))

    def decode(self, z):
        return self._layer(3, torch.clamp(self._layer(2, z), min=0))

    def forward(self, x):
        return self.decode(self.encode(x))


# ------------------------------------------------------------------ train_autoencoder
def _loop(model, X, epochs, lr, batch_size, seed, *, zero_grad=True, shuffle=True,
          seeded=True, reduction="mean", report="mean", full_batch=False, reseed=False,
          drop_last=False, new_optimizer=False, keep_dtype=False):
    data = torch.from_numpy(np.asarray(X)) if keep_dtype else \
        torch.as_tensor(np.asarray(X, dtype=np.float32))
    n = len(data)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    bs = n if full_batch else batch_size
    out = []
    for _ in range(epochs):
        if reseed:
            gen = torch.Generator().manual_seed(seed)
        if new_optimizer:
            opt = torch.optim.Adam(model.parameters(), lr=lr)
        if not shuffle:
            order = torch.arange(n)
        elif seeded:
            order = torch.randperm(n, generator=gen)
        else:
            order = torch.randperm(n)
        losses = []
        for i in range(0, n - bs + 1 if drop_last else n, bs):
            xb = data[order[i:i + bs]]
            loss = F.mse_loss(model(xb), xb, reduction=reduction)
            if zero_grad:
                opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item() if report != "tensor" else loss.detach())
        if report == "tensor":
            out.append(torch.stack(losses).mean())
        elif report == "last":
            out.append(losses[-1])
        else:
            out.append(float(np.sum(losses)) if report == "sum" else float(np.mean(losses)))
    return out


@BANK.mutant("train_autoencoder", "forgets optimizer.zero_grad(): gradients accumulate",
             diagnosis="you never reset the gradients between steps, so each step adds the new "
                       "batch's gradient to all the earlier ones instead of using it alone",
             section="Encoder, bottleneck, decoder")
def train_no_zero_grad(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, zero_grad=False)


@BANK.mutant("train_autoencoder", "reports the sum of the batch losses, not their mean",
             diagnosis="you add up the batch losses of an epoch instead of averaging them, so the "
                       "loss you report grows with the number of batches",
             section="Encoder, bottleneck, decoder")
def train_sum_of_batches(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, report="sum")


@BANK.mutant("train_autoencoder", "MSE with reduction='sum' (a sum of squared errors)",
             diagnosis="you sum the squared errors of a batch instead of averaging them over its "
                       "cells and genes, so your losses are far larger than the mean squared error",
             section="Encoder, bottleneck, decoder")
def train_sse(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, reduction="sum")


@BANK.mutant("train_autoencoder", "shuffles with the global RNG: the seed is ignored",
             diagnosis="you shuffle with torch's global random generator instead of one seeded "
                       "with the given seed, so the same seed does not give the same order and "
                       "losses",
             section="Exercise")
def train_unseeded(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, seeded=False)


@BANK.mutant("train_autoencoder", "never shuffles: every epoch sees the same batches",
             diagnosis="you visit the cells in the same fixed order every epoch instead of a new "
                       "random order, so every epoch sees exactly the same mini-batches",
             section="Encoder, bottleneck, decoder")
def train_no_shuffle(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, shuffle=False)


@BANK.mutant("train_autoencoder", "ignores batch_size: one full-batch step per epoch",
             diagnosis="you ignore the batch size and take one step on all cells per epoch, so the "
                       "model gets far fewer updates than with mini-batches",
             section="Encoder, bottleneck, decoder")
def train_full_batch(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, full_batch=True)


@BANK.mutant("train_autoencoder", "trains a deep copy, so the caller's model is unchanged",
             diagnosis="you train a copy of the model, so the model you were given, which the "
                       "caller keeps using, is never trained",
             section="Exercise")
def train_a_copy(model, X, epochs, lr, batch_size, seed=0):
    import copy
    return _loop(copy.deepcopy(model), X, epochs, lr, batch_size, seed)


@BANK.mutant("train_autoencoder", "reports the last batch's loss of each epoch, not the "
                                  "epoch's mean",
             diagnosis="you report the loss of the last mini-batch of each epoch instead of the "
                       "mean loss over all the epoch's batches",
             section="Encoder, bottleneck, decoder")
def train_last_batch_loss(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, report="last")


@BANK.mutant("train_autoencoder", "re-creates the seeded generator every epoch: every epoch "
                                  "visits the cells in the same order",
             diagnosis="you re-create the seeded generator at the start of every epoch, so every "
                       "epoch visits the cells in the same order; the generator should be seeded "
                       "only once",
             section="Exercise")
def train_reseeded_every_epoch(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, reseed=True)


@BANK.mutant("train_autoencoder", "drops the last, incomplete batch (drop_last=True)",
             diagnosis="you skip the last, smaller mini-batch of each epoch, so some cells are "
                       "left out of every epoch; the last batch may simply be smaller",
             section="Encoder, bottleneck, decoder")
def train_drop_last(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, drop_last=True)


@BANK.mutant("train_autoencoder", "creates a new Adam optimiser every epoch: its moment "
                                  "estimates restart from zero",
             diagnosis="you create a new Adam optimiser every epoch, so its running averages of "
                       "the gradients restart from zero each time instead of carrying on",
             section="Encoder, bottleneck, decoder")
def train_new_adam_every_epoch(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, new_optimizer=True)


@BANK.mutant("train_autoencoder", "torch.from_numpy(X): a float64 X gives a float64 tensor that "
                                  "the float32 model rejects",
             diagnosis="you turn the data into a tensor without converting it to float32, so "
                       "float64 data meet the float32 weights of the model and PyTorch refuses to "
                       "multiply them",
             section="Exercise")
def train_from_numpy(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, keep_dtype=True)


@BANK.mutant("train_autoencoder", "records the epoch losses as 0-d tensors, not Python floats",
             diagnosis="you record each epoch's loss as a torch tensor instead of a plain Python "
                       "float",
             section="Exercise")
def train_tensor_losses(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, report="tensor")


@BANK.alternative("train_autoencoder", "torch.manual_seed(seed) and torch.randperm without a "
                                       "generator; a tuple of numpy float32 losses")
def train_global_seed(model, X, epochs, lr, batch_size, seed=0):
    torch.manual_seed(seed)
    data = torch.tensor(np.asarray(X), dtype=torch.float32)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    for _ in range(epochs):
        perm = torch.randperm(len(data))
        total = np.float32(0.0)
        for batch in data[perm].split(batch_size):
            loss = nn.functional.mse_loss(model(batch), batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += np.float32(loss.item()) * len(batch)
        history.append(total / np.float32(len(data)))
    return tuple(history)


@BANK.alternative("train_autoencoder", "DataLoader with a seeded generator, unweighted batch mean")
def train_dataloader(model, X, epochs, lr, batch_size, seed=0):
    from torch.utils.data import DataLoader, TensorDataset
    data = torch.tensor(np.asarray(X), dtype=torch.float32)
    loader = DataLoader(TensorDataset(data), batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    history = []
    for _ in range(epochs):
        batch_losses = []
        for (xb,) in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), xb)
            loss.backward()
            opt.step()
            batch_losses.append(loss.item())
        history.append(sum(batch_losses) / len(batch_losses))
    return history


@BANK.alternative("train_autoencoder", "numpy permutation from default_rng(seed), global seed set")
def train_numpy_shuffle(model, X, epochs, lr, batch_size, seed=0):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    X = np.asarray(X, dtype=np.float32)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    for _ in range(epochs):
        perm = rng.permutation(len(X))
        total = 0.0
        for start in range(0, len(X), batch_size):
            xb = torch.from_numpy(X[perm[start:start + batch_size]])
            opt.zero_grad()
            loss = ((model(xb) - xb) ** 2).mean()
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        history.append(total / len(X))
    return history


# ------------------------------------------------------------------ reconstruction_mse
@BANK.mutant("reconstruction_mse", "forgets model.eval(): dropout stays on",
             diagnosis="you measure the model without switching it to evaluation mode, so dropout "
                       "(in a model that has it) stays on and the error changes from call to call",
             section="Exercise")
def recon_train_mode(model, X):
    x = torch.as_tensor(np.asarray(X, dtype=np.float32))
    with torch.no_grad():
        return float(((model(x) - x) ** 2).mean())


@BANK.mutant("reconstruction_mse", "sums over genes, averages over cells",
             diagnosis="you add up the squared errors over the genes of each cell and then average "
                       "over cells, so your error is the number of genes times the mean over all "
                       "entries",
             section="Encoder, bottleneck, decoder")
def recon_sum_genes(model, X):
    model.eval()
    x = torch.as_tensor(np.asarray(X, dtype=np.float32))
    with torch.no_grad():
        return float(((model(x) - x) ** 2).sum(dim=1).mean())


@BANK.mutant("reconstruction_mse", "returns the root mean squared error",
             diagnosis="you take the square root of the mean squared error, but the function "
                       "should return the mean squared error itself",
             section="Encoder, bottleneck, decoder")
def recon_rmse(model, X):
    model.eval()
    x = torch.as_tensor(np.asarray(X, dtype=np.float32))
    with torch.no_grad():
        return float(torch.sqrt(((model(x) - x) ** 2).mean()))


@BANK.mutant("reconstruction_mse", "returns the 0-d tensor instead of a float",
             diagnosis="you return a 0-d torch tensor instead of a plain Python float",
             section="Exercise")
def recon_tensor(model, X):
    model.eval()
    x = torch.as_tensor(np.asarray(X, dtype=np.float32))
    with torch.no_grad():
        return ((model(x) - x) ** 2).mean()


@BANK.alternative("reconstruction_mse", "numpy float32 scalar from the numpy error")
def recon_numpy_scalar(model, X):
    model.eval()
    x = np.asarray(X, dtype=np.float32)
    with torch.no_grad():
        out = model(torch.from_numpy(x.copy())).numpy()
    return np.mean((out - x) ** 2)


@BANK.alternative("reconstruction_mse", "torch forward, error computed in numpy float64")
def recon_numpy(model, X):
    model.eval()
    X = np.asarray(X)
    with torch.no_grad():
        out = model(torch.tensor(X, dtype=torch.float32)).numpy().astype(np.float64)
    return float(np.mean((out - X.astype(np.float32).astype(np.float64)) ** 2))


@BANK.alternative("reconstruction_mse", "F.mse_loss under torch.inference_mode")
def recon_mse_loss(model, X):
    model.train(False)
    with torch.inference_mode():
        x = torch.from_numpy(np.array(X, dtype=np.float32))
        return F.mse_loss(model(x), x).item()


# ------------------------------------------------------------------ pca_reconstruction_mse
@BANK.mutant("pca_reconstruction_mse", "no centring: SVD of the raw data",
             diagnosis="you take the SVD of the raw data without subtracting each gene's mean "
                       "first, so the axes describe the distance from zero, not the variation "
                       "around the mean cell",
             section="PCA: the linear answer")
def pca_uncentred(X, k):
    X = np.asarray(X, dtype=float)
    _, _, vt = np.linalg.svd(X, full_matrices=False)
    return float(np.mean((X - X @ vt[:k].T @ vt[:k]) ** 2))


@BANK.mutant("pca_reconstruction_mse", "np.linalg.eigh without re-sorting: keeps the smallest axes",
             diagnosis="you keep the first k eigenvectors of numpy's symmetric "
                       "eigen-decomposition, which sorts the eigenvalues from smallest to largest, "
                       "so you keep the axes of least variance",
             section="PCA: the linear answer")
def pca_eigh_unsorted(X, k):
    X = np.asarray(X, dtype=float)
    Xc = X - X.mean(0)
    _, vecs = np.linalg.eigh(Xc.T @ Xc)
    V = vecs[:, :k]
    return float(np.mean((Xc - Xc @ V @ V.T) ** 2))


@BANK.mutant("pca_reconstruction_mse", "off by one: keeps k + 1 components",
             diagnosis="you keep one principal axis too many (k + 1 instead of k), so your error "
                       "is that of a better reconstruction and comes out too small",
             section="PCA: the linear answer")
def pca_k_plus_one(X, k):
    X = np.asarray(X, dtype=float)
    Xc = X - X.mean(0)
    _, _, vt = np.linalg.svd(Xc, full_matrices=False)
    V = vt[:k + 1]
    return float(np.mean((Xc - Xc @ V.T @ V) ** 2))


@BANK.mutant("pca_reconstruction_mse", "centres each cell (row) instead of each gene (column)",
             diagnosis="you subtract each cell's mean (the rows) instead of each gene's mean (the "
                       "columns), so PCA does not describe the variation around the mean cell",
             section="PCA: the linear answer")
def pca_row_centred(X, k):
    X = np.asarray(X, dtype=float)
    Xc = X - X.mean(1, keepdims=True)
    _, _, vt = np.linalg.svd(Xc, full_matrices=False)
    return float(np.mean((Xc - Xc @ vt[:k].T @ vt[:k]) ** 2))


@BANK.mutant("pca_reconstruction_mse", "sums the squared error over genes (per-cell total)",
             diagnosis="you add up the squared errors over the genes of each cell and then average "
                       "over cells, so your error is the number of genes times the mean over all "
                       "entries",
             section="PCA: the linear answer")
def pca_sum_over_genes(X, k):
    X = np.asarray(X, dtype=float)
    Xc = X - X.mean(0)
    _, _, vt = np.linalg.svd(Xc, full_matrices=False)
    return float(np.mean(np.sum((Xc - Xc @ vt[:k].T @ vt[:k]) ** 2, axis=1)))


@BANK.mutant("pca_reconstruction_mse", "centres X in place",
             diagnosis="you centre the data in place, so the caller's matrix is changed (its gene "
                       "means subtracted) after your function returns",
             section="Exercise")
def pca_inplace(X, k):
    X -= X.mean(0)
    _, _, vt = np.linalg.svd(X, full_matrices=False)
    return float(np.mean((X - X @ vt[:k].T @ vt[:k]) ** 2))


@BANK.mutant("pca_reconstruction_mse", "torch.linalg.svd, returns the 0-d tensor",
             diagnosis="you return a 0-d torch tensor instead of a plain Python float",
             section="Exercise")
def pca_torch_tensor(X, k):
    t = torch.as_tensor(np.asarray(X, dtype=np.float64))
    tc = t - t.mean(dim=0)
    s = torch.linalg.svdvals(tc)
    return (s[k:] ** 2).sum() / t.numel()


@BANK.alternative("pca_reconstruction_mse", "discarded singular values, a numpy float64")
def pca_singular_values(X, k):
    X = np.asarray(X, dtype=float)
    s = np.linalg.svd(X - X.mean(0), compute_uv=False)
    return np.sum(s[k:] ** 2) / X.size


@BANK.alternative("pca_reconstruction_mse", "scikit-learn PCA and inverse_transform")
def pca_sklearn(X, k):
    from sklearn.decomposition import PCA
    X = np.asarray(X, dtype=float)
    pca = PCA(n_components=k, svd_solver="full").fit(X)
    return float(np.mean((X - pca.inverse_transform(pca.transform(X))) ** 2))


@BANK.alternative("pca_reconstruction_mse", "discarded eigenvalues of the covariance (eigh, sorted)")
def pca_eigenvalues(X, k):
    X = np.asarray(X, dtype=float)
    Xc = X - X.mean(0)
    n, d = X.shape
    vals = np.sort(np.linalg.eigvalsh(Xc.T @ Xc))[::-1]
    return float(max(vals[k:].sum(), 0.0) / (n * d))


@BANK.alternative("pca_reconstruction_mse", "torch.linalg.svd in float64")
def pca_torch(X, k):
    t = torch.as_tensor(np.asarray(X, dtype=np.float64))
    tc = t - t.mean(dim=0)
    _, _, vh = torch.linalg.svd(tc, full_matrices=False)
    proj = tc @ vh[:k].T @ vh[:k]
    return float(((tc - proj) ** 2).mean())


# ------------------------------------------------------------------ masking_noise
@BANK.mutant("masking_noise", "rescales kept entries by 1 / (1 - p) like inverted dropout",
             diagnosis="you divide the kept entries by 1 - p as inverted dropout does, but masking "
                       "noise must leave the kept values exactly as they were",
             section="Denoising autoencoders and dropouts")
def mask_rescaled(X, p, rng):
    keep = rng.random(np.shape(X)) >= p
    return np.where(keep, X / (1 - p) if p < 1 else 0.0, 0.0)


@BANK.mutant("masking_noise", "modifies X in place",
             diagnosis="you set the masked entries to zero in the array you were given, so the "
                       "caller's clean data are corrupted too",
             section="Exercise")
def mask_inplace(X, p, rng):
    X[rng.random(X.shape) < p] = 0.0
    return X


@BANK.mutant("masking_noise", "keeps entries with probability p (zeroes with 1 - p)",
             diagnosis="you keep each entry with probability p instead of zeroing it with "
                       "probability p, so p = 0.2 wipes out about 80 % of the entries",
             section="Denoising autoencoders and dropouts")
def mask_inverted_probability(X, p, rng):
    return np.where(rng.random(X.shape) < p, X, 0.0)


@BANK.mutant("masking_noise", "uses np.random instead of the rng argument",
             diagnosis="you draw the random numbers from numpy's global generator instead of the "
                       "generator you were given, so a seeded generator does not reproduce the "
                       "mask",
             section="Exercise")
def mask_global_rng(X, p, rng):
    return np.where(np.random.random(X.shape) < p, 0.0, X)


@BANK.mutant("masking_noise", "one mask per gene shared by every cell",
             diagnosis="you draw one coin per gene and use it for every cell, so a masked gene is "
                       "zero in all cells; each entry should get its own independent coin",
             section="Denoising autoencoders and dropouts")
def mask_per_gene(X, p, rng):
    return np.where(rng.random(X.shape[1]) < p, 0.0, X)


@BANK.mutant("masking_noise", "makes its own generator with a fixed seed, ignoring rng",
             diagnosis="you make your own generator with a fixed seed instead of using the one you "
                       "were given, so every call gives the same mask whatever the caller's seed",
             section="Exercise")
def mask_fixed_seed(X, p, rng):
    own = np.random.default_rng(0)
    return np.where(own.random(np.shape(X)) < p, 0.0, X)


@BANK.mutant("masking_noise", "draws from a copy of rng (\"not to modify the input\"): the "
                              "caller's generator never advances, every call gives the same mask",
             diagnosis="you draw from a copy of the generator you were given, so the caller's "
                       "generator never moves on and every call with it gives the same mask",
             section="Exercise")
def mask_copied_generator(X, p, rng):
    import copy
    own = copy.deepcopy(rng)
    return np.where(own.random(np.shape(X)) < p, 0.0, X)


@BANK.alternative("masking_noise", "Bernoulli keep-mask from rng.binomial, float32")
def mask_binomial(X, p, rng):
    keep = rng.binomial(1, 1.0 - p, size=np.shape(X)).astype(np.float32)
    return (np.asarray(X, dtype=np.float32) * keep).astype(np.float32)


@BANK.alternative("masking_noise", "row by row loop with rng.uniform")
def mask_loop(X, p, rng):
    X = np.asarray(X, dtype=float)
    out = np.empty_like(X)
    for i in range(X.shape[0]):
        u = rng.uniform(0.0, 1.0, size=X.shape[1])
        out[i] = np.where(u < p, 0.0, X[i])
    return out


# ------------------------------------------------------------------ choose_bottleneck
@BANK.mutant("choose_bottleneck", "ignores the tolerance: the size of the smallest error",
             diagnosis="you pick the size with the smallest held-out error and ignore the "
                       "tolerance, but once the held-out curve levels off extra dimensions buy "
                       "almost nothing",
             section="PCA: the linear answer")
def choose_argmin(sizes, errors, tolerance):
    e = np.asarray(errors, dtype=float)
    return int(np.asarray(sizes)[np.nanargmin(np.where(np.isfinite(e), e, np.nan))])


@BANK.mutant("choose_bottleneck", "absolute tolerance: error <= best + tolerance",
             diagnosis="you add the tolerance to the best error instead of taking it as a "
                       "fraction of it, so your choice changes with the units of the error",
             section="Exercise")
def choose_absolute_tolerance(sizes, errors, tolerance):
    s, e = np.asarray(sizes), np.asarray(errors, dtype=float)
    finite = np.isfinite(e)
    ok = finite & (e <= e[finite].min() + tolerance)
    return int(s[ok].min())


@BANK.mutant("choose_bottleneck", "compares with the error of the largest size, not the best",
             diagnosis="you measure the tolerance from the error of the largest size, but the "
                       "held-out error can rise again for wide codes: the yardstick is the best "
                       "error of all",
             section="A linear autoencoder finds the PCA subspace")
def choose_relative_to_largest(sizes, errors, tolerance):
    s, e = np.asarray(sizes), np.asarray(errors, dtype=float)
    finite = np.isfinite(e)
    yardstick = e[finite][np.argmax(s[finite])]
    ok = finite & (e <= (1 + tolerance) * yardstick)
    return int(s[ok].min())


@BANK.mutant("choose_bottleneck", "first qualifying size in list order (assumes sorted sizes)",
             diagnosis="you return the first size in the list that comes within the tolerance, "
                       "which is the smallest only when the sizes arrive sorted",
             section="Exercise")
def choose_first_in_list(sizes, errors, tolerance):
    e = np.asarray(errors, dtype=float)
    best = e[np.isfinite(e)].min()
    for size, err in zip(sizes, e):
        if np.isfinite(err) and err <= (1 + tolerance) * best:
            return int(size)


@BANK.mutant("choose_bottleneck", "sorts the sizes but not the errors: pairs broken",
             diagnosis="you sort the sizes without their errors, so after sorting each size is "
                       "judged by another size's error",
             section="Exercise")
def choose_sorted_sizes_only(sizes, errors, tolerance):
    s, e = np.sort(np.asarray(sizes)), np.asarray(errors, dtype=float)
    finite = np.isfinite(e)
    ok = finite & (e <= (1 + tolerance) * e[finite].min())
    return int(s[np.flatnonzero(ok)[0]])


@BANK.mutant("choose_bottleneck", "np.min over all errors: a nan makes every comparison False",
             diagnosis="you take the best error over all runs, diverged ones included, so a nan "
                       "becomes the best error and no size can be compared with it",
             section="Exercise")
def choose_nan_unaware(sizes, errors, tolerance):
    s, e = np.asarray(sizes), np.asarray(errors, dtype=float)
    ok = e <= (1 + tolerance) * np.min(e)
    return int(s[ok].min())


@BANK.mutant("choose_bottleneck", "elbow rule: stops where the next size gains less than the "
                                  "tolerance",
             diagnosis="you stop at the first size where one more step improves the error by "
                       "less than the tolerance, but a later size can still be clearly better: "
                       "compare every size with the best",
             section="Exercise")
def choose_elbow(sizes, errors, tolerance):
    pairs = sorted((s, e) for s, e in zip(sizes, errors) if np.isfinite(e))
    for (size, err), (_, following) in zip(pairs, pairs[1:]):
        if err - following < tolerance * err:
            return int(size)
    return int(pairs[-1][0])


@BANK.mutant("choose_bottleneck", "returns the position of the chosen size, not the size",
             diagnosis="you return the position of the chosen size in the list instead of the "
                       "size itself",
             section="Exercise")
def choose_index(sizes, errors, tolerance):
    s, e = np.asarray(sizes), np.asarray(errors, dtype=float)
    finite = np.isfinite(e)
    ok = finite & (e <= (1 + tolerance) * e[finite].min())
    return int(np.flatnonzero(ok)[np.argmin(s[ok])])


@BANK.mutant("choose_bottleneck", "divides the caller's errors by the best in place "
                                  "(np.asarray does not copy an array)",
             diagnosis="you rescale the errors inside the array you were given, which is the "
                       "caller's own array, so their held-out errors are overwritten",
             section="Exercise")
def choose_in_place(sizes, errors, tolerance):
    e = np.asarray(errors, dtype=float)
    e /= e[np.isfinite(e)].min()
    s = np.asarray(sizes)
    return int(s[np.isfinite(e) & (e <= 1 + tolerance)].min())


@BANK.alternative("choose_bottleneck", "plain Python: sorted (size, error) pairs and a loop")
def choose_python_loop(sizes, errors, tolerance):
    import math
    pairs = sorted((int(s), float(e)) for s, e in zip(sizes, errors) if math.isfinite(float(e)))
    best = min(e for _, e in pairs)
    for size, err in pairs:
        if err <= best * (1 + tolerance):
            return size


@BANK.alternative("choose_bottleneck", "argsort by size, relative gap (e - best) / best")
def choose_argsort_relative_gap(sizes, errors, tolerance):
    order = np.argsort(np.asarray(sizes))
    s = np.asarray(sizes)[order]
    e = np.asarray(errors, dtype=np.float64)[order]
    e = np.where(np.isfinite(e), e, np.nan)
    best = np.nanmin(e)
    with np.errstate(invalid="ignore"):
        gap = (e - best) / best
    return int(s[np.flatnonzero(gap <= tolerance)[0]])


@BANK.alternative("choose_bottleneck", "a dict from size to error, finite entries only")
def choose_dict(sizes, errors, tolerance):
    table = {int(s): float(e) for s, e in zip(sizes, errors) if np.isfinite(e)}
    bar = (1 + tolerance) * min(table.values())
    return min(s for s, e in table.items() if e <= bar)

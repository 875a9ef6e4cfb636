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


@BANK.mutant("Autoencoder", "no ReLU: a purely linear autoencoder")
class AutoencoderLinear(_Base):
    def __init__(self, in_dim, hidden_dim, latent_dim):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(in_dim, hidden_dim), nn.Linear(hidden_dim, latent_dim))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.Linear(hidden_dim, in_dim))


@BANK.mutant("Autoencoder", "layers without bias")
class AutoencoderNoBias(_Base):
    def __init__(self, in_dim, hidden_dim, latent_dim):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(in_dim, hidden_dim, bias=False), nn.ReLU(),
                                     nn.Linear(hidden_dim, latent_dim, bias=False))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim, bias=False), nn.ReLU(),
                                     nn.Linear(hidden_dim, in_dim, bias=False))


@BANK.mutant("Autoencoder", "ReLU after the bottleneck: latent codes cannot be negative")
class AutoencoderReluLatent(_Base):
    def __init__(self, in_dim, hidden_dim, latent_dim):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(in_dim, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, latent_dim), nn.ReLU())
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, in_dim))


@BANK.mutant("Autoencoder", "sigmoid on the reconstruction (data are not in [0, 1])")
class AutoencoderSigmoidOut(_Base):
    def __init__(self, in_dim, hidden_dim, latent_dim):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(in_dim, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, latent_dim))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, in_dim), nn.Sigmoid())


@BANK.mutant("Autoencoder", "decoder registered before the encoder (parameters() order)")
class AutoencoderDecoderFirst(_Base):
    def __init__(self, in_dim, hidden_dim, latent_dim):
        super().__init__()
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, in_dim))
        self.encoder = nn.Sequential(nn.Linear(in_dim, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, latent_dim))


@BANK.mutant("Autoencoder", "forward returns the latent code instead of the reconstruction")
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


@BANK.mutant("train_autoencoder", "forgets optimizer.zero_grad(): gradients accumulate")
def train_no_zero_grad(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, zero_grad=False)


@BANK.mutant("train_autoencoder", "reports the sum of the batch losses, not their mean")
def train_sum_of_batches(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, report="sum")


@BANK.mutant("train_autoencoder", "MSE with reduction='sum' (a sum of squared errors)")
def train_sse(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, reduction="sum")


@BANK.mutant("train_autoencoder", "shuffles with the global RNG: the seed is ignored")
def train_unseeded(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, seeded=False)


@BANK.mutant("train_autoencoder", "never shuffles: every epoch sees the same batches")
def train_no_shuffle(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, shuffle=False)


@BANK.mutant("train_autoencoder", "ignores batch_size: one full-batch step per epoch")
def train_full_batch(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, full_batch=True)


@BANK.mutant("train_autoencoder", "trains a deep copy, so the caller's model is unchanged")
def train_a_copy(model, X, epochs, lr, batch_size, seed=0):
    import copy
    return _loop(copy.deepcopy(model), X, epochs, lr, batch_size, seed)


@BANK.mutant("train_autoencoder", "reports the last batch's loss of each epoch, not the "
                                  "epoch's mean")
def train_last_batch_loss(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, report="last")


@BANK.mutant("train_autoencoder", "re-creates the seeded generator every epoch: every epoch "
                                  "visits the cells in the same order")
def train_reseeded_every_epoch(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, reseed=True)


@BANK.mutant("train_autoencoder", "drops the last, incomplete batch (drop_last=True)")
def train_drop_last(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, drop_last=True)


@BANK.mutant("train_autoencoder", "creates a new Adam optimiser every epoch: its moment "
                                  "estimates restart from zero")
def train_new_adam_every_epoch(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, new_optimizer=True)


@BANK.mutant("train_autoencoder", "torch.from_numpy(X): a float64 X gives a float64 tensor that "
                                  "the float32 model rejects")
def train_from_numpy(model, X, epochs, lr, batch_size, seed=0):
    return _loop(model, X, epochs, lr, batch_size, seed, keep_dtype=True)


@BANK.mutant("train_autoencoder", "records the epoch losses as 0-d tensors, not Python floats")
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
@BANK.mutant("reconstruction_mse", "forgets model.eval(): dropout stays on")
def recon_train_mode(model, X):
    x = torch.as_tensor(np.asarray(X, dtype=np.float32))
    with torch.no_grad():
        return float(((model(x) - x) ** 2).mean())


@BANK.mutant("reconstruction_mse", "sums over genes, averages over cells")
def recon_sum_genes(model, X):
    model.eval()
    x = torch.as_tensor(np.asarray(X, dtype=np.float32))
    with torch.no_grad():
        return float(((model(x) - x) ** 2).sum(dim=1).mean())


@BANK.mutant("reconstruction_mse", "returns the root mean squared error")
def recon_rmse(model, X):
    model.eval()
    x = torch.as_tensor(np.asarray(X, dtype=np.float32))
    with torch.no_grad():
        return float(torch.sqrt(((model(x) - x) ** 2).mean()))


@BANK.mutant("reconstruction_mse", "returns the 0-d tensor instead of a float")
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
@BANK.mutant("pca_reconstruction_mse", "no centring: SVD of the raw data")
def pca_uncentred(X, k):
    X = np.asarray(X, dtype=float)
    _, _, vt = np.linalg.svd(X, full_matrices=False)
    return float(np.mean((X - X @ vt[:k].T @ vt[:k]) ** 2))


@BANK.mutant("pca_reconstruction_mse", "np.linalg.eigh without re-sorting: keeps the smallest axes")
def pca_eigh_unsorted(X, k):
    X = np.asarray(X, dtype=float)
    Xc = X - X.mean(0)
    _, vecs = np.linalg.eigh(Xc.T @ Xc)
    V = vecs[:, :k]
    return float(np.mean((Xc - Xc @ V @ V.T) ** 2))


@BANK.mutant("pca_reconstruction_mse", "off by one: keeps k + 1 components")
def pca_k_plus_one(X, k):
    X = np.asarray(X, dtype=float)
    Xc = X - X.mean(0)
    _, _, vt = np.linalg.svd(Xc, full_matrices=False)
    V = vt[:k + 1]
    return float(np.mean((Xc - Xc @ V.T @ V) ** 2))


@BANK.mutant("pca_reconstruction_mse", "centres each cell (row) instead of each gene (column)")
def pca_row_centred(X, k):
    X = np.asarray(X, dtype=float)
    Xc = X - X.mean(1, keepdims=True)
    _, _, vt = np.linalg.svd(Xc, full_matrices=False)
    return float(np.mean((Xc - Xc @ vt[:k].T @ vt[:k]) ** 2))


@BANK.mutant("pca_reconstruction_mse", "sums the squared error over genes (per-cell total)")
def pca_sum_over_genes(X, k):
    X = np.asarray(X, dtype=float)
    Xc = X - X.mean(0)
    _, _, vt = np.linalg.svd(Xc, full_matrices=False)
    return float(np.mean(np.sum((Xc - Xc @ vt[:k].T @ vt[:k]) ** 2, axis=1)))


@BANK.mutant("pca_reconstruction_mse", "centres X in place")
def pca_inplace(X, k):
    X -= X.mean(0)
    _, _, vt = np.linalg.svd(X, full_matrices=False)
    return float(np.mean((X - X @ vt[:k].T @ vt[:k]) ** 2))


@BANK.mutant("pca_reconstruction_mse", "torch.linalg.svd, returns the 0-d tensor")
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
@BANK.mutant("masking_noise", "rescales kept entries by 1 / (1 - p) like inverted dropout")
def mask_rescaled(X, p, rng):
    keep = rng.random(np.shape(X)) >= p
    return np.where(keep, X / (1 - p) if p < 1 else 0.0, 0.0)


@BANK.mutant("masking_noise", "modifies X in place")
def mask_inplace(X, p, rng):
    X[rng.random(X.shape) < p] = 0.0
    return X


@BANK.mutant("masking_noise", "keeps entries with probability p (zeroes with 1 - p)")
def mask_inverted_probability(X, p, rng):
    return np.where(rng.random(X.shape) < p, X, 0.0)


@BANK.mutant("masking_noise", "uses np.random instead of the rng argument")
def mask_global_rng(X, p, rng):
    return np.where(np.random.random(X.shape) < p, 0.0, X)


@BANK.mutant("masking_noise", "one mask per gene shared by every cell")
def mask_per_gene(X, p, rng):
    return np.where(rng.random(X.shape[1]) < p, 0.0, X)


@BANK.mutant("masking_noise", "makes its own generator with a fixed seed, ignoring rng")
def mask_fixed_seed(X, p, rng):
    own = np.random.default_rng(0)
    return np.where(own.random(np.shape(X)) < p, 0.0, X)


@BANK.mutant("masking_noise", "draws from a copy of rng (\"not to modify the input\"): the "
                              "caller's generator never advances, every call gives the same mask")
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

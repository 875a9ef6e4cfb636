"""Reference implementation for chapter 08-autoencoder: autoencoders on single-cell data.

Conventions shared by every function:

* ``X`` is a cells x genes matrix, shape ``(n, d)``: one row per cell (a sample), one column per
  gene (a feature). Numpy arrays are never modified in place.
* The reconstruction error of a model is the mean squared error over **all** ``n * d`` entries,

  .. math:: \\mathrm{MSE} = \\frac{1}{n d} \\sum_{i=1}^{n} \\sum_{j=1}^{d} (x_{ij} - \\hat x_{ij})^2 .
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn


class Autoencoder(nn.Module):
    """A fully connected autoencoder with one hidden layer on each side of the bottleneck.

    encoder: Linear(in_dim, hidden_dim) -> ReLU -> Linear(hidden_dim, latent_dim)
    decoder: Linear(latent_dim, hidden_dim) -> ReLU -> Linear(hidden_dim, in_dim)

    The latent code z = encode(x) and the reconstruction decode(z) are *linear* outputs (no
    activation after the last layer of either half), so z can take any real value and the
    reconstruction can match data of any sign. All four Linear layers have a bias. Parameters are
    registered encoder first, then decoder, each layer's weight before its bias, so
    ``parameters()`` yields shapes (hidden, in), (hidden,), (latent, hidden), (latent,),
    (hidden, latent), (hidden,), (in, hidden), (in,), and the number of parameters is

        2 * in_dim * hidden_dim + 2 * hidden_dim * latent_dim + 2 * hidden_dim + latent_dim + in_dim.
    """

    def __init__(self, in_dim, hidden_dim, latent_dim):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Linear(in_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, latent_dim))
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, in_dim))

    def encode(self, x):
        """(N, in_dim) tensor -> (N, latent_dim) latent codes."""
        return self.encoder(x)

    def decode(self, z):
        """(N, latent_dim) tensor -> (N, in_dim) reconstructions."""
        return self.decoder(z)

    def forward(self, x):
        """decode(encode(x)): (N, in_dim) -> (N, in_dim)."""
        return self.decode(self.encode(x))


def _as_float_tensor(X, model):
    params = list(model.parameters())
    dtype = params[0].dtype if params else torch.float32
    return torch.as_tensor(np.array(X, dtype=np.float64), dtype=dtype)


def train_autoencoder(model, X, epochs, lr, batch_size, seed=0):
    """Train ``model`` in place to reconstruct X; return the list of per-epoch mean losses.

    Adam (learning rate ``lr``) minimises the MSE between model(x_batch) and x_batch. Every
    epoch visits all n cells once, in an order shuffled by a generator seeded with ``seed``
    (``torch.Generator().manual_seed(seed)``), in mini-batches of ``batch_size`` rows (the last
    batch may be smaller). The loss of epoch e is the mean of the per-cell losses seen during the
    epoch, i.e. the batch losses weighted by batch size:

        L_e = (1/n) * sum_b |B_b| * MSE(model(X_b), X_b).

    Same model, data and seed give the same losses; ``len(result) == epochs``.
    """
    data = _as_float_tensor(X, model)
    n = data.shape[0]
    gen = torch.Generator().manual_seed(int(seed))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    history = []
    for _ in range(int(epochs)):
        order = torch.randperm(n, generator=gen)
        total = 0.0
        for start in range(0, n, int(batch_size)):
            batch = data[order[start:start + int(batch_size)]]
            loss = torch.mean((model(batch) - batch) ** 2)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * batch.shape[0]
        history.append(total / n)
    return history


def reconstruction_mse(model, X):
    """Mean squared reconstruction error of ``model`` on X, over all n * d entries, as a float.

    The model is evaluated in evaluation mode (``model.eval()``: dropout off, so the result is
    deterministic) without tracking gradients; its previous mode is restored afterwards.
    """
    data = _as_float_tensor(X, model)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            err = torch.mean((model(data) - data) ** 2)
    finally:
        model.train(was_training)
    return float(err)


def pca_reconstruction_mse(X, k):
    """Mean squared error (over all n * d entries) of the best rank-k reconstruction of X by PCA.

    Centre the columns, mu = mean over cells; Xc = X - mu. With the SVD Xc = U S V^T and V_k the
    first k right singular vectors (principal axes, largest singular values first),

        X_hat = mu + Xc V_k V_k^T ,   MSE = mean((X - X_hat)^2) = sum_{i > k} s_i^2 / (n d).

    k = 0 gives the error of predicting every cell by the mean cell; k >= rank(Xc) gives 0.
    """
    A = np.array(X, dtype=np.float64)
    centred = A - A.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    axes = vt[:int(k)]
    approx = centred @ axes.T @ axes
    return float(np.mean((centred - approx) ** 2))


def masking_noise(X, p, rng):
    """Masking (dropout-like) corruption for a denoising autoencoder.

    Each entry is set to 0 independently with probability p and kept unchanged otherwise, with no
    rescaling of the kept entries (unlike inverted dropout). The random draws come from the numpy
    Generator ``rng``; X itself is not modified (a new array is returned, same shape).
    """
    A = np.asarray(X)
    dropped = rng.random(A.shape) < p
    return np.where(dropped, np.zeros_like(A), A)


def choose_bottleneck(sizes, errors, tolerance):
    """The smallest latent size whose held-out error is within ``tolerance`` of the best.

    ``sizes`` are the latent sizes tried (distinct positive integers, in any order) and
    ``errors[i]`` the held-out reconstruction error (MSE) of the model with ``sizes[i]``
    dimensions; a run that diverged has a non-finite error (nan or inf) and is never chosen.
    With E* the smallest finite error, the choice is

        min { s_i : errors[i] finite and errors[i] <= (1 + tolerance) * E* } ,

    returned as a Python int. The tolerance is relative (a fraction of E*, 0.05 for 5 %), so
    the choice does not depend on the units of the error; ``tolerance = 0`` gives the size of
    the smallest error (the smallest such size on a tie). Inputs are not modified.
    """
    s = np.asarray(sizes)
    e = np.asarray(errors, dtype=np.float64)
    finite = np.isfinite(e)
    best = e[finite].min()
    within = finite & (e <= (1.0 + tolerance) * best)
    return int(s[within].min())

"""Reference implementations for chapter 04-training (instructor only).

Three building blocks of training practice:

* ``dropout``: inverted dropout, the training-time noise of Srivastava et al. (2014);
* ``batchnorm_forward``: batch normalisation of a (N, D) batch, train and eval modes, with the
  running statistics updated exactly as ``torch.nn.BatchNorm1d`` does;
* ``EarlyStopping``: stop training when the validation loss has not improved for ``patience``
  consecutive epochs.

No function modifies its inputs.
"""
import numpy as np


def dropout(x, p, training, rng):
    """Inverted dropout.

    In training mode every entry is kept independently with probability 1 - p and kept
    entries are divided by 1 - p, so the expectation is unchanged:

        m_i ~ Bernoulli(1 - p),   out_i = m_i x_i / (1 - p),   E[out_i] = x_i.

    When ``training`` is False, or p == 0, the layer is the identity (a copy of x is
    returned). p == 1 drops everything and returns zeros (as torch does), never 0 / 0.

    x: array of any shape; p: drop probability in [0, 1]; training: bool;
    rng: a numpy Generator, the only source of randomness.
    """
    x = np.asarray(x, dtype=float)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if not training or p == 0:
        return x.copy()
    if p == 1:
        return np.zeros_like(x)
    keep = rng.random(x.shape) >= p
    return np.where(keep, x / (1.0 - p), 0.0)


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,
                      momentum=0.1, eps=1e-5):
    """Batch normalisation of x (N, D), feature by feature, as torch.nn.BatchNorm1d.

    Training mode: with the batch mean mu_j = (1/N) sum_i x_ij and the *biased* batch
    variance s2_j = (1/N) sum_i (x_ij - mu_j)^2,

        out_ij = gamma_j (x_ij - mu_j) / sqrt(s2_j + eps) + beta_j,

    and the running statistics move towards the batch ones,

        new_running_mean = (1 - momentum) running_mean + momentum mu,
        new_running_var  = (1 - momentum) running_var  + momentum s2 N / (N - 1),

    the variance entering the running average being the *unbiased* one (torch's convention).
    Training needs N >= 2 (torch raises for a single sample).

    Eval mode: out_ij = gamma_j (x_ij - running_mean_j) / sqrt(running_var_j + eps) + beta_j,
    and the running statistics are returned unchanged (as copies).

    Returns (out, new_running_mean, new_running_var); the inputs are never modified.
    """
    x = np.asarray(x, dtype=float)
    gamma = np.asarray(gamma, dtype=float)
    beta = np.asarray(beta, dtype=float)
    running_mean = np.asarray(running_mean, dtype=float)
    running_var = np.asarray(running_var, dtype=float)
    if training:
        n = x.shape[0]
        if n < 2:
            raise ValueError("batch normalisation in training mode needs at least 2 samples")
        mu = x.mean(axis=0)
        var = ((x - mu) ** 2).mean(axis=0)
        x_hat = (x - mu) / np.sqrt(var + eps)
        new_mean = (1.0 - momentum) * running_mean + momentum * mu
        new_var = (1.0 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        new_mean, new_var = running_mean.copy(), running_var.copy()
    return gamma * x_hat + beta, new_mean, new_var


class EarlyStopping:
    """Stop training when the validation loss stops improving.

    Call ``step(val_loss)`` once per epoch. A call is an *improvement* when

        val_loss < best_loss - min_delta;

    it then records ``best_loss = val_loss``, ``best_epoch`` = the 0-based index of this
    call, and resets ``counter`` to 0. Any other call (including an equal loss, a change
    smaller than min_delta, or NaN) adds one to ``counter`` and leaves ``best_loss`` alone.
    ``step`` returns True ("stop now") when ``counter >= patience``.

    Before the first call: best_loss = inf, best_epoch = None, counter = 0.
    """

    def __init__(self, patience, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = float("inf")
        self.best_epoch = None
        self.counter = 0
        self._calls = 0

    def step(self, val_loss):
        epoch = self._calls
        self._calls += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss = float(val_loss)
            self.best_epoch = epoch
            self.counter = 0
        else:
            self.counter += 1
        return self.counter >= self.patience

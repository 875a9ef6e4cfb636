"""Reference implementations for chapter 04-training (instructor only).

Three building blocks of training practice:

* ``dropout``: inverted dropout, the training-time noise of Srivastava et al. (2014);
* ``batchnorm_forward``: batch normalisation of a (N, D) batch, train and eval modes, with the
  running statistics updated exactly as ``torch.nn.BatchNorm1d`` does;
* ``EarlyStopping``: stop training when the validation loss has not improved for ``patience``
  consecutive epochs;

and one decision made with them (apply and decide):

* ``choose_n_epochs``: the number of epochs to train a final model for, from the validation
  curves of k cross-validation folds, by the one-standard-error rule.

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


def choose_n_epochs(val_curves):
    """How many epochs to train the final model: the one-standard-error rule on the validation
    curves of k cross-validation folds.

    ``val_curves`` has shape (k, T), k >= 2: row i is fold i's validation loss after 1, 2, ...,
    T epochs (column t holds the losses after t + 1 epochs). With the mean curve and the
    standard error of the mean at its lowest point,

        Lbar_t = (1/k) sum_i L_it,        t* = argmin_t Lbar_t   (the first one if tied),
        SE = s_t* / sqrt(k),              s_t*^2 = (1/(k-1)) sum_i (L_it* - Lbar_t*)^2,

    the answer is the smallest number of epochs n (1 <= n <= T) whose mean validation loss is
    within one standard error of the lowest,

        n = 1 + min { t : Lbar_t <= Lbar_t* + SE },

    the simplest choice (fewest epochs, weights closest to their small starting values) that
    the folds cannot tell apart from the best one (Hastie, Tibshirani and Friedman, The
    Elements of Statistical Learning, 2009, section 7.10). Returns a Python int; the input is
    not modified.
    """
    curves = np.asarray(val_curves, dtype=float)
    if curves.ndim != 2 or curves.shape[0] < 2 or curves.shape[1] < 1:
        raise ValueError("val_curves must have shape (k, T) with k >= 2 folds and T >= 1 epochs, "
                         f"got shape {curves.shape}")
    k = curves.shape[0]
    mean = curves.mean(axis=0)
    best = int(np.argmin(mean))
    se = curves[:, best].std(ddof=1) / np.sqrt(k)
    return int(np.argmax(mean <= mean[best] + se)) + 1

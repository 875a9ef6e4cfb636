"""Plausible bugs (mutants) and different correct implementations of chapter 04-training."""
import copy

import numpy as np
import torch
import torch.nn.functional as F

from autograder.engine.bank import Bank

BANK = Bank("04-training")


# ------------------------------------------------------------------ dropout
@BANK.mutant("dropout", "plain (non-inverted) dropout: kept entries are not rescaled",
             diagnosis="you zero the dropped entries but do not divide the kept ones by the keep "
                       "probability 1 - p, so in training the activations are on average 1 - p "
                       "times too small",
             section="Dropout")
def dropout_no_scaling(x, p, training, rng):
    if not training or p == 0:
        return x.copy()
    return x * (rng.random(x.shape) >= p)


@BANK.mutant("dropout", "scales kept entries by 1 / p instead of 1 / (1 - p)",
             diagnosis="you divide the kept entries by the drop probability p instead of the keep "
                       "probability 1 - p, so the expected output is no longer x",
             section="Dropout")
def dropout_scale_by_p(x, p, training, rng):
    if not training or p == 0:
        return x.copy()
    if p == 1:
        return np.zeros_like(x)
    return np.where(rng.random(x.shape) >= p, x / p, 0.0)


@BANK.mutant("dropout", "treats p as the keep probability",
             diagnosis="you treat p as the probability of keeping an entry, but here, as in "
                       "PyTorch, p is the probability of dropping it",
             section="Dropout")
def dropout_p_is_keep(x, p, training, rng):
    if not training or p == 0:
        return x.copy()
    if p == 1:
        return np.zeros_like(x)
    return np.where(rng.random(x.shape) < p, x / (1 - p), 0.0)


@BANK.mutant("dropout", "classic dropout: no rescaling in training, multiplies by 1 - p in eval",
             diagnosis="you use the original, non-inverted dropout (no rescaling in training, a "
                       "shrink by 1 - p at evaluation); inverted dropout rescales in training and "
                       "leaves evaluation alone",
             section="Dropout")
def dropout_classic(x, p, training, rng):
    if not training:
        return x * (1 - p)
    return x * (rng.random(x.shape) >= p)


@BANK.mutant("dropout", "train/eval mix-up: drops in eval mode as well",
             diagnosis="you drop entries in evaluation mode too, but at prediction time dropout is "
                       "switched off and must return x unchanged",
             section="Dropout")
def dropout_always(x, p, training, rng):
    if p == 0:
        return x.copy()
    if p == 1:
        return np.zeros_like(x)
    return np.where(rng.random(x.shape) >= p, x / (1 - p), 0.0)


@BANK.mutant("dropout", "ignores the rng argument: global np.random",
             diagnosis="you draw the random numbers from numpy's global generator instead of the "
                       "generator you were given, so seeding that generator does not reproduce the "
                       "mask",
             section="Exercise")
def dropout_global_random(x, p, training, rng):
    if not training or p == 0:
        return x.copy()
    if p == 1:
        return np.zeros_like(x)
    return np.where(np.random.random(x.shape) >= p, x / (1 - p), 0.0)


@BANK.mutant("dropout", "one mask per feature shared by all rows (mask of shape x.shape[-1])",
             diagnosis="you draw one coin per feature and share it across all rows, so a unit is "
                       "dropped for every example at once instead of independently for each entry",
             section="Dropout")
def dropout_shared_mask(x, p, training, rng):
    if not training or p == 0:
        return x.copy()
    if p == 1:
        return np.zeros_like(x)
    return np.where(rng.random(x.shape[-1]) >= p, x / (1 - p), 0.0)


@BANK.mutant("dropout", "divides by 1 - p even when p == 1: 0 / 0 = NaN",
             diagnosis="you divide by 1 - p even when p is 1, so the all-dropped output becomes 0 "
                       "/ 0 = nan instead of zeros",
             section="Dropout")
def dropout_p1_nan(x, p, training, rng):
    if not training or p == 0:
        return x.copy()
    return x * (rng.random(x.shape) >= p) / (1 - p)


@BANK.mutant("dropout", "in place: x *= mask / (1 - p)",
             diagnosis="you multiply the caller's array in place (and even return that same "
                       "array), so dropout changes its input instead of returning a new one",
             section="Exercise")
def dropout_inplace(x, p, training, rng):
    if not training or p == 0:
        return x
    if p == 1:
        return np.zeros_like(x)
    x *= (rng.random(x.shape) >= p) / (1 - p)
    return x


@BANK.mutant("dropout", "placeholder that returns zeros: never modifies x, keeps nothing",
             diagnosis="your function always returns zeros, whatever p and the mode, as if every "
                       "entry were always dropped: it looks like an unfinished placeholder",
             section="Dropout")
def dropout_all_zeros(x, p, training, rng):
    return np.zeros_like(np.asarray(x, dtype=float))


@BANK.mutant("dropout", "placeholder that returns a copy of x: never drops anything",
             diagnosis="your function never drops anything, even in training mode with p above 0: "
                       "it always behaves as in evaluation mode",
             section="Dropout")
def dropout_identity(x, p, training, rng):
    return np.array(x, dtype=float)


@BANK.mutant("dropout", "returns the 0/1 mask itself instead of the masked, scaled x",
             diagnosis="you return the random keep-or-drop mask itself instead of x multiplied by "
                       "the mask and rescaled",
             section="Dropout")
def dropout_returns_mask(x, p, training, rng):
    if not training or p == 0:
        return x.copy()
    return (rng.random(x.shape) >= p).astype(float)


@BANK.mutant("dropout", "draws from copy.deepcopy(rng) to leave the caller's generator alone: "
                        "every call gives the same mask",
             diagnosis="you draw from a copy of the generator, so the caller's generator never "
                       "moves on and every call repeats the same mask instead of drawing a fresh "
                       "one",
             section="Exercise")
def dropout_copied_generator(x, p, training, rng):
    if not training or p == 0:
        return x.copy()
    if p == 1:
        return np.zeros_like(x)
    private = copy.deepcopy(rng)
    return np.where(private.random(x.shape) >= p, x / (1 - p), 0.0)


@BANK.mutant("dropout", "returns zeros whenever p == 1, even in evaluation mode",
             diagnosis="you return zeros for p = 1 even in evaluation mode, but when not training "
                       "dropout is switched off and returns x unchanged whatever p is",
             section="Dropout")
def dropout_p1_zeros_in_eval(x, p, training, rng):
    if p == 1:
        return np.zeros_like(x)
    if not training or p == 0:
        return x.copy()
    return np.where(rng.random(x.shape) >= p, x / (1 - p), 0.0)


@BANK.alternative("dropout", "binomial mask, float32")
def dropout_binomial32(x, p, training, rng):
    x = np.asarray(x, dtype=np.float32)
    if not training or p == 0:
        return x.copy()
    if p == 1:
        return np.zeros_like(x)
    mask = rng.binomial(1, 1 - p, size=x.shape).astype(np.float32)
    return x * mask / np.float32(1 - p)


@BANK.alternative("dropout", "uniform numbers from rng, masking done in torch")
def dropout_torch(x, p, training, rng):
    t = torch.as_tensor(np.asarray(x, dtype=np.float64))
    if not training or p == 0:
        return t.clone()
    if p >= 1:
        return torch.zeros_like(t)
    u = torch.as_tensor(rng.random(t.shape))
    return torch.where(u < 1 - p, t / (1 - p), torch.zeros_like(t))


@BANK.alternative("dropout", "a Python loop over the flattened array with rng.random()")
def dropout_loop(x, p, training, rng):
    x = np.asarray(x, dtype=float)
    out = x.copy()
    if not training or p == 0:
        return out
    flat = out.reshape(-1)
    for i in range(flat.size):
        flat[i] = 0.0 if p == 1 or rng.random() < p else flat[i] / (1 - p)
    return out


# ------------------------------------------------------------------ batchnorm_forward
def _bn_core(x, gamma, beta, rm, rv, training, momentum, eps, *, ddof_norm=0, ddof_run=1,
             axis=0, keras_momentum=False, eps_outside=False, eval_batch_stats=False):
    if training or eval_batch_stats:
        mu = x.mean(axis=axis, keepdims=True)
        var_n = x.var(axis=axis, ddof=ddof_norm, keepdims=True)
        std = np.sqrt(var_n) + eps if eps_outside else np.sqrt(var_n + eps)
        out = gamma * (x - mu) / std + beta
        if not training:
            return out, rm.copy(), rv.copy()
        mu, var_r = mu.reshape(-1)[:x.shape[1]], x.var(axis=axis, ddof=ddof_run).reshape(-1)
        mu = x.mean(axis=0) if axis != 0 else mu
        var_r = x.var(axis=0, ddof=ddof_run) if axis != 0 else var_r
        if keras_momentum:
            return out, momentum * rm + (1 - momentum) * mu, momentum * rv + (1 - momentum) * var_r
        return out, (1 - momentum) * rm + momentum * mu, (1 - momentum) * rv + momentum * var_r
    out = gamma * (x - rm) / np.sqrt(rv + eps) + beta
    return out, rm.copy(), rv.copy()


@BANK.mutant("batchnorm_forward", "running variance updated with the biased batch variance",
             diagnosis="you feed the biased batch variance (divided by N) into the running "
                       "average, but PyTorch updates it with the unbiased one (divided by N - 1)",
             section="Training mode and evaluation mode")
def bn_biased_running_var(x, gamma, beta, running_mean, running_var, training,
                          momentum=0.1, eps=1e-5):
    return _bn_core(x, gamma, beta, running_mean, running_var, training, momentum, eps,
                    ddof_run=0)


@BANK.mutant("batchnorm_forward", "normalises with the unbiased variance",
             diagnosis="you normalise the batch with the unbiased variance (divided by N - 1), but "
                       "batch normalisation divides by N; the unbiased one only goes into the "
                       "running average",
             section="Batch normalisation")
def bn_unbiased_norm(x, gamma, beta, running_mean, running_var, training,
                     momentum=0.1, eps=1e-5):
    return _bn_core(x, gamma, beta, running_mean, running_var, training, momentum, eps,
                    ddof_norm=1)


@BANK.mutant("batchnorm_forward", "wrong axis: normalises each sample over its features",
             diagnosis="you standardise each sample across its features instead of each feature "
                       "across the samples of the batch",
             section="Batch normalisation")
def bn_wrong_axis(x, gamma, beta, running_mean, running_var, training,
                  momentum=0.1, eps=1e-5):
    return _bn_core(x, gamma, beta, running_mean, running_var, training, momentum, eps, axis=1)


@BANK.mutant("batchnorm_forward", "Keras momentum convention: momentum weights the old value",
             diagnosis="you give the momentum to the old running value and 1 - momentum to the new "
                       "batch (the Keras convention), the reverse of PyTorch's, where momentum "
                       "weights the new batch",
             section="Training mode and evaluation mode")
def bn_keras_momentum(x, gamma, beta, running_mean, running_var, training,
                      momentum=0.1, eps=1e-5):
    return _bn_core(x, gamma, beta, running_mean, running_var, training, momentum, eps,
                    keras_momentum=True)


@BANK.mutant("batchnorm_forward", "eps outside the square root: sqrt(var) + eps",
             diagnosis="you add eps to the standard deviation instead of to the variance under the "
                       "square root, which changes the output most for nearly constant features",
             section="Batch normalisation")
def bn_eps_outside(x, gamma, beta, running_mean, running_var, training,
                   momentum=0.1, eps=1e-5):
    return _bn_core(x, gamma, beta, running_mean, running_var, training, momentum, eps,
                    eps_outside=True)


@BANK.mutant("batchnorm_forward", "train/eval mix-up: eval mode normalises with batch stats",
             diagnosis="you still normalise with the batch's own mean and variance in evaluation "
                       "mode, instead of the running averages, so a sample's output depends on its "
                       "batch mates",
             section="Training mode and evaluation mode")
def bn_eval_batch_stats(x, gamma, beta, running_mean, running_var, training,
                        momentum=0.1, eps=1e-5):
    return _bn_core(x, gamma, beta, running_mean, running_var, training, momentum, eps,
                    eval_batch_stats=True)


@BANK.mutant("batchnorm_forward", "eval mode forgets gamma and beta",
             diagnosis="you leave out gamma and beta in evaluation mode, but the learned rescaling "
                       "and shift apply after normalising in both modes",
             section="Batch normalisation")
def bn_eval_no_affine(x, gamma, beta, running_mean, running_var, training,
                      momentum=0.1, eps=1e-5):
    if training:
        return _bn_core(x, gamma, beta, running_mean, running_var, training, momentum, eps)
    return ((x - running_mean) / np.sqrt(running_var + eps), running_mean.copy(),
            running_var.copy())


@BANK.mutant("batchnorm_forward", "ignores the momentum argument (always 0.1)",
             diagnosis="you ignore the momentum you are given and always update the running "
                       "averages with PyTorch's default of 0.1",
             section="Training mode and evaluation mode")
def bn_fixed_momentum(x, gamma, beta, running_mean, running_var, training,
                      momentum=0.1, eps=1e-5):
    return _bn_core(x, gamma, beta, running_mean, running_var, training, 0.1, eps)


@BANK.mutant("batchnorm_forward", "updates the running statistics in place, like torch buffers",
             diagnosis="you update the caller's running mean and variance in place, as PyTorch's "
                       "layer does with its buffers, instead of returning new arrays and leaving "
                       "the inputs alone",
             section="Exercise")
def bn_inplace(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if not training:
        return _bn_core(x, gamma, beta, running_mean, running_var, training, momentum, eps)
    mu, var = x.mean(0), x.var(0)
    running_mean *= 1 - momentum
    running_mean += momentum * mu
    running_var *= 1 - momentum
    running_var += momentum * x.var(0, ddof=1)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta, running_mean, running_var


@BANK.mutant("batchnorm_forward", "adds eps to the batch variance before the running update",
             diagnosis="you add eps to the batch variance itself, so it leaks into the running "
                       "variance; eps only belongs under the square root, to avoid dividing by "
                       "zero",
             section="Batch normalisation")
def bn_eps_in_running_var(x, gamma, beta, running_mean, running_var, training,
                          momentum=0.1, eps=1e-5):
    if not training:
        return _bn_core(x, gamma, beta, running_mean, running_var, training, momentum, eps)
    n = x.shape[0]
    mu = x.mean(axis=0)
    var = x.var(axis=0) + eps
    out = gamma * (x - mu) / np.sqrt(var) + beta
    return (out, (1 - momentum) * running_mean + momentum * mu,
            (1 - momentum) * running_var + momentum * var * n / (n - 1))


@BANK.alternative("batchnorm_forward", "torch.nn.functional.batch_norm on copies, float64")
def bn_torch(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    rm = torch.tensor(running_mean, dtype=torch.float64)
    rv = torch.tensor(running_var, dtype=torch.float64)
    out = F.batch_norm(torch.tensor(x, dtype=torch.float64), rm, rv,
                       torch.tensor(gamma, dtype=torch.float64),
                       torch.tensor(beta, dtype=torch.float64),
                       training=training, momentum=momentum, eps=eps)
    return out, rm, rv


@BANK.alternative("batchnorm_forward", "loop over features in float32, var via ddof")
def bn_loop32(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    x = np.asarray(x, dtype=np.float32)
    n, d = x.shape
    out = np.empty_like(x)
    rm = np.array(running_mean, dtype=np.float32)
    rv = np.array(running_var, dtype=np.float32)
    for j in range(d):
        col = x[:, j]
        if training:
            mu, var = col.mean(), col.var()
            rm[j] = (1 - momentum) * rm[j] + momentum * mu
            rv[j] = (1 - momentum) * rv[j] + momentum * col.var(ddof=1)
        else:
            mu, var = running_mean[j], running_var[j]
        out[:, j] = gamma[j] * (col - mu) / np.sqrt(var + eps) + beta[j]
    return out, rm, rv


@BANK.alternative("batchnorm_forward", "E[x^2] - E[x]^2 and a list as return value")
def bn_moments(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        n = len(x)
        mu = np.sum(x, axis=0) / n
        var = np.sum(x * x, axis=0) / n - mu * mu
        var = np.maximum(var, 0.0)
        new_rm = running_mean + momentum * (mu - running_mean)
        new_rv = running_var + momentum * (var * n / (n - 1) - running_var)
    else:
        mu, var, new_rm, new_rv = running_mean, running_var, running_mean, running_var
    return [(x - mu) * (gamma / np.sqrt(var + eps)) + beta, new_rm, new_rv]


# ------------------------------------------------------------------ EarlyStopping
class _ESBase:
    def __init__(self, patience, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best_loss, self.best_epoch, self.counter, self.epoch = float("inf"), None, 0, 0


@BANK.mutant("EarlyStopping", "<= : an equal loss counts as an improvement",
             diagnosis="you count an equal loss as an improvement, but an improvement must be "
                       "strictly lower than the best loss minus min_delta",
             section="Step 3: early stopping")
class ESLessEqual(_ESBase):
    def step(self, val_loss):
        if val_loss <= self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.counter = val_loss, self.epoch, 0
        else:
            self.counter += 1
        self.epoch += 1
        return self.counter >= self.patience


@BANK.mutant("EarlyStopping", "off by one: stops when counter > patience",
             diagnosis="you stop one epoch too late: training stops as soon as the number of "
                       "epochs without improvement reaches the patience, not when it exceeds it",
             section="Step 3: early stopping")
class ESOffByOne(_ESBase):
    def step(self, val_loss):
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.counter = val_loss, self.epoch, 0
        else:
            self.counter += 1
        self.epoch += 1
        return self.counter > self.patience


@BANK.mutant("EarlyStopping", "counter not reset on improvement",
             diagnosis="you do not reset the count of epochs without improvement when the loss "
                       "improves, so it counts every bad epoch so far instead of those in a row",
             section="Step 3: early stopping")
class ESNoReset(_ESBase):
    def step(self, val_loss):
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch = val_loss, self.epoch
        else:
            self.counter += 1
        self.epoch += 1
        return self.counter >= self.patience


@BANK.mutant("EarlyStopping", "best_epoch counted from 1",
             diagnosis="you number the epochs from 1, but best_epoch is the 0-based index of the "
                       "step call (0 for the first call)",
             section="Exercise")
class ESOneBased(_ESBase):
    def step(self, val_loss):
        self.epoch += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.counter = val_loss, self.epoch, 0
        else:
            self.counter += 1
        return self.counter >= self.patience


@BANK.mutant("EarlyStopping", "min_delta ignored",
             diagnosis="you ignore min_delta, so any decrease, however tiny, counts as an "
                       "improvement",
             section="Step 3: early stopping")
class ESNoMinDelta(_ESBase):
    def step(self, val_loss):
        if val_loss < self.best_loss:
            self.best_loss, self.best_epoch, self.counter = val_loss, self.epoch, 0
        else:
            self.counter += 1
        self.epoch += 1
        return self.counter >= self.patience


@BANK.mutant("EarlyStopping", "best_loss updated by any decrease, even one below min_delta",
             diagnosis="you lower the best loss on every decrease, even one smaller than min_delta "
                       "that does not count as an improvement, so the bar for the next improvement "
                       "keeps creeping down",
             section="Step 3: early stopping")
class ESBestAlwaysUpdated(_ESBase):
    def step(self, val_loss):
        if val_loss < self.best_loss - self.min_delta:
            self.best_epoch, self.counter = self.epoch, 0
        else:
            self.counter += 1
        self.best_loss = min(self.best_loss, val_loss)
        self.epoch += 1
        return self.counter >= self.patience


@BANK.mutant("EarlyStopping", "fixed patience of 5",
             diagnosis="you ignore the patience you are given and always wait the same fixed "
                       "number of epochs",
             section="Step 3: early stopping")
class ESFixedPatience(_ESBase):
    def step(self, val_loss):
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.counter = val_loss, self.epoch, 0
        else:
            self.counter += 1
        self.epoch += 1
        return self.counter >= 5


@BANK.mutant("EarlyStopping", "state in class attributes shared by all instances",
             diagnosis="you keep the best loss and the counters on the class instead of on each "
                       "instance, so all stoppers share one state and a new one starts where the "
                       "last left off",
             section="Exercise")
class ESShared:
    best_loss, best_epoch, counter, epoch = float("inf"), None, 0, 0

    def __init__(self, patience, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta

    def step(self, val_loss):
        cls = type(self)
        if val_loss < cls.best_loss - self.min_delta:
            cls.best_loss, cls.best_epoch, cls.counter = val_loss, cls.epoch, 0
        else:
            cls.counter += 1
        cls.epoch += 1
        return cls.counter >= self.patience


@BANK.mutant("EarlyStopping", "NaN treated as an improvement (negated >= test)",
             diagnosis="you test for an improvement by negating the test for no improvement, and "
                       "since every comparison with NaN is false, a NaN loss passes as an "
                       "improvement",
             section="Step 3: early stopping")
class ESNanImproves(_ESBase):
    def step(self, val_loss):
        if not val_loss >= self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.counter = val_loss, self.epoch, 0
        else:
            self.counter += 1
        self.epoch += 1
        return self.counter >= self.patience


@BANK.mutant("EarlyStopping", "best_loss starts as None; the first call is always an improvement",
             diagnosis="you start the best loss as None instead of infinity, so it is not a number "
                       "before the first call, and a NaN first loss is accepted as an improvement",
             section="Exercise")
class ESNoneStart(_ESBase):
    def __init__(self, patience, min_delta=0.0):
        super().__init__(patience, min_delta)
        self.best_loss = None

    def step(self, val_loss):
        if self.best_loss is None or val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.counter = val_loss, self.epoch, 0
        else:
            self.counter += 1
        self.epoch += 1
        return self.counter >= self.patience


@BANK.mutant("EarlyStopping", "best_loss starts at a large number (1e9) instead of inf",
             diagnosis="you start the best loss at a large finite number instead of infinity, so a "
                       "first loss above that number (or an infinite one) does not count as an "
                       "improvement",
             section="Exercise")
class ESBigStart(_ESBase):
    def __init__(self, patience, min_delta=0.0):
        super().__init__(patience, min_delta)
        self.best_loss = 1e9

    def step(self, val_loss):
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.counter = val_loss, self.epoch, 0
        else:
            self.counter += 1
        self.epoch += 1
        return self.counter >= self.patience


@BANK.alternative("EarlyStopping", "keeps the whole history and recomputes from it")
class ESHistory:
    def __init__(self, patience, min_delta=0.0):
        self.patience, self.min_delta, self.history = patience, min_delta, []
        self.best_loss, self.best_epoch, self.counter = np.inf, None, 0

    def step(self, val_loss):
        self.history.append(val_loss)
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch = val_loss, len(self.history) - 1
        self.counter = len(self.history) - 1 - self.best_epoch
        return bool(self.counter >= self.patience)


@BANK.alternative("EarlyStopping", "numpy scalars, early returns")
class ESNumpy:
    def __init__(self, patience, min_delta=0.0):
        self.patience = patience
        self.min_delta = np.float32(min_delta)
        self.best_loss = np.float64(np.inf)
        self.best_epoch = -1
        self.counter = np.int64(0)
        self._n = 0

    def step(self, val_loss):
        self._n += 1
        if np.less(val_loss, self.best_loss - np.float64(self.min_delta)):
            self.best_loss = np.float64(val_loss)
            self.best_epoch = self._n - 1
            self.counter = np.int64(0)
            return np.False_
        self.counter += 1
        return np.bool_(self.counter >= self.patience)


# ------------------------------------------------------------------ choose_n_epochs
def _cv_summary(val_curves, ddof=1):
    """Mean curve, index of its minimum, and the standard error of the mean there."""
    curves = np.asarray(val_curves, dtype=float)
    mean = curves.mean(axis=0)
    best = int(np.argmin(mean))
    return curves, mean, best, curves[:, best].std(ddof=ddof) / np.sqrt(len(curves))


@BANK.mutant("choose_n_epochs", "no one-standard-error band: the epoch of the lowest mean loss",
             diagnosis="you take the epoch of the lowest mean validation loss, but the rule "
                       "stops at the first epoch that the folds cannot tell apart from it, within "
                       "one standard error",
             section="Choosing hyperparameters")
def choose_lowest_mean(val_curves):
    return int(np.argmin(np.asarray(val_curves, dtype=float).mean(axis=0))) + 1


@BANK.mutant("choose_n_epochs", "band of one standard deviation instead of one standard error",
             diagnosis="you widen the band by the spread of the single folds (their standard "
                       "deviation); the uncertainty of a mean of k folds is that spread divided "
                       "by the square root of k",
             section="Choosing hyperparameters")
def choose_sd_band(val_curves):
    curves, mean, best, se = _cv_summary(val_curves)
    return int(np.argmax(mean <= mean[best] + se * np.sqrt(len(curves)))) + 1


@BANK.mutant("choose_n_epochs", "np.std's default ddof=0 in the standard error",
             diagnosis="you compute the standard deviation of the k fold losses by dividing by k "
                       "(numpy's default); the sample standard deviation divides by k - 1",
             section="Choosing hyperparameters")
def choose_biased_sd(val_curves):
    curves, mean, best, se = _cv_summary(val_curves, ddof=0)
    return int(np.argmax(mean <= mean[best] + se)) + 1


@BANK.mutant("choose_n_epochs", "compares each epoch with its own standard error, not the best "
                                "epoch's",
             diagnosis="you give every epoch a band of its own standard error, but the band is "
                       "set once, by the standard error of the mean at the best epoch",
             section="Choosing hyperparameters")
def choose_own_se(val_curves):
    curves, mean, best, _ = _cv_summary(val_curves)
    se_each = curves.std(axis=0, ddof=1) / np.sqrt(len(curves))
    return int(np.argmax(mean - se_each <= mean[best])) + 1


@BANK.mutant("choose_n_epochs", "rounded mean of the folds' own best epochs (early stopping "
                                "per fold, averaged)",
             diagnosis="you average the best epochs of the single folds, but the rule decides "
                       "on the mean curve of all folds, with a band of one standard error",
             section="Step 3: early stopping")
def choose_mean_of_fold_minima(val_curves):
    best_each = np.argmin(np.asarray(val_curves, dtype=float), axis=1) + 1
    return int(round(float(np.mean(best_each))))


@BANK.mutant("choose_n_epochs", "median of the folds' own best epochs",
             diagnosis="you take the median of the single folds' best epochs, but the rule "
                       "decides on the mean curve of all folds, with a band of one standard "
                       "error",
             section="Step 3: early stopping")
def choose_median_of_fold_minima(val_curves):
    best_each = np.argmin(np.asarray(val_curves, dtype=float), axis=1) + 1
    return int(np.floor(np.median(best_each)))


@BANK.mutant("choose_n_epochs", "last epoch inside the band instead of the first",
             diagnosis="you take the latest epoch within one standard error of the best, but "
                       "the rule prefers the simplest model, the fewest epochs inside the band",
             section="Step 3: early stopping")
def choose_last_in_band(val_curves):
    curves, mean, best, se = _cv_summary(val_curves)
    return int(np.flatnonzero(mean <= mean[best] + se)[-1]) + 1


@BANK.mutant("choose_n_epochs", "returns the 0-based column index instead of a number of epochs",
             diagnosis="you return the column index of the chosen epoch, counted from 0, but the "
                       "answer is a number of epochs to train, counted from 1",
             section="Exercise")
def choose_zero_based(val_curves):
    curves, mean, best, se = _cv_summary(val_curves)
    return int(np.argmax(mean <= mean[best] + se))


@BANK.mutant("choose_n_epochs", "averages over the wrong axis (over the epochs of each fold)",
             diagnosis="you average each fold over its epochs instead of each epoch over the "
                       "folds (the rows of val_curves are the folds, the columns the epochs)",
             section="Exercise")
def choose_wrong_axis(val_curves):
    curves = np.asarray(val_curves, dtype=float)
    mean = curves.mean(axis=1)
    best = int(np.argmin(mean))
    se = curves[best].std(ddof=1) / np.sqrt(curves.shape[1])
    return int(np.argmax(mean <= mean[best] + se)) + 1


@BANK.alternative("choose_n_epochs", "plain Python loops over lists, statistics by hand")
def choose_loops(val_curves):
    rows = [list(map(float, row)) for row in val_curves]
    k, n_epochs = len(rows), len(rows[0])
    means = [sum(row[t] for row in rows) / k for t in range(n_epochs)]
    best = min(range(n_epochs), key=lambda t: (means[t], t))
    var = sum((row[best] - means[best]) ** 2 for row in rows) / (k - 1)
    limit = means[best] + (var / k) ** 0.5
    for t in range(n_epochs):
        if means[t] <= limit:
            return t + 1
    return best + 1


@BANK.alternative("choose_n_epochs", "torch in float32, returns a 0-d tensor")
def choose_torch32(val_curves):
    curves = torch.as_tensor(np.asarray(val_curves), dtype=torch.float32)
    mean = curves.mean(dim=0)
    best = int(torch.argmin(mean))
    se = curves[:, best].std(unbiased=True) / curves.shape[0] ** 0.5
    inside = torch.nonzero(mean <= mean[best] + se).flatten()
    return inside[0] + 1


@BANK.alternative("choose_n_epochs", "float32 numpy, statistics.stdev, np.flatnonzero, "
                                     "returns an np.int64")
def choose_float32(val_curves):
    import statistics

    curves = np.array(val_curves, dtype=np.float32)
    mean = curves.mean(axis=0)
    best = int(np.argmin(mean))
    limit = mean[best] + statistics.stdev(curves[:, best].tolist()) / np.sqrt(len(curves))
    return np.flatnonzero(mean <= limit)[0] + 1

"""Mutants and alternative implementations for 02-activations (see autograder/engine/bank.py)."""
import numpy as np
import scipy.special
import torch

from autograder.engine.bank import Bank

BANK = Bank("02-activations")


# ------------------------------------------------------------------ sigmoid
@BANK.mutant("sigmoid", "naive formula overflows (warns) for large negative z")
def sigmoid_naive(z):
    return 1.0 / (1.0 + np.exp(-z))


@BANK.mutant("sigmoid", "sign error: computes sigma(-z)")
def sigmoid_sign(z):
    return 1.0 / (1.0 + np.exp(np.clip(z, -500, 500)))


@BANK.mutant("sigmoid", "in-place mutation of the input")
def sigmoid_inplace(z):
    np.clip(z, -500, 500, out=z)
    z *= -1
    np.exp(z, out=z)
    z += 1
    return 1.0 / z


@BANK.mutant("sigmoid", "stable formula by masks, written into np.zeros_like(z): truncates ints")
def sigmoid_masks_zeros_like(z):
    out = np.zeros_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1.0 + e)
    return out


@BANK.mutant("sigmoid", "np.where evaluates both formulas everywhere: exp overflows (warns)")
def sigmoid_where_both_branches(z):
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))


@BANK.alternative("sigmoid", "torch inside, float32")
def sigmoid_torch(z):
    return torch.sigmoid(torch.as_tensor(np.asarray(z), dtype=torch.float32)).numpy()


@BANK.alternative("sigmoid", "tanh identity sigma(z) = (1 + tanh(z/2)) / 2")
def sigmoid_tanh(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z)))


# ------------------------------------------------------------------ softmax
@BANK.mutant("softmax", "unstable: no max subtraction")
def softmax_unstable(z, axis=-1):
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


@BANK.mutant("softmax", "wrong axis: always normalises over axis 0")
def softmax_axis0(z, axis=-1):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


@BANK.mutant("softmax", "subtracts the global maximum, fine, but normalises by the total sum")
def softmax_global_sum(z, axis=-1):
    e = np.exp(z - z.max())
    return e / e.sum()


@BANK.mutant("softmax", "row loop into np.empty_like(z): an integer z gives all-zero rows")
def softmax_loop_empty_like(z, axis=-1):
    moved = np.moveaxis(z, axis, -1)
    out = np.empty_like(moved)
    for idx in np.ndindex(moved.shape[:-1]):
        e = np.exp(moved[idx] - moved[idx].max())
        out[idx] = e / e.sum()
    return np.moveaxis(out, -1, axis)


@BANK.alternative("softmax", "loop over rows of a moved axis, float32")
def softmax_loop(z, axis=-1):
    moved = np.moveaxis(np.asarray(z, dtype=np.float32), axis, -1)
    out = np.empty_like(moved)
    for idx in np.ndindex(moved.shape[:-1]):
        row = moved[idx] - moved[idx].max()
        out[idx] = np.exp(row) / np.exp(row).sum()
    return np.moveaxis(out, -1, axis)


@BANK.alternative("softmax", "torch.softmax in float64")
def softmax_torch(z, axis=-1):
    return torch.softmax(torch.as_tensor(np.asarray(z, dtype=np.float64)), dim=axis).numpy()


# ------------------------------------------------------------------ sigmoid_grad
def _stable_sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


@BANK.mutant("sigmoid_grad", "sign slip: sigma (1 + sigma) instead of sigma (1 - sigma)")
def sigmoid_grad_plus(z):
    s = _stable_sigmoid(z)
    return s * (1.0 + s)


@BANK.mutant("sigmoid_grad", "naive exp(-z) / (1 + exp(-z))^2 overflows for large negative z")
def sigmoid_grad_naive(z):
    e = np.exp(-np.asarray(z, dtype=float))
    return e / (1.0 + e) ** 2


@BANK.mutant("sigmoid_grad", "returns sigma(z) itself, not its derivative")
def sigmoid_grad_is_sigmoid(z):
    return _stable_sigmoid(z)


@BANK.mutant("sigmoid_grad", "in-place mutation of the input")
def sigmoid_grad_inplace(z):
    z[...] = _stable_sigmoid(z)
    z *= 1.0 - z
    return z.copy()


@BANK.mutant("sigmoid_grad", "a loop filling np.empty_like(z): integer z gives integer output")
def sigmoid_grad_loop_empty_like(z):
    out = np.empty_like(z)
    for i, v in np.ndenumerate(z):
        s = _stable_sigmoid(v)
        out[i] = s * (1.0 - s)
    return out


@BANK.alternative("sigmoid_grad", "scipy.special.expit in float32")
def sigmoid_grad_scipy32(z):
    s = scipy.special.expit(np.asarray(z, dtype=np.float32))
    return s * (1 - s)


@BANK.alternative("sigmoid_grad", "torch autograd of torch.sigmoid")
def sigmoid_grad_autograd(z):
    t = torch.tensor(np.asarray(z, dtype=np.float64), requires_grad=True)
    torch.sigmoid(t).sum().backward()
    return t.grad.numpy()


# ------------------------------------------------------------------ tanh_grad
@BANK.mutant("tanh_grad", "forgets the square: 1 - tanh(z)")
def tanh_grad_no_square(z):
    return 1.0 - np.tanh(z)


@BANK.mutant("tanh_grad", "1 / cosh(z)^2: cosh overflows (warns) for |z| > 710")
def tanh_grad_cosh(z):
    return 1.0 / np.cosh(z) ** 2


@BANK.mutant("tanh_grad", "uses the sigmoid formula: tanh (1 - tanh)")
def tanh_grad_sigmoid_formula(z):
    t = np.tanh(z)
    return t * (1.0 - t)


@BANK.mutant("tanh_grad", "np.tanh(z, out=np.empty_like(z)) then squares in place: fails for ints")
def tanh_grad_out_empty_like(z):
    t = np.tanh(z, out=np.empty_like(z))
    t **= 2
    return 1.0 - t


@BANK.alternative("tanh_grad", "stable sech^2 = (2 e^{-|z|} / (1 + e^{-2|z|}))^2")
def tanh_grad_sech(z):
    a = np.abs(np.asarray(z, dtype=float))
    return (2.0 * np.exp(-a) / (1.0 + np.exp(-2.0 * a))) ** 2


@BANK.alternative("tanh_grad", "torch autograd of torch.tanh in float32")
def tanh_grad_autograd32(z):
    t = torch.tensor(np.asarray(z, dtype=np.float32), requires_grad=True)
    torch.tanh(t).sum().backward()
    return t.grad.numpy()


@BANK.alternative("tanh_grad", "via the sigmoid identity tanh(z) = 2 sigma(2z) - 1")
def tanh_grad_via_sigmoid(z):
    s = _stable_sigmoid(2.0 * np.asarray(z, dtype=float))
    return 4.0 * s * (1.0 - s)


# ------------------------------------------------------------------ relu
@BANK.mutant("relu", "in-place: z[z < 0] = 0 changes the caller's array")
def relu_inplace(z):
    z[z < 0] = 0.0
    return z


@BANK.mutant("relu", "returns the 0/1 mask (the derivative) instead of the values")
def relu_mask(z):
    return (np.asarray(z) > 0).astype(float)


@BANK.mutant("relu", "np.max instead of np.maximum: one number, not an array")
def relu_npmax(z):
    return np.max([np.max(z), 0.0])


@BANK.mutant("relu", "clips to [0, 1] (confuses ReLU with a hard sigmoid)")
def relu_clipped(z):
    return np.clip(z, 0.0, 1.0)


@BANK.alternative("relu", "(z + |z|) / 2")
def relu_abs(z):
    z = np.asarray(z, dtype=float)
    return (z + np.abs(z)) / 2


@BANK.alternative("relu", "torch.relu in float32")
def relu_torch32(z):
    return torch.relu(torch.as_tensor(np.asarray(z, dtype=np.float32))).numpy()


@BANK.alternative("relu", "Python loop over the flattened array")
def relu_loop(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    for i, v in np.ndenumerate(z):
        out[i] = v if v > 0 else 0.0
    return out


# ------------------------------------------------------------------ relu_grad
@BANK.mutant("relu_grad", "gradient 1 at z == 0 (z >= 0)")
def relu_grad_one_at_zero(z):
    return (np.asarray(z) >= 0).astype(float)


@BANK.mutant("relu_grad", "returns relu(z) instead of its derivative")
def relu_grad_is_relu(z):
    return np.maximum(z, 0.0)


@BANK.mutant("relu_grad", "sign(z): -1 for negative inputs")
def relu_grad_sign(z):
    return np.sign(z)


@BANK.alternative("relu_grad", "np.heaviside(z, 0)")
def relu_grad_heaviside(z):
    return np.heaviside(np.asarray(z, dtype=float), 0.0)


@BANK.alternative("relu_grad", "torch autograd of torch.relu (0 at z == 0 too)")
def relu_grad_autograd(z):
    t = torch.tensor(np.asarray(z, dtype=np.float64), requires_grad=True)
    torch.relu(t).sum().backward()
    return t.grad.numpy()


@BANK.alternative("relu_grad", "boolean array (numbers 0/1 are what count)")
def relu_grad_bool(z):
    return np.asarray(z) > 0


# ------------------------------------------------------------------ leaky_relu
@BANK.mutant("leaky_relu", "ignores alpha: always 0.01")
def leaky_relu_fixed_alpha(z, alpha=0.01):
    return np.where(z > 0, z, 0.01 * z)


@BANK.mutant("leaky_relu", "alpha applied to the positive side")
def leaky_relu_alpha_on_positives(z, alpha=0.01):
    return np.where(z > 0, alpha * z, z)


@BANK.mutant("leaky_relu", "plain ReLU: negative side set to 0")
def leaky_relu_is_relu(z, alpha=0.01):
    return np.maximum(z, 0.0)


@BANK.mutant("leaky_relu", "in-place: z[z < 0] *= alpha")
def leaky_relu_inplace(z, alpha=0.01):
    z[z < 0] *= alpha
    return z


@BANK.mutant("leaky_relu", "copy of z, negatives replaced by alpha z: truncated for integer z")
def leaky_relu_copy_assign(z, alpha=0.01):
    out = z.copy()
    neg = z < 0
    out[neg] = alpha * z[neg]
    return out


@BANK.alternative("leaky_relu", "np.maximum(z, alpha z) (valid for 0 <= alpha <= 1)")
def leaky_relu_maximum(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.maximum(z, alpha * z)


@BANK.alternative("leaky_relu", "torch.nn.functional.leaky_relu in float32")
def leaky_relu_torch32(z, alpha=0.01):
    t = torch.as_tensor(np.asarray(z, dtype=np.float32))
    return torch.nn.functional.leaky_relu(t, negative_slope=alpha).numpy()


@BANK.alternative("leaky_relu", "relu(z) - alpha relu(-z)")
def leaky_relu_two_relus(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.maximum(z, 0.0) - alpha * np.maximum(-z, 0.0)


# ------------------------------------------------------------------ log_softmax
def _stable_softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@BANK.mutant("log_softmax", "np.log of a (stable) softmax: log(0) = -inf for far-below scores")
def log_softmax_log_of_softmax(z, axis=-1):
    return np.log(_stable_softmax(z, axis=axis))


@BANK.mutant("log_softmax", "no max subtraction: exp overflows")
def log_softmax_no_shift(z, axis=-1):
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


@BANK.mutant("log_softmax", "wrong axis: always normalises over axis 0")
def log_softmax_axis0(z, axis=-1):
    m = z.max(axis=0, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=0, keepdims=True))


@BANK.mutant("log_softmax", "forgets to subtract the log of the sum (returns z - max)")
def log_softmax_only_shift(z, axis=-1):
    return z - z.max(axis=axis, keepdims=True)


@BANK.mutant("log_softmax", "in place: z -= max")
def log_softmax_inplace(z, axis=-1):
    z -= z.max(axis=axis, keepdims=True)
    z -= np.log(np.exp(z).sum(axis=axis, keepdims=True))
    return z


@BANK.mutant("log_softmax", "out = z - max, then out -= log(sum): in place, fails for integer z")
def log_softmax_subtract_in_place(z, axis=-1):
    out = z - z.max(axis=axis, keepdims=True)
    out -= np.log(np.exp(out).sum(axis=axis, keepdims=True))
    return out


@BANK.alternative("log_softmax", "torch.nn.functional.log_softmax in float32")
def log_softmax_torch32(z, axis=-1):
    t = torch.as_tensor(np.asarray(z, dtype=np.float32))
    return torch.nn.functional.log_softmax(t, dim=axis).numpy()


@BANK.alternative("log_softmax", "scipy.special.log_softmax")
def log_softmax_scipy(z, axis=-1):
    return scipy.special.log_softmax(z, axis=axis)


@BANK.alternative("log_softmax", "z - scipy.special.logsumexp(z, keepdims=True)")
def log_softmax_logsumexp(z, axis=-1):
    return z - scipy.special.logsumexp(z, axis=axis, keepdims=True)


# ------------------------------------------------------------------ softmax (more)
@BANK.alternative("softmax", "scipy.special.softmax")
def softmax_scipy(z, axis=-1):
    return scipy.special.softmax(z, axis=axis)


@BANK.alternative("sigmoid", "scipy.special.expit")
def sigmoid_scipy(z):
    return scipy.special.expit(z)

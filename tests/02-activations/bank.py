"""Mutants and alternative implementations for 02-activations (see autograder/engine/bank.py)."""
import numpy as np
import scipy.special
import torch

from autograder.engine.bank import Bank

BANK = Bank("02-activations")


# ------------------------------------------------------------------ sigmoid
@BANK.mutant("sigmoid", "naive formula overflows (warns) for large negative z",
             diagnosis="you use the textbook formula for every z, so for large "
                       "negative z the exponential overflows to infinity with "
                       "a warning; use the equivalent form that is safe there",
             section="Numbers that do not fit: overflow and the log-sum-exp trick")
def sigmoid_naive(z):
    return 1.0 / (1.0 + np.exp(-z))


@BANK.mutant("sigmoid", "sign error: computes sigma(-z)",
             diagnosis="you flipped the sign in the exponent and compute the "
                       "sigmoid of minus z (one minus the right answer), so "
                       "large scores give values near 0 instead of near 1",
             section="The sigmoid: a dose–response curve")
def sigmoid_sign(z):
    return 1.0 / (1.0 + np.exp(np.clip(z, -500, 500)))


@BANK.mutant("sigmoid", "in-place mutation of the input",
             diagnosis="you compute the sigmoid step by step inside the "
                       "caller's array, which overwrites their z (and fails "
                       "for whole-number arrays); build a new array instead",
             section="Exercise")
def sigmoid_inplace(z):
    np.clip(z, -500, 500, out=z)
    z *= -1
    np.exp(z, out=z)
    z += 1
    return 1.0 / z


@BANK.mutant("sigmoid", "stable formula by masks, written into np.zeros_like(z): truncates ints",
             diagnosis="you write the results into an array made like z, "
                       "which takes z's type, so for a whole-number (integer) "
                       "z every value between 0 and 1 is cut down to 0",
             section="Exercise")
def sigmoid_masks_zeros_like(z):
    out = np.zeros_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1.0 + e)
    return out


@BANK.mutant("sigmoid", "np.where evaluates both formulas everywhere: exp overflows (warns)",
             diagnosis="you pick the safe formula for each z, but a "
                       "condition-wise choice still computes both formulas for "
                       "every z, so the unsafe one overflows with a warning",
             section="Numbers that do not fit: overflow and the log-sum-exp trick")
def sigmoid_where_both_branches(z):
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))


@BANK.alternative("sigmoid", "torch inside, float32")
def sigmoid_torch(z):
    return torch.sigmoid(torch.as_tensor(np.asarray(z), dtype=torch.float32)).numpy()


@BANK.alternative("sigmoid", "tanh identity sigma(z) = (1 + tanh(z/2)) / 2")
def sigmoid_tanh(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z)))


# ------------------------------------------------------------------ softmax
@BANK.mutant("softmax", "unstable: no max subtraction",
             diagnosis="you exponentiate the scores without subtracting their maximum first, "
                       "so large scores overflow to infinity and the probabilities become nan",
             section="Numbers that do not fit: overflow and the log-sum-exp trick")
def softmax_unstable(z, axis=-1):
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


@BANK.mutant("softmax", "wrong axis: always normalises over axis 0",
             diagnosis="you always normalise along the first axis and ignore "
                       "the axis you were given, so for a batch each column "
                       "sums to 1 instead of each sample's row of scores",
             section="Softmax: probabilities for several classes")
def softmax_axis0(z, axis=-1):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


@BANK.mutant("softmax", "subtracts the global maximum, fine, but normalises by the total sum",
             diagnosis="you divide by the sum over the whole array instead of "
                       "along the given axis, so for a batch all the "
                       "probabilities together sum to 1 rather than each sample's",
             section="Softmax: probabilities for several classes")
def softmax_global_sum(z, axis=-1):
    e = np.exp(z - z.max())
    return e / e.sum()


@BANK.mutant("softmax", "row loop into np.empty_like(z): an integer z gives all-zero rows",
             diagnosis="you fill an array made like z, which takes z's "
                       "type, so for whole-number (integer) scores every "
                       "probability is cut down to a whole number, usually 0",
             section="Exercise")
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


@BANK.mutant("sigmoid_grad", "sign slip: sigma (1 + sigma) instead of sigma (1 - sigma)",
             diagnosis="you add sigma where it should be subtracted: the slope is sigma "
                       "times one minus sigma, at most 1/4 and vanishing for large scores",
             section="Derivatives and saturation")
def sigmoid_grad_plus(z):
    s = _stable_sigmoid(z)
    return s * (1.0 + s)


@BANK.mutant("sigmoid_grad", "naive exp(-z) / (1 + exp(-z))^2 overflows for large negative z",
             diagnosis="you use the form with the exponential of minus z, which "
                       "overflows for large negative z (infinity over infinity); "
                       "write the slope in terms of the sigmoid itself",
             section="Numbers that do not fit: overflow and the log-sum-exp trick")
def sigmoid_grad_naive(z):
    e = np.exp(-np.asarray(z, dtype=float))
    return e / (1.0 + e) ** 2


@BANK.mutant("sigmoid_grad", "returns sigma(z) itself, not its derivative",
             diagnosis="you return the sigmoid itself, not its slope; the derivative "
                       "is sigma times one minus sigma, largest (1/4) at z = 0",
             section="Derivatives and saturation")
def sigmoid_grad_is_sigmoid(z):
    return _stable_sigmoid(z)


@BANK.mutant("sigmoid_grad", "in-place mutation of the input",
             diagnosis="you store intermediate results in the caller's z, which overwrites their "
                       "array (and fails for whole-number arrays); build a new array instead",
             section="Exercise")
def sigmoid_grad_inplace(z):
    z[...] = _stable_sigmoid(z)
    z *= 1.0 - z
    return z.copy()


@BANK.mutant("sigmoid_grad", "a loop filling np.empty_like(z): integer z gives integer output",
             diagnosis="you fill an array made like z, which takes z's type, so for a "
                       "whole-number (integer) z every slope, at most 1/4, is cut down to 0",
             section="Exercise")
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
@BANK.mutant("tanh_grad", "forgets the square: 1 - tanh(z)",
             diagnosis="you forgot to square tanh: the slope is one minus tanh squared, which "
                       "vanishes on both sides, while yours climbs towards 2 for large negative z",
             section="Derivatives and saturation")
def tanh_grad_no_square(z):
    return 1.0 - np.tanh(z)


@BANK.mutant("tanh_grad", "1 / cosh(z)^2: cosh overflows (warns) for |z| > 710",
             diagnosis="you use the one-over-cosh-squared form, and cosh "
                       "overflows to infinity with a warning for |z| above "
                       "about 710; the form built on tanh never overflows",
             section="Numbers that do not fit: overflow and the log-sum-exp trick")
def tanh_grad_cosh(z):
    return 1.0 / np.cosh(z) ** 2


@BANK.mutant("tanh_grad", "uses the sigmoid formula: tanh (1 - tanh)",
             diagnosis="you used the sigmoid's rule (value times one minus value) for tanh, "
                       "but the slope of tanh is one minus tanh squared, which is 1 at z = 0",
             section="Derivatives and saturation")
def tanh_grad_sigmoid_formula(z):
    t = np.tanh(z)
    return t * (1.0 - t)


@BANK.mutant("tanh_grad", "np.tanh(z, out=np.empty_like(z)) then squares in place: fails for ints",
             diagnosis="you make numpy store tanh in an array of z's type, "
                       "which fails for a whole-number (integer) z because the "
                       "results are fractions; the output must be a float array",
             section="Exercise")
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
@BANK.mutant("relu", "in-place: z[z < 0] = 0 changes the caller's array",
             diagnosis="you set the negative entries to 0 inside the caller's array, so their "
                       "z is changed; ReLU must return a new array and leave its input alone",
             section="Exercise")
def relu_inplace(z):
    z[z < 0] = 0.0
    return z


@BANK.mutant("relu", "returns the 0/1 mask (the derivative) instead of the values",
             diagnosis="you return whether each unit is on (0 or 1), which is the slope of "
                       "ReLU, not its value: positive inputs must pass through unchanged",
             section="ReLU and leaky ReLU")
def relu_mask(z):
    return (np.asarray(z) > 0).astype(float)


@BANK.mutant("relu", "np.max instead of np.maximum: one number, not an array",
             diagnosis="you take the largest entry of the whole array (a "
                       "reduction) instead of comparing each entry with 0, so "
                       "you return one number instead of an array shaped like z",
             section="ReLU and leaky ReLU")
def relu_npmax(z):
    return np.max([np.max(z), 0.0])


@BANK.mutant("relu", "clips to [0, 1] (confuses ReLU with a hard sigmoid)",
             diagnosis="you cap the output at 1 as a saturating unit would, but ReLU has no "
                       "upper limit: positive inputs pass through unchanged however large",
             section="ReLU and leaky ReLU")
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
@BANK.mutant("relu_grad", "gradient 1 at z == 0 (z >= 0)",
             diagnosis="you give the slope 1 at exactly z = 0; the ReLU has "
                       "a kink there, and this course, like PyTorch, uses 0",
             section="Derivatives and saturation")
def relu_grad_one_at_zero(z):
    return (np.asarray(z) >= 0).astype(float)


@BANK.mutant("relu_grad", "returns relu(z) instead of its derivative",
             diagnosis="you return the value of ReLU instead of its slope, which is "
                       "1 for every positive input, however large, and 0 otherwise",
             section="Derivatives and saturation")
def relu_grad_is_relu(z):
    return np.maximum(z, 0.0)


@BANK.mutant("relu_grad", "sign(z): -1 for negative inputs",
             diagnosis="you return the sign of z, so negative inputs get slope -1, "
                       "but ReLU is flat for negative inputs: its slope there is 0",
             section="Derivatives and saturation")
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
@BANK.mutant("leaky_relu", "ignores alpha: always 0.01",
             diagnosis="you ignore the alpha you were given and always leak with the "
                       "slope 0.01, so any other alpha gives the wrong negative side",
             section="ReLU and leaky ReLU")
def leaky_relu_fixed_alpha(z, alpha=0.01):
    return np.where(z > 0, z, 0.01 * z)


@BANK.mutant("leaky_relu", "alpha applied to the positive side",
             diagnosis="you scale the positive side by alpha and let negative inputs through "
                       "unchanged; it is the negative side that leaks, with the small slope alpha",
             section="ReLU and leaky ReLU")
def leaky_relu_alpha_on_positives(z, alpha=0.01):
    return np.where(z > 0, alpha * z, z)


@BANK.mutant("leaky_relu", "plain ReLU: negative side set to 0",
             diagnosis="you set negative inputs to 0 as a plain ReLU does, but the leaky ReLU "
                       "keeps a small slope there: negative inputs are multiplied by alpha",
             section="ReLU and leaky ReLU")
def leaky_relu_is_relu(z, alpha=0.01):
    return np.maximum(z, 0.0)


@BANK.mutant("leaky_relu", "in-place: z[z < 0] *= alpha",
             diagnosis="you scale the negative entries inside the caller's array, which changes "
                       "their z (and fails for whole-number arrays); build a new array instead",
             section="Exercise")
def leaky_relu_inplace(z, alpha=0.01):
    z[z < 0] *= alpha
    return z


@BANK.mutant("leaky_relu", "copy of z, negatives replaced by alpha z: truncated for integer z",
             diagnosis="you start from a copy of z, which keeps its type, so for "
                       "a whole-number (integer) z the small negative values "
                       "alpha times z are truncated to whole numbers, usually 0",
             section="Exercise")
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


@BANK.mutant("log_softmax", "np.log of a (stable) softmax: log(0) = -inf for far-below scores",
             diagnosis="you take the log of the probabilities, but a score "
                       "far below the maximum has a probability that rounds "
                       "to 0, whose log is minus infinity; stay in log space",
             section="Numbers that do not fit: overflow and the log-sum-exp trick")
def log_softmax_log_of_softmax(z, axis=-1):
    return np.log(_stable_softmax(z, axis=axis))


@BANK.mutant("log_softmax", "no max subtraction: exp overflows",
             diagnosis="you compute the log of the sum of exponentials without subtracting the "
                       "maximum first, so large scores overflow to infinity (with a warning)",
             section="Numbers that do not fit: overflow and the log-sum-exp trick")
def log_softmax_no_shift(z, axis=-1):
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


@BANK.mutant("log_softmax", "wrong axis: always normalises over axis 0",
             diagnosis="you always normalise along the first axis and ignore "
                       "the axis you were given, so for a batch each column "
                       "is normalised instead of each sample's row of scores",
             section="Softmax: probabilities for several classes")
def log_softmax_axis0(z, axis=-1):
    m = z.max(axis=0, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=0, keepdims=True))


@BANK.mutant("log_softmax", "forgets to subtract the log of the sum (returns z - max)",
             diagnosis="you subtract the maximum but not the log of the sum "
                       "of the shifted exponentials, so your values are not "
                       "log-probabilities (their exponentials do not sum to 1)",
             section="Numbers that do not fit: overflow and the log-sum-exp trick")
def log_softmax_only_shift(z, axis=-1):
    return z - z.max(axis=axis, keepdims=True)


@BANK.mutant("log_softmax", "in place: z -= max",
             diagnosis="you subtract the maximum inside the caller's array, which overwrites "
                       "their z (and fails for whole-number arrays); build a new array instead",
             section="Exercise")
def log_softmax_inplace(z, axis=-1):
    z -= z.max(axis=axis, keepdims=True)
    z -= np.log(np.exp(z).sum(axis=axis, keepdims=True))
    return z


@BANK.mutant("log_softmax", "out = z - max, then out -= log(sum): in place, fails for integer z",
             diagnosis="your shifted scores keep the whole-number type of an integer z, so "
                       "subtracting the fractional log of the sum in place fails; work with floats",
             section="Exercise")
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

"""Mutants and alternative implementations for 01-neuron (see autograder/engine/bank.py)."""
import numpy as np
import torch

from autograder.engine.bank import Bank

BANK = Bank("01-neuron")


def _step(z):
    return np.where(np.asarray(z, dtype=float) >= 0, 1.0, 0.0)


# ------------------------------------------------------------------ step
@BANK.mutant("step", "strict inequality: returns 0 at z = 0",
             diagnosis="you let the neuron stay silent when z is exactly 0, but it fires "
                       "as soon as its input reaches the threshold, so step(0) must be 1",
             section="From a biological neuron to a threshold unit")
def step_strict(z):
    return np.where(np.asarray(z, dtype=float) > 0, 1.0, 0.0)


@BANK.mutant("step", "np.heaviside with the wrong value at 0",
             diagnosis="you give the step the value 0 at exactly z = 0, but the neuron fires "
                       "when its input reaches the threshold, so the value there must be 1",
             section="From a biological neuron to a threshold unit")
def step_heaviside0(z):
    return np.heaviside(np.asarray(z, dtype=float), 0.0)


@BANK.mutant("step", "returns booleans instead of floats",
             diagnosis="you return the True/False of the comparison instead of the numbers 1.0 "
                       "and 0.0 that the neuron outputs: the booleans must be turned into floats",
             section="Exercise")
def step_bool(z):
    return np.asarray(z) >= 0


@BANK.mutant("step", "sign function: -1 for negative inputs",
             diagnosis="you make a silent neuron output -1, like a sign function, but "
                       "the step neuron is all-or-none between 0 (silent) and 1 (fires)",
             section="From a biological neuron to a threshold unit")
def step_sign(z):
    return np.where(np.asarray(z, dtype=float) >= 0, 1.0, -1.0)


@BANK.mutant("step", "thresholds the input in place",
             diagnosis="you write the 0s and 1s into the caller's own array (turning an array "
                       "into an array makes no copy), so their z is overwritten; build a new array",
             section="Exercise")
def step_inplace(z):
    z = np.asarray(z)
    mask = z >= 0
    z[mask] = 1
    z[~mask] = 0
    return z.astype(float)


@BANK.mutant("step", "(z >= 0).astype(float) without np.asarray: fails for a plain number",
             diagnosis="you assume z is already a numpy array, but a plain "
                       "number or a list does not behave like one, so your "
                       "function fails on them; convert z to a float array first",
             section="Exercise")
def step_no_asarray(z):
    return (z >= 0).astype(float)


@BANK.mutant("step", "z.copy() then thresholds in place: a plain number or a list has no .copy",
             diagnosis="you use numpy array methods on z (to copy it and change "
                       "its type), but a plain number or a list is not an array, "
                       "so your function fails; convert z to a float array first",
             section="Exercise")
def step_copy_method(z):
    out = z.copy().astype(float)
    out[...] = np.where(out >= 0, 1.0, 0.0)
    return out


@BANK.alternative("step", "np.heaviside with value 1 at 0")
def step_heaviside1(z):
    return np.heaviside(z, 1.0)


@BANK.alternative("step", "torch, float32 tensor")
def step_torch(z):
    zt = torch.as_tensor(np.asarray(z), dtype=torch.float32)
    return (zt >= 0).to(torch.float32)


@BANK.alternative("step", "boolean cast to float32")
def step_astype(z):
    return (np.asarray(z) >= 0).astype(np.float32)


# ------------------------------------------------------------------ neuron
@BANK.mutant("neuron", "adds the bias after the activation",
             diagnosis="you add the bias after the activation, but the bias "
                       "is minus the threshold: it belongs inside, added to "
                       "the weighted sum before the activation is applied",
             section="From a biological neuron to a threshold unit")
def neuron_bias_after(x, w, b, activation):
    return activation(np.asarray(x) @ w) + b


@BANK.mutant("neuron", "forgets the activation",
             diagnosis="you return the pre-activation (weighted sum plus bias) and "
                       "never apply to it the activation function you were given",
             section="From a biological neuron to a threshold unit")
def neuron_no_activation(x, w, b, activation):
    return np.asarray(x) @ w + b


@BANK.mutant("neuron", "sums over everything: a batch collapses to one number",
             diagnosis="you add up the weighted inputs of all samples together, so a batch "
                       "gives one number; each row is its own sample and needs its own output",
             section="Two layers solve XOR")
def neuron_total_sum(x, w, b, activation):
    return activation(np.sum(np.asarray(x) * w) + b)


@BANK.mutant("neuron", "multiplies in place into x",
             diagnosis="you multiply the weights into the caller's x in "
                       "place, which overwrites their data (and can fail for "
                       "whole-number inputs); compute a new array instead",
             section="Exercise")
def neuron_inplace(x, w, b, activation):
    x *= w
    return activation(x.sum(axis=-1) + b)


@BANK.mutant("neuron", "squeezes the result: a batch of one sample comes back as a number",
             diagnosis="you squeeze away every axis of length 1, so a batch that holds a single "
                       "sample comes back as a plain number instead of an array of one output",
             section="Exercise")
def neuron_squeeze(x, w, b, activation):
    return np.squeeze(activation(np.asarray(x, dtype=float) @ w + b))


@BANK.mutant("neuron", "treats every input as a batch and unwraps a single result with .item()",
             diagnosis="you turn every one-element result into a plain number, "
                       "so a batch that holds a single sample comes back without "
                       "its batch axis instead of as an array of one output",
             section="Exercise")
def neuron_item_if_single(x, w, b, activation):
    out = np.asarray(activation(np.atleast_2d(np.asarray(x, dtype=float)) @ w + b))
    return out.item() if out.size == 1 else out


@BANK.alternative("neuron", "explicit loop over rows and features, float32")
def neuron_loop(x, w, b, activation):
    x = np.asarray(x, dtype=np.float32)
    w = np.asarray(w, dtype=np.float32)
    rows = np.atleast_2d(x)
    z = np.zeros(len(rows), dtype=np.float32)
    for i, row in enumerate(rows):
        for j in range(len(w)):
            z[i] += row[j] * w[j]
        z[i] += b
    out = activation(z)
    return out[0] if x.ndim == 1 else out


@BANK.alternative("neuron", "np.dot and a torch-free float64 path")
def neuron_dot(x, w, b, activation):
    return activation(np.dot(x, w) + b)


# ------------------------------------------------------------------ perceptron_update
@BANK.mutant("perceptron_update", "wrong sign: w - lr (t - o) x",
             diagnosis="you subtract the correction instead of adding it, so each "
                       "mistake pushes the neuron further from the right answer "
                       "(a missed positive becomes even less likely to fire)",
             section="The perceptron: learning the weights")
def update_sign(w, b, x, t, lr):
    o = _step(x @ w + b)
    return w - lr * (t - o) * x, b - lr * (t - o)


@BANK.mutant("perceptron_update", "forgets the bias update",
             diagnosis="you correct the weights but leave the bias as it was; the "
                       "bias learns too, like a weight whose input is always 1",
             section="The perceptron: learning the weights")
def update_no_bias(w, b, x, t, lr):
    o = _step(x @ w + b)
    return w + lr * (t - o) * x, b


@BANK.mutant("perceptron_update", "output with > 0: no update expected at z = 0 is missed",
             diagnosis="you treat the neuron as silent when z is exactly "
                       "0, but the step fires there, so a sample lying "
                       "exactly on the line gets the wrong update (or none)",
             section="The perceptron: learning the weights")
def update_strict(w, b, x, t, lr):
    o = float(x @ w + b > 0)
    return w + lr * (t - o) * x, b + lr * (t - o)


@BANK.mutant("perceptron_update", "modifies w in place",
             diagnosis="you add the correction into the caller's weight "
                       "array in place, which changes their w (and fails for "
                       "whole-number weights); compute new weights instead",
             section="Exercise")
def update_inplace(w, b, x, t, lr):
    o = _step(x @ w + b)
    w += lr * (t - o) * x
    return w, b + lr * (t - o)


@BANK.mutant("perceptron_update", "Hebbian: always adds lr t x, ignoring the output",
             diagnosis="you always add the target times the input, whether or "
                       "not the neuron was right; the perceptron learns only "
                       "from mistakes, scaled by the error target minus output",
             section="The perceptron: learning the weights")
def update_hebb(w, b, x, t, lr):
    return w + lr * t * x, b + lr * t


@BANK.mutant("perceptron_update", "copies w, then adds into the copy: fails for integer w",
             diagnosis="you add the correction into a copy of w, which keeps w's "
                       "whole-number (integer) type, so numpy refuses to store "
                       "the fractional result; the new weights must be floats",
             section="Exercise")
def update_copy_then_add(w, b, x, t, lr):
    o = _step(x @ w + b)
    w_new = w.copy()
    w_new += lr * (t - o) * x
    return w_new, b + lr * (t - o)


@BANK.mutant("perceptron_update", "writes into an array shaped like w: truncates for integer w",
             diagnosis="you store the new weights in an array of w's type, so for "
                       "whole-number (integer) weights the fractional correction "
                       "is silently cut off; the new weights must be floats",
             section="Exercise")
def update_zeros_like(w, b, x, t, lr):
    o = _step(x @ w + b)
    w_new = np.zeros_like(w)
    w_new[:] = w + lr * (t - o) * x
    return w_new, float(b + lr * (t - o))


@BANK.alternative("perceptron_update", "update only on a mistake, float32")
def update_if_wrong(w, b, x, t, lr):
    w = np.array(w, dtype=np.float32)
    x = np.asarray(x, dtype=np.float32)
    o = 1.0 if float(x @ w) + b >= 0 else 0.0
    if o != t:
        sign = 1.0 if t > o else -1.0
        w = w + np.float32(lr * sign) * x
        b = b + lr * sign
    return w, b


@BANK.alternative("perceptron_update", "torch tensors")
def update_torch(w, b, x, t, lr):
    wt, xt = torch.as_tensor(w), torch.as_tensor(x)
    o = (xt @ wt + b >= 0).double()
    delta = lr * (t - o)
    return wt + delta * xt, b + delta.item()


# ------------------------------------------------------------------ train_perceptron
def _train(X, t, lr, epochs, *, extra_epoch=False, count_after=False, no_stop=False,
           init=0.0, bias=True, shuffle=False):
    X = np.asarray(X, dtype=float)
    t = np.asarray(t, dtype=float)
    w, b = np.full(X.shape[1], init), init
    errors, stop_next = [], False
    for epoch in range(epochs):
        order = np.random.default_rng(epoch).permutation(len(X)) if shuffle else range(len(X))
        mistakes = 0
        for i in order:
            o = _step(X[i] @ w + b)
            if o != t[i]:
                mistakes += 1
                w = w + lr * (t[i] - o) * X[i]
                if bias:
                    b = b + lr * (t[i] - o)
        if count_after:
            mistakes = int(np.sum(_step(X @ w + b) != t))
        errors.append(mistakes)
        if stop_next:
            break
        if mistakes == 0 and not no_stop:
            if extra_epoch:
                stop_next = True
            else:
                break
    return w, b, errors


@BANK.mutant("train_perceptron", "never stops early: always runs all epochs",
             diagnosis="you keep training after an epoch without mistakes, "
                       "but the rule stops right after the first error-free "
                       "epoch, so your errors list runs on with zeros",
             section="The rule traced on AND")
def train_no_stop(X, t, lr=0.1, epochs=100):
    return _train(X, t, lr, epochs, no_stop=True)


@BANK.mutant("train_perceptron", "stopping rule off by one: one more epoch after 0 errors",
             diagnosis="you run one more epoch after the first error-free one, "
                       "so your errors list ends with two zeros; training "
                       "stops right after the first epoch with no mistakes",
             section="The rule traced on AND")
def train_extra_epoch(X, t, lr=0.1, epochs=100):
    return _train(X, t, lr, epochs, extra_epoch=True)


@BANK.mutant("train_perceptron", "errors counted after the epoch's updates",
             diagnosis="you count the mistakes after the epoch's updates, "
                       "on the final weights, but a mistake is counted when "
                       "its sample is visited, before the update it causes",
             section="The perceptron: learning the weights")
def train_count_after(X, t, lr=0.1, epochs=100):
    return _train(X, t, lr, epochs, count_after=True)


@BANK.mutant("train_perceptron", "starts from ones instead of zeros",
             diagnosis="you start from weights and a bias of 1, but the "
                       "perceptron starts with every weight and the bias at "
                       "0, so the mistakes per epoch and the final line differ",
             section="The rule traced on AND")
def train_ones(X, t, lr=0.1, epochs=100):
    return _train(X, t, lr, epochs, init=1.0)


@BANK.mutant("train_perceptron", "forgets the bias update",
             diagnosis="you never update the bias, so it stays 0 and the "
                       "decision line is stuck going through the origin; the "
                       "bias learns like a weight whose input is always 1",
             section="The perceptron: learning the weights")
def train_no_bias(X, t, lr=0.1, epochs=100):
    return _train(X, t, lr, epochs, bias=False)


@BANK.mutant("train_perceptron", "shuffles the samples every epoch",
             diagnosis="you visit the samples in a new random order each "
                       "epoch, but the rule visits them in their fixed order, "
                       "first to last, and the order changes what is learned",
             section="The perceptron: learning the weights")
def train_shuffle(X, t, lr=0.1, epochs=100):
    return _train(X, t, lr, epochs, shuffle=True)


@BANK.mutant("train_perceptron", "wrong default learning rate (1.0)",
             diagnosis="you use a different default learning rate (1.0, not 0.1), so a "
                       "call that gives none returns weights and a bias 10 times too large",
             section="Exercise")
def train_default_lr(X, t, lr=1.0, epochs=100):
    return _train(X, t, lr, epochs)


@BANK.mutant("train_perceptron", "centres X in place before training",
             diagnosis="you centre the data by subtracting the column means "
                       "inside the caller's X, which changes their data (and "
                       "fails for whole-number X); the rule trains on X as given",
             section="Exercise")
def train_centre_inplace(X, t, lr=0.1, epochs=100):
    mean = X.mean(axis=0)
    X -= mean
    w, b, errors = _train(X, t, lr, epochs)
    return w, b - w @ mean, errors


@BANK.mutant("train_perceptron", "returns errors as a numpy array instead of a list",
             diagnosis="you return the errors as a numpy array, but the function "
                       "promises a plain Python list with one count per epoch",
             section="Exercise")
def train_errors_array(X, t, lr=0.1, epochs=100):
    w, b, errors = _train(X, t, lr, epochs)
    return w, b, np.array(errors)


@BANK.mutant("train_perceptron", "counts mistakes as a float sum of |t - o|: errors are floats",
             diagnosis="you add up the sizes of the errors as decimal numbers, "
                       "so your counts come out as 2.0 rather than 2; each "
                       "epoch's entry must be a whole-number count (an int)",
             section="Exercise")
def train_float_counts(X, t, lr=0.1, epochs=100):
    X = np.asarray(X, dtype=float)
    t = np.asarray(t, dtype=float)
    w, b, errors = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        count = 0.0
        for xi, ti in zip(X, t):
            o = _step(xi @ w + b)
            count += float(abs(ti - o))
            w, b = w + lr * (ti - o) * xi, b + lr * (ti - o)
        errors.append(count)
        if count == 0:
            break
    return w, b, errors


@BANK.mutant("train_perceptron", "keeps the bias as a 1-element array np.zeros(1)",
             diagnosis="you return the bias as an array holding one number instead of "
                       "the number itself; the bias of a single neuron is a single number",
             section="Exercise")
def train_bias_array(X, t, lr=0.1, epochs=100):
    w, b, errors = _train(X, t, lr, epochs)
    return w, np.array([b]), errors


@BANK.mutant("train_perceptron", "w = np.zeros_like(X[0]) updated in place: integer X breaks it",
             diagnosis="you create the weights with the type of the samples, "
                       "so for whole-number (integer) data they are integers "
                       "and adding the fractional updates into them fails",
             section="Exercise")
def train_zeros_like_inplace(X, t, lr=0.1, epochs=100):
    w, b, errors = np.zeros_like(X[0]), 0.0, []
    for _ in range(epochs):
        count = 0
        for xi, ti in zip(X, t):
            o = _step(xi @ w + b)
            if o != ti:
                count += 1
                w += lr * (ti - o) * xi
                b += lr * (ti - o)
        errors.append(count)
        if count == 0:
            break
    return w, b, errors


@BANK.alternative("train_perceptron", "float32 weights and bias, errors as numpy ints in a list")
def train_float32(X, t, lr=0.1, epochs=100):
    X = np.asarray(X, dtype=np.float32)
    t = np.asarray(t, dtype=np.float32)
    w, b = np.zeros(X.shape[1], dtype=np.float32), np.float32(0)
    errors = []
    for _ in range(epochs):
        count = np.int64(0)
        for xi, ti in zip(X, t):
            o = np.float32(xi @ w + b >= 0)
            w = w + np.float32(lr) * (ti - o) * xi
            b = b + np.float32(lr) * (ti - o)
            count += np.int64(o != ti)
        errors.append(count)
        if count == 0:
            break
    return w, b, errors


@BANK.alternative("train_perceptron", "while loop with +-1 labels internally")
def train_pm1(X, t, lr=0.1, epochs=100):
    X = np.array(X, dtype=float)
    s = 2 * np.asarray(t, dtype=float) - 1  # +1 / -1
    w, b, errors, epoch = np.zeros(X.shape[1]), 0.0, [], 0
    while epoch < epochs:
        wrong = 0
        for i in range(len(X)):
            pred = 1 if X[i] @ w + b >= 0 else -1
            if pred != s[i]:
                wrong += 1
                w = w + lr * s[i] * X[i]
                b = b + lr * s[i]
        errors.append(wrong)
        epoch += 1
        if not wrong:
            break
    return w, b, errors


# ------------------------------------------------------------------ xor_network
@BANK.mutant("xor_network", "computes OR (forgot the AND unit's inhibition)",
             diagnosis="your output unit ignores the AND unit, so the "
                       "network computes OR; XOR is OR but not AND, so the "
                       "AND unit must inhibit the output (a negative weight)",
             section="Two layers solve XOR")
def xor_as_or():
    return np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([-0.5, -1.5]), np.array([1.0, 0.0]), -0.5


@BANK.mutant("xor_network", "output threshold too high: computes AND",
             diagnosis="your second hidden unit computes AND, not NAND, yet your "
                       "output fires only when both hidden units fire, so the "
                       "network computes AND; the AND unit must inhibit the output",
             section="Two layers solve XOR")
def xor_as_and():
    return np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([-0.5, -1.5]), np.array([1.0, 1.0]), -1.5


@BANK.mutant("xor_network", "designed for step(0) = 0: with step(0) = 1 it always fires",
             diagnosis="you place thresholds exactly on values that z "
                       "reaches, as if the step stayed silent at z = 0; it "
                       "fires there, so your output unit fires for every input",
             section="From a biological neuron to a threshold unit")
def xor_boundary():
    # with a strict threshold: h1 = OR, h2 = AND, y = h1 AND NOT h2; with >= every unit fires
    return np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([0.0, -1.0]), np.array([1.0, -1.0]), 0.0


@BANK.mutant("xor_network", "W2 as a (h, 1) column and b1 as (1, h)",
             diagnosis="you store the hidden biases as a one-row matrix and "
                       "the output weights as a one-column matrix, but both "
                       "must be flat vectors with one entry per hidden unit",
             section="Exercise")
def xor_column_shapes():
    return (np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([[-0.5, -1.5]]),
            np.array([[1.0], [-1.0]]), -0.5)


@BANK.mutant("xor_network", "b2 as a 1-element array np.array([-0.5]) instead of a number",
             diagnosis="you return the output bias as an array holding one number, but "
                       "the bias of the single output neuron must be a plain number",
             section="Exercise")
def xor_b2_array():
    return np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([-0.5, -1.5]), np.array([1.0, -1.0]), \
        np.array([-0.5])


@BANK.mutant("xor_network", "placeholder zeros of the right shapes (weights not chosen yet)",
             diagnosis="you left all the weights and biases at zero, so every "
                       "unit sits exactly at its threshold and fires for every "
                       "input; the weights still have to be chosen by hand",
             section="Two layers solve XOR")
def xor_zeros():
    return np.zeros((2, 2)), np.zeros(2), np.zeros(2), 0.0


@BANK.alternative("xor_network", "NAND and OR hidden units, three hidden units with a spare")
def xor_nand_or():
    W1 = np.array([[-1.0, 1.0, 0.0], [-1.0, 1.0, 0.0]], dtype=np.float32)
    b1 = np.array([1.5, -0.5, -1.0], dtype=np.float32)
    W2 = np.array([1.0, 1.0, 0.0], dtype=np.float32)
    return W1, b1, W2, np.float32(-1.5)


@BANK.alternative("xor_network", "x1 AND NOT x2, x2 AND NOT x1, as lists")
def xor_two_and_not():
    return [[2.0, -2.0], [-2.0, 2.0]], [-1.0, -1.0], [1.0, 1.0], -1.0


# ------------------------------------------------------------------ separability_verdict
def _verdict(X, errors, margin, *, bound_first=False, no_bound=False, raw_R=False,
             not_squared=False, epochs=False, ties=False, mean_R=False):
    X = np.asarray(X, dtype=float)
    counts = [int(e) for e in errors]
    lengths = np.sum(X ** 2, axis=1) + (0.0 if raw_R else 1.0)
    R2 = float(np.mean(lengths) if mean_R else np.max(lengths))
    bound = np.sqrt(R2) / margin if not_squared else R2 / margin ** 2
    used = len(counts) if epochs else sum(counts)
    beyond = used >= bound if ties else used > bound
    if bound_first and beyond:
        return "not separable"
    if 0 in counts:
        return "separable"
    if no_bound or beyond:
        return "not separable"
    return "undecided"


@BANK.mutant("separability_verdict", "no error-free epoch means not separable (no bound)",
             diagnosis="you read a run that never reached an error-free epoch as proof that "
                       "no line exists, but a short run proves nothing: only more mistakes "
                       "than the convergence theorem allows rule a separation out",
             section="The rule traced on AND")
def verdict_no_bound(X, errors, margin):
    return _verdict(X, errors, margin, no_bound=True)


@BANK.mutant("separability_verdict", "checks the bound before the error-free epoch",
             diagnosis="you let the bound overrule an error-free epoch, but an epoch without "
                       "mistakes is a separating line found: the data are separable, only with "
                       "a smaller margin than the one you assumed",
             section="The rule traced on AND")
def verdict_bound_first(X, errors, margin):
    return _verdict(X, errors, margin, bound_first=True)


@BANK.mutant("separability_verdict", "R from the raw inputs, without the constant input 1",
             diagnosis="you measure R on the inputs themselves, but the theorem is stated for "
                       "the augmented inputs (x, 1) that carry the bias: R^2 is the largest "
                       "||x||^2 plus 1",
             section="The rule traced on AND")
def verdict_raw_R(X, errors, margin):
    return _verdict(X, errors, margin, raw_R=True)


@BANK.mutant("separability_verdict", "bound R / gamma instead of (R / gamma)^2",
             diagnosis="you forget the square in the convergence theorem: a perceptron may "
                       "make up to (R / gamma)^2 mistakes, a much larger number than R / gamma",
             section="The rule traced on AND")
def verdict_not_squared(X, errors, margin):
    return _verdict(X, errors, margin, not_squared=True)


@BANK.mutant("separability_verdict", "compares the number of epochs with the bound",
             diagnosis="you compare the number of epochs with the bound, but the theorem "
                       "counts mistakes (updates): add up the mistakes of all the epochs",
             section="The rule traced on AND")
def verdict_epochs(X, errors, margin):
    return _verdict(X, errors, margin, epochs=True)


@BANK.mutant("separability_verdict", ">= instead of >: exactly (R / gamma)^2 mistakes rules out",
             diagnosis="you rule a separation out when the run made exactly (R / gamma)^2 "
                       "mistakes, but the theorem allows at most that many: only more rule "
                       "it out",
             section="The rule traced on AND")
def verdict_ties(X, errors, margin):
    return _verdict(X, errors, margin, ties=True)


@BANK.mutant("separability_verdict", "R^2 from the mean squared length, not the largest",
             diagnosis="you take an average length of the inputs for R, but the theorem needs "
                       "the largest one: every augmented input must be no longer than R",
             section="The rule traced on AND")
def verdict_mean_R(X, errors, margin):
    return _verdict(X, errors, margin, mean_R=True)


@BANK.alternative("separability_verdict", "multiplies instead of dividing, with norms")
def verdict_norms(X, errors, margin):
    X = np.asarray(X, dtype=float)
    augmented = np.hstack([X, np.ones((len(X), 1))])
    R = np.linalg.norm(augmented, axis=1).max()
    if min(errors) == 0:
        return "separable"
    return "not separable" if np.sum(errors) * margin ** 2 > R ** 2 else "undecided"


@BANK.alternative("separability_verdict", "plain Python loops, last epoch checked for 0")
def verdict_loops(X, errors, margin):
    if errors[-1] == 0:   # train_perceptron stops right after the first error-free epoch
        return "separable"
    R2 = max(sum(float(v) ** 2 for v in row) for row in np.asarray(X).tolist()) + 1
    total = 0
    for e in errors:
        total += e
    if total > R2 / (margin * margin):
        return "not separable"
    return "undecided"


@BANK.alternative("separability_verdict", "torch tensors for the inputs and the counts")
def verdict_torch(X, errors, margin):
    X = torch.as_tensor(np.asarray(X, dtype=float))
    counts = torch.as_tensor(list(errors))
    if bool((counts == 0).any()):
        return "separable"
    R2 = float((X ** 2).sum(dim=1).max()) + 1.0
    return "not separable" if float(counts.sum()) > R2 / margin ** 2 else "undecided"

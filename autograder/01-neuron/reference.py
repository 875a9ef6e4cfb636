"""Reference implementations for chapter 01-neuron (instructor only).

The artificial neuron of McCulloch & Pitts, Rosenblatt's perceptron learning rule and a
two-layer threshold network that computes XOR. No function modifies its inputs.
"""
import numpy as np


def step(z):
    """Heaviside step (threshold) activation, elementwise.

        step(z) = 1  if z >= 0
                  0  otherwise

    The value at z = 0 is 1 by convention (a neuron whose input exactly reaches its
    threshold fires). Returns a float array with the shape of ``z``.
    """
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1.0, 0.0)


def neuron(x, w, b, activation):
    """One artificial neuron: a = f(x . w + b).

    x is one input (d,) or a batch of inputs (n, d), one per row; w (d,) are the synaptic
    weights, b a scalar bias (minus the threshold) and ``activation`` a callable f applied
    elementwise to the pre-activation z = x @ w + b. Returns a scalar for x (d,), (n,) for x (n, d).
    """
    pre_activation = np.asarray(x, dtype=float) @ np.asarray(w, dtype=float) + float(b)
    return activation(pre_activation)


def perceptron_update(w, b, x, t, lr):
    """One step of Rosenblatt's perceptron learning rule on a single sample (x, t), t in {0, 1}.

        o     = step(x . w + b)
        w_new = w + lr (t - o) x
        b_new = b + lr (t - o)

    Nothing changes when the sample is classified correctly (t = o); otherwise the weights move
    towards x (missed positive, t - o = +1) or away from it (false positive, t - o = -1).
    Returns new arrays; ``w`` is not modified.
    """
    w = np.asarray(w, dtype=float)
    x = np.asarray(x, dtype=float)
    output = step(x @ w + b)
    delta = lr * (float(t) - float(output))
    return w + delta * x, float(b) + delta


def train_perceptron(X, t, lr=0.1, epochs=100):
    """Train a perceptron on X (n, d) with 0/1 targets t (n,) by the perceptron learning rule.

    Starts from w = 0, b = 0 and visits the samples in their order, applying
    :func:`perceptron_update` to each. ``errors[e]`` is the number of samples that were
    misclassified when visited in epoch e (the number of updates made in that epoch).
    Training stops after the first epoch with no error, or after ``epochs`` epochs.
    Returns ``(w, b, errors)`` with ``errors`` a list of ints, one per epoch run.
    For linearly separable data the perceptron convergence theorem guarantees that an
    epoch without error eventually happens.
    """
    X = np.asarray(X, dtype=float)
    t = np.asarray(t, dtype=float)
    w, b = np.zeros(X.shape[1]), 0.0
    errors = []
    for _ in range(epochs):
        mistakes = 0
        for xi, ti in zip(X, t):
            if step(xi @ w + b) != ti:
                mistakes += 1
                w, b = perceptron_update(w, b, xi, ti, lr)
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, errors


def xor_network():
    """Weights of a two-layer step network that computes XOR on {0, 1}^2.

    Hidden unit 1 computes OR (fires when x1 + x2 - 0.5 >= 0), hidden unit 2 computes AND
    (fires when x1 + x2 - 1.5 >= 0); the output fires for "OR and not AND":
    h1 - h2 - 0.5 >= 0. So y = step(step(X @ W1 + b1) @ W2 + b2) = XOR(x1, x2).
    Returns ``W1 (2, 2), b1 (2,), W2 (2,), b2`` (a float).
    """
    W1 = np.array([[1.0, 1.0],
                   [1.0, 1.0]])
    b1 = np.array([-0.5, -1.5])
    W2 = np.array([1.0, -1.0])
    b2 = -0.5
    return W1, b1, W2, b2


def separability_verdict(X, errors, margin):
    """Read a perceptron's training run: is the data set (X, with the run's targets) linearly
    separable? ``errors`` is the list of mistakes per epoch of a run started at w = 0, b = 0
    (as :func:`train_perceptron` returns it); ``margin`` is the smallest margin gamma > 0 that
    would count as a separation. Returns one of three strings, decided in this order:

    * ``"separable"`` if some epoch had no mistake: its weights classify every sample
      correctly, a separating line found (a proof, whatever the margin);
    * ``"not separable"`` if the run made more than (R / gamma)^2 mistakes in all,
      sum(errors) > R^2 / gamma^2, with R^2 = max_i ||x_i||^2 + 1 the largest squared length of
      an augmented input x' = (x, 1). By the perceptron convergence theorem (Novikoff) a
      perceptron started at zero makes at most (R / gamma)^2 mistakes on data separable with
      margin gamma, so no separation with a margin of at least gamma exists;
    * ``"undecided"`` otherwise (exactly (R / gamma)^2 mistakes is still allowed): the run was
      too short to tell.

    Neither the learning rate nor the order of the samples enters the bound.
    """
    X = np.asarray(X, dtype=float)
    counts = [int(e) for e in errors]
    if any(e == 0 for e in counts):
        return "separable"
    R2 = float(np.max(np.sum(X ** 2, axis=1))) + 1.0
    if sum(counts) > R2 / float(margin) ** 2:
        return "not separable"
    return "undecided"

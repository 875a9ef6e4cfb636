"""Reference implementations for chapter 03-backprop (instructor only).

Conventions: a batch is a 2-D array with one sample per row; ``W`` has shape (d_in, d_out) so a
layer computes ``x @ W + b``; class labels are integers 0 .. C-1. Losses are *means* over the
batch, so their gradients carry a factor 1/n. No function modifies its inputs.
"""
import numpy as np


# ---------------------------------------------------------------- losses
def mse_loss(y_pred, y):
    """Mean squared error over *all* elements.

    L = (1/N) sum_i (yhat_i - y_i)^2, where N is the total number of entries (y_pred.size).
    """
    diff = np.asarray(y_pred, dtype=float) - np.asarray(y, dtype=float)
    return float(np.mean(diff ** 2))


def _log_softmax(logits):
    """log p_ic = z_ic - m_i - log sum_j exp(z_ij - m_i), m_i = max_j z_ij (log-sum-exp trick)."""
    z = np.asarray(logits, dtype=float)
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def cross_entropy(logits, labels):
    """Mean cross-entropy between softmax(logits) and integer labels.

    L = -(1/n) sum_i log p_{i, y_i},  p_i = softmax(z_i),
    with log p computed as z - logsumexp(z) after subtracting the row maximum, so logits of
    size 1e4 neither overflow nor produce log(0).
    """
    labels = np.asarray(labels).astype(int)
    logp = _log_softmax(logits)
    n = logp.shape[0]
    return float(-logp[np.arange(n), labels].mean())


def cross_entropy_grad(logits, labels):
    """Gradient of the *mean* cross-entropy with respect to the logits, shape (n, C).

    dL/dz_ic = (p_ic - [c == y_i]) / n: softmax minus one-hot, divided by the batch size.
    Each row sums to zero.
    """
    labels = np.asarray(labels).astype(int)
    p = np.exp(_log_softmax(logits))
    n = p.shape[0]
    p[np.arange(n), labels] -= 1.0
    return p / n


# ---------------------------------------------------------------- gradient checking
def numerical_gradient(f, x, eps=1e-6):
    """Central-difference estimate of the gradient of a scalar function f at x.

    g_k = (f(x + eps e_k) - f(x - eps e_k)) / (2 eps) for every entry k of x. The error is
    O(eps^2) (forward differences are only O(eps)). Works on a private copy, so the caller's
    x is unchanged afterwards; returns an array with x's shape.
    """
    x = np.array(x, dtype=float)  # a copy we are free to perturb
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)  # views
    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + eps
        f_plus = float(f(x))
        flat[k] = old - eps
        f_minus = float(f(x))
        flat[k] = old
        gflat[k] = (f_plus - f_minus) / (2.0 * eps)
    return grad


# ---------------------------------------------------------------- a linear layer
def linear_forward(x, W, b):
    """out = x @ W + b for x (n, d_in), W (d_in, d_out), b (d_out,)."""
    return np.asarray(x, dtype=float) @ np.asarray(W, dtype=float) + np.asarray(b, dtype=float)


def linear_backward(dout, x, W):
    """Backward pass of out = x W + b, given dout = dL/dout of shape (n, d_out).

    dL/dx = dout W^T      (n, d_in)
    dL/dW = x^T dout      (d_in, d_out): sums the per-sample outer products x_i dout_i^T
    dL/db = sum_i dout_i  (d_out,): b is added to every row, so its gradient sums over rows
    """
    dout = np.asarray(dout, dtype=float)
    x = np.asarray(x, dtype=float)
    W = np.asarray(W, dtype=float)
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


# ---------------------------------------------------------------- a two-layer network
def mlp_forward(params, X):
    """Linear -> ReLU -> Linear.

    Z1 = X W1 + b1,  H = max(0, Z1),  logits = H W2 + b2.
    Returns (logits, cache) with cache = (X, Z1, H), what the backward pass needs.
    """
    X = np.asarray(X, dtype=float)
    Z1 = linear_forward(X, params["W1"], params["b1"])
    H = np.maximum(Z1, 0.0)
    logits = linear_forward(H, params["W2"], params["b2"])
    return logits, (X, Z1, H)


def mlp_backward(params, cache, dlogits):
    """Backpropagation through the network of :func:`mlp_forward`, given dL/dlogits.

    dW2 = H^T dlogits, db2 = sum_i dlogits_i, dH = dlogits W2^T,
    dZ1 = dH * 1[Z1 > 0] (ReLU passes the gradient only where it was active),
    dW1 = X^T dZ1, db1 = sum_i dZ1_i. Returns a dict with keys W1, b1, W2, b2.
    """
    X, Z1, H = cache
    dH, dW2, db2 = linear_backward(dlogits, H, params["W2"])
    dZ1 = dH * (Z1 > 0)
    _, dW1, db1 = linear_backward(dZ1, X, params["W1"])
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def sgd_step(params, grads, lr):
    """Plain gradient descent: theta <- theta - lr * dL/dtheta for every parameter.

    Returns a *new* dict of new arrays; params and grads are left untouched.
    """
    return {k: np.asarray(v, dtype=float) - lr * np.asarray(grads[k], dtype=float)
            for k, v in params.items()}


def train_mlp(X, y, hidden=64, lr=0.1, epochs=30, batch_size=32, seed=0):
    """Train the MLP with mini-batch SGD on the mean cross-entropy; returns the params dict.

    Initialisation (He et al. 2015): W ~ N(0, 2 / fan_in), biases 0, drawn from
    np.random.default_rng(seed). Every epoch visits the samples in a fresh random order,
    in mini-batches of batch_size; each batch does forward, loss gradient, backward, SGD step.
    Number of classes C = max(y) + 1.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).astype(int)
    generator = np.random.default_rng(seed)  # initial weights, then the shuffling
    n, d = X.shape
    c = int(y.max()) + 1
    params = {"W1": generator.normal(0.0, np.sqrt(2.0 / d), size=(d, hidden)),
              "b1": np.zeros(hidden),
              "W2": generator.normal(0.0, np.sqrt(2.0 / hidden), size=(hidden, c)),
              "b2": np.zeros(c)}
    for _epoch in range(epochs):
        order = generator.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            logits, cache = mlp_forward(params, X[idx])
            grads = mlp_backward(params, cache, cross_entropy_grad(logits, y[idx]))
            params = sgd_step(params, grads, lr)
    return params


# ---------------------------------------------------------------- apply and decide
def choose_learning_rate(learning_rates, val_losses, tolerance=0.1):
    """The learning rate to train with, judged from one validation-loss curve per trial run.

    ``learning_rates`` holds k rates, in any order; ``val_losses`` has shape (k, T): row i is the
    validation loss of the run with rate i, before training (column 0) and after successive
    epochs, the last column at the end of the budget. The rule:

    1. a run *diverged* if any of its losses is not finite (nan or +-inf); it is out;
    2. L* = min_i L_{i, T-1}, the best final loss among the runs that did not diverge;
    3. return the *smallest* rate r_i of a run that did not diverge with
       L_{i, T-1} <= (1 + tolerance) L*.

    Runs that crawl (rate too small) or blow up or collapse to chance without overflowing
    (rate too large) end with a high loss and lose in step 3. Final losses within the tolerance
    of the best are treated as equally good (the spread between runs that differ only by their
    seed is of that order), and among them the smallest rate is the furthest from the rates at
    which training breaks down (eta < 2 / lambda_max). Returns a float, one of learning_rates;
    assumes at least one run did not diverge. Modifies nothing.
    """
    rates = np.asarray(learning_rates, dtype=float)
    losses = np.asarray(val_losses, dtype=float)
    finite = np.all(np.isfinite(losses), axis=1)
    last = losses[:, -1]
    best = last[finite].min()
    good_enough = finite & (last <= (1.0 + tolerance) * best)
    return float(rates[good_enough].min())

"""Mutants and alternative implementations for 03-backprop (see autograder/engine/bank.py).

``mlp_backward`` is graded on the cache of the student's own ``mlp_forward``, looked up in the
globals of the ``mlp_backward`` function (the notebook's namespace). In this module the global
``mlp_forward`` is a correct implementation with the cache ``(X, Z1, H)``; an alternative with a
different cache format gets its own forward with :func:`_paired`.
"""
import types

import numpy as np
import torch

from autograder.engine.bank import Bank

BANK = Bank("03-backprop")


def _paired(backward, forward):
    """A copy of ``backward`` whose global ``mlp_forward`` is ``forward`` (as in a notebook
    where both were defined together)."""
    glb = dict(backward.__globals__, mlp_forward=forward)
    fn = types.FunctionType(backward.__code__, glb, backward.__name__, backward.__defaults__,
                            backward.__closure__)
    fn.__doc__ = backward.__doc__
    return fn


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _relu_net(params, X):
    Z1 = X @ params["W1"] + params["b1"]
    H = np.maximum(Z1, 0)
    return H @ params["W2"] + params["b2"], (X, Z1, H)


# ------------------------------------------------------------------ mse_loss
@BANK.mutant("mse_loss", "sum of squares instead of the mean",
             diagnosis="you add up the squared errors but never divide by how many there are, so "
                       "the loss grows with the amount of data instead of being an average",
             section='Cost functions: one number for "how wrong"')
def mse_loss_sum(y_pred, y):
    return float(np.sum((y_pred - y) ** 2))


@BANK.mutant("mse_loss", "divides by the number of rows, not the number of elements",
             diagnosis="you divide by the number of samples (rows) rather than the number of "
                       "entries, so for targets with several columns the loss is too large by the "
                       "number of columns",
             section='Cost functions: one number for "how wrong"')
def mse_loss_rows(y_pred, y):
    return float(np.sum((y_pred - y) ** 2) / len(y))


@BANK.mutant("mse_loss", "torch.mean without .item(): returns a 0-d tensor, not a float",
             diagnosis="you return the loss as a 0-dimensional torch tensor, a number still "
                       "wrapped in torch, instead of the plain Python float that was asked for",
             section="Exercise")
def mse_loss_tensor(y_pred, y):
    return torch.mean((torch.as_tensor(y_pred) - torch.as_tensor(y)) ** 2)


@BANK.mutant("mse_loss", "np.mean(..., keepdims=True): an array of shape (1,) or (1, 1)",
             diagnosis="you keep the averaged dimensions, so the loss comes back as a tiny array "
                       "of shape (1,) or (1, 1) instead of a single Python float",
             section="Exercise")
def mse_loss_keepdims(y_pred, y):
    return np.mean((np.asarray(y_pred) - np.asarray(y)) ** 2, keepdims=True)


@BANK.alternative("mse_loss", "torch.nn.functional.mse_loss(...).item()")
def mse_loss_torch_item(y_pred, y):
    return torch.nn.functional.mse_loss(torch.as_tensor(y_pred), torch.as_tensor(y)).item()


@BANK.alternative("mse_loss", "a numpy float32 scalar")
def mse_loss_float32(y_pred, y):
    diff = np.asarray(y_pred, dtype=np.float32) - np.asarray(y, dtype=np.float32)
    return np.float32(np.mean(diff * diff))


@BANK.alternative("mse_loss", "a Python loop over the flattened arrays")
def mse_loss_loop(y_pred, y):
    a, b = np.ravel(y_pred), np.ravel(y)
    total = 0.0
    for i in range(a.size):
        total += (a[i] - b[i]) ** 2
    return total / a.size


# ------------------------------------------------------------------ cross_entropy
@BANK.mutant("cross_entropy", "sum over the batch instead of the mean",
             diagnosis="you add up the per-sample losses instead of averaging them, so the loss "
                       "grows with the batch size and is n times too large",
             section='Cost functions: one number for "how wrong"')
def cross_entropy_sum(logits, labels):
    p = _softmax(logits)
    return float(-np.log(p[np.arange(len(labels)), labels]).sum())


@BANK.mutant("cross_entropy", "unstable: log(softmax) without max subtraction overflows",
             diagnosis="you exponentiate the logits without first subtracting each row's largest "
                       "logit, so large logits overflow to inf and the loss becomes nan or inf",
             section='Cost functions: one number for "how wrong"')
def cross_entropy_unstable(logits, labels):
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    return float(-np.log(p[np.arange(len(labels)), labels]).mean())


@BANK.mutant("cross_entropy", "stable softmax, but log(0) for a confident mistake",
             diagnosis="you take the log of the computed probability, which underflows to exactly "
                       "0 when the network is confidently wrong, so the loss is inf instead of a "
                       "large finite number",
             section='Cost functions: one number for "how wrong"')
def cross_entropy_log_of_softmax(logits, labels):
    p = _softmax(logits)
    return float(-np.log(p[np.arange(len(labels)), labels]).mean())


@BANK.mutant("cross_entropy", "F.cross_entropy without .item(): returns a 0-d tensor",
             diagnosis="you return the loss as a 0-dimensional torch tensor, a number still "
                       "wrapped in torch, instead of the plain Python float that was asked for",
             section="Exercise")
def cross_entropy_tensor(logits, labels):
    return torch.nn.functional.cross_entropy(torch.as_tensor(np.asarray(logits, dtype=float)),
                                             torch.as_tensor(np.asarray(labels)))


@BANK.mutant("cross_entropy", "mean with keepdims=True: an array of shape (1,), not a float",
             diagnosis="you keep the averaged dimension, so the loss comes back as an array of "
                       "shape (1,) instead of a single Python float",
             section="Exercise")
def cross_entropy_keepdims(logits, labels):
    z = np.asarray(logits, dtype=float)
    m = z.max(axis=1, keepdims=True)
    logp = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return -np.mean(logp[np.arange(len(labels)), labels], keepdims=True)


@BANK.alternative("cross_entropy", "float32 log-sum-exp")
def cross_entropy_float32(logits, labels):
    z = np.asarray(logits, dtype=np.float32)
    m = z.max(axis=1, keepdims=True)
    logp = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(labels)), labels].mean())


@BANK.alternative("cross_entropy", "torch.nn.functional.cross_entropy")
def cross_entropy_torch(logits, labels):
    return torch.nn.functional.cross_entropy(torch.as_tensor(np.asarray(logits, dtype=float)),
                                             torch.as_tensor(np.asarray(labels))).item()


# ------------------------------------------------------------------ cross_entropy_grad
@BANK.mutant("cross_entropy_grad", "forgets to divide by the batch size",
             diagnosis="you forget that the loss is a mean over the n samples, so your gradient "
                       "lacks the factor 1/n and is n times too large",
             section="Backpropagation through Linear → ReLU → Linear")
def cross_entropy_grad_no_mean(logits, labels):
    p = _softmax(logits)
    p[np.arange(len(labels)), labels] -= 1
    return p


@BANK.mutant("cross_entropy_grad", "one-hot minus softmax: the sign is flipped",
             diagnosis="you subtract the probabilities from the one-hot labels instead of the "
                       "labels from the probabilities, so every entry of the gradient has the "
                       "wrong sign",
             section="Backpropagation through Linear → ReLU → Linear")
def cross_entropy_grad_sign(logits, labels):
    p = _softmax(logits)
    p[np.arange(len(labels)), labels] -= 1
    return -p / len(labels)


@BANK.mutant("cross_entropy_grad", "subtracts the one-hot from the logits array in place",
             diagnosis="you compute the softmax by overwriting the caller's logits array instead "
                       "of working on a new array, so the logits you were given are destroyed",
             section="Exercise")
def cross_entropy_grad_inplace(logits, labels):
    logits -= logits.max(axis=1, keepdims=True)
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=1, keepdims=True)
    logits[np.arange(len(labels)), labels] -= 1
    return logits / len(labels)


@BANK.alternative("cross_entropy_grad", "torch autograd of F.cross_entropy, float32")
def cross_entropy_grad_autograd(logits, labels):
    z = torch.tensor(np.asarray(logits), dtype=torch.float32, requires_grad=True)
    torch.nn.functional.cross_entropy(z, torch.as_tensor(np.asarray(labels))).backward()
    return z.grad.numpy()


# ------------------------------------------------------------------ numerical_gradient
@BANK.mutant("numerical_gradient", "forward differences (f(x + eps) - f(x)) / eps",
             diagnosis="you use the one-sided forward difference instead of the central difference "
                       "(nudging up and down), so the error is of order eps rather than eps "
                       "squared",
             section="Gradient checking by finite differences")
def numerical_gradient_forward(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    g, f0 = np.zeros_like(x), f(x)
    for k in np.ndindex(x.shape):
        old = x[k]
        x[k] = old + eps
        g[k] = (f(x) - f0) / eps
        x[k] = old
    return g


@BANK.mutant("numerical_gradient", "perturbs the caller's x and never restores it",
             diagnosis="you nudge the entries of the caller's x itself and never put them back, so "
                       "the x you were given is changed by the call",
             section="Exercise")
def numerical_gradient_no_restore(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        x[k] += eps
        fp = f(x)
        x[k] -= 2 * eps
        g[k] = (fp - f(x)) / (2 * eps)
    return g


@BANK.mutant("numerical_gradient", "ignores its eps argument (always 1e-6)",
             diagnosis="you ignore the step eps you are given and always nudge by a fixed step of "
                       "your own, so a caller who chooses the step gets the wrong estimate",
             section="Gradient checking by finite differences")
def numerical_gradient_fixed_eps(f, x, eps=1e-6):
    h = 1e-6
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        old = x[k]
        x[k] = old + h
        fp = f(x)
        x[k] = old - h
        g[k] = (fp - f(x)) / (2 * h)
        x[k] = old
    return g


@BANK.mutant("numerical_gradient", "only handles vectors: flattens x and returns a 1-D array",
             diagnosis="you return the gradient as a flat vector, but a gradient has the shape of "
                       "what it is the gradient of, so a matrix x needs a matrix of slopes",
             section="Backpropagation through Linear → ReLU → Linear")
def numerical_gradient_flat(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    g = np.zeros(x.size)
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = eps
        g[k] = (f((x.ravel() + e).reshape(x.shape)) - f((x.ravel() - e).reshape(x.shape))) / (2 * eps)
    return g


@BANK.mutant("numerical_gradient", "perturbs x.copy(): an integer x cannot hold x + eps",
             diagnosis="you perturb a copy that keeps x's integer type, and an integer array "
                       "cannot hold a nudge as small as eps, so the nudges are rounded away and "
                       "the slopes are nonsense",
             section="Exercise")
def numerical_gradient_int_copy(f, x, eps=1e-6):
    x = x.copy()
    g = np.zeros(x.shape)
    for k in np.ndindex(x.shape):
        old = x[k]
        x[k] = old + eps
        fp = f(x)
        x[k] = old - eps
        g[k] = (fp - f(x)) / (2 * eps)
        x[k] = old
    return g


@BANK.mutant("numerical_gradient", "gradient stored in np.zeros_like(x): integer for integer x",
             diagnosis="your gradient array takes the integer type of an integer x, so every slope "
                       "you store in it is cut down to a whole number",
             section="Exercise")
def numerical_gradient_int_grad(f, x, eps=1e-6):
    xf = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        old = xf[k]
        xf[k] = old + eps
        fp = f(xf)
        xf[k] = old - eps
        g[k] = (fp - f(xf)) / (2 * eps)
        xf[k] = old
    return g


@BANK.alternative("numerical_gradient", "builds x + eps e_k and x - eps e_k as fresh arrays")
def numerical_gradient_fresh(f, x, eps=1e-6):
    x = np.asarray(x, dtype=float)
    g = np.empty(x.shape)
    for k in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[k] = eps
        g[k] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


# ------------------------------------------------------------------ linear_forward
@BANK.mutant("linear_forward", "forgets the bias",
             diagnosis="you forget to add the bias, so every output is missing its constant offset "
                       "b",
             section="Backpropagation through Linear → ReLU → Linear")
def linear_forward_no_bias(x, W, b):
    return x @ W


@BANK.alternative("linear_forward", "einsum in float32")
def linear_forward_einsum(x, W, b):
    x, W, b = (np.asarray(a, dtype=np.float32) for a in (x, W, b))
    return np.einsum("ni,io->no", x, W) + b


# ------------------------------------------------------------------ linear_backward
@BANK.mutant("linear_backward", "missing bias gradient (db = 0)",
             diagnosis="you return a zero bias gradient, as if the bias did not affect the loss, "
                       "but it is added to every output and collects the sum of their gradients",
             section="Backpropagation through Linear → ReLU → Linear")
def linear_backward_no_db(dout, x, W):
    return dout @ W.T, x.T @ dout, np.zeros(W.shape[1])


@BANK.mutant("linear_backward", "db summed over the wrong axis (per sample)",
             diagnosis="you sum the output gradient over the units of each sample instead of over "
                       "the samples of the batch, so db has one entry per sample rather than one "
                       "per output unit",
             section="Backpropagation through Linear → ReLU → Linear")
def linear_backward_db_axis(dout, x, W):
    return dout @ W.T, x.T @ dout, dout.sum(axis=1)


@BANK.mutant("linear_backward", "db averaged instead of summed over the batch",
             diagnosis="you average the bias gradient over the batch instead of summing it: the "
                       "same bias is used by every sample, so the gradients from all samples add "
                       "up",
             section="The chain rule on a computational graph")
def linear_backward_db_mean(dout, x, W):
    return dout @ W.T, x.T @ dout, dout.mean(axis=0)


@BANK.mutant("linear_backward", "dW transposed: dout.T @ x",
             diagnosis="your weight gradient is transposed: it has the shape (outputs, inputs), "
                       "but a gradient always has the shape of its parameter W",
             section="Backpropagation through Linear → ReLU → Linear")
def linear_backward_dW_transposed(dout, x, W):
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)


@BANK.mutant("linear_backward", "dx uses W instead of W.T (works only for square W)",
             diagnosis="you make W fit by reshaping it to the transposed shape, but reshaping is "
                       "not transposing: it refills the numbers row by row, so dx is wrong (for a "
                       "square W it uses W itself)",
             section="Backpropagation through Linear → ReLU → Linear")
def linear_backward_dx_no_transpose(dout, x, W):
    return dout @ W.reshape(W.shape[1], W.shape[0]), x.T @ dout, dout.sum(axis=0)


@BANK.alternative("linear_backward", "explicit loops over samples and units")
def linear_backward_loops(dout, x, W):
    n, d_in = x.shape
    d_out = W.shape[1]
    dx, dW, db = np.zeros((n, d_in)), np.zeros((d_in, d_out)), np.zeros(d_out)
    for i in range(n):
        for j in range(d_out):
            db[j] += dout[i, j]
            for k in range(d_in):
                dx[i, k] += dout[i, j] * W[k, j]
                dW[k, j] += x[i, k] * dout[i, j]
    return dx, dW, db


@BANK.alternative("linear_backward", "torch autograd in float32")
def linear_backward_torch(dout, x, W):
    xt = torch.tensor(np.asarray(x), dtype=torch.float32, requires_grad=True)
    Wt = torch.tensor(np.asarray(W), dtype=torch.float32, requires_grad=True)
    bt = torch.zeros(W.shape[1], dtype=torch.float32, requires_grad=True)
    (xt @ Wt + bt).backward(torch.as_tensor(np.asarray(dout), dtype=torch.float32))
    return xt.grad.numpy(), Wt.grad.numpy(), bt.grad.numpy()


# ------------------------------------------------------------------ mlp_forward
@BANK.mutant("mlp_forward", "no ReLU: the network is linear",
             diagnosis="you leave out the ReLU between the two layers, so the network is just one "
                       "linear map and cannot learn anything a linear model cannot",
             section="Backpropagation through Linear → ReLU → Linear")
def mlp_forward_no_relu(params, X):
    Z1 = X @ params["W1"] + params["b1"]
    return Z1 @ params["W2"] + params["b2"], (X, Z1, Z1)


@BANK.mutant("mlp_forward", "stores the hidden activations in the caller's params dict",
             diagnosis="you store the hidden activations in the caller's parameter dict (and write "
                       "into its arrays), changing an input you were given; intermediate values "
                       "belong in your cache",
             section="Exercise")
def mlp_forward_inplace(params, X):
    X *= 1.0
    params["W1"] *= 1.0
    Z1 = X @ params["W1"] + params["b1"]
    params["H"] = np.maximum(Z1, 0)  # stores activations in the caller's dict
    return params["H"] @ params["W2"] + params["b2"], (X, Z1, params["H"])


@BANK.alternative("mlp_forward", "the correct forward pass (cache = (X, Z1, H))")
def mlp_forward(params, X):
    return _relu_net(params, np.asarray(X, dtype=float))


@BANK.alternative("mlp_forward", "torch inside, float32, cache is a dict")
def mlp_forward_torch(params, X):
    t = {k: torch.as_tensor(np.asarray(v), dtype=torch.float32) for k, v in params.items()}
    Xt = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    H = torch.relu(Xt @ t["W1"] + t["b1"])
    return (H @ t["W2"] + t["b2"]).numpy(), {"X": Xt.numpy(), "H": H.numpy()}


# ------------------------------------------------------------------ mlp_backward
@BANK.mutant("mlp_backward", "ReLU derivative missing: the gradient flows through inactive units",
             diagnosis="you pass the gradient back through the ReLU unchanged, forgetting that it "
                       "is blocked (slope 0) wherever a hidden unit was inactive",
             section="Backpropagation through Linear → ReLU → Linear")
def mlp_backward_no_relu_grad(params, cache, dlogits):
    X, Z1, H = cache
    dH = dlogits @ params["W2"].T
    return {"W1": X.T @ dH, "b1": dH.sum(0), "W2": H.T @ dlogits, "b2": dlogits.sum(0)}


@BANK.mutant("mlp_backward", "uses the pre-activation Z1 instead of H for dW2",
             diagnosis="you use the pre-activation Z1 instead of the ReLU output H for the second "
                       "layer's weight gradient, but that layer's input was H",
             section="Backpropagation through Linear → ReLU → Linear")
def mlp_backward_uses_Z1(params, cache, dlogits):
    X, Z1, H = cache
    dZ1 = (dlogits @ params["W2"].T) * (Z1 > 0)
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(0), "W2": Z1.T @ dlogits, "b2": dlogits.sum(0)}


@BANK.mutant("mlp_backward", "ReLU derivative taken from the sign of H - 0.5",
             diagnosis="your ReLU mask lets the gradient through only where the activation is "
                       "above 0.5, but the ReLU's slope is 1 wherever its input is positive",
             section="Backpropagation through Linear → ReLU → Linear")
def mlp_backward_bad_mask(params, cache, dlogits):
    X, Z1, H = cache
    dZ1 = (dlogits @ params["W2"].T) * (H > 0.5)
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(0), "W2": H.T @ dlogits, "b2": dlogits.sum(0)}


@BANK.mutant("mlp_backward", "returns the gradients under other names (dW1, db1, ...)",
             diagnosis="you return the gradients under new names instead of the keys of the "
                       "parameter dict, so the update cannot match each gradient to its parameter",
             section="Exercise")
def mlp_backward_renamed(params, cache, dlogits):
    X, Z1, H = cache
    dZ1 = (dlogits @ params["W2"].T) * (Z1 > 0)
    return {"dW1": X.T @ dZ1, "db1": dZ1.sum(0), "dW2": H.T @ dlogits, "db2": dlogits.sum(0)}


@BANK.mutant("mlp_backward", "ReLU mask Z1 >= 0: passes the gradient where Z1 is exactly 0",
             diagnosis="you treat a hidden unit whose input is exactly 0 as active, but the ReLU "
                       "passes the gradient only where its input is strictly positive",
             section="Backpropagation through Linear → ReLU → Linear")
def mlp_backward_mask_ge(params, cache, dlogits):
    X, Z1, H = cache
    dZ1 = (dlogits @ params["W2"].T) * (Z1 >= 0)
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(0), "W2": H.T @ dlogits, "b2": dlogits.sum(0)}


def _mlp_backward_torch(params, cache, dlogits):
    """Recomputes the forward pass with torch autograd from the cache {'X', 'H'}."""
    t = {k: torch.tensor(np.asarray(v), dtype=torch.float32, requires_grad=True)
         for k, v in params.items()}
    Xt = torch.as_tensor(cache["X"], dtype=torch.float32)
    logits = torch.relu(Xt @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
    logits.backward(torch.as_tensor(np.asarray(dlogits), dtype=torch.float32))
    return {k: v.grad.numpy() for k, v in t.items()}


BANK.alternative("mlp_backward", "torch autograd (float32) on its own forward's dict cache")(
    _paired(_mlp_backward_torch, mlp_forward_torch))


@BANK.alternative("mlp_backward", "numpy with the cache (X, Z1, H), the mask from H > 0")
def mlp_backward_numpy(params, cache, dlogits):
    X, Z1, H = cache
    dZ1 = (dlogits @ params["W2"].T) * (H > 0)
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(0), "W2": H.T @ dlogits, "b2": dlogits.sum(0)}


# ------------------------------------------------------------------ sgd_step
@BANK.mutant("sgd_step", "gradient ascent: + instead of -",
             diagnosis="you add the gradient instead of subtracting it, so every step goes uphill "
                       "and the loss grows",
             section="Gradient descent and the learning rate")
def sgd_step_ascent(params, grads, lr):
    return {k: params[k] + lr * grads[k] for k in params}


@BANK.mutant("sgd_step", "updates the caller's arrays in place",
             diagnosis="you change the caller's parameter arrays in place instead of building new "
                       "ones, so the parameters you were given are overwritten",
             section="Exercise")
def sgd_step_inplace(params, grads, lr):
    for k in params:
        params[k] -= lr * grads[k]
    return params


@BANK.mutant("sgd_step", "only updates the weights W1, W2, not the biases",
             diagnosis="you update only the weight matrices and leave the biases where they are, "
                       "but the biases are parameters too and need the same step",
             section="Gradient descent and the learning rate")
def sgd_step_weights_only(params, grads, lr):
    return {k: params[k] - lr * grads[k] if k.startswith("W") else params[k].copy()
            for k in params}


@BANK.alternative("sgd_step", "copies the dict, then a loop with np.subtract")
def sgd_step_loop(params, grads, lr):
    new = {}
    for name, value in params.items():
        new[name] = np.subtract(value, np.multiply(lr, grads[name]))
    return new


# ------------------------------------------------------------------ train_mlp
def _train(X, y, hidden=64, lr=0.1, epochs=30, batch_size=32, seed=0, *, sign=1.0,
           init_scale=None, shuffle=True, drop_last=False, unique_classes=False):
    rng = np.random.default_rng(seed)
    n, d = X.shape
    c = len(np.unique(y)) if unique_classes else int(y.max()) + 1
    s1, s2 = (np.sqrt(2 / d), np.sqrt(2 / hidden)) if init_scale is None else (init_scale,) * 2
    p = {"W1": rng.normal(0, s1, (d, hidden)), "b1": np.zeros(hidden),
         "W2": rng.normal(0, s2, (hidden, c)), "b2": np.zeros(c)}
    for _ in range(epochs):
        order = rng.permutation(n) if shuffle else np.arange(n)
        starts = range(0, n - batch_size + 1, batch_size) if drop_last else range(0, n, batch_size)
        for start in starts:
            i = order[start:start + batch_size]
            logits, (Xb, Z1, H) = _relu_net(p, X[i])
            d = _softmax(logits)
            d[np.arange(len(i)), y[i]] -= 1
            d /= len(i)
            dZ1 = (d @ p["W2"].T) * (Z1 > 0)
            g = {"W1": Xb.T @ dZ1, "b1": dZ1.sum(0), "W2": H.T @ d, "b2": d.sum(0)}
            p = {k: p[k] - sign * lr * g[k] for k in p}
    return p


@BANK.mutant("train_mlp", "ignores `epochs`: a single pass over the data",
             diagnosis="you make a single pass over the data, whatever number of epochs you are "
                       "asked for",
             section="Mini-batches and epochs")
def train_mlp_one_epoch(X, y, hidden=64, lr=0.1, epochs=30, batch_size=32, seed=0):
    return _train(X, y, hidden, lr, 1, batch_size, seed)


@BANK.mutant("train_mlp", "lr sign error: gradient ascent on the loss",
             diagnosis="your update moves the parameters along the gradient instead of against it, "
                       "so training climbs the loss instead of descending it",
             section="Gradient descent and the learning rate")
def train_mlp_ascent(X, y, hidden=64, lr=0.1, epochs=30, batch_size=32, seed=0):
    return _train(X, y, hidden, lr, epochs, batch_size, seed, sign=-1.0)


@BANK.mutant("train_mlp", "all-zero initial weights: the hidden units never differ",
             diagnosis="you start with all weights at zero, so every hidden unit is identical and "
                       "receives a zero gradient: only the output bias ever learns",
             section="Training a network on handwritten digits")
def train_mlp_zero_init(X, y, hidden=64, lr=0.1, epochs=30, batch_size=32, seed=0):
    return _train(X, y, hidden, lr, epochs, batch_size, seed, init_scale=0.0)


@BANK.mutant("train_mlp", "unseeded: a fresh random generator on every call",
             diagnosis="you do not seed your random generator with the seed you are given, so two "
                       "calls with the same seed train different networks",
             section="Exercise")
def train_mlp_unseeded(X, y, hidden=64, lr=0.1, epochs=30, batch_size=32, seed=0):
    return _train(X, y, hidden, lr, epochs, batch_size, seed=None)


@BANK.mutant("train_mlp", "ignores `seed`: always np.random.default_rng(0)",
             diagnosis="you ignore the seed you are given and always use the same fixed one, so "
                       "different seeds give the same network",
             section="Exercise")
def train_mlp_fixed_seed(X, y, hidden=64, lr=0.1, epochs=30, batch_size=32, seed=0):
    return _train(X, y, hidden, lr, epochs, batch_size, 0)


@BANK.mutant("train_mlp", "ignores `lr`: the step size is always 0.1",
             diagnosis="you ignore the learning rate you are given and always take steps of the "
                       "same fixed size",
             section="Gradient descent and the learning rate")
def train_mlp_fixed_lr(X, y, hidden=64, lr=0.1, epochs=30, batch_size=32, seed=0):
    return _train(X, y, hidden, 0.1, epochs, batch_size, seed)


@BANK.mutant("train_mlp", "ignores `batch_size`: always mini-batches of 32",
             diagnosis="you ignore the batch size you are given and always cut the data into "
                       "mini-batches of the same fixed size",
             section="Mini-batches and epochs")
def train_mlp_fixed_batch_size(X, y, hidden=64, lr=0.1, epochs=30, batch_size=32, seed=0):
    return _train(X, y, hidden, lr, epochs, 32, seed)


@BANK.mutant("train_mlp", "n // batch_size batches: skips the last, smaller batch (or all data)",
             diagnosis="you count only complete mini-batches, so the last, smaller batch of each "
                       "epoch is skipped, and nothing is trained when there are fewer samples than "
                       "one batch",
             section="Mini-batches and epochs")
def train_mlp_drop_last(X, y, hidden=64, lr=0.1, epochs=30, batch_size=32, seed=0):
    return _train(X, y, hidden, lr, epochs, batch_size, seed, drop_last=True)


@BANK.mutant("train_mlp", "number of classes len(np.unique(y)) instead of y.max() + 1",
             diagnosis="you count the distinct labels present instead of using the largest label "
                       "plus one, so when a class is missing from the data the output layer has "
                       "too few units",
             section="Exercise")
def train_mlp_unique_classes(X, y, hidden=64, lr=0.1, epochs=30, batch_size=32, seed=0):
    return _train(X, y, hidden, lr, epochs, batch_size, seed, unique_classes=True)


@BANK.mutant("train_mlp", "shuffles the caller's X and y in place every epoch (X[:] = X[perm])",
             diagnosis="you shuffle the caller's X and y themselves instead of shuffling an order "
                       "of row numbers, so the data you were given is reordered",
             section="Exercise")
def train_mlp_shuffles_in_place(X, y, hidden=64, lr=0.1, epochs=30, batch_size=32, seed=0):
    rng = np.random.default_rng(seed)
    n, d = X.shape
    c = int(y.max()) + 1
    p = {"W1": rng.normal(0, np.sqrt(2 / d), (d, hidden)), "b1": np.zeros(hidden),
         "W2": rng.normal(0, np.sqrt(2 / hidden), (hidden, c)), "b2": np.zeros(c)}
    for _ in range(epochs):
        perm = rng.permutation(n)
        X[:], y[:] = X[perm], y[perm]
        for start in range(0, n, batch_size):
            Xb, yb = X[start:start + batch_size], y[start:start + batch_size]
            logits, (_, Z1, H) = _relu_net(p, Xb)
            d_out = _softmax(logits)
            d_out[np.arange(len(yb)), yb] -= 1
            d_out /= len(yb)
            dZ1 = (d_out @ p["W2"].T) * (Z1 > 0)
            g = {"W1": Xb.T @ dZ1, "b1": dZ1.sum(0), "W2": H.T @ d_out, "b2": d_out.sum(0)}
            p = {k: p[k] - lr * g[k] for k in p}
    return p


@BANK.alternative("train_mlp", "legacy global generator seeded with np.random.seed(seed)")
def train_mlp_legacy_seed(X, y, hidden=64, lr=0.1, epochs=30, batch_size=32, seed=0):
    np.random.seed(seed)
    n, d = X.shape
    c = int(np.max(y)) + 1
    p = {"W1": np.random.randn(d, hidden) * np.sqrt(2 / d), "b1": np.zeros(hidden),
         "W2": np.random.randn(hidden, c) * np.sqrt(2 / hidden), "b2": np.zeros(c)}
    for _ in range(epochs):
        order = np.random.permutation(n)
        for start in range(0, n, batch_size):
            i = order[start:start + batch_size]
            logits, (Xb, Z1, H) = _relu_net(p, X[i])
            d_out = _softmax(logits)
            d_out[np.arange(len(i)), y[i]] -= 1
            d_out /= len(i)
            dZ1 = (d_out @ p["W2"].T) * (Z1 > 0)
            g = {"W1": Xb.T @ dZ1, "b1": dZ1.sum(0), "W2": H.T @ d_out, "b2": d_out.sum(0)}
            p = {k: p[k] - lr * g[k] for k in p}
    return p


@BANK.alternative("train_mlp", "numpy, small N(0, 0.1) init, no shuffling")
def train_mlp_small_init(X, y, hidden=64, lr=0.1, epochs=30, batch_size=32, seed=0):
    return _train(X, y, hidden, lr, epochs, batch_size, seed, init_scale=0.1, shuffle=False)


@BANK.alternative("train_mlp", "torch: nn.Linear, autograd, optim.SGD, float32")
def train_mlp_torch(X, y, hidden=64, lr=0.1, epochs=30, batch_size=32, seed=0):
    torch.manual_seed(seed)
    Xt = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    yt = torch.as_tensor(np.asarray(y), dtype=torch.long)
    c = int(yt.max()) + 1
    l1, l2 = torch.nn.Linear(Xt.shape[1], hidden), torch.nn.Linear(hidden, c)
    model = torch.nn.Sequential(l1, torch.nn.ReLU(), l2)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(yt), generator=gen)
        for start in range(0, len(yt), batch_size):
            i = order[start:start + batch_size]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(Xt[i]), yt[i]).backward()
            opt.step()
    return {"W1": l1.weight.detach().T.numpy().copy(), "b1": l1.bias.detach().numpy().copy(),
            "W2": l2.weight.detach().T.numpy().copy(), "b2": l2.bias.detach().numpy().copy()}


# ------------------------------------------------------------------ choose_learning_rate
def _runs(learning_rates, val_losses):
    return np.asarray(learning_rates, dtype=float), np.asarray(val_losses, dtype=float)


def _smallest_good_enough(rates, score, keep, tolerance):
    """The smallest rate among the kept runs whose score is within the tolerance of the best."""
    best = score[keep].min()
    return float(rates[keep & (score <= (1 + tolerance) * best)].min())


@BANK.mutant("choose_learning_rate", "plain argmin of the final loss: no tolerance, no preference",
             diagnosis="you take the run with the very lowest final loss, so a larger rate wins "
                       "by a margin smaller than the noise between runs, where the smallest rate "
                       "within the tolerance should",
             section="Training a network on handwritten digits")
def choose_learning_rate_argmin(learning_rates, val_losses, tolerance=0.1):
    rates, losses = _runs(learning_rates, val_losses)
    last = np.where(np.all(np.isfinite(losses), axis=1), losses[:, -1], np.inf)
    return float(rates[np.argmin(last)])


@BANK.mutant("choose_learning_rate", "judges each run by the lowest loss anywhere on its curve",
             diagnosis="you judge each run by the lowest point of its curve, but a run that dips "
                       "and then climbs back ends worse: the network you keep is the one at the "
                       "end of the budget",
             section="Training a network on handwritten digits")
def choose_learning_rate_best_epoch(learning_rates, val_losses, tolerance=0.1):
    rates, losses = _runs(learning_rates, val_losses)
    keep = np.all(np.isfinite(losses), axis=1)
    return _smallest_good_enough(rates, np.where(keep, losses.min(axis=1), np.inf), keep,
                                 tolerance)


@BANK.mutant("choose_learning_rate", "judges each run by its mean loss over the epochs",
             diagnosis="you judge each run by its average loss over all epochs, which rewards a "
                       "fast start, but what counts is the loss the network ends with",
             section="Training a network on handwritten digits")
def choose_learning_rate_mean_loss(learning_rates, val_losses, tolerance=0.1):
    rates, losses = _runs(learning_rates, val_losses)
    keep = np.all(np.isfinite(losses), axis=1)
    score = np.where(keep, losses.mean(axis=1), np.inf)
    return _smallest_good_enough(rates, score, keep, tolerance)


@BANK.mutant("choose_learning_rate", "keeps the runs with nan: the best loss becomes nan",
             diagnosis="you let runs whose loss became nan or inf take part, and nan compares "
                       "false with every number, so the best loss is nan and no run passes",
             section="Gradient descent and the learning rate")
def choose_learning_rate_keeps_nan(learning_rates, val_losses, tolerance=0.1):
    rates, losses = _runs(learning_rates, val_losses)
    last = losses[:, -1]
    within = last <= (1 + tolerance) * np.min(last)
    return float(rates[within].min())


@BANK.mutant("choose_learning_rate", "the largest rate within the tolerance",
             diagnosis="you take the largest rate among the runs close to the best, the one "
                       "nearest to where training breaks down, instead of the smallest and safest",
             section="Gradient descent and the learning rate")
def choose_learning_rate_largest(learning_rates, val_losses, tolerance=0.1):
    rates, losses = _runs(learning_rates, val_losses)
    keep = np.all(np.isfinite(losses), axis=1)
    last = np.where(keep, losses[:, -1], np.inf)
    return float(rates[keep & (last <= (1 + tolerance) * last.min())].max())


@BANK.mutant("choose_learning_rate", "absolute tolerance: best + tolerance",
             diagnosis="you add the tolerance to the best loss instead of scaling the best loss "
                       "by it, so for losses near 0.1 the margin is 100 % and slow runs pass",
             section="Exercise")
def choose_learning_rate_absolute(learning_rates, val_losses, tolerance=0.1):
    rates, losses = _runs(learning_rates, val_losses)
    keep = np.all(np.isfinite(losses), axis=1)
    last = np.where(keep, losses[:, -1], np.inf)
    return float(rates[keep & (last <= last.min() + tolerance)].min())


@BANK.mutant("choose_learning_rate", "ignores the tolerance argument (always 10 %)",
             diagnosis="you ignore the tolerance you are given and always use a margin of 10 %",
             section="Exercise")
def choose_learning_rate_fixed_tolerance(learning_rates, val_losses, tolerance=0.1):
    rates, losses = _runs(learning_rates, val_losses)
    keep = np.all(np.isfinite(losses), axis=1)
    return _smallest_good_enough(rates, losses[:, -1], keep, 0.1)


@BANK.mutant("choose_learning_rate", "strict < (1 + tolerance) * best: nothing passes at tolerance 0",
             diagnosis="you require a final loss strictly below the margin, so with a tolerance "
                       "of 0 not even the best run itself qualifies",
             section="Exercise")
def choose_learning_rate_strict(learning_rates, val_losses, tolerance=0.1):
    rates, losses = _runs(learning_rates, val_losses)
    keep = np.all(np.isfinite(losses), axis=1)
    last = np.where(keep, losses[:, -1], np.inf)
    return float(rates[last < (1 + tolerance) * last.min()].min())


@BANK.mutant("choose_learning_rate", "returns the position of the chosen run, not its rate",
             diagnosis="you return the position of the chosen run in the list instead of its "
                       "learning rate",
             section="Exercise")
def choose_learning_rate_index(learning_rates, val_losses, tolerance=0.1):
    rates, losses = _runs(learning_rates, val_losses)
    keep = np.all(np.isfinite(losses), axis=1)
    chosen = _smallest_good_enough(rates, losses[:, -1], keep, tolerance)
    return int(np.flatnonzero(rates == chosen)[0])


@BANK.mutant("choose_learning_rate", "replaces nan by inf in the caller's val_losses",
             diagnosis="you overwrite the nan and inf values in the caller's val_losses array "
                       "instead of leaving the evidence you were given as it was",
             section="Exercise")
def choose_learning_rate_in_place(learning_rates, val_losses, tolerance=0.1):
    val_losses[~np.isfinite(val_losses)] = np.inf
    rates = np.asarray(learning_rates, dtype=float)
    last = val_losses[:, -1]
    return float(rates[last <= (1 + tolerance) * last.min()].min())


@BANK.mutant("choose_learning_rate", "the first run in the list within the tolerance",
             diagnosis="you take the first good-enough run in the order of the list, as if the "
                       "rates were sorted, instead of the one with the smallest rate",
             section="Exercise")
def choose_learning_rate_first_listed(learning_rates, val_losses, tolerance=0.1):
    rates, losses = _runs(learning_rates, val_losses)
    keep = np.all(np.isfinite(losses), axis=1)
    last = np.where(keep, losses[:, -1], np.inf)
    return float(rates[np.flatnonzero(last <= (1 + tolerance) * last.min())[0]])


@BANK.mutant("choose_learning_rate", "the largest rate whose loss stayed finite",
             diagnosis="you take the largest rate whose loss never overflowed, but a run can "
                       "blow up or collapse to chance with finite losses: judge it by its final loss",
             section="Gradient descent and the learning rate")
def choose_learning_rate_largest_finite(learning_rates, val_losses, tolerance=0.1):
    rates, losses = _runs(learning_rates, val_losses)
    return float(rates[np.all(np.isfinite(losses), axis=1)].max())


@BANK.alternative("choose_learning_rate", "a Python loop over the runs with math.isfinite")
def choose_learning_rate_loop(learning_rates, val_losses, tolerance=0.1):
    import math

    finals = {}
    for rate, curve in zip(learning_rates, val_losses):
        values = [float(v) for v in curve]
        if all(math.isfinite(v) for v in values):
            finals[float(rate)] = values[-1]
    best = min(finals.values())
    return min(rate for rate, final in finals.items() if final <= (1 + tolerance) * best)


@BANK.alternative("choose_learning_rate", "np.nanmin of the last column, float32 evidence")
def choose_learning_rate_nanmin(learning_rates, val_losses, tolerance=0.1):
    # nan and inf final losses never pass the threshold, so they need no mask of their own
    last = np.asarray(val_losses, dtype=np.float32)[:, -1]
    with np.errstate(invalid="ignore"):
        passes = last <= (1 + tolerance) * np.nanmin(last[np.isfinite(last)])
    return np.asarray(learning_rates, dtype=np.float32)[passes].min()


@BANK.alternative("choose_learning_rate", "sorts the runs by rate, then the first good enough")
def choose_learning_rate_sorted(learning_rates, val_losses, tolerance=0.1):
    runs = sorted(zip(np.asarray(learning_rates, dtype=float), np.asarray(val_losses)),
                  key=lambda run: run[0])
    runs = [(rate, curve[-1]) for rate, curve in runs if np.isfinite(curve).all()]
    best = min(final for _, final in runs)
    return next(float(rate) for rate, final in runs if final <= best * (1 + tolerance))

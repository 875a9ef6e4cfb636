"""Reference implementation for chapter 09-vanishing-gradients: keeping gradients alive.

Conventions shared by every function:

* A weight matrix for a layer with ``fan_in`` inputs and ``fan_out`` outputs has shape
  ``(fan_in, fan_out)`` (the ``x @ W`` convention of chapter 3). ``rng`` is a
  ``numpy.random.Generator``; every random number is drawn from it, so the same seed gives the
  same weights.
* Numpy inputs are never modified in place; torch models keep their parameters.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    """Glorot/Xavier uniform initialisation (Glorot & Bengio 2010).

    W_ij ~ U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)), so that

        Var(W_ij) = a^2 / 3 = gain^2 * 2 / (fan_in + fan_out),

    the compromise between keeping the variance of the activations (1 / fan_in) and of the
    back-propagated gradients (1 / fan_out) constant from layer to layer. Like
    ``torch.nn.init.xavier_uniform_``. Returns a float64 array of shape (fan_in, fan_out).
    """
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))


def he_normal(fan_in, fan_out, rng):
    """He/Kaiming normal initialisation for ReLU layers (He et al. 2015).

    W_ij ~ N(0, 2 / fan_in): a ReLU zeroes half of its inputs, which halves the second moment
    of the signal; the factor 2 compensates, so the variance of the pre-activations stays
    constant with depth. Like ``torch.nn.init.kaiming_normal_(w, nonlinearity="relu")``
    (fan_in mode). Returns a float64 array of shape (fan_in, fan_out).
    """
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def clip_grad_norm(grads, max_norm):
    """Clip a list of gradient arrays by their *global* L2 norm, like
    ``torch.nn.utils.clip_grad_norm_``.

        total = sqrt( sum_k ||g_k||^2 )            (over every entry of every array)
        scale = min(1, max_norm / (total + 1e-6))
        clipped_k = scale * g_k

    All arrays are scaled by the same factor, so the direction of the full gradient is kept;
    nothing changes when total <= max_norm. Returns ``(clipped, total)``: a new list of new
    arrays with the shapes of ``grads`` and the norm *before* clipping as a float.
    """
    arrays = [np.asarray(g, dtype=np.float64) for g in grads]
    total = float(np.sqrt(sum(float(np.sum(a * a)) for a in arrays)))
    scale = min(1.0, max_norm / (total + 1e-6))
    return [a * scale for a in arrays], total


def layer_grad_norms(model, X, y, loss_fn):
    """The L2 (Frobenius) norm of dL/dW for the weight W of every ``nn.Linear`` of ``model``,
    in the order the layers appear in ``model.modules()`` (input to output for a Sequential).

    One forward and backward pass of L = loss_fn(model(X), y). Gradients are cleared before
    (stale gradients would be added in) and after the pass, and no parameter is changed, so
    calling it twice gives the same numbers. X and y may be numpy arrays or tensors; X is cast to
    the model's dtype. Returns a float64 array with one norm per Linear layer.
    """
    params = list(model.parameters())
    dtype = params[0].dtype if params else torch.float32
    X_t = torch.as_tensor(np.asarray(X) if not torch.is_tensor(X) else X).to(dtype)
    y_t = y if torch.is_tensor(y) else torch.as_tensor(np.asarray(y))
    if y_t.is_floating_point():
        y_t = y_t.to(dtype)
    model.zero_grad(set_to_none=True)
    loss = loss_fn(model(X_t), y_t)
    loss.backward()
    norms = [float(m.weight.grad.norm()) for m in model.modules() if isinstance(m, nn.Linear)]
    model.zero_grad(set_to_none=True)
    return np.array(norms, dtype=np.float64)


class ResidualBlock(nn.Module):
    """A residual (skip-connection) block for vectors, after He et al. (2016):

        out = x + W2 ReLU(W1 x + b1) + b2

    with two ``nn.Linear(dim, dim)`` layers registered in this order, so ``parameters()`` gives
    shapes (dim, dim), (dim,), (dim, dim), (dim,) and there are 2 (dim^2 + dim) parameters.
    With every weight and bias at zero the block is the identity; its Jacobian is I + dF/dx, so
    the gradient always has a direct path back through the ``x +`` term.
    """

    def __init__(self, dim):
        super().__init__()
        self.linear1 = nn.Linear(dim, dim)
        self.linear2 = nn.Linear(dim, dim)

    def forward(self, x):
        """(N, dim) -> (N, dim)."""
        return x + self.linear2(torch.relu(self.linear1(x)))


def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam update (Kingma & Ba 2015), as ``torch.optim.Adam`` does it; t is 1-based.

        m_t     = beta1 m + (1 - beta1) g
        v_t     = beta2 v + (1 - beta2) g^2
        m_hat   = m_t / (1 - beta1^t)            (bias correction: m and v start at 0)
        v_hat   = v_t / (1 - beta2^t)
        param_t = param - lr m_hat / (sqrt(v_hat) + eps)

    Returns new arrays ``(param_t, m_t, v_t)``; the moments returned are the *uncorrected* ones
    (the state to pass to the next step). Inputs are not modified.
    """
    param, grad = np.asarray(param, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    m_new = beta1 * np.asarray(m, dtype=np.float64) + (1.0 - beta1) * grad
    v_new = beta2 * np.asarray(v, dtype=np.float64) + (1.0 - beta2) * grad ** 2
    m_hat = m_new / (1.0 - beta1 ** t)
    v_hat = v_new / (1.0 - beta2 ** t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new


def diagnose_gradients(norms, low=1e-2, high=1e2):
    """Read a network's per-layer gradient norms (``layer_grad_norms``, first layer first, from
    a loss averaged over the samples) and say whether plain SGD can train it:

    * ``"exploding"`` if any norm is not finite (nan or inf: the numbers have already
      overflowed) or any norm is larger than ``high``: one step of lr * gradient throws that
      layer's weights far away. This is checked first, because an exploding layer wrecks the
      model whatever the other layers receive;
    * otherwise ``"vanishing"`` if any norm is smaller than ``low`` (an exact 0, float32
      underflow, included): with one learning rate for every layer, that layer barely moves.
      A level profile of tiny norms (every layer at 1e-13, as with N(0, 0.01) weights) vanishes
      too: the size counts, not only the shape of the profile;
    * otherwise ``"healthy"``: every norm lies in the band, low <= norm <= high.

    The order of the layers does not change the diagnosis; ``norms`` (a list or a 1-D array)
    is not modified. Returns one of the three words as a Python str.
    """
    g = np.asarray(norms, dtype=np.float64).ravel()
    if not np.all(np.isfinite(g)) or np.any(g > high):
        return "exploding"
    if np.any(g < low):
        return "vanishing"
    return "healthy"

"""Mutants and alternative implementations for 09-vanishing-gradients (see autograder/engine/bank.py)."""
import copy

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from autograder.engine.bank import Bank

BANK = Bank("09-vanishing-gradients")


# ------------------------------------------------------------------ xavier_uniform
@BANK.mutant("xavier_uniform", "transposed shape (fan_out, fan_in), the torch weight layout")
def xavier_transposed(fan_in, fan_out, rng, gain=1.0):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_out, fan_in))


@BANK.mutant("xavier_uniform", "bound sqrt(6 / fan_in): only the fan-in")
def xavier_fan_in_only(fan_in, fan_out, rng, gain=1.0):
    a = gain * np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))


@BANK.mutant("xavier_uniform", "uses the normal variant's std sqrt(2 / (in + out)) as the bound")
def xavier_std_as_bound(fan_in, fan_out, rng, gain=1.0):
    a = gain * np.sqrt(2.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))


@BANK.mutant("xavier_uniform", "Gaussian with the right variance instead of uniform")
def xavier_normal(fan_in, fan_out, rng, gain=1.0):
    return rng.normal(0.0, gain * np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


@BANK.mutant("xavier_uniform", "draws from the global np.random instead of rng")
def xavier_global_random(fan_in, fan_out, rng, gain=1.0):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return np.random.uniform(-a, a, size=(fan_in, fan_out))


@BANK.mutant("xavier_uniform", "ignores gain")
def xavier_no_gain(fan_in, fan_out, rng, gain=1.0):
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))


@BANK.mutant("xavier_uniform", "gain inside the square root")
def xavier_gain_in_sqrt(fan_in, fan_out, rng, gain=1.0):
    a = np.sqrt(6.0 * gain / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))


@BANK.mutant("xavier_uniform", "U(0, a): forgets the negative half")
def xavier_positive(fan_in, fan_out, rng, gain=1.0):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(0, a, size=(fan_in, fan_out))


@BANK.alternative("xavier_uniform", "scaled rng.random, float32")
def xavier_from_random(fan_in, fan_out, rng, gain=1.0):
    a = gain * (6.0 / (fan_in + fan_out)) ** 0.5
    return ((2.0 * rng.random((fan_in, fan_out)) - 1.0) * a).astype(np.float32)


@BANK.alternative("xavier_uniform", "torch.nn.init.xavier_uniform_ on a tensor seeded from rng")
def xavier_torch(fan_in, fan_out, rng, gain=1.0):
    gen = torch.Generator().manual_seed(int(rng.integers(1 << 62)))
    w = torch.empty(fan_out, fan_in, dtype=torch.float64)  # torch layout (out, in)
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    w.uniform_(-a, a, generator=gen)
    return w.T.numpy().copy()


@BANK.mutant("xavier_uniform", "draws from a copy of rng to leave the caller's generator "
                                "untouched: successive layers get identical weights")
def xavier_copied_rng(fan_in, fan_out, rng, gain=1.0):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return copy.deepcopy(rng).uniform(-a, a, size=(fan_in, fan_out))


@BANK.mutant("xavier_uniform", "re-seeds a new generator from rng's seed sequence instead of "
                                "drawing from rng itself")
def xavier_reseeded(fan_in, fan_out, rng, gain=1.0):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return np.random.default_rng(rng.bit_generator.seed_seq).uniform(-a, a, (fan_in, fan_out))


@BANK.alternative("xavier_uniform", "an independent child generator from rng.spawn, columns "
                                    "drawn one at a time")
def xavier_spawned(fan_in, fan_out, rng, gain=1.0):
    child = rng.spawn(1)[0]
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return np.stack([child.uniform(-a, a, size=fan_in) for _ in range(fan_out)], axis=1)


# ------------------------------------------------------------------ he_normal
@BANK.mutant("he_normal", "passes the variance 2 / fan_in as the standard deviation")
def he_variance_as_std(fan_in, fan_out, rng):
    return rng.normal(0.0, 2.0 / fan_in, size=(fan_in, fan_out))


@BANK.mutant("he_normal", "uses fan_out (the backward-pass mode)")
def he_fan_out(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_out), size=(fan_in, fan_out))


@BANK.mutant("he_normal", "LeCun variance 1 / fan_in (forgets the ReLU factor 2)")
def he_lecun(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))


@BANK.mutant("he_normal", "uniform with the right variance (the He uniform variant)")
def he_uniform(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))


@BANK.mutant("he_normal", "draws from torch's global generator instead of rng")
def he_torch_global(fan_in, fan_out, rng):
    return (torch.randn(fan_in, fan_out, dtype=torch.float64) * np.sqrt(2.0 / fan_in)).numpy()


@BANK.mutant("he_normal", "transposed shape (fan_out, fan_in)")
def he_transposed(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in))


@BANK.alternative("he_normal", "standard normal draws scaled afterwards, float32")
def he_scaled(fan_in, fan_out, rng):
    return (rng.standard_normal((fan_in, fan_out)) * np.sqrt(2 / fan_in)).astype(np.float32)


@BANK.alternative("he_normal", "torch kaiming_normal_ seeded from rng, transposed")
def he_torch(fan_in, fan_out, rng):
    gen = torch.Generator().manual_seed(int(rng.integers(1 << 62)))
    w = torch.empty(fan_out, fan_in, dtype=torch.float64)
    w.normal_(0.0, float(np.sqrt(2.0 / fan_in)), generator=gen)
    return w.T.numpy().copy()


@BANK.mutant("he_normal", "draws from a copy of rng: successive layers get identical weights")
def he_copied_rng(fan_in, fan_out, rng):
    return copy.deepcopy(rng).normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


# ------------------------------------------------------------------ clip_grad_norm
@BANK.mutant("clip_grad_norm", "clips each array by its own norm")
def clip_per_array(grads, max_norm):
    out = []
    for g in grads:
        n = np.linalg.norm(g)
        out.append(g * min(1.0, max_norm / (n + 1e-6)))
    return out, float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))


@BANK.mutant("clip_grad_norm", "always rescales to max_norm, also scaling small gradients up")
def clip_always(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    return [g * max_norm / (total + 1e-6) for g in grads], total


@BANK.mutant("clip_grad_norm", "total norm is the sum of the per-array norms")
def clip_sum_of_norms(grads, max_norm):
    total = float(sum(np.linalg.norm(g) for g in grads))
    scale = min(1.0, max_norm / (total + 1e-6))
    return [g * scale for g in grads], total


@BANK.mutant("clip_grad_norm", "returns the norm after clipping")
def clip_norm_after(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    scale = min(1.0, max_norm / (total + 1e-6))
    clipped = [g * scale for g in grads]
    return clipped, float(np.sqrt(sum(np.sum(c ** 2) for c in clipped)))


@BANK.mutant("clip_grad_norm", "clips in place (g *= scale), like torch's clip_grad_norm_ does")
def clip_in_place(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    scale = min(1.0, max_norm / (total + 1e-6))
    for g in grads:
        g *= scale
    return grads, total


@BANK.mutant("clip_grad_norm", "divides by the norm without a guard: NaN for zero gradients")
def clip_no_guard(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    scale = np.minimum(1.0, np.float64(max_norm) / np.float64(total))
    return [g * scale if total > 0 else g * np.nan for g in grads], total


@BANK.mutant("clip_grad_norm", "clips each entry to [-max_norm, max_norm] (clip by value)")
def clip_by_value(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    return [np.clip(g, -max_norm, max_norm) for g in grads], total


@BANK.alternative("clip_grad_norm", "torch.nn.utils.clip_grad_norm_ on float64 copies")
def clip_torch(grads, max_norm):
    params = []
    for g in grads:
        p = torch.zeros(np.shape(g), dtype=torch.float64, requires_grad=True)
        p.grad = torch.tensor(np.array(g, dtype=np.float64))
        params.append(p)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    return [p.grad.numpy() for p in params], float(total)


@BANK.alternative("clip_grad_norm", "concatenated flat vector, scale only when above, float32")
def clip_flat(grads, max_norm):
    flat = np.concatenate([np.ravel(g) for g in grads]).astype(np.float32)
    total = float(np.sqrt(np.dot(flat.astype(np.float64), flat.astype(np.float64))))
    if total > max_norm:
        scale = np.float32(max_norm / (total + 1e-6))
        return [np.asarray(g, dtype=np.float32) * scale for g in grads], total
    return [np.array(g, dtype=np.float32) for g in grads], total


@BANK.mutant("clip_grad_norm", "computed in torch: total_norm returned as a 0-d tensor, not a "
                                "float")
def clip_torch_tensor_total(grads, max_norm):
    ts = [torch.as_tensor(np.asarray(g, dtype=np.float64)) for g in grads]
    total = torch.sqrt(sum((t ** 2).sum() for t in ts))
    scale = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    return [(t * scale).numpy() for t in ts], total


@BANK.mutant("clip_grad_norm", "torch.nn.utils.clip_grad_norm_ on copies, returning its tensor "
                                "total as it is")
def clip_torch_util_tensor(grads, max_norm):
    params = []
    for g in grads:
        p = torch.zeros(np.shape(g), dtype=torch.float64, requires_grad=True)
        p.grad = torch.tensor(np.array(g, dtype=np.float64))
        params.append(p)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    return [p.grad.numpy() for p in params], total


# ------------------------------------------------------------------ layer_grad_norms
def _norms(model, X, y, loss_fn, *, zero=True, reverse=False, what="grad", step=False,
           biases=False):
    if zero:
        model.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    out = []
    for m in linears:
        tensors = [m.weight] + ([m.bias] if biases else [])
        for p in tensors:
            if what == "grad":
                out.append(float(p.grad.norm()))
            elif what == "squared":
                out.append(float((p.grad ** 2).sum()))
            elif what == "weight":
                out.append(float(p.detach().norm()))
            elif what == "mean_abs":
                out.append(float(p.grad.abs().mean()))
    if step:
        with torch.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
    return out[::-1] if reverse else out


@BANK.mutant("layer_grad_norms", "never zeroes the gradients: old ones are added in")
def lgn_no_zero(model, X, y, loss_fn):
    return _norms(model, X, y, loss_fn, zero=False)


@BANK.mutant("layer_grad_norms", "output-to-input order")
def lgn_reversed(model, X, y, loss_fn):
    return _norms(model, X, y, loss_fn, reverse=True)


@BANK.mutant("layer_grad_norms", "norms of the weights, not of their gradients")
def lgn_weights(model, X, y, loss_fn):
    return _norms(model, X, y, loss_fn, what="weight")


@BANK.mutant("layer_grad_norms", "squared norm")
def lgn_squared(model, X, y, loss_fn):
    return _norms(model, X, y, loss_fn, what="squared")


@BANK.mutant("layer_grad_norms", "mean absolute gradient instead of the L2 norm")
def lgn_mean_abs(model, X, y, loss_fn):
    return _norms(model, X, y, loss_fn, what="mean_abs")


@BANK.mutant("layer_grad_norms", "includes the biases' gradients as extra entries")
def lgn_biases(model, X, y, loss_fn):
    return _norms(model, X, y, loss_fn, biases=True)


@BANK.mutant("layer_grad_norms", "takes an SGD step after measuring (changes the model)")
def lgn_step(model, X, y, loss_fn):
    return _norms(model, X, y, loss_fn, step=True)


@BANK.mutant("layer_grad_norms", "every parameter whose name contains 'weight' (LayerNorm too)")
def lgn_named_weights(model, X, y, loss_fn):
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [float(p.grad.norm()) for n, p in model.named_parameters() if "weight" in n]


@BANK.mutant("layer_grad_norms", "hard-codes cross-entropy instead of using loss_fn")
def lgn_hard_coded_loss(model, X, y, loss_fn):
    model.zero_grad()
    out = model(X)
    loss = F.cross_entropy(out, y) if not y.is_floating_point() else F.mse_loss(out, y)
    loss.backward()
    return [float(m.weight.grad.norm()) for m in model.modules() if isinstance(m, nn.Linear)]


@BANK.mutant("layer_grad_norms", "model.children(): misses Linear layers nested in sub-modules")
def lgn_children(model, X, y, loss_fn):
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [float(m.weight.grad.norm()) for m in model.children() if isinstance(m, nn.Linear)]


@BANK.mutant("layer_grad_norms", "iterates `for layer in model`: only works for nn.Sequential")
def lgn_iterate(model, X, y, loss_fn):
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [layer.weight.grad.norm().item() for layer in model if isinstance(layer, nn.Linear)]


@BANK.mutant("layer_grad_norms", "every 2-D parameter taken for a Linear weight")
def lgn_two_d_parameters(model, X, y, loss_fn):
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [p.grad.norm().item() for p in model.parameters() if p.dim() == 2]


@BANK.mutant("layer_grad_norms", "casts X (and float targets) to float32: breaks float64 models")
def lgn_float32(model, X, y, loss_fn):
    X = torch.as_tensor(X, dtype=torch.float32)
    y = y.float() if y.is_floating_point() else y
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [m.weight.grad.norm().item() for m in model.modules() if isinstance(m, nn.Linear)]


@BANK.mutant("layer_grad_norms", "a list of 0-d torch tensors (forgets .item())")
def lgn_tensor_list(model, X, y, loss_fn):
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [m.weight.grad.norm() for m in model.modules() if isinstance(m, nn.Linear)]


@BANK.mutant("layer_grad_norms", "switches to model.eval() to 'only measure': BatchNorm then "
                                  "uses running statistics, and the model stays in eval mode")
def lgn_eval(model, X, y, loss_fn):
    model.eval()
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [m.weight.grad.norm().item() for m in model.modules() if isinstance(m, nn.Linear)]


@BANK.alternative("layer_grad_norms", "torch.autograd.grad on the weights, numpy norms")
def lgn_autograd(model, X, y, loss_fn):
    weights = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]
    loss = loss_fn(model(X), y)
    grads = torch.autograd.grad(loss, weights)
    return np.array([np.sqrt(np.sum(g.detach().double().numpy() ** 2)) for g in grads])


@BANK.alternative("layer_grad_norms", "zero_grad(set_to_none) after, named_modules, torch list")
def lgn_after(model, X, y, loss_fn):
    for p in model.parameters():
        p.grad = None
    loss_fn(model(X), y).backward()
    out = [torch.linalg.norm(mod.weight.grad) for _, mod in model.named_modules()
           if isinstance(mod, nn.Linear)]
    model.zero_grad(set_to_none=True)
    return torch.stack(out)


# ------------------------------------------------------------------ ResidualBlock
@BANK.mutant("ResidualBlock", "no skip connection: a plain two-layer block")
class ResidualBlockNoSkip(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.linear1, self.linear2 = nn.Linear(dim, dim), nn.Linear(dim, dim)

    def forward(self, x):
        return self.linear2(torch.relu(self.linear1(x)))


@BANK.mutant("ResidualBlock", "ReLU after the addition (the original ResNet's post-activation)")
class ResidualBlockReluAfterAdd(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.linear1, self.linear2 = nn.Linear(dim, dim), nn.Linear(dim, dim)

    def forward(self, x):
        return torch.relu(x + self.linear2(torch.relu(self.linear1(x))))


@BANK.mutant("ResidualBlock", "ReLU on the branch output as well")
class ResidualBlockReluBranch(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.linear1, self.linear2 = nn.Linear(dim, dim), nn.Linear(dim, dim)

    def forward(self, x):
        return x + torch.relu(self.linear2(torch.relu(self.linear1(x))))


@BANK.mutant("ResidualBlock", "Linear layers without bias")
class ResidualBlockNoBias(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.linear1 = nn.Linear(dim, dim, bias=False)
        self.linear2 = nn.Linear(dim, dim, bias=False)

    def forward(self, x):
        return x + self.linear2(torch.relu(self.linear1(x)))


@BANK.mutant("ResidualBlock", "no ReLU between the Linear layers")
class ResidualBlockLinear(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.linear1, self.linear2 = nn.Linear(dim, dim), nn.Linear(dim, dim)

    def forward(self, x):
        return x + self.linear2(self.linear1(x))


@BANK.mutant("ResidualBlock", "layers registered in reverse order (parameters() order)")
class ResidualBlockSwapped(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.linear2 = nn.Linear(dim, dim)
        self.linear1 = nn.Linear(dim, dim)

    def forward(self, x):
        return x + self.linear2(torch.relu(self.linear1(x)))


@BANK.mutant("ResidualBlock", "adds the branch into x in place (x += F(x)), changing the input")
class ResidualBlockInPlace(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.linear1, self.linear2 = nn.Linear(dim, dim), nn.Linear(dim, dim)

    def forward(self, x):
        x += self.linear2(torch.relu(self.linear1(x)))
        return x


@BANK.alternative("ResidualBlock", "nn.Sequential branch and F.relu-free nn.ReLU module")
class ResidualBlockSequential(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.branch = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))

    def forward(self, x):
        return self.branch(x) + x


@BANK.alternative("ResidualBlock", "raw nn.Parameter weights in the Linear layout, F.linear")
class ResidualBlockParams(nn.Module):
    def __init__(self, dim):
        super().__init__()
        bound = 1.0 / np.sqrt(dim)
        self.w1 = nn.Parameter(torch.empty(dim, dim).uniform_(-bound, bound))
        self.b1 = nn.Parameter(torch.empty(dim).uniform_(-bound, bound))
        self.w2 = nn.Parameter(torch.empty(dim, dim).uniform_(-bound, bound))
        self.b2 = nn.Parameter(torch.empty(dim).uniform_(-bound, bound))

    def forward(self, x):
        h = F.linear(x, self.w1, self.b1).clamp(min=0)
        return torch.add(x, F.linear(h, self.w2, self.b2))


# ------------------------------------------------------------------ adam_step
def _adam(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, *, correct=True,
          t_offset=0, eps_inside=False, return_hat=False, square=True, sign=-1.0):
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * (grad ** 2 if square else grad)
    tt = t + t_offset
    m_hat = m_new / (1 - beta1 ** tt) if correct else m_new
    v_hat = v_new / (1 - beta2 ** tt) if correct else v_new
    denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
    new = param + sign * lr * m_hat / denom
    return (new, m_hat, v_hat) if return_hat else (new, m_new, v_new)


@BANK.mutant("adam_step", "no bias correction")
def adam_no_correction(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam(param, grad, m, v, t, lr, beta1, beta2, eps, correct=False)


@BANK.mutant("adam_step", "t treated as 0-based in the bias correction (t + 1)")
def adam_off_by_one(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam(param, grad, m, v, t, lr, beta1, beta2, eps, t_offset=1)


@BANK.mutant("adam_step", "eps inside the square root")
def adam_eps_inside(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam(param, grad, m, v, t, lr, beta1, beta2, eps, eps_inside=True)


@BANK.mutant("adam_step", "returns the bias-corrected moments as the new state")
def adam_returns_hat(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam(param, grad, m, v, t, lr, beta1, beta2, eps, return_hat=True)


@BANK.mutant("adam_step", "second moment of g instead of g**2 (NaN from sqrt of negatives)")
def adam_no_square(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam(param, grad, m, v, t, lr, beta1, beta2, eps, square=False)


@BANK.mutant("adam_step", "gradient ascent: + instead of -")
def adam_ascent(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam(param, grad, m, v, t, lr, beta1, beta2, eps, sign=1.0)


@BANK.mutant("adam_step", "beta1 and beta2 swapped")
def adam_swapped_betas(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam(param, grad, m, v, t, lr, beta2, beta1, eps)


@BANK.mutant("adam_step", "updates param, m and v in place")
def adam_in_place(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad ** 2
    param -= lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
    return param, m, v


@BANK.mutant("adam_step", "brackets: eps added to the step, lr * m_hat / sqrt(v_hat) + eps")
def adam_eps_precedence(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * grad ** 2
    m_hat, v_hat = m_new / (1 - beta1 ** t), v_new / (1 - beta2 ** t)
    return param - (lr * m_hat / np.sqrt(v_hat) + eps), m_new, v_new


@BANK.mutant("adam_step", "no eps at all: 0 / 0 for weights whose gradient is exactly zero")
def adam_no_eps(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * grad ** 2
    m_hat, v_hat = m_new / (1 - beta1 ** t), v_new / (1 - beta2 ** t)
    return param - lr * m_hat / np.sqrt(v_hat), m_new, v_new


@BANK.alternative("adam_step", "torch.optim.Adam with its state set to (t - 1, m, v)")
def adam_torch(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    p = torch.tensor(np.array(param, dtype=np.float64), requires_grad=True)
    opt = torch.optim.Adam([p], lr=lr, betas=(beta1, beta2), eps=eps, foreach=False)
    opt.state[p] = {"step": torch.tensor(float(t - 1), dtype=torch.float64),
                    "exp_avg": torch.tensor(np.array(m, dtype=np.float64)),
                    "exp_avg_sq": torch.tensor(np.array(v, dtype=np.float64))}
    p.grad = torch.tensor(np.array(grad, dtype=np.float64))
    opt.step()
    state = opt.state[p]
    return p.detach().numpy(), state["exp_avg"].numpy(), state["exp_avg_sq"].numpy()


@BANK.alternative("adam_step", "Kingma & Ba's efficient form (step size folded), float32")
def adam_efficient(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    param, grad = np.float32(param), np.float32(grad)
    m_new = np.float32(beta1) * np.float32(m) + np.float32(1 - beta1) * grad
    v_new = np.float32(beta2) * np.float32(v) + np.float32(1 - beta2) * grad * grad
    c2 = np.sqrt(1 - beta2 ** t)
    step = lr * c2 / (1 - beta1 ** t)
    return param - np.float32(step) * m_new / (np.sqrt(v_new) + np.float32(eps * c2)), m_new, v_new

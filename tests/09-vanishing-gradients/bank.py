"""Mutants and alternative implementations for 09-vanishing-gradients (see autograder/engine/bank.py)."""
import copy

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from autograder.engine.bank import Bank

BANK = Bank("09-vanishing-gradients")


# ------------------------------------------------------------------ xavier_uniform
@BANK.mutant("xavier_uniform", "transposed shape (fan_out, fan_in), the torch weight layout",
             diagnosis="you return the weights in PyTorch's (out, in) layout, but here a weight "
                       "matrix has one row per input and one column per output, as in x times W",
             section="Measuring the gradient in a deep network")
def xavier_transposed(fan_in, fan_out, rng, gain=1.0):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_out, fan_in))


@BANK.mutant("xavier_uniform", "bound sqrt(6 / fan_in): only the fan-in",
             diagnosis="you use only the fan-in in the bound, but Xavier's rule is a compromise "
                       "between the forward pass (fan-in) and the backward pass (fan-out), so your "
                       "weights come out too wide",
             section="Remedy 2: Xavier and He initialisation")
def xavier_fan_in_only(fan_in, fan_out, rng, gain=1.0):
    a = gain * np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))


@BANK.mutant("xavier_uniform", "uses the normal variant's std sqrt(2 / (in + out)) as the bound",
             diagnosis="you use the target standard deviation as the bound, but a uniform between "
                       "-a and a has variance a squared over 3, so your weights are about 1.7 "
                       "times too narrow",
             section="Remedy 2: Xavier and He initialisation")
def xavier_std_as_bound(fan_in, fan_out, rng, gain=1.0):
    a = gain * np.sqrt(2.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))


@BANK.mutant("xavier_uniform", "Gaussian with the right variance instead of uniform",
             diagnosis="you draw from a Gaussian with the right variance, but Xavier's rule asks "
                       "for a uniform distribution on (-a, a), flat and with hard bounds",
             section="Remedy 2: Xavier and He initialisation")
def xavier_normal(fan_in, fan_out, rng, gain=1.0):
    return rng.normal(0.0, gain * np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


@BANK.mutant("xavier_uniform", "draws from the global np.random instead of rng",
             diagnosis="you draw from numpy's global random generator instead of the generator you "
                       "were given, so the same seed does not give the same weights",
             section="Exercise")
def xavier_global_random(fan_in, fan_out, rng, gain=1.0):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return np.random.uniform(-a, a, size=(fan_in, fan_out))


@BANK.mutant("xavier_uniform", "ignores gain",
             diagnosis="you ignore the gain, which multiplies the bound (and so the spread of the "
                       "weights) to make up for the activation's slope, for example 5/3 for tanh",
             section="Remedy 2: Xavier and He initialisation")
def xavier_no_gain(fan_in, fan_out, rng, gain=1.0):
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))


@BANK.mutant("xavier_uniform", "gain inside the square root",
             diagnosis="you put the gain under the square root, so it scales the variance by the "
                       "gain instead of by the gain squared: the gain multiplies the bound itself",
             section="Remedy 2: Xavier and He initialisation")
def xavier_gain_in_sqrt(fan_in, fan_out, rng, gain=1.0):
    a = np.sqrt(6.0 * gain / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))


@BANK.mutant("xavier_uniform", "U(0, a): forgets the negative half",
             diagnosis="you draw only positive weights, from 0 up to a, but the weights must be "
                       "centred on zero, spread evenly over (-a, a)",
             section="Remedy 2: Xavier and He initialisation")
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
                                "untouched: successive layers get identical weights",
             diagnosis="you draw from a copy of the generator you were given, so the original "
                       "never advances and every call (every layer) gets the very same weights",
             section="Exercise")
def xavier_copied_rng(fan_in, fan_out, rng, gain=1.0):
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return copy.deepcopy(rng).uniform(-a, a, size=(fan_in, fan_out))


@BANK.mutant("xavier_uniform", "re-seeds a new generator from rng's seed sequence instead of "
                                "drawing from rng itself",
             diagnosis="you start a fresh generator from the seed of the one you were given "
                       "instead of drawing from it, so it never advances and every layer gets the "
                       "same weights",
             section="Exercise")
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
@BANK.mutant("he_normal", "passes the variance 2 / fan_in as the standard deviation",
             diagnosis="you give the normal draw the variance 2 / fan_in where it expects the "
                       "standard deviation, its square root, so your weights have the wrong spread "
                       "(far too small)",
             section="Remedy 2: Xavier and He initialisation")
def he_variance_as_std(fan_in, fan_out, rng):
    return rng.normal(0.0, 2.0 / fan_in, size=(fan_in, fan_out))


@BANK.mutant("he_normal", "uses fan_out (the backward-pass mode)",
             diagnosis="you divide by the fan-out, but He's rule keeps the forward signal's size, "
                       "which depends on how many inputs each unit sums: the fan-in",
             section="Remedy 2: Xavier and He initialisation")
def he_fan_out(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_out), size=(fan_in, fan_out))


@BANK.mutant("he_normal", "LeCun variance 1 / fan_in (forgets the ReLU factor 2)",
             diagnosis="you forget He's factor 2: a ReLU zeroes half of its inputs and halves the "
                       "signal's second moment, so the variance must be 2 / fan_in, not 1 / fan_in",
             section="Remedy 2: Xavier and He initialisation")
def he_lecun(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))


@BANK.mutant("he_normal", "uniform with the right variance (the He uniform variant)",
             diagnosis="you draw from a uniform distribution with the right variance, but He's "
                       "rule (as in the paper and in kaiming_normal_) draws from a Gaussian",
             section="Remedy 2: Xavier and He initialisation")
def he_uniform(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))


@BANK.mutant("he_normal", "draws from torch's global generator instead of rng",
             diagnosis="you draw from PyTorch's global random generator instead of the generator "
                       "you were given, so the same seed does not give the same weights",
             section="Exercise")
def he_torch_global(fan_in, fan_out, rng):
    return (torch.randn(fan_in, fan_out, dtype=torch.float64) * np.sqrt(2.0 / fan_in)).numpy()


@BANK.mutant("he_normal", "transposed shape (fan_out, fan_in)",
             diagnosis="you return the weights in PyTorch's (out, in) layout, but here a weight "
                       "matrix has one row per input and one column per output, as in x times W",
             section="Measuring the gradient in a deep network")
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


@BANK.mutant("he_normal", "draws from a copy of rng: successive layers get identical weights",
             diagnosis="you draw from a copy of the generator you were given, so the original "
                       "never advances and every call (every layer) gets the very same weights",
             section="Exercise")
def he_copied_rng(fan_in, fan_out, rng):
    return copy.deepcopy(rng).normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


# ------------------------------------------------------------------ clip_grad_norm
@BANK.mutant("clip_grad_norm", "clips each array by its own norm",
             diagnosis="you clip each gradient array by its own norm, but clipping treats all "
                       "gradients as one long vector and scales them all by the same factor, so "
                       "the overall direction can change",
             section="Remedy 5: gradient clipping for exploding gradients")
def clip_per_array(grads, max_norm):
    out = []
    for g in grads:
        n = np.linalg.norm(g)
        out.append(g * min(1.0, max_norm / (n + 1e-6)))
    return out, float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))


@BANK.mutant("clip_grad_norm", "always rescales to max_norm, also scaling small gradients up",
             diagnosis="you rescale every gradient to length max_norm, scaling small ones up too, "
                       "but clipping only shrinks a gradient whose global norm exceeds the "
                       "threshold",
             section="Remedy 5: gradient clipping for exploding gradients")
def clip_always(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    return [g * max_norm / (total + 1e-6) for g in grads], total


@BANK.mutant("clip_grad_norm", "total norm is the sum of the per-array norms",
             diagnosis="you add up the arrays' norms, but the global norm is the square root of "
                       "the sum of all squared entries, as for one long vector, so you "
                       "overestimate it and clip too much",
             section="Remedy 5: gradient clipping for exploding gradients")
def clip_sum_of_norms(grads, max_norm):
    total = float(sum(np.linalg.norm(g) for g in grads))
    scale = min(1.0, max_norm / (total + 1e-6))
    return [g * scale for g in grads], total


@BANK.mutant("clip_grad_norm", "returns the norm after clipping",
             diagnosis="you return the norm after clipping, but the function must report the norm "
                       "before clipping, the size of the gradient that arrived, as PyTorch does",
             section="Exercise")
def clip_norm_after(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    scale = min(1.0, max_norm / (total + 1e-6))
    clipped = [g * scale for g in grads]
    return clipped, float(np.sqrt(sum(np.sum(c ** 2) for c in clipped)))


@BANK.mutant("clip_grad_norm", "clips in place (g *= scale), like torch's clip_grad_norm_ does",
             diagnosis="you scale the caller's gradient arrays in place, as PyTorch's "
                       "clip_grad_norm_ does, but here the inputs must stay unchanged and you must "
                       "return new arrays",
             section="Exercise")
def clip_in_place(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    scale = min(1.0, max_norm / (total + 1e-6))
    for g in grads:
        g *= scale
    return grads, total


@BANK.mutant("clip_grad_norm", "divides by the norm without a guard: NaN for zero gradients",
             diagnosis="you divide by the global norm without guarding against zero, so all-zero "
                       "gradients, which are below any threshold and should come back unchanged, "
                       "become NaN",
             section="Remedy 5: gradient clipping for exploding gradients")
def clip_no_guard(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    scale = np.minimum(1.0, np.float64(max_norm) / np.float64(total))
    return [g * scale if total > 0 else g * np.nan for g in grads], total


@BANK.mutant("clip_grad_norm", "clips each entry to [-max_norm, max_norm] (clip by value)",
             diagnosis="you cap each entry at plus or minus max_norm (clipping by value), which "
                       "bends the gradient's direction; clipping by the global norm rescales it "
                       "and keeps its direction",
             section="Remedy 5: gradient clipping for exploding gradients")
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
                                "float",
             diagnosis="you return the total norm as a 0-d torch tensor, but the function must "
                       "return it as a plain Python float",
             section="Exercise")
def clip_torch_tensor_total(grads, max_norm):
    ts = [torch.as_tensor(np.asarray(g, dtype=np.float64)) for g in grads]
    total = torch.sqrt(sum((t ** 2).sum() for t in ts))
    scale = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    return [(t * scale).numpy() for t in ts], total


@BANK.mutant("clip_grad_norm", "torch.nn.utils.clip_grad_norm_ on copies, returning its tensor "
                                "total as it is",
             diagnosis="you return the total norm as a 0-d torch tensor, but the function must "
                       "return it as a plain Python float",
             section="Exercise")
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


@BANK.mutant("layer_grad_norms", "never zeroes the gradients: old ones are added in",
             diagnosis="you forget that PyTorch adds each new gradient to the one already stored, "
                       "so without clearing the old gradients first they are counted in and "
                       "repeated calls grow",
             section="Measuring the gradient in a deep network")
def lgn_no_zero(model, X, y, loss_fn):
    return _norms(model, X, y, loss_fn, zero=False)


@BANK.mutant("layer_grad_norms", "output-to-input order",
             diagnosis="you list the layers from the output back to the input, but the norms must "
                       "follow the model's own order, the first layer (input side) first",
             section="Measuring the gradient in a deep network")
def lgn_reversed(model, X, y, loss_fn):
    return _norms(model, X, y, loss_fn, reverse=True)


@BANK.mutant("layer_grad_norms", "norms of the weights, not of their gradients",
             diagnosis="you measure the size of the weights themselves, but the diagnostic is the "
                       "size of the gradient of the loss with respect to each weight matrix",
             section="Measuring the gradient in a deep network")
def lgn_weights(model, X, y, loss_fn):
    return _norms(model, X, y, loss_fn, what="weight")


@BANK.mutant("layer_grad_norms", "squared norm",
             diagnosis="you return the sum of the squared gradient entries and forget the square "
                       "root that makes it the Frobenius norm",
             section="Measuring the gradient in a deep network")
def lgn_squared(model, X, y, loss_fn):
    return _norms(model, X, y, loss_fn, what="squared")


@BANK.mutant("layer_grad_norms", "mean absolute gradient instead of the L2 norm",
             diagnosis="you average the absolute gradient entries, but the gradient norm is the "
                       "Frobenius norm: the square root of the sum of the squares of all entries",
             section="Measuring the gradient in a deep network")
def lgn_mean_abs(model, X, y, loss_fn):
    return _norms(model, X, y, loss_fn, what="mean_abs")


@BANK.mutant("layer_grad_norms", "includes the biases' gradients as extra entries",
             diagnosis="you also report the biases' gradients as extra entries, but the diagnostic "
                       "has one number per Linear layer: the norm of its weight's gradient only",
             section="Measuring the gradient in a deep network")
def lgn_biases(model, X, y, loss_fn):
    return _norms(model, X, y, loss_fn, biases=True)


@BANK.mutant("layer_grad_norms", "takes an SGD step after measuring (changes the model)",
             diagnosis="you take a gradient-descent step after measuring, which changes the "
                       "model's weights; measuring needs only a forward and a backward pass and "
                       "must leave the model as it was",
             section="Exercise")
def lgn_step(model, X, y, loss_fn):
    return _norms(model, X, y, loss_fn, step=True)


@BANK.mutant("layer_grad_norms", "every parameter whose name contains 'weight' (LayerNorm too)",
             diagnosis="you take every parameter whose name says weight, but normalisation layers "
                       "have weights too; the diagnostic wants only the weights of the nn.Linear "
                       "layers",
             section="Measuring the gradient in a deep network")
def lgn_named_weights(model, X, y, loss_fn):
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [float(p.grad.norm()) for n, p in model.named_parameters() if "weight" in n]


@BANK.mutant("layer_grad_norms", "hard-codes cross-entropy instead of using loss_fn",
             diagnosis="you choose a loss yourself from the type of the targets instead of using "
                       "the loss function you were given, so any other loss, or other settings of "
                       "it, is ignored",
             section="Exercise")
def lgn_hard_coded_loss(model, X, y, loss_fn):
    model.zero_grad()
    out = model(X)
    loss = F.cross_entropy(out, y) if not y.is_floating_point() else F.mse_loss(out, y)
    loss.backward()
    return [float(m.weight.grad.norm()) for m in model.modules() if isinstance(m, nn.Linear)]


@BANK.mutant("layer_grad_norms", "model.children(): misses Linear layers nested in sub-modules",
             diagnosis="you look only at the model's direct sub-modules, so Linear layers nested "
                       "inside blocks or inner Sequentials are missed: you need the modules at "
                       "every depth",
             section="Measuring the gradient in a deep network")
def lgn_children(model, X, y, loss_fn):
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [float(m.weight.grad.norm()) for m in model.children() if isinstance(m, nn.Linear)]


@BANK.mutant("layer_grad_norms", "iterates `for layer in model`: only works for nn.Sequential",
             diagnosis="you loop over the model as if it were a list of layers, which only works "
                       "for a flat nn.Sequential: other models fail and nested Linear layers are "
                       "missed",
             section="Measuring the gradient in a deep network")
def lgn_iterate(model, X, y, loss_fn):
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [layer.weight.grad.norm().item() for layer in model if isinstance(layer, nn.Linear)]


@BANK.mutant("layer_grad_norms", "every 2-D parameter taken for a Linear weight",
             diagnosis="you take every 2-D parameter for a Linear weight, but other parameters can "
                       "be matrices too; the diagnostic wants only the weights of the nn.Linear "
                       "layers",
             section="Measuring the gradient in a deep network")
def lgn_two_d_parameters(model, X, y, loss_fn):
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [p.grad.norm().item() for p in model.parameters() if p.dim() == 2]


@BANK.mutant("layer_grad_norms", "casts X (and float targets) to float32: breaks float64 models",
             diagnosis="you convert the inputs to float32 yourself, which breaks models kept in "
                       "double precision (float64); the data must go into the model as they were "
                       "given",
             section="Exercise")
def lgn_float32(model, X, y, loss_fn):
    X = torch.as_tensor(X, dtype=torch.float32)
    y = y.float() if y.is_floating_point() else y
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [m.weight.grad.norm().item() for m in model.modules() if isinstance(m, nn.Linear)]


@BANK.mutant("layer_grad_norms", "a list of 0-d torch tensors (forgets .item())",
             diagnosis="you return a list of 0-d torch tensors, but the function must return plain "
                       "Python numbers (or a 1-D array)",
             section="Exercise")
def lgn_tensor_list(model, X, y, loss_fn):
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [m.weight.grad.norm() for m in model.modules() if isinstance(m, nn.Linear)]


@BANK.mutant("layer_grad_norms", "switches to model.eval() to 'only measure': BatchNorm then "
                                  "uses running statistics, and the model stays in eval mode",
             diagnosis="you switch the model to evaluation mode to only measure, but that changes "
                       "what batch normalisation computes (stored averages, not the batch's own) "
                       "and leaves the model in that mode",
             section="Remedy 3: batch normalisation")
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
@BANK.mutant("ResidualBlock", "no skip connection: a plain two-layer block",
             diagnosis="you leave out the skip connection, so the block is a plain two-layer "
                       "stack; its output must be its input plus the branch's correction",
             section="Remedy 4: residual connections")
class ResidualBlockNoSkip(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.linear1, self.linear2 = nn.Linear(dim, dim), nn.Linear(dim, dim)

    def forward(self, x):
        return self.linear2(torch.relu(self.linear1(x)))


@BANK.mutant("ResidualBlock", "ReLU after the addition (the original ResNet's post-activation)",
             diagnosis="you apply a ReLU after the addition (the original ResNet's layout), but "
                       "here the block is the input plus the branch, with nothing applied after "
                       "the sum",
             section="Remedy 4: residual connections")
class ResidualBlockReluAfterAdd(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.linear1, self.linear2 = nn.Linear(dim, dim), nn.Linear(dim, dim)

    def forward(self, x):
        return torch.relu(x + self.linear2(torch.relu(self.linear1(x))))


@BANK.mutant("ResidualBlock", "ReLU on the branch output as well",
             diagnosis="you apply a ReLU to the branch's output as well, so its correction can "
                       "never be negative; the ReLU belongs only between the two linear layers",
             section="Remedy 4: residual connections")
class ResidualBlockReluBranch(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.linear1, self.linear2 = nn.Linear(dim, dim), nn.Linear(dim, dim)

    def forward(self, x):
        return x + torch.relu(self.linear2(torch.relu(self.linear1(x))))


@BANK.mutant("ResidualBlock", "Linear layers without bias",
             diagnosis="you build the linear layers without biases, but each layer of the block's "
                       "branch has its own bias (b1 and b2 in the formula)",
             section="Remedy 4: residual connections")
class ResidualBlockNoBias(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.linear1 = nn.Linear(dim, dim, bias=False)
        self.linear2 = nn.Linear(dim, dim, bias=False)

    def forward(self, x):
        return x + self.linear2(torch.relu(self.linear1(x)))


@BANK.mutant("ResidualBlock", "no ReLU between the Linear layers",
             diagnosis="you leave out the ReLU between the two linear layers, so the branch "
                       "collapses into one linear map and the block can only learn linear "
                       "corrections",
             section="Remedy 4: residual connections")
class ResidualBlockLinear(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.linear1, self.linear2 = nn.Linear(dim, dim), nn.Linear(dim, dim)

    def forward(self, x):
        return x + self.linear2(self.linear1(x))


@BANK.mutant("ResidualBlock", "layers registered in reverse order (parameters() order)",
             diagnosis="you create the second linear layer before the first, so the parameters are "
                       "listed in the wrong order and weights loaded in that order land in the "
                       "wrong layer",
             section="Exercise")
class ResidualBlockSwapped(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.linear2 = nn.Linear(dim, dim)
        self.linear1 = nn.Linear(dim, dim)

    def forward(self, x):
        return x + self.linear2(torch.relu(self.linear1(x)))


@BANK.mutant("ResidualBlock", "adds the branch into x in place (x += F(x)), changing the input",
             diagnosis="you add the branch to the input in place, which overwrites the caller's "
                       "tensor (and can break backpropagation); the sum must be a new tensor",
             section="Exercise")
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


@BANK.mutant("adam_step", "no bias correction",
             diagnosis="you skip the bias correction: m and v start at zero, so early on they "
                       "underestimate the gradient's averages and the first steps come out the "
                       "wrong size",
             section="Remedy 6: Adam on badly scaled problems")
def adam_no_correction(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam(param, grad, m, v, t, lr, beta1, beta2, eps, correct=False)


@BANK.mutant("adam_step", "t treated as 0-based in the bias correction (t + 1)",
             diagnosis="you count the steps from 0 in the bias correction, but t is already the "
                       "1-based step number, so the correction uses the wrong power of the betas",
             section="Remedy 6: Adam on badly scaled problems")
def adam_off_by_one(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam(param, grad, m, v, t, lr, beta1, beta2, eps, t_offset=1)


@BANK.mutant("adam_step", "eps inside the square root",
             diagnosis="you add eps inside the square root, but Adam (like torch.optim.Adam) adds "
                       "it after the square root, which matters for weights with tiny gradients",
             section="Remedy 6: Adam on badly scaled problems")
def adam_eps_inside(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam(param, grad, m, v, t, lr, beta1, beta2, eps, eps_inside=True)


@BANK.mutant("adam_step", "returns the bias-corrected moments as the new state",
             diagnosis="you return the bias-corrected averages as the new state, but the state "
                       "carried to the next step must be the uncorrected running averages m and v",
             section="Exercise")
def adam_returns_hat(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam(param, grad, m, v, t, lr, beta1, beta2, eps, return_hat=True)


@BANK.mutant("adam_step", "second moment of g instead of g**2 (NaN from sqrt of negatives)",
             diagnosis="you average the gradient itself where Adam averages its square, so v can "
                       "turn negative and its square root gives NaN; v must track the squared "
                       "gradient",
             section="Remedy 6: Adam on badly scaled problems")
def adam_no_square(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam(param, grad, m, v, t, lr, beta1, beta2, eps, square=False)


@BANK.mutant("adam_step", "gradient ascent: + instead of -",
             diagnosis="you add the step instead of subtracting it, so the parameters climb the "
                       "loss: a descent step moves each weight against its gradient",
             section="Remedy 6: Adam on badly scaled problems")
def adam_ascent(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam(param, grad, m, v, t, lr, beta1, beta2, eps, sign=1.0)


@BANK.mutant("adam_step", "beta1 and beta2 swapped",
             diagnosis="you swap the two decay rates: beta1 belongs to the average of the "
                       "gradient, beta2 (closer to 1) to the slower average of its square",
             section="Remedy 6: Adam on badly scaled problems")
def adam_swapped_betas(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam(param, grad, m, v, t, lr, beta2, beta1, eps)


@BANK.mutant("adam_step", "updates param, m and v in place",
             diagnosis="you update param, m and v in place, which overwrites the caller's arrays; "
                       "the function must return new arrays and leave its inputs untouched",
             section="Exercise")
def adam_in_place(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad ** 2
    param -= lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
    return param, m, v


@BANK.mutant("adam_step", "brackets: eps added to the step, lr * m_hat / sqrt(v_hat) + eps",
             diagnosis="you add eps to the whole step instead of to the square root in the "
                       "denominator, so every weight drifts by eps and a zero gradient gives 0 / 0",
             section="Remedy 6: Adam on badly scaled problems")
def adam_eps_precedence(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * grad ** 2
    m_hat, v_hat = m_new / (1 - beta1 ** t), v_new / (1 - beta2 ** t)
    return param - (lr * m_hat / np.sqrt(v_hat) + eps), m_new, v_new


@BANK.mutant("adam_step", "no eps at all: 0 / 0 for weights whose gradient is exactly zero",
             diagnosis="you leave out eps, so a weight whose gradient has been exactly zero so far "
                       "gets 0 / 0 and turns into NaN",
             section="Remedy 6: Adam on badly scaled problems")
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


# ------------------------------------------------------------------ diagnose_gradients
@BANK.mutant("diagnose_gradients", "band on the ratio first / last instead of on every norm",
             diagnosis="you compare the first layer's gradient with the last one's, but weights "
                       "far too small or too large give a level profile of the wrong size: each "
                       "layer's norm itself must lie in the band",
             section="Remedy 2: Xavier and He initialisation")
def diagnose_ratio(norms, low=1e-2, high=1e2):
    g = np.asarray(norms, dtype=float)
    if not np.all(np.isfinite(g)):
        return "exploding"
    ratio = g[0] / g[-1]
    if ratio < low:
        return "vanishing"
    if ratio > high:
        return "exploding"
    return "healthy"


@BANK.mutant("diagnose_gradients", "looks at the first layer's norm only",
             diagnosis="you judge the network by its first layer alone, but any layer can starve "
                       "or explode (a layer of dead units, or layers near the output whose "
                       "gradients are huge): every layer must lie in the band",
             section="Measuring the gradient in a deep network")
def diagnose_first_layer(norms, low=1e-2, high=1e2):
    first = float(np.asarray(norms, dtype=float)[0])
    if not np.isfinite(first) or first > high:
        return "exploding"
    if first < low:
        return "vanishing"
    return "healthy"


@BANK.mutant("diagnose_gradients", "only comparisons with the band: a nan fails them all and "
                                   "comes out 'healthy'",
             diagnosis="you only compare the norms with the band, but a nan fails every "
                       "comparison: a nan or inf gradient means the numbers overflowed, the "
                       "gradient has exploded",
             section="Remedy 5: gradient clipping for exploding gradients")
def diagnose_nan_unaware(norms, low=1e-2, high=1e2):
    g = np.asarray(norms, dtype=float)
    if np.max(g) > high:
        return "exploding"
    if np.min(g) < low:
        return "vanishing"
    return "healthy"


@BANK.mutant("diagnose_gradients", "takes a nan norm for a lost (vanished) gradient",
             diagnosis="you read a nan gradient as a gradient that vanished, but nan comes from "
                       "numbers that overflowed (inf minus inf, inf times 0): training has "
                       "exploded",
             section="Remedy 5: gradient clipping for exploding gradients")
def diagnose_nan_as_vanishing(norms, low=1e-2, high=1e2):
    g = np.asarray(norms, dtype=float)
    if np.any(np.isnan(g)) or np.any(g < low):
        return "vanishing"
    if np.any(g > high):
        return "exploding"
    return "healthy"


@BANK.mutant("diagnose_gradients", "exploding only when a norm is nan or inf, never for large "
                                   "finite norms",
             diagnosis="you call gradients exploding only once they are nan or inf, but a norm "
                       "far above the band already throws that layer's weights away in a single "
                       "step",
             section="Remedy 5: gradient clipping for exploding gradients")
def diagnose_overflow_only(norms, low=1e-2, high=1e2):
    g = np.asarray(norms, dtype=float)
    if not np.all(np.isfinite(g)):
        return "exploding"
    if np.any(g < low):
        return "vanishing"
    return "healthy"


@BANK.mutant("diagnose_gradients", "checks vanishing before exploding",
             diagnosis="you check for vanishing before exploding, but when some layers starve "
                       "and others explode, the exploding ones wreck the model first: they decide",
             section="Remedy 5: gradient clipping for exploding gradients")
def diagnose_vanishing_first(norms, low=1e-2, high=1e2):
    g = np.asarray(norms, dtype=float)
    if not np.all(np.isfinite(g)):
        return "exploding"
    if np.any(g < low):
        return "vanishing"
    if np.any(g > high):
        return "exploding"
    return "healthy"


@BANK.mutant("diagnose_gradients", "compares the mean norm with the band",
             diagnosis="you judge the average gradient of the layers, but the large norms of the "
                       "last layers hide first layers that get almost nothing: every layer must "
                       "lie in the band",
             section="Measuring the gradient in a deep network")
def diagnose_mean(norms, low=1e-2, high=1e2):
    g = np.asarray(norms, dtype=float)
    if not np.all(np.isfinite(g)):
        return "exploding"
    average = g.mean()
    if average > high:
        return "exploding"
    if average < low:
        return "vanishing"
    return "healthy"


@BANK.mutant("diagnose_gradients", "hard-codes the default band 1e-2 and 1e2",
             diagnosis="you use fixed thresholds instead of the band low and high you are given",
             section="Exercise")
def diagnose_fixed_band(norms, low=1e-2, high=1e2):
    g = np.asarray(norms, dtype=float)
    if not np.all(np.isfinite(g)) or np.any(g > 100.0):
        return "exploding"
    if np.any(g < 0.01):
        return "vanishing"
    return "healthy"


@BANK.mutant("diagnose_gradients", "sorts the caller's array in place to read its smallest and "
                                   "largest norm (np.asarray does not copy an array)",
             diagnosis="you sort the norms inside the array you were given, which is the "
                       "caller's own array, so their layers come back in the wrong order",
             section="Exercise")
def diagnose_sorts_in_place(norms, low=1e-2, high=1e2):
    g = np.asarray(norms)
    g.sort()
    if not np.all(np.isfinite(g)) or g[-1] > high:
        return "exploding"
    if g[0] < low:
        return "vanishing"
    return "healthy"


@BANK.alternative("diagnose_gradients", "plain Python: math.isfinite and a loop over the layers")
def diagnose_python_loop(norms, low=1e-2, high=1e2):
    import math
    values = [float(v) for v in norms]
    if any(not math.isfinite(v) or v > high for v in values):
        return "exploding"
    for v in values:
        if v < low:
            return "vanishing"
    return "healthy"


@BANK.alternative("diagnose_gradients", "orders of magnitude: log10 of the norms against "
                                        "log10 of the band (0 gives -inf), a numpy str")
def diagnose_log_scale(norms, low=1e-2, high=1e2):
    g = np.asarray(norms, dtype=np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        orders = np.log10(g)
    words = np.array(["healthy", "vanishing", "exploding"])
    if np.isnan(orders).any() or np.isposinf(orders).any() or orders.max() > np.log10(high):
        return words[2]
    return words[1] if orders.min() < np.log10(low) else words[0]


@BANK.alternative("diagnose_gradients", "torch tensor of the norms, float64")
def diagnose_torch(norms, low=1e-2, high=1e2):
    g = torch.as_tensor(np.array(norms, dtype=np.float64))
    if not bool(torch.isfinite(g).all()) or bool((g > high).any()):
        return "exploding"
    return "vanishing" if bool((g < low).any()) else "healthy"

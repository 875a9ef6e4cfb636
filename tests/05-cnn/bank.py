"""Mutants and alternative implementations for 05-cnn (see autograder/engine/bank.py)."""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from autograder.engine.bank import Bank

BANK = Bank("05-cnn")


# ------------------------------------------------------------------ conv_output_size
@BANK.mutant("conv_output_size", "forgets the + 1: counts steps, not windows",
             diagnosis="you count how many steps the window can move but forget the "
                       "window at the start, so every size comes out one too small",
             section="Padding, stride and dilation")
def conv_output_size_no_plus_one(n, kernel_size, padding=0, stride=1, dilation=1):
    return (n + 2 * padding - dilation * (kernel_size - 1) - 1) // stride


@BANK.mutant("conv_output_size", "pads one side only (n + p instead of n + 2p)",
             diagnosis="you add the padding at one end only, but padding p puts p "
                       "zeros at both ends, so the padded length is n + 2p",
             section="Padding, stride and dilation")
def conv_output_size_one_side(n, kernel_size, padding=0, stride=1, dilation=1):
    return (n + padding - dilation * (kernel_size - 1) - 1) // stride + 1


@BANK.mutant("conv_output_size", "ignores the dilation",
             diagnosis="you treat a dilated kernel as if its taps were next to each "
                       "other, but with dilation d its K taps span d(K - 1) + 1 positions",
             section="Padding, stride and dilation")
def conv_output_size_no_dilation(n, kernel_size, padding=0, stride=1, dilation=1):
    return (n + 2 * padding - kernel_size) // stride + 1


@BANK.mutant("conv_output_size", "true division: returns 3.5 instead of rounding down",
             diagnosis="you use true division where the formula rounds down, so a last window that "
                       "does not fit gives a fractional size such as 3.5 instead of a whole number",
             section="Padding, stride and dilation")
def conv_output_size_true_division(n, kernel_size, padding=0, stride=1, dilation=1):
    return (n + 2 * padding - dilation * (kernel_size - 1) - 1) / stride + 1


@BANK.mutant("conv_output_size", "np.floor of a true division: the right size, but as a float "
                                 "(13.0), which cannot size an array",
             diagnosis="you round down correctly but return a float such as 13.0; a "
                       "size is a count and must be an integer to shape an array",
             section="Exercise")
def conv_output_size_float(n, kernel_size, padding=0, stride=1, dilation=1):
    return np.floor((n + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1


@BANK.mutant("conv_output_size", "math.ceil instead of floor: counts an incomplete last window",
             diagnosis="you round up instead of down, so a last window that runs "
                       "past the end of the padded input is counted as if it fitted",
             section="Padding, stride and dilation")
def conv_output_size_ceil(n, kernel_size, padding=0, stride=1, dilation=1):
    import math
    return math.ceil((n + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1


@BANK.alternative("conv_output_size", "counts the window starts with range()")
def conv_output_size_range(n, kernel_size, padding=0, stride=1, dilation=1):
    span = dilation * (kernel_size - 1) + 1
    return len(range(0, n + 2 * padding - span + 1, stride))


@BANK.alternative("conv_output_size", "numpy floor, returned as a numpy integer")
def conv_output_size_numpy(n, kernel_size, padding=0, stride=1, dilation=1):
    return np.int64(np.floor((n + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1)


# ------------------------------------------------------------------ conv1d
@BANK.mutant("conv1d", "true convolution: flips the kernel (np.convolve habit)",
             diagnosis="you flip the kernel as the mathematical convolution "
                       "(np.convolve) does, but a convolutional layer computes a "
                       "cross-correlation and slides the kernel unflipped",
             section="The convolution, one position at a time")
def conv1d_flipped(x, w, b=None, stride=1, padding=0):
    flipped = torch.tensor(np.ascontiguousarray(w[:, :, ::-1]))
    return F.conv1d(torch.tensor(x), flipped, None if b is None else torch.tensor(b),
                    stride=stride, padding=padding).numpy()


@BANK.mutant("conv1d", "ignores the bias",
             diagnosis="you leave out the bias: when one is given, each output "
                       "channel adds its own constant at every position",
             section="The convolution, one position at a time")
def conv1d_no_bias(x, w, b=None, stride=1, padding=0):
    return F.conv1d(torch.tensor(x), torch.tensor(w), None, stride=stride,
                    padding=padding).numpy()


@BANK.mutant("conv1d", "pads only the end of the sequence",
             diagnosis="you put all the padding zeros at the end of the sequence, but padding "
                       "p adds p zeros at each end, so your windows are shifted by p positions",
             section="Padding, stride and dilation")
def conv1d_pad_one_side(x, w, b=None, stride=1, padding=0):
    xp = np.pad(x, ((0, 0), (0, 0), (0, 2 * padding)))
    return F.conv1d(torch.tensor(xp), torch.tensor(w), None if b is None else torch.tensor(b),
                    stride=stride).numpy()


@BANK.mutant("conv1d", "loops over input channels but keeps only the last one (= not +=)",
             diagnosis="you overwrite the result for each input channel instead of adding them up, "
                       "so only the last channel counts; a kernel sums over all input channels",
             section="The convolution, one position at a time")
def conv1d_last_channel_only(x, w, b=None, stride=1, padding=0):
    N, C, L = x.shape
    O, _, K = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    T = (L + 2 * padding - K) // stride + 1
    out = np.zeros((N, O, T))
    for o in range(O):
        for c in range(C):
            for t in range(T):
                out[:, o, t] = xp[:, c, t * stride:t * stride + K] @ w[o, c]
    return out + (0 if b is None else b[None, :, None])


@BANK.mutant("conv1d", "applies the stride by subsampling the input instead of the output",
             diagnosis="you apply the stride by keeping every s-th input position, "
                       "but the stride moves the whole window s positions at a "
                       "time: the kernel still reads neighbouring positions",
             section="Padding, stride and dilation")
def conv1d_stride_on_input(x, w, b=None, stride=1, padding=0):
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))[:, :, ::stride]
    return F.conv1d(torch.tensor(xp), torch.tensor(w),
                    None if b is None else torch.tensor(b)).numpy()


@BANK.mutant("conv1d", "overwrites its input x in place (\"to free memory\")",
             diagnosis="you overwrite the caller's input array in place (with zeros), so their "
                       "data are lost after the call; a function must leave its inputs unchanged",
             section="Exercise")
def conv1d_mutates_bias(x, w, b=None, stride=1, padding=0):
    out = F.conv1d(torch.tensor(x), torch.tensor(w), None, stride=stride, padding=padding)
    out = out.numpy()
    if b is not None:
        b *= 1.0  # harmless
        out += b[None, :, None]
        x *= 0.0  # "free memory"
    return out


@BANK.mutant("conv1d", "torch.from_numpy on each input without a common dtype: fails for "
                       "float32 one-hot input with float64 weights",
             diagnosis="you hand the arrays to torch without giving them one common dtype, so a "
                       "float32 input with float64 weights makes torch refuse to combine them",
             section="Exercise")
def conv1d_no_common_dtype(x, w, b=None, stride=1, padding=0):
    return F.conv1d(torch.from_numpy(np.asarray(x)), torch.from_numpy(np.asarray(w)),
                    None if b is None else torch.from_numpy(np.asarray(b)), stride=stride,
                    padding=padding).numpy()


@BANK.alternative("conv1d", "explicit loops over samples, channels and positions")
def conv1d_loops(x, w, b=None, stride=1, padding=0):
    N, C, L = x.shape
    O, _, K = w.shape
    xp = np.zeros((N, C, L + 2 * padding))
    xp[:, :, padding:padding + L] = x
    T = (L + 2 * padding - K) // stride + 1
    out = np.zeros((N, O, T))
    for n in range(N):
        for o in range(O):
            for t in range(T):
                out[n, o, t] = np.sum(xp[n, :, t * stride:t * stride + K] * w[o])
                if b is not None:
                    out[n, o, t] += b[o]
    return out


@BANK.alternative("conv1d", "torch.nn.functional.conv1d in float32")
def conv1d_torch32(x, w, b=None, stride=1, padding=0):
    t = lambda a: torch.as_tensor(np.asarray(a, dtype=np.float32))  # noqa: E731
    return F.conv1d(t(x), t(w), None if b is None else t(b), stride=stride,
                    padding=padding).numpy()


@BANK.alternative("conv1d", "im2col: gather windows into a matrix, one matrix product")
def conv1d_im2col(x, w, b=None, stride=1, padding=0):
    N, C, L = x.shape
    O, _, K = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    T = (L + 2 * padding - K) // stride + 1
    idx = np.arange(T)[:, None] * stride + np.arange(K)[None, :]  # (T, K)
    cols = xp[:, :, idx]  # (N, C, T, K)
    cols = cols.transpose(0, 2, 1, 3).reshape(N, T, C * K)
    out = cols @ w.reshape(O, C * K).T  # (N, T, O)
    if b is not None:
        out = out + b
    return out.transpose(0, 2, 1)


# ------------------------------------------------------------------ conv2d
@BANK.mutant("conv2d", "kernel transposed (rows and columns swapped)",
             diagnosis="you mix up the row and column axes, so with a kernel that "
                       "is not square your output comes out transposed; in (N, C, "
                       "H, W) the rows come before the columns",
             section="The convolution, one position at a time")
def conv2d_transposed_kernel(x, w, b=None, stride=1, padding=0):
    wt = np.ascontiguousarray(np.swapaxes(w, 2, 3))
    xt = np.ascontiguousarray(np.swapaxes(x, 2, 3))
    out = F.conv2d(torch.tensor(xt), torch.tensor(wt), None if b is None else torch.tensor(b),
                   stride=stride, padding=padding).numpy()
    return np.swapaxes(out, 2, 3) if w.shape[2] == w.shape[3] else out


@BANK.mutant("conv2d", "flips the kernel (textbook convolution)",
             diagnosis="you flip the kernel upside down and left to right as the "
                       "textbook convolution does, but a convolutional layer "
                       "computes a cross-correlation with the kernel unflipped",
             section="The convolution, one position at a time")
def conv2d_flipped(x, w, b=None, stride=1, padding=0):
    wf = np.ascontiguousarray(w[:, :, ::-1, ::-1])
    return F.conv2d(torch.tensor(x), torch.tensor(wf), None if b is None else torch.tensor(b),
                    stride=stride, padding=padding).numpy()


@BANK.mutant("conv2d", "stride applied to the rows only",
             diagnosis="you apply the stride only when moving down the rows, but the "
                       "stride moves the kernel s cells at a time along the columns too",
             section="Padding, stride and dilation")
def conv2d_stride_rows_only(x, w, b=None, stride=1, padding=0):
    return F.conv2d(torch.tensor(x), torch.tensor(w), None if b is None else torch.tensor(b),
                    stride=(stride, 1), padding=padding).numpy()


@BANK.mutant("conv2d", "ignores the bias",
             diagnosis="you leave out the bias: when one is given, each output "
                       "channel adds its own constant at every position",
             section="The convolution, one position at a time")
def conv2d_no_bias(x, w, b=None, stride=1, padding=0):
    return F.conv2d(torch.tensor(x), torch.tensor(w), None, stride=stride,
                    padding=padding).numpy()


@BANK.alternative("conv2d", "loops over output pixels, float32")
def conv2d_loops32(x, w, b=None, stride=1, padding=0):
    x = np.asarray(x, dtype=np.float32)
    w = np.asarray(w, dtype=np.float32)
    N, C, H, W = x.shape
    O, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    Ho = (H + 2 * padding - kh) // stride + 1
    Wo = (W + 2 * padding - kw) // stride + 1
    out = np.zeros((N, O, Ho, Wo), dtype=np.float32)
    for i in range(Ho):
        for j in range(Wo):
            patch = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += np.asarray(b, dtype=np.float32)[None, :, None, None]
    return out


@BANK.alternative("conv2d", "torch.nn.functional.conv2d in float64")
def conv2d_torch(x, w, b=None, stride=1, padding=0):
    return F.conv2d(torch.tensor(x), torch.tensor(w), None if b is None else torch.tensor(b),
                    stride=stride, padding=padding).numpy()


# ------------------------------------------------------------------ max pooling
@BANK.mutant("max_pool1d", "stride defaults to 1 instead of kernel_size",
             diagnosis="you let the stride default to 1, so the windows overlap; "
                       "when no stride is given, pooling moves by the window size, "
                       "so that the windows do not overlap",
             section="Pooling and the receptive field")
def max_pool1d_stride_one(x, kernel_size, stride=None):
    return F.max_pool1d(torch.tensor(x), kernel_size, stride=stride or 1).numpy()


@BANK.mutant("max_pool1d", "average pooling instead of max pooling",
             diagnosis="you take the mean of each window (average pooling) instead "
                       "of its largest value (max pooling)",
             section="Pooling and the receptive field")
def max_pool1d_average(x, kernel_size, stride=None):
    return F.avg_pool1d(torch.tensor(x), kernel_size, stride=stride).numpy()


@BANK.mutant("max_pool1d", "keeps the incomplete last window (ceil mode)",
             diagnosis="you keep the incomplete window at the end of the sequence, "
                       "but pooling, like a convolution, counts only the windows "
                       "that fit entirely (the size is rounded down)",
             section="Padding, stride and dilation")
def max_pool1d_ceil(x, kernel_size, stride=None):
    return F.max_pool1d(torch.tensor(x), kernel_size, stride=stride, ceil_mode=True).numpy()


@BANK.mutant("max_pool1d", "running maximum starts at 0, wrong for negative inputs",
             diagnosis="you start the running maximum at 0, so a window whose values are "
                       "all negative gives 0 instead of its largest (negative) value",
             section="Pooling and the receptive field")
def max_pool1d_zero_start(x, kernel_size, stride=None):
    s = stride or kernel_size
    N, C, L = x.shape
    T = (L - kernel_size) // s + 1
    out = np.zeros((N, C, T))
    for t in range(T):
        for k in range(kernel_size):
            out[:, :, t] = np.maximum(out[:, :, t], x[:, :, t * s + k])
    return out


@BANK.alternative("max_pool1d", "a loop over windows with np.max")
def max_pool1d_loop(x, kernel_size, stride=None):
    s = kernel_size if stride is None else stride
    T = (x.shape[-1] - kernel_size) // s + 1
    return np.stack([x[..., t * s:t * s + kernel_size].max(axis=-1) for t in range(T)], axis=-1)


@BANK.alternative("max_pool1d", "torch max_pool1d in float32")
def max_pool1d_torch32(x, kernel_size, stride=None):
    return F.max_pool1d(torch.as_tensor(x, dtype=torch.float32), kernel_size,
                        stride=stride).numpy()


@BANK.mutant("max_pool2d", "pools over the last axis only (1-D pooling of each row)",
             diagnosis="you pool each row along the last axis only, but a 2-D pooling window "
                       "is a k × k square, so it shrinks the height and the width alike",
             section="Pooling and the receptive field")
def max_pool2d_rows_only(x, kernel_size, stride=None):
    return F.max_pool2d(torch.tensor(x), (1, kernel_size),
                        stride=None if stride is None else (1, stride)).numpy()


@BANK.mutant("max_pool2d", "stride defaults to 1",
             diagnosis="you let the stride default to 1, so the windows overlap; "
                       "when no stride is given, pooling moves by the window size, "
                       "so that the windows do not overlap",
             section="Pooling and the receptive field")
def max_pool2d_stride_one(x, kernel_size, stride=None):
    return F.max_pool2d(torch.tensor(x), kernel_size, stride=stride or 1).numpy()


@BANK.mutant("max_pool2d", "sorts the input in place to find the maximum",
             diagnosis="you sort the caller's input array in place, which scrambles the feature "
                       "maps they passed in; a function must leave its inputs unchanged",
             section="Exercise")
def max_pool2d_inplace(x, kernel_size, stride=None):
    out = F.max_pool2d(torch.tensor(x), kernel_size, stride=stride).numpy().copy()
    x.sort(axis=-1)
    return out


@BANK.alternative("max_pool2d", "reshape trick for non-overlapping windows, loops otherwise")
def max_pool2d_reshape(x, kernel_size, stride=None):
    k = kernel_size
    s = k if stride is None else stride
    N, C, H, W = x.shape
    Ho, Wo = (H - k) // s + 1, (W - k) // s + 1
    if s == k:
        return x[:, :, :Ho * k, :Wo * k].reshape(N, C, Ho, k, Wo, k).max(axis=(3, 5))
    out = np.empty((N, C, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = x[:, :, i * s:i * s + k, j * s:j * s + k].max(axis=(2, 3))
    return out


@BANK.alternative("max_pool2d", "nn.MaxPool2d module in float32")
def max_pool2d_module(x, kernel_size, stride=None):
    return nn.MaxPool2d(kernel_size, stride)(torch.as_tensor(x, dtype=torch.float32)).numpy()


# ------------------------------------------------------------------ receptive_field
@BANK.mutant("receptive_field", "ignores the strides: 1 + sum(K - 1)",
             diagnosis="you add K - 1 for every layer but ignore the strides: each "
                       "layer's step must be multiplied by the product of the "
                       "strides of the layers before it (the jump)",
             section="Pooling and the receptive field")
def receptive_field_no_strides(layers):
    return 1 + sum(k - 1 for k, s in layers)


@BANK.mutant("receptive_field", "multiplies by the current layer's stride too early",
             diagnosis="you include each layer's own stride in its jump, but a layer's K inputs "
                       "are spaced by the strides of the layers before it, not by its own",
             section="Pooling and the receptive field")
def receptive_field_own_stride(layers):
    r, j = 1, 1
    for k, s in layers:
        j *= s
        r += (k - 1) * j
    return r


@BANK.mutant("receptive_field", "sums the kernel sizes",
             diagnosis="you add up the kernel sizes, but neighbouring windows overlap: "
                       "each layer widens the field by K - 1 times the jump, not by K",
             section="Pooling and the receptive field")
def receptive_field_sum_kernels(layers):
    return sum(k for k, s in layers) if layers else 1


@BANK.alternative("receptive_field", "backwards recursion r = (r - 1) * s + K from the top")
def receptive_field_backwards(layers):
    r = 1
    for k, s in reversed(layers):
        r = (r - 1) * s + k
    return r


@BANK.alternative("receptive_field", "closed form with cumulative products of strides")
def receptive_field_cumprod(layers):
    if not layers:
        return 1
    k = np.array([a for a, _ in layers])
    s = np.array([b for _, b in layers])
    jumps = np.concatenate([[1], np.cumprod(s)[:-1]])
    return int(1 + np.sum((k - 1) * jumps))


# ------------------------------------------------------------------ one_hot_genotypes
@BANK.mutant("one_hot_genotypes", "channels last: (n, m, 4) as in the Keras code",
             diagnosis="you put the four channels last, (individuals, SNPs, 4), but a Conv1d "
                       "expects the channels before the positions, (individuals, 4, SNPs)",
             section="Encoding genotypes for a CNN")
def one_hot_channels_last(G):
    codes = np.where(np.isnan(G), 3, G).astype(int)
    return np.eye(4, dtype=np.float32)[codes]


@BANK.mutant("one_hot_genotypes", "missing calls become all-zero columns",
             diagnosis="you leave missing calls as columns of zeros, but a missing call has "
                       "its own fourth channel, set to 1, so that every SNP has exactly one 1",
             section="Encoding genotypes for a CNN")
def one_hot_missing_zero(G):
    G = np.asarray(G, dtype=float)
    return np.stack([(G == c) for c in (0, 1, 2, 99)], axis=1).astype(np.float32)


@BANK.mutant("one_hot_genotypes", "float64 result",
             diagnosis="you return float64 numbers, but the encoding must be "
                       "float32, the type PyTorch layers use by default",
             section="Exercise")
def one_hot_float64(G):
    G = np.asarray(G, dtype=float)
    codes = np.where(np.isnan(G), 3, G).astype(int)
    return np.eye(4)[codes].transpose(0, 2, 1)


@BANK.mutant("one_hot_genotypes", "fills the NaNs of G in place",
             diagnosis="you fill the missing calls of the caller's genotype matrix "
                       "in place, so its NaNs are gone after the call; a function "
                       "must leave its inputs unchanged",
             section="Exercise")
def one_hot_inplace(G):
    G[np.isnan(G)] = 3
    return np.eye(4, dtype=np.float32)[G.astype(int)].transpose(0, 2, 1)


@BANK.mutant("one_hot_genotypes", "missing put in channel 0, genotypes shifted by one",
             diagnosis="you put missing calls in the first channel and shift the "
                       "genotypes up by one, but genotypes 0, 1 and 2 go to "
                       "channels 0, 1 and 2 and a missing call to the last",
             section="Encoding genotypes for a CNN")
def one_hot_missing_first(G):
    G = np.asarray(G, dtype=float)
    codes = np.where(np.isnan(G), 0, G + 1).astype(int)
    return np.eye(4, dtype=np.float32)[codes].transpose(0, 2, 1)


@BANK.alternative("one_hot_genotypes", "comparisons per channel, stacked")
def one_hot_compare(G):
    G = np.asarray(G, dtype=np.float64)
    return np.stack([G == 0, G == 1, G == 2, np.isnan(G)], axis=1).astype(np.float32)


@BANK.alternative("one_hot_genotypes", "torch F.one_hot, returned as a float32 tensor")
def one_hot_torch(G):
    g = torch.as_tensor(np.asarray(G, dtype=np.float64))
    codes = torch.where(torch.isnan(g), torch.full_like(g, 3), g).long()
    return F.one_hot(codes, 4).permute(0, 2, 1).float()


# ------------------------------------------------------------------ count_parameters
@BANK.mutant("count_parameters", "counts tensors, not their entries",
             diagnosis="you count the parameter tensors instead of the numbers in "
                       "them; an 8 × 18 weight matrix holds 144 parameters, not 1",
             section="Why share weights: parameter counts")
def count_tensors(model):
    return len([p for p in model.parameters() if p.requires_grad])


@BANK.mutant("count_parameters", "counts frozen parameters too",
             diagnosis="you also count frozen parameters (those that do not require a "
                       "gradient), but only the parameters that training updates are trainable",
             section="Exercise")
def count_including_frozen(model):
    return sum(p.numel() for p in model.parameters())


@BANK.mutant("count_parameters", "sums the state_dict: includes buffers, counts tied weights twice",
             diagnosis="you add up the state dict, which also holds buffers such as BatchNorm's "
                       "running statistics and lists a tensor shared by two layers twice",
             section="Why share weights: parameter counts")
def count_state_dict(model):
    return sum(v.numel() for v in model.state_dict().values()
               if v.dtype.is_floating_point)


@BANK.mutant("count_parameters", "walks model.children() only: misses layers nested in sub-blocks",
             diagnosis="you look only one level deep into the model, so layers "
                       "nested inside blocks (an nn.Sequential within the model) "
                       "and the model's own parameters are missed",
             section="Why share weights: parameter counts")
def count_first_level(model):
    seen = {}
    for layer in list(model.children()) or [model]:
        for p in layer.parameters(recurse=False):
            if p.requires_grad:
                seen[id(p)] = p.numel()
    return sum(seen.values())


@BANK.mutant("count_parameters", "adds up the .weight and .bias of every module: misses other "
                                 "parameters (an nn.Parameter attribute, a GRU's weight_ih_l0)",
             diagnosis="you add up only the attributes called weight and bias, so "
                       "parameters with other names, such as a GRU's weight "
                       "matrices or a bare nn.Parameter, are missed",
             section="Why share weights: parameter counts")
def count_weights_and_biases(model):
    seen = {}
    for m in model.modules():
        for name in ("weight", "bias"):
            p = getattr(m, name, None)
            if isinstance(p, torch.nn.Parameter) and p.requires_grad:
                seen[id(p)] = p.numel()
    return sum(seen.values())


@BANK.mutant("count_parameters", "returns a 0-d torch tensor (a sum of torch.prod of the shapes)",
             diagnosis="you return the count as a 0-d torch tensor, which prints "
                       "like a number, instead of the plain Python integer asked for",
             section="Exercise")
def count_as_tensor(model):
    return sum(torch.prod(torch.tensor(p.shape)) for p in model.parameters() if p.requires_grad)


@BANK.alternative("count_parameters", "np.sum of the sizes: a numpy integer")
def count_numpy_int(model):
    return np.sum([p.numel() for p in model.parameters() if p.requires_grad], dtype=np.int64)


@BANK.alternative("count_parameters", "named_parameters and np.prod of the shapes")
def count_named(model):
    return int(sum(np.prod(p.shape) for _, p in model.named_parameters() if p.requires_grad))


@BANK.alternative("count_parameters", "deduplicate tensors by id over the submodules")
def count_modules(model):
    seen = {}
    for m in model.modules():
        for p in m.parameters(recurse=False):
            if p.requires_grad:
                seen[id(p)] = p.numel()
    return sum(seen.values())


# ------------------------------------------------------------------ DeepGS
class DeepGSReLUHidden(nn.Module):
    """ReLU instead of sigmoid after the 32-unit layer."""

    def __init__(self, n_markers):
        super().__init__()
        self.conv = nn.Conv1d(1, 8, 18)
        self.fc1 = nn.Linear(8 * ((n_markers - 17) // 4), 32)
        self.fc2 = nn.Linear(32, 1)
        self.d1, self.d2 = nn.Dropout(0.2), nn.Dropout(0.1)

    def forward(self, x):
        h = self.d1(F.max_pool1d(F.relu(self.conv(x[:, None, :])), 4)).flatten(1)
        return self.fc2(self.d2(F.relu(self.fc1(h))))


BANK.mutant("DeepGS", "ReLU instead of sigmoid in the hidden layer",
            diagnosis="you use a ReLU after the 32-unit dense layer, but DeepGS "
                      "uses a sigmoid there; its only ReLU follows the convolution",
            section="Training the networks")(DeepGSReLUHidden)


class DeepGSPoolStrideOne(nn.Module):
    """MaxPool1d(4) with stride 1: many more positions, wrong Linear size."""

    def __init__(self, n_markers):
        super().__init__()
        self.conv = nn.Conv1d(1, 8, 18)
        self.fc1 = nn.Linear(8 * (n_markers - 17 - 3), 32)
        self.fc2 = nn.Linear(32, 1)
        self.d1, self.d2 = nn.Dropout(0.2), nn.Dropout(0.1)

    def forward(self, x):
        h = self.d1(F.max_pool1d(F.relu(self.conv(x[:, None, :])), 4, stride=1)).flatten(1)
        return self.fc2(self.d2(torch.sigmoid(self.fc1(h))))


BANK.mutant("DeepGS", "pooling stride 1 instead of 4",
            diagnosis="you pool with stride 1, so the windows of 4 overlap and barely shorten the "
                      "maps; DeepGS pools non-overlapping windows (stride 4), a four-fold cut",
            section="Pooling and the receptive field")(DeepGSPoolStrideOne)


class DeepGSAlwaysDropout(nn.Module):
    """F.dropout without training=self.training: dropout stays on in eval mode."""

    def __init__(self, n_markers):
        super().__init__()
        self.conv = nn.Conv1d(1, 8, 18)
        self.fc1 = nn.Linear(8 * ((n_markers - 17) // 4), 32)
        self.fc2 = nn.Linear(32, 1)

    def forward(self, x):
        h = F.dropout(F.max_pool1d(F.relu(self.conv(x[:, None, :])), 4), 0.2).flatten(1)
        return self.fc2(F.dropout(torch.sigmoid(self.fc1(h)), 0.1))


BANK.mutant("DeepGS", "train/eval mix-up: functional dropout always on",
            diagnosis="you use functional dropout without tying it to the model's training mode, "
                      "so it keeps dropping units after model.eval() and predictions stay random",
            section="Training the networks")(DeepGSAlwaysDropout)


class DeepGSNoDropout(nn.Module):
    """Right layers but no dropout at all."""

    def __init__(self, n_markers):
        super().__init__()
        self.conv = nn.Conv1d(1, 8, 18)
        self.fc1 = nn.Linear(8 * ((n_markers - 17) // 4), 32)
        self.fc2 = nn.Linear(32, 1)

    def forward(self, x):
        h = F.max_pool1d(F.relu(self.conv(x[:, None, :])), 4).flatten(1)
        return self.fc2(torch.sigmoid(self.fc1(h)))


BANK.mutant("DeepGS", "forgets the dropout layers",
            diagnosis="you leave out the two dropout layers of DeepGS (0.2 after pooling, 0.1 "
                      "after the sigmoid layer), so training mode behaves like evaluation mode",
            section="Training the networks")(DeepGSNoDropout)


class DeepGSConv2d(nn.Module):
    """As in the original mxnet code: a 1 x M image, Conv2d with a 1 x 18 kernel."""

    def __init__(self, n_markers):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 8, (1, 18)), nn.ReLU(), nn.MaxPool2d((1, 4), (1, 4)), nn.Dropout(0.2),
            nn.Flatten(), nn.Linear(8 * ((n_markers - 18 + 1 - 4) // 4 + 1), 32), nn.Sigmoid(),
            nn.Dropout(0.1), nn.Linear(32, 1))

    def forward(self, x):
        return self.net(x.reshape(x.shape[0], 1, 1, -1))


BANK.alternative("DeepGS", "Conv2d with a 1 x 18 kernel on a 1 x M image, nn.Sequential")(
    DeepGSConv2d)


class DeepGSFunctional(nn.Module):
    """Layers in another attribute order (output layer first), functional pooling, float64."""

    def __init__(self, n_markers):
        super().__init__()
        self.last = nn.Linear(32, 1).double()
        self.conv = nn.Conv1d(1, 8, 18).double()
        self.hidden = nn.Linear(8 * ((n_markers - 17) // 4), 32).double()

    def forward(self, x):
        h = F.relu(self.conv(x.double().unsqueeze(1)))
        h = F.dropout(F.max_pool1d(h, 4), 0.2, training=self.training).flatten(1)
        h = F.dropout(torch.sigmoid(self.hidden(h)), 0.1, training=self.training)
        return self.last(h)


BANK.alternative("DeepGS", "layers created in another order, functional dropout, float64")(
    DeepGSFunctional)


# ------------------------------------------------------------------ DualStreamCNN
class DualNoShortcut(nn.Module):
    """Stream A only: forgets the residual stream B."""

    def __init__(self, n_markers):
        super().__init__()
        self.a1 = nn.Conv1d(4, 10, 4, padding="same")
        self.a2 = nn.Conv1d(10, 10, 20, padding="same")
        self.merge = nn.Conv1d(10, 10, 4, padding="same")
        self.out = nn.Linear(10 * n_markers, 1)
        self.drop = nn.Dropout(0.75)

    def forward(self, x):
        h = self.drop(self.merge(self.drop(self.a2(self.a1(x)))))
        return self.out(self.drop(h.flatten(1)))


BANK.mutant("DualStreamCNN", "no shortcut stream B",
            diagnosis="you leave out stream B, the shortcut convolution of the input whose "
                      "output is added to that of stream A (the residual connection)",
            section="Training the networks")(DualNoShortcut)


class DualValid(nn.Module):
    """padding 0 ('valid'): the sequence shrinks and the shortcut is cropped to fit."""

    def __init__(self, n_markers):
        super().__init__()
        self.a1 = nn.Conv1d(4, 10, 4)
        self.a2 = nn.Conv1d(10, 10, 20)
        self.b = nn.Conv1d(4, 10, 4)
        self.merge = nn.Conv1d(10, 10, 4)
        self.out = nn.Linear(10 * (n_markers - 3 - 19 - 3), 1)
        self.drop = nn.Dropout(0.75)

    def forward(self, x):
        a = self.drop(self.a2(self.a1(x)))
        h = self.drop(self.merge(a + self.b(x)[:, :, :a.shape[-1]]))
        return self.out(self.drop(h.flatten(1)))


BANK.mutant("DualStreamCNN", "valid instead of same padding",
            diagnosis="you use no padding, so every convolution shortens the sequence; DLGWAS "
                      "uses 'same' padding, which keeps each stream as long as the input",
            section="Padding, stride and dilation")(DualValid)


class DualWithReLU(nn.Module):
    """Adds ReLU after each convolution (not in the published network)."""

    def __init__(self, n_markers):
        super().__init__()
        self.a1 = nn.Conv1d(4, 10, 4, padding="same")
        self.a2 = nn.Conv1d(10, 10, 20, padding="same")
        self.b = nn.Conv1d(4, 10, 4, padding="same")
        self.merge = nn.Conv1d(10, 10, 4, padding="same")
        self.out = nn.Linear(10 * n_markers, 1)
        self.drop = nn.Dropout(0.75)

    def forward(self, x):
        a = self.drop(F.relu(self.a2(F.relu(self.a1(x)))))
        h = self.drop(F.relu(self.merge(a + F.relu(self.b(x)))))
        return self.out(self.drop(h.flatten(1)))


BANK.mutant("DualStreamCNN", "ReLU activations added",
            diagnosis="you add ReLU activations after the convolutions, but DLGWAS's convolutions "
                      "have none, which keeps the whole network an affine function of its input",
            section="Training the networks")(DualWithReLU)


class DualShortcutOnA(nn.Module):
    """Stream B applied to the output of A's first convolution instead of the input."""

    def __init__(self, n_markers):
        super().__init__()
        self.a1 = nn.Conv1d(4, 10, 4, padding="same")
        self.a2 = nn.Conv1d(10, 10, 20, padding="same")
        self.b = nn.Conv1d(10, 10, 4, padding="same")
        self.merge = nn.Conv1d(10, 10, 4, padding="same")
        self.out = nn.Linear(10 * n_markers, 1)
        self.drop = nn.Dropout(0.75)

    def forward(self, x):
        h1 = self.a1(x)
        h = self.drop(self.merge(self.drop(self.a2(h1)) + self.b(h1)))
        return self.out(self.drop(h.flatten(1)))


BANK.mutant("DualStreamCNN", "shortcut reads the hidden layer, not the input",
            diagnosis="you feed stream B the output of stream A's first convolution, but the "
                      "shortcut reads the one-hot input itself, alongside the whole of stream A",
            section="Training the networks")(DualShortcutOnA)


class DualFunctionalDropout(nn.Module):
    """F.dropout with its default training=True: dropout stays on in eval mode."""

    def __init__(self, n_markers):
        super().__init__()
        self.a1 = nn.Conv1d(4, 10, 4, padding="same")
        self.a2 = nn.Conv1d(10, 10, 20, padding="same")
        self.b = nn.Conv1d(4, 10, 4, padding="same")
        self.merge = nn.Conv1d(10, 10, 4, padding="same")
        self.out = nn.Linear(10 * n_markers, 1)

    def forward(self, x):
        a = F.dropout(self.a2(self.a1(x)), 0.75)
        h = F.dropout(self.merge(a + self.b(x)), 0.75)
        return self.out(F.dropout(h.flatten(1), 0.75))


BANK.mutant("DualStreamCNN", "train/eval mix-up: functional dropout always on",
            diagnosis="you use functional dropout without tying it to the model's training mode, "
                      "so it keeps dropping units after model.eval() and predictions stay random",
            section="Training the networks")(
    DualFunctionalDropout)


class DualShortcutFirst(nn.Module):
    """Shortcut created before stream A, explicit Keras-style padding with F.pad."""

    def __init__(self, n_markers):
        super().__init__()
        self.b = nn.Conv1d(4, 10, 4)
        self.a1 = nn.Conv1d(4, 10, 4)
        self.a2 = nn.Conv1d(10, 10, 20)
        self.merge = nn.Conv1d(10, 10, 4)
        self.dense = nn.Linear(10 * n_markers, 1)
        self.drops = nn.ModuleList(nn.Dropout(0.75) for _ in range(3))

    @staticmethod
    def same(conv, h):
        k = conv.kernel_size[0]
        return conv(F.pad(h, ((k - 1) // 2, k - 1 - (k - 1) // 2)))

    def forward(self, x):
        a = self.drops[0](self.same(self.a2, self.same(self.a1, x)))
        h = self.drops[1](self.same(self.merge, a + self.same(self.b, x)))
        return self.dense(self.drops[2](torch.flatten(h, 1)))


BANK.alternative("DualStreamCNN", "shortcut created first, explicit F.pad 'same' padding")(
    DualShortcutFirst)


class DualSequentialStreams(nn.Module):
    """Streams as nn.Sequential blocks, one shared dropout rate of 0.5."""

    def __init__(self, n_markers):
        super().__init__()
        self.stream_a = nn.Sequential(nn.Conv1d(4, 10, 4, padding="same"),
                                      nn.Conv1d(10, 10, 20, padding="same"), nn.Dropout(0.5))
        self.stream_b = nn.Conv1d(4, 10, 4, padding="same")
        self.head = nn.Sequential(nn.Conv1d(10, 10, 4, padding="same"), nn.Dropout(0.5),
                                  nn.Flatten(), nn.Dropout(0.5), nn.Linear(10 * n_markers, 1))

    def forward(self, x):
        return self.head(self.stream_a(x) + self.stream_b(x))


BANK.alternative("DualStreamCNN", "nn.Sequential streams")(DualSequentialStreams)


# ------------------------------------------------------------------ compare_predictions
def _vectors(*arrays):
    return [np.asarray(a, dtype=float).ravel() for a in arrays]


def _r(pred, y):
    return float(np.corrcoef(pred, y)[0, 1])


def _verdict(low, high):
    return "cnn" if low > 0 else "ridge" if high < 0 else "no difference"


def _paired_differences(y, a, b, n_boot, seed):
    rng = np.random.default_rng(seed)
    out = np.empty(n_boot)
    for k in range(n_boot):
        i = rng.integers(0, len(y), len(y))
        out[k] = _r(a[i], y[i]) - _r(b[i], y[i])
    return out


def _answer(difference, low, high, choice):
    return {"difference": float(difference), "low": float(low), "high": float(high),
            "choice": choice}


@BANK.mutant("compare_predictions", "unpaired bootstrap: resamples the test plants "
                                    "independently for the two models",
             diagnosis="you resample the test individuals separately for each model, but both "
                       "were tested on the same individuals: a paired comparison keeps them "
                       "together and gives a narrower interval",
             section="Which model wins?")
def compare_predictions_unpaired(y, pred_cnn, pred_ridge, n_boot=2000, seed=0):
    y, a, b = _vectors(y, pred_cnn, pred_ridge)
    rng = np.random.default_rng(seed)
    n = len(y)
    diffs = []
    for _ in range(n_boot):
        i, j = rng.integers(0, n, n), rng.integers(0, n, n)
        diffs.append(_r(a[i], y[i]) - _r(b[j], y[j]))
    low, high = np.percentile(diffs, [2.5, 97.5])
    return _answer(_r(a, y) - _r(b, y), low, high, _verdict(low, high))


@BANK.mutant("compare_predictions", "chooses by the sign of the difference, ignoring the interval",
             diagnosis="you name a winner from the sign of the difference alone, but when the "
                       "95 % interval contains zero the test set cannot tell the models apart",
             section="Which model wins?")
def compare_predictions_sign_only(y, pred_cnn, pred_ridge, n_boot=2000, seed=0):
    y, a, b = _vectors(y, pred_cnn, pred_ridge)
    low, high = np.percentile(_paired_differences(y, a, b, n_boot, seed), [2.5, 97.5])
    difference = _r(a, y) - _r(b, y)
    return _answer(difference, low, high, "cnn" if difference > 0 else "ridge")


@BANK.mutant("compare_predictions", "ridge unless the CNN is significantly better (the "
                                    "simpler model wins ties)",
             diagnosis="you call ridge regression the winner whenever the CNN is not shown to "
                       "be better, but an interval around zero shows neither model to be better",
             section="Which model wins?")
def compare_predictions_ridge_by_default(y, pred_cnn, pred_ridge, n_boot=2000, seed=0):
    y, a, b = _vectors(y, pred_cnn, pred_ridge)
    low, high = np.percentile(_paired_differences(y, a, b, n_boot, seed), [2.5, 97.5])
    return _answer(_r(a, y) - _r(b, y), low, high, "cnn" if low > 0 else "ridge")


@BANK.mutant("compare_predictions", "np.percentile with fractions (0.025, 0.975): both ends "
                                    "near the smallest resampled difference",
             diagnosis="you give numpy's percentile the fractions 0.025 and 0.975, but it "
                       "expects percentages, so both ends of your interval sit near the "
                       "smallest resampled difference",
             section="Exercise")
def compare_predictions_fraction_percentiles(y, pred_cnn, pred_ridge, n_boot=2000, seed=0):
    y, a, b = _vectors(y, pred_cnn, pred_ridge)
    low, high = np.percentile(_paired_differences(y, a, b, n_boot, seed), [0.025, 0.975])
    return _answer(_r(a, y) - _r(b, y), low, high, _verdict(low, high))


def _r_squared(pred, y):
    return 1.0 - float(np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2))


@BANK.mutant("compare_predictions", "scores the models by R^2 = 1 - SSE/SST instead of "
                                    "Pearson r",
             diagnosis="you score the models by their squared error (R squared), which punishes "
                       "predictions in other units, such as a network's standardised ones; "
                       "accuracy here is Pearson's r",
             section="Which model wins?")
def compare_predictions_r_squared(y, pred_cnn, pred_ridge, n_boot=2000, seed=0):
    y, a, b = _vectors(y, pred_cnn, pred_ridge)
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n_boot):
        i = rng.integers(0, len(y), len(y))
        diffs.append(_r_squared(a[i], y[i]) - _r_squared(b[i], y[i]))
    low, high = np.percentile(diffs, [2.5, 97.5])
    return _answer(_r_squared(a, y) - _r_squared(b, y), low, high, _verdict(low, high))


@BANK.mutant("compare_predictions", "ridge minus CNN: the difference, interval and choice "
                                    "all the wrong way round",
             diagnosis="you subtract the CNN's correlation from ridge's, the wrong way round, so "
                       "your difference has the opposite sign and your choice names the other "
                       "model",
             section="Exercise")
def compare_predictions_ridge_minus_cnn(y, pred_cnn, pred_ridge, n_boot=2000, seed=0):
    y, a, b = _vectors(y, pred_cnn, pred_ridge)
    low, high = np.percentile(_paired_differences(y, b, a, n_boot, seed), [2.5, 97.5])
    return _answer(_r(b, y) - _r(a, y), low, high, _verdict(low, high))


@BANK.mutant("compare_predictions", "resamples without replacement (a permutation): every "
                                    "resample is the whole test set, the interval has no width",
             diagnosis="you resample without replacement, so every bootstrap sample is the whole "
                       "test set again and your interval has no width; a bootstrap draws with "
                       "replacement",
             section="Which model wins?")
def compare_predictions_without_replacement(y, pred_cnn, pred_ridge, n_boot=2000, seed=0):
    y, a, b = _vectors(y, pred_cnn, pred_ridge)
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n_boot):
        i = rng.permutation(len(y))
        diffs.append(_r(a[i], y[i]) - _r(b[i], y[i]))
    low, high = np.percentile(diffs, [2.5, 97.5])
    return _answer(_r(a, y) - _r(b, y), low, high, _verdict(low, high))


@BANK.alternative("compare_predictions", "a loop with rng.choice and np.quantile of fractions")
def compare_predictions_choice_loop(y, pred_cnn, pred_ridge, n_boot=2000, seed=0):
    y, a, b = _vectors(y, pred_cnn, pred_ridge)
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n_boot):
        i = rng.choice(len(y), size=len(y), replace=True)
        diffs.append(np.corrcoef(a[i], y[i])[0, 1] - np.corrcoef(b[i], y[i])[0, 1])
    low, high = np.quantile(diffs, [0.025, 0.975])
    choice = "no difference"
    if low > 0:
        choice = "cnn"
    elif high < 0:
        choice = "ridge"
    return {"difference": np.corrcoef(a, y)[0, 1] - np.corrcoef(b, y)[0, 1], "low": low,
            "high": high, "choice": choice}


@BANK.alternative("compare_predictions", "scipy.stats.bootstrap, paired, percentile method, "
                                         "vectorised statistic")
def compare_predictions_scipy(y, pred_cnn, pred_ridge, n_boot=2000, seed=0):
    from scipy import stats

    y, a, b = _vectors(y, pred_cnn, pred_ridge)

    def pearson(p, q, axis):
        p = p - p.mean(axis=axis, keepdims=True)
        q = q - q.mean(axis=axis, keepdims=True)
        return (p * q).sum(axis=axis) / np.sqrt((p * p).sum(axis=axis) * (q * q).sum(axis=axis))

    def difference(yy, aa, bb, axis=-1):
        return pearson(aa, yy, axis) - pearson(bb, yy, axis)

    res = stats.bootstrap((y, a, b), difference, paired=True, vectorized=True,
                          n_resamples=n_boot, method="percentile", rng=seed)
    low, high = res.confidence_interval
    return _answer(difference(y, a, b), low, high, _verdict(low, high))


@BANK.alternative("compare_predictions", "torch, vectorised over the resamples, another "
                                         "generator; numpy scalars in the result")
def compare_predictions_torch(y, pred_cnn, pred_ridge, n_boot=2000, seed=0):
    data = torch.tensor(np.stack(_vectors(y, pred_cnn, pred_ridge)), dtype=torch.float64)
    gen = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, data.shape[1], (n_boot, data.shape[1]), generator=gen)
    samples = data[:, idx]                                  # (3, n_boot, n)
    centred = samples - samples.mean(dim=2, keepdim=True)
    norms = centred.pow(2).sum(dim=2).sqrt()
    r = (centred[1:] * centred[:1]).sum(dim=2) / (norms[1:] * norms[:1])   # (2, n_boot)
    low, high = torch.quantile(r[0] - r[1], torch.tensor([0.025, 0.975], dtype=torch.float64))
    full = torch.corrcoef(data)
    return {"difference": np.float64(full[0, 1] - full[0, 2]), "low": np.float64(low),
            "high": np.float64(high), "choice": np.str_(_verdict(float(low), float(high)))}

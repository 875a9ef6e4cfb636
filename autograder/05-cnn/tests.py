"""Hidden tests for chapter 05-cnn.

Each test gets (student, ref, rng): the student's function (or class), the reference module and
a seeded generator. Every test checks returned values; inputs are passed as copies, and the
"does not modify" tests check the values as well as the inputs.

The two torch networks are graded by behaviour only: the student's class is constructed, its
trainable parameters are counted, its output shape is checked, and its output (in eval mode) is
compared with the reference network's after copying the reference's weights into it. Weights are
copied in ``parameters()`` order (reshaped, so a Conv2d with a 1 x K kernel can stand for a
Conv1d); if that fails, tensors of equal size are paired in every order (layers created in
another order). Models are only driven through ``make``, ``n_trainable``, ``parameters`` and
``set_parameters``, so the tests work when the student's code runs in another process.

Points: conv_output_size 4, conv1d 6, conv2d 5, max_pool1d 4, max_pool2d 4,
receptive_field 3, one_hot_genotypes 4, count_parameters 5, DeepGS 4, DualStreamCNN 4,
compare_predictions 6 (the apply-and-decide part: CNN or ridge regression?); and a written answer
graded by hand, written_trust_deepgs 2.
"""
import functools
import itertools

import numpy as np
import torch

from autograder.engine.testing import (Failure, Suite, describe, expect, expect_close, expect_equal,
                                expect_shape, expect_unchanged, make, n_trainable, parameters,
                                set_parameters, to_array, to_float, type_name)

SUITE = Suite("05-cnn")
SUITE.written("written_trust_deepgs", 2)


def _int_result(out, what, given):
    value = to_float(out, what)
    expect(float(value).is_integer(), what, f"returned {value!r}, which is not a whole number",
           given)
    return int(value)


# ------------------------------------------------------------------ conv_output_size
def _check_sizes(student, ref, cases):
    for n, k, p, s, d in cases:
        given = f"n={n}, kernel_size={k}, padding={p}, stride={s}, dilation={d}"
        out = _int_result(student(n, k, padding=p, stride=s, dilation=d), "conv_output_size",
                          given)
        exp = ref.conv_output_size(n, k, padding=p, stride=s, dilation=d)
        expect(out == exp, "conv_output_size", f"expected {exp}, got {out}", given)


@SUITE.test("conv_output_size", points=1,
            hint="with no padding and stride 1, a kernel of size K fits n - K + 1 times")
def without_padding_or_stride(student, ref, rng):
    cases = [(n, int(k), 0, 1, 1) for n, k in
             zip(rng.integers(20, 200, size=6), rng.integers(1, 15, size=6))]
    _check_sizes(student, ref, cases + [(10, 10, 0, 1, 1), (5, 1, 0, 1, 1)])


@SUITE.test("conv_output_size", points=1,
            hint="add 2 * padding (zeros on both ends), then count window starts every `stride` "
                 "positions: floor((n + 2p - K) / s) + 1, rounded *down*")
def with_padding_and_stride(student, ref, rng):
    cases = [(int(n), int(k), int(p), int(s), 1) for n, k, p, s in
             zip(rng.integers(20, 200, size=8), rng.integers(1, 12, size=8),
                 rng.integers(0, 6, size=8), rng.integers(1, 5, size=8))]
    _check_sizes(student, ref, cases + [(7, 3, 0, 2, 1), (8, 3, 0, 2, 1), (28, 5, 2, 1, 1)])


@SUITE.test("conv_output_size", points=1,
            hint="a kernel of size K with dilation d spans d * (K - 1) + 1 input positions")
def with_dilation(student, ref, rng):
    cases = [(int(n), int(k), int(p), int(s), int(d)) for n, k, p, s, d in
             zip(rng.integers(40, 200, size=8), rng.integers(2, 8, size=8),
                 rng.integers(0, 4, size=8), rng.integers(1, 4, size=8),
                 rng.integers(2, 5, size=8))]
    _check_sizes(student, ref, cases + [(10, 3, 0, 1, 2)])


def _is_number(value, integral=False) -> bool:
    """A plain Python or numpy number (not a tensor, array, list or bool). A torch tensor the
    student returns is a torch.Tensor in one process and arrives as an ndarray from the sandbox:
    both are rejected, so the check behaves the same in both modes."""
    kinds = (int, np.integer) if integral else (int, float, np.integer, np.floating)
    return isinstance(value, kinds) and not isinstance(value, (bool, np.bool_))


@SUITE.test("conv_output_size", points=1,
            hint="return a Python int: use floor division // (or int(...)), not np.floor or /, "
                 "since the size is used to allocate arrays and np.zeros(13.0) fails")
def returns_an_int(student, ref, rng):
    cases = [(int(n), int(k), int(p), int(s), int(d)) for n, k, p, s, d in
             zip(rng.integers(20, 120, size=6), rng.integers(1, 8, size=6),
                 rng.integers(0, 4, size=6), rng.integers(1, 4, size=6),
                 rng.integers(1, 3, size=6))]
    for n, k, p, s, d in cases + [(12, 3, 0, 3, 1)]:
        given = f"n={n}, kernel_size={k}, padding={p}, stride={s}, dilation={d}"
        out = student(n, k, padding=p, stride=s, dilation=d)
        expect(_is_number(out, integral=True), "conv_output_size",
               f"returned a {type(out).__name__}; expected an int", given)
        exp = ref.conv_output_size(n, k, padding=p, stride=s, dilation=d)
        expect(int(out) == exp, "conv_output_size", f"expected {exp}, got {int(out)}", given)


# ------------------------------------------------------------------ conv1d and conv2d
def _conv_case(student, ref, name, x, w, b=None, **kwargs):
    args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    given = (f"x {describe(x)}, w {describe(w)}, "
             f"b {'None' if b is None else describe(b)}{args}")
    ref_fn = getattr(ref, name)
    out = student(x.copy(), w.copy(), None if b is None else b.copy(), **kwargs)
    expect_close(out, ref_fn(x, w, b, **kwargs), name, given)


@SUITE.test("conv1d", points=1,
            hint="out[n, o, t] = sum_c sum_k w[o, c, k] * x[n, c, t + k]: slide the kernel "
                 "*without flipping it* (deep-learning 'convolution' is a cross-correlation)")
def one_channel_no_bias(student, ref, rng):
    x = rng.normal(size=(2, 1, 15))
    w = rng.normal(size=(1, 1, 4))
    _conv_case(student, ref, "conv1d", x, w)


@SUITE.test("conv1d", points=1,
            hint="each output channel o sums over *all* input channels c with its own kernel "
                 "w[o, c, :]; the output has shape (N, C_out, L_out)")
def several_channels_with_bias(student, ref, rng):
    x = rng.normal(size=(3, 4, 20))
    w = rng.normal(size=(5, 4, 3))
    b = rng.normal(size=5)
    _conv_case(student, ref, "conv1d", x, w, b)


@SUITE.test("conv1d", points=1,
            hint="pad with `padding` zeros on *both* ends (np.pad), then start a window every "
                 "`stride` positions; the length is floor((L + 2p - K) / s) + 1")
def stride_and_padding(student, ref, rng):
    for stride, padding in ((2, 0), (1, 2), (3, 1), (2, 3)):
        x = rng.normal(size=(2, 3, int(rng.integers(12, 30))))
        w = rng.normal(size=(2, 3, int(rng.integers(2, 6))))
        b = rng.normal(size=2)
        _conv_case(student, ref, "conv1d", x, w, b, stride=stride, padding=padding)


@SUITE.test("conv1d", points=1,
            hint="add b[o] to every position of output channel o when b is given, and nothing "
                 "when b is None")
def bias_none_or_given(student, ref, rng):
    x = rng.normal(size=(2, 2, 10))
    w = rng.normal(size=(3, 2, 3))
    b = np.array([10.0, -5.0, 0.5])
    _conv_case(student, ref, "conv1d", x, w, None, padding=1)
    _conv_case(student, ref, "conv1d", x, w, b, padding=1)
    kernel_as_long_as_x = rng.normal(size=(3, 2, 10))  # one output position
    _conv_case(student, ref, "conv1d", x, kernel_as_long_as_x, b)


@SUITE.test("conv1d", points=1,
            hint="inputs may have different dtypes, e.g. float32 one-hot genotypes (or integer "
                 "codes) with float64 weights: convert everything to one float dtype before "
                 "computing (torch's conv1d refuses to mix float32 and float64)")
def float32_or_integer_input_with_float64_weights(student, ref, rng):
    codes = rng.integers(0, 4, size=(3, 30))
    x32 = np.eye(4, dtype=np.float32)[codes].transpose(0, 2, 1).copy()  # one-hot (N, 4, L)
    w, b = rng.normal(size=(5, 4, 6)), rng.normal(size=5)
    _conv_case(student, ref, "conv1d", x32, w, b, padding=2)
    dosages = rng.integers(0, 3, size=(2, 1, 25))  # int64 marker codes, one channel
    _conv_case(student, ref, "conv1d", dosages, rng.normal(size=(3, 1, 5)), None, stride=2)


@SUITE.test("conv1d", points=1, hint="build new arrays (np.pad returns a copy); never write "
                                     "into x, w or b")
def does_not_modify_its_inputs(student, ref, rng):
    x, w, b = rng.normal(size=(2, 3, 12)), rng.normal(size=(4, 3, 3)), rng.normal(size=4)
    copies = x.copy(), w.copy(), b.copy()
    out = student(x, w, b, stride=2, padding=1)
    for before, after, name in zip(copies, (x, w, b), "xwb"):
        expect_unchanged(before, after, "conv1d", name)
    expect_close(out, ref.conv1d(*copies, stride=2, padding=1), "conv1d",
                 f"x {describe(x)}, w {describe(w)}, b {describe(b)}, stride=2, padding=1")


@SUITE.test("conv2d", points=1,
            hint="out[n, o, i, j] = sum_c sum_u sum_v w[o, c, u, v] * x[n, c, i + u, j + v]; "
                 "do not flip the kernel")
def one_channel_no_bias(student, ref, rng):
    x = rng.normal(size=(2, 1, 8, 8))
    w = rng.normal(size=(1, 1, 3, 3))
    _conv_case(student, ref, "conv2d", x, w)


@SUITE.test("conv2d", points=1,
            hint="rows use kH and columns kW: with a non-square kernel the output is "
                 "(H - kH + 1, W - kW + 1); sum over all input channels")
def several_channels_non_square(student, ref, rng):
    x = rng.normal(size=(2, 3, 9, 12))
    w = rng.normal(size=(4, 3, 2, 5))
    b = rng.normal(size=4)
    _conv_case(student, ref, "conv2d", x, w, b)


@SUITE.test("conv2d", points=1,
            hint="pad rows and columns with `padding` zeros on every side, then step `stride` "
                 "in both directions")
def stride_and_padding(student, ref, rng):
    for stride, padding in ((2, 0), (1, 1), (3, 2), (2, 1)):
        x = rng.normal(size=(2, 2, int(rng.integers(7, 14)), int(rng.integers(7, 14))))
        w = rng.normal(size=(3, 2, int(rng.integers(2, 5)), int(rng.integers(2, 5))))
        b = rng.normal(size=3)
        _conv_case(student, ref, "conv2d", x, w, b, stride=stride, padding=padding)


@SUITE.test("conv2d", points=1,
            hint="add b[o] to every pixel of output channel o when b is given, nothing when "
                 "b is None")
def bias_none_or_given(student, ref, rng):
    x = rng.normal(size=(1, 2, 6, 7))
    w = rng.normal(size=(3, 2, 3, 3))
    b = np.array([10.0, -5.0, 0.5])
    _conv_case(student, ref, "conv2d", x, w, None, padding=1)
    _conv_case(student, ref, "conv2d", x, w, b, padding=1)


@SUITE.test("conv2d", points=1, hint="build new arrays; never write into x, w or b")
def does_not_modify_its_inputs(student, ref, rng):
    x, w, b = rng.normal(size=(2, 2, 7, 7)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    copies = x.copy(), w.copy(), b.copy()
    out = student(x, w, b, stride=2, padding=1)
    for before, after, name in zip(copies, (x, w, b), "xwb"):
        expect_unchanged(before, after, "conv2d", name)
    expect_close(out, ref.conv2d(*copies, stride=2, padding=1), "conv2d",
                 f"x {describe(x)}, w {describe(w)}, b {describe(b)}, stride=2, padding=1")


# ------------------------------------------------------------------ pooling
def _pool_case(student, ref, name, x, kernel_size, **kwargs):
    args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    given = f"x {describe(x)}, kernel_size={kernel_size!r}{args}"
    out = student(x.copy(), kernel_size, **kwargs)
    expect_close(out, getattr(ref, name)(x, kernel_size, **kwargs), name, given)


@SUITE.test("max_pool1d", points=1,
            hint="when stride is None it equals kernel_size: windows do not overlap")
def default_stride_is_the_kernel_size(student, ref, rng):
    _pool_case(student, ref, "max_pool1d", rng.normal(size=(2, 3, 16)), 4)
    _pool_case(student, ref, "max_pool1d", rng.normal(size=(1, 2, 12)), 3)


@SUITE.test("max_pool1d", points=1,
            hint="with an explicit stride the windows start every `stride` positions and may "
                 "overlap")
def explicit_stride(student, ref, rng):
    for k, s in ((3, 1), (3, 2), (2, 3), (4, 4)):
        _pool_case(student, ref, "max_pool1d", rng.normal(size=(2, 2, 17)), k, stride=s)


@SUITE.test("max_pool1d", points=1,
            hint="an incomplete window at the end is dropped: L_out = floor((L - K) / s) + 1; "
                 "start the maximum from the data, not from 0, so negative inputs work")
def incomplete_windows_and_negative_values(student, ref, rng):
    _pool_case(student, ref, "max_pool1d", -np.abs(rng.normal(size=(2, 3, 19))) - 1.0, 4)
    _pool_case(student, ref, "max_pool1d", rng.normal(size=(3, 1, 10)), 3, stride=2)


@SUITE.test("max_pool1d", points=1, hint="build a new array; never write into x")
def does_not_modify_its_input(student, ref, rng):
    x = rng.normal(size=(2, 2, 12))
    before = x.copy()
    out = student(x, 3)
    expect_unchanged(before, x, "max_pool1d", "x")
    expect_close(out, ref.max_pool1d(before, 3), "max_pool1d",
                 f"x {describe(before)}, kernel_size=3")


@SUITE.test("max_pool2d", points=1,
            hint="when stride is None it equals kernel_size; take the maximum over each "
                 "k x k block of the last two axes")
def default_stride_is_the_kernel_size(student, ref, rng):
    _pool_case(student, ref, "max_pool2d", rng.normal(size=(2, 3, 8, 8)), 2)
    _pool_case(student, ref, "max_pool2d", rng.normal(size=(1, 2, 9, 6)), 3)


@SUITE.test("max_pool2d", points=1,
            hint="rows and columns both step by `stride`; pool over the two last axes (H, W), "
                 "never over channels")
def explicit_stride_on_rectangular_images(student, ref, rng):
    for k, s in ((3, 1), (3, 2), (2, 3)):
        _pool_case(student, ref, "max_pool2d", rng.normal(size=(2, 2, 9, 13)), k, stride=s)


@SUITE.test("max_pool2d", points=1,
            hint="incomplete windows at the bottom and right edges are dropped (sizes rounded "
                 "down); start the maximum from the data, not from 0")
def incomplete_windows_and_negative_values(student, ref, rng):
    _pool_case(student, ref, "max_pool2d", -np.abs(rng.normal(size=(2, 2, 11, 7))) - 1.0, 2)
    _pool_case(student, ref, "max_pool2d", rng.normal(size=(1, 3, 10, 10)), 4, stride=3)


@SUITE.test("max_pool2d", points=1, hint="build a new array; never write into x")
def does_not_modify_its_input(student, ref, rng):
    x = rng.normal(size=(2, 2, 6, 6))
    before = x.copy()
    out = student(x, 2)
    expect_unchanged(before, x, "max_pool2d", "x")
    expect_close(out, ref.max_pool2d(before, 2), "max_pool2d",
                 f"x {describe(before)}, kernel_size=2")


# ------------------------------------------------------------------ receptive_field
def _check_field(student, ref, layers):
    given = f"layers={layers!r}"
    out = _int_result(student(list(layers)), "receptive_field", given)
    exp = ref.receptive_field(layers)
    expect(out == exp, "receptive_field", f"expected {exp}, got {out}", given)


@SUITE.test("receptive_field", points=1,
            hint="one layer of kernel K sees K inputs; no layer at all sees 1 input")
def one_layer_or_none(student, ref, rng):
    for k in (1, 3, int(rng.integers(4, 20))):
        _check_field(student, ref, [(k, 1)])
    _check_field(student, ref, [(5, 2)])
    _check_field(student, ref, [])


@SUITE.test("receptive_field", points=1,
            hint="with stride 1 everywhere, each layer of kernel K adds K - 1 positions")
def stride_one_stack(student, ref, rng):
    _check_field(student, ref, [(3, 1), (3, 1), (3, 1)])
    _check_field(student, ref, [(int(k), 1) for k in rng.integers(2, 9, size=5)])


@SUITE.test("receptive_field", points=1,
            hint="layer l adds (K_l - 1) times the product of the strides of the layers "
                 "*before* it (its own stride only matters for the layers after it)")
def strided_stacks(student, ref, rng):
    _check_field(student, ref, [(5, 1), (2, 2), (3, 1), (2, 2), (3, 1)])  # conv-pool-conv-pool
    for _ in range(3):
        n = int(rng.integers(2, 6))
        _check_field(student, ref, [(int(k), int(s)) for k, s in
                                    zip(rng.integers(1, 8, size=n), rng.integers(1, 4, size=n))])


# ------------------------------------------------------------------ one_hot_genotypes
def _genotypes(rng, n, m, missing=0.0):
    G = rng.integers(0, 3, size=(n, m)).astype(np.float64)
    G[rng.random((n, m)) < missing] = np.nan
    return G


def _is_float32(out) -> bool:
    if isinstance(out, torch.Tensor):
        return out.dtype == torch.float32
    return isinstance(out, np.ndarray) and out.dtype == np.float32


@SUITE.test("one_hot_genotypes", points=1,
            hint="the result has shape (n, 4, m), channels in the middle as torch's Conv1d "
                 "expects, and dtype float32 (np.zeros(..., dtype=np.float32))")
def shape_and_dtype(student, ref, rng):
    G = _genotypes(rng, 5, 13, missing=0.1)
    given = f"G {describe(G)}"
    out = student(G.copy())
    expect_shape(out, (5, 4, 13), "one_hot_genotypes", given)
    expect(_is_float32(out), "one_hot_genotypes",
           f"expected dtype float32, got {getattr(out, 'dtype', type(out).__name__)}", given)


@SUITE.test("one_hot_genotypes", points=1,
            hint="genotype code c (0, 1 or 2) puts a 1 in channel c, the other channels are 0")
def complete_genotypes(student, ref, rng):
    G = _genotypes(rng, 6, 20)
    expect_equal(student(G.copy()), ref.one_hot_genotypes(G), "one_hot_genotypes",
                 f"G {describe(G)} (no missing values)")
    G_int = G.astype(np.int64)  # integer dosages, as read from a genotype file
    expect_equal(student(G_int.copy()), ref.one_hot_genotypes(G_int), "one_hot_genotypes",
                 f"G {describe(G_int)}")


@SUITE.test("one_hot_genotypes", points=1,
            hint="a missing call (NaN) is a 1 in channel 3; test for it with np.isnan, since "
                 "NaN == NaN is False and NaN cannot be cast to an int")
def missing_calls_go_to_channel_3(student, ref, rng):
    G = _genotypes(rng, 7, 25, missing=0.2)
    G[0, :] = np.nan  # an individual that failed genotyping
    expect_equal(student(G.copy()), ref.one_hot_genotypes(G), "one_hot_genotypes",
                 f"G {describe(G)} with {int(np.isnan(G).sum())} NaN (missing) calls")


@SUITE.test("one_hot_genotypes", points=1,
            hint="do not fill the NaNs of G in place (G[np.isnan(G)] = 3 changes the caller's "
                 "data): use np.where or a copy")
def does_not_modify_its_input(student, ref, rng):
    G = _genotypes(rng, 4, 9, missing=0.3)
    before = G.copy()
    out = student(G)
    expect_unchanged(before, G, "one_hot_genotypes", "G")
    expect_equal(out, ref.one_hot_genotypes(before), "one_hot_genotypes", f"G {describe(before)}")


# ------------------------------------------------------------------ count_parameters
# Models are created where the student's code runs (``make``); the expected count comes from
# the same source evaluated here.
_STACK = ("torch.nn.Sequential(torch.nn.Conv1d(4, 6, 5), torch.nn.ReLU(), torch.nn.Conv1d(6, 3, 3),"
          " torch.nn.Flatten(), torch.nn.Linear(3 * 20, 1))")
_BATCHNORM = ("torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8), "
              "torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(8 * 36, 2))")
_TIED = """
m = torch.nn.Sequential(torch.nn.Linear(10, 10), torch.nn.Tanh(), torch.nn.Linear(10, 10))
m[2].weight = m[0].weight
result = m
"""
_FROZEN = """
m = torch.nn.Sequential(torch.nn.Linear(20, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
for p in m[0].parameters():
    p.requires_grad_(False)
result = m
"""


_NESTED = """
class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv1d(4, 6, 5), torch.nn.ReLU(),
            torch.nn.Sequential(torch.nn.Conv1d(6, 6, 3), torch.nn.BatchNorm1d(6)))
        self.heads = torch.nn.ModuleList([torch.nn.Linear(6, 2), torch.nn.Linear(6, 1)])
        self.scale = torch.nn.Parameter(torch.ones(6))


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.rnn = torch.nn.GRU(6, 3)
        self.out = torch.nn.Linear(3, 1)


result = Net()
"""


def _check_count(student, ref, source, label):
    out = _int_result(student(make(student, source)), "count_parameters", label)
    exp = ref.count_parameters(make(None, source))
    expect(out == exp, "count_parameters", f"expected {exp}, got {out}", label)


@SUITE.test("count_parameters", points=1,
            hint="add up p.numel() (the number of entries) of every tensor in "
                 "model.parameters(), not the number of tensors")
def layers_and_stacks(student, ref, rng):
    d_in, d_out = int(rng.integers(3, 30)), int(rng.integers(2, 10))
    _check_count(student, ref, f"torch.nn.Linear({d_in}, {d_out})",
                 f"model nn.Linear({d_in}, {d_out})")
    _check_count(student, ref, f"torch.nn.Linear({d_in}, {d_out}, bias=False)",
                 f"model nn.Linear({d_in}, {d_out}, bias=False)")
    _check_count(student, ref, _STACK, "a Sequential of two Conv1d layers and a Linear layer")


@SUITE.test("count_parameters", points=1,
            hint="buffers such as BatchNorm's running mean and variance are not parameters, and "
                 "a tensor shared by two layers counts once: iterate over model.parameters(), "
                 "not the state_dict")
def buffers_and_shared_weights(student, ref, rng):
    _check_count(student, ref, _BATCHNORM, "a Conv2d + BatchNorm2d + Linear network")
    _check_count(student, ref, _TIED, "two Linear layers sharing one weight matrix")


@SUITE.test("count_parameters", points=1,
            hint="count only trainable parameters: skip tensors with requires_grad == False "
                 "(frozen layers)")
def frozen_layers_are_not_counted(student, ref, rng):
    _check_count(student, ref, _FROZEN, "a network whose first Linear layer is frozen")


@SUITE.test("count_parameters", points=1,
            hint="layers inside sub-blocks (an nn.Sequential or nn.ModuleList inside your own "
                 "module), recurrent layers and bare nn.Parameter attributes all count: "
                 "model.parameters() walks every submodule, model.children() only the first level")
def layers_nested_in_sub_blocks(student, ref, rng):
    _check_count(student, ref, _NESTED, "a custom module holding a block (a Sequential inside a "
                                        "Sequential, a ModuleList, an nn.Parameter), a GRU and a "
                                        "Linear layer")


@SUITE.test("count_parameters", points=1,
            hint="return a Python int (p.numel() is an int, and so is their sum), not a torch "
                 "tensor or an array")
def returns_an_int(student, ref, rng):
    d_in = int(rng.integers(3, 30))
    for source, label in ((f"torch.nn.Linear({d_in}, 4)", f"model nn.Linear({d_in}, 4)"),
                          (_STACK, "a Sequential of two Conv1d layers and a Linear layer")):
        out = student(make(student, source))
        expect(_is_number(out), "count_parameters",
               f"returned a {type(out).__name__}; expected an int", label)
        exp = ref.count_parameters(make(None, source))
        got = _int_result(out, "count_parameters", label)
        expect(got == exp, "count_parameters", f"expected {exp}, got {got}", label)


# ------------------------------------------------------------------ DeepGS and DualStreamCNN
# The student's network is only constructed, called (forward, train, eval) and read or written
# through n_trainable / parameters / set_parameters, so the tests also work when the student's
# code runs in a separate process.
def _build(student, what, n):
    model = student(n)
    expect(model is not None, what, "the constructor returned None", f"n_markers={n}")
    return model


def _forward(model, x, what, training=False):
    model.train(training)
    return to_array(model(x.clone()), what)


def _reference_model(ref, cls, n, rng):
    with torch.random.fork_rng():
        torch.manual_seed(int(rng.integers(2**31)))
        model = getattr(ref, cls)(n)
    return model.eval()


def _candidate_weights(student_shapes, reference, limit=100):
    """Lists of arrays (in the student's parameters() order and shapes) holding the reference
    weights: first in parameters() order, then, if the student created the same layers in
    another order, every pairing of tensors of equal size (at most ``limit``)."""
    weights = [p.detach().double().numpy() for p in reference.parameters()]
    sizes = [int(np.prod(s)) for s in student_shapes]
    if len(sizes) != len(weights) or sorted(sizes) != sorted(w.size for w in weights):
        return
    if all(sz == w.size for sz, w in zip(sizes, weights)):
        yield [w.reshape(s) for w, s in zip(weights, student_shapes)]
    buckets = {}
    for w in weights:
        buckets.setdefault(w.size, []).append(w)
    slots = {sz: [i for i, z in enumerate(sizes) if z == sz] for sz in buckets}
    keys = list(buckets)
    choices = [itertools.permutations(buckets[k]) for k in keys]
    for n, combo in enumerate(itertools.product(*choices)):
        if n >= limit:
            return
        arrays = [None] * len(sizes)
        for k, ordered in zip(keys, combo):
            for i, w in zip(slots[k], ordered):
                arrays[i] = w.reshape(student_shapes[i])
        yield arrays


def _check_outputs(student, ref, cls, sizes, make_input, rng):
    for n in sizes:
        reference = _reference_model(ref, cls, n, rng)
        model = _build(student, cls, n)
        x = make_input(rng, 6, n)
        with torch.no_grad():
            expected = reference(x).double().numpy()
        shapes = [np.shape(a) for a in parameters(model)]
        given = (f"n_markers={n}, x of shape {tuple(x.shape)} in eval mode, the reference "
                 "weights copied into your layers")
        first_failure, tried = None, False
        for arrays in _candidate_weights(shapes, reference):
            tried = True
            expect(set_parameters(model, arrays), cls, "could not load the reference weights",
                   given)
            try:
                expect_close(_forward(model, x, cls), expected, cls, given, rtol=1e-4, atol=1e-5)
                break
            except Failure as exc:
                first_failure = first_failure or exc
        else:
            if not tried:
                wanted = [tuple(p.shape) for p in reference.parameters()]
                raise Failure(f"{cls}(n_markers={n}): your parameters have shapes {shapes}, "
                              f"which cannot hold the reference weights {wanted}, so the outputs "
                              "cannot be compared")
            raise first_failure


def _check_param_count(student, ref, cls, sizes):
    for n in sizes:
        got = n_trainable(_build(student, cls, n))
        exp = ref.count_parameters(getattr(ref, cls)(n))
        expect(got == exp, cls, f"expected {exp} trainable parameters, the model has {got}",
               f"n_markers={n}")


def _check_output_shape(student, cls, sizes, make_input, rng):
    for n in sizes:
        model = _build(student, cls, n)
        for batch in (1, 7):
            x = make_input(rng, batch, n)
            expect_shape(_forward(model, x, cls), (batch, 1), cls,
                         f"n_markers={n}, x of shape {tuple(x.shape)} in eval mode")


def _check_dropout_modes(student, cls, n, make_input, rng):
    model = _build(student, cls, n)
    x = make_input(rng, 16, n)
    a, b = _forward(model, x, cls), _forward(model, x, cls)
    expect(np.array_equal(a, b), cls,
           "two calls in eval mode gave different outputs: dropout must be off after "
           "model.eval()", f"x of shape {tuple(x.shape)}")
    c, d = _forward(model, x, cls, training=True), _forward(model, x, cls, training=True)
    expect(not np.allclose(c, d) and not np.allclose(c, a), cls,
           "in train mode the output is deterministic and equals the eval-mode output: the "
           "Dropout layers seem to be missing", f"x of shape {tuple(x.shape)}")


def _markers(rng, batch, n):
    return torch.tensor(rng.integers(0, 3, size=(batch, n)), dtype=torch.float32)


def _one_hot(rng, batch, n):
    codes = rng.integers(0, 4, size=(batch, n))
    return torch.tensor(np.eye(4, dtype=np.float32)[codes].transpose(0, 2, 1).copy())


@SUITE.test("DeepGS", points=1,
            hint="Conv1d(1, 8, 18) then MaxPool1d(4, 4) leave 8 channels of "
                 "floor((n_markers - 17 - 4) / 4) + 1 positions; the first Linear layer maps "
                 "8 times that to 32, the second 32 to 1")
def number_of_parameters(student, ref, rng):
    _check_param_count(student, ref, "DeepGS", (200, 317, 1225))


@SUITE.test("DeepGS", points=1,
            hint="forward receives (N, n_markers): add the channel axis (x.unsqueeze(1)) before "
                 "the convolution and flatten before the first Linear layer; return (N, 1)")
def output_shape(student, ref, rng):
    _check_output_shape(student, "DeepGS", (100, 257), _markers, rng)


@SUITE.test("DeepGS", points=1,
            hint="order: conv -> ReLU -> max-pool -> dropout -> flatten -> Linear(32) -> "
                 "*sigmoid* -> dropout -> Linear(1); create the layers in this order")
def outputs_match_the_reference_in_eval_mode(student, ref, rng):
    _check_outputs(student, ref, "DeepGS", (120, 301), _markers, rng)


@SUITE.test("DeepGS", points=1,
            hint="use nn.Dropout(0.2) and nn.Dropout(0.1) modules, which are active after "
                 "model.train() and switched off by model.eval()")
def dropout_only_in_training_mode(student, ref, rng):
    _check_dropout_modes(student, "DeepGS", 150, _markers, rng)


@SUITE.test("DualStreamCNN", points=1,
            hint="four Conv1d layers with 10 filters (kernels 4, 20, 4 and 4; the first and the "
                 "shortcut read 4 channels) and 'same' padding, so the Linear layer maps "
                 "10 * n_markers values to 1")
def number_of_parameters(student, ref, rng):
    _check_param_count(student, ref, "DualStreamCNN", (50, 128, 333))


@SUITE.test("DualStreamCNN", points=1,
            hint="padding='same' keeps the length n_markers (also for the even kernels); "
                 "flatten (N, 10, n_markers) before the Linear layer and return (N, 1)")
def output_shape(student, ref, rng):
    _check_output_shape(student, "DualStreamCNN", (64, 101), _one_hot, rng)


@SUITE.test("DualStreamCNN", points=1,
            hint="stream A is two convolutions in a row, stream B one convolution of the "
                 "*input*; add them, then the merge convolution, flatten and the Linear layer; "
                 "no activation functions (as in the published code)")
def outputs_match_the_reference_in_eval_mode(student, ref, rng):
    _check_outputs(student, ref, "DualStreamCNN", (40, 97), _one_hot, rng)


@SUITE.test("DualStreamCNN", points=1,
            hint="use nn.Dropout modules (active after model.train(), off after model.eval()), "
                 "not F.dropout with training=True")
def dropout_only_in_training_mode(student, ref, rng):
    _check_dropout_modes(student, "DualStreamCNN", 60, _one_hot, rng)


# ------------------------------------------------------------------ compare_predictions
# The decision: which genomic predictor to trust. The bootstrap is random, so the interval is
# compared with a tolerance (INTERVAL_TOLERANCE of the reference interval's width, several times
# the Monte Carlo error of 2,000 to 4,000 resamples drawn in any order or with any generator),
# and every case is drawn until its decision is clear-cut for the reference (the nearest end of
# the interval at least MARGIN of its width away from zero), so that no valid implementation
# can fall on the other side by chance.
CHOICES = ("cnn", "ridge", "no difference")
INTERVAL_TOLERANCE = 0.15
MARGIN = 0.25


def _comparison(out, given):
    """The student's result as (difference, low, high, choice), or a Failure about its form."""
    what = "compare_predictions"
    if not isinstance(out, dict):
        raise Failure(f"{what} with {given}: returned a {type_name(out)}; expected a dict with "
                      "the keys 'difference', 'low', 'high' and 'choice'")
    missing = [k for k in ("difference", "low", "high", "choice") if k not in out]
    expect(not missing, what, f"the dict it returned lacks the key(s) {', '.join(missing)}",
           given)
    choice = out["choice"]
    expect(isinstance(choice, str) and choice in CHOICES, what,
           "'choice' must be one of the strings 'cnn', 'ridge' or 'no difference'; got "
           + ("another string" if isinstance(choice, str) else f"a {type_name(choice)}"), given)
    return (to_float(out["difference"], f"{what} ('difference')"),
            to_float(out["low"], f"{what} ('low')"), to_float(out["high"], f"{what} ('high')"),
            str(choice))


def _two_predictors(rng, n, r_cnn, r_ridge, shared):
    """A test set: phenotypes y (standard normal) and two predictions whose correlations with y
    are about r_cnn and r_ridge. A share ``shared`` of the two models' prediction noise is
    common to both, as for two models fitted to the same training plants."""
    y = rng.normal(size=n)
    common = rng.normal(size=n)

    def predictor(r):
        noise = np.sqrt(shared) * common + np.sqrt(1 - shared) * rng.normal(size=n)
        return r * y + np.sqrt(1 - r ** 2) * noise

    return y, predictor(r_cnn), predictor(r_ridge)


def _clear_cut(ref, case, n_boot, seed, want, ahead=None):
    """Is the reference's decision on ``case`` ``want``, with a margin (and, for "no
    difference", the point estimate on the side ``ahead``)?"""
    res = ref.compare_predictions(*case, n_boot=n_boot, seed=seed)
    margin = MARGIN * (res["high"] - res["low"])
    if want == "cnn":
        return res["low"] > margin
    if want == "ridge":
        return res["high"] < -margin
    side = np.sign(res["difference"]) == (1 if ahead == "cnn" else -1)
    return min(-res["low"], res["high"]) > margin and side


def _draw_case(ref, rng, want, n_boot, seed, n, r_cnn, r_ridge, shared, ahead=None):
    for _ in range(200):
        case = _two_predictors(rng, n, r_cnn, r_ridge, shared)
        if _clear_cut(ref, case, n_boot, seed, want, ahead):
            return case
    raise RuntimeError("no clear-cut case drawn: the generator's settings are wrong")


def _check_comparison(student, ref, y, pred_cnn, pred_ridge, n_boot, seed, parts, what=""):
    given = (f"{what + ': ' if what else ''}y, pred_cnn and pred_ridge of shape {y.shape}, "
             f"n_boot={n_boot}, seed={seed}")
    exp = ref.compare_predictions(y, pred_cnn, pred_ridge, n_boot=n_boot, seed=seed)
    out = student(y.copy(), pred_cnn.copy(), pred_ridge.copy(), n_boot=n_boot, seed=seed)
    difference, low, high, choice = _comparison(out, given)
    if "difference" in parts:
        expect_close(difference, exp["difference"], "compare_predictions ('difference')", given)
    if "interval" in parts:
        tol = INTERVAL_TOLERANCE * (exp["high"] - exp["low"])
        expect(abs(low - exp["low"]) <= tol and abs(high - exp["high"]) <= tol,
               "compare_predictions", f"expected a 95 % interval of about "
               f"[{exp['low']:.3f}, {exp['high']:.3f}] (give or take {tol:.3f}), got "
               f"[{low:.3f}, {high:.3f}]", given)
    if "choice" in parts:
        expect(choice == exp["choice"], "compare_predictions",
               f"expected the choice {exp['choice']!r}, got {choice!r}", given)


@SUITE.test("compare_predictions", points=1,
            hint="'difference' is r(pred_cnn, y) - r(pred_ridge, y), the CNN's Pearson "
                 "correlation minus ridge's, both on the whole test set (no bootstrap)")
def difference_is_r_of_the_cnn_minus_r_of_ridge(student, ref, rng):
    for n, r_cnn, r_ridge in ((200, 0.45, 0.55), (150, 0.6, 0.3), (300, 0.5, 0.5)):
        y, a, b = _two_predictors(rng, n, r_cnn, r_ridge, shared=0.5)
        _check_comparison(student, ref, y, a, b, 200, int(rng.integers(1000)), ("difference",))


@SUITE.test("compare_predictions", points=1,
            hint="a network trained on the standardised phenotype predicts in other units than "
                 "ridge regression; Pearson r ignores units and offsets (a squared error or "
                 "R^2 would not), so it compares how well each model ranks the plants")
def pearson_r_ignores_the_units_of_the_predictions(student, ref, rng):
    y, a, b = _draw_case(ref, rng, "cnn", 2000, 7, 200, 0.6, 0.4, shared=0.5)
    y_cm = 80.0 + 12.0 * y                       # plant height in cm
    cnn_std = 0.3 * a                            # a CNN trained on the standardised phenotype
    ridge_cm = 80.0 + 12.0 * b                   # ridge regression fitted to the heights
    _check_comparison(student, ref, y_cm, cnn_std, ridge_cm, 2000, 7, ("difference", "choice"),
                      "heights in cm, CNN predictions on the standardised scale")


@SUITE.test("compare_predictions", points=1,
            hint="resample n individuals *with replacement* and use the *same* individuals for "
                 "both models (a paired bootstrap); the interval is the 2.5th and 97.5th "
                 "percentile of the resampled differences (np.percentile takes percentages)")
def interval_is_a_paired_bootstrap_percentile_interval(student, ref, rng):
    y, a, b = _draw_case(ref, rng, "ridge", 4000, 11, 200, 0.50, 0.56, shared=0.95)
    _check_comparison(student, ref, y, a, b, 4000, 11, ("interval",),
                      "two models whose errors are strongly correlated")


@SUITE.test("compare_predictions", points=1,
            hint="'cnn' when the whole interval lies above zero (the CNN's r is higher), "
                 "'ridge' when it lies below zero")
def clear_winners_are_named(student, ref, rng):
    for want, r_cnn, r_ridge in (("cnn", 0.65, 0.35), ("ridge", 0.3, 0.6)):
        y, a, b = _draw_case(ref, rng, want, 2000, 3, 200, r_cnn, r_ridge, shared=0.5)
        _check_comparison(student, ref, y, a, b, 2000, 3, ("choice",),
                          "a clear difference in r")


@SUITE.test("compare_predictions", points=1,
            hint="when the 95 % interval contains zero the test set cannot tell the two models "
                 "apart: answer 'no difference', whichever r happens to be higher")
def no_difference_when_the_interval_contains_zero(student, ref, rng):
    for ahead in ("cnn", "ridge"):
        y, a, b = _draw_case(ref, rng, "no difference", 2000, 5, 200, 0.5, 0.5, shared=0.6,
                             ahead=ahead)
        _check_comparison(student, ref, y, a, b, 2000, 5, ("choice",),
                          f"two equally good models, {ahead} ahead by chance")


def _founder_panel(n_individuals, snps_per_chromosome, seed, n_chromosomes=3, n_founders=20,
                   switch_rate=0.02):
    """Dosages (0, 1, 2) of a breeding population descended from ``n_founders`` founder lines:
    each chromosome copy is a mosaic of founder haplotypes that switches founder with
    probability ``switch_rate`` per marker (recombination), which makes nearby markers
    correlated (LD). Markers with minor-allele frequency below 0.05 are dropped."""
    rng = np.random.default_rng(seed)
    m = n_chromosomes * snps_per_chromosome
    founders = (rng.random((n_founders, m)) < rng.uniform(0.05, 0.95, size=m)).astype(np.int8)
    n_haplotypes = 2 * n_individuals
    switch = rng.random((n_haplotypes, m)) < switch_rate
    switch[:, ::snps_per_chromosome] = True      # every chromosome starts with a fresh founder
    draws = rng.integers(0, n_founders, size=(n_haplotypes, m))
    last = np.maximum.accumulate(np.where(switch, np.arange(m), 0), axis=1)
    haplotypes = founders[np.take_along_axis(draws, last, axis=1), np.arange(m)]
    G = (haplotypes[0::2] + haplotypes[1::2]).astype(np.float64)
    freq = G.mean(axis=0) / 2
    return G[:, np.minimum(freq, 1 - freq) >= 0.05]


def _train_deepgs(model, X, T, fit, val, epochs=25):
    """DeepGS trained as in the chapter: SGD (learning rate 0.01, momentum 0.5, weight decay
    1e-5) on the mean squared error, batches of 30, keeping the epoch with the best validation
    correlation. Returns its prediction function (numpy, float64)."""
    sgd = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5, weight_decay=1e-5)
    best, state = -np.inf, None
    for _ in range(epochs):
        model.train()
        for batch in torch.tensor(fit)[torch.randperm(len(fit))].split(30):
            sgd.zero_grad()
            torch.nn.functional.mse_loss(model(X[batch])[:, 0], T[batch]).backward()
            sgd.step()
        model.eval()
        with torch.no_grad():
            r_val = np.corrcoef(model(X[val])[:, 0].numpy(), T[val].numpy())[0, 1]
        if r_val > best:
            best, state = r_val, {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(state)

    def predict(x):
        with torch.no_grad():
            return model(x)[:, 0].double().numpy()

    return predict


@functools.lru_cache(maxsize=1)
def _chapter_case(ref):
    """The chapter's experiment on a population and a trait the notebook does not use: an
    additive trait (50 causal markers, h2 = 0.5) on 800 plants, 600 to train (480 to fit, 120
    for early stopping) and 200 to test; RidgeCV on the dosages and DeepGS trained as in the
    chapter (SGD, learning rate 0.01, momentum 0.5, batches of 30, the best validation epoch
    of 25). The same for every student; computed once per grading process."""
    from sklearn.linear_model import RidgeCV

    G = _founder_panel(800, 200, seed=3)
    rng = np.random.default_rng(4)
    z = (G - G.mean(axis=0)) / G.std(axis=0)
    genetic = z[:, rng.choice(G.shape[1], 50, replace=False)] @ rng.normal(size=50)
    genetic = (genetic - genetic.mean()) / genetic.std()
    y = np.sqrt(0.5) * genetic + np.sqrt(0.5) * rng.normal(size=len(genetic))
    order = rng.permutation(len(y))
    train, test, fit, val = order[:600], order[600:], order[:480], order[480:600]
    pred_ridge = RidgeCV(alphas=np.logspace(0, 4, 25)).fit(G[train], y[train]).predict(G[test])
    target = (y - y[train].mean()) / y[train].std()
    X, T = torch.tensor(G, dtype=torch.float32), torch.tensor(target, dtype=torch.float32)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a small network trains fastest on one thread
    try:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            pred_cnn = _train_deepgs(ref.DeepGS(G.shape[1]), X, T, fit, val)(X[test])
    finally:
        torch.set_num_threads(threads)
    return y[test], pred_cnn, pred_ridge


@SUITE.test("compare_predictions", points=1,
            hint="this is the chapter's comparison (DeepGS against ridge regression on an "
                 "additive trait, 200 test plants); check each step of the rule on it")
def the_chapter_additive_trait_on_new_plants(student, ref, rng):
    y, pred_cnn, pred_ridge = _chapter_case(ref)
    _check_comparison(student, ref, y, pred_cnn, pred_ridge, 2000, int(rng.integers(1000)),
                      ("difference", "interval", "choice"),
                      "DeepGS and ridge regression on a simulated additive trait")

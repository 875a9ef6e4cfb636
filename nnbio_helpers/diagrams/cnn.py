"""Diagrams for chapter 05 (convolutional networks and genomic prediction).

- ``conv2d_sliding``: a 2-D convolution with zero padding and stride. The padded input grid
  (padding cells grey, showing their zeros), the 3 x 3 kernel window outlined at one position,
  the kernel, and the output grid with the cell that window produces outlined; the sizes and
  the output-size formula are written underneath. The numbers are a real computation.
- ``max_pool``: 2 x 2 max pooling with stride 2 on a 4 x 4 grid: the four windows, the
  maximum of each, and the 2 x 2 result.
- ``deepgs``: the DeepGS network (Ma et al. 2018) as a layer diagram in two rows, with the
  shape of the data after each layer (600 markers by default).
- ``dlgwas``: the DLGWAS network (Liu et al. 2019) as a layer diagram: two convolutional
  streams on the one-hot genotypes, added, then one more convolution, dropout and a dense output.
- ``conv1d_panel``: one panel of the chapter's 1-D padding/stride/dilation explorer (an Axes
  function for ``nnbio_helpers.widgets.explore``, not a whole figure).

Every public function except ``conv1d_panel`` returns a matplotlib Figure at most 7 in wide
with text of at least 9 pt.
"""
from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from ..style import OKABE_ITO
from . import draw

__all__ = ["conv2d_sliding", "max_pool", "deepgs", "dlgwas", "conv1d_panel"]

_INPUT = np.array([[1, 2, 0, 1, 3],
                   [0, 1, 2, 3, 1],
                   [2, 0, 1, 1, 0],
                   [1, 3, 2, 0, 2],
                   [0, 1, 1, 2, 1]])
_KERNEL = np.array([[1, 0, -1],
                    [1, 0, -1],
                    [1, 0, -1]])


def _canvas(height: float):
    """A canvas 7 data units wide drawn 6.8 in wide, so that with the book's tight bounding box
    the image stays within 7 in."""
    return draw.canvas(6.8, height * 6.8 / 7.0, xlim=(0, 7.0), ylim=(0, height))


def _conv2d(image, kernel, padding, stride):
    padded = np.pad(image, padding)
    k = kernel.shape[0]
    n_out = (padded.shape[0] - k) // stride + 1
    out = np.zeros((n_out, n_out), dtype=int)
    for i in range(n_out):
        for j in range(n_out):
            window = padded[i * stride:i * stride + k, j * stride:j * stride + k]
            out[i, j] = int((window * kernel).sum())
    return padded, out


def conv2d_sliding(row: int = 1, col: int = 2, padding: int = 1, stride: int = 2):
    """A 5 x 5 input, zero-padded by ``padding``, convolved with a 3 x 3 kernel at ``stride``.

    The window that produces output cell (``row``, ``col``) is outlined on the input and that
    cell is outlined on the output."""
    padded, out = _conv2d(_INPUT, _KERNEL, padding, stride)
    n, k, p, s = _INPUT.shape[0], _KERNEL.shape[0], padding, stride
    size = 0.36
    total = padded.shape[0]
    fig, ax = _canvas(4.4)
    y0 = 1.05  # bottom of the grids
    in_x = 0.1
    # the padded grid: the padding cells (grey, 0) around the real input (blue)
    border = padded.astype(object)
    border[p:p + n, p:p + n] = ""
    draw.cells(ax, (in_x, y0), border, size=size, kind="neutral", fontsize=10)
    draw.cells(ax, (in_x + p * size, y0 + p * size), _INPUT, size=size, kind="input",
               fontsize=10)
    r0, c0 = row * s, col * s
    ax.add_patch(Rectangle((in_x + c0 * size, y0 + (total - r0 - k) * size), k * size, k * size,
                           fill=False, edgecolor=OKABE_ITO["vermillion"], lw=2.6, zorder=6))
    grid_top = y0 + total * size
    draw.text(ax, (in_x + total * size / 2, grid_top + 0.5),
              f"input {n} × {n}, zero padding p = {p}\n(grey cells) → {total} × {total}",
              fontsize=10)

    # the kernel
    k_x = in_x + total * size + 0.7
    k_y = y0 + (total - k) * size / 2
    draw.text(ax, (k_x - 0.38, k_y + k * size / 2), "∗", fontsize=20)
    draw.cells(ax, (k_x, k_y), _KERNEL, size=size, kind="weight", fontsize=10)
    draw.text(ax, (k_x + k * size / 2, k_y + k * size + 0.45), f"kernel\nK = {k}", fontsize=10)

    # the output
    n_out = out.shape[0]
    o_x = k_x + k * size + 0.8
    o_y = y0 + (total - n_out) * size / 2
    draw.text(ax, (o_x - 0.45, o_y + n_out * size / 2), "=", fontsize=20)
    draw.cells(ax, (o_x, o_y), out, size=size, kind="output", fontsize=10,
               highlight=(row, col, 1, 1))
    draw.text(ax, (o_x + n_out * size / 2, o_y + n_out * size + 0.45),
              f"output\n{n_out} × {n_out}", fontsize=10)

    # the arithmetic of the highlighted cell, and the size formula
    window = padded[r0:r0 + k, c0:c0 + k]
    terms = " + ".join(f"{a}·{b}" for a, b in zip(window.ravel(), _KERNEL.ravel()) if b != 0)
    draw.text(ax, (o_x + n_out * size / 2, o_y - 0.5),
              f"stride s = {s}:\nthe window jumps\n{s} cells at a time", fontsize=10)
    draw.text(ax, (3.5, 0.62),
              f"outlined cell: {terms.replace('·-1', '·(−1)')} = {out[row, col]}",
              fontsize=10)
    draw.text(ax, (3.5, 0.2),
              r"output size $\lfloor (N + 2p - K)/s \rfloor + 1 = "
              rf"\lfloor ({n} + {2 * p} - {k})/{s} \rfloor + 1 = {n_out}$", fontsize=11)
    return fig


def max_pool(values=None):
    """2 x 2 max pooling with stride 2: a 4 x 4 grid, its four windows and the 2 x 2 result."""
    if values is None:
        values = np.array([[1, 3, 2, 1],
                           [4, 2, 0, 1],
                           [0, 1, 5, 6],
                           [2, 2, 7, 3]])
    values = np.asarray(values)
    pooled = values.reshape(2, 2, 2, 2).max(axis=(1, 3))
    size = 0.55
    fig, ax = draw.canvas(6.0, 3.2)
    in_x, in_y = 0.4, 0.35
    draw.cells(ax, (in_x, in_y), values, size=size, kind="input", fontsize=11)
    colours = [OKABE_ITO["vermillion"], OKABE_ITO["blue"], OKABE_ITO["green"],
               OKABE_ITO["purple"]]
    styles = ["-", "--", "-.", ":"]
    for w, (r, c) in enumerate([(0, 0), (0, 2), (2, 0), (2, 2)]):
        ax.add_patch(Rectangle((in_x + c * size + 0.03, in_y + (4 - r - 2) * size + 0.03),
                               2 * size - 0.06, 2 * size - 0.06, fill=False,
                               edgecolor=colours[w], lw=2.4, ls=styles[w], zorder=6))
    draw.text(ax, (in_x + 2 * size, in_y + 4 * size + 0.3), "feature map 4 × 4", fontsize=10)

    out_x, out_y = 4.3, in_y + size
    draw.cells(ax, (out_x, out_y), pooled, size=size, kind="output", fontsize=11)
    for w, (r, c) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        ax.add_patch(Rectangle((out_x + c * size + 0.03, out_y + (1 - r) * size + 0.03),
                               size - 0.06, size - 0.06, fill=False, edgecolor=colours[w],
                               lw=2.4, ls=styles[w], zorder=6))
    draw.text(ax, (out_x + size, out_y + 2 * size + 0.3), "pooled 2 × 2", fontsize=10)
    draw.arrow(ax, (in_x + 4 * size + 0.15, in_y + 2 * size), (out_x - 0.15, in_y + 2 * size),
               label="max of each\n2 × 2 window,\nstride 2", label_offset=(0, 0.45), fontsize=10)
    return fig


def _shape_label(ax, xy, label):
    draw.text(ax, xy, label, fontsize=10, color="#444444", style="italic")


def deepgs(n_snps: int = 600):
    """DeepGS ("8-32-1"): conv of 8 filters of width 18, ReLU, max-pool 4, dropout 0.2, dense 32
    (sigmoid), dropout 0.1, dense 1; the data's shape is written under each layer."""
    conv_len = n_snps - 18 + 1
    pooled = (conv_len - 4) // 4 + 1
    flat = 8 * pooled
    fig, ax = _canvas(3.7)
    w, h, gap = 1.35, 0.95, 0.38
    top = draw.pipeline(ax, [f"input\n{n_snps} marker\ndosages", "Conv1d\n8 filters,\nwidth 18",
                             "ReLU", "max-pool\nwidth 4"],
                        y=2.75, x0=0.2, width=w, gap=gap, height=h,
                        kinds=["input", "weight", "hidden", "hidden"], fontsize=10)
    bottom = draw.pipeline(ax, ["dropout\n0.2", f"flatten\n8 × {pooled}\n= {flat:,}",
                                "dense 32,\nsigmoid", "dropout\n0.1", "dense 1\n(phenotype)"],
                           y=0.95, x0=0.1, width=1.05, gap=0.33, height=h,
                           kinds=["hidden", "hidden", "weight", "hidden", "output"], fontsize=10)
    for (x, y), label in zip(top, [f"1 × {n_snps}", f"8 × {conv_len}", f"8 × {conv_len}",
                                   f"8 × {pooled}"]):
        _shape_label(ax, (x, y - h / 2 - 0.2), label)
    for (x, y), label in zip(bottom, [f"8 × {pooled}", f"{flat:,}", "32", "32", "1"]):
        _shape_label(ax, (x, y - h / 2 - 0.2), label)
    # from the end of the first row down to the start of the second
    (xa, ya), (xb, yb) = top[-1], bottom[0]
    mid = (ya - h / 2 - 0.42 + yb + h / 2) / 2 + 0.02
    ax.plot([xa, xa, xb, xb], [ya - h / 2 - 0.38, mid, mid, yb + h / 2 + 0.15],
            color=draw.INK, lw=1.4, zorder=1)
    draw.arrow(ax, (xb, yb + h / 2 + 0.2), (xb, yb + h / 2 + 0.01))
    draw.text(ax, (3.5, 3.5), "shapes (channels × markers) in italics under each layer",
              fontsize=10, color="#444444")
    return fig


def dlgwas(n_snps: int = 600):
    """DLGWAS: one-hot genotypes (4 channels) read by stream A (conv 10 x width 4, conv
    10 x width 20, dropout 0.75) and stream B (conv 10 x width 4); the two are added, then
    conv 10 x width 4, dropout 0.75, flatten, dropout 0.75 and a dense output under an ISRU,
    x / sqrt(1 + a x^2). All convolutions use 'same' padding and have no activation function."""
    fig, ax = _canvas(4.6)
    h = 0.85
    y_a, y_b, y_add = 3.9, 2.45, 3.17
    inp = (0.7, y_add)
    draw.box(ax, inp, 1.2, 1.05, f"one-hot\ngenotypes\n4 × {n_snps}", kind="input", fontsize=10)
    a = draw.pipeline(ax, ["Conv1d\n10 × width 4", "Conv1d\n10 × width 20", "dropout\n0.75"],
                      y=y_a, x0=1.75, width=1.3, gap=0.3, height=h,
                      kinds=["weight", "weight", "hidden"], fontsize=10)
    b_xy = (a[0][0], y_b)
    draw.box(ax, b_xy, 1.3, h, "Conv1d\n10 × width 4", kind="weight", fontsize=10)
    draw.text(ax, (a[1][0], y_a + h / 2 + 0.2), f"stream A (output 10 × {n_snps})", fontsize=10,
              color="#444444", style="italic")
    draw.text(ax, (4.7, y_b - 0.2), f"stream B (output 10 × {n_snps})", fontsize=10,
              color="#444444", style="italic")
    add = (6.55, y_add)
    draw.node(ax, add, "+", kind="hidden", radius=0.25, fontsize=14)
    # input -> both streams
    draw.arrow(ax, (inp[0] + 0.6, y_add + 0.2), (a[0][0] - 0.65, y_a))
    draw.arrow(ax, (inp[0] + 0.6, y_add - 0.2), (b_xy[0] - 0.65, y_b))
    # both streams -> add
    draw.arrow(ax, (a[-1][0] + 0.65, y_a), (add[0] - 0.13, add[1] + 0.2))
    draw.arrow(ax, (b_xy[0] + 0.65, y_b), (add[0] - 0.2, add[1] - 0.17))
    # second row
    row = draw.pipeline(ax, ["Conv1d\n10 × width 4", "dropout\n0.75",
                             f"flatten\n10 × {n_snps}\n= {10 * n_snps:,}", "dropout\n0.75",
                             "dense 1,\nISRU\n(phenotype)"],
                        y=0.75, x0=0.15, width=1.05, gap=0.33, height=0.95,
                        kinds=["weight", "hidden", "hidden", "hidden", "output"], fontsize=10)
    xb, yb = row[0]
    ax.plot([add[0], add[0], xb, xb], [add[1] - 0.25, 1.68, 1.68, 1.4], color=draw.INK, lw=1.4,
            zorder=1)
    draw.arrow(ax, (xb, 1.45), (xb, 0.75 + 0.95 / 2 + 0.01))
    draw.text(ax, (3.6, 1.46), "the two streams are added: a residual shortcut", fontsize=10,
              color="#444444", style="italic")
    draw.text(ax, (3.5, 0.07), "all convolutions: 'same' padding, no activation function",
              fontsize=10, color="#444444")
    return fig


def conv1d_panel(ax, kernel_size=3, stride=1, dilation=1, padding=0, length=12):
    """One panel of the 1-D explorer: input squares (padding in grey), output squares on top,
    and lines from one output unit to the inputs it reads."""
    reach = (kernel_size - 1) * dilation + 1  # input positions one window covers
    n_out = (length + 2 * padding - reach) // stride + 1
    total = length + 2 * padding
    for i in range(total):
        pad = i < padding or i >= padding + length
        ax.add_patch(Rectangle((i - 0.4, -0.4), 0.8, 0.8, facecolor="#DDDDDD" if pad
                               else OKABE_ITO["sky"], edgecolor="#888888" if pad else "none",
                               ls=":" if pad else "-"))
    if n_out < 1:
        ax.text(total / 2, 1.5, "the kernel does not fit", ha="center", fontsize=10)
    offset = (total - n_out) / 2  # centre the output row for readability
    for t in range(max(n_out, 0)):
        ax.add_patch(Rectangle((offset + t - 0.4, 2.6), 0.8, 0.8, color=OKABE_ITO["orange"]))
    if n_out >= 1:
        t = n_out // 2  # show the taps of one output unit
        ax.add_patch(Rectangle((offset + t - 0.4, 2.6), 0.8, 0.8, fill=False,
                               edgecolor=draw.INK, lw=2.2))
        for k in range(kernel_size):
            ax.plot([offset + t, t * stride + k * dilation], [2.6, 0.4], color="k", lw=1,
                    ls="-")
    ax.text(-0.5, 3.8, f"output length {max(n_out, 0)}", fontsize=10)
    ax.set_xlim(-1, max(total, 8))
    ax.set_ylim(-1, 4.5)
    ax.axis("off")

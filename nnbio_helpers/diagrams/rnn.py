"""Diagrams for chapter 6 (recurrent networks and LSTM).

* :func:`unrolled`: a recurrent cell with its loop (left) equals the same cell unrolled into a
  chain x_1 -> h_1 -> h_2 -> ... (right), every copy using the same weights W_xh, W_hh, b_h.
* :func:`lstm_cell`: the inside of one LSTM step: the cell-state line c_{t-1} -> c_t with its
  multiplication (forget) and addition (input x candidate), the four gates f, i, g, o computed
  from h_{t-1} and x_t, and the output h_t = o * tanh(c_t).
"""
from __future__ import annotations

from matplotlib.patches import FancyArrowPatch

from ..style import OKABE_ITO
from .draw import EDGE, INK, arrow, box, canvas, node, text


def unrolled():
    """The folded RNN (a cell with a loop) and the same network unrolled over three steps."""
    fig, ax = canvas(7.0, 3.3)
    verm, purple = OKABE_ITO["vermillion"], EDGE["weight"]
    # folded: one cell with a self-loop
    x0 = 0.75
    node(ax, (x0, 0.55), "$x_t$", kind="input", radius=0.3, fontsize=12)
    box(ax, (x0, 1.75), 0.9, 0.65, "RNN\ncell", kind="hidden", fontsize=11)
    node(ax, (x0, 2.95), "$h_t$", kind="output", radius=0.3, fontsize=12)
    arrow(ax, (x0, 0.85), (x0, 1.42), color=purple)
    arrow(ax, (x0, 2.08), (x0, 2.65), color=INK)
    loop = FancyArrowPatch((x0 + 0.45, 1.95), (x0 + 0.45, 1.55), arrowstyle="-|>",
                           mutation_scale=12, color=verm, lw=1.6,
                           connectionstyle="arc3,rad=-1.6", zorder=1)
    ax.add_patch(loop)
    text(ax, (x0 + 0.8, 2.3), "$W_{hh}$", fontsize=11, color=verm)
    text(ax, (x0 - 0.3, 1.13), "$W_{xh}$", fontsize=10, color=purple, ha="right")
    text(ax, (1.95, 1.78), "=", fontsize=22)
    text(ax, (1.95, 1.35), "unroll", fontsize=10)

    # unrolled chain h_0 -> cell -> cell -> cell -> ...
    xs, h0 = [3.6, 4.75, 5.9], 2.55
    node(ax, (h0, 1.75), "$h_0$", kind="neutral", radius=0.26, fontsize=11)
    starts = [h0 + 0.26] + [x + 0.38 for x in xs]
    for k, x in enumerate(xs, start=1):
        node(ax, (x, 0.55), f"$x_{k}$", kind="input", radius=0.3, fontsize=12)
        box(ax, (x, 1.75), 0.75, 0.65, "cell", kind="hidden", fontsize=10)
        node(ax, (x, 2.95), f"$h_{k}$", kind="output", radius=0.3, fontsize=12)
        arrow(ax, (x, 0.85), (x, 1.42), color=purple)
        text(ax, (x - 0.1, 1.13), "$W_{xh}$", fontsize=10, color=purple, ha="right")
        arrow(ax, (x, 2.08), (x, 2.65), color=INK)
        arrow(ax, (starts[k - 1], 1.75), (x - 0.38, 1.75), color=verm, lw=1.6)
        text(ax, ((starts[k - 1] + x - 0.38) / 2, 2.25), "$W_{hh}$", fontsize=10, color=verm)
    arrow(ax, (starts[-1], 1.75), (6.75, 1.75), color=verm, lw=1.6)
    text(ax, (6.8, 1.75), "…", fontsize=14, ha="left")
    text(ax, (4.7, 0.08), "the same $W_{xh}$, $W_{hh}$ and $b_h$ in every copy", fontsize=10)
    return fig


def _gate(ax, xy, name, func):
    """A gate: a box with the gate's name and its squashing function."""
    box(ax, xy, 0.82, 0.62, f"{name}\n{func}", kind="weight", fontsize=9.5)


def _op(ax, xy, symbol):
    """A pointwise operation (x or +) on the cell's lines."""
    node(ax, xy, symbol, kind="neutral", radius=0.18, fontsize=12)


def lstm_cell():
    """One LSTM step: gates from [h_{t-1}, x_t], the cell-state line, and the output h_t."""
    fig, ax = canvas(7.0, 4.3)
    blue, verm = OKABE_ITO["blue"], OKABE_ITO["vermillion"]
    outline = box(ax, (3.55, 2.05), 5.0, 2.9, "", kind="neutral", rounded=True)
    outline.set_zorder(0)
    top, y_gate, bus_y = 3.15, 1.6, 0.85
    # cell-state line c_{t-1} -> x -> + -> c_t
    x_mul, x_add = 2.0, 3.35
    arrow(ax, (0.1, top), (x_mul - 0.18, top), color=verm, lw=2.4)
    arrow(ax, (x_mul + 0.18, top), (x_add - 0.18, top), color=verm, lw=2.4)
    arrow(ax, (x_add + 0.18, top), (6.9, top), color=verm, lw=2.4)
    text(ax, (0.1, top + 0.25), "$c_{t-1}$", fontsize=12, color=verm, ha="left")
    text(ax, (6.9, top + 0.25), "$c_t$", fontsize=12, color=verm, ha="right")
    text(ax, (3.55, 3.85), "cell state: $c_t = f_t \\odot c_{t-1} + i_t \\odot g_t$",
         fontsize=11, color=verm)
    _op(ax, (x_mul, top), "×")
    _op(ax, (x_add, top), "+")
    # inputs: h_{t-1} from the left, x_t from below, joined on one line that feeds every gate
    arrow(ax, (0.1, bus_y), (4.7, bus_y), color=INK, style="-")
    text(ax, (0.1, bus_y - 0.25), "$h_{t-1}$", fontsize=12, ha="left")
    arrow(ax, (1.3, 0.05), (1.3, bus_y), color=INK, style="-")
    text(ax, (1.45, 0.2), "$x_t$", fontsize=12, ha="left")
    gates = [(2.0, "forget $f_t$", "σ"), (2.9, "input $i_t$", "σ"),
             (3.8, "candidate\n$g_t$", "tanh"), (4.7, "output $o_t$", "σ")]
    for gx, name, func in gates:
        arrow(ax, (gx, bus_y), (gx, y_gate - 0.32), color=INK)
        _gate(ax, (gx, y_gate), name, func)
    # forget gate multiplies the old cell state
    arrow(ax, (2.0, y_gate + 0.32), (x_mul, top - 0.18), color=INK)
    # input gate x candidate, added to the cell state
    x_ig, y_ig = x_add, 2.45
    _op(ax, (x_ig, y_ig), "×")
    arrow(ax, (2.9, y_gate + 0.32), (x_ig - 0.14, y_ig - 0.12), color=INK)
    arrow(ax, (3.8, y_gate + 0.32), (x_ig + 0.14, y_ig - 0.12), color=INK)
    arrow(ax, (x_ig, y_ig + 0.18), (x_add, top - 0.18), color=INK)
    # output: h_t = o_t * tanh(c_t)
    x_out = 5.65
    box(ax, (x_out, 2.45), 0.6, 0.36, "tanh", kind="hidden", fontsize=10)
    arrow(ax, (x_out, top), (x_out, 2.63), color=verm)
    _op(ax, (x_out, y_gate), "×")
    arrow(ax, (x_out, 2.27), (x_out, y_gate + 0.18), color=INK)
    arrow(ax, (4.7 + 0.42, y_gate), (x_out - 0.18, y_gate), color=INK)
    arrow(ax, (x_out, y_gate - 0.18), (x_out, bus_y), color=blue, style="-", lw=1.8)
    arrow(ax, (x_out, bus_y), (6.9, bus_y), color=blue, lw=1.8)
    text(ax, (6.9, bus_y + 0.25), "$h_t$", fontsize=12, color=blue, ha="right")
    text(ax, (5.65, 0.45), "$h_t = o_t \\odot \\tanh(c_t)$", fontsize=10, color=blue)
    return fig

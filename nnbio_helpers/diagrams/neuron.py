"""Diagrams and plot helpers for chapter 1 (the artificial neuron and the perceptron).

- ``neuron_schematic()``: a biological neuron (dendrites with synapses, cell body, axon
  initial segment, axon) above the artificial neuron that abstracts it: inputs $x_i$,
  weights $w_i$, the sum $z = \\sum_i w_i x_i + b$ with its bias, the step activation and the
  output $a$, each part under its biological counterpart.
- ``xor_network_diagram()``: the 2-2-1 threshold network that computes XOR, with every weight and
  bias written on it (hidden units OR and NAND, output unit AND).
- ``decision_regions(ax, predict, X, y)``: shade where a classifier predicts class 1 and
  scatter two labelled groups with the book's colour-blind-safe pair of colours and
  different markers (used for the biopsy figures).
"""
from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Circle

from ..style import OKABE_ITO, PAIR
from . import draw

#: markers for class 0 and class 1, so the two groups differ in shape as well as colour
MARKERS = ("o", "^")


def _step_icon(ax, centre, width=0.5, height=0.34, color=draw.INK):
    """A small step-function curve drawn inside a box centred at ``centre``."""
    x, y = centre
    xs = [x - width / 2, x, x, x + width / 2]
    ys = [y - height / 2, y - height / 2, y + height / 2, y + height / 2]
    ax.plot(xs, ys, color=color, lw=1.8, ls="-", solid_capstyle="round", zorder=4)


def neuron_schematic():
    """A biological neuron (top) and the artificial neuron that abstracts it (bottom).

    Columns line up: synapses on the dendrites become inputs times weights, the summation of
    postsynaptic potentials in the cell body becomes the weighted sum plus bias, the firing
    threshold at the axon initial segment becomes the step function, and the all-or-none
    spike on the axon becomes the output."""
    fig, ax = draw.canvas(7.0, 5.3)
    ink = draw.INK

    # --- top: a biological neuron -------------------------------------------------------
    soma = (3.05, 4.05)
    draw.text(ax, (0.1, 5.1), "biological neuron", fontsize=12, ha="left", weight="bold")
    dendrite_ends = [(0.55, 4.75), (0.45, 4.05), (0.55, 3.35)]
    for i, (xe, ye) in enumerate(dendrite_ends):
        ax.plot([xe, soma[0] - 0.3], [ye, soma[1] + (ye - soma[1]) * 0.25], color=ink, lw=2.2,
                ls="-", zorder=2)
        # a presynaptic terminal (synapse) on each dendrite
        frac = 0.55 / (soma[0] - 0.3 - xe)
        sx, sy = xe + 0.55, ye + (soma[1] + (ye - soma[1]) * 0.25 - ye) * frac
        ax.add_patch(Circle((sx, sy), 0.09, facecolor=draw.FILL["weight"], edgecolor=draw.EDGE["weight"],
                            lw=1.5, zorder=3))
    draw.text(ax, (0.35, 3.05), "synapses on dendrites", fontsize=11, ha="left",
              va="top", color=draw.EDGE["weight"])
    draw.node(ax, soma, "", kind="hidden", radius=0.42)
    draw.text(ax, (soma[0], soma[1] - 0.62), "cell body:\nsums potentials", fontsize=11,
              va="top")
    # axon initial segment and axon
    ais_x = 4.15
    ax.plot([soma[0] + 0.42, 6.35], [soma[1], soma[1]], color=ink, lw=2.2, ls="-", zorder=2)
    ax.plot([ais_x - 0.25, ais_x + 0.25], [soma[1], soma[1]], color=OKABE_ITO["vermillion"],
            lw=6, ls="-", solid_capstyle="butt", zorder=3)
    draw.text(ax, (ais_x, soma[1] + 0.3), "threshold at the\naxon initial segment",
              fontsize=11, va="bottom")
    for dy in (-0.28, 0.0, 0.28):
        ax.plot([6.35, 6.7], [soma[1], soma[1] + dy], color=ink, lw=1.6, ls="-", zorder=2)
    # a spike drawn above the axon
    t = np.linspace(0, 1, 60)
    spike = 0.45 * np.exp(-((t - 0.4) / 0.09) ** 2) - 0.08 * np.exp(-((t - 0.62) / 0.1) ** 2)
    ax.plot(5.05 + 0.9 * t, soma[1] + 0.22 + spike, color=OKABE_ITO["vermillion"], lw=1.6, ls="-")
    draw.text(ax, (5.55, soma[1] - 0.33), "axon: all-or-none spike", fontsize=11, va="top")

    ax.plot([0.1, 6.9], [2.72, 2.72], color="#BBBBBB", lw=1, ls=":")

    # --- bottom: the artificial neuron --------------------------------------------------
    draw.text(ax, (0.1, 2.45), "artificial neuron", fontsize=12, ha="left", weight="bold")
    sum_xy, step_xy, out_xy = (3.05, 1.15), (4.45, 1.15), (6.2, 1.15)
    ys = [1.95, 1.15, 0.35]
    for i, y in enumerate(ys, start=1):
        xy = (0.45, y)
        draw.node(ax, xy, f"$x_{i}$", kind="input", radius=0.26)
        draw.arrow(ax, (0.71, y), (sum_xy[0] - 0.45, sum_xy[1] + (y - sum_xy[1]) * 0.35),
                   color="#555555", lw=1.3)
        draw.text(ax, (1.45, y + (sum_xy[1] - y) * 0.2 + 0.17), f"$w_{i}$", fontsize=11,
                  color=draw.EDGE["weight"])
    draw.node(ax, sum_xy, r"$\Sigma$", kind="hidden", radius=0.42, fontsize=15)
    draw.text(ax, (sum_xy[0], 0.25), r"$z = \sum_i w_i x_i + b$", fontsize=11)
    # bias arrives from above
    draw.box(ax, (sum_xy[0] - 0.75, 2.2), 0.55, 0.34, "$b$", kind="weight", fontsize=11)
    draw.arrow(ax, (sum_xy[0] - 0.5, 2.03), (sum_xy[0] - 0.18, sum_xy[1] + 0.4), color="#555555",
               lw=1.3)
    draw.text(ax, (sum_xy[0] + 0.15, 2.2), "bias $= -$threshold", fontsize=11, ha="left")
    # step activation
    draw.arrow(ax, (sum_xy[0] + 0.42, sum_xy[1]), (step_xy[0] - 0.4, step_xy[1]), color=ink)
    draw.text(ax, ((sum_xy[0] + step_xy[0]) / 2 - 0.02, sum_xy[1] + 0.17), "$z$", fontsize=11)
    draw.box(ax, step_xy, 0.8, 0.7, "", kind="hidden")
    _step_icon(ax, step_xy)
    draw.text(ax, (step_xy[0], step_xy[1] - 0.5), "step(z)", fontsize=10, va="top")
    draw.arrow(ax, (step_xy[0] + 0.4, step_xy[1]), (out_xy[0] - 0.3, out_xy[1]), color=ink)
    draw.node(ax, out_xy, "$a$", kind="output", radius=0.3)
    draw.text(ax, (out_xy[0], out_xy[1] - 0.42), "output\n0 or 1", fontsize=10, va="top")
    return fig


def xor_network_diagram():
    """The 2-2-1 step network that computes XOR = OR AND NAND, weights and biases shown.

    Hidden unit 1 computes OR (weights 1, 1; bias -0.5), hidden unit 2 computes NAND
    (weights -1, -1; bias 1.5), and the output unit computes the AND of the two (weights
    1, 1; bias -1.5)."""
    fig, ax = draw.canvas(6.6, 4.0)
    pos = [[(0.8, 2.85), (0.8, 1.35)], [(3.3, 2.85), (3.3, 1.35)], [(5.7, 2.1)]]
    hidden_w = {(0, 0): "+1", (1, 0): "+1", (0, 1): "\u22121", (1, 1): "\u22121"}
    radius = 0.36
    # edges, with the weight written near the start of each (the crossing edges meet in
    # the middle, so labels there would collide)
    for (a, b), label in hidden_w.items():
        start, end = np.array(pos[0][a]), np.array(pos[1][b])
        draw.arrow(ax, start, end, shrink=radius + 0.03, color="#555555", lw=1.3)
        t = 0.3 if a == b else 0.27
        xy = start + t * (end - start)
        dy = (0.17 if a == 0 else -0.17) if a == b else 0.0
        draw.text(ax, (xy[0], xy[1] + dy), label, fontsize=11, color=draw.EDGE["weight"],
                  bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none"), zorder=6)
    for b in range(2):
        start, end = np.array(pos[1][b]), np.array(pos[2][0])
        draw.arrow(ax, start, end, shrink=radius + 0.03, color="#555555", lw=1.3)
        xy = start + 0.45 * (end - start)
        draw.text(ax, (xy[0], xy[1] + (0.2 if b == 0 else -0.2)), "+1", fontsize=11,
                  color=draw.EDGE["weight"],
                  bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none"), zorder=6)
    draw.node(ax, pos[0][0], "$x_1$", kind="input", radius=radius, fontsize=12)
    draw.node(ax, pos[0][1], "$x_2$", kind="input", radius=radius, fontsize=12)
    draw.node(ax, pos[1][0], "OR", kind="hidden", radius=radius, fontsize=11)
    draw.node(ax, pos[1][1], "NAND", kind="hidden", radius=radius, fontsize=10)
    draw.node(ax, pos[2][0], "AND", kind="output", radius=radius, fontsize=11)
    # biases beside their units
    bias_style = dict(fontsize=10.5, color=draw.EDGE["weight"])
    draw.text(ax, (pos[1][0][0], pos[1][0][1] + 0.52), "$h_1$, bias $-0.5$", **bias_style)
    draw.text(ax, (pos[1][1][0], pos[1][1][1] - 0.52), "$h_2$, bias $+1.5$", **bias_style)
    draw.text(ax, (pos[2][0][0], pos[2][0][1] + 0.52), "$y$, bias $-1.5$", **bias_style)
    draw.arrow(ax, (pos[2][0][0] + radius, 2.1), (6.5, 2.1), color=draw.INK)
    draw.text(ax, (6.2, 1.75), "XOR", fontsize=10.5)
    # layer names
    for x, name in ((0.8, "inputs"), (3.3, "hidden layer\n(step units)"),
                    (5.7, "output\n(step unit)")):
        draw.text(ax, (x, 0.25), name, fontsize=10, va="center", color="#444444")
    return fig


def decision_regions(ax, predict, X, y, names=("benign", "malignant"), resolution=200,
                     pad=0.5, s=22, legend=True):
    """Shade where ``predict(points)`` is 1 and scatter ``X`` by its 0/1 labels ``y``.

    Class 0 is blue circles, class 1 vermillion triangles (the book's ``style.PAIR``), on a
    pale region of the same colour, so the picture survives colour blindness and grey scale."""
    x0, x1 = X[:, 0].min() - pad, X[:, 0].max() + pad
    y0, y1 = X[:, 1].min() - pad, X[:, 1].max() + pad
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    zz = np.asarray(predict(np.column_stack([gx.ravel(), gy.ravel()]))).reshape(gx.shape)
    ax.contourf(gx, gy, zz, levels=[-0.5, 0.5, 1.5], cmap=ListedColormap(PAIR), alpha=0.18)
    if 0 < zz.mean() < 1:
        ax.contour(gx, gy, zz, levels=[0.5], colors=draw.INK, linewidths=1.2)
    for label in (0, 1):
        sel = y == label
        ax.scatter(X[sel, 0], X[sel, 1], s=s, marker=MARKERS[label], c=PAIR[label],
                   edgecolor="white", linewidth=0.4, alpha=0.85, label=names[label])
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return ax


def class_legend(names=("benign", "malignant")):
    """Legend handles for the two classes as ``decision_regions`` draws them."""
    return [Line2D([], [], ls="", marker=MARKERS[k], color=PAIR[k], markersize=7, label=names[k])
            for k in (0, 1)]
